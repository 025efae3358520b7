//! Live collection from an AWS account with the official Rust SDK and the
//! standard credential chain (`--profile`/`AWS_PROFILE`, SSO, environment,
//! instance and container roles; endpoint overrides through the SDK's own
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`).
//!
//! The entitlements are turned into the same structures the file importer
//! parses from `aws iam get-account-authorization-details`, and go through the
//! same code ([`super::import::import_gaad`]), so a live collection and an
//! import of the same account give the same snapshot. permgap only reads:
//! [`OPERATIONS`] lists every API it can call, and a test keeps the list
//! honest.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::ReportStateType;
use jiff::Timestamp;
use serde_json::Value;

use super::import::{
    AttachedPolicy, Boundary, Gaad, GroupDetail, InlinePolicy, ManagedPolicyDetail, PolicyVersion,
    RoleDetail, RoleLastUsed, UserDetail, import_gaad,
};
use crate::clouds::InputFile;
use crate::model::{Skipped, Snapshot};

/// Every AWS API operation permgap calls: all read-only. The README's IAM
/// policy for permgap is this list.
pub const OPERATIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "cloudtrail:LookupEvents",
    "iam:GetAccountAuthorizationDetails",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "s3:ListBucket",
    "s3:GetObject",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetails",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListParents",
    "organizations:ListPoliciesForTarget",
    "organizations:DescribePolicy",
    "sts:AssumeRole",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
];

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(
        "no AWS credentials could be used ({0}): set AWS_PROFILE or pass --profile, sign in with \
         `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    )]
    Credentials(String),
    #[error("account {account}: {operation} failed: {message}")]
    Call {
        account: String,
        operation: &'static str,
        message: String,
    },
    /// The call was refused: the credentials, or a policy such as an SCP
    /// that restricts regions, do not allow it.
    #[error("account {account}: {operation} was denied: {message}")]
    Denied {
        account: String,
        operation: &'static str,
        message: String,
    },
}

/// Where and as whom to collect.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Skip the credential report (it needs `iam:GenerateCredentialReport`).
    pub no_credential_report: bool,
}

/// The SDK configuration from the standard chain. IAM is global, so a
/// missing region defaults to us-east-1.
pub async fn sdk_config(opts: &LiveOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    let conf = loader.load().await;
    if conf.region().is_none() {
        let mut b = conf.into_builder();
        b.set_region(Some(Region::from_static("us-east-1")));
        return b.build();
    }
    conf
}

/// Errors of the SDK, shown with their cause chain (Display, not Debug).
pub(crate) fn error_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.contains(&s) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

fn ts(d: Option<&DateTime>) -> Option<Timestamp> {
    d.and_then(|d| Timestamp::new(d.secs(), d.subsec_nanos() as i32).ok())
}

/// A policy document as the IAM API returns it (URL-encoded JSON), decoded to
/// a JSON object; left as the raw string when it does not decode, so that the
/// policy engine names the problem.
pub fn decode_document(raw: Option<&str>) -> Value {
    let Some(raw) = raw else { return Value::Null };
    let text = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap_or_else(|_| Value::String(raw.to_string()))
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<AttachedPolicy> {
    list.iter()
        .filter_map(|p| {
            Some(AttachedPolicy {
                policy_arn: p.policy_arn()?.to_string(),
            })
        })
        .collect()
}

fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            Some(InlinePolicy {
                policy_name: p.policy_name()?.to_string(),
                policy_document: decode_document(p.policy_document()),
            })
        })
        .collect()
}

fn boundary(b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>) -> Option<Boundary> {
    Some(Boundary {
        permissions_boundary_arn: b?.permissions_boundary_arn()?.to_string(),
    })
}

