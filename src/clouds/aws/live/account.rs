//! One account: its entitlements (the authorization details, page by
//! page), its credential report, CloudTrail LookupEvents and IAM Access
//! Advisor.

use super::*;

pub(super) fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<AttachedPolicy> {
    list.iter()
        .filter_map(|p| {
            Some(AttachedPolicy {
                policy_arn: p.policy_arn()?.to_string(),
            })
        })
        .collect()
}

pub(super) fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            Some(InlinePolicy {
                policy_name: p.policy_name()?.to_string(),
                policy_document: decode_document(p.policy_document()),
            })
        })
        .collect()
}

pub(super) fn boundary(
    b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>,
) -> Option<Boundary> {
    Some(Boundary {
        permissions_boundary_arn: b?.permissions_boundary_arn()?.to_string(),
    })
}

/// One page of `GetAccountAuthorizationDetails`, appended to `gaad`.
pub(super) fn append_page(
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
pub(super) const LOOKUP_SPACING: Duration = Duration::from_millis(500);

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
                if crate::clouds::aws::cloudtrail::is_access_denied(code) {
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
                if let Err(e) =
                    crate::clouds::aws::credential_report::import_credential_report(snap, &file)
                {
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
pub(super) const ADVISOR_JOBS: usize = 8;

/// One identity's service-last-accessed report at action level: generate the
/// job, poll until it completes, read every page.
pub(super) async fn advisor_one(
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
                            scope: None,
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
