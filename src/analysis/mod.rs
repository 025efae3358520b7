//! Analysis: pure functions of a snapshot, a catalog and a configuration.
//! No I/O and no clock: the audit time is an input, and the output order is
//! deterministic.
//!
//! For each acting identity: effective grant → used (inside the window) →
//! unobservable (what the sources cannot see) → unused (the rest) → PCI →
//! findings. Then per-system summaries.

pub mod findings;
pub mod pci;
pub mod rules;

use std::collections::{BTreeMap, HashMap};

use jiff::{Span, Timestamp};

use crate::catalog::{Catalog, Catalogs, Cloud, PermSet};
use crate::model::{Coverage, Identity, IdentityKind, PolicyKind, Snapshot, Warning};
use findings::{Finding, MAX_LISTED};
use pci::PciLevel;
use rules::{FindingInput, Marks, Rules};

/// What an audit is asked.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// The end of the window: "now" for a live audit.
    pub as_of: Timestamp,
    pub window_days: u32,
    /// Identities left out of the audit (`permgap.toml`'s `[ignore]`),
    /// matched against an identity's ID or name.
    pub ignore: Vec<crate::config::Pattern>,
}

impl AuditConfig {
    pub fn new(as_of: Timestamp, window_days: u32) -> Self {
        AuditConfig {
            as_of,
            window_days,
            ignore: Vec::new(),
        }
    }

    /// Whether `identity` is left out of the audit.
    pub fn ignores(&self, identity: &Identity) -> bool {
        self.ignore
            .iter()
            .any(|p| p.matches(&identity.id) || p.matches(&identity.name))
    }

    pub fn window_start(&self) -> Timestamp {
        self.as_of
            .checked_sub(Span::new().hours(i64::from(self.window_days) * 24))
            .unwrap_or(Timestamp::MIN)
    }
}

/// Is evidence seen between `first` and `last` inside `[start, end]`? A
/// record that straddles the window counts: aggregated records keep only
/// their ends, and removing a permission on doubtful evidence is the worse
/// error.
fn in_window(first: Option<Timestamp>, last: Timestamp, start: Timestamp, end: Timestamp) -> bool {
    last >= start && first.unwrap_or(last) <= end
}

#[derive(Debug, Clone)]
pub struct PolicyUse {
    pub policy: String,
    pub name: String,
    pub kind: Option<PolicyKind>,
    pub via: Option<String>,
    /// GCP: the resource whose policy binds the role, and the condition.
    pub scope: Option<String>,
    pub condition: Option<String>,
    /// Permissions it grants this identity (within the effective grant).
    pub granted: usize,
    /// Of `granted`, those the sources can observe.
    pub observable: usize,
    pub used: usize,
}

#[derive(Debug, Clone)]
pub struct PciDrivers {
    pub weighted_unused: f64,
    pub weighted_granted: f64,
    /// Unused permissions by service, heaviest first: (prefix, count, weight).
    pub top_services: Vec<(String, usize, f64)>,
}

#[derive(Debug, Clone)]
pub struct IdentityAudit {
    pub id: String,
    pub name: String,
    pub kind: IdentityKind,
    pub cloud: Cloud,
    pub system: String,
    pub provider_managed: bool,
    pub granted: PermSet,
    pub conditional: PermSet,
    pub used: PermSet,
    pub unused: PermSet,
    pub unobservable: PermSet,
    /// Used, but not granted by the identity's policies (a resource policy,
    /// or a gap of the mapping): shown, never counted in `used`.
    pub used_without_grant: PermSet,
    pub last_activity: Option<Timestamp>,
    pub active_in_window: bool,
    pub pci: u8,
    pub pci_level: PciLevel,
    pub drivers: PciDrivers,
    pub policies: Vec<PolicyUse>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone)]
