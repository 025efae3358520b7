//! The CI gate end to end, through the built binary on the demo
//! organisation (AWS and GCP): every threshold, per-system thresholds by ID
//! and glob, ignores, suppressions and their expiry, baselines, `init`,
//! `diff`, and every exit code in every format.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

const AS_OF: &str = "2026-11-01T00:00:00Z";
const FORMATS: [&str; 6] = ["table", "json", "csv", "sarif", "markdown", "html"];

mod common;
use common::{code, stderr};

fn permgap(args: &[&str], dir: &Path) -> Output {
    common::permgap_in(dir, args)
}

/// A directory holding the demo's snapshot (`demo.json`).
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = permgap(
            &[
                "-q",
                "demo",
                "--save-snapshot",
                "demo.json",
                "--format",
                "json",
            ],
            dir.path(),
        );
        assert_eq!(code(&o), 0, "demo: {}", stderr(&o));
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).expect("write");
        name.to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        permgap(args, self.dir.path())
    }

    /// `check demo.json --format json` with `extra`: the exit code and the report.
    fn check(&self, extra: &[&str]) -> (i32, Value, String) {
        let mut args = vec!["check", "demo.json", "--as-of", AS_OF, "--format", "json"];
        args.extend_from_slice(extra);
        let o = self.run(&args);
        assert!(!o.stdout.is_empty(), "no report; stderr: {}", stderr(&o));
        let v = common::report(&o.stdout);
        (code(&o), v, stderr(&o))
    }

    /// `check` with a configuration of `toml`.
    fn check_with(&self, toml: &str, extra: &[&str]) -> (i32, Value, String) {
        let cfg = self.write("permgap-test.toml", toml);
        let mut args = vec!["--config", cfg.as_str()];
        args.extend_from_slice(extra);
        self.check(&args)
    }
}

fn breaches(v: &Value) -> Vec<&Value> {
    v["gate"]["breaches"]
        .as_array()
        .expect("gate.breaches")
        .iter()
        .collect()
}

fn thresholds_breached(v: &Value) -> Vec<String> {
    let mut t: Vec<String> = breaches(v)
        .iter()
        .map(|b| b["threshold"].as_str().expect("threshold").to_string())
        .collect();
    t.sort();
    t.dedup();
    t
}

fn systems_breached(v: &Value) -> Vec<String> {
    let mut t: Vec<String> = breaches(v)
        .iter()
        .map(|b| b["system"].as_str().expect("system").to_string())
        .collect();
    t.sort();
    t.dedup();
    t
}

fn finding<'a>(v: &'a Value, identity_name: &str, system: &str, id: &str) -> &'a Value {
    v["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == identity_name && i["system"] == system)
        .unwrap_or_else(|| panic!("identity {identity_name} in {system}"))["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} on {identity_name}"))
}

