//! Small per-cloud cases: each folder `fixtures/<cloud>/<case>/` holds a
//! cloud's exports and a `case.toml` naming the `permgap import` arguments
//! (paths inside the folder) and the audit time. Each case is imported and
//! audited with the built binary, and its JSON report (long permission lists
//! fingerprinted, machine paths as placeholders) is an insta snapshot, with
//! the exit codes of both steps. A change to what any cloud finds shows here
//! as a snapshot diff.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

mod common;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// `permgap import` arguments before `--output`.
    import: Vec<String>,
    as_of: String,
}

/// Every case folder: `fixtures/<cloud>/<case>/case.toml`, sorted.
fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for cloud in std::fs::read_dir(&root).expect("fixtures/") {
        let cloud = cloud.expect("entry").path();
        let Ok(entries) = std::fs::read_dir(&cloud) else {
            continue;
        };
        for case in entries {
            let case = case.expect("entry").path();
            if case.join("case.toml").is_file() {
                out.push(case);
            }
        }
    }
    out.sort();
    out
}

/// Imports and audits one case: its report, with both exit codes.
fn run(case: &Path) -> Value {
    let text = std::fs::read_to_string(case.join("case.toml")).expect("case.toml");
    let spec: CaseFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}/case.toml: {e}", case.display()));
    let tmp = tempfile::tempdir().expect("tempdir");
    let snap = tmp.path().join("snapshot.json");
    let snap_s = snap.to_string_lossy().into_owned();
    let mut args: Vec<&str> = vec!["import"];
    args.extend(spec.import.iter().map(String::as_str));
    args.extend(["--output", &snap_s]);
    let import = common::permgap_in(case, &args);
    assert!(
        snap.is_file(),
        "{}: import wrote no snapshot: {}",
        case.display(),
        common::stderr(&import)
    );
    common::snapshot_file(&snap);
    let audit = common::permgap_in(
        case,
        &["audit", &snap_s, "--as-of", &spec.as_of, "--format", "json"],
    );
    let text = common::placeholders(
        &String::from_utf8_lossy(&audit.stdout),
        &[(case, "[CASE]"), (tmp.path(), "[TMP]")],
    );
    let mut report = common::report(text.as_bytes());
    common::condense(&mut report);
    json!({
        "import_exit": common::code(&import),
        "audit_exit": common::code(&audit),
        "report": report,
    })
}

#[test]
fn every_case_matches_its_snapshot() {
    let all = cases();
    let clouds: std::collections::BTreeSet<String> = all
        .iter()
        .filter_map(|c| c.parent()?.file_name()?.to_str().map(String::from))
        .collect();
    assert!(
        clouds.contains("aws") && clouds.contains("gcp"),
        "cases of each cloud: {clouds:?}"
    );
    for case in &all {
        let name = format!(
            "{}-{}",
            case.parent()
                .and_then(Path::file_name)
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
            case.file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default()
        );
        let v = run(case);
        insta::assert_json_snapshot!(name, v);
    }
}

#[test]
fn a_skipped_input_is_named_and_the_case_exits_3() {
    // The bad-logs case: two broken files beside a good one.
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/aws/bad-logs");
    let v = run(&case);
    assert_eq!(v["import_exit"], 3);
    assert_eq!(v["audit_exit"], 3);
    let skipped: Vec<&str> = v["report"]["coverage"]["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(|s| s["input"].as_str())
        .collect();
    assert!(
        skipped.iter().any(|s| s.ends_with("truncated.json.gz"))
            && skipped.iter().any(|s| s.ends_with("not-json.json")),
        "{skipped:?}"
    );
    // The good file's use is still counted.
    let bob = &v["report"]["identities"][0];
    assert_eq!(bob["name"], "bob");
    assert_eq!(bob["used_permissions"], json!(["iam:ListUsers"]));
}
