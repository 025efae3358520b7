//! AWS's audit rules: every acting identity's policies (its own and its
//! groups'), evaluated once each over the catalog, combined with its
//! permissions boundary and capped by its account's SCPs; what CloudTrail
//! cannot see; IAM's super-identity mark; the credential findings.

use std::collections::HashMap;

use super::unobservable;
use crate::analysis::findings::{self, Finding};
use crate::analysis::rules::{self, Attachment, Effective, Evaluated, FindingInput, Marks, Rules};
use crate::catalog::{Catalog, PermSet, RiskTier};
use crate::clouds::aws::policy::{self, EvaluatedPolicy};
use crate::model::{Coverage, Identity, Skipped, Snapshot, System, Warning};

/// Evaluates policy documents once each, remembering which failed.
pub struct PolicyCache<'s> {
    snap: &'s Snapshot,
    cat: &'s Catalog,
    memo: Evaluated<'s, EvaluatedPolicy>,
}

impl<'s> PolicyCache<'s> {
    pub fn new(snap: &'s Snapshot, cat: &'s Catalog) -> Self {
        PolicyCache {
            snap,
            cat,
            memo: Evaluated::default(),
        }
    }

    fn evaluate(snap: &Snapshot, cat: &Catalog, id: &str) -> Option<EvaluatedPolicy> {
        let p = snap.policy(id)?;
        policy::parse_document(&p.document)
            .ok()
            .map(|d| policy::evaluate(&d, cat))
    }

    /// The evaluated policy, or `None` when it is missing or invalid (the
    /// importer or [`Self::report`] names it).
    pub fn get(&mut self, id: &'s str) -> Option<&EvaluatedPolicy> {
        let (snap, cat) = (self.snap, self.cat);
        self.memo.get(id, || Self::evaluate(snap, cat, id))
    }

    /// The same, for a grant of it (counted, for the message of an invalid
    /// document).
    pub fn named(&mut self, id: &'s str) -> Option<&EvaluatedPolicy> {
        let (snap, cat) = (self.snap, self.cat);
        self.memo.named(id, || Self::evaluate(snap, cat, id))
    }