pub struct SystemAudit {
    pub cloud: Cloud,
    pub id: String,
    pub identities: usize,
    pub pci: u8,
    pub pci_level: PciLevel,
    pub weighted_unused: f64,
    pub weighted_granted: f64,
    pub granted: usize,
    pub used: usize,
    pub unused: usize,
    pub unobservable: usize,
    pub identities_by_pci: BTreeMap<PciLevel, usize>,
    pub findings_by_severity: BTreeMap<findings::Severity, usize>,
    /// Whether any usage source covers it; without one everything is unobservable.
    pub usage_observed: bool,
}

#[derive(Debug, Clone)]
pub struct Audit {
    pub config: AuditConfig,
    pub identities: Vec<IdentityAudit>,
    /// Acting identities left out by `config.ignore`, by ID, sorted.
    pub ignored: Vec<String>,
    pub systems: Vec<SystemAudit>,
    pub coverage: Coverage,
}

impl Audit {
    pub fn is_partial(&self) -> bool {
        self.coverage.is_partial()
    }
}

/// Whether any usage source covers each system of `cloud`: without one,
/// all its permissions are unobservable.
fn observed_systems(snap: &Snapshot, cloud: Cloud) -> HashMap<String, bool> {
    snap.systems
        .iter()
        .filter(|s| s.cloud == cloud)
        .map(|sys| {
            let observed =
                snap.coverage.sources.iter().any(|s| {
                    s.kind.observes_usage() && s.system.as_deref() == Some(sys.id.as_str())
                });
            (sys.id.clone(), observed)
        })
        .collect()
}

/// The time a usage source covers: the events it holds, and the whole
/// range a query answered for (an answer without events covers it too).
fn covered_span(s: &crate::model::SourceCoverage) -> Option<(Timestamp, Timestamp)> {
    let lo = [s.first_event, s.answered_from]
        .into_iter()
        .flatten()
        .min()?;
    let hi = [s.last_event, s.answered_to].into_iter().flatten().max()?;
    Some((lo, hi))
}

/// Warns where the usage sources do not span the window.
fn window_warnings(snap: &Snapshot, cloud: Cloud, cfg: &AuditConfig, cov: &mut Coverage) {
    let start = cfg.window_start();
    let day = Span::new().hours(24);
    let names = crate::clouds::names(cloud);
    let (logs, unit) = (names.logs, names.system);
    for sys in snap.systems.iter().filter(|s| s.cloud == cloud) {
        let spans: Vec<_> = snap
            .coverage
            .sources
            .iter()
            .filter(|s| s.kind.observes_usage() && s.system.as_deref() == Some(sys.id.as_str()))
            .filter_map(covered_span)
            .collect();
        if spans.is_empty() {
            cov.warnings.push(Warning {
                input: format!("{unit} {}", sys.id),
                message: format!("no {logs} covers this {unit}: its permissions are all unobservable, none is called unused"),
            });
            continue;
        }
        let first = spans.iter().map(|s| s.0).min().unwrap_or(start);
        let last = spans.iter().map(|s| s.1).max().unwrap_or(cfg.as_of);
        if first.checked_sub(day).is_ok_and(|f| f > start) {
            cov.warnings.push(Warning {
                input: format!("{unit} {}", sys.id),
                message: format!(
                    "{logs} starts at {first}, after the window's start {start}: earlier use is not seen, so identities may look less active than they are"
                ),
            });
        }
        if last.checked_add(day).is_ok_and(|l| l < cfg.as_of) {
            cov.warnings.push(Warning {
                input: format!("{unit} {}", sys.id),
                message: format!(
                    "{logs} ends at {last}, before the audit time {}: later use is not seen",
                    cfg.as_of
                ),
            });
        }
    }
}

/// Whether the snapshot holds systems or identities of `cloud`.
fn present(snap: &Snapshot, cloud: Cloud) -> bool {
    snap.systems.iter().any(|s| s.cloud == cloud)
        || snap.identities.iter().any(|i| i.cloud == cloud)
}

/// The catalogs an audit of `snap` needs: each present cloud's, with what
/// the snapshot names beyond the embedded data where the cloud allows it.
pub fn catalogs(snap: &Snapshot) -> Catalogs {
    Catalogs::new(
        crate::clouds::CLOUDS
            .iter()
            .filter(|p| present(snap, p.cloud()))
            .map(|p| p.audit_catalog(snap))
            .collect(),
    )
}

