#!/usr/bin/env python3
"""Generate the demo's Azure tenant: `az` exports in fixtures/demo/azure/.

Contoso's tenant: the root management group, a `contoso-platform` management
group under it, and two subscriptions under that (Contoso Prod, Contoso Dev).
The files have the shapes `az` writes (see `permgap import azure --help`):
role assignments per subscription, the custom role definitions, a deny
assignment (ARM's shape), directory objects with a group's members, the
management group entities, and the Activity Log of each subscription.
What each principal shows is in SCENARIO.md. Deterministic: run it again and
nothing changes.

    python3 scripts/gen_demo_azure.py            # write fixtures/demo/azure/
"""
import datetime as dt
import json
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "demo", "azure")
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)

TENANT = "72f988bf-0000-4000-8000-00000000c0de"
PROD = "11111111-1111-4111-8111-111111111111"
DEV = "22222222-2222-4222-8222-222222222222"
MG_ROOT = f"/providers/Microsoft.Management/managementGroups/{TENANT}"
MG_PLATFORM = "/providers/Microsoft.Management/managementGroups/contoso-platform"

ROLE = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Virtual Machine Contributor": "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
}
CUSTOM_BACKUP = "c0ffee00-0000-4000-8000-00000000b4c0"
ROLE["Contoso Backup Operator"] = CUSTOM_BACKUP


def oid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.contoso.demo"))


P = {
    "alice": dict(kind="User", name="Alice Lee", upn="alice@contoso.com"),
    "bob": dict(kind="User", name="Bob Stone", upn="bob@contoso.com"),
    "carol": dict(kind="User", name="Carol Diaz", upn="carol@contoso.com"),
    "dave": dict(kind="User", name="Dave Kim", upn="dave@contoso.com"),
    "eve": dict(kind="User", name="Eve Park", upn="eve@contoso.com"),
    "ci-deployer": dict(kind="ServicePrincipal", name="ci-deployer", app="Application"),
    "backup-mi": dict(kind="ServicePrincipal", name="backup-mi", app="ManagedIdentity"),
    "legacy-sp": dict(kind="ServicePrincipal", name="legacy-automation", app="Application"),
    "platform-admins": dict(kind="Group", name="platform-admins", members=["carol", "dave"]),
}
for k, v in P.items():
    v["id"] = oid(k)
    if v["kind"] == "ServicePrincipal":
        v["appId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"app/{k}"))


def sub(s):
    return f"/subscriptions/{s}"


def rg(s, g):
    return f"{sub(s)}/resourceGroups/{g}"


def role_def_id(s, role):
    return f"{sub(s)}/providers/Microsoft.Authorization/roleDefinitions/{ROLE[role]}"


def assignment(export_sub, who, role, scope, condition=None, created="2025-03-01T10:00:00.000000+00:00"):
    p = P[who]
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ra/{who}/{role}/{scope}"))
    return {
        "condition": condition,
        "conditionVersion": "2.0" if condition else None,
        "createdBy": P["alice"]["id"],
        "createdOn": created,
        "delegatedManagedIdentityResourceId": None,
        "description": None,
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "principalId": p["id"],
        "principalName": p.get("upn") or (p.get("appId") if p["kind"] == "ServicePrincipal" else p["name"]),
        "principalType": p["kind"],
        "roleDefinitionId": role_def_id(export_sub, role),
        "roleDefinitionName": role,
        "scope": scope,
        "type": "Microsoft.Authorization/roleAssignments",
        "updatedBy": P["alice"]["id"],
        "updatedOn": created,
    }


STORAGE = f"{rg(PROD, 'rg-data')}/providers/Microsoft.Storage/storageAccounts/contosodata"
RA_LIMITED = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
    "{acdd72a7-3385-48ef-bd42-f606fba81ae7}))"
)