    /// Records invalid documents as skipped and unknown actions as warnings.
    pub fn report(&self, cov: &mut Coverage) {
        for (id, done) in self.memo.results() {
            let Some(p) = self.snap.policy(id) else {
                continue;
            };
            let origin = p.origin.as_deref().unwrap_or("snapshot");
            match (done, policy::parse_document(&p.document)) {
                // Already named at import.
                (None, Err(_))
                    if cov.skipped.iter().any(|s| s.input == format!("{origin}: policy {id}")) => {}
                (None, Err(e)) => cov.skipped.push(Skipped {
                    input: format!("{origin}: policy {id}"),
                    reason: format!(
                        "{e}; the {} identity grant(s) of it are audited without it: fix the document",
                        self.memo.grants(id)
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

/// The identity's effective grant.
pub fn effective<'s>(
    cache: &mut PolicyCache<'s>,
    cat: &Catalog,
    identity: &'s Identity,
    attached: &[Attachment<'s>],
) -> Effective {
    let mut evaluated = Vec::with_capacity(attached.len());
    for a in attached {
        if let Some(p) = cache.named(a.policy) {
            evaluated.push(p.clone());
        }
    }
    let boundary = identity
        .boundary
        .as_deref()
        .and_then(|b| cache.named(b).cloned());
    policy::combine(cat, evaluated.iter(), boundary.as_ref())
}

/// The SCP cap of a system, or `None` when no SCP applies to it.
pub fn scp_mask<'s>(
    cache: &mut PolicyCache<'s>,
    cat: &Catalog,
    system: &'s System,
) -> Option<Effective> {
    if system.scp_levels.is_empty() {
        return None;
    }
    let mut levels = Vec::new();
    for level in &system.scp_levels {
        let mut ps = Vec::new();
        for id in level {
            if let Some(p) = cache.named(id) {
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

/// The audit rules of AWS accounts.
pub struct AwsRules<'s> {
    snap: &'s Snapshot,
    cat: &'s Catalog,
    cache: PolicyCache<'s>,
    /// Each account's SCP cap, where SCPs apply.
    masks: HashMap<&'s str, Effective>,
    /// What an account's CloudTrail sources cannot see, once per account.
    unseen: HashMap<&'s str, PermSet>,
    never: PermSet,
    /// IAM's write and permissions-management actions: holding all of them
    /// makes a super identity.
    iam_write: PermSet,
}

impl<'s> AwsRules<'s> {
    pub fn new(snap: &'s Snapshot, cat: &'s Catalog) -> Self {
        let mut cache = PolicyCache::new(snap, cat);
        let masks = snap
            .systems
            .iter()
            .filter(|s| s.cloud == cat.cloud)
            .filter_map(|s| Some((s.id.as_str(), scp_mask(&mut cache, cat, s)?)))
            .collect();
        let mut iam_write = cat.empty_set();
        if let Some(svc) = cat.service("iam") {
            iam_write.extend(
                svc.range
                    .clone()
                    .filter(|&i| cat.perms[i].risk >= RiskTier::Medium),
            );
        }
        AwsRules {
            snap,
            cat,
            cache,
            masks,
            unseen: HashMap::new(),
            never: unobservable::never_observable(cat),
            iam_write,
        }
    }
}

impl<'s> Rules<'s> for AwsRules<'s> {
    fn attachments(&self, identity: &'s Identity) -> Vec<Attachment<'s>> {
        rules::attachments(self.snap, identity, false)
    }

    fn effective(&mut self, identity: &'s Identity, attached: &[Attachment<'s>]) -> Effective {
        let mut eff = effective(&mut self.cache, self.cat, identity, attached);
        // Service control policies cap every identity of their account,
        // except service-linked roles, which SCPs never restrict.
        if let Some(mask) = self
            .masks
            .get(identity.system.as_str())
            .filter(|_| !identity.provider_managed)
        {
            policy::apply_mask(&mut eff, mask);
        }
        eff
    }

    fn policy_grant(&mut self, policy: &'s str) -> Option<PermSet> {
        self.cache.get(policy).map(EvaluatedPolicy::allowed)
    }

    fn unobservable(&mut self, system: &'s System, _identity: &'s Identity, set: &mut PermSet) {
        let (snap, cat) = (self.snap, self.cat);
        let unseen = self.unseen.entry(system.id.as_str()).or_insert_with(|| {
            let mut data: Vec<String> = snap
                .coverage
                .sources
                .iter()
                .filter(|s| {
                    s.kind.observes_usage() && s.system.as_deref() == Some(system.id.as_str())
                })
                .flat_map(|s| s.data_event_services.iter().cloned())
                .collect();
            data.sort();
            data.dedup();
            unobservable::unobservable_with_cloudtrail(cat, &data)
        });
        set.intersect_with(unseen);
    }

    fn never_observable(&self) -> &PermSet {
        &self.never
    }

    fn marks(&self) -> Marks<'_> {
        Marks {
            super_set: &self.iam_write,
            super_what: "every IAM write and permissions-management action",
        }
    }

    fn findings(&self, input: &FindingInput<'_>, out: &mut Vec<Finding>) {
        for (c, last) in input.stale_credentials() {
            let (kind, message) = if c.kind == "password" {
                (
                    &findings::STALE_PASSWORD,
                    format!("console password enabled, {last}"),
                )
            } else {
                (
                    &findings::STALE_ACCESS_KEY,
                    format!("{} active, {last}", c.kind),
                )
            };
            out.push(Finding {
                kind,
                message,
                permissions: Vec::new(),
                total: 0,
                policy: None,
                scope: None,
            });
        }
    }

    fn report(&self, coverage: &mut Coverage) {
        self.cache.report(coverage);
    }
}
