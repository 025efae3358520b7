//! `collect aws` and `scan aws`: wiring of the live AWS sources into one
//! snapshot. One account (the credentials'), or with `--org` every active
//! account of the organization, collected `--concurrency` at a time, each
//! through `--role-name` and capped by the SCPs that apply to it. An account
//! that cannot be collected is named in coverage; the others go on.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use aws_config::SdkConfig;
use jiff::Timestamp;

use super::args::LiveAws;
use super::catalog as aws;
use super::cloudtrail::{self, CloudTrailInput, FileFilter};
use super::command::{accounts_of, add_cloudtrail, read_cloudtrail};
use super::live::{self, LiveError, LiveOptions};
use crate::clouds::{InputFile, Run};
use crate::exit::{Failure, usage};
use crate::model::{Policy, PolicyKind, Skipped, Snapshot, SourceKind, Warning};
use crate::progress::{AccountBars, Bars};

/// What the LookupEvents source is asked, owned so that account tasks can
/// carry it.
#[derive(Clone)]
struct Lookup {
    regions: Vec<String>,
    start: Timestamp,
    end: Timestamp,
    /// Threads reading what comes back.
    threads: usize,
}

/// LookupEvents keeps this many days.
const LOOKUP_DAYS: i64 = 90;

/// One account to collect.
struct Job {
    /// How coverage names it before its ID is known.
    label: String,
    conf: SdkConfig,
    /// With `--org`: the organization's name for the account, and the
    /// reader of its SCPs, shared by the accounts (none for the management
    /// account itself, which SCPs never restrict).
    name: Option<String>,
    scps: Option<Arc<live::OrgReader>>,
    /// The credentials' own account (the others are reached through a role).
    own: bool,
}