def assignments_for(s):
    inherited = [
        assignment(s, "alice", "Owner", MG_PLATFORM),
        assignment(s, "eve", "Reader", MG_ROOT),
    ]
    if s == PROD:
        return inherited + [
            assignment(s, "bob", "Contributor", sub(PROD)),
            assignment(s, "ci-deployer", "Contributor", rg(PROD, "rg-web")),
            assignment(s, "ci-deployer", "Storage Blob Data Contributor", STORAGE),
            assignment(s, "platform-admins", "User Access Administrator", sub(PROD)),
            assignment(s, "carol", "Virtual Machine Contributor", rg(PROD, "rg-web"), condition=None),
        ]
    return inherited + [
        assignment(s, "backup-mi", "Contoso Backup Operator", sub(DEV)),
        assignment(s, "legacy-sp", "Owner", sub(DEV), created="2023-06-01T09:00:00.000000+00:00"),
        assignment(s, "dave", "User Access Administrator", sub(DEV), condition=RA_LIMITED),
    ]


def eligible(s, who, role, scope):
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"elig/{who}/{role}/{scope}"))
    p = P[who]
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
        "properties": {
            "roleEligibilityScheduleId": f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/{name}",
            "scope": scope,
            "roleDefinitionId": role_def_id(s, role),
            "principalId": p["id"],
            "principalType": p["kind"],
            "status": "Provisioned",
            "startDateTime": "2026-01-10T09:00:00.000Z",
            "endDateTime": None,
            "memberType": "Direct",
            "createdOn": "2026-01-10T09:00:00.000Z",
            "condition": None,
            "conditionVersion": None,
        },
    }


def custom_roles():
    return [
        {
            "assignableScopes": [sub(DEV)],
            "description": "Backs up and restores the dev VMs.",
            "id": f"{sub(DEV)}/providers/Microsoft.Authorization/roleDefinitions/{CUSTOM_BACKUP}",
            "name": CUSTOM_BACKUP,
            "permissions": [
                {
                    "actions": [
                        "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/*",
                        "Microsoft.RecoveryServices/Vaults/read",
                        "Microsoft.Compute/virtualMachines/read",
                        "Microsoft.Compute/virtualMachines/start/action",
                        "Microsoft.Compute/virtualMachines/deallocate/action",
                        "Microsoft.Compute/snapshots/*",
                    ],
                    "condition": None,
                    "conditionVersion": None,
                    "dataActions": [],
                    "notActions": ["Microsoft.Compute/snapshots/delete"],
                    "notDataActions": [],
                }
            ],
            "roleName": "Contoso Backup Operator",
            "roleType": "CustomRole",
            "type": "Microsoft.Authorization/roleDefinitions",
        }
    ]


def denies():
    return {
        "value": [
            {
                "id": f"{rg(PROD, 'rg-network')}/providers/Microsoft.Authorization/denyAssignments/{uuid.uuid5(uuid.NAMESPACE_URL, 'deny/network')}",
                "name": str(uuid.uuid5(uuid.NAMESPACE_URL, "deny/network")),
                "type": "Microsoft.Authorization/denyAssignments",
                "properties": {
                    "denyAssignmentName": "Protect the hub network (deployment stack)",
                    "description": "Created by deployment stack hub-network",
                    "permissions": [
                        {
                            "actions": ["Microsoft.Network/*/delete", "Microsoft.Network/*/write"],
                            "notActions": [],
                            "dataActions": [],
                            "notDataActions": [],
                        }
                    ],
                    "scope": rg(PROD, "rg-network"),
                    "doNotApplyToChildScopes": False,
                    "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
                    "excludePrincipals": [{"id": P["ci-deployer"]["id"], "type": "ServicePrincipal"}],
                    "isSystemProtected": True,
                },
            }
        ]
    }


