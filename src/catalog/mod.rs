//! Permission catalogs, one per cloud: every permission with its access level
//! and risk tier, and wildcard matching over them.
//!
//! A catalog is a sorted list of permissions; sets of permissions are bitsets
//! over that list (see [`PermSet`]), so an identity's effective grant is a few
//! kilobytes whatever its policies say.

pub mod pattern;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use fixedbitset::FixedBitSet;
use serde::{Deserialize, Serialize};

/// A set of permissions of one catalog.
pub type PermSet = FixedBitSet;

pub use crate::model::Cloud;

/// Access level, as AWS's Service Authorization Reference classifies actions.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    List,
    Read,
    Tagging,
    Write,
    PermissionsManagement,
}

impl AccessLevel {
    pub fn from_code(c: &str) -> Option<Self> {
        Some(match c {
            "L" => Self::List,
            "R" => Self::Read,
            "W" => Self::Write,
            "P" => Self::PermissionsManagement,
            "T" => Self::Tagging,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::List => "List",
            Self::Read => "Read",
            Self::Tagging => "Tagging",
            Self::Write => "Write",
            Self::PermissionsManagement => "Permissions management",
        }
    }
}

/// Risk tier of a permission, derived from its access level and name
/// (see [`risk_of`]). Ordered from least to most risky.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RiskTier {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskTier {
    /// High-risk for findings: permissions management and destructive writes.
    pub fn is_high_risk(self) -> bool {
        self >= RiskTier::High
    }
}

/// Verbs whose Write actions destroy or disable something: the "destructive
/// Write" tier. Matched on the start of the action name.
pub const DESTRUCTIVE_VERBS: &[&str] = &[
    "Delete",
    "Terminate",
    "Destroy",
    "Purge",
    "Remove",
    "Disable",
    "Detach",
    "Disassociate",
    "Deregister",
    "Revoke",
    "Stop",
    "Reset",
    "Cancel",
];

/// Risk tier of an action: Permissions management is critical, destructive
/// Write is high, other Write and Tagging medium, Read and List low.
pub fn risk_of(level: AccessLevel, name: &str) -> RiskTier {
    match level {
        AccessLevel::PermissionsManagement => RiskTier::Critical,
        AccessLevel::Write if DESTRUCTIVE_VERBS.iter().any(|v| starts_with_word(name, v)) => {
            RiskTier::High
        }
        AccessLevel::Write | AccessLevel::Tagging => RiskTier::Medium,
        AccessLevel::Read | AccessLevel::List => RiskTier::Low,
    }
}

/// `DeleteBucket` starts with the word `Delete`; `Resetting` would not match `Reset`
/// only if followed by a lowercase letter.
fn starts_with_word(name: &str, verb: &str) -> bool {
    name.starts_with(verb)
        && name[verb.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_lowercase())
}

/// One permission of a catalog.
#[derive(Debug, Clone)]
pub struct Permission {
    /// Index of its service in [`Catalog::services`].
    pub service: u32,
    /// The action's name in its cloud's casing, without the service (`GetObject`).
    pub name: String,
    pub level: AccessLevel,
    pub risk: RiskTier,
    /// Resource types; a trailing `*` marks a required one.
    pub resource_types: Vec<String>,
    /// A data-plane permission (Azure's DataActions): matched only by
    /// data-plane patterns ([`Catalog::add_matching_plane`]), and its name
    /// may also be a control-plane permission's.
    pub data_plane: bool,
}

#[derive(Debug, Clone)]
pub struct Service {
    /// The permission prefix (`s3`).
    pub prefix: String,
    pub name: String,
    /// The service's permissions are `range` of [`Catalog::perms`].
    pub range: Range<usize>,
}

/// How a cloud spells its permission names: what the catalog of that cloud
/// is built with (each cloud's catalog module holds its own).
#[derive(Debug, Clone, Copy)]
pub struct NameRules {
    /// Between the service and the action: `s3:GetObject` (AWS),
    /// `storage.objects.get` (GCP).
    pub sep: &'static str,
    /// Whether names match exactly. IAM matches AWS actions ignoring ASCII
    /// case; GCP permission names are case-sensitive (Google's role data
    /// holds `networkservices.httpFilters.create` and
    /// `networkservices.httpfilters.create` as two permissions).
    pub case_sensitive: bool,
    /// The one spelling of a name that has several (GCP:
    /// `iam.googleapis.com/workloadIdentityPools.create` is
    /// `iam.workloadIdentityPools.create`); the catalog holds, looks up and
    /// matches names in this spelling.
    pub canonical: fn(&str) -> Cow<'_, str>,
    /// Whether a wildcard in the service part of a pattern matches across
    /// the separator: Azure's `*/read` and `Microsoft.*/read` match
    /// `Microsoft.Storage/storageAccounts/read`. Otherwise the service and
    /// the action are matched each by its part (`*:List*`).
    pub globs_cross_sep: bool,
}

