//! `permgap scan azure` / `collect azure` against tests/stubs/azure_api.py,
//! a loopback stand-in for ARM and Microsoft Graph (there is no emulator),
//! serving the demo's `az` exports (fixtures/demo/azure) as the REST APIs
//! answer them: paged, throttled once, with a subscription the credential
//! cannot read. The stub needs only Python's standard library.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

mod common;

const AS_OF: &str = "2026-11-01T00:00:00Z";
const UNREACHABLE: &str = "44444444-4444-4444-8444-444444444444";

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/azure")
}

/// tests/stubs/azure_api.py serving the demo's exports, stopped on drop.
struct Stub {
    child: Child,
    url: String,
}

impl Stub {
    fn start(flags: &[&str]) -> Stub {
        let python = std::env::var("PERMGAP_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs/azure_api.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(demo_dir())
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the Azure stub");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut port)
            .expect("port");
        assert!(!port.trim().is_empty(), "the stub did not start");
        Stub {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
        }
    }

    /// `scan azure` against the stub: (exit code, report, stderr).
    fn scan(&self, extra: &[&str]) -> (i32, Value, String) {
        let mut args = vec![
            "scan",
            "azure",
            "--arm-endpoint",
            &self.url,
            "--graph-endpoint",
            &self.url,
            "--anonymous",
            "--until",
            AS_OF,
            "--window",
            "90",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let o = common::permgap(&args);
        let stderr = common::stderr(&o);
        assert!(!o.stdout.is_empty(), "no report; stderr: {stderr}");
        (common::code(&o), common::report(&o.stdout), stderr)
    }

    /// `doctor azure` against the stub: (exit code, stdout).
    fn doctor(&self, extra: &[&str]) -> (i32, String) {
        let mut args = vec![
            "doctor",
            "azure",
            "--arm-endpoint",
            &self.url,
            "--graph-endpoint",
            &self.url,
            "--anonymous",
        ];
        args.extend_from_slice(extra);
        let o = common::permgap(&args);
        (
            common::code(&o),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    }

    /// The requests the stub received: [method, path, query, time].
    fn requests(&self) -> Vec<Value> {
        let out = Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import urllib.request;print(urllib.request.urlopen('{}/__stub/requests').read().decode())",
                self.url
            ))
            .output()
            .expect("ask the stub");
        serde_json::from_slice(&out.stdout).expect("requests JSON")
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `import azure` of the demo's files, audited.
fn imported() -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap.json");
    let s = snap.to_string_lossy().to_string();
    let o = common::permgap_in(
        &demo_dir(),
        &[
            &["import", "azure"],
            common::AZURE_DEMO_EXPORTS,
            &["-o", &s],
        ]
        .concat(),
    );
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let o = common::permgap(&["audit", &s, "--as-of", AS_OF, "--format", "json"]);
    common::report(&o.stdout)
}

fn azure(r: &Value, key: &str) -> Vec<Value> {
    r[key]
        .as_array()
        .expect(key)
        .iter()
        .filter(|i| i["cloud"] == "azure")
        .cloned()
        .collect()
}

/// The same tenant, live and from its exports: the same identities and
/// subscriptions. The subscription the credential cannot read is skipped
/// and named (exit 3), the throttled request retried after its
/// Retry-After, every list read page by page.
#[test]
fn scan_against_the_stub_audits_as_the_import_of_the_same_tenant() {
    let stub = Stub::start(&[
        "--throttle",
        "roleDefinitions",
        "--unreachable",
        UNREACHABLE,
        "--page-size",
        "1",
    ]);
    // The demo's oldest event is 200 days before the audit: read them all.
    let (code, live, stderr) = stub.scan(&["--days", "365"]);
    assert_eq!(code, 3, "{stderr}");
    let files = imported();
    assert_eq!(azure(&live, "identities"), azure(&files, "identities"));
    assert_eq!(azure(&live, "systems"), azure(&files, "systems"));
    assert_eq!(azure(&live, "identities").len(), 11);
    let skipped = live["coverage"]["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["input"], format!("subscription {UNREACHABLE}"));
    assert!(
        skipped[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("AuthorizationFailed")),
        "{skipped:?}"
    );

    let requests = stub.requests();
    // Throttled once per subscription's roleDefinitions, then retried no
    // sooner than Retry-After (1 s).
    let defs: Vec<f64> = requests
        .iter()
        .filter(|r| {
            r[1].as_str().is_some_and(|p| {
                p.starts_with("/subscriptions/11111111") && p.ends_with("/roleDefinitions")
            }) && r[2].as_str().is_some_and(|q| !q.contains("skiptoken"))
        })
        .map(|r| r[3].as_f64().expect("time"))
        .collect();
    assert_eq!(defs.len(), 2, "the first answer was 429, then one retry");
    assert!(
        defs[1] - defs[0] >= 0.95,
        "retried after {}s",
        defs[1] - defs[0]
    );
    // Paged: prod's seven assignments one a page.
    let pages = requests
        .iter()
        .filter(|r| {
            r[1].as_str().is_some_and(|p| {
                p.starts_with("/subscriptions/11111111") && p.ends_with("/roleAssignments")
            })
        })
        .count();
    assert_eq!(pages, 7);
    // Group members through Graph's paged transitiveMembers.
    assert!(requests.iter().any(|r| {
        r[1].as_str()
            .is_some_and(|p| p.ends_with("/transitiveMembers"))
            && r[2].as_str().is_some_and(|q| q.contains("skiptoken"))
    }));
    // A disabled subscription is not collected.
    assert!(
        !requests
            .iter()
            .any(|r| r[1].as_str().is_some_and(|p| p.contains("99999999")))
    );
}

/// The Activity Log is asked for the range only: an event before it is not
/// seen, and the query names the range.
#[test]
fn the_activity_log_is_read_over_the_range_asked() {
    let stub = Stub::start(&[]);
    let (code, live, stderr) = stub.scan(&["--days", "90"]);
    assert_eq!(code, 0, "{stderr}");
    let legacy = live["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == "legacy-automation")
        .expect("legacy-automation");
    // Its only event is 200 days old: outside the 90 days read.
    assert!(legacy["last_activity"].is_null(), "{legacy}");
    let queries: Vec<String> = stub
        .requests()
        .iter()
        .filter(|r| {
            r[1].as_str()
                .is_some_and(|p| p.ends_with("/management/values"))
        })
        .filter_map(|r| r[2].as_str().map(str::to_string))
        .collect();
    assert!(!queries.is_empty());
    assert!(
        queries.iter().all(|q| q.contains("eventTimestamp")
            && q.contains("2026-08-03")
            && q.contains("2026-11-01")),
        "{queries:?}"
    );
}

/// Without Graph, principals keep their object ids, groups their members
/// unknown, and the report says names are missing; the audit goes on.
#[test]
fn without_graph_ids_are_kept_and_the_report_says_names_are_missing() {
    let stub = Stub::start(&["--forbid", "^/v1.0/"]);
    let (code, live, stderr) = stub.scan(&["--days", "365"]);
    assert_eq!(code, 0, "{stderr}");
    let ids = azure(&live, "identities");
    assert!(!ids.is_empty());
    assert!(
        ids.iter().all(|i| i["name"]
            .as_str()
            .is_some_and(|n| n.len() == 36 && n.matches('-').count() == 4)),
        "every name is an object id"
    );
    let warnings = live["coverage"]["warnings"].as_array().expect("warnings");
    let said = |what: &str| {
        warnings
            .iter()
            .any(|w| w["message"].as_str().is_some_and(|m| m.contains(what)))
    };
    assert!(said("Directory.Read.All"), "{warnings:?}");
    assert!(said("have no name"), "{warnings:?}");
    // The group's use is never seen: a principal set, never unused.
    let set = ids
        .iter()
        .find(|i| i["kind"] == "principal-set")
        .expect("the group, members unknown");
    assert_eq!(set["unused"], 0);
}

/// `doctor azure` names each read the credential lacks, and exits 3.
#[test]
fn doctor_names_what_the_credential_cannot_read() {
    let stub = Stub::start(&["--unreachable", UNREACHABLE, "--forbid", "^/v1.0/"]);
    let (code, out) = stub.doctor(&[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        line_in(&out, "ok", "roleAssignments/read on 11111111"),
        "{out}"
    );
    assert!(
        line_in(
            &out,
            "MISSING",
            &format!("roleAssignments/read on {UNREACHABLE}")
        ),
        "{out}"
    );
    assert!(
        line_in(&out, "missing", "Graph Directory.Read.All"),
        "{out}"
    );
    assert!(
        out.contains("missing: Microsoft.Authorization/roleAssignments/read on"),
        "{out}"
    );
    let stub = Stub::start(&[]);
    let (_, out) = stub.doctor(&["--subscription", "11111111-1111-4111-8111-111111111111"]);
    // The stub has no operation catalog: that read could not be checked.
    assert!(line_in(&out, "error", "providerOperations"), "{out}");
    assert!(!out.contains("MISSING"), "{out}");
}

/// Whether a line of `out` starts with `start` and names `what`.
fn line_in(out: &str, start: &str, what: &str) -> bool {
    out.lines()
        .any(|l| l.starts_with(start) && l.contains(what))
}