def principals():
    out = []
    for k, p in P.items():
        if p["kind"] == "User":
            out.append({"@odata.type": "#microsoft.graph.user", "id": p["id"], "displayName": p["name"],
                        "userPrincipalName": p["upn"], "accountEnabled": True})
        elif p["kind"] == "ServicePrincipal":
            out.append({"@odata.type": "#microsoft.graph.servicePrincipal", "id": p["id"], "displayName": p["name"],
                        "appId": p["appId"], "servicePrincipalType": p["app"], "accountEnabled": True})
        else:
            out.append({"@odata.type": "#microsoft.graph.group", "id": p["id"], "displayName": p["name"],
                        "securityEnabled": True, "mailEnabled": False,
                        "transitiveMembers": [{"@odata.type": "#microsoft.graph.user", "id": P[m]["id"]} for m in p["members"]]})
    return {"value": out}


def entities():
    def ent(id_, name, display, parent, typ):
        return {"id": id_, "name": name, "type": typ, "displayName": display,
                "parent": {"id": parent} if parent else None, "tenantId": TENANT,
                "permissions": "view", "inheritedPermissions": "view"}
    return [
        ent(MG_ROOT, TENANT, "Tenant Root Group", None, "Microsoft.Management/managementGroups"),
        ent(MG_PLATFORM, "contoso-platform", "Contoso Platform", MG_ROOT, "Microsoft.Management/managementGroups"),
        ent(sub(PROD), PROD, "Contoso Prod", MG_PLATFORM, "/subscriptions"),
        ent(sub(DEV), DEV, "Contoso Dev", MG_PLATFORM, "/subscriptions"),
    ]


COUNTER = [0]


def event(s, who, action, scope, when, status="Succeeded", sub_status="", properties=None):
    COUNTER[0] += 1
    p = P[who]
    caller = p.get("upn") or p["appId"]
    op = str(uuid.uuid5(uuid.NAMESPACE_URL, f"op/{COUNTER[0]}"))
    ts = when.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    parts = scope.split("/")
    group = parts[4] if len(parts) > 4 else None
    provider = action.split("/")[0]
    claims = {
        "aud": "https://management.core.windows.net/",
        "iss": f"https://sts.windows.net/{TENANT}/",
        "http://schemas.microsoft.com/identity/claims/objectidentifier": p["id"],
        "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
    }
    if p["kind"] == "User":
        claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = p["upn"]
        claims["name"] = p["name"]
    else:
        claims["appid"] = p["appId"]
    return {
        "authorization": {"action": action, "role": None, "scope": scope},
        "caller": caller,
        "category": {"localizedValue": "Administrative", "value": "Administrative"},
        "claims": claims,
        "correlationId": op,
        "description": "",
        "eventDataId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ev/{COUNTER[0]}")),
        "eventName": {"localizedValue": "End request", "value": "EndRequest"},
        "eventTimestamp": ts,
        "httpRequest": {"clientIpAddress": "203.0.113.7", "clientRequestId": op, "method": "PUT"},
        "id": f"{scope}/events/{op}/ticks/{int(when.timestamp() * 10_000_000)}",
        "level": "Informational" if status != "Failed" else "Error",
        "operationId": op,
        "operationName": {"localizedValue": action, "value": action},
        "properties": properties or {"statusCode": "OK" if status == "Succeeded" else status},
        "resourceGroupName": group,
        "resourceId": scope,
        "resourceProviderName": {"localizedValue": provider, "value": provider},
        "resourceType": {"localizedValue": "/".join(action.split("/")[:-1]), "value": "/".join(action.split("/")[:-1])},
        "status": {"localizedValue": status, "value": status},
        "subStatus": {"localizedValue": sub_status, "value": sub_status},
        "submissionTimestamp": ts,
        "subscriptionId": s,
        "tenantId": TENANT,
    }


def days_ago(d, h=10):
    return AS_OF - dt.timedelta(days=d) + dt.timedelta(hours=h - 24)


def vm(s, g, name):
    return f"{rg(s, g)}/providers/Microsoft.Compute/virtualMachines/{name}"


