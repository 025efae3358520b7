//! The committed JSON Schemas are generated from the wire structs; this test
//! fails when they drift. Regenerate with `PERMGAP_BLESS=1 cargo test --test schema`.

fn check(path: &str, generated: String) {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("PERMGAP_BLESS").is_some() {
        std::fs::write(&full, &generated).expect("write schema");
        return;
    }
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is out of date with the code: run `PERMGAP_BLESS=1 cargo test --test schema` and commit it"
    );
}

#[test]
fn report_schema_is_current() {
    check("schema/report.schema.json", permgap::report::json::schema());
}

#[test]
fn snapshot_schema_is_current() {
    check("schema/snapshot.schema.json", permgap::model::schema());
}

#[test]
fn report_schema_names_the_contract_fields() {
    let s: serde_json::Value =
        serde_json::from_str(&permgap::report::json::schema()).expect("schema is JSON");
    let ident = &s["$defs"]["IdentityReport"]["properties"];
    for f in [
        "id",
        "name",
        "kind",
        "system",
        "granted",
        "used",
        "unused",
        "unobservable",
        "pci",
        "used_permissions",
        "unused_permissions",
        "unobservable_permissions",
        "findings",
    ] {
        assert!(
            ident.get(f).is_some(),
            "IdentityReport.{f} missing from the schema"
        );
    }
    for f in [
        "schema_version",
        "as_of",
        "window_days",
        "coverage",
        "systems",
        "identities",
    ] {
        assert!(
            s["properties"].get(f).is_some(),
            "Report.{f} missing from the schema"
        );
    }
}

mod common;

/// The demo's JSON report (AWS and GCP, every finding kind the demo has,
/// and, under `--check`, the gate) and its snapshot validate against the
/// committed schemas: the schema is a promise to the tools that read them.
#[test]
fn the_demo_report_and_snapshot_validate_against_their_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("demo-snapshot.json");
    for extra in [&[][..], &["--check"][..]] {
        let mut args = vec!["demo", "--format", "json", "--save-snapshot"];
        let s = snap.to_string_lossy().to_string();
        args.push(&s);
        args.extend_from_slice(extra);
        let o = common::permgap_in(dir.path(), &args);
        let v = common::report(&o.stdout);
        let findings = v["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .flat_map(|i| i["findings"].as_array().cloned().unwrap_or_default())
            .count();
        assert!(findings > 20, "the demo has findings to check: {findings}");
        assert_eq!(v.get("gate").is_some(), !extra.is_empty());
        common::snapshot_file(&snap);
    }
}

/// The validation is not vacuous: a report missing a required field, or
/// with a value of the wrong type, is rejected.
#[test]
fn the_schema_rejects_a_broken_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = common::permgap_in(dir.path(), &["demo", "--format", "json"]);
    let good: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let mut missing = good.clone();
    missing["identities"][0]["findings"][0]
        .as_object_mut()
        .expect("a finding")
        .remove("permissions_total");
    let mut wrong = good.clone();
    wrong["identities"][0]["pci"] = serde_json::json!("high");
    for bad in [missing, wrong] {
        let r = std::panic::catch_unwind(|| common::assert_valid_report(&bad));
        assert!(r.is_err(), "a broken report passed the schema");
    }
}
