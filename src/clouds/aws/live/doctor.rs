//! `permgap doctor aws`: each read-only permission a collection needs,
//! checked with a harmless call.

use super::*;

pub use crate::clouds::doctor::{Check, CheckStatus};

pub(super) fn check<T, E>(
    what: &str,
    required: bool,
    r: Result<T, aws_sdk_iam::error::SdkError<E>>,
) -> Check
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
            let (status, detail) = if crate::clouds::aws::cloudtrail::is_access_denied(&code) {
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
    pub athena: Option<crate::clouds::aws::athena::AthenaTarget>,
}

pub(super) fn failed(what: &str, required: bool, detail: impl Into<String>) -> Check {
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
        && let Ok((bucket, prefix)) = crate::clouds::aws::s3::parse_url(url)
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
pub(super) async fn doctor_athena(
    conf: &SdkConfig,
    target: &crate::clouds::aws::athena::AthenaTarget,
) -> Vec<Check> {
    let ops = [
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
    ];
    let table = match crate::clouds::aws::athena::table_ref(&target.table) {
        Ok(t) => t,
        Err(e) => {
            return ops
                .iter()
                .map(|o| failed(o, false, e.to_string()))
                .collect();
        }
    };
    let sql = format!("SELECT * FROM {table} LIMIT 0");
    let r = crate::clouds::aws::athena::run_query(conf, target, &sql, &|_| {}).await;
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
pub(super) async fn doctor_s3(conf: &SdkConfig, bucket: &str, prefix: &str) -> Vec<Check> {
    let s3 = aws_sdk_s3::Client::new(conf);
    // In the bucket's region when HeadBucket tells it; else the listing
    // below says what is wrong.
    let s3 = crate::clouds::aws::s3::regional_client(&s3, bucket)
        .await
        .unwrap_or(s3);
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
pub(super) async fn doctor_advisor(iam: &aws_sdk_iam::Client, sample: Option<&str>) -> Vec<Check> {
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
pub(super) async fn doctor_org(
    conf: &SdkConfig,
    caller: &str,
    partition: &str,
    role: &str,
) -> Vec<Check> {
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
pub(super) async fn doctor_assume(
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
                (
                    crate::clouds::aws::cloudtrail::is_access_denied(code),
                    error_message(e),
                )
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
