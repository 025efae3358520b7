//! The Permission Creep Index: 0–100 per identity and per system.
//!
//! Each observable granted permission weighs by its risk tier: Permissions
//! management 10, destructive Write 5, other Write and Tagging 3, Read 1,
//! List 0.5. With U the weight of the unused permissions and G the weight of
//! all observable granted ones:
//!
//! ```text
//! PCI = round(100 × (U / G) × min(1, ln(1 + U) / ln(1 + 5000)))
//! ```
//!
//! The ratio U/G says how much of what the identity holds it leaves unused;
//! the breadth factor says how much that is in absolute terms, saturating at
//! the weight of 500 unused permissions-management actions (or 5,000 reads),
//! so that two unused reads out of three do not score like an unused
//! administrator. Properties (tested): 0 when nothing is unused; never lowered
//! by one more unused permission; 100 for an administrator that used nothing.
//! Unobservable permissions are left out of both U and G. A system's PCI is
//! the same formula over the sums of U and G of its identities.

use crate::catalog::{AccessLevel, Catalog, PermSet, RiskTier};

pub const BREADTH_REFERENCE: f64 = 5000.0;

pub fn weight(level: AccessLevel, risk: RiskTier) -> f64 {
    match (risk, level) {
        (RiskTier::Critical, _) => 10.0,
        (RiskTier::High, _) => 5.0,
        (RiskTier::Medium, _) => 3.0,
        (_, AccessLevel::List) => 0.5,
        _ => 1.0,
    }
}

pub fn weigh(cat: &Catalog, set: &PermSet) -> f64 {
    set.ones()
        .map(|i| weight(cat.perms[i].level, cat.perms[i].risk))
        .sum()
}

pub fn score(unused_weight: f64, granted_weight: f64) -> u8 {
    if unused_weight <= 0.0 || granted_weight <= 0.0 {
        return 0;
    }
    let ratio = (unused_weight / granted_weight).min(1.0);
    let breadth = ((1.0 + unused_weight).ln() / (1.0 + BREADTH_REFERENCE).ln()).min(1.0);
    (100.0 * ratio * breadth).round() as u8
}

/// Entra Permissions Management's buckets: 0–33 low, 34–66 medium, 67–100 high.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PciLevel {
    Low,
    Medium,
    High,
}

impl PciLevel {
    pub fn label(self) -> &'static str {
        match self {
            PciLevel::Low => "low",
            PciLevel::Medium => "medium",
            PciLevel::High => "high",
        }
    }
}

pub fn level(score: u8) -> PciLevel {
    match score {
        0..=33 => PciLevel::Low,
        34..=66 => PciLevel::Medium,
        _ => PciLevel::High,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clouds::aws::catalog::catalog;

    #[test]
    fn zero_when_everything_is_used() {
        assert_eq!(score(0.0, 500.0), 0);
        assert_eq!(score(0.0, 0.0), 0);
    }

    #[test]
    fn unused_administrator_is_high() {
        let cat = catalog();
        let all = cat.full_set();
        let w = weigh(cat, &all);
        assert_eq!(score(w, w), 100);
        assert_eq!(level(score(w, w)), PciLevel::High);
        // Using a few dozen actions of it changes nothing material.
        assert!(score(w - 60.0, w) >= 99);
    }

    #[test]
    fn small_grants_stay_low() {
        // Two unused reads out of three.
        assert!(score(2.0, 3.0) <= 33);
    }

    #[test]
    fn monotonic_in_unused_high_risk() {
        // Adding an unused critical permission (weight 10) to U and G never lowers the score.
        let mut prev = 0;
        for used in [0.0, 10.0, 100.0, 1000.0] {
            let mut u = 0.0;
            for _ in 0..300 {
                let s = score(u, u + used);
                assert!(s >= prev || u == 0.0, "dropped at u={u}, used={used}");
                prev = s;
                u += 10.0;
            }
            prev = 0;
        }
    }

    #[test]
    fn buckets() {
        assert_eq!(level(33), PciLevel::Low);
        assert_eq!(level(34), PciLevel::Medium);
        assert_eq!(level(66), PciLevel::Medium);
        assert_eq!(level(67), PciLevel::High);
    }
}
