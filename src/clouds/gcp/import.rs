//! `gcloud` exports → snapshot.
//!
//! `gcloud` writes no resource name into a policy export, so the export
//! folder says which resource each file belongs to (README, "GCP"):
//!
//! ```text
//! DIR/organizations/ORG_ID/iam-policy.json  gcloud organizations get-iam-policy ORG_ID --format=json
//! DIR/folders/FOLDER_ID/iam-policy.json     gcloud resource-manager folders get-iam-policy FOLDER_ID --format=json
//! DIR/projects/PROJECT_ID/iam-policy.json   gcloud projects get-iam-policy PROJECT_ID --format=json
//! DIR/projects/PROJECT_ID/ancestors.json    gcloud projects get-ancestors PROJECT_ID --format=json
//! DIR/projects/PROJECT_ID/project.json      gcloud projects describe PROJECT_ID --format=json (optional)
//! DIR/projects/PROJECT_ID/service-accounts.json
//!                                           gcloud iam service-accounts list --project PROJECT_ID --format=json
//! DIR/projects/PROJECT_ID/keys/EMAIL.json   gcloud iam service-accounts keys list --iam-account EMAIL --managed-by=user --format=json
//! DIR/projects/PROJECT_ID/activity/TYPE.json gcloud policy-intelligence query-activity --activity-type=TYPE
//!                                           (or serviceAccountKeyLastAuthentication) --project PROJECT_ID --format=json
//! DIR/projects/PROJECT_ID/insights/*.json   gcloud recommender insights list --insight-type=google.iam.policy.Insight
//!                                           --location=global --project PROJECT_ID --format=json
//! DIR/roles/*.json                          gcloud iam roles describe ROLE [--project P | --organization O] --format=json
//!                                           (one role, or a list of them)
//! DIR/**/logs/*.json                        gcloud logging read 'logName:"cloudaudit.googleapis.com"' --format=json ...
//! ```
//!
//! Every project with an `iam-policy.json` is audited. Each principal bound
//! in a project, or above it, is an identity of that project; its grants are
//! the roles bound to it on the project and inherited from its folders and
//! organization. Roles come from `roles/`, else from the embedded predefined
//! roles. A file that cannot be read is named in the coverage and the rest is
//! imported.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use super::auditlog::{Tally, apply_key_use, key_name};
use super::members::{self, identity_id};
use crate::catalog::Cloud;
use crate::clouds::InputFile;
use crate::model::{
    Activity, ActivityKind, AuditLogConfig, Credential, EvidenceSource, Grant, Identity, Policy,
    PolicyKind, Skipped, Snapshot, SourceCoverage, SourceKind, System, UsageRecord, Warning,
    WatchedGrant,
};

/// The files of an export folder, by what they hold.
#[derive(Debug, Default)]
struct Layout {
    /// `projects/P`, `folders/F`, `organizations/O` → policy file.
    policies: BTreeMap<String, InputFile>,
    ancestors: BTreeMap<String, InputFile>,
    project_info: BTreeMap<String, InputFile>,
    service_accounts: BTreeMap<String, InputFile>,
    keys: Vec<(String, InputFile)>,
    /// (project, the activity type its file is named after, file).
    activity: Vec<(String, String, InputFile)>,
    /// IAM Recommender policy insights of a project.
    insights: Vec<(String, InputFile)>,
    roles: Vec<InputFile>,
    /// Log files, with the resource whose folder holds them
    /// (`projects/P/logs/...` → `projects/P`), if any.
    logs: Vec<(Option<String>, InputFile)>,
    unknown: Vec<InputFile>,
}