/// Collects the account of the credentials, or with `--org` every account
/// of the organization, reading usage over `range`.
pub fn collect(run: &Run, a: &LiveAws, range: &crate::time::Range) -> Result<Snapshot, Failure> {
    for p in &a.cloudtrail {
        if !p.exists() {
            return Err(usage(anyhow!("{} does not exist", p.display())));
        }
    }
    let opts = LiveOptions {
        no_credential_report: a.no_credential_report,
        ..a.reach.options()
    };
    let advisor = a.access_advisor;
    let now = run.now;
    let (start, end) = (range.start, range.end.at);
    let kept = now
        .checked_sub(jiff::Span::new().hours(LOOKUP_DAYS * 24))
        .unwrap_or(now);
    let mut notes = Vec::new();
    if a.lookup_events && start < kept {
        notes.push(Warning {
            input: "cloudtrail:LookupEvents".into(),
            message: format!(
                "LookupEvents keeps {LOOKUP_DAYS} days: the range before {} is not looked up (read it \
                 from the trail's files with --cloudtrail-s3)",
                kept.strftime("%Y-%m-%d")
            ),
        });
    }
    let lookup = (a.lookup_events && end > kept).then(|| Lookup {
        regions: a.lookup_regions.clone(),
        start: start.max(kept),
        end,
        threads: run.threads,
    });
    let rt = run.runtime()?;
    let bars = Bars::new(run.quiet);

    let (results, warnings, s3, athena) = rt
        .block_on(async {
            let conf = live::sdk_config(&opts).await;
            let (jobs, warnings) = if a.org.org {
                let line = bars.line("listing the organization's accounts");
                let jobs = org_jobs(&conf, &a.org.role_name).await;
                line.finish_and_clear();
                jobs?
            } else {
                let job = Job {
                    label: "the current account".into(),
                    conf: conf.clone(),
                    name: None,
                    scps: None,
                    own: true,
                };
                (vec![job], Vec::new())
            };
            let accounts_bar = bars.accounts(jobs.len());
            let sem = Arc::new(tokio::sync::Semaphore::new(a.concurrency.get()));
            let mut set = crate::clouds::tasks::Named::default();
            for job in jobs {
                let (opts, lookup, bars, accounts_bar, sem) = (
                    opts.clone(),
                    lookup.clone(),
                    bars.clone(),
                    accounts_bar.clone(),
                    sem.clone(),
                );
                set.spawn(job.label.clone(), async move {
                    let _permit = sem.acquire_owned().await;
                    // Its lines go when it ends, even by a panic (on drop).
                    let lines = bars.account(&job.label);
                    let r = collect_one(job, &opts, lookup.as_ref(), advisor, &lines).await;
                    accounts_bar.inc(1);
                    r
                });
            }
            let mut results = Vec::new();
            while let Some((label, r)) = set.next().await {
                let r = r.unwrap_or_else(|why| Err(task_failed(&label, why)));
                results.push((label, r));
            }
            accounts_bar.finish_and_clear();
            results.sort_by(|x, y| x.0.cmp(&y.0));
            let accounts: Vec<String> = results
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok().map(|(_, id)| id.clone()))
                .collect();
            let s3 = s3_inputs(&conf, &accounts, a, (start, end), &bars).await;
            let athena = athena_rows(&conf, &accounts, a, (start, end), &bars).await;
            Ok::<_, LiveError>((results, warnings, s3, athena))
        })
        .context("AWS collection failed")?;

    let org_role = a.org.role();
    let mut snap = merge_accounts(results, warnings, org_role)?;
    snap.coverage.warnings.extend(notes);
    if !run.quiet {
        for sys in &snap.systems {
            eprintln!("collected account {}", sys.id);
        }
    }
    let mut inputs = Vec::new();
    for (url, listed) in s3 {
        match listed {
            Ok(files) if files.is_empty() => snap.coverage.warnings.push(Warning {
                input: url,
                message: "no CloudTrail log file of the collected accounts in the last --days here: check the \
                          location (the folder holding AWSLogs/, or AWSLogs/, an organization's or an \
                          account's folder in it)"
                    .into(),
            }),
            Ok(files) => inputs.push(CloudTrailInput {
                label: url,
                files,
                kind: SourceKind::AwsCloudtrailFiles,
                answered: None,
            }),
            Err(e) => snap.coverage.skipped.push(Skipped {
                input: url,
                reason: e.to_string(),
            }),
        }
    }
    for (label, rows) in athena {
        match rows {
            Ok(rows) => {
                // The query asked about these accounts over this range: an
                // account without a row is covered, and used nothing.
                let answered = cloudtrail::Answered {
                    accounts: snap.systems.iter().map(|s| s.id.clone()).collect(),
                    from: start,
                    to: end,
                    assumed: true,
                };
                let bad = cloudtrail::import_rows(
                    &mut snap,
                    aws::catalog(),
                    &label,
                    &rows,
                    Some(answered),
                );
                if bad > 0 {
                    snap.coverage.warnings.push(Warning {
                        input: label,
                        message: format!("{bad} row(s) without a time or a count were passed over"),
                    });
                }
            }
            Err(e) => snap.coverage.skipped.push(Skipped {
                input: label,
                reason: format!("{e}; its usage is missing"),
            }),
        }
    }
    // `rt` is still alive: the reader's threads fetch S3 objects through it.
    // Files of other accounts, or delivered outside the range, are not
    // opened.
    let filter = FileFilter {
        accounts: accounts_of(&snap),
        range: Some((start, end)),
    };
    read_cloudtrail(run, &mut snap, &inputs, &filter);
    add_cloudtrail(run, &mut snap, &a.cloudtrail, &filter);
    snap.normalize();
    drop(rt);
    Ok(snap)
}

type AccountResult = (String, Result<(Snapshot, String), LiveError>);

/// Folds the accounts' snapshots into one. With one account (`org_role`
/// none) its failure fails the collection: there is nothing to audit. In an
/// organization a failed account is named in coverage, with what to check,
/// and the others are kept: the result is partial.
fn merge_accounts(
    results: Vec<AccountResult>,
    warnings: Vec<Warning>,
    org_role: Option<&str>,
) -> Result<Snapshot, Failure> {
    let mut snap = Snapshot::new();
    snap.coverage.warnings.extend(warnings);
    for (label, r) in results {
        match (r, org_role) {
            (Ok((s, _)), _) => snap.merge(s),
            (Err(e), None) => return Err(anyhow::Error::new(e).context("AWS collection failed").into()),
            (Err(e), Some(role)) => snap.coverage.skipped.push(Skipped {
                input: label,
                reason: format!(
                    "{e}; the other accounts are audited: check that the role {role} exists in it and trusts the management account"
                ),
            }),
        }
    }
    Ok(snap)
}

