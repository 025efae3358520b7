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
