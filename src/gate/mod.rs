//! The CI gate: a report, a configuration and an optional baseline give a
//! verdict. Pure: the day that suppressions expire against is an input.
//!
//! Every threshold is evaluated per system with the thresholds
//! [`Config::thresholds_for`] gives it. A suppressed finding, or one the
//! baseline holds, does not count; an identity's or system's number (PCI,
//! unused high-risk permissions, gap ratio) over its limit counts only when
//! the baseline does not hold it at that number or higher. The gate marks
//! each finding it looked at (`suppressed`, `baseline`) and writes its
//! verdict into the report before anything is rendered.

pub mod baseline;

use std::collections::BTreeMap;

use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analysis::findings::{self, Severity};
use crate::catalog::Cloud;
use crate::config::{Config, Suppression};
use crate::report::{Report, gap_ratio};
pub use baseline::Baseline;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No threshold breached, and the data complete (or partial data allowed).
    Pass,
    /// A threshold is breached (exit 1).
    Fail,
    /// No threshold breached, but the data is partial and the configuration
    /// says that fails (exit 3).
    Partial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not in the baseline: it counts.
    New,
    /// In the baseline: accepted.
    Unchanged,
}

/// The suppression that accepts a finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SuppressedBy {
    /// `FILE:LINE` of its `[[suppress]]` table.
    pub by: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GateReport {
    pub verdict: Verdict,
    /// The configuration file, or "built-in defaults".
    pub config: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub fail_on_partial: bool,
    /// Every threshold breached, by system then identity.
    pub breaches: Vec<Breach>,
    /// Findings that count, by severity, over every system.
    pub findings_counted: BTreeMap<Severity, usize>,
    /// Findings a suppression accepts.
    pub findings_suppressed: usize,
    /// Findings the baseline holds.
    pub findings_baselined: usize,
    /// Suppressions past their `expires` day: they accept nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired_suppressions: Vec<SuppressionNote>,
    /// Suppressions in force that matched no finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched_suppressions: Vec<SuppressionNote>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Breach {
    /// The threshold's key in `permgap.toml` (`max_identity_pci`,
    /// `max_findings.high`, `no_new_super_identity`, ...).
    pub threshold: String,
    pub cloud: Cloud,
    pub system: String,
    /// The identity's ID, for a per-identity threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    pub limit: f64,
    pub value: f64,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SuppressionNote {
    /// `FILE:LINE (FINDING for IDENTITY)`.
    pub suppression: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

impl GateReport {
    /// One line for stderr, whatever the format.
    pub fn verdict_line(&self, partial: bool) -> String {
        let counted: usize = self.findings_counted.values().sum();
        let mut extra = vec![format!("{counted} finding(s) counted")];
        if self.findings_suppressed > 0 {
            extra.push(format!("{} suppressed", self.findings_suppressed));
        }
        if self.baseline.is_some() {
            extra.push(format!("{} in the baseline", self.findings_baselined));
        }
        if !self.expired_suppressions.is_empty() {
            extra.push(format!(
                "{} suppression(s) expired",
                self.expired_suppressions.len()
            ));
        }
        if partial {
            extra.push("data PARTIAL (see coverage.skipped)".into());
        }
        let head = match self.verdict {
            Verdict::Pass => "PASS".to_string(),
            Verdict::Partial => "PARTIAL: no threshold breached, but some input was skipped".into(),
            Verdict::Fail => {
                let first = self.breaches.iter().take(2).map(|b| b.message.as_str());
                let more = self.breaches.len().saturating_sub(2);
                format!(
                    "FAIL: {} threshold breach(es): {}{}",
                    self.breaches.len(),
                    first.collect::<Vec<_>>().join("; "),
                    if more > 0 {
                        format!("; and {more} more")
                    } else {
                        String::new()
                    }
                )
            }
        };
        format!(
            "permgap check: {head} ({}; {})",
            extra.join(", "),
            self.config
        )
    }
}

fn matches(s: &Suppression, finding: &str, id: &str, name: &str, system: &str) -> bool {
    s.finding == finding
        && (s.identity.matches(id) || s.identity.matches(name))
        && s.system.as_ref().is_none_or(|p| p.matches(system))
}

fn note(s: &Suppression, origin: &str) -> SuppressionNote {
    SuppressionNote {
        suppression: s.label(origin),
        reason: s.reason.clone(),
        expires: s.expires,
    }
}

/// The unit a system is called by in messages.
fn unit(cloud: Cloud) -> &'static str {
    crate::clouds::names(cloud).system
}

/// Evaluates the gate on `report`, marks its findings, and sets
/// `report.gate`. `today` decides which suppressions have expired.
pub fn evaluate(report: &mut Report, cfg: &Config, base: Option<&Baseline>, today: Date) {
    let expired = |s: &Suppression| s.expires.is_some_and(|e| e < today);
    let mut used = vec![false; cfg.suppressions.len()];
    let mut breaches = Vec::new();
    let mut counted: BTreeMap<Severity, usize> = BTreeMap::new();
    let (mut suppressed, mut baselined) = (0, 0);
    // Per system: findings counted by severity.
    let mut per_system: BTreeMap<(Cloud, String), BTreeMap<Severity, usize>> = BTreeMap::new();
    for sys in &report.systems {
        per_system.entry((sys.cloud, sys.id.clone())).or_default();
    }
    for i in &mut report.identities {
        let t = cfg.thresholds_for(&i.system);
        let known = base.and_then(|b| b.identity(&i.id));
        for f in &mut i.findings {
            if let Some((n, s)) = cfg
                .suppressions
                .iter()
                .enumerate()
                .find(|(_, s)| !expired(s) && matches(s, &f.id, &i.id, &i.name, &i.system))
            {
                used[n] = true;
                f.suppressed = Some(SuppressedBy {
                    by: format!("{}:{}", cfg.origin, s.line),
                    reason: s.reason.clone(),
                    expires: s.expires,
                });
                suppressed += 1;
            }
            if let Some(b) = base {
                f.baseline = Some(if b.holds(&i.id, &f.id) {
                    BaselineState::Unchanged
                } else {
                    BaselineState::New
                });
                if f.suppressed.is_none() && f.baseline == Some(BaselineState::Unchanged) {
                    baselined += 1;
                }
            }
            if f.counts() {
                *counted.entry(f.severity).or_default() += 1;
                *per_system
                    .entry((i.cloud, i.system.clone()))
                    .or_default()
                    .entry(f.severity)
                    .or_default() += 1;
            }
        }
        let who = format!("{} ({} {})", i.name, unit(i.cloud), i.system);
        let mut breach = |threshold: &str, limit: f64, value: f64, message: String| {
            breaches.push(Breach {
                threshold: threshold.into(),
                cloud: i.cloud,
                system: i.system.clone(),
                identity: Some(i.id.clone()),
                limit,
                value,
                message,
            });
        };
        if let Some(max) = t.max_identity_pci
            && i.pci > max
            && known.is_none_or(|k| i.pci > k.pci)
        {
            breach(
                "max_identity_pci",
                f64::from(max),
                f64::from(i.pci),
                format!("{who}: PCI {} is over max_identity_pci {max}", i.pci),
            );
        }
        if let Some(max) = t.max_unused_high_risk {
            let n = i
                .findings
                .iter()
                .filter(|f| f.id == findings::UNUSED_HIGH_RISK.id && f.suppressed.is_none())
                .map(|f| f.permissions_total.max(f.permissions.len()))
                .sum::<usize>();
            if n > max && known.is_none_or(|k| n > k.unused_high_risk) {
                breach(
                    "max_unused_high_risk",
                    max as f64,
                    n as f64,
                    format!(
                        "{who}: {n} unused high-risk permissions, over max_unused_high_risk {max}"
                    ),
                );
            }
        }
        if let Some(max) = t.max_identity_gap_ratio {
            let r = gap_ratio(i.used, i.unused);
            if r > max && known.is_none_or(|k| r > k.gap_ratio) {
                breach(
                    "max_identity_gap_ratio",
                    max,
                    r,
                    format!("{who}: gap ratio {r} is over max_identity_gap_ratio {max}"),
                );
            }
        }
        if t.no_new_super_identity == Some(true)
            && i.findings
                .iter()
                .any(|f| f.id == findings::SUPER_IDENTITY.id && f.counts())
        {
            breach(
                "no_new_super_identity",
                0.0,
                1.0,
                format!(
                    "{who}: a super identity {}",
                    if base.is_some() {
                        "that the baseline does not hold"
                    } else {
                        "(no baseline: every super identity is new)"
                    }
                ),
            );
        }
    }
    for sys in &report.systems {
        let t = cfg.thresholds_for(&sys.id);
        let known = base.and_then(|b| b.system(sys.cloud, &sys.id));
        let at = format!("{} {}", unit(sys.cloud), sys.id);
        let mut breach = |threshold: &str, limit: f64, value: f64, message: String| {
            breaches.push(Breach {
                threshold: threshold.into(),
                cloud: sys.cloud,
                system: sys.id.clone(),
                identity: None,
                limit,
                value,
                message,
            });
        };
        if let Some(max) = t.max_system_pci
            && sys.pci > max
            && known.is_none_or(|k| sys.pci > k.pci)
        {
            breach(
                "max_system_pci",
                f64::from(max),
                f64::from(sys.pci),
                format!("{at}: PCI {} is over max_system_pci {max}", sys.pci),
            );
        }
        if let Some(max) = t.max_system_gap_ratio {
            let r = gap_ratio(sys.used, sys.unused);
            if r > max && known.is_none_or(|k| r > k.gap_ratio) {
                breach(
                    "max_system_gap_ratio",
                    max,
                    r,
                    format!("{at}: gap ratio {r} is over max_system_gap_ratio {max}"),
                );
            }
        }
        let counts = per_system.get(&(sys.cloud, sys.id.clone()));
        for (sev, max) in [
            (Severity::High, t.max_findings.high),
            (Severity::Medium, t.max_findings.medium),
            (Severity::Low, t.max_findings.low),
        ] {
            let n = counts.and_then(|c| c.get(&sev)).copied().unwrap_or(0);
            if let Some(max) = max
                && n > max
            {
                breach(
                    &format!("max_findings.{}", sev.label()),
                    max as f64,
                    n as f64,
                    format!(
                        "{at}: {n} {} finding(s), over max_findings.{} {max}",
                        sev.label(),
                        sev.label()
                    ),
                );
            }
        }
    }
    // By system, then identity (system-wide first), then threshold.
    breaches.sort_by(|a, b| {
        (a.cloud, &a.system, &a.identity, &a.threshold).cmp(&(
            b.cloud,
            &b.system,
            &b.identity,
            &b.threshold,
        ))
    });
    let verdict = if !breaches.is_empty() {
        Verdict::Fail
    } else if report.partial && cfg.fail_on_partial {
        Verdict::Partial
    } else {
        Verdict::Pass
    };
    report.gate = Some(GateReport {
        verdict,
        config: cfg.origin.clone(),
        baseline: base.map(|b| b.origin.clone()),
        fail_on_partial: cfg.fail_on_partial,
        breaches,
        findings_counted: counted,
        findings_suppressed: suppressed,
        findings_baselined: baselined,
        expired_suppressions: cfg
            .suppressions
            .iter()
            .filter(|s| expired(s))
            .map(|s| note(s, &cfg.origin))
            .collect(),
        unmatched_suppressions: cfg
            .suppressions
            .iter()
            .zip(&used)
            .filter(|(s, u)| !**u && !expired(s))
            .map(|(s, _)| note(s, &cfg.origin))
            .collect(),
    });
}