/// The files of an export folder on disk, with their paths inside it.
pub fn files_of(root: &Path) -> Vec<(String, InputFile)> {
    let mut files: Vec<(String, InputFile)> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap_or(e.path())
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (rel, InputFile::Path(e.into_path()))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn layout(files: Vec<(String, InputFile)>) -> Layout {
    let mut l = Layout::default();
    for (rel, f) in files {
        let r: Vec<&str> = rel.split('/').collect();
        if !r.last().is_some_and(|n| n.ends_with(".json")) {
            if !r
                .last()
                .is_some_and(|n| n.starts_with('.') || n.ends_with(".md"))
            {
                l.unknown.push(f);
            }
            continue;
        }
        if let Some(at) = r.iter().position(|c| *c == "logs") {
            let scope = match r[..at] {
                [kind @ ("projects" | "folders" | "organizations"), id] => {
                    Some(format!("{kind}/{id}"))
                }
                _ => None,
            };
            l.logs.push((scope, f));
            continue;
        }
        match r.as_slice() {
            [
                kind @ ("projects" | "folders" | "organizations"),
                id,
                "iam-policy.json",
            ] => {
                l.policies.insert(format!("{kind}/{id}"), f);
            }
            ["projects", id, "ancestors.json"] => {
                l.ancestors.insert(id.to_string(), f);
            }
            ["projects", id, "project.json"] => {
                l.project_info.insert(id.to_string(), f);
            }
            ["projects", id, "service-accounts.json"] => {
                l.service_accounts.insert(id.to_string(), f);
            }
            ["projects", id, "keys", _] => l.keys.push((id.to_string(), f)),
            ["projects", id, "insights", _] => l.insights.push((id.to_string(), f)),
            ["projects", id, "activity", name] => l.activity.push((
                id.to_string(),
                name.trim_end_matches(".json").to_string(),
                f,
            )),
            ["roles", ..] => l.roles.push(f),
            _ => l.unknown.push(f),
        }
    }
    l
}

fn read_json(path: &InputFile, what: &str, skipped: &mut Vec<Skipped>) -> Option<Value> {
    let text = match path.read() {
        Ok(t) => t,
        Err(e) => {
            skipped.push(Skipped {
                input: path.display(),
                reason: format!("cannot read it ({e})"),
            });
            return None;
        }
    };
    match serde_json::from_slice(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            skipped.push(Skipped {
                input: path.display(),
                reason: format!("not JSON ({e}): export {what} again with --format=json"),
            });
            None
        }
    }
}

/// A parsed IAM policy.
#[derive(Debug, Default)]
struct IamPolicy {
    /// (role, members, condition).
    bindings: Vec<(String, Vec<String>, Option<String>)>,
    audit: Vec<AuditLogConfig>,
}

fn parse_policy(v: &Value, resource: &str) -> Result<IamPolicy, String> {
    let obj = v
        .as_object()
        .ok_or("not an IAM policy object (`bindings`, `etag`)")?;
    if !obj.contains_key("bindings") && !obj.contains_key("etag") {
        return Err("no `bindings` or `etag`: not the output of get-iam-policy".into());
    }
    let mut p = IamPolicy::default();
    for b in obj
        .get("bindings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(role) = b.get("role").and_then(Value::as_str) else {
            return Err("a binding has no `role`".into());
        };
        let members: Vec<String> = b
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect();
        let condition = b.get("condition").map(|c| {
            let title = c.get("title").and_then(Value::as_str).unwrap_or("");
            let expr = c.get("expression").and_then(Value::as_str).unwrap_or("");
            match (title.is_empty(), expr.is_empty()) {
                (false, false) => format!("\"{title}\" ({expr})"),
                (false, true) => format!("\"{title}\""),
                _ => format!("({expr})"),
            }
        });
        p.bindings.push((role.to_string(), members, condition));
    }
    for a in obj
        .get("auditConfigs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let service = a.get("service").and_then(Value::as_str).unwrap_or("");
        for c in a
            .get("auditLogConfigs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // gcloud writes the name; the REST API with enum-encoding=int
            // (as Google's Rust crates ask) the number.
            let t = match c.get("logType") {
                Some(Value::String(t)) => t.as_str(),
                Some(Value::Number(n)) => match n.as_u64() {
                    Some(1) => "ADMIN_READ",
                    Some(2) => "DATA_WRITE",
                    Some(3) => "DATA_READ",
                    _ => continue,
                },
                _ => continue,
            };
            p.audit.push(AuditLogConfig {
                service: service.to_string(),
                log_type: t.to_string(),
                exempted_members: c
                    .get("exemptedMembers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect(),
                set_on: resource.to_string(),
            });
        }
    }
    Ok(p)
}

