//! clap definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::Timestamp;

#[derive(Debug, Parser)]
#[command(
    name = "permgap",
    version,
    about = "Audit the cloud permissions gap: what identities are granted and never use",
    long_about = None,
    after_help = "Exit codes: 0 complete, 1 check failed, 2 usage or config error, 3 collection failed or result partial."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// No progress or status on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Colour in tables: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Threads reading log files (default: every core).
    #[arg(long, short = 'j', global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Identities by PCI, per system, with coverage (fits 100 columns).
    Table,
    /// The documented contract (schema/report.schema.json).
    Json,
    /// One row per identity and one per finding (a `record` column tells).
    Csv,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF readers.
    Sarif,
    /// A summary for a pull-request comment or $GITHUB_STEP_SUMMARY.
    Markdown,
    /// One self-contained HTML page: charts, a sortable table, each
    /// identity's findings and unused permissions.
    Html,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a cloud's exported files into a snapshot.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Collect a cloud's entitlements through its APIs into a snapshot.
    #[command(subcommand)]
    Collect(CollectCommand),
    /// Collect and audit in one go.
    #[command(subcommand)]
    Scan(ScanCommand),
    /// Audit a snapshot: granted, used, unused, unobservable, PCI, findings.
    Audit(AuditArgs),
    /// Audit a snapshot and gate it: exit 1 when a threshold of
    /// permgap.toml is breached.
    Check(CheckArgs),
    /// Write an annotated permgap.toml (the gate's configuration).
    Init(InitArgs),
    /// Record a snapshot's findings, so that `check --baseline` fails only
    /// on new ones.
    Baseline(BaselineArgs),
    /// What changed between two snapshots or reports: identities, grants,
    /// PCI, findings.
    Diff(DiffArgs),
    /// Audit the built-in demo organisation.
    Demo(DemoArgs),
    /// List the permissions of a catalog that a pattern matches.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Check credentials and the permissions a collection needs.
    #[command(subcommand)]
    Doctor(DoctorCommand),
    /// Explain a finding ID, or list them all.
    Explain {
        /// A finding ID such as `super-identity`.
        id: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// AWS: `aws iam get-account-authorization-details`, CloudTrail logs,
    /// and optionally `aws iam get-credential-report`.
    Aws(ImportAws),
    /// GCP: a folder of `gcloud` exports (IAM policies of projects, folders
    /// and the organization, ancestry, roles, service accounts, keys,
    /// Policy Analyzer activities, audit log entries).
    #[command(after_long_help = GCP_LAYOUT)]
    Gcp(ImportGcp),
}

/// The export folder's layout, as `import gcp --help` shows it.
const GCP_LAYOUT: &str = "\
Layout of DIR (gcloud writes no resource name into a policy export, so the folder names it):
  organizations/ORG_ID/iam-policy.json   gcloud organizations get-iam-policy ORG_ID --format=json
  folders/FOLDER_ID/iam-policy.json      gcloud resource-manager folders get-iam-policy FOLDER_ID --format=json
  projects/PROJECT/iam-policy.json       gcloud projects get-iam-policy PROJECT --format=json
  projects/PROJECT/ancestors.json        gcloud projects get-ancestors PROJECT --format=json
  projects/PROJECT/project.json          gcloud projects describe PROJECT --format=json   (optional)
  projects/PROJECT/service-accounts.json gcloud iam service-accounts list --project PROJECT --format=json
  projects/PROJECT/keys/EMAIL.json       gcloud iam service-accounts keys list --iam-account EMAIL --managed-by=user --format=json
  projects/PROJECT/activity/TYPE.json    gcloud policy-intelligence query-activity --project PROJECT --format=json
                                           --activity-type=TYPE, for TYPE serviceAccountLastAuthentication and
                                           serviceAccountKeyLastAuthentication (key findings need the latter)
  projects/PROJECT/insights/NAME.json    gcloud recommender insights list --insight-type=google.iam.policy.Insight
                                           --location=global --project PROJECT --format=json   (optional)
  roles/NAME.json                        gcloud iam roles describe ROLE [--project P | --organization O] --format=json
                                           (custom roles; predefined roles are built in)
  **/logs/NAME.json                      gcloud logging read 'logName:\"cloudaudit.googleapis.com\"' --project PROJECT
                                           --freshness=90d --format=json   (also --organization / --folder)
Every project with an iam-policy.json is audited.";