/// The accounts of the organization: the caller's own with its credentials,
/// the others through the role. Accounts that are not active are named and
/// left out.
async fn org_jobs(conf: &SdkConfig, role: &str) -> Result<(Vec<Job>, Vec<Warning>), LiveError> {
    let (caller, partition) = live::caller(conf).await?;
    let (management, accounts) = live::org_accounts(conf).await?;
    let scps = Arc::new(live::OrgReader::new(conf));
    let mut jobs = Vec::new();
    let mut warnings = Vec::new();
    for acc in accounts {
        if acc.status != "ACTIVE" {
            warnings.push(Warning {
                input: format!("account {} ({})", acc.id, acc.name),
                message: format!("the account is {}: not collected", acc.status),
            });
            continue;
        }
        let own = if acc.id == caller {
            conf.clone()
        } else {
            live::assumed(conf, &partition, &acc.id, role).await
        };
        jobs.push(Job {
            label: format!("account {} ({})", acc.id, acc.name),
            conf: own,
            name: Some(acc.name),
            scps: (acc.id != management).then(|| scps.clone()),
            own: acc.id == caller,
        });
    }
    Ok((jobs, warnings))
}

/// One account: entitlements, credential report, its SCPs, LookupEvents.
async fn collect_one(
    job: Job,
    opts: &LiveOptions,
    lookup: Option<&Lookup>,
    advisor: bool,
    lines: &AccountBars,
) -> Result<(Snapshot, String), LiveError> {
    let mut snap = Snapshot::new();
    let account = live::collect_account(&job.conf, opts, &mut snap, &|s| lines.step(s)).await?;
    if let Some(sys) = snap.systems.iter_mut().find(|s| s.id == account) {
        sys.name = job.name.clone();
    }
    if let Some(scps) = &job.scps {
        lines.step("service control policies");
        let levels = match scps.scp_levels(&account).await {
            Ok(l) => l,
            Err(e) => {
                // The account's grants stand uncapped: said, and partial.
                snap.coverage.skipped.push(Skipped {
                    input: format!("service control policies of account {account}"),
                    reason: format!("{e}; its grants are shown without the SCPs' cap"),
                });
                Vec::new()
            }
        };
        let levels = scps_in_effect(levels, &account, &mut snap.coverage.warnings);
        let ids = levels
            .iter()
            .map(|l| l.iter().map(|p| p.arn.clone()).collect())
            .collect();
        for scp in levels.into_iter().flatten() {
            snap.policies.push(Policy {
                id: scp.arn,
                cloud: crate::catalog::Cloud::Aws,
                name: scp.name,
                kind: PolicyKind::ServiceControl,
                document: scp.content,
                origin: Some("organizations:DescribePolicy".into()),
            });
        }
        if let Some(sys) = snap.systems.iter_mut().find(|s| s.id == account) {
            sys.scp_levels = ids;
        }
    }
    if let Some(l) = lookup {
        lines.step("CloudTrail LookupEvents");
        let results = lookup_regions(&job.conf, &account, job.own, l, lines).await;
        let asked = !l.regions.is_empty();
        let range = (l.start, l.end);
        tokio::task::block_in_place(|| {
            fold_lookups(&mut snap, &account, asked, range, results, l.threads)
        });
    }
    if advisor {
        lines.step("IAM Access Advisor");
        let arns: Vec<String> = snap
            .identities
            .iter()
            .filter(|i| i.kind.acts())
            .map(|i| i.id.clone())
            .collect();
        let bar = lines.source("Access Advisor", Some(arns.len() as u64), "identities");
        let data = live::access_advisor(&job.conf, &arns, &|| bar.inc(1)).await;
        let mut cov = crate::model::SourceCoverage::new(
            SourceKind::AwsAccessAdvisor,
            format!("iam:GetServiceLastAccessedDetails (account {account})"),
        );
        cov.system = Some(account.clone());
        cov.records_read = (arns.len() - data.failed.len()) as u64;
        snap.coverage.sources.push(cov);
        for (arn, why) in data.failed {
            snap.coverage.skipped.push(Skipped {
                input: format!("Access Advisor of {arn}"),
                reason: format!("{why}; its service last-access data is missing"),
            });
        }
        snap.usage.extend(data.usage);
        snap.service_access.extend(data.services);
    }
    snap.normalize();
    Ok((snap, account))
}

