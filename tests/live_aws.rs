//! The live AWS path, with the official SDK, against a local moto server
//! that `scripts/test.sh` installs (pinned, tests/moto/requirements.txt) and
//! starts on 127.0.0.1; it passes PERMGAP_TEST_MOTO (the endpoint) and
//! PERMGAP_TEST_PYTHON (the virtualenv's python). Without them these tests
//! fail and say how to run them, unless PERMGAP_SKIP_LIVE=1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

mod common;

const AS_OF: &str = "2026-11-01T00:00:00Z";

struct Moto {
    endpoint: String,
    /// The exports the seed script wrote, and the account it created.
    dir: PathBuf,
}

/// The identity of a report with this name (`Null` if none).
fn named(report: &Value, name: &str) -> Value {
    report["identities"]
        .as_array()
        .and_then(|x| x.iter().find(|i| i["name"] == name))
        .cloned()
        .unwrap_or_default()
}

/// Seeds moto once for all the tests of this file.
fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| {
        let (endpoint, python) =
            match (std::env::var("PERMGAP_TEST_MOTO"), std::env::var("PERMGAP_TEST_PYTHON")) {
                (Ok(e), Ok(p)) => (e, p),
                _ if std::env::var_os("PERMGAP_SKIP_LIVE").is_some() => return None,
                _ => panic!(
                    "the live AWS tests need a moto server: run `bash scripts/test.sh`, which starts one, \
                     or set PERMGAP_SKIP_LIVE=1 to skip them"
                ),
            };
        let dir = std::env::temp_dir().join(format!("permgap-moto-{}", std::process::id()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/moto/seed_account.py");
        let out = Command::new(python).arg(script).arg(&endpoint).arg(&dir).output().expect("run the seed script");
        assert!(out.status.success(), "seeding moto failed: {}", String::from_utf8_lossy(&out.stderr));
        Some(Moto { endpoint, dir })
    })
    .as_ref()
}

/// The binary, talking to moto through the SDK's own endpoint override, with
/// nothing of the developer's AWS set-up.
fn permgap(m: &Moto, args: &[&str]) -> Output {
    let mut c = common::command();
    permgap_with(&mut c, m, &[])
        .args(args)
        .output()
        .expect("run permgap")
}

/// The environment of [`permgap`], plus `extra` variables.
fn permgap_with<'c>(c: &'c mut Command, m: &Moto, extra: &[(&str, &str)]) -> &'c mut Command {
    c.env("AWS_ENDPOINT_URL", &m.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in extra {
        c.env(k, v);
    }
    c
}

