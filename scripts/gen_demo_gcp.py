#!/usr/bin/env python3
"""Generate the GCP part of permgap's demo organisation: `gcloud` exports of
an organization with a folder and two projects.

    python3 scripts/gen_demo_gcp.py [--out fixtures/demo/gcp]

Writes, deterministically (same bytes on every run), the export folder
layout that `permgap import gcp` reads (see `permgap import gcp --help`):
  organizations/ORG/iam-policy.json, folders/F/iam-policy.json,
  projects/P/iam-policy.json   as `gcloud ... get-iam-policy --format=json`
                               prints them; shape: IAM reference, "Policy"
                               (bindings, condition, auditConfigs, etag,
                               version).
  projects/P/ancestors.json    `gcloud projects get-ancestors P --format=json`
                               ([{id, type}], nearest first).
  projects/P/project.json      `gcloud projects describe P --format=json`.
  projects/P/service-accounts.json
                               `gcloud iam service-accounts list`; shape:
                               IAM reference, "ServiceAccount".
  projects/P/keys/EMAIL.json   `gcloud iam service-accounts keys list
                               --managed-by=user`; shape: "ServiceAccountKey".
  projects/P/activity/*.json   `gcloud policy-intelligence query-activity`;
                               shape: Policy Analyzer reference, "Activity".
  projects/P/insights/*.json   `gcloud recommender insights list
                               --insight-type=google.iam.policy.Insight`;
                               shape: Recommender reference, "Insight".
  roles/*.json                 `gcloud iam roles describe`; shape: "Role".
  .../logs/*.json              `gcloud logging read --format=json`: LogEntry
                               with an AuditLog protoPayload (Cloud Logging
                               reference, "LogEntry"; Cloud Audit Logs,
                               "AuditLog": authenticationInfo,
                               authorizationInfo[] {resource, permission,
                               granted}, methodName, serviceName, status).

The scenario is described in fixtures/demo/gcp/SCENARIO.md; keep it in step.
Every permission written is checked against the embedded catalog
(src/clouds/gcp/catalog/permissions.tsv) or the demo's custom role.
"""
import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random

ORG = "123456789012"
FOLDER = "456789012345"
PROD, PROD_NUM = "acme-prod", "111111111111"
DATA, DATA_NUM = "acme-data", "222222222222"
DOMAIN = "acme.example"
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sa(name, project):
    return f"{name}@{project}.iam.gserviceaccount.com"


DEPLOYER = sa("deployer", PROD)
COMPUTE_DEFAULT = f"{PROD_NUM}-compute@developer.gserviceaccount.com"
PUBSUB_AGENT = f"service-{PROD_NUM}@gcp-sa-pubsub.iam.gserviceaccount.com"
ETL = sa("etl", DATA)
JANITOR = sa("janitor", DATA)
JANITOR_ROLE = f"organizations/{ORG}/roles/bucketJanitor"


def user(n):
    return f"user:{n}@{DOMAIN}"


def etag(obj):
    h = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).digest()
    return base64.b64encode(h[:8]).decode()


def policy(bindings, audit=None):
    p = {"bindings": bindings}
    if audit:
        p["auditConfigs"] = audit
    p["etag"] = etag(p)
    p["version"] = 3 if any("condition" in b for b in bindings) else 1
    return p


def binding(role, members, condition=None):
    b = {"members": sorted(members), "role": role}
    if condition:
        b["condition"] = condition
    return b


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}Z"


