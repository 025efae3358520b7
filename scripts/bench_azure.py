#!/usr/bin/env python3
"""Benchmark `permgap import azure` + `permgap audit` on a generated tenant.

    python3 scripts/bench_azure.py [--principals 5000] [--events 1000000] [--subscriptions 5] [--data DIR]

Generates (unless DIR already holds it) a tenant as `az` exports: one
management group over SUBSCRIPTIONS subscriptions; PRINCIPALS principals
(60% users, 30% service principals, 10% managed identities) and 100 groups
of 20 users each, listed as Graph directory objects with transitive
members; per subscription a role assignment export where every principal
holds 1-3 of a dozen built-in roles (and 20 custom roles of the tenant) at
the subscription or one of 20 resource groups, the groups Reader or
Contributor, and Owner at the management group for 10 principals; and
EVENTS Activity Log events in the shape scripts/gen_demo_azure.py writes
(`az monitor activity-log list`, claims and all), each a write, delete or
action the caller's roles grant at a resource under the assignment's
scope, ~3% refused (Forbidden), ~10% Started before their Succeeded, over 90
days, 50,000 events a file. Then it builds the release binary and runs each
stage once, printing wall time and peak RSS (getrusage of the child).
Nothing is asserted: the figures go in the README.
"""
import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
TENANT = "0bench00-0000-4000-8000-000000000000"
MG = "/providers/Microsoft.Management/managementGroups/bench"
ROLES = {
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Virtual Machine Contributor": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Website Contributor": "de139f84-1756-47ae-9be6-808fbbe84772",
    "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
    "SQL DB Contributor": "9b7fa17d-e63e-47b0-bb0a-15c516ac86ec",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
}
# What each role's holders do (writes, deletes, actions the role grants).
DOES = {
    "Contributor": ["Microsoft.Compute/virtualMachines/write", "Microsoft.Storage/storageAccounts/write",
                    "Microsoft.Resources/deployments/write", "Microsoft.Network/virtualNetworks/write",
                    "Microsoft.Web/sites/restart/action", "Microsoft.Compute/disks/delete"],
    "Reader": [],
    "Virtual Machine Contributor": ["Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines/start/action",
                                    "Microsoft.Compute/virtualMachines/restart/action", "Microsoft.Compute/virtualMachines/deallocate/action"],
    "Storage Account Contributor": ["Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts/listKeys/action"],
    "Network Contributor": ["Microsoft.Network/networkSecurityGroups/write", "Microsoft.Network/publicIPAddresses/delete"],
    "Website Contributor": ["Microsoft.Web/sites/write", "Microsoft.Web/sites/restart/action"],
    "Key Vault Contributor": ["Microsoft.KeyVault/vaults/write"],
    "SQL DB Contributor": ["Microsoft.Sql/servers/databases/write"],
    "Storage Blob Data Contributor": [],
    "Monitoring Contributor": ["Microsoft.Insights/alertRules/write"],
    "User Access Administrator": ["Microsoft.Authorization/roleAssignments/write"],
    "Owner": ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Compute/virtualMachines/write"],
}
COMMON = [r for r in ROLES if r not in ("Owner", "User Access Administrator")]


def gid(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "bench/" + "/".join(map(str, parts))))


def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)