/// A cloud whose names have one spelling each.
pub fn as_written(name: &str) -> Cow<'_, str> {
    Cow::Borrowed(name)
}

/// Marks the index keys of data-plane permissions: no name holds it.
const DATA_KEY: char = '\u{0}';

/// A cloud's permission catalog.
#[derive(Debug)]
pub struct Catalog {
    pub cloud: Cloud,
    /// Where the data comes from, for reports.
    pub source: &'static str,
    /// Between the service and the action (see [`NameRules::sep`]).
    pub sep: &'static str,
    /// See [`NameRules::case_sensitive`].
    pub case_sensitive: bool,
    canonical: fn(&str) -> Cow<'_, str>,
    globs_cross_sep: bool,
    /// Whether any permission is a data-plane one.
    has_data_plane: bool,
    pub perms: Vec<Permission>,
    pub services: Vec<Service>,
    service_index: HashMap<String, u32>,
    /// `prefix:action` (lowercased unless case-sensitive) to index.
    perm_index: HashMap<String, u32>,
    /// Each permission's rank in the byte order of `service:Action` names.
    name_rank: std::sync::OnceLock<Vec<u32>>,
}

impl Catalog {
    pub fn len(&self) -> usize {
        self.perms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.perms.is_empty()
    }

    pub fn empty_set(&self) -> PermSet {
        PermSet::with_capacity(self.perms.len())
    }

    pub fn full_set(&self) -> PermSet {
        let mut s = self.empty_set();
        s.insert_range(..);
        s
    }

    /// `service:Action` in the catalog's casing.
    pub fn qualified(&self, i: usize) -> String {
        let p = &self.perms[i];
        format!(
            "{}{}{}",
            self.services[p.service as usize].prefix, self.sep, p.name
        )
    }

    /// The indices of `set`, in the order of their `service:Action` names.
    pub fn sorted_by_name(&self, set: &PermSet) -> Vec<usize> {
        let rank = self.name_rank.get_or_init(|| {
            let mut order: Vec<usize> = (0..self.perms.len()).collect();
            order.sort_by_cached_key(|&i| self.qualified(i));
            let mut rank = vec![0u32; self.perms.len()];
            for (r, i) in order.into_iter().enumerate() {
                rank[i] = r as u32;
            }
            rank
        });
        let mut v: Vec<usize> = set.ones().collect();
        v.sort_by_key(|&i| rank[i]);
        v
    }

    pub fn prefix_of(&self, i: usize) -> &str {
        &self.services[self.perms[i].service as usize].prefix
    }

