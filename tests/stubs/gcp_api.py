#!/usr/bin/env python3
"""A local stand-in for the Google Cloud REST APIs permgap reads, which have
no emulator. It serves an export folder in `permgap import gcp`'s layout
(fixtures/demo/gcp, or a test's copy), so that `permgap scan gcp` against it
and `permgap import gcp` of the same folder can be compared.

    python gcp_api.py EXPORT_DIR [--page-size N] [--fail 'METHOD REGEX=STATUS' ...]

Serves on 127.0.0.1 (a free port, printed on the first line of stdout).
Requests are answered as the official Rust crates ask for them (they add
`$alt=json;enum-encoding=int` to every query: enums are answered as numbers,
int64 as strings, `bytes` etags in standard base64). Shapes and paths:
  - Resource Manager v3 (cloud.google.com/resource-manager/reference/rest/v3):
    GET /v3/projects/P, GET /v3/folders/F, GET /v3/organizations/O,
    GET /v3/projects?parent=X, GET /v3/folders?parent=X ({"projects"|"folders":
    [...], "nextPageToken"}), POST /v3/{projects|folders|organizations}/ID:getIamPolicy
    (google.iam.v1.Policy; auditConfigs[].auditLogConfigs[].logType as
    1 ADMIN_READ, 2 DATA_WRITE, 3 DATA_READ). Project: {name: "projects/NUMBER",
    projectId, parent: "folders/F", state: 1 ACTIVE, displayName}.
  - IAM v1 (cloud.google.com/iam/docs/reference/rest): GET /v1/roles?parent=X
    (the crate always uses this binding, with `parent` in the query; custom
    roles of X, `includedPermissions` only with view=1 FULL; stage: 2 GA),
    GET /v1/roles/NAME, GET /v1/projects/P/serviceAccounts ({"accounts"}),
    GET /v1/projects/P/serviceAccounts/EMAIL/keys?keyTypes=1 ({"keys"}, no
    paging; keyType 1 USER_MANAGED, keyAlgorithm 2 KEY_ALG_RSA_2048,
    keyOrigin 2 GOOGLE_PROVIDED).
  - Logging v2 (cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list):
    POST /v2/entries:list with {resourceNames, filter, orderBy, pageSize,
    pageToken} in the body; the `timestamp>=` / `timestamp<` terms of the
    filter are applied; severity as a number (INFO 200, NOTICE 300).
  - Policy Analyzer v1 (its discovery document, policyanalyzer/v1):
    GET /v1/projects/P/locations/global/activityTypes/TYPE/activities:query
    ({"activities", "nextPageToken"}).
  - Recommender v1 (cloud.google.com/recommender/docs/reference/rest/v1):
    GET /v1/projects/P/locations/global/insightTypes/google.iam.policy.Insight/insights
    ({"insights", "nextPageToken"}; stateInfo.state 1 ACTIVE, severity and
    category as numbers).
Lists are answered `--page-size` items at a time (default 2), whatever the
request asks, so that every caller's paging is exercised. A request matching
`--fail 'METHOD REGEX=STATUS'` (the regex searched in the path, a space and
the JSON body, so that `entries:list` of one project can fail) gets Google's error document
({"error": {"code", "message", "status"}}, cloud.google.com/apis/design/errors).
Anything else is 404 NOT_FOUND. GET /__stub/requests lists the requests
received ([method, path, query, body]).
"""
import argparse
import base64
import json
import os
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--page-size", type=int, default=2)
ap.add_argument("--fail", action="append", default=[])
args = ap.parse_args()
FAILS = []
for f in args.fail:
    pattern, status = f.rsplit("=", 1)
    method, path = pattern.split(" ", 1)
    FAILS.append((method, re.compile(path), int(status)))
LOCK = threading.Lock()
REQUESTS = []
STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
          500: "INTERNAL"}
LOG_TYPES = {"ADMIN_READ": 1, "DATA_WRITE": 2, "DATA_READ": 3}
STAGES = {"ALPHA": 0, "BETA": 1, "GA": 2, "DEPRECATED": 4, "DISABLED": 5, "EAP": 6}
KEY_TYPES = {"USER_MANAGED": 1, "SYSTEM_MANAGED": 2}
KEY_ALGS = {"KEY_ALG_RSA_1024": 1, "KEY_ALG_RSA_2048": 2}
KEY_ORIGINS = {"USER_PROVIDED": 1, "GOOGLE_PROVIDED": 2}
SEVERITIES = {"DEFAULT": 0, "DEBUG": 100, "INFO": 200, "NOTICE": 300, "WARNING": 400, "ERROR": 500,
              "CRITICAL": 600, "ALERT": 700, "EMERGENCY": 800}