#[derive(Debug, Args)]
pub struct ImportGcp {
    /// The folder of exports (layout below).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "SNAPSHOT.json")]
    pub output: PathBuf,
}

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
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "SNAPSHOT.json")]
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// AWS: which of permgap's read-only permissions the credentials have.
    Aws(DoctorAws),
}

#[derive(Debug, Args)]
pub struct DoctorAws {
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
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
    #[arg(long, value_name = "NAME", default_value = "primary")]
    pub athena_workgroup: String,
    #[arg(long, value_name = "S3_URL")]
    pub athena_output: Option<String>,
    /// Also check the organization's reads, and that `--role-name` can be
    /// assumed in every active member account (naming those where not).
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

#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// AWS: the account of the current credentials.
    Aws(CollectAws),
    /// GCP: projects, or every project of an organization, through Google's
    /// APIs.
    Gcp(CollectGcp),
}

#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// AWS: the account of the current credentials.
    Aws(ScanAws),
    /// GCP: projects, or every project of an organization, through Google's
    /// APIs.
    Gcp(ScanGcp),
}

/// How to reach Google Cloud: Application Default Credentials
/// (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default
/// login`, the metadata server) unless told otherwise.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).multiple(true).args(["project", "organization"])))]
pub struct LiveGcp {
    /// A project ID or number (repeatable); the folders and organization
    /// above it are read for what they bind.
    #[arg(long, value_name = "PROJECT")]
    pub project: Vec<String>,
    /// An organization ID: every active project below it, in every folder
    /// (repeatable).
    #[arg(long, value_name = "ORG_ID")]
    pub organization: Vec<String>,
    /// A service account key file (JSON) to authenticate with, instead of
    /// Application Default Credentials.
    #[arg(long, value_name = "KEY.json")]
    pub credentials: Option<PathBuf>,
    /// Act as this service account (the credentials need
    /// roles/iam.serviceAccountTokenCreator on it).
    #[arg(long, value_name = "EMAIL")]
    pub impersonate_service_account: Option<String>,
    /// Do not read Cloud Audit Logs (then no permission is known used, and
    /// none is called unused).
    #[arg(long)]
    pub no_logs: bool,
    /// Do not query Policy Analyzer (service account and key last
    /// authentication; without it no key is called unused).
    #[arg(long)]
    pub no_policy_analyzer: bool,
    /// Do not read IAM Recommender's policy insights.
    #[arg(long)]
    pub no_insights: bool,
    /// How many projects are collected at once.
    #[arg(long, value_name = "N", default_value = "4", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// How many days of audit logs to read, ending at `--until`.
    #[arg(long, value_name = "DAYS", default_value = "90", value_parser = window_days)]
    pub days: u32,
    /// The end of the audit logs read (RFC 3339; default now); `scan`
    /// audits as of it unless `--as-of` says otherwise.
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<Timestamp>,
    /// Send every API call here instead of Google (an emulator or a test
    /// stub), e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL", env = "PERMGAP_GCP_ENDPOINT", hide = true)]
    pub endpoint: Option<String>,
    /// Send no credentials (with `--endpoint`).
    #[arg(long, hide = true, requires = "endpoint")]
    pub anonymous: bool,
}

#[derive(Debug, Args)]
pub struct CollectGcp {
    #[command(flatten)]
    pub live: LiveGcp,
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "SNAPSHOT.json")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScanGcp {
    #[command(flatten)]
    pub live: LiveGcp,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub gate: ScanGate,
}

/// How to reach AWS: the SDK's standard credential chain and its variables
/// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...) apply.
#[derive(Debug, Args)]
pub struct LiveAws {
    /// A profile of ~/.aws/config (SSO profiles included).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The region for regional calls (IAM is global; default us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
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
    /// The Athena workgroup to run the query in.
    #[arg(long, value_name = "NAME", default_value = "primary")]
    pub athena_workgroup: String,
    /// Where Athena writes the query's results (`s3://...`), unless the
    /// workgroup sets it.
    #[arg(long, value_name = "S3_URL")]
    pub athena_output: Option<String>,
    /// Audit every account of the AWS Organization the credentials manage:
    /// assume `--role-name` in each, fold in the SCPs that apply to it.
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
    /// How many accounts are collected at once.
    #[arg(long, value_name = "N", default_value = "4", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// How many days of usage to collect, ending at `--until`.
    /// LookupEvents keeps 90 days: older ones are not looked up.
    #[arg(long, value_name = "DAYS", default_value = "90", value_parser = window_days)]
    pub days: u32,
    /// The end of the usage collected (RFC 3339; default now). With
    /// `--days`, the time range read from LookupEvents and S3; `scan`
    /// audits as of it unless `--as-of` says otherwise.
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<Timestamp>,
}

