//! Principal resolution: whose use an event is (an assumed-role session
//! counts for its role, a federated user for its IAM user; AWS services and
//! root are nobody's).

use super::*;

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
    pub(super) by_arn: HashMap<String, u32>,
    /// (account, kind "user"/"role", name) -> identity.
    pub(super) by_name: HashMap<(String, &'static str, String), u32>,
    pub(super) accounts: BTreeSet<String>,
    pub(super) ids: Vec<String>,
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

    pub(super) fn lookup(&self, arn: &str, kind: &'static str, name: Option<&str>) -> Principal {
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

    pub(super) fn resolve(&self, ui: &UserIdentity<'_>) -> Principal {
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