/// The cloud of a usage record: its identity's, or else the cloud whose
/// spelling its permission has (`s3:GetObject`, `storage.objects.get`).
pub fn usage_cloud(snap: &Snapshot, u: &crate::model::UsageRecord) -> Option<Cloud> {
    snap.identity(&u.identity)
        .map(|i| i.cloud)
        .or_else(|| crate::clouds::spelling_of(&u.permission))
}

/// Runs the audit of every cloud of the snapshot that `cats` has a catalog
/// for.
pub fn audit_all(snap: &Snapshot, cats: &Catalogs, cfg: &AuditConfig) -> Audit {
    let mut coverage = snap.coverage.clone();
    let mut identities = Vec::new();
    let mut systems = Vec::new();
    for cat in cats.iter() {
        if present(snap, cat.cloud) {
            let (i, s) = audit_cloud(snap, cat, cfg, &mut coverage);
            identities.extend(i);
            systems.extend(s);
        }
    }
    assemble(snap, cfg, identities, systems, coverage)
}

/// Runs the audit of the identities of one cloud, the catalog's.
pub fn audit(snap: &Snapshot, cat: &Catalog, cfg: &AuditConfig) -> Audit {
    let mut coverage = snap.coverage.clone();
    let (identities, systems) = audit_cloud(snap, cat, cfg, &mut coverage);
    assemble(snap, cfg, identities, systems, coverage)
}

/// The audit in its canonical order.
fn assemble(
    snap: &Snapshot,
    cfg: &AuditConfig,
    mut identities: Vec<IdentityAudit>,
    mut systems: Vec<SystemAudit>,
    mut coverage: Coverage,
) -> Audit {
    identities.sort_by(|a, b| (a.cloud, &a.system, &a.id).cmp(&(b.cloud, &b.system, &b.id)));
    systems.sort_by(|a, b| (a.cloud, &a.id).cmp(&(b.cloud, &b.id)));
    coverage.normalize();
    let mut ignored: Vec<String> = snap
        .identities
        .iter()
        .filter(|i| i.kind.acts() && cfg.ignores(i))
        .map(|i| i.id.clone())
        .collect();
    ignored.sort();
    Audit {
        config: cfg.clone(),
        identities,
        ignored,
        systems,
        coverage,
    }
}