/// One page of `GetAccountAuthorizationDetails`, appended to `gaad`.
fn append_page(
    gaad: &mut Gaad,
    page: &aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput,
) {
    for u in page.user_detail_list() {
        let (Some(name), Some(arn)) = (u.user_name(), u.arn()) else {
            continue;
        };
        gaad.user_detail_list.push(UserDetail {
            user_name: name.to_string(),
            arn: arn.to_string(),
            create_date: ts(u.create_date()),
            group_list: u.group_list().to_vec(),
            attached_managed_policies: attached(u.attached_managed_policies()),
            user_policy_list: inline(u.user_policy_list()),
            permissions_boundary: boundary(u.permissions_boundary()),
        });
    }
    for g in page.group_detail_list() {
        let (Some(name), Some(arn)) = (g.group_name(), g.arn()) else {
            continue;
        };
        gaad.group_detail_list.push(GroupDetail {
            group_name: name.to_string(),
            arn: arn.to_string(),
            create_date: ts(g.create_date()),
            attached_managed_policies: attached(g.attached_managed_policies()),
            group_policy_list: inline(g.group_policy_list()),
        });
    }
    for r in page.role_detail_list() {
        let (Some(name), Some(arn)) = (r.role_name(), r.arn()) else {
            continue;
        };
        gaad.role_detail_list.push(RoleDetail {
            role_name: name.to_string(),
            arn: arn.to_string(),
            path: r.path().unwrap_or("/").to_string(),
            create_date: ts(r.create_date()),
            assume_role_policy_document: r
                .assume_role_policy_document()
                .map(|d| decode_document(Some(d))),
            attached_managed_policies: attached(r.attached_managed_policies()),
            role_policy_list: inline(r.role_policy_list()),
            permissions_boundary: boundary(r.permissions_boundary()),
            role_last_used: r.role_last_used().map(|l| RoleLastUsed {
                last_used_date: ts(l.last_used_date()),
            }),
        });
    }
    for p in page.policies() {
        let Some(arn) = p.arn() else { continue };
        gaad.policies.push(ManagedPolicyDetail {
            policy_name: p.policy_name().map(str::to_string),
            arn: arn.to_string(),
            default_version_id: p.default_version_id().map(str::to_string),
            policy_version_list: p
                .policy_version_list()
                .iter()
                .map(|v| PolicyVersion {
                    document: Some(decode_document(v.document())),
                    version_id: v.version_id().map(str::to_string),
                    is_default_version: v.is_default_version(),
                })
                .collect(),
        });
    }
}

/// Reads every page of the authorization details. Follows `Marker` while
/// `IsTruncated`, whatever a server does with `MaxItems`; stops on a marker
/// that repeats (a server bug would otherwise loop forever).
pub(crate) async fn authorization_details(
    iam: &aws_sdk_iam::Client,
    account: &str,
) -> Result<Gaad, LiveError> {
    let mut gaad = Gaad::default();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .get_account_authorization_details()
            .set_marker(marker.clone())
            .max_items(1000)
            .send()
            .await
            .map_err(|e| LiveError::Call {
                account: account.to_string(),
                operation: "iam:GetAccountAuthorizationDetails",
                message: error_message(&e),
            })?;
        append_page(&mut gaad, &page);
        match (page.is_truncated(), page.marker()) {
            (true, Some(m)) if marker.as_deref() != Some(m) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(gaad)
}

/// Generates the credential report and reads it once complete (IAM builds it
/// asynchronously: poll, at most about a minute).
pub async fn credential_report(
    iam: &aws_sdk_iam::Client,
    account: &str,
) -> Result<Vec<u8>, LiveError> {
    let call = |operation, e: &(dyn std::error::Error + 'static)| LiveError::Call {
        account: account.to_string(),
        operation,
        message: error_message(e),
    };
    for attempt in 0..30 {
        let out = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| call("iam:GenerateCredentialReport", &e))?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if attempt == 29 {
            return Err(LiveError::Call {
                account: account.to_string(),
                operation: "iam:GenerateCredentialReport",
                message: "the report was not ready after 30 attempts".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(if attempt == 0 { 200 } else { 2000 })).await;
    }
    let out = iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| call("iam:GetCredentialReport", &e))?;
    Ok(out
        .content()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default())
}

/// The regions every account has enabled, by partition: those launched
/// before 20 March 2019. Every region launched since is opt-in, so this list
/// does not grow (AWS General Reference, "Managing AWS Regions";
/// AWS Account Management Reference Guide, "Specify which AWS Regions your
/// account can use"). The partition is told by the configured region.
pub fn default_regions(configured: &str) -> &'static [&'static str] {
    if configured.starts_with("us-gov-") {
        &["us-gov-east-1", "us-gov-west-1"]
    } else if configured.starts_with("cn-") {
        &["cn-north-1", "cn-northwest-1"]
    } else {
        &[
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ca-central-1",
            "eu-central-1",
            "eu-north-1",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ]
    }
}

