//! The live Azure collector: ARM's and Microsoft Graph's REST APIs through
//! `reqwest` with a bearer token (`azure_core` 1.x refuses plain-http
//! endpoints, and the retired `azure_mgmt_*` crates do not fit
//! `azure_identity` 1.x), at configurable base URLs. Every answer is fed to
//! the same [`Tenant`] as `import azure`'s files, so a collection and an
//! import of the same tenant audit the same.
//!
//! Paths and shapes (ARM REST reference, learn.microsoft.com/rest/api):
//! - `GET /subscriptions?api-version=2022-12-01` (Subscriptions - List:
//!   `{value: [{subscriptionId, displayName, state}], nextLink}`);
//! - `GET /subscriptions/S/providers/Microsoft.Authorization/roleAssignments`,
//!   `.../roleDefinitions`, `.../denyAssignments` (api-version 2022-04-01:
//!   `{value: [{id, name, type, properties}], nextLink}`);
//! - `GET /providers/Microsoft.Authorization/providerOperations?$expand=resourceTypes`
//!   (2022-04-01);
//! - `POST /providers/Microsoft.Management/getEntities` (2021-04-01:
//!   management groups and subscriptions with `properties.parent`);
//! - `GET /subscriptions/S/providers/Microsoft.Insights/eventtypes/management/values`
//!   (Activity Logs - List, 2015-04-01, `$filter=eventTimestamp ge '…' and
//!   eventTimestamp le '…'`);
//! - Graph v1.0: `POST /v1.0/directoryObjects/getByIds` (`{ids, types}`),
//!   `GET /v1.0/groups/G/transitiveMembers?$select=id` (`@odata.nextLink`).
//!
//! A 429 or 503 is retried after its `Retry-After` (seconds; at most 60),
//! up to six times. A subscription whose assignments cannot be read is
//! skipped and named; the rest are collected.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use serde_json::Value;

use super::credentials::{ARM_SCOPE, GRAPH_SCOPE};
use super::import::{self, Tenant};
use crate::clouds::tasks::Named;
use crate::model::{Skipped, Snapshot, Warning};

/// Where to send requests, and with what token.
#[derive(Clone)]
pub struct Connection {
    pub arm: String,
    pub graph: String,
    /// `None`: send no token (a test stub).
    pub credential: Option<Arc<dyn TokenCredential>>,
    pub http: reqwest::Client,
}

/// A failed request: its status, if one came, and what the API said.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: Option<u16>,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "HTTP {s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// ARM's and Graph's error document: `{"error": {"code", "message"}}`.
fn error_of(status: u16, body: &[u8]) -> ApiError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let e = &v["error"];
    let message = match (e["code"].as_str(), e["message"].as_str()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => String::from_utf8_lossy(body).chars().take(300).collect(),
    };
    ApiError {
        status: Some(status),
        message,
    }
}

/// Whether `url` is on `base`'s scheme, host and port, under its path: a
/// `nextLink` elsewhere would be handed the token.
fn same_origin(base: &str, url: &str) -> bool {
    let (Ok(b), Ok(u)) = (reqwest::Url::parse(base), reqwest::Url::parse(url)) else {
        return false;
    };
    b.scheme() == u.scheme()
        && b.host_str() == u.host_str()
        && b.port_or_known_default() == u.port_or_known_default()
        && u.username().is_empty()
        && u.path().starts_with(b.path().trim_end_matches('/'))
}

/// How many times a throttled request is tried.
const TRIES: u32 = 6;

#[derive(Clone, Copy)]
enum Api {
    Arm,
    Graph,
}

impl Connection {
    async fn token(&self, api: Api) -> Result<Option<String>, ApiError> {
        let Some(c) = &self.credential else {
            return Ok(None);
        };
        let scope = match api {
            Api::Arm => ARM_SCOPE,
            Api::Graph => GRAPH_SCOPE,
        };
        c.get_token(&[scope], None)
            .await
            .map(|t| Some(t.token.secret().to_string()))
            .map_err(|e| ApiError {
                status: None,
                message: format!("no token for {scope}: {e}"),
            })
    }

