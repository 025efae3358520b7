//! `permgap import azure` on realistic `az` exports (the demo's tenant,
//! fixtures/demo/azure, made by scripts/gen_demo_azure.py, and the cases of
//! fixtures/azure/, made by scripts/gen_fixtures_azure.py): what Azure's
//! semantics say must hold, and that bad input is named and the rest audited.
//!
//! The shapes are those `az` writes: `az role assignment list --all
//! --include-inherited`, `az role definition list`, `az provider operation
//! list`, `az monitor activity-log list`, `az account management-group
//! entities list` (flattened objects), Microsoft Graph's directory objects,
//! and ARM's denyAssignments answer (`{"value": [{"properties": ...}]}`).

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

const AS_OF: &str = "2026-11-01T00:00:00Z";
const PROD: &str = "11111111-1111-4111-8111-111111111111";
const DEV: &str = "22222222-2222-4222-8222-222222222222";
const CASE_SUB: &str = "33333333-3333-4333-8333-333333333333";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Imports with `args` (paths relative to `dir`), audits: (import exit,
/// audit exit, report).
fn audit_in(dir: &Path, args: &[&str], extra: &[&str]) -> (i32, i32, Value) {
    let out = tempfile::tempdir().expect("tempdir");
    let snap = out.path().join("snap.json");
    let s = snap.to_string_lossy().to_string();
    let mut a = vec!["import", "azure"];
    a.extend(args);
    a.extend(["-o", &s]);
    let i = common::permgap_in(dir, &a);
    assert!(snap.is_file(), "no snapshot: {}", common::stderr(&i));
    common::snapshot_file(&snap);
    let mut a = vec!["audit", s.as_str(), "--as-of", AS_OF, "--format", "json"];
    a.extend(extra);
    let o = common::permgap(&a);
    (
        common::code(&i),
        common::code(&o),
        common::report(&o.stdout),
    )
}

fn demo() -> (i32, i32, Value) {
    let d = root().join("fixtures/demo/azure");
    audit_in(&d, common::AZURE_DEMO_EXPORTS, &[])
}

/// `import azure`'s arguments for fixtures/azure/scoped.
const SCOPED: &[&str] = &[
    "--role-assignments",
    "export/role-assignments.json",
    "--role-definitions",
    "export/role-definitions.json",
    "--operations",
    "export/operations.json",
    "--activity-log",
    "export/activity-log.json",
    "--principals",
    "export/principals.json",
];

fn scoped() -> (i32, i32, Value) {
    audit_in(&root().join("fixtures/azure/scoped"), SCOPED, &[])
}

fn identity<'a>(r: &'a Value, name: &str, sub: &str) -> &'a Value {
    r["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == name && i["system"] == sub)
        .unwrap_or_else(|| panic!("{name} in {sub} in the report"))
}

