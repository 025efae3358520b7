//! What Cloud Audit Logs can see of a permission's use.
//!
//! Every audit log entry names the permissions IAM checked for the call
//! (`protoPayload.authorizationInfo[].permission`). Which calls are logged
//! depends on the log type of the call, as Cloud Audit Logs documents it
//! ("Cloud Audit Logs overview", "Data Access audit logs"):
//! - Admin Activity: calls that change configuration or metadata. Always
//!   written; cannot be turned off.
//! - Data Access: `ADMIN_READ` (reads of configuration or metadata),
//!   `DATA_READ` (reads of user data), `DATA_WRITE` (writes of user data).
//!   Off by default, except for BigQuery, whose Data Access logs are always
//!   on; turned on per service (or `allServices`) by the `auditConfigs` of
//!   the IAM policies of the project and its ancestors, with
//!   `exemptedMembers` whose calls stay unlogged.
//!
//! permgap classifies a permission by its verb (reads: get, list, ...) and
//! by a table of data-plane permissions (objects, rows, messages, secrets,
//! keys' cryptographic use, invocations, credentials minted). What its class
//! is not logged for is unobservable: never called unused.

use crate::catalog::AccessLevel;
use crate::clouds::gcp::catalog as gcp;
use crate::model::AuditLogConfig;

/// The audit log type a permission's use is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogType {
    /// Checked without a log entry of its own that names it: not seen.
    Never,
    AdminWrite,
    AdminRead,
    DataRead,
    DataWrite,
}

impl LogType {
    pub fn config_name(self) -> &'static str {
        match self {
            LogType::Never => "NONE",
            LogType::AdminWrite => "ADMIN_WRITE",
            LogType::AdminRead => "ADMIN_READ",
            LogType::DataRead => "DATA_READ",
            LogType::DataWrite => "DATA_WRITE",
        }
    }
}

/// Resources whose every permission acts on user data (`service.resource`).
const DATA_RESOURCES: &[&str] = &[
    "storage.objects",
    "storage.multipartUploads",
    "datastore.entities",
    "datastore.databases.getMetadata",
    "pubsublite.topics.publish",
];

/// Single data-plane permissions (Data Access logs, `DATA_READ` when their
/// verb reads and `DATA_WRITE` otherwise).
const DATA_PERMISSIONS: &[&str] = &[
    "bigquery.tables.getData",
    "bigquery.tables.updateData",
    "bigquery.tables.export",
    "bigtable.tables.readRows",
    "bigtable.tables.mutateRows",
    "bigtable.tables.sampleRowKeys",
    "bigtable.tables.checkAndMutateRow",
    "bigtable.tables.readModifyWriteRow",
    "cloudfunctions.functions.call",
    "cloudfunctions.functions.invoke",
    "cloudkms.cryptoKeyVersions.useToDecrypt",
    "cloudkms.cryptoKeyVersions.useToEncrypt",
    "cloudkms.cryptoKeyVersions.useToSign",
    "cloudkms.cryptoKeyVersions.useToVerify",
    "cloudkms.cryptoKeyVersions.viewPublicKey",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.getOpenIdToken",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "logging.logEntries.create",
    "logging.logEntries.list",
    "monitoring.timeSeries.create",
    "monitoring.timeSeries.list",
    "pubsub.subscriptions.consume",
    "pubsub.topics.publish",
    "run.routes.invoke",
    "secretmanager.versions.access",
    "spanner.databases.read",
    "spanner.databases.write",
    "spanner.databases.select",
    "spanner.databases.beginReadOnlyTransaction",
    "spanner.databases.beginOrRollbackReadWriteTransaction",
];

/// Permissions IAM checks while another call runs, which that call's log
/// entry is not known to list: `iam.serviceAccounts.actAs` (checked when a
/// service account is attached to a VM, a function or a service; a real
/// `compute.instances.insert` entry lists the disk and subnetwork
/// permissions, not actAs). As `iam:PassRole` in AWS, it is unobservable,
/// and its use seen in a log still counts.
pub const PERMISSION_ONLY: &[&str] = &["iam.serviceAccounts.actAs"];

/// The log type of a permission.
pub fn log_type(permission: &str) -> LogType {
    if PERMISSION_ONLY.contains(&permission) {
        return LogType::Never;
    }
    // A resource's IAM policy is configuration, even on data resources.
    match gcp::verb(permission) {
        "getIamPolicy" => return LogType::AdminRead,
        "setIamPolicy" => return LogType::AdminWrite,
        _ => {}
    }
    let level = gcp::level_of(permission);
    let reads = matches!(level, AccessLevel::Read | AccessLevel::List);
    let data = DATA_PERMISSIONS.contains(&permission)
        || DATA_RESOURCES.iter().any(|r| {
            permission
                .strip_prefix(r)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        });
    match (data, reads) {
        (true, true) => LogType::DataRead,
        (true, false) => LogType::DataWrite,
        (false, true) => LogType::AdminRead,
        (false, false) => LogType::AdminWrite,
    }
}

/// The API that checks a permission, as `auditConfigs` name services.
pub fn service_of(permission: &str) -> String {
    let prefix = permission.split('.').next().unwrap_or(permission);
    if DATA_PERMISSIONS.contains(&permission) && permission.starts_with("iam.serviceAccounts.") {
        return "iamcredentials.googleapis.com".into();
    }
    // BigQuery's reservations, transfers and connections are APIs of their
    // own, without BigQuery's always-on Data Access logs.
    let sub = permission.split('.').nth(1).unwrap_or("");
    let host = match (prefix, sub) {
        (
            "bigquery",
            "reservations" | "capacityCommitments" | "reservationAssignments" | "bireservations",
        ) => "bigqueryreservation",
        ("bigquery", "transfers") => "bigquerydatatransfer",
        ("bigquery", "connections") => "bigqueryconnection",
        _ => prefix,
    };
    let host = match host {
        "resourcemanager" => "cloudresourcemanager",
        "cloudsql" => "sqladmin",
        "cloudfunctions" => "cloudfunctions",
        "datastore" => "datastore",
        other => other,
    };
    format!("{host}.googleapis.com")
}