    fn url(&self, api: Api, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            return path.to_string();
        }
        let base = match api {
            Api::Arm => &self.arm,
            Api::Graph => &self.graph,
        };
        format!("{}{path}", base.trim_end_matches('/'))
    }

    /// One request, retried while throttled: the answer's bytes.
    async fn send(
        &self,
        api: Api,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Vec<u8>, ApiError> {
        let url = self.url(api, path);
        let base = match api {
            Api::Arm => &self.arm,
            Api::Graph => &self.graph,
        };
        if !same_origin(base, &url) {
            return Err(ApiError {
                status: None,
                message: format!("{url} is not under the endpoint {base}: not followed"),
            });
        }
        let mut tries = 0;
        loop {
            tries += 1;
            let mut req = self.http.request(method.clone(), &url);
            if let Some(t) = self.token(api).await? {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.map_err(|e| ApiError {
                status: None,
                message: format!("{url}: {e}"),
            })?;
            let status = resp.status().as_u16();
            let wait = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let bytes = resp.bytes().await.map_err(|e| ApiError {
                status: Some(status),
                message: format!("{url}: {e}"),
            })?;
            if (status == 429 || status == 503) && tries < TRIES {
                let secs = wait.unwrap_or(u64::from(tries) * 2).min(60);
                tokio::time::sleep(Duration::from_secs(secs)).await;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(error_of(status, &bytes));
            }
            return Ok(bytes.to_vec());
        }
    }

    /// Every page of a list, following `nextLink` (ARM) or
    /// `@odata.nextLink` (Graph): each page's bytes.
    async fn pages(&self, api: Api, first: &str) -> Result<Vec<Vec<u8>>, ApiError> {
        self.pages_of(api, reqwest::Method::GET, first).await
    }

    /// [`Connection::pages`] with `method` (getEntities pages by POST).
    async fn pages_of(
        &self,
        api: Api,
        method: reqwest::Method,
        first: &str,
    ) -> Result<Vec<Vec<u8>>, ApiError> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = Some(first.to_string());
        while let Some(path) = next.take() {
            if !seen.insert(path.clone()) {
                return Err(ApiError {
                    status: None,
                    message: format!("{path}: the list pages back to a page already read; stopped"),
                });
            }
            let bytes = self.send(api, method.clone(), &path, None).await?;
            #[derive(serde::Deserialize)]
            struct Links {
                #[serde(rename = "nextLink")]
                next: Option<String>,
                #[serde(rename = "@odata.nextLink")]
                odata: Option<String>,
            }
            let links: Links = serde_json::from_slice(&bytes).map_err(|e| ApiError {
                status: None,
                message: format!("{path}: not a JSON list page ({e})"),
            })?;
            next = links.next.or(links.odata).filter(|l| !l.is_empty());
            out.push(bytes);
            if out.len() > 100_000 {
                return Err(ApiError {
                    status: None,
                    message: format!("{first}: more than 100,000 pages; stopped"),
                });
            }
        }
        Ok(out)
    }

    /// Every item of a list's pages, as one array.
    async fn list(&self, api: Api, first: &str) -> Result<Value, ApiError> {
        let mut all = Vec::new();
        for p in self.pages(api, first).await? {
            let v: Value = serde_json::from_slice(&p).unwrap_or(Value::Null);
            if let Some(items) = import::items(&v) {
                all.extend(items.iter().cloned());
            }
        }
        Ok(Value::Array(all))
    }
}

/// What to collect.
#[derive(Debug, Clone)]
pub struct Options {
    /// Subscriptions asked for; empty: every one the credential sees.
    pub subscriptions: Vec<String>,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub activity_log: bool,
    pub graph: bool,
    pub concurrency: usize,
}

