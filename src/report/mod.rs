//! One report model, many renderers. [`Report`] is the public JSON contract
//! (versioned, documented by `schema/report.schema.json`, generated from
//! these structs); it is built once from an [`Audit`], and every format is a
//! function of it that writes to a `Write`. Renderers never recompute.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::Serialize;

use crate::analysis::Audit;
use crate::analysis::findings::Severity;
use crate::analysis::pci::PciLevel;
use std::sync::Arc;

use crate::catalog::{AccessLevel, Catalog, Catalogs, Cloud, PermSet};
use crate::model::{Coverage, IdentityKind, PolicyKind};

/// Version of the report format. Additive changes keep it; a removal or a
/// change of meaning bumps it.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// The end of the window (RFC 3339).
    pub as_of: Timestamp,
    pub window_days: u32,
    pub window_start: Timestamp,
    /// True when some input was skipped: the exit code is then 3.
    pub partial: bool,
    /// The permission catalog of each cloud audited.
    pub catalogs: Vec<CatalogInfo>,
    /// One summary per authorization system (AWS account, GCP project).
    pub systems: Vec<SystemReport>,
    /// Acting identities (users and roles; groups hold grants but never act),
    /// sorted by system then `id`.
    pub identities: Vec<IdentityReport>,
    /// Identities left out by the configuration's `[ignore]` (by ID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_identities: Vec<String>,
    pub coverage: Coverage,
    /// The CI gate's verdict (`permgap check`, `scan --check`); absent from
    /// a plain audit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<crate::gate::GateReport>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CatalogInfo {
    pub cloud: Cloud,
    pub source: String,
    pub permissions: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SystemReport {
    pub cloud: Cloud,
    pub id: String,
    pub identities: usize,
    pub pci: u8,
    pub pci_level: PciLevel,
    /// Sums over the system's identities (a permission held by two identities counts twice).
    pub granted: usize,
    pub used: usize,
    pub unused: usize,
    pub unobservable: usize,
    /// Whether a usage source covers the system; if not, nothing is called unused.
    pub usage_observed: bool,
    pub identities_by_pci_level: BTreeMap<PciLevel, usize>,
    pub findings_by_severity: BTreeMap<Severity, usize>,
    /// `granted`, `used`, `unused` and `unobservable` split by the
    /// permissions' access level.
    pub by_access_level: BTreeMap<AccessLevel, LevelCounts>,
}

