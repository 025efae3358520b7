//! Microsoft Azure: role assignments at management group, subscription,
//! resource group and resource scopes, role and deny definitions, principals
//! from Microsoft Graph, and the Activity Log, read from `az` exports
//! ([`import`]) or live from ARM and Graph ([`live`]) into the common
//! snapshot.

pub mod args;
pub mod catalog;
pub mod command;
pub mod credentials;
pub mod import;
pub mod live;
pub mod rules;
pub mod scope;

use std::sync::Arc;

use super::{Listing, Names, Provider};
use crate::analysis::rules::Rules;
use crate::catalog::{Catalog, Cloud};
use crate::model::Snapshot;

/// What Azure calls things.
pub static NAMES: Names = Names {
    system: "subscription",
    system_label: "Azure subscription",
    logs: "Activity Log",
    permissions: "operations",
    data_events: false,
};

/// Azure behind the seam.
pub struct Azure;

impl super::Commands for Azure {
    type Import = args::ImportAzure;
    type Live = args::LiveAzure;

    fn import(run: &super::Run, a: &args::ImportAzure) -> Result<Snapshot, crate::exit::Failure> {
        command::import(run, a)
    }

    fn usage(a: &args::LiveAzure) -> &super::args::UsageRange {
        &a.range
    }

    fn collect(
        run: &super::Run,
        a: &args::LiveAzure,
        range: &crate::time::Range,
    ) -> Result<Snapshot, crate::exit::Failure> {
        command::collect(run, a, range)
    }
}

impl Provider for Azure {
    fn cloud(&self) -> Cloud {
        Cloud::Azure
    }

    fn names(&self) -> &'static Names {
        &NAMES
    }

    fn catalog(&self) -> Arc<Catalog> {
        static BASE: std::sync::OnceLock<Arc<Catalog>> = std::sync::OnceLock::new();
        BASE.get_or_init(|| {
            Arc::new(catalog::catalog(
                catalog::embedded_operations().iter().copied(),
                std::iter::empty(),
                catalog::SOURCE,
            ))
        })
        .clone()
    }

    /// The tenant's own operations when the snapshot holds them, else the
    /// embedded ones; with the concrete names its roles and usage use
    /// beyond them.
    fn audit_catalog(&self, snap: &Snapshot) -> Arc<Catalog> {
        let listed: Vec<(&str, bool)> = snap
            .listed_permissions
            .iter()
            .filter(|p| p.cloud == Cloud::Azure)
            .map(|p| (p.name.as_str(), p.data_plane))
            .collect();
        let named = import::named_operations(snap);
        let base = if listed.is_empty() {
            self.catalog()
        } else {
            Arc::new(catalog::catalog(
                listed.iter().copied(),
                std::iter::empty(),
                catalog::TENANT_SOURCE,
            ))
        };
        let beyond: Vec<(&str, bool)> = named
            .iter()
            .filter(|(n, d)| base.lookup_plane(n, *d).is_none())
            .map(|(n, d)| (n.as_str(), *d))
            .collect();
        if beyond.is_empty() {
            return base;
        }
        let source = if listed.is_empty() {
            catalog::SOURCE
        } else {
            catalog::TENANT_SOURCE
        };
        let base_ops: Vec<(String, bool)> = (0..base.len())
            .map(|i| (base.qualified(i), base.perms[i].data_plane))
            .collect();
        Arc::new(catalog::catalog(
            base_ops.iter().map(|(n, d)| (n.as_str(), *d)),
            beyond,
            source,
        ))
    }

    /// Azure's operations start with a provider namespace and a `/`
    /// (`Microsoft.Compute/virtualMachines/write`) and end in a verb without
    /// a `.`; AWS's have a `:`, and GCP's have no `/` but in IAM's
    /// host-qualified spelling (`iam.googleapis.com/workloadIdentityPools.create`).
    fn spells(&self, permission: &str) -> bool {
        permission.split_once('/').is_some_and(|(p, rest)| {
            p.contains('.')
                && !p.contains(':')
                && !rest.rsplit('/').next().unwrap_or("").contains('.')
        })
    }

    fn rules<'s>(&self, snap: &'s Snapshot, cat: &'s Catalog) -> Box<dyn Rules<'s> + 's> {
        Box::new(rules::AzureRules::new(snap, cat))
    }

    /// A built-in role (by name or GUID), or a pattern of operations over
    /// both planes (`Microsoft.Storage/*`, `*/read`, `*`).
    fn listing(&self, pattern: &str) -> Result<Listing, String> {
        let cat = self.catalog();
        let role = catalog::built_in_role_named(pattern).or_else(|| {
            (pattern.len() == 36 && !pattern.contains('/'))
                .then(|| catalog::built_in_role(pattern))
                .flatten()
        });
        if let Some(role) = role {
            let (set, _) = catalog::grant_of(&cat, &role.blocks);
            return Ok(Listing {
                catalog: cat,
                set,
                label: format!("{} ({})", role.name, role.id),
            });
        }
        if !catalog::is_operation(pattern) {
            return Err(format!(
                "{pattern:?} is neither a built-in role nor an operation pattern: write PROVIDER/TYPE/VERB with wildcards, e.g. 'Microsoft.Storage/*', '*/read' or '*', or a role name such as 'Storage Blob Data Reader'"
            ));
        }
        let mut set = cat.empty_set();
        cat.add_matching_plane(pattern, &mut set, false);
        cat.add_matching_plane(pattern, &mut set, true);
        Ok(Listing {
            catalog: cat,
            set,
            label: pattern.to_string(),
        })
    }

    fn demo(&self, run: &super::Run) -> anyhow::Result<Snapshot> {
        Ok(command::demo(run))
    }
}
