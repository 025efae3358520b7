//! Hostile input never panics: property-based fuzzing (proptest, stable
//! toolchain) of every parser of untrusted files, seeded from the fixtures:
//! IAM policy documents, CloudTrail files (JSON and gzip), credential
//! reports, `get-account-authorization-details`, gcloud IAM policies, roles
//! and audit log entries, and Azure's `az` exports (role assignments, role
//! and deny definitions, PIM eligibilities, Graph principals, management
//! groups, Activity Log events), imported and audited.
//!
//! Each input is mutated two ways: bytes (flipped, inserted, deleted,
//! truncated, a slice repeated) and structure (a JSON value at a random path
//! replaced by an arbitrary one, with the field names the readers look for).
//! Each must be read, or skipped with a reason that names the file; never a
//! panic. The suite runs a short pass (`PERMGAP_FUZZ_CASES`, default 64 per
//! property); `scripts/fuzz.sh` runs a long one. A crash found is kept as a
//! regression test at the end of this file.

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use permgap::clouds::InputFile;
use permgap::clouds::aws::catalog::catalog;
use permgap::clouds::aws::{credential_report, import, policy};
use permgap::model::Snapshot;
use proptest::prelude::*;
use serde_json::Value;

mod common;

fn cases() -> u32 {
    std::env::var("PERMGAP_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Shrinking a large input is slow and the failure is kept as is.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

fn fixture(p: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(p);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A demo CloudTrail file, decompressed.
fn cloudtrail_seed() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/aws/cloudtrail");
        let f = walk(&dir)
            .into_iter()
            .find(|p| p.ends_with(".json.gz"))
            .expect("a demo log");
        let gz = std::fs::read(&f).expect("read");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&gz[..]), &mut out)
            .expect("gunzip");
        out
    })
}

/// Real records of the corpus, as one CloudTrail file.
fn corpus_seed() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| {
        let text = String::from_utf8(fixture("corpus/cloudtrail/aws-docs.jsonl")).expect("utf8");
        let records: Vec<Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| v["record"].clone())
            .take(40)
            .collect();
        serde_json::json!({ "Records": records })
            .to_string()
            .into_bytes()
    })
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.to_string_lossy().to_string());
        }
    }
    out.sort();
    out
}

/// One byte-level edit.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
    Repeat(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        (
            any::<usize>(),
            prop::sample::select(b"{}[]\",:\\0-9eE.\x00\xff ".to_vec())
        )
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..256).prop_map(|(p, n)| Edit::Repeat(p, n)),
    ];
    prop::collection::vec(edit, 1..8)
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for e in edits {
        let at = |p: usize, v: &Vec<u8>| if v.is_empty() { 0 } else { p % v.len() };
        match *e {
            Edit::Flip(p, b) if !v.is_empty() => {
                let i = at(p, &v);
                v[i] ^= b | 1;
            }
            Edit::Insert(p, b) => {
                let i = at(p, &v);
                v.insert(i, b);
            }
            Edit::Delete(p, n) if !v.is_empty() => {
                let i = at(p, &v);
                let end = (i + n).min(v.len());
                v.drain(i..end);
            }
            Edit::Truncate(p) => {
                let i = at(p, &v);
                v.truncate(i);
            }
            Edit::Repeat(p, n) if !v.is_empty() => {
                let i = at(p, &v);
                let end = (i + n).min(v.len());
                let slice = v[i..end].to_vec();
                v.splice(i..i, slice);
            }
            _ => {}
        }
    }
    v
}

