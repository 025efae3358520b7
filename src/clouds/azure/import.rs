//! Azure's entitlements and usage into the common snapshot, from `az`
//! exports (`permgap import azure`) or ARM and Graph answers (the live
//! collector feeds the same [`Tenant`]).
//!
//! Every input is accepted as `az` writes it (an array of flattened
//! objects) or as ARM answers (`{"value": [...], "nextLink"}`, each item's
//! fields under `properties`). One identity per principal and subscription
//! (`subscriptions/S/principals/OBJECT_ID`), as GCP has one per project: it
//! holds the assignments that reach the subscription, at their scopes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use super::scope::{self, MG_PREFIX};
use crate::clouds::InputFile;
use crate::model::{
    Activity, ActivityKind, Cloud, EvidenceSource, Grant, Identity, IdentityKind, ListedPermission,
    Policy, PolicyKind, Skipped, Snapshot, SourceCoverage, SourceKind, System, UsageRecord,
    Warning,
};

/// The items of an `az` list or an ARM page; `None` when it is neither.
pub fn items(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(o) => match o.get("value") {
            Some(Value::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// A field of an item, at the top (`az`) or under `properties` (ARM).
fn field<'v>(item: &'v Value, key: &str) -> Option<&'v Value> {
    item.get(key)
        .filter(|v| !v.is_null())
        .or_else(|| item.get("properties").and_then(|p| p.get(key)))
        .filter(|v| !v.is_null())
}

fn text<'v>(item: &'v Value, key: &str) -> Option<&'v str> {
    field(item, key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A role definition's canonical policy id: its GUID under the tenant
/// (`/providers/Microsoft.Authorization/roleDefinitions/GUID`, lowercase
/// GUID), whichever scope it was listed at.
pub fn role_id(definition: &str) -> String {
    let guid = definition
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}")
}

/// The identity of a principal in a subscription.
pub fn identity_id(subscription: &str, principal: &str) -> String {
    format!(
        "subscriptions/{}/principals/{}",
        subscription.to_ascii_lowercase(),
        principal.to_ascii_lowercase()
    )
}

/// What the directory says of a principal.
#[derive(Debug, Default, Clone)]
struct Principal {
    name: Option<String>,
    kind: Option<IdentityKind>,
    upn: Option<String>,
    app_id: Option<String>,
    /// A group's members, when listed (direct or transitive).
    members: Option<Vec<String>>,
    /// Seen in the directory (`--principals`, Graph), not only in an
    /// assignment.
    from_directory: bool,
}

/// One role assignment, as read.
#[derive(Debug, Clone)]
struct Assignment {
    principal: String,
    role: String,
    scope: String,
    condition: Option<String>,
    /// A PIM eligible assignment: holds only once activated.
    eligible: bool,
    /// The subscriptions the export it came from was for.
    file_subscriptions: Vec<String>,
}

/// One aggregated use: (identity, operation, scope).
#[derive(Debug, Clone, Copy)]
struct Seen {
    first: jiff::Timestamp,
    last: jiff::Timestamp,
    count: u64,
}

impl Seen {
    fn at(t: jiff::Timestamp) -> Self {
        Seen {
            first: t,
            last: t,
            count: 0,
        }
    }

    fn add(&mut self, t: jiff::Timestamp, counted: bool) {
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.count += u64::from(counted);
    }

    fn merge(&mut self, o: Seen) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.count += o.count;
    }
}

/// What the Activity Log files held, aggregated: kept apart from the
/// principals, which are only known at the end.
#[derive(Debug, Default)]
pub struct Events {
    /// (subscription, caller, operation, scope) → use.
    used: HashMap<(String, String, String, String), Seen>,
    /// (subscription, caller) → denied attempts.
    denied: HashMap<(String, String), Seen>,
    /// Per (subscription, file): records, first and last event, outcomes.
    sources: BTreeMap<(String, String), SourceCoverage>,
    skipped: Vec<Skipped>,
    files: BTreeSet<String>,
}

impl Events {
    pub fn merge(&mut self, o: Events) {
        merge_seen(&mut self.used, o.used);
        merge_seen(&mut self.denied, o.denied);
        for (k, v) in o.sources {
            match self.sources.get_mut(&k) {
                Some(s) => {
                    s.records_read += v.records_read;
                    s.first_event = s.first_event.min(v.first_event).or(v.first_event);
                    s.last_event = s.last_event.max(v.last_event);
                    for (r, n) in v.records {
                        *s.records.entry(r).or_default() += n;
                    }
                }
                None => {
                    self.sources.insert(k, v);
                }
            }
        }
        self.skipped.extend(o.skipped);
        self.files.extend(o.files);
    }
}

/// Adds `from`'s uses to `into`'s, key by key.
fn merge_seen<K: std::hash::Hash + Eq>(into: &mut HashMap<K, Seen>, from: HashMap<K, Seen>) {
    for (k, v) in from {
        into.entry(k).and_modify(|s| s.merge(v)).or_insert(v);
    }
}

#[derive(Deserialize)]
struct Localized<'a> {
    #[serde(borrow, default)]
    value: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventAuthorization<'a> {
    #[serde(borrow, default)]
    action: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    scope: Option<std::borrow::Cow<'a, str>>,
}

/// The fields of an Activity Log event (`az monitor activity-log list`,
/// ARM's `eventtypes/management/values`) that the audit reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    #[serde(borrow, default)]
    authorization: Option<EventAuthorization<'a>>,
    #[serde(borrow, default)]
    caller: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    claims: Option<HashMap<std::borrow::Cow<'a, str>, Value>>,
    #[serde(borrow, default)]
    category: Option<Localized<'a>>,
    #[serde(borrow, default)]
    event_timestamp: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    operation_name: Option<Localized<'a>>,
    #[serde(borrow, default)]
    resource_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Localized<'a>>,
    #[serde(borrow, default)]
    sub_status: Option<Localized<'a>>,
    #[serde(borrow, default)]
    subscription_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    properties: Option<Value>,
}

