//! CloudTrail log files to usage: which identity called which IAM action,
//! when, how often.
//!
//! Record shape: CloudTrail User Guide, "CloudTrail record contents" and
//! "CloudTrail userIdentity element". Files are `{"Records":[...]}`, plain or
//! gzipped, in the `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`
//! layout; digest and insight files beside them are not logs and are passed
//! over.
//!
//! Rules, each tested:
//! - the event's IAM action comes from [`EventMapper`] (event source to IAM
//!   prefix, API version suffixes, documented exceptions);
//! - an `AssumedRole` session counts for its role
//!   (`sessionContext.sessionIssuer.arn`), a federated user for its IAM user;
//! - an event with an access-denied `errorCode` is an attempt, not use (it
//!   still shows the identity is alive); other errors count as use, since
//!   the call passed authorization; a failed console sign-in is neither;
//! - events by AWS services (`userIdentity.type` `AWSService`) and by the
//!   root user are nobody's use; events by identities of accounts that were
//!   not imported are counted apart; events by an identity of an imported
//!   account that is missing from its authorization details are skipped and
//!   named (the result is partial).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;
use serde::Deserialize;

use super::arn_account;
use crate::catalog::Catalog;
use crate::clouds::InputFile;
use crate::model::{
    Activity, ActivityKind, EvidenceSource, Skipped, Snapshot, SourceCoverage, SourceKind,
    UsageRecord,
};

const EVENT_SOURCES_TSV: &str = include_str!("catalog/event_sources.tsv");
const EVENT_NAMES_TSV: &str = include_str!("catalog/event_names.tsv");
const NO_ACTION_TSV: &str = include_str!("catalog/no_action_events.tsv");

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// What an event is, in terms of IAM actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// The catalog indices of the actions it exercised (usually one).
    Actions(Vec<usize>),
    /// Which of a rule's actions apply is told by the request (a
    /// `BY REQUEST` row of `event_names.tsv`): see [`EventMapper::decide`].
    ByRequest(u32),
    /// Recorded, but authorized by no IAM action (`signin:ConsoleLogin`).
    NoAction,
    /// Not in the catalog: the catalog is older than the event, or the
    /// mapping lacks an exception.
    Unknown,
}

/// A `BY REQUEST` row of `event_names.tsv`: its actions, each with the
/// case of the request that needs it.
#[derive(Debug)]
struct RequestRule {
    prefix: String,
    event: String,
    all: Vec<usize>,
    cases: Vec<(String, usize)>,
}

/// Every string value under a key named `key`, at any depth.
fn strings_at<'v>(v: &'v serde_json::Value, key: &str, out: &mut Vec<&'v str>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if k == key => out.push(s),
                    _ => strings_at(x, key, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| strings_at(x, key, out)),
        _ => {}
    }
}

/// Every key and every string value, at any depth.
fn texts<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k);
                texts(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
        Value::String(s) => out.push(s),
        _ => {}
    }
}

/// S3 HeadObject's case without building the request's JSON tree: a
/// `versionId` given, or a `key` alone (see [`request_cases`]).
fn head_object_cases(raw: &serde_json::value::RawValue) -> Option<Vec<String>> {
    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(rename = "versionId", borrow)]
        version_id: Option<Cow<'a, str>>,
        key: Option<serde::de::IgnoredAny>,
    }
    let h: Head<'_> = serde_json::from_str(raw.get()).ok()?;
    match (h.version_id.is_some_and(|v| !v.is_empty()), h.key.is_some()) {
        (true, _) => Some(vec!["version".into()]),
        (false, true) => Some(vec!["current".into()]),
        _ => None,
    }
}

/// The lowercased `found`, if there is one and each is `allowed`.
fn cases_of(found: &[&str], allowed: &[&str]) -> Option<Vec<String>> {
    let cases: Vec<String> = found.iter().map(|f| f.to_ascii_lowercase()).collect();
    (!cases.is_empty() && cases.iter().all(|c| allowed.contains(&c.as_str()))).then_some(cases)
}

/// The cases a request shows for the `BY REQUEST` rows (the names after
/// `@` in `event_names.tsv`), or `None` when it does not tell. Sources:
/// DynamoDB Developer Guide, "Understanding DynamoDB log file entries"
/// (PartiQL statements with non-key values redacted; `requestItems[]
/// .operation` of TransactWriteItems); S3 API Reference (a `VersionId` per
/// object of DeleteObjects, `versionId` of HeadObject); API Gateway's v1
/// resources are `/restapis/...`, v2's `/apis/...` (botocore's request
/// URIs, and the ARNs of both APIs' resources).
fn request_cases(prefix: &str, event: &str, req: &serde_json::Value) -> Option<Vec<String>> {
    use serde_json::Value;
    match (prefix, event) {
        ("dynamodb", "ExecuteStatement" | "BatchExecuteStatement" | "ExecuteTransaction") => {
            let mut stmts = Vec::new();
            strings_at(req, "statement", &mut stmts);
            let verbs: Vec<&str> = stmts
                .iter()
                .map(|s| s.split_whitespace().next().unwrap_or(""))
                .collect();
            cases_of(&verbs, &["select", "insert", "update", "delete"])
        }
        ("dynamodb", "TransactWriteItems") => {
            let mut ops = Vec::new();
            strings_at(req, "operation", &mut ops);
            cases_of(&ops, &["put", "update", "delete", "conditioncheck"])
        }
        ("s3", "DeleteObjects") => {
            // The objects of the request's `Delete` body where the record
            // holds it. CloudTrail usually leaves it out (the version IDs
            // travel in the XML body), and then the record cannot tell.
            let body = req.get("delete").or_else(|| req.get("Delete"));
            let listed = body.and_then(|d| d.get("Object").or_else(|| d.get("Objects")));
            let objects: Vec<&Value> = match listed {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(o @ Value::Object(_)) => vec![o],
                _ => Vec::new(),
            };
            let cases: Vec<String> = objects
                .iter()
                .map(|o| {
                    let v = o.get("VersionId").or_else(|| o.get("versionId"));
                    let versioned = v.and_then(Value::as_str).is_some_and(|v| !v.is_empty());
                    if versioned { "version" } else { "current" }.to_string()
                })
                .collect();
            (!cases.is_empty()).then_some(cases)
        }
        ("s3", "HeadObject") => {
            let versioned = req
                .get("versionId")
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty());
            match (versioned, req.get("key").is_some()) {
                (true, _) => Some(vec!["version".into()]),
                (false, true) => Some(vec!["current".into()]),
                _ => None,
            }
        }
        ("apigateway", _) => {
            let mut t = Vec::new();
            texts(req, &mut t);
            // Only the resource named: API Gateway ARNs and the API id keys,
            // never the values a caller chose (tags, names).
            let arns = || {
                t.iter()
                    .filter(|s| s.starts_with("arn:aws") && s.contains(":apigateway:"))
            };
            let v1 = arns().any(|s| s.contains("::/restapis/"))
                || req.get("restApiId").is_some()
                || req.get("restapi_id").is_some();
            let v2 = arns().any(|s| s.contains("::/apis/")) || req.get("apiId").is_some();
            match (v1, v2) {
                (true, false) => Some(vec!["v1".into()]),
                (false, true) => Some(vec!["v2".into()]),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Maps `(eventSource, eventName)` to IAM actions.
pub struct EventMapper<'c> {
    cat: &'c Catalog,
    /// eventSource host -> IAM prefix, where the default rule fails.
    sources: HashMap<String, String>,
    /// (prefix, eventName) -> actions, where the name is not the action's.
    names: HashMap<(String, String), Mapped>,
    /// The `BY REQUEST` rows, which [`Mapped::ByRequest`] indexes.
    by_request: Vec<RequestRule>,
    /// (prefix or source host, eventName) recorded without an IAM action.
    no_action: BTreeSet<(String, String)>,
}

impl<'c> EventMapper<'c> {
    pub fn new(cat: &'c Catalog) -> Self {
        let sources = rows(EVENT_SOURCES_TSV)
            .filter(|r| r.len() >= 2)
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();
        let mut by_request = Vec::new();
        let names = rows(EVENT_NAMES_TSV)
            .filter(|r| r.len() >= 3)
            .map(|r| {
                // Actions are written `prefix:Action`; a bare name is of the row's prefix.
                // An action of a BY REQUEST row carries its case (`@version`); rows marked
                // ANY (the action depends on the request, which no record shows) credit
                // every listed action: one that may have been needed is never called unused.
                let mut all = Vec::new();
                let mut cases = Vec::new();
                for a in r[2].split(',').map(str::trim) {
                    let (a, case) = a.split_once('@').unwrap_or((a, ""));
                    let i = match a.contains(':') {
                        true => cat.lookup(a),
                        false => cat.lookup(&format!("{}:{a}", r[0])),
                    };
                    if let Some(i) = i {
                        all.push(i);
                        if !case.is_empty() {
                            cases.push((case.to_string(), i));
                        }
                    }
                }
                let mapped = if cases.is_empty() {
                    Mapped::Actions(all)
                } else {
                    by_request.push(RequestRule {
                        prefix: r[0].to_string(),
                        event: r[1].to_string(),
                        all,
                        cases,
                    });
                    Mapped::ByRequest(by_request.len() as u32 - 1)
                };
                ((r[0].to_string(), r[1].to_string()), mapped)
            })
            .collect();
        let no_action = rows(NO_ACTION_TSV)
            .filter(|r| r.len() >= 2)
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();
        EventMapper {
            cat,
            sources,
            names,
            by_request,
            no_action,
        }
    }

    /// The actions of a [`Mapped::ByRequest`] rule for a record whose
    /// `requestParameters` are `request`: those of the cases the request
    /// shows, or every one when it does not tell (no parameters, as in
    /// Athena's aggregate rows; no case found; a case the table lacks).
    pub fn decide(&self, rule: u32, request: Option<&serde_json::value::RawValue>) -> Vec<usize> {
        let Some(r) = self.by_request.get(rule as usize) else {
            return Vec::new();
        };
        let told = request
            .and_then(|raw| match (r.prefix.as_str(), r.event.as_str()) {
                // A high-volume data event: read the two fields alone.
                ("s3", "HeadObject") => head_object_cases(raw),
                _ => serde_json::from_str::<serde_json::Value>(raw.get())
                    .ok()
                    .and_then(|req| request_cases(&r.prefix, &r.event, &req)),
            })
            .and_then(|cases| {
                cases
                    .iter()
                    .map(|c| r.cases.iter().find(|(case, _)| case == c).map(|&(_, i)| i))
                    .collect::<Option<Vec<usize>>>()
            });
        let mut acts = told.unwrap_or_else(|| r.all.clone());
        acts.sort_unstable();
        acts.dedup();
        acts
    }

    /// The IAM prefix of an event source: the table's exception, else the
    /// host's first label when the catalog has such a service. For a host
    /// that several services log under, the first (see [`Self::prefixes`]).
    pub fn prefix<'s>(&'s self, event_source: &'s str) -> Option<&'s str> {
        self.prefixes(event_source).next()
    }

    /// Every IAM prefix an event source may stand for, in the order tried:
    /// one, but for a host two services share (`autoscaling.amazonaws.com`
    /// logs EC2 Auto Scaling and scaling plans).
    pub fn prefixes<'s>(&'s self, event_source: &'s str) -> impl Iterator<Item = &'s str> + 's {
        let listed = self.sources.get(event_source).map(|p| p.split(','));
        let default = listed
            .is_none()
            .then(|| {
                let host = event_source
                    .strip_suffix(".amazonaws.com")
                    .unwrap_or(event_source);
                self.cat.has_service(host).then_some(host)
            })
            .flatten();
        listed.into_iter().flatten().chain(default)
    }

    pub fn map(&self, event_source: &str, event_name: &str) -> Mapped {
        let host = event_source
            .strip_suffix(".amazonaws.com")
            .unwrap_or(event_source);
        let prefix = self.prefix(event_source);
        let key_prefix = prefix.unwrap_or(host);
        if self
            .no_action
            .contains(&(key_prefix.to_string(), event_name.to_string()))
            || self
                .no_action
                .contains(&(event_source.to_string(), event_name.to_string()))
        {
            return Mapped::NoAction;
        }
        if prefix.is_none() {
            return Mapped::Unknown;
        }
        let base = strip_version_suffix(event_name);
        for prefix in self.prefixes(event_source) {
            for name in [event_name, base] {
                if let Some(m) = self.names.get(&(prefix.to_string(), name.to_string())) {
                    return m.clone();
                }
            }
            for name in [event_name, base] {
                if let Some(i) = self.cat.lookup(&format!("{prefix}:{name}")) {
                    return Mapped::Actions(vec![i]);
                }
            }
        }
        Mapped::Unknown
    }
}

/// Strips an API-version suffix from an event name: `ListFunctions20150331`,
/// `GetFunction20150331v2`, `CreateInvalidation2014_01_31` (Lambda and
/// CloudFront log these). The pattern is
/// `^(.+?)(\d{8}(v\d+)?|\d{4}_\d{2}_\d{2})$`.
pub fn strip_version_suffix(name: &str) -> &str {
    let b = name.as_bytes();
    let digits_at = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    // dddd_dd_dd
    if b.len() > 10 {
        let t = &b[b.len() - 10..];
        if digits_at(&t[0..4])
            && t[4] == b'_'
            && digits_at(&t[5..7])
            && t[7] == b'_'
            && digits_at(&t[8..10])
        {
            return &name[..name.len() - 10];
        }
    }
    // dddddddd or ddddddddv\d+
    let mut end = b.len();
    let trailing = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    if trailing > 0 && trailing < end && b[end - trailing - 1] == b'v' {
        end -= trailing + 1;
    }
    if end > 8 && digits_at(&b[end - 8..end]) {
        return &name[..end - 8];
    }
    name
}

/// Error codes that mean the caller was not authorized: the call is an
/// attempt, not use: `AccessDenied`, `AccessDeniedException`,
/// `Client.UnauthorizedOperation`, `UnauthorizedOperation`,
/// `UnauthorizedException`, SNS's `AuthorizationError`, `Forbidden`...
pub fn is_access_denied(code: &str) -> bool {
    code.contains("AccessDenied")
        || code.contains("Unauthorized")
        || matches!(
            code,
            "AuthorizationError"
                | "AuthorizationErrorException"
                | "Forbidden"
                | "ForbiddenException"
        )
}

/// A log file parsed in one pass: the fast path.
#[derive(Deserialize)]
struct LogFile<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<Record<'a>>,
}