INSIGHT_STATES = {"ACTIVE": 1, "ACCEPTED": 2, "DISMISSED": 3}
INSIGHT_SEVERITIES = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
INSIGHT_CATEGORIES = {"COST": 1, "SECURITY": 2, "PERFORMANCE": 3, "MANAGEABILITY": 4}


def load(*parts, default=None):
    path = os.path.join(args.dir, *parts)
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def std_b64(etag):
    """gcloud prints `bytes` as base64url; the API (and the Rust crates) use standard base64."""
    return etag.replace("-", "+").replace("_", "/") if isinstance(etag, str) else etag


def listing(kind):
    d = os.path.join(args.dir, kind)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


# The hierarchy, from each project's ancestors.json (bottom to top).
PARENT = {}
PROJECTS = {}
for p in listing("projects"):
    info = load("projects", p, "project.json", default={}) or {}
    anc = load("projects", p, "ancestors.json", default=[]) or []
    chain = [f"{a['type']}s/{a['id']}" for a in anc if a["type"] != "project"]
    number = info.get("projectNumber", str(abs(hash(p)) % 10**12))
    PROJECTS[p] = {"name": f"projects/{number}", "projectId": p, "state": 1,
                   "displayName": info.get("name", p)}
    if chain:
        PROJECTS[p]["parent"] = chain[0]
        for child, parent in zip(chain, chain[1:]):
            PARENT[child] = parent
BY_NUMBER = {v["name"].split("/")[1]: k for k, v in PROJECTS.items()}


def project_id(p):
    return BY_NUMBER.get(p, p)


def roles():
    out = []
    for name in listing("roles"):
        r = load("roles", name)
        out.extend(r if isinstance(r, list) else [r])
    return out


def role_json(r, full):
    r = dict(r)
    if "stage" in r:
        r["stage"] = STAGES.get(r["stage"], r["stage"])
    if "etag" in r:
        r["etag"] = std_b64(r["etag"])
    if not full:
        r.pop("includedPermissions", None)
    return r


def policy_json(resource):
    kind, rid = resource.split("/", 1)
    if kind == "projects":
        rid = project_id(rid)
    pol = load(kind, rid, "iam-policy.json")
    if pol is None:
        return None
    pol = json.loads(json.dumps(pol))
    pol["etag"] = std_b64(pol.get("etag", "BwAAAAAAAAA="))
    for a in pol.get("auditConfigs", []):
        for c in a.get("auditLogConfigs", []):
            c["logType"] = LOG_TYPES.get(c["logType"], c["logType"])
    return pol


def key_json(k):
    k = dict(k)
    for field, table in (("keyType", KEY_TYPES), ("keyAlgorithm", KEY_ALGS), ("keyOrigin", KEY_ORIGINS)):
        if field in k:
            k[field] = table.get(k[field], k[field])
    return k


def entry_json(e):
    e = dict(e)
    if "severity" in e:
        e["severity"] = SEVERITIES.get(e["severity"], e["severity"])
    return e


def insight_json(i):
    i = json.loads(json.dumps(i))
    st = i.get("stateInfo", {})
    if "state" in st:
        st["state"] = INSIGHT_STATES.get(st["state"], st["state"])
    if "severity" in i:
        i["severity"] = INSIGHT_SEVERITIES.get(i["severity"], i["severity"])
    if "category" in i:
        i["category"] = INSIGHT_CATEGORIES.get(i["category"], i["category"])
    return i


def log_entries(resource):
    kind, rid = resource.split("/", 1)
    if kind == "projects":
        rid = project_id(rid)
    d = os.path.join(args.dir, kind, rid, "logs")
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name)) as f:
            v = json.load(f)
        out.extend(v if isinstance(v, list) else v.get("entries", []))
    return out


TERM = re.compile(r'timestamp\s*(>=|<=|>|<)\s*"([^"]+)"')


