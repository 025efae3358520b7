//! `permgap diff OLD NEW`: what changed between two audits. Both sides are
//! read as JSON reports (a snapshot is audited first), so the diff sees
//! what a report shows: systems and their PCI, identities, their granted
//! permissions and policies, their PCI and findings. Pure.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The part of a JSON report that a diff compares.
#[derive(Debug, Deserialize)]
pub struct View {
    pub as_of: Timestamp,
    pub systems: Vec<SystemView>,
    pub identities: Vec<IdentityView>,
}

#[derive(Debug, Deserialize)]
pub struct SystemView {
    pub cloud: String,
    pub id: String,
    pub pci: u8,
    pub identities: usize,
}

#[derive(Debug, Deserialize)]
pub struct IdentityView {
    pub id: String,
    pub name: String,
    pub system: String,
    pub pci: u8,
    pub granted: usize,
    #[serde(default)]
    pub used_permissions: Vec<String>,
    #[serde(default)]
    pub unused_permissions: Vec<String>,
    #[serde(default)]
    pub unobservable_permissions: Vec<String>,
    #[serde(default)]
    pub policies: Vec<PolicyView>,
    #[serde(default)]
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Deserialize)]
pub struct PolicyView {
    pub id: String,
    #[serde(default)]
    pub via_group: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct FindingView {
    pub id: String,
}

/// Whether a JSON document is a permgap report (a snapshot is not).
pub fn is_report(v: &serde_json::Value) -> bool {
    v.get("tool")
        .and_then(|t| t.get("name"))
        .and_then(|n| n.as_str())
        == Some("permgap")
        && v.get("identities").is_some()
        && v.get("as_of").is_some()
}

impl View {
    pub fn from_report_json(v: serde_json::Value) -> anyhow::Result<View> {
        Ok(serde_json::from_value(v)?)
    }
}

impl IdentityView {
    fn granted_set(&self) -> BTreeSet<&str> {
        self.used_permissions
            .iter()
            .chain(&self.unused_permissions)
            .chain(&self.unobservable_permissions)
            .map(String::as_str)
            .collect()
    }

    fn policy_set(&self) -> BTreeSet<String> {
        self.policies
            .iter()
            .map(|p| match (&p.via_group, &p.scope) {
                (Some(g), _) => format!("{} (via {g})", p.id),
                (None, Some(s)) => format!("{} on {s}", p.id),
                _ => p.id.clone(),
            })
            .collect()
    }

    fn finding_set(&self) -> BTreeSet<&str> {
        self.findings.iter().map(|f| f.id.as_str()).collect()
    }
}

#[derive(Debug, Serialize)]
pub struct Diff {
    pub old_as_of: Timestamp,
    pub new_as_of: Timestamp,
    pub systems: Vec<SystemChange>,
    pub identities_added: Vec<IdentitySummary>,
    pub identities_removed: Vec<IdentitySummary>,
    pub identities_changed: Vec<IdentityChange>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Serialize)]
