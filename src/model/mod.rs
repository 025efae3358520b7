//! The normalized, cloud-agnostic snapshot: what a collector or importer
//! found, before any analysis. Serialized as versioned JSON so an audit can be
//! saved and re-analysed offline (`permgap import` writes it, `permgap audit`
//! reads it). Nothing here knows whether it came from files or a live API.

mod coverage;

pub use coverage::{Coverage, Skipped, SourceCoverage, SourceKind, Warning};

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The cloud a catalog, system or identity belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

impl std::fmt::Display for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        })
    }
}

/// Version of the snapshot format; bumped on any incompatible change.
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Snapshot {
    pub schema_version: u32,
    /// Authorization systems: AWS accounts, Azure subscriptions, GCP projects.
    pub systems: Vec<System>,
    /// Users, groups and workload identities, sorted by `id`.
    pub identities: Vec<Identity>,
    /// Policy documents referenced by grants, sorted by `id`.
    pub policies: Vec<Policy>,
    /// Observed use, aggregated per (identity, permission, source).
    pub usage: Vec<UsageRecord>,
    /// Evidence that an identity was active, beyond permission use
    /// (sign-ins, access-key use, denied attempts, "role last used").
    pub activity: Vec<Activity>,
    /// Credentials: console passwords and access keys, never their secrets.
    pub credentials: Vec<Credential>,
    /// Service-level last access per identity (IAM Access Advisor): which
    /// services an identity authenticated to, and when last.
    #[serde(default)]
    pub service_access: Vec<ServiceAccess>,
    /// Grants whose use a source watched over a period (GCP IAM
    /// Recommender's policy insights).
    #[serde(default)]
    pub watched_grants: Vec<WatchedGrant>,
    /// The permissions a cloud itself listed for this tenant (Azure: the
    /// provider operations of `az provider operation list` or ARM's
    /// `providerOperations`). Where a cloud has any here, its audit catalog
    /// is this list, not the embedded one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed_permissions: Vec<ListedPermission>,
    pub coverage: Coverage,
}

impl Snapshot {
    pub fn new() -> Self {
        Snapshot {
            schema_version: SNAPSHOT_SCHEMA_VERSION,
            systems: Vec::new(),
            identities: Vec::new(),
            policies: Vec::new(),
            usage: Vec::new(),
            activity: Vec::new(),
            credentials: Vec::new(),
            service_access: Vec::new(),
            watched_grants: Vec::new(),
            listed_permissions: Vec::new(),
            coverage: Coverage::default(),
        }
    }

    /// Puts every list in its canonical order, so the same input always
    /// serializes to the same bytes.
    pub fn normalize(&mut self) {
        self.systems
            .sort_by(|a, b| (a.cloud, &a.id).cmp(&(b.cloud, &b.id)));
        self.systems
            .dedup_by(|a, b| a.cloud == b.cloud && a.id == b.id);
        self.identities.sort_by(|a, b| a.id.cmp(&b.id));
        self.policies.sort_by(|a, b| a.id.cmp(&b.id));
        self.policies.dedup_by(|a, b| a.id == b.id);
        self.usage.sort_by(|a, b| {
            (&a.identity, &a.permission, a.source, &a.scope).cmp(&(
                &b.identity,
                &b.permission,
                b.source,
                &b.scope,
            ))
        });
        self.activity.sort_by(|a, b| {
            (&a.identity, a.kind, a.last_seen).cmp(&(&b.identity, b.kind, b.last_seen))
        });
        self.credentials
            .sort_by(|a, b| (&a.identity, &a.kind).cmp(&(&b.identity, &b.kind)));
        self.service_access
            .sort_by(|a, b| (&a.identity, &a.service).cmp(&(&b.identity, &b.service)));
        self.service_access
            .dedup_by(|a, b| a.identity == b.identity && a.service == b.service);
        self.watched_grants.sort_by(|a, b| {
            (&a.identity, &a.policy, &a.scope, a.end).cmp(&(
                &b.identity,
                &b.policy,
                &b.scope,
                b.end,
            ))
        });
        self.listed_permissions.sort_by(|a, b| {
            (a.cloud, &a.name, a.data_plane).cmp(&(b.cloud, &b.name, b.data_plane))
        });
        self.listed_permissions.dedup_by(|a, b| {
            a.cloud == b.cloud && a.data_plane == b.data_plane && a.name == b.name
        });
        self.coverage.normalize();
    }

    /// Adds another snapshot (another account) to this one.
    pub fn merge(&mut self, other: Snapshot) {
        self.systems.extend(other.systems);
        self.identities.extend(other.identities);
        self.policies.extend(other.policies);
        self.usage.extend(other.usage);
        self.activity.extend(other.activity);
        self.credentials.extend(other.credentials);
        self.service_access.extend(other.service_access);
        self.watched_grants.extend(other.watched_grants);
        self.listed_permissions.extend(other.listed_permissions);
        self.coverage.sources.extend(other.coverage.sources);
        self.coverage.skipped.extend(other.coverage.skipped);
        self.coverage.warnings.extend(other.coverage.warnings);
        self.normalize();
    }

