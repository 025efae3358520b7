//! Azure's side of the audit: role definitions evaluated into operation
//! sets, an identity's effective grant (its assignments and its groups',
//! each at its scope, less the deny assignments that reach it), what the
//! Activity Log can see, and the Azure findings.
//!
//! Grants are scope-bound: a use counts for an assignment only when the
//! event's scope lies under the assignment's ([`Rules::covers`]).

use std::collections::{BTreeSet, HashMap};

use super::catalog::{self as az, Block};
use super::scope::{self, Tree};
use crate::analysis::findings::{self, Finding};
use crate::analysis::rules::{Attachment, Effective, Evaluated, FindingInput, Marks, Rules};
use crate::catalog::{AccessLevel, Catalog, Cloud, PermSet};
use crate::model::{Coverage, Identity, IdentityKind, PolicyKind, Skipped, Snapshot, System};

/// The operation that lets its holder grant any role at its scope.
pub const ROLE_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

/// The condition an eligible assignment holds under, as reports show it.
pub const ELIGIBLE: &str = "PIM eligible: holds only once activated";

/// The operation a PIM activation writes (a role assignment schedule
/// request at the eligible assignment's scope), as the Activity Log shows it.
pub const ACTIVATION: &str = "Microsoft.Authorization/roleAssignmentScheduleRequests/write";

/// The principal id that stands for everyone in a deny assignment.
pub const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";

/// The permission blocks of a role definition as ARM or `az` writes it
/// (`permissions`, at the top or under `properties`).
pub fn blocks_of(doc: &serde_json::Value) -> Vec<Block> {
    let perms = doc
        .get("permissions")
        .or_else(|| doc.get("properties").and_then(|p| p.get("permissions")));
    let list = |b: &serde_json::Value, k: &str| -> Vec<String> {
        b.get(k)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    perms
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .map(|b| Block {
            actions: list(b, "actions"),
            not_actions: list(b, "notActions"),
            data_actions: list(b, "dataActions"),
            not_data_actions: list(b, "notDataActions"),
            condition: b
                .get("condition")
                .and_then(|c| c.as_str())
                .filter(|c| !c.is_empty())
                .map(str::to_string),
        })
        .collect()
}

/// The principal an identity stands for: its object id.
pub fn principal_of(identity: &Identity) -> &str {
    principal_in(&identity.id)
}

/// The object id in an identity's id (`subscriptions/S/principals/OID`).
pub fn principal_in(id: &str) -> &str {
    id.rsplit_once("/principals/").map_or(id, |(_, p)| p)
}

/// A deny assignment, read once.
struct Deny {
    scope: String,
    principals: Vec<String>,
    excluded: Vec<String>,
    child_scopes: bool,
    /// Whether it holds only under a condition: then it narrows, never
    /// takes away.
    conditional: bool,
    set: PermSet,
}

/// A role's grant: all of it, and the part under the role's own condition.
type Grant = (PermSet, PermSet);

/// The audit rules of Azure subscriptions.
pub struct AzureRules<'s> {
    snap: &'s Snapshot,
    cat: &'s Catalog,
    roles: Evaluated<'s, Grant>,
    tree: Tree,
    denies: Vec<Deny>,
    never: PermSet,
    super_set: PermSet,
    /// Each identity's usage records that name a scope, in the window or
    /// not (the findings filter).
    scoped_use: HashMap<&'s str, Vec<&'s crate::model::UsageRecord>>,
}