/// The same file with its records left raw: the fallback when one record
/// does not parse, so that it is counted and passed over without losing the
/// rest of its file.
#[derive(Deserialize)]
struct RawLogFile<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<&'a serde_json::value::RawValue>,
}

/// Files larger than this once decompressed are not CloudTrail logs
/// (CloudTrail delivers files of a few megabytes).
const MAX_DECOMPRESSED: u64 = 1 << 30;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    event_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow)]
    error_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_category: Option<Cow<'a, str>>,
    management_event: Option<bool>,
    #[serde(borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    recipient_account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    response_elements: Option<ResponseElements<'a>>,
    /// Read only for the events whose action the request decides.
    #[serde(borrow)]
    request_parameters: Option<&'a serde_json::value::RawValue>,
}

#[derive(Deserialize)]
struct ResponseElements<'a> {
    #[serde(rename = "ConsoleLogin", borrow)]
    console_login: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionContext<'a> {
    #[serde(borrow)]
    session_issuer: Option<SessionIssuer<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionIssuer<'a> {
    #[serde(borrow)]
    arn: Option<Cow<'a, str>>,
}

/// Who an event is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Identity(u32),
    AwsService,
    Root,
    /// An identity of an account that was not imported, or a principal known
    /// only by its account.
    OtherAccount,
    /// A SAML, web-identity or Identity Center user outside IAM.
    External,
    /// An identity of an imported account that its authorization details lack.
    Unknown(String),
}

/// Resolves CloudTrail principals to the snapshot's identities.
pub struct Resolver {
    by_arn: HashMap<String, u32>,
    /// (account, kind "user"/"role", name) -> identity.
    by_name: HashMap<(String, &'static str, String), u32>,
    accounts: BTreeSet<String>,
    ids: Vec<String>,
}

impl Resolver {
    pub fn new(snap: &Snapshot) -> Self {
        let mut r = Resolver {
            by_arn: HashMap::new(),
            by_name: HashMap::new(),
            accounts: snap.systems.iter().map(|s| s.id.clone()).collect(),
            ids: Vec::new(),
        };
        for id in snap.identities.iter().filter(|i| i.kind.acts()) {
            let n = r.ids.len() as u32;
            r.ids.push(id.id.clone());
            r.by_arn.insert(id.id.clone(), n);
            let kind = if id.id.contains(":role/") {
                "role"
            } else {
                "user"
            };
            r.by_name
                .insert((id.system.clone(), kind, id.name.clone()), n);
        }
        r
    }

    pub fn id(&self, n: u32) -> &str {
        &self.ids[n as usize]
    }

    fn lookup(&self, arn: &str, kind: &'static str, name: Option<&str>) -> Principal {
        // Sessions issued by the root user (GetFederationToken as root).
        if arn.ends_with(":root") {
            return Principal::Root;
        }
        if let Some(&n) = self.by_arn.get(arn) {
            return Principal::Identity(n);
        }
        let account = arn_account(arn).unwrap_or("");
        // ARNs in events may omit the path that the identity's ARN has.
        let name = name
            .map(str::to_string)
            .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or("").to_string());
        if let Some(&n) = self.by_name.get(&(account.to_string(), kind, name)) {
            return Principal::Identity(n);
        }
        if self.accounts.contains(account) {
            Principal::Unknown(arn.to_string())
        } else {
            Principal::OtherAccount
        }
    }

    fn resolve(&self, ui: &UserIdentity<'_>) -> Principal {
        let kind = ui.kind.as_deref().unwrap_or("");
        let arn = ui.arn.as_deref().unwrap_or("");
        let issuer = ui
            .session_context
            .as_ref()
            .and_then(|s| s.session_issuer.as_ref())
            .and_then(|i| i.arn.as_deref());
        match kind {
            "AWSService" => Principal::AwsService,
            "Root" => Principal::Root,
            "IAMUser" => self.lookup(arn, "user", ui.user_name.as_deref()),
            "AssumedRole" => match issuer {
                Some(role) => self.lookup(role, "role", None),
                // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
                None => {
                    let mut parts = arn.splitn(3, '/');
                    let (_, name) = (parts.next(), parts.next());
                    match (arn_account(arn), name) {
                        (Some(acct), Some(name)) => self.lookup(
                            &format!("arn:aws:iam::{acct}:role/{name}"),
                            "role",
                            Some(name),
                        ),
                        _ => Principal::External,
                    }
                }
            },
            "FederatedUser" => match issuer {
                Some(user) => self.lookup(user, "user", None),
                None => Principal::External,
            },
            "AWSAccount" => {
                if ui
                    .account_id
                    .as_deref()
                    .is_some_and(|a| self.accounts.contains(a))
                {
                    Principal::External
                } else {
                    Principal::OtherAccount
                }
            }
            _ => Principal::External,
        }
    }
}

#[derive(Clone, Copy)]
struct Agg {
    first: i64,
    last: i64,
    count: u64,
}

impl Agg {
    fn new(t: i64) -> Self {
        Agg {
            first: t,
            last: t,
            count: 1,
        }
    }
    fn merge(&mut self, o: &Agg) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.count += o.count;
    }
}

/// Per-account tallies of one input.
#[derive(Default)]
struct AccountStats {
    records: BTreeMap<&'static str, u64>,
    first: Option<i64>,
    last: Option<i64>,
    data_services: BTreeSet<String>,
    management: bool,
}

impl AccountStats {
    fn merge(&mut self, o: AccountStats) {
        for (k, v) in o.records {
            *self.records.entry(k).or_default() += v;
        }
        self.first = opt(self.first, o.first, i64::min);
        self.last = opt(self.last, o.last, i64::max);
        self.data_services.extend(o.data_services);
        self.management |= o.management;
    }
}

