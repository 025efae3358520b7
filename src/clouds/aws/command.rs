//! The commands of AWS: `import aws`, the demo's accounts, `doctor aws`,
//! and the CloudTrail files given on the command line (which `collect aws`
//! reads too). `collect aws` is in `collect.rs`.

use std::io::Write;

use anyhow::{Context, anyhow};

use super::args::{DoctorAws, ImportAws};
use super::catalog;
use super::cloudtrail::{self, CloudTrailInput, FileFilter};
use super::credential_report::import_credential_report;
use super::import::import_authorization_details;
use super::live;
use crate::clouds::{InputFile, Run};
use crate::exit::{Exit, Failure, usage};
use crate::model::{Cloud, Skipped, Snapshot, SourceKind};
use crate::time;

/// `import aws`: the exports named on the command line. A file that cannot
/// be read is skipped and named; a path that does not exist is a usage
/// error, caught before any work.
pub fn import(run: &Run, a: &ImportAws) -> Result<Snapshot, Failure> {
    // Paths that do not exist are usage errors, caught before any work.
    for p in a
        .authorization_details
        .iter()
        .chain(&a.cloudtrail)
        .chain(&a.credential_report)
    {
        if !p.exists() {
            return Err(usage(anyhow!("{} does not exist", p.display())));
        }
    }
    let mut snap = Snapshot::new();
    for f in &a.authorization_details {
        if let Err(e) = import_authorization_details(&mut snap, &InputFile::Path(f.clone())) {
            snap.coverage.skipped.push(Skipped {
                input: f.display().to_string(),
                reason: e.to_string(),
            });
        }
    }
    if let Some(f) = &a.credential_report
        && let Err(e) = import_credential_report(&mut snap, &InputFile::Path(f.clone()))
    {
        snap.coverage.skipped.push(Skipped {
            input: f.display().to_string(),
            reason: e.to_string(),
        });
    }
    let range = (a.until.is_some() || a.days.is_some())
        .then(|| time::range(a.days.unwrap_or(time::DEFAULT_DAYS), a.until, run.now));
    if let Some(r) = range {
        run.note_moved("--until", r.end);
    }
    let filter = FileFilter {
        accounts: accounts_of(&snap),
        range: range.map(|r| (r.start, r.end.at)),
    };
    add_cloudtrail(run, &mut snap, &a.cloudtrail, &filter);
    snap.normalize();
    Ok(snap)
}

/// The AWS accounts of a snapshot: the log files of others are not opened.
pub fn accounts_of(snap: &Snapshot) -> Option<std::collections::BTreeSet<String>> {
    let ids: std::collections::BTreeSet<String> = snap
        .systems
        .iter()
        .filter(|s| s.cloud == Cloud::Aws)
        .map(|s| s.id.clone())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// Reads CloudTrail files or trees given on the command line into `snap`.
pub fn add_cloudtrail(
    run: &Run,
    snap: &mut Snapshot,
    paths: &[std::path::PathBuf],
    filter: &FileFilter,
) {
    let mut inputs = Vec::new();
    for p in paths {
        let (files, skipped) = cloudtrail::list_files(p);
        snap.coverage.skipped.extend(skipped);
        if files.is_empty() {
            snap.coverage.skipped.push(Skipped {
                input: p.display().to_string(),
                reason: "no CloudTrail log file (*.json, *.json.gz) found here".into(),
            });
        }
        inputs.push(CloudTrailInput {
            label: p.display().to_string(),
            files,
            kind: SourceKind::AwsCloudtrailFiles,
            answered: None,
        });
    }
    read_cloudtrail(run, snap, &inputs, filter);
}

pub fn read_cloudtrail(
    run: &Run,
    snap: &mut Snapshot,
    inputs: &[CloudTrailInput],
    filter: &FileFilter,
) {
    let total: usize = inputs.iter().map(|i| i.files.len()).sum();
    if total == 0 {
        return;
    }
    let pb = crate::progress::bar(
        run.quiet,
        total as u64,
        "{msg} [{bar:40}] {pos}/{len} files ({eta})",
    );
    pb.set_message("CloudTrail");
    cloudtrail::import_cloudtrail(
        snap,
        catalog::catalog(),
        inputs,
        filter,
        run.threads,
        &|| pb.inc(1),
    );
    pb.finish_and_clear();
}

/// The demo organization's AWS accounts.
pub fn demo(run: &Run) -> anyhow::Result<Snapshot> {
    let mut snap = Snapshot::new();
    let gaad =
        crate::demo::authorization_details().context("the demo data is missing from this build")?;
    import_authorization_details(&mut snap, &gaad)?;
    if let Some(cr) = crate::demo::credential_report() {
        import_credential_report(&mut snap, &cr)?;
    }
    let inputs = [CloudTrailInput {
        label: "demo/aws/cloudtrail".into(),
        files: crate::demo::cloudtrail(),
        kind: SourceKind::AwsCloudtrailFiles,
        answered: None,
    }];
    let filter = FileFilter {
        accounts: accounts_of(&snap),
        range: None,
    };
    read_cloudtrail(run, &mut snap, &inputs, &filter);
    Ok(snap)
}

/// `doctor aws`: which of permgap's read-only permissions the credentials
/// have; exit 3 when one is missing or could not be checked.
pub fn doctor(run: &Run, a: &DoctorAws) -> Result<Exit, Failure> {
    let opts = a.reach.options();
    let rt = run.runtime()?;
    let checks = rt.block_on(async {
        let conf = live::sdk_config(&opts).await;
        let checks = live::DoctorOptions {
            lookup_region: a.lookup_region.clone(),
            s3_url: a.cloudtrail_s3.clone(),
            access_advisor: a.access_advisor,
            org_role: a.org.role().map(str::to_string),
            athena: a.cloudtrail_athena.as_ref().map(|t| {
                crate::clouds::aws::athena::AthenaTarget {
                    table: t.clone(),
                    workgroup: a.athena.athena_workgroup.clone(),
                    output: a.athena.athena_output.clone(),
                }
            }),
        };
        live::doctor(&conf, &checks).await
    });
    let (text, exit) = crate::clouds::doctor::render(
        &checks,
        "Add them to the identity's policy (the README lists permgap's read-only policy).",
        "permgap can collect this account.",
    );
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).context("cannot write")?;
    Ok(exit)
}