/// `gcloud projects get-ancestors` → the folders and organization above the
/// project, nearest first.
fn parse_ancestors(v: &Value, project: &str) -> Result<Vec<String>, String> {
    let list = v
        .as_array()
        .ok_or("not a list of ancestors (`id`, `type`)")?;
    let mut out = Vec::new();
    for a in list {
        let (Some(id), Some(t)) = (
            a.get("id").and_then(Value::as_str),
            a.get("type").and_then(Value::as_str),
        ) else {
            return Err("an ancestor lacks `id` or `type`".into());
        };
        match t {
            "project" if id == project => {}
            "project" => return Err(format!("lists another project ({id})")),
            "folder" => out.push(format!("folders/{id}")),
            "organization" => out.push(format!("organizations/{id}")),
            other => return Err(format!("unknown ancestor type {other}")),
        }
    }
    Ok(out)
}

/// An identity of `project` for a member, without grants yet.
fn new_identity(id: String, project: &str, name: String, m: &members::Member) -> Identity {
    Identity {
        id,
        cloud: Cloud::Gcp,
        system: project.to_string(),
        name,
        kind: m.kind,
        created: None,
        human: m.human.clone(),
        member_of: Vec::new(),
        grants: Vec::new(),
        boundary: None,
        trusted_by: Vec::new(),
        provider_managed: m.provider_managed,
    }
}

/// The items of a `gcloud` list (an array) or of the REST answer that
/// wraps it (`{"accounts": [...]}`, `{}` when empty); any other shape is
/// skipped and named.
fn list_of<'v>(
    v: &'v Value,
    key: &str,
    f: &InputFile,
    skipped: &mut Vec<Skipped>,
) -> Option<&'v [Value]> {
    let list = super::items(v, key);
    if list.is_none() {
        let reason = if v.is_object() {
            format!(
                "neither a list nor an answer with `{key}`: not the export this folder expects (see `permgap import gcp --help`)"
            )
        } else {
            "not a list: not the export this folder expects (see `permgap import gcp --help`)"
                .into()
        };
        skipped.push(Skipped {
            input: f.display(),
            reason,
        });
    }
    list
}

fn time(v: Option<&Value>) -> Option<Timestamp> {
    v?.as_str()?.parse().ok()
}

/// Reads a `gcloud` export folder into a snapshot.
pub fn import_dir(root: &Path) -> Snapshot {
    import_files(&root.display().to_string(), files_of(root))
}

