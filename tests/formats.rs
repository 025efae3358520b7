//! Every output format on the demo organisation: golden files (insta), the
//! SARIF validated against the official SARIF 2.1.0 schema (vendored in
//! tests/sarif/), the CSV read back, and the HTML loaded in headless
//! Chromium (Debian's `chromium`, which scripts/test.sh installs), whose
//! rendered DOM and screenshot are checked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const AS_OF: &str = "2026-11-01T00:00:00Z";
const SARIF_SCHEMA_SHA256: &str =
    "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e";

mod common;
use common::permgap_in;

fn demo(format: &str) -> String {
    let o = permgap_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["demo", "--format", format],
    );
    assert_eq!(o.status.code(), Some(0), "demo --format {format}");
    String::from_utf8(o.stdout).expect("UTF-8")
}

/// `check` of the demo with a configuration that suppresses one finding and
/// a baseline that lacks one identity (so some findings are new), in `format`.
fn gated(format: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let run = |args: &[&str]| permgap_in(d, args);
    assert_eq!(
        run(&[
            "-q",
            "demo",
            "--save-snapshot",
            "demo.json",
            "--format",
            "csv"
        ])
        .status
        .code(),
        Some(0)
    );
    std::fs::write(
        d.join("ignore.toml"),
        "[ignore]\nidentities = [\"alice\"]\n",
    )
    .expect("write");
    let o = run(&[
        "baseline",
        "demo.json",
        "--as-of",
        AS_OF,
        "--config",
        "ignore.toml",
        "-o",
        "base.json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(
        d.join("permgap.toml"),
        "[thresholds]\nno_new_super_identity = true\nmax_system_pci = 90\n\n[[suppress]]\nfinding = \"super-identity\"\nidentity = \"arn:aws:iam::111122223333:role/BreakGlassAdmin\"\nreason = \"break-glass role, MFA and alerting\"\nexpires = \"2999-12-31\"\n",
    )
    .expect("write");
    let o = run(&[
        "check",
        "demo.json",
        "--as-of",
        AS_OF,
        "--baseline",
        "base.json",
        "--format",
        format,
        "--color",
        "never",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the gate fails: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8")
}

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let bytes = std::fs::read(&path).expect("the vendored SARIF schema");
    let schema: Value = serde_json::from_slice(&bytes).expect("schema JSON");
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .take(20)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF 2.1.0 schema errors: {errors:#?}");
    v
}

#[test]
fn the_vendored_sarif_schema_is_the_pinned_one() {
    // A hand-rolled SHA-256 would be code to trust; the schema's identity
    // is its `id` and size, and its digest is recorded in tests/sarif/README.md.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif");
    let readme = std::fs::read_to_string(path.join("README.md")).expect("README");
    assert!(readme.contains(SARIF_SCHEMA_SHA256));
    let schema: Value = serde_json::from_slice(
        &std::fs::read(path.join("sarif-schema-2.1.0.json")).expect("schema"),
    )
    .expect("JSON");
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
}

#[test]
fn the_sarif_validator_rejects_what_the_schema_forbids() {
    let validator = sarif_validator();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
    assert!(
        !validator.is_valid(&bad),
        "a driver without a name is invalid"
    );
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal", "message": {"text": "m"}}]}]});
    assert!(!validator.is_valid(&bad), "an unknown level is invalid");
}

#[test]
fn sarif_golden_is_valid_and_shaped_for_code_scanning() {
    let text = demo("sarif");
    let v = assert_valid_sarif(&text);
    insta::assert_snapshot!("demo_sarif", text);

    let report: Value = common::report(demo("json").as_bytes());
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(
        runs.len(),
        report["systems"].as_array().expect("systems").len()
    );
    let mut ids = HashSet::new();
    let mut fingerprints = HashSet::new();
    let mut results = 0;
    for run in runs {
        let auto = run["automationDetails"]["id"]
            .as_str()
            .expect("automationDetails.id");
        assert!(
            auto.starts_with("permgap/") && auto.ends_with('/'),
            "{auto}"
        );
        assert!(
            ids.insert(auto.to_string()),
            "one automationDetails.id per system"
        );
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        for r in rules {
            let sev: f64 = r["properties"]["security-severity"]
                .as_str()
                .expect("security-severity")
                .parse()
                .expect("a number");
            assert!((0.0..=10.0).contains(&sev));
            assert!(
                r["help"]["markdown"]
                    .as_str()
                    .expect("help")
                    .contains("How to fix it")
            );
        }
        let system = run["properties"]["system"].as_str().expect("system");
        for res in run["results"].as_array().expect("results") {
            results += 1;
            let i = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(
                rules[i]["id"], res["ruleId"],
                "ruleIndex points at its rule"
            );
            let loc = &res["locations"][0];
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("a physical location");
            assert!(
                uri.starts_with(&format!("permgap-findings/{system}/")),
                "{uri}"
            );
            let identity = loc["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .expect("the identity");
            let fp = res["partialFingerprints"]["permgapFinding/v1"]
                .as_str()
                .expect("fingerprint");
            assert!(fp.starts_with(&format!(
                "{}|{identity}",
                res["ruleId"].as_str().expect("id")
            )));
            assert!(
                fingerprints.insert(fp.to_string()),
                "fingerprints are unique: {fp}"
            );
        }
    }
    let findings: usize = report["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| i["findings"].as_array().expect("findings").len())
        .sum();
    assert_eq!(results, findings, "one result per finding");
}

#[test]
fn gated_sarif_marks_suppressions_and_baseline_state() {
    let text = gated("sarif");
    let v = assert_valid_sarif(&text);
    insta::assert_snapshot!("check_sarif", text);
    let results: Vec<&Value> = v["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|r| r["results"].as_array().expect("results"))
        .collect();
    let suppressed: Vec<&&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "break-glass role, MFA and alerting"
    );
    let new: Vec<&str> = results
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .map(|r| {
            r["locations"][0]["logicalLocations"][0]["name"]
                .as_str()
                .expect("name")
        })
        .collect();
    assert!(
        !new.is_empty() && new.iter().all(|n| *n == "alice"),
        "{new:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r["baselineState"] == "new" || r["baselineState"] == "unchanged")
    );
    let aws = &v["runs"][0]["properties"]["gate"];
    assert_eq!(aws["verdict"], "fail");
    assert!(!aws["breaches"].as_array().expect("breaches").is_empty());
}

#[test]
fn csv_golden_reads_back_one_row_per_identity_and_per_finding() {
    let text = demo("csv");
    insta::assert_snapshot!("demo_csv", text);
    let report: Value = common::report(demo("json").as_bytes());
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (record, id, pci, finding) = (
        col("record"),
        col("identity_id"),
        col("pci"),
        col("finding_id"),
    );
    let mut identities = 0;
    let mut findings = 0;
    for row in rd.records() {
        let row = row.expect("a well-formed row");
        assert_eq!(row.len(), headers.len());
        match &row[record] {
            "identity" => {
                identities += 1;
                let want = report["identities"]
                    .as_array()
                    .expect("identities")
                    .iter()
                    .find(|i| i["id"] == row[id])
                    .expect("an identity of the report");
                assert_eq!(row[pci], want["pci"].to_string());
            }
            "finding" => {
                findings += 1;
                assert!(!row[finding].is_empty());
            }
            other => panic!("unknown record kind {other}"),
        }
    }
    let ids = report["identities"].as_array().expect("identities");
    assert_eq!(identities, ids.len());
    assert_eq!(
        findings,
        ids.iter()
            .map(|i| i["findings"].as_array().expect("f").len())
            .sum::<usize>()
    );
}

#[test]
fn markdown_goldens() {
    let plain = demo("markdown");
    assert!(plain.starts_with("## permgap audit"));
    insta::assert_snapshot!("demo_markdown", plain);
    let gated = gated("markdown");
    assert!(gated.starts_with("## ❌ permgap check failed"), "{gated}");
    assert!(gated.contains("`no_new_super_identity`: alice"), "{gated}");
    // GitHub limits a step summary to 1 MiB; a comment to 65,536 characters.
    assert!(gated.len() < 65_536);
    insta::assert_snapshot!("check_markdown", gated);
}

#[test]
fn table_golden_of_the_gate() {
    insta::assert_snapshot!("check_table", gated("table"));
}

#[test]
fn html_golden_is_self_contained() {
    let html = demo("html");
    for banned in ["http://", "https://", "<link", "src=\"", "@import", "url("] {
        assert!(
            !html.contains(banned),
            "the HTML must not reach out: found {banned}"
        );
    }
    assert!(html.contains("Content-Security-Policy"));
    insta::assert_snapshot!("demo_html", html);
}

// ---- headless Chromium ----

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PERMGAP_TEST_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let default = Path::new("/usr/bin/chromium");
    if default.exists() {
        return Some(default.to_path_buf());
    }
    if std::env::var_os("PERMGAP_SKIP_BROWSER").is_some() {
        return None;
    }
    panic!(
        "the HTML test needs Debian's chromium: run `bash scripts/test.sh`, which installs it, \
         or set PERMGAP_SKIP_BROWSER=1 to skip it"
    )
}

/// Runs headless Chromium on `url` with `extra` (`--dump-dom`, `--screenshot=...`).
fn browse(chromium: &Path, profile: &Path, url: &str, extra: &[&str]) -> Output {
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The cells of one column of the rendered identity table, in DOM order.
fn column(dom: &str, col: usize) -> Vec<String> {
    let body = dom
        .split("<table id=\"identities\"")
        .nth(1)
        .and_then(|t| t.split("<tbody>").nth(1))
        .and_then(|t| t.split("</tbody>").next())
        .expect("the identity table");
    body.split("<tr ")
        .skip(1)
        .map(|row| {
            let cell = row.split("<td").nth(col + 1).expect("cell");
            // `data-v` holds the sort key; else the text.
            match cell.split("data-v=\"").nth(1) {
                Some(v) => v.split('"').next().unwrap_or_default().to_string(),
                None => cell
                    .split('>')
                    .nth(1)
                    .and_then(|t| t.split('<').next())
                    .unwrap_or_default()
                    .to_string(),
            }
        })
        .collect()
}

#[test]
fn html_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("PERMGAP_SKIP_BROWSER set: the HTML is not rendered");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, gated("html")).expect("write");
    let report: Value = common::report(demo("json").as_bytes());
    let n = report["identities"].as_array().expect("identities").len();
    let url = format!("file://{}", page.display());

    // The script ran: the table is sorted by PCI, highest first.
    let o = browse(&chromium, &dir.path().join("p1"), &url, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("data-ready=\"1\""), "the page's script ran");
    assert!(dom.contains("data-sorted=\"pci-desc\""));
    let pci: Vec<u32> = column(&dom, 3)
        .iter()
        .map(|s| s.parse().expect("PCI"))
        .collect();
    assert_eq!(pci.len(), n, "every identity has a row");
    assert!(
        pci.windows(2).all(|w| w[0] >= w[1]),
        "sorted by PCI: {pci:?}"
    );
    assert!(dom.contains("data-verdict=\"fail\""));
    // The charts: five systems (an AWS account, two Azure subscriptions,
    // two GCP projects), ten PCI buckets holding every identity.
    assert_eq!(dom.matches("<div class=\"system\"").count(), 5);
    let counts: usize = dom
        .split("class=\"bucket\" data-count=\"")
        .skip(1)
        .map(|s| {
            s.split('"')
                .next()
                .expect("count")
                .parse::<usize>()
                .expect("n")
        })
        .sum();
    assert_eq!(counts, n);

    // Sorting by another column, asked in the address.
    let o = browse(
        &chromium,
        &dir.path().join("p2"),
        &format!("{url}#sort=name-asc"),
        &["--dump-dom"],
    );
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("data-sorted=\"name-asc\""));
    let names: Vec<String> = column(&dom, 0).iter().map(|s| s.to_lowercase()).collect();
    assert_eq!(names.len(), n);
    assert!(
        names.windows(2).all(|w| w[0] <= w[1]),
        "sorted by name: {names:?}"
    );

    // A screenshot: drawn, with the charts' colours on it.
    let shot = dir.path().join("shot.png");
    browse(
        &chromium,
        &dir.path().join("p3"),
        &url,
        &[
            "--window-size=1280,1600",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("png"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!((info.width, info.height), (1280, 1600));
    let px = info.color_type.samples();
    let bytes = &buf[..info.buffer_size()];
    let mut colours = HashSet::new();
    let (mut non_white, mut red, mut green) = (0usize, 0usize, 0usize);
    for p in bytes.chunks(px) {
        let (r, g, b) = (p[0], p[1], p[2]);
        colours.insert((r, g, b));
        if (r, g, b) != (255, 255, 255) {
            non_white += 1;
        }
        if (r, g, b) == (0xcf, 0x22, 0x2e) {
            red += 1;
        }
        if (r, g, b) == (0x2d, 0xa4, 0x4e) {
            green += 1;
        }
    }
    let total = bytes.len() / px;
    assert!(
        colours.len() > 50,
        "more than a blank page: {} colours",
        colours.len()
    );
    assert!(non_white * 20 > total, "at least 5% of the page drawn");
    assert!(
        red > 2_000,
        "the unused bars and high-PCI badges are drawn: {red} red pixels"
    );
    assert!(
        green > 500,
        "the low-PCI bars are drawn: {green} green pixels"
    );
}