/// The claim that holds the caller's object id.
const OID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/// What became of one event.
enum Outcome {
    Used {
        subscription: String,
        caller: String,
        action: String,
        scope: String,
        at: jiff::Timestamp,
        counted: bool,
    },
    Denied {
        subscription: String,
        caller: String,
        at: jiff::Timestamp,
    },
    /// Not an event the audit counts, and why (`not-administrative`).
    Other(&'static str, Option<(String, jiff::Timestamp)>),
}

fn classify(e: &Event<'_>) -> Result<Outcome, String> {
    let at = e
        .event_timestamp
        .as_deref()
        .and_then(crate::clouds::log_time)
        .ok_or("no eventTimestamp")?;
    let category = e.category.as_ref().and_then(|c| c.value.as_deref());
    let action = e
        .authorization
        .as_ref()
        .and_then(|a| a.action.as_deref())
        .or_else(|| e.operation_name.as_ref().and_then(|o| o.value.as_deref()));
    let scope = e
        .authorization
        .as_ref()
        .and_then(|a| a.scope.as_deref())
        .or(e.resource_id.as_deref());
    let subscription = e
        .subscription_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .or_else(|| scope.and_then(scope::subscription_of));
    if category.is_some_and(|c| !c.eq_ignore_ascii_case("Administrative")) {
        return Ok(Outcome::Other(
            "not-administrative",
            subscription.map(|s| (s, at)),
        ));
    }
    let Some(subscription) = subscription else {
        return Ok(Outcome::Other("no-subscription", None));
    };
    let oid = e
        .claims
        .as_ref()
        .and_then(|c| c.get(OID_CLAIM))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let Some(caller) = oid.or(e.caller.as_deref()).filter(|c| !c.is_empty()) else {
        return Ok(Outcome::Other("no-caller", Some((subscription, at))));
    };
    let caller = caller.to_ascii_lowercase();
    let status = e
        .status
        .as_ref()
        .and_then(|s| s.value.as_deref())
        .unwrap_or("");
    if status.eq_ignore_ascii_case("Failed") && authorization_failed(e) {
        return Ok(Outcome::Denied {
            subscription,
            caller,
            at,
        });
    }
    let (Some(action), Some(scope)) = (action, scope) else {
        return Ok(Outcome::Other("no-operation", Some((subscription, at))));
    };
    Ok(Outcome::Used {
        subscription,
        caller,
        action: action.to_string(),
        scope: scope.to_string(),
        at,
        // A started operation shows use; its end is the one counted.
        counted: !status.eq_ignore_ascii_case("Started"),
    })
}

/// A failure of authorization: ARM's 403 (`Forbidden`), or the
/// `AuthorizationFailed` / `LinkedAuthorizationFailed` codes.
fn authorization_failed(e: &Event<'_>) -> bool {
    let sub = e
        .sub_status
        .as_ref()
        .and_then(|s| s.value.as_deref())
        .unwrap_or("");
    if sub.eq_ignore_ascii_case("Forbidden") || sub.eq_ignore_ascii_case("Unauthorized") {
        return true;
    }
    let Some(p) = &e.properties else { return false };
    let code = p.get("statusCode").and_then(Value::as_str).unwrap_or("");
    let message = p.get("statusMessage").and_then(Value::as_str).unwrap_or("");
    code.eq_ignore_ascii_case("Forbidden") || message.contains("AuthorizationFailed")
}

/// Reads one Activity Log export or ARM page (`name` for messages): the
/// events one by one, without holding them.
pub fn read_events(name: &str, bytes: &[u8]) -> Events {
    let mut ev = Events::default();
    ev.files.insert(name.to_string());
    let mut sink = Sink {
        name,
        ev: &mut ev,
        index: 0,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let res = serde::Deserializer::deserialize_any(&mut de, PageVisitor { sink: &mut sink });
    if let Err(e) = res.and_then(|()| de.end()) {
        ev.skipped.push(Skipped {
            input: name.to_string(),
            reason: format!(
                "not an Activity Log export ({e}); give the output of `az monitor activity-log list --offset 90d --max-events N -o json`"
            ),
        });
    }
    ev
}

struct Sink<'n, 'e> {
    name: &'n str,
    ev: &'e mut Events,
    index: usize,
}

impl Sink<'_, '_> {
    fn source(&mut self, subscription: &str) -> &mut SourceCoverage {
        let name = self.name;
        self.ev
            .sources
            .entry((subscription.to_string(), name.to_string()))
            .or_insert_with(|| {
                let mut s = SourceCoverage::new(SourceKind::AzureActivityLog, name);
                s.system = Some(subscription.to_string());
                s.files_read = 1;
                s.management_events = true;
                s
            })
    }

    fn note(&mut self, subscription: &str, at: jiff::Timestamp, outcome: &str) {
        let s = self.source(subscription);
        s.records_read += 1;
        s.first_event = Some(s.first_event.map_or(at, |f| f.min(at)));
        s.last_event = Some(s.last_event.map_or(at, |l| l.max(at)));
        *s.records.entry(outcome.to_string()).or_default() += 1;
    }

    fn event(&mut self, e: Result<Event<'_>, serde_json::Error>) {
        self.index += 1;
        let outcome = e.map_err(|e| e.to_string()).and_then(|e| classify(&e));
        match outcome {
            Err(why) => self.ev.skipped.push(Skipped {
                input: format!("{} (event {})", self.name, self.index),
                reason: format!("not an Activity Log event: {why}"),
            }),
            Ok(Outcome::Used {
                subscription,
                caller,
                action,
                scope,
                at,
                counted,
            }) => {
                self.note(&subscription, at, "used");
                self.ev
                    .used
                    .entry((subscription, caller, action, scope))
                    .or_insert_with(|| Seen::at(at))
                    .add(at, counted);
            }
            Ok(Outcome::Denied {
                subscription,
                caller,
                at,
            }) => {
                self.note(&subscription, at, "denied");
                let s = self
                    .ev
                    .denied
                    .entry((subscription, caller))
                    .or_insert_with(|| Seen::at(at));
                s.add(at, true);
            }
            Ok(Outcome::Other(what, place)) => match place {
                Some((sub, at)) => self.note(&sub, at, what),
                None => {
                    let name = self.name.to_string();
                    let s = self
                        .ev
                        .sources
                        .entry((String::new(), name.clone()))
                        .or_insert_with(|| SourceCoverage::new(SourceKind::AzureActivityLog, name));
                    s.records_read += 1;
                    *s.records.entry(what.to_string()).or_default() += 1;
                }
            },
        }
    }
}

/// An export: an array of events, or a page `{"value": [...], "nextLink"}`.
struct PageVisitor<'s, 'n, 'e> {
    sink: &'s mut Sink<'n, 'e>,
}

impl<'de> serde::de::Visitor<'de> for PageVisitor<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of events or an object with `value`")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            let e = serde_json::from_str::<Event<'_>>(v.get());
            self.sink.event(e);
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if k == "value" {
                map.next_value_seed(Seq(self.sink))?;
                found = true;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(serde::de::Error::custom("no `value` list"))
        }
    }
}

