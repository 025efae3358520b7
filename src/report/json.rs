//! The JSON renderer: the report as documented by `schema/report.schema.json`.

use std::io::Write;

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// The JSON Schema of the report, as committed in `schema/`.
pub fn schema() -> String {
    let s = schemars::schema_for!(Report);
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}
