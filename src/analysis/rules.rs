//! The audit rules a cloud supplies: the seam between the cloud-neutral
//! analysis (`analysis::audit_cloud`) and each cloud's folder under
//! `src/clouds/`. The analysis asks these questions and never which cloud it
//! has.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::findings::Finding;
use super::{AuditConfig, IdentityAudit};
use crate::catalog::{Catalog, PermSet};
use crate::model::{Coverage, Credential, Identity, PolicyKind, Snapshot, System};

/// A grant as it reaches an identity: what it allows, and the part of that
/// which holds only under a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub granted: PermSet,
    /// Granted permissions that hold only under a condition (or that a
    /// partial deny narrows). A subset of `granted`.
    pub conditional: PermSet,
}

/// A policy as it reaches an identity, borrowed from the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Attachment<'s> {
    pub policy: &'s str,
    /// The group it is inherited through, if any.
    pub via: Option<&'s str>,
    /// Where it is bound, when the cloud binds policies on resources
    /// (GCP: `projects/P`, `folders/F`).
    pub scope: Option<&'s str>,
    pub condition: Option<&'s str>,
}

/// The identity's own grants, then its groups' (`member_of`). `scoped`:
/// whether the cloud's grants name where they are bound.
pub fn attachments<'s>(
    snap: &'s Snapshot,
    identity: &'s Identity,
    scoped: bool,
) -> Vec<Attachment<'s>> {
    let mut out: Vec<Attachment<'s>> = identity
        .grants
        .iter()
        .map(|g| Attachment {
            policy: &g.policy,
            via: None,
            scope: scoped.then_some(g.scope.as_str()),
            condition: g.condition.as_deref(),
        })
        .collect();
    for group in &identity.member_of {
        if let Some(g) = snap.identity(group) {
            out.extend(g.grants.iter().map(|x| Attachment {
                policy: &x.policy,
                via: Some(group.as_str()),
                scope: None,
                condition: x.condition.as_deref(),
            }));
        }
    }
    out
}

/// Catalog-wide marks the common findings test against.
pub struct Marks<'a> {
    /// Holding all of these unconditionally makes a super identity.
    pub super_set: &'a PermSet,
    /// What holding `super_set` means, for the finding's message.
    pub super_what: &'static str,
}

/// What a cloud's findings are decided on: one audited identity.
pub struct FindingInput<'a> {
    pub cat: &'a Catalog,
    pub snap: &'a Snapshot,
    pub cfg: &'a AuditConfig,
    pub identity: &'a Identity,
    pub audit: &'a IdentityAudit,
    /// Whether a usage source covers the identity's system.
    pub observed: bool,
}

impl FindingInput<'_> {
    /// The identity's credentials that work and were not used in the
    /// window, each with how it was last used ("last used 2026-01-02",
    /// "never used").
    pub fn stale_credentials(&self) -> Vec<(&Credential, String)> {
        let start = self.cfg.window_start();
        let as_of = self.cfg.as_of;
        self.snap
            .credentials_of(&self.identity.id)
            .iter()
            .filter(|c| c.active && c.expires.is_none_or(|e| e > as_of))
            .filter(|c| match c.last_used {
                Some(t) => t < start,
                None => c.since.is_some_and(|s| s < start),
            })
            .map(|c| {
                let last = c.last_used.map_or_else(
                    || "never used".to_string(),
                    |t: Timestamp| format!("last used {}", t.strftime("%Y-%m-%d")),
                );
                (c, last)
            })
            .collect()
    }
}

/// One cloud's answers, for the audit of that cloud's identities in one
/// snapshot (`Provider::rules` makes it). Each evaluates what it needs once
/// and keeps it for the next identity.
pub trait Rules<'s> {
    /// Every policy reaching `identity`.
    fn attachments(&self, identity: &'s Identity) -> Vec<Attachment<'s>>;

    /// The identity's effective grant from its attachments, with every cap
    /// of its system (AWS: boundaries, SCPs) applied.
    fn effective(&mut self, identity: &'s Identity, attached: &[Attachment<'s>]) -> Effective;

    /// Whether a use at `scope` (a usage record's, see
    /// [`crate::model::UsageRecord::scope`]) counts for `attachment`: for a
    /// cloud whose grants are bound below the system, only when it lies
    /// under the attachment's scope. Every use counts by default.
    fn covers(&self, _attachment: &Attachment<'s>, _scope: &str) -> bool {
        true
    }

    /// What one policy grants by itself, for the per-policy counts.
    fn policy_grant(&mut self, policy: &'s str) -> Option<PermSet>;

    /// The kind of a policy the snapshot does not hold (GCP's predefined
    /// roles are provider-managed).
    fn implicit_kind(&self, _policy: &str) -> Option<PolicyKind> {
        None
    }

    /// Narrows `set` to what the usage sources of `system`, which cover it,
    /// cannot see of `identity`'s use.
    fn unobservable(&mut self, system: &'s System, identity: &'s Identity, set: &mut PermSet);

    /// What no log of the cloud shows, whoever acts: evidence that a
    /// service or binding went unused says nothing about these.
    fn never_observable(&self) -> &PermSet;

    fn marks(&self) -> Marks<'_>;

    /// The findings only this cloud has, its credential findings among them.
    fn findings(&self, input: &FindingInput<'_>, out: &mut Vec<Finding>);

    /// Names in the coverage what could not be evaluated (invalid
    /// documents, roles without a definition).
    fn report(&self, coverage: &mut Coverage);
}

/// Each policy (or role) of an audit evaluated once, and how many grants
/// named it: the machine under AWS's policy cache and GCP's role cache, so
/// that what could not be evaluated is named once, with the grants it cost.
pub struct Evaluated<'s, V> {
    done: HashMap<&'s str, Option<V>>,
    named: BTreeMap<&'s str, usize>,
}

impl<'s, V> Default for Evaluated<'s, V> {
    fn default() -> Self {
        Evaluated {
            done: HashMap::new(),
            named: BTreeMap::new(),
        }
    }
}

impl<'s, V> Evaluated<'s, V> {
    /// `id` evaluated (by `evaluate`, the first time only); `None` when it
    /// cannot be.
    pub fn get(&mut self, id: &'s str, evaluate: impl FnOnce() -> Option<V>) -> Option<&V> {
        self.done.entry(id).or_insert_with(evaluate).as_ref()
    }

    /// The same, for a grant that names `id`: counted.
    pub fn named(&mut self, id: &'s str, evaluate: impl FnOnce() -> Option<V>) -> Option<&V> {
        *self.named.entry(id).or_default() += 1;
        self.get(id, evaluate)
    }

    /// `id`'s result, if it was evaluated and could be.
    pub fn peek(&self, id: &str) -> Option<&V> {
        self.done.get(id).and_then(Option::as_ref)
    }

    /// How many grants named `id`.
    pub fn grants(&self, id: &str) -> usize {
        self.named.get(id).copied().unwrap_or(0)
    }

    /// Every id evaluated, in order, with its result.
    pub fn results(&self) -> impl Iterator<Item = (&'s str, Option<&V>)> + '_ {
        let mut ids: Vec<&'s str> = self.done.keys().copied().collect();
        ids.sort_unstable();
        ids.into_iter().map(|id| (id, self.done[id].as_ref()))
    }
}
