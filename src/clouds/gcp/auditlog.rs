//! Cloud Audit Logs entries → usage and activity.
//!
//! An entry (`LogEntry` with a `protoPayload` of type
//! `type.googleapis.com/google.cloud.audit.AuditLog`, Cloud Logging
//! reference) names its principal in `authenticationInfo.principalEmail`
//! (or `principalSubject` for federated identities) and every permission IAM
//! checked for the call in `authorizationInfo[]`: `permission`, `resource`,
//! and `granted` (absent when false, as proto3 JSON omits false). A granted
//! check is use of that permission; a denied one is activity only.
//!
//! Entries come from `gcloud logging read ... --format=json` (an array) or
//! from `entries.list` pages (`{"entries": [...]}`). An entry logged on a
//! folder or the organization is use by the principal in every project
//! below it where it is bound (the grant it used is inherited there).

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::Value;

use super::members;
use crate::model::{
    Activity, ActivityKind, EvidenceSource, Skipped, Snapshot, SourceCoverage, SourceKind,
    UsageRecord,
};

#[derive(Debug, Clone, Copy)]
struct Span {
    first: Timestamp,
    last: Timestamp,
    count: u64,
}

impl Span {
    fn new(t: Timestamp) -> Self {
        Span {
            first: t,
            last: t,
            count: 1,
        }
    }

    fn add(&mut self, t: Timestamp) {
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.count += 1;
    }
}

/// Audit log entries of one input (a folder of exports, or a live read),
/// aggregated.
#[derive(Debug)]
pub struct Tally {
    /// The input named in coverage (a folder, or a live read).
    label: String,
    /// (identity, permission) → seen.
    usage: HashMap<(String, String), Span>,
    activity: HashMap<(String, ActivityKind), Span>,
    /// Service account key resource name → last use.
    key_use: HashMap<String, Timestamp>,
    /// Per project: the coverage of this input.
    coverage: BTreeMap<String, SourceCoverage>,
    /// Projects whose own logs were read (a file of theirs, or an entry
    /// logged on them): only these are covered. Entries of a folder or the
    /// organization add use, not coverage.
    covered: std::collections::BTreeSet<String>,
    skipped: Vec<Skipped>,
}

/// Where an entry was logged: a project, or a folder or organization.
fn log_parent(entry: &Value) -> Option<(String, String)> {
    let name = entry.get("logName")?.as_str()?;
    let mut parts = name.splitn(3, '/');
    let kind = parts.next()?;
    let id = parts.next()?;
    matches!(
        kind,
        "projects" | "folders" | "organizations" | "billingAccounts"
    )
    .then(|| (kind.to_string(), id.to_string()))
}

impl Tally {
    pub fn new(label: &str) -> Self {
        Tally {
            label: label.to_string(),
            usage: HashMap::new(),
            activity: HashMap::new(),
            key_use: HashMap::new(),
            coverage: BTreeMap::new(),
            covered: std::collections::BTreeSet::new(),
            skipped: Vec::new(),
        }
    }

    /// Marks a project's logs as read (its log file, even an empty one).
    pub fn cover(&mut self, project: &str) {
        self.covered.insert(project.to_string());
    }

    /// Reads the entries of one file or page. `projects` maps each audited
    /// project to its ancestors (`folders/1`, `organizations/2`); entries of
    /// other projects are left.
    pub fn read(
        &mut self,
        input: &str,
        entries: &Value,
        snap: &Snapshot,
        projects: &BTreeMap<String, Vec<String>>,
    ) {
        let Some(list) = super::items(entries, "entries") else {
            self.skipped.push(Skipped {
                input: input.into(),
                reason: "not a list of log entries nor an `entries.list` page: export with `gcloud logging read ... --format=json`".into(),
            });
            return;
        };
        for (n, e) in list.iter().enumerate() {
            self.entry(input, n, e, snap, projects);
        }
    }

    fn cov(&mut self, project: &str) -> &mut SourceCoverage {
        let label = &self.label;
        self.coverage
            .entry(project.to_string())
            .or_insert_with(|| new_coverage(label, project))
    }

    /// Counts an entry of each project by what became of it.
    fn count(&mut self, projects: &[String], what: &str) {
        for p in projects {
            *self.cov(p).records.entry(what.into()).or_default() += 1;
        }
    }