    pub fn identity(&self, id: &str) -> Option<&Identity> {
        self.identities
            .binary_search_by(|i| i.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.identities[i])
    }

    /// The credentials of one identity (the list is sorted by identity).
    pub fn credentials_of(&self, id: &str) -> &[Credential] {
        let start = self
            .credentials
            .partition_point(|c| c.identity.as_str() < id);
        let end = self
            .credentials
            .partition_point(|c| c.identity.as_str() <= id);
        &self.credentials[start..end]
    }

    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.policies[i])
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Self::new()
    }
}

/// An authorization system: the unit that grants are scoped to and that
/// summaries are made for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct System {
    pub cloud: Cloud,
    /// AWS account ID, Azure subscription ID, GCP project ID.
    pub id: String,
    pub name: Option<String>,
    /// AWS Organizations: the service control policies that apply, one list
    /// per level from the root down to the account (policy `id`s). An action
    /// is allowed only if every level allows it. Empty: no SCP applies (no
    /// organization, or the management account, which SCPs never restrict).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scp_levels: Vec<Vec<String>>,
    /// GCP: the folders and organization above the project, nearest first
    /// (`folders/123`, `organizations/456`). Azure: the management groups
    /// above the subscription, nearest first
    /// (`/providers/Microsoft.Management/managementGroups/MG`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
    /// GCP: the Data Access audit logs turned on for the project, by the
    /// `auditConfigs` of its IAM policy and its ancestors'. Admin Activity
    /// logs are always on and not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_log_configs: Vec<AuditLogConfig>,
}

/// One Data Access log type turned on for a service (GCP `auditConfigs`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct AuditLogConfig {
    /// `allServices` or a service such as `storage.googleapis.com`.
    pub service: String,
    /// `ADMIN_READ`, `DATA_READ` or `DATA_WRITE`.
    pub log_type: String,
    /// Members whose use is not logged (`user:alice@example.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempted_members: Vec<String>,
    /// Where it is set (`projects/p`, `folders/1`, `organizations/2`).
    pub set_on: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// A person's account: AWS IAM user with a console password, Azure user.
    User,
    /// A group: holds grants for its members, never acts itself.
    Group,
    /// AWS IAM role (assumed by people or services).
    Role,
    /// A non-human user: AWS IAM user with access keys and no console password.
    WorkloadUser,
    /// Azure service principal or managed identity, GCP service account.
    ServicePrincipal,
    /// Principals granted as a set whose members are not listed: GCP
    /// `group:`, `domain:`, `principalSet://`, `allUsers`,
    /// `allAuthenticatedUsers`. Logs name the member who acted, never the
    /// set, so a set's use cannot be observed; its grants are still audited.
    PrincipalSet,
}

