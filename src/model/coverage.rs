//! What the sources of a snapshot could see: which inputs were read, which
//! were skipped and why, the time span of usage actually seen, and what kinds
//! of events the logs held. Analysis derives "unobservable" from it, and every
//! report states it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Coverage {
    pub sources: Vec<SourceCoverage>,
    /// Inputs (files, records, policies, accounts) that could not be used.
    /// Any entry makes the result partial.
    pub skipped: Vec<Skipped>,
    /// Things worth knowing that do not make the result partial.
    pub warnings: Vec<Warning>,
}

impl Coverage {
    pub fn is_partial(&self) -> bool {
        !self.skipped.is_empty()
    }

    pub fn normalize(&mut self) {
        self.sources
            .sort_by(|a, b| (a.kind, &a.system, &a.input).cmp(&(b.kind, &b.system, &b.input)));
        self.skipped
            .sort_by(|a, b| (&a.input, &a.reason).cmp(&(&b.input, &b.reason)));
        self.warnings
            .sort_by(|a, b| (&a.input, &a.message).cmp(&(&b.input, &b.message)));
        self.warnings
            .dedup_by(|a, b| a.input == b.input && a.message == b.message);
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    AwsAuthorizationDetails,
    AwsCloudtrailFiles,
    /// CloudTrail's LookupEvents API: management events of the last 90 days.
    AwsCloudtrailLookup,
    /// CloudTrail aggregated by an Amazon Athena query over the trail's table.
    AwsCloudtrailAthena,
    AwsCredentialReport,
    /// IAM Access Advisor (service last accessed, action level where tracked).
    AwsAccessAdvisor,
    /// GCP IAM policies and roles (entitlements).
    GcpIamPolicy,
    /// GCP Cloud Audit Logs (`gcloud logging read`, `entries.list`).
    GcpAuditLogs,
    /// GCP Policy Analyzer: service account and key last authentication.
    GcpPolicyAnalyzer,
    /// GCP IAM Recommender: policy insights (exercised permissions per
    /// binding). Evidence for the bindings it names only, so it does not
    /// make a project observed.
    GcpRecommender,
    /// Azure role assignments, role and deny definitions (entitlements).
    AzureRoleAssignments,
    /// Azure Activity Log (administrative events: writes, deletes, actions).
    AzureActivityLog,
    /// Microsoft Graph: principal names and kinds, group membership.
    AzureGraph,
}

impl SourceKind {
    /// The cloud whose source it is.
    pub fn cloud(self) -> super::Cloud {
        use super::Cloud;
        match self {
            SourceKind::AwsAuthorizationDetails
            | SourceKind::AwsCloudtrailFiles
            | SourceKind::AwsCloudtrailLookup
            | SourceKind::AwsCloudtrailAthena
            | SourceKind::AwsCredentialReport
            | SourceKind::AwsAccessAdvisor => Cloud::Aws,
            SourceKind::GcpIamPolicy
            | SourceKind::GcpAuditLogs
            | SourceKind::GcpPolicyAnalyzer
            | SourceKind::GcpRecommender => Cloud::Gcp,
            SourceKind::AzureRoleAssignments
            | SourceKind::AzureActivityLog
            | SourceKind::AzureGraph => Cloud::Azure,
        }
    }

    /// Whether this source observes permission use (as opposed to entitlements).
    pub fn observes_usage(self) -> bool {
        matches!(
            self,
            SourceKind::AwsCloudtrailFiles
                | SourceKind::AwsCloudtrailLookup
                | SourceKind::AwsCloudtrailAthena
                | SourceKind::GcpAuditLogs
                | SourceKind::AzureActivityLog
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SourceCoverage {
    pub kind: SourceKind,
    /// The system it covers, when it covers one (an account ID).
    pub system: Option<String>,
    /// What was read: a file or directory as given on the command line.
    pub input: String,
    pub files_read: u64,
    pub files_skipped: u64,
    /// Files not opened: their path places them outside the accounts or the
    /// time range asked for.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files_passed_over: u64,
    pub records_read: u64,
    /// Earliest and latest event time actually seen.
    pub first_event: Option<Timestamp>,
    pub last_event: Option<Timestamp>,
    /// Counts of records by what became of them (`used`, `denied`,
    /// `aws-service`, `unknown-principal`, ...).
    #[serde(default)]
    pub records: BTreeMap<String, u64>,
    /// Services whose data events the logs hold (`s3`, `lambda`, ...). Data
    /// actions of other services are unobservable from this source.
    #[serde(default)]
    pub data_event_services: Vec<String>,
    /// Whether management events were seen.
    #[serde(default)]
    pub management_events: bool,
    /// For a source read region by region (LookupEvents): the regions read
    /// (possibly none). Use in any other region is not seen by it. Absent:
    /// the source holds every region it logs (a trail's files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// For a source that answered a query over a range (LookupEvents, an
    /// Athena query): the range it answered for. An answer without any
    /// event still covers its system over this range: nothing was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_from: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_to: Option<Timestamp>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SourceCoverage {
    pub fn new(kind: SourceKind, input: impl Into<String>) -> Self {
        SourceCoverage {
            kind,
            system: None,
            input: input.into(),
            files_read: 0,
            files_skipped: 0,
            files_passed_over: 0,
            records_read: 0,
            first_event: None,
            last_event: None,
            records: BTreeMap::new(),
            data_event_services: Vec::new(),
            management_events: false,
            regions: None,
            answered_from: None,
            answered_to: None,
        }
    }
}

/// An input that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    /// The file (and record), policy or account concerned.
    pub input: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Warning {
    pub input: String,
    pub message: String,
}