fn audit_cloud(
    snap: &Snapshot,
    cat: &Catalog,
    cfg: &AuditConfig,
    coverage: &mut Coverage,
) -> (Vec<IdentityAudit>, Vec<SystemAudit>) {
    let Some(provider) = crate::clouds::provider(cat.cloud) else {
        return (Vec::new(), Vec::new());
    };
    let mut rules = provider.rules(snap, cat);
    let start = cfg.window_start();
    let end = cfg.as_of;
    let observed = observed_systems(snap, cat.cloud);
    window_warnings(snap, cat.cloud, cfg, coverage);

    // Usage and activity, grouped by identity; use at a scope apart.
    let mut used_by: HashMap<&str, PermSet> = HashMap::new();
    let mut scoped_by: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for u in &snap.usage {
        if !in_window(Some(u.first_seen), u.last_seen, start, end)
            || usage_cloud(snap, u) != Some(cat.cloud)
        {
            continue;
        }
        match cat.lookup(&u.permission) {
            Some(i) => match u.scope.as_deref() {
                None => {
                    used_by
                        .entry(u.identity.as_str())
                        .or_insert_with(|| cat.empty_set())
                        .insert(i);
                }
                Some(scope) => scoped_by
                    .entry(u.identity.as_str())
                    .or_default()
                    .push((scope, i)),
            },
            None => coverage.warnings.push(Warning {
                input: "snapshot usage".into(),
                message: format!(
                    "permission {} is not in the catalog; its use is not counted",
                    u.permission
                ),
            }),
        }
    }
    let mut last_activity: HashMap<&str, Timestamp> = HashMap::new();
    let mut active: HashMap<&str, bool> = HashMap::new();
    for a in &snap.activity {
        if a.last_seen <= end || a.first_seen.is_some_and(|f| f <= end) {
            let e = last_activity
                .entry(a.identity.as_str())
                .or_insert(a.last_seen.min(end));
            *e = (*e).max(a.last_seen.min(end));
        }
        if in_window(a.first_seen, a.last_seen, start, end) {
            active.insert(a.identity.as_str(), true);
        }
    }
    // Access Advisor: a service accessed in the window is activity; one not
    // accessed since before the window is evidence that none of its actions
    // was used (see `advisor_evidence`).
    let mut not_accessed: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in &snap.service_access {
        match s.last_accessed.filter(|t| *t <= end) {
            Some(t) if t >= start => {
                active.insert(s.identity.as_str(), true);
                let e = last_activity.entry(s.identity.as_str()).or_insert(t);
                *e = (*e).max(t);
            }
            _ => not_accessed
                .entry(s.identity.as_str())
                .or_default()
                .push(s.service.as_str()),
        }
    }
    let watched = watched_grants(snap, cat, cfg, rules.as_mut(), coverage);
    let systems_by_id: HashMap<&str, &crate::model::System> = snap
        .systems
        .iter()
        .filter(|s| s.cloud == cat.cloud)
        .map(|s| (s.id.as_str(), s))
        .collect();

    let acting: Vec<&Identity> = snap
        .identities
        .iter()
        .filter(|i| i.kind.acts() && i.cloud == cat.cloud && !cfg.ignores(i))
        .collect();
    let mut identities = Vec::with_capacity(acting.len());
    for identity in acting {
        let att = rules.attachments(identity);
        let eff = rules.effective(identity, &att);
        let sys_observed = observed.get(&identity.system).copied().unwrap_or(false);
        let mut all_used = used_by
            .remove(identity.id.as_str())
            .unwrap_or_else(|| cat.empty_set());
        let mut used = all_used.clone();
        used.intersect_with(&eff.granted);
        // Use at a scope counts for the attachments whose scope covers it;
        // use without one, for every attachment.
        let scoped = scoped_by.remove(identity.id.as_str()).unwrap_or_default();
        let through: Vec<Option<PermSet>> = att
            .iter()
            .map(|a| {
                (!scoped.is_empty()).then(|| {
                    let mut s = all_used.clone();
                    s.extend(
                        scoped
                            .iter()
                            .filter(|(scope, _)| rules.covers(a, scope))
                            .map(|&(_, i)| i),
                    );
                    s
                })
            })
            .collect();
        all_used.extend(scoped.iter().map(|&(_, i)| i));
        for (a, t) in att.iter().zip(&through) {
            if let (Some(t), Some(mut g)) = (t, rules.policy_grant(a.policy)) {
                g.intersect_with(t);
                g.intersect_with(&eff.granted);
                used.union_with(&g);
            }
        }
        let mut used_without_grant = all_used;
        used_without_grant.difference_with(&eff.granted);
        let mut unobservable = eff.granted.clone();
        unobservable.difference_with(&used);
        if sys_observed && let Some(sys) = systems_by_id.get(identity.system.as_str()) {
            rules.unobservable(sys, identity, &mut unobservable);
        }
        if identity.kind != IdentityKind::PrincipalSet
            && let Some(w) = watched.get(identity.id.as_str())
        {
            unobservable.difference_with(w);
        }
        if let Some(services) = not_accessed.get(identity.id.as_str()) {
            unobservable.difference_with(&advisor_evidence(
                cat,
                services,
                rules.never_observable(),
            ));
        }
        let mut unused = eff.granted.clone();
        unused.difference_with(&used);
        unused.difference_with(&unobservable);

        let mut observable = eff.granted.clone();
        observable.difference_with(&unobservable);
        let wu = pci::weigh(cat, &unused);
        let wg = pci::weigh(cat, &observable);
        let score = pci::score(wu, wg);
        let drivers = PciDrivers {
            weighted_unused: wu,
            weighted_granted: wg,
            top_services: top_services(cat, &unused),
        };

        let policies = att
            .iter()
            .zip(&through)
            .map(|(a, through)| {
                let p = snap.policy(a.policy);
                let (granted, observable_n, used_n) = match rules.policy_grant(a.policy) {
                    Some(mut g) => {
                        g.intersect_with(&eff.granted);
                        let n = g.count_ones(..);
                        let mut obs = g.clone();
                        obs.difference_with(&unobservable);
                        g.intersect_with(&used);
                        if let Some(t) = through {
                            g.intersect_with(t);
                        }
                        (n, obs.count_ones(..), g.count_ones(..))
                    }
                    None => (0, 0, 0),
                };
                PolicyUse {
                    policy: a.policy.to_string(),
                    name: p.map_or_else(
                        || a.policy.rsplit('/').next().unwrap_or("").to_string(),
                        |p| p.name.clone(),
                    ),
                    kind: p.map(|p| p.kind).or_else(|| rules.implicit_kind(a.policy)),
                    via: a.via.map(str::to_string),
                    scope: a.scope.map(str::to_string),
                    condition: a.condition.map(str::to_string),
                    granted,
                    observable: observable_n,
                    used: used_n,
                }
            })
            .collect();

        let mut ia = IdentityAudit {
            id: identity.id.clone(),
            name: identity.name.clone(),
            kind: identity.kind,
            cloud: identity.cloud,
            system: identity.system.clone(),
            provider_managed: identity.provider_managed,
            granted: eff.granted,
            conditional: eff.conditional,
            used,
            unused,
            unobservable,
            used_without_grant,
            last_activity: last_activity.get(identity.id.as_str()).copied(),
            active_in_window: active.contains_key(identity.id.as_str()),
            pci: score,
            pci_level: pci::level(score),
            drivers,
            policies,
            findings: Vec::new(),
        };
        ia.findings = detect(
            &FindingInput {
                cat,
                snap,
                cfg,
                identity,
                audit: &ia,
                observed: sys_observed,
            },
            rules.as_ref(),
        );
        identities.push(ia);
    }
    rules.report(coverage);
    let systems = summarize(snap, cat.cloud, &identities, &observed);
    (identities, systems)
}

