//! `permgap doctor CLOUD`: each read a collection needs, checked with a
//! harmless call, and the verdict every cloud prints the same way.

use crate::exit::Exit;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    /// The credentials lack the permission.
    Denied,
    /// The call failed for another reason (no such bucket, network): the
    /// permission could not be checked.
    Failed,
}

/// One check of `permgap doctor`.
#[derive(Debug, Clone)]
pub struct Check {
    /// The permission checked (`iam:GetAccountAuthorizationDetails`,
    /// `Microsoft.Authorization/roleAssignments/read`), or `credentials`.
    pub what: String,
    pub status: CheckStatus,
    /// Whether permgap needs it for every collection (else for an option).
    pub required: bool,
    pub detail: String,
}

/// The checks as `doctor` prints them, and its exit: one line per check,
/// then what is missing (`grant` says how to add it) or `done`.
pub fn render(checks: &[Check], grant: &str, done: &str) -> (String, Exit) {
    let mut text = String::new();
    for c in checks {
        let status = match (c.status, c.required) {
            (CheckStatus::Ok, _) => "ok",
            (CheckStatus::Denied, true) => "MISSING",
            (CheckStatus::Denied, false) => "missing",
            (CheckStatus::Failed, _) => "error",
        };
        text.push_str(&format!("{status:8} {:36} {}\n", c.what, c.detail));
    }
    let of = |s| {
        checks
            .iter()
            .filter(|c| c.status == s)
            .map(|c| c.what.as_str())
            .collect::<Vec<_>>()
    };
    let (missing, failed) = (of(CheckStatus::Denied), of(CheckStatus::Failed));
    if !missing.is_empty() {
        text.push_str(&format!("missing: {}. {grant}\n", missing.join(", ")));
    }
    if !failed.is_empty() {
        text.push_str(&format!(
            "could not check: {} (see above).\n",
            failed.join(", ")
        ));
    }
    if missing.is_empty() && failed.is_empty() {
        text.push_str(done);
        text.push('\n');
        (text, Exit::Ok)
    } else {
        (text, Exit::Partial)
    }
}
