//! A baseline: today's findings and numbers, recorded so that
//! `check --baseline` fails only on what is new or worse.
//! `permgap baseline SNAPSHOT -o permgap-baseline.json` writes one.

use std::path::Path;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::analysis::findings;
use crate::catalog::Cloud;
use crate::report::{Report, gap_ratio};

/// The version of the baseline file; a reader refuses any other.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Where it was read from (not written).
    #[serde(skip)]
    pub origin: String,
    pub permgap_baseline: u32,
    /// The end of the window of the audit it records.
    pub as_of: Timestamp,
    /// Sorted by cloud, then ID.
    pub systems: Vec<BaselineSystem>,
    /// Sorted by ID.
    pub identities: Vec<BaselineIdentity>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineSystem {
    pub cloud: Cloud,
    pub id: String,
    pub pci: u8,
    pub gap_ratio: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineIdentity {
    pub id: String,
    pub name: String,
    pub cloud: Cloud,
    pub system: String,
    pub pci: u8,
    pub unused_high_risk: usize,
    pub gap_ratio: f64,
    /// Finding IDs, sorted.
    pub findings: Vec<String>,
}

impl Baseline {
    /// Records a report's systems, identities and findings.
    pub fn from_report(report: &Report) -> Baseline {
        let mut systems: Vec<BaselineSystem> = report
            .systems
            .iter()
            .map(|s| BaselineSystem {
                cloud: s.cloud,
                id: s.id.clone(),
                pci: s.pci,
                gap_ratio: gap_ratio(s.used, s.unused),
            })
            .collect();
        systems.sort_by(|a, b| (a.cloud, &a.id).cmp(&(b.cloud, &b.id)));
        let mut identities: Vec<BaselineIdentity> = report
            .identities
            .iter()
            .map(|i| {
                let mut f: Vec<String> = i.findings.iter().map(|f| f.id.clone()).collect();
                f.sort();
                f.dedup();
                BaselineIdentity {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    cloud: i.cloud,
                    system: i.system.clone(),
                    pci: i.pci,
                    unused_high_risk: i
                        .findings
                        .iter()
                        .filter(|f| f.id == findings::UNUSED_HIGH_RISK.id)
                        .map(|f| f.permissions_total.max(f.permissions.len()))
                        .sum(),
                    gap_ratio: gap_ratio(i.used, i.unused),
                    findings: f,
                }
            })
            .collect();
        identities.sort_by(|a, b| a.id.cmp(&b.id));
        Baseline {
            origin: String::new(),
            permgap_baseline: BASELINE_VERSION,
            as_of: report.as_of,
            systems,
            identities,
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read the baseline {}: {e}", path.display()))?;
        let help = "write one with `permgap baseline SNAPSHOT -o FILE`";
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("{} is not JSON ({e}); {help}", path.display()))?;
        match v
            .get("permgap_baseline")
            .and_then(serde_json::Value::as_u64)
        {
            Some(n) if n == u64::from(BASELINE_VERSION) => {}
            Some(n) => anyhow::bail!(
                "{} is a baseline of version {n}; this permgap reads version {BASELINE_VERSION}: {help}",
                path.display()
            ),
            None => anyhow::bail!("{} is not a permgap baseline; {help}", path.display()),
        }
        let mut b: Baseline = serde_json::from_value(v).map_err(|e| {
            anyhow::anyhow!("{} is not a valid baseline ({e}); {help}", path.display())
        })?;
        b.origin = path.display().to_string();
        b.identities.sort_by(|a, b| a.id.cmp(&b.id));
        b.systems
            .sort_by(|a, b| (a.cloud, &a.id).cmp(&(b.cloud, &b.id)));
        Ok(b)
    }

    pub fn identity(&self, id: &str) -> Option<&BaselineIdentity> {
        self.identities
            .binary_search_by(|i| i.id.as_str().cmp(id))
            .ok()
            .map(|n| &self.identities[n])
    }

    pub fn system(&self, cloud: Cloud, id: &str) -> Option<&BaselineSystem> {
        self.systems
            .binary_search_by(|s| (s.cloud, s.id.as_str()).cmp(&(cloud, id)))
            .ok()
            .map(|n| &self.systems[n])
    }

    /// Whether the baseline holds `finding` on `identity`.
    pub fn holds(&self, identity: &str, finding: &str) -> bool {
        self.identity(identity)
            .is_some_and(|i| i.findings.iter().any(|f| f == finding))
    }
}
