//! Azure scopes: ARM ids of the tenant root (`/`), a management group
//! (`/providers/Microsoft.Management/managementGroups/MG`), a subscription
//! (`/subscriptions/S`), a resource group (`/subscriptions/S/resourceGroups/RG`)
//! or a resource under it. ARM compares ids ignoring case.

use std::collections::HashMap;

/// The start of a management group's id, lowercased.
pub const MG_PREFIX: &str = "/providers/microsoft.management/managementgroups/";

/// `scope` lowercased, without a trailing `/` (the root stays `/`).
pub fn normalize(scope: &str) -> String {
    let s = scope.trim().trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() { "/".to_string() } else { s }
}

/// The subscription a scope lies in (lowercased), if any.
pub fn subscription_of(scope: &str) -> Option<String> {
    let s = normalize(scope);
    let rest = s.strip_prefix("/subscriptions/")?;
    let id = rest.split('/').next().filter(|x| !x.is_empty())?;
    Some(id.to_string())
}

/// The resource group a scope lies in, as its scope
/// (`/subscriptions/s/resourcegroups/rg`, lowercased), if any.
pub fn resource_group_of(scope: &str) -> Option<String> {
    let s = normalize(scope);
    let mut parts = s.split('/');
    let (Some(""), Some("subscriptions"), Some(sub), Some("resourcegroups"), Some(rg)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (!rg.is_empty()).then(|| format!("/subscriptions/{sub}/resourcegroups/{rg}"))
}

/// The resource group part of a scope, as written
/// (`/subscriptions/S/resourceGroups/RG`), if it has one.
pub fn resource_group_written(scope: &str) -> Option<&str> {
    resource_group_of(scope)?;
    let s = scope.trim();
    let end = s.match_indices('/').nth(4).map_or(s.len(), |(i, _)| i);
    Some(&s[..end])
}

/// Whether `i` lies under `o` by its path (both normalized).
fn under(o: &str, i: &str) -> bool {
    i.len() > o.len() && i.starts_with(o) && i.as_bytes()[o.len()] == b'/'
}

/// The management group a scope lies in (`/providers/microsoft.management/
/// managementgroups/mg`, lowercased), if it lies in one and not in a
/// subscription.
pub fn management_group_of(scope: &str) -> Option<String> {
    let s = normalize(scope);
    let rest = s.strip_prefix(MG_PREFIX)?;
    let id = rest.split('/').next().filter(|x| !x.is_empty())?;
    Some(format!("{MG_PREFIX}{id}"))
}

/// What kind of scope an id is, for messages and findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Resource,
    ResourceGroup,
    Subscription,
    ManagementGroup,
    Root,
}

pub fn level(scope: &str) -> Level {
    let s = normalize(scope);
    if s == "/" {
        Level::Root
    } else if s.starts_with(MG_PREFIX) {
        Level::ManagementGroup
    } else {
        match s.split('/').count() {
            0..=3 => Level::Subscription,
            4..=5 => Level::ResourceGroup,
            _ => Level::Resource,
        }
    }
}

/// Which management groups lie above each subscription (lowercased ids,
/// nearest first), for the scopes that name a management group.
#[derive(Debug, Default)]
pub struct Tree {
    above: HashMap<String, Vec<String>>,
    /// The management groups above each management group, nearest first.
    mg_above: HashMap<String, Vec<String>>,
}

impl Tree {
    /// From each subscription and the management groups above it.
    pub fn new<'a>(subs: impl IntoIterator<Item = (&'a str, &'a [String])>) -> Self {
        let above: HashMap<String, Vec<String>> = subs
            .into_iter()
            .map(|(s, a)| {
                (
                    s.to_ascii_lowercase(),
                    a.iter().map(|m| normalize(m)).collect(),
                )
            })
            .collect();
        // A subscription's chain is also each of its groups' chain.
        let mut mg_above = HashMap::new();
        for chain in above.values() {
            for (i, mg) in chain.iter().enumerate() {
                mg_above
                    .entry(mg.clone())
                    .or_insert_with(|| chain[i + 1..].to_vec());
            }
        }
        Tree { above, mg_above }
    }

    /// Whether `inner` lies at or under `outer`.
    pub fn covers(&self, outer: &str, inner: &str) -> bool {
        let (o, i) = (normalize(outer), normalize(inner));
        if o == "/" || o == i {
            return true;
        }
        if under(&o, &i) {
            return true;
        }
        if o.starts_with(MG_PREFIX) && o[MG_PREFIX.len()..].split('/').count() == 1 {
            // A scope in a group below it (the group itself, or what is
            // written at the group: its role assignments, PIM requests).
            if let Some(mg) = management_group_of(&i) {
                return self.mg_above.get(&mg).is_some_and(|up| up.contains(&o));
            }
            return subscription_of(&i)
                .is_some_and(|s| self.above.get(&s).is_some_and(|mgs| mgs.contains(&o)));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_ignoring_case() {
        let mgs = vec!["/providers/Microsoft.Management/managementGroups/Prod".to_string()];
        let t = Tree::new([("S1", mgs.as_slice())]);
        let rg = "/subscriptions/s1/resourceGroups/RG-a";
        let vm =
            "/subscriptions/S1/resourcegroups/rg-a/providers/Microsoft.Compute/virtualMachines/vm1";
        assert!(t.covers(rg, vm));
        assert!(t.covers("/subscriptions/S1", vm));
        assert!(t.covers("/", vm));
        assert!(t.covers("/providers/microsoft.management/managementgroups/prod", vm));
        assert!(!t.covers("/providers/microsoft.management/managementgroups/dev", vm));
        assert!(
            !t.covers("/subscriptions/s1/resourceGroups/rg", vm),
            "rg is not rg-a"
        );
        assert!(!t.covers(vm, rg));
        assert!(!t.covers("/subscriptions/s2", vm));
        // Nested management groups: Prod under Platform under the root.
        let chain = vec![
            "/providers/Microsoft.Management/managementGroups/Prod".to_string(),
            "/providers/Microsoft.Management/managementGroups/Platform".to_string(),
            "/providers/Microsoft.Management/managementGroups/root".to_string(),
        ];
        let t = Tree::new([("S1", chain.as_slice())]);
        let platform = "/providers/Microsoft.Management/managementGroups/platform";
        let prod_ra = "/providers/Microsoft.Management/managementGroups/Prod/providers/Microsoft.Authorization/roleAssignments/x";
        assert!(t.covers(platform, &chain[0]));
        assert!(t.covers(platform, prod_ra));
        assert!(t.covers(&chain[0], prod_ra));
        assert!(
            !t.covers(&chain[0], platform),
            "a child never covers its parent"
        );
        assert!(t.covers(platform, vm));
        assert!(!t.covers(
            "/providers/Microsoft.Management/managementGroups/Pro",
            prod_ra
        ));
        assert_eq!(
            resource_group_of(vm).as_deref(),
            Some("/subscriptions/s1/resourcegroups/rg-a")
        );
        assert_eq!(
            resource_group_written(vm),
            Some("/subscriptions/S1/resourcegroups/rg-a")
        );
        assert_eq!(resource_group_written(rg), Some(rg));
        assert_eq!(subscription_of(vm).as_deref(), Some("s1"));
        assert_eq!(level(vm), Level::Resource);
        assert_eq!(level(rg), Level::ResourceGroup);
        assert_eq!(level("/subscriptions/s1/"), Level::Subscription);
        assert_eq!(level(&mgs[0]), Level::ManagementGroup);
        assert_eq!(level("/"), Level::Root);
    }
}