/// The SCP levels to apply. AWS keeps at least one SCP on every target
/// while SCPs are enabled: a level without any means they are not, and
/// capping by an empty level would wrongly remove every grant.
fn scps_in_effect(
    levels: Vec<Vec<live::Scp>>,
    account: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<Vec<live::Scp>> {
    if !levels.iter().any(Vec::is_empty) {
        return levels;
    }
    if !levels.is_empty() {
        warnings.push(Warning {
            input: format!("account {account}"),
            message: "no service control policy at some level of the organization: SCPs are not enabled, so \
                      none is applied"
                .into(),
        });
    }
    Vec::new()
}

type LookupResult = (String, Result<(InputFile, usize), LiveError>);

/// LookupEvents in every region asked, each region its own paced run (the
/// quota is per region), all at once. By default every region AWS enables
/// for all accounts, and the configured one: an empty region costs one call,
/// and none adds to the wall time.
/// The configured region is added only for the credentials' own account
/// (`own`): an opt-in region it has enabled may not be enabled in the
/// organization's other accounts.
async fn lookup_regions(
    conf: &SdkConfig,
    account: &str,
    own: bool,
    l: &Lookup,
    lines: &AccountBars,
) -> Vec<LookupResult> {
    let mut regions = if l.regions.is_empty() {
        let configured = conf
            .region()
            .map_or_else(|| "us-east-1".to_string(), ToString::to_string);
        let mut all: Vec<String> = live::default_regions(&configured)
            .iter()
            .map(ToString::to_string)
            .collect();
        if own {
            all.push(configured);
        }
        all
    } else {
        l.regions.clone()
    };
    regions.sort();
    regions.dedup();
    let (start, end) = (l.start, l.end);
    let mut set = crate::clouds::tasks::Named::default();
    for region in regions {
        let (conf, account) = (conf.clone(), account.to_string());
        let pb = lines.source(&format!("LookupEvents {region}"), None, "");
        pb.set_message("first page");
        set.spawn(region.clone(), async move {
            let on_page = |n: usize| pb.set_message(format!("{n} events"));
            let r = live::lookup_events(&conf, &account, &region, start, end, &on_page).await;
            // A region done leaves the screen to those still running.
            pb.finish_and_clear();
            r
        });
    }
    let mut out = Vec::new();
    while let Some((region, r)) = set.next().await {
        let r = r.unwrap_or_else(|why| Err(task_failed(&format!("region {region}"), why)));
        out.push((region, r));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A task that panicked or was cancelled still leaves a failure named by
/// what it was collecting, which shows as skipped.
fn task_failed(what: &str, why: String) -> LiveError {
    LiveError::Call {
        account: what.to_string(),
        operation: "collection task",
        message: why,
    }
}

/// Whether a denial names a service control policy: AWS's AccessDenied
/// message then says "with an explicit deny in a service control policy"
/// (IAM User Guide, "Troubleshoot access denied error messages").
fn denied_by_scp(e: &LiveError) -> bool {
    matches!(e, LiveError::Denied { message, .. } if message.contains("service control policy"))
}

/// Reads what LookupEvents returned through the CloudTrail reader. With
/// regions named (`asked`), says that the others are not seen; by default,
/// that opt-in regions are not.
fn fold_lookups(
    snap: &mut Snapshot,
    account: &str,
    asked: bool,
    range: (Timestamp, Timestamp),
    results: Vec<LookupResult>,
    threads: usize,
) {
    let regions: Vec<&str> = results.iter().map(|r| r.0.as_str()).collect();
    // A default region closed by an SCP while others answer: nothing can be
    // used there, so it is said rather than counted as a failed source. Any
    // other denial (an identity policy limiting regions, say) or failure
    // leaves the result partial.
    let tolerated = !asked && results.iter().any(|r| r.1.is_ok());
    let closed: Vec<String> = results
        .iter()
        .filter_map(|r| match &r.1 {
            Err(e) if tolerated && denied_by_scp(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    let message = if asked {
        format!(
            "events were looked up in {} only: use in other regions is not seen (add --lookup-region, or \
             leave it out to read every region enabled by default)",
            regions.join(", ")
        )
    } else {
        format!(
            "events were looked up in {} regions (those enabled in every account, and the configured \
             one): use in other opt-in regions this account enabled is not seen (name them with \
             --lookup-region)",
            regions.len()
        )
    };
    for why in closed {
        snap.coverage.warnings.push(Warning {
            input: format!("cloudtrail:LookupEvents (account {account})"),
            message: format!(
                "{why}: a service control policy closes this region, so nothing is used there"
            ),
        });
    }
    snap.coverage.warnings.push(Warning {
        input: format!("cloudtrail:LookupEvents (account {account})"),
        message,
    });
    let mut files = Vec::new();
    let mut read = Vec::new();
    for (region, result) in results {
        match result {
            Ok((file, malformed)) => {
                read.push(region);
                if malformed > 0 {
                    snap.coverage.warnings.push(Warning {
                        input: file.display(),
                        message: format!("{malformed} event(s) without a parseable CloudTrailEvent were passed over"),
                    });
                }
                files.push(file);
            }
            Err(e) if tolerated && denied_by_scp(&e) => {}
            Err(e) => snap.coverage.skipped.push(Skipped {
                input: format!("cloudtrail:LookupEvents (account {account}, {region})"),
                reason: e.to_string(),
            }),
        }
    }
    // Some region answered: the account is covered over the range asked,
    // even where no event was found.
    let answered = (!read.is_empty()).then(|| cloudtrail::Answered {
        accounts: vec![account.to_string()],
        from: range.0,
        to: range.1,
        assumed: false,
    });
    let input = CloudTrailInput {
        label: "cloudtrail:LookupEvents".into(),
        files,
        kind: SourceKind::AwsCloudtrailLookup,
        answered,
    };
    let all = FileFilter::default();
    cloudtrail::import_cloudtrail(snap, aws::catalog(), &[input], &all, threads, &|| {});
    for src in &mut snap.coverage.sources {
        if src.kind == SourceKind::AwsCloudtrailLookup {
            src.regions = Some(read.clone());
        }
    }
}

type AthenaRows = Vec<(String, Result<Vec<Vec<Option<String>>>, LiveError>)>;

/// Runs the aggregate query on every `--cloudtrail-athena` table, for the
/// collected accounts and the range.
async fn athena_rows(
    conf: &SdkConfig,
    accounts: &[String],
    a: &LiveAws,
    (start, end): (Timestamp, Timestamp),
    bars: &Bars,
) -> AthenaRows {
    use crate::clouds::aws::athena;
    let mut out = Vec::new();
    if accounts.is_empty() {
        return out;
    }
    for table in &a.cloudtrail_athena {
        let label = format!("athena:{table}");
        let sql = match athena::usage_sql(table, start, end, accounts, athena::Dialect::Athena) {
            Ok(sql) => sql,
            Err(e) => {
                out.push((
                    label,
                    Err(LiveError::Call {
                        account: "Athena".into(),
                        operation: "athena:StartQueryExecution",
                        message: e.to_string(),
                    }),
                ));
                continue;
            }
        };
        let target = athena::AthenaTarget {
            table: table.clone(),
            workgroup: a.athena.athena_workgroup.clone(),
            output: a.athena.athena_output.clone(),
        };
        let line = bars.line(&format!("Athena query on {table}"));
        let rows = athena::run_query(conf, &target, &sql, &|state| {
            line.set_message(format!("Athena query on {table}: {}", state.to_lowercase()));
        })
        .await;
        line.finish_and_clear();
        out.push((label, rows));
    }
    out
}

/// Lists the CloudTrail files of every `--cloudtrail-s3` location for the
/// collected accounts and the last `--days`.
async fn s3_inputs(
    conf: &SdkConfig,
    accounts: &[String],
    a: &LiveAws,
    (start, end): (Timestamp, Timestamp),
    bars: &Bars,
) -> Vec<(
    String,
    Result<Vec<InputFile>, crate::clouds::aws::s3::S3Error>,
)> {
    if a.cloudtrail_s3.is_empty() || accounts.is_empty() {
        return Vec::new();
    }
    let client = aws_sdk_s3::Client::new(conf);
    let mut out = Vec::new();
    for url in &a.cloudtrail_s3 {
        let line = bars.line(&format!("listing {url}"));
        let listed =
            crate::clouds::aws::s3::list_log_files(&client, url, accounts, start, end).await;
        line.finish_and_clear();
        out.push((url.clone(), listed));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::System;

    fn account(id: &str) -> AccountResult {
        let mut s = Snapshot::new();
        s.systems.push(System {
            cloud: crate::catalog::Cloud::Aws,
            id: id.into(),
            name: None,
            scp_levels: vec![],
            ancestors: Vec::new(),
            audit_log_configs: Vec::new(),
        });
        (format!("account {id}"), Ok((s, id.to_string())))
    }

    fn unreachable(id: &str) -> AccountResult {
        let e = LiveError::Credentials(format!("AssumeRole into {id} was refused"));
        (format!("account {id} (legacy)"), Err(e))
    }

    #[test]
    fn an_unreachable_member_account_is_named_and_the_others_kept() {
        let results = vec![
            account("111111111111"),
            unreachable("222222222222"),
            account("333333333333"),
        ];
        let snap = merge_accounts(results, vec![], Some("OrganizationAccountAccessRole"))
            .unwrap_or_else(|_| panic!("an organization goes on past one account"));
        let ids: Vec<&str> = snap.systems.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["111111111111", "333333333333"]);
        assert!(snap.coverage.is_partial());
        assert_eq!(
            snap.coverage.skipped[0].input,
            "account 222222222222 (legacy)"
        );
        assert!(
            snap.coverage.skipped[0]
                .reason
                .contains("check that the role OrganizationAccountAccessRole exists")
        );
    }

    #[test]
    fn an_organization_without_scps_enabled_applies_none() {
        let full = live::Scp {
            arn: "p-full".into(),
            name: "FullAWSAccess".into(),
            content: serde_json::json!({}),
        };
        let mut w = Vec::new();
        // Enabled: a policy at every level, kept as is.
        let kept = scps_in_effect(vec![vec![full.clone()], vec![full.clone()]], "1", &mut w);
        assert_eq!(kept.len(), 2);
        assert!(w.is_empty());
        // A level without any policy: SCPs are off; none applied, and said.
        let none = scps_in_effect(vec![vec![full], vec![]], "1", &mut w);
        assert!(none.is_empty());
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("SCPs are not enabled"));
    }

    fn looked_up(region: &str) -> LookupResult {
        let file = InputFile::Owned {
            name: format!("cloudtrail:LookupEvents (account 1, {region})"),
            bytes: br#"{"Records":[]}"#.to_vec().into(),
        };
        (region.to_string(), Ok((file, 0)))
    }

    fn denied(region: &str, why: &str) -> LookupResult {
        let e = LiveError::Denied {
            account: "1".into(),
            operation: "cloudtrail:LookupEvents",
            message: format!("{region}: AccessDeniedException: {why}"),
        };
        (region.to_string(), Err(e))
    }

    const SCP: &str = "with an explicit deny in a service control policy";
    const RANGE: (Timestamp, Timestamp) = (
        Timestamp::constant(1_785_000_000, 0),
        Timestamp::constant(1_792_800_000, 0),
    );

    /// LookupEvents answered for the account and found nothing: the account
    /// is covered over the range asked (a dormant account can be found
    /// inactive); with no region answering, it is not.
    #[test]
    fn an_empty_lookup_answer_covers_the_account_over_the_range() {
        let mut s = Snapshot::new();
        fold_lookups(&mut s, "1", false, RANGE, vec![looked_up("eu-west-1")], 1);
        let src = s
            .coverage
            .sources
            .iter()
            .find(|x| x.kind == SourceKind::AwsCloudtrailLookup)
            .expect("a LookupEvents source");
        assert_eq!(src.system.as_deref(), Some("1"));
        assert_eq!(src.records_read, 0);
        assert_eq!(
            (src.answered_from, src.answered_to),
            (Some(RANGE.0), Some(RANGE.1))
        );
        let mut s = Snapshot::new();
        fold_lookups(
            &mut s,
            "1",
            false,
            RANGE,
            vec![denied("eu-west-1", IDENTITY)],
            1,
        );
        assert!(
            s.coverage
                .sources
                .iter()
                .all(|x| x.system.is_none() && x.answered_from.is_none()),
            "an answer that never came covers nothing: {:?}",
            s.coverage.sources
        );
    }
    const IDENTITY: &str = "because no identity-based policy allows the action";

    fn lookup_regions_of(s: &Snapshot) -> Option<Vec<String>> {
        s.coverage
            .sources
            .iter()
            .find(|x| x.kind == SourceKind::AwsCloudtrailLookup)
            .and_then(|x| x.regions.clone())
    }

    #[test]
    fn only_a_default_region_an_scp_closes_is_passed_over() {
        // By default, an SCP-closed region while others answer: a warning.
        let mut s = Snapshot::new();
        fold_lookups(
            &mut s,
            "1",
            false,
            RANGE,
            vec![looked_up("eu-west-1"), denied("ap-south-1", SCP)],
            1,
        );
        assert!(!s.coverage.is_partial(), "{:?}", s.coverage.skipped);
        assert!(s.coverage.warnings.iter().any(|w| {
            w.message.contains("ap-south-1")
                && w.message
                    .contains("a service control policy closes this region")
        }));
        assert_eq!(lookup_regions_of(&s), Some(vec!["eu-west-1".to_string()]));
        // Denied by something else (an identity policy limiting regions):
        // use there may exist, so the result is partial.
        let mut s = Snapshot::new();
        fold_lookups(
            &mut s,
            "1",
            false,
            RANGE,
            vec![looked_up("eu-west-1"), denied("ap-south-1", IDENTITY)],
            1,
        );
        assert_eq!(s.coverage.skipped.len(), 1);
        // Nothing answered: every failure counts, even an SCP's.
        let mut s = Snapshot::new();
        let timeout = (
            "us-east-1".to_string(),
            Err(LiveError::Call {
                account: "1".into(),
                operation: "cloudtrail:LookupEvents",
                message: "timed out".into(),
            }),
        );
        fold_lookups(
            &mut s,
            "1",
            false,
            RANGE,
            vec![denied("eu-west-1", SCP), timeout],
            1,
        );
        assert_eq!(s.coverage.skipped.len(), 2);
        assert_eq!(
            lookup_regions_of(&s),
            Some(vec![]),
            "no region read is said, not left out"
        );
        // A region the user named is never passed over.
        let mut s = Snapshot::new();
        fold_lookups(
            &mut s,
            "1",
            true,
            RANGE,
            vec![looked_up("eu-west-1"), denied("ap-south-1", SCP)],
            1,
        );
        assert_eq!(s.coverage.skipped.len(), 1);
        assert!(s.coverage.skipped[0].input.contains("ap-south-1"));
    }

    #[test]
    fn a_single_account_that_fails_fails_the_collection() {
        let r = merge_accounts(vec![unreachable("222222222222")], vec![], None);
        assert!(matches!(r, Err(f) if f.exit == crate::exit::Exit::Partial));
    }
}