fn opt(a: Option<i64>, b: Option<i64>, f: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// What one worker aggregated.
#[derive(Default)]
struct Partial {
    usage: FxHashMap<(u32, u32), Agg>,
    activity: FxHashMap<(u32, ActivityKind), Agg>,
    accounts: FxHashMap<String, AccountStats>,
    /// Unknown principal ARN -> (events, first file by name).
    unknown_principals: HashMap<String, (u64, String)>,
    /// (eventSource, eventName) -> events, for events with no catalog action.
    unknown_events: HashMap<(String, String), u64>,
    skipped: Vec<Skipped>,
    files_read: u64,
    /// Files the path placed outside the accounts or range asked for.
    passed_over: u64,
    /// This thread's mappings so far, keyed `eventSource\teventName`: an
    /// event is mapped once per thread, not once per record.
    mapped: FxHashMap<String, Mapped>,
    key: String,
}

impl Partial {
    fn merge(&mut self, o: Partial) {
        for (k, v) in o.usage {
            self.usage.entry(k).and_modify(|a| a.merge(&v)).or_insert(v);
        }
        for (k, v) in o.activity {
            self.activity
                .entry(k)
                .and_modify(|a| a.merge(&v))
                .or_insert(v);
        }
        for (k, v) in o.accounts {
            self.accounts.entry(k).or_default().merge(v);
        }
        for (k, (n, f)) in o.unknown_principals {
            let e = self.unknown_principals.entry(k).or_insert((0, f.clone()));
            e.0 += n;
            if f < e.1 {
                e.1 = f;
            }
        }
        for (k, v) in o.unknown_events {
            *self.unknown_events.entry(k).or_default() += v;
        }
        self.skipped.extend(o.skipped);
        self.files_read += o.files_read;
        self.passed_over += o.passed_over;
    }
}

/// The account a file belongs to, from its `AWSLogs/<account>/` path.
fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit())
}

/// The account of a file in the `AWSLogs/[o-ORG/]ACCOUNT/...` layout.
fn path_account(name: &str) -> Option<String> {
    let mut it = name
        .split(['/', '\\'])
        .skip_while(|s| *s != "AWSLogs")
        .skip(1);
    let first = it.next()?;
    let account = if first.starts_with("o-") {
        it.next()?
    } else {
        first
    };
    is_account_id(account).then(|| account.to_string())
}

/// When a file was delivered, as its path tells, in seconds: from its name
/// (`ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`, to the
/// minute), else from its `YYYY/MM/DD` folders (the whole day). CloudTrail
/// User Guide, "CloudTrail log file examples" (file name format) and
/// "Finding your CloudTrail log files".
fn path_delivered(name: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = name.split(['/', '\\']).collect();
    let file = parts.last()?;
    let stamp = file.split('_').nth(3).filter(|t| t.len() == 14);
    if let Some(t) = stamp.and_then(|t| jiff::civil::DateTime::strptime("%Y%m%dT%H%MZ", t).ok())
        && let Ok(z) = t.to_zoned(jiff::tz::TimeZone::UTC)
    {
        let at = z.timestamp().as_second();
        return Some((at, at + 59));
    }
    let c = parts.iter().position(|p| *p == "CloudTrail")?;
    let day = parts.get(c + 2..c + 5)?.join("-");
    let d = day.parse::<jiff::civil::Date>().ok()?;
    let start = d
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp()
        .as_second();
    Some((start, start + 86_399))
}

/// How long after an event CloudTrail may deliver its file and the file
/// still be read for a range that ended before it. CloudTrail delivers
/// within about 5 minutes (User Guide, "How CloudTrail works"); a day is
/// the margin.
const LATE_DELIVERY: i64 = 86_400;

/// Which log files to open: the accounts and the time range asked for. A
/// file whose path places it outside either is passed over unopened and
/// counted in coverage (`files_passed_over`); a file whose path says
/// nothing (not in the AWSLogs layout) is read.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    pub accounts: Option<BTreeSet<String>>,
    pub range: Option<(Timestamp, Timestamp)>,
}

impl FileFilter {
    /// Whether the file must be read.
    pub fn keeps(&self, name: &str) -> bool {
        if let (Some(accounts), Some(a)) = (&self.accounts, path_account(name))
            && !accounts.contains(&a)
        {
            return false;
        }
        if let (Some((start, end)), Some((first, last))) = (self.range, path_delivered(name)) {
            // A file holds events up to its delivery: one delivered before
            // the range holds none of it.
            if last < start.as_second() || first > end.as_second() + LATE_DELIVERY {
                return false;
            }
        }
        true
    }
}

thread_local! {
    /// Each reader thread's libdeflate state.
    static INFLATER: std::cell::RefCell<libdeflater::Decompressor> =
        std::cell::RefCell::new(libdeflater::Decompressor::new());
}

/// Decompresses a gzip file, at most [`MAX_DECOMPRESSED`] bytes. A trail's
/// file is one gzip member whose trailer gives its size: libdeflate
/// decompresses it in one call, about twice as fast as a streaming inflater.
/// (crc32 costs about 2% of that, at over 10 GB/s.) Anything else (several members, a trailer that does not match, a corrupt
/// or truncated file) goes through flate2, which also names the problem.
fn gunzip(raw: &[u8]) -> Result<Vec<u8>, String> {
    if raw.len() >= 18 {
        let mut size = [0u8; 4];
        size.copy_from_slice(&raw[raw.len() - 4..]);
        let size = u32::from_le_bytes(size) as usize;
        if size as u64 <= MAX_DECOMPRESSED {
            let mut out = vec![0u8; size];
            let done = INFLATER.with(|d| d.borrow_mut().gzip_decompress(raw, &mut out));
            // libdeflate reads the first member only, and checks it against
            // its own trailer. It is the whole file only if the file's
            // trailer is that member's: same size (above) and same CRC. (A
            // file of byte-identical members would pass, and its repeated
            // records are counted once.)
            if done == Ok(size)
                && raw[raw.len() - 8..raw.len() - 4] == libdeflater::crc32(&out).to_le_bytes()
            {
                return Ok(out);
            }
        }
    }
    let mut out = Vec::with_capacity((raw.len() * 8).min(64 << 20));
    let mut gz = flate2::read::MultiGzDecoder::new(raw).take(MAX_DECOMPRESSED + 1);
    if let Err(e) = gz.read_to_end(&mut out) {
        return Err(format!(
            "corrupt or truncated gzip ({e}); the file was not counted"
        ));
    }
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err("larger than 1 GiB decompressed: not a CloudTrail log file".into());
    }
    Ok(out)
}

/// An event time in seconds. CloudTrail writes `YYYY-MM-DDTHH:MM:SSZ`: read
/// by hand (it is on every record); any other form goes through jiff.
fn event_second(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    if b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
    {
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (hh, mm, ss) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let month_days = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if (1..=12).contains(&m) && (1..=month_days).contains(&d) && hh < 24 && mm < 60 && ss < 60 {
            // Days from the civil date (H. Hinnant's algorithm).
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (m + 9) % 12;
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            return Some(days * 86_400 + hh * 3600 + mm * 60 + ss);
        }
    }
    // Other RFC 3339 forms, and times without a zone.
    crate::clouds::log_time(text).map(|t| t.as_second())
}

/// Decompresses (when gzipped) and parses one file into `part`.
fn read_file(file: &InputFile, mapper: &EventMapper<'_>, resolver: &Resolver, part: &mut Partial) {
    let name = file.display();
    let skip = |part: &mut Partial, reason: String| {
        part.skipped.push(Skipped {
            input: name.clone(),
            reason,
        });
    };
    let raw = match file.read() {
        Ok(b) => b,
        Err(e) => return skip(part, format!("cannot read: {e}")),
    };
    let text: Cow<'_, [u8]> = if raw.starts_with(&[0x1f, 0x8b]) {
        match gunzip(&raw) {
            Ok(out) => Cow::Owned(out),
            Err(why) => return skip(part, why),
        }
    } else {
        Cow::Borrowed(&raw[..])
    };
    // UTF-8 checked once for the file, not string by string; a file with
    // invalid bytes is read with them replaced (U+FFFD) rather than lost.
    let lossy;
    let t: &str = match std::str::from_utf8(&text) {
        Ok(t) => t,
        Err(_) => {
            lossy = String::from_utf8_lossy(&text).into_owned();
            &lossy
        }
    };
    let parsed = serde_json::from_str::<LogFile<'_>>(t);
    let (records, malformed) = match parsed {
        Ok(log) => (log.records, 0),
        Err(_) => match serde_json::from_str::<RawLogFile<'_>>(t) {
            Ok(raw) => {
                let mut records = Vec::with_capacity(raw.records.len());
                let mut bad = 0;
                for r in raw.records {
                    match serde_json::from_str::<Record<'_>>(r.get()) {
                        Ok(rec) => records.push(rec),
                        Err(_) => bad += 1,
                    }
                }
                (records, bad)
            }
            Err(e) => {
                return skip(
                    part,
                    format!("not a CloudTrail log file ({e}): expected {{\"Records\":[...]}}"),
                );
            }
        },
    };
    part.files_read += 1;
    let file_account = path_account(&name);
    if malformed > 0 {
        let account = file_account.clone().unwrap_or_default();
        *part
            .accounts
            .entry(account)
            .or_default()
            .records
            .entry("malformed")
            .or_default() += malformed;
    }
    for rec in &records {
        tally_record(
            part,
            mapper,
            resolver,
            &name,
            file_account.as_deref(),
            rec,
            None,
        );
    }
}

