//! Google Cloud: IAM policies of the organization, its folders and projects,
//! roles, service accounts and their keys, and Cloud Audit Logs, read from
//! `gcloud` exports ([`import`]) into the common snapshot.

pub mod auditlog;
pub mod import;
pub mod members;
pub mod observe;
