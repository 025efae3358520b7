//! AWS: the IAM policy language, the importers of `aws iam` exports, and
//! CloudTrail.

pub mod athena;
pub mod catalog;
pub mod cloudtrail;
pub mod credential_report;
pub mod import;
pub mod live;
pub mod policy;
pub mod rules;
pub mod s3;
pub mod unobservable;

/// The account ID of an ARN (`arn:aws:iam::111122223333:user/x`), if any.
pub fn arn_account(arn: &str) -> Option<&str> {
    let acct = arn.split(':').nth(4)?;
    (!acct.is_empty()).then_some(acct)
}
