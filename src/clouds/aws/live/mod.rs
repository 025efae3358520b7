//! Live collection from an AWS account with the official Rust SDK and the
//! standard credential chain (`--profile`/`AWS_PROFILE`, SSO, environment,
//! instance and container roles; endpoint overrides through the SDK's own
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`).
//!
//! The entitlements are turned into the same structures the file importer
//! parses from `aws iam get-account-authorization-details`, and go through the
//! same code ([`crate::clouds::aws::import::import_gaad`]), so a live collection and an
//! import of the same account give the same snapshot. permgap only reads:
//! [`OPERATIONS`] lists every API it can call, and a test keeps the list
//! honest.
//!
//! Its parts: [`account`] (one account's sources), [`org`] (Organizations
//! and SCPs), [`doctor`] (`permgap doctor aws`).

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::ReportStateType;
use jiff::Timestamp;
use serde_json::Value;

use crate::clouds::InputFile;
use crate::clouds::aws::import::{
    AttachedPolicy, Boundary, Gaad, GroupDetail, InlinePolicy, ManagedPolicyDetail, PolicyVersion,
    RoleDetail, RoleLastUsed, UserDetail, import_gaad,
};
use crate::model::{Skipped, Snapshot};

mod account;
mod doctor;
mod org;

pub use account::*;
pub use doctor::*;
pub use org::*;

/// Every AWS API operation permgap calls: all read-only. The README's IAM
/// policy for permgap is this list.
pub const OPERATIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "cloudtrail:LookupEvents",
    "iam:GetAccountAuthorizationDetails",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "s3:ListBucket",
    "s3:GetObject",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetails",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListParents",
    "organizations:ListPoliciesForTarget",
    "organizations:DescribePolicy",
    "sts:AssumeRole",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
];

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(
        "no AWS credentials could be used ({0}): set AWS_PROFILE or pass --profile, sign in with \
         `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    )]
    Credentials(String),
    #[error("account {account}: {operation} failed: {message}")]
    Call {
        account: String,
        operation: &'static str,
        message: String,
    },
    /// The call was refused: the credentials, or a policy such as an SCP
    /// that restricts regions, do not allow it.
    #[error("account {account}: {operation} was denied: {message}")]
    Denied {
        account: String,
        operation: &'static str,
        message: String,
    },
}

/// Where and as whom to collect.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Skip the credential report (it needs `iam:GenerateCredentialReport`).
    pub no_credential_report: bool,
}

/// The SDK configuration from the standard chain. IAM is global, so a
/// missing region defaults to us-east-1.
pub async fn sdk_config(opts: &LiveOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    let conf = loader.load().await;
    if conf.region().is_none() {
        let mut b = conf.into_builder();
        b.set_region(Some(Region::from_static("us-east-1")));
        return b.build();
    }
    conf
}

/// Errors of the SDK, shown with their cause chain (Display, not Debug).
pub(crate) fn error_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.contains(&s) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

fn ts(d: Option<&DateTime>) -> Option<Timestamp> {
    d.and_then(|d| Timestamp::new(d.secs(), d.subsec_nanos() as i32).ok())
}

/// A policy document as the IAM API returns it (URL-encoded JSON), decoded to
/// a JSON object; left as the raw string when it does not decode, so that the
/// policy engine names the problem.
pub fn decode_document(raw: Option<&str>) -> Value {
    let Some(raw) = raw else { return Value::Null };
    let text = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap_or_else(|_| Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests;
