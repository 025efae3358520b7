#!/usr/bin/env python3
"""A local stand-in for Azure Resource Manager and Microsoft Graph, which
have no emulator. It serves a folder of `az` exports in the demo's layout
(fixtures/demo/azure: role-assignments/*.json, role-definitions.json,
deny-assignments.json, principals.json, management-groups.json,
activity-log/*.json) as the REST APIs answer them, so that `permgap scan
azure` against it and `permgap import azure` of the same files can be
compared.

    python azure_api.py EXPORT_DIR [--page-size N] [--throttle REGEX]
                                   [--unreachable SUBSCRIPTION_ID] [--forbid REGEX]

Serves on 127.0.0.1 (a free port, printed on the first line of stdout).
Shapes, from the ARM and Graph REST references (learn.microsoft.com/rest/api):
  - Subscriptions - List (2022-12-01): GET /subscriptions ->
    {value: [{id, subscriptionId, displayName, state, tenantId}], nextLink}.
  - Role Assignments - List For Subscription (2022-04-01):
    GET /subscriptions/S/providers/Microsoft.Authorization/roleAssignments ->
    {value: [{id, name, type, properties: {roleDefinitionId, principalId,
    principalType, scope, condition, conditionVersion, createdOn, ...}}]}:
    the assignments that apply to S (at it, under it, and inherited). `az`
    flattens `properties` and adds principalName, which ARM has not.
  - Role Definitions - List (2022-04-01): .../roleDefinitions -> {value:
    [{id, name, type, properties: {roleName, type: BuiltInRole|CustomRole,
    permissions, assignableScopes}}]}: the custom roles of the folder and
    every built-in role (from src/clouds/azure/catalog/roles.tsv), 200 a page.
  - Deny Assignments - List For Subscription (2022-04-01): .../denyAssignments.
  - Role Eligibility Schedule Instances - List For Scope (2020-10-01):
    .../roleEligibilityScheduleInstances -> {value: [{id, name, type,
    properties: {roleDefinitionId, principalId, principalType, scope,
    status, memberType, startDateTime, endDateTime}}]}, from eligible/*.json.
  - Activity Logs - List (2015-04-01):
    GET /subscriptions/S/providers/Microsoft.Insights/eventtypes/management/values
    ?$filter=eventTimestamp ge 'T1' and eventTimestamp le 'T2' -> {value:
    [events], nextLink}; the filter's times are applied.
  - Entities - List (2021-04-01): POST /providers/Microsoft.Management/getEntities
    -> {value: [{id, name, type, properties: {displayName, parent: {id}}}]}.
  - Provider Operations Metadata - List: 404 (the stub holds no catalog).
  - Graph v1.0: POST /v1.0/directoryObjects/getByIds {ids, types} -> {value:
    [objects with @odata.type]}; GET /v1.0/groups/G/transitiveMembers ->
    {value: [{@odata.type, id}], @odata.nextLink}.
Lists are answered `--page-size` items at a time (default 2) with a
`nextLink` (`@odata.nextLink` for Graph), so every caller's paging runs.
The first request whose path matches `--throttle` gets 429 with
`Retry-After: 1`; a request whose path matches a `--forbid REGEX` gets 403.
`--unreachable S` lists one more subscription, whose
role assignments answer 403 AuthorizationFailed. Errors are ARM's
document ({"error": {"code", "message"}}). GET /__stub/requests lists
the requests received ([method, path, query, time]).
"""
import argparse
import glob
import json
import os
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--page-size", type=int, default=2)
ap.add_argument("--throttle")
ap.add_argument("--unreachable")
ap.add_argument("--forbid", action="append", default=[])
args = ap.parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))
ROLES_TSV = os.path.join(HERE, "..", "..", "src", "clouds", "azure", "catalog", "roles.tsv")


def load(path, default):
    p = os.path.join(args.dir, path)
    if not os.path.exists(p):
        return default
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def items(v):
    return v["value"] if isinstance(v, dict) else v