struct Seq<'s, 'n, 'e>(&'s mut Sink<'n, 'e>);

impl<'de> serde::de::DeserializeSeed<'de> for Seq<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(PageVisitor { sink: self.0 })
    }
}

/// Everything read of one tenant, turned into a snapshot at the end
/// ([`Tenant::finish`]), when every principal and scope is known.
#[derive(Debug, Default)]
pub struct Tenant {
    assignments: Vec<Assignment>,
    definitions: Vec<Policy>,
    denies: Vec<Policy>,
    principals: HashMap<String, Principal>,
    /// Management group or subscription id (lowercased) → (name, parent id).
    entities: HashMap<String, (Option<String>, Option<String>)>,
    /// Subscriptions named by an input, lowercased, with their name.
    subscriptions: BTreeMap<String, Option<String>>,
    operations: Vec<ListedPermission>,
    events: Events,
    pub sources: Vec<SourceCoverage>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Warning>,
}

impl Tenant {
    /// A subscription the collection or import covers, even with no
    /// assignment in it.
    pub fn add_subscription(&mut self, id: &str, name: Option<&str>) {
        let e = self
            .subscriptions
            .entry(id.to_ascii_lowercase())
            .or_default();
        if name.is_some() {
            *e = name.map(str::to_string);
        }
    }

    /// Role assignments: `az role assignment list --all --include-inherited`
    /// or ARM's `roleAssignments`. The export is of one subscription when
    /// its scopes name one: the management groups' assignments in it reach
    /// that subscription.
    pub fn add_assignments(&mut self, name: &str, v: &Value) {
        self.add_assignments_of(None, name, v);
    }

    /// The same, for a list known to be of `subscription` (a live read):
    /// its management groups' assignments reach that subscription.
    pub fn add_assignments_of(&mut self, subscription: Option<&str>, name: &str, v: &Value) {
        self.read_assignments(subscription, name, v, false);
    }

    /// PIM's eligible assignments: ARM's `roleEligibilityScheduleInstances`
    /// (`az rest` of it); each holds only once activated.
    pub fn add_eligible(&mut self, subscription: Option<&str>, name: &str, v: &Value) {
        self.read_assignments(subscription, name, v, true);
    }

