//! clap definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::Timestamp;

use crate::clouds::args::window_days;
use crate::clouds::aws::args::{DoctorAws, ImportAws, LiveAws};
use crate::clouds::azure::args::{AZURE_EXPORTS, DoctorAzure, ImportAzure, LiveAzure};
use crate::clouds::gcp::args::{GCP_LAYOUT, ImportGcp, LiveGcp};

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
    Aws(Import<ImportAws>),
    /// GCP: a folder of `gcloud` exports (IAM policies of projects, folders
    /// and the organization, ancestry, roles, service accounts, keys,
    /// Policy Analyzer activities, audit log entries).
    #[command(after_long_help = GCP_LAYOUT)]
    Gcp(Import<ImportGcp>),
    /// Azure: `az` exports of role assignments, role and deny definitions,
    /// principals, management groups and the Activity Log.
    #[command(after_long_help = AZURE_EXPORTS)]
    Azure(Import<ImportAzure>),
}

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// AWS: which of permgap's read-only permissions the credentials have.
    Aws(DoctorAws),
    /// Azure: which of the reads a collection needs the credential can do.
    Azure(DoctorAzure),
}

#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// AWS: the account of the current credentials.
    Aws(Collect<LiveAws>),
    /// GCP: projects, or every project of an organization, through Google's
    /// APIs.
    Gcp(Collect<LiveGcp>),
    /// Azure: subscriptions (or every one the credential sees) through ARM
    /// and Microsoft Graph.
    Azure(Collect<LiveAzure>),
}

#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// AWS: the account of the current credentials.
    Aws(Scan<LiveAws>),
    /// GCP: projects, or every project of an organization, through Google's
    /// APIs.
    Gcp(Scan<LiveGcp>),
    /// Azure: subscriptions (or every one the credential sees) through ARM
    /// and Microsoft Graph.
    Azure(Scan<LiveAzure>),
}

/// `import CLOUD`: a cloud's import arguments, and where the snapshot goes.
#[derive(Debug, Args)]
pub struct Import<I: Args> {
    #[command(flatten)]
    pub import: I,
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "SNAPSHOT.json")]
    pub output: PathBuf,
}

/// `collect CLOUD`: a cloud's live arguments, and where the snapshot goes.
#[derive(Debug, Args)]
pub struct Collect<L: Args> {
    #[command(flatten)]
    pub live: L,
    /// Where to write the snapshot (JSON).
    #[arg(long, short, value_name = "SNAPSHOT.json")]
    pub output: PathBuf,
}

/// `scan CLOUD`: a cloud's live arguments, the report's and the gate's.
#[derive(Debug, Args)]
pub struct Scan<L: Args> {
    #[command(flatten)]
    pub live: L,
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
    /// The Azure catalog: `permgap catalog azure 'Microsoft.Storage/*'`, or a
    /// built-in role's operations: `permgap catalog azure 'Storage Blob Data Reader'`.
    Azure {
        /// An operation pattern (`Microsoft.Storage/*`, `*/read`, `*`: both
        /// Actions and DataActions), or a built-in role's name or GUID;
        /// default `*`.
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
            CatalogCommand::Azure { pattern } => (Cloud::Azure, pattern.as_deref()),
        }
    }
}
