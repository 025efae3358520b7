//! The terminal renderer: identities sorted by PCI, then the account
//! summary and the coverage. Fits 100 columns; colours only when told to
//! (the CLI decides from `--color`, `NO_COLOR` and whether stdout is a
//! terminal).

use std::io::Write;

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::{IdentityReport, Report};
use crate::analysis::pci::PciLevel;
use crate::model::IdentityKind;

#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    pub color: bool,
    pub width: u16,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            color: false,
            width: 100,
        }
    }
}

/// How many skipped inputs and warnings are listed before "... and N more".
const MAX_LINES: usize = 10;

/// Identity names longer than this are cut with an ellipsis (the JSON has
/// them whole), so the identity table stays within 100 columns.
const NAME_WIDTH: usize = 24;

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width - 1).collect();
    t.push('…');
    t
}

/// Writes a table with one space between columns and no trailing blanks,
/// so that it fits 100 columns.
fn write_table(out: &mut dyn Write, t: &mut Table) -> std::io::Result<()> {
    for c in t.column_iter_mut() {
        c.set_padding((0, 1));
    }
    for l in t.lines() {
        writeln!(out, "{}", l.trim_end())?;
    }
    Ok(())
}

fn new_table(opts: TableOptions) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_style(comfy_table::TableComponent::HeaderLines, '─')
        .set_style(comfy_table::TableComponent::MiddleHeaderIntersections, '─')
        .set_content_arrangement(ContentArrangement::Disabled);
    if opts.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn pci_cell(score: u8, level: PciLevel, opts: TableOptions) -> Cell {
    let c = Cell::new(score).set_alignment(CellAlignment::Right);
    if !opts.color {
        return c;
    }
    match level {
        PciLevel::High => c.fg(Color::Red).add_attribute(Attribute::Bold),
        PciLevel::Medium => c.fg(Color::Yellow),
        PciLevel::Low => c.fg(Color::Green),
    }
}

fn num(n: usize) -> Cell {
    Cell::new(n).set_alignment(CellAlignment::Right)
}

/// `account` → `Account`.
fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn date(t: Option<jiff::Timestamp>) -> String {
    t.map_or_else(|| "-".into(), |t| t.strftime("%Y-%m-%d").to_string())
}