/// LookupEvents allows about two requests a second per account and region
/// (CloudTrail User Guide, "Quotas in AWS CloudTrail"): one page every half
/// second at most.
const LOOKUP_SPACING: Duration = Duration::from_millis(500);

/// Reads a region's management events between `start` and `end` through
/// LookupEvents (50 a page), pacing the calls and retrying throttled ones,
/// into one in-memory log file `{"Records": [...]}` for the CloudTrail
/// reader. `on_page` is called with the events read so far.
pub async fn lookup_events(
    conf: &SdkConfig,
    account: &str,
    region: &str,
    start: Timestamp,
    end: Timestamp,
    on_page: &(dyn Fn(usize) + Sync),
) -> Result<(InputFile, usize), LiveError> {
    let ct = aws_sdk_cloudtrail::config::Builder::from(conf)
        .region(Region::new(region.to_string()))
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8))
        .build();
    let client = aws_sdk_cloudtrail::Client::from_conf(ct);
    let mut token: Option<String> = None;
    let mut records: Vec<String> = Vec::new();
    let mut malformed = 0;
    let mut last: Option<tokio::time::Instant> = None;
    loop {
        // Paced from the end of the previous call: retries inside it may have
        // taken the time, and the next request must still wait its turn.
        if let Some(t) = last {
            tokio::time::sleep_until(t + LOOKUP_SPACING).await;
        }
        let page = client
            .lookup_events()
            .start_time(DateTime::from_secs(start.as_second()))
            .end_time(DateTime::from_secs(end.as_second()))
            .max_results(50)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| {
                let code = aws_sdk_cloudtrail::error::ProvideErrorMetadata::code(&e).unwrap_or("");
                let (account, operation) = (account.to_string(), "cloudtrail:LookupEvents");
                let message = format!("{region}: {}", error_message(&e));
                if super::cloudtrail::is_access_denied(code) {
                    LiveError::Denied {
                        account,
                        operation,
                        message,
                    }
                } else {
                    LiveError::Call {
                        account,
                        operation,
                        message,
                    }
                }
            })?;
        last = Some(tokio::time::Instant::now());
        for e in page.events() {
            match e.cloud_trail_event() {
                Some(j) if serde_json::from_str::<&serde_json::value::RawValue>(j).is_ok() => {
                    records.push(j.to_string());
                }
                _ => malformed += 1,
            }
        }
        on_page(records.len());
        match page.next_token() {
            Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => break,
        }
    }
    let body = format!("{{\"Records\":[{}]}}", records.join(","));
    let file = InputFile::Owned {
        name: format!("cloudtrail:LookupEvents (account {account}, {region})"),
        bytes: body.into_bytes().into(),
    };
    Ok((file, malformed))
}

/// The account the credentials belong to.
pub async fn caller_account(conf: &SdkConfig) -> Result<String, LiveError> {
    Ok(caller(conf).await?.0)
}

/// The caller's account and partition (from its ARN).
pub async fn caller(conf: &SdkConfig) -> Result<(String, String), LiveError> {
    let sts = aws_sdk_sts::Client::new(conf);
    let who = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| LiveError::Credentials(error_message(&e)))?;
    let partition = who
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    Ok((
        who.account().unwrap_or("unknown").to_string(),
        partition.to_string(),
    ))
}