fn ok(o: &Output) -> &Output {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A JSON report on stdout, validated against `schema/report.schema.json`.
fn json(o: &Output) -> Value {
    common::report(&ok(o).stdout)
}

/// `permgap audit SNAPSHOT --as-of AS_OF --format json`, parsed.
fn audit_json(m: &Moto, snapshot: &Path) -> Value {
    common::snapshot_file(snapshot);
    json(&permgap(
        m,
        &[
            "audit",
            &path(snapshot),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    ))
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn live_collection_and_import_of_the_same_account_audit_the_same() {
    let Some(m) = moto() else { return };
    let live = m.dir.join("live.json");
    let imported = m.dir.join("imported.json");
    let ct = path(&m.dir.join("cloudtrail"));
    ok(&permgap(
        m,
        &[
            "collect",
            "aws",
            "--cloudtrail",
            &ct,
            "--output",
            &path(&live),
        ],
    ));
    ok(&permgap(
        m,
        &[
            "import",
            "aws",
            "--authorization-details",
            &path(&m.dir.join("authorization-details.json")),
            "--credential-report",
            &path(&m.dir.join("credential-report.csv")),
            "--cloudtrail",
            &ct,
            "--output",
            &path(&imported),
        ],
    ));
    let a = audit_json(m, &live);
    let b = audit_json(m, &imported);
    assert_eq!(a["identities"], b["identities"]);
    assert_eq!(a["systems"], b["systems"]);

    // And the audit is what the seed says.
    let ids = a["identities"].as_array().expect("identities");
    let by = |name: &str| {
        ids.iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let names = |i: &Value, k: &str| -> Vec<String> {
        i[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        names(by("ann"), "used_permissions"),
        ["ec2:DescribeInstances", "s3:ListAllMyBuckets"]
    );
    // DevTools' default version (v2) grants s3:GetBucketPolicy; v3 ("*") is not the default.
    assert!(names(by("ann"), "unused_permissions").contains(&"s3:GetBucketPolicy".to_string()));
    assert!(by("ann")["granted"].as_u64() < Some(5000));
    // The role's session counts for the role; its boundary leaves DynamoDB and logs.
    assert_eq!(
        names(by("app"), "used_permissions"),
        ["dynamodb:DescribeTable"]
    );
    assert!(names(by("app"), "unobservable_permissions").contains(&"dynamodb:GetItem".to_string()));
    assert!(
        !names(by("app"), "unused_permissions")
            .iter()
            .any(|p| p.starts_with("s3:")),
        "cut by the boundary"
    );
    // bob is an administrator through his group.
    assert_eq!(by("bob")["granted"], 22091);
    assert!(by("bob")["findings"].to_string().contains("super-identity"));
    // ci works through an access key and has no password: a workload.
    assert_eq!(by("ci")["kind"], "workload-user");
}

#[test]
fn scan_prints_the_audit_of_the_snapshot_collect_writes() {
    let Some(m) = moto() else { return };
    let snap = m.dir.join("scan-vs-collect.json");
    let ct = path(&m.dir.join("cloudtrail"));
    ok(&permgap(
        m,
        &[
            "collect",
            "aws",
            "--cloudtrail",
            &ct,
            "--output",
            &path(&snap),
        ],
    ));
    for format in ["table", "json"] {
        let scan = permgap(
            m,
            &[
                "scan",
                "aws",
                "--cloudtrail",
                &ct,
                "--as-of",
                AS_OF,
                "--format",
                format,
            ],
        );
        let audit = permgap(
            m,
            &["audit", &path(&snap), "--as-of", AS_OF, "--format", format],
        );
        assert_eq!(
            String::from_utf8_lossy(&ok(&scan).stdout),
            String::from_utf8_lossy(&ok(&audit).stdout),
            "{format}"
        );
    }
}

#[test]
fn an_unreachable_endpoint_is_a_failed_collection() {
    let Some(m) = moto() else { return };
    let dead = Moto {
        endpoint: "http://127.0.0.1:9".into(),
        dir: m.dir.clone(),
    };
    let o = permgap(
        &dead,
        &[
            "collect",
            "aws",
            "--output",
            &path(&m.dir.join("never.json")),
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("AWS collection failed"), "{err}");
    assert!(!m.dir.join("never.json").exists(), "no snapshot is written");
}

/// The LookupEvents stub (tests/stubs/cloudtrail_lookup_stub.py), stopped on drop.
struct Stub {
    child: std::process::Child,
    url: String,
}

impl Stub {
    fn start(records: &Path, throttle: u32) -> Stub {
        Stub::start_with(records, &["--throttle", &throttle.to_string()])
    }

    fn start_with(records: &Path, flags: &[&str]) -> Stub {
        let mut args = vec![records.as_os_str()];
        args.extend(flags.iter().map(std::ffi::OsStr::new));
        Stub::spawn("cloudtrail_lookup_stub.py", &args)
    }

    /// Starts `tests/stubs/SCRIPT ARGS...`; it prints its port first.
    fn spawn(script: &str, args: &[&std::ffi::OsStr]) -> Stub {
        use std::io::BufRead;
        let python = std::env::var("PERMGAP_TEST_PYTHON").expect("PERMGAP_TEST_PYTHON");
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/stubs")
            .join(script);
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the stub");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut port)
            .expect("port");
        Stub {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
        }
    }

    /// The stub's `GET /stats`, as JSON.
    fn stats(&self) -> Value {
        self.get("/stats")
    }

    /// `GET PATH` of the stub, as JSON.
    fn get(&self, path: &str) -> Value {
        let out = Command::new(std::env::var("PERMGAP_TEST_PYTHON").expect("python"))
            .args(["-c", &format!("import urllib.request;print(urllib.request.urlopen('{}{path}').read().decode())", self.url)])
            .output()
            .expect("stats");
        serde_json::from_slice(&out.stdout).expect("stats JSON")
    }

    /// (time, token, status) of every request the LookupEvents stub answered.
    fn requests(&self) -> Vec<(f64, Option<String>, u16)> {
        self.stats()["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r[0].as_f64().unwrap_or(0.0),
                    r[1].as_str().map(str::to_string),
                    r[2].as_u64().unwrap_or(0) as u16,
                )
            })
            .collect()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn lookup_events_pages_paces_retries_and_counts_as_the_same_records_in_files() {
    let Some(m) = moto() else { return };
    // 120 management events by ann: three pages of 50.
    let account = "123456789012";
    let names = ["DescribeInstances", "ListBuckets", "GetUser"];
    let sources = ["ec2.amazonaws.com", "s3.amazonaws.com", "iam.amazonaws.com"];
    let records: Vec<Value> = (0..120)
        .map(|i| {
            serde_json::json!({
                "eventVersion": "1.09", "eventTime": format!("2026-10-20T10:{:02}:{:02}Z", i / 60, i % 60),
                "eventSource": sources[i % 3], "eventName": names[i % 3], "awsRegion": "us-east-1",
                "recipientAccountId": account, "eventType": "AwsApiCall", "managementEvent": true,
                "eventCategory": "Management", "eventID": format!("ev-{i}"),
                "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/ann"),
                                 "accountId": account, "userName": "ann"}
            })
        })
        .collect();
    let dir = m.dir.join("lookup");
    let logs = dir
        .join("AWSLogs")
        .join(account)
        .join("CloudTrail/us-east-1/2026/10/20");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let file = logs.join("events.json");
    std::fs::write(&file, serde_json::json!({ "Records": records }).to_string()).expect("write");
    let stub = Stub::start(&file, 2);

    let live = dir.join("live.json");
    let mut c = common::command();
    let o = permgap_with(&mut c, m, &[("AWS_ENDPOINT_URL_CLOUDTRAIL", &stub.url)])
        .args([
            "collect",
            "aws",
            "--no-credential-report",
            "--lookup-events",
            "--lookup-region",
            "us-east-1",
            "--output",
            &path(&live),
        ])
        .output()
        .expect("run");
    ok(&o);
    let imported = dir.join("files.json");
    ok(&permgap(
        m,
        &[
            "import",
            "aws",
            "--authorization-details",
            &path(&m.dir.join("authorization-details.json")),
            "--cloudtrail",
            &path(&file),
            "--output",
            &path(&imported),
        ],
    ));
    let a = audit_json(m, &live);
    let b = audit_json(m, &imported);
    let used = |v: &Value| -> Vec<Value> {
        v["identities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["used_permissions"].clone())
            .collect()
    };
    assert_eq!(used(&a), used(&b));
    let ann = named(&a, "ann");
    assert_eq!(
        ann["used_permissions"],
        serde_json::json!([
            "ec2:DescribeInstances",
            "iam:GetUser",
            "s3:ListAllMyBuckets"
        ])
    );
    let lookup = a["coverage"]["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["kind"] == "aws-cloudtrail-lookup"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(lookup["records_read"], 120);
    assert_eq!(
        lookup["regions"],
        serde_json::json!(["us-east-1"]),
        "coverage names the regions read"
    );

    // Two throttled answers retried, then three pages, each call at least
    // ~half a second after the previous successful one.
    let reqs = stub.requests();
    let statuses: Vec<u16> = reqs.iter().map(|r| r.2).collect();
    assert_eq!(statuses, [400, 400, 200, 200, 200], "{reqs:?}");
    let tokens: Vec<Option<&str>> = reqs
        .iter()
        .filter(|r| r.2 == 200)
        .map(|r| r.1.as_deref())
        .collect();
    assert_eq!(tokens, [None, Some("50"), Some("100")]);
    let ok_times: Vec<f64> = reqs.iter().filter(|r| r.2 == 200).map(|r| r.0).collect();
    for w in ok_times.windows(2) {
        assert!(
            w[1] - w[0] >= 0.45,
            "pages {:.3} s apart: {reqs:?}",
            w[1] - w[0]
        );
    }
}

/// By default every region enabled in all accounts is read, each answering
/// its own events; a region refused (as an SCP closing it would) is said,
/// not counted as a failure, while the others answer.
#[test]
fn lookup_events_reads_every_default_region_and_names_a_denied_one() {
    let Some(m) = moto() else { return };
    let account = "123456789012";
    let event = |i: usize, region: &str, source: &str, name: &str| {
        serde_json::json!({
            "eventVersion": "1.09", "eventTime": format!("2026-10-21T10:00:{i:02}Z"),
            "eventSource": source, "eventName": name, "awsRegion": region,
            "recipientAccountId": account, "eventType": "AwsApiCall", "managementEvent": true,
            "eventID": format!("r-{i}"),
            "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/ann"),
                             "accountId": account, "userName": "ann"}
        })
    };
    let records = vec![
        event(1, "us-east-1", "iam.amazonaws.com", "GetUser"),
        event(2, "eu-west-1", "ec2.amazonaws.com", "DescribeInstances"),
        event(3, "ap-south-1", "sqs.amazonaws.com", "ListQueues"),
    ];
    let dir = m.dir.join("regions");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("events.json");
    std::fs::write(&file, serde_json::json!({ "Records": records }).to_string()).expect("write");
    let stub = Stub::start_with(&file, &["--deny-region", "ap-south-1"]);
    let snap = dir.join("snap.json");
    let mut c = common::command();
    let o = permgap_with(&mut c, m, &[("AWS_ENDPOINT_URL_CLOUDTRAIL", &stub.url)])
        .args([
            "collect",
            "aws",
            "--no-credential-report",
            "--lookup-events",
            "--output",
            &path(&snap),
        ])
        .output()
        .expect("run");
    ok(&o);
    let mut asked: Vec<String> = stub.stats()["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r[3].as_str().map(str::to_string))
        .collect();
    asked.sort();
    asked.dedup();
    let defaults: Vec<String> = permgap::clouds::aws::live::default_regions("us-east-1")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(asked, defaults);
    assert_eq!(asked.len(), 17);
    let v = audit_json(m, &snap);
    let ann = named(&v, "ann");
    assert_eq!(
        ann["used_permissions"],
        serde_json::json!(["ec2:DescribeInstances", "iam:GetUser"]),
        "each region's events, none from the refused one"
    );
    let lookup = v["coverage"]["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["kind"] == "aws-cloudtrail-lookup"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(lookup["regions"].as_array().map(Vec::len), Some(16));
    assert!(!lookup["regions"].to_string().contains("ap-south-1"));
    let warnings = v["coverage"]["warnings"].to_string();
    assert!(
        warnings.contains("ap-south-1")
            && warnings.contains("a service control policy closes this region"),
        "{warnings}"
    );
    assert_eq!(v["coverage"]["skipped"], serde_json::json!([]));

    // A time range: --days ending at --until, in one named region.
    let until = jiff::Timestamp::now()
        .checked_sub(jiff::Span::new().hours(10 * 24))
        .expect("time")
        .as_second();
    let until_text = jiff::Timestamp::from_second(until)
        .expect("time")
        .to_string();
    let before = stub.stats()["requests"].as_array().map_or(0, Vec::len);
    let mut c = common::command();
    let o = permgap_with(&mut c, m, &[("AWS_ENDPOINT_URL_CLOUDTRAIL", &stub.url)])
        .args([
            "collect",
            "aws",
            "--no-credential-report",
            "--lookup-events",
            "--lookup-region",
            "eu-west-1",
            "--until",
            &until_text,
            "--days",
            "30",
            "--output",
            &path(&dir.join("range.json")),
        ])
        .output()
        .expect("run");
    ok(&o);
    let stats = stub.stats();
    let asked: Vec<&Value> = stats["requests"]
        .as_array()
        .map(|r| r.iter().skip(before).collect())
        .unwrap_or_default();
    assert_eq!(asked.len(), 1, "{stats}");
    assert_eq!(asked[0][3], "eu-west-1");
    assert_eq!(asked[0][4].as_f64(), Some((until - 30 * 86_400) as f64));
    assert_eq!(asked[0][5].as_f64(), Some(until as f64));
}

#[test]
fn cloudtrail_in_s3_reads_only_this_account_and_the_window() {
    let Some(m) = moto() else { return };
    let python = std::env::var("PERMGAP_TEST_PYTHON").expect("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/moto/seed_s3_trail.py");
    let out = Command::new(python)
        .arg(script)
        .arg(&m.endpoint)
        .arg("123456789012")
        .output()
        .expect("seed S3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap = m.dir.join("s3.json");
    ok(&permgap(
        m,
        &[
            "collect",
            "aws",
            "--no-credential-report",
            "--cloudtrail-s3",
            "s3://trail-bucket/logs",
            "--cloudtrail-s3",
            "s3://trail-bucket/org",
            "--output",
            &path(&snap),
        ],
    ));
    let v = json(&permgap(m, &["audit", &path(&snap), "--format", "json"]));
    let ann = named(&v, "ann");
    assert_eq!(
        ann["used_permissions"],
        serde_json::json!([
            "ec2:DescribeInstances",
            "iam:ListGroups",
            "s3:ListAllMyBuckets"
        ]),
        "old files, other accounts and digests are not read"
    );
    let files: Vec<(String, u64)> = v["coverage"]["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == "aws-cloudtrail-files")
        .map(|s| {
            (
                s["input"].as_str().unwrap_or("").to_string(),
                s["files_read"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("s3://trail-bucket/logs".to_string(), 2),
            ("s3://trail-bucket/org".to_string(), 1)
        ]
    );

    // The same logs given down to the account's and the organization's
    // folders, from a bucket in another region than the client's: each
    // location's first call finds the region (one redirect), the others go
    // there.
    let proxy = Stub::spawn(
        "aws_proxy.py",
        &[
            m.endpoint.as_ref(),
            "--bucket-region".as_ref(),
            "trail-bucket=eu-west-1".as_ref(),
        ],
    );
    let far = Moto {
        endpoint: proxy.url.clone(),
        dir: m.dir.clone(),
    };
    let snap = m.dir.join("s3-deep.json");
    ok(&permgap(
        &far,
        &[
            "collect",
            "aws",
            "--no-credential-report",
            "--cloudtrail-s3",
            "s3://trail-bucket/logs/AWSLogs/123456789012",
            "--cloudtrail-s3",
            "s3://trail-bucket/org/AWSLogs/o-abc123def4/",
            "--output",
            &path(&snap),
        ],
    ));
    let deep = json(&permgap(m, &["audit", &path(&snap), "--format", "json"]));
    let ann_deep = named(&deep, "ann");
    assert_eq!(ann_deep["used_permissions"], ann["used_permissions"]);
    let stats = proxy.get("/__proxy/stats");
    assert_eq!(stats["calls"]["s3:redirected (us-east-1)"], 2, "{stats}");
    assert_eq!(stats["calls"]["s3:GetObject"], 3, "{stats}");
}

#[test]
fn doctor_says_what_is_missing() {
    let Some(m) = moto() else { return };
    // moto allows everything: all present.
    let o = permgap(m, &["doctor", "aws"]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{text}");
    for line in [
        "ok       credentials",
        "ok       iam:GetAccountAuthorizationDetails",
        "ok       iam:GetCredentialReport",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    assert!(
        text.ends_with("permgap can collect this account.\n"),
        "{text}"
    );
    // A bucket that does not exist is not a missing permission.
    let o = permgap(
        m,
        &[
            "doctor",
            "aws",
            "--cloudtrail-s3",
            "s3://no-such-bucket-here/logs",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(
        text.contains("error    s3:ListBucket") && text.contains("NoSuchBucket"),
        "{text}"
    );
    assert!(!text.contains("missing:"), "{text}");
    // A CloudTrail that refuses: named, with what to grant, and exit 3.
    let empty = m.dir.join("empty-records.json");
    std::fs::write(&empty, r#"{"Records": []}"#).expect("write");
    let stub = Stub::start_with(&empty, &["--deny"]);
    let mut c = common::command();
    let o = permgap_with(&mut c, m, &[("AWS_ENDPOINT_URL_CLOUDTRAIL", &stub.url)])
        .args(["doctor", "aws", "--lookup-region", "us-east-1"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(
        text.contains("missing  cloudtrail:LookupEvents")
            && text.contains("grant cloudtrail:LookupEvents"),
        "{text}"
    );
    assert!(text.contains("missing: cloudtrail:LookupEvents."), "{text}");
    assert!(
        text.contains("ok       iam:GetAccountAuthorizationDetails"),
        "{text}"
    );
}

/// A moto server of its own (the organization test resets state that the
/// other tests share), stopped on drop.
struct OwnMoto {
    child: std::process::Child,
    endpoint: String,
}

impl OwnMoto {
    fn start() -> OwnMoto {
        let python = std::env::var("PERMGAP_TEST_PYTHON").expect("python");
        let server = Path::new(&python).with_file_name("moto_server");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        for _ in 0..150 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        OwnMoto { child, endpoint }
    }
}

impl Drop for OwnMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The organization test, every source on, with every call passing through
/// tests/stubs/aws_proxy.py: what permgap calls is observed, not declared.
/// The proxy refuses AssumeRole into `legacy`, as an account whose role was
/// deleted would.
#[test]
fn an_organization_is_collected_account_by_account_with_its_scps() {
    let Some(shared) = moto() else { return };
    let own = OwnMoto::start();
    let python = std::env::var("PERMGAP_TEST_PYTHON").expect("python");
    let seed = |script: &str, args: &[&str]| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/moto")
            .join(script);
        let out = Command::new(&python)
            .arg(script)
            .arg(&own.endpoint)
            .args(args)
            .output()
            .expect("seed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let ids: Value = serde_json::from_slice(&seed("seed_org.py", &[])).expect("account IDs");
    let id = |k: &str| ids[k].as_str().unwrap_or("").to_string();
    // app's logs in S3 (the seed's user is `ann`, whom app does not have:
    // named as unknown, which the assertions below allow for).
    seed("seed_s3_trail.py", &[&id("app")]);
    let dir = shared.dir.join("org");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let no_records = dir.join("no-records.json");
    std::fs::write(&no_records, r#"{"Records": []}"#).expect("write");
    let lookup = Stub::start_with(&no_records, &[]);
    let advisor_data = dir.join("advisor.json");
    std::fs::write(&advisor_data, "{}").expect("write");
    let advisor = Stub::spawn(
        "iam_access_advisor_stub.py",
        &[own.endpoint.as_ref(), advisor_data.as_os_str()],
    );
    let proxy = Stub::spawn(
        "aws_proxy.py",
        &[
            own.endpoint.as_ref(),
            "--route".as_ref(),
            format!("cloudtrail={}", lookup.url).as_ref(),
            "--route".as_ref(),
            format!("iam={}", advisor.url).as_ref(),
            "--refuse-assume".as_ref(),
            id("legacy").as_ref(),
        ],
    );
    let m = Moto {
        endpoint: proxy.url.clone(),
        dir: dir.clone(),
    };
    let snap = dir.join("org.json");
    let o = permgap(
        &m,
        &[
            "collect",
            "aws",
            "--org",
            "--lookup-events",
            "--access-advisor",
            "--cloudtrail-s3",
            "s3://trail-bucket/logs",
            "--cloudtrail-athena",
            "trails.cloudtrail_logs",
            "--athena-output",
            "s3://trail-bucket/athena/",
            "--concurrency",
            "2",
            "--output",
            &path(&snap),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "legacy is unreachable: {err}");
    assert!(snap.exists(), "the others are saved: {err}");
    let collected = proxy.get("/__proxy/stats");
    let doctor = permgap(
        &m,
        &[
            "doctor",
            "aws",
            "--lookup-region",
            "us-east-1",
            "--cloudtrail-s3",
            "s3://trail-bucket/logs",
            "--access-advisor",
            "--org",
            "--cloudtrail-athena",
            "trails.cloudtrail_logs",
            "--athena-output",
            "s3://trail-bucket/athena/",
        ],
    );
    // doctor names the account a collection could not reach, beforehand.
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(3), "{text}");
    let assume = text
        .lines()
        .find(|l| l.contains("sts:AssumeRole"))
        .unwrap_or_default();
    assert!(
        assume.starts_with("missing")
            && assume.contains("assumed in 3 of 4 member accounts")
            && assume.contains(&id("legacy")),
        "{text}"
    );
    for line in text
        .lines()
        .filter(|l| l.contains(':') && !l.contains("sts:AssumeRole"))
    {
        if line.starts_with("credentials") || line.starts_with("ok") {
            continue;
        }
        assert!(
            line.starts_with("missing:"),
            "every other check passes: {text}"
        );
    }

    // Observed: every call of the collection is one the README's policy
    // grants, and each of them was made (so the list holds nothing that
    // permgap does not call); doctor checks each of them with a call.
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["calls"]
            .as_object()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default();
        n.sort_unstable();
        n
    };
    let mut allowed: Vec<String> = permgap::clouds::aws::live::OPERATIONS
        .iter()
        .map(ToString::to_string)
        .collect();
    allowed.sort_unstable();
    assert_eq!(names(&collected), allowed, "calls of collect: {collected}");
    let stats = proxy.get("/__proxy/stats");
    let mut by_doctor: Vec<String> = stats["calls"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| v.as_u64() > collected["calls"][k.as_str()].as_u64())
        .map(|(k, _)| k.clone())
        .collect();
    by_doctor.sort_unstable();
    assert_eq!(by_doctor, allowed, "calls of doctor: {stats}");
    assert_eq!(
        stats["refused"].as_array().map(Vec::len),
        Some(2),
        "collect and doctor each refused in legacy: {stats}"
    );
    let calls = collected["calls"].as_object().cloned().unwrap_or_default();
    // The OU tree and the SCPs are read once for the organization: app and
    // web share the OU, data and the OU share the root. ListParents: app,
    // web, data, the OU. ListPoliciesForTarget: app, web, data, the OU, the
    // root. DescribePolicy: FullAWSAccess (moto attaches it everywhere, as
    // AWS does) and DenyS3List.
    assert_eq!(calls["organizations:ListParents"], 4, "{stats}");
    assert_eq!(calls["organizations:ListPoliciesForTarget"], 5, "{stats}");
    assert_eq!(calls["organizations:DescribePolicy"], 2, "{stats}");

    let audit = permgap(
        &m,
        &["audit", &path(&snap), "--as-of", AS_OF, "--format", "json"],
    );
    assert_eq!(
        audit.status.code(),
        Some(3),
        "the snapshot says it is partial"
    );
    let v: Value = common::report(&audit.stdout);
    let systems: Vec<&str> = v["systems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str())
        .collect();
    let mut expected = vec!["123456789012".to_string(), id("app"), id("web"), id("data")];
    expected.sort();
    assert_eq!(systems, expected, "every account but legacy");
    let skipped = v["coverage"]["skipped"].to_string();
    assert!(
        skipped.contains(&format!("account {} (legacy)", id("legacy")))
            && skipped.contains("check that the role OrganizationAccountAccessRole exists"),
        "{skipped}"
    );
    let by = |name: &str| named(&v, name);
    let catalog = 22091;
    assert_eq!(
        by("mgmt-admin")["granted"],
        catalog,
        "SCPs never restrict the management account"
    );
    assert_eq!(by("app-admin")["system"], ids["app"]);
    let list = common::command()
        .args(["catalog", "aws", "s3:List*"])
        .output()
        .expect("catalog");
    let n_lists = String::from_utf8_lossy(&list.stdout).lines().count() as u64;
    assert!(n_lists > 0);
    for capped in ["app-admin", "web-dev"] {
        assert_eq!(
            by(capped)["granted"].as_u64(),
            Some(catalog - n_lists),
            "the OU's SCP denies s3:List* to {capped}"
        );
    }
    // data sits under the root alone: its S3 listing stays granted. Its
    // LookupEvents answered and found no event: that answer covers data
    // over the range asked (issue 18), so the listing is unused, where
    // before the account was "not covered by CloudTrail" and everything
    // unobservable.
    let analyst = by("analyst");
    assert!(
        analyst["unused_permissions"]
            .to_string()
            .contains("\"s3:ListAllMyBuckets\""),
        "{analyst}"
    );
    let lookup = v["coverage"]["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["kind"] == "aws-cloudtrail-lookup" && s["system"] == ids["data"])
        .unwrap_or_else(|| panic!("LookupEvents covers data: {}", v["coverage"]));
    assert_eq!(lookup["records_read"], 0, "{lookup}");
    assert!(
        lookup["answered_from"].is_string() && lookup["answered_to"].is_string(),
        "{lookup}"
    );
    let data_id = ids["data"].as_str().unwrap_or_default();
    let uncovered = v["coverage"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|w| {
            w["input"] == format!("account {data_id}").as_str()
                && w["message"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("no CloudTrail")
        });
    assert!(!uncovered, "{}", v["coverage"]["warnings"]);
    // The snapshot records the levels: root and OU and account for app.
    let s: Value = common::snapshot_file(&snap);
    let app_sys = s["systems"]
        .as_array()
        .and_then(|x| x.iter().find(|y| y["id"] == ids["app"]))
        .cloned()
        .unwrap_or_default();
    assert_eq!(app_sys["scp_levels"].as_array().map(Vec::len), Some(3));
    assert_eq!(app_sys["name"], "app");
}

/// Athena's rows (moto serves them as seeded through its
/// /moto-api/static/athena/query-results endpoint; it does not run SQL) are
/// folded like log records, and the query moto received is permgap's.
#[test]
fn athena_rows_are_read_as_usage() {
    let Some(m) = moto() else { return };
    let header: Vec<Value> = permgap::clouds::aws::athena::COLUMNS
        .iter()
        .map(|c| serde_json::json!({"VarCharValue": c}))
        .collect();
    let row = |name: &str, source: &str, error: Option<&str>, n: u32| {
        let v = [
            Some("IAMUser"),
            Some("arn:aws:iam::123456789012:user/ann"),
            Some("123456789012"),
            Some("ann"),
            None,
            Some("123456789012"),
            Some(source),
            Some(name),
            Some("AwsApiCall"),
            Some("Management"),
            error,
            None,
            Some("2026-10-02T08:00:00Z"),
            Some("2026-10-20T08:00:00Z"),
            None, // the count, set below
        ];
        let mut data: Vec<Value> = v
            .iter()
            .map(|x| match x {
                Some(t) => serde_json::json!({"VarCharValue": t}),
                None => serde_json::json!({}),
            })
            .collect();
        data[14] = serde_json::json!({"VarCharValue": n.to_string()});
        serde_json::json!({"Data": data})
    };
    let results = serde_json::json!({"results": [{"rows": [
        {"Data": header},
        row("ListBuckets", "s3.amazonaws.com", None, 5),
        row("DescribeInstances", "ec2.amazonaws.com", Some("Client.UnauthorizedOperation"), 2)
    ], "column_info": []}]});
    let python = std::env::var("PERMGAP_TEST_PYTHON").expect("python");
    let seed = format!(
        "import urllib.request;urllib.request.urlopen(urllib.request.Request('{}/moto-api/static/athena/query-results', \
         data=open(0).read().encode(), method='POST')).read()",
        m.endpoint
    );
    let mut child = Command::new(&python)
        .args(["-c", &seed])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("seed athena");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(results.to_string().as_bytes())
        .expect("write");
    assert!(child.wait().expect("seed").success());
    let snap = m.dir.join("athena.json");
    ok(&permgap(
        m,
        &[
            "collect",
            "aws",
            "--no-credential-report",
            "--cloudtrail-athena",
            "trails.cloudtrail_logs",
            "--athena-workgroup",
            "primary",
            "--athena-output",
            "s3://athena-results/permgap/",
            "--output",
            &path(&snap),
        ],
    ));
    let v = audit_json(m, &snap);
    let ann = named(&v, "ann");
    assert!(
        ann["used_permissions"]
            .to_string()
            .contains("\"s3:ListAllMyBuckets\""),
        "{ann}"
    );
    assert!(
        !ann["used_permissions"].to_string().contains("ec2:"),
        "a denial is not use"
    );
    let src = v["coverage"]["sources"]
        .as_array()
        .and_then(|x| x.iter().find(|s| s["kind"] == "aws-cloudtrail-athena"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(src["records_read"], 7, "{src}");
    assert_eq!(src["records"], serde_json::json!({"denied": 2, "used": 5}));
    // The query moto was given.
    let asked = Command::new(&python)
        .args([
            "-c",
            &format!(
                "import boto3,json;a=boto3.client('athena',endpoint_url='{}',region_name='us-east-1',\
                 aws_access_key_id='testing',aws_secret_access_key='testing');\
                 ids=a.list_query_executions()['QueryExecutionIds'];\
                 print(json.dumps([a.get_query_execution(QueryExecutionId=i)['QueryExecution'] for i in ids],default=str))",
                m.endpoint
            ),
        ])
        .output()
        .expect("list queries");
    let text = String::from_utf8_lossy(&asked.stdout);
    assert!(
        text.contains("FROM \\\"trails\\\".\\\"cloudtrail_logs\\\"")
            && text.contains("recipientaccountid IN ('123456789012')")
            && text.contains("s3://athena-results/permgap/"),
        "{text}"
    );
}

#[test]
fn access_advisor_evidence_is_read_and_combined() {
    let Some(m) = moto() else { return };
    let acct = "123456789012";
    let data = serde_json::json!({
        format!("arn:aws:iam::{acct}:user/ann"): [
            {"ServiceNamespace": "s3", "LastAuthenticated": "2026-10-20T08:00:00Z",
             "TrackedActionsLastAccessed": [{"ActionName": "ListBucket", "LastAccessedTime": "2026-10-20T08:00:00Z"}]}],
        format!("arn:aws:iam::{acct}:user/ci"): [
            {"ServiceNamespace": "s3", "LastAuthenticated": "2025-01-01T00:00:00Z"}],
        format!("arn:aws:iam::{acct}:role/service/app"): [
            {"ServiceNamespace": "dynamodb", "LastAuthenticated": null}]
    });
    let dir = m.dir.join("advisor");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let data_file = dir.join("advisor.json");
    std::fs::write(&data_file, data.to_string()).expect("write");
    // The stub forwards the rest of IAM to moto.
    let stub = Stub::spawn(
        "iam_access_advisor_stub.py",
        &[
            std::ffi::OsStr::new(&m.endpoint),
            data_file.as_os_str(),
            "--throttle".as_ref(),
            "1".as_ref(),
        ],
    );
    let snap = dir.join("snap.json");
    let ct = path(&m.dir.join("cloudtrail"));
    let mut c = common::command();
    let o = permgap_with(&mut c, m, &[("AWS_ENDPOINT_URL_IAM", &stub.url)])
        .args([
            "collect",
            "aws",
            "--no-credential-report",
            "--access-advisor",
            "--cloudtrail",
            &ct,
            "--output",
            &path(&snap),
        ])
        .output()
        .expect("run");
    ok(&o);
    let v = audit_json(m, &snap);
    let by = |name: &str| named(&v, name);
    let has = |i: &Value, list: &str, p: &str| {
        i[list].as_array().is_some_and(|a| a.iter().any(|x| x == p))
    };
    // Action level: a data-event action CloudTrail cannot see, used.
    assert!(has(&by("ann"), "used_permissions", "s3:ListBucket"));
    // S3 not accessed for a year: its object reads are proven unused.
    assert!(has(&by("ci"), "unused_permissions", "s3:GetObject"));
    assert!(!has(&by("ci"), "unobservable_permissions", "s3:GetObject"));
    // DynamoDB never accessed: the role's item reads are unused too.
    assert!(has(&by("app"), "unused_permissions", "dynamodb:GetItem"));
    // Four identities asked, one throttled call retried, every job polled until complete.
    let s = stub.stats();
    let stats = s.to_string();
    assert_eq!(s["throttled"], 1);
    assert_eq!(s["generate"], 5, "4 identities + 1 retried: {stats}");
    assert_eq!(
        s["get"], 8,
        "each job polled twice (IN_PROGRESS, COMPLETED): {stats}"
    );
    let advisor = v["coverage"]["sources"]
        .as_array()
        .and_then(|x| x.iter().find(|s| s["kind"] == "aws-access-advisor"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(advisor["records_read"], 4);
}
