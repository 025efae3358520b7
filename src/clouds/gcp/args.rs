//! The command-line arguments of GCP: `import gcp`, `collect gcp` and
//! `scan gcp` (flattened into the commands' own).

use std::path::PathBuf;

use clap::Args;

use crate::clouds::args::{Concurrency, UsageRange};

/// The export folder's layout, as `import gcp --help` shows it.
pub const GCP_LAYOUT: &str = "\
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
    /// Send every API call here instead of Google (an emulator or a test
    /// stub), e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL", env = "PERMGAP_GCP_ENDPOINT", hide = true)]
    pub endpoint: Option<String>,
    /// Send no credentials (with `--endpoint`).
    #[arg(long, hide = true, requires = "endpoint")]
    pub anonymous: bool,
    #[command(flatten)]
    pub range: UsageRange,
    #[command(flatten)]
    pub concurrency: Concurrency,
}