/// Services whose Data Access logs are always on.
const ALWAYS_LOGGED: &[&str] = &["bigquery.googleapis.com"];

/// Whether the use of `permission` by `member` (`user:alice@example.com`)
/// is written to the audit logs of a project with these configurations.
///
/// IAM combines the configs of `allServices` and of the service, on the
/// project and its ancestors: a log type is on if any of them turns it on,
/// and a member is exempted if any of them exempts it. An exempted group or
/// domain may hold any member, so it makes the type unseen for everyone.
pub fn logged(permission: &str, member: &str, configs: &[AuditLogConfig]) -> bool {
    logged_as(
        log_type(permission),
        &service_of(permission),
        member,
        configs,
    )
}

/// [`logged`] for a permission whose log type and service are known.
pub fn logged_as(t: LogType, service: &str, member: &str, configs: &[AuditLogConfig]) -> bool {
    match t {
        LogType::AdminWrite => return true,
        LogType::Never => return false,
        _ => {}
    }
    if ALWAYS_LOGGED.contains(&service) {
        return true;
    }
    let applies = |c: &&AuditLogConfig| {
        c.log_type == t.config_name() && (c.service == "allServices" || c.service == service)
    };
    let on = configs.iter().any(|c| applies(&c));
    let exempted = configs.iter().filter(applies).any(|c| {
        c.exempted_members.iter().any(|m| {
            m == member
                || m.starts_with("group:")
                || m.starts_with("domain:")
                || m.starts_with("principalSet:")
        })
    });
    on && !exempted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(service: &str, t: &str, exempt: &[&str]) -> AuditLogConfig {
        AuditLogConfig {
            service: service.into(),
            log_type: t.into(),
            exempted_members: exempt.iter().map(|s| s.to_string()).collect(),
            set_on: "projects/p".into(),
        }
    }

    #[test]
    fn classes() {
        assert_eq!(log_type("compute.instances.create"), LogType::AdminWrite);
        assert_eq!(log_type("iam.serviceAccounts.actAs"), LogType::Never);
        assert_eq!(log_type("iam.serviceAccounts.create"), LogType::AdminWrite);
        assert_eq!(log_type("compute.instances.get"), LogType::AdminRead);
        assert_eq!(log_type("storage.objects.get"), LogType::DataRead);
        assert_eq!(log_type("storage.objects.create"), LogType::DataWrite);
        assert_eq!(log_type("storage.objectsX.create"), LogType::AdminWrite);
        assert_eq!(log_type("secretmanager.versions.access"), LogType::DataRead);
        assert_eq!(log_type("pubsub.topics.publish"), LogType::DataWrite);
        assert_eq!(
            service_of("iam.serviceAccounts.getAccessToken"),
            "iamcredentials.googleapis.com"
        );
        assert_eq!(
            service_of("resourcemanager.projects.get"),
            "cloudresourcemanager.googleapis.com"
        );
    }

    #[test]
    fn what_is_logged_follows_the_configs() {
        let none: Vec<AuditLogConfig> = Vec::new();
        let alice = "user:alice@example.com";
        assert!(logged("compute.instances.create", alice, &none));
        let all_on = [
            config("allServices", "ADMIN_READ", &[]),
            config("allServices", "DATA_READ", &[]),
            config("allServices", "DATA_WRITE", &[]),
        ];
        assert!(!logged("iam.serviceAccounts.actAs", alice, &all_on));
        assert!(!logged("compute.instances.get", alice, &none));
        assert!(!logged("storage.objects.get", alice, &none));
        // BigQuery's are always on.
        assert!(logged("bigquery.tables.getData", alice, &none));
        let storage = [config("storage.googleapis.com", "DATA_READ", &[])];
        assert!(logged("storage.objects.get", alice, &storage));
        assert!(!logged("storage.objects.create", alice, &storage));
        assert!(!logged("secretmanager.versions.access", alice, &storage));
        let all = [config("allServices", "DATA_READ", &[alice])];
        assert!(logged(
            "secretmanager.versions.access",
            "user:bob@example.com",
            &all
        ));
        assert!(!logged("secretmanager.versions.access", alice, &all));
        assert!(!logged(
            "compute.instances.get",
            "user:bob@example.com",
            &all
        ));
        // An exemption anywhere wins over a config that does not exempt.
        let both = [
            config("allServices", "DATA_READ", &[alice]),
            config("secretmanager.googleapis.com", "DATA_READ", &[]),
        ];
        assert!(!logged("secretmanager.versions.access", alice, &both));
        assert!(logged(
            "secretmanager.versions.access",
            "user:bob@example.com",
            &both
        ));
        // A group's exemption may cover anyone.
        let group = [config(
            "allServices",
            "DATA_READ",
            &["group:ops@example.com"],
        )];
        assert!(!logged("secretmanager.versions.access", alice, &group));
        // A data resource's IAM policy is configuration.
        assert_eq!(log_type("storage.objects.getIamPolicy"), LogType::AdminRead);
        assert_eq!(
            log_type("storage.objects.setIamPolicy"),
            LogType::AdminWrite
        );
        assert!(!logged("bigquery.transfers.get", alice, &none));
        assert!(logged("bigquery.tables.getData", alice, &none));
    }
}