    fn read_assignments(
        &mut self,
        subscription: Option<&str>,
        name: &str,
        v: &Value,
        eligible: bool,
    ) {
        let Some(list) = items(v) else {
            let what = if eligible {
                "not a list of eligible assignments; give the ARM answer of roleEligibilityScheduleInstances"
            } else {
                "not a role assignment list; give `az role assignment list --all --include-inherited -o json`"
            };
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason: what.into(),
            });
            return;
        };
        let subs: Vec<String> = match subscription {
            Some(s) => vec![s.to_ascii_lowercase()],
            None => list
                .iter()
                .filter_map(|a| text(a, "scope").and_then(scope::subscription_of))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        let mut source = SourceCoverage::new(SourceKind::AzureRoleAssignments, name);
        source.files_read = 1;
        for (i, a) in list.iter().enumerate() {
            let (Some(principal), Some(role), Some(at)) = (
                text(a, "principalId"),
                text(a, "roleDefinitionId"),
                text(a, "scope"),
            ) else {
                self.skipped.push(Skipped {
                    input: format!("{name} (assignment {})", i + 1),
                    reason:
                        "no principalId, roleDefinitionId or scope; the assignment was left out"
                            .into(),
                });
                continue;
            };
            source.records_read += 1;
            let principal = principal.to_ascii_lowercase();
            let p = self.principals.entry(principal.clone()).or_default();
            if p.name.is_none() {
                p.name = text(a, "principalName").map(str::to_string);
            }
            if p.kind.is_none() {
                p.kind = text(a, "principalType").map(kind_of_type);
            }
            if let Some(s) = scope::subscription_of(at) {
                self.subscriptions.entry(s).or_default();
            }
            self.assignments.push(Assignment {
                principal,
                role: role_id(role),
                scope: at.to_string(),
                condition: text(a, "condition").map(str::to_string),
                eligible,
                file_subscriptions: subs.clone(),
            });
        }
        self.sources.push(source);
    }

    /// Role definitions: `az role definition list` or ARM's `roleDefinitions`.
    pub fn add_definitions(&mut self, name: &str, v: &Value) {
        let Some(list) = items(v) else {
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason: "not a role definition list; give `az role definition list -o json`".into(),
            });
            return;
        };
        for (i, d) in list.iter().enumerate() {
            let id = text(d, "name")
                .filter(|n| n.len() == 36)
                .or_else(|| text(d, "id"));
            let (Some(id), Some(perms)) = (id, field(d, "permissions").filter(|p| p.is_array()))
            else {
                self.skipped.push(Skipped {
                    input: format!("{name} (role definition {})", i + 1),
                    reason: "no name or permissions; the role was left out, and its assignments are audited without it".into(),
                });
                continue;
            };
            // `az` writes `roleType`; ARM `properties.type` (the top-level
            // `type` is the resource type).
            let built_in = text(d, "roleType")
                .or_else(|| {
                    d.get("properties")
                        .and_then(|p| p.get("type"))
                        .and_then(Value::as_str)
                })
                .is_some_and(|t| t.eq_ignore_ascii_case("BuiltInRole"));
            self.definitions.push(Policy {
                id: role_id(id),
                cloud: Cloud::Azure,
                name: text(d, "roleName").unwrap_or(id).to_string(),
                kind: if built_in {
                    PolicyKind::ProviderManaged
                } else {
                    PolicyKind::CustomerManaged
                },
                document: serde_json::json!({
                    "permissions": perms,
                    "assignableScopes": field(d, "assignableScopes").cloned().unwrap_or(Value::Null),
                }),
                origin: Some(name.to_string()),
            });
        }
    }

    /// Deny assignments: ARM's `denyAssignments` (`az rest` of it).
    pub fn add_denies(&mut self, name: &str, v: &Value) {
        let Some(list) = items(v) else {
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason: "not a deny assignment list; give the `value` of ARM's denyAssignments"
                    .into(),
            });
            return;
        };
        for (i, d) in list.iter().enumerate() {
            let id = text(d, "id").or_else(|| text(d, "name"));
            let (Some(id), Some(at)) = (id, text(d, "scope")) else {
                self.skipped.push(Skipped {
                    input: format!("{name} (deny assignment {})", i + 1),
                    reason: "no id or scope; the deny assignment was left out, so what it denies may be counted as granted".into(),
                });
                continue;
            };
            let props = d.get("properties").unwrap_or(d);
            self.denies.push(Policy {
                id: id.to_string(),
                cloud: Cloud::Azure,
                name: text(d, "denyAssignmentName").unwrap_or(id).to_string(),
                kind: PolicyKind::DenyAssignment,
                document: serde_json::json!({
                    "scope": at,
                    "permissions": props.get("permissions").cloned().unwrap_or(Value::Null),
                    "principals": props.get("principals").cloned().unwrap_or(Value::Null),
                    "excludePrincipals": props.get("excludePrincipals").cloned().unwrap_or(Value::Null),
                    "doNotApplyToChildScopes": props.get("doNotApplyToChildScopes").cloned().unwrap_or(Value::Bool(false)),
                    "condition": props.get("condition").cloned().unwrap_or(Value::Null),
                }),
                origin: Some(name.to_string()),
            });
        }
    }

    /// Provider operations: `az provider operation list` or ARM's
    /// `providerOperations?$expand=resourceTypes`.
    pub fn add_operations(&mut self, name: &str, v: &Value) {
        let Some(list) = items(v) else {
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason: "not a provider operation list; give `az provider operation list -o json`"
                    .into(),
            });
            return;
        };
        let before = self.operations.len();
        let mut add = |ops: Option<&Value>| {
            for o in ops.and_then(Value::as_array).into_iter().flatten() {
                if let Some(n) = o.get("name").and_then(Value::as_str) {
                    self.operations.push(ListedPermission {
                        cloud: Cloud::Azure,
                        name: n.to_string(),
                        data_plane: o
                            .get("isDataAction")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    });
                }
            }
        };
        for p in list {
            add(field(p, "operations"));
            for rt in field(p, "resourceTypes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                add(rt.get("operations"));
            }
        }
        if self.operations.len() == before {
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason: "no operation in it; the embedded catalog is used".into(),
            });
        }
    }

    /// Principals from Microsoft Graph (`az ad user list`, `az ad sp list`,
    /// `az ad group list`, or Graph's `directoryObjects`): names, kinds, and
    /// a group's `members` or `transitiveMembers` when listed.
    pub fn add_principals(&mut self, name: &str, v: &Value) {
        let Some(list) = items(v) else {
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason:
                    "not a list of directory objects; give `az ad user list -o json` and the like"
                        .into(),
            });
            return;
        };
        let mut source = SourceCoverage::new(SourceKind::AzureGraph, name);
        source.files_read = 1;
        for o in list {
            let Some(id) = text(o, "id") else { continue };
            source.records_read += 1;
            let p = self.principals.entry(id.to_ascii_lowercase()).or_default();
            p.from_directory = true;
            let odata = text(o, "@odata.type").unwrap_or("");
            let kind = if odata.ends_with("user") || text(o, "userPrincipalName").is_some() {
                Some(IdentityKind::User)
            } else if odata.ends_with("servicePrincipal") || text(o, "appId").is_some() {
                Some(IdentityKind::ServicePrincipal)
            } else if odata.ends_with("group")
                || field(o, "securityEnabled").is_some()
                || field(o, "members").is_some()
                || field(o, "transitiveMembers").is_some()
            {
                Some(IdentityKind::Group)
            } else {
                None
            };
            p.kind = kind.or(p.kind);
            if let Some(n) = text(o, "displayName") {
                p.name = Some(n.to_string());
            }
            if let Some(u) = text(o, "userPrincipalName") {
                p.upn = Some(u.to_ascii_lowercase());
            }
            if let Some(a) = text(o, "appId") {
                p.app_id = Some(a.to_ascii_lowercase());
            }
            let members = field(o, "transitiveMembers").or_else(|| field(o, "members"));
            if let Some(m) = members.and_then(Value::as_array) {
                let ids = m
                    .iter()
                    .filter_map(|x| x.get("id").and_then(Value::as_str).or(x.as_str()))
                    .map(str::to_ascii_lowercase)
                    .collect();
                p.members = Some(ids);
                p.kind = Some(IdentityKind::Group);
            }
        }
        self.sources.push(source);
    }

    /// Management groups and subscriptions with their parents:
    /// `az account management-group entities list` or ARM's
    /// `Microsoft.Management/getEntities`.
    pub fn add_entities(&mut self, name: &str, v: &Value) {
        let Some(list) = items(v) else {
            self.skipped.push(Skipped {
                input: name.to_string(),
                reason: "not a list of entities; give `az account management-group entities list -o json`".into(),
            });
            return;
        };
        for e in list {
            let Some(id) = text(e, "id") else { continue };
            let parent = field(e, "parent")
                .and_then(|p| p.get("id"))
                .and_then(Value::as_str)
                .map(scope::normalize);
            let display = text(e, "displayName").map(str::to_string);
            let id = scope::normalize(id);
            if let Some(s) = scope::subscription_of(&id) {
                self.add_subscription(&s, display.as_deref());
            }
            self.entities.insert(id, (display, parent));
        }
    }

    /// A query of `subscription`'s Activity Log answered for `[from, to]`
    /// in `pages` pages: it covers the subscription over that range, with
    /// or without events.
    pub fn answered(
        &mut self,
        subscription: &str,
        name: &str,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
        pages: u64,
    ) {
        let sub = subscription.to_ascii_lowercase();
        let s = self
            .events
            .sources
            .entry((sub.clone(), name.to_string()))
            .or_insert_with(|| {
                let mut s = SourceCoverage::new(SourceKind::AzureActivityLog, name);
                s.system = Some(sub.clone());
                s.management_events = true;
                s
            });
        s.files_read = pages;
        s.answered_from = Some(from);
        s.answered_to = Some(to);
        self.subscriptions.entry(sub).or_default();
    }

    /// Leaves out a subscription that could not be collected: it is named
    /// in the skipped inputs, not audited as one without identities.
    pub fn drop_subscription(&mut self, id: &str) {
        self.subscriptions.remove(&id.to_ascii_lowercase());
    }

    /// Every principal an assignment names.
    pub fn principal_ids(&self) -> Vec<String> {
        let mut set: BTreeSet<String> = self
            .assignments
            .iter()
            .map(|a| a.principal.clone())
            .collect();
        // A deny's principals and exclusions: groups among them need their
        // members even when they hold no assignment.
        for d in &self.denies {
            for key in ["principals", "excludePrincipals"] {
                set.extend(deny_ids(&d.document, key));
            }
        }
        set.remove(super::rules::EVERYONE);
        set.into_iter().collect()
    }

    /// The Activity Log events of one file or page, already read.
    pub fn add_events(&mut self, events: Events) {
        self.events.merge(events);
    }

    /// The management groups above a subscription, nearest first.
    fn ancestors(&self, sub: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = self
            .entities
            .get(&format!("/subscriptions/{sub}"))
            .and_then(|e| e.1.clone());
        while let Some(p) = at {
            if out.contains(&p) || !p.starts_with(MG_PREFIX) {
                break;
            }
            at = self.entities.get(&p).and_then(|e| e.1.clone());
            out.push(p);
        }
        out
    }

    /// The subscriptions an assignment reaches.
    fn reach(
        &self,
        a: &Assignment,
        subs: &[String],
        above: &HashMap<&str, Vec<String>>,
    ) -> Vec<String> {
        if let Some(s) = scope::subscription_of(&a.scope) {
            return vec![s];
        }
        let at = scope::normalize(&a.scope);
        let tree_known = !self.entities.is_empty();
        if tree_known {
            // The subscriptions the tree places under it, and those whose
            // place is unknown but whose list held it (it applies to them).
            let mut out: Vec<String> = subs
                .iter()
                .filter(|s| at == "/" || above.get(s.as_str()).is_some_and(|m| m.contains(&at)))
                .cloned()
                .collect();
            out.extend(
                a.file_subscriptions
                    .iter()
                    .filter(|s| above.get(s.as_str()).is_none_or(Vec::is_empty))
                    .filter(|s| !out.contains(s))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            return out;
        }
        if !a.file_subscriptions.is_empty() {
            return a.file_subscriptions.clone();
        }
        subs.to_vec()
    }

    /// The snapshot of everything read.
    pub fn finish(mut self) -> Snapshot {
        let mut snap = Snapshot::new();
        // Subscriptions: named by an input, or by the logs.
        for (sub, _) in self.events.sources.keys() {
            if !sub.is_empty() {
                self.subscriptions.entry(sub.clone()).or_default();
            }
        }
        let subs: Vec<String> = self.subscriptions.keys().cloned().collect();
        let above: HashMap<&str, Vec<String>> = subs
            .iter()
            .map(|s| (s.as_str(), self.ancestors(s)))
            .collect();
        // Transitive membership: a group's listed members, through nested groups.
        let members = self.transitive_members();
        let mut ids: BTreeMap<String, Identity> = BTreeMap::new();
        let mut unplaced = 0usize;
        for a in &self.assignments {
            let reach = self.reach(a, &subs, &above);
            if reach.is_empty() {
                unplaced += 1;
            }
            for sub in reach {
                let id = identity_id(&sub, &a.principal);
                let identity = ids
                    .entry(id.clone())
                    .or_insert_with(|| self.identity(&sub, &a.principal, &members));
                identity.grants.push(Grant {
                    policy: a.role.clone(),
                    scope: a.scope.clone(),
                    condition: a.condition.clone(),
                    eligible: a.eligible,
                });
            }
        }
        if unplaced > 0 {
            self.warnings.push(Warning {
                input: "role assignments".into(),
                message: format!(
                    "{unplaced} assignment(s) at a management group reach no subscription of the import; give --management-groups (`az account management-group entities list -o json`) to place them"
                ),
            });
        }
        // The members of assigned groups, in each subscription the group is in.
        let groups: Vec<(String, String, String)> = ids
            .values()
            .filter(|i| i.kind == IdentityKind::Group)
            .map(|i| {
                (
                    i.id.clone(),
                    i.system.clone(),
                    super::rules::principal_of(i).to_string(),
                )
            })
            .collect();
        for (gid, sub, g) in groups {
            for m in members.get(&g).into_iter().flatten() {
                if self.principals.get(m).and_then(|p| p.kind) == Some(IdentityKind::Group) {
                    continue;
                }
                let id = identity_id(&sub, m);
                let identity = ids
                    .entry(id)
                    .or_insert_with(|| self.identity(&sub, m, &members));
                if !identity.member_of.contains(&gid) {
                    identity.member_of.push(gid.clone());
                }
            }
        }
        for i in ids.values_mut() {
            i.member_of.sort();
            i.grants
                .sort_by(|a, b| (&a.scope, &a.policy).cmp(&(&b.scope, &b.policy)));
            i.grants.dedup_by(|a, b| {
                a.scope.eq_ignore_ascii_case(&b.scope)
                    && a.policy == b.policy
                    && a.condition == b.condition
                    && a.eligible == b.eligible
            });
        }
        let unnamed = ids
            .values()
            .filter(|i| i.name == super::rules::principal_of(i))
            .map(|i| super::rules::principal_of(i).to_string())
            .collect::<BTreeSet<_>>();
        if !unnamed.is_empty() {
            self.warnings.push(Warning {
                input: "principals".into(),
                message: format!(
                    "{} principal(s) have no name (shown by object id), e.g. {}: give --principals from Microsoft Graph (`az ad user list`, `az ad sp list`, `az ad group list`) to name them",
                    unnamed.len(),
                    unnamed.iter().next().map_or("", String::as_str)
                ),
            });
        }
        self.usage_into(&mut snap, &ids);
        for (sub, name) in &self.subscriptions {
            snap.systems.push(System {
                cloud: Cloud::Azure,
                id: sub.clone(),
                name: name.clone(),
                scp_levels: Vec::new(),
                ancestors: above.get(sub.as_str()).cloned().unwrap_or_default(),
                audit_log_configs: Vec::new(),
            });
        }
        snap.identities = ids.into_values().collect();
        snap.policies = self.referenced_definitions();
        // A deny names groups; the audit matches principals: each group's
        // members are written beside it.
        for d in &mut self.denies {
            for key in ["principals", "excludePrincipals"] {
                let extra: Vec<Value> = deny_ids(&d.document, key)
                    .iter()
                    .filter_map(|g| members.get(g))
                    .flatten()
                    .map(|m| serde_json::json!({ "id": m, "type": "GroupMember" }))
                    .collect();
                if let Some(list) = d.document.get_mut(key).and_then(Value::as_array_mut) {
                    list.extend(extra);
                }
            }
        }
        snap.policies.append(&mut self.denies);
        snap.listed_permissions = std::mem::take(&mut self.operations);
        self.warn_beyond_catalog(&snap);
        snap.coverage.sources = std::mem::take(&mut self.sources);
        snap.coverage
            .sources
            .extend(std::mem::take(&mut self.events.sources).into_values());
        snap.coverage.skipped = std::mem::take(&mut self.skipped);
        snap.coverage.skipped.append(&mut self.events.skipped);
        snap.coverage.warnings = std::mem::take(&mut self.warnings);
        snap.normalize();
        snap
    }

    /// Warns of the operations that roles or the logs name and the catalog
    /// lacks: they are granted and counted as written.
    fn warn_beyond_catalog(&mut self, snap: &Snapshot) {
        let listed: HashSet<(String, bool)> = snap
            .listed_permissions
            .iter()
            .map(|p| (p.name.to_ascii_lowercase(), p.data_plane))
            .collect();
        let embedded = crate::clouds::Provider::catalog(&super::Azure);
        let beyond: BTreeSet<String> = named_operations(snap)
            .into_iter()
            .filter(|(n, d)| {
                if listed.is_empty() {
                    embedded.lookup_plane(n, *d).is_none()
                } else {
                    !listed.contains(&(n.to_ascii_lowercase(), *d))
                }
            })
            .map(|(n, _)| n)
            .collect();
        if beyond.is_empty() {
            return;
        }
        let which = if listed.is_empty() {
            "the embedded catalog"
        } else {
            "the tenant's operations (--operations)"
        };
        let shown: Vec<&str> = beyond.iter().take(5).map(String::as_str).collect();
        self.warnings.push(Warning {
            input: "catalog".into(),
            message: format!(
                "{} operation(s) that roles or the Activity Log name are not in {which}: granted and counted as written ({}{})",
                beyond.len(),
                shown.join(", "),
                if beyond.len() > shown.len() { ", ..." } else { "" }
            ),
        });
    }

    /// The role definitions the assignments use: as read, or else the
    /// embedded built-in role. A role neither holds is left to the audit,
    /// which names it.
    fn referenced_definitions(&mut self) -> Vec<Policy> {
        let used: BTreeSet<&str> = self.assignments.iter().map(|a| a.role.as_str()).collect();
        let mut out: Vec<Policy> = std::mem::take(&mut self.definitions)
            .into_iter()
            .filter(|p| used.contains(p.id.as_str()))
            .collect();
        let have: HashSet<String> = out.iter().map(|p| p.id.clone()).collect();
        for role in used {
            if have.contains(role) {
                continue;
            }
            if let Some(r) = super::catalog::built_in_role(role) {
                out.push(built_in_policy(role, r));
            }
        }
        out
    }

    fn transitive_members(&self) -> HashMap<String, Vec<String>> {
        let mut out = HashMap::new();
        for (g, p) in &self.principals {
            let Some(direct) = &p.members else { continue };
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut stack: Vec<String> = direct.clone();
            while let Some(m) = stack.pop() {
                if m == *g || !seen.insert(m.clone()) {
                    continue;
                }
                if let Some(nested) = self.principals.get(&m).and_then(|x| x.members.as_ref()) {
                    stack.extend(nested.iter().cloned());
                }
            }
            out.insert(g.clone(), seen.into_iter().collect());
        }
        out
    }

    fn identity(
        &self,
        sub: &str,
        principal: &str,
        members: &HashMap<String, Vec<String>>,
    ) -> Identity {
        let p = self.principals.get(principal).cloned().unwrap_or_default();
        let kind = match p.kind {
            // A group whose members are not listed: its use is never seen.
            Some(IdentityKind::Group) if !members.contains_key(principal) => {
                IdentityKind::PrincipalSet
            }
            Some(k) => k,
            None => IdentityKind::ServicePrincipal,
        };
        Identity {
            id: identity_id(sub, principal),
            cloud: Cloud::Azure,
            system: sub.to_string(),
            name: p.name.clone().unwrap_or_else(|| principal.to_string()),
            kind,
            created: None,
            human: p.upn.clone().filter(|_| kind == IdentityKind::User),
            member_of: Vec::new(),
            grants: Vec::new(),
            boundary: None,
            trusted_by: Vec::new(),
            provider_managed: false,
        }
    }

    /// Usage and activity from the events, for the principals known.
    fn usage_into(&mut self, snap: &mut Snapshot, ids: &BTreeMap<String, Identity>) {
        // A caller is an object id, a user principal name or an app id.
        // Keys lowercased, as callers are; an id, UPN or app id wins over a
        // name that only looks like a UPN (an assignment's principalName).
        let mut by_caller: HashMap<String, &str> = HashMap::new();
        for (id, p) in &self.principals {
            for key in [Some(id), p.upn.as_ref(), p.app_id.as_ref()]
                .into_iter()
                .flatten()
            {
                by_caller.insert(key.clone(), id.as_str());
            }
        }
        for (id, p) in &self.principals {
            if let Some(n) = p.name.as_ref().filter(|n| n.contains('@')) {
                by_caller
                    .entry(n.to_ascii_lowercase())
                    .or_insert(id.as_str());
            }
        }
        let resolve = |sub: &str, caller: &str| -> Option<String> {
            let p = by_caller.get(caller).copied()?;
            let id = identity_id(sub, p);
            ids.contains_key(&id).then_some(id)
        };
        let mut unknown: HashMap<(String, String), u64> = HashMap::new();
        let mut activity: HashMap<String, Seen> = HashMap::new();
        let mut usage: HashMap<(String, String, String), Seen> = HashMap::new();
        for ((sub, caller, action, at), seen) in std::mem::take(&mut self.events.used) {
            let Some(id) = resolve(&sub, &caller) else {
                *unknown.entry((sub, caller)).or_default() += 1;
                continue;
            };
            activity
                .entry(id.clone())
                .or_insert(Seen::at(seen.first))
                .merge(seen);
            usage
                .entry((id, action, at))
                .and_modify(|s| s.merge(seen))
                .or_insert(seen);
        }
        for ((id, action, at), s) in usage {
            snap.usage.push(UsageRecord {
                identity: id,
                permission: action,
                source: EvidenceSource::AzureActivityLog,
                scope: Some(at),
                first_seen: s.first,
                last_seen: s.last,
                count: s.count.max(1),
            });
        }
        for (id, s) in activity {
            snap.activity.push(Activity {
                identity: id,
                kind: ActivityKind::ApiCall,
                source: EvidenceSource::AzureActivityLog,
                first_seen: Some(s.first),
                last_seen: s.last,
                count: s.count.max(1),
            });
        }
        for ((sub, caller), s) in std::mem::take(&mut self.events.denied) {
            match resolve(&sub, &caller) {
                Some(id) => snap.activity.push(Activity {
                    identity: id,
                    kind: ActivityKind::DeniedAttempt,
                    source: EvidenceSource::AzureActivityLog,
                    first_seen: Some(s.first),
                    last_seen: s.last,
                    count: s.count,
                }),
                None => *unknown.entry((sub, caller)).or_default() += 1,
            }
        }
        if !unknown.is_empty() {
            let callers: BTreeSet<&str> = unknown.keys().map(|(_, c)| c.as_str()).collect();
            self.warnings.push(Warning {
                input: "Activity Log".into(),
                message: format!(
                    "{} caller(s) hold no assignment the import knows of in the subscription they acted in (e.g. {}): their events are not counted; a group's members need --principals with its members",
                    callers.len(),
                    callers.iter().next().copied().unwrap_or("")
                ),
            });
        }
    }
}

