#!/usr/bin/env python3
"""Benchmark `permgap import gcp` + `permgap audit` on a generated organization.

    python3 scripts/bench_gcp.py [--projects 50] [--members 200] [--entries 200000] [--data DIR]

Generates (unless DIR already holds it) a `gcloud` export folder in the
layout `permgap import gcp` reads: one organization, one folder, PROJECTS
projects, MEMBERS principals bound per project to 1-3 predefined roles drawn
from the embedded catalog (src/clouds/gcp/catalog/roles.tsv), Data Access logs on
for storage in every other project, and ENTRIES audit log entries using the
members' own permissions, in the shape of scripts/gen_demo_gcp.py's (Cloud
Logging "LogEntry" with an "AuditLog" payload). Then it builds the release
binary and runs each stage once, printing wall time and peak RSS (getrusage
of the child). Nothing is asserted: the figures go in the README.
"""
import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORG, FOLDER = "900000000001", "900000000002"
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
ROLES = ["roles/viewer", "roles/editor", "roles/storage.objectAdmin", "roles/compute.admin",
         "roles/bigquery.dataViewer", "roles/bigquery.jobUser", "roles/run.admin",
         "roles/iam.serviceAccountUser", "roles/pubsub.editor", "roles/logging.viewer",
         "roles/secretmanager.secretAccessor", "roles/cloudsql.client"]


def role_permissions():
    perms = [l.rstrip("\n") for l in open(os.path.join(ROOT, "src/clouds/gcp/catalog/permissions.tsv"))
             if l.strip() and not l.startswith("#")]
    out = {}
    for l in open(os.path.join(ROOT, "src/clouds/gcp/catalog/roles.tsv")):
        if l.startswith("#") or not l.strip():
            continue
        f = l.rstrip("\n").split("\t")
        if f[0] in ROLES:
            at, lst = 0, []
            for k, d in enumerate(f[3].split(",") if f[3] else []):
                at = int(d) if k == 0 else at + int(d)
                lst.append(perms[at])
            out[f[0]] = lst
    return out


def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)


def generate(out, projects, members, entries, rng):
    perms = role_permissions()
    write(f"{out}/organizations/{ORG}/iam-policy.json",
          {"bindings": [{"role": "roles/resourcemanager.organizationAdmin", "members": ["user:admin@bench.example"]}],
           "etag": "BwY=", "version": 1})
    write(f"{out}/folders/{FOLDER}/iam-policy.json",
          {"bindings": [{"role": "roles/viewer", "members": ["group:ops@bench.example"]}], "etag": "BwY=", "version": 1})
    held = {}
    for p in range(projects):
        pid = f"bench-{p:04d}"
        bindings = {}
        for m in range(members):
            member = f"user:u{m}@bench.example" if m % 4 else f"serviceAccount:sa{m}@{pid}.iam.gserviceaccount.com"
            roles = rng.sample(ROLES, rng.randint(1, 3))
            held[(pid, member)] = sorted({x for r in roles for x in perms[r]})
            for r in roles:
                bindings.setdefault(r, []).append(member)
        pol = {"bindings": [{"role": r, "members": sorted(ms)} for r, ms in sorted(bindings.items())],
               "etag": "BwY=", "version": 1}
        if p % 2 == 0:
            pol["auditConfigs"] = [{"service": "storage.googleapis.com",
                                    "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]}]
        write(f"{out}/projects/{pid}/iam-policy.json", pol)
        write(f"{out}/projects/{pid}/ancestors.json",
              [{"id": pid, "type": "project"}, {"id": FOLDER, "type": "folder"}, {"id": ORG, "type": "organization"}])
    keys = list(held)
    by_file = {}
    for n in range(entries):
        pid, member = keys[rng.randrange(len(keys))]
        ps = held[(pid, member)]
        t = AS_OF - dt.timedelta(seconds=rng.randint(60, 89 * 86400))
        email = member.split(":", 1)[1]
        chosen = rng.sample(ps, min(len(ps), rng.randint(1, 3)))
        e = {"insertId": f"{n:x}", "logName": f"projects/{pid}/logs/cloudaudit.googleapis.com%2Factivity",
             "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                              "authenticationInfo": {"principalEmail": email},
                              "authorizationInfo": [{"granted": True, "permission": x,
                                                     "resource": f"projects/{pid}/things/{n}",
                                                     "resourceAttributes": {}} for x in chosen],
                              "methodName": "bench.Method", "resourceName": f"projects/{pid}/things/{n}",
                              "serviceName": chosen[0].split(".")[0] + ".googleapis.com"},
             "receiveTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
             "resource": {"labels": {"project_id": pid}, "type": "audited_resource"},
             "severity": "NOTICE", "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        by_file.setdefault(f"{out}/projects/{pid}/logs/{t.strftime('%Y-%m')}.json", []).append(e)
    for path, es in by_file.items():
        write(path, es)


def run(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in MB of that process, exit code)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    if code not in (0, 3):
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return wall, usage.ru_maxrss / 1024, code


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--entries", type=int, default=200_000)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = os.path.join(a.data, f"gcp-{a.projects}-{a.members}-{a.entries}")
    if a.generate_only:
        generate(data, a.projects, a.members, a.entries, random.Random(7))
        return
    if not os.path.exists(os.path.join(data, "organizations")):
        # In a child: a child forked from a parent holding the generated
        # data would report the parent's memory as its peak RSS.
        subprocess.run([sys.executable, __file__, "--generate-only", "--projects", str(a.projects),
                        "--members", str(a.members), "--entries", str(a.entries), "--data", a.data],
                       check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "permgap")
    snap = os.path.join(data, "snapshot.json")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(data) for f in fs
               if os.path.join(d, f) != snap)
    print(f"data: {a.projects} projects x {a.members} members, {a.entries} log entries, "
          f"{size / 1e6:.0f} MB of JSON; {os.cpu_count()} cores")
    w, rss, rc = run([exe, "--quiet", "import", "gcp", data, "--output", snap])
    print(f"import: {w:.2f} s wall, peak RSS {rss:.0f} MB, exit {rc}, {a.entries / w / 1e3:.0f}k entries/s")
    w, rss, rc = run([exe, "--quiet", "audit", snap, "--as-of", "2026-11-01T00:00:00Z", "--format", "json",
                      "--output", os.devnull])
    print(f"audit:  {w:.2f} s wall, peak RSS {rss:.0f} MB, exit {rc}")


if __name__ == "__main__":
    main()
