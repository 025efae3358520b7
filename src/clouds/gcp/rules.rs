//! GCP's side of the audit: roles evaluated into permission sets, an
//! identity's effective grant (every role bound to it on the project and its
//! ancestors), what the audit logs can see of it, and the GCP findings.

use std::collections::HashMap;

use crate::analysis::findings::{self, Finding};
use crate::analysis::rules::{self, Attachment, Effective, Evaluated, FindingInput, Marks, Rules};
use crate::catalog::{Catalog, PermSet};
use crate::clouds::gcp::catalog as gcp;
use crate::clouds::gcp::observe;
use crate::model::{
    Coverage, Identity, IdentityKind, PolicyKind, Skipped, Snapshot, SourceKind, System,
};

/// Roles evaluated once each: the snapshot's definition (a live read or a
/// `gcloud iam roles describe` export) first, the embedded predefined role
/// otherwise.
pub struct RoleCache<'s> {
    snap: &'s Snapshot,
    cat: &'s Catalog,
    memo: Evaluated<'s, PermSet>,
}

impl<'s> RoleCache<'s> {
    pub fn new(snap: &'s Snapshot, cat: &'s Catalog) -> Self {
        RoleCache {
            snap,
            cat,
            memo: Evaluated::default(),
        }
    }

    /// The role's permissions, for a binding of it (counted: a role without
    /// a definition is named with the bindings it cost).
    pub fn get(&mut self, role: &'s str) -> Option<&PermSet> {
        let (snap, cat) = (self.snap, self.cat);
        self.memo.named(role, || {
            let mut s = cat.empty_set();
            if let Some(p) = snap.policy(role) {
                s.extend(included_permissions(&p.document).filter_map(|x| cat.lookup(x)));
                return Some(s);
            }
            let r = gcp::predefined_role(role)?;
            s.extend(r.permissions().filter_map(|p| cat.lookup(p)));
            Some(s)
        })
    }

    /// Names the roles no definition was found for: their bindings were
    /// audited without them, so the result is partial.
    pub fn report(&self, cov: &mut Coverage) {
        let missing = self.memo.results().filter(|(_, set)| set.is_none());
        for (role, _) in missing {
            let n = self.memo.grants(role);
            let how = if role.starts_with("roles/") {
                format!("`gcloud iam roles describe {role} --format=json`")
            } else {
                let (parent, name) = role.split_once("/roles/").unwrap_or((role, role));
                let flag = parent.replacen("projects/", "--project=", 1).replacen(
                    "organizations/",
                    "--organization=",
                    1,
                );
                format!("`gcloud iam roles describe {name} {flag} --format=json`")
            };
            cov.skipped.push(Skipped {
                input: format!("role {role}"),
                reason: format!(
                    "no definition of the role; {n} binding(s) of it were audited without its permissions: export it with {how} into the import's roles/ folder"
                ),
            });
        }
    }
}

/// The permissions a role definition lists (`includedPermissions`).
pub fn included_permissions(role: &serde_json::Value) -> impl Iterator<Item = &str> {
    role.get("includedPermissions")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
}

/// The member an identity stands for (`user:alice@example.com`).
pub fn member_of(identity: &Identity) -> &str {
    identity
        .id
        .split_once("/members/")
        .map_or(identity.id.as_str(), |(_, m)| m)
}

/// The identity's effective grant: every role bound to it, on the project
/// or inherited from a folder or the organization. A role bound under a
/// condition is conditional unless an unconditional binding also grants it.
pub fn effective<'s>(
    cache: &mut RoleCache<'s>,
    cat: &Catalog,
    identity: &'s Identity,
) -> Effective {
    let mut granted = cat.empty_set();
    let mut unconditional = cat.empty_set();
    for g in &identity.grants {
        if let Some(set) = cache.get(&g.policy) {
            granted.union_with(set);
            if g.condition.is_none() {
                unconditional.union_with(set);
            }
        }
    }
    let mut conditional = granted.clone();
    conditional.difference_with(&unconditional);
    Effective {
        granted,
        conditional,
    }
}