/// Collects one account's entitlements (and credential report) into `snap`.
/// A failed credential report is recorded as skipped; failing to read the
/// entitlements is an error: there is nothing to audit without them.
/// `step` is told what it is doing.
pub async fn collect_account(
    conf: &SdkConfig,
    opts: &LiveOptions,
    snap: &mut Snapshot,
    step: &(dyn Fn(&str) + Sync),
) -> Result<String, LiveError> {
    step("signing in");
    let account = caller_account(conf).await?;
    let iam = aws_sdk_iam::Client::new(conf);
    step("authorization details");
    let gaad = authorization_details(&iam, &account).await?;
    let source = format!("iam:GetAccountAuthorizationDetails (account {account})");
    import_gaad(snap, &source, &gaad).map_err(|e| LiveError::Call {
        account: account.clone(),
        operation: "iam:GetAccountAuthorizationDetails",
        message: e.to_string(),
    })?;
    if !opts.no_credential_report {
        step("credential report");
        match credential_report(&iam, &account).await {
            Ok(csv) => {
                let file = InputFile::Owned {
                    name: format!("iam:GetCredentialReport (account {account})"),
                    bytes: csv.into(),
                };
                if let Err(e) = super::credential_report::import_credential_report(snap, &file) {
                    snap.coverage.skipped.push(Skipped {
                        input: file.display(),
                        reason: e.to_string(),
                    });
                }
            }
            Err(e) => snap.coverage.skipped.push(Skipped {
                input: format!("credential report of account {account}"),
                reason: format!("{e}; password and access-key use are not known"),
            }),
        }
    }
    snap.normalize();
    Ok(account)
}

/// The outcome of one check of `permgap doctor aws`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    /// The credentials lack the permission.
    Denied,
    /// The call failed for another reason (no such bucket, network): the
    /// permission could not be checked.
    Failed,
}

/// What IAM Access Advisor reported for the identities of an account.
#[derive(Debug, Default)]
pub struct AdvisorData {
    /// Action-level last access (the actions Access Advisor tracks).
    pub usage: Vec<crate::model::UsageRecord>,
    pub services: Vec<crate::model::ServiceAccess>,
    /// Identities whose job failed, and why.
    pub failed: Vec<(String, String)>,
}

/// How many Access Advisor jobs run at once in an account.
const ADVISOR_JOBS: usize = 8;

/// One identity's service-last-accessed report at action level: generate the
/// job, poll until it completes, read every page.
async fn advisor_one(
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> Result<Vec<aws_sdk_iam::types::ServiceLastAccessed>, String> {
    use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, JobStatusType};
    let job = iam
        .generate_service_last_accessed_details()
        .arn(arn)
        .granularity(AccessAdvisorUsageGranularityType::ActionLevel)
        .send()
        .await
        .map_err(|e| error_message(&e))?;
    let job_id = job.job_id().unwrap_or("").to_string();
    let mut services = Vec::new();
    let mut marker: Option<String> = None;
    let mut polls = 0;
    loop {
        let out = iam
            .get_service_last_accessed_details()
            .job_id(&job_id)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| error_message(&e))?;
        match out.job_status() {
            JobStatusType::Completed => {}
            JobStatusType::Failed => {
                return Err(out
                    .error()
                    .map_or("the job failed", |e| e.message())
                    .to_string());
            }
            _ => {
                polls += 1;
                if polls > 60 {
                    return Err("the job did not complete after 60 polls".into());
                }
                tokio::time::sleep(Duration::from_millis(if polls < 3 { 300 } else { 1000 })).await;
                continue;
            }
        }
        services.extend(out.services_last_accessed().iter().cloned());
        match out.marker() {
            Some(m) if out.is_truncated() && marker.as_deref() != Some(m) => {
                marker = Some(m.to_string())
            }
            _ => break,
        }
    }
    Ok(services)
}

