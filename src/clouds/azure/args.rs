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