def sub_of(scope):
    m = re.match(r"(?i)/subscriptions/([^/]+)", scope or "")
    return m.group(1).lower() if m else None


ENTITIES = items(load("management-groups.json", []))
PRINCIPALS = items(load("principals.json", []))
CUSTOM = items(load("role-definitions.json", []))
DENIES = items(load("deny-assignments.json", {"value": []}))
ASSIGNMENTS = {}  # subscription -> az items of its export
for f in sorted(glob.glob(os.path.join(args.dir, "role-assignments", "*.json"))):
    rows = json.load(open(f, encoding="utf-8"))
    subs = {sub_of(r["scope"]) for r in rows if sub_of(r["scope"])}
    for s in subs:
        ASSIGNMENTS.setdefault(s, []).extend(rows)
ELIGIBLE = {}  # subscription -> ARM items
for f in sorted(glob.glob(os.path.join(args.dir, "eligible", "*.json"))):
    for r in items(json.load(open(f, encoding="utf-8"))):
        ELIGIBLE.setdefault(sub_of(r["properties"]["scope"]), []).append(r)
EVENTS = []
for f in sorted(glob.glob(os.path.join(args.dir, "activity-log", "*.json"))):
    EVENTS.extend(items(json.load(open(f, encoding="utf-8"))))

ARM_ASSIGNMENT_FIELDS = ["roleDefinitionId", "principalId", "principalType", "scope", "condition",
                         "conditionVersion", "createdOn", "updatedOn", "createdBy", "updatedBy",
                         "delegatedManagedIdentityResourceId", "description"]


def arm_assignment(a):
    return {"id": a["id"], "name": a["name"], "type": a["type"],
            "properties": {k: a.get(k) for k in ARM_ASSIGNMENT_FIELDS}}


def arm_role(r):
    return {"id": r["id"], "name": r["name"], "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {"roleName": r["roleName"], "type": r["roleType"], "description": r.get("description"),
                           "assignableScopes": r.get("assignableScopes", ["/"]), "permissions": r["permissions"]}}