/// Reads the files of an export folder (path inside it, file) into a
/// snapshot; `label` names the folder.
pub fn import_files(label: &str, files: Vec<(String, InputFile)>) -> Snapshot {
    let l = layout(files);
    let mut snap = Snapshot::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let label = label.to_string();

    // Roles.
    for f in &l.roles {
        let Some(v) = read_json(f, "the role with `gcloud iam roles describe`", &mut skipped)
        else {
            continue;
        };
        let list: Vec<&Value> = match &v {
            Value::Array(a) => a.iter().collect(),
            _ => vec![&v],
        };
        for r in list {
            let Some(name) = r.get("name").and_then(Value::as_str) else {
                skipped.push(Skipped {
                    input: f.display(),
                    reason: "a role without `name`: not the output of `gcloud iam roles describe`"
                        .into(),
                });
                continue;
            };
            if r.get("includedPermissions").is_none() {
                // A predefined role listed without its permissions: the
                // embedded definition serves.
                if crate::clouds::gcp::catalog::predefined_role(name).is_some() {
                    continue;
                }
                skipped.push(Skipped {
                    input: f.display(),
                    reason: format!(
                        "role {name} lists no `includedPermissions` (`gcloud iam roles list` leaves them out): it grants nothing here; export it with `gcloud iam roles describe`"
                    ),
                });
            }
            let deleted = r.get("deleted").and_then(Value::as_bool) == Some(true);
            if deleted {
                warnings.push(Warning {
                    input: f.display(),
                    message: format!(
                        "role {name} is deleted: its bindings grant nothing until it is undeleted, or is purged after 37 days"
                    ),
                });
            }
            let mut doc = r.clone();
            if deleted && let Some(o) = doc.as_object_mut() {
                o.insert("includedPermissions".into(), Value::Array(Vec::new()));
            }
            snap.policies.push(Policy {
                id: name.to_string(),
                cloud: Cloud::Gcp,
                name: r
                    .get("title")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .unwrap_or(name)
                    .to_string(),
                kind: if name.starts_with("roles/") {
                    PolicyKind::ProviderManaged
                } else {
                    PolicyKind::CustomerManaged
                },
                document: doc,
                origin: Some(f.display()),
            });
        }
    }

    // Policies of every resource.
    let mut policies: BTreeMap<String, IamPolicy> = BTreeMap::new();
    for (resource, f) in &l.policies {
        let what = format!("the policy of {resource} with get-iam-policy");
        let Some(v) = read_json(f, &what, &mut skipped) else {
            continue;
        };
        match parse_policy(&v, resource) {
            Ok(p) => {
                policies.insert(resource.clone(), p);
            }
            Err(e) => skipped.push(Skipped {
                input: f.display(),
                reason: format!("{e}; {resource}'s bindings are not audited: export {what}"),
            }),
        }
    }

    // Projects and their ancestry.
    let projects: Vec<String> = l
        .policies
        .keys()
        .filter_map(|r| r.strip_prefix("projects/"))
        .map(str::to_string)
        .collect();
    let mut ancestry: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let above = l.policies.keys().any(|r| !r.starts_with("projects/"));
    for p in &projects {
        let anc = match l.ancestors.get(p) {
            Some(f) => read_json(f, "the ancestry with `gcloud projects get-ancestors`", &mut skipped)
                .and_then(|v| match parse_ancestors(&v, p) {
                    Ok(a) => Some(a),
                    Err(e) => {
                        skipped.push(Skipped {
                            input: f.display(),
                            reason: format!(
                                "{e}; project {p} inherits nothing: export it with `gcloud projects get-ancestors {p} --format=json`"
                            ),
                        });
                        None
                    }
                })
                .unwrap_or_default(),
            None => {
                if above {
                    skipped.push(Skipped {
                        input: format!("project {p}"),
                        reason: format!(
                            "no projects/{p}/ancestors.json: the folder and organization policies are not inherited by it; export `gcloud projects get-ancestors {p} --format=json`"
                        ),
                    });
                }
                Vec::new()
            }
        };
        for a in &anc {
            if !policies.contains_key(a) && !l.policies.contains_key(a) {
                skipped.push(Skipped {
                    input: format!("project {p}"),
                    reason: format!(
                        "{a} is above it, but its IAM policy is not in the export: roles bound there are not seen"
                    ),
                });
            }
        }
        ancestry.insert(p.clone(), anc);
    }

    // Identities: every member bound on the project or above it.
    let mut ids: BTreeMap<String, Identity> = BTreeMap::new();
    let mut bad_members: BTreeSet<(String, String)> = BTreeSet::new();
    for p in &projects {
        let chain: Vec<String> = std::iter::once(format!("projects/{p}"))
            .chain(ancestry[p].iter().cloned())
            .collect();
        let mut audit_configs = Vec::new();
        for resource in &chain {
            let Some(pol) = policies.get(resource) else {
                continue;
            };
            audit_configs.extend(pol.audit.iter().cloned());
            for (role, list, condition) in &pol.bindings {
                for m in list {
                    let Some(parsed) = members::parse(m) else {
                        bad_members.insert((resource.clone(), m.clone()));
                        continue;
                    };
                    let id = identity_id(p, m);
                    let ident = ids.entry(id.clone()).or_insert_with(|| {
                        let name = if parsed.deleted {
                            format!("{} (deleted)", parsed.name)
                        } else {
                            parsed.name.clone()
                        };
                        new_identity(id, p, name, &parsed)
                    });
                    ident.grants.push(Grant {
                        policy: role.clone(),
                        scope: resource.clone(),
                        condition: condition.clone(),
                        eligible: false,
                    });
                }
            }
        }
        audit_configs.sort();
        audit_configs.dedup();
        let name = l
            .project_info
            .get(p)
            .and_then(|f| {
                read_json(
                    f,
                    "the project with `gcloud projects describe`",
                    &mut skipped,
                )
            })
            .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string));
        snap.systems.push(System {
            cloud: Cloud::Gcp,
            id: p.clone(),
            name,
            scp_levels: Vec::new(),
            ancestors: ancestry[p].clone(),
            audit_log_configs: audit_configs,
        });
        let mut cov = SourceCoverage::new(
            SourceKind::GcpIamPolicy,
            l.policies
                .get(&format!("projects/{p}"))
                .map_or_else(|| format!("projects/{p}"), InputFile::display),
        );
        cov.system = Some(p.clone());
        cov.files_read = chain.iter().filter(|r| policies.contains_key(*r)).count() as u64;
        cov.records_read = chain
            .iter()
            .filter_map(|r| policies.get(r))
            .map(|p| p.bindings.len() as u64)
            .sum();
        snap.coverage.sources.push(cov);
    }
    for (resource, m) in bad_members {
        warnings.push(Warning {
            input: format!("{resource}: member {m}"),
            message: "not a member form IAM defines (user:, serviceAccount:, group:, domain:, principal://, principalSet://, allUsers, allAuthenticatedUsers): its bindings are left out".into(),
        });
    }

    // Service accounts: identities of their project, bound or not, so their
    // keys and activity have a home.
    for (p, f) in &l.service_accounts {
        if !ancestry.contains_key(p) {
            warnings.push(Warning {
                input: f.display(),
                message: format!(
                    "project {p} has no iam-policy.json: its service accounts are not audited"
                ),
            });
            continue;
        }
        let Some(v) = read_json(
            f,
            "the service accounts with `gcloud iam service-accounts list`",
            &mut skipped,
        ) else {
            continue;
        };
        let Some(list) = list_of(&v, "accounts", f, &mut skipped) else {
            continue;
        };
        for sa in list {
            let Some(email) = sa.get("email").and_then(Value::as_str) else {
                continue;
            };
            let member = format!("serviceAccount:{email}");
            let Some(parsed) = members::parse(&member) else {
                continue;
            };
            let id = identity_id(p, &member);
            let disabled = sa.get("disabled").and_then(Value::as_bool) == Some(true);
            ids.entry(id.clone()).or_insert_with(|| {
                let name = if disabled {
                    format!("{email} (disabled)")
                } else {
                    email.to_string()
                };
                new_identity(id, p, name, &parsed)
            });
        }
    }
    snap.identities = ids.into_values().collect();
    snap.normalize();

    // Keys.
    for (p, f) in &l.keys {
        let Some(v) = read_json(
            f,
            "the keys with `gcloud iam service-accounts keys list`",
            &mut skipped,
        ) else {
            continue;
        };
        let Some(list) = list_of(&v, "keys", f, &mut skipped) else {
            continue;
        };
        for k in list {
            let Some((sa, key)) = k.get("name").and_then(Value::as_str).and_then(key_name) else {
                continue;
            };
            let key_type = k.get("keyType");
            if key_type.and_then(Value::as_str) == Some("SYSTEM_MANAGED")
                || key_type.and_then(Value::as_u64) == Some(2)
            {
                continue;
            }
            let id = identity_id(p, &format!("serviceAccount:{sa}"));
            if snap.identity(&id).is_none() {
                warnings.push(Warning {
                    input: f.display(),
                    message: format!("key {key} of {sa}, which is not a service account of project {p} in the export: add projects/{p}/service-accounts.json"),
                });
                continue;
            }
            snap.credentials.push(Credential {
                identity: id,
                kind: format!("key/{key}"),
                active: k.get("disabled").and_then(Value::as_bool) != Some(true),
                since: time(k.get("validAfterTime")),
                last_used: None,
                expires: time(k.get("validBeforeTime")),
            });
        }
    }
    snap.normalize();

    // Policy Analyzer activities.
    let mut key_use: HashMap<String, Timestamp> = HashMap::new();
    let mut analyzer: BTreeMap<String, SourceCoverage> = BTreeMap::new();
    for (p, stem, f) in &l.activity {
        let Some(v) = read_json(
            f,
            "the activities with `gcloud policy-intelligence query-activity`",
            &mut skipped,
        ) else {
            continue;
        };
        let cov = analyzer.entry(p.clone()).or_insert_with(|| {
            let mut c = SourceCoverage::new(SourceKind::GcpPolicyAnalyzer, f.display());
            c.system = Some(p.clone());
            c
        });
        cov.files_read += 1;
        // An empty answer is evidence too: the README's script names each
        // file after the activity type it queried.
        if matches!(
            stem.as_str(),
            "serviceAccountLastAuthentication" | "serviceAccountKeyLastAuthentication"
        ) {
            cov.records.entry(stem.to_string()).or_default();
        }
        let Some(list) = list_of(&v, "activities", f, &mut skipped) else {
            continue;
        };
        for a in list {
            cov.records_read += 1;
            if let Some(t) = a.get("activityType").and_then(Value::as_str) {
                *cov.records.entry(t.to_string()).or_default() += 1;
            }
            let act = a.get("activity").unwrap_or(a);
            let Some(t) = time(act.get("lastAuthenticatedTime")) else {
                continue;
            };
            if let Some(k) = act
                .pointer("/serviceAccountKey/fullResourceName")
                .and_then(Value::as_str)
            {
                super::note_latest(&mut key_use, k, t);
            } else if let Some(sa) = act
                .pointer("/serviceAccount/fullResourceName")
                .and_then(Value::as_str)
                .and_then(|n| n.rsplit("/serviceAccounts/").next())
            {
                let id = identity_id(p, &format!("serviceAccount:{sa}"));
                if snap.identity(&id).is_some() {
                    snap.activity.push(Activity {
                        identity: id,
                        kind: ActivityKind::Authentication,
                        source: EvidenceSource::GcpPolicyAnalyzer,
                        first_seen: None,
                        last_seen: t,
                        count: 1,
                    });
                }
            }
        }
    }
    apply_key_use(&mut snap, &key_use);
    snap.coverage.sources.extend(analyzer.into_values());
    insights(&mut snap, &l.insights, &mut skipped);

    // Audit logs.
    if !l.logs.is_empty() {
        let logs_label = format!("{label} (logs)");
        let mut tally = Tally::new(&logs_label);
        for (scope, f) in &l.logs {
            if let Some(v) = read_json(f, "the entries with `gcloud logging read`", &mut skipped) {
                // A file under projects/P/logs/ that reads is P's logs, even empty.
                if let Some(p) = scope.as_deref().and_then(|s| s.strip_prefix("projects/"))
                    && ancestry.contains_key(p)
                {
                    tally.cover(p);
                }
                tally.read(&f.display(), &v, &snap, &ancestry);
            }
        }
        tally.finish(&mut snap, &ancestry);
        let bad_files: BTreeSet<String> = skipped
            .iter()
            .chain(&snap.coverage.skipped)
            .map(|k| k.input.clone())
            .collect();
        for c in snap
            .coverage
            .sources
            .iter_mut()
            .filter(|c| c.kind == SourceKind::GcpAuditLogs && c.input == logs_label)
        {
            // Its own log files, and those of the folders and organization
            // above it.
            let p = c.system.clone().unwrap_or_default();
            let project = format!("projects/{p}");
            let above = ancestry.get(&p);
            let (bad, good): (Vec<String>, Vec<String>) = l
                .logs
                .iter()
                .filter(|(scope, _)| {
                    scope
                        .as_ref()
                        .is_some_and(|s| *s == project || above.is_some_and(|a| a.contains(s)))
                })
                .map(|(_, f)| f.display())
                .partition(|name| bad_files.contains(name));
            c.files_read = good.len() as u64;
            c.files_skipped = bad.len() as u64;
        }
    }

    for f in &l.unknown {
        warnings.push(Warning {
            input: f.display(),
            message:
                "not a file of the GCP export layout (see `permgap import gcp --help`): passed over"
                    .into(),
        });
    }
    if projects.is_empty() {
        skipped.push(Skipped {
            input: label,
            reason: "no projects/PROJECT_ID/iam-policy.json: nothing to audit; export `gcloud projects get-iam-policy PROJECT_ID --format=json` there".into(),
        });
    }
    snap.coverage.skipped.extend(skipped);
    snap.coverage.warnings.extend(warnings);
    snap.normalize();
    snap
}

