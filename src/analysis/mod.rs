//! Analysis: pure functions of a snapshot, a catalog and a configuration.
//! No I/O and no clock: the audit time is an input, and the output order is
//! deterministic.
//!
//! For each acting identity: effective grant → used (inside the window) →
//! unobservable (what the sources cannot see) → unused (the rest) → PCI →
//! findings. Then per-system summaries.

pub mod findings;
pub mod pci;

use std::collections::{BTreeMap, HashMap};

use jiff::{Span, Timestamp};

use crate::catalog::{Catalog, Catalogs, Cloud, PermSet};
use crate::clouds::aws::rules::{self as effective, Attachment, PolicyCache};
use crate::clouds::aws::unobservable;
use crate::clouds::gcp::rules as gcp;
use crate::model::{Coverage, Identity, IdentityKind, PolicyKind, Snapshot, Warning};
use findings::{Finding, MAX_LISTED};
use pci::PciLevel;

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

/// What the usage sources of one system can see.
struct Observability {
    /// Whether any usage source covers the system.
    observed: bool,
    unobservable: PermSet,
}

fn observability(snap: &Snapshot, cat: &Catalog) -> HashMap<String, Observability> {
    let mut out = HashMap::new();
    for sys in snap.systems.iter().filter(|s| s.cloud == cat.cloud) {
        let sources: Vec<_> = snap
            .coverage
            .sources
            .iter()
            .filter(|s| s.kind.observes_usage() && s.system.as_deref() == Some(sys.id.as_str()))
            .collect();
        let obs = if sources.is_empty() {
            Observability {
                observed: false,
                unobservable: cat.full_set(),
            }
        } else {
            let mut data: Vec<String> = sources
                .iter()
                .flat_map(|s| s.data_event_services.iter().cloned())
                .collect();
            data.sort();
            data.dedup();
            Observability {
                observed: true,
                // GCP's depends on the member too: see `gcp::Observability`.
                unobservable: match cat.cloud {
                    Cloud::Gcp => cat.empty_set(),
                    _ => unobservable::unobservable_with_cloudtrail(cat, &data),
                },
            }
        };
        out.insert(sys.id.clone(), obs);
    }
    out
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
    let (logs, unit) = match cloud {
        Cloud::Aws => ("CloudTrail", "account"),
        Cloud::Azure => ("Activity Log", "subscription"),
        Cloud::Gcp => ("Cloud Audit Logs", "project"),
    };
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

/// The catalogs an audit of `snap` needs: AWS's, and GCP's with the
/// permissions that the snapshot's roles and usage name beyond the embedded
/// list.
pub fn catalogs(snap: &Snapshot) -> Catalogs {
    let mut list = vec![crate::clouds::aws::catalog::shared()];
    if snap.systems.iter().any(|s| s.cloud == Cloud::Gcp) {
        let extra = snap
            .policies
            .iter()
            .filter(|p| p.cloud == Cloud::Gcp)
            .flat_map(|p| gcp::included_permissions(&p.document))
            .chain(
                snap.usage
                    .iter()
                    .filter(|u| usage_cloud(snap, u) == Cloud::Gcp)
                    .map(|u| u.permission.as_str()),
            );
        list.push(std::sync::Arc::new(crate::clouds::gcp::catalog::catalog(
            extra,
        )));
    }
    Catalogs::new(list)
}

/// The cloud of a usage record: its identity's, or else what its
/// permission looks like (`s3:GetObject`, `storage.objects.get`).
fn usage_cloud(snap: &Snapshot, u: &crate::model::UsageRecord) -> Cloud {
    snap.identity(&u.identity).map_or(
        if u.permission.contains(':') {
            Cloud::Aws
        } else {
            Cloud::Gcp
        },
        |i| i.cloud,
    )
}

/// Runs the audit of every cloud of the snapshot that `cats` has a catalog
/// for.
pub fn audit_all(snap: &Snapshot, cats: &Catalogs, cfg: &AuditConfig) -> Audit {
    let mut coverage = snap.coverage.clone();
    let mut identities = Vec::new();
    let mut systems = Vec::new();
    for cat in cats.iter() {
        let present = snap.systems.iter().any(|s| s.cloud == cat.cloud)
            || snap.identities.iter().any(|i| i.cloud == cat.cloud);
        if present {
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
    let start = cfg.window_start();
    let end = cfg.as_of;
    let obs = observability(snap, cat);
    window_warnings(snap, cat.cloud, cfg, coverage);

    // Usage and activity, grouped by identity.
    let mut used_by: HashMap<&str, PermSet> = HashMap::new();
    for u in &snap.usage {
        if !in_window(Some(u.first_seen), u.last_seen, start, end)
            || usage_cloud(snap, u) != cat.cloud
        {
            continue;
        }
        match cat.lookup(&u.permission) {
            Some(i) => {
                used_by
                    .entry(u.identity.as_str())
                    .or_insert_with(|| cat.empty_set())
                    .insert(i);
            }
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
    let never_observable = unobservable::never_observable(cat);
    // AWS: IAM's write and permissions-management actions: holding all of
    // them makes a super identity. GCP: the project's setIamPolicy.
    let mut iam_write = cat.empty_set();
    // GCP: the permissions that escalate, named once for the catalog.
    let mut escalation = cat.empty_set();
    match cat.cloud {
        Cloud::Gcp => {
            iam_write.extend(gcp::SUPER_PERMISSIONS.iter().filter_map(|p| cat.lookup(p)));
            escalation.extend(
                (0..cat.len())
                    .filter(|&i| crate::clouds::gcp::catalog::is_escalation(&cat.qualified(i))),
            );
        }
        _ => {
            if let Some(svc) = cat.service("iam") {
                iam_write.extend(
                    svc.range
                        .clone()
                        .filter(|&i| cat.perms[i].risk >= crate::catalog::RiskTier::Medium),
                );
            }
        }
    }
    let mut roles = gcp::RoleCache::new(snap, cat);
    let mut gcp_obs = gcp::Observability::new(cat);
    // Bindings IAM Recommender watched up to the window's end: their roles'
    // permissions are observable for the member, whatever the audit logs.
    let mut watched: HashMap<&str, PermSet> = HashMap::new();
    if cat.cloud == Cloud::Gcp && !snap.watched_grants.is_empty() {
        let fresh = end
            .checked_sub(Span::new().hours(48))
            .unwrap_or(Timestamp::MIN);
        let never = gcp_obs.never();
        let mut stale = 0usize;
        for w in &snap.watched_grants {
            if w.end < fresh || w.start > end {
                stale += 1;
                continue;
            }
            if let Some(perms) = roles.get(&w.policy) {
                let mut perms = perms.clone();
                perms.difference_with(&never);
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
    }
    let systems_by_id: HashMap<&str, &crate::model::System> = snap
        .systems
        .iter()
        .filter(|s| s.cloud == cat.cloud)
        .map(|s| (s.id.as_str(), s))
        .collect();

    let mut cache = PolicyCache::new(snap, cat);
    // Service control policies cap every identity of their account, except
    // service-linked roles, which SCPs never restrict.
    let masks: HashMap<&str, crate::clouds::aws::policy::Effective> = snap
        .systems
        .iter()
        .filter_map(|s| Some((s.id.as_str(), effective::scp_mask(&mut cache, cat, s)?)))
        .collect();
    let acting: Vec<&Identity> = snap
        .identities
        .iter()
        .filter(|i| i.kind.acts() && i.cloud == cat.cloud && !cfg.ignores(i))
        .collect();
    let attached: Vec<Vec<Attachment>> = acting
        .iter()
        .map(|i| effective::attachments(snap, i))
        .collect();
    let marks = Marks {
        iam_write: &iam_write,
        escalation: &escalation,
    };
    let mut identities = Vec::with_capacity(acting.len());
    for (identity, att) in acting.iter().zip(&attached) {
        let mut eff = match cat.cloud {
            Cloud::Gcp => gcp::effective(&mut roles, cat, identity),
            _ => effective::effective(&mut cache, cat, identity, att),
        };
        if let Some(mask) = masks
            .get(identity.system.as_str())
            .filter(|_| !identity.provider_managed)
        {
            crate::clouds::aws::policy::apply_mask(&mut eff, mask);
        }
        let o = obs.get(&identity.system);
        let all_used = used_by
            .remove(identity.id.as_str())
            .unwrap_or_else(|| cat.empty_set());
        let mut used = all_used.clone();
        used.intersect_with(&eff.granted);
        let mut used_without_grant = all_used;
        used_without_grant.difference_with(&eff.granted);
        let mut unobservable = eff.granted.clone();
        unobservable.difference_with(&used);
        match (o, cat.cloud) {
            // A set's use is logged under its members' names: never seen.
            (_, Cloud::Gcp) if identity.kind == IdentityKind::PrincipalSet => {}
            (Some(o), Cloud::Gcp) if o.observed => {
                if let Some(sys) = systems_by_id.get(identity.system.as_str()) {
                    unobservable
                        .intersect_with(&gcp_obs.unobservable(sys, gcp::member_of(identity)));
                }
            }
            (Some(o), _) => unobservable.intersect_with(&o.unobservable),
            (None, _) => {}
        }
        if identity.kind != IdentityKind::PrincipalSet
            && let Some(w) = watched.get(identity.id.as_str())
        {
            unobservable.difference_with(w);
        }
        if let Some(services) = not_accessed.get(identity.id.as_str()) {
            unobservable.difference_with(&advisor_evidence(cat, services, &never_observable));
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
            .map(|a| {
                let p = snap.policy(&a.policy);
                let set = match cat.cloud {
                    Cloud::Gcp => roles.get(&a.policy).cloned(),
                    _ => cache.get(&a.policy).map(|ev| ev.allowed()),
                };
                let (granted, observable_n, used_n) = match set {
                    Some(mut g) => {
                        g.intersect_with(&eff.granted);
                        let n = g.count_ones(..);
                        let mut obs = g.clone();
                        obs.difference_with(&unobservable);
                        g.intersect_with(&used);
                        (n, obs.count_ones(..), g.count_ones(..))
                    }
                    None => (0, 0, 0),
                };
                PolicyUse {
                    policy: a.policy.clone(),
                    name: p.map_or_else(
                        || a.policy.rsplit('/').next().unwrap_or("").to_string(),
                        |p| p.name.clone(),
                    ),
                    kind: p.map(|p| p.kind).or_else(|| {
                        (cat.cloud == Cloud::Gcp && a.policy.starts_with("roles/"))
                            .then_some(PolicyKind::ProviderManaged)
                    }),
                    via: a.via.clone(),
                    scope: a.scope.clone(),
                    condition: a.condition.clone(),
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
        let observed = o.is_some_and(|o| o.observed);
        ia.findings = detect(cat, snap, cfg, identity, &ia, observed, &marks);
        identities.push(ia);
    }
    match cat.cloud {
        Cloud::Gcp => roles.report(coverage),
        _ => cache.report(coverage),
    }
    let systems = summarize(snap, cat.cloud, &identities, &obs);
    (identities, systems)
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

fn listed(cat: &Catalog, set: &PermSet) -> (Vec<String>, usize) {
    let mut all = names(cat, set);
    let n = all.len();
    all.truncate(MAX_LISTED);
    (all, n)
}

/// Catalog-wide permission sets the findings test against.
struct Marks<'a> {
    /// Holding all of these (unconditionally) makes a super identity.
    iam_write: &'a PermSet,
    /// GCP: permissions that escalate (`setIamPolicy`, `actAs`, ...).
    escalation: &'a PermSet,
}

fn detect(
    cat: &Catalog,
    snap: &Snapshot,
    cfg: &AuditConfig,
    identity: &Identity,
    ia: &IdentityAudit,
    observed: bool,
    marks: &Marks<'_>,
) -> Vec<Finding> {
    let iam_write = marks.iam_write;
    let start = cfg.window_start();
    let mut out = Vec::new();
    let finding = |kind, message: String| Finding {
        kind,
        message,
        permissions: Vec::new(),
        total: 0,
        policy: None,
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
        } else if ia.cloud == Cloud::Gcp {
            "resourcemanager.projects.setIamPolicy without a condition, so it can grant itself any role"
        } else {
            "every IAM write and permissions-management action"
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
            if p.observable > 0 && p.used == 0 && seen.insert(&p.policy) {
                let via = p.via.as_deref().map_or_else(String::new, |g| {
                    format!(" (through group {})", g.rsplit('/').next().unwrap_or(g))
                });
                out.push(Finding {
                    kind: &findings::UNUSED_ATTACHED_POLICY,
                    message: format!(
                        "policy {}{via} grants {} observable permissions, none used in {} days",
                        p.name, p.observable, cfg.window_days
                    ),
                    permissions: Vec::new(),
                    total: 0,
                    policy: Some(p.policy.clone()),
                });
            }
        }
    }

    // stale credentials
    for c in snap
        .credentials_of(&identity.id)
        .iter()
        .filter(|c| c.active && c.expires.is_none_or(|e| e > cfg.as_of))
    {
        let stale = match c.last_used {
            Some(t) => t < start,
            None => c.since.is_some_and(|s| s < start),
        };
        if !stale {
            continue;
        }
        let last = c.last_used.map_or_else(
            || "never used".to_string(),
            |t| format!("last used {}", t.strftime("%Y-%m-%d")),
        );
        if identity.cloud == Cloud::Gcp {
            // Only Policy Analyzer's key activity sees every authentication
            // of a key.
            let tracked = snap.coverage.sources.iter().any(|s| {
                s.kind == crate::model::SourceKind::GcpPolicyAnalyzer
                    && s.system.as_deref() == Some(identity.system.as_str())
                    && s.records
                        .contains_key("serviceAccountKeyLastAuthentication")
            });
            if tracked {
                out.push(finding(
                    &findings::UNUSED_SERVICE_ACCOUNT_KEY,
                    format!(
                        "key {} enabled, {last}",
                        c.kind.strip_prefix("key/").unwrap_or(&c.kind)
                    ),
                ));
            }
        } else if c.kind == "password" {
            out.push(finding(
                &findings::STALE_PASSWORD,
                format!("console password enabled, {last}"),
            ));
        } else {
            out.push(finding(
                &findings::STALE_ACCESS_KEY,
                format!("{} active, {last}", c.kind),
            ));
        }
    }
    if ia.cloud == Cloud::Gcp {
        gcp_findings(cat, cfg, identity, ia, observed, marks.escalation, &mut out);
    }
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

/// The GCP findings: basic roles, public members, unused escalation.
fn gcp_findings(
    cat: &Catalog,
    cfg: &AuditConfig,
    identity: &Identity,
    ia: &IdentityAudit,
    observed: bool,
    escalation: &PermSet,
    out: &mut Vec<Finding>,
) {
    let member = gcp::member_of(identity);
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
        if gcp::is_public(member) {
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
            });
        }
        if gcp::BASIC_ROLES.contains(&g.policy.as_str()) && !ia.provider_managed {
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
            });
        }
    }
    if observed && !ia.provider_managed {
        let mut esc = ia.unused.clone();
        esc.intersect_with(escalation);
        if !esc.is_clear() {
            let (permissions, total) = listed(cat, &esc);
            out.push(Finding {
                kind: &findings::UNUSED_ESCALATION,
                message: format!(
                    "{total} escalation permissions (setIamPolicy, actAs, service account tokens or keys) unused in {} days",
                    cfg.window_days
                ),
                permissions,
                total,
                policy: None,
            });
        }
    }
}

fn summarize(
    snap: &Snapshot,
    cloud: Cloud,
    ids: &[IdentityAudit],
    obs: &HashMap<String, Observability>,
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
                usage_observed: obs.get(&sys.id).is_some_and(|o| o.observed),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
