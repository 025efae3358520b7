//! `collect gcp` / `scan gcp`: credentials, progress, and the live GCP
//! collector (providers/gcp/live.rs).

use std::io::IsTerminal;

use anyhow::{Context, anyhow};
use jiff::Timestamp;

use super::{Cli, Failure, args, runtime, usage};
use crate::model::Snapshot;

/// The credentials of a live GCP collection: a key file, Application
/// Default Credentials, either one impersonating a service account, or none
/// (a stub).
fn gcp_credentials(
    a: &args::LiveGcp,
) -> Result<google_cloud_auth::credentials::Credentials, Failure> {
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

impl crate::clouds::gcp::live::Progress for GcpBar {
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

pub(super) fn collect_gcp(cli: &Cli, a: &args::LiveGcp) -> Result<Snapshot, Failure> {
    use crate::clouds::gcp::live;
    let (start, end) = super::collect::usage_range(a.days, a.until, Timestamp::now());
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
        concurrency: usize::from(a.concurrency),
    };
    let bar = if cli.quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let pb = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("projects [{bar:40}] {pos}/{len} {msg}")
        {
            pb.set_style(style.progress_chars("=> "));
        }
        pb
    };
    let bar = GcpBar(bar);
    let rt = runtime()?;
    let snap = rt
        .block_on(live::collect(&conn, &opts, &bar))
        .map_err(Failure::from)?;
    bar.0.finish_and_clear();
    Ok(snap)
}