/// Field names the readers look for, so that arbitrary values land where
/// they are read.
const KEYS: &[&str] = &[
    "Version",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "Sid",
    "Records",
    "eventTime",
    "eventSource",
    "eventName",
    "userIdentity",
    "type",
    "arn",
    "accountId",
    "userName",
    "sessionContext",
    "sessionIssuer",
    "errorCode",
    "eventCategory",
    "managementEvent",
    "eventType",
    "recipientAccountId",
    "responseElements",
    "ConsoleLogin",
    "requestParameters",
    "statement",
    "operation",
    "delete",
    "Object",
    "VersionId",
    "key",
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
    "PolicyVersionList",
    "Document",
    "IsDefaultVersion",
    "AttachedManagedPolicies",
    "UserPolicyList",
    "RolePolicyList",
    "GroupList",
    "PolicyArn",
    "PermissionsBoundary",
    "AssumeRolePolicyDocument",
    "Arn",
    "Path",
    "protoPayload",
    "@type",
    "authorizationInfo",
    "permission",
    "granted",
    "authenticationInfo",
    "principalEmail",
    "principalSubject",
    "timestamp",
    "logName",
    "resource",
    "labels",
    "project_id",
    "status",
    "code",
    "bindings",
    "role",
    "members",
    "condition",
    "includedPermissions",
    "name",
    "entries",
    "etag",
    "auditConfigs",
    "service",
    "auditLogConfigs",
    "logType",
    "requestItems",
    "transactStatements",
    "versionId",
    "resource_arn",
    "restApiId",
    "apiId",
    "Objects",
    // Azure: az exports, ARM and Graph answers, Activity Log events.
    "value",
    "properties",
    "principalId",
    "principalType",
    "roleDefinitionId",
    "scope",
    "permissions",
    "actions",
    "notActions",
    "dataActions",
    "notDataActions",
    "principals",
    "excludePrincipals",
    "doNotApplyToChildScopes",
    "transitiveMembers",
    "parent",
    "id",
    "authorization",
    "action",
    "caller",
    "claims",
    "eventTimestamp",
    "subStatus",
    "subscriptionId",
    "category",
    "operationName",
    "resourceId",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "*",
            "s3:*",
            "iam:PassRole",
            "arn:aws:iam::111122223333:user/x",
            "Allow",
            "Deny",
            "2026-10-01T00:00:00Z",
            "2026-13-45T99:99:99Z",
            "user:a@b.c",
            "roles/owner",
            "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
            "\u{0}",
            "é\u{202e}",
            "SELECT * FROM t",
            "%7B%22Statement%22%3A%5B%5D%7D",
            "/",
            "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-web",
            "/providers/Microsoft.Management/managementGroups/contoso-platform",
            "Microsoft.Compute/*",
            "*/read",
            "Microsoft.Authorization/roleAssignments/write",
            "00000000-0000-0000-0000-000000000000",
            "Failed",
            "Forbidden",
            "Administrative",
        ])
        .prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..6).prop_map(
                |kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            ),
        ]
    })
}

/// Replaces the value at the `path`-chosen place of `seed` by `with`.
fn graft(seed: &Value, path: &[usize], with: Value) -> Value {
    let mut v = seed.clone();
    put(&mut v, path, with);
    v
}

fn put(at: &mut Value, path: &[usize], with: Value) {
    let Some((&p, rest)) = path.split_first() else {
        *at = with;
        return;
    };
    match at {
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            put(&mut a[p % n], rest, with);
        }
        Value::Object(m) if !m.is_empty() => {
            let n = m.len();
            if let Some((_, x)) = m.iter_mut().nth(p % n) {
                put(x, rest, with);
            }
        }
        _ => *at = with,
    }
}

fn grafted(seed: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    let parsed: Value = serde_json::from_slice(seed).expect("seed is JSON");
    (prop::collection::vec(any::<usize>(), 0..8), json_value())
        .prop_map(move |(path, with)| graft(&parsed, &path, with).to_string().into_bytes())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

/// A CloudTrail file is read, or skipped with its name; whatever it holds.
fn read_cloudtrail(name: &str, bytes: Vec<u8>) {
    let mut snap = Snapshot::new();
    let gaad = InputFile::Embedded {
        name: "gaad.json".into(),
        bytes: static_gaad(),
    };
    import::import_authorization_details(&mut snap, &gaad).expect("the demo's GAAD");
    common::read_cloudtrail(&mut snap, name, bytes);
    let read: u64 = snap
        .coverage
        .sources
        .iter()
        .filter(|s| s.kind == permgap::model::SourceKind::AwsCloudtrailFiles)
        .map(|s| s.files_read)
        .sum();
    let skipped = snap
        .coverage
        .skipped
        .iter()
        .any(|s| s.input.contains(name) && !s.reason.is_empty());
    assert!(
        read == 1 || skipped,
        "{name}: neither read nor skipped: {:?}",
        snap.coverage
    );
}

fn static_gaad() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| fixture("demo/aws/authorization-details.json"))
}

fn gaad_seed() -> &'static [u8] {
    static_gaad()
}

fn credential_seed() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| fixture("demo/aws/credential-report.csv"))
}

