//! Google Cloud: IAM policies of the organization, its folders and projects,
//! roles, service accounts and their keys, and Cloud Audit Logs, read from
//! `gcloud` exports ([`import`]) into the common snapshot.

pub mod args;
pub mod auditlog;
pub mod catalog;
pub mod collect;
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

use std::sync::Arc;

use super::{Listing, Names, Provider};
use crate::analysis::rules::Rules;
use crate::catalog::{Catalog, Cloud};
use crate::model::Snapshot;

/// What GCP calls things.
pub static NAMES: Names = Names {
    system: "project",
    system_label: "GCP project",
    logs: "Cloud Audit Logs",
    permissions: "permissions",
    data_events: true,
};

/// GCP behind the seam.
pub struct Gcp;

impl super::Commands for Gcp {
    type Import = args::ImportGcp;
    type Live = args::LiveGcp;

    fn import(_run: &super::Run, a: &args::ImportGcp) -> Result<Snapshot, crate::exit::Failure> {
        collect::import(a)
    }

    fn usage(a: &args::LiveGcp) -> &super::args::UsageRange {
        &a.range
    }

    fn collect(
        run: &super::Run,
        a: &args::LiveGcp,
        range: &crate::time::Range,
    ) -> Result<Snapshot, crate::exit::Failure> {
        collect::collect(run, a, range)
    }
}

impl Provider for Gcp {
    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    fn names(&self) -> &'static Names {
        &NAMES
    }

    fn catalog(&self) -> Arc<Catalog> {
        static BASE: std::sync::OnceLock<Arc<Catalog>> = std::sync::OnceLock::new();
        BASE.get_or_init(|| Arc::new(catalog::catalog(std::iter::empty())))
            .clone()
    }

    /// The embedded catalog with the permissions the snapshot's roles and
    /// usage name beyond it.
    fn audit_catalog(&self, snap: &Snapshot) -> Arc<Catalog> {
        let extra = snap
            .policies
            .iter()
            .filter(|p| p.cloud == Cloud::Gcp)
            .flat_map(|p| rules::included_permissions(&p.document))
            .chain(
                snap.usage
                    .iter()
                    .filter(|u| crate::analysis::usage_cloud(snap, u) == Some(Cloud::Gcp))
                    .map(|u| u.permission.as_str()),
            );
        Arc::new(catalog::catalog(extra))
    }

    /// GCP's names have no `:` (`storage.objects.get`). Tried after every
    /// cloud whose spelling is narrower.
    fn spells(&self, permission: &str) -> bool {
        !permission.contains(':')
    }

    fn rules<'s>(&self, snap: &'s Snapshot, cat: &'s Catalog) -> Box<dyn Rules<'s> + 's> {
        Box::new(rules::GcpRules::new(snap, cat))
    }

    fn listing(&self, pattern: &str) -> Result<Listing, String> {
        let cat = self.catalog();
        if let Some(role) = pattern
            .starts_with("roles/")
            .then(|| catalog::predefined_role(pattern))
        {
            let role = role.ok_or_else(|| {
                format!(
                    "{pattern} is not a predefined role of the catalog ({}); custom roles: `gcloud iam roles describe`",
                    catalog::SOURCE
                )
            })?;
            let mut set = cat.empty_set();
            set.extend(role.permissions().filter_map(|p| cat.lookup(p)));
            return Ok(Listing {
                catalog: cat,
                set,
                label: format!("{pattern} ({})", role.title),
            });
        }
        if pattern != "*" && pattern.split('.').count() < 2 {
            return Err(format!(
                "{pattern:?} is not a permission pattern: write SERVICE.RESOURCE.VERB with wildcards, e.g. storage.objects.* or compute.*.list, or roles/NAME"
            ));
        }
        Ok(Listing {
            set: cat.matching(pattern),
            catalog: cat,
            label: pattern.to_string(),
        })
    }

    fn demo(&self, _run: &super::Run) -> anyhow::Result<Snapshot> {
        Ok(collect::demo())
    }
}