/// A protobuf Duration in JSON (`"7776000s"`, `"86400.5s"`).
fn duration(v: Option<&Value>) -> Option<jiff::SignedDuration> {
    let s = v?.as_str()?.strip_suffix('s')?;
    let secs: f64 = s.parse().ok()?;
    jiff::SignedDuration::try_from_secs_f64(secs).ok()
}

/// IAM Recommender's policy insights (`gcloud recommender insights list
/// --insight-type=google.iam.policy.Insight --location=global --project P
/// --format=json`, or `insights.list` pages). Each names a member's binding
/// of a role on the project, the permissions exercised over the
/// observation period ending at `lastRefreshTime`; the binding is watched
/// for that period, and each exercised permission is used in it.
fn insights(snap: &mut Snapshot, files: &[(String, InputFile)], skipped: &mut Vec<Skipped>) {
    let mut covs: BTreeMap<String, SourceCoverage> = BTreeMap::new();
    let mut usage = Vec::new();
    let mut watched = Vec::new();
    for (p, f) in files {
        let Some(v) = read_json(
            f,
            "the insights with `gcloud recommender insights list --insight-type=google.iam.policy.Insight`",
            skipped,
        ) else {
            continue;
        };
        let cov = covs.entry(p.clone()).or_insert_with(|| {
            let mut c = SourceCoverage::new(SourceKind::GcpRecommender, f.display());
            c.system = Some(p.clone());
            c
        });
        cov.files_read += 1;
        let Some(list) = list_of(&v, "insights", f, skipped) else {
            continue;
        };
        for i in list {
            cov.records_read += 1;
            let subtype = i
                .get("insightSubtype")
                .and_then(Value::as_str)
                .unwrap_or("");
            let content = i.get("content");
            let member = content
                .and_then(|c| c.get("member"))
                .and_then(Value::as_str);
            let role = content.and_then(|c| c.get("role")).and_then(Value::as_str);
            let end = time(i.get("lastRefreshTime"));
            let period = duration(i.get("observationPeriod"));
            let (Some(member), Some(role), Some(end), Some(period)) = (member, role, end, period)
            else {
                *cov.records.entry("incomplete".into()).or_default() += 1;
                continue;
            };
            if !subtype.is_empty() && subtype != "PERMISSIONS_USAGE" {
                *cov.records.entry(subtype.to_string()).or_default() += 1;
                continue;
            }
            // A conditional binding's use is not told apart from the
            // unconditional one's: only unconditional bindings are watched.
            let conditional = content
                .and_then(|c| c.pointer("/condition/expression"))
                .and_then(Value::as_str)
                .is_some_and(|e| !e.is_empty());
            let id = identity_id(p, member);
            if snap.identity(&id).is_none() || conditional {
                *cov.records.entry("binding-not-audited".into()).or_default() += 1;
                continue;
            }
            let start = end.checked_sub(period).unwrap_or(end);
            *cov.records.entry("used".into()).or_default() += 1;
            cov.first_event = Some(cov.first_event.map_or(start, |t| t.min(start)));
            cov.last_event = Some(cov.last_event.map_or(end, |t| t.max(end)));
            watched.push(WatchedGrant {
                identity: id.clone(),
                policy: role.to_string(),
                scope: format!("projects/{p}"),
                source: EvidenceSource::GcpRecommender,
                start,
                end,
            });
            for perm in content
                .and_then(|c| c.get("exercisedPermissions"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("permission").and_then(Value::as_str))
            {
                usage.push(UsageRecord {
                    identity: id.clone(),
                    permission: perm.to_string(),
                    source: EvidenceSource::GcpRecommender,
                    scope: None,
                    first_seen: start,
                    last_seen: end,
                    count: 1,
                });
            }
        }
    }
    // One record per (identity, permission): the widest span.
    usage.sort_by(|a, b| (&a.identity, &a.permission).cmp(&(&b.identity, &b.permission)));
    let mut merged: Vec<UsageRecord> = Vec::with_capacity(usage.len());
    for u in usage {
        match merged.last_mut() {
            Some(m) if m.identity == u.identity && m.permission == u.permission => {
                m.first_seen = m.first_seen.min(u.first_seen);
                m.last_seen = m.last_seen.max(u.last_seen);
                m.count += u.count;
            }
            _ => merged.push(u),
        }
    }
    snap.usage.extend(merged);
    snap.watched_grants.extend(watched);
    snap.coverage.sources.extend(covs.into_values());
}