/// Each threshold, alone, fails the demo when tight and passes it at the
/// demo's own maximum: the limit itself is allowed.
#[test]
fn every_threshold_breaches_alone_and_its_limit_is_allowed() {
    let case = Case::new();
    let cases = [
        (
            "max_identity_pci = 99",
            "max_identity_pci = 100",
            "max_identity_pci",
        ),
        (
            "max_system_pci = 99",
            "max_system_pci = 100",
            "max_system_pci",
        ),
        (
            "max_unused_high_risk = 0",
            "max_unused_high_risk = 100000",
            "max_unused_high_risk",
        ),
        (
            "max_identity_gap_ratio = 0.5",
            "max_identity_gap_ratio = 1.0",
            "max_identity_gap_ratio",
        ),
        (
            "max_system_gap_ratio = 0.5",
            "max_system_gap_ratio = 1.0",
            "max_system_gap_ratio",
        ),
        (
            "no_new_super_identity = true",
            "no_new_super_identity = false",
            "no_new_super_identity",
        ),
        (
            "max_findings = { high = 0 }",
            "max_findings = { high = 1000 }",
            "max_findings.high",
        ),
        (
            "max_findings = { medium = 1 }",
            "max_findings = { medium = 1000 }",
            "max_findings.medium",
        ),
        (
            "max_findings = { low = 0 }",
            "max_findings = { low = 1000 }",
            "max_findings.low",
        ),
    ];
    for (tight, loose, key) in cases {
        let (c, v, err) = case.check_with(&format!("[thresholds]\n{tight}\n"), &[]);
        assert_eq!(c, 1, "{tight} must fail the demo: {err}");
        assert_eq!(thresholds_breached(&v), [key], "{tight}");
        assert_eq!(v["gate"]["verdict"], "fail");
        for b in breaches(&v) {
            let (limit, value) = (
                b["limit"].as_f64().expect("limit"),
                b["value"].as_f64().expect("value"),
            );
            assert!(value > limit, "{tight}: a breach is over its limit: {b}");
        }
        assert!(
            err.contains("FAIL"),
            "{tight}: the verdict line on stderr: {err}"
        );

        let (c, v, err) = case.check_with(&format!("[thresholds]\n{loose}\n"), &[]);
        assert_eq!(c, 0, "{loose} must pass the demo: {err}");
        assert!(breaches(&v).is_empty(), "{loose}");
        assert_eq!(v["gate"]["verdict"], "pass");
    }
}

/// The threshold of unused high-risk permissions counts each identity's
/// unused high-risk permissions, as its finding states.
#[test]
fn unused_high_risk_breach_holds_the_identity_and_its_count() {
    let case = Case::new();
    let (_, v, _) = case.check_with("[thresholds]\nmax_unused_high_risk = 0\n", &[]);
    let b = breaches(&v)
        .into_iter()
        .find(|b| b["identity"] == "arn:aws:iam::111122223333:role/BreakGlassAdmin")
        .expect("BreakGlassAdmin breaches it");
    let f = finding(
        &v,
        "BreakGlassAdmin",
        "111122223333",
        "unused-high-risk-permissions",
    );
    assert_eq!(b["value"].as_f64(), f["permissions_total"].as_f64());
}

/// The demo's Azure subscriptions.
const AZURE_PROD: &str = "11111111-1111-4111-8111-111111111111";
const AZURE_DEV: &str = "22222222-2222-4222-8222-222222222222";

/// Per-system thresholds: the first `[[systems]]` whose `match` (an ID or a
/// glob) matches a system overrides the thresholds it names; AWS accounts and
/// GCP projects alike.
#[test]
fn thresholds_per_system_by_id_and_glob() {
    let case = Case::new();
    let base = "[thresholds]\nmax_identity_pci = 99\n";
    let (c, v, _) = case.check_with(base, &[]);
    assert_eq!(c, 1);
    assert_eq!(
        systems_breached(&v),
        [
            AZURE_PROD,
            "111122223333",
            AZURE_DEV,
            "acme-data",
            "acme-prod"
        ]
    );

    // Globs over the GCP projects and the Azure subscriptions relax them;
    // the AWS account still fails.
    let (c, v, _) = case.check_with(
        &format!(
            "{base}[[systems]]\nmatch = \"acme-*\"\n[systems.thresholds]\nmax_identity_pci = 100\n\
             [[systems]]\nmatch = \"????????-*\"\n[systems.thresholds]\nmax_identity_pci = 100\n"
        ),
        &[],
    );
    assert_eq!(c, 1);
    assert_eq!(systems_breached(&v), ["111122223333"]);

    // An exact account ID relaxes the AWS account; the first match wins, so
    // the later `*` does not apply to it.
    let (c, v, _) = case.check_with(
        &format!(
            "{base}[[systems]]\nmatch = \"111122223333\"\n[systems.thresholds]\nmax_identity_pci = 100\n\
             [[systems]]\nmatch = \"*\"\n[systems.thresholds]\nmax_identity_pci = 50\n"
        ),
        &[],
    );
    assert_eq!(c, 1);
    assert_eq!(
        systems_breached(&v),
        [AZURE_PROD, AZURE_DEV, "acme-data", "acme-prod"]
    );
    assert!(
        breaches(&v).iter().all(|b| b["limit"] == 50.0),
        "the `*` entry sets the GCP projects' and Azure subscriptions' limit"
    );

    // Every system relaxed: pass.
    let (c, _, _) = case.check_with(
        &format!(
            "{base}[[systems]]\nmatch = \"*\"\n[systems.thresholds]\nmax_identity_pci = 100\n"
        ),
        &[],
    );
    assert_eq!(c, 0);
}