/// Counts one record into `part`: its account's tallies, and the usage and
/// activity of its identity. `span` is what the record stands for when it is
/// an aggregate (first, last, count: Athena's rows); none for one event, at
/// its own time.
fn tally_record(
    part: &mut Partial,
    mapper: &EventMapper<'_>,
    resolver: &Resolver,
    name: &str,
    file_account: Option<&str>,
    rec: &Record<'_>,
    span: Option<Agg>,
) {
    let n = span.map_or(1, |s| s.count);
    let account = rec
        .recipient_account_id
        .as_deref()
        .or(file_account)
        .unwrap_or_default();
    // Looked up by reference: a String only for an account not seen yet.
    if !part.accounts.contains_key(account) {
        part.accounts
            .insert(account.to_string(), AccountStats::default());
    }
    let Some(stats) = part.accounts.get_mut(account) else {
        return;
    };
    let mut tally = |k: &'static str| *stats.records.entry(k).or_default() += n;
    let (Some(time), Some(source), Some(event)) =
        (&rec.event_time, &rec.event_source, &rec.event_name)
    else {
        tally("malformed");
        return;
    };
    let span = match span {
        Some(s) => s,
        None => match event_second(time) {
            Some(t) => Agg::new(t),
            None => {
                tally("malformed");
                return;
            }
        },
    };
    stats.first = opt(stats.first, Some(span.first), i64::min);
    stats.last = opt(stats.last, Some(span.last), i64::max);
    // Network activity events (VPC endpoint traffic) repeat calls that are
    // logged on their own; they are neither use nor data-event coverage.
    let category = rec.event_category.as_deref();
    if category == Some("NetworkActivity") {
        tally("network-activity");
        return;
    }
    let data =
        category == Some("Data") || (category.is_none() && rec.management_event == Some(false));
    if data {
        if let Some(p) = mapper.prefix(source) {
            stats.data_services.insert(p.to_string());
        }
    } else {
        stats.management = true;
    }
    let principal = match &rec.user_identity {
        Some(ui) => resolver.resolve(ui),
        None => Principal::External,
    };
    let who = match principal {
        Principal::Identity(n) => n,
        Principal::AwsService => {
            tally("aws-service");
            return;
        }
        Principal::Root => {
            tally("root");
            return;
        }
        Principal::OtherAccount => {
            tally("other-account");
            return;
        }
        Principal::External => {
            tally("external-principal");
            return;
        }
        Principal::Unknown(arn) => {
            tally("unknown-principal");
            let e = part
                .unknown_principals
                .entry(arn)
                .or_insert((0, name.to_string()));
            e.0 += n;
            return;
        }
    };
    let signin = rec.event_type.as_deref() == Some("AwsConsoleSignIn");
    let failed_signin = signin
        && rec
            .response_elements
            .as_ref()
            .and_then(|r| r.console_login.as_deref())
            .is_some_and(|s| s != "Success");
    // A failed sign-in is somebody knocking, not the identity being used:
    // it would otherwise make a dormant user look alive.
    if failed_signin {
        tally("failed-sign-in");
        return;
    }
    let denied = rec.error_code.as_deref().is_some_and(is_access_denied);
    let kind = if denied {
        ActivityKind::DeniedAttempt
    } else if signin {
        ActivityKind::ConsoleSignIn
    } else {
        ActivityKind::ApiCall
    };
    part.activity
        .entry((who, kind))
        .and_modify(|a| a.merge(&span))
        .or_insert(span);
    if denied {
        tally("denied");
        return;
    }
    part.key.clear();
    part.key.push_str(source);
    part.key.push('\t');
    part.key.push_str(event);
    if !part.mapped.contains_key(part.key.as_str()) {
        part.mapped
            .insert(part.key.clone(), mapper.map(source, event));
    }
    let decided;
    let acts: &[usize] = match part
        .mapped
        .get(part.key.as_str())
        .unwrap_or(&Mapped::Unknown)
    {
        Mapped::Actions(acts) => acts,
        &Mapped::ByRequest(rule) => {
            decided = mapper.decide(rule, rec.request_parameters);
            &decided
        }
        other => {
            match other {
                Mapped::NoAction => tally("no-iam-action"),
                // A console sign-in record is not an API call (CloudTrail User
                // Guide: Non-API events captured by CloudTrail): one the tables
                // do not name is still no IAM action, not one missing from the
                // catalog.
                Mapped::Unknown if signin => tally("no-iam-action"),
                _ => {
                    tally("unknown-action");
                    *part
                        .unknown_events
                        .entry((source.to_string(), event.to_string()))
                        .or_default() += n;
                }
            }
            return;
        }
    };
    tally("used");
    for &a in acts {
        part.usage
            .entry((who, a as u32))
            .and_modify(|x| x.merge(&span))
            .or_insert(span);
    }
}

/// Aggregated rows of CloudTrail events (an Athena query's, columns as
/// [`super::athena::COLUMNS`]) into `snap`, through the same mapping and
/// identity resolution as log files: each row stands for `events` events
/// between `first_seen` and `last_seen`. Returns how many rows could not be
/// read (no time or count); they are also tallied as malformed.
pub fn import_rows(
    snap: &mut Snapshot,
    cat: &Catalog,
    label: &str,
    rows: &[Vec<Option<String>>],
    answered: Option<Answered>,
) -> u64 {
    let mapper = EventMapper::new(cat);
    let resolver = Resolver::new(snap);
    let mut part = Partial::default();
    let mut bad = 0;
    for row in rows {
        let col = |i: usize| {
            row.get(i)
                .and_then(|v| v.as_deref())
                .filter(|v| !v.is_empty())
                .map(Cow::Borrowed)
        };
        let count = col(14).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        let span = match (
            col(12).and_then(|t| event_second(&t)),
            col(13).and_then(|t| event_second(&t)),
        ) {
            (Some(first), Some(last)) if count > 0 => Agg { first, last, count },
            _ => {
                bad += 1;
                let account = col(5).map(|a| a.into_owned()).unwrap_or_default();
                *part
                    .accounts
                    .entry(account)
                    .or_default()
                    .records
                    .entry("malformed")
                    .or_default() += 1;
                continue;
            }
        };
        let rec = Record {
            event_time: col(12),
            event_source: col(6),
            event_name: col(7),
            user_identity: Some(UserIdentity {
                kind: col(0),
                arn: col(1),
                account_id: col(2),
                user_name: col(3),
                session_context: col(4).map(|arn| SessionContext {
                    session_issuer: Some(SessionIssuer { arn: Some(arn) }),
                }),
            }),
            error_code: col(10),
            event_category: col(9),
            management_event: None,
            event_type: col(8),
            recipient_account_id: col(5),
            response_elements: col(11).map(|c| ResponseElements {
                console_login: Some(c),
            }),
            request_parameters: None,
        };
        tally_record(&mut part, &mapper, &resolver, label, None, &rec, Some(span));
    }
    let input = CloudTrailInput {
        label: label.to_string(),
        files: Vec::new(),
        kind: SourceKind::AwsCloudtrailAthena,
        answered,
    };
    fold_into(snap, cat, &resolver, &input, part);
    snap.normalize();
    bad
}

/// Lists the log files under `path` (a file, or a directory walked in path
/// order), passing over digest and insight files. Unreadable directory
/// entries are returned as skipped.
pub fn list_files(path: &Path) -> (Vec<InputFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    if path.is_file() {
        files.push(InputFile::Path(path.to_path_buf()));
        return (files, skipped);
    }
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let p = e.path();
                let s = p.to_string_lossy();
                if s.contains("CloudTrail-Digest") || s.contains("CloudTrail-Insight") {
                    continue;
                }
                if s.ends_with(".json") || s.ends_with(".json.gz") {
                    files.push(InputFile::Path(p.to_path_buf()));
                }
            }
            Ok(_) => {}
            Err(e) => skipped.push(Skipped {
                input: e
                    .path()
                    .map_or_else(|| path.display().to_string(), |p| p.display().to_string()),
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    (files, skipped)
}

/// One `--cloudtrail` argument: its label and its files.
pub struct CloudTrailInput {
    pub label: String,
    pub files: Vec<InputFile>,
    /// Files on disk or in S3, or pages of the LookupEvents API.
    pub kind: SourceKind,
    /// Set when the input is an API's or a query's answer for known
    /// accounts and a range (LookupEvents, Athena): each of those accounts
    /// is covered over the range, even by an answer without any event.
    pub answered: Option<Answered>,
}

/// What an answer is for: the accounts asked about and the range asked.
#[derive(Debug, Clone)]
pub struct Answered {
    pub accounts: Vec<String>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Whether the source holding an account is assumed rather than known
    /// (an Athena table is assumed to hold every account asked about, where
    /// LookupEvents answers for its own account). Then only an account
    /// without any event is given the range, and a warning names it.
    pub assumed: bool,
}

/// Reads CloudTrail inputs on all cores into `snap`'s usage, activity and
/// coverage. `on_file` is called after each file (progress).
pub fn import_cloudtrail(
    snap: &mut Snapshot,
    cat: &Catalog,
    inputs: &[CloudTrailInput],
    filter: &FileFilter,
    threads: usize,
    on_file: &(dyn Fn() + Sync),
) {
    let mapper = EventMapper::new(cat);
    let resolver = Resolver::new(snap);
    for input in inputs {
        let files: Vec<&InputFile> = input
            .files
            .iter()
            .filter(|f| filter.keeps(&f.display()))
            .collect();
        for _ in files.len()..input.files.len() {
            on_file();
        }
        let next = AtomicUsize::new(0);
        let total = Mutex::new(Partial {
            passed_over: (input.files.len() - files.len()) as u64,
            ..Partial::default()
        });
        std::thread::scope(|s| {
            for _ in 0..threads.max(1) {
                s.spawn(|| {
                    let mut part = Partial::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(f) = files.get(i) else { break };
                        read_file(f, &mapper, &resolver, &mut part);
                        on_file();
                    }
                    if let Ok(mut t) = total.lock() {
                        t.merge(part);
                    }
                });
            }
        });
        let part = total.into_inner().unwrap_or_else(|e| e.into_inner());
        fold_into(snap, cat, &resolver, input, part);
    }
    snap.normalize();
}

fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn fold_into(
    snap: &mut Snapshot,
    cat: &Catalog,
    resolver: &Resolver,
    input: &CloudTrailInput,
    mut part: Partial,
) {
    let mut silent = BTreeSet::new();
    if let Some(ans) = &input.answered {
        for account in &ans.accounts {
            if !part.accounts.contains_key(account) {
                silent.insert(account.clone());
                part.accounts
                    .insert(account.clone(), AccountStats::default());
                if ans.assumed {
                    snap.coverage.warnings.push(crate::model::Warning {
                        input: input.label.clone(),
                        message: format!(
                            "no event of account {account} from {} to {}: counted as covered, nothing used \
                             (if this table does not hold the account's logs, leave the account out)",
                            ans.from, ans.to
                        ),
                    });
                }
            }
        }
    }
    for ((who, action), a) in part.usage {
        snap.usage.push(UsageRecord {
            identity: resolver.id(who).to_string(),
            permission: cat.qualified(action as usize),
            source: EvidenceSource::AwsCloudtrail,
            first_seen: ts(a.first),
            last_seen: ts(a.last),
            count: a.count,
        });
    }
    for ((who, kind), a) in part.activity {
        snap.activity.push(Activity {
            identity: resolver.id(who).to_string(),
            kind,
            source: EvidenceSource::AwsCloudtrail,
            first_seen: Some(ts(a.first)),
            last_seen: ts(a.last),
            count: a.count,
        });
    }
    if part.files_read == 0 && part.passed_over > 0 {
        snap.coverage.warnings.push(crate::model::Warning {
            input: input.label.clone(),
            message: format!(
                "all {} log file(s) here were passed over: their paths name other accounts (import their \
                 authorization details) or days outside the range asked",
                part.passed_over
            ),
        });
    }
    let files_skipped = part.skipped.len() as u64;
    snap.coverage.skipped.extend(part.skipped);
    for (arn, (n, file)) in part.unknown_principals {
        snap.coverage.skipped.push(Skipped {
            input: format!("{file}: events of {arn}"),
            reason: format!(
                "{n} event(s) by an identity that is not in the authorization details (deleted since, or \
                 missing from the export); they are not counted: import the matching authorization details"
            ),
        });
    }
    let mut unknown: Vec<_> = part.unknown_events.into_iter().collect();
    unknown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for ((src, name), n) in unknown {
        snap.coverage.warnings.push(crate::model::Warning {
            input: input.label.clone(),
            message: format!(
                "{n} event(s) {src} {name} map to no action of the catalog; not counted as use"
            ),
        });
    }
    if part.accounts.is_empty() {
        let mut cov = SourceCoverage::new(input.kind, &input.label);
        cov.files_read = part.files_read;
        cov.files_skipped = files_skipped;
        cov.files_passed_over = part.passed_over;
        snap.coverage.sources.push(cov);
    }
    let mut accounts: Vec<_> = part.accounts.into_iter().collect();
    accounts.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (account, st)) in accounts.into_iter().enumerate() {
        let mut cov = SourceCoverage::new(input.kind, &input.label);
        cov.system = (!account.is_empty()).then_some(account);
        // File counts belong to the input; they are given once, on its first account.
        if i == 0 {
            cov.files_read = part.files_read;
            cov.files_skipped = files_skipped;
            cov.files_passed_over = part.passed_over;
        }
        cov.records_read = st.records.values().sum();
        cov.records = st
            .records
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        cov.first_event = st.first.map(ts);
        cov.last_event = st.last.map(ts);
        cov.data_event_services = st.data_services.into_iter().collect();
        cov.management_events = st.management;
        if let Some(ans) = &input.answered
            && (!ans.assumed || cov.system.as_ref().is_some_and(|a| silent.contains(a)))
        {
            cov.answered_from = Some(ans.from);
            cov.answered_to = Some(ans.to);
        }
        snap.coverage.sources.push(cov);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Cloud;
    use crate::clouds::aws::catalog::catalog;
    use crate::model::{Identity, IdentityKind, System};

    fn acts(m: Mapped) -> Vec<String> {
        match m {
            Mapped::Actions(v) => {
                let mut n: Vec<String> = v.into_iter().map(|i| catalog().qualified(i)).collect();
                n.sort();
                n
            }
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn event_times_in_every_form_tools_write() {
        let t = event_second("2025-02-19T20:13:49Z");
        assert!(t.is_some());
        for other in [
            "2025-02-19 20:13:49",
            "2025-02-19 20:13:49.000000000",
            "2025-02-19T20:13:49.000Z",
            "2025-02-19T21:13:49+01:00",
        ] {
            assert_eq!(event_second(other), t, "{other}");
        }
        for bad in ["", "yesterday", "2025-02-30 10:00:00", "2025-02-19"] {
            assert_eq!(event_second(bad), None, "{bad}");
        }
    }

    #[test]
    fn version_suffixes_are_stripped() {
        assert_eq!(
            strip_version_suffix("ListFunctions20150331"),
            "ListFunctions"
        );
        assert_eq!(strip_version_suffix("GetFunction20150331v2"), "GetFunction");
        assert_eq!(
            strip_version_suffix("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(
            strip_version_suffix("CreateInvalidation2014_01_31"),
            "CreateInvalidation"
        );
        assert_eq!(strip_version_suffix("ListObjectsV2"), "ListObjectsV2");
        assert_eq!(strip_version_suffix("GetObject"), "GetObject");
        assert_eq!(strip_version_suffix("20150331"), "20150331");
    }

    #[test]
    fn the_default_rule_and_its_exceptions() {
        let m = EventMapper::new(catalog());
        let cases: &[(&str, &str, &[&str])] = &[
            ("iam.amazonaws.com", "ListUsers", &["iam:ListUsers"]),
            // monitoring.amazonaws.com is CloudWatch, whose prefix is cloudwatch.
            (
                "monitoring.amazonaws.com",
                "PutMetricData",
                &["cloudwatch:PutMetricData"],
            ),
            (
                "lambda.amazonaws.com",
                "ListFunctions20150331",
                &["lambda:ListFunctions"],
            ),
            (
                "lambda.amazonaws.com",
                "GetFunction20150331v2",
                &["lambda:GetFunction"],
            ),
            // The name is not the action's.
            ("s3.amazonaws.com", "ListBuckets", &["s3:ListAllMyBuckets"]),
            // HeadObject needs GetObject, or GetObjectVersion with a version ID: an ANY
            // row credits both, so neither is called unused on doubtful evidence.
            (
                "s3.amazonaws.com",
                "HeadObject",
                &["s3:GetObject", "s3:GetObjectVersion"],
            ),
            (
                "kms.amazonaws.com",
                "ReEncrypt",
                &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
            ),
            ("lambda.amazonaws.com", "Invoke", &["lambda:InvokeFunction"]),
            // Hosts botocore does not name (issue 18, defect 3).
            (
                "chime-sdk-media-pipelines.amazonaws.com",
                "CreateMediaCapturePipeline",
                &["chime:CreateMediaCapturePipeline"],
            ),
            (
                "edgekeyvaluestore.amazonaws.com",
                "UpdateKeys",
                &["cloudfront-keyvaluestore:UpdateKeys"],
            ),
            // A host two services share: each event credits its own.
            (
                "autoscaling.amazonaws.com",
                "CreateScalingPlan",
                &["autoscaling-plans:CreateScalingPlan"],
            ),
            (
                "ds.amazonaws.com",
                "DescribeUser",
                &["ds-data:DescribeUser"],
            ),
            (
                "autoscaling.amazonaws.com",
                "CreateAutoScalingGroup",
                &["autoscaling:CreateAutoScalingGroup"],
            ),
        ];
        for (source, name, expected) in cases {
            // A rule the request decides credits every candidate without one.
            let got = match m.map(source, name) {
                Mapped::ByRequest(r) => Mapped::Actions(m.decide(r, None)),
                other => other,
            };
            assert_eq!(acts(got), *expected, "{source} {name}");
        }
        // Recorded, but no IAM action authorizes it.
        for name in ["ConsoleLogin", "GetSigninToken"] {
            assert_eq!(
                m.map("signin.amazonaws.com", name),
                Mapped::NoAction,
                "{name}"
            );
        }
        // Unknown to the catalog.
        assert_eq!(m.map("s3.amazonaws.com", "NoSuchCall"), Mapped::Unknown);
        assert_eq!(
            m.map("nosuchservice.amazonaws.com", "Anything"),
            Mapped::Unknown
        );
    }

    #[test]
    fn every_mapping_row_names_catalog_actions() {
        let cat = catalog();
        let m = EventMapper::new(cat);
        for ((prefix, name), mapped) in &m.names {
            let n = match mapped {
                Mapped::Actions(a) => a.len(),
                &Mapped::ByRequest(r) => {
                    let rule = &m.by_request[r as usize];
                    assert_eq!(
                        rule.cases.len(),
                        rule.all.len(),
                        "{prefix} {name}: a case each"
                    );
                    rule.all.len()
                }
                other => panic!("{prefix} {name}: {other:?}"),
            };
            assert!(n > 0, "{prefix} {name}: no catalog action");
        }
        for (src, prefixes) in &m.sources {
            for prefix in prefixes.split(',') {
                assert!(cat.has_service(prefix), "{src} -> {prefix}: unknown prefix");
            }
        }
        // Rows of event_names.tsv name only catalog actions.
        for r in rows(EVENT_NAMES_TSV).filter(|r| r.len() >= 3) {
            for a in r[2].split(',') {
                let a = a.split_once('@').map_or(a, |(a, _)| a);
                let q = format!("{}:{}", r[0], a.trim());
                assert!(
                    cat.lookup(&q).is_some() || cat.lookup(a.trim()).is_some(),
                    "{q}"
                );
            }
        }
    }

    /// The request decides the action where the record shows it; every
    /// candidate is credited only where it does not (issue 18, defect 4).
    #[test]
    fn the_request_decides_the_action_when_the_record_shows_it() {
        use serde_json::json;
        let cat = catalog();
        let m = EventMapper::new(cat);
        let decide = |src: &str, name: &str, req: Option<serde_json::Value>| -> Vec<String> {
            let Mapped::ByRequest(rule) = m.map(src, name) else {
                panic!(
                    "{src} {name} is decided by the request: {:?}",
                    m.map(src, name)
                );
            };
            let raw =
                req.map(|r| serde_json::value::RawValue::from_string(r.to_string()).expect("raw"));
            let mut v: Vec<String> = m
                .decide(rule, raw.as_deref())
                .into_iter()
                .map(|i| cat.qualified(i))
                .collect();
            v.sort();
            v
        };
        let ddb = "dynamodb.amazonaws.com";
        // The DynamoDB Developer Guide's records, statements redacted as logged.
        assert_eq!(
            decide(
                ddb,
                "ExecuteStatement",
                Some(
                    json!({"statement": "SELECT * FROM Music WHERE Artist = 'No One You Know' AND nonKeyAttr = ***(Redacted)"})
                )
            ),
            ["dynamodb:PartiQLSelect"]
        );
        assert_eq!(
            decide(
                ddb,
                "BatchExecuteStatement",
                Some(json!({"requestItems": [
                {"statement": "UPDATE Music SET Album = ***(Redacted) WHERE Artist = 'A'"},
                {"statement": "INSERT INTO Music VALUE {'Artist' : ***(Redacted)}"}]}))
            ),
            ["dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"]
        );
        assert_eq!(
            decide(
                ddb,
                "ExecuteTransaction",
                Some(json!({"transactStatements": [
                {"statement": "delete from Music where Artist = 'A'"}]}))
            ),
            ["dynamodb:PartiQLDelete"]
        );
        assert_eq!(
            decide(
                ddb,
                "TransactWriteItems",
                Some(json!({"requestItems": [
                {"operation": "Put", "tableName": "Music"}, {"operation": "Update", "tableName": "Music"}]}))
            ),
            ["dynamodb:PutItem", "dynamodb:UpdateItem"]
        );
        // API Gateway: v1 resources need PUT, v2 ones POST.
        let apigw = "apigateway.amazonaws.com";
        assert_eq!(
            decide(
                apigw,
                "TagResource",
                Some(
                    json!({"resource_arn": "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", "tags": {"team": "x"}})
                )
            ),
            ["apigateway:PUT"]
        );
        assert_eq!(
            decide(
                apigw,
                "TagResource",
                Some(
                    json!({"resource-arn": "arn:aws:apigateway:us-east-1::/apis/a1b2c3", "tags": {"team": "x"}})
                )
            ),
            ["apigateway:POST"]
        );
        // S3: versions only when the request names them.
        let s3 = "s3.amazonaws.com";
        assert_eq!(
            decide(
                s3,
                "DeleteObjects",
                Some(
                    json!({"bucketName": "b", "delete": {"Object": [{"Key": "a"}, {"Key": "b"}]}})
                )
            ),
            ["s3:DeleteObject"]
        );
        assert_eq!(
            decide(
                s3,
                "DeleteObjects",
                Some(
                    json!({"bucketName": "b", "delete": {"Object": [{"Key": "a", "VersionId": "3HL4kqtJlcpXroDTDmJ"}]}})
                )
            ),
            ["s3:DeleteObjectVersion"]
        );
        // A key without the Delete body: the body (and any version IDs in
        // it) is not in the record, so both.
        assert_eq!(
            decide(
                s3,
                "DeleteObjects",
                Some(json!({"bucketName": "b", "key": "k"}))
            ),
            ["s3:DeleteObject", "s3:DeleteObjectVersion"]
        );
        assert_eq!(
            decide(
                s3,
                "HeadObject",
                Some(json!({"bucketName": "b", "key": "k", "versionId": "v1"}))
            ),
            ["s3:GetObjectVersion"]
        );
        // Where the record cannot tell, every candidate: no parameters (an
        // Athena row), the object list left out (as CloudTrail usually
        // does), a statement that is not one of the four verbs, a resource
        // of both API versions.
        let all_ddb = [
            "dynamodb:PartiQLDelete",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLSelect",
            "dynamodb:PartiQLUpdate",
        ];
        assert_eq!(decide(ddb, "ExecuteStatement", None), all_ddb);
        assert_eq!(
            decide(
                ddb,
                "ExecuteStatement",
                Some(json!({"statement": "EXISTS(SELECT 1)"}))
            ),
            all_ddb
        );
        assert_eq!(decide(ddb, "ExecuteStatement", Some(json!({}))), all_ddb);
        assert_eq!(
            decide(
                s3,
                "DeleteObjects",
                Some(json!({"bucketName": "b", "Host": "b.s3.amazonaws.com", "delete": ""}))
            ),
            ["s3:DeleteObject", "s3:DeleteObjectVersion"]
        );
        assert_eq!(
            decide(
                apigw,
                "TagResource",
                Some(
                    json!({"resource_arn": "arn:aws:apigateway:us-east-1::/domainnames/example.com"})
                )
            ),
            ["apigateway:POST", "apigateway:PUT"]
        );
    }

    /// Through the reader: one SELECT credits PartiQLSelect alone, so the
    /// never-used PartiQLDelete stays unused.
    #[test]
    fn a_select_statement_credits_only_the_select_action() {
        use serde_json::json;
        let alice = "arn:aws:iam::111122223333:user/dev/alice";
        let rec = event(
            alice,
            "dynamodb.amazonaws.com",
            "ExecuteStatement",
            "2026-10-01T10:00:00Z",
            json!({"eventCategory": "Data", "managementEvent": false,
                   "requestParameters": {"statement": "SELECT * FROM Music WHERE Artist = 'x'"}}),
        );
        let f = InputFile::Embedded {
            name: "f.json".into(),
            bytes: Box::leak(
                json!({"Records": [rec]})
                    .to_string()
                    .into_bytes()
                    .into_boxed_slice(),
            ),
        };
        let s = run(vec![f], 1);
        let used: Vec<&str> = s.usage.iter().map(|u| u.permission.as_str()).collect();
        assert_eq!(used, ["dynamodb:PartiQLSelect"]);
    }

    /// Every service of the catalog has its CloudTrail host, or a documented
    /// reason why it has none (`cloudtrail_hosts.tsv`, audited against each
    /// service's own logging page), and every host listed is mapped to its
    /// service: a record from it credits that service's actions.
    #[test]
    fn every_catalog_service_has_its_cloudtrail_host_or_a_reason() {
        const HOSTS_TSV: &str = include_str!("catalog/cloudtrail_hosts.tsv");
        let cat = catalog();
        let m = EventMapper::new(cat);
        let mut seen = BTreeSet::new();
        let mut wrong = Vec::new();
        for r in rows(HOSTS_TSV) {
            let [prefix, hosts, evidence, source] = r[..] else {
                wrong.push(format!("not 4 columns: {r:?}"));
                continue;
            };
            assert!(cat.has_service(prefix), "{prefix}: not a catalog prefix");
            assert!(seen.insert(prefix.to_string()), "{prefix}: twice");
            assert!(!source.is_empty(), "{prefix}: no source or reason");
            match (hosts, evidence) {
                ("-", "none") => {}
                ("-", e) | (_, e @ "none") => {
                    wrong.push(format!("{prefix}: hosts {hosts} with evidence {e}"))
                }
                (_, "doc" | "model" | "other") => {
                    for h in hosts.split(',') {
                        if !m.prefixes(h).any(|p| p == prefix) {
                            let to: Vec<&str> = m.prefixes(h).collect();
                            wrong.push(format!("{prefix}: {h} maps to {to:?}"));
                        }
                    }
                }
                (_, e) => wrong.push(format!("{prefix}: evidence {e}")),
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        let missing: Vec<&str> = cat
            .services
            .iter()
            .map(|s| s.prefix.as_str())
            .filter(|p| !seen.contains(*p))
            .collect();
        assert!(missing.is_empty(), "no row for {missing:?}");
    }

    #[test]
    fn denied_codes() {
        for c in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "UnauthorizedOperation",
        ] {
            assert!(is_access_denied(c), "{c}");
        }
        for c in ["AuthorizationError", "UnauthorizedException", "Forbidden"] {
            assert!(is_access_denied(c), "{c}");
        }
        for c in ["NoSuchEntity", "ValidationException", "ThrottlingException"] {
            assert!(!is_access_denied(c), "{c}");
        }
    }

    fn snapshot() -> Snapshot {
        let mut s = Snapshot::new();
        s.systems.push(System {
            cloud: Cloud::Aws,
            id: "111122223333".into(),
            name: None,
            scp_levels: Vec::new(),
            ancestors: Vec::new(),
            audit_log_configs: Vec::new(),
        });
        let mk = |arn: &str, name: &str, kind| Identity {
            id: arn.into(),
            cloud: Cloud::Aws,
            system: "111122223333".into(),
            name: name.into(),
            kind,
            created: None,
            human: None,
            member_of: vec![],
            grants: vec![],
            boundary: None,
            trusted_by: vec![],
            provider_managed: false,
        };
        s.identities.push(mk(
            "arn:aws:iam::111122223333:user/dev/alice",
            "alice",
            IdentityKind::User,
        ));
        s.identities.push(mk(
            "arn:aws:iam::111122223333:role/service/app-role",
            "app-role",
            IdentityKind::Role,
        ));
        s.identities.push(mk(
            "arn:aws:iam::111122223333:group/admins",
            "admins",
            IdentityKind::Group,
        ));
        s.normalize();
        s
    }

    fn ui(v: serde_json::Value) -> Principal {
        let text = v.to_string();
        let u: UserIdentity<'_> = serde_json::from_str(&text).expect("userIdentity");
        Resolver::new(&snapshot()).resolve(&u)
    }

    #[test]
    fn principals_resolve_to_identities() {
        use serde_json::json;
        let alice = ui(
            json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/dev/alice", "userName": "alice"}),
        );
        let role = ui(
            json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app-role/i-0abc",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/service/app-role"}}}),
        );
        // The session's ARN omits the role's path; without an issuer the name still resolves.
        let role2 = ui(
            json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app-role/sess"}),
        );
        assert!(matches!(alice, Principal::Identity(_)));
        assert!(matches!(role, Principal::Identity(_)));
        assert_eq!(role, role2);
        assert_ne!(alice, role);
        assert_eq!(
            ui(json!({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"})),
            Principal::AwsService
        );
        assert_eq!(
            ui(json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"})),
            Principal::Root
        );
        // GetFederationToken called as root: the session is root's, not an unknown identity.
        assert_eq!(
            ui(
                json!({"type": "FederatedUser", "arn": "arn:aws:sts::111122223333:federated-user/x",
                "sessionContext": {"sessionIssuer": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}}})
            ),
            Principal::Root
        );
        assert_eq!(
            ui(
                json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ghost", "userName": "ghost"})
            ),
            Principal::Unknown("arn:aws:iam::111122223333:user/ghost".into())
        );
        assert_eq!(
            ui(
                json!({"type": "IAMUser", "arn": "arn:aws:iam::999999999999:user/bob", "userName": "bob"})
            ),
            Principal::OtherAccount
        );
        // Groups never act: a group ARN is not a principal.
        assert!(matches!(
            ui(
                json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:group/admins", "userName": "admins"})
            ),
            Principal::Unknown(_)
        ));
    }

    fn gz(records: serde_json::Value) -> &'static [u8] {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(
            serde_json::json!({ "Records": records })
                .to_string()
                .as_bytes(),
        )
        .expect("gzip");
        Box::leak(e.finish().expect("gzip").into_boxed_slice())
    }

    fn event(
        who: &str,
        src: &str,
        name: &str,
        t: &str,
        extra: serde_json::Value,
    ) -> serde_json::Value {
        let mut v = serde_json::json!({
            "eventTime": t, "eventSource": src, "eventName": name, "recipientAccountId": "111122223333",
            "eventCategory": "Management", "managementEvent": true, "eventType": "AwsApiCall",
            "userIdentity": {"type": "IAMUser", "arn": who, "userName": who.rsplit('/').next()}
        });
        if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
            for (k, val) in x {
                o.insert(k.clone(), val.clone());
            }
        }
        v
    }

    fn run(files: Vec<InputFile>, threads: usize) -> Snapshot {
        let mut s = snapshot();
        let inputs = [CloudTrailInput {
            label: "ct".into(),
            files,
            kind: SourceKind::AwsCloudtrailFiles,
            answered: None,
        }];
        import_cloudtrail(
            &mut s,
            catalog(),
            &inputs,
            &FileFilter::default(),
            threads,
            &|| {},
        );
        s
    }

    #[test]
    fn event_times_read_by_hand_agree_with_jiff() {
        let mut t = "1999-12-31T23:59:59Z".parse::<Timestamp>().expect("time");
        // Every ~9 days and odd seconds for 80 years, leap days included.
        for _ in 0..3300 {
            let text = t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(event_second(&text), Some(t.as_second()), "{text}");
            t = t
                .checked_add(jiff::Span::new().seconds(777_777))
                .expect("time");
        }
        assert_eq!(event_second("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        // Not a date: no time, as jiff says; other forms go through jiff.
        assert_eq!(event_second("2026-02-30T00:00:00Z"), None);
        assert_eq!(event_second("2026-13-01T00:00:00Z"), None);
        assert_eq!(event_second("yesterday"), None);
        assert_eq!(
            event_second("2026-10-01T10:00:00.123Z"),
            Some(
                "2026-10-01T10:00:00Z"
                    .parse::<Timestamp>()
                    .expect("time")
                    .as_second()
            )
        );
    }

    #[test]
    fn gunzip_reads_one_member_several_and_names_a_broken_file() {
        use std::io::Write;
        let member = |text: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(text.as_bytes()).expect("gzip");
            e.finish().expect("gzip")
        };
        assert_eq!(gunzip(&member("abc")).as_deref(), Ok(&b"abc"[..]));
        // Two members one after the other (what `cat a.gz b.gz` makes).
        let mut two = member("{\"Records\":");
        two.extend(member("[]}"));
        assert_eq!(gunzip(&two).as_deref(), Ok(&b"{\"Records\":[]}"[..]));
        // Members of equal size: the first alone passes the size check, and
        // the CRC tells it is not the file.
        let mut equal = member("{\"Records\":[");
        equal.extend(member("1,2,3,4]}   "));
        assert_eq!(
            gunzip(&equal).as_deref(),
            Ok(&b"{\"Records\":[1,2,3,4]}   "[..])
        );
        let whole = member(&"x".repeat(10_000));
        let err = gunzip(&whole[..whole.len() - 9]).expect_err("truncated");
        assert!(err.contains("gzip"), "{err}");
    }

    #[test]
    fn a_path_tells_the_account_and_the_delivery() {
        let t = |s: &str| s.parse::<Timestamp>().expect("time").as_second();
        let name = "logs/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/02/\
                    111122223333_CloudTrail_eu-west-1_20261002T1405Z_AbCd.json.gz";
        assert_eq!(path_account(name).as_deref(), Some("111122223333"));
        let at = t("2026-10-02T14:05:00Z");
        assert_eq!(path_delivered(name), Some((at, at + 59)));
        // An organization trail; a name without a time: the day folder.
        let org = "AWSLogs/o-abc123def4/444455556666/CloudTrail/us-east-1/2026/10/03/events.json";
        assert_eq!(path_account(org).as_deref(), Some("444455556666"));
        let day = t("2026-10-03T00:00:00Z");
        assert_eq!(path_delivered(org), Some((day, day + 86_399)));
        // Outside the layout the path says nothing.
        assert_eq!(path_account("exports/trail.json.gz"), None);
        assert_eq!(path_delivered("exports/trail.json.gz"), None);
        assert_eq!(
            path_delivered("cloudtrail:LookupEvents (account 1, us-east-1)"),
            None
        );
    }

    #[test]
    fn files_outside_the_accounts_or_the_range_are_not_kept() {
        let t = |s: &str| s.parse::<Timestamp>().expect("time");
        let f = FileFilter {
            accounts: Some(["111122223333".to_string()].into()),
            range: Some((t("2026-08-01T00:00:00Z"), t("2026-10-30T00:00:00Z"))),
        };
        let file = |acct: &str, stamp: &str| {
            let day = format!("{}/{}/{}", &stamp[0..4], &stamp[4..6], &stamp[6..8]);
            format!(
                "AWSLogs/{acct}/CloudTrail/us-east-1/{day}/{acct}_CloudTrail_us-east-1_{stamp}_x.json.gz"
            )
        };
        assert!(f.keeps(&file("111122223333", "20261001T1200Z")));
        assert!(
            !f.keeps(&file("999988887777", "20261001T1200Z")),
            "another account"
        );
        assert!(
            !f.keeps(&file("111122223333", "20260731T2355Z")),
            "delivered before the range"
        );
        assert!(
            f.keeps(&file("111122223333", "20260801T0005Z")),
            "may hold the range's first minutes"
        );
        assert!(
            f.keeps(&file("111122223333", "20261030T2300Z")),
            "a late delivery of the range's end"
        );
        assert!(
            !f.keeps(&file("111122223333", "20261101T0100Z")),
            "more than a day after the range"
        );
        assert!(
            f.keeps("exports/trail.json.gz"),
            "a path that says nothing is read"
        );
        assert!(FileFilter::default().keeps(&file("999988887777", "20200101T0000Z")));
    }

    #[test]
    fn passed_over_files_are_counted_and_not_opened() {
        use serde_json::json;
        let a = "arn:aws:iam::111122223333:user/dev/alice";
        let ev = event(
            a,
            "iam.amazonaws.com",
            "ListUsers",
            "2026-10-01T11:00:00Z",
            json!({}),
        );
        let path = |acct: &str, stamp: &str| {
            format!(
                "AWSLogs/{acct}/CloudTrail/us-east-1/2026/10/01/{acct}_CloudTrail_us-east-1_{stamp}_x.json.gz"
            )
        };
        let files = vec![
            InputFile::Embedded {
                name: path("111122223333", "20261001T1105Z"),
                bytes: gz(json!([ev.clone()])),
            },
            // Another account's file, and one of this account that is not
            // even gzip: neither is opened, so neither is an error.
            InputFile::Embedded {
                name: path("999988887777", "20261001T1105Z"),
                bytes: gz(json!([ev])),
            },
            InputFile::Embedded {
                name: path("999988887777", "20261001T1110Z"),
                bytes: b"not a log",
            },
        ];
        let mut s = snapshot();
        let inputs = [CloudTrailInput {
            label: "ct".into(),
            files,
            kind: SourceKind::AwsCloudtrailFiles,
            answered: None,
        }];
        let filter = FileFilter {
            accounts: Some(["111122223333".to_string()].into()),
            range: None,
        };
        let seen = AtomicUsize::new(0);
        import_cloudtrail(&mut s, catalog(), &inputs, &filter, 2, &|| {
            seen.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(seen.into_inner(), 3, "progress counts every file");
        assert!(!s.coverage.is_partial(), "{:?}", s.coverage.skipped);
        let cov = &s.coverage.sources[0];
        assert_eq!((cov.files_read, cov.files_passed_over), (1, 2));
        assert_eq!(s.usage.len(), 1);
        assert_eq!(s.usage[0].count, 1);
    }

    #[test]
    fn denied_attempts_are_activity_not_use_and_errors_are_use() {
        use serde_json::json;
        let a = "arn:aws:iam::111122223333:user/dev/alice";
        let f = InputFile::Embedded {
            name: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/x.json.gz".into(),
            bytes: gz(json!([
                event(
                    a,
                    "iam.amazonaws.com",
                    "ListUsers",
                    "2026-10-01T10:00:00Z",
                    json!({})
                ),
                event(
                    a,
                    "iam.amazonaws.com",
                    "ListUsers",
                    "2026-10-03T10:00:00Z",
                    json!({})
                ),
                event(
                    a,
                    "iam.amazonaws.com",
                    "CreateUser",
                    "2026-10-02T10:00:00Z",
                    json!({"errorCode": "AccessDenied"})
                ),
                event(
                    a,
                    "iam.amazonaws.com",
                    "GetUser",
                    "2026-10-02T11:00:00Z",
                    json!({"errorCode": "NoSuchEntity"})
                ),
                event(
                    a,
                    "s3.amazonaws.com",
                    "GetObject",
                    "2026-10-02T12:00:00Z",
                    json!({"eventCategory": "Data", "managementEvent": false})
                ),
            ])),
        };
        let s = run(vec![f], 1);
        let used: Vec<(&str, u64)> = s
            .usage
            .iter()
            .map(|u| (u.permission.as_str(), u.count))
            .collect();
        assert_eq!(
            used,
            [
                ("iam:GetUser", 1),
                ("iam:ListUsers", 2),
                ("s3:GetObject", 1)
            ]
        );
        let list = s
            .usage
            .iter()
            .find(|u| u.permission == "iam:ListUsers")
            .expect("ListUsers");
        assert_eq!(list.first_seen.to_string(), "2026-10-01T10:00:00Z");
        assert_eq!(list.last_seen.to_string(), "2026-10-03T10:00:00Z");
        assert!(
            s.activity
                .iter()
                .any(|x| x.kind == ActivityKind::DeniedAttempt && x.count == 1)
        );
        let cov = &s.coverage.sources[0];
        assert_eq!(cov.records.get("denied"), Some(&1));
        assert_eq!(cov.data_event_services, vec!["s3".to_string()]);
        assert!(cov.management_events);
    }

    #[test]
    fn bad_files_are_skipped_and_named_and_the_rest_is_read() {
        use serde_json::json;
        let a = "arn:aws:iam::111122223333:user/dev/alice";
        let good = gz(json!([event(
            a,
            "iam.amazonaws.com",
            "ListUsers",
            "2026-10-01T10:00:00Z",
            json!({})
        )]));
        let truncated: &'static [u8] =
            Box::leak(good[..good.len() / 2].to_vec().into_boxed_slice());
        let files = vec![
            InputFile::Embedded {
                name: "good.json.gz".into(),
                bytes: good,
            },
            InputFile::Embedded {
                name: "truncated.json.gz".into(),
                bytes: truncated,
            },
            InputFile::Embedded {
                name: "html.json".into(),
                bytes: b"<html>not json</html>",
            },
            InputFile::Embedded {
                name: "other.json".into(),
                bytes: b"{\"Version\": 1}",
            },
        ];
        let s = run(files, 2);
        assert_eq!(s.usage.len(), 1);
        let skipped: Vec<&str> = s
            .coverage
            .skipped
            .iter()
            .map(|x| x.input.as_str())
            .collect();
        assert_eq!(skipped, ["html.json", "other.json", "truncated.json.gz"]);
        assert!(s.coverage.skipped[2].reason.contains("gzip"));
        assert!(
            s.coverage.skipped[0]
                .reason
                .contains("not a CloudTrail log file")
        );
        assert_eq!(s.coverage.sources[0].files_read, 1);
        assert_eq!(s.coverage.sources[0].files_skipped, 3);
    }

    #[test]
    fn unknown_principals_make_the_result_partial_and_are_named() {
        use serde_json::json;
        let ghost = "arn:aws:iam::111122223333:user/ghost";
        let f = InputFile::Embedded {
            name: "f.json".into(),
            bytes: Box::leak(
                json!({"Records": [event(ghost, "iam.amazonaws.com", "ListUsers", "2026-10-01T10:00:00Z", json!({}))]})
                    .to_string()
                    .into_bytes()
                    .into_boxed_slice(),
            ),
        };
        let s = run(vec![f], 1);
        assert!(s.coverage.is_partial());
        assert_eq!(
            s.coverage.skipped[0].input,
            format!("f.json: events of {ghost}")
        );
        assert!(s.usage.is_empty());
    }

    /// Console sign-in records are activity, never "an action missing from
    /// the catalog": `GetSigninToken` (listed with its kind) and a sign-in
    /// event no table names alike.
    #[test]
    fn sign_in_events_are_no_action_and_not_unknown() {
        use serde_json::json;
        let alice = "arn:aws:iam::111122223333:user/dev/alice";
        let signin = json!({"eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"}});
        let recs: Vec<_> = ["GetSigninToken", "ConsoleLogin", "SomeFutureSignInStep"]
            .iter()
            .enumerate()
            .map(|(k, n)| {
                event(
                    alice,
                    "signin.amazonaws.com",
                    n,
                    &format!("2026-10-0{}T10:00:00Z", k + 1),
                    signin.clone(),
                )
            })
            .collect();
        let f = InputFile::Embedded {
            name: "f.json".into(),
            bytes: Box::leak(
                json!({"Records": recs})
                    .to_string()
                    .into_bytes()
                    .into_boxed_slice(),
            ),
        };
        let s = run(vec![f], 1);
        assert!(s.usage.is_empty());
        assert!(
            s.coverage
                .warnings
                .iter()
                .all(|w| !w.message.contains("map to no action")),
            "{:?}",
            s.coverage.warnings
        );
        let src = &s.coverage.sources[0];
        assert_eq!(
            src.records.get("no-iam-action"),
            Some(&3),
            "{:?}",
            src.records
        );
        assert!(
            s.activity
                .iter()
                .any(|a| a.kind == ActivityKind::ConsoleSignIn)
        );
    }

    /// The same events, in one file or split into files of random sizes, in
    /// any order, read by 1 to 8 threads: the same usage, activity and
    /// coverage (issue 4's invariant).
    #[test]
    fn file_order_splitting_and_threads_do_not_change_the_result() {
        use serde_json::json;
        let alice = "arn:aws:iam::111122223333:user/dev/alice";
        let session = json!({"type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/app-role/s1", "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role",
                "arn": "arn:aws:iam::111122223333:role/service/app-role"}}});
        let calls = [
            ("iam.amazonaws.com", "ListUsers"),
            ("iam.amazonaws.com", "GetRole"),
            ("s3.amazonaws.com", "ListBuckets"),
            ("ec2.amazonaws.com", "DescribeInstances"),
            ("sts.amazonaws.com", "GetCallerIdentity"),
        ];
        // A small deterministic generator (no crate for it in tests).
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut evs = Vec::new();
        for i in 0..600u64 {
            let (src, name) = calls[next(calls.len() as u64) as usize];
            let t = format!(
                "2026-10-{:02}T{:02}:{:02}:{:02}Z",
                1 + next(28),
                next(24),
                next(60),
                i % 60
            );
            let mut e = event(alice, src, name, &t, json!({}));
            match next(8) {
                0 => e["userIdentity"] = session.clone(),
                1 => e["errorCode"] = json!("AccessDenied"),
                2 => e["errorCode"] = json!("ThrottlingException"),
                3 => {
                    e["userIdentity"] =
                        json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"})
                }
                4 => {
                    e["userIdentity"] = json!({"type": "IAMUser", "arn": "arn:aws:iam::999988887777:user/x", "accountId": "999988887777"})
                }
                _ => {}
            }
            evs.push(e);
        }
        let arrange = |events: &[serde_json::Value], sizes: &mut dyn FnMut() -> usize| {
            let mut files = Vec::new();
            let mut rest = events;
            while !rest.is_empty() {
                let n = sizes().clamp(1, rest.len());
                files.push(InputFile::Embedded {
                    name: format!("part{}.json.gz", files.len()),
                    bytes: gz(json!(rest[..n])),
                });
                rest = &rest[n..];
            }
            files
        };
        let key = |s: &Snapshot| {
            let mut sources = s.coverage.sources.clone();
            for c in &mut sources {
                c.files_read = 0;
            }
            serde_json::to_string(&(&s.usage, &s.activity, &sources, &s.coverage.skipped))
                .unwrap_or_default()
        };
        let reference = key(&run(arrange(&evs, &mut || usize::MAX), 1));
        assert!(reference.contains("s3:ListAllMyBuckets"), "{reference}");
        let mut shuffled = evs.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, next(i as u64 + 1) as usize);
        }
        for threads in [1, 2, 3, 8] {
            let mut sizes = || 1 + next(50) as usize;
            let mut split = arrange(&evs, &mut sizes);
            split.reverse();
            assert_eq!(
                reference,
                key(&run(split, threads)),
                "split, {threads} threads"
            );
            let mixed = arrange(&shuffled, &mut sizes);
            assert_eq!(
                reference,
                key(&run(mixed, threads)),
                "shuffled, {threads} threads"
            );
        }
    }

    #[test]
    fn a_malformed_record_is_counted_and_its_file_still_read() {
        use serde_json::json;
        let a = "arn:aws:iam::111122223333:user/dev/alice";
        let mut bad = event(
            a,
            "iam.amazonaws.com",
            "GetUser",
            "2026-10-01T11:00:00Z",
            json!({}),
        );
        bad["responseElements"] = json!("not an object");
        let mut bad_time = event(
            a,
            "iam.amazonaws.com",
            "GetRole",
            "2026-10-01T11:00:00Z",
            json!({}),
        );
        bad_time["eventTime"] = json!(1_700_000_000);
        let f = InputFile::Embedded {
            name: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/mixed.json.gz".into(),
            bytes: gz(json!([
                event(
                    a,
                    "iam.amazonaws.com",
                    "ListUsers",
                    "2026-10-01T10:00:00Z",
                    json!({})
                ),
                bad,
                bad_time
            ])),
        };
        let s = run(vec![f], 1);
        assert!(s.coverage.skipped.is_empty(), "{:?}", s.coverage.skipped);
        let used: Vec<&str> = s.usage.iter().map(|u| u.permission.as_str()).collect();
        assert_eq!(used, ["iam:ListUsers"]);
        assert_eq!(s.coverage.sources[0].records.get("malformed"), Some(&2));
    }

    #[test]
    fn network_activity_events_are_neither_use_nor_data_coverage() {
        use serde_json::json;
        let a = "arn:aws:iam::111122223333:user/dev/alice";
        let f = InputFile::Embedded {
            name: "n.json.gz".into(),
            bytes: gz(json!([event(
                a,
                "s3.amazonaws.com",
                "GetObject",
                "2026-10-01T10:00:00Z",
                json!({"eventCategory": "NetworkActivity", "managementEvent": false, "errorCode": "VpceAccessDenied"})
            )])),
        };
        let s = run(vec![f], 1);
        assert!(s.usage.is_empty());
        let cov = &s.coverage.sources[0];
        assert!(
            cov.data_event_services.is_empty(),
            "one VPC endpoint event must not make S3 data observable"
        );
        assert_eq!(cov.records.get("network-activity"), Some(&1));
    }
}