/// Permission counts of one access level, summed over a system's identities.
#[derive(Debug, Default, Clone, Serialize, JsonSchema)]
pub struct LevelCounts {
    pub granted: usize,
    pub used: usize,
    pub unused: usize,
    pub unobservable: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IdentityReport {
    /// The ARN (AWS); `projects/P/members/MEMBER` (GCP).
    pub id: String,
    pub name: String,
    pub kind: IdentityKind,
    pub cloud: Cloud,
    /// The account ID (AWS), the project ID (GCP).
    pub system: String,
    /// Managed by the provider (AWS service-linked role): not proposed for change.
    pub provider_managed: bool,
    /// `granted = used + unused + unobservable`.
    pub granted: usize,
    pub used: usize,
    pub unused: usize,
    pub unobservable: usize,
    /// Granted only under a condition, or narrowed by a partial Deny.
    pub conditional: usize,
    pub pci: u8,
    pub pci_level: PciLevel,
    pub pci_drivers: PciDriversReport,
    pub last_activity: Option<Timestamp>,
    pub active_in_window: bool,
    pub used_permissions: PermList,
    pub unused_permissions: PermList,
    pub unobservable_permissions: PermList,
    pub conditional_permissions: PermList,
    /// Used in the window without a grant from the identity's own policies
    /// (resource policies; not counted in `used`).
    pub used_without_grant: PermList,
    pub policies: Vec<PolicyReport>,
    pub findings: Vec<FindingReport>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PciDriversReport {
    pub weighted_unused: f64,
    pub weighted_granted: f64,
    /// Services whose unused permissions weigh most, heaviest first (at most 5).
    pub top_unused_services: Vec<ServiceWeight>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ServiceWeight {
    pub service: String,
    pub unused: usize,
    pub weight: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PolicyReport {
    pub id: String,
    pub name: String,
    pub kind: Option<PolicyKind>,
    /// The group it is inherited through.
    pub via_group: Option<String>,
    /// GCP: the resource whose IAM policy binds the role (`projects/p`,
    /// `folders/1`, `organizations/2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// GCP: the binding's condition (title and expression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub granted: usize,
    pub used: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingReport {
    /// Stable ID; `permgap explain ID` documents it.
    pub id: String,
    pub title: String,
    /// A short label for narrow tables.
    pub short: String,
    pub severity: Severity,
    pub message: String,
    /// Permissions concerned (at most 25 named; see `permissions_total`);
    /// empty for a finding about the identity as a whole.
    pub permissions: Vec<String>,
    /// How many permissions the finding concerns (0 for none).
    pub permissions_total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Where the policy is bound, when the finding is about one binding of
    /// it (Azure: the assignment's scope).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Set by the gate: the suppression of `permgap.toml` that accepts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<crate::gate::SuppressedBy>,
    /// Set by the gate with a baseline: whether the baseline holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::gate::BaselineState>,
}

impl FindingReport {
    /// Whether the gate counts it: neither suppressed nor in the baseline.
    pub fn counts(&self) -> bool {
        self.suppressed.is_none() && self.baseline != Some(crate::gate::BaselineState::Unchanged)
    }
}

/// Unused over observable granted (used + unused); 0 with nothing observable.
pub fn gap_ratio(used: usize, unused: usize) -> f64 {
    if used + unused == 0 {
        0.0
    } else {
        (unused as f64 / (used + unused) as f64 * 10_000.0).round() / 10_000.0
    }
}

/// A set of permissions, serialized as its names (`service:Action`,
/// `service.resource.verb`) in byte order, written one by one: a report
/// never holds the strings of every identity's lists at once.
pub struct PermList {
    cat: Arc<Catalog>,
    set: PermSet,
}

impl PermList {
    pub fn new(cat: Arc<Catalog>, set: PermSet) -> Self {
        PermList { cat, set }
    }

    pub fn len(&self) -> usize {
        self.set.count_ones(..)
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_clear()
    }

    /// The first `limit` names, in byte order.
    pub fn names(&self, limit: usize) -> Vec<String> {
        let order = self.cat.sorted_by_name(&self.set);
        order
            .into_iter()
            .take(limit)
            .map(|i| self.cat.qualified(i))
            .collect()
    }
}

impl std::fmt::Debug for PermList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PermList({} permissions)", self.len())
    }
}

impl Serialize for PermList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        struct Name<'a>(&'a str, &'a str, &'a str);
        impl Serialize for Name<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&format_args!("{}{}{}", self.0, self.1, self.2))
            }
        }
        let order = self.cat.sorted_by_name(&self.set);
        let mut seq = s.serialize_seq(Some(order.len()))?;
        for i in order {
            seq.serialize_element(&Name(
                self.cat.prefix_of(i),
                self.cat.sep,
                &self.cat.perms[i].name,
            ))?;
        }
        seq.end()
    }
}