def activity():
    prod, dev = [], []
    # alice: Owner at the platform MG; works on the web VMs of prod only.
    for d in (80, 45, 12, 3):
        prod.append(event(PROD, "alice", "Microsoft.Compute/virtualMachines/write", vm(PROD, "rg-web", "web-1"), days_ago(d)))
    prod.append(event(PROD, "alice", "Microsoft.Compute/virtualMachines/restart/action", vm(PROD, "rg-web", "web-2"), days_ago(20)))
    # bob: Contributor on prod, across resource groups, all through the window.
    prod.append(event(PROD, "bob", "Microsoft.Compute/disks/write",
                      f"{rg(PROD, 'rg-data')}/providers/Microsoft.Compute/disks/data-disk", days_ago(89, 12)))
    prod.append(event(PROD, "bob", "Microsoft.Compute/virtualMachines/write", vm(PROD, "rg-web", "web-1"), days_ago(0, 20)))
    prod.append(event(PROD, "bob", "Microsoft.Storage/storageAccounts/write", STORAGE, days_ago(30)))
    prod.append(event(PROD, "bob", "Microsoft.Compute/virtualMachines/write", vm(PROD, "rg-web", "web-1"), days_ago(28)))
    prod.append(event(PROD, "bob", "Microsoft.Network/networkSecurityGroups/write",
                      f"{rg(PROD, 'rg-web')}/providers/Microsoft.Network/networkSecurityGroups/web-nsg", days_ago(9)))
    prod.append(event(PROD, "bob", "Microsoft.Resources/deployments/write",
                      f"{rg(PROD, 'rg-data')}/providers/Microsoft.Resources/deployments/data-1", days_ago(5)))
    # ci-deployer: deploys rg-web; its blob writes are DataActions, never logged.
    for d in range(2, 88, 7):
        prod.append(event(PROD, "ci-deployer", "Microsoft.Resources/deployments/write",
                          f"{rg(PROD, 'rg-web')}/providers/Microsoft.Resources/deployments/web-{d}", days_ago(d), status="Started"))
        prod.append(event(PROD, "ci-deployer", "Microsoft.Resources/deployments/write",
                          f"{rg(PROD, 'rg-web')}/providers/Microsoft.Resources/deployments/web-{d}", days_ago(d, 11)))
    prod.append(event(PROD, "ci-deployer", "Microsoft.Web/sites/write",
                      f"{rg(PROD, 'rg-web')}/providers/Microsoft.Web/sites/contoso-web", days_ago(15)))
    # carol activates her PIM eligibility for Owner on prod.
    prod.append(event(PROD, "carol", "Microsoft.Authorization/roleAssignmentScheduleRequests/write",
                      f"{sub(PROD)}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{uuid.uuid5(uuid.NAMESPACE_URL, 'carol-pim')}",
                      days_ago(33)))
    # carol: grants a role in rg-data through platform-admins.
    prod.append(event(PROD, "carol", "Microsoft.Authorization/roleAssignments/write",
                      f"{rg(PROD, 'rg-data')}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid5(uuid.NAMESPACE_URL, 'carol-ra')}",
                      days_ago(40)))
    prod.append(event(PROD, "carol", "Microsoft.Compute/virtualMachines/start/action", vm(PROD, "rg-web", "web-2"), days_ago(6)))
    # dave: signs in to prod only to be refused a VM delete.
    prod.append(event(PROD, "dave", "Microsoft.Compute/virtualMachines/delete", vm(PROD, "rg-web", "web-2"), days_ago(8),
                      status="Failed", sub_status="Forbidden",
                      properties={"statusCode": "Forbidden",
                                  "statusMessage": "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client does not have authorization to perform action\"}}"}))
    # dev: dave tags a VM; legacy-sp last acted long before the window.
    # dev: dave assigns Reader in rg-sandbox, as his condition allows.
    dev.append(event(DEV, "dave", "Microsoft.Authorization/roleAssignments/write",
                     f"{rg(DEV, 'rg-sandbox')}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid5(uuid.NAMESPACE_URL, 'dave-ra')}",
                     days_ago(0, 9)))
    dev.append(event(DEV, "legacy-sp", "Microsoft.Compute/virtualMachines/write", vm(DEV, "rg-legacy", "old-1"), days_ago(200)))
    dev.append(event(DEV, "alice", "Microsoft.Compute/virtualMachines/write", vm(DEV, "rg-sandbox", "try-1"), days_ago(120)))
    key = lambda e: e["eventTimestamp"]
    return sorted(prod, key=key, reverse=True), sorted(dev, key=key, reverse=True)


