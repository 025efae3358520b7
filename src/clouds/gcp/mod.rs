//! Google Cloud: IAM policies of the organization, its folders and projects,
//! roles, service accounts and their keys, and Cloud Audit Logs, read from
//! `gcloud` exports ([`import`]) into the common snapshot.

pub mod auditlog;
pub mod catalog;
pub mod import;
pub mod live;
pub mod members;
pub mod observe;
pub mod rules;

use serde_json::Value;

/// The items of a `gcloud` list (an array), or of the REST answer that
/// wraps it (`{"KEY": [...]}`; `{}` or only a page token when empty).
/// `None`: neither, so not the export expected.
pub(crate) fn items<'v>(v: &'v Value, key: &str) -> Option<&'v [Value]> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(o) => match o.get(key) {
            Some(Value::Array(a)) => Some(a),
            None if o.keys().all(|k| k == "nextPageToken") => Some(&[]),
            _ => None,
        },
        _ => None,
    }
}

/// Keeps the latest time seen for `key`.
pub(crate) fn note_latest(
    map: &mut std::collections::HashMap<String, jiff::Timestamp>,
    key: &str,
    t: jiff::Timestamp,
) {
    let e = map.entry(key.to_string()).or_insert(t);
    *e = (*e).max(t);
}