/// The demo's GCP export folder, as (path inside it, bytes).
fn gcp_files() -> &'static [(String, Vec<u8>)] {
    static S: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/gcp");
        walk(&root)
            .into_iter()
            .filter(|p| p.ends_with(".json"))
            .map(|p| {
                let rel = Path::new(&p)
                    .strip_prefix(&root)
                    .expect("inside")
                    .to_string_lossy()
                    .to_string();
                (rel, std::fs::read(&p).expect("read"))
            })
            .collect()
    })
}

/// The GCP export with file `which` replaced by `bytes`: imported, the bad
/// file named in what was skipped or warned, or read.
fn import_gcp(which: usize, bytes: Vec<u8>) {
    let files = gcp_files();
    let i = which % files.len();
    let name = files[i].0.clone();
    let set: Vec<(String, InputFile)> = files
        .iter()
        .enumerate()
        .map(|(k, (p, b))| {
            let bytes: Vec<u8> = if k == i { bytes.clone() } else { b.clone() };
            (
                p.clone(),
                InputFile::Owned {
                    name: format!("export/{p}"),
                    bytes: bytes.into(),
                },
            )
        })
        .collect();
    let snap = permgap::clouds::gcp::import::import_files("export", set);
    // The rest of the export is still there.
    assert!(
        !snap.systems.is_empty(),
        "{name}: the export lost its projects"
    );
    // A file that is not JSON is named, with a reason, where it was left.
    if serde_json::from_slice::<Value>(&bytes).is_err() {
        let named = snap
            .coverage
            .skipped
            .iter()
            .map(|s| &s.input)
            .chain(snap.coverage.warnings.iter().map(|w| &w.input))
            .any(|i| i.contains(name.as_str()));
        assert!(
            named,
            "{name}: not JSON, yet not named: {:?}",
            snap.coverage
        );
    }
}

/// The demo's `az` exports with file `which` replaced by `bytes`: imported
/// and audited, the bad file named in what was skipped, or read.
fn import_azure(which: usize, bytes: Vec<u8>) {
    use permgap::clouds::azure::import::{Files, import};
    let all = permgap::demo::azure_files();
    let lists = [
        &all.assignments,
        &all.eligible,
        &all.definitions,
        &all.denies,
        &all.principals,
        &all.entities,
        &all.activity,
    ];
    let n: usize = lists.iter().map(|l| l.len()).sum();
    let mut k = which % n;
    let mut name = String::new();
    let mut swap = |list: &Vec<InputFile>| -> Vec<InputFile> {
        list.iter()
            .map(|f| {
                let here = k == 0;
                k = k.wrapping_sub(1);
                if here {
                    name = f.display();
                    InputFile::Owned {
                        name: f.display(),
                        bytes: bytes.clone().into(),
                    }
                } else {
                    f.clone()
                }
            })
            .collect()
    };
    let files = Files {
        assignments: swap(&all.assignments),
        eligible: swap(&all.eligible),
        definitions: swap(&all.definitions),
        denies: swap(&all.denies),
        operations: Vec::new(),
        principals: swap(&all.principals),
        entities: swap(&all.entities),
        activity: swap(&all.activity),
    };
    let snap = import(&files, 2);
    let cfg =
        permgap::analysis::AuditConfig::new("2026-11-01T00:00:00Z".parse().expect("time"), 90);
    let _ = permgap::analysis::audit_all(&snap, &permgap::analysis::catalogs(&snap), &cfg);
    if serde_json::from_slice::<Value>(&bytes).is_err() {
        let named = snap
            .coverage
            .skipped
            .iter()
            .any(|s| s.input.contains(name.as_str()));
        assert!(
            named,
            "{name}: not JSON, yet not named: {:?}",
            snap.coverage.skipped
        );
    }
}

/// The CloudTrail events whose action the request decides.
const BY_REQUEST: &[(&str, &str)] = &[
    ("dynamodb.amazonaws.com", "ExecuteStatement"),
    ("dynamodb.amazonaws.com", "BatchExecuteStatement"),
    ("dynamodb.amazonaws.com", "ExecuteTransaction"),
    ("dynamodb.amazonaws.com", "TransactWriteItems"),
    ("s3.amazonaws.com", "DeleteObjects"),
    ("s3.amazonaws.com", "HeadObject"),
    ("apigateway.amazonaws.com", "TagResource"),
];

