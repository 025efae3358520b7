//! Import of `aws iam get-account-authorization-details` output: users,
//! groups, roles and their policies, into a snapshot.
//!
//! Shape: the IAM API reference, "GetAccountAuthorizationDetails" (response
//! elements UserDetailList, GroupDetailList, RoleDetailList, Policies). The
//! aws CLI prints documents decoded (JSON objects); the raw API returns them
//! URL-encoded strings: both are kept as given and decoded by the policy
//! engine.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::arn_account;
use crate::catalog::Cloud;
use crate::clouds::InputFile;
use crate::model::{
    Activity, ActivityKind, EvidenceSource, Grant, Identity, IdentityKind, Policy, PolicyKind,
    Skipped, Snapshot, SourceCoverage, SourceKind, System, Warning,
};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error(
        "{file} is not the output of `aws iam get-account-authorization-details --output json`: {reason}"
    )]
    NotAuthorizationDetails { file: String, reason: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Gaad {
    #[serde(default)]
    pub(crate) user_detail_list: Vec<UserDetail>,
    #[serde(default)]
    pub(crate) group_detail_list: Vec<GroupDetail>,
    #[serde(default)]
    pub(crate) role_detail_list: Vec<RoleDetail>,
    #[serde(default)]
    pub(crate) policies: Vec<ManagedPolicyDetail>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AttachedPolicy {
    pub(crate) policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InlinePolicy {
    pub(crate) policy_name: String,
    pub(crate) policy_document: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Boundary {
    pub(crate) permissions_boundary_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserDetail {
    pub(crate) user_name: String,
    pub(crate) arn: String,
    pub(crate) create_date: Option<Timestamp>,
    #[serde(default)]
    pub(crate) group_list: Vec<String>,
    #[serde(default)]
    pub(crate) attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub(crate) user_policy_list: Vec<InlinePolicy>,
    pub(crate) permissions_boundary: Option<Boundary>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupDetail {
    pub(crate) group_name: String,
    pub(crate) arn: String,
    pub(crate) create_date: Option<Timestamp>,
    #[serde(default)]
    pub(crate) attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub(crate) group_policy_list: Vec<InlinePolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleLastUsed {
    pub(crate) last_used_date: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleDetail {
    pub(crate) role_name: String,
    pub(crate) arn: String,
    #[serde(default)]
    pub(crate) path: String,
    pub(crate) create_date: Option<Timestamp>,
    pub(crate) assume_role_policy_document: Option<Value>,
    #[serde(default)]
    pub(crate) attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub(crate) role_policy_list: Vec<InlinePolicy>,
    pub(crate) permissions_boundary: Option<Boundary>,
    pub(crate) role_last_used: Option<RoleLastUsed>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyVersion {
    pub(crate) document: Option<Value>,
    pub(crate) version_id: Option<String>,
    #[serde(default)]
    pub(crate) is_default_version: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ManagedPolicyDetail {
    // moto omits PolicyName: key on the ARN.
    pub(crate) policy_name: Option<String>,
    pub(crate) arn: String,
    pub(crate) default_version_id: Option<String>,
    #[serde(default)]
    pub(crate) policy_version_list: Vec<PolicyVersion>,
}

/// The default version's document: the version flagged default, else the one
/// whose ID is `DefaultVersionId`.
fn default_document(p: &ManagedPolicyDetail) -> Option<&Value> {
    p.policy_version_list
        .iter()
        .find(|v| v.is_default_version)
        .or_else(|| {
            p.policy_version_list
                .iter()
                .find(|v| v.version_id.is_some() && v.version_id == p.default_version_id)
        })
        .and_then(|v| v.document.as_ref())
}

fn inline_id(owner_arn: &str, name: &str) -> String {
    format!("{owner_arn}#inline/{name}")
}

fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Principals a trust policy names (`Service`, `AWS`, `Federated`).
fn trusted_principals(doc: Option<&Value>) -> Vec<String> {
    let parsed;
    let doc = match doc {
        Some(Value::String(s)) => {
            let text = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
            parsed = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
            &parsed
        }
        Some(v) => v,
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    let stmts = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    for s in stmts {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        match s.get("Principal") {
            Some(Value::String(p)) => out.push(p.clone()),
            Some(Value::Object(m)) => {
                for v in m.values() {
                    match v {
                        Value::String(p) => out.push(p.clone()),
                        Value::Array(a) => {
                            out.extend(a.iter().filter_map(Value::as_str).map(str::to_string))
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Reads one authorization-details file into `snap`. A file that cannot be
/// read or parsed is an error for the caller to record as skipped; problems
/// inside it (a missing policy, a duplicate identity) are recorded in
/// coverage and the rest is imported.
pub fn import_authorization_details(
    snap: &mut Snapshot,
    file: &InputFile,
) -> Result<(), ImportError> {
    let name = file.display();
    let bytes = file.read().map_err(|source| ImportError::Read {
        file: name.clone(),
        source,
    })?;
    let gaad: Gaad =
        serde_json::from_slice(&bytes).map_err(|e| ImportError::NotAuthorizationDetails {
            file: name.clone(),
            reason: e.to_string(),
        })?;
    import_gaad(snap, &name, &gaad)
}

/// Imports parsed authorization details, whether read from a file or
/// collected from the IAM API (`name` says which, for messages).
pub(crate) fn import_gaad(snap: &mut Snapshot, name: &str, gaad: &Gaad) -> Result<(), ImportError> {
    let name = name.to_string();
    if gaad.user_detail_list.is_empty()
        && gaad.role_detail_list.is_empty()
        && gaad.group_detail_list.is_empty()
    {
        return Err(ImportError::NotAuthorizationDetails {
            file: name,
            reason: "it holds no users, groups or roles".into(),
        });
    }
    let mut cov = SourceCoverage::new(SourceKind::AwsAuthorizationDetails, &name);
    cov.files_read = 1;

    // The account: from the identities' ARNs.
    let account = gaad
        .user_detail_list
        .iter()
        .map(|u| u.arn.as_str())
        .chain(gaad.role_detail_list.iter().map(|r| r.arn.as_str()))
        .chain(gaad.group_detail_list.iter().map(|g| g.arn.as_str()))
        .find_map(arn_account)
        .unwrap_or("unknown")
        .to_string();
    cov.system = Some(account.clone());
    snap.systems.push(System {
        cloud: Cloud::Aws,
        id: account.clone(),
        name: None,
        scp_levels: Vec::new(),
        ancestors: Vec::new(),
        audit_log_configs: Vec::new(),
    });

    let managed: HashMap<&str, &ManagedPolicyDetail> =
        gaad.policies.iter().map(|p| (p.arn.as_str(), p)).collect();
    let mut referenced: Vec<(String, String)> = Vec::new(); // (policy ARN, holder ARN)
    let mut boundaries: Vec<(String, String)> = Vec::new();
    let mut new_policies: Vec<Policy> = Vec::new();
    let mut inline = |owner: &str, list: &[InlinePolicy], grants: &mut Vec<Grant>| {
        for p in list {
            let id = inline_id(owner, &p.policy_name);
            new_policies.push(Policy {
                id: id.clone(),
                cloud: Cloud::Aws,
                name: p.policy_name.clone(),
                kind: PolicyKind::Inline,
                document: p.policy_document.clone(),
                origin: Some(name.clone()),
            });
            grants.push(Grant {
                policy: id,
                scope: account.clone(),
                condition: None,
                eligible: false,
            });
        }
    };
    let mut attached = |owner: &str, list: &[AttachedPolicy], grants: &mut Vec<Grant>| {
        for p in list {
            referenced.push((p.policy_arn.clone(), owner.to_string()));
            grants.push(Grant {
                policy: p.policy_arn.clone(),
                scope: account.clone(),
                condition: None,
                eligible: false,
            });
        }
    };

    let group_arns: HashMap<&str, &str> = gaad
        .group_detail_list
        .iter()
        .map(|g| (g.group_name.as_str(), g.arn.as_str()))
        .collect();
    let mut identities = Vec::new();
    for g in &gaad.group_detail_list {
        let mut grants = Vec::new();
        attached(&g.arn, &g.attached_managed_policies, &mut grants);
        inline(&g.arn, &g.group_policy_list, &mut grants);
        identities.push(identity(
            &g.arn,
            &account,
            &g.group_name,
            IdentityKind::Group,
            g.create_date,
            grants,
        ));
    }
    for u in &gaad.user_detail_list {
        let mut grants = Vec::new();
        attached(&u.arn, &u.attached_managed_policies, &mut grants);
        inline(&u.arn, &u.user_policy_list, &mut grants);
        let mut id = identity(
            &u.arn,
            &account,
            &u.user_name,
            IdentityKind::User,
            u.create_date,
            grants,
        );
        for g in &u.group_list {
            match group_arns.get(g.as_str()) {
                Some(arn) => id.member_of.push(arn.to_string()),
                None => snap.coverage.skipped.push(Skipped {
                    input: format!("{name}: group {g} of user {}", u.arn),
                    reason: "the group is not in the file, so its policies are not counted: export the whole account".into(),
                }),
            }
        }
        if let Some(b) = &u.permissions_boundary {
            boundaries.push((b.permissions_boundary_arn.clone(), u.arn.clone()));
            id.boundary = Some(b.permissions_boundary_arn.clone());
        }
        identities.push(id);
    }
    for r in &gaad.role_detail_list {
        let mut grants = Vec::new();
        attached(&r.arn, &r.attached_managed_policies, &mut grants);
        inline(&r.arn, &r.role_policy_list, &mut grants);
        let mut id = identity(
            &r.arn,
            &account,
            &r.role_name,
            IdentityKind::Role,
            r.create_date,
            grants,
        );
        id.trusted_by = trusted_principals(r.assume_role_policy_document.as_ref());
        id.provider_managed = r.path.starts_with("/aws-service-role/");
        if let Some(b) = &r.permissions_boundary {
            boundaries.push((b.permissions_boundary_arn.clone(), r.arn.clone()));
            id.boundary = Some(b.permissions_boundary_arn.clone());
        }
        if let Some(when) = r.role_last_used.as_ref().and_then(|l| l.last_used_date) {
            snap.activity.push(Activity {
                identity: r.arn.clone(),
                kind: ActivityKind::RoleLastUsed,
                source: EvidenceSource::AwsAuthorizationDetails,
                first_seen: None,
                last_seen: when,
                count: 1,
            });
        }
        identities.push(id);
    }

    // Managed policies: only those something references, at their default version.
    referenced.extend(boundaries);
    referenced.sort();
    let mut seen = std::collections::HashSet::new();
    for (arn, holder) in &referenced {
        if !seen.insert(arn.as_str()) {
            continue;
        }
        let Some(p) = managed.get(arn.as_str()) else {
            snap.coverage.skipped.push(Skipped {
                input: format!("{name}: policy {arn} (attached to {holder})"),
                reason:
                    "the policy's document is not in the file: export without --filter so that \
                         every attached policy is included"
                        .into(),
            });
            continue;
        };
        let Some(doc) = default_document(p) else {
            snap.coverage.skipped.push(Skipped {
                input: format!("{name}: policy {arn}"),
                reason: "no default version with a document".into(),
            });
            continue;
        };
        new_policies.push(Policy {
            id: arn.clone(),
            cloud: Cloud::Aws,
            name: p
                .policy_name
                .clone()
                .unwrap_or_else(|| last_segment(arn).to_string()),
            kind: if arn_account(arn) == Some("aws") {
                PolicyKind::ProviderManaged
            } else {
                PolicyKind::CustomerManaged
            },
            document: doc.clone(),
            origin: Some(name.clone()),
        });
    }

    let existing: std::collections::HashSet<String> =
        snap.identities.iter().map(|i| i.id.clone()).collect();
    for id in identities {
        if existing.contains(&id.id) {
            snap.coverage.warnings.push(Warning {
                input: name.clone(),
                message: format!("{} appears in more than one file; the first is kept", id.id),
            });
            continue;
        }
        snap.identities.push(id);
    }
    cov.records_read = (gaad.user_detail_list.len()
        + gaad.group_detail_list.len()
        + gaad.role_detail_list.len()) as u64;
    // Invalid documents are named now; the audit will hold them without them.
    for p in &new_policies {
        if let Err(e) = super::policy::parse_document(&p.document) {
            snap.coverage.skipped.push(Skipped {
                input: format!("{name}: policy {}", p.id),
                reason: format!("{e}; its holders are audited without it: fix the document"),
            });
        }
    }
    snap.policies.extend(new_policies);
    snap.coverage.sources.push(cov);
    snap.normalize();
    Ok(())
}

fn identity(
    arn: &str,
    account: &str,
    name: &str,
    kind: IdentityKind,
    created: Option<Timestamp>,
    grants: Vec<Grant>,
) -> Identity {
    Identity {
        id: arn.to_string(),
        cloud: Cloud::Aws,
        system: arn_account(arn).unwrap_or(account).to_string(),
        name: name.to_string(),
        kind,
        created,
        human: None,
        member_of: Vec::new(),
        grants,
        boundary: None,
        trusted_by: Vec::new(),
        provider_managed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn embedded(v: Value) -> InputFile {
        let s: &'static str = Box::leak(v.to_string().into_boxed_str());
        InputFile::Embedded {
            name: "gaad.json".into(),
            bytes: s.as_bytes(),
        }
    }

    fn sample() -> Value {
        json!({
          "UserDetailList": [{"UserName": "ann", "UserId": "AIDA1", "Arn": "arn:aws:iam::123456789012:user/ann", "Path": "/",
             "CreateDate": "2025-01-01T00:00:00Z", "GroupList": ["devs"],
             "AttachedManagedPolicies": [{"PolicyName": "P", "PolicyArn": "arn:aws:iam::123456789012:policy/P"}],
             "UserPolicyList": [{"PolicyName": "inl", "PolicyDocument": {"Statement": []}}],
             "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/B"}}],
          "GroupDetailList": [{"GroupName": "devs", "GroupId": "AGPA1", "Arn": "arn:aws:iam::123456789012:group/devs", "Path": "/",
             "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}], "GroupPolicyList": []}],
          "RoleDetailList": [{"RoleName": "AWSServiceRoleForSupport", "RoleId": "AROA1", "Path": "/aws-service-role/support.amazonaws.com/",
             "Arn": "arn:aws:iam::123456789012:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
             "AssumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22support.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
             "AttachedManagedPolicies": [], "RolePolicyList": [], "RoleLastUsed": {"LastUsedDate": "2026-10-01T00:00:00Z", "Region": "us-east-1"}}],
          "Policies": [
            {"PolicyName": "P", "Arn": "arn:aws:iam::123456789012:policy/P", "DefaultVersionId": "v1",
             "PolicyVersionList": [
               {"VersionId": "v2", "IsDefaultVersion": false, "Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
               {"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]},
            {"Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "DefaultVersionId": "v9",
             "PolicyVersionList": [{"VersionId": "v9", "IsDefaultVersion": true, "Document": {"Statement": []}}]}
          ]
        })
    }

    #[test]
    fn imports_identities_grants_and_default_versions() {
        let mut snap = Snapshot::new();
        import_authorization_details(&mut snap, &embedded(sample())).expect("imports");
        assert_eq!(snap.systems[0].id, "123456789012");
        let ann = snap
            .identity("arn:aws:iam::123456789012:user/ann")
            .expect("ann");
        assert_eq!(ann.member_of, vec!["arn:aws:iam::123456789012:group/devs"]);
        assert_eq!(
            ann.boundary.as_deref(),
            Some("arn:aws:iam::123456789012:policy/B")
        );
        assert_eq!(ann.grants.len(), 2);
        // The default version (v1), not the first listed (v2).
        let p = snap
            .policy("arn:aws:iam::123456789012:policy/P")
            .expect("P");
        assert_eq!(p.document["Statement"][0]["Action"], "s3:GetObject");
        assert_eq!(p.kind, PolicyKind::CustomerManaged);
        // PolicyName missing (as moto writes it): named from the ARN.
        let ro = snap
            .policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .expect("RO");
        assert_eq!(
            (ro.name.as_str(), ro.kind),
            ("ReadOnlyAccess", PolicyKind::ProviderManaged)
        );
        let slr = snap
            .identity("arn:aws:iam::123456789012:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport")
            .expect("slr");
        assert!(slr.provider_managed);
        assert_eq!(slr.trusted_by, vec!["support.amazonaws.com"]);
        assert_eq!(snap.activity.len(), 1);
        // The boundary B is attached but absent from the file: named, skipped.
        assert_eq!(snap.coverage.skipped.len(), 1);
        assert!(snap.coverage.skipped[0].input.contains("policy/B"));
    }

    #[test]
    fn non_json_file_is_a_named_error() {
        let f = InputFile::Embedded {
            name: "bad.json".into(),
            bytes: b"<html>nope",
        };
        let err = import_authorization_details(&mut Snapshot::new(), &f).expect_err("fails");
        assert!(err.to_string().starts_with("bad.json is not the output of"));
    }

    #[test]
    fn json_without_identities_is_rejected() {
        let f = embedded(json!({"Records": []}));
        let err = import_authorization_details(&mut Snapshot::new(), &f).expect_err("fails");
        assert!(err.to_string().contains("no users, groups or roles"));
    }
}
