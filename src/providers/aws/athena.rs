//! CloudTrail usage aggregated where the logs already are: a query over the
//! standard CloudTrail table of Amazon Athena that returns one row per
//! (principal, event, outcome) with its first and last time and its count,
//! never the events themselves. The rows are folded through the same event
//! mapping and identity resolution as the file reader
//! ([`super::cloudtrail::import_rows`]).
//!
//! The table is the one the Athena User Guide's "Create a table for
//! CloudTrail logs in Athena using manual partitioning" (or "... using
//! partition projection") defines: `useridentity STRUCT<type, arn,
//! accountid, username, sessioncontext STRUCT<sessionissuer STRUCT<arn>>>`,
//! `eventtime`, `eventsource`, `eventname`, `errorcode`, `responseelements`
//! (the JSON text), `eventtype`, `recipientaccountid`, `eventcategory`, all
//! strings. The SQL is generated for Athena (Trino) and for DuckDB, which the
//! tests run it on over the same records; the two differ only in the JSON
//! function.

use jiff::Timestamp;

/// The engine a query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Amazon Athena (Trino SQL).
    Athena,
    /// DuckDB: how the tests check the SQL on local files.
    DuckDb,
}

/// The result's columns, in order.
pub const COLUMNS: [&str; 15] = [
    "identity_type",
    "identity_arn",
    "identity_account",
    "user_name",
    "issuer_arn",
    "recipient_account",
    "event_source",
    "event_name",
    "event_type",
    "event_category",
    "error_code",
    "console_login",
    "first_seen",
    "last_seen",
    "events",
];

#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    #[error(
        "{0:?} is not a table name: write DATABASE.TABLE (letters, digits and underscores), the table of \
         CloudTrail logs in Athena"
    )]
    BadTable(String),
}

fn identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `DATABASE.TABLE` (or `TABLE`), checked to be plain identifiers and
/// quoted.
pub fn table_ref(table: &str) -> Result<String, AthenaError> {
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() > 2 || !parts.iter().all(|p| identifier(p)) {
        return Err(AthenaError::BadTable(table.to_string()));
    }
    Ok(parts
        .iter()
        .map(|p| format!("\"{}\"", p.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join("."))
}

/// The aggregate query over `table` for the events from `start` to `end`
/// of `accounts` (every account when empty; IDs not of 12 digits are
/// dropped, so nothing but digits reaches the SQL). `eventtime` is compared
/// as text: CloudTrail writes it `YYYY-MM-DDTHH:MM:SSZ`, which sorts as time.
pub fn usage_sql(
    table: &str,
    start: Timestamp,
    end: Timestamp,
    accounts: &[String],
    dialect: Dialect,
) -> Result<String, AthenaError> {
    let table = table_ref(table)?;
    let json = match dialect {
        Dialect::Athena => "json_extract_scalar",
        Dialect::DuckDb => "json_extract_string",
    };
    let when = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let ids: Vec<String> = accounts
        .iter()
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(|a| format!("'{a}'"))
        .collect();
    let account_filter = if ids.is_empty() {
        String::new()
    } else {
        format!("\n  AND recipientaccountid IN ({})", ids.join(", "))
    };
    Ok(format!(
        "SELECT
  useridentity.type AS identity_type,
  useridentity.arn AS identity_arn,
  useridentity.accountid AS identity_account,
  useridentity.username AS user_name,
  useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
  recipientaccountid AS recipient_account,
  eventsource AS event_source,
  eventname AS event_name,
  eventtype AS event_type,
  eventcategory AS event_category,
  errorcode AS error_code,
  {json}(responseelements, '$.ConsoleLogin') AS console_login,
  min(eventtime) AS first_seen,
  max(eventtime) AS last_seen,
  count(*) AS events
FROM {table}
WHERE eventtime >= '{start}' AND eventtime <= '{end}'{account_filter}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12",
        start = when(start),
        end = when(end),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_table_names_and_account_ids_reach_the_sql() {
        assert_eq!(
            table_ref("trails.CloudTrail_Logs").ok().as_deref(),
            Some("\"trails\".\"cloudtrail_logs\"")
        );
        for bad in ["a.b.c", "x; DROP TABLE y", "t\"", "", "db."] {
            assert!(table_ref(bad).is_err(), "{bad}");
        }
        let t = |s: &str| s.parse::<Timestamp>().expect("time");
        let sql = usage_sql(
            "db.ct",
            t("2026-08-01T00:00:00Z"),
            t("2026-10-30T00:00:00Z"),
            &["111122223333".into(), "1' OR '1'='1".into()],
            Dialect::Athena,
        )
        .expect("sql");
        assert!(
            sql.contains("recipientaccountid IN ('111122223333')"),
            "{sql}"
        );
        assert!(!sql.contains("OR '1'"), "{sql}");
        assert!(sql.contains(
            "eventtime >= '2026-08-01T00:00:00Z' AND eventtime <= '2026-10-30T00:00:00Z'"
        ));
        assert!(sql.contains("json_extract_scalar(responseelements"));
        // The columns are those the rows are read by.
        for (i, c) in COLUMNS.iter().enumerate() {
            assert!(sql.contains(&format!(" AS {c}")), "{c}");
            let at = sql.find(&format!(" AS {c}")).unwrap_or(0);
            if i > 0 {
                assert!(
                    at > sql.find(&format!(" AS {}", COLUMNS[i - 1])).unwrap_or(0),
                    "{c} out of order"
                );
            }
        }
    }
}
