//! What the integration tests share: running the built binary in a
//! directory, with the environment that would change its output cleared.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// `permgap ARGS` in `dir`, without `NO_COLOR` (colour is decided by flags).
pub fn permgap_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_permgap"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .expect("run permgap")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The committed JSON Schema at `schema/NAME`, compiled once per test binary.
fn validator(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_slice(&bytes).expect("schema is JSON");
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name} compiles: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("  {} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate against its schema:\n{}",
        errors.join("\n")
    );
}

/// Asserts that `doc` is a JSON report valid against `schema/report.schema.json`.
pub fn assert_valid_report(doc: &Value) {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    assert_valid(
        V.get_or_init(|| validator("report.schema.json")),
        doc,
        "the JSON report",
    );
}

/// Asserts that `doc` is a snapshot valid against `schema/snapshot.schema.json`.
pub fn assert_valid_snapshot(doc: &Value) {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    assert_valid(
        V.get_or_init(|| validator("snapshot.schema.json")),
        doc,
        "the snapshot",
    );
}

/// Parses a JSON report (permgap's stdout or file) and validates it.
pub fn report(bytes: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(400)])
        )
    });
    assert_valid_report(&v);
    v
}

/// Reads a snapshot file and validates it.
pub fn snapshot_file(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_slice(&bytes).expect("snapshot is JSON");
    assert_valid_snapshot(&v);
    v
}

/// Reads one CloudTrail file of `bytes`, named `name`, into `snap` with the
/// real reader (one thread, no filter).
pub fn read_cloudtrail(snap: &mut permgap::model::Snapshot, name: &str, bytes: Vec<u8>) {
    use permgap::providers::aws::cloudtrail::{CloudTrailInput, FileFilter, import_cloudtrail};
    let input = CloudTrailInput {
        label: "test".into(),
        files: vec![permgap::providers::InputFile::Owned {
            name: name.into(),
            bytes: bytes.into(),
        }],
        kind: permgap::model::SourceKind::AwsCloudtrailFiles,
        answered: None,
    };
    let cat = permgap::catalog::aws::catalog();
    import_cloudtrail(snap, cat, &[input], &FileFilter::default(), 1, &|| {});
}