/// What the collection shows as it goes.
pub trait Progress: Sync {
    fn subscriptions(&self, n: usize);
    fn done(&self, subscription: &str);
}

/// One subscription's answers.
struct Part {
    id: String,
    assignments: Value,
    definitions: Result<Value, ApiError>,
    denies: Result<Value, ApiError>,
    eligible: Result<Value, ApiError>,
    /// The Activity Log's pages, or why it could not be read.
    log: Option<Result<Vec<Vec<u8>>, ApiError>>,
}

const AUTHZ: &str = "providers/Microsoft.Authorization";
const AUTHZ_VERSION: &str = "api-version=2022-04-01";

fn log_query(sub: &str, start: jiff::Timestamp, end: jiff::Timestamp) -> String {
    let filter = format!("eventTimestamp ge '{start}' and eventTimestamp le '{end}'");
    let select = "authorization,caller,claims,category,eventTimestamp,operationName,resourceId,status,subStatus,subscriptionId,properties";
    const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b':')
        .remove(b',');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY).to_string();
    format!(
        "/subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter={}&$select={}",
        enc(&filter),
        enc(select)
    )
}

async fn subscription(conn: Connection, sub: String, opts: Options) -> Result<Part, ApiError> {
    let at = format!("/subscriptions/{sub}/{AUTHZ}");
    let assignments = conn
        .list(Api::Arm, &format!("{at}/roleAssignments?{AUTHZ_VERSION}"))
        .await?;
    let definitions = conn
        .list(Api::Arm, &format!("{at}/roleDefinitions?{AUTHZ_VERSION}"))
        .await;
    let denies = conn
        .list(Api::Arm, &format!("{at}/denyAssignments?{AUTHZ_VERSION}"))
        .await;
    let eligible = conn
        .list(
            Api::Arm,
            &format!("{at}/roleEligibilityScheduleInstances?api-version=2020-10-01"),
        )
        .await;
    let log = if opts.activity_log {
        Some(
            conn.pages(Api::Arm, &log_query(&sub, opts.start, opts.end))
                .await,
        )
    } else {
        None
    };
    Ok(Part {
        id: sub,
        assignments,
        definitions,
        denies,
        eligible,
        log,
    })
}

