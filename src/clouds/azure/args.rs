//! The command-line arguments of Azure: `import azure` (and, flattened into
//! the commands' own, the live ones).

use std::path::PathBuf;

use clap::Args;

/// The `az` commands whose output `import azure` reads, as its help shows them.
pub const AZURE_EXPORTS: &str = "\
The exports, one `az` command each (run per subscription: `az account set --subscription S`):
  --role-assignments      az role assignment list --all --include-inherited -o json
  --role-definitions      az role definition list -o json   (custom roles; built-in ones are embedded)
  --activity-log          az monitor activity-log list --offset 90d --max-events 1000000 -o json
                            (az returns 7 days and 50 events unless told otherwise)
  --principals            az ad user list -o json; az ad sp list --all -o json; az ad group list -o json
                            (groups' members: az rest --url \"https://graph.microsoft.com/v1.0/groups?$expand=transitiveMembers($select=id)\")
  --management-groups     az account management-group entities list -o json
  --eligible              az rest --url \"/subscriptions/S/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01\"
  --deny-assignments      az rest --url \"/subscriptions/S/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01\"
  --operations            az provider operation list -o json   (replaces the embedded catalog)
Every file may also be an ARM answer (`{\"value\": [...]}`). A folder given to --activity-log is read for *.json.";

#[derive(Debug, Args)]
pub struct ImportAzure {
    /// Role assignments (repeatable: one export per subscription).
    #[arg(long, value_name = "FILE", required = true)]
    pub role_assignments: Vec<PathBuf>,
    /// Role definitions (repeatable); built-in roles missing from them come
    /// from the embedded catalog.
    #[arg(long, value_name = "FILE")]
    pub role_definitions: Vec<PathBuf>,
    /// PIM eligible assignments (repeatable).
    #[arg(long, value_name = "FILE")]
    pub eligible: Vec<PathBuf>,
    /// Activity Log exports, or folders of them (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    pub activity_log: Vec<PathBuf>,
    /// Directory objects from Microsoft Graph: users, service principals,
    /// groups with their members (repeatable).
    #[arg(long, value_name = "FILE")]
    pub principals: Vec<PathBuf>,
    /// Management groups and subscriptions with their parents.
    #[arg(long, value_name = "FILE")]
    pub management_groups: Vec<PathBuf>,
    /// Deny assignments (repeatable).
    #[arg(long, value_name = "FILE")]
    pub deny_assignments: Vec<PathBuf>,
    /// The tenant's provider operations: the catalog instead of the
    /// embedded one.
    #[arg(long, value_name = "FILE")]
    pub operations: Vec<PathBuf>,
}

/// How to reach Azure: the first credential of the chain that yields a
/// token (a service principal's secret or certificate or workload identity
/// from the environment, the managed identity, `az login`), unless
/// `--credential` names one.
#[derive(Debug, Args)]
pub struct LiveAzure {
    /// A subscription ID (repeatable); default: every enabled subscription
    /// the credential sees. The management groups above it are read for
    /// what they assign.
    #[arg(long, value_name = "ID")]
    pub subscription: Vec<String>,
    /// Do not read the Activity Log (then no operation is known used, and
    /// none is called unused).
    #[arg(long)]
    pub no_activity_log: bool,
    /// Do not read Microsoft Graph (principals are then named by object id,
    /// and groups' members are not known).
    #[arg(long)]
    pub no_graph: bool,
    #[command(flatten)]
    pub reach: Reach,
    #[command(flatten)]
    pub range: crate::clouds::args::UsageRange,
    #[command(flatten)]
    pub concurrency: crate::clouds::args::Concurrency,
}

/// `permgap doctor azure`: the credential and endpoints of a collection.
#[derive(Debug, Args)]
pub struct DoctorAzure {
    /// A subscription to check (repeatable); default: the first three the
    /// credential sees.
    #[arg(long, value_name = "ID")]
    pub subscription: Vec<String>,
    #[command(flatten)]
    pub reach: Reach,
}

/// How a collection or `doctor azure` reaches Azure: the credential and the
/// base URLs, defined once.
#[derive(Debug, Args)]
pub struct Reach {
    /// Use only this credential, not the chain.
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub credential: Option<super::credentials::Source>,
    /// Azure Resource Manager's base URL.
    #[arg(
        long,
        value_name = "URL",
        env = "PERMGAP_AZURE_ARM_ENDPOINT",
        default_value = "https://management.azure.com"
    )]
    pub arm_endpoint: String,
    /// Microsoft Graph's base URL.
    #[arg(
        long,
        value_name = "URL",
        env = "PERMGAP_AZURE_GRAPH_ENDPOINT",
        default_value = "https://graph.microsoft.com"
    )]
    pub graph_endpoint: String,
    /// Send no credentials (a test stub).
    #[arg(long, hide = true)]
    pub anonymous: bool,
}
