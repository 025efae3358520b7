//! Import of `aws iam get-credential-report` (the decoded CSV): console
//! password and access-key state and last use per IAM user.
//!
//! Columns and values: IAM User Guide, "Getting credential reports for your
//! AWS account" (`N/A`, `no_information`, `not_supported` mean no date).

use jiff::Timestamp;
use serde::Deserialize;

use crate::clouds::InputFile;
use crate::model::{
    Activity, ActivityKind, Credential, EvidenceSource, Snapshot, SourceCoverage, SourceKind,
    Warning,
};

#[derive(Debug, thiserror::Error)]
pub enum CredentialReportError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} is not an IAM credential report (CSV with a `user,arn,...` header): {reason}")]
    NotAReport { file: String, reason: String },
}

#[derive(Debug, Deserialize)]
struct Row {
    user: String,
    arn: String,
    user_creation_time: Option<String>,
    password_enabled: Option<String>,
    password_last_used: Option<String>,
    password_last_changed: Option<String>,
    access_key_1_active: Option<String>,
    access_key_1_last_rotated: Option<String>,
    access_key_1_last_used_date: Option<String>,
    access_key_2_active: Option<String>,
    access_key_2_last_rotated: Option<String>,
    access_key_2_last_used_date: Option<String>,
}

/// A date cell, or `None` for AWS's placeholders.
fn date(cell: &Option<String>) -> Option<Timestamp> {
    cell.as_deref().and_then(|s| s.parse::<Timestamp>().ok())
}

fn yes(cell: &Option<String>) -> bool {
    cell.as_deref() == Some("true")
}

pub fn import_credential_report(
    snap: &mut Snapshot,
    file: &InputFile,
) -> Result<(), CredentialReportError> {
    let name = file.display();
    let bytes = file.read().map_err(|source| CredentialReportError::Read {
        file: name.clone(),
        source,
    })?;
    let mut rdr = csv::Reader::from_reader(&bytes[..]);
    let headers = rdr
        .headers()
        .map_err(|e| CredentialReportError::NotAReport {
            file: name.clone(),
            reason: e.to_string(),
        })?;
    if headers.get(0) != Some("user") || headers.get(1) != Some("arn") {
        return Err(CredentialReportError::NotAReport {
            file: name,
            reason: "the first columns are not `user,arn`".into(),
        });
    }
    let mut cov = SourceCoverage::new(SourceKind::AwsCredentialReport, &name);
    cov.files_read = 1;
    for (line, row) in rdr.deserialize::<Row>().enumerate() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                snap.coverage.warnings.push(Warning {
                    input: format!("{name}:{}", line + 2),
                    message: format!("row skipped: {e}"),
                });
                continue;
            }
        };
        cov.records_read += 1;
        if row.user == "<root_account>" {
            continue;
        }
        if cov.system.is_none() {
            cov.system = super::arn_account(&row.arn).map(str::to_string);
        }
        if snap.identity(&row.arn).is_none() {
            snap.coverage.warnings.push(Warning {
                input: name.clone(),
                message: format!(
                    "user {} is in the credential report but not in the authorization details; its row is ignored",
                    row.arn
                ),
            });
            continue;
        }
        let password = yes(&row.password_enabled);
        let keys = [
            (
                "access-key-1",
                yes(&row.access_key_1_active),
                date(&row.access_key_1_last_rotated),
                date(&row.access_key_1_last_used_date),
            ),
            (
                "access-key-2",
                yes(&row.access_key_2_active),
                date(&row.access_key_2_last_rotated),
                date(&row.access_key_2_last_used_date),
            ),
        ];
        snap.credentials.push(Credential {
            identity: row.arn.clone(),
            kind: "password".into(),
            active: password,
            since: date(&row.password_last_changed).or_else(|| date(&row.user_creation_time)),
            last_used: date(&row.password_last_used),
            expires: None,
        });
        if let Some(t) = date(&row.password_last_used) {
            snap.activity
                .push(activity(&row.arn, ActivityKind::ConsoleSignIn, t));
        }
        let mut any_active_key = false;
        for (kind, active, since, last_used) in keys {
            // A key that never existed has neither a rotation date nor activity.
            if !active && since.is_none() {
                continue;
            }
            any_active_key |= active;
            snap.credentials.push(Credential {
                identity: row.arn.clone(),
                kind: kind.into(),
                active,
                since,
                last_used,
                expires: None,
            });
            if let Some(t) = last_used {
                snap.activity
                    .push(activity(&row.arn, ActivityKind::AccessKeyUse, t));
            }
        }
        // A user without a console password that works through access keys
        // is a workload, not a person.
        if !password
            && any_active_key
            && let Ok(i) = snap
                .identities
                .binary_search_by(|x| x.id.as_str().cmp(&row.arn))
        {
            snap.identities[i].kind = crate::model::IdentityKind::WorkloadUser;
        }
    }
    snap.coverage.sources.push(cov);
    snap.normalize();
    Ok(())
}

fn activity(arn: &str, kind: ActivityKind, t: Timestamp) -> Activity {
    Activity {
        identity: arn.to_string(),
        kind,
        source: EvidenceSource::AwsCredentialReport,
        first_seen: None,
        last_seen: t,
        count: 1,
    }
}