impl IdentityKind {
    /// Groups hold grants but never act, so they are not audited themselves.
    pub fn acts(self) -> bool {
        self != IdentityKind::Group
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
            Self::WorkloadUser => "workload-user",
            Self::ServicePrincipal => "service-principal",
            Self::PrincipalSet => "principal-set",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    /// Globally unique: the ARN in AWS; `projects/P/members/MEMBER` in GCP,
    /// where one principal is an identity per project it is granted in.
    pub id: String,
    pub cloud: Cloud,
    /// The authorization system (AWS account ID) it lives in.
    pub system: String,
    pub name: String,
    pub kind: IdentityKind,
    pub created: Option<Timestamp>,
    /// The person behind it, where known (email, federated subject).
    pub human: Option<String>,
    /// Groups it belongs to (their `id`s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_of: Vec<String>,
    /// Policies attached to it directly. Group grants are found through
    /// `member_of`, so a group's change reaches every member.
    pub grants: Vec<Grant>,
    /// A permissions boundary (AWS): caps what `grants` can allow.
    pub boundary: Option<String>,
    /// Who may assume it (AWS roles: principals of the trust policy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_by: Vec<String>,
    /// Managed by the cloud provider (AWS service-linked roles): reported,
    /// but not proposed for change.
    #[serde(default)]
    pub provider_managed: bool,
}

/// A policy bound to an identity at a scope.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Grant {
    /// The policy's `id` in [`Snapshot::policies`].
    pub policy: String,
    /// Scope of the grant: the AWS account for identity policies; in GCP the
    /// resource whose IAM policy binds it (`projects/p`, `folders/1`,
    /// `organizations/2`), inherited down to the project.
    pub scope: String,
    /// A condition the grant holds under (GCP: the binding's condition,
    /// its title and expression): its permissions are conditional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// A grant that holds only once activated (Azure PIM's eligible
    /// assignments): its permissions are conditional.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eligible: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// Managed by the cloud provider (AWS-managed policy).
    ProviderManaged,
    /// Managed by the customer and attachable to many identities.
    CustomerManaged,
    /// Embedded in one identity.
    Inline,
    /// An AWS Organizations service control policy: it grants nothing, it
    /// caps what identity policies can grant.
    ServiceControl,
    /// An Azure deny assignment: it grants nothing; its principals may not
    /// perform its operations at its scope, whatever their roles grant.
    DenyAssignment,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Policy {
    /// AWS: the policy ARN for managed policies; `<identity ARN>#inline/<name>`
    /// for inline ones.
    pub id: String,
    pub cloud: Cloud,
    pub name: String,
    pub kind: PolicyKind,
    /// The effective document (AWS: the default version), as given: a JSON
    /// object, or a string (AWS's raw API returns documents URL-encoded).
    pub document: serde_json::Value,
    /// The file or API it was read from, for error messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// Where usage or activity evidence came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceSource {
    AwsCloudtrail,
    AwsCredentialReport,
    AwsAuthorizationDetails,
    AwsAccessAdvisor,
    /// GCP Cloud Audit Logs: the permissions checked, per principal.
    GcpAuditLogs,
    /// GCP IAM policies (a binding exists).
    GcpIamPolicy,
    /// GCP Policy Analyzer activities: last authentication of service
    /// accounts and their keys.
    GcpPolicyAnalyzer,
    /// GCP IAM Recommender policy insights: the permissions a binding's
    /// member exercised over the observation period (used some time in it;
    /// counted as last seen at its end).
    GcpRecommender,
    /// Azure Activity Log: the operations a principal performed (writes,
    /// deletes and actions; never reads or DataActions).
    AzureActivityLog,
    /// Azure role assignments (an assignment exists).
    AzureRoleAssignments,
}

/// Observed use of one permission by one identity, aggregated.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UsageRecord {
    pub identity: String,
    /// `service:Action` in the catalog's casing.
    pub permission: String,
    pub source: EvidenceSource,
    /// Where it was used, for a cloud whose grants are bound below the
    /// system (Azure: the event's `authorization.scope`, a resource group
    /// or resource). A use counts for a grant only at a scope under the
    /// grant's. Absent: anywhere in the identity's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub count: u64,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ActivityKind {
    /// Any API call or sign-in recorded for the identity, successful or not.
    ApiCall,
    /// A denied attempt (shows the identity is alive, not that it needs the permission).
    DeniedAttempt,
    ConsoleSignIn,
    AccessKeyUse,
    /// AWS `RoleLastUsed` from the authorization details.
    RoleLastUsed,
    /// GCP: a service account (or one of its keys) authenticated.
    Authentication,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Activity {
    pub identity: String,
    pub kind: ActivityKind,
    pub source: EvidenceSource,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Timestamp,
    pub count: u64,
}

/// A role binding whose use a source watched: GCP IAM Recommender's policy
/// insight (`google.iam.policy.Insight`) on one member's binding. Every
/// permission of the role is observable for the member in `[start, end]`
/// (the Recommender counts use from IAM's own access data, whatever audit
/// logs are on); those it saw exercised are in the usage.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WatchedGrant {
    pub identity: String,
    /// The role.
    pub policy: String,
    /// Where it is bound (`projects/P`).
    pub scope: String,
    pub source: EvidenceSource,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// An identity's last access to one service, over the source's tracking
/// period (IAM Access Advisor: 400 days).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ServiceAccess {
    pub identity: String,
    /// The service's permission prefix (`s3`).
    pub service: String,
    /// `None`: not accessed in the tracking period.
    pub last_accessed: Option<Timestamp>,
    pub source: EvidenceSource,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Credential {
    pub identity: String,
    /// `password`, `access-key-1`, `access-key-2`; GCP `key/<KEY_ID>` (a
    /// user-managed service account key).
    pub kind: String,
    pub active: bool,
    /// Created, or last rotated (access keys), or last changed (passwords).
    pub since: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
    /// When it stops working (GCP keys' `validBeforeTime`), if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
}

/// A permission as a cloud listed it for the tenant (see
/// [`Snapshot::listed_permissions`]).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ListedPermission {
    pub cloud: Cloud,
    /// `Microsoft.Storage/storageAccounts/read`.
    pub name: String,
    /// A data-plane permission (Azure's `isDataAction`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub data_plane: bool,
}

/// The JSON Schema of the snapshot, as committed in `schema/`.
pub fn schema() -> String {
    let s = schemars::schema_for!(Snapshot);
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}