/// Bindings a source watched up to the window's end (GCP IAM Recommender's
/// policy insights): their policies' permissions are observable for the
/// identity, whatever the logs, except those no log ever shows.
fn watched_grants<'s>(
    snap: &'s Snapshot,
    cat: &Catalog,
    cfg: &AuditConfig,
    rules: &mut dyn Rules<'s>,
    coverage: &mut Coverage,
) -> HashMap<&'s str, PermSet> {
    let mut watched: HashMap<&str, PermSet> = HashMap::new();
    let end = cfg.as_of;
    let fresh = end
        .checked_sub(Span::new().hours(48))
        .unwrap_or(Timestamp::MIN);
    let mut stale = 0usize;
    for w in snap.watched_grants.iter().filter(|w| {
        snap.identity(&w.identity)
            .is_some_and(|i| i.cloud == cat.cloud)
    }) {
        if w.end < fresh || w.start > end {
            stale += 1;
            continue;
        }
        if let Some(mut perms) = rules.policy_grant(&w.policy) {
            perms.difference_with(rules.never_observable());
            watched
                .entry(w.identity.as_str())
                .or_insert_with(|| cat.empty_set())
                .union_with(&perms);
        }
    }
    if stale > 0 {
        coverage.warnings.push(Warning {
            input: "IAM Recommender policy insights".into(),
            message: format!(
                "{stale} insight(s) end more than two days before the window's end ({end}): not used as evidence of unused permissions; collect them again"
            ),
        });
    }
    watched
}

/// The actions that Access Advisor's "service not accessed" proves unused:
/// every action of those services that an API call would exercise (so not
/// the permission-only and never-logged ones, which it cannot see either).
fn advisor_evidence(cat: &Catalog, services: &[&str], never_observable: &PermSet) -> PermSet {
    let mut set = cat.empty_set();
    for s in services {
        if let Some(svc) = cat.service(s) {
            set.insert_range(svc.range.clone());
        }
    }
    set.difference_with(never_observable);
    set
}