/// The principal ids a deny assignment's `key` list names, lowercased.
fn deny_ids(doc: &Value, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("id").and_then(Value::as_str))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// An embedded built-in role as a snapshot's policy, in `az`'s shape.
pub fn built_in_policy(id: &str, r: &super::catalog::BuiltInRole) -> Policy {
    let blocks: Vec<Value> = r
        .blocks
        .iter()
        .map(|b| {
            serde_json::json!({
                "actions": b.actions,
                "notActions": b.not_actions,
                "dataActions": b.data_actions,
                "notDataActions": b.not_data_actions,
                "condition": b.condition,
            })
        })
        .collect();
    Policy {
        id: id.to_string(),
        cloud: Cloud::Azure,
        name: r.name.to_string(),
        kind: PolicyKind::ProviderManaged,
        document: serde_json::json!({ "permissions": blocks }),
        origin: Some(format!("built-in roles of {}", super::catalog::SOURCE)),
    }
}

/// The identity kind of an assignment's `principalType`.
fn kind_of_type(t: &str) -> IdentityKind {
    match t.to_ascii_lowercase().as_str() {
        "user" => IdentityKind::User,
        "group" => IdentityKind::Group,
        "foreigngroup" => IdentityKind::PrincipalSet,
        _ => IdentityKind::ServicePrincipal,
    }
}