SCENARIO = """# The demo's Azure tenant

Contoso's tenant, as `az` exports (made by `scripts/gen_demo_azure.py`): the
root management group, `contoso-platform` under it, and the subscriptions
Contoso Prod (`11111111-…`) and Contoso Dev (`22222222-…`) under that. The
demo is audited as of 2026-11-01 over 90 days.

| Principal | Assignments | What the Activity Log shows | What the audit should say |
|---|---|---|---|
| alice@contoso.com | Owner at `contoso-platform` | VM writes in prod's rg-web only; in dev, one write 120 days ago | prod: super identity, Owner unused for role assignments, broad scope used in one resource group; dev: inactive |
| bob@contoso.com | Contributor on prod | writes in rg-web and rg-data | over-provisioned; the deny assignment on rg-network makes its network writes conditional |
| ci-deployer | Contributor on prod's rg-web; Storage Blob Data Contributor on one account | deployments every week (Started, then Succeeded) | its blob DataActions unobservable, never unused |
| platform-admins (carol, dave) | User Access Administrator on prod | carol writes a role assignment in rg-data | dave: User Access Administrator unused (through the group); dave's refused delete is a denied attempt, not use |
| carol@contoso.com | also Virtual Machine Contributor on rg-web; PIM-eligible for Owner on prod | starts a VM; activates Owner | the eligibility is used: no finding for it |
| bob@contoso.com | PIM-eligible for User Access Administrator on prod's rg-data | never activates it | eligible never activated |
| dave@contoso.com | User Access Administrator on dev, under a condition (may assign Reader only) | assigns Reader in dev's rg-sandbox | the condition makes roleAssignments/write conditional: no privileged-role finding |
| eve@contoso.com | Reader at the tenant root | nothing | reads are unobservable: never called unused, never inactive |
| backup-mi (managed identity) | custom Contoso Backup Operator on dev | nothing | inactive |
| legacy-automation | Owner on dev since 2023 | one write 200 days ago | inactive, super identity |
"""


def main():
    os.makedirs(os.path.join(OUT, "role-assignments"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "activity-log"), exist_ok=True)

    def write(rel, obj):
        with open(os.path.join(OUT, rel), "w", encoding="utf-8", newline="\n") as f:
            json.dump(obj, f, indent=2, sort_keys=False)
            f.write("\n")

    write("role-assignments/prod.json", assignments_for(PROD))
    write("role-assignments/dev.json", assignments_for(DEV))
    write("role-definitions.json", custom_roles())
    os.makedirs(os.path.join(OUT, "eligible"), exist_ok=True)
    write("eligible/prod.json", {"value": [
        eligible(PROD, "carol", "Owner", sub(PROD)),
        eligible(PROD, "bob", "User Access Administrator", rg(PROD, "rg-data")),
    ]})
    write("deny-assignments.json", denies())
    write("principals.json", principals())
    write("management-groups.json", entities())
    prod, dev = activity()
    write("activity-log/prod.json", prod)
    write("activity-log/dev.json", dev)
    with open(os.path.join(OUT, "SCENARIO.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(SCENARIO)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