fn top_services(cat: &Catalog, unused: &PermSet) -> Vec<(String, usize, f64)> {
    let mut by: BTreeMap<u32, (usize, f64)> = BTreeMap::new();
    for i in unused.ones() {
        let p = &cat.perms[i];
        let e = by.entry(p.service).or_default();
        e.0 += 1;
        e.1 += pci::weight(p.level, p.risk);
    }
    let mut v: Vec<_> = by
        .into_iter()
        .map(|(s, (n, w))| (cat.services[s as usize].prefix.clone(), n, w))
        .collect();
    v.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    v.truncate(5);
    v
}

fn names(cat: &Catalog, set: &PermSet) -> Vec<String> {
    cat.sorted_by_name(set)
        .into_iter()
        .map(|i| cat.qualified(i))
        .collect()
}

pub(crate) fn listed(cat: &Catalog, set: &PermSet) -> (Vec<String>, usize) {
    let mut all = names(cat, set);
    let n = all.len();
    all.truncate(MAX_LISTED);
    (all, n)
}

/// The findings of one identity: the common ones, then its cloud's.
fn detect(input: &FindingInput<'_>, rules: &dyn Rules<'_>) -> Vec<Finding> {
    let (cat, cfg, identity, ia, observed) = (
        input.cat,
        input.cfg,
        input.identity,
        input.audit,
        input.observed,
    );
    let Marks {
        super_set: iam_write,
        super_what,
    } = rules.marks();
    let start = cfg.window_start();
    let mut out = Vec::new();
    let finding = |kind, message: String| Finding {
        kind,
        message,
        permissions: Vec::new(),
        total: 0,
        policy: None,
        scope: None,
    };

    // super-identity
    let full = ia.granted.count_ones(..) == cat.len();
    let mut unconditional = ia.granted.clone();
    unconditional.difference_with(&ia.conditional);
    if !ia.provider_managed
        && (full || (!iam_write.is_clear() && iam_write.is_subset(&unconditional)))
    {
        let what = if full {
            "every action of the catalog (`*`)"
        } else {
            super_what
        };
        out.push(finding(
            &findings::SUPER_IDENTITY,
            format!(
                "{} holds {what}; it used {} of {} granted permissions",
                ia.name,
                ia.used.count_ones(..),
                ia.granted.count_ones(..)
            ),
        ));
    }

    // unused-high-risk-permissions
    if !ia.provider_managed && observed {
        let mut risky = cat.empty_set();
        risky.extend(
            ia.unused
                .ones()
                .filter(|&i| cat.perms[i].risk.is_high_risk()),
        );
        if !risky.is_clear() {
            let (permissions, total) = listed(cat, &risky);
            let crit = risky
                .ones()
                .filter(|&i| cat.perms[i].risk == crate::catalog::RiskTier::Critical)
                .count();
            out.push(Finding {
                kind: &findings::UNUSED_HIGH_RISK,
                message: format!(
                    "{total} high-risk permissions unused in {} days ({crit} permissions management, {} destructive write)",
                    cfg.window_days,
                    total - crit
                ),
                permissions,
                total,
                policy: None,
                scope: None,
            });
        }
    }

    // inactive-identity
    let existed = identity.created.is_none_or(|c| c < start);
    // Logs prove dormancy only if something it holds would show in them;
    // a last-used date (credential report, Policy Analyzer) is evidence
    // of its own.
    let observable = ia.granted.count_ones(..) > ia.unobservable.count_ones(..);
    let has_evidence = (observed && observable) || ia.last_activity.is_some();
    if !ia.provider_managed
        && ia.kind != IdentityKind::PrincipalSet
        && has_evidence
        && existed
        && !ia.active_in_window
        && !ia.granted.is_clear()
    {
        let last = ia.last_activity.map_or_else(
            || "no activity on record".to_string(),
            |t| format!("last active {}", t.strftime("%Y-%m-%d")),
        );
        out.push(finding(
            &findings::INACTIVE_IDENTITY,
            format!(
                "no activity in the {} days to {} ({last}); it holds {} permissions",
                cfg.window_days,
                cfg.as_of.strftime("%Y-%m-%d"),
                ia.granted.count_ones(..)
            ),
        ));
    } else if ia.active_in_window && !ia.provider_managed && ia.pci_level == PciLevel::High {
        // over-provisioned-identity
        out.push(finding(
            &findings::OVER_PROVISIONED_IDENTITY,
            format!(
                "PCI {}: it used {} of {} observable granted permissions",
                ia.pci,
                ia.used.count_ones(..),
                ia.granted.count_ones(..) - ia.unobservable.count_ones(..)
            ),
        ));
    }

    // unused-attached-policy (active identities; dormant ones have their own finding)
    if ia.active_in_window && !ia.provider_managed && observed {
        let mut seen = std::collections::BTreeSet::new();
        for p in &ia.policies {
            if p.observable > 0 && p.used == 0 && seen.insert((&p.policy, &p.scope)) {
                // Where, when the identity holds the policy at several scopes.
                let at = match &p.scope {
                    Some(s)
                        if ia
                            .policies
                            .iter()
                            .any(|q| q.policy == p.policy && q.scope != p.scope) =>
                    {
                        format!(" at {s}")
                    }
                    _ => String::new(),
                };
                let via = p.via.as_deref().map_or_else(String::new, |g| {
                    let name = input
                        .snap
                        .identity(g)
                        .map_or_else(|| g.rsplit('/').next().unwrap_or(g), |i| i.name.as_str());
                    format!(" (through group {name})")
                });
                out.push(Finding {
                    kind: &findings::UNUSED_ATTACHED_POLICY,
                    message: format!(
                        "policy {}{at}{via} grants {} observable permissions, none used in {} days",
                        p.name, p.observable, cfg.window_days
                    ),
                    permissions: Vec::new(),
                    total: 0,
                    policy: Some(p.policy.clone()),
                    scope: (!at.is_empty()).then(|| p.scope.clone()).flatten(),
                });
            }
        }
    }

    rules.findings(input, &mut out);
    out.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.kind.severity),
            a.kind.id,
            &a.policy,
            &a.message,
        )
            .cmp(&(
                std::cmp::Reverse(b.kind.severity),
                b.kind.id,
                &b.policy,
                &b.message,
            ))
    });
    out
}

