//! The commands of Azure: `import azure`, the demo's tenant, and `collect
//! azure` / `scan azure` (credentials and progress around the live
//! collector, `live.rs`).

use std::path::{Path, PathBuf};

use anyhow::anyhow;

use super::args::{DoctorAzure, ImportAzure, LiveAzure};
use super::import::{self, Files};
use crate::clouds::{InputFile, Run};
use crate::exit::{Failure, usage};
use crate::model::Snapshot;

/// The files a path names: itself, or a folder's `*.json` (sorted).
fn files_of(path: &Path, flag: &str, folders: bool) -> Result<Vec<InputFile>, Failure> {
    if path.is_dir() && folders {
        let mut out: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            })
            .collect();
        out.sort();
        return Ok(out.into_iter().map(InputFile::Path).collect());
    }
    if !path.exists() {
        return Err(usage(anyhow!(
            "{flag} {}: no such file; see `permgap import azure --help` for the az command that writes it",
            path.display()
        )));
    }
    Ok(vec![InputFile::Path(path.to_path_buf())])
}

/// `import azure`: a path that does not exist is a usage error; a file that
/// cannot be read or is not what its flag says is skipped and named.
pub fn import(run: &Run, a: &ImportAzure) -> Result<Snapshot, Failure> {
    let all = |paths: &[PathBuf], flag: &str, folders: bool| -> Result<Vec<InputFile>, Failure> {
        let mut out = Vec::new();
        for p in paths {
            out.extend(files_of(p, flag, folders)?);
        }
        Ok(out)
    };
    let files = Files {
        assignments: all(&a.role_assignments, "--role-assignments", false)?,
        eligible: all(&a.eligible, "--eligible", false)?,
        definitions: all(&a.role_definitions, "--role-definitions", false)?,
        denies: all(&a.deny_assignments, "--deny-assignments", false)?,
        operations: all(&a.operations, "--operations", false)?,
        principals: all(&a.principals, "--principals", false)?,
        entities: all(&a.management_groups, "--management-groups", false)?,
        activity: all(&a.activity_log, "--activity-log", true)?,
    };
    Ok(import::import(&files, run.threads))
}

/// The demo organization's Azure tenant.
pub fn demo(run: &Run) -> Snapshot {
    import::import(&crate::demo::azure_files(), run.threads)
}

/// Shows the subscriptions collected on a bar.
struct AzureBar(indicatif::ProgressBar);

impl super::live::Progress for AzureBar {
    fn subscriptions(&self, n: usize) {
        self.0.set_length(n as u64);
    }
    fn done(&self, subscription: &str) {
        self.0.inc(1);
        self.0.set_message(subscription.to_string());
    }
}

/// The credential of a live collection: `--credential`'s, or the first of
/// the chain that yields a token (named on stderr); none with `--anonymous`.
async fn credential(
    run: &Run,
    anonymous: bool,
    only: Option<super::credentials::Source>,
) -> Result<Option<std::sync::Arc<dyn azure_core::credentials::TokenCredential>>, Failure> {
    use super::credentials;
    if anonymous {
        return Ok(None);
    }
    let sources = match only {
        Some(s) => vec![s],
        None => credentials::chain(&|k| std::env::var(k).ok()),
    };
    match credentials::first(&sources).await {
        Ok((source, cred)) => {
            if !run.quiet {
                eprintln!("credentials: {}", source.label());
            }
            Ok(Some(cred))
        }
        Err(failed) => {
            let tried: Vec<String> = failed
                .iter()
                .map(|(s, why)| format!("  {}: {why}", s.label()))
                .collect();
            Err(usage(anyhow!(
                "no Azure credential yields a token; tried, in order:\n{}\nrun `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                tried.join("\n")
            )))
        }
    }
}

/// Collects the subscriptions asked for, reading the Activity Log over `range`.
pub fn collect(run: &Run, a: &LiveAzure, range: &crate::time::Range) -> Result<Snapshot, Failure> {
    use super::live;
    let rt = run.runtime()?;
    let conn = connection(run, &rt, &a.reach)?;
    let opts = live::Options {
        subscriptions: a.subscription.clone(),
        start: range.start,
        end: range.end.at,
        activity_log: !a.no_activity_log,
        graph: !a.no_graph,
        concurrency: a.concurrency.get(),
    };
    let bar = AzureBar(crate::progress::bar(
        run.quiet,
        0,
        "subscriptions [{bar:40}] {pos}/{len} {msg}",
    ));
    let snap = rt
        .block_on(live::collect(&conn, &opts, &bar))
        .map_err(Failure::from)?;
    bar.0.finish_and_clear();
    Ok(snap)
}

/// The connection `reach` describes, with its credential.
fn connection(
    run: &Run,
    rt: &tokio::runtime::Runtime,
    reach: &super::args::Reach,
) -> Result<super::live::Connection, Failure> {
    let credential = rt.block_on(credential(run, reach.anonymous, reach.credential))?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(|e| usage(anyhow!("cannot build the HTTP client: {e}")))?;
    Ok(super::live::Connection {
        arm: reach.arm_endpoint.clone(),
        graph: reach.graph_endpoint.clone(),
        credential,
        http,
    })
}

/// `permgap doctor azure`: which reads the credential can do.
pub fn doctor(run: &Run, a: &DoctorAzure) -> Result<crate::exit::Exit, Failure> {
    use std::io::Write;
    let rt = run.runtime()?;
    let conn = connection(run, &rt, &a.reach)?;
    let checks = rt.block_on(super::live::doctor(&conn, &a.subscription));
    let (text, exit) = crate::clouds::doctor::render(
        &checks,
        "Grant them to the credential: Reader on the subscriptions (or a management group above them), and Directory.Read.All on Microsoft Graph for names.",
        "permgap can collect these subscriptions.",
    );
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::from(anyhow!("cannot write: {e}")))?;
    Ok(exit)
}