fn list(i: &Value, key: &str) -> Vec<String> {
    i[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn finding_ids(i: &Value) -> Vec<String> {
    i["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect()
}

fn policy<'a>(i: &'a Value, name: &str, scope_end: &str) -> &'a Value {
    i["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .find(|p| p["name"] == name && p["scope"].as_str().is_some_and(|s| s.ends_with(scope_end)))
        .unwrap_or_else(|| panic!("{name} at …{scope_end} in {}", i["name"]))
}

/// The import of the demo's exports audits as `permgap demo` does.
#[test]
fn the_imported_demo_tenant_is_the_demos() {
    let (i, a, imported) = demo();
    assert_eq!((i, a), (0, 0));
    let o = common::permgap(&["demo", "--format", "json"]);
    let all = common::report(&o.stdout);
    let azure = |r: &Value| -> Vec<Value> {
        r["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .filter(|i| i["cloud"] == "azure")
            .cloned()
            .collect()
    };
    assert_eq!(azure(&imported), azure(&all));
    assert_eq!(azure(&imported).len(), 11);
}

/// A use counts for an assignment only under its scope: ana's Virtual
/// Machine Contributor on rg-a is unused though she used the same role's
/// operations in rg-b.
#[test]
fn a_use_counts_only_for_the_assignments_whose_scope_holds_it() {
    let (i, a, r) = scoped();
    assert_eq!((i, a), (0, 0));
    let ana = identity(&r, "Ana Ruiz", CASE_SUB);
    let at_a = policy(ana, "Virtual Machine Contributor", "/resourceGroups/rg-a");
    let at_b = policy(ana, "Virtual Machine Contributor", "/resourceGroups/rg-b");
    assert_eq!(at_a["used"], 0, "{at_a}");
    assert_eq!(at_b["used"], 2, "{at_b}");
    let unused_policy: Vec<&Value> = ana["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["id"] == "unused-attached-policy")
        .collect();
    assert_eq!(unused_policy.len(), 1);
    let msg = unused_policy[0]["message"].as_str().expect("message");
    assert!(msg.contains("/resourceGroups/rg-a"), "{msg}");
    // The finding names the binding it is about, so that two of them (the
    // same role at two scopes) stay two.
    assert!(
        unused_policy[0]["scope"]
            .as_str()
            .is_some_and(|s| s.ends_with("/resourceGroups/rg-a")),
        "{}",
        unused_policy[0]
    );
    // The refused delete is a denied attempt, never use.
    assert!(
        !list(ana, "used_permissions").contains(&"Microsoft.Compute/virtualMachines/delete".into())
    );
    // Its Contributor at the subscription is conditional. Every use of it
    // lies in rg-b, but the Virtual Machine Contributor there accounts for
    // them all: no finding asks to narrow the Contributor to rg-b.
    assert!(ana["conditional"].as_u64().expect("conditional") > 0);
    assert!(
        !finding_ids(ana).contains(&"broad-scope-narrow-use".into()),
        "{ana}"
    );
}

/// The tenant's own operation list is the catalog; an operation the logs
/// name beyond it is granted as written and warned of.
#[test]
fn the_tenants_operations_replace_the_embedded_catalog() {
    let (_, _, r) = scoped();
    let cat = r["catalogs"]
        .as_array()
        .expect("catalogs")
        .iter()
        .find(|c| c["cloud"] == "azure")
        .expect("azure catalog");
    assert!(
        cat["source"].as_str().is_some_and(|s| s.contains("tenant")),
        "{cat}"
    );
    // Far fewer than the embedded 17,000.
    assert!(cat["permissions"].as_u64().expect("count") < 100, "{cat}");
    let bot = identity(&r, "widget-bot", CASE_SUB);
    let used = list(bot, "used_permissions");
    for op in [
        "Contoso.Widgets/widgets/write",
        "Contoso.Widgets/widgets/spin/action",
        "Contoso.Widgets/widgets/polish/action",
    ] {
        assert!(used.contains(&op.to_string()), "{op} in {used:?}");
    }
    let warned = r["coverage"]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .any(|w| {
            w["message"]
                .as_str()
                .is_some_and(|m| m.contains("Contoso.Widgets/widgets/polish/action"))
        });
    assert!(warned, "{}", r["coverage"]["warnings"]);
}

/// Reads and DataActions are not in the Activity Log: unobservable, never
/// unused. A group whose members are not listed is a set whose use is never
/// seen, named by its object id, and the report says names are missing.
#[test]
fn what_the_activity_log_cannot_see_is_never_unused() {
    let (_, _, r) = demo();
    let eve = identity(&r, "Eve Park", PROD);
    assert_eq!(eve["unused"], 0);
    assert_eq!(eve["granted"], eve["unobservable"]);
    assert!(finding_ids(eve).is_empty(), "{eve}");
    let ci = identity(&r, "ci-deployer", PROD);
    let unused = list(ci, "unused_permissions");
    assert!(
        unused.iter().all(|p| !p.contains("/blobs/")),
        "blob DataActions listed unused: {unused:?}"
    );
    let (_, _, s) = scoped();
    let set = s["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["kind"] == "principal-set")
        .expect("the group without members");
    assert_eq!(set["unused"], 0);
    assert!(
        s["coverage"]["warnings"]
            .as_array()
            .expect("w")
            .iter()
            .any(|w| w["message"]
                .as_str()
                .is_some_and(|m| m.contains("have no name"))),
    );
}

/// The demo's Azure story, finding by finding (fixtures/demo/azure/SCENARIO.md).
#[test]
fn the_demo_tenants_findings_are_its_scenarios() {
    let (_, _, r) = demo();
    let alice = identity(&r, "Alice Lee", PROD);
    for f in [
        "super-identity",
        "unused-privileged-role",
        "broad-scope-narrow-use",
    ] {
        assert!(finding_ids(alice).contains(&f.into()), "{f}: {alice}");
    }
    assert!(finding_ids(identity(&r, "Alice Lee", DEV)).contains(&"inactive-identity".into()));
    // Owner at the management group reaches both subscriptions.
    for sub in [PROD, DEV] {
        let a = identity(&r, "Alice Lee", sub);
        assert!(
            policy(a, "Owner", "/managementGroups/contoso-platform")["granted"]
                .as_u64()
                .is_some_and(|n| n > 10_000)
        );
    }
    // Dave holds User Access Administrator through platform-admins in prod
    // and never assigned a role there; carol did.
    let dave = identity(&r, "Dave Kim", PROD);
    assert!(finding_ids(dave).contains(&"unused-privileged-role".into()));
    let carol = identity(&r, "Carol Diaz", PROD);
    assert!(!finding_ids(carol).contains(&"unused-privileged-role".into()));
    assert!(
        carol["policies"]
            .as_array()
            .expect("policies")
            .iter()
            .any(|p| p["name"] == "User Access Administrator" && p["via_group"].is_string()),
        "{carol}"
    );
    // In dev his assignment is conditional: not super, not privileged.
    let dave_dev = identity(&r, "Dave Kim", DEV);
    assert!(!finding_ids(dave_dev).contains(&"super-identity".into()));
    assert!(!finding_ids(dave_dev).contains(&"unused-privileged-role".into()));
    // Dave's refused delete shows him active, without counting as use.
    assert_eq!(dave["used"], 0);
    assert_eq!(dave["active_in_window"], true);
    // The deny assignment on rg-network: bob's network writes are
    // conditional (denied there, granted elsewhere).
    let bob = identity(&r, "Bob Stone", PROD);
    assert!(bob["conditional"].as_u64().expect("n") > 0);
    assert!(finding_ids(identity(&r, "backup-mi", DEV)).contains(&"inactive-identity".into()));
    // PIM: bob never activated his eligibility; carol activated hers. An
    // eligible grant is conditional: it makes no super identity by itself.
    let elig = |i: &Value| {
        i["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["id"] == "eligible-never-activated")
            .count()
    };
    assert_eq!(elig(bob), 1, "{bob}");
    assert_eq!(elig(carol), 0, "{carol}");
    assert!(
        policy(bob, "User Access Administrator", "/resourceGroups/rg-data")["condition"]
            .as_str()
            .is_some_and(|c| c.contains("PIM eligible"))
    );
    assert!(!finding_ids(bob).contains(&"super-identity".into()));
    let legacy = identity(&r, "legacy-automation", DEV);
    assert!(finding_ids(legacy).contains(&"inactive-identity".into()));
    assert!(finding_ids(legacy).contains(&"super-identity".into()));
}

/// Each broken file is skipped and named, the rest audited; exit 3.
#[test]
fn bad_exports_are_skipped_and_named_and_the_rest_audited() {
    let (i, a, r) = audit_in(
        &root().join("fixtures/azure/bad-input"),
        &[
            "--role-assignments",
            "export/role-assignments.json",
            "--role-definitions",
            "export/role-definitions.json",
            "--eligible",
            "export/eligible.json",
            "--activity-log",
            "export/activity-log",
        ],
        &[],
    );
    assert_eq!((i, a), (3, 3));
    assert_eq!(r["partial"], true);
    let skipped: Vec<String> = r["coverage"]["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| format!("{}: {}", s["input"], s["reason"]))
        .collect();
    let has = |input: &str, why: &str| {
        assert!(
            skipped.iter().any(|s| s.contains(input) && s.contains(why)),
            "{input} / {why} in {skipped:#?}"
        )
    };
    has(
        "role-assignments.json (assignment 3)",
        "no principalId, roleDefinitionId or scope",
    );
    has("role-definitions.json", "not a role definition list");
    has("activity-log/1.json (event 4)", "no eventTimestamp");
    has("activity-log/2.json", "not an Activity Log export");
    has("eligible.json", "not a list of eligible assignments");
    assert_eq!(skipped.len(), 5, "{skipped:#?}");
    // The rest: ana's two assignments, and her events of the good file.
    let ana = identity(&r, "ana@fabrikam.com", CASE_SUB);
    assert_eq!(ana["policies"].as_array().expect("p").len(), 2);
    assert!(ana["used"].as_u64().expect("used") > 0);
}

/// A path that does not exist is a usage error, naming the flag and file.
#[test]
fn a_missing_export_is_a_usage_error() {
    let o = common::permgap(&[
        "import",
        "azure",
        "--role-assignments",
        "/nonexistent/ra.json",
        "-o",
        "/tmp/never.json",
    ]);
    assert_eq!(common::code(&o), 2);
    let err = common::stderr(&o);
    assert!(
        err.contains("--role-assignments /nonexistent/ra.json"),
        "{err}"
    );
}

/// Every SARIF result has its own fingerprint, so code scanning never
/// merges two findings: widget-bot's Storage Blob Data Reader, unused at
/// two resource groups, is two results.
#[test]
fn sarif_fingerprints_of_azure_findings_are_distinct() {
    let (_, _, r) = scoped();
    let bot = identity(&r, "widget-bot", CASE_SUB);
    let unused = bot["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["id"] == "unused-attached-policy")
        .count();
    assert_eq!(unused, 2, "{bot}");
    let d = root().join("fixtures/azure/scoped");
    let out = tempfile::tempdir().expect("tempdir");
    let snap = out.path().join("snap.json");
    let s = snap.to_string_lossy().to_string();
    let o = common::permgap_in(&d, &[&["import", "azure"], SCOPED, &["-o", &s]].concat());
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let o = common::permgap(&["audit", &s, "--as-of", AS_OF, "--format", "sarif"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("SARIF");
    let mut prints: Vec<String> = v["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|r| r["results"].as_array().cloned().unwrap_or_default())
        .map(|r| r["partialFingerprints"].to_string())
        .collect();
    let n = prints.len();
    assert!(n >= 2, "{n}");
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), n);
}