/// Collects the subscriptions asked for (or all the credential sees), the
/// tenant's operations and management groups, and the principals from Graph.
pub async fn collect(
    conn: &Connection,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Snapshot, anyhow::Error> {
    let mut t = Tenant::default();
    // The subscriptions, with their names.
    let listed = conn
        .list(Api::Arm, "/subscriptions?api-version=2022-12-01")
        .await;
    let mut subs: Vec<String> = opts
        .subscriptions
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    match &listed {
        Ok(v) => {
            for s in import::items(v).into_iter().flatten() {
                let Some(id) = s.get("subscriptionId").and_then(Value::as_str) else {
                    continue;
                };
                let id = id.to_ascii_lowercase();
                let enabled = s
                    .get("state")
                    .and_then(Value::as_str)
                    .is_none_or(|st| st.eq_ignore_ascii_case("Enabled"));
                if opts.subscriptions.is_empty() && enabled {
                    subs.push(id.clone());
                }
                if subs.contains(&id) {
                    t.add_subscription(&id, s.get("displayName").and_then(Value::as_str));
                }
            }
        }
        Err(e) if opts.subscriptions.is_empty() => {
            anyhow::bail!(
                "cannot list the subscriptions the credential sees ({e}); name them with --subscription"
            );
        }
        Err(e) => t.warnings.push(Warning {
            input: "subscriptions".into(),
            message: format!("cannot list the subscriptions ({e}): their names are missing"),
        }),
    }
    subs.sort();
    subs.dedup();
    if subs.is_empty() {
        anyhow::bail!("the credential sees no enabled subscription; name one with --subscription");
    }
    progress.subscriptions(subs.len());

    // The tenant's operations and management groups: each optional.
    match conn
        .list(
            Api::Arm,
            &format!("/{AUTHZ}/providerOperations?{AUTHZ_VERSION}&$expand=resourceTypes"),
        )
        .await
    {
        Ok(v) => t.add_operations("ARM providerOperations", &v),
        Err(e) => t.warnings.push(Warning {
            input: "ARM providerOperations".into(),
            message: format!(
                "cannot read the tenant's provider operations ({e}): the embedded catalog is used"
            ),
        }),
    }
    let entities = conn
        .pages_of(
            Api::Arm,
            reqwest::Method::POST,
            "/providers/Microsoft.Management/getEntities?api-version=2021-04-01",
        )
        .await
        .map(|pages| {
            let all: Vec<Value> = pages
                .iter()
                .filter_map(|p| serde_json::from_slice::<Value>(p).ok())
                .flat_map(|v| import::items(&v).map(<[Value]>::to_vec).unwrap_or_default())
                .collect();
            Value::Array(all)
        });
    match entities {
        Ok(v) => t.add_entities("ARM getEntities", &v),
        Err(e) => t.warnings.push(Warning {
            input: "ARM getEntities".into(),
            message: format!(
                "cannot read the management groups ({e}): an assignment at a management group is placed in each subscription whose list holds it"
            ),
        }),
    }

    // The subscriptions, `concurrency` at a time.
    let limit = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let mut tasks: Named<Result<Part, ApiError>> = Named::default();
    for sub in &subs {
        let (conn, sub2, opts2, limit) = (conn.clone(), sub.clone(), opts.clone(), limit.clone());
        tasks.spawn(format!("subscription {sub}"), async move {
            let _permit = limit.acquire_owned().await;
            subscription(conn, sub2, opts2).await
        });
    }
    let mut parts = Vec::new();
    while let Some((name, out)) = tasks.next().await {
        match out {
            Ok(Ok(p)) => {
                progress.done(&p.id);
                parts.push(p);
            }
            Ok(Err(e)) => {
                progress.done(&name);
                if let Some(sub) = name.strip_prefix("subscription ") {
                    t.drop_subscription(sub);
                }
                t.skipped.push(Skipped {
                    input: name,
                    reason: format!("its role assignments cannot be read ({e}); it was not audited: the credential needs Reader (Microsoft.Authorization/roleAssignments/read) on it"),
                });
            }
            Err(why) => {
                if let Some(sub) = name.strip_prefix("subscription ") {
                    t.drop_subscription(sub);
                }
                t.skipped.push(Skipped {
                    input: name,
                    reason: why,
                })
            }
        }
    }
    parts.sort_by(|a, b| a.id.cmp(&b.id));
    for p in parts {
        let name = format!("ARM roleAssignments of subscription {}", p.id);
        t.add_assignments_of(Some(&p.id), &name, &p.assignments);
        match &p.definitions {
            Ok(v) => t.add_definitions(&format!("ARM roleDefinitions of subscription {}", p.id), v),
            Err(e) => t.skipped.push(Skipped {
                input: format!("ARM roleDefinitions of subscription {}", p.id),
                reason: format!(
                    "cannot be read ({e}): custom roles are audited without their permissions"
                ),
            }),
        }
        match &p.denies {
            Ok(v) => t.add_denies(&format!("ARM denyAssignments of subscription {}", p.id), v),
            Err(e) => t.warnings.push(Warning {
                input: format!("ARM denyAssignments of subscription {}", p.id),
                message: format!(
                    "cannot be read ({e}): what a deny assignment takes away is counted as granted"
                ),
            }),
        }
        match &p.eligible {
            Ok(v) => t.add_eligible(
                Some(&p.id),
                &format!(
                    "ARM roleEligibilityScheduleInstances of subscription {}",
                    p.id
                ),
                v,
            ),
            Err(e) => t.warnings.push(Warning {
                input: format!(
                    "ARM roleEligibilityScheduleInstances of subscription {}",
                    p.id
                ),
                message: format!(
                    "cannot be read ({e}): PIM eligible assignments, if any, are not audited"
                ),
            }),
        }
        let log_name = format!("Activity Log of subscription {}", p.id);
        match p.log {
            Some(Ok(pages)) => {
                let n = pages.len();
                for page in pages {
                    t.add_events(import::read_events(&log_name, &page));
                }
                t.answered(&p.id, &log_name, opts.start, opts.end, n as u64);
            }
            Some(Err(e)) => t.skipped.push(Skipped {
                input: log_name,
                reason: format!("cannot be read ({e}): no use is seen in the subscription; the credential needs Microsoft.Insights/eventtypes/values/read"),
            }),
            None => {}
        }
    }

    // Principals from Graph: names, kinds, groups' members.
    if opts.graph {
        graph(conn, &mut t).await;
    }
    Ok(t.finish())
}

/// Names, kinds and group members of the assigned principals, from Graph;
/// where Graph refuses, a warning says names are missing.
async fn graph(conn: &Connection, t: &mut Tenant) {
    let ids = t.principal_ids();
    let mut objects = Vec::new();
    for chunk in ids.chunks(1000) {
        let body =
            serde_json::json!({ "ids": chunk, "types": ["user", "group", "servicePrincipal"] });
        match conn
            .send(
                Api::Graph,
                reqwest::Method::POST,
                "/v1.0/directoryObjects/getByIds",
                Some(&body),
            )
            .await
        {
            Ok(b) => {
                let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
                objects.extend(import::items(&v).into_iter().flatten().cloned());
            }
            Err(e) => {
                t.warnings.push(Warning {
                    input: "Microsoft Graph".into(),
                    message: format!(
                        "cannot read the principals ({e}): their names and kinds are missing, and groups' members are not known (the credential needs Directory.Read.All)"
                    ),
                });
                return;
            }
        }
    }
    for o in objects.iter_mut() {
        let is_group = o
            .get("@odata.type")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("group"));
        let Some(id) = o.get("id").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        if !is_group {
            continue;
        }
        match conn
            .list(
                Api::Graph,
                &format!("/v1.0/groups/{id}/transitiveMembers?$select=id"),
            )
            .await
        {
            Ok(members) => {
                o["transitiveMembers"] = members;
            }
            Err(e) => t.warnings.push(Warning {
                input: format!("Microsoft Graph group {id}"),
                message: format!("cannot read its members ({e}): its use is never seen"),
            }),
        }
    }
    t.add_principals("Microsoft Graph directoryObjects", &Value::Array(objects));
}

