//! The Markdown renderer: a summary that fits a pull-request comment or
//! `$GITHUB_STEP_SUMMARY` (GitHub flavour). Bounded in size whatever the
//! organisation: the ten highest-PCI identities, at most 50 breaches, at
//! most 10 skipped inputs; the JSON report holds the rest.

use std::collections::BTreeMap;
use std::io::Write;

use super::Report;
use crate::analysis::findings::Severity;
use crate::gate::Verdict;

const TOP: usize = 10;
const MAX_BREACHES: usize = 50;
const MAX_SKIPPED: usize = 10;

/// A table cell: no line breaks, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let by = report.findings_by_severity();
    let sev = |m: &BTreeMap<Severity, usize>, s| m.get(&s).copied().unwrap_or(0);
    match &report.gate {
        Some(g) => {
            let head = match g.verdict {
                Verdict::Pass => "✅ permgap check passed",
                Verdict::Fail => "❌ permgap check failed",
                Verdict::Partial => "⚠️ permgap check: partial data",
            };
            writeln!(out, "## {head}\n")?;
        }
        None => writeln!(out, "## permgap audit\n")?,
    }
    writeln!(
        out,
        "Window {} to {} ({} days) · {} identities in {} systems · findings: {} high, {} medium, {} low{}\n",
        date(report.window_start),
        date(report.as_of),
        report.window_days,
        report.identities.len(),
        report.systems.len(),
        sev(&by, Severity::High),
        sev(&by, Severity::Medium),
        sev(&by, Severity::Low),
        if report.partial {
            " · **partial data**"
        } else {
            ""
        }
    )?;
    if let Some(g) = &report.gate {
        let counted = &g.findings_counted;
        writeln!(
            out,
            "Gate: `{}`{} · counted {} high, {} medium, {} low · {} suppressed{}\n",
            cell(&g.config),
            g.baseline
                .as_ref()
                .map(|b| format!(" with baseline `{}`", cell(b)))
                .unwrap_or_default(),
            sev(counted, Severity::High),
            sev(counted, Severity::Medium),
            sev(counted, Severity::Low),
            g.findings_suppressed,
            if g.baseline.is_some() {
                format!(" · {} in the baseline", g.findings_baselined)
            } else {
                String::new()
            }
        )?;
        if !g.breaches.is_empty() {
            writeln!(out, "**{} threshold breach(es)**\n", g.breaches.len())?;
            for b in g.breaches.iter().take(MAX_BREACHES) {
                writeln!(out, "- `{}`: {}", b.threshold, cell(&b.message))?;
            }
            if g.breaches.len() > MAX_BREACHES {
                writeln!(
                    out,
                    "- … and {} more (see the JSON report)",
                    g.breaches.len() - MAX_BREACHES
                )?;
            }
            writeln!(out)?;
        }
        for (what, list) in [
            (
                "Expired suppressions (they no longer apply)",
                &g.expired_suppressions,
            ),
            (
                "Suppressions that matched no finding",
                &g.unmatched_suppressions,
            ),
        ] {
            if !list.is_empty() {
                writeln!(out, "**{what}**\n")?;
                for s in list {
                    writeln!(out, "- {}: {}", cell(&s.suppression), cell(&s.reason))?;
                }
                writeln!(out)?;
            }
        }
    }
    writeln!(
        out,
        "| System | Cloud | Identities | PCI | Granted | Used | Unused | Unobservable | Findings (high/medium/low) |"
    )?;
    writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|")?;
    for s in &report.systems {
        writeln!(
            out,
            "| `{}` | {} | {} | {} ({}) | {} | {} | {} | {} | {}/{}/{} |",
            cell(&s.id),
            s.cloud,
            s.identities,
            s.pci,
            s.pci_level.label(),
            s.granted,
            s.used,
            s.unused,
            s.unobservable,
            sev(&s.findings_by_severity, Severity::High),
            sev(&s.findings_by_severity, Severity::Medium),
            sev(&s.findings_by_severity, Severity::Low),
        )?;
    }
    writeln!(out)?;
    let mut ids: Vec<_> = report.identities.iter().collect();
    ids.sort_by(|a, b| {
        b.pci
            .cmp(&a.pci)
            .then(b.unused.cmp(&a.unused))
            .then(a.id.cmp(&b.id))
    });
    if !ids.is_empty() {
        writeln!(
            out,
            "### Highest PCI ({} of {})\n",
            ids.len().min(TOP),
            ids.len()
        )?;
        writeln!(
            out,
            "| PCI | Identity | System | Kind | Used | Unused | Findings |"
        )?;
        writeln!(out, "|--:|---|---|---|--:|--:|---|")?;
        for i in ids.iter().take(TOP) {
            let f: Vec<String> = i
                .findings
                .iter()
                .map(|f| {
                    if f.suppressed.is_some() {
                        format!("~~`{}`~~", f.id)
                    } else {
                        format!("`{}`", f.id)
                    }
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} |",
                i.pci,
                cell(&i.name),
                cell(&i.system),
                i.kind.label(),
                i.used,
                i.unused,
                f.join(" ")
            )?;
        }
        writeln!(out)?;
    }
    let mut kinds: BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    for f in report.identities.iter().flat_map(|i| &i.findings) {
        *kinds
            .entry((std::cmp::Reverse(f.severity), f.id.as_str()))
            .or_default() += 1;
    }
    if !kinds.is_empty() {
        writeln!(out, "### Findings\n")?;
        writeln!(out, "| Finding | Severity | Identities |")?;
        writeln!(out, "|---|---|--:|")?;
        for ((s, id), n) in &kinds {
            writeln!(out, "| `{id}` | {} | {n} |", s.0.label())?;
        }
        writeln!(out, "\n`permgap explain ID` documents each finding.\n")?;
    }
    let cov = &report.coverage;
    if !cov.skipped.is_empty() {
        writeln!(
            out,
            "### Skipped inputs ({}): the result is partial\n",
            cov.skipped.len()
        )?;
        for s in cov.skipped.iter().take(MAX_SKIPPED) {
            writeln!(out, "- `{}`: {}", cell(&s.input), cell(&s.reason))?;
        }
        if cov.skipped.len() > MAX_SKIPPED {
            writeln!(out, "- … and {} more", cov.skipped.len() - MAX_SKIPPED)?;
        }
        writeln!(out)?;
    }
    if !report.ignored_identities.is_empty() {
        writeln!(
            out,
            "{} identities ignored by the configuration.\n",
            report.ignored_identities.len()
        )?;
    }
    writeln!(
        out,
        "<sub>permgap {} · {} source(s) · {} warning(s)</sub>",
        report.tool.version,
        cov.sources.len(),
        cov.warnings.len()
    )
}