/// IAM Access Advisor for each identity (user or role ARN) of an account,
/// a few jobs at a time, throttled calls retried; `on_done` is called as each
/// identity's report is read (or failed).
pub async fn access_advisor(
    conf: &SdkConfig,
    identities: &[String],
    on_done: &(dyn Fn() + Sync),
) -> AdvisorData {
    use crate::model::{EvidenceSource, ServiceAccess, UsageRecord};
    let iam_conf = aws_sdk_iam::config::Builder::from(conf)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8))
        .build();
    let iam = aws_sdk_iam::Client::from_conf(iam_conf);
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(ADVISOR_JOBS));
    let mut set = tokio::task::JoinSet::new();
    for arn in identities {
        let (iam, sem, arn) = (iam.clone(), sem.clone(), arn.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = advisor_one(&iam, &arn).await;
            (arn, r)
        });
    }
    let mut data = AdvisorData::default();
    while let Some(joined) = set.join_next().await {
        on_done();
        let Ok((arn, r)) = joined else { continue };
        match r {
            Err(e) => data.failed.push((arn, e)),
            Ok(services) => {
                for s in services {
                    let service = s.service_namespace().to_string();
                    data.services.push(ServiceAccess {
                        identity: arn.clone(),
                        service: service.clone(),
                        last_accessed: ts(s.last_authenticated()),
                        source: EvidenceSource::AwsAccessAdvisor,
                    });
                    for a in s.tracked_actions_last_accessed() {
                        let (Some(name), Some(t)) = (a.action_name(), ts(a.last_accessed_time()))
                        else {
                            continue;
                        };
                        data.usage.push(UsageRecord {
                            identity: arn.clone(),
                            permission: format!("{service}:{name}"),
                            source: EvidenceSource::AwsAccessAdvisor,
                            first_seen: t,
                            last_seen: t,
                            count: 1,
                        });
                    }
                }
            }
        }
    }
    data.failed.sort();
    data
}

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
fn org_err(
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
type Memo<T> =
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::OnceCell<T>>>>;

fn memo_cell<T>(m: &Memo<T>, key: &str) -> std::sync::Arc<tokio::sync::OnceCell<T>> {
    let mut map = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key.to_string()).or_default().clone()
}

/// A policy attached to a target: id, ARN, name.
#[derive(Debug, Clone)]
struct Attached {
    id: String,
    arn: String,
    name: String,
}