    /// A name as the indexes key it: in its canonical spelling, and
    /// lowercased unless case-sensitive.
    fn key<'a>(&self, name: &'a str) -> Cow<'a, str> {
        let name = (self.canonical)(name);
        if self.case_sensitive {
            name
        } else {
            Cow::Owned(name.to_ascii_lowercase())
        }
    }

    /// `name` in the catalog's one spelling of it (see [`NameRules::canonical`]).
    pub fn canonical<'a>(&self, name: &'a str) -> Cow<'a, str> {
        (self.canonical)(name)
    }

    /// Index of an exact permission: case-insensitive for AWS
    /// (`S3:getobject`), exact for a case-sensitive cloud. Of the control
    /// plane (see [`Permission::data_plane`]).
    pub fn lookup(&self, qualified: &str) -> Option<usize> {
        self.lookup_plane(qualified, false)
    }

    /// [`Catalog::lookup`] in the control plane or, `data`, the data plane.
    pub fn lookup_plane(&self, qualified: &str, data: bool) -> Option<usize> {
        let key = self.key(qualified);
        let found = if data {
            self.perm_index.get(&format!("{DATA_KEY}{key}"))
        } else {
            self.perm_index.get(key.as_ref())
        };
        found.map(|&i| i as usize)
    }

    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.service_index
            .get(self.key(prefix).as_ref())
            .map(|&i| &self.services[i as usize])
    }

    pub fn has_service(&self, prefix: &str) -> bool {
        self.service(prefix).is_some()
    }

    /// The permissions a pattern such as `s3:Get*`, `*:List*` or `*` matches:
    /// case-insensitively for AWS, as IAM matches the `Action` element;
    /// exactly for a case-sensitive cloud.
    pub fn matching(&self, pattern: &str) -> PermSet {
        let mut set = self.empty_set();
        self.add_matching(pattern, &mut set);
        set
    }

    /// Adds the matches of `pattern` to `set`; returns how many it matched.
    /// Of the control plane (see [`Permission::data_plane`]).
    pub fn add_matching(&self, pattern: &str, set: &mut PermSet) -> usize {
        self.add_matching_plane(pattern, set, false)
    }

    /// [`Catalog::add_matching`] in the control plane or, `data`, the data
    /// plane.
    pub fn add_matching_plane(&self, pattern: &str, set: &mut PermSet, data: bool) -> usize {
        let pat = self.key(pattern.trim()).into_owned();
        let fold = !self.case_sensitive;
        if pat == "*" {
            if !self.has_data_plane && !data {
                set.insert_range(..);
                return self.perms.len();
            }
            let before = set.count_ones(..);
            set.extend((0..self.perms.len()).filter(|&i| self.perms[i].data_plane == data));
            return set.count_ones(..) - before;
        }
        let Some((svc, act)) = pat.split_once(self.sep) else {
            return 0;
        };
        let mut n = 0;
        let mut scan = |range: Range<usize>, s: &mut PermSet, whole: bool| {
            for i in range {
                let p = &self.perms[i];
                if p.data_plane != data {
                    continue;
                }
                let hit = if whole {
                    let name = format!("{}{}{}", self.prefix_of(i), self.sep, p.name);
                    pattern::wildcard_match_case(pat.as_bytes(), name.as_bytes(), fold)
                } else {
                    pattern::wildcard_match_case(act.as_bytes(), p.name.as_bytes(), fold)
                };
                if hit {
                    s.insert(i);
                    n += 1;
                }
            }
        };
        if pattern::has_wildcard(svc) {
            for service in &self.services {
                if self.globs_cross_sep {
                    // `*/read`: the service's prefix must match the pattern's
                    // start up to its first wildcard.
                    let lead = &svc[..svc.find(['*', '?']).unwrap_or(svc.len())];
                    let prefix = service.prefix.as_bytes();
                    let n = lead.len().min(prefix.len());
                    let same = if fold {
                        lead.as_bytes()[..n].eq_ignore_ascii_case(&prefix[..n])
                    } else {
                        lead.as_bytes()[..n] == prefix[..n]
                    };
                    if same {
                        scan(service.range.clone(), set, true);
                    }
                } else if pattern::wildcard_match_case(
                    svc.as_bytes(),
                    service.prefix.as_bytes(),
                    fold,
                ) {
                    scan(service.range.clone(), set, false);
                }
            }
        } else if let Some(service) = self.service(svc) {
            if pattern::has_wildcard(act) {
                scan(service.range.clone(), set, false);
            } else if let Some(i) = self.lookup_plane(&pat, data) {
                set.insert(i);
                n = 1;
            }
        }
        n
    }

    /// Builds a catalog from `(prefix, service name)` and
    /// `(prefix, action, level, resource types)` rows, spelled by `rules`.
    /// Rows of one service must be contiguous.
    pub(crate) fn build(
        cloud: Cloud,
        source: &'static str,
        rules: NameRules,
        services: &[(String, String)],
        rows: Vec<(String, Permission)>,
    ) -> Catalog {
        let names: HashMap<&str, &str> = services
            .iter()
            .map(|(p, n)| (p.as_str(), n.as_str()))
            .collect();
        let mut cat = Catalog {
            cloud,
            source,
            sep: rules.sep,
            case_sensitive: rules.case_sensitive,
            canonical: rules.canonical,
            globs_cross_sep: rules.globs_cross_sep,
            has_data_plane: rows.iter().any(|(_, p)| p.data_plane),
            perms: Vec::with_capacity(rows.len()),
            services: Vec::new(),
            service_index: HashMap::new(),
            perm_index: HashMap::with_capacity(rows.len()),
            name_rank: std::sync::OnceLock::new(),
        };
        for (prefix, mut perm) in rows {
            let svc = match cat.services.last() {
                Some(s) if s.prefix == prefix => cat.services.len() - 1,
                _ => {
                    let start = cat.perms.len();
                    let key = cat.key(&prefix).into_owned();
                    cat.service_index.insert(key, cat.services.len() as u32);
                    cat.services.push(Service {
                        name: names
                            .get(prefix.as_str())
                            .unwrap_or(&prefix.as_str())
                            .to_string(),
                        prefix: prefix.clone(),
                        range: start..start,
                    });
                    cat.services.len() - 1
                }
            };
            perm.service = svc as u32;
            let mut key = cat
                .key(&format!("{prefix}{}{}", cat.sep, perm.name))
                .into_owned();
            if perm.data_plane {
                key.insert(0, DATA_KEY);
            }
            cat.perm_index.insert(key, cat.perms.len() as u32);
            cat.perms.push(perm);
            cat.services[svc].range.end = cat.perms.len();
        }
        cat
    }
}

/// The catalogs of an audit, one per cloud it covers.
#[derive(Debug, Clone, Default)]
pub struct Catalogs {
    list: Vec<Arc<Catalog>>,
}

impl Catalogs {
    pub fn new(list: Vec<Arc<Catalog>>) -> Self {
        Catalogs { list }
    }

    /// The AWS catalog alone.
    pub fn aws() -> Self {
        Catalogs {
            list: vec![crate::clouds::aws::catalog::shared()],
        }
    }

    pub fn get(&self, cloud: Cloud) -> Option<&Arc<Catalog>> {
        self.list.iter().find(|c| c.cloud == cloud)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Catalog>> {
        self.list.iter()
    }
}
