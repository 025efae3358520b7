//! The findings registry: every kind of finding, with a stable ID, a title,
//! a default severity, the clouds it applies to and its documentation. The
//! README's table, `permgap explain` and (later) SARIF rules all come from
//! [`REGISTRY`]. IDs never change once released; a test snapshots the list.

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalog::Cloud;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

#[derive(Debug)]
pub struct FindingKind {
    /// Stable kebab-case ID.
    pub id: &'static str,
    pub title: &'static str,
    /// A few letters for narrow tables; the ID is the name that counts.
    pub short: &'static str,
    pub severity: Severity,
    pub clouds: &'static [Cloud],
    /// What it flags.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

impl FindingKind {
    /// The documentation page, as `permgap explain` prints it.
    pub fn doc(&self) -> String {
        format!(
            "{id}: {title}\nseverity: {sev}    clouds: {clouds}\n\n## What it flags\n{what}\n\n## Why it matters\n{why}\n\n## How to fix it\n{fix}\n",
            id = self.id,
            title = self.title,
            sev = self.severity.label(),
            clouds = self
                .clouds
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            what = self.what,
            why = self.why,
            fix = self.fix,
        )
    }
}

pub static INACTIVE_IDENTITY: FindingKind = FindingKind {
    id: "inactive-identity",
    short: "inactive",
    title: "Identity inactive during the whole window",
    severity: Severity::Medium,
    clouds: &[Cloud::Aws, Cloud::Azure, Cloud::Gcp],
    what: "An identity that existed before the window and shows no activity inside it: no API call, \
           sign-in, access-key use or denied attempt in the logs, and no later \"last used\" date. \
           Only raised where a usage source covers the identity's account.",
    why: "A dormant identity keeps every permission it holds and nobody notices when its credentials \
          are used by someone else. Dormant accounts are a classic foothold.",
    fix: "Confirm the owner, then delete the identity, or disable its credentials (deactivate access \
          keys, remove the console password, or remove the trust that lets anyone assume the role).",
};

pub static OVER_PROVISIONED_IDENTITY: FindingKind = FindingKind {
    id: "over-provisioned-identity",
    short: "over-prov",
    title: "Active identity that leaves most of its permissions unused",
    severity: Severity::Medium,
    clouds: &[Cloud::Aws, Cloud::Azure, Cloud::Gcp],
    what: "An identity active in the window whose Permission Creep Index is high (67 or more): it \
           uses a small part of what it is granted, weighted by risk.",
    why: "Every unused permission is attack surface: whoever takes the identity's credentials gets \
          all of it, not only what the identity needs.",
    fix: "Replace its policies with one that allows what it used in the window (see the identity's \
          used permissions) and keep the unobservable ones under review.",
};

pub static SUPER_IDENTITY: FindingKind = FindingKind {
    id: "super-identity",
    short: "super",
    title: "Identity holding every permission, or the power to grant itself any",
    severity: Severity::High,
    clouds: &[Cloud::Aws, Cloud::Azure, Cloud::Gcp],
    what: "An identity that holds every action of the catalog (`*` on `*`), or every IAM Write and \
           Permissions management action (AWS), or `resourcemanager.projects.setIamPolicy` without a \
           condition (GCP: Owner, or a role bound on the project or above that carries it), which \
           lets it grant itself anything.",
    why: "A super identity is a full account takeover if its credentials leak, and it can erase the \
          traces of its own use.",
    fix: "Keep administrator access to a few break-glass identities protected by MFA and alerting; \
          give everyone else policies scoped to their work.",
};

pub static UNUSED_HIGH_RISK: FindingKind = FindingKind {
    id: "unused-high-risk-permissions",
    short: "risky-unused",
    title: "Unused high-risk permissions",
    severity: Severity::High,
    clouds: &[Cloud::Aws, Cloud::Azure, Cloud::Gcp],
    what: "Permissions management actions (they change who can do what) and destructive Write actions \
           (Delete, Terminate, Disable, ...) that the identity holds and did not use in the window. \
           Unobservable permissions are never counted here.",
    why: "These are the permissions an attacker wants: escalation of privilege, and destruction or \
          ransom of data. Unused, they bring risk and no value.",
    fix: "Remove them from the identity's policies, or move them to a separate role assumed only when \
          needed.",
};

pub static UNUSED_ATTACHED_POLICY: FindingKind = FindingKind {
    id: "unused-attached-policy",
    short: "unused-policy",
    title: "Attached policy none of whose permissions was used",
    severity: Severity::Low,
    clouds: &[Cloud::Aws, Cloud::Azure, Cloud::Gcp],
    what: "A policy attached to an active identity (directly or through a group) that grants it \
           observable permissions, none of which the identity used in the window.",
    why: "Policies attached \"just in case\" are the usual source of permission creep, and they hide \
          behind names that look harmless.",
    fix: "Detach the policy from the identity (or the identity from the group), after checking its \
          unobservable permissions.",
};

pub static STALE_ACCESS_KEY: FindingKind = FindingKind {
    id: "stale-access-key",
    short: "stale-key",
    title: "Active access key not used in the window",
    severity: Severity::Medium,
    clouds: &[Cloud::Aws],
    what: "An active access key whose last use (from the credential report) is before the window, or \
           that was never used and is older than the window.",
    why: "Long-lived keys that nobody uses still work for whoever finds them: in a repository, a CI \
          log, a laptop backup.",
    fix: "Deactivate the key, wait for complaints, then delete it.",
};

pub static STALE_PASSWORD: FindingKind = FindingKind {
    id: "stale-password",
    short: "stale-pw",
    title: "Console password not used in the window",
    severity: Severity::Medium,
    clouds: &[Cloud::Aws],
    what: "An enabled console password whose last use (from the credential report) is before the \
           window, or that was never used and is older than the window.",
    why: "An unused password is a sign-in path that only an attacker will take.",
    fix: "Remove the user's login profile (console password); the user can get one back when needed.",
};

pub static BASIC_ROLE: FindingKind = FindingKind {
    id: "basic-role",
    short: "basic-role",
    title: "Basic role Owner or Editor held",
    severity: Severity::High,
    clouds: &[Cloud::Gcp],
    what: "A principal bound to `roles/owner` or `roles/editor` on a project, a folder or the \
           organization. (Google-managed service agents are not flagged.)",
    why: "Basic roles predate IAM's predefined roles and grant thousands of permissions across every \
          service of the project: Editor alone can create, change and delete almost anything, and \
          Owner can also change the project's IAM policy. Google recommends against them in \
          production.",
    fix: "Replace the binding with predefined or custom roles covering what the principal used (its \
          used permissions, and IAM Recommender's role recommendations), then remove the basic role.",
};

pub static PUBLIC_MEMBER: FindingKind = FindingKind {
    id: "public-member",
    short: "public",
    title: "Role granted to allUsers or allAuthenticatedUsers",
    severity: Severity::High,
    clouds: &[Cloud::Gcp],
    what: "A binding whose member is `allUsers` (anyone on the internet, signed in or not) or \
           `allAuthenticatedUsers` (anyone with a Google account, in any organization). Always \
           raised, whatever the role.",
    why: "Whatever the role allows, the whole internet can do, without credentials of yours. Public \
          buckets and datasets are the classic cloud data leak.",
    fix: "Remove the member from the binding. If something must be public, serve it from a resource \
          made for it (a bucket behind a load balancer, signed URLs), and keep the grant as narrow \
          as one object-read role on one resource.",
};

pub static UNUSED_ESCALATION: FindingKind = FindingKind {
    id: "unused-escalation-permissions",
    short: "escalation",
    title: "Unused permissions that change IAM or act as a service account",
    severity: Severity::High,
    clouds: &[Cloud::Gcp],
    what: "`*.setIamPolicy`, `iam.serviceAccounts.actAs`, the token and signing permissions of \
           service accounts (`getAccessToken`, `signBlob`, `signJwt`, ...), key creation, and custom \
           role changes, held by the principal and not used in the window, where the audit logs \
           would have shown their use.",
    why: "Each is a privilege escalation path: setIamPolicy grants any role, actAs and token \
          creation borrow a service account's permissions, a new key is a credential that outlives \
          the principal's own.",
    fix: "Move these permissions out of the principal's roles (for example bind \
          `roles/iam.serviceAccountUser` on the one service account it deploys with, not on the \
          project), or remove the binding.",
};

pub static UNUSED_SERVICE_ACCOUNT_KEY: FindingKind = FindingKind {
    id: "unused-service-account-key",
    short: "unused-key",
    title: "User-managed service account key not used in the window",
    severity: Severity::Medium,
    clouds: &[Cloud::Gcp],
    what: "An enabled user-managed key of a service account, older than the window, whose last \
           authentication (Policy Analyzer's `serviceAccountKeyLastAuthentication`, or the audit \
           logs' `serviceAccountKeyName`) is before the window or absent. Raised only where Policy \
           Analyzer's key activity covers the project: the audit logs alone do not see every use.",
    why: "A key file is a long-lived password for the service account. Unused keys still work for \
          whoever finds them in a repository, a CI variable or a laptop.",
    fix: "Disable the key (`gcloud iam service-accounts keys disable`), wait, then delete it; prefer \
          attached service accounts or workload identity federation to keys.",
};

pub static UNUSED_PRIVILEGED_ROLE: FindingKind = FindingKind {
    id: "unused-privileged-role",
    short: "privileged",
    title: "Role assignment that can grant roles, not used for it",
    severity: Severity::High,
    clouds: &[Cloud::Azure],
    what: "An assignment of Owner, User Access Administrator or any role that grants \
           `Microsoft.Authorization/roleAssignments/write`, unconditionally, whose holder wrote no \
           role assignment under its scope in the window, where the Activity Log would have shown it.",
    why: "Whoever can write role assignments can give itself, or anyone, any role at that scope: \
          it is the whole scope's privilege, held as a standing grant.",
    fix: "Remove the assignment or replace it with a role that lacks `roleAssignments/write` \
          (Contributor, or a narrower one); grant the privilege just in time through a PIM \
          eligible assignment, or constrain it with a condition on the roles it may assign.",
};

pub static BROAD_SCOPE_NARROW_USE: FindingKind = FindingKind {
    id: "broad-scope-narrow-use",
    short: "broad-scope",
    title: "Assignment at a subscription or management group used in one resource group",
    severity: Severity::Medium,
    clouds: &[Cloud::Azure],
    what: "A role assignment at a management group or subscription whose every use in the window \
           (as the Activity Log shows it) lies in one resource group.",
    why: "The role reaches every resource group of the scope, present and future, while the work \
          needs one: a stolen credential reaches all of them.",
    fix: "Assign the role at the resource group the use lies in, then remove the broad assignment.",
};

pub static ELIGIBLE_NEVER_ACTIVATED: FindingKind = FindingKind {
    id: "eligible-never-activated",
    short: "eligible",
    title: "PIM eligible assignment never activated in the window",
    severity: Severity::Low,
    clouds: &[Cloud::Azure],
    what: "A Privileged Identity Management eligible assignment whose principal activated no role at \
           its scope in the window (no `roleAssignmentScheduleRequests/write` there in the Activity \
           Log). Raised where the Activity Log covers the subscription.",
    why: "Eligibility is standing access one approval or one MFA prompt away: an eligibility nobody \
          uses is attack surface with no work behind it.",
    fix: "Remove the eligible assignment, or let it expire (set an end date on eligibilities).",
};

/// Every finding kind, in a stable order.
pub static REGISTRY: &[&FindingKind] = &[
    &SUPER_IDENTITY,
    &UNUSED_HIGH_RISK,
    &INACTIVE_IDENTITY,
    &OVER_PROVISIONED_IDENTITY,
    &STALE_ACCESS_KEY,
    &STALE_PASSWORD,
    &UNUSED_ATTACHED_POLICY,
    &BASIC_ROLE,
    &PUBLIC_MEMBER,
    &UNUSED_ESCALATION,
    &UNUSED_SERVICE_ACCOUNT_KEY,
    &UNUSED_PRIVILEGED_ROLE,
    &BROAD_SCOPE_NARROW_USE,
    &ELIGIBLE_NEVER_ACTIVATED,
];

pub fn by_id(id: &str) -> Option<&'static FindingKind> {
    REGISTRY.iter().copied().find(|k| k.id == id)
}