/// Reads the organization's SCPs for its accounts with the management
/// credentials. The OU tree, the policies attached to each OU and root, and
/// every policy's content are read once for all accounts (they are shared,
/// and every call counts against the management account's Organizations
/// quota); throttled calls are retried.
pub struct OrgReader {
    org: aws_sdk_organizations::Client,
    parents: Memo<(String, bool)>,
    attached: Memo<Vec<Attached>>,
    contents: Memo<Value>,
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
    async fn parent(&self, child: &str) -> Result<Option<(String, bool)>, LiveError> {
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
    async fn attached(&self, target: &str) -> Result<Vec<Attached>, LiveError> {
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
    async fn content(&self, id: &str) -> Result<Value, LiveError> {
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

/// One check of `permgap doctor aws`.
#[derive(Debug, Clone)]
pub struct Check {
    /// The IAM action checked (`iam:GetAccountAuthorizationDetails`), or
    /// `credentials`.
    pub what: String,
    pub status: CheckStatus,
    /// Whether permgap needs it for every collection (else for an option).
    pub required: bool,
    pub detail: String,
}

fn check<T, E>(what: &str, required: bool, r: Result<T, aws_sdk_iam::error::SdkError<E>>) -> Check
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + Send + Sync + 'static,
{
    match r {
        Ok(_) => Check {
            what: what.into(),
            status: CheckStatus::Ok,
            required,
            detail: "allowed".into(),
        },
        Err(e) => {
            let code = aws_sdk_iam::error::ProvideErrorMetadata::code(&e)
                .unwrap_or("")
                .to_string();
            let (status, detail) = if super::cloudtrail::is_access_denied(&code) {
                (
                    CheckStatus::Denied,
                    format!("denied ({code}): grant {what}"),
                )
            } else {
                (
                    CheckStatus::Failed,
                    format!("could not be checked: {}", error_message(&e)),
                )
            };
            Check {
                what: what.into(),
                status,
                required,
                detail,
            }
        }
    }
}

/// What `permgap doctor aws` checks besides the permissions every
/// collection needs: those of the options.
#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    /// `cloudtrail:LookupEvents` in this region.
    pub lookup_region: Option<String>,
    /// Listing and reading a trail's objects at this location.
    pub s3_url: Option<String>,
    /// IAM Access Advisor's two actions.
    pub access_advisor: bool,
    /// The organization's reads, and assuming this role in every member.
    pub org_role: Option<String>,
    /// Running a query on this Athena table.
    pub athena: Option<super::athena::AthenaTarget>,
}

fn failed(what: &str, required: bool, detail: impl Into<String>) -> Check {
    Check {
        what: what.into(),
        status: CheckStatus::Failed,
        required,
        detail: detail.into(),
    }
}

/// Checks the credentials and every permission a collection uses, each with
/// the smallest read call that needs it; `opts` adds the checks of the
/// options.
pub async fn doctor(conf: &SdkConfig, opts: &DoctorOptions) -> Vec<Check> {
    let sts = aws_sdk_sts::Client::new(conf);
    let who = sts.get_caller_identity().send().await;
    let (caller, partition) = match &who {
        Ok(w) => (
            w.account().unwrap_or("").to_string(),
            w.arn()
                .and_then(|a| a.split(':').nth(1))
                .unwrap_or("aws")
                .to_string(),
        ),
        Err(_) => Default::default(),
    };
    let mut out = vec![match &who {
        Ok(w) => Check {
            what: "credentials".into(),
            status: CheckStatus::Ok,
            required: true,
            detail: format!(
                "{} in account {}",
                w.arn().unwrap_or("?"),
                w.account().unwrap_or("?")
            ),
        },
        Err(e) => failed(
            "credentials",
            true,
            LiveError::Credentials(error_message(e)).to_string(),
        ),
    }];
    if who.is_err() {
        return out;
    }
    let iam = aws_sdk_iam::Client::new(conf);
    let gaad = iam
        .get_account_authorization_details()
        .max_items(1)
        .send()
        .await;
    // A user or role to ask Access Advisor about.
    let sample = gaad.as_ref().ok().and_then(|p| {
        p.user_detail_list()
            .iter()
            .find_map(|u| u.arn())
            .or_else(|| p.role_detail_list().iter().find_map(|r| r.arn()))
            .map(str::to_string)
    });
    out.push(check("iam:GetAccountAuthorizationDetails", true, gaad));
    out.push(check(
        "iam:GenerateCredentialReport",
        false,
        iam.generate_credential_report().send().await,
    ));
    out.push(check(
        "iam:GetCredentialReport",
        false,
        iam.get_credential_report().send().await,
    ));
    if let Some(region) = &opts.lookup_region {
        let ct = aws_sdk_cloudtrail::config::Builder::from(conf)
            .region(Region::new(region.clone()))
            .build();
        let client = aws_sdk_cloudtrail::Client::from_conf(ct);
        out.push(check(
            "cloudtrail:LookupEvents",
            false,
            client.lookup_events().max_results(1).send().await,
        ));
    }
    if let Some(url) = &opts.s3_url
        && let Ok((bucket, prefix)) = super::s3::parse_url(url)
    {
        out.extend(doctor_s3(conf, &bucket, &prefix).await);
    }
    if opts.access_advisor {
        out.extend(doctor_advisor(&iam, sample.as_deref()).await);
    }
    if let Some(role) = &opts.org_role {
        out.extend(doctor_org(conf, &caller, &partition, role).await);
    }
    if let Some(target) = &opts.athena {
        out.extend(doctor_athena(conf, target).await);
    }
    out
}

/// A query on the table that scans nothing (`LIMIT 0`): it checks the three
/// Athena actions, and what Athena needs besides (the table in Glue, the
/// results location).
async fn doctor_athena(conf: &SdkConfig, target: &super::athena::AthenaTarget) -> Vec<Check> {
    let ops = [
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
    ];
    let table = match super::athena::table_ref(&target.table) {
        Ok(t) => t,
        Err(e) => {
            return ops
                .iter()
                .map(|o| failed(o, false, e.to_string()))
                .collect();
        }
    };
    let sql = format!("SELECT * FROM {table} LIMIT 0");
    let r = super::athena::run_query(conf, target, &sql, &|_| {}).await;
    let (failed_op, why) = match &r {
        Ok(_) => ("", String::new()),
        Err(
            LiveError::Call {
                operation, message, ..
            }
            | LiveError::Denied {
                operation, message, ..
            },
        ) => (*operation, message.clone()),
        Err(e) => (ops[0], e.to_string()),
    };
    let at = ops
        .iter()
        .position(|o| *o == failed_op)
        .unwrap_or(ops.len());
    ops.iter()
        .enumerate()
        .map(|(i, op)| match i.cmp(&at) {
            std::cmp::Ordering::Less => Check {
                what: (*op).into(),
                status: CheckStatus::Ok,
                required: false,
                detail: "allowed".into(),
            },
            std::cmp::Ordering::Equal if why.contains("AccessDenied") => Check {
                what: (*op).into(),
                status: CheckStatus::Denied,
                required: false,
                detail: format!("denied: grant {op} ({why})"),
            },
            std::cmp::Ordering::Equal => failed(op, false, format!("could not be checked: {why}")),
            std::cmp::Ordering::Greater => failed(
                op,
                false,
                format!("could not be checked after {failed_op} failed"),
            ),
        })
        .collect()
}

/// Listing the trail's location, and reading its first object (one byte:
/// this also proves `kms:Decrypt` for a trail encrypted with SSE-KMS).
async fn doctor_s3(conf: &SdkConfig, bucket: &str, prefix: &str) -> Vec<Check> {
    let s3 = aws_sdk_s3::Client::new(conf);
    // In the bucket's region when HeadBucket tells it; else the listing
    // below says what is wrong.
    let s3 = super::s3::regional_client(&s3, bucket).await.unwrap_or(s3);
    let listed = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .max_keys(1)
        .send()
        .await;
    let key = listed
        .as_ref()
        .ok()
        .and_then(|l| l.contents().iter().find_map(|o| o.key()))
        .map(str::to_string);
    let mut out = vec![check("s3:ListBucket", false, listed)];
    out.push(match key {
        Some(k) => check(
            "s3:GetObject",
            false,
            s3.get_object()
                .bucket(bucket)
                .key(&k)
                .range("bytes=0-0")
                .send()
                .await,
        ),
        None => failed(
            "s3:GetObject",
            false,
            "could not be checked: no object under the location",
        ),
    });
    out
}

/// Access Advisor's job on one identity of the account, and reading it.
async fn doctor_advisor(iam: &aws_sdk_iam::Client, sample: Option<&str>) -> Vec<Check> {
    let (generate, get) = (
        "iam:GenerateServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetails",
    );
    let Some(arn) = sample else {
        let why = "could not be checked: no user or role in the account to ask about";
        return vec![failed(generate, false, why), failed(get, false, why)];
    };
    let job = iam
        .generate_service_last_accessed_details()
        .arn(arn)
        .send()
        .await;
    let id = job
        .as_ref()
        .ok()
        .and_then(|j| j.job_id())
        .map(str::to_string);
    let mut out = vec![check(generate, false, job)];
    out.push(match id {
        Some(id) => check(
            get,
            false,
            iam.get_service_last_accessed_details()
                .job_id(id)
                .send()
                .await,
        ),
        None => failed(get, false, "could not be checked: no job to read"),
    });
    out
}

/// The organization's reads with the caller's account as the target, and
/// `role` assumed in every active member account (a few at a time): the
/// accounts a collection could not reach are named before it runs.
async fn doctor_org(conf: &SdkConfig, caller: &str, partition: &str, role: &str) -> Vec<Check> {
    use aws_sdk_organizations::types::PolicyType;
    let org = aws_sdk_organizations::Client::new(conf);
    let mut out = vec![check(
        "organizations:DescribeOrganization",
        false,
        org.describe_organization().send().await,
    )];
    let mut members = Vec::new();
    let mut token: Option<String> = None;
    let listed = loop {
        match org
            .list_accounts()
            .set_next_token(token.clone())
            .send()
            .await
        {
            Err(e) => break Err(e),
            Ok(p) => {
                members.extend(
                    p.accounts()
                        .iter()
                        .filter(|a| a.id() != Some(caller))
                        .filter(|a| a.status().is_none_or(|s| s.as_str() == "ACTIVE"))
                        .filter_map(|a| a.id().map(str::to_string)),
                );
                match p.next_token() {
                    Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
                    _ => break Ok(()),
                }
            }
        }
    };
    out.push(check("organizations:ListAccounts", false, listed));
    out.push(check(
        "organizations:ListParents",
        false,
        org.list_parents().child_id(caller).send().await,
    ));
    let scps = org
        .list_policies_for_target()
        .target_id(caller)
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await;
    let scp = scps
        .as_ref()
        .ok()
        .and_then(|p| p.policies().iter().find_map(|x| x.id()))
        .map(str::to_string);
    out.push(check("organizations:ListPoliciesForTarget", false, scps));
    out.push(match scp {
        Some(id) => check(
            "organizations:DescribePolicy",
            false,
            org.describe_policy().policy_id(id).send().await,
        ),
        None => failed(
            "organizations:DescribePolicy",
            false,
            "could not be checked: no service control policy on this account",
        ),
    });
    out.push(doctor_assume(conf, partition, role, members).await);
    out
}

/// `sts:AssumeRole` of `role` in each member account, 8 at a time.
async fn doctor_assume(
    conf: &SdkConfig,
    partition: &str,
    role: &str,
    members: Vec<String>,
) -> Check {
    let what = "sts:AssumeRole";
    if members.is_empty() {
        return failed(what, false, "could not be checked: no other active account");
    }
    let sts = aws_sdk_sts::Client::new(conf);
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    let mut set = tokio::task::JoinSet::new();
    for id in members.iter().cloned() {
        let (sts, sem) = (sts.clone(), sem.clone());
        let arn = format!("arn:{partition}:iam::{id}:role/{role}");
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = sts
                .assume_role()
                .role_arn(&arn)
                .role_session_name("permgap-doctor")
                .duration_seconds(900)
                .send()
                .await;
            let denied = r.as_ref().err().map(|e| {
                let code = aws_sdk_sts::error::ProvideErrorMetadata::code(e).unwrap_or("");
                (super::cloudtrail::is_access_denied(code), error_message(e))
            });
            (id, denied)
        });
    }
    let (mut refused, mut errors) = (Vec::new(), Vec::new());
    while let Some(Ok((id, r))) = set.join_next().await {
        match r {
            None => {}
            Some((true, _)) => refused.push(id),
            Some((false, e)) => errors.push(format!("{id}: {e}")),
        }
    }
    refused.sort();
    errors.sort();
    let n = members.len();
    let reached = n - refused.len() - errors.len();
    let (status, detail) = if !refused.is_empty() {
        (
            CheckStatus::Denied,
            format!(
                "{role} assumed in {reached} of {n} member accounts; refused in {}: these would be skipped (grant \
                 sts:AssumeRole on the role, and check that it exists there and trusts this account)",
                refused.join(", ")
            ),
        )
    } else if !errors.is_empty() {
        (
            CheckStatus::Failed,
            format!("could not be checked in {}", errors.join("; ")),
        )
    } else {
        (
            CheckStatus::Ok,
            format!("{role} assumed in all {n} member accounts"),
        )
    };
    Check {
        what: what.into(),
        status,
        required: false,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_decoded_into_objects() {
        let v = decode_document(Some("%7B%22Statement%22%3A%5B%5D%7D"));
        assert_eq!(v, serde_json::json!({"Statement": []}));
        // Not decodable: kept as given, for the policy engine to name.
        assert_eq!(
            decode_document(Some("%7Bnope")),
            Value::String("%7Bnope".into())
        );
        assert_eq!(decode_document(None), Value::Null);
    }

    #[test]
    fn only_read_operations() {
        // permgap never mutates: every operation it may call reads, or (the
        // credential report) asks IAM to build a read-only report.
        for op in OPERATIONS {
            let (svc, name) = op.split_once(':').unwrap_or(("", ""));
            assert!(!svc.is_empty(), "{op}");
            let read = [
                "Get",
                "List",
                "Describe",
                "Lookup",
                "GenerateCredentialReport",
                "GenerateServiceLastAccessedDetails",
                // Issues temporary credentials to read the member accounts
                // with; changes nothing in them.
                "AssumeRole",
                // Runs the SELECT permgap writes (athena::usage_sql); Athena
                // keeps its result in the output location.
                "StartQueryExecution",
            ]
            .iter()
            .any(|p| name.starts_with(p));
            assert!(read, "{op} is not a read");
        }
    }
}