def built_ins(sub):
    by = {}
    for line in open(ROLES_TSV, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        split = lambda s: [x for x in s.split(",") if x]
        block = {"actions": split(f[3]), "notActions": split(f[4]), "dataActions": split(f[5]),
                 "notDataActions": split(f[6]), "condition": f[2] or None}
        r = by.setdefault(f[0], {"id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{f[0]}",
                                 "name": f[0], "roleName": f[1], "roleType": "BuiltInRole", "permissions": []})
        r["permissions"].append(block)
    return list(by.values())


def subscriptions():
    out = []
    for e in ENTITIES:
        if e.get("type") == "/subscriptions":
            out.append({"id": e["id"], "subscriptionId": e["name"], "displayName": e.get("displayName"),
                        "state": "Enabled", "tenantId": e.get("tenantId")})
    if args.unreachable:
        out.append({"id": f"/subscriptions/{args.unreachable}", "subscriptionId": args.unreachable,
                    "displayName": "Unreachable", "state": "Enabled"})
    out.append({"id": "/subscriptions/99999999-0000-4000-8000-000000000000",
                "subscriptionId": "99999999-0000-4000-8000-000000000000", "displayName": "Disabled one",
                "state": "Disabled"})
    return out


REQUESTS = []
LOCK = threading.Lock()
THROTTLED = set()


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def page(self, rows, query, link_key="nextLink", size=None):
        size = size or args.page_size
        start = int(query.get("$skiptoken", ["0"])[0])
        chunk = rows[start:start + size]
        out = {"value": chunk}
        if start + size < len(rows):
            q = {k: v[0] for k, v in query.items()}
            q["$skiptoken"] = str(start + size)
            host = self.headers.get("Host")
            out[link_key] = f"http://{host}{self.path_only}?{urllib.parse.urlencode(q)}"
        self.reply(200, out)

    def handle_any(self, method):
        u = urllib.parse.urlparse(self.path)
        self.path_only = u.path
        query = urllib.parse.parse_qs(u.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null") if length else None
        if u.path == "/__stub/requests":
            with LOCK:
                return self.reply(200, REQUESTS)
        with LOCK:
            REQUESTS.append([method, u.path, u.query, time.time()])
            if any(re.search(f, u.path) for f in args.forbid):
                return self.error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
            if args.throttle and re.search(args.throttle, u.path) and u.path not in THROTTLED:
                THROTTLED.add(u.path)
                return self.reply(429, {"error": {"code": "TooManyRequests", "message": "throttled"}},
                                  {"Retry-After": "1"})
        p = u.path
        if method == "GET" and p == "/subscriptions":
            return self.page(subscriptions(), query)
        m = re.fullmatch(r"(?i)/subscriptions/([^/]+)/providers/Microsoft\.Authorization/(roleAssignments|roleDefinitions|denyAssignments|roleEligibilityScheduleInstances)", p)
        if method == "GET" and m:
            sub, what = m.group(1).lower(), m.group(2)
            if sub == (args.unreachable or "").lower():
                return self.error(403, "AuthorizationFailed",
                                  f"The client does not have authorization to perform action 'Microsoft.Authorization/{what}/read' over scope '/subscriptions/{sub}'")
            if sub not in ASSIGNMENTS:
                return self.error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
            if what == "roleAssignments":
                return self.page([arm_assignment(a) for a in ASSIGNMENTS[sub]], query)
            if what == "roleDefinitions":
                return self.page([arm_role(r) for r in CUSTOM + built_ins(sub)], query, size=200)
            if what == "roleEligibilityScheduleInstances":
                return self.page(ELIGIBLE.get(sub, []), query)
            return self.page([d for d in DENIES if sub_of(d["properties"]["scope"]) == sub], query)
        m = re.fullmatch(r"(?i)/subscriptions/([^/]+)/providers/Microsoft\.Insights/eventtypes/management/values", p)
        if method == "GET" and m:
            sub = m.group(1).lower()
            f = query.get("$filter", [""])[0]
            ge = re.search(r"eventTimestamp ge '([^']+)'", f)
            le = re.search(r"eventTimestamp le '([^']+)'", f)
            if not ge or not le:
                return self.error(400, "BadRequest", "The $filter must name eventTimestamp ge and le")
            norm = lambda t: t.replace("Z", "+00:00")
            from datetime import datetime
            lo, hi = datetime.fromisoformat(norm(ge.group(1))), datetime.fromisoformat(norm(le.group(1)))
            rows = [e for e in EVENTS if e.get("subscriptionId", "").lower() == sub
                    and lo <= datetime.fromisoformat(norm(e["eventTimestamp"])) <= hi]
            return self.page(rows, query)
        if method == "POST" and p.lower() == "/providers/microsoft.management/getentities":
            rows = [{"id": e["id"], "name": e["name"], "type": e["type"],
                     "properties": {"displayName": e.get("displayName"), "tenantId": e.get("tenantId"),
                                    "parent": e.get("parent")}} for e in ENTITIES]
            return self.reply(200, {"value": rows})
        if method == "POST" and p == "/v1.0/directoryObjects/getByIds":
            ids = {i.lower() for i in (body or {}).get("ids", [])}
            rows = [{k: v for k, v in o.items() if k != "transitiveMembers"} for o in PRINCIPALS
                    if o["id"].lower() in ids]
            return self.reply(200, {"value": rows})
        m = re.fullmatch(r"/v1\.0/groups/([^/]+)/transitiveMembers", p)
        if method == "GET" and m:
            g = [o for o in PRINCIPALS if o["id"].lower() == m.group(1).lower()]
            if not g:
                return self.error(404, "Request_ResourceNotFound", "no such group")
            return self.page(g[0].get("transitiveMembers", []), query, link_key="@odata.nextLink")
        return self.error(404, "NotFound", f"{method} {p}")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