impl<'s> AzureRules<'s> {
    pub fn new(snap: &'s Snapshot, cat: &'s Catalog) -> Self {
        let tree = Tree::new(
            snap.systems
                .iter()
                .filter(|s| s.cloud == Cloud::Azure)
                .map(|s| (s.id.as_str(), s.ancestors.as_slice())),
        );
        let mut never = cat.empty_set();
        never.extend(
            (0..cat.len())
                .filter(|&i| cat.perms[i].data_plane || cat.perms[i].level == AccessLevel::Read),
        );
        let mut super_set = cat.empty_set();
        super_set.extend(cat.lookup(ROLE_ASSIGNMENTS_WRITE));
        let denies = snap
            .policies
            .iter()
            .filter(|p| p.cloud == Cloud::Azure && p.kind == PolicyKind::DenyAssignment)
            .map(|p| deny_of(cat, &p.document))
            .collect();
        let mut scoped_use: HashMap<&str, Vec<_>> = HashMap::new();
        for u in snap.usage.iter().filter(|u| u.scope.is_some()) {
            scoped_use.entry(u.identity.as_str()).or_default().push(u);
        }
        AzureRules {
            snap,
            cat,
            roles: Evaluated::default(),
            tree,
            denies,
            never,
            super_set,
            scoped_use,
        }
    }

    /// The role's grant (counted when a grant names it).
    fn role(&mut self, id: &'s str, named: bool) -> Option<&Grant> {
        let (snap, cat) = (self.snap, self.cat);
        let evaluate = || {
            if let Some(p) = snap.policy(id) {
                return Some(az::grant_of(cat, &blocks_of(&p.document)));
            }
            az::built_in_role(id).map(|r| az::grant_of(cat, &r.blocks))
        };
        if named {
            self.roles.named(id, evaluate)
        } else {
            self.roles.get(id, evaluate)
        }
    }

    /// A role's name for messages: the snapshot's, the built-in one's, or
    /// its id.
    fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.snap.policy(id).map_or_else(
            || az::built_in_role(id).map_or(id, |r| r.name),
            |p| p.name.as_str(),
        )
    }

    /// Whether the deny reaches `principals` (the identity and its groups).
    fn denies_to(d: &Deny, principals: &[&str]) -> bool {
        let hit = |p: &str| d.principals.iter().any(|x| x.eq_ignore_ascii_case(p));
        let excluded = principals
            .iter()
            .any(|p| d.excluded.iter().any(|x| x.eq_ignore_ascii_case(p)));
        !excluded && (hit(EVERYONE) || principals.iter().any(|p| hit(p)))
    }
}

fn deny_of(cat: &Catalog, doc: &serde_json::Value) -> Deny {
    let props = doc.get("properties").unwrap_or(doc);
    let ids = |k: &str| -> Vec<String> {
        props
            .get(k)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("id").and_then(|i| i.as_str()).map(str::to_string))
            .collect()
    };
    let (set, cond) = az::grant_of(cat, &blocks_of(props));
    let conditional = !cond.is_clear()
        || props
            .get("condition")
            .and_then(|c| c.as_str())
            .is_some_and(|c| !c.is_empty());
    Deny {
        scope: props
            .get("scope")
            .and_then(|s| s.as_str())
            .unwrap_or("/")
            .to_string(),
        conditional,
        principals: ids("principals"),
        excluded: ids("excludePrincipals"),
        child_scopes: !props
            .get("doNotApplyToChildScopes")
            .and_then(|b| b.as_bool())
            .unwrap_or(false),
        set,
    }
}