/// One finding on one identity.
#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: &'static FindingKind,
    pub message: String,
    /// Permissions concerned, sorted; at most [`MAX_LISTED`], see `total`.
    pub permissions: Vec<String>,
    /// How many permissions are concerned in all.
    pub total: usize,
    /// The policy concerned, for policy findings.
    pub policy: Option<String>,
    /// Where the policy is bound, when that tells two findings apart (an
    /// Azure role at two scopes) or is the finding's subject.
    pub scope: Option<String>,
}

/// How many permissions a finding lists by name; the identity's lists hold all.
pub const MAX_LISTED: usize = 25;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_stable() {
        let mut ids: Vec<&str> = REGISTRY.iter().map(|k| k.id).collect();
        for id in &ids {
            assert!(
                id.bytes().all(|c| c.is_ascii_lowercase() || c == b'-'),
                "{id}"
            );
        }
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate finding ID");
        // A rename shows here in review.
        assert_eq!(
            ids,
            [
                "basic-role",
                "broad-scope-narrow-use",
                "eligible-never-activated",
                "inactive-identity",
                "over-provisioned-identity",
                "public-member",
                "stale-access-key",
                "stale-password",
                "super-identity",
                "unused-attached-policy",
                "unused-escalation-permissions",
                "unused-high-risk-permissions",
                "unused-privileged-role",
                "unused-service-account-key",
            ]
        );
    }

    #[test]
    fn docs_have_the_fixed_headings() {
        for k in REGISTRY {
            let d = k.doc();
            for h in ["## What it flags", "## Why it matters", "## How to fix it"] {
                assert!(d.contains(h), "{} lacks {h}", k.id);
            }
            assert_eq!(by_id(k.id).map(|x| x.id), Some(k.id));
        }
    }
}