/// What the audit logs cannot see, per project and member: each
/// permission's log type and service are worked out once for the catalog,
/// and a project's set is kept for the members no config names.
pub struct Observability<'s> {
    cat: &'s Catalog,
    /// Per permission: its log type and the service that logs it.
    classes: Vec<(observe::LogType, String)>,
    plain: HashMap<&'s str, PermSet>,
}

impl<'s> Observability<'s> {
    pub fn new(cat: &'s Catalog) -> Self {
        let classes = (0..cat.len())
            .map(|i| {
                let p = cat.qualified(i);
                (observe::log_type(&p), observe::service_of(&p))
            })
            .collect();
        Observability {
            cat,
            classes,
            plain: HashMap::new(),
        }
    }

    /// What the logs of `system` cannot see of `member`'s use.
    fn compute(&self, system: &System, member: &str) -> PermSet {
        let mut set = self.cat.empty_set();
        for (i, (t, service)) in self.classes.iter().enumerate() {
            if !observe::logged_as(*t, service, member, &system.audit_log_configs) {
                set.insert(i);
            }
        }
        set
    }

    /// Permissions no source is known to see (`iam.serviceAccounts.actAs`).
    pub fn never(&self) -> PermSet {
        let mut set = self.cat.empty_set();
        for (i, (t, _)) in self.classes.iter().enumerate() {
            if *t == observe::LogType::Never {
                set.insert(i);
            }
        }
        set
    }

    pub fn unobservable(&mut self, system: &'s System, member: &str) -> PermSet {
        let exempted = system
            .audit_log_configs
            .iter()
            .any(|c| c.exempted_members.iter().any(|m| m == member));
        if exempted {
            return self.compute(system, member);
        }
        if !self.plain.contains_key(system.id.as_str()) {
            let set = self.compute(system, "");
            self.plain.insert(system.id.as_str(), set);
        }
        self.plain[system.id.as_str()].clone()
    }
}

/// Basic roles that grant nearly everything in their scope.
pub const BASIC_ROLES: &[&str] = &["roles/owner", "roles/editor"];

/// Members that stand for anyone.
pub fn is_public(member: &str) -> bool {
    member == "allUsers" || member == "allAuthenticatedUsers"
}

/// The permissions that make a GCP super identity: whoever holds one
/// unconditionally can grant itself any role on the project.
pub const SUPER_PERMISSIONS: &[&str] = &["resourcemanager.projects.setIamPolicy"];

/// The audit rules of GCP projects.
pub struct GcpRules<'s> {
    snap: &'s Snapshot,
    cat: &'s Catalog,
    roles: RoleCache<'s>,
    obs: Observability<'s>,
    never: PermSet,
    /// The project's `setIamPolicy`.
    super_set: PermSet,
    /// The permissions that escalate, named once for the catalog.
    escalation: PermSet,
}

impl<'s> GcpRules<'s> {
    pub fn new(snap: &'s Snapshot, cat: &'s Catalog) -> Self {
        let obs = Observability::new(cat);
        let mut super_set = cat.empty_set();
        super_set.extend(SUPER_PERMISSIONS.iter().filter_map(|p| cat.lookup(p)));
        let mut escalation = cat.empty_set();
        escalation.extend((0..cat.len()).filter(|&i| gcp::is_escalation(&cat.qualified(i))));
        GcpRules {
            snap,
            cat,
            roles: RoleCache::new(snap, cat),
            never: obs.never(),
            obs,
            super_set,
            escalation,
        }
    }
}

