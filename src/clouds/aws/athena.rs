//! CloudTrail usage aggregated where the logs already are: a query over the
//! standard CloudTrail table of Amazon Athena that returns one row per
//! (principal, event, outcome) with its first and last time and its count,
//! never the events themselves. A role's sessions are one principal: the
//! session's ARN is dropped when the session issuer names the role, so a
//! fleet of instance or Lambda sessions makes one row per event, not one per
//! session. The rows are folded through the same event
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
  CASE WHEN useridentity.sessioncontext.sessionissuer.arn IS NULL THEN useridentity.arn END AS identity_arn,
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

/// Where and how to run the query.
#[derive(Debug, Clone)]
pub struct AthenaTarget {
    /// `DATABASE.TABLE`.
    pub table: String,
    pub workgroup: String,
    /// `s3://...` for the results, unless the workgroup sets one.
    pub output: Option<String>,
}

/// How long a query may run before permgap gives up on it.
const QUERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

fn call_err(
    operation: &'static str,
    e: &(dyn std::error::Error + 'static),
) -> super::live::LiveError {
    super::live::LiveError::Call {
        account: "Athena".into(),
        operation,
        message: super::live::error_message(e),
    }
}

/// Runs `sql` in Athena and returns its rows (every value as text or null),
/// the header row checked against [`COLUMNS`] and left out: the query is
/// started, polled until it ends (1 s apart at first, then 5 s), and its
/// results read page by page.
pub async fn run_query(
    conf: &aws_config::SdkConfig,
    target: &AthenaTarget,
    sql: &str,
    on_state: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Vec<Option<String>>>, super::live::LiveError> {
    use super::live::LiveError;
    use aws_sdk_athena::types::{QueryExecutionState, ResultConfiguration};
    let c = aws_sdk_athena::config::Builder::from(conf)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8))
        .build();
    let athena = aws_sdk_athena::Client::from_conf(c);
    let mut start = athena
        .start_query_execution()
        .query_string(sql)
        .work_group(&target.workgroup);
    if let Some(out) = &target.output {
        start =
            start.result_configuration(ResultConfiguration::builder().output_location(out).build());
    }
    let started = start
        .send()
        .await
        .map_err(|e| call_err("athena:StartQueryExecution", &e))?;
    let id = started.query_execution_id().unwrap_or_default().to_string();
    let began = tokio::time::Instant::now();
    let mut polls = 0u32;
    loop {
        let ex = athena
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| call_err("athena:GetQueryExecution", &e))?;
        let status = ex.query_execution().and_then(|q| q.status());
        match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Succeeded) => break,
            Some(state @ (QueryExecutionState::Failed | QueryExecutionState::Cancelled)) => {
                let why = status
                    .and_then(|s| s.state_change_reason())
                    .unwrap_or("no reason given");
                return Err(LiveError::Call {
                    account: "Athena".into(),
                    operation: "athena:GetQueryExecution",
                    message: format!("query {id} {}: {why}", state.as_str().to_lowercase()),
                });
            }
            other => {
                on_state(other.map_or("QUEUED", |s| s.as_str()));
                if began.elapsed() > QUERY_TIMEOUT {
                    return Err(LiveError::Call {
                        account: "Athena".into(),
                        operation: "athena:GetQueryExecution",
                        message: format!(
                            "query {id} still running after 30 minutes: not waited for"
                        ),
                    });
                }
                polls += 1;
                tokio::time::sleep(std::time::Duration::from_millis(if polls < 10 {
                    1000
                } else {
                    5000
                }))
                .await;
            }
        }
    }
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    let mut header = true;
    loop {
        let page = athena
            .get_query_results()
            .query_execution_id(&id)
            .max_results(1000)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| call_err("athena:GetQueryResults", &e))?;
        for row in page.result_set().map(|r| r.rows()).unwrap_or_default() {
            let values: Vec<Option<String>> = row
                .data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_string))
                .collect();
            // The first row of a SELECT's results is its header.
            if header {
                header = false;
                let names: Vec<&str> = values.iter().map(|v| v.as_deref().unwrap_or("")).collect();
                if names == COLUMNS {
                    continue;
                }
            }
            rows.push(values);
        }
        match page.next_token() {
            Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(rows)
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
