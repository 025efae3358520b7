//! The corpus of real records (fixtures/corpus/, each line with its source
//! and licence; see the SOURCES.md beside the files): every CloudTrail record
//! and every Cloud Audit Log entry is read by the real readers, and credits
//! exactly the actions or permissions its line says it must.
//!
//! A line's `credits` were decided by hand from the Service Authorization
//! Reference (AWS) or the entry's own `authorizationInfo` (GCP), never by a
//! mapping tool. A line whose `why` says "unsure" is read but its credits are
//! not asserted; "attempt" marks a denied call, which credits nothing but
//! whose action the mapping must still name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use permgap::catalog::Cloud;
use permgap::clouds::aws::catalog::catalog;
use permgap::clouds::aws::cloudtrail::{EventMapper, Mapped};
use permgap::model::{Identity, IdentityKind, Snapshot, System};
use serde_json::Value;

mod common;

struct Case {
    file: String,
    line: usize,
    record: Value,
    credits: Vec<String>,
    why: String,
}

impl Case {
    fn unsure(&self) -> bool {
        self.why.contains("unsure")
    }

    fn attempt(&self) -> bool {
        self.why.contains("attempt")
    }

    fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

fn cases(cloud: &str, key: &str) -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(cloud);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&f).expect("read");
        for (i, l) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1));
            for k in ["source", "licence", key, "credits", "why"] {
                assert!(v.get(k).is_some(), "{name}:{}: no `{k}`", i + 1);
            }
            out.push(Case {
                file: name.clone(),
                line: i + 1,
                record: v[key].clone(),
                credits: v["credits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect(),
                why: v["why"].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    out
}

/// The IAM identity a record's call is made by, as permgap resolves it: an
/// IAM user, or the role of an assumed-role session; none for the root
/// user, AWS services and principals outside IAM.
fn aws_principal(r: &Value) -> Option<(String, IdentityKind)> {
    let ui = r.get("userIdentity")?;
    match ui.get("type")?.as_str()? {
        "IAMUser" => Some((ui.get("arn")?.as_str()?.to_string(), IdentityKind::User)),
        "AssumedRole" => {
            let issuer = ui.pointer("/sessionContext/sessionIssuer/arn")?.as_str()?;
            Some((issuer.to_string(), IdentityKind::Role))
        }
        _ => None,
    }
}

fn identity(id: &str, kind: IdentityKind, cloud: Cloud, system: &str) -> Identity {
    Identity {
        id: id.to_string(),
        cloud,
        system: system.to_string(),
        name: id.rsplit('/').next().unwrap_or(id).to_string(),
        kind,
        created: None,
        human: None,
        member_of: Vec::new(),
        grants: Vec::new(),
        boundary: None,
        trusted_by: Vec::new(),
        provider_managed: false,
    }
}

fn system(cloud: Cloud, id: &str) -> System {
    System {
        cloud,
        id: id.to_string(),
        name: None,
        scp_levels: Vec::new(),
        ancestors: Vec::new(),
        audit_log_configs: Vec::new(),
    }
}

/// The record read alone by the CloudTrail reader, its principal imported:
/// the actions credited, and the record's tally.
fn read_alone(r: &Value) -> (BTreeSet<String>, BTreeMap<String, u64>) {
    let mut snap = Snapshot::new();
    if let Some((arn, kind)) = aws_principal(r) {
        let account = arn.split(':').nth(4).unwrap_or_default().to_string();
        snap.systems.push(system(Cloud::Aws, &account));
        snap.identities
            .push(identity(&arn, kind, Cloud::Aws, &account));
    }
    let bytes = serde_json::json!({ "Records": [r] })
        .to_string()
        .into_bytes();
    common::read_cloudtrail(&mut snap, "corpus.json", bytes);
    let used = snap
        .usage
        .iter()
        .map(|u| u.permission.to_ascii_lowercase())
        .collect();
    let mut tally = BTreeMap::new();
    for s in &snap.coverage.sources {
        for (k, v) in &s.records {
            *tally.entry(k.clone()).or_default() += v;
        }
    }
    (used, tally)
}

/// What the mapping names for the record, whoever made it.
fn mapped(m: &EventMapper<'_>, r: &Value) -> BTreeSet<String> {
    let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
    let raw = r
        .get("requestParameters")
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::value::RawValue::from_string(v.to_string()).ok());
    let acts = match m.map(s("eventSource"), s("eventName")) {
        Mapped::Actions(a) => a,
        Mapped::ByRequest(rule) => m.decide(rule, raw.as_deref()),
        _ => Vec::new(),
    };
    acts.into_iter()
        .map(|i| catalog().qualified(i).to_ascii_lowercase())
        .collect()
}

fn lower(v: &[String]) -> BTreeSet<String> {
    v.iter().map(|c| c.to_ascii_lowercase()).collect()
}

#[test]
fn every_real_cloudtrail_record_credits_what_it_must() {
    let cases = cases("cloudtrail", "record");
    let m = EventMapper::new(catalog());
    let mut wrong = Vec::new();
    let (mut asserted, mut sources) = (0, BTreeSet::new());
    for c in &cases {
        if let Some(src) = c.record.get("eventSource").and_then(Value::as_str) {
            sources.insert(src.to_string());
        }
        // Every record is read: counted once, whatever became of it.
        let (used, tally) = read_alone(&c.record);
        let counted: u64 = tally.values().sum();
        if counted != 1 {
            wrong.push(format!("{}: counted {counted} times: {tally:?}", c.at()));
            continue;
        }
        // A record whose time is not one (elided as `...` by a test suite)
        // is skipped as malformed, named in the coverage, never credited.
        let timed = c
            .record
            .get("eventTime")
            .and_then(Value::as_str)
            .is_some_and(|t| {
                t.parse::<jiff::Timestamp>().is_ok() || t.parse::<jiff::civil::DateTime>().is_ok()
            });
        if !timed {
            if tally.get("malformed") != Some(&1) || !used.is_empty() {
                wrong.push(format!("{}: no time, yet {tally:?} {used:?}", c.at()));
            }
            continue;
        }
        if c.unsure() {
            continue;
        }
        asserted += 1;
        let want = lower(&c.credits);
        // The mapping names the action of every record that has one,
        // denied calls and calls by the root user included.
        if !want.is_empty() {
            let got = mapped(&m, &c.record);
            if got != want {
                wrong.push(format!(
                    "{}: maps to {got:?}, must credit {want:?} ({})",
                    c.at(),
                    c.why
                ));
                continue;
            }
        }
        // The reader credits it to the identity that made the call: nothing
        // for a denied attempt, the root user, a service or a sign-in.
        let credited_to_someone = aws_principal(&c.record).is_some() && !c.attempt();
        let expect = if credited_to_someone {
            want
        } else {
            BTreeSet::new()
        };
        if used != expect {
            wrong.push(format!(
                "{}: credits {used:?}, must credit {expect:?} ({}; {tally:?})",
                c.at(),
                c.why
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} records are read wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    assert!(
        cases.len() >= 500 && sources.len() >= 80,
        "{} records, {} sources",
        cases.len(),
        sources.len()
    );
    assert!(
        asserted * 10 >= cases.len() * 9,
        "{asserted} of {} asserted",
        cases.len()
    );
}

/// The project an entry is logged in (its `logName`, or its resource's
/// `project_id`), as the reader places it.
fn gcp_project(e: &Value) -> Option<String> {
    let from_name = e
        .get("logName")
        .and_then(Value::as_str)
        .and_then(|l| l.strip_prefix("projects/"))
        .and_then(|l| l.split('/').next());
    from_name
        .or_else(|| {
            e.pointer("/resource/labels/project_id")
                .and_then(Value::as_str)
        })
        .map(str::to_string)
}

/// The entry read alone by the audit log reader, its principal bound in its
/// project: the permissions credited, the tally, and what was skipped.
fn read_entry(e: &Value) -> (BTreeSet<String>, BTreeMap<String, u64>, usize) {
    use permgap::clouds::gcp::{auditlog::Tally, members};
    let mut snap = Snapshot::new();
    let mut projects = BTreeMap::new();
    if let Some(p) = gcp_project(e) {
        snap.systems.push(system(Cloud::Gcp, &p));
        projects.insert(p.clone(), Vec::new());
        let auth = e.pointer("/protoPayload/authenticationInfo");
        let s = |k: &str| auth.and_then(|a| a.get(k)).and_then(Value::as_str);
        if let Some(m) = members::from_log(s("principalEmail"), s("principalSubject")) {
            let kind = if m.starts_with("serviceAccount:") {
                IdentityKind::ServicePrincipal
            } else {
                IdentityKind::User
            };
            snap.identities.push(identity(
                &members::identity_id(&p, &m),
                kind,
                Cloud::Gcp,
                &p,
            ));
        }
    }
    let mut t = Tally::new("corpus");
    // As the importer reads a project's log file.
    for p in projects.keys() {
        t.cover(p);
    }
    t.read(
        "corpus.json",
        &Value::Array(vec![e.clone()]),
        &snap,
        &projects,
    );
    t.finish(&mut snap, &projects);
    let used = snap.usage.iter().map(|u| u.permission.clone()).collect();
    let mut tally = BTreeMap::new();
    for s in &snap.coverage.sources {
        for (k, v) in &s.records {
            *tally.entry(k.clone()).or_default() += v;
        }
    }
    (used, tally, snap.coverage.skipped.len())
}

#[test]
fn every_real_audit_log_entry_credits_what_it_must() {
    let cases = cases("gcp", "entry");
    let mut wrong = Vec::new();
    let mut services = BTreeSet::new();
    let mut credited = 0;
    for c in &cases {
        if let Some(s) = c
            .record
            .pointer("/protoPayload/serviceName")
            .and_then(Value::as_str)
        {
            services.insert(s.to_string());
        }
        let (used, tally, skipped) = read_entry(&c.record);
        let timed = c
            .record
            .get("timestamp")
            .and_then(Value::as_str)
            .is_some_and(|t| {
                t.parse::<jiff::Timestamp>().is_ok()
                    || (t.len() > 10 && t.parse::<jiff::civil::DateTime>().is_ok())
            });
        let audit = c
            .record
            .pointer("/protoPayload/@type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("google.cloud.audit.AuditLog"));
        // Each entry of a project is counted once, or, being an audit log
        // entry without a time, skipped and named.
        let counted: u64 = tally.values().sum();
        let placed = gcp_project(&c.record).is_some();
        let read_once = match (placed, audit && !timed) {
            (false, _) => counted == 0,
            (true, true) => counted == 1 && skipped == 1 && used.is_empty(),
            (true, false) => counted == 1 && skipped == 0,
        };
        if !read_once {
            wrong.push(format!(
                "{}: counted {counted}, skipped {skipped}: {tally:?}",
                c.at()
            ));
            continue;
        }
        if c.unsure() || !placed || !timed || !audit {
            continue;
        }
        // Exactly the granted permissions, in their case; nothing for a
        // denied attempt.
        let want: BTreeSet<String> = if c.attempt() {
            BTreeSet::new()
        } else {
            c.credits.iter().cloned().collect()
        };
        let bound = !tally.contains_key("principal-not-bound")
            && !tally.contains_key("unknown-principal")
            && !tally.contains_key("system-event");
        let want = if bound { want } else { BTreeSet::new() };
        credited += usize::from(!want.is_empty());
        if used != want {
            wrong.push(format!(
                "{}: credits {used:?}, must credit {want:?} ({}; {tally:?})",
                c.at(),
                c.why
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} entries are read wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    assert!(
        cases.len() >= 200 && services.len() >= 20,
        "{} entries, {} services",
        cases.len(),
        services.len()
    );
    assert!(
        credited >= 80,
        "only {credited} entries credit a permission"
    );
}