class Logs:
    def __init__(self, rng):
        self.rng = rng
        self.by_file = {}
        self.n = 0

    def add(self, parent, t, email, service, method, perms, resource, *,
            denied=False, log="activity", key=None, rtype="audited_resource",
            labels=None):
        self.n += 1
        auth = {"principalEmail": email}
        if key:
            auth["serviceAccountKeyName"] = key
        authz = []
        for p in perms:
            a = {"permission": p, "resource": resource,
                 "resourceAttributes": {}}
            if not denied:
                a["granted"] = True
            authz.append(a)
        payload = {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": auth,
            "authorizationInfo": authz,
            "methodName": method,
            "requestMetadata": {
                "callerIp": f"203.0.113.{self.rng.randint(2, 250)}",
                "callerSuppliedUserAgent": "google-cloud-sdk gcloud/497.0.0 command/" + method,
            },
            "resourceName": resource,
            "serviceName": service,
        }
        if denied:
            payload["status"] = {"code": 7, "message": "PERMISSION_DENIED"}
        kind, ident = parent.split("/")
        res_labels = dict(labels or {})
        if kind == "projects":
            res_labels.setdefault("project_id", ident)
        else:
            res_labels.setdefault(kind[:-1] + "_id", ident)
        e = {
            "insertId": hashlib.sha1(f"{self.n}".encode()).hexdigest()[:12],
            "logName": f"{parent}/logs/cloudaudit.googleapis.com%2F{log}",
            "protoPayload": payload,
            "receiveTimestamp": ts(t + dt.timedelta(milliseconds=self.rng.randint(200, 900))),
            "resource": {"labels": res_labels, "type": rtype},
            "severity": "ERROR" if denied else ("NOTICE" if log == "activity" else "INFO"),
            "timestamp": ts(t),
        }
        month = t.strftime("%Y-%m")
        self.by_file.setdefault(f"{parent}/logs/{month}.json", []).append(e)

    def system_event(self, project, t):
        self.n += 1
        e = {
            "insertId": hashlib.sha1(f"s{self.n}".encode()).hexdigest()[:12],
            "logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2Fsystem_event",
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "methodName": "compute.instances.migrateOnHostMaintenance",
                "resourceName": f"projects/{project}/zones/europe-west1-b/instances/web-1",
                "serviceName": "compute.googleapis.com",
                "status": {"message": "Instance migrated during Compute Engine maintenance."},
            },
            "receiveTimestamp": ts(t),
            "resource": {"labels": {"project_id": project, "zone": "europe-west1-b"}, "type": "gce_instance"},
            "severity": "INFO",
            "timestamp": ts(t),
        }
        self.by_file.setdefault(f"projects/{project}/logs/{t.strftime('%Y-%m')}.json", []).append(e)


def days(rng, start_days_ago, end_days_ago, n):
    out = []
    for _ in range(n):
        d = rng.uniform(end_days_ago, start_days_ago)
        t = AS_OF - dt.timedelta(days=d)
        out.append(t.replace(microsecond=rng.randint(0, 999999)))
    return sorted(out)