fn summarize(
    snap: &Snapshot,
    cloud: Cloud,
    ids: &[IdentityAudit],
    observed: &HashMap<String, bool>,
) -> Vec<SystemAudit> {
    snap.systems
        .iter()
        .filter(|s| s.cloud == cloud)
        .map(|sys| {
            let mine: Vec<&IdentityAudit> = ids.iter().filter(|i| i.system == sys.id).collect();
            let wu: f64 = mine.iter().map(|i| i.drivers.weighted_unused).sum();
            let wg: f64 = mine.iter().map(|i| i.drivers.weighted_granted).sum();
            let score = pci::score(wu, wg);
            let mut by_pci = BTreeMap::new();
            let mut by_sev = BTreeMap::new();
            for i in &mine {
                *by_pci.entry(i.pci_level).or_default() += 1;
                for f in &i.findings {
                    *by_sev.entry(f.kind.severity).or_default() += 1;
                }
            }
            SystemAudit {
                cloud: sys.cloud,
                id: sys.id.clone(),
                identities: mine.len(),
                pci: score,
                pci_level: pci::level(score),
                weighted_unused: wu,
                weighted_granted: wg,
                granted: mine.iter().map(|i| i.granted.count_ones(..)).sum(),
                used: mine.iter().map(|i| i.used.count_ones(..)).sum(),
                unused: mine.iter().map(|i| i.unused.count_ones(..)).sum(),
                unobservable: mine.iter().map(|i| i.unobservable.count_ones(..)).sum(),
                identities_by_pci: by_pci,
                findings_by_severity: by_sev,
                usage_observed: observed.get(&sys.id).copied().unwrap_or(false),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
