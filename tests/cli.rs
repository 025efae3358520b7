//! The built binary on the demo organisation and on bad inputs: exit codes,
//! golden outputs, determinism, and what each bad input leaves in the report.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

mod common;

const DEMO_AS_OF: &str = "2026-11-01T00:00:00Z";

/// The binary with an environment that no developer setting leaks into.
fn permgap(args: &[&str]) -> Output {
    common::permgap(args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo/aws")
        .join(p)
}

/// A JSON report on stdout, validated against `schema/report.schema.json`.
fn json_of(o: &Output) -> Value {
    assert!(!o.stdout.is_empty(), "no JSON on stdout: {}", stderr(o));
    common::report(&o.stdout)
}

fn demo_json() -> Value {
    let o = permgap(&["demo", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json_of(&o)
}

#[test]
fn demo_table_golden() {
    let o = permgap(&["demo", "--color", "never"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines().all(|l| l.chars().count() <= 100),
        "a line is wider than 100 columns:\n{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no colour when not asked and not a terminal"
    );
    insta::assert_snapshot!("demo_table", out);
}

#[test]
fn demo_table_colours_only_when_asked() {
    let o = permgap(&["demo", "--color", "always"]);
    assert!(stdout(&o).contains('\u{1b}'));
}

#[test]
fn demo_json_golden() {
    let mut v = demo_json();
    common::condense(&mut v);
    insta::assert_json_snapshot!("demo_json", v);
}

#[test]
fn demo_json_holds_its_invariants() {
    let v = demo_json();
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["as_of"], DEMO_AS_OF);
    assert_eq!(v["window_days"], 90);
    assert_eq!(v["partial"], false);
    let ids = v["identities"].as_array().expect("identities");
    assert!(ids.len() >= 20, "the demo has 20+ identities");
    for i in ids {
        let n = |k: &str| i[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(
            n("granted"),
            n("used") + n("unused") + n("unobservable"),
            "{}",
            i["id"]
        );
        for (count, list) in [
            ("used", "used_permissions"),
            ("unused", "unused_permissions"),
            ("unobservable", "unobservable_permissions"),
        ] {
            let l: Vec<&str> = i[list]
                .as_array()
                .expect(list)
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(l.len() as u64, n(count), "{} {list}", i["id"]);
            let mut sorted = l.clone();
            sorted.sort();
            assert_eq!(l, sorted, "{list} is sorted");
        }
        assert!(n("pci") <= 100);
    }
    // Sorted by (cloud, system, id).
    let keys: Vec<(String, String, String)> = ids
        .iter()
        .map(|i| {
            (
                i["cloud"].to_string(),
                i["system"].to_string(),
                i["id"].to_string(),
            )
        })
        .collect();
    // The demo shows AWS and GCP.
    for cloud in ["\"aws\"", "\"gcp\""] {
        assert!(keys.iter().any(|k| k.0 == cloud), "{cloud} in the demo");
    }
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn demo_json_is_byte_identical_across_runs() {
    let a = permgap(&["demo", "--format", "json"]);
    let b = permgap(&["demo", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

/// `permgap import aws` of the demo's exported files on disk.
/// Imports the demo's AWS exports to `output`; a snapshot written is
/// validated against `schema/snapshot.schema.json`.
fn import_demo(output: &str) -> Output {
    let o = permgap(&[
        "import",
        "aws",
        "--authorization-details",
        &fixture("authorization-details.json").to_string_lossy(),
        "--credential-report",
        &fixture("credential-report.csv").to_string_lossy(),
        "--cloudtrail",
        &fixture("cloudtrail").to_string_lossy(),
        "--output",
        output,
    ]);
    if o.status.success() && output != "-" && Path::new(output).is_file() {
        common::snapshot_file(Path::new(output));
    }
    o
}

/// The exported files on disk, imported and audited, give the demo's audit.
#[test]
fn import_then_audit_equals_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap.json");
    let snap_s = snap.to_string_lossy().to_string();
    let o = import_demo(&snap_s);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = permgap(&["audit", &snap_s, "--as-of", DEMO_AS_OF, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let from_files = json_of(&o);
    let demo = demo_json();
    let of = |v: &Value, key: &str, cloud: &str| -> Vec<Value> {
        v[key]
            .as_array()
            .expect(key)
            .iter()
            .filter(|i| i["cloud"] == cloud)
            .cloned()
            .collect()
    };
    assert_eq!(
        of(&from_files, "identities", "aws"),
        of(&demo, "identities", "aws")
    );
    assert_eq!(
        of(&from_files, "systems", "aws"),
        of(&demo, "systems", "aws")
    );
    // The GCP exports on disk give the demo's GCP audit.
    let gsnap = dir.path().join("gcp.json").to_string_lossy().to_string();
    let o = permgap(&[
        "import",
        "gcp",
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo/gcp")
            .to_string_lossy(),
        "-o",
        &gsnap,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = permgap(&["audit", &gsnap, "--as-of", DEMO_AS_OF, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let gcp = json_of(&o);
    assert!(!of(&gcp, "identities", "gcp").is_empty());
    assert_eq!(
        of(&gcp, "identities", "gcp"),
        of(&demo, "identities", "gcp")
    );
    assert_eq!(of(&gcp, "systems", "gcp"), of(&demo, "systems", "gcp"));
    // Same input, same bytes: a second import writes the same snapshot.
    let snap2 = dir.path().join("snap2.json");
    let o = import_demo(&snap2.to_string_lossy());
    assert_eq!(code(&o), 0);
    assert_eq!(std::fs::read(&snap).ok(), std::fs::read(&snap2).ok());
}

#[test]
fn the_window_decides_what_counts_as_used() {
    let used = |args: &[&str]| -> u64 {
        let mut a = vec!["demo", "--format", "json"];
        a.extend_from_slice(args);
        let v = json_of(&permgap(&a));
        v["identities"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|i| i["used"].as_u64().unwrap_or(0))
            .sum()
    };
    let full = used(&[]);
    let week = used(&["--window", "7"]);
    assert!(full > 0);
    assert!(
        week < full,
        "a 7-day window sees less use ({week}) than 90 days ({full})"
    );
    // A month later, with a week's window, nothing in the logs is inside it
    // (an --as-of in the future would be moved to now: see
    // an_audit_as_of_the_future_audits_as_of_now).
    let later = json_of(&permgap(&[
        "demo",
        "--format",
        "json",
        "--as-of",
        "2026-12-01T00:00:00Z",
        "--window",
        "7",
    ]));
    for i in later["identities"].as_array().expect("ids") {
        assert_eq!(i["used"], 0, "{}", i["id"]);
    }
    let warnings = later["coverage"]["warnings"].to_string();
    assert!(warnings.contains("before the audit time"), "{warnings}");
}

// ---------------------------------------------------------------- bad input

/// A small account: two users, one managed policy.
fn small_gaad(policy_doc: Value) -> Value {
    json!({
      "UserDetailList": [
        {"UserName": "ann", "UserId": "AIDAANN", "Arn": "arn:aws:iam::123456789012:user/ann", "Path": "/",
         "CreateDate": "2025-01-01T00:00:00Z", "GroupList": [],
         "AttachedManagedPolicies": [{"PolicyName": "P", "PolicyArn": "arn:aws:iam::123456789012:policy/P"}],
         "UserPolicyList": []},
        {"UserName": "bob", "UserId": "AIDABOB", "Arn": "arn:aws:iam::123456789012:user/bob", "Path": "/",
         "CreateDate": "2025-01-01T00:00:00Z", "GroupList": [], "AttachedManagedPolicies": [],
         "UserPolicyList": [{"PolicyName": "ok", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}]}}]}
      ],
      "GroupDetailList": [], "RoleDetailList": [],
      "Policies": [{"PolicyName": "P", "Arn": "arn:aws:iam::123456789012:policy/P", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": policy_doc}]}]
    })
}

fn ok_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})
}

fn record(user: &str, name: &str, t: &str) -> Value {
    json!({"eventVersion": "1.09", "eventTime": t, "eventSource": "iam.amazonaws.com", "eventName": name,
           "awsRegion": "us-east-1", "recipientAccountId": "123456789012", "eventType": "AwsApiCall",
           "managementEvent": true, "eventCategory": "Management",
           "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::123456789012:user/{user}"),
                            "accountId": "123456789012", "userName": user}})
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(gaad: Value) -> Case {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("gaad.json"), gaad.to_string()).expect("write");
        std::fs::create_dir_all(
            dir.path()
                .join("ct/AWSLogs/123456789012/CloudTrail/us-east-1/2026/10/01"),
        )
        .expect("mkdir");
        Case { dir }
    }
    fn log(&self, name: &str, bytes: &[u8]) {
        let p = self
            .dir
            .path()
            .join("ct/AWSLogs/123456789012/CloudTrail/us-east-1/2026/10/01")
            .join(name);
        std::fs::write(p, bytes).expect("write");
    }
    fn good_log(&self) {
        let recs = json!({"Records": [record("bob", "ListUsers", "2026-10-01T10:00:00Z")]});
        self.log("good.json.gz", &gz(recs.to_string().as_bytes()));
    }
    fn path(&self, p: &str) -> String {
        self.dir.path().join(p).to_string_lossy().into_owned()
    }
    /// Imports then audits; returns (import output, audit output, report).
    fn run(&self, extra: &[&str]) -> (Output, Output, Value) {
        let snap = self.path("snap.json");
        let (g, ct) = (self.path("gaad.json"), self.path("ct"));
        let mut args = vec![
            "import",
            "aws",
            "--authorization-details",
            &g,
            "--cloudtrail",
            &ct,
            "--output",
            &snap,
        ];
        args.extend_from_slice(extra);
        let imp = permgap(&args);
        let aud = permgap(&["audit", &snap, "--as-of", DEMO_AS_OF, "--format", "json"]);
        let v = if aud.stdout.is_empty() {
            Value::Null
        } else {
            json_of(&aud)
        };
        (imp, aud, v)
    }
}

fn skipped(v: &Value) -> String {
    v["coverage"]["skipped"].to_string()
}

fn used_by(v: &Value, name: &str) -> Vec<String> {
    v["identities"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == name))
        .map(|i| {
            i["used_permissions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn clean_small_account_is_complete() {
    let c = Case::new(small_gaad(ok_policy()));
    c.good_log();
    let (imp, aud, v) = c.run(&[]);
    assert_eq!(code(&imp), 0, "{}", stderr(&imp));
    assert_eq!(code(&aud), 0);
    assert_eq!(v["partial"], false);
    assert_eq!(used_by(&v, "bob"), ["iam:ListUsers"]);
}

#[test]
fn truncated_gzip_is_skipped_named_and_the_rest_audited() {
    let c = Case::new(small_gaad(ok_policy()));
    c.good_log();
    let full = gz(
        json!({"Records": [record("ann", "ListUsers", "2026-10-01T10:00:00Z")]})
            .to_string()
            .as_bytes(),
    );
    c.log("truncated.json.gz", &full[..full.len() - 12]);
    let (imp, aud, v) = c.run(&[]);
    assert_eq!(code(&imp), 3, "import says partial");
    assert_eq!(code(&aud), 3, "audit says partial");
    assert_eq!(v["partial"], true);
    let s = skipped(&v);
    assert!(s.contains("truncated.json.gz") && s.contains("gzip"), "{s}");
    assert_eq!(
        used_by(&v, "bob"),
        ["iam:ListUsers"],
        "the good file still counts"
    );
}

#[test]
fn non_json_log_is_skipped_and_named() {
    let c = Case::new(small_gaad(ok_policy()));
    c.good_log();
    c.log("notes.json", b"this is not json");
    let (_, aud, v) = c.run(&[]);
    assert_eq!(code(&aud), 3);
    let s = skipped(&v);
    assert!(
        s.contains("notes.json") && s.contains("not a CloudTrail log file"),
        "{s}"
    );
    assert_eq!(used_by(&v, "bob"), ["iam:ListUsers"]);
}

#[test]
fn event_of_an_identity_missing_from_the_authorization_details() {
    let c = Case::new(small_gaad(ok_policy()));
    c.good_log();
    c.log(
        "ghost.json",
        json!({"Records": [record("ghost", "DeleteUser", "2026-10-02T10:00:00Z")]})
            .to_string()
            .as_bytes(),
    );
    let (_, aud, v) = c.run(&[]);
    assert_eq!(code(&aud), 3);
    let s = skipped(&v);
    assert!(
        s.contains("arn:aws:iam::123456789012:user/ghost")
            && s.contains("not in the authorization details"),
        "{s}"
    );
    assert_eq!(used_by(&v, "bob"), ["iam:ListUsers"]);
}

#[test]
fn unparseable_policy_is_skipped_and_its_holder_audited_without_it() {
    let bad = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]});
    let c = Case::new(small_gaad(bad));
    c.good_log();
    let (imp, aud, v) = c.run(&[]);
    assert_eq!(code(&imp), 3, "named at import already");
    assert_eq!(code(&aud), 3);
    let s = skipped(&v);
    assert!(
        s.contains("policy arn:aws:iam::123456789012:policy/P")
            && s.contains("gaad.json")
            && s.contains("Permit"),
        "{s}"
    );
    assert_eq!(
        v["coverage"]["skipped"].as_array().map(Vec::len),
        Some(1),
        "named once: {s}"
    );
    let ann = v["identities"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == "ann"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(ann["granted"], 0, "the invalid policy grants nothing");
    assert_eq!(used_by(&v, "bob"), ["iam:ListUsers"]);
}

#[test]
fn unknown_action_is_a_warning_not_a_partial_result() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:TeleportBucket"], "Resource": "*"}]});
    let c = Case::new(small_gaad(doc));
    c.good_log();
    let (_, aud, v) = c.run(&[]);
    assert_eq!(
        code(&aud),
        0,
        "AWS accepts unknown actions; the catalog may lag"
    );
    let w = v["coverage"]["warnings"].to_string();
    assert!(
        w.contains("s3:TeleportBucket") && w.contains("policy/P"),
        "{w}"
    );
    let ann = v["identities"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == "ann"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(ann["granted"], 1);
}

#[test]
fn bad_authorization_details_file_is_skipped_and_the_good_one_imported() {
    let c = Case::new(small_gaad(ok_policy()));
    c.good_log();
    std::fs::write(c.path("broken.json"), "{\"UserDetailList\": [").expect("write");
    let broken = c.path("broken.json");
    let (imp, aud, v) = c.run(&["--authorization-details", &broken]);
    assert_eq!(code(&imp), 3, "{}", stderr(&imp));
    assert!(stderr(&imp).contains("PARTIAL"), "{}", stderr(&imp));
    assert_eq!(code(&aud), 3);
    let s = skipped(&v);
    assert!(
        s.contains("broken.json") && s.contains("get-account-authorization-details"),
        "{s}"
    );
    assert_eq!(used_by(&v, "bob"), ["iam:ListUsers"]);
}

#[test]
fn missing_input_path_is_a_usage_error() {
    let o = permgap(&[
        "import",
        "aws",
        "--authorization-details",
        "/nonexistent/gaad.json",
        "--output",
        "/tmp/x.json",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("/nonexistent/gaad.json does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn audit_of_a_file_that_is_not_a_snapshot_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"hello\": 1}").expect("write");
    let o = permgap(&["audit", &p.to_string_lossy()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is not a permgap snapshot"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(code(&permgap(&["audit"])), 2);
    assert_eq!(code(&permgap(&["demo", "--window", "0"])), 2);
    assert_eq!(code(&permgap(&["demo", "--as-of", "yesterday"])), 2);
    assert_eq!(code(&permgap(&["catalog", "aws", "GetObject"])), 2);
}

// ---------------------------------------------------------------- other commands

#[test]
fn catalog_lists_matches_with_a_count() {
    let o = permgap(&["catalog", "aws", "s3:Get*"]);
    assert_eq!(code(&o), 0);
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert!(lines.len() > 50);
    assert!(lines.iter().all(|l| l.starts_with("s3:Get")), "{lines:?}");
    assert!(lines.iter().any(|l| l == "s3:GetObject\tRead"));
    assert!(
        stderr(&o).starts_with(&format!("{} of 22091 actions match s3:Get*", lines.len())),
        "{}",
        stderr(&o)
    );
    let all = permgap(&["catalog", "aws"]);
    assert_eq!(stdout(&all).lines().count(), 22091);
}

#[test]
fn explain_documents_each_finding() {
    let list = stdout(&permgap(&["explain"]));
    assert!(list.contains("super-identity"));
    let o = permgap(&["explain", "unused-high-risk-permissions"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("## How to fix it"));
    assert_eq!(code(&permgap(&["explain", "no-such-finding"])), 2);
}

#[test]
fn a_closed_pipe_is_success() {
    use std::io::Read;
    let mut child = common::command()
        .args(["catalog", "aws"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "`permgap ... | head` must not fail");
}

/// The README's findings table lists exactly the registry, with its severities.
#[test]
fn readme_findings_table_matches_the_registry() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let id = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            permgap::analysis::findings::by_id(id)?;
            Some((id.to_string(), cells.get(2)?.to_string()))
        })
        .collect();
    let expected: Vec<(String, String)> = permgap::analysis::findings::REGISTRY
        .iter()
        .map(|k| (k.id.to_string(), k.severity.label().to_string()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_snapshot_in_another_order_audits_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap.json");
    let s = snap.to_string_lossy().to_string();
    let o = import_demo(&s);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = json_of(&permgap(&[
        "audit", &s, "--as-of", DEMO_AS_OF, "--format", "json",
    ]));
    let mut v: Value = serde_json::from_slice(&std::fs::read(&snap).expect("read")).expect("json");
    for k in ["identities", "policies", "usage"] {
        if let Some(a) = v[k].as_array_mut() {
            a.reverse();
        }
    }
    std::fs::write(&snap, v.to_string()).expect("write");
    let after = json_of(&permgap(&[
        "audit", &s, "--as-of", DEMO_AS_OF, "--format", "json",
    ]));
    assert_eq!(before["identities"], after["identities"]);
}

#[test]
fn an_output_path_that_cannot_be_created_is_a_usage_error() {
    let o = permgap(&["demo", "--output", "/nonexistent-dir/report.txt"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot create /nonexistent-dir/report.txt"));
    let o = permgap(&[
        "import",
        "aws",
        "--authorization-details",
        &fixture("authorization-details.json").to_string_lossy(),
        "--output",
        "/nonexistent-dir/snap.json",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

/// The README's IAM policy for permgap grants exactly what it may call.
#[test]
fn readme_read_only_policy_matches_the_operations() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let start = readme
        .find("\"Sid\": \"PermgapReadOnly\"")
        .expect("the policy in the README");
    let block = &readme[start..];
    let end = block.find(']').expect("end of the action list");
    let mut actions: Vec<String> = block[..end]
        .lines()
        .filter_map(|l| {
            l.trim()
                .trim_end_matches(',')
                .strip_prefix('"')?
                .strip_suffix('"')
                .map(str::to_string)
        })
        .filter(|a| a.contains(':') && !a.contains(' '))
        .collect();
    actions.sort();
    let mut expected: Vec<String> = permgap::clouds::aws::live::OPERATIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(actions, expected);
}

/// Files of another account, and files delivered outside `--days` ending at
/// `--until`, are passed over by their path: not opened (a broken one among
/// them is no error), counted in coverage.
#[test]
fn import_opens_only_the_files_of_its_accounts_and_range() {
    let c = Case::new(small_gaad(ok_policy()));
    c.good_log();
    let put = |rel: &str, bytes: &[u8]| {
        let p = c.dir.path().join("ct/AWSLogs").join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    };
    let recs = |name: &str, t: &str| {
        gz(json!({"Records": [record("bob", name, t)]})
            .to_string()
            .as_bytes())
    };
    // Inside the range, by the file name's delivery time.
    put(
        "123456789012/CloudTrail/us-east-1/2026/10/05/123456789012_CloudTrail_us-east-1_20261005T1205Z_a.json.gz",
        &recs("GetUser", "2026-10-05T12:00:00Z"),
    );
    // Delivered before the range: not opened, though it is not even gzip.
    put(
        "123456789012/CloudTrail/us-east-1/2026/06/01/123456789012_CloudTrail_us-east-1_20260601T1205Z_b.json.gz",
        b"garbage",
    );
    // Another account's file.
    put(
        "999988887777/CloudTrail/us-east-1/2026/10/05/999988887777_CloudTrail_us-east-1_20261005T1205Z_c.json.gz",
        b"garbage",
    );
    let (imp, aud, v) = c.run(&["--until", "2026-10-31T00:00:00Z", "--days", "60"]);
    assert_eq!(code(&imp), 0, "{}", stderr(&imp));
    assert_eq!(code(&aud), 0, "{}", skipped(&v));
    assert_eq!(used_by(&v, "bob"), ["iam:GetUser", "iam:ListUsers"]);
    let src = v["coverage"]["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["kind"] == "aws-cloudtrail-files"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&src["files_read"], &src["files_passed_over"]),
        (&json!(2), &json!(2))
    );
    // Without a range every file of the account is opened: the broken one
    // is then skipped and named.
    let (imp, _, v) = c.run(&[]);
    assert_eq!(code(&imp), 3);
    assert!(
        skipped(&v).contains("20260601T1205Z_b.json.gz"),
        "{}",
        skipped(&v)
    );
    assert!(!skipped(&v).contains("999988887777"), "{}", skipped(&v));
}

/// The one rule for time: an audit as of a future time audits as of now
/// and says so (the window would otherwise run past every log).
#[test]
fn an_audit_as_of_the_future_audits_as_of_now() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let snap = tmp.path().join("demo.json");
    let s = snap.to_string_lossy().to_string();
    assert_eq!(
        code(&permgap(&[
            "demo",
            "--save-snapshot",
            &s,
            "-o",
            "/dev/null"
        ])),
        0
    );
    let before = jiff::Timestamp::now();
    let o = permgap(&[
        "audit",
        &s,
        "--as-of",
        "2031-05-01T00:00:00Z",
        "--format",
        "json",
    ]);
    let after = jiff::Timestamp::now();
    let as_of: jiff::Timestamp = json_of(&o)["as_of"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("as_of");
    assert!(before <= as_of && as_of <= after, "as of {as_of}");
    assert!(
        stderr(&o).contains("--as-of 2031-05-01T00:00:00Z lies in the future"),
        "{}",
        stderr(&o)
    );
}