proptest! {
    #![proptest_config(config())]

    /// Whatever the request holds, the decision is some of the rule's
    /// candidates, never none and never another action; without a request,
    /// all of them.
    #[test]
    fn request_decisions(req in json_value()) {
        use permgap::clouds::aws::cloudtrail::{EventMapper, Mapped};
        let m = EventMapper::new(catalog());
        let raw = serde_json::value::RawValue::from_string(req.to_string()).expect("JSON");
        for (src, event) in BY_REQUEST {
            let Mapped::ByRequest(rule) = m.map(src, event) else {
                panic!("{src} {event} is decided by the request");
            };
            let all = m.decide(rule, None);
            prop_assert!(all.len() >= 2, "{src} {event}: {all:?}");
            let got = m.decide(rule, Some(&raw));
            prop_assert!(!got.is_empty() && got.iter().all(|a| all.contains(a)), "{src} {event}: {got:?} of {all:?}");
        }
    }

    #[test]
    fn policy_documents(text in ".{0,200}", edits in edits(), doc in json_value()) {
        let cat = catalog();
        for t in [text.clone(), String::from_utf8_lossy(&apply(br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:*"],"NotResource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#, &edits)).into_owned()] {
            if let Ok(d) = policy::parse_text(&t) {
                let _ = policy::evaluate(&d, cat);
            }
        }
        if let Ok(d) = policy::parse_document(&doc) {
            let _ = policy::evaluate(&d, cat);
        }
    }

    #[test]
    fn cloudtrail_files_mutated_bytes(edits in edits(), zipped in any::<bool>()) {
        let bytes = apply(cloudtrail_seed(), &edits);
        if zipped {
            read_cloudtrail("f.json.gz", gzip(&bytes));
        } else {
            read_cloudtrail("f.json", bytes);
        }
    }

    #[test]
    fn cloudtrail_files_grafted(bytes in grafted(cloudtrail_seed()), corpus in grafted(corpus_seed())) {
        read_cloudtrail("a.json", bytes);
        read_cloudtrail("b.json.gz", gzip(&corpus));
    }

    #[test]
    fn cloudtrail_gzip_streams_mutated(edits in edits()) {
        // The compressed stream itself damaged: a bad header, CRC, length.
        read_cloudtrail("c.json.gz", apply(&gzip(cloudtrail_seed()), &edits));
    }

    #[test]
    fn credential_reports(edits in edits(), raw in prop::collection::vec(any::<u8>(), 0..300)) {
        for bytes in [apply(credential_seed(), &edits), raw] {
            let mut snap = Snapshot::new();
            let f = InputFile::Owned { name: "cr.csv".into(), bytes: bytes.into() };
            if let Err(e) = credential_report::import_credential_report(&mut snap, &f) {
                prop_assert!(e.to_string().contains("cr.csv"), "{e}");
            }
        }
    }

    #[test]
    fn authorization_details(edits in edits(), graft in grafted(gaad_seed())) {
        for bytes in [apply(gaad_seed(), &edits), graft] {
            let mut snap = Snapshot::new();
            let f = InputFile::Owned { name: "gaad.json".into(), bytes: bytes.into() };
            if let Err(e) = import::import_authorization_details(&mut snap, &f) {
                prop_assert!(e.to_string().contains("gaad.json"), "{e}");
            }
        }
    }

    #[test]
    fn gcloud_exports(which in any::<usize>(), edits in edits(), path in prop::collection::vec(any::<usize>(), 0..8), with in json_value()) {
        let files = gcp_files();
        let seed = &files[which % files.len()].1;
        import_gcp(which, apply(seed, &edits));
        if let Ok(parsed) = serde_json::from_slice::<Value>(seed) {
            import_gcp(which, graft(&parsed, &path, with).to_string().into_bytes());
        }
    }

    #[test]
    fn az_exports(which in any::<usize>(), edits in edits(), path in prop::collection::vec(any::<usize>(), 0..8), with in json_value()) {
        let all = permgap::demo::azure_files();
        let seeds: Vec<InputFile> = [all.assignments, all.eligible, all.definitions, all.denies, all.principals, all.entities, all.activity]
            .into_iter()
            .flatten()
            .collect();
        let seed = seeds[which % seeds.len()].read().expect("embedded").into_owned();
        import_azure(which, apply(&seed, &edits));
        if let Ok(parsed) = serde_json::from_slice::<Value>(&seed) {
            import_azure(which, graft(&parsed, &path, with).to_string().into_bytes());
        }
    }
}
