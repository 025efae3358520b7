//! The JSON renderer: the report as documented by `schema/report.schema.json`.

use std::io::Write;

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// The JSON Schema of the report, as committed in `schema/`. Written for
/// the serialized form (a field the writer leaves out when empty is not
/// required), since the report is output only.
pub fn schema() -> String {
    let s = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Report>();
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}