pub struct SystemChange {
    pub cloud: String,
    pub id: String,
    pub change: Change,
    pub old_pci: Option<u8>,
    pub new_pci: Option<u8>,
    pub old_identities: Option<usize>,
    pub new_identities: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct IdentitySummary {
    pub id: String,
    pub name: String,
    pub system: String,
    pub pci: u8,
    pub granted: usize,
    pub findings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct IdentityChange {
    pub id: String,
    pub name: String,
    pub system: String,
    pub old_pci: u8,
    pub new_pci: u8,
    pub old_granted: usize,
    pub new_granted: usize,
    /// Permissions granted in NEW and not in OLD, by name.
    pub permissions_granted: Vec<String>,
    /// Permissions granted in OLD and no longer in NEW.
    pub permissions_revoked: Vec<String>,
    pub policies_added: Vec<String>,
    pub policies_removed: Vec<String>,
    pub findings_new: Vec<String>,
    pub findings_resolved: Vec<String>,
}

fn summary(i: &IdentityView) -> IdentitySummary {
    IdentitySummary {
        id: i.id.clone(),
        name: i.name.clone(),
        system: i.system.clone(),
        pci: i.pci,
        granted: i.granted,
        findings: i.finding_set().into_iter().map(String::from).collect(),
    }
}

fn minus<T: Ord + Clone + ToString>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<String> {
    a.difference(b).map(ToString::to_string).collect()
}

pub fn compare(old: &View, new: &View) -> Diff {
    let key = |cloud: &str, id: &str| (cloud.to_string(), id.to_string());
    let old_sys: BTreeMap<_, _> = old
        .systems
        .iter()
        .map(|s| (key(&s.cloud, &s.id), s))
        .collect();
    let new_sys: BTreeMap<_, _> = new
        .systems
        .iter()
        .map(|s| (key(&s.cloud, &s.id), s))
        .collect();
    let mut systems = Vec::new();
    for k in old_sys
        .keys()
        .chain(new_sys.keys())
        .collect::<BTreeSet<_>>()
    {
        let (o, n) = (old_sys.get(k), new_sys.get(k));
        let change = match (o, n) {
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(o), Some(n)) if o.pci != n.pci || o.identities != n.identities => Change::Changed,
            _ => continue,
        };
        systems.push(SystemChange {
            cloud: k.0.clone(),
            id: k.1.clone(),
            change,
            old_pci: o.map(|s| s.pci),
            new_pci: n.map(|s| s.pci),
            old_identities: o.map(|s| s.identities),
            new_identities: n.map(|s| s.identities),
        });
    }
    let old_ids: BTreeMap<&str, &IdentityView> =
        old.identities.iter().map(|i| (i.id.as_str(), i)).collect();
    let new_ids: BTreeMap<&str, &IdentityView> =
        new.identities.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut d = Diff {
        old_as_of: old.as_of,
        new_as_of: new.as_of,
        systems,
        identities_added: new_ids
            .iter()
            .filter(|(k, _)| !old_ids.contains_key(*k))
            .map(|(_, i)| summary(i))
            .collect(),
        identities_removed: old_ids
            .iter()
            .filter(|(k, _)| !new_ids.contains_key(*k))
            .map(|(_, i)| summary(i))
            .collect(),
        identities_changed: Vec::new(),
    };
    for (id, o) in &old_ids {
        let Some(n) = new_ids.get(id) else { continue };
        let (og, ng) = (o.granted_set(), n.granted_set());
        let (op, np) = (o.policy_set(), n.policy_set());
        let (of, nf) = (o.finding_set(), n.finding_set());
        let c = IdentityChange {
            id: id.to_string(),
            name: n.name.clone(),
            system: n.system.clone(),
            old_pci: o.pci,
            new_pci: n.pci,
            old_granted: o.granted,
            new_granted: n.granted,
            permissions_granted: minus(&ng, &og),
            permissions_revoked: minus(&og, &ng),
            policies_added: minus(&np, &op),
            policies_removed: minus(&op, &np),
            findings_new: minus(&nf, &of),
            findings_resolved: minus(&of, &nf),
        };
        let same = c.old_pci == c.new_pci
            && c.old_granted == c.new_granted
            && c.permissions_granted.is_empty()
            && c.permissions_revoked.is_empty()
            && c.policies_added.is_empty()
            && c.policies_removed.is_empty()
            && c.findings_new.is_empty()
            && c.findings_resolved.is_empty();
        if !same {
            d.identities_changed.push(c);
        }
    }
    d
}

impl Diff {
    pub fn summary_line(&self) -> String {
        let new: usize = self
            .identities_changed
            .iter()
            .map(|c| c.findings_new.len())
            .sum::<usize>()
            + self
                .identities_added
                .iter()
                .map(|i| i.findings.len())
                .sum::<usize>();
        let resolved: usize = self
            .identities_changed
            .iter()
            .map(|c| c.findings_resolved.len())
            .sum::<usize>()
            + self
                .identities_removed
                .iter()
                .map(|i| i.findings.len())
                .sum::<usize>();
        format!(
            "{} identities added, {} removed, {} changed; {} findings new, {} gone; {} systems changed",
            self.identities_added.len(),
            self.identities_removed.len(),
            self.identities_changed.len(),
            new,
            resolved,
            self.systems.len()
        )
    }
}

pub fn render_json(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, d)?;
    out.write_all(b"\n")
}

/// At most this many names of a list in the text form.
const NAMES: usize = 8;

fn names(list: &[String]) -> String {
    let mut s = list
        .iter()
        .take(NAMES)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > NAMES {
        s.push_str(&format!(", … {} more", list.len() - NAMES));
    }
    s
}

pub fn render_text(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "permgap diff: as of {} -> as of {}\n{}",
        d.old_as_of,
        d.new_as_of,
        d.summary_line()
    )?;
    let pci = |p: Option<u8>| p.map_or("-".to_string(), |p| p.to_string());
    if !d.systems.is_empty() {
        writeln!(out, "\nSystems")?;
        for s in &d.systems {
            let mark = match s.change {
                Change::Added => '+',
                Change::Removed => '-',
                Change::Changed => '~',
            };
            writeln!(
                out,
                "  {mark} {} {}: PCI {} -> {}, identities {} -> {}",
                s.cloud,
                s.id,
                pci(s.old_pci),
                pci(s.new_pci),
                s.old_identities.map_or("-".into(), |n| n.to_string()),
                s.new_identities.map_or("-".into(), |n| n.to_string()),
            )?;
        }
    }
    for (title, mark, list) in [
        ("Identities added", '+', &d.identities_added),
        ("Identities removed", '-', &d.identities_removed),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({})", list.len())?;
        for i in list {
            writeln!(
                out,
                "  {mark} {} ({}, {}): PCI {}, {} granted{}",
                i.name,
                i.system,
                i.id,
                i.pci,
                i.granted,
                if i.findings.is_empty() {
                    String::new()
                } else {
                    format!(", findings: {}", i.findings.join(", "))
                }
            )?;
        }
    }
    if !d.identities_changed.is_empty() {
        writeln!(out, "\nIdentities changed ({})", d.identities_changed.len())?;
        for c in &d.identities_changed {
            let mut what = Vec::new();
            if c.old_pci != c.new_pci {
                what.push(format!("PCI {} -> {}", c.old_pci, c.new_pci));
            }
            if c.old_granted != c.new_granted {
                what.push(format!("granted {} -> {}", c.old_granted, c.new_granted));
            }
            writeln!(
                out,
                "  ~ {} ({}, {}){}{}",
                c.name,
                c.system,
                c.id,
                if what.is_empty() { "" } else { ": " },
                what.join(", ")
            )?;
            for (what, list) in [
                ("permissions granted", &c.permissions_granted),
                ("permissions revoked", &c.permissions_revoked),
                ("policies added", &c.policies_added),
                ("policies removed", &c.policies_removed),
                ("findings new", &c.findings_new),
                ("findings gone", &c.findings_resolved),
            ] {
                if !list.is_empty() {
                    writeln!(out, "      {what} ({}): {}", list.len(), names(list))?;
                }
            }
        }
    }
    Ok(())
}