impl<'s> Rules<'s> for GcpRules<'s> {
    fn attachments(&self, identity: &'s Identity) -> Vec<Attachment<'s>> {
        rules::attachments(self.snap, identity, true)
    }

    fn effective(&mut self, identity: &'s Identity, _attached: &[Attachment<'s>]) -> Effective {
        effective(&mut self.roles, self.cat, identity)
    }

    fn policy_grant(&mut self, policy: &'s str) -> Option<PermSet> {
        self.roles.get(policy).cloned()
    }

    fn implicit_kind(&self, policy: &str) -> Option<PolicyKind> {
        policy
            .starts_with("roles/")
            .then_some(PolicyKind::ProviderManaged)
    }

    fn unobservable(&mut self, system: &'s System, identity: &'s Identity, set: &mut PermSet) {
        // A set's use is logged under its members' names: never seen.
        if identity.kind != IdentityKind::PrincipalSet {
            set.intersect_with(&self.obs.unobservable(system, member_of(identity)));
        }
    }

    fn never_observable(&self) -> &PermSet {
        &self.never
    }

    fn marks(&self) -> Marks<'_> {
        Marks {
            super_set: &self.super_set,
            super_what: "resourcemanager.projects.setIamPolicy without a condition, so it can grant itself any role",
        }
    }

    fn findings(&self, input: &FindingInput<'_>, out: &mut Vec<Finding>) {
        let identity = input.identity;
        // Only Policy Analyzer's key activity sees every authentication of
        // a key.
        let tracked = input.snap.coverage.sources.iter().any(|s| {
            s.kind == SourceKind::GcpPolicyAnalyzer
                && s.system.as_deref() == Some(identity.system.as_str())
                && s.records
                    .contains_key("serviceAccountKeyLastAuthentication")
        });
        if tracked {
            for (c, last) in input.stale_credentials() {
                out.push(Finding {
                    kind: &findings::UNUSED_SERVICE_ACCOUNT_KEY,
                    message: format!(
                        "key {} enabled, {last}",
                        c.kind.strip_prefix("key/").unwrap_or(&c.kind)
                    ),
                    permissions: Vec::new(),
                    total: 0,
                    policy: None,
                    scope: None,
                });
            }
        }
        gcp_findings(input, &self.escalation, out);
    }

    fn report(&self, coverage: &mut Coverage) {
        self.roles.report(coverage);
    }
}

/// The GCP findings: basic roles, public members, unused escalation.
fn gcp_findings(input: &FindingInput<'_>, escalation: &PermSet, out: &mut Vec<Finding>) {
    let (identity, ia, cfg) = (input.identity, input.audit, input.cfg);
    let member = member_of(identity);
    for g in &identity.grants {
        let at = if g.scope == format!("projects/{}", identity.system) {
            "the project".to_string()
        } else {
            format!("{} (inherited)", g.scope)
        };
        let cond = g
            .condition
            .as_deref()
            .map_or_else(String::new, |c| format!(" under condition {c}"));
        if is_public(member) {
            out.push(Finding {
                kind: &findings::PUBLIC_MEMBER,
                message: format!(
                    "{} bound to {member} on {at}{cond}: {}",
                    g.policy,
                    if member == "allUsers" {
                        "anyone on the internet, without signing in"
                    } else {
                        "anyone with a Google account"
                    }
                ),
                permissions: Vec::new(),
                total: 0,
                policy: Some(g.policy.clone()),
                scope: None,
            });
        }
        if BASIC_ROLES.contains(&g.policy.as_str()) && !ia.provider_managed {
            out.push(Finding {
                kind: &findings::BASIC_ROLE,
                message: format!(
                    "basic role {} on {at}{cond}; it used {} of {} granted permissions",
                    g.policy,
                    ia.used.count_ones(..),
                    ia.granted.count_ones(..)
                ),
                permissions: Vec::new(),
                total: 0,
                policy: Some(g.policy.clone()),
                scope: None,
            });
        }
    }
    if input.observed && !ia.provider_managed {
        let mut esc = ia.unused.clone();
        esc.intersect_with(escalation);
        if !esc.is_clear() {
            let (permissions, total) = crate::analysis::listed(input.cat, &esc);
            out.push(Finding {
                kind: &findings::UNUSED_ESCALATION,
                message: format!(
                    "{total} escalation permissions (setIamPolicy, actAs, service account tokens or keys) unused in {} days",
                    cfg.window_days
                ),
                permissions,
                total,
                policy: None,
                scope: None,
            });
        }
    }
}