impl<'s> Rules<'s> for AzureRules<'s> {
    /// The identity's assignments, then its groups', each at its scope.
    fn attachments(&self, identity: &'s Identity) -> Vec<Attachment<'s>> {
        let own = identity.grants.iter().map(|g| (g, None));
        let groups = identity.member_of.iter().filter_map(|g| {
            self.snap
                .identity(g)
                .map(|gi| gi.grants.iter().map(move |x| (x, Some(g.as_str()))))
        });
        own.chain(groups.flatten())
            .map(|(g, via)| Attachment {
                policy: &g.policy,
                via,
                scope: Some(g.scope.as_str()),
                condition: g.condition.as_deref().or(g.eligible.then_some(ELIGIBLE)),
            })
            .collect()
    }

    /// Each assignment's role, less what a deny assignment over its scope
    /// takes away; a deny at a narrower scope makes what it names
    /// conditional (denied there, granted elsewhere). An assignment's
    /// condition makes its whole grant conditional, as the role's own does.
    fn effective(&mut self, identity: &'s Identity, attached: &[Attachment<'s>]) -> Effective {
        let mut granted = self.cat.empty_set();
        let mut unconditional = self.cat.empty_set();
        let mut principals: Vec<&str> = vec![principal_of(identity)];
        principals.extend(identity.member_of.iter().map(|g| principal_in(g)));
        let reaching: Vec<usize> = (0..self.denies.len())
            .filter(|&i| Self::denies_to(&self.denies[i], &principals))
            .collect();
        for a in attached {
            let Some((set, cond)) = self.role(a.policy, true).cloned() else {
                continue;
            };
            let at = a.scope.unwrap_or("/");
            let mut set = set;
            let mut partial = self.cat.empty_set();
            for &i in &reaching {
                let d = &self.denies[i];
                // A deny over the whole of the assignment's reach takes its
                // operations away; one that reaches part of it (a narrower
                // scope, or only the scope itself without its children), or
                // holds under a condition, narrows them: conditional.
                let whole = d.child_scopes && self.tree.covers(&d.scope, at);
                if whole && !d.conditional {
                    set.difference_with(&d.set);
                } else if whole || self.tree.covers(at, &d.scope) {
                    partial.union_with(&d.set);
                }
            }
            granted.union_with(&set);
            if a.condition.is_none() {
                let mut sure = set;
                sure.difference_with(&cond);
                sure.difference_with(&partial);
                unconditional.union_with(&sure);
            }
        }
        let mut conditional = granted.clone();
        conditional.difference_with(&unconditional);
        Effective {
            granted,
            conditional,
        }
    }

    fn covers(&self, attachment: &Attachment<'s>, scope: &str) -> bool {
        self.tree.covers(attachment.scope.unwrap_or("/"), scope)
    }

    fn policy_grant(&mut self, policy: &'s str) -> Option<PermSet> {
        self.role(policy, false).map(|g| g.0.clone())
    }

    fn implicit_kind(&self, policy: &str) -> Option<PolicyKind> {
        az::built_in_role(policy).map(|_| PolicyKind::ProviderManaged)
    }

    /// The Activity Log records writes, deletes and actions of the control
    /// plane: reads and DataActions are never in it.
    /// A group whose members are not known is a set: its members' use is
    /// logged under their own names, so nothing of its grant is seen.
    fn unobservable(&mut self, _system: &'s System, identity: &'s Identity, set: &mut PermSet) {
        if identity.kind != IdentityKind::PrincipalSet {
            set.intersect_with(&self.never);
        }
    }

    fn never_observable(&self) -> &PermSet {
        &self.never
    }

    fn marks(&self) -> Marks<'_> {
        Marks {
            super_set: &self.super_set,
            super_what: "Microsoft.Authorization/roleAssignments/write without a condition, so it can grant itself any role",
        }
    }

    fn findings(&self, input: &FindingInput<'_>, out: &mut Vec<Finding>) {
        if !input.observed || input.audit.provider_managed {
            return;
        }
        let (start, end) = (input.cfg.window_start(), input.cfg.as_of);
        let uses: Vec<&crate::model::UsageRecord> = self
            .scoped_use
            .get(input.identity.id.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|u| u.last_seen >= start && u.first_seen <= end)
            .collect();
        let ra = self.cat.lookup(ROLE_ASSIGNMENTS_WRITE);
        // Eligible assignments never activated under their scope.
        for g in input.identity.grants.iter().filter(|g| g.eligible) {
            let activated = uses.iter().any(|u| {
                u.permission.eq_ignore_ascii_case(ACTIVATION)
                    && u.scope
                        .as_deref()
                        .is_some_and(|s| self.tree.covers(&g.scope, s))
            });
            if !activated {
                let role = self.role_name(&g.policy);
                out.push(Finding {
                    kind: &findings::ELIGIBLE_NEVER_ACTIVATED,
                    message: format!(
                        "eligible for {role} at {} through PIM; not activated in {} days",
                        g.scope, input.cfg.window_days
                    ),
                    permissions: Vec::new(),
                    total: 0,
                    policy: Some(g.policy.clone()),
                    scope: Some(g.scope.clone()),
                });
            }
        }
        let mut said: BTreeSet<(&str, &str)> = BTreeSet::new();
        let attached = self.attachments(input.identity);
        for a in attached.iter().copied() {
            let at = a.scope.unwrap_or("/");
            if !said.insert((a.policy, at)) {
                continue;
            }
            // The uses this assignment accounts for: under its scope, of an
            // operation its role grants.
            let grant = self.roles.peek(a.policy);
            let through: Vec<&&crate::model::UsageRecord> = uses
                .iter()
                .filter(|u| u.scope.as_deref().is_some_and(|s| self.covers(&a, s)))
                .filter(|u| {
                    grant.is_some_and(|(g, _)| {
                        self.cat
                            .lookup(&u.permission)
                            .is_some_and(|i| g.contains(i))
                    })
                })
                .collect();
            let role = self.role_name(a.policy);
            let via = a.via.map_or_else(String::new, |g| {
                format!(
                    " through group {}",
                    self.snap.identity(g).map_or(g, |i| i.name.as_str())
                )
            });
            // The role can write role assignments, with no condition on it.
            let privileged = a.condition.is_none()
                && ra.is_some_and(|i| grant.is_some_and(|(g, c)| g.contains(i) && !c.contains(i)))
                && ra.is_some_and(|i| input.audit.granted.contains(i));
            if privileged
                && !through
                    .iter()
                    .any(|u| u.permission.eq_ignore_ascii_case(ROLE_ASSIGNMENTS_WRITE))
            {
                out.push(Finding {
                    kind: &findings::UNUSED_PRIVILEGED_ROLE,
                    message: format!(
                        "{role} at {at}{via} can write role assignments; none written under it in {} days",
                        input.cfg.window_days
                    ),
                    permissions: vec![ROLE_ASSIGNMENTS_WRITE.to_string()],
                    total: 1,
                    policy: Some(a.policy.to_string()),
                    scope: Some(at.to_string()),
                });
            }
            // The uses only this assignment accounts for: none that an
            // assignment at a narrower scope also grants.
            let only: Vec<&&crate::model::UsageRecord> = through
                .iter()
                .copied()
                .filter(|u| {
                    !attached.iter().any(|b| {
                        let s = b.scope.unwrap_or("/");
                        scope::level(s) < scope::level(at)
                            && u.scope.as_deref().is_some_and(|us| self.tree.covers(s, us))
                            && self.roles.peek(b.policy).is_some_and(|(g, _)| {
                                self.cat
                                    .lookup(&u.permission)
                                    .is_some_and(|i| g.contains(i))
                            })
                    })
                })
                .collect();
            if matches!(
                scope::level(at),
                scope::Level::Subscription | scope::Level::ManagementGroup | scope::Level::Root
            ) && !only.is_empty()
            {
                let through = only;
                let groups: BTreeSet<Option<String>> = through
                    .iter()
                    .map(|u| u.scope.as_deref().and_then(scope::resource_group_of))
                    .collect();
                if groups.len() == 1
                    && let Some(Some(rg)) = groups.into_iter().next()
                {
                    let shown = through
                        .iter()
                        .find_map(|u| scope::resource_group_written(u.scope.as_deref()?))
                        .unwrap_or(&rg);
                    out.push(Finding {
                        kind: &findings::BROAD_SCOPE_NARROW_USE,
                        message: format!(
                            "{role} at {at}{via}: all {} use(s) in {} days lie in resource group {shown}",
                            through.iter().map(|u| u.count).sum::<u64>(),
                            input.cfg.window_days
                        ),
                        permissions: Vec::new(),
                        total: 0,
                        policy: Some(a.policy.to_string()),
                        scope: Some(at.to_string()),
                    });
                }
            }
        }
    }

    fn report(&self, coverage: &mut Coverage) {
        for (role, grant) in self.roles.results() {
            if grant.is_none() {
                let n = self.roles.grants(role);
                coverage.skipped.push(Skipped {
                    input: format!("role definition {role}"),
                    reason: format!(
                        "no definition of the role; {n} assignment(s) of it were audited without its permissions: add `az role definition list --custom-role-only false -o json` of its scope to --role-definitions"
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clouds::Provider;
    use crate::model::{Cloud, Grant, Identity, IdentityKind, Policy};

    const SUB: &str = "/subscriptions/s1";
    const VM_WRITE: &str = "Microsoft.Compute/virtualMachines/write";

    /// Contributor on the subscription, and one deny assignment to Everyone.
    fn audit_with(deny: serde_json::Value) -> Effective {
        let mut snap = Snapshot::new();
        snap.identities.push(Identity {
            id: "subscriptions/s1/principals/p1".into(),
            cloud: Cloud::Azure,
            system: "s1".into(),
            name: "p1".into(),
            kind: IdentityKind::User,
            created: None,
            human: None,
            member_of: Vec::new(),
            grants: vec![Grant {
                policy: "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c".into(),
                scope: SUB.into(),
                condition: None,
                eligible: false,
            }],
            boundary: None,
            trusted_by: Vec::new(),
            provider_managed: false,
        });
        let mut doc = json!({
            "scope": SUB,
            "permissions": [{"actions": ["Microsoft.Compute/*/write"], "notActions": [], "dataActions": [], "notDataActions": []}],
            "principals": [{"id": EVERYONE, "type": "SystemDefined"}],
            "excludePrincipals": [],
            "doNotApplyToChildScopes": false,
        });
        if let (Some(d), Some(extra)) = (doc.as_object_mut(), deny.as_object()) {
            d.extend(extra.clone());
        }
        snap.policies.push(Policy {
            id: "deny1".into(),
            cloud: Cloud::Azure,
            name: "deny1".into(),
            kind: PolicyKind::DenyAssignment,
            document: doc,
            origin: None,
        });
        snap.normalize();
        let cat = super::super::Azure.catalog();
        let mut rules = AzureRules::new(&snap, &cat);
        let identity = &snap.identities[0];
        let att = rules.attachments(identity);
        let eff = rules.effective(identity, &att);
        let vm = cat.lookup(VM_WRITE).expect("in the catalog");
        assert!(
            !eff.granted.contains(vm) || eff.granted.count_ones(..) > 1000,
            "Contributor still grants the rest"
        );
        Effective {
            granted: {
                let mut s = cat.empty_set();
                s.extend(eff.granted.contains(vm).then_some(0));
                s
            },
            conditional: {
                let mut s = cat.empty_set();
                s.extend(eff.conditional.contains(vm).then_some(0));
                s
            },
        }
    }

    fn held(e: &Effective) -> (bool, bool) {
        (e.granted.contains(0), e.conditional.contains(0))
    }

    #[test]
    fn a_deny_over_the_whole_reach_takes_away_and_a_partial_one_narrows() {
        // Over the subscription and its children: gone.
        assert_eq!(held(&audit_with(json!({}))), (false, false));
        // At the subscription only, not its children: still granted below,
        // so conditional.
        assert_eq!(
            held(&audit_with(json!({"doNotApplyToChildScopes": true}))),
            (true, true)
        );
        // Under a condition: conditional.
        assert_eq!(
            held(&audit_with(
                json!({"condition": "@Request[x] StringEquals 'y'"})
            )),
            (true, true)
        );
        // At one resource group: denied there, granted elsewhere.
        assert_eq!(
            held(&audit_with(
                json!({"scope": "/subscriptions/s1/resourceGroups/rg"})
            )),
            (true, true)
        );
        // Excluding the principal: untouched.
        assert_eq!(
            held(&audit_with(json!({"excludePrincipals": [{"id": "p1"}]}))),
            (true, false)
        );
    }
}