impl JsonSchema for PermList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PermList".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<String>>::json_schema(generator)
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Report {
    /// Findings of every identity, by severity.
    pub fn findings_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut out = BTreeMap::new();
        for f in self.identities.iter().flat_map(|i| &i.findings) {
            *out.entry(f.severity).or_default() += 1;
        }
        out
    }

    /// One line on what the report holds, for stderr.
    pub fn summary_line(&self) -> String {
        let by = self.findings_by_severity();
        let n = |s| by.get(&s).copied().unwrap_or(0);
        format!(
            "{} identities in {} systems, {} findings ({} high, {} medium, {} low){}",
            self.identities.len(),
            self.systems.len(),
            by.values().sum::<usize>(),
            n(Severity::High),
            n(Severity::Medium),
            n(Severity::Low),
            if self.partial {
                "; PARTIAL: some input was skipped (see coverage.skipped)"
            } else {
                ""
            }
        )
    }

    /// Takes the audit by value: its permission sets move into the report.
    /// `cats` holds the catalog of every cloud the audit covers.
    pub fn build(audit: Audit, cats: &Catalogs) -> Report {
        // An audit's identities come with their cloud's catalog in `cats`;
        // a caller that passes fewer gets the cloud's embedded catalog.
        let cat_of = |cloud: Cloud| {
            cats.get(cloud)
                .cloned()
                .or_else(|| crate::clouds::provider(cloud).map(|p| p.catalog()))
        };
        let mut levels: BTreeMap<(Cloud, &str), BTreeMap<AccessLevel, LevelCounts>> =
            BTreeMap::new();
        for i in &audit.identities {
            let Some(cat) = cat_of(i.cloud) else {
                continue;
            };
            let by = levels.entry((i.cloud, i.system.as_str())).or_default();
            let mut add = |set: &PermSet, pick: fn(&mut LevelCounts) -> &mut usize| {
                for p in set.ones() {
                    *pick(by.entry(cat.perms[p].level).or_default()) += 1;
                }
            };
            add(&i.granted, |c| &mut c.granted);
            add(&i.used, |c| &mut c.used);
            add(&i.unused, |c| &mut c.unused);
            add(&i.unobservable, |c| &mut c.unobservable);
        }
        let mut levels: BTreeMap<(Cloud, String), BTreeMap<AccessLevel, LevelCounts>> = levels
            .into_iter()
            .map(|((c, s), v)| ((c, s.to_string()), v))
            .collect();
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: Tool {
                name: "permgap".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            as_of: audit.config.as_of,
            window_days: audit.config.window_days,
            window_start: audit.config.window_start(),
            partial: audit.is_partial(),
            catalogs: cats
                .iter()
                .filter(|c| audit.systems.iter().any(|s| s.cloud == c.cloud))
                .map(|c| CatalogInfo {
                    cloud: c.cloud,
                    source: c.source.into(),
                    permissions: c.len(),
                })
                .collect(),
            systems: audit
                .systems
                .iter()
                .map(|s| SystemReport {
                    cloud: s.cloud,
                    id: s.id.clone(),
                    identities: s.identities,
                    pci: s.pci,
                    pci_level: s.pci_level,
                    granted: s.granted,
                    used: s.used,
                    unused: s.unused,
                    unobservable: s.unobservable,
                    usage_observed: s.usage_observed,
                    identities_by_pci_level: s.identities_by_pci.clone(),
                    findings_by_severity: s.findings_by_severity.clone(),
                    by_access_level: levels.remove(&(s.cloud, s.id.clone())).unwrap_or_default(),
                })
                .collect(),
            identities: audit
                .identities
                .into_iter()
                .filter_map(|i| {
                    let cat = cat_of(i.cloud)?;
                    Some(IdentityReport {
                        id: i.id.clone(),
                        name: i.name.clone(),
                        kind: i.kind,
                        cloud: i.cloud,
                        system: i.system.clone(),
                        provider_managed: i.provider_managed,
                        granted: i.granted.count_ones(..),
                        used: i.used.count_ones(..),
                        unused: i.unused.count_ones(..),
                        unobservable: i.unobservable.count_ones(..),
                        conditional: i.conditional.count_ones(..),
                        pci: i.pci,
                        pci_level: i.pci_level,
                        pci_drivers: PciDriversReport {
                            weighted_unused: round2(i.drivers.weighted_unused),
                            weighted_granted: round2(i.drivers.weighted_granted),
                            top_unused_services: i
                                .drivers
                                .top_services
                                .iter()
                                .map(|(s, n, w)| ServiceWeight {
                                    service: s.clone(),
                                    unused: *n,
                                    weight: round2(*w),
                                })
                                .collect(),
                        },
                        last_activity: i.last_activity,
                        active_in_window: i.active_in_window,
                        used_permissions: PermList::new(cat.clone(), i.used),
                        unused_permissions: PermList::new(cat.clone(), i.unused),
                        unobservable_permissions: PermList::new(cat.clone(), i.unobservable),
                        conditional_permissions: PermList::new(cat.clone(), i.conditional),
                        used_without_grant: PermList::new(cat, i.used_without_grant),
                        policies: i
                            .policies
                            .iter()
                            .map(|p| PolicyReport {
                                id: p.policy.clone(),
                                name: p.name.clone(),
                                kind: p.kind,
                                via_group: p.via.clone(),
                                scope: p.scope.clone(),
                                condition: p.condition.clone(),
                                granted: p.granted,
                                used: p.used,
                            })
                            .collect(),
                        findings: i
                            .findings
                            .iter()
                            .map(|f| FindingReport {
                                id: f.kind.id.into(),
                                title: f.kind.title.into(),
                                short: f.kind.short.into(),
                                severity: f.kind.severity,
                                message: f.message.clone(),
                                permissions: f.permissions.clone(),
                                permissions_total: f.total,
                                policy: f.policy.clone(),
                                scope: f.scope.clone(),
                                suppressed: None,
                                baseline: None,
                            })
                            .collect(),
                    })
                })
                .collect(),
            ignored_identities: audit.ignored,
            coverage: audit.coverage,
            gate: None,
        }
    }
}