#[derive(Debug, Args)]
pub struct CollectAws {
    #[command(flatten)]
    pub live: LiveAws,
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "SNAPSHOT.json")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScanAws {
    #[command(flatten)]
    pub live: LiveAws,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub gate: ScanGate,
}

/// `scan --check`: gate the scan as `permgap check` gates a snapshot.
#[derive(Debug, Args)]
pub struct ScanGate {
    /// Gate the result with permgap.toml's thresholds (exit 1 on a breach).
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// The gate's configuration and baseline.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The gate's configuration (default: ./permgap.toml if it exists, else
    /// the built-in defaults that `permgap init` writes). A path given that
    /// does not exist is an error.
    #[arg(long, value_name = "permgap.toml")]
    pub config: Option<PathBuf>,
    /// A baseline written by `permgap baseline`: the findings and numbers it
    /// holds are accepted, and only new or worse ones count.
    #[arg(long, value_name = "BASELINE.json")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A snapshot written by `permgap import` or `permgap collect`.
    #[arg(value_name = "SNAPSHOT.json")]
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it.
    #[arg(value_name = "FILE", default_value = "permgap.toml")]
    pub path: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// A snapshot written by `permgap import` or `permgap collect`.
    #[arg(value_name = "SNAPSHOT.json")]
    pub snapshot: PathBuf,
    /// Its `[audit]` window and `[ignore]` apply, as in `check`.
    #[arg(long, value_name = "permgap.toml")]
    pub config: Option<PathBuf>,
    /// The end of the window (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<Timestamp>,
    /// The window's length in days (default: the configuration's, else 90).
    #[arg(long, value_name = "DAYS", value_parser = window_days)]
    pub window: Option<u32>,
    /// Where to write the baseline.
    #[arg(long, short, value_name = "BASELINE.json")]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot or JSON report.
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The newer snapshot or JSON report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// For a snapshot: the end of the window it is audited as of (RFC
    /// 3339; default now). A report keeps its own.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<Timestamp>,
    /// For a snapshot: the window's length in days.
    #[arg(long, value_name = "DAYS", default_value = "90", value_parser = window_days)]
    pub window: u32,
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write it here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What an audit reports and where.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The end of the window (RFC 3339, e.g. 2026-11-01T00:00:00Z); default
    /// now (for the demo, its data's date, 2026-11-01T00:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<Timestamp>,
    /// The window's length in days (default: the configuration's
    /// `[audit] window_days` for `check`, else 90).
    #[arg(long, value_name = "DAYS", value_parser = window_days)]
    pub window: Option<u32>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of stdout (a one-line verdict still
    /// goes to stderr).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn window_days(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if (1..=3650).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number of days between 1 and 3650")),
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A snapshot written by `permgap import` or `permgap collect`.
    #[arg(value_name = "SNAPSHOT.json")]
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub gate: ScanGate,
    /// Also write the demo's snapshot here, to try `check`, `baseline` and
    /// `diff` on it.
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// The AWS catalog: `permgap catalog aws 's3:Get*'`.
    Aws {
        /// An action pattern (`s3:Get*`, `*:List*`, `*`); default `*`.
        pattern: Option<String>,
    },
    /// The GCP catalog: `permgap catalog gcp 'storage.objects.*'`, or a
    /// predefined role's permissions: `permgap catalog gcp roles/editor`.
    Gcp {
        /// A permission pattern (`storage.objects.*`, `*.setIamPolicy` is not
        /// one: the service comes first), `*`, or `roles/NAME`; default `*`.
        pattern: Option<String>,
    },
}

impl CatalogCommand {
    /// The cloud asked about, and the pattern.
    pub fn cloud(&self) -> (crate::catalog::Cloud, Option<&str>) {
        use crate::catalog::Cloud;
        match self {
            CatalogCommand::Aws { pattern } => (Cloud::Aws, pattern.as_deref()),
            CatalogCommand::Gcp { pattern } => (Cloud::Gcp, pattern.as_deref()),
        }
    }
}
