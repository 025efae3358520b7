//! The SARIF 2.1.0 renderer, shaped for GitHub code scanning.
//!
//! - One run per system (account, project), each with its own
//!   `automationDetails.id` (`permgap/<cloud>/<system>/`), so audits of
//!   several systems upload side by side and an alert closes only when its
//!   own system's run no longer holds it.
//! - The run's rules are the findings registry's kinds for its cloud: stable
//!   ID, name, descriptions, help (what it flags, why, how to fix),
//!   default level and `properties.security-severity`.
//! - Each finding is one result with the identity as its logical location
//!   and a generated physical location, `permgap-findings/<system>/<identity>`
//!   (GitHub hides results without one), where `<identity>` is the part of
//!   the identity's ID after its system (`role/deploy`,
//!   `members/serviceAccount:ci@p.iam.gserviceaccount.com`).
//! - `partialFingerprints` hold the finding ID and the identity ID (and the
//!   policy, for a policy finding, and the scope where the finding names one:
//!   an Azure role at two scopes is two alerts), so an alert persists across
//!   runs.
//! - The gate's marks become `suppressions` (external, with the reason) and
//!   `baselineState`; its verdict and breaches sit in the run's properties.

use std::io::Write;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

use super::{IdentityReport, Report, SystemReport};
use crate::analysis::findings::{FindingKind, REGISTRY, Severity};
use crate::gate::BaselineState;

/// The schema's published address (OASIS errata 01), as SARIF files name it.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where every generated physical location lives.
pub const FINDINGS_ROOT: &str = "permgap-findings";

/// Kept readable: `/`, `:` and `@` stay, anything a path or URI would
/// misread is escaped.
const PATH_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's scale: 9.0 and over critical, 7.0 high, 4.0 medium, 0.1 low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
    }
}

/// `inactive-identity` → `InactiveIdentity`.
fn rule_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule(kind: &FindingKind) -> Value {
    json!({
        "id": kind.id,
        "name": rule_name(kind.id),
        "shortDescription": { "text": kind.title },
        "fullDescription": { "text": kind.what },
        "help": {
            "text": format!(
                "{}\n\nWhy it matters: {}\n\nHow to fix it: {}\n\n`permgap explain {}` prints this page.",
                kind.what, kind.why, kind.fix, kind.id
            ),
            "markdown": format!(
                "**What it flags.** {}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n\n`permgap explain {}` prints this page.",
                kind.what, kind.why, kind.fix, kind.id
            ),
        },
        "defaultConfiguration": { "level": level(kind.severity) },
        "properties": {
            "security-severity": security_severity(kind.severity),
            "tags": ["security", "iam", "least-privilege"],
            "precision": "high",
        },
    })
}

/// The identity's part of its physical location: its ID after the system.
pub fn identity_path(system: &str, id: &str) -> String {
    let rest = id
        .find(system)
        .filter(|_| !system.is_empty())
        .map(|at| &id[at + system.len()..])
        .map(|r| r.trim_start_matches([':', '/']))
        .filter(|r| !r.is_empty())
        .unwrap_or(id);
    format!(
        "{FINDINGS_ROOT}/{}/{}",
        utf8_percent_encode(system, PATH_ESCAPE)
            .to_string()
            .replace('/', "%2F"),
        utf8_percent_encode(rest, PATH_ESCAPE)
    )
}