#[test]
fn ignored_identities_leave_the_audit_and_the_gate() {
    let case = Case::new();
    let toml = "[thresholds]\nno_new_super_identity = true\n[ignore]\nidentities = [\n  \"arn:aws:iam::*:role/BreakGlassAdmin\",\n  \"alice\",\n]\n";
    let (_, v, _) = case.check_with(toml, &[]);
    let names: Vec<&str> = v["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert!(!names.contains(&"BreakGlassAdmin") && !names.contains(&"alice"));
    assert!(names.contains(&"OrganizationAccountAccessRole"));
    assert_eq!(
        v["ignored_identities"],
        serde_json::json!([
            "arn:aws:iam::111122223333:role/BreakGlassAdmin",
            "arn:aws:iam::111122223333:user/alice"
        ])
    );
    let supers: Vec<&str> = breaches(&v)
        .iter()
        .filter_map(|b| b["identity"].as_str())
        .collect();
    assert!(
        !supers
            .iter()
            .any(|s| s.ends_with("BreakGlassAdmin") || s.ends_with("alice"))
    );
}

const SUPPRESS: &str = "[thresholds]\nno_new_super_identity = true\n\n[[suppress]]\nfinding = \"super-identity\"\nidentity = \"arn:aws:iam::111122223333:role/BreakGlassAdmin\"\nreason = \"break-glass role, MFA and alerting\"\n";

#[test]
fn a_suppression_accepts_one_finding_with_its_reason() {
    let case = Case::new();
    let (c, v, _) = case.check_with(SUPPRESS, &[]);
    assert_eq!(c, 1, "other super identities still fail");
    let who: Vec<&str> = breaches(&v)
        .iter()
        .filter_map(|b| b["identity"].as_str())
        .collect();
    assert!(
        !who.iter().any(|s| s.ends_with("BreakGlassAdmin")),
        "{who:?}"
    );
    assert!(who.iter().any(|s| s.ends_with("user/alice")), "{who:?}");
    let f = finding(&v, "BreakGlassAdmin", "111122223333", "super-identity");
    assert_eq!(
        f["suppressed"]["reason"],
        "break-glass role, MFA and alerting"
    );
    assert_eq!(f["suppressed"]["by"], "permgap-test.toml:4");
    // Its other findings are not suppressed.
    assert!(
        finding(&v, "BreakGlassAdmin", "111122223333", "inactive-identity")["suppressed"].is_null()
    );
    assert_eq!(v["gate"]["findings_suppressed"], 1);
}

#[test]
fn an_expired_suppression_accepts_nothing_and_is_reported() {
    let case = Case::new();
    let (c, v, err) = case.check_with(&format!("{SUPPRESS}expires = \"2001-01-31\"\n"), &[]);
    assert_eq!(c, 1);
    assert!(
        breaches(&v)
            .iter()
            .any(|b| b["identity"] == "arn:aws:iam::111122223333:role/BreakGlassAdmin"),
        "the expired suppression no longer holds"
    );
    let expired = v["gate"]["expired_suppressions"]
        .as_array()
        .expect("expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["expires"], "2001-01-31");
    assert!(
        expired[0]["suppression"]
            .as_str()
            .expect("s")
            .starts_with("permgap-test.toml:4")
    );
    assert!(err.contains("1 suppression(s) expired"), "{err}");
    assert!(
        finding(&v, "BreakGlassAdmin", "111122223333", "super-identity")["suppressed"].is_null()
    );

    // Not yet expired: it holds.
    let (_, v, _) = case.check_with(&format!("{SUPPRESS}expires = \"2999-12-31\"\n"), &[]);
    assert!(v["gate"].get("expired_suppressions").is_none());
    assert!(
        !breaches(&v)
            .iter()
            .any(|b| b["identity"] == "arn:aws:iam::111122223333:role/BreakGlassAdmin")
    );

    // The table says so too.
    let cfg = case.write("exp.toml", &format!("{SUPPRESS}expires = \"2001-01-31\"\n"));
    let o = case.run(&[
        "check",
        "demo.json",
        "--as-of",
        AS_OF,
        "--config",
        &cfg,
        "--color",
        "never",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Expired suppressions"), "{out}");
    assert!(out.contains("2001-01-31"), "{out}");
}

#[test]
fn a_suppression_that_matches_nothing_is_reported() {
    let case = Case::new();
    let (c, v, _) = case.check_with(
        "[thresholds]\n[[suppress]]\nfinding = \"super-identity\"\nidentity = \"arn:aws:iam::111122223333:user/nobody\"\nreason = \"left over\"\n",
        &[],
    );
    assert_eq!(c, 0);
    let un = v["gate"]["unmatched_suppressions"]
        .as_array()
        .expect("unmatched");
    assert_eq!(un.len(), 1);
    assert_eq!(un[0]["reason"], "left over");
}

/// A baseline accepts what it holds: the same findings pass, a new one fails.
#[test]
fn a_baseline_passes_old_findings_and_fails_new_ones() {
    let case = Case::new();
    let o = case.run(&["baseline", "demo.json", "--as-of", AS_OF, "-o", "base.json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let base: Value = serde_json::from_slice(&std::fs::read(case.path("base.json")).expect("read"))
        .expect("baseline JSON");
    assert_eq!(base["permgap_baseline"], 1);

    // The default thresholds fail the demo; its own baseline passes it.
    assert_eq!(case.check(&[]).0, 1);
    let (c, v, err) = case.check(&["--baseline", "base.json"]);
    assert_eq!(c, 0, "{err}");
    // Every finding of the demo is in its baseline.
    let all: usize = v["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| i["findings"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(all > 50, "{all}");
    assert_eq!(v["gate"]["findings_baselined"], all);
    assert_eq!(
        finding(&v, "alice", "111122223333", "super-identity")["baseline"],
        "unchanged"
    );

    // A shorter window makes carol inactive in acme-data: a new finding.
    let medium = "[thresholds]\nmax_findings = { medium = 0 }\n";
    let (c, v, _) = case.check_with(medium, &["--baseline", "base.json", "--window", "30"]);
    assert_eq!(c, 1);
    assert_eq!(thresholds_breached(&v), ["max_findings.medium"]);
    assert_eq!(systems_breached(&v), ["acme-data"]);
    assert_eq!(v["gate"]["findings_counted"]["medium"], 1);
    assert_eq!(
        finding(&v, "carol@acme.example", "acme-data", "inactive-identity")["baseline"],
        "new"
    );

    // A super identity that the baseline left out (ignored then) is new.
    let cfg = case.write(
        "ignore.toml",
        "[ignore]\nidentities = [\"BreakGlassAdmin\"]\n",
    );
    let o = case.run(&[
        "baseline",
        "demo.json",
        "--as-of",
        AS_OF,
        "--config",
        &cfg,
        "-o",
        "b2.json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (c, v, _) = case.check_with(
        "[thresholds]\nno_new_super_identity = true\n",
        &["--baseline", "b2.json"],
    );
    assert_eq!(c, 1);
    let who: Vec<&str> = breaches(&v)
        .iter()
        .filter_map(|b| b["identity"].as_str())
        .collect();
    assert_eq!(who, ["arn:aws:iam::111122223333:role/BreakGlassAdmin"]);
}

/// A number over its limit counts only when the baseline does not hold it
/// at that number or higher.
#[test]
fn a_baseline_excuses_numbers_it_holds_and_not_worse_ones() {
    let case = Case::new();
    // Baseline with the 90-day window; check with a 30-day one, where some
    // identities use less, so their PCI grows.
    let o = case.run(&[
        "baseline",
        "demo.json",
        "--as-of",
        AS_OF,
        "--window",
        "90",
        "-o",
        "base.json",
    ]);
    assert_eq!(code(&o), 0);
    let (c, _, _) = case.check_with(
        "[thresholds]\nmax_identity_pci = 10\n",
        &["--baseline", "base.json", "--window", "90"],
    );
    assert_eq!(c, 0, "every PCI is as in the baseline");
    let (c, v, _) = case.check_with(
        "[thresholds]\nmax_identity_pci = 10\n",
        &["--baseline", "base.json", "--window", "30"],
    );
    assert_eq!(c, 1, "some PCI grew past the baseline");
    for b in breaches(&v) {
        assert_eq!(b["threshold"], "max_identity_pci");
    }
}

fn partial_snapshot(case: &Case) -> String {
    let trail = case.path("trail");
    std::fs::create_dir_all(&trail).expect("mkdir");
    std::fs::write(
        trail.join("broken.json.gz"),
        b"\x1f\x8b\x08\x00 not really gzip",
    )
    .expect("write");
    let gaad =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/aws/authorization-details.json");
    let o = case.run(&[
        "import",
        "aws",
        "--authorization-details",
        &gaad.to_string_lossy(),
        "--cloudtrail",
        "trail",
        "--output",
        "partial.json",
    ]);
    assert_eq!(code(&o), 3, "the import is partial: {}", stderr(&o));
    "partial.json".into()
}

/// Exit 3 when the data is partial and the configuration says so, 0 when it
/// allows it, and 1 (over 3) when a threshold is breached as well.
#[test]
fn partial_data_exit_codes() {
    let case = Case::new();
    let snap = partial_snapshot(&case);
    let run = |toml: &str| {
        let cfg = case.write("p.toml", toml);
        let o = case.run(&[
            "check", &snap, "--as-of", AS_OF, "--config", &cfg, "--format", "json",
        ]);
        let v: Value = common::report(&o.stdout);
        (code(&o), v, stderr(&o))
    };
    let (c, v, err) = run("[gate]\nfail_on_partial = true\n[thresholds]\n");
    assert_eq!(c, 3, "{err}");
    assert_eq!(v["gate"]["verdict"], "partial");
    assert!(err.contains("PARTIAL"), "{err}");
    let (c, v, _) = run("[gate]\nfail_on_partial = false\n[thresholds]\n");
    assert_eq!(c, 0);
    assert_eq!(v["gate"]["verdict"], "pass");
    assert_eq!(v["partial"], true);
    let (c, v, _) =
        run("[gate]\nfail_on_partial = true\n[thresholds]\nno_new_super_identity = true\n");
    assert_eq!(c, 1, "a breach is exit 1 even on partial data");
    assert_eq!(v["gate"]["verdict"], "fail");
}

/// The exit code is one table for every format, and `--output` still
/// prints the verdict on stderr.
#[test]
fn the_format_never_changes_the_exit_code() {
    let case = Case::new();
    let base = case.write("pass.toml", "[thresholds]\nmax_identity_pci = 100\n");
    for format in FORMATS {
        for (cfg, want) in [(None, 1), (Some(base.as_str()), 0)] {
            let mut args = vec!["check", "demo.json", "--as-of", AS_OF, "--format", format];
            if let Some(c) = cfg {
                args.extend(["--config", c]);
            }
            let o = case.run(&args);
            assert_eq!(code(&o), want, "{format} {cfg:?}: {}", stderr(&o));
            assert!(!o.stdout.is_empty(), "{format}: the report on stdout");
            let out = format!("out.{format}");
            args.extend(["--output", out.as_str()]);
            let o = case.run(&args);
            assert_eq!(code(&o), want, "{format} -o");
            assert!(o.stdout.is_empty(), "{format} -o: nothing on stdout");
            let line = stderr(&o);
            assert_eq!(
                line.lines().count(),
                1,
                "{format}: one verdict line: {line}"
            );
            assert!(
                line.starts_with(if want == 1 {
                    "permgap check: FAIL"
                } else {
                    "permgap check: PASS"
                }),
                "{format}: {line}"
            );
            assert!(std::fs::metadata(case.path(&out)).expect("written").len() > 100);
        }
    }
}

/// `--check` on `demo` (and `scan`) gates as `check` does; its options
/// without `--check` are a usage error.
#[test]
fn check_on_demo_and_scan() {
    let case = Case::new();
    let o = case.run(&["demo", "--check", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: Value = common::report(&o.stdout);
    assert_eq!(v["gate"]["verdict"], "fail");
    let cfg = case.write("pass.toml", "[thresholds]\n");
    let o = case.run(&["demo", "--config", &cfg]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--check"), "{}", stderr(&o));
    // Refused before anything is collected: no cloud is reached.
    for cloud in ["aws", "gcp"] {
        let o = case.run(&["scan", cloud, "--baseline", "base.json"]);
        assert_eq!(code(&o), 2, "scan {cloud}: {}", stderr(&o));
    }
    let o = case.run(&["demo", "--check", "--config", &cfg, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// Exit 2 for a bad configuration, naming the file, the line and the key.
#[test]
fn bad_configurations_exit_2_naming_line_and_key() {
    let case = Case::new();
    let cases = [
        (
            "[thresholds]\nmax_identity_pci = 120\n",
            "permgap-test.toml:2: thresholds.max_identity_pci",
        ),
        (
            "[thresholds]\nmax_identity_gap_ratio = 1.5\n",
            "permgap-test.toml:2: thresholds.max_identity_gap_ratio",
        ),
        ("[thresholds]\nmax_pci = 3\n", "permgap-test.toml:2"),
        (
            "[audit]\nwindow_days = 0\n",
            "permgap-test.toml:2: audit.window_days",
        ),
        (
            "[[suppress]]\nfinding = \"no-such-finding\"\nidentity = \"x\"\nreason = \"r\"\n",
            "permgap-test.toml:2: suppress[0].finding",
        ),
        (
            "[[suppress]]\nfinding = \"super-identity\"\nidentity = \"x\"\n",
            "permgap-test.toml:1: [[suppress]]: missing field `reason`",
        ),
        (
            "[[suppress]]\nfinding = \"super-identity\"\nidentity = \"x\"\nreason = \"\"\n",
            "permgap-test.toml:4: suppress[0].reason",
        ),
        (
            "[[suppress]]\nfinding = \"super-identity\"\nidentity = \"x\"\nreason = \"r\"\nexpires = \"2026-02-30\"\n",
            "permgap-test.toml:5: suppress[0].expires",
        ),
        (
            "[ignore]\nidentities = [\"role/[a\"]\n",
            "permgap-test.toml:2: ignore.identities",
        ),
        (
            "[[systems]]\nmatch = \"a\"\n[systems.thresholds]\nmax_system_pci = -1\n",
            "permgap-test.toml:4: systems[0].thresholds.max_system_pci",
        ),
        ("this is not toml\n", "permgap-test.toml:1"),
    ];
    for (toml, want) in cases {
        let (c, err) = {
            let cfg = case.write("permgap-test.toml", toml);
            let o = case.run(&["check", "demo.json", "--config", &cfg]);
            (code(&o), stderr(&o))
        };
        assert_eq!(c, 2, "{toml:?}: {err}");
        assert!(err.contains(want), "{toml:?}: want {want:?} in: {err}");
    }
    // A configuration that does not exist, and a bad baseline.
    let o = case.run(&["check", "demo.json", "--config", "missing.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
    case.write("bad-base.json", "{\"hello\": 1}");
    let o = case.run(&["check", "demo.json", "--baseline", "bad-base.json"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("bad-base.json") && err.contains("permgap baseline"),
        "{err}"
    );
}

/// `./permgap.toml` is read when it exists and `--config` is not given.
#[test]
fn permgap_toml_in_the_working_directory_is_the_default() {
    let case = Case::new();
    let (_, v, _) = case.check(&[]);
    assert_eq!(v["gate"]["config"], "built-in defaults");
    case.write("permgap.toml", "[thresholds]\nmax_identity_pci = 100\n");
    let (c, v, _) = case.check(&[]);
    assert_eq!(c, 0);
    assert_eq!(v["gate"]["config"], "permgap.toml");
}

#[test]
fn init_writes_the_annotated_defaults_and_never_overwrites() {
    let case = Case::new();
    let o = case.run(&["init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(case.path("permgap.toml")).expect("written");
    assert!(text.contains("[[suppress]]") && text.contains("fail_on_partial"));
    // It is the built-in defaults: same verdict and breaches.
    let (c1, v1, _) = case.check(&["--config", "permgap.toml"]);
    std::fs::remove_file(case.path("permgap.toml")).expect("rm");
    let (c2, v2, _) = case.check(&[]);
    assert_eq!((c1, breaches(&v1).len()), (c2, breaches(&v2).len()));
    case.write("permgap.toml", "# mine\n");
    let o = case.run(&["init"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        std::fs::read_to_string(case.path("permgap.toml")).expect("read"),
        "# mine\n"
    );
    let o = case.run(&["init", "--force"]);
    assert_eq!(code(&o), 0);
    assert_ne!(
        std::fs::read_to_string(case.path("permgap.toml")).expect("read"),
        "# mine\n"
    );
}

#[test]
fn diff_of_snapshots_and_reports() {
    let case = Case::new();
    // A report with two identities ignored, against the snapshot.
    let cfg = case.write(
        "ignore.toml",
        "[thresholds]\n[ignore]\nidentities = [\"BreakGlassAdmin\", \"dave@acme.example\"]\n",
    );
    let o = case.run(&[
        "check",
        "demo.json",
        "--as-of",
        AS_OF,
        "--config",
        &cfg,
        "--format",
        "json",
        "-o",
        "old.json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = case.run(&[
        "diff",
        "old.json",
        "demo.json",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d: Value = serde_json::from_slice(&o.stdout).expect("diff JSON");
    let added: Vec<&str> = d["identities_added"]
        .as_array()
        .expect("added")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert_eq!(added, ["BreakGlassAdmin", "dave@acme.example"]);
    assert!(
        d["identities_removed"]
            .as_array()
            .expect("removed")
            .is_empty()
    );

    // A 30-day window against 90 days: carol's inactive finding goes, PCIs change.
    let o = case.run(&[
        "demo", "--window", "30", "--format", "json", "-o", "w30.json",
    ]);
    assert_eq!(code(&o), 0);
    let o = case.run(&[
        "diff",
        "w30.json",
        "demo.json",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let d: Value = serde_json::from_slice(&o.stdout).expect("diff JSON");
    let carol = d["identities_changed"]
        .as_array()
        .expect("changed")
        .iter()
        .find(|c| c["id"] == "projects/acme-data/members/user:carol@acme.example")
        .expect("carol changed");
    assert_eq!(
        carol["findings_resolved"],
        serde_json::json!(["inactive-identity"])
    );
    assert_ne!(carol["old_pci"], carol["new_pci"]);

    // The same on both sides: nothing changed; the text says so.
    let o = case.run(&["diff", "demo.json", "demo.json", "--as-of", AS_OF]);
    assert_eq!(code(&o), 0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("0 identities added, 0 removed, 0 changed"),
        "{text}"
    );

    // A baseline is neither: exit 2, saying what to give.
    case.run(&["baseline", "demo.json", "--as-of", AS_OF, "-o", "base.json"]);
    let o = case.run(&["diff", "base.json", "demo.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is a baseline"), "{}", stderr(&o));
}
