//! IAM policy members (`user:`, `serviceAccount:`, `group:`, `domain:`,
//! `principal://`, `principalSet://`, `allUsers`, `allAuthenticatedUsers`,
//! `deleted:`), as the IAM Policy reference ("Binding.members") lists them,
//! and the principals that audit logs name.

use crate::model::IdentityKind;

/// What a member string says about the principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub kind: IdentityKind,
    /// The email, domain or subject, without the `kind:` prefix.
    pub name: String,
    /// The person behind it, for a user.
    pub human: Option<String>,
    /// A Google-managed service agent.
    pub provider_managed: bool,
    /// Bound, but the principal was deleted (`deleted:user:...?uid=...`).
    pub deleted: bool,
}

/// Whether a service account is a Google-managed service agent:
/// `service-PROJECT_NUMBER@gcp-sa-*.iam.gserviceaccount.com` and the older
/// agents (`@cloudservices`, `*-robot`, `compute-system`). The legacy Cloud
/// Build account (`@cloudbuild`) runs the customer's builds: audited.
/// The default compute (`-compute@developer`) and App Engine (`@appspot`)
/// accounts are the customer's: they are audited.
pub fn is_service_agent(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    domain.starts_with("gcp-sa-")
        || domain == "cloudservices.gserviceaccount.com"
        || domain == "compute-system.iam.gserviceaccount.com"
        || domain.contains("-robot")
        || domain.ends_with("service-producer-prod.iam.gserviceaccount.com")
        || (local.starts_with("service-")
            && local["service-".len()..]
                .bytes()
                .all(|b| b.is_ascii_digit())
            && domain.ends_with(".gserviceaccount.com"))
}

/// Parses a binding member; `None` for a form IAM does not define.
pub fn parse(member: &str) -> Option<Member> {
    let set = |name: &str| Member {
        kind: IdentityKind::PrincipalSet,
        name: name.to_string(),
        human: None,
        provider_managed: false,
        deleted: false,
    };
    if member == "allUsers" || member == "allAuthenticatedUsers" {
        return Some(set(member));
    }
    if let Some(rest) = member.strip_prefix("deleted:") {
        let live = rest.split_once("?uid=").map_or(rest, |(m, _)| m);
        let mut m = parse(live)?;
        m.deleted = true;
        return Some(m);
    }
    if member.starts_with("principal://") {
        let kind = if member.contains("/workloadIdentityPools/") {
            IdentityKind::ServicePrincipal
        } else {
            IdentityKind::User
        };
        let subject = member.rsplit_once("/subject/").map(|(_, s)| s.to_string());
        return Some(Member {
            kind,
            name: member.to_string(),
            human: subject.filter(|_| kind == IdentityKind::User),
            provider_managed: false,
            deleted: false,
        });
    }
    if member.starts_with("principalSet://") {
        return Some(set(member));
    }
    let (kind, name) = member.split_once(':')?;
    if name.is_empty() {
        return None;
    }
    Some(match kind {
        "user" => Member {
            kind: IdentityKind::User,
            name: name.to_string(),
            human: Some(name.to_string()),
            provider_managed: false,
            deleted: false,
        },
        "serviceAccount" => Member {
            kind: IdentityKind::ServicePrincipal,
            name: name.to_string(),
            human: None,
            provider_managed: is_service_agent(name),
            deleted: false,
        },
        "group" | "domain" | "projectOwner" | "projectEditor" | "projectViewer" => set(name),
        _ => return None,
    })
}

/// The member an audit log entry's principal stands for:
/// `authenticationInfo.principalEmail` (a service account's ends in
/// `gserviceaccount.com`), or else its `principalSubject` (federation).
pub fn from_log(email: Option<&str>, subject: Option<&str>) -> Option<String> {
    match (
        email.filter(|e| !e.is_empty()),
        subject.filter(|s| !s.is_empty()),
    ) {
        (Some(e), _) if e.ends_with(".gserviceaccount.com") => Some(format!("serviceAccount:{e}")),
        // Federated principals: the subject, or an email that is the
        // principal's resource name (`//iam.googleapis.com/...`).
        (_, Some(s)) if s.starts_with("principal://") => Some(s.to_string()),
        (Some(e), _) if e.starts_with("//iam.googleapis.com/") => Some(format!("principal:{e}")),
        (Some(e), _) => Some(format!("user:{e}")),
        (None, Some(s)) if s.starts_with("principal://") => Some(s.to_string()),
        (None, Some(s)) => s
            .strip_prefix("serviceAccount:")
            .or_else(|| s.strip_prefix("user:"))
            .map(|_| s.to_string()),
        (None, None) => None,
    }
}

/// The snapshot ID of a member in a project.
pub fn identity_id(project: &str, member: &str) -> String {
    format!("projects/{project}/members/{member}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_forms() {
        let u = parse("user:alice@example.com").expect("user");
        assert_eq!(u.kind, IdentityKind::User);
        assert_eq!(u.human.as_deref(), Some("alice@example.com"));
        let sa = parse("serviceAccount:deployer@acme-prod.iam.gserviceaccount.com").expect("sa");
        assert_eq!(sa.kind, IdentityKind::ServicePrincipal);
        assert!(!sa.provider_managed);
        let agent =
            parse("serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com")
                .expect("agent");
        assert!(agent.provider_managed);
        assert!(
            parse("serviceAccount:123456789012@cloudservices.gserviceaccount.com")
                .expect("apis")
                .provider_managed
        );
        assert!(
            !parse("serviceAccount:123456789012-compute@developer.gserviceaccount.com")
                .expect("default compute")
                .provider_managed
        );
        for set in [
            "group:admins@example.com",
            "domain:example.com",
            "allUsers",
            "allAuthenticatedUsers",
            "principalSet://iam.googleapis.com/locations/global/workforcePools/p/group/g",
        ] {
            assert_eq!(
                parse(set).expect(set).kind,
                IdentityKind::PrincipalSet,
                "{set}"
            );
        }
        let d = parse("deleted:user:bob@example.com?uid=123456789").expect("deleted");
        assert!(d.deleted);
        assert_eq!(d.name, "bob@example.com");
        let w = parse("principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/subject/repo:acme/app")
            .expect("workload");
        assert_eq!(w.kind, IdentityKind::ServicePrincipal);
        assert!(parse("robot:x").is_none());
        assert!(parse("user:").is_none());
    }

    #[test]
    fn log_principals() {
        assert_eq!(
            from_log(Some("ci@acme-prod.iam.gserviceaccount.com"), None).as_deref(),
            Some("serviceAccount:ci@acme-prod.iam.gserviceaccount.com")
        );
        assert_eq!(
            from_log(Some("alice@example.com"), None).as_deref(),
            Some("user:alice@example.com")
        );
        let p = "principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s";
        assert_eq!(from_log(None, Some(p)).as_deref(), Some(p));
        assert_eq!(
            from_log(Some(&p["principal:".len()..]), None).as_deref(),
            Some(p)
        );
        assert_eq!(
            from_log(Some("someone@idp.example"), Some(p)).as_deref(),
            Some(p)
        );
        assert_eq!(from_log(Some(""), None), None);
    }
}
