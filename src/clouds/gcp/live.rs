//! The live GCP collector: Google's Rust crates (Resource Manager v3, IAM
//! v1, Logging v2, Recommender v1) and Policy Analyzer over REST with the
//! same credentials.
//!
//! It writes what it reads as the files of an export folder
//! (`import gcp --help`), in memory, and hands them to the importer
//! ([`super::import::import_files`]): one reading of policies, ancestry,
//! roles, keys, activities and logs, whether they came from `gcloud` or
//! from the APIs. The crates answer with their own types; serialized, those
//! are the REST JSON (enums as numbers), which the importer reads too.
//!
//! A call that fails is named in the coverage with the permission it needs,
//! and the rest is collected: a project whose policy cannot be read is
//! skipped (partial), so is a log that cannot be listed; Policy Analyzer
//! and Recommender failures are warnings (those sources only add evidence,
//! and without them nothing is called unused that would not be otherwise).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::{Context, Result};
use google_cloud_auth::credentials::{CacheableResource, Credentials};
use google_cloud_gax::paginator::{ItemPaginator as _, Paginator as _};
use google_cloud_iam_admin_v1::model::RoleView;
use google_cloud_iam_admin_v1::model::list_service_account_keys_request::KeyType;
use google_cloud_iam_v1::model::GetPolicyOptions;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::clouds::InputFile;
use crate::clouds::tasks::Named;
use crate::model::{Skipped, Snapshot, Warning};

/// The label of a live collection's files in the coverage.
pub const LABEL: &str = "gcp";

/// How to reach Google Cloud.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Every API at this URL (an emulator or a test's stub), not Google's.
    pub endpoint: Option<String>,
    pub credentials: Credentials,
}

/// What to collect.
#[derive(Debug, Clone)]
pub struct Options {
    /// Project IDs (or numbers).
    pub projects: Vec<String>,
    /// Organization IDs: every active project below them.
    pub organizations: Vec<String>,
    /// The audit logs read: `[start, end)`.
    pub start: Timestamp,
    pub end: Timestamp,
    pub logs: bool,
    pub policy_analyzer: bool,
    pub insights: bool,
    /// Projects collected at once.
    pub concurrency: usize,
}

/// What a collection reports as it goes.
pub trait Progress: Send + Sync {
    /// The projects found, once the hierarchy is read.
    fn projects(&self, _n: usize) {}
    /// One project (or folder, or organization) is done.
    fn done(&self, _resource: &str) {}
}

/// No progress shown.
pub struct Quiet;
impl Progress for Quiet {}

/// A file of the export layout, read from an API.
struct File {
    rel: String,
    /// The call that answered it, as the coverage names it.
    call: String,
    value: Value,
}

#[derive(Default)]
struct Out {
    files: Vec<File>,
    skipped: Vec<Skipped>,
    warnings: Vec<Warning>,
}

impl Out {
    fn file(&mut self, rel: String, call: String, value: Value) {
        self.files.push(File { rel, call, value });
    }
    fn skip(&mut self, input: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            input: input.into(),
            reason: reason.into(),
        });
    }
    fn warn(&mut self, input: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning {
            input: input.into(),
            message: message.into(),
        });
    }
    fn extend(&mut self, other: Out) {
        self.files.extend(other.files);
        self.skipped.extend(other.skipped);
        self.warnings.extend(other.warnings);
    }
}

/// Why a call failed, in Google's words (`PERMISSION_DENIED: ...`).
fn why(e: &google_cloud_gax::error::Error) -> String {
    match e.status() {
        Some(s) => format!("{}: {}", s.code.name(), s.message),
        None => e.to_string(),
    }
}

#[derive(Clone)]
struct Clients {
    projects: google_cloud_resourcemanager_v3::client::Projects,
    folders: google_cloud_resourcemanager_v3::client::Folders,
    organizations: google_cloud_resourcemanager_v3::client::Organizations,
    iam: google_cloud_iam_admin_v1::client::Iam,
    logging: google_cloud_logging_v2::client::LoggingServiceV2,
    recommender: google_cloud_recommender_v1::client::Recommender,
    http: reqwest::Client,
    credentials: Credentials,
    analyzer: String,
}

macro_rules! client {
    ($ty:ty, $conn:expr) => {{
        let mut b = <$ty>::builder().with_credentials($conn.credentials.clone());
        if let Some(e) = &$conn.endpoint {
            b = b.with_endpoint(e.clone());
        }
        b.build()
            .await
            .with_context(|| format!("cannot set up the {} client", stringify!($ty)))?
    }};
}

