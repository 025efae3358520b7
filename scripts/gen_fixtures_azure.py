#!/usr/bin/env python3
"""Generate the Azure import cases in fixtures/azure/ (`az` export shapes,
from the demo generator's helpers; see scripts/gen_demo_azure.py).

  scoped/     one subscription: an assignment at two resource groups used in
              one, a conditional one, a group without listed members, a custom
              role of a provider only the tenant's `--operations` lists, a
              refused call and a Policy event.
  bad-input/  the same tenant with broken files: an assignment without its
              role, a role definition answer that is an error, an event
              without a time, and a truncated Activity Log.

    python3 scripts/gen_fixtures_azure.py
"""
import json
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_demo_azure as g  # noqa: E402

S = "33333333-3333-4333-8333-333333333333"
for k, v in {
    "ana": dict(kind="User", name="Ana Ruiz", upn="ana@fabrikam.com"),
    "ops": dict(kind="Group", name="ops-oncall", members=[]),
    "widget-bot": dict(kind="ServicePrincipal", name="widget-bot", app="Application"),
}.items():
    v["id"] = g.oid(k)
    if v["kind"] == "ServicePrincipal":
        v["appId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"app/{k}"))
    g.P[k] = v
WIDGET = "d1d1d1d1-0000-4000-8000-000000000001"
g.ROLE["Widget Operator"] = WIDGET
g.ROLE["Storage Blob Data Reader"] = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
RGA, RGB = g.rg(S, "rg-a"), g.rg(S, "rg-b")


def op(name, data=False):
    return {"description": "", "displayName": name, "isDataAction": data, "name": name,
            "origin": "user,system", "properties": None}


def main():
    assign = [
        g.assignment(S, "ana", "Virtual Machine Contributor", RGA),
        g.assignment(S, "ana", "Virtual Machine Contributor", RGB),
        g.assignment(S, "ana", "Contributor", g.sub(S),
                     condition="@Resource[Microsoft.Resources/tags:env] StringEquals 'dev'"),
        g.assignment(S, "ops", "Reader", g.sub(S)),
        g.assignment(S, "widget-bot", "Widget Operator", RGA),
        g.assignment(S, "widget-bot", "Storage Blob Data Reader", RGA),
        g.assignment(S, "widget-bot", "Storage Blob Data Reader", RGB),
    ]
    assign[3]["principalName"] = ""  # az leaves it empty when Graph cannot be read
    roles = [{
        "assignableScopes": [g.sub(S)], "description": "Runs the widgets.",
        "id": f"{g.sub(S)}/providers/Microsoft.Authorization/roleDefinitions/{WIDGET}", "name": WIDGET,
        "permissions": [{"actions": ["Contoso.Widgets/widgets/*", "Microsoft.Compute/virtualMachines/read"],
                         "notActions": ["Contoso.Widgets/widgets/delete"], "dataActions": [],
                         "notDataActions": [], "condition": None, "conditionVersion": None}],
        "roleName": "Widget Operator", "roleType": "CustomRole", "type": "Microsoft.Authorization/roleDefinitions"}]
    ops = [
        {"displayName": "Contoso Widgets", "name": "Contoso.Widgets", "type": "Microsoft.Authorization/providerOperations",
         "id": "/providers/Microsoft.Authorization/providerOperations/Contoso.Widgets",
         "operations": [op("Contoso.Widgets/register/action")],
         "resourceTypes": [{"displayName": "Widgets", "name": "widgets", "operations": [
             op("Contoso.Widgets/widgets/read"), op("Contoso.Widgets/widgets/write"),
             op("Contoso.Widgets/widgets/delete"), op("Contoso.Widgets/widgets/spin/action"),
             op("Contoso.Widgets/widgets/data/read", True)]}]},
        {"displayName": "Microsoft Compute", "name": "Microsoft.Compute", "type": "Microsoft.Authorization/providerOperations",
         "id": "/providers/Microsoft.Authorization/providerOperations/Microsoft.Compute", "operations": [],
         "resourceTypes": [{"name": "virtualMachines", "displayName": "Virtual Machines", "operations": [
             op(f"Microsoft.Compute/virtualMachines/{v}") for v in
             ["read", "write", "delete", "start/action", "powerOff/action", "restart/action", "deallocate/action"]]}]},
        {"displayName": "Microsoft Storage", "name": "Microsoft.Storage", "type": "Microsoft.Authorization/providerOperations",
         "id": "/providers/Microsoft.Authorization/providerOperations/Microsoft.Storage", "operations": [],
         "resourceTypes": [{"name": "storageAccounts/blobServices/containers", "displayName": "Blob containers", "operations": [
             op("Microsoft.Storage/storageAccounts/blobServices/containers/read"),
             op("Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"),
             op("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", True)]}]},
    ]
    ev = [
        g.event(S, "ana", "Microsoft.Compute/virtualMachines/write", g.vm(S, "rg-b", "vm-b1"), g.days_ago(10)),
        g.event(S, "ana", "Microsoft.Compute/virtualMachines/start/action", g.vm(S, "rg-b", "vm-b1"), g.days_ago(3)),
        g.event(S, "ana", "Microsoft.Compute/virtualMachines/delete", g.vm(S, "rg-a", "vm-a1"), g.days_ago(2),
                status="Failed", sub_status="Forbidden", properties={"statusCode": "Forbidden"}),
        g.event(S, "widget-bot", "Contoso.Widgets/widgets/write", f"{RGA}/providers/Contoso.Widgets/widgets/w1", g.days_ago(5)),
        g.event(S, "widget-bot", "Contoso.Widgets/widgets/spin/action", f"{RGA}/providers/Contoso.Widgets/widgets/w1", g.days_ago(4)),
        g.event(S, "widget-bot", "Contoso.Widgets/widgets/polish/action", f"{RGA}/providers/Contoso.Widgets/widgets/w1", g.days_ago(4)),
        g.event(S, "ana", "Microsoft.Compute/virtualMachines/write", g.vm(S, "rg-b", "vm-b2"), g.days_ago(89, 12)),
        g.event(S, "ana", "Microsoft.Compute/virtualMachines/write", g.vm(S, "rg-b", "vm-b2"), g.days_ago(0, 20)),
    ]
    pol = g.event(S, "ana", "Microsoft.Authorization/policies/audit/action", g.vm(S, "rg-b", "vm-b1"), g.days_ago(6))
    pol["category"] = {"value": "Policy", "localizedValue": "Policy"}
    ev.append(pol)
    page = {"value": sorted(ev, key=lambda e: e["eventTimestamp"], reverse=True)}
    graph = {"value": [
        {"@odata.type": "#microsoft.graph.user", "id": g.P["ana"]["id"], "displayName": "Ana Ruiz",
         "userPrincipalName": "ana@fabrikam.com"},
        {"@odata.type": "#microsoft.graph.servicePrincipal", "id": g.P["widget-bot"]["id"],
         "displayName": "widget-bot", "appId": g.P["widget-bot"]["appId"], "servicePrincipalType": "Application"},
    ]}

    def write(case, name, obj):
        d = os.path.join(HERE, "..", "fixtures", "azure", case, "export")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(obj if isinstance(obj, str) else json.dumps(obj, indent=2) + "\n")

    write("scoped", "role-assignments.json", assign)
    write("scoped", "role-definitions.json", roles)
    write("scoped", "operations.json", ops)
    write("scoped", "activity-log.json", page)
    write("scoped", "principals.json", graph)
    write("bad-input", "role-assignments.json",
          assign[:2] + [{"principalId": g.P["ana"]["id"], "scope": g.sub(S), "principalType": "User"}])
    write("bad-input", "role-definitions.json", {"error": {"code": "AuthorizationFailed", "message":
          "The client does not have authorization to perform action 'Microsoft.Authorization/roleDefinitions/read'"}})
    write("bad-input", "eligible.json", {"value": "PIM is not licensed in this tenant"})
    write("bad-input", "activity-log/1.json",
          {"value": page["value"][:3] + [{"caller": "ana@fabrikam.com", "eventTimestamp": "yesterday"}]})
    write("bad-input", "activity-log/2.json", '[{"caller": "ana@fabrikam.com", "eventTimestamp": "2026-10-20T10:00:00Z"')
    print("wrote fixtures/azure/{scoped,bad-input}")


if __name__ == "__main__":
    main()
