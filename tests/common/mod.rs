//! What the integration tests share: running the built binary in a
//! directory, with the environment that would change its output cleared.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// The variables that would change what permgap does or prints: cloud
/// credentials and endpoints, colour, CI detection, terminal.
fn is_ambient(key: &str) -> bool {
    ["AWS_", "GOOGLE_", "CLOUDSDK_", "AZURE_", "PERMGAP_GCP_"]
        .iter()
        .any(|p| key.starts_with(p))
        || ["NO_COLOR", "CI", "CLICOLOR_FORCE", "TERM"].contains(&key)
}

/// The built binary, with the ambient environment cleared (see
/// [`is_ambient`]): tests set what they need on the returned command.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_permgap"));
    for (k, _) in std::env::vars_os() {
        if is_ambient(&k.to_string_lossy()) {
            c.env_remove(k);
        }
    }
    c
}

/// `permgap ARGS`, in the ambient-free environment of [`command`].
pub fn permgap(args: &[&str]) -> Output {
    command().args(args).output().expect("run permgap")
}

/// `permgap ARGS` in `dir`.
pub fn permgap_in(dir: &Path, args: &[&str]) -> Output {
    command()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run permgap")
}

/// `text` with each machine path of `paths` written as its placeholder
/// (`[CASE]`, `[TMP]`), so outputs compare across machines.
pub fn placeholders(text: &str, paths: &[(&Path, &str)]) -> String {
    let mut out = text.to_string();
    for (p, name) in paths {
        out = out.replace(&*p.to_string_lossy(), name);
    }
    out
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
    use permgap::clouds::aws::cloudtrail::{CloudTrailInput, FileFilter, import_cloudtrail};
    let input = CloudTrailInput {
        label: "test".into(),
        files: vec![permgap::clouds::InputFile::Owned {
            name: name.into(),
            bytes: bytes.into(),
        }],
        kind: permgap::model::SourceKind::AwsCloudtrailFiles,
        answered: None,
    };
    let cat = permgap::clouds::aws::catalog::catalog();
    import_cloudtrail(snap, cat, &[input], &FileFilter::default(), 1, &|| {});
}

/// Long permission lists are replaced by their length and a fingerprint, so
/// the golden file stays readable and still fixes every name.
pub fn condense(v: &mut Value) {
    match v {
        Value::Object(m) => m.values_mut().for_each(condense),
        Value::Array(a) if a.len() > 30 && a.iter().all(Value::is_string) => {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for s in a.iter().filter_map(Value::as_str) {
                for b in s.bytes().chain([b'\n']) {
                    h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                }
            }
            *v = Value::String(format!("<{} names, fnv1a {h:016x}>", a.len()));
        }
        Value::Array(a) => a.iter_mut().for_each(condense),
        _ => {}
    }
}

/// `import azure`'s arguments for the demo's tenant, paths inside
/// fixtures/demo/azure.
pub const AZURE_DEMO_EXPORTS: &[&str] = &[
    "--role-assignments",
    "role-assignments/dev.json",
    "--role-assignments",
    "role-assignments/prod.json",
    "--role-definitions",
    "role-definitions.json",
    "--deny-assignments",
    "deny-assignments.json",
    "--eligible",
    "eligible/prod.json",
    "--principals",
    "principals.json",
    "--management-groups",
    "management-groups.json",
    "--activity-log",
    "activity-log",
];