/// `permgap doctor azure`: each read a collection needs, tried once with
/// the credential: listing subscriptions; in each subscription asked (or
/// the first three listed) its role assignments, definitions, deny
/// assignments and Activity Log; the tenant's operations and management
/// groups; Graph's directory objects.
pub async fn doctor(conn: &Connection, asked: &[String]) -> Vec<crate::clouds::doctor::Check> {
    use crate::clouds::doctor::{Check, CheckStatus};
    let check = |what: &str, required: bool, r: Result<(), ApiError>| {
        let (status, detail) = match r {
            Ok(()) => (CheckStatus::Ok, "allowed".to_string()),
            Err(e) if matches!(e.status, Some(401 | 403)) => {
                (CheckStatus::Denied, format!("denied ({e})"))
            }
            Err(e) => (CheckStatus::Failed, format!("could not be checked: {e}")),
        };
        Check {
            what: what.to_string(),
            status,
            required,
            detail,
        }
    };
    let mut out = Vec::new();
    let listed = conn
        .list(Api::Arm, "/subscriptions?api-version=2022-12-01")
        .await;
    let mut subs: Vec<String> = asked.to_vec();
    if let Ok(v) = &listed
        && subs.is_empty()
    {
        subs.extend(
            import::items(v)
                .into_iter()
                .flatten()
                .filter(|s| {
                    s.get("state")
                        .and_then(Value::as_str)
                        .is_none_or(|x| x == "Enabled")
                })
                .filter_map(|s| s.get("subscriptionId").and_then(Value::as_str))
                .take(3)
                .map(str::to_string),
        );
    }
    out.push(check(
        "Microsoft.Resources/subscriptions/read",
        asked.is_empty(),
        listed.map(|_| ()),
    ));
    for sub in &subs {
        let at = format!("/subscriptions/{sub}/{AUTHZ}");
        for (what, path, required) in [
            (
                "roleAssignments/read",
                format!("{at}/roleAssignments?{AUTHZ_VERSION}"),
                true,
            ),
            (
                "roleDefinitions/read",
                format!("{at}/roleDefinitions?{AUTHZ_VERSION}"),
                true,
            ),
            (
                "denyAssignments/read",
                format!("{at}/denyAssignments?{AUTHZ_VERSION}"),
                false,
            ),
        ] {
            let r = conn.send(Api::Arm, reqwest::Method::GET, &path, None).await;
            out.push(check(
                &format!("Microsoft.Authorization/{what} on {sub}"),
                required,
                r.map(|_| ()),
            ));
        }
        let now = jiff::Timestamp::now();
        let day = now.checked_sub(jiff::Span::new().hours(24)).unwrap_or(now);
        let r = conn
            .send(
                Api::Arm,
                reqwest::Method::GET,
                &log_query(sub, day, now),
                None,
            )
            .await;
        out.push(check(
            &format!("Microsoft.Insights/eventtypes/values/read on {sub}"),
            true,
            r.map(|_| ()),
        ));
    }
    let r = conn
        .send(
            Api::Arm,
            reqwest::Method::GET,
            &format!("/{AUTHZ}/providerOperations?{AUTHZ_VERSION}&$expand=resourceTypes"),
            None,
        )
        .await;
    out.push(check(
        "Microsoft.Authorization/providerOperations/read",
        false,
        r.map(|_| ()),
    ));
    let r = conn
        .send(
            Api::Arm,
            reqwest::Method::POST,
            "/providers/Microsoft.Management/getEntities?api-version=2021-04-01",
            None,
        )
        .await;
    out.push(check(
        "Microsoft.Management/getEntities/action",
        false,
        r.map(|_| ()),
    ));
    let body =
        serde_json::json!({ "ids": ["00000000-0000-0000-0000-000000000000"], "types": ["user"] });
    let r = conn
        .send(
            Api::Graph,
            reqwest::Method::POST,
            "/v1.0/directoryObjects/getByIds",
            Some(&body),
        )
        .await;
    out.push(check("Graph Directory.Read.All", false, r.map(|_| ())));
    out
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn a_link_is_followed_only_on_the_endpoints_host_and_path() {
        let arm = "https://management.azure.com";
        assert!(same_origin(
            arm,
            "https://management.azure.com/subscriptions?x=1"
        ));
        assert!(same_origin(
            arm,
            "https://MANAGEMENT.azure.com:443/subscriptions"
        ));
        assert!(!same_origin(
            arm,
            "https://management.azure.com.evil.example/x"
        ));
        assert!(!same_origin(
            arm,
            "https://management.azure.com@evil.example/"
        ));
        assert!(!same_origin(arm, "https://user@management.azure.com/"));
        assert!(!same_origin(
            arm,
            "http://management.azure.com/subscriptions"
        ));
        assert!(!same_origin(
            arm,
            "https://management.azure.com:8443/subscriptions"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:9000/arm",
            "http://127.0.0.1:9000/other"
        ));
        assert!(same_origin(
            "http://127.0.0.1:9000/arm",
            "http://127.0.0.1:9000/arm/subscriptions"
        ));
    }
}
