//! AWS Organizations: the member accounts, the SCPs that apply to each
//! (read once per target and shared), and the role assumed in a member.

use super::*;

/// An account of the organization.
#[derive(Debug, Clone)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`...
    pub status: String,
}

/// An Organizations failure, naming the target asked about (an account,
/// OU, root or policy ID) when there is one.
pub(super) fn org_err(
    operation: &'static str,
    target: Option<&str>,
    e: &(dyn std::error::Error + 'static),
) -> LiveError {
    LiveError::Call {
        account: target.map_or_else(|| "organization".into(), |t| format!("organization ({t})")),
        operation,
        message: error_message(e),
    }
}

/// The management account and every account of the organization.
pub async fn org_accounts(conf: &SdkConfig) -> Result<(String, Vec<OrgAccount>), LiveError> {
    let org = aws_sdk_organizations::Client::new(conf);
    let desc = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| org_err("organizations:DescribeOrganization", None, &e))?;
    let management = desc
        .organization()
        .and_then(|o| o.master_account_id())
        .unwrap_or("")
        .to_string();
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = org
            .list_accounts()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| org_err("organizations:ListAccounts", None, &e))?;
        for a in page.accounts() {
            let Some(id) = a.id() else { continue };
            let status = a
                .state()
                .map(|s| s.as_str().to_string())
                .or_else(|| a.status().map(|s| s.as_str().to_string()))
                .unwrap_or_default();
            accounts.push(OrgAccount {
                id: id.to_string(),
                name: a.name().unwrap_or("").to_string(),
                status,
            });
        }
        match page.next_token() {
            Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => break,
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((management, accounts))
}

/// A service control policy: its ARN (the snapshot's policy id), name and
/// document.
#[derive(Debug, Clone)]
pub struct Scp {
    pub arn: String,
    pub name: String,
    pub content: Value,
}

/// Memoized answers, one cell per key: concurrent account tasks asking the
/// same thing make one call, and a failed call is not remembered.
pub(super) type Memo<T> =
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::OnceCell<T>>>>;

pub(super) fn memo_cell<T>(m: &Memo<T>, key: &str) -> std::sync::Arc<tokio::sync::OnceCell<T>> {
    let mut map = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key.to_string()).or_default().clone()
}

/// A policy attached to a target: id, ARN, name.
#[derive(Debug, Clone)]
pub(super) struct Attached {
    pub(super) id: String,
    pub(super) arn: String,
    pub(super) name: String,
}

/// Reads the organization's SCPs for its accounts with the management
/// credentials. The OU tree, the policies attached to each OU and root, and
/// every policy's content are read once for all accounts (they are shared,
/// and every call counts against the management account's Organizations
/// quota); throttled calls are retried.
pub struct OrgReader {
    pub(super) org: aws_sdk_organizations::Client,
    pub(super) parents: Memo<(String, bool)>,
    pub(super) attached: Memo<Vec<Attached>>,
    pub(super) contents: Memo<Value>,
}

impl OrgReader {
    pub fn new(conf: &SdkConfig) -> OrgReader {
        let c = aws_sdk_organizations::config::Builder::from(conf)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8))
            .build();
        OrgReader {
            org: aws_sdk_organizations::Client::from_conf(c),
            parents: Memo::default(),
            attached: Memo::default(),
            contents: Memo::default(),
        }
    }

    /// The parent of a target, and whether it is the root; `None` for the
    /// root itself.
    pub(super) async fn parent(&self, child: &str) -> Result<Option<(String, bool)>, LiveError> {
        if child.starts_with("r-") {
            return Ok(None);
        }
        let cell = memo_cell(&self.parents, child);
        let got = cell
            .get_or_try_init(|| async {
                let parents = self
                    .org
                    .list_parents()
                    .child_id(child)
                    .send()
                    .await
                    .map_err(|e| org_err("organizations:ListParents", Some(child), &e))?;
                Ok::<_, LiveError>(parents.parents().first().map_or_else(
                    || (String::new(), true),
                    |p| {
                        (
                            p.id().unwrap_or("").to_string(),
                            p.r#type() == Some(&aws_sdk_organizations::types::ParentType::Root),
                        )
                    },
                ))
            })
            .await?;
        Ok((!got.0.is_empty()).then(|| got.clone()))
    }

    /// The SCPs attached directly to a target, every page.
    pub(super) async fn attached(&self, target: &str) -> Result<Vec<Attached>, LiveError> {
        let cell = memo_cell(&self.attached, target);
        let got = cell
            .get_or_try_init(|| async {
                let mut level = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let page = self
                        .org
                        .list_policies_for_target()
                        .target_id(target)
                        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| {
                            org_err("organizations:ListPoliciesForTarget", Some(target), &e)
                        })?;
                    for p in page.policies() {
                        let Some(id) = p.id() else { continue };
                        level.push(Attached {
                            id: id.to_string(),
                            arn: p.arn().unwrap_or(id).to_string(),
                            name: p.name().unwrap_or(id).to_string(),
                        });
                    }
                    match page.next_token() {
                        Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
                        _ => break,
                    }
                }
                Ok::<_, LiveError>(level)
            })
            .await?;
        Ok(got.clone())
    }

    /// A policy's document.
    pub(super) async fn content(&self, id: &str) -> Result<Value, LiveError> {
        let cell = memo_cell(&self.contents, id);
        let got = cell
            .get_or_try_init(|| async {
                let desc = self
                    .org
                    .describe_policy()
                    .policy_id(id)
                    .send()
                    .await
                    .map_err(|e| org_err("organizations:DescribePolicy", Some(id), &e))?;
                let content = desc.policy().and_then(|x| x.content()).unwrap_or("");
                Ok::<_, LiveError>(
                    serde_json::from_str(content)
                        .unwrap_or_else(|_| Value::String(content.to_string())),
                )
            })
            .await?;
        Ok(got.clone())
    }

    /// The SCPs that apply to an account, one list per level from the root
    /// down to the account (AWS Organizations User Guide, "Inheritance for
    /// service control policies").
    pub async fn scp_levels(&self, account: &str) -> Result<Vec<Vec<Scp>>, LiveError> {
        // The chain of targets: the account, its OU(s), the root (OUs nest
        // at most five deep).
        let mut chain = vec![account.to_string()];
        while let Some((id, root)) = self.parent(chain.last().map_or("", String::as_str)).await? {
            chain.push(id);
            if root || chain.len() > 10 {
                break;
            }
        }
        chain.reverse();
        let mut levels = Vec::new();
        for target in chain {
            let mut level = Vec::new();
            for p in self.attached(&target).await? {
                level.push(Scp {
                    content: self.content(&p.id).await?,
                    arn: p.arn,
                    name: p.name,
                });
            }
            levels.push(level);
        }
        Ok(levels)
    }
}

/// Configuration whose credentials are `role_name` assumed in `account`, in
/// the caller's partition (`aws`, `aws-us-gov`, `aws-cn`).
pub async fn assumed(
    conf: &SdkConfig,
    partition: &str,
    account: &str,
    role_name: &str,
) -> SdkConfig {
    let arn = format!("arn:{partition}:iam::{account}:role/{role_name}");
    let provider = aws_config::sts::AssumeRoleProvider::builder(arn)
        .session_name("permgap")
        .configure(conf)
        .build()
        .await;
    conf.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}