def generate(rng):
    files = {}
    files[f"organizations/{ORG}/iam-policy.json"] = policy([
        binding("roles/resourcemanager.organizationAdmin", [user("carol")]),
        binding("roles/viewer", [f"group:auditors@{DOMAIN}"]),
        binding("roles/browser", [f"domain:{DOMAIN}"]),
        binding("roles/iam.securityReviewer", [user("heidi")]),
    ])
    files[f"folders/{FOLDER}/iam-policy.json"] = policy([
        binding("roles/editor", [f"group:platform@{DOMAIN}"]),
        binding("roles/compute.admin", [user("dave")]),
    ])
    files[f"projects/{PROD}/iam-policy.json"] = policy([
        binding("roles/owner", [user("carol")]),
        binding("roles/editor", [f"serviceAccount:{COMPUTE_DEFAULT}"]),
        binding("roles/run.admin", [f"serviceAccount:{DEPLOYER}"]),
        binding("roles/iam.serviceAccountUser", [f"serviceAccount:{DEPLOYER}", user("erin")]),
        binding("roles/iam.workloadIdentityPoolAdmin", [user("erin")]),
        binding("roles/storage.objectAdmin", [user("frank")], {
            "title": "until end of 2026",
            "description": "Temporary access for the storage migration",
            "expression": 'request.time < timestamp("2027-01-01T00:00:00Z")',
        }),
        binding("roles/pubsub.serviceAgent", [f"serviceAccount:{PUBSUB_AGENT}"]),
    ], audit=[{
        "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
        "service": "storage.googleapis.com",
    }])
    files[f"projects/{DATA}/iam-policy.json"] = policy([
        binding("roles/bigquery.dataViewer", [f"serviceAccount:{ETL}"]),
        binding("roles/bigquery.jobUser", [f"serviceAccount:{ETL}"]),
        binding("roles/secretmanager.secretAccessor", [f"serviceAccount:{ETL}"]),
        binding(JANITOR_ROLE, [f"serviceAccount:{JANITOR}"]),
        binding("roles/storage.objectViewer", ["allUsers"]),
        binding("roles/editor", [user("grace")]),
    ], audit=[{
        "auditLogConfigs": [
            {"logType": "ADMIN_READ"},
            {"exemptedMembers": [f"serviceAccount:{ETL}"], "logType": "DATA_READ"},
        ],
        "service": "allServices",
    }])
    files[f"projects/{PROD}/ancestors.json"] = [
        {"id": PROD, "type": "project"},
        {"id": FOLDER, "type": "folder"},
        {"id": ORG, "type": "organization"},
    ]
    files[f"projects/{DATA}/ancestors.json"] = [
        {"id": DATA, "type": "project"},
        {"id": ORG, "type": "organization"},
    ]
    for p, num, name in [(PROD, PROD_NUM, "Acme Production"), (DATA, DATA_NUM, "Acme Data")]:
        files[f"projects/{p}/project.json"] = {
            "createTime": "2024-03-04T10:11:12.345Z",
            "lifecycleState": "ACTIVE",
            "name": name,
            "parent": {"id": FOLDER if p == PROD else ORG, "type": "folder" if p == PROD else "organization"},
            "projectId": p,
            "projectNumber": num,
        }

    def sa_entry(email, project, num, display, uid, disabled=False):
        e = {
            "displayName": display,
            "email": email,
            "etag": "MDEwMjE5MjA=",
            "name": f"projects/{project}/serviceAccounts/{email}",
            "oauth2ClientId": uid,
            "projectId": project,
            "uniqueId": uid,
        }
        if disabled:
            e["disabled"] = True
        return e

    files[f"projects/{PROD}/service-accounts.json"] = [
        sa_entry(COMPUTE_DEFAULT, PROD, PROD_NUM, "Compute Engine default service account", "104000000000000000001"),
        sa_entry(DEPLOYER, PROD, PROD_NUM, "CI deployer", "104000000000000000002"),
    ]
    files[f"projects/{DATA}/service-accounts.json"] = [
        sa_entry(ETL, DATA, DATA_NUM, "Nightly ETL", "104000000000000000003"),
        sa_entry(JANITOR, DATA, DATA_NUM, "Bucket janitor", "104000000000000000004"),
        sa_entry(sa("legacy-export", DATA), DATA, DATA_NUM, "Legacy export (unused)", "104000000000000000005"),
    ]
    deployer_key = "3f2a9c4b1d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"
    etl_key = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
    legacy_key = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"

    def key(project, email, kid, after):
        return {
            "keyAlgorithm": "KEY_ALG_RSA_2048",
            "keyOrigin": "GOOGLE_PROVIDED",
            "keyType": "USER_MANAGED",
            "name": f"projects/{project}/serviceAccounts/{email}/keys/{kid}",
            "validAfterTime": after,
            "validBeforeTime": "9999-12-31T23:59:59Z",
        }

    files[f"projects/{PROD}/keys/{DEPLOYER}.json"] = [key(PROD, DEPLOYER, deployer_key, "2025-06-01T09:00:00Z")]
    files[f"projects/{DATA}/keys/{ETL}.json"] = [key(DATA, ETL, etl_key, "2025-01-10T14:30:00Z")]
    files[f"projects/{DATA}/keys/{sa('legacy-export', DATA)}.json"] = [
        key(DATA, sa("legacy-export", DATA), legacy_key, "2024-05-20T08:00:00Z")]

    def activity(kind, project, num, full, last, sa_id, what):
        body = {"lastAuthenticatedTime": last}
        body[what] = {"fullResourceName": full, "projectNumber": num, "serviceAccountId": sa_id}
        return {
            "activity": body,
            "activityType": kind,
            "fullResourceName": full,
            "observationPeriod": {"endTime": "2026-10-31T07:00:00Z", "startTime": "2026-08-02T07:00:00Z"},
        }

    iam = "//iam.googleapis.com"
    files[f"projects/{PROD}/activity/serviceAccountLastAuthentication.json"] = [
        activity("serviceAccountLastAuthentication", PROD, PROD_NUM, f"{iam}/projects/{PROD}/serviceAccounts/{DEPLOYER}",
                 "2026-10-31T07:00:00Z", "104000000000000000002", "serviceAccount"),
        activity("serviceAccountLastAuthentication", PROD, PROD_NUM, f"{iam}/projects/{PROD}/serviceAccounts/{COMPUTE_DEFAULT}",
                 "2026-10-31T07:00:00Z", "104000000000000000001", "serviceAccount"),
    ]
    files[f"projects/{PROD}/activity/serviceAccountKeyLastAuthentication.json"] = [
        activity("serviceAccountKeyLastAuthentication", PROD, PROD_NUM,
                 f"{iam}/projects/{PROD}/serviceAccounts/{DEPLOYER}/keys/{deployer_key}",
                 "2026-10-30T07:00:00Z", "104000000000000000002", "serviceAccountKey"),
    ]
    files[f"projects/{DATA}/activity/serviceAccountLastAuthentication.json"] = [
        activity("serviceAccountLastAuthentication", DATA, DATA_NUM, f"{iam}/projects/{DATA}/serviceAccounts/{ETL}",
                 "2026-10-31T07:00:00Z", "104000000000000000003", "serviceAccount"),
        activity("serviceAccountLastAuthentication", DATA, DATA_NUM, f"{iam}/projects/{DATA}/serviceAccounts/{JANITOR}",
                 "2026-10-30T07:00:00Z", "104000000000000000004", "serviceAccount"),
    ]
    files[f"projects/{DATA}/activity/serviceAccountKeyLastAuthentication.json"] = []

    # IAM Recommender policy insights (`gcloud recommender insights list
    # --insight-type=google.iam.policy.Insight --location=global`); shape:
    # Recommender reference, "Insight", and the policy insight example of
    # the Policy Intelligence docs (content.exercisedPermissions).
    def insight(n, role, member, exercised, total, text):
        return {
            "category": "SECURITY",
            "content": {
                "condition": {"description": "", "expression": "", "location": "", "title": ""},
                "currentTotalPermissionsCount": str(total),
                "exercisedPermissions": [{"permission": p} for p in exercised],
                "inferredPermissions": [],
                "member": member,
                "role": role,
            },
            "description": text,
            "etag": f'"{n:016x}"',
            "insightSubtype": "PERMISSIONS_USAGE",
            "lastRefreshTime": "2026-10-31T07:00:00Z",
            "name": f"projects/{DATA_NUM}/locations/global/insightTypes/google.iam.policy.Insight/insights/{n:08x}-0000-4000-8000-000000000000",
            "observationPeriod": "7776000s",
            "severity": "LOW",
            "stateInfo": {"state": "ACTIVE"},
            "targetResources": [f"//cloudresourcemanager.googleapis.com/projects/{DATA_NUM}"],
        }

    files[f"projects/{PROD}/insights/google.iam.policy.Insight.json"] = []
    files[f"projects/{DATA}/insights/google.iam.policy.Insight.json"] = [
        insight(1, "roles/secretmanager.secretAccessor", f"serviceAccount:{ETL}",
                ["secretmanager.versions.access"], 2,
                "1 of the permissions in this role binding were used in the past 90 days."),
    ]

    files["roles/bucketJanitor.json"] = {
        "description": "Lists and deletes stale objects",
        "etag": "BwYl2c3d4e4=",
        "includedPermissions": ["storage.buckets.get", "storage.objects.delete", "storage.objects.list"],
        "name": JANITOR_ROLE,
        "stage": "GA",
        "title": "Bucket janitor",
    }

    logs = Logs(rng)
    prod_res = f"projects/{PROD}"
    # carol: organization admin and project owner; changes IAM now and then.
    for t in days(rng, 85, 2, 4):
        logs.add(f"organizations/{ORG}", t, f"carol@{DOMAIN}", "cloudresourcemanager.googleapis.com",
                 "SetIamPolicy", ["resourcemanager.organizations.setIamPolicy"], f"organizations/{ORG}",
                 rtype="organization")
    for t in days(rng, 60, 5, 3):
        logs.add(prod_res, t, f"carol@{DOMAIN}", "cloudresourcemanager.googleapis.com", "SetIamPolicy",
                 ["resourcemanager.projects.setIamPolicy"], prod_res, rtype="project")
    # dave: compute admin from the folder; creates and deletes instances.
    for t in days(rng, 88, 1, 30):
        vm = f"projects/{PROD}/zones/europe-west1-b/instances/batch-{rng.randint(100, 999)}"
        logs.add(prod_res, t, f"dave@{DOMAIN}", "compute.googleapis.com", "v1.compute.instances.insert",
                 ["compute.instances.create", "compute.disks.create", "compute.subnetworks.use",
                  "compute.instances.setMetadata"], vm, rtype="gce_instance",
                 labels={"zone": "europe-west1-b"})
        logs.add(prod_res, t + dt.timedelta(hours=3), f"dave@{DOMAIN}", "compute.googleapis.com",
                 "v1.compute.instances.delete", ["compute.instances.delete"], vm, rtype="gce_instance",
                 labels={"zone": "europe-west1-b"})
    # dave tries to attach a service account he may not act as: denied.
    t = AS_OF - dt.timedelta(days=12, hours=5)
    logs.add(prod_res, t, f"dave@{DOMAIN}", "compute.googleapis.com", "v1.compute.instances.insert",
             ["iam.serviceAccounts.actAs"], f"projects/-/serviceAccounts/{DEPLOYER}", denied=True,
             rtype="gce_instance", labels={"zone": "europe-west1-b"})
    # deployer: CI deploys to Cloud Run daily with its key.
    dkey = f"{iam}/projects/{PROD}/serviceAccounts/{DEPLOYER}/keys/{deployer_key}"
    for t in days(rng, 89.9, 0.1, 80):
        svc = f"projects/{PROD}/locations/europe-west1/services/shop-api"
        logs.add(prod_res, t, DEPLOYER, "run.googleapis.com", "google.cloud.run.v2.Services.UpdateService",
                 ["run.services.update", "iam.serviceAccounts.actAs"], svc, key=dkey,
                 rtype="cloud_run_revision", labels={"location": "europe-west1", "service_name": "shop-api"})
        logs.add(prod_res, t - dt.timedelta(minutes=4), DEPLOYER, "storage.googleapis.com", "storage.objects.create",
                 ["storage.objects.create"], f"projects/_/buckets/{PROD}-artifacts/objects/build.tar.gz",
                 log="data_access", key=dkey, rtype="gcs_bucket", labels={"bucket_name": f"{PROD}-artifacts"})
    # the default compute account reads objects (storage Data Access logs are on in acme-prod).
    for t in days(rng, 89, 0.5, 60):
        logs.add(prod_res, t, COMPUTE_DEFAULT, "storage.googleapis.com", "storage.objects.get",
                 ["storage.objects.get"], f"projects/_/buckets/{PROD}-assets/objects/img/{rng.randint(1, 999)}.png",
                 log="data_access", rtype="gcs_bucket", labels={"bucket_name": f"{PROD}-assets"})
    # frank: the migration, under his conditional objectAdmin.
    # ... and snapshots the boot disks every week (Admin Activity).
    for t in days(rng, 88, 1, 12):
        logs.add(prod_res, t, COMPUTE_DEFAULT, "compute.googleapis.com", "v1.compute.disks.createSnapshot",
                 ["compute.disks.createSnapshot", "compute.snapshots.create"],
                 f"projects/{PROD}/zones/europe-west1-b/disks/web-1", rtype="gce_disk",
                 labels={"zone": "europe-west1-b"})
    for t in days(rng, 40, 3, 12):
        logs.add(prod_res, t, f"frank@{DOMAIN}", "storage.googleapis.com", "storage.objects.delete",
                 ["storage.objects.delete"], f"projects/_/buckets/{PROD}-legacy/objects/old/{rng.randint(1, 999)}",
                 log="data_access", rtype="gcs_bucket", labels={"bucket_name": f"{PROD}-legacy"})
    # alice acts through group platform@ (Editor on the folder): not bound herself.
    for t in days(rng, 50, 2, 6):
        logs.add(prod_res, t, f"alice@{DOMAIN}", "compute.googleapis.com", "v1.compute.firewalls.patch",
                 ["compute.firewalls.update", "compute.networks.updatePolicy"],
                 f"projects/{PROD}/global/firewalls/allow-https", rtype="gce_firewall_rule")
    for t in days(rng, 70, 10, 2):
        logs.system_event(PROD, t)
    data_res = f"projects/{DATA}"
    # etl: nightly BigQuery jobs (BigQuery's Data Access logs are always on).
    for d in range(90):
        t = AS_OF - dt.timedelta(days=89.9 - d) + dt.timedelta(minutes=rng.randint(0, 50))
        logs.add(data_res, t, ETL, "bigquery.googleapis.com", "google.cloud.bigquery.v2.JobService.InsertJob",
                 ["bigquery.jobs.create"], f"projects/{DATA}/jobs/etl_{rng.randint(10**6, 10**7)}",
                 log="data_access", rtype="bigquery_project")
        logs.add(data_res, t + dt.timedelta(seconds=20), ETL, "bigquery.googleapis.com",
                 "google.cloud.bigquery.v2.JobService.InsertJob", ["bigquery.tables.getData"],
                 f"projects/{DATA}/datasets/sales/tables/orders", log="data_access", rtype="bigquery_dataset")
    # janitor: lists objects (DATA_READ is on for all services in acme-data);
    # its deletes are DATA_WRITE, which is off: not logged.
    for t in days(rng, 80, 1, 20):
        logs.add(data_res, t, JANITOR, "storage.googleapis.com", "storage.objects.list",
                 ["storage.objects.list"], f"projects/_/buckets/{DATA}-landing", log="data_access",
                 rtype="gcs_bucket", labels={"bucket_name": f"{DATA}-landing"})

    # erin sets up GitHub's workload identity federation: the log names the
    # permission `iam.workloadIdentityPools.create`, the role data
    # `iam.googleapis.com/workloadIdentityPools.create` (one permission).
    t = AS_OF - dt.timedelta(days=20, hours=3)
    logs.add(prod_res, t, f"erin@{DOMAIN}", "iam.googleapis.com",
             "google.iam.v1.WorkloadIdentityPools.CreateWorkloadIdentityPool",
             ["iam.workloadIdentityPools.create"],
             f"projects/{PROD_NUM}/locations/global/workloadIdentityPools/github", rtype="audited_resource")

    for path, entries in logs.by_file.items():
        entries.sort(key=lambda e: e["timestamp"])
        files[path] = entries
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures/demo/gcp"))
    a = ap.parse_args()
    rng = random.Random(20261101)
    files = generate(rng)
    known = set()
    with open(os.path.join(ROOT, "src/clouds/gcp/catalog/permissions.tsv")) as f:
        known = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    # IAM's host spelling in the role data is the logs' short one.
    known |= {p.replace("iam.googleapis.com/", "iam.", 1) for p in known}
    for path, body in files.items():
        for e in body if isinstance(body, list) else []:
            for z in e.get("protoPayload", {}).get("authorizationInfo", []):
                assert z["permission"] in known, (path, z["permission"])
    for path in sorted(files):
        full = os.path.join(a.out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            json.dump(files[path], f, indent=2, sort_keys=True)
            f.write("\n")
    print(f"wrote {len(files)} files to {a.out}")


if __name__ == "__main__":
    main()