    fn entry(
        &mut self,
        input: &str,
        n: usize,
        e: &Value,
        snap: &Snapshot,
        projects: &BTreeMap<String, Vec<String>>,
    ) {
        let payload = e.get("protoPayload");
        let is_audit = payload
            .and_then(|p| p.get("@type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("google.cloud.audit.AuditLog"));
        let time = e
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(crate::clouds::log_time);
        // The projects the entry concerns.
        let parent = log_parent(e);
        if let Some((k, id)) = &parent
            && k == "projects"
            && projects.contains_key(id)
        {
            self.covered.insert(id.clone());
        }
        let targets: Vec<String> = match parent {
            Some((k, id)) if k == "projects" => vec![id],
            Some((k, id)) => {
                let scope = format!("{k}/{id}");
                projects
                    .iter()
                    .filter(|(_, anc)| anc.contains(&scope))
                    .map(|(p, _)| p.clone())
                    .collect()
            }
            None => e
                .pointer("/resource/labels/project_id")
                .and_then(Value::as_str)
                .map(|p| vec![p.to_string()])
                .unwrap_or_default(),
        };
        let targets: Vec<String> = targets
            .into_iter()
            .filter(|p| projects.contains_key(p))
            .collect();
        let (Some(payload), true, Some(time)) = (payload, is_audit, time) else {
            if targets.is_empty() {
                return;
            }
            let what = if !is_audit {
                "not-audit-log"
            } else {
                "bad-record"
            };
            self.count(&targets, what);
            if is_audit {
                self.skipped.push(Skipped {
                    input: format!("{input}: entry {n}"),
                    reason: "no readable `timestamp`: the entry was not counted".into(),
                });
            }
            return;
        };
        if targets.is_empty() {
            return;
        }
        let auth = payload.get("authenticationInfo");
        let member = members::from_log(
            auth.and_then(|a| a.get("principalEmail"))
                .and_then(Value::as_str),
            auth.and_then(|a| a.get("principalSubject"))
                .and_then(Value::as_str),
        );
        let system_event = e
            .get("logName")
            .and_then(Value::as_str)
            .is_some_and(|l| l.ends_with("%2Fsystem_event") || l.ends_with("/system_event"));
        for p in &targets {
            let c = self.cov(p);
            c.records_read += 1;
            c.first_event = Some(c.first_event.map_or(time, |f| f.min(time)));
            c.last_event = Some(c.last_event.map_or(time, |l| l.max(time)));
        }
        let Some(member) = member.filter(|_| !system_event) else {
            let what = if system_event {
                "system-event"
            } else {
                "unknown-principal"
            };
            self.count(&targets, what);
            return;
        };
        if let Some(key) = auth
            .and_then(|a| a.get("serviceAccountKeyName"))
            .and_then(Value::as_str)
        {
            super::note_latest(&mut self.key_use, key, time);
        }
        let checks: Vec<(&str, bool)> = payload
            .get("authorizationInfo")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some((
                    a.get("permission")?.as_str()?,
                    a.get("granted").and_then(Value::as_bool).unwrap_or(false),
                ))
            })
            .collect();
        let denied = checks.iter().any(|c| !c.1)
            || payload.pointer("/status/code").and_then(Value::as_i64) == Some(7);
        for p in &targets {
            let id = members::identity_id(p, &member);
            if snap.identity(&id).is_none() {
                self.count(std::slice::from_ref(p), "principal-not-bound");
                continue;
            }
            self.count(
                std::slice::from_ref(p),
                if denied { "denied" } else { "used" },
            );
            for (perm, granted) in &checks {
                if *granted {
                    self.usage
                        .entry((id.clone(), perm.to_string()))
                        .and_modify(|s| s.add(time))
                        .or_insert_with(|| Span::new(time));
                }
            }
            let kind = if denied {
                ActivityKind::DeniedAttempt
            } else {
                ActivityKind::ApiCall
            };
            self.activity
                .entry((id, kind))
                .and_modify(|s| s.add(time))
                .or_insert_with(|| Span::new(time));
        }
    }

    /// Adds what was read to the snapshot: usage, activity, key use and
    /// coverage (one source per project read).
    pub fn finish(self, snap: &mut Snapshot, projects: &BTreeMap<String, Vec<String>>) {
        let input = self.label.as_str();
        for ((identity, permission), s) in self.usage {
            snap.usage.push(UsageRecord {
                identity,
                permission,
                source: EvidenceSource::GcpAuditLogs,
                scope: None,
                first_seen: s.first,
                last_seen: s.last,
                count: s.count,
            });
        }
        for ((identity, kind), s) in self.activity {
            snap.activity.push(Activity {
                identity,
                kind,
                source: EvidenceSource::GcpAuditLogs,
                first_seen: Some(s.first),
                last_seen: s.last,
                count: s.count,
            });
        }
        apply_key_use(snap, &self.key_use);
        let mut coverage = self.coverage;
        let skipped = self.skipped;
        coverage.retain(|p, _| self.covered.contains(p));
        // A project whose logs were read but held nothing is still covered.
        for p in projects.keys().filter(|p| self.covered.contains(*p)) {
            coverage
                .entry(p.clone())
                .or_insert_with(|| new_coverage(input, p));
        }
        // The Data Access logs the projects' policies turn on: what the
        // source can see beyond Admin Activity.
        for (p, c) in coverage.iter_mut() {
            if let Some(sys) = snap.systems.iter().find(|s| &s.id == p) {
                c.data_event_services = sys
                    .audit_log_configs
                    .iter()
                    .map(|a| format!("{}/{}", a.service, a.log_type))
                    .collect();
                c.data_event_services.dedup();
            }
        }
        snap.coverage.sources.extend(coverage.into_values());
        snap.coverage.skipped.extend(skipped);
        snap.normalize();
    }
}

/// A project's audit log source, before anything is counted.
fn new_coverage(input: &str, project: &str) -> SourceCoverage {
    let mut c = SourceCoverage::new(SourceKind::GcpAuditLogs, input);
    c.system = Some(project.to_string());
    c.management_events = true;
    c
}

/// Sets `last_used` of the keys named (`//iam.googleapis.com/projects/P/
/// serviceAccounts/EMAIL/keys/ID`, or without the `//iam.googleapis.com/`).
pub fn apply_key_use(snap: &mut Snapshot, key_use: &HashMap<String, Timestamp>) {
    for (name, t) in key_use {
        let Some((sa, key)) = key_name(name) else {
            continue;
        };
        for c in snap.credentials.iter_mut().filter(|c| {
            c.kind.strip_prefix("key/") == Some(key.as_str())
                && c.identity
                    .ends_with(&format!("/members/serviceAccount:{sa}"))
        }) {
            c.last_used = Some(c.last_used.map_or(*t, |l| l.max(*t)));
        }
    }
}

/// (service account email, key ID) of a key's resource name.
pub fn key_name(name: &str) -> Option<(String, String)> {
    let rest = name.split("/serviceAccounts/").nth(1)?;
    let (sa, key) = rest.split_once("/keys/")?;
    Some((sa.to_string(), key.to_string()))
}