fn results(ident: &IdentityReport, rules: &[&FindingKind], gated: bool) -> Vec<Value> {
    let uri = identity_path(&ident.system, &ident.id);
    ident
        .findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|k| k.id == f.id);
            let mut fingerprint = format!("{}|{}", f.id, ident.id);
            if let Some(p) = &f.policy {
                fingerprint.push('|');
                fingerprint.push_str(p);
            }
            if let Some(s) = &f.scope {
                fingerprint.push('|');
                fingerprint.push_str(s);
            }
            let mut r = json!({
                "ruleId": f.id,
                "level": level(f.severity),
                "message": { "text": format!("{} ({}): {}", ident.name, ident.id, f.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": { "startLine": 1 },
                    },
                    "logicalLocations": [{
                        "name": ident.name,
                        "fullyQualifiedName": ident.id,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": { "permgapFinding/v1": fingerprint },
                "properties": {
                    "identity": ident.id,
                    "identityKind": ident.kind,
                    "system": ident.system,
                    "pci": ident.pci,
                    "permissions": f.permissions,
                    "permissionsTotal": f.permissions_total,
                },
            });
            if let Some(i) = index {
                r["ruleIndex"] = json!(i);
            }
            if let Some(p) = &f.policy {
                r["properties"]["policy"] = json!(p);
            }
            if let Some(s) = &f.suppressed {
                // `FILE:LINE` of the `[[suppress]]` table.
                let (file, line) = match s.by.rsplit_once(':') {
                    Some((f, l)) if l.parse::<u64>().is_ok() => (f, l.parse::<u64>().ok()),
                    _ => (s.by.as_str(), None),
                };
                let mut at = json!({ "artifactLocation": {
                    "uri": utf8_percent_encode(file, PATH_ESCAPE).to_string()
                } });
                if let Some(l) = line {
                    at["region"] = json!({ "startLine": l });
                }
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": s.reason,
                    "location": { "physicalLocation": at },
                }]);
            }
            if gated {
                r["baselineState"] = json!(match f.baseline {
                    Some(BaselineState::Unchanged) => "unchanged",
                    _ => "new",
                });
            }
            r
        })
        .collect()
}

fn run(report: &Report, sys: &SystemReport) -> Value {
    let rules: Vec<&FindingKind> = REGISTRY
        .iter()
        .copied()
        .filter(|k| k.clouds.contains(&sys.cloud))
        .collect();
    // A baseline state only means something when a baseline was compared.
    let gated = report.gate.as_ref().is_some_and(|g| g.baseline.is_some());
    let results: Vec<Value> = report
        .identities
        .iter()
        .filter(|i| i.cloud == sys.cloud && i.system == sys.id)
        .flat_map(|i| results(i, &rules, gated))
        .collect();
    let notifications: Vec<Value> = report
        .coverage
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "warning",
                "message": { "text": format!("skipped {}: {}", s.input, s.reason) },
            })
        })
        .collect();
    let mut invocation = json!({ "executionSuccessful": true });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let mut props = json!({
        "cloud": sys.cloud,
        "system": sys.id,
        "pci": sys.pci,
        "asOf": report.as_of,
        "windowDays": report.window_days,
        "partial": report.partial,
        "usageObserved": sys.usage_observed,
    });
    if let Some(g) = &report.gate {
        props["gate"] = json!({
            "verdict": g.verdict,
            "config": g.config,
            "breaches": g
                .breaches
                .iter()
                .filter(|b| b.cloud == sys.cloud && b.system == sys.id)
                .map(|b| b.message.as_str())
                .collect::<Vec<_>>(),
        });
    }
    json!({
        "tool": {
            "driver": {
                "name": "permgap",
                "semanticVersion": report.tool.version,
                "version": report.tool.version,
                "rules": rules.iter().map(|k| rule(k)).collect::<Vec<_>>(),
            }
        },
        "automationDetails": { "id": format!("permgap/{}/{}/", sys.cloud, sys.id) },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": props,
    })
}

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": report.systems.iter().map(|s| run(report, s)).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_paths_are_readable_and_distinct() {
        assert_eq!(
            identity_path("123456789012", "arn:aws:iam::123456789012:role/ci/deploy"),
            "permgap-findings/123456789012/role/ci/deploy"
        );
        assert_eq!(
            identity_path(
                "demo-prod",
                "projects/demo-prod/members/serviceAccount:ci@demo-prod.iam.gserviceaccount.com"
            ),
            "permgap-findings/demo-prod/members/serviceAccount:ci@demo-prod.iam.gserviceaccount.com"
        );
        // Nothing after the system: the whole ID, escaped.
        assert_eq!(identity_path("p", "p"), "permgap-findings/p/p");
        assert_eq!(
            identity_path("s", "odd id#1?"),
            "permgap-findings/s/odd%20id%231%3F"
        );
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            rule_name("unused-high-risk-permissions"),
            "UnusedHighRiskPermissions"
        );
        assert_eq!(rule_name("super-identity"), "SuperIdentity");
    }
}
