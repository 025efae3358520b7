//! Effective grants: every acting identity's policies (its own and its
//! groups'), evaluated once each over the catalog and combined with its
//! permissions boundary.

use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::clouds::aws::policy::{self, Effective, EvaluatedPolicy};
use crate::model::{Coverage, Identity, Skipped, Snapshot, Warning};

/// A policy as it reaches an identity.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub policy: String,
    /// The group it is inherited through, if any.
    pub via: Option<String>,
    /// GCP: where the role is bound, and under which condition.
    pub scope: Option<String>,
    pub condition: Option<String>,
}

/// Evaluates policy documents once each, remembering which failed.
pub struct PolicyCache<'s> {
    snap: &'s Snapshot,
    cat: &'s Catalog,
    done: HashMap<&'s str, Option<EvaluatedPolicy>>,
    holders: HashMap<&'s str, usize>,
}

impl<'s> PolicyCache<'s> {
    pub fn new(snap: &'s Snapshot, cat: &'s Catalog) -> Self {
        PolicyCache {
            snap,
            cat,
            done: HashMap::new(),
            holders: HashMap::new(),
        }
    }

    /// The evaluated policy, or `None` when it is missing or invalid (the
    /// importer or [`Self::report`] names it).
    pub fn get(&mut self, id: &'s str) -> Option<&EvaluatedPolicy> {
        let (snap, cat) = (self.snap, self.cat);
        self.done
            .entry(id)
            .or_insert_with(|| {
                let p = snap.policy(id)?;
                policy::parse_document(&p.document)
                    .ok()
                    .map(|d| policy::evaluate(&d, cat))
            })
            .as_ref()
    }

    /// Records invalid documents as skipped and unknown actions as warnings.
    pub fn report(&self, cov: &mut Coverage) {
        let mut ids: Vec<&&str> = self.done.keys().collect();
        ids.sort();
        for id in ids {
            let Some(p) = self.snap.policy(id) else {
                continue;
            };
            let origin = p.origin.as_deref().unwrap_or("snapshot");
            match (&self.done[*id], policy::parse_document(&p.document)) {
                // Already named at import.
                (None, Err(_))
                    if cov.skipped.iter().any(|s| s.input == format!("{origin}: policy {id}")) => {}
                (None, Err(e)) => cov.skipped.push(Skipped {
                    input: format!("{origin}: policy {id}"),
                    reason: format!(
                        "{e}; the {} identity grant(s) of it are audited without it: fix the document",
                        self.holders.get(*id).copied().unwrap_or(0)
                    ),
                }),
                (Some(ev), _) if !ev.unknown_actions.is_empty() => cov.warnings.push(Warning {
                    input: format!("{origin}: policy {id}"),
                    message: format!(
                        "names actions that the catalog does not know, which grant nothing: {}",
                        ev.unknown_actions.join(", ")
                    ),
                }),
                _ => {}
            }
        }
    }
}

/// Every policy reaching `identity`: its own grants, then its groups'.
pub fn attachments(snap: &Snapshot, identity: &Identity) -> Vec<Attachment> {
    let mut out: Vec<Attachment> = identity
        .grants
        .iter()
        .map(|g| Attachment {
            policy: g.policy.clone(),
            via: None,
            scope: (identity.cloud == crate::catalog::Cloud::Gcp).then(|| g.scope.clone()),
            condition: g.condition.clone(),
        })
        .collect();
    for group in &identity.member_of {
        if let Some(g) = snap.identity(group) {
            out.extend(g.grants.iter().map(|x| Attachment {
                policy: x.policy.clone(),
                via: Some(group.clone()),
                scope: None,
                condition: x.condition.clone(),
            }));
        }
    }
    out
}

/// The identity's effective grant.
pub fn effective<'s>(
    cache: &mut PolicyCache<'s>,
    cat: &Catalog,
    identity: &'s Identity,
    attached: &'s [Attachment],
) -> Effective {
    let mut evaluated = Vec::with_capacity(attached.len());
    for a in attached {
        *cache.holders.entry(&a.policy).or_default() += 1;
        if let Some(p) = cache.get(&a.policy) {
            evaluated.push(p.clone());
        }
    }
    if let Some(b) = identity.boundary.as_deref() {
        *cache.holders.entry(b).or_default() += 1;
    }
    let boundary = identity
        .boundary
        .as_deref()
        .and_then(|b| cache.get(b).cloned());
    policy::combine(cat, evaluated.iter(), boundary.as_ref())
}

/// The SCP cap of a system, or `None` when no SCP applies to it.
pub fn scp_mask<'s>(
    cache: &mut PolicyCache<'s>,
    cat: &Catalog,
    system: &'s crate::model::System,
) -> Option<Effective> {
    if system.scp_levels.is_empty() {
        return None;
    }
    let mut levels = Vec::new();
    for level in &system.scp_levels {
        let mut ps = Vec::new();
        for id in level {
            *cache.holders.entry(id).or_default() += 1;
            if let Some(p) = cache.get(id) {
                ps.push(p.clone());
            }
        }
        levels.push(ps);
    }
    Some(policy::scp_mask(
        cat,
        levels.iter().map(|l| l.iter().collect()),
    ))
}
