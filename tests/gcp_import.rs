//! `permgap import gcp` on realistic `gcloud` exports (the demo's folder,
//! fixtures/demo/gcp, made by scripts/gen_demo_gcp.py), and on broken ones:
//! what GCP's semantics say must hold, and that bad input is named and the
//! rest audited.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn permgap(args: &[&str]) -> Output {
    common::permgap(args)
}

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/gcp")
}

/// Imports `dir` and audits it: (exit code of the audit, report).
fn audit(dir: &Path) -> (i32, Value) {
    let out = tempfile::tempdir().expect("tempdir");
    let snap = out.path().join("snap.json");
    let s = snap.to_string_lossy().to_string();
    let o = permgap(&["import", "gcp", &dir.to_string_lossy(), "-o", &s]);
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = permgap(&["audit", &s, "--as-of", AS_OF, "--format", "json"]);
    common::snapshot_file(Path::new(&s));
    let v = common::report(&o.stdout);
    (o.status.code().unwrap_or(-1), v)
}

fn identity<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the report"))
}

fn list(i: &Value, key: &str) -> Vec<String> {
    i[key]
        .as_array()
        .expect(key)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn findings(i: &Value) -> Vec<String> {
    i["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = e.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// A copy of the demo's exports to break (the folder lives as long as the
/// returned guard).
fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("export");
    copy_dir(&demo_dir(), &root);
    (dir, root)
}

#[test]
fn the_demo_exports_audit_as_gcp_says() {
    let (code, r) = audit(&demo_dir());
    assert_eq!(code, 0, "{:#}", r["coverage"]);
    let p = |proj: &str, m: &str| format!("projects/{proj}/members/{m}");
    for i in r["identities"].as_array().expect("ids") {
        let n = |k: &str| i[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(
            n("granted"),
            n("used") + n("unused") + n("unobservable"),
            "{}",
            i["id"]
        );
    }

    // carol: Owner on acme-prod and organization admin: super, basic role;
    // her SetIamPolicy on the organization counts in both projects.
    let carol = identity(&r, &p("acme-prod", "user:carol@acme.example"));
    let f = findings(carol);
    assert!(
        f.contains(&"super-identity".into()) && f.contains(&"basic-role".into()),
        "{f:?}"
    );
    let used = list(carol, "used_permissions");
    assert!(
        used.contains(&"resourcemanager.projects.setIamPolicy".into()),
        "{used:?}"
    );
    assert!(used.contains(&"resourcemanager.organizations.setIamPolicy".into()));
    let carol_data = identity(&r, &p("acme-data", "user:carol@acme.example"));
    assert_eq!(
        list(carol_data, "used_permissions"),
        ["resourcemanager.organizations.setIamPolicy"]
    );

    // dave: compute admin inherited from the folder; a denied actAs is not use.
    let dave = identity(&r, &p("acme-prod", "user:dave@acme.example"));
    assert_eq!(dave["granted"], 1095);
    assert!(!list(dave, "used_permissions").contains(&"iam.serviceAccounts.actAs".into()));
    assert!(list(dave, "used_permissions").contains(&"compute.instances.delete".into()));
    let dave_policy = &dave["policies"][0];
    assert_eq!(dave_policy["id"], "roles/compute.admin");

    // frank: objectAdmin under a condition: conditional, and used.
    let frank = identity(&r, &p("acme-prod", "user:frank@acme.example"));
    assert!(list(frank, "conditional_permissions").contains(&"storage.objects.delete".into()));
    assert_eq!(frank["conditional"], frank["granted"]);
    assert!(list(frank, "used_permissions").contains(&"storage.objects.delete".into()));

    // etl: exempted from DATA_READ logs, but IAM Recommender watched its
    // Secret Accessor binding, so its secret reads are known used (without
    // the insight they are unobservable: see
    // recommender_insights_are_evidence_only_while_fresh); BigQuery's logs
    // are always on; its old key was never used and Policy Analyzer covers
    // the project.
    let etl = identity(
        &r,
        &p(
            "acme-data",
            "serviceAccount:etl@acme-data.iam.gserviceaccount.com",
        ),
    );
    assert!(list(etl, "used_permissions").contains(&"secretmanager.versions.access".into()));
    assert!(list(etl, "used_permissions").contains(&"bigquery.tables.getData".into()));
    assert!(findings(etl).contains(&"unused-service-account-key".into()));

    // janitor (custom organization role): deletes are DATA_WRITE, off in
    // acme-data: unobservable; bucket reads are ADMIN_READ, on: unused.
    let janitor = identity(
        &r,
        &p(
            "acme-data",
            "serviceAccount:janitor@acme-data.iam.gserviceaccount.com",
        ),
    );
    assert_eq!(list(janitor, "used_permissions"), ["storage.objects.list"]);
    assert_eq!(
        list(janitor, "unobservable_permissions"),
        ["storage.objects.delete"]
    );
    assert_eq!(list(janitor, "unused_permissions"), ["storage.buckets.get"]);

    // deployer: its key is in use, its actAs too.
    let deployer = identity(
        &r,
        &p(
            "acme-prod",
            "serviceAccount:deployer@acme-prod.iam.gserviceaccount.com",
        ),
    );
    assert!(list(deployer, "used_permissions").contains(&"iam.serviceAccounts.actAs".into()));
    assert!(!findings(deployer).contains(&"unused-service-account-key".into()));

    // erin: creates one workload identity pool, logged as
    // `iam.workloadIdentityPools.create`, which her role's data spells
    // `iam.googleapis.com/workloadIdentityPools.create`: one permission, used.
    // actAs is checked without a log entry of its own: unobservable, never
    // unused.
    let erin = identity(&r, &p("acme-prod", "user:erin@acme.example"));
    assert_eq!(
        list(erin, "used_permissions"),
        ["iam.workloadIdentityPools.create"]
    );
    assert!(list(erin, "used_without_grant").is_empty());
    assert!(list(erin, "unobservable_permissions").contains(&"iam.serviceAccounts.actAs".into()));
    assert!(!findings(erin).contains(&"inactive-identity".into()));
    // grace: Editor on acme-data, never seen: inactive, basic role, and
    // unused escalation (setIamPolicy of many services) where logs would see it.
    let grace = identity(&r, &p("acme-data", "user:grace@acme.example"));
    let f = findings(grace);
    for want in [
        "inactive-identity",
        "basic-role",
        "unused-escalation-permissions",
    ] {
        assert!(f.contains(&want.to_string()), "{want} in {f:?}");
    }
    assert!(list(grace, "unobservable_permissions").contains(&"iam.serviceAccounts.actAs".into()));

    // Sets: always public-member for allUsers; a group's use cannot be seen.
    let public = identity(&r, &p("acme-data", "allUsers"));
    assert_eq!(findings(public), ["public-member"]);
    assert_eq!(public["unobservable"], public["granted"]);
    let platform = identity(&r, &p("acme-prod", "group:platform@acme.example"));
    assert_eq!(platform["kind"], "principal-set");
    assert_eq!(findings(platform), ["basic-role"]);
    assert_eq!(platform["unused"], 0);

    // Google's service agent: reported, never asked to change.
    let agent = identity(
        &r,
        &p(
            "acme-prod",
            "serviceAccount:service-111111111111@gcp-sa-pubsub.iam.gserviceaccount.com",
        ),
    );
    assert_eq!(agent["provider_managed"], true);
    assert!(findings(agent).is_empty());

    // Coverage: the Data Access logs turned on, and the group member's use.
    let sources = r["coverage"]["sources"].as_array().expect("sources");
    let logs = sources
        .iter()
        .find(|s| s["kind"] == "gcp-audit-logs" && s["system"] == "acme-prod")
        .expect("acme-prod logs");
    assert_eq!(
        logs["data_event_services"][0],
        "storage.googleapis.com/DATA_READ"
    );
    assert_eq!(logs["records"]["principal-not-bound"], 6);
    assert_eq!(logs["records"]["system-event"], 2);
    // Its own three months of files and the organization's two.
    assert_eq!(logs["files_read"], 5);
}

#[test]
fn broken_exports_are_named_and_the_rest_audited() {
    let (_dir, root) = demo_copy();
    // acme-data's policy is not JSON; a log file is cut short; a role is
    // bound that nobody exported; a member form IAM does not define; a
    // stray file.
    std::fs::write(
        root.join("projects/acme-data/iam-policy.json"),
        "{\"bindings\": [",
    )
    .expect("w");
    std::fs::write(
        root.join("projects/acme-prod/logs/2026-09.json"),
        "[{\"logName\"",
    )
    .expect("w");
    let pol = root.join("projects/acme-prod/iam-policy.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&pol).expect("r")).expect("json");
    v["bindings"]
        .as_array_mut()
        .expect("bindings")
        .push(serde_json::json!({
            "role": "projects/acme-prod/roles/mystery",
            "members": ["user:zoe@acme.example", "robot:r2d2"]
        }));
    std::fs::write(&pol, v.to_string()).expect("w");
    std::fs::write(root.join("notes.txt"), "x").expect("w");
    // Files of the wrong shape: a policy where keys belong, an error body
    // where log entries belong.
    std::fs::write(
        root.join("projects/acme-prod/keys/deployer@acme-prod.iam.gserviceaccount.com.json"),
        "{\"bindings\": []}",
    )
    .expect("w");
    std::fs::write(
        root.join("projects/acme-prod/logs/2026-10.json"),
        "{\"error\": {\"code\": 403}}",
    )
    .expect("w");

    let (code, r) = audit(&root);
    assert_eq!(code, 3, "partial");
    assert_eq!(r["partial"], true);
    let skipped = r["coverage"]["skipped"].to_string();
    assert!(skipped.contains("acme-data/iam-policy.json"), "{skipped}");
    assert!(skipped.contains("get-iam-policy"), "{skipped}");
    assert!(skipped.contains("logs/2026-09.json"), "{skipped}");
    assert!(skipped.contains("logs/2026-10.json"), "{skipped}");
    assert!(
        skipped.contains("deployer@acme-prod.iam.gserviceaccount.com.json"),
        "{skipped}"
    );
    assert!(
        skipped.contains("role projects/acme-prod/roles/mystery"),
        "{skipped}"
    );
    assert!(
        skipped.contains("gcloud iam roles describe mystery --project=acme-prod"),
        "{skipped}"
    );
    let warnings = r["coverage"]["warnings"].to_string();
    assert!(warnings.contains("robot:r2d2"), "{warnings}");
    assert!(warnings.contains("notes.txt"), "{warnings}");
    // The rest is audited: acme-prod's identities, with the other months' logs.
    let systems: Vec<&str> = r["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(systems, ["acme-data", "acme-prod"]);
    // acme-data keeps what it inherits from the organization, without its own bindings.
    identity(&r, "projects/acme-data/members/user:carol@acme.example");
    let janitor = identity(
        &r,
        "projects/acme-data/members/serviceAccount:janitor@acme-data.iam.gserviceaccount.com",
    );
    assert_eq!(janitor["granted"], 0);
    let dave = identity(&r, "projects/acme-prod/members/user:dave@acme.example");
    assert!(dave["used"].as_u64().unwrap_or(0) > 0);
    let logs = r["coverage"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["kind"] == "gcp-audit-logs" && s["system"] == "acme-prod")
        .expect("acme-prod logs");
    assert_eq!(
        (&logs["files_read"], &logs["files_skipped"]),
        (&3.into(), &2.into())
    );
    let zoe = identity(&r, "projects/acme-prod/members/user:zoe@acme.example");
    assert_eq!(zoe["granted"], 0);
}

#[test]
fn a_folder_without_projects_or_not_a_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, r) = audit(dir.path());
    assert_eq!(code, 3);
    assert!(
        r["coverage"]["skipped"]
            .to_string()
            .contains("projects/PROJECT_ID/iam-policy.json")
    );
    let o = permgap(&["import", "gcp", "/no/such/folder", "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/folder"));
}

#[test]
fn the_gcp_catalog_lists_patterns_and_roles() {
    let o = permgap(&["catalog", "gcp", "storage.objects.*"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let names: Vec<&str> = out.lines().filter_map(|l| l.split('\t').next()).collect();
    assert!(names.contains(&"storage.objects.get") && names.contains(&"storage.objects.delete"));
    assert!(
        names.iter().all(|n| n.starts_with("storage.objects.")),
        "{names:?}"
    );
    assert!(out.contains("storage.objects.setIamPolicy\tPermissions management"));
    let o = permgap(&["catalog", "gcp", "roles/iam.serviceAccountUser"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("iam.serviceAccounts.actAs\tPermissions management"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 5);
    for bad in ["storage", "roles/no.such.role"] {
        let o = permgap(&["catalog", "gcp", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(bad));
    }
}

#[test]
fn a_project_without_logs_of_its_own_calls_nothing_unused() {
    // acme-data's logs are gone; the organization's entries remain. They
    // still count as carol's use, but they do not make acme-data covered.
    let (_dir, root) = demo_copy();
    std::fs::remove_dir_all(root.join("projects/acme-data/logs")).expect("rm");
    let (code, r) = audit(&root);
    assert_eq!(code, 0);
    for i in r["identities"].as_array().expect("ids") {
        if i["system"] == "acme-data" {
            // Only what IAM Recommender watched (etl's Secret Accessor
            // binding) can be unused without the project's logs.
            let expected: &[&str] = if i["name"] == "etl@acme-data.iam.gserviceaccount.com" {
                &[
                    "resourcemanager.projects.get",
                    "resourcemanager.projects.list",
                ]
            } else {
                &[]
            };
            assert_eq!(list(i, "unused_permissions"), expected, "{}", i["id"]);
            assert!(
                !findings(i).contains(&"inactive-identity".to_string()),
                "{}",
                i["id"]
            );
        }
    }
    let carol = identity(&r, "projects/acme-data/members/user:carol@acme.example");
    assert_eq!(
        list(carol, "used_permissions"),
        ["resourcemanager.organizations.setIamPolicy"]
    );
    let covered: Vec<&Value> = r["coverage"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter(|s| s["kind"] == "gcp-audit-logs")
        .collect();
    assert_eq!(covered.len(), 1);
    assert_eq!(covered[0]["system"], "acme-prod");
    assert!(
        r["coverage"]["warnings"]
            .to_string()
            .contains("no Cloud Audit Logs covers this project")
    );
}

#[test]
fn key_findings_need_the_key_activity() {
    // Without Policy Analyzer's key activity, a key the logs never showed is
    // not proven unused.
    let (_dir, root) = demo_copy();
    std::fs::remove_file(
        root.join("projects/acme-data/activity/serviceAccountKeyLastAuthentication.json"),
    )
    .expect("rm");
    let (_, r) = audit(&root);
    let etl = identity(
        &r,
        "projects/acme-data/members/serviceAccount:etl@acme-data.iam.gserviceaccount.com",
    );
    assert!(!findings(etl).contains(&"unused-service-account-key".to_string()));
    // The binding's scope is in the report.
    let dave = identity(&r, "projects/acme-prod/members/user:dave@acme.example");
    assert_eq!(dave["policies"][0]["scope"], "folders/456789012345");
}

#[test]
fn an_expired_key_is_not_an_unused_one() {
    let (_dir, root) = demo_copy();
    let sa = "legacy-export@acme-data.iam.gserviceaccount.com";
    let f = root.join(format!("projects/acme-data/keys/{sa}.json"));
    let (_, before) = audit(&root);
    let id = format!("projects/acme-data/members/serviceAccount:{sa}");
    assert_eq!(
        findings(identity(&before, &id)),
        ["unused-service-account-key"]
    );
    let text = std::fs::read_to_string(&f).expect("read");
    std::fs::write(
        &f,
        text.replace("9999-12-31T23:59:59Z", "2026-01-01T00:00:00Z"),
    )
    .expect("w");
    let (_, after) = audit(&root);
    assert!(findings(identity(&after, &id)).is_empty());
}

#[test]
fn missing_ancestry_role_definitions_and_timestamps_make_the_result_partial() {
    let (_dir, root) = demo_copy();
    // acme-data's ancestry is gone; the folder's policy above acme-prod is
    // gone; the custom role is exported without its permissions (as `roles
    // list` does); one log entry has no timestamp.
    std::fs::remove_file(root.join("projects/acme-data/ancestors.json")).expect("rm");
    std::fs::remove_file(root.join("folders/456789012345/iam-policy.json")).expect("rm");
    let role = root.join("roles/bucketJanitor.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&role).expect("r")).expect("json");
    v.as_object_mut()
        .expect("role")
        .remove("includedPermissions");
    std::fs::write(&role, v.to_string()).expect("w");
    let logs = root.join("projects/acme-prod/logs/2026-10.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&logs).expect("r")).expect("json");
    v[0].as_object_mut().expect("entry").remove("timestamp");
    std::fs::write(&logs, v.to_string()).expect("w");

    let (code, r) = audit(&root);
    assert_eq!(code, 3);
    let skipped = r["coverage"]["skipped"].to_string();
    for want in [
        "no projects/acme-data/ancestors.json",
        "gcloud projects get-ancestors acme-data",
        "folders/456789012345 is above it, but its IAM policy is not in the export",
        "role organizations/123456789012/roles/bucketJanitor lists no `includedPermissions`",
        "2026-10.json: entry 0",
    ] {
        assert!(skipped.contains(want), "{want} in {skipped}");
    }
    // What the rest says still holds: acme-data inherits nothing, so carol
    // (organization admin) is not an identity there; the janitor's role
    // grants nothing; dave lost his folder grant.
    assert!(
        !r["identities"]
            .to_string()
            .contains("projects/acme-data/members/user:carol@acme.example")
    );
    let janitor = identity(
        &r,
        "projects/acme-data/members/serviceAccount:janitor@acme-data.iam.gserviceaccount.com",
    );
    assert_eq!(janitor["granted"], 0);
    assert!(
        !r["identities"]
            .to_string()
            .contains("projects/acme-prod/members/user:dave@acme.example")
    );
    let carol = identity(&r, "projects/acme-prod/members/user:carol@acme.example");
    assert!(carol["used"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn recommender_insights_are_evidence_only_while_fresh() {
    let etl = "projects/acme-data/members/serviceAccount:etl@acme-data.iam.gserviceaccount.com";
    let unobservable = |r: &Value| list(identity(r, etl), "unobservable_permissions");
    // Fresh (the demo's, refreshed the day before the window's end): the
    // Secret Accessor binding is watched, so its permissions are observable
    // although the account is exempted from DATA_READ logs.
    let (_, fresh) = audit(&demo_dir());
    assert!(
        list(identity(&fresh, etl), "used_permissions")
            .contains(&"secretmanager.versions.access".to_string())
    );
    assert!(
        !unobservable(&fresh)
            .iter()
            .any(|p| p.starts_with("secretmanager."))
    );

    // The same insight refreshed months before: no evidence, and said so.
    let (_tmp, root) = demo_copy();
    let f = root.join("projects/acme-data/insights/google.iam.policy.Insight.json");
    let text = std::fs::read_to_string(&f).expect("insights");
    let stale = text.replace("2026-10-31T07:00:00Z", "2026-07-01T07:00:00Z");
    assert_ne!(stale, text);
    std::fs::write(&f, stale).expect("write");
    let (code, r) = audit(&root);
    assert_eq!(code, 0);
    assert!(unobservable(&r).contains(&"secretmanager.versions.access".to_string()));
    let warnings = r["coverage"]["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w["input"] == "IAM Recommender policy insights"
                && w["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("1 insight(s)"))),
        "{warnings:?}"
    );

    // An insight that is not JSON is named; the rest is audited.
    std::fs::write(&f, "{not json").expect("write");
    let (code, r) = audit(&root);
    assert_eq!(code, 3);
    assert!(
        r["coverage"]["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|s| s["input"]
                .as_str()
                .is_some_and(|i| i.ends_with("google.iam.policy.Insight.json"))
                && s["reason"]
                    .as_str()
                    .is_some_and(|m| m.contains("gcloud recommender insights list")))
    );
    assert_eq!(r["identities"].as_array().map(Vec::len), Some(20));
}

/// A log entry for `who` in acme-data's Admin Activity log on 2026-10-20,
/// checking `permission`.
fn activity_entry(who: &str, permission: &str, n: usize) -> Value {
    serde_json::json!({
        "insertId": format!("case-{n}"),
        "logName": "projects/acme-data/logs/cloudaudit.googleapis.com%2Factivity",
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": {"principalEmail": who},
            "authorizationInfo": [{
                "granted": true,
                "permission": permission,
                "resource": "projects/acme-data/locations/global/things/t",
                "resourceAttributes": {}
            }],
            "methodName": "case.method",
            "resourceName": "projects/acme-data/locations/global/things/t",
            "serviceName": "networkservices.googleapis.com"
        },
        "receiveTimestamp": "2026-10-20T10:00:00.500000Z",
        "resource": {"labels": {"project_id": "acme-data"}, "type": "audited_resource"},
        "severity": "NOTICE",
        "timestamp": format!("2026-10-20T10:00:{n:02}.000000Z")
    })
}

/// GCP permission names are case-sensitive, and IAM's two spellings of one
/// permission are one: a role holding `networkservices.httpFilters.create`
/// and `networkservices.httpfilters.create` has two permissions, a use of
/// one credits that one only; `iam.googleapis.com/workloadIdentityPools.create`
/// (the role data's spelling) is credited by a log's
/// `iam.workloadIdentityPools.create`, never "used without grant".
#[test]
fn permission_names_match_exactly_and_iam_spellings_are_one() {
    let (_dir, root) = demo_copy();
    let janitor = "janitor@acme-data.iam.gserviceaccount.com";
    let role = root.join("roles/bucketJanitor.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&role).expect("r")).expect("json");
    let perms = v["includedPermissions"].as_array_mut().expect("perms");
    for p in [
        "networkservices.httpFilters.create",
        "networkservices.httpfilters.create",
        "iam.googleapis.com/workloadIdentityPools.create",
        "iam.googleapis.com/workforcePools.create",
    ] {
        perms.push(Value::from(p));
    }
    std::fs::write(&role, v.to_string()).expect("w");
    let logs = root.join("projects/acme-data/logs/2026-10.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&logs).expect("r")).expect("json");
    let entries = v.as_array_mut().expect("entries");
    entries.push(activity_entry(
        janitor,
        "networkservices.httpfilters.create",
        1,
    ));
    entries.push(activity_entry(
        janitor,
        "iam.workloadIdentityPools.create",
        2,
    ));
    std::fs::write(&logs, v.to_string()).expect("w");

    let (code, r) = audit(&root);
    assert_eq!(code, 0);
    let j = identity(
        &r,
        &format!("projects/acme-data/members/serviceAccount:{janitor}"),
    );
    let list = |k: &str| -> Vec<String> {
        j[k].as_array()
            .expect(k)
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect()
    };
    let used = list("used_permissions");
    let unused = list("unused_permissions");
    assert!(
        used.contains(&"networkservices.httpfilters.create".into()),
        "{used:?}"
    );
    assert!(
        used.contains(&"iam.workloadIdentityPools.create".into()),
        "{used:?}"
    );
    assert!(
        !used.contains(&"networkservices.httpFilters.create".into()),
        "{used:?}"
    );
    for p in [
        "networkservices.httpFilters.create",
        "iam.workforcePools.create",
    ] {
        assert!(unused.contains(&p.to_string()), "{p} unused: {unused:?}");
    }
    assert_eq!(list("used_without_grant"), Vec::<String>::new());
    assert_eq!(j["granted"], 3 + 4, "seven distinct permissions");
    assert!(
        !r.to_string()
            .contains("iam.googleapis.com/workloadIdentityPools"),
        "one spelling in the report"
    );
}