/// The files of `import azure`, by what they hold.
#[derive(Debug, Default)]
pub struct Files {
    pub assignments: Vec<InputFile>,
    pub eligible: Vec<InputFile>,
    pub definitions: Vec<InputFile>,
    pub denies: Vec<InputFile>,
    pub operations: Vec<InputFile>,
    pub principals: Vec<InputFile>,
    pub entities: Vec<InputFile>,
    pub activity: Vec<InputFile>,
}

/// Reads the files into a tenant (`threads` read the Activity Log at once).
/// A file that cannot be read, or is not what its flag says, is skipped
/// and named; the rest are kept.
pub fn import(files: &Files, threads: usize) -> Snapshot {
    let mut t = Tenant::default();
    let json = |t: &mut Tenant, f: &InputFile| -> Option<Value> {
        let name = f.display();
        let bytes = match f.read() {
            Ok(b) => b,
            Err(e) => {
                t.skipped.push(Skipped {
                    input: name,
                    reason: format!("cannot read it: {e}"),
                });
                return None;
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                t.skipped.push(Skipped {
                    input: name,
                    reason: format!("not JSON ({e}); give the `-o json` output of the az command"),
                });
                None
            }
        }
    };
    type Add = fn(&mut Tenant, &str, &Value);
    let kinds: [(&[InputFile], Add); 6] = [
        (&files.entities, Tenant::add_entities),
        (&files.principals, Tenant::add_principals),
        (&files.operations, Tenant::add_operations),
        (&files.definitions, Tenant::add_definitions),
        (&files.denies, Tenant::add_denies),
        (&files.assignments, Tenant::add_assignments),
    ];
    for (list, add) in kinds {
        for f in list {
            if let Some(v) = json(&mut t, f) {
                add(&mut t, &f.display(), &v);
            }
        }
    }
    for f in &files.eligible {
        if let Some(v) = json(&mut t, f) {
            t.add_eligible(None, &f.display(), &v);
        }
    }
    let queue = std::sync::Mutex::new(files.activity.iter());
    let read: Vec<Events> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1).min(files.activity.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut ev = Events::default();
                    loop {
                        let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                        let Some(f) = next else { break };
                        match f.read() {
                            Ok(bytes) => ev.merge(read_events(&f.display(), &bytes)),
                            Err(e) => ev.skipped.push(Skipped {
                                input: f.display(),
                                reason: format!("cannot read it: {e}"),
                            }),
                        }
                    }
                    ev
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    for ev in read {
        t.add_events(ev);
    }
    t.finish()
}

