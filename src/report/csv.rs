//! The CSV renderer: one table, one row per identity and one per finding.
//! The `record` column says which (`identity`, `finding`); a finding's row
//! repeats its identity's key columns and leaves the numbers empty, so a
//! spreadsheet can filter either kind.

use std::io::Write;

use super::{Report, gap_ratio};

const HEADER: [&str; 24] = [
    "record",
    "cloud",
    "system",
    "identity_id",
    "identity_name",
    "kind",
    "provider_managed",
    "pci",
    "pci_level",
    "granted",
    "used",
    "unused",
    "unobservable",
    "conditional",
    "gap_ratio",
    "last_activity",
    "active_in_window",
    "finding_id",
    "severity",
    "message",
    "permissions_total",
    "policy",
    "suppressed_by",
    "baseline",
];

/// The I/O error itself, so that a closed pipe stays one.
fn io(e: csv::Error) -> std::io::Error {
    if !e.is_io_error() {
        return std::io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER).map_err(io)?;
    for i in &report.identities {
        let (cloud, pci, level) = (i.cloud.to_string(), i.pci.to_string(), i.pci_level.label());
        let n = |x: usize| x.to_string();
        w.write_record([
            "identity",
            &cloud,
            &i.system,
            &i.id,
            &i.name,
            i.kind.label(),
            if i.provider_managed { "true" } else { "false" },
            &pci,
            level,
            &n(i.granted),
            &n(i.used),
            &n(i.unused),
            &n(i.unobservable),
            &n(i.conditional),
            &gap_ratio(i.used, i.unused).to_string(),
            &i.last_activity.map(|t| t.to_string()).unwrap_or_default(),
            if i.active_in_window { "true" } else { "false" },
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ])
        .map_err(io)?;
        for f in &i.findings {
            w.write_record([
                "finding",
                &cloud,
                &i.system,
                &i.id,
                &i.name,
                i.kind.label(),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                &f.id,
                f.severity.label(),
                &f.message,
                &f.permissions_total.max(f.permissions.len()).to_string(),
                f.policy.as_deref().unwrap_or(""),
                f.suppressed.as_ref().map_or("", |s| s.by.as_str()),
                match f.baseline {
                    Some(crate::gate::BaselineState::New) => "new",
                    Some(crate::gate::BaselineState::Unchanged) => "unchanged",
                    None => "",
                },
            ])
            .map_err(io)?;
        }
    }
    w.flush()
}
