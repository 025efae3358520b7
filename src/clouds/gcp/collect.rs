//! The commands of GCP: `import gcp`, the demo's projects, and `collect
//! gcp` / `scan gcp` (credentials and progress around the live collector,
//! `live.rs`).

use anyhow::{Context, anyhow};

use super::args::{ImportGcp, LiveGcp};
use crate::clouds::Run;
use crate::exit::{Failure, usage};
use crate::model::Snapshot;

/// `import gcp DIR`: a folder that is not one is a usage error; a file in it
/// that cannot be read is skipped and named.
pub fn import(a: &ImportGcp) -> Result<Snapshot, Failure> {
    if !a.dir.is_dir() {
        return Err(usage(anyhow!(
            "{}: not a folder; give the folder of `gcloud` exports (see `permgap import gcp --help`)",
            a.dir.display()
        )));
    }
    Ok(super::import::import_dir(&a.dir))
}

/// The demo organization's projects.
pub fn demo() -> Snapshot {
    super::import::import_files("demo/gcp", crate::demo::gcp_files())
}

/// The credentials of a live GCP collection: a key file, Application
/// Default Credentials, either one impersonating a service account, or none
/// (a stub).
fn gcp_credentials(a: &LiveGcp) -> Result<google_cloud_auth::credentials::Credentials, Failure> {
    use google_cloud_auth::credentials::{Builder, anonymous, impersonated, service_account};
    if a.anonymous {
        return Ok(anonymous::Builder::new().build());
    }
    let base = match &a.credentials {
        Some(path) => {
            let text = std::fs::read(path)
                .with_context(|| format!("{}: cannot read the key file", path.display()))
                .map_err(usage)?;
            let key: serde_json::Value = serde_json::from_slice(&text)
                .with_context(|| format!("{}: not JSON; give a service account key file (`gcloud iam service-accounts keys create`)", path.display()))
                .map_err(usage)?;
            if key.get("type").and_then(serde_json::Value::as_str) != Some("service_account") {
                return Err(usage(anyhow!(
                    "{}: not a service account key (its `type` is not \"service_account\"); for other credentials set GOOGLE_APPLICATION_CREDENTIALS instead",
                    path.display()
                )));
            }
            service_account::Builder::new(key).build().map_err(|e| {
                usage(anyhow!("{}: not a usable service account key: {e}", path.display()))
            })?
        }
        None => Builder::default().build().map_err(|e| {
            usage(anyhow!(
                "no Google credentials ({e}): run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or give --credentials KEY.json"
            ))
        })?,
    };
    match &a.impersonate_service_account {
        None => Ok(base),
        Some(email) => impersonated::Builder::from_source_credentials(base)
            .with_target_principal(email)
            .build()
            .map_err(|e| usage(anyhow!("cannot impersonate {email}: {e}"))),
    }
}

/// Shows the projects collected on a bar.
struct GcpBar(indicatif::ProgressBar);

impl super::live::Progress for GcpBar {
    fn projects(&self, n: usize) {
        self.0.set_length(n as u64);
    }
    fn done(&self, resource: &str) {
        if resource.starts_with("projects/") {
            self.0.inc(1);
        }
        self.0.set_message(resource.to_string());
    }
}

/// Collects the projects asked for, reading audit logs over `range`.
pub fn collect(run: &Run, a: &LiveGcp, range: &crate::time::Range) -> Result<Snapshot, Failure> {
    use super::live;
    let (start, end) = (range.start, range.end.at);
    let credentials = gcp_credentials(a)?;
    let conn = live::Connection {
        endpoint: a.endpoint.clone(),
        credentials,
    };
    let opts = live::Options {
        projects: a.project.clone(),
        organizations: a.organization.clone(),
        start,
        end,
        logs: !a.no_logs,
        policy_analyzer: !a.no_policy_analyzer,
        insights: !a.no_insights,
        concurrency: a.concurrency.get(),
    };
    let bar = GcpBar(crate::progress::bar(
        run.quiet,
        0,
        "projects [{bar:40}] {pos}/{len} {msg}",
    ));
    let rt = run.runtime()?;
    let snap = rt
        .block_on(live::collect(&conn, &opts, &bar))
        .map_err(Failure::from)?;
    bar.0.finish_and_clear();
    Ok(snap)
}