pub fn render(report: &Report, opts: TableOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let catalogs: Vec<String> = report
        .catalogs
        .iter()
        .map(|c| format!("{} catalog of {} permissions", c.cloud, c.permissions))
        .collect();
    writeln!(
        out,
        "permgap audit: {} to {} ({} days){}",
        date(Some(report.window_start)),
        date(Some(report.as_of)),
        report.window_days,
        match report.catalogs.as_slice() {
            [] => ", no catalog".to_string(),
            [_] => format!(", {}", catalogs.join("")),
            // One per cloud: on a line of their own.
            many => format!(
                "\ncatalogs: {} permissions",
                many.iter()
                    .map(|c| format!("{} {}", c.cloud, c.permissions))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    )?;
    writeln!(out)?;

    // Several systems: a table for each, under its name.
    let many = report.systems.len() > 1;
    // The column is named by the systems' unit when they share one.
    let unit = match report.systems.split_first() {
        Some((first, rest)) if rest.iter().all(|s| s.cloud == first.cloud) => {
            capitalized(crate::clouds::names(first.cloud).system)
        }
        _ => "System".to_string(),
    };
    let groups: Vec<(Option<&str>, Vec<&IdentityReport>)> = if many {
        report
            .systems
            .iter()
            .map(|s| {
                (
                    Some(s.id.as_str()),
                    report
                        .identities
                        .iter()
                        .filter(|i| i.cloud == s.cloud && i.system == s.id)
                        .collect(),
                )
            })
            .collect()
    } else {
        vec![(None, report.identities.iter().collect())]
    };
    for (system, ids) in groups {
        if let Some(id) = system {
            let what = report
                .systems
                .iter()
                .find(|s| s.id == id)
                .map_or("", |s| crate::clouds::names(s.cloud).system_label);
            writeln!(out, "{what} {id}")?;
        }
        identity_table(ids, opts, out)?;
    }

    let mut s = new_table(opts);
    s.set_header([
        unit.as_str(),
        "Identities",
        "PCI",
        "Granted",
        "Used",
        "Unused",
        "Unobs.",
        "High/med/low",
    ]);
    for sys in &report.systems {
        let sev = |k| sys.findings_by_severity.get(&k).copied().unwrap_or(0);
        use crate::analysis::findings::Severity::*;
        s.add_row(vec![
            Cell::new(&sys.id),
            num(sys.identities),
            pci_cell(sys.pci, sys.pci_level, opts),
            num(sys.granted),
            num(sys.used),
            num(sys.unused),
            num(sys.unobservable),
            Cell::new(format!("{}/{}/{}", sev(High), sev(Medium), sev(Low))),
        ]);
    }
    write_table(out, &mut s)?;
    writeln!(out)?;
    render_coverage(report, opts, out)
}

fn identity_table(
    mut ids: Vec<&IdentityReport>,
    opts: TableOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    ids.sort_by(|a, b| {
        b.pci
            .cmp(&a.pci)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut t = new_table(opts);
    t.set_header([
        "PCI",
        "Identity",
        "Kind",
        "Granted",
        "Used",
        "Unused",
        "Unobs.",
        "Last active",
        "Findings",
    ]);
    for i in ids {
        let mut findings: Vec<&str> = i.findings.iter().map(|f| f.short.as_str()).collect();
        findings.dedup();
        t.add_row(vec![
            pci_cell(i.pci, i.pci_level, opts),
            Cell::new(truncate(&i.name, NAME_WIDTH)),
            Cell::new(match i.kind {
                IdentityKind::WorkloadUser => "workload",
                IdentityKind::ServicePrincipal => "service",
                IdentityKind::PrincipalSet => "set",
                k => k.label(),
            }),
            num(i.granted),
            num(i.used),
            num(i.unused),
            num(i.unobservable),
            Cell::new(date(i.last_activity)),
            Cell::new(findings.join("\n")),
        ]);
    }
    write_table(out, &mut t)?;
    writeln!(out)
}

/// Writes `text` wrapped to the width, continuation lines indented two more.
fn line(out: &mut dyn Write, width: u16, indent: usize, text: &str) -> std::io::Result<()> {
    let first = " ".repeat(indent);
    let rest = " ".repeat(indent + 2);
    let opts = textwrap::Options::new(usize::from(width))
        .initial_indent(&first)
        .subsequent_indent(&rest)
        .break_words(true)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    for l in textwrap::wrap(text, opts) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn render_coverage(
    report: &Report,
    opts: TableOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let w = opts.width;
    let cov = &report.coverage;
    writeln!(out, "Coverage")?;
    for src in &cov.sources {
        let kind = serde_json::to_value(src.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let names = crate::clouds::names(src.kind.cloud());
        let account = src
            .system
            .as_deref()
            .map_or_else(String::new, |a| format!(" ({} {a})", names.system));
        if src.kind.observes_usage() {
            line(out, w, 2, &format!("{kind}{account}: {}", src.input))?;
            if let Some(regions) = &src.regions {
                let read = if regions.is_empty() {
                    "none".to_string()
                } else {
                    regions.join(", ")
                };
                line(
                    out,
                    w,
                    4,
                    &format!("regions read: {read} (use in other regions is not seen)"),
                )?;
            }
            let data = if !names.data_events {
                String::new()
            } else if src.data_event_services.is_empty() {
                "; data events: none".to_string()
            } else {
                format!("; data events: {}", src.data_event_services.join(", "))
            };
            line(
                out,
                w,
                4,
                &format!(
                    "{} files read, {} skipped{}; {} events from {} to {}{data}",
                    src.files_read,
                    src.files_skipped,
                    if src.files_passed_over > 0 {
                        format!(
                            ", {} passed over (other accounts or outside the range)",
                            src.files_passed_over
                        )
                    } else {
                        String::new()
                    },
                    src.records_read,
                    date(src.first_event),
                    date(src.last_event),
                ),
            )?;
            if !src.records.is_empty() {
                let parts: Vec<String> = src
                    .records
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                line(
                    out,
                    w,
                    4,
                    &format!("events by outcome: {}", parts.join(", ")),
                )?;
            }
        } else {
            line(
                out,
                w,
                2,
                &format!(
                    "{kind}{account}: {} ({} records)",
                    src.input, src.records_read
                ),
            )?;
        }
    }
    if !cov.skipped.is_empty() {
        writeln!(out, "  Skipped ({}):", cov.skipped.len())?;
        for s in cov.skipped.iter().take(MAX_LINES) {
            line(out, w, 4, &format!("{}: {}", s.input, s.reason))?;
        }
        if cov.skipped.len() > MAX_LINES {
            line(
                out,
                w,
                4,
                &format!(
                    "... and {} more (see --format json)",
                    cov.skipped.len() - MAX_LINES
                ),
            )?;
        }
    }
    if !cov.warnings.is_empty() {
        writeln!(out, "  Warnings ({}):", cov.warnings.len())?;
        for x in cov.warnings.iter().take(MAX_LINES) {
            line(out, w, 4, &format!("{}: {}", x.input, x.message))?;
        }
        if cov.warnings.len() > MAX_LINES {
            line(
                out,
                w,
                4,
                &format!(
                    "... and {} more (see --format json)",
                    cov.warnings.len() - MAX_LINES
                ),
            )?;
        }
    }
    if report.partial {
        writeln!(
            out,
            "Result: PARTIAL, {} input(s) skipped{}",
            cov.skipped.len(),
            if report.gate.is_some() {
                ""
            } else {
                " (exit code 3)"
            }
        )?;
    } else {
        writeln!(out, "Result: complete")?;
    }
    if let Some(g) = &report.gate {
        render_gate(report, g, opts, out)?;
    }
    Ok(())
}

/// The gate's verdict, its breaches and the suppressions worth a look.
fn render_gate(
    report: &Report,
    g: &crate::gate::GateReport,
    opts: TableOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::analysis::findings::Severity::*;
    use crate::gate::Verdict;
    let w = opts.width;
    writeln!(out)?;
    let sev = |s| g.findings_counted.get(&s).copied().unwrap_or(0);
    line(
        out,
        w,
        0,
        &format!(
            "Gate ({}{}): findings counted {} high, {} medium, {} low; {} suppressed{}",
            g.config,
            g.baseline
                .as_ref()
                .map(|b| format!(", baseline {b}"))
                .unwrap_or_default(),
            sev(High),
            sev(Medium),
            sev(Low),
            g.findings_suppressed,
            if g.baseline.is_some() {
                format!(", {} in the baseline", g.findings_baselined)
            } else {
                String::new()
            }
        ),
    )?;
    if !report.ignored_identities.is_empty() {
        line(
            out,
            w,
            2,
            &format!(
                "{} identities ignored by the configuration",
                report.ignored_identities.len()
            ),
        )?;
    }
    if !g.breaches.is_empty() {
        writeln!(out, "  Breaches ({}):", g.breaches.len())?;
        for b in g.breaches.iter().take(MAX_LINES) {
            line(out, w, 4, &format!("{}: {}", b.threshold, b.message))?;
        }
        if g.breaches.len() > MAX_LINES {
            line(
                out,
                w,
                4,
                &format!(
                    "... and {} more (see --format json)",
                    g.breaches.len() - MAX_LINES
                ),
            )?;
        }
    }
    for (what, list) in [
        (
            "Expired suppressions, no longer applied",
            &g.expired_suppressions,
        ),
        (
            "Suppressions that matched no finding",
            &g.unmatched_suppressions,
        ),
    ] {
        if !list.is_empty() {
            writeln!(out, "  {what} ({}):", list.len())?;
            for s in list {
                let until = s
                    .expires
                    .map(|d| format!(" (expires {d})"))
                    .unwrap_or_default();
                line(
                    out,
                    w,
                    4,
                    &format!("{}{until}: {}", s.suppression, s.reason),
                )?;
            }
        }
    }
    let verdict = match g.verdict {
        Verdict::Pass => "PASS (exit code 0)",
        Verdict::Fail => "FAIL: a threshold is breached (exit code 1)",
        Verdict::Partial => "PARTIAL: no threshold breached, some input skipped (exit code 3)",
    };
    let v = paint(verdict, matches!(g.verdict, Verdict::Pass), opts);
    writeln!(out, "Verdict: {v}")
}

/// `text` in bold green (good) or red, when colour is on.
fn paint(text: &str, good: bool, opts: TableOptions) -> String {
    if opts.color {
        format!("\u{1b}[1;{}m{text}\u{1b}[0m", if good { 32 } else { 31 })
    } else {
        text.to_string()
    }
}