/// The operations an audit's catalog needs beyond its base: the concrete
/// names the snapshot's roles grant (Actions and DataActions; a name only
/// taken away, by a NotAction or a deny assignment, changes nothing), and
/// those its usage names (Actions: the Activity Log has no DataActions).
pub fn named_operations(snap: &Snapshot) -> Vec<(String, bool)> {
    let mut seen: HashSet<(String, bool)> = HashSet::new();
    let mut out = Vec::new();
    let mut add = |n: &str, data: bool| {
        if !n.contains(['*', '?']) && seen.insert((n.to_ascii_lowercase(), data)) {
            out.push((n.to_string(), data));
        }
    };
    for p in snap
        .policies
        .iter()
        .filter(|p| p.cloud == Cloud::Azure && p.kind != PolicyKind::DenyAssignment)
    {
        for b in super::rules::blocks_of(&p.document) {
            for n in &b.actions {
                add(n, false);
            }
            for n in &b.data_actions {
                add(n, true);
            }
        }
    }
    for u in snap
        .usage
        .iter()
        .filter(|u| u.source == EvidenceSource::AzureActivityLog)
    {
        add(&u.permission, false);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const MG_A: &str = "/providers/Microsoft.Management/managementGroups/a";

    fn owner_at(scope: &str, principal: &str) -> Value {
        json!([{
            "principalId": principal,
            "principalType": "User",
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "scope": scope,
        }])
    }

    /// A management group's assignment reaches the subscriptions the tree
    /// places under it, and a subscription the tree does not place but
    /// whose list held it; not one placed elsewhere.
    #[test]
    fn a_management_groups_assignment_reaches_where_it_applies() {
        let mut t = Tenant::default();
        t.add_entities(
            "entities",
            &json!([
                {"id": MG_A, "type": "Microsoft.Management/managementGroups", "parent": null},
                {"id": "/providers/Microsoft.Management/managementGroups/b", "type": "Microsoft.Management/managementGroups", "parent": null},
                {"id": "/subscriptions/s1", "type": "/subscriptions", "parent": {"id": MG_A}},
                {"id": "/subscriptions/s3", "type": "/subscriptions", "parent": {"id": "/providers/Microsoft.Management/managementGroups/b"}},
            ]),
        );
        t.add_assignments_of(Some("s1"), "s1", &owner_at(MG_A, "p1"));
        // s2 is not in the tree (a page of entities not read): ARM listed
        // the assignment for it, so it applies there.
        t.add_assignments_of(Some("s2"), "s2", &owner_at(MG_A, "p1"));
        t.add_assignments_of(Some("s3"), "s3", &owner_at("/subscriptions/s3", "p2"));
        let snap = t.finish();
        let ids: Vec<&str> = snap.identities.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "subscriptions/s1/principals/p1",
                "subscriptions/s2/principals/p1",
                "subscriptions/s3/principals/p2",
            ]
        );
    }

    /// A deny that excludes a group with no assignment: its members are
    /// written among the exclusions, so the audit does not deny them.
    #[test]
    fn a_denys_groups_are_written_with_their_members() {
        let mut t = Tenant::default();
        t.add_assignments_of(Some("s1"), "s1", &owner_at("/subscriptions/s1", "p1"));
        t.add_denies(
            "denies",
            &json!({"value": [{"id": "d1", "properties": {
                "scope": "/subscriptions/s1",
                "permissions": [{"actions": ["*/delete"]}],
                "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
                "excludePrincipals": [{"id": "G1", "type": "Group"}],
            }}]}),
        );
        assert!(
            t.principal_ids().contains(&"g1".to_string()),
            "Graph is asked for the group"
        );
        t.add_principals(
            "graph",
            &json!({"value": [{"@odata.type": "#microsoft.graph.group", "id": "g1", "transitiveMembers": [{"id": "P1"}]}]}),
        );
        let snap = t.finish();
        let deny = snap
            .policies
            .iter()
            .find(|p| p.kind == PolicyKind::DenyAssignment)
            .expect("the deny");
        assert_eq!(deny_ids(&deny.document, "excludePrincipals"), ["g1", "p1"]);
    }
}
