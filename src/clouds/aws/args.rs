//! The command-line arguments of AWS: `import aws`, `collect aws` and
//! `scan aws` (flattened into the commands' own), `doctor aws`.

use std::path::PathBuf;

use clap::Args;
use jiff::Timestamp;

use crate::clouds::args::{Concurrency, UsageRange, window_days};

#[derive(Debug, Args)]
pub struct ImportAws {
    /// Output of `aws iam get-account-authorization-details --output json`
    /// (repeat for several accounts).
    #[arg(long = "authorization-details", value_name = "FILE", required = true)]
    pub authorization_details: Vec<PathBuf>,
    /// A CloudTrail log file or a directory tree of them (`AWSLogs/...`,
    /// `.json` or `.json.gz`); repeatable.
    #[arg(long, value_name = "PATH")]
    pub cloudtrail: Vec<PathBuf>,
    /// The decoded CSV of `aws iam get-credential-report`.
    #[arg(long, value_name = "FILE")]
    pub credential_report: Option<PathBuf>,
    /// Read only the log files delivered in this many days (default 90
    /// with `--until`) ending at `--until`, by their path; other files are
    /// not opened. Without both, every file is read.
    #[arg(long, value_name = "DAYS", value_parser = window_days)]
    pub days: Option<u32>,
    /// The end of that range (RFC 3339; default now with `--days`).
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<Timestamp>,
}

#[derive(Debug, Args)]
pub struct DoctorAws {
    #[command(flatten)]
    pub reach: Reach,
    /// Also check cloudtrail:LookupEvents in this region.
    #[arg(long = "lookup-region", value_name = "REGION")]
    pub lookup_region: Option<String>,
    /// Also check reading this CloudTrail location (`s3://BUCKET/PREFIX`):
    /// listing it and reading its first object.
    #[arg(long = "cloudtrail-s3", value_name = "S3_URL")]
    pub cloudtrail_s3: Option<String>,
    /// Also check IAM Access Advisor's two actions (on one user or role).
    #[arg(long)]
    pub access_advisor: bool,
    /// Also check running a query on this Athena table (`DATABASE.TABLE`;
    /// `LIMIT 0`, so nothing is scanned).
    #[arg(long = "cloudtrail-athena", value_name = "DATABASE.TABLE")]
    pub cloudtrail_athena: Option<String>,
    #[command(flatten)]
    pub athena: AthenaPlace,
    #[command(flatten)]
    pub org: Org,
}

/// How to reach AWS: the SDK's standard credential chain and its variables
/// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...) apply.
#[derive(Debug, Args)]
pub struct LiveAws {
    #[command(flatten)]
    pub reach: Reach,
    /// Do not generate and read the credential report.
    #[arg(long)]
    pub no_credential_report: bool,
    /// CloudTrail log files on disk to read as usage (repeatable).
    #[arg(long, value_name = "PATH")]
    pub cloudtrail: Vec<PathBuf>,
    /// Read usage from CloudTrail's LookupEvents API: the management events
    /// of `--days` ending at `--until` (the API keeps 90 days), about 2
    /// requests a second per region.
    #[arg(long)]
    pub lookup_events: bool,
    /// A region to look events up in (repeatable). Default: the 17 regions
    /// enabled in every account, and the configured one; name the opt-in
    /// regions an account uses. Each region is its own paced run, in
    /// parallel.
    #[arg(
        long = "lookup-region",
        value_name = "REGION",
        requires = "lookup_events"
    )]
    pub lookup_regions: Vec<String>,
    /// CloudTrail log files in S3, where a trail delivers them
    /// (`s3://BUCKET/PREFIX`, the folder holding `AWSLogs/`); repeatable.
    /// Only the collected account's keys of the last `--days` are read.
    #[arg(long = "cloudtrail-s3", value_name = "S3_URL")]
    pub cloudtrail_s3: Vec<String>,
    /// Read IAM Access Advisor for every user and role: service-level last
    /// access over 400 days, action-level where AWS tracks it.
    #[arg(long)]
    pub access_advisor: bool,
    /// CloudTrail aggregated in Amazon Athena: the trail's table
    /// (`DATABASE.TABLE`, the table the Athena User Guide defines for
    /// CloudTrail). Only (identity, event, outcome, first, last, count) rows
    /// come back.
    #[arg(long = "cloudtrail-athena", value_name = "DATABASE.TABLE")]
    pub cloudtrail_athena: Vec<String>,
    #[command(flatten)]
    pub athena: AthenaPlace,
    #[command(flatten)]
    pub org: Org,
    #[command(flatten)]
    pub range: UsageRange,
    #[command(flatten)]
    pub concurrency: Concurrency,
}

/// Which credentials and region: `doctor aws` checks what `collect aws`
/// uses.
#[derive(Debug, Args)]
pub struct Reach {
    /// A profile of ~/.aws/config (SSO profiles included).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The region for regional calls (IAM is global; default us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

/// Where an Athena query runs.
#[derive(Debug, Args)]
pub struct AthenaPlace {
    /// The Athena workgroup to run the query in.
    #[arg(long, value_name = "NAME", default_value = "primary")]
    pub athena_workgroup: String,
    /// Where Athena writes the query's results (`s3://...`), unless the
    /// workgroup sets it.
    #[arg(long, value_name = "S3_URL")]
    pub athena_output: Option<String>,
}

/// The AWS Organization.
#[derive(Debug, Args)]
pub struct Org {
    /// Every account of the AWS Organization the credentials manage:
    /// `collect`/`scan` assume `--role-name` in each and fold in the SCPs
    /// that apply to it; `doctor` checks the organization's reads and that
    /// the role can be assumed in each (naming those where not).
    #[arg(long)]
    pub org: bool,
    /// The role assumed in each member account.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole",
        requires = "org"
    )]
    pub role_name: String,
}

impl Reach {
    /// The SDK options they make.
    pub fn options(&self) -> super::live::LiveOptions {
        super::live::LiveOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            ..Default::default()
        }
    }
}

impl Org {
    /// The role to assume in member accounts, with `--org`.
    pub fn role(&self) -> Option<&str> {
        self.org.then_some(self.role_name.as_str())
    }
}