def generate(out, n_principals, n_events, n_subs, rng):
    subs = [gid("sub", i) for i in range(n_subs)]
    principals = []
    for i in range(n_principals):
        kind = "User" if i % 10 < 6 else "ServicePrincipal"
        managed = kind == "ServicePrincipal" and i % 10 == 9
        principals.append({"id": gid("p", i), "kind": kind, "name": f"u{i}" if kind == "User" else f"sp{i}",
                           "upn": f"u{i}@bench.example" if kind == "User" else None,
                           "appId": gid("app", i) if kind == "ServicePrincipal" else None,
                           "type": "ManagedIdentity" if managed else "Application"})
    users = [p for p in principals if p["kind"] == "User"]
    groups = [{"id": gid("g", g), "name": f"group-{g}", "members": [u["id"] for u in rng.sample(users, 20)]}
              for g in range(100)]
    custom = [{"assignableScopes": ["/"], "description": "bench", "name": gid("role", r),
               "id": f"/providers/Microsoft.Authorization/roleDefinitions/{gid('role', r)}",
               "permissions": [{"actions": rng.sample(DOES["Contributor"] + DOES["Virtual Machine Contributor"], 3)
                                + ["Microsoft.Compute/*/read"], "notActions": [], "dataActions": [],
                                "notDataActions": [], "condition": None, "conditionVersion": None}],
               "roleName": f"Bench Custom {r}", "roleType": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions"}
              for r in range(20)]
    graph = []
    for p in principals:
        if p["kind"] == "User":
            graph.append({"@odata.type": "#microsoft.graph.user", "id": p["id"], "displayName": p["name"],
                          "userPrincipalName": p["upn"]})
        else:
            graph.append({"@odata.type": "#microsoft.graph.servicePrincipal", "id": p["id"], "displayName": p["name"],
                          "appId": p["appId"], "servicePrincipalType": p["type"]})
    for g in groups:
        graph.append({"@odata.type": "#microsoft.graph.group", "id": g["id"], "displayName": g["name"],
                      "securityEnabled": True, "transitiveMembers": [{"id": m} for m in g["members"]]})
    write(f"{out}/principals.json", {"value": graph})
    write(f"{out}/role-definitions.json", custom)
    ents = [{"id": MG, "name": "bench", "type": "Microsoft.Management/managementGroups", "displayName": "Bench",
             "parent": None}]
    ents += [{"id": f"/subscriptions/{s}", "name": s, "type": "/subscriptions", "displayName": f"bench-{i}",
              "parent": {"id": MG}} for i, s in enumerate(subs)]
    write(f"{out}/management-groups.json", ents)

    def ra(p_id, p_type, role_name, role_guid, scope, sub):
        return {"condition": None, "conditionVersion": None, "createdOn": "2025-01-01T00:00:00+00:00",
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{gid('ra', p_id, role_guid, scope)}",
                "name": gid("ra", p_id, role_guid, scope), "principalId": p_id, "principalName": "",
                "principalType": p_type,
                "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
                "roleDefinitionName": role_name, "scope": scope, "type": "Microsoft.Authorization/roleAssignments"}

    # Who can do what where: (subscription, principal) -> [(action, scope prefix)].
    can = {}
    owners = principals[:10]
    for s in subs:
        rows = [ra(o["id"], o["kind"], "Owner", ROLES["Owner"], MG, s) for o in owners]
        for p in principals:
            for role in rng.sample(COMMON, rng.randint(1, 3)):
                scope = f"/subscriptions/{s}" if rng.random() < 0.3 else f"/subscriptions/{s}/resourceGroups/rg-{rng.randrange(20)}"
                rows.append(ra(p["id"], p["kind"], role, ROLES[role], scope, s))
                for act in DOES[role]:
                    can.setdefault((s, p["id"]), []).append((act, scope))
            if rng.random() < 0.1:
                c = rng.choice(custom)
                scope = f"/subscriptions/{s}/resourceGroups/rg-{rng.randrange(20)}"
                rows.append(ra(p["id"], p["kind"], c["roleName"], c["name"], scope, s))
        for g in groups:
            role = rng.choice(["Reader", "Contributor"])
            rows.append(ra(g["id"], "Group", role, ROLES[role], f"/subscriptions/{s}", s))
            for m in g["members"]:
                for act in DOES[role]:
                    can.setdefault((s, m), []).append((act, f"/subscriptions/{s}"))
        for o in owners:
            for act in DOES["Owner"]:
                can.setdefault((s, o["id"]), []).append((act, f"/subscriptions/{s}"))
        write(f"{out}/role-assignments/{s}.json", rows)

    by_id = {p["id"]: p for p in principals}
    actors = [k for k in can if k[1] in by_id]
    per_file = 50_000
    batch, n_file = [], 0
    for n in range(n_events):
        s, pid = actors[rng.randrange(len(actors))]
        act, scope = rng.choice(can[(s, pid)])
        if "/resourceGroups/" not in scope:
            scope = f"{scope}/resourceGroups/rg-{rng.randrange(20)}"
        resource = f"{scope}/providers/{act.rsplit('/', 1)[0]}/r{rng.randrange(50)}"
        p = by_id[pid]
        t = AS_OF - dt.timedelta(seconds=rng.randint(60, 89 * 86400))
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        refused = rng.random() < 0.03
        status = "Failed" if refused else ("Started" if rng.random() < 0.1 else "Succeeded")
        op = gid("op", n)
        batch.append({
            "authorization": {"action": act, "role": None, "scope": resource},
            "caller": p["upn"] or p["appId"],
            "category": {"localizedValue": "Administrative", "value": "Administrative"},
            "claims": {"http://schemas.microsoft.com/identity/claims/objectidentifier": pid,
                       "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
                       "aud": "https://management.core.windows.net/", "appid": p["appId"] or gid("azcli")},
            "correlationId": op, "eventDataId": gid("ev", n),
            "eventName": {"localizedValue": "End request", "value": "EndRequest"},
            "eventTimestamp": ts, "id": f"{resource}/events/{op}", "level": "Error" if refused else "Informational",
            "operationId": op, "operationName": {"localizedValue": act, "value": act},
            "properties": {"statusCode": "Forbidden" if refused else "OK"},
            "resourceGroupName": scope.rsplit("/", 1)[-1], "resourceId": resource,
            "status": {"localizedValue": status, "value": status},
            "subStatus": {"localizedValue": "Forbidden" if refused else "", "value": "Forbidden" if refused else ""},
            "submissionTimestamp": ts, "subscriptionId": s, "tenantId": TENANT,
        })
        if len(batch) == per_file:
            write(f"{out}/activity-log/{n_file:04d}.json", batch)
            batch, n_file = [], n_file + 1
    if batch:
        write(f"{out}/activity-log/{n_file:04d}.json", batch)


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
    ap.add_argument("--principals", type=int, default=5000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--subscriptions", type=int, default=5)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = os.path.join(a.data, f"azure-{a.principals}-{a.events}-{a.subscriptions}")
    if a.generate_only:
        generate(data, a.principals, a.events, a.subscriptions, random.Random(11))
        return
    if not os.path.exists(os.path.join(data, "principals.json")):
        # In a child, so that the import's peak RSS is not the generator's.
        subprocess.run([sys.executable, __file__, "--generate-only", "--principals", str(a.principals),
                        "--events", str(a.events), "--subscriptions", str(a.subscriptions), "--data", a.data],
                       check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "permgap")
    snap = os.path.join(data, "snapshot.json")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(data) for f in fs
               if os.path.join(d, f) != snap)
    print(f"data: {a.principals} principals, {a.subscriptions} subscriptions, {a.events} Activity Log events, "
          f"{size / 1e6:.0f} MB of JSON; {os.cpu_count()} cores")
    cmd = [exe, "--quiet", "import", "azure", "--principals", f"{data}/principals.json",
           "--role-definitions", f"{data}/role-definitions.json",
           "--management-groups", f"{data}/management-groups.json", "--activity-log", f"{data}/activity-log",
           "--output", snap]
    for f in sorted(os.listdir(f"{data}/role-assignments")):
        cmd[4:4] = ["--role-assignments", f"{data}/role-assignments/{f}"]
    w, rss, rc = run(cmd)
    print(f"import: {w:.2f} s wall, peak RSS {rss:.0f} MB, exit {rc}, {a.events / w / 1e3:.0f}k events/s")
    w, rss, rc = run([exe, "--quiet", "audit", snap, "--as-of", "2026-11-01T00:00:00Z", "--format", "json",
                      "--output", os.devnull])
    print(f"audit:  {w:.2f} s wall, peak RSS {rss:.0f} MB, exit {rc}")


if __name__ == "__main__":
    main()
