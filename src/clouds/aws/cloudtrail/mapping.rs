//! The CloudTrail → IAM mapping: which actions an event exercised (event
//! source to IAM prefix, API version suffixes, the documented exceptions and
//! the events whose request decides), and access-denied error codes.

use super::*;

pub(super) const EVENT_SOURCES_TSV: &str = include_str!("../catalog/event_sources.tsv");
pub(super) const EVENT_NAMES_TSV: &str = include_str!("../catalog/event_names.tsv");
pub(super) const NO_ACTION_TSV: &str = include_str!("../catalog/no_action_events.tsv");

pub(super) fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
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
pub(super) struct RequestRule {
    pub(super) prefix: String,
    pub(super) event: String,
    pub(super) all: Vec<usize>,
    pub(super) cases: Vec<(String, usize)>,
}

/// Every string value under a key named `key`, at any depth.
pub(super) fn strings_at<'v>(v: &'v serde_json::Value, key: &str, out: &mut Vec<&'v str>) {
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
pub(super) fn texts<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
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
pub(super) fn head_object_cases(raw: &serde_json::value::RawValue) -> Option<Vec<String>> {
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
pub(super) fn cases_of(found: &[&str], allowed: &[&str]) -> Option<Vec<String>> {
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
pub(super) fn request_cases(
    prefix: &str,
    event: &str,
    req: &serde_json::Value,
) -> Option<Vec<String>> {
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
    pub(super) cat: &'c Catalog,
    /// eventSource host -> IAM prefix, where the default rule fails.
    pub(super) sources: HashMap<String, String>,
    /// (prefix, eventName) -> actions, where the name is not the action's.
    pub(super) names: HashMap<(String, String), Mapped>,
    /// The `BY REQUEST` rows, which [`Mapped::ByRequest`] indexes.
    pub(super) by_request: Vec<RequestRule>,
    /// (prefix or source host, eventName) recorded without an IAM action.
    pub(super) no_action: BTreeSet<(String, String)>,
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