impl Clients {
    async fn new(conn: &Connection) -> Result<Clients> {
        Ok(Clients {
            projects: client!(google_cloud_resourcemanager_v3::client::Projects, conn),
            folders: client!(google_cloud_resourcemanager_v3::client::Folders, conn),
            organizations: client!(google_cloud_resourcemanager_v3::client::Organizations, conn),
            iam: client!(google_cloud_iam_admin_v1::client::Iam, conn),
            logging: client!(google_cloud_logging_v2::client::LoggingServiceV2, conn),
            recommender: client!(google_cloud_recommender_v1::client::Recommender, conn),
            http: reqwest::Client::new(),
            credentials: conn.credentials.clone(),
            analyzer: conn
                .endpoint
                .clone()
                .unwrap_or_else(|| "https://policyanalyzer.googleapis.com".into()),
        })
    }
}

/// A project found, with the folders and organization above it (nearest
/// first).
#[derive(Debug, Clone)]
struct Found {
    id: String,
    number: String,
    display_name: String,
    ancestors: Vec<String>,
}

/// Collects the projects (and everything above them) into a snapshot.
pub async fn collect(
    conn: &Connection,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Snapshot> {
    let c = Clients::new(conn).await?;
    let mut out = Out::default();
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for o in &opts.organizations {
        walk_organization(&c, o, &mut found, &mut out).await;
    }
    let mut folder_parents: BTreeMap<String, String> = BTreeMap::new();
    for p in &opts.projects {
        if found.values().any(|f| f.id == *p || f.number == *p) {
            continue;
        }
        match resolve_project(&c, p, &mut folder_parents, &mut out).await {
            Some(f) => {
                found.insert(f.id.clone(), f);
            }
            None => continue,
        }
    }
    progress.projects(found.len());

    // Each project, and each folder or organization above one, once.
    let above: BTreeSet<String> = found
        .values()
        .flat_map(|f| f.ancestors.iter().cloned())
        .collect();
    let sem = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let mut tasks = Named::default();
    let opts_arc = Arc::new(opts.clone());
    for f in found.values().cloned() {
        let (c, sem, o) = (c.clone(), sem.clone(), opts_arc.clone());
        tasks.spawn(format!("projects/{}", f.id), async move {
            let _permit = sem.acquire_owned().await;
            project(&c, &f, &o).await
        });
    }
    for r in above {
        let (c, sem, o) = (c.clone(), sem.clone(), opts_arc.clone());
        tasks.spawn(r.clone(), async move {
            let _permit = sem.acquire_owned().await;
            resource_above(&c, &r, &o).await
        });
    }
    out.extend(gather(tasks, progress).await);
    role_definitions(&c, &mut out).await;

    let mut files: Vec<(String, InputFile)> = Vec::with_capacity(out.files.len());
    for f in out.files {
        let bytes = serde_json::to_vec(&f.value).context("serialize an API answer")?;
        files.push((
            f.rel,
            InputFile::Owned {
                name: f.call,
                bytes: bytes.into(),
            },
        ));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut snap = super::import::import_files(LABEL, files);
    snap.coverage.skipped.extend(out.skipped);
    snap.coverage.warnings.extend(out.warnings);
    snap.normalize();
    Ok(snap)
}

/// What the tasks collected. A task that fails (panics) is skipped and
/// named, and the others are kept: the result is partial, not lost.
async fn gather(mut tasks: Named<Out>, progress: &dyn Progress) -> Out {
    let mut out = Out::default();
    while let Some((name, done)) = tasks.next().await {
        progress.done(&name);
        match done {
            Ok(o) => out.extend(o),
            Err(why) => out.skip(name, why),
        }
    }
    out
}

/// Every active project below an organization, with its folders.
async fn walk_organization(
    c: &Clients,
    org: &str,
    found: &mut BTreeMap<String, Found>,
    out: &mut Out,
) {
    let org = format!("organizations/{}", org.trim_start_matches("organizations/"));
    if let Err(e) = c
        .organizations
        .get_organization()
        .set_name(&org)
        .send()
        .await
    {
        out.skip(
            org.clone(),
            format!(
                "cannot read it ({}): nothing below it is collected; the credentials need resourcemanager.organizations.get (roles/browser) on it",
                why(&e)
            ),
        );
        return;
    }
    // (parent, its ancestors nearest first)
    let mut queue: Vec<(String, Vec<String>)> = vec![(org.clone(), Vec::new())];
    while let Some((parent, above)) = queue.pop() {
        let chain: Vec<String> = std::iter::once(parent.clone()).chain(above).collect();
        let mut projects = c
            .projects
            .list_projects()
            .set_parent(&parent)
            .set_page_size(1000)
            .by_item();
        loop {
            match projects.next().await {
                Some(Ok(p)) => {
                    if p.state != google_cloud_resourcemanager_v3::model::project::State::Active {
                        continue;
                    }
                    let number = p.name.trim_start_matches("projects/").to_string();
                    found.insert(
                        p.project_id.clone(),
                        Found {
                            id: p.project_id,
                            number,
                            display_name: p.display_name,
                            ancestors: chain.clone(),
                        },
                    );
                }
                Some(Err(e)) => {
                    out.skip(
                        parent.clone(),
                        format!(
                            "cannot list its projects ({}): those not listed are not audited; the credentials need resourcemanager.projects.list (roles/browser)",
                            why(&e)
                        ),
                    );
                    break;
                }
                None => break,
            }
        }
        let mut folders = c
            .folders
            .list_folders()
            .set_parent(&parent)
            .set_page_size(1000)
            .by_item();
        loop {
            match folders.next().await {
                Some(Ok(f)) => {
                    if f.state == google_cloud_resourcemanager_v3::model::folder::State::Active {
                        queue.push((f.name, chain.clone()));
                    }
                }
                Some(Err(e)) => {
                    out.skip(
                        parent.clone(),
                        format!(
                            "cannot list its folders ({}): projects in them are not audited; the credentials need resourcemanager.folders.list (roles/browser)",
                            why(&e)
                        ),
                    );
                    break;
                }
                None => break,
            }
        }
    }
}

/// A project named on the command line, and the folders and organization
/// above it (walked up through each one's parent).
async fn resolve_project(
    c: &Clients,
    p: &str,
    folder_parents: &mut BTreeMap<String, String>,
    out: &mut Out,
) -> Option<Found> {
    let name = format!("projects/{}", p.trim_start_matches("projects/"));
    let project = match c.projects.get_project().set_name(&name).send().await {
        Ok(project) => project,
        Err(e) => {
            out.skip(
                name,
                format!(
                    "cannot read it ({}): not audited; check the project ID, and that the credentials have resourcemanager.projects.get (roles/browser) on it",
                    why(&e)
                ),
            );
            return None;
        }
    };
    let mut ancestors = Vec::new();
    let mut next = project.parent.clone();
    while next.starts_with("folders/") {
        ancestors.push(next.clone());
        if let Some(up) = folder_parents.get(&next) {
            next = up.clone();
            continue;
        }
        match c.folders.get_folder().set_name(&next).send().await {
            Ok(f) => {
                folder_parents.insert(next.clone(), f.parent.clone());
                next = f.parent;
            }
            Err(e) => {
                out.skip(
                    format!("project {}", project.project_id),
                    format!(
                        "cannot read {next} above it ({}): what is bound above {next} is not seen; the credentials need resourcemanager.folders.get (roles/browser) on it",
                        why(&e)
                    ),
                );
                next = String::new();
            }
        }
    }
    if next.starts_with("organizations/") {
        ancestors.push(next);
    }
    Some(Found {
        id: project.project_id.clone(),
        number: project.name.trim_start_matches("projects/").to_string(),
        display_name: project.display_name,
        ancestors,
    })
}

async fn iam_policy(c: &Clients, resource: &str) -> Result<Value, String> {
    let options = GetPolicyOptions::new().set_requested_policy_version(3);
    let r = if resource.starts_with("projects/") {
        c.projects
            .get_iam_policy()
            .set_resource(resource)
            .set_options(options)
            .send()
            .await
    } else if resource.starts_with("folders/") {
        c.folders
            .get_iam_policy()
            .set_resource(resource)
            .set_options(options)
            .send()
            .await
    } else {
        c.organizations
            .get_iam_policy()
            .set_resource(resource)
            .set_options(options)
            .send()
            .await
    };
    let policy = r.map_err(|e| why(&e))?;
    serde_json::to_value(policy).map_err(|e| e.to_string())
}

/// The permission `getIamPolicy` needs on a resource.
fn get_policy_permission(resource: &str) -> &'static str {
    if resource.starts_with("projects/") {
        "resourcemanager.projects.getIamPolicy"
    } else if resource.starts_with("folders/") {
        "resourcemanager.folders.getIamPolicy"
    } else {
        "resourcemanager.organizations.getIamPolicy"
    }
}

/// A project: its policy, ancestry, custom roles, service accounts, keys,
/// activities, insights and logs.
async fn project(c: &Clients, f: &Found, o: &Options) -> Out {
    let mut out = Out::default();
    let name = format!("projects/{}", f.id);
    match iam_policy(c, &name).await {
        Ok(v) => out.file(
            format!("{name}/iam-policy.json"),
            format!("{name}:getIamPolicy"),
            v,
        ),
        Err(e) => {
            out.skip(
                name.clone(),
                format!(
                    "getIamPolicy failed ({e}): the project is not audited; the credentials need {} (roles/iam.securityReviewer)",
                    get_policy_permission(&name)
                ),
            );
            return out;
        }
    }
    let mut ancestors = vec![json!({"id": f.id, "type": "project"})];
    for a in &f.ancestors {
        let (kind, id) = a.split_once('/').unwrap_or(("", a));
        ancestors.push(json!({"id": id, "type": kind.trim_end_matches('s')}));
    }
    out.file(
        format!("{name}/ancestors.json"),
        format!("{name} (ancestry)"),
        Value::Array(ancestors),
    );
    out.file(
        format!("{name}/project.json"),
        format!("{name} (project)"),
        json!({"name": f.display_name, "projectId": f.id, "projectNumber": f.number}),
    );
    custom_roles(c, &name, &mut out).await;
    service_accounts(c, &name, &mut out).await;
    if o.policy_analyzer {
        for t in [
            "serviceAccountLastAuthentication",
            "serviceAccountKeyLastAuthentication",
        ] {
            activities(c, &f.id, t, &mut out).await;
        }
    }
    if o.insights {
        insights(c, &name, &mut out).await;
    }
    if o.logs {
        logs(c, &name, o, &mut out).await;
    }
    out
}

/// A folder or organization above a collected project: its policy, its
/// custom roles (an organization's) and the audit logs written there.
async fn resource_above(c: &Clients, r: &str, o: &Options) -> Out {
    let mut out = Out::default();
    match iam_policy(c, r).await {
        Ok(v) => out.file(format!("{r}/iam-policy.json"), format!("{r}:getIamPolicy"), v),
        Err(e) => out.skip(
            r.to_string(),
            format!(
                "getIamPolicy failed ({e}): roles bound there are not seen in the projects below; the credentials need {} (roles/iam.securityReviewer)",
                get_policy_permission(r)
            ),
        ),
    }
    if r.starts_with("organizations/") {
        custom_roles(c, r, &mut out).await;
    }
    if o.logs {
        logs(c, r, o, &mut out).await;
    }
    out
}

/// Custom roles defined on a project or organization, with their
/// permissions (FULL view), deleted ones included (bindings to them grant
/// nothing, and the importer says so).
async fn custom_roles(c: &Clients, parent: &str, out: &mut Out) {
    let mut roles = Vec::new();
    let mut pages = c
        .iam
        .list_roles()
        .set_parent(parent)
        .set_view(RoleView::Full)
        .set_show_deleted(true)
        .set_page_size(1000)
        .by_item();
    while let Some(r) = pages.next().await {
        match r {
            Ok(r) => match serde_json::to_value(r) {
                Ok(v) => roles.push(v),
                Err(e) => out.warn(format!("{parent}/roles"), e.to_string()),
            },
            Err(e) => {
                out.skip(
                    format!("{parent}/roles"),
                    format!(
                        "cannot list custom roles ({}): bindings of {parent}'s custom roles grant nothing here; the credentials need iam.roles.list (roles/iam.securityReviewer)",
                        why(&e)
                    ),
                );
                break;
            }
        }
    }
    if !roles.is_empty() {
        out.file(
            format!("roles/{}.json", parent.replace('/', "-")),
            format!("{parent}/roles"),
            Value::Array(roles),
        );
    }
}

/// Roles bound somewhere that are neither listed custom roles nor built in
/// (a predefined role newer than the catalog): read one by one.
async fn role_definitions(c: &Clients, out: &mut Out) {
    let known: BTreeSet<String> = out
        .files
        .iter()
        .filter(|f| f.rel.starts_with("roles/"))
        .flat_map(|f| f.value.as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    let bound: BTreeSet<String> = out
        .files
        .iter()
        .filter(|f| f.rel.ends_with("/iam-policy.json"))
        .flat_map(|f| {
            f.value
                .get("bindings")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|b| b.get("role").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut fetched = Vec::new();
    for role in bound {
        if known.contains(&role) || crate::clouds::gcp::catalog::predefined_role(&role).is_some() {
            continue;
        }
        match c.iam.get_role().set_name(&role).send().await {
            Ok(r) => match serde_json::to_value(r) {
                Ok(v) => fetched.push(v),
                Err(e) => out.warn(role, e.to_string()),
            },
            // The importer names a role it has no definition of.
            Err(e) => out.warn(
                role.clone(),
                format!(
                    "cannot read it ({}): the credentials need iam.roles.get",
                    why(&e)
                ),
            ),
        }
    }
    if !fetched.is_empty() {
        out.file(
            "roles/bound.json".into(),
            "roles.get".into(),
            Value::Array(fetched),
        );
    }
}

/// A project's service accounts, and each one's user-managed keys.
async fn service_accounts(c: &Clients, project: &str, out: &mut Out) {
    let call = format!("{project}/serviceAccounts");
    let mut accounts = Vec::new();
    let mut pages = c
        .iam
        .list_service_accounts()
        .set_name(project)
        .set_page_size(100)
        .by_item();
    while let Some(r) = pages.next().await {
        match r {
            Ok(sa) => accounts.push(sa),
            Err(e) => {
                out.skip(
                    call.clone(),
                    format!(
                        "cannot list service accounts ({}): those bound nowhere, and all keys, are not audited; the credentials need iam.serviceAccounts.list (roles/iam.securityReviewer)",
                        why(&e)
                    ),
                );
                return;
            }
        }
    }
    for sa in &accounts {
        let name = format!("{project}/serviceAccounts/{}", sa.email);
        match c
            .iam
            .list_service_account_keys()
            .set_name(&name)
            .set_key_types([KeyType::UserManaged])
            .send()
            .await
        {
            Ok(keys) if keys.keys.is_empty() => {}
            Ok(keys) => match serde_json::to_value(&keys) {
                Ok(v) => out.file(
                    format!("{project}/keys/{}.json", sa.email),
                    format!("{name}/keys"),
                    v,
                ),
                Err(e) => out.warn(format!("{name}/keys"), e.to_string()),
            },
            Err(e) => out.skip(
                format!("{name}/keys"),
                format!(
                    "cannot list its keys ({}): they are not audited; the credentials need iam.serviceAccountKeys.list (roles/iam.securityReviewer)",
                    why(&e)
                ),
            ),
        }
    }
    let accounts: Vec<Value> = accounts
        .into_iter()
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    out.file(
        format!("{project}/service-accounts.json"),
        call,
        json!({ "accounts": accounts }),
    );
}

/// Policy Analyzer's activities of one type (no Rust crate serves this
/// API: plain REST with the same credentials).
async fn activities(c: &Clients, project: &str, activity_type: &str, out: &mut Out) {
    let path = format!(
        "v1/projects/{project}/locations/global/activityTypes/{activity_type}/activities:query"
    );
    let call = format!("projects/{project} {activity_type} (activities:query)");
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        match analyzer_page(c, &path, &token).await {
            Ok(v) => {
                all.extend(
                    v.get("activities")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                );
                match v.get("nextPageToken").and_then(Value::as_str) {
                    Some(t) if !t.is_empty() => token = t.to_string(),
                    _ => break,
                }
            }
            Err(e) => {
                out.warn(
                    call,
                    format!(
                        "Policy Analyzer did not answer ({e}): the last authentication of service accounts (or keys) is not known, and no key is called unused; enable policyanalyzer.googleapis.com and grant roles/policyanalyzer.activityAnalysisViewer"
                    ),
                );
                return;
            }
        }
    }
    out.file(
        format!("projects/{project}/activity/{activity_type}.json"),
        call,
        json!({ "activities": all }),
    );
}

async fn analyzer_page(c: &Clients, path: &str, token: &str) -> Result<Value, String> {
    let headers = match c
        .credentials
        .headers(http::Extensions::new())
        .await
        .map_err(|e| format!("credentials: {e}"))?
    {
        CacheableResource::New { data, .. } => data,
        CacheableResource::NotModified => reqwest::header::HeaderMap::new(),
    };
    let url = format!("{}/{path}", c.analyzer.trim_end_matches('/'));
    let mut query = vec![("pageSize", "1000")];
    if !token.is_empty() {
        query.push(("pageToken", token));
    }
    let resp = c
        .http
        .get(&url)
        .headers(headers)
        .query(&query)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| format!("HTTP {status}, an answer that is not JSON ({e})"))?;
    if !status.is_success() {
        let msg = v
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("");
        let code = v
            .pointer("/error/status")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(format!("HTTP {status} {code}: {msg}"));
    }
    Ok(v)
}

/// IAM Recommender's policy insights: the permissions each binding's
/// member exercised over the observation period.
async fn insights(c: &Clients, project: &str, out: &mut Out) {
    let parent = format!("{project}/locations/global/insightTypes/google.iam.policy.Insight");
    let mut all = Vec::new();
    let mut pages = c.recommender.list_insights().set_parent(&parent).by_item();
    while let Some(r) = pages.next().await {
        match r {
            Ok(i) => match serde_json::to_value(i) {
                Ok(v) => all.push(v),
                Err(e) => out.warn(parent.clone(), e.to_string()),
            },
            Err(e) => {
                out.warn(
                    format!("{parent}/insights"),
                    format!(
                        "IAM Recommender did not answer ({}): its exercised permissions are not used as evidence; policy insights need Security Command Center Premium or Enterprise, recommender.googleapis.com enabled, and roles/recommender.iamViewer",
                        why(&e)
                    ),
                );
                return;
            }
        }
    }
    out.file(
        format!("{project}/insights/google.iam.policy.Insight.json"),
        format!("{parent}/insights"),
        json!({ "insights": all }),
    );
}

/// The Cloud Audit Logs written on a project, folder or organization in the
/// window, one file per page.
async fn logs(c: &Clients, resource: &str, o: &Options, out: &mut Out) {
    let filter = format!(
        "logName:\"cloudaudit.googleapis.com\" AND timestamp>=\"{}\" AND timestamp<\"{}\"",
        o.start, o.end
    );
    let mut pages = c
        .logging
        .list_log_entries()
        .set_resource_names([resource.to_string()])
        .set_filter(filter)
        .set_order_by("timestamp desc")
        .set_page_size(1000)
        .by_page();
    let mut n = 0usize;
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                n += 1;
                match serde_json::to_value(&page.entries) {
                    Ok(v) => out.file(
                        format!("{resource}/logs/page-{n:06}.json"),
                        format!("{resource} entries.list page {n}"),
                        v,
                    ),
                    Err(e) => out.skip(format!("{resource} entries.list page {n}"), e.to_string()),
                }
            }
            Err(e) => {
                let reason = if n == 0 {
                    format!(
                        "entries.list failed ({}): no usage is read from its audit logs; the credentials need logging.logEntries.list and, for Data Access logs, logging.privateLogEntries.list (roles/logging.privateLogViewer)",
                        why(&e)
                    )
                } else {
                    format!(
                        "entries.list failed after {n} pages ({}): the usage read from its audit logs is incomplete; run again",
                        why(&e)
                    )
                };
                out.skip(format!("{resource} (audit logs)"), reason);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project's task that panics leaves the project skipped and named,
    /// and what the other tasks collected kept.
    #[tokio::test]
    async fn a_task_that_panics_is_skipped_and_named_and_the_others_kept() {
        let mut tasks = Named::default();
        tasks.spawn("projects/acme-prod", async {
            let mut o = Out::default();
            o.file(
                "projects/acme-prod/iam-policy.json".into(),
                "getIamPolicy".into(),
                serde_json::json!({"bindings": []}),
            );
            o
        });
        tasks.spawn("projects/acme-data", async {
            if true {
                panic!("a bug in a reader");
            }
            Out::default()
        });
        let out = gather(tasks, &Quiet).await;
        assert_eq!(out.files.len(), 1);
        assert_eq!(out.files[0].rel, "projects/acme-prod/iam-policy.json");
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].input, "projects/acme-data");
        assert!(
            out.skipped[0]
                .reason
                .contains("panicked: a bug in a reader"),
            "{}",
            out.skipped[0].reason
        );
    }
}