def ts_key(t):
    """A sortable form of an RFC 3339 UTC time with any fraction."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", t)
    if not m:
        return t
    return m.group(1) + (m.group(2) or ".").ljust(10, "0")


def page(items, token, key, size=None):
    size = size or args.page_size
    start = int(token) if token else 0
    out = {key: items[start:start + size]} if items[start:start + size] else {}
    if start + size < len(items):
        out["nextPageToken"] = str(start + size)
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=UTF-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message):
        self.send(status, {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        query.pop("$alt", None)
        query.pop("alt", None)
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        if path == "/__stub/requests":
            with LOCK:
                return self.send(200, REQUESTS)
        with LOCK:
            REQUESTS.append([method, path, query, body])
        for m, rx, status in FAILS:
            if m == method and rx.search(path + " " + json.dumps(body, sort_keys=True)):
                return self.error(status, f"The caller does not have permission ({method} {path})"
                                  if status == 403 else f"stub failure {status}")
        answer = self.route(method, path, query, body)
        if answer is None:
            return self.error(404, f"{method} {path}: not found")
        self.send(200, answer)

    def route(self, method, path, q, body):
        tok = q.get("pageToken") or body.get("pageToken")
        if method == "POST" and path.endswith(":getIamPolicy"):
            resource = path[len("/v3/"):-len(":getIamPolicy")]
            if body.get("options", {}).get("requestedPolicyVersion") != 3:
                return None
            return policy_json(resource)
        if method == "POST" and path == "/v2/entries:list":
            entries = []
            for r in body.get("resourceNames", []):
                entries.extend(log_entries(r))
            for op, t in TERM.findall(body.get("filter", "")):
                t = ts_key(t)
                keep = {">=": lambda x: x >= t, ">": lambda x: x > t,
                        "<": lambda x: x < t, "<=": lambda x: x <= t}[op]
                entries = [e for e in entries if keep(ts_key(e.get("timestamp", "")))]
            entries.sort(key=lambda e: ts_key(e.get("timestamp", "")),
                         reverse=body.get("orderBy") == "timestamp desc")
            return page([entry_json(e) for e in entries], tok, "entries", size=args.page_size * 10)
        if method != "GET":
            return None
        m = re.fullmatch(r"/v3/projects/([^/:]+)", path)
        if m:
            return PROJECTS.get(project_id(m.group(1)))
        m = re.fullmatch(r"/v3/folders/([^/:]+)", path)
        if m:
            f = f"folders/{m.group(1)}"
            known = f in PARENT or any(p.get("parent") == f for p in PROJECTS.values())
            return {"name": f, "parent": PARENT.get(f, ""), "state": 1, "displayName": f"Folder {m.group(1)}"} if known else None
        m = re.fullmatch(r"/v3/organizations/([^/:]+)", path)
        if m:
            o = f"organizations/{m.group(1)}"
            known = o in PARENT.values() or any(p.get("parent") == o for p in PROJECTS.values())
            return {"name": o, "state": 1, "displayName": "example.com"} if known else None
        if path == "/v3/projects":
            items = [v for _, v in sorted(PROJECTS.items()) if v.get("parent") == q.get("parent")]
            return page(items, tok, "projects")
        if path == "/v3/folders":
            items = [{"name": f, "parent": p, "state": 1, "displayName": f"Folder {f.split('/')[1]}"}
                     for f, p in sorted(PARENT.items()) if f.startswith("folders/") and p == q.get("parent")]
            return page(items, tok, "folders")
        if path == "/v1/roles":
            parent = q.get("parent", "")
            full = q.get("view") == "1"
            if parent:
                items = [role_json(r, full) for r in roles() if r["name"].startswith(parent + "/roles/")
                         and (q.get("showDeleted") == "true" or not r.get("deleted"))]
            else:
                items = [role_json(r, full) for r in roles() if r["name"].startswith("roles/")]
            return page(items, tok, "roles")
        m = re.fullmatch(r"/v1/((?:(?:projects|organizations)/[^/]+/)?roles/[^/]+)", path)
        if m:
            r = [role_json(r, True) for r in roles() if r["name"] == m.group(1)]
            return r[0] if r else None
        m = re.fullmatch(r"/v1/projects/([^/]+)/serviceAccounts", path)
        if m:
            accounts = load("projects", project_id(m.group(1)), "service-accounts.json")
            return None if accounts is None else page(accounts, tok, "accounts")
        m = re.fullmatch(r"/v1/projects/([^/]+)/serviceAccounts/([^/]+)/keys", path)
        if m:
            p, sa = m.group(1), m.group(2)
            if p == "-":
                p = sa.split("@")[1].split(".")[0]
            keys = load("projects", project_id(p), "keys", f"{sa}.json", default=[])
            want = q.get("keyTypes")
            return {"keys": [key_json(k) for k in keys
                             if not want or str(KEY_TYPES.get(k.get("keyType"), 0)) == want]}
        m = re.fullmatch(r"/v1/projects/([^/]+)/locations/global/activityTypes/([^/]+)/activities:query", path)
        if m:
            acts = load("projects", project_id(m.group(1)), "activity", f"{m.group(2)}.json", default=[])
            acts = acts if isinstance(acts, list) else acts.get("activities", [])
            return page(acts, tok, "activities")
        m = re.fullmatch(r"/v1/projects/([^/]+)/locations/global/insightTypes/google\.iam\.policy\.Insight/insights", path)
        if m:
            ins = load("projects", project_id(m.group(1)), "insights", "google.iam.policy.Insight.json", default=[])
            ins = ins if isinstance(ins, list) else ins.get("insights", [])
            return page([insight_json(i) for i in ins], tok, "insights")
        return None

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
