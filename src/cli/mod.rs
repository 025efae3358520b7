//! The command line: argument parsing, wiring of the stages, exit codes.
//! No analysis here.

mod args;
mod collect;
mod collect_gcp;
mod progress;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;

use crate::analysis::{self, AuditConfig, findings};
use crate::clouds::InputFile;
use crate::clouds::aws::catalog as aws;
use crate::clouds::aws::cloudtrail::{self, CloudTrailInput, FileFilter};
use crate::clouds::aws::credential_report::import_credential_report;
use crate::clouds::aws::import::import_authorization_details;
use crate::clouds::aws::live::{self, CheckStatus};
use crate::config::{self, Config};
use crate::gate::{Baseline, Verdict};
use crate::model::{Skipped, Snapshot, SourceKind};
use crate::report::table::TableOptions;
use crate::report::{self, Report};
pub use args::{Cli, ColorChoice, Command, Format};

/// The exit codes, documented in the README. Chosen here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Complete result.
    Ok = 0,
    /// `check` found the gap over a threshold (later).
    GateFailed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// Collection failed, or the result is partial.
    Partial = 3,
}

/// An error and the exit code it maps to.
struct Failure {
    exit: Exit,
    error: anyhow::Error,
}

fn usage(error: anyhow::Error) -> Failure {
    Failure {
        exit: Exit::Usage,
        error,
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure {
            exit: Exit::Partial,
            error,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        let _ = THREADS.set(usize::from(n));
    }
    match run(&cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(f) => {
            // A closed pipe (`permgap audit ... | head`) is not a failure.
            if f.error.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: {}", f.error);
            for cause in f.error.chain().skip(1) {
                let _ = writeln!(err, "  caused by: {cause}");
            }
            ExitCode::from(f.exit as u8)
        }
    }
}

fn run(cli: &Cli) -> Result<Exit, Failure> {
    match &cli.command {
        Command::Import(args::ImportCommand::Aws(a)) => import_aws(cli, a),
        Command::Import(args::ImportCommand::Gcp(a)) => {
            if !a.dir.is_dir() {
                return Err(usage(anyhow!(
                    "{}: not a folder; give the folder of `gcloud` exports (see `permgap import gcp --help`)",
                    a.dir.display()
                )));
            }
            let snap = crate::clouds::gcp::import::import_dir(&a.dir);
            save_snapshot(cli, &a.output, &snap)
        }
        Command::Collect(args::CollectCommand::Aws(a)) => {
            let snap = collect::collect_aws(cli, &a.live)?;
            save_snapshot(cli, &a.output, &snap)
        }
        Command::Scan(args::ScanCommand::Aws(a)) => {
            let gate = scan_gate(&a.gate)?;
            let snap = collect::collect_aws(cli, &a.live)?;
            scan_report(cli, &snap, a.live.until, &a.report, gate.as_ref())
        }
        Command::Collect(args::CollectCommand::Gcp(a)) => {
            let snap = collect_gcp::collect_gcp(cli, &a.live)?;
            save_snapshot(cli, &a.output, &snap)
        }
        Command::Scan(args::ScanCommand::Gcp(a)) => {
            let gate = scan_gate(&a.gate)?;
            let snap = collect_gcp::collect_gcp(cli, &a.live)?;
            scan_report(cli, &snap, a.live.until, &a.report, gate.as_ref())
        }
        Command::Audit(a) => {
            let snap = read_snapshot(&a.snapshot).map_err(usage)?;
            audit_and_render(
                cli,
                &snap,
                a.report.as_of.unwrap_or_else(Timestamp::now),
                &a.report,
                None,
            )
        }
        Command::Check(a) => {
            let gate = load_gate(&a.gate)?;
            let snap = read_snapshot(&a.snapshot).map_err(usage)?;
            audit_and_render(
                cli,
                &snap,
                a.report.as_of.unwrap_or_else(Timestamp::now),
                &a.report,
                Some(&gate),
            )
        }
        Command::Init(a) => init(cli, a),
        Command::Baseline(a) => baseline(cli, a),
        Command::Diff(a) => diff(cli, a),
        Command::Demo(a) => {
            let gate = scan_gate(&a.gate)?;
            let snap = demo_snapshot(cli)?;
            if let Some(p) = &a.save_snapshot {
                save_snapshot(cli, p, &snap)?;
            }
            let as_of = match &a.report.as_of {
                Some(t) => *t,
                None => crate::demo::DEMO_AS_OF
                    .parse()
                    .map_err(|e| anyhow!("demo date: {e}"))?,
            };
            audit_and_render(cli, &snap, as_of, &a.report, gate.as_ref())
        }
        Command::Catalog(c) => {
            let (cloud, pattern) = c.cloud();
            catalog(cloud, pattern.unwrap_or("*"))
        }
        Command::Doctor(args::DoctorCommand::Aws(a)) => doctor_aws(a),
        Command::Explain { id } => explain(id.as_deref()),
    }
}

/// A scan's audit: as of `--as-of`, else the end of the usage collected
/// (`--until`), else now.
fn scan_report(
    cli: &Cli,
    snap: &Snapshot,
    until: Option<Timestamp>,
    report: &args::ReportArgs,
    gate: Option<&Gate>,
) -> Result<Exit, Failure> {
    let as_of = report.as_of.or(until).unwrap_or_else(Timestamp::now);
    audit_and_render(cli, snap, as_of, report, gate)
}

/// The gate's configuration and baseline, loaded before any work: a bad
/// file is a usage error (exit 2).
struct Gate {
    config: Config,
    baseline: Option<Baseline>,
}

fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    match path {
        Some(p) => Config::load(p).map_err(usage),
        None if Path::new(config::FILE_NAME).is_file() => {
            Config::load(Path::new(config::FILE_NAME)).map_err(usage)
        }
        None => Ok(Config::defaults()),
    }
}

fn load_gate(a: &args::GateArgs) -> Result<Gate, Failure> {
    Ok(Gate {
        config: load_config(a.config.as_deref())?,
        baseline: a
            .baseline
            .as_deref()
            .map(Baseline::load)
            .transpose()
            .map_err(usage)?,
    })
}

fn scan_gate(a: &args::ScanGate) -> Result<Option<Gate>, Failure> {
    if !a.check && (a.gate.config.is_some() || a.gate.baseline.is_some()) {
        return Err(usage(anyhow!(
            "--config and --baseline gate a scan: add --check"
        )));
    }
    a.check.then(|| load_gate(&a.gate)).transpose()
}

fn progress(cli: &Cli, len: usize, what: &str) -> ProgressBar {
    if cli.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} files ({eta})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// The async runtime of the live commands.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?)
}

/// `--threads`, set once at start; default every core.
static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

fn threads() -> usize {
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The AWS accounts of a snapshot: the log files of others are not opened.
fn aws_accounts(snap: &Snapshot) -> Option<std::collections::BTreeSet<String>> {
    let ids: std::collections::BTreeSet<String> = snap
        .systems
        .iter()
        .filter(|s| s.cloud == crate::catalog::Cloud::Aws)
        .map(|s| s.id.clone())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

fn import_aws(cli: &Cli, a: &args::ImportAws) -> Result<Exit, Failure> {
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
    let filter = FileFilter {
        accounts: aws_accounts(&snap),
        range: (a.until.is_some() || a.days.is_some()).then(|| {
            let end = a.until.unwrap_or_else(Timestamp::now);
            let days = i64::from(a.days.unwrap_or(90));
            (
                end.checked_sub(jiff::Span::new().hours(days * 24))
                    .unwrap_or(end),
                end,
            )
        }),
    };
    add_cloudtrail(cli, &mut snap, &a.cloudtrail, &filter);
    snap.normalize();
    save_snapshot(cli, &a.output, &snap)
}

/// Writes a snapshot, says what it holds, and gives the exit code: partial
/// when some input was skipped.
fn save_snapshot(cli: &Cli, path: &Path, snap: &Snapshot) -> Result<Exit, Failure> {
    write_json(create(path)?, path, snap)?;
    if !cli.quiet {
        eprintln!("wrote {}: {}", path.display(), summary(snap));
    }
    Ok(if snap.coverage.is_partial() {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

/// One line on what a snapshot holds, for stderr.
fn summary(snap: &Snapshot) -> String {
    format!(
        "{} identities, {} policies, {} usage records{}",
        snap.identities.len(),
        snap.policies.len(),
        snap.usage.len(),
        if snap.coverage.is_partial() {
            format!(
                "; PARTIAL: {} input(s) skipped (see `permgap audit`)",
                snap.coverage.skipped.len()
            )
        } else {
            String::new()
        }
    )
}

/// Reads CloudTrail files or trees given on the command line into `snap`.
fn add_cloudtrail(
    cli: &Cli,
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
    read_cloudtrail(cli, snap, &inputs, filter);
}

fn read_cloudtrail(
    cli: &Cli,
    snap: &mut Snapshot,
    inputs: &[CloudTrailInput],
    filter: &FileFilter,
) {
    let total = inputs.iter().map(|i| i.files.len()).sum();
    if total == 0 {
        return;
    }
    let pb = progress(cli, total, "CloudTrail");
    cloudtrail::import_cloudtrail(snap, aws::catalog(), inputs, filter, threads(), &|| {
        pb.inc(1)
    });
    pb.finish_and_clear();
}

fn demo_snapshot(cli: &Cli) -> Result<Snapshot> {
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
        accounts: aws_accounts(&snap),
        range: None,
    };
    read_cloudtrail(cli, &mut snap, &inputs, &filter);
    snap.merge(crate::clouds::gcp::import::import_files(
        "demo/gcp",
        crate::demo::gcp_files(),
    ));
    snap.normalize();
    Ok(snap)
}

fn read_snapshot(path: &Path) -> Result<Snapshot> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read snapshot {}", path.display()))?;
    let snap: Snapshot = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a permgap snapshot (write one with `permgap import aws ... --output FILE`)",
            path.display()
        )
    })?;
    let mut snap = snap;
    // Lookups binary-search the lists: a snapshot edited or written by
    // another tool may be in any order.
    snap.normalize();
    if snap.schema_version != crate::model::SNAPSHOT_SCHEMA_VERSION {
        bail!(
            "{} has snapshot schema version {}, this permgap reads version {}: re-import it",
            path.display(),
            snap.schema_version,
            crate::model::SNAPSHOT_SCHEMA_VERSION
        );
    }
    Ok(snap)
}

/// Creates an output file; failing to is a usage error (a wrong path), not a
/// partial result.
fn create(path: &Path) -> Result<std::fs::File, Failure> {
    std::fs::File::create(path)
        .with_context(|| format!("cannot create {}", path.display()))
        .map_err(usage)
}

fn write_json<T: serde::Serialize>(file: std::fs::File, path: &Path, value: &T) -> Result<()> {
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut w, value)
        .with_context(|| format!("cannot write {}", path.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn color(cli: &Cli, to_terminal: bool) -> bool {
    match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The report of `snap` as of `as_of`: the audit, with the configuration's
/// window and ignored identities when one is given.
fn build_report(
    snap: &Snapshot,
    as_of: Timestamp,
    window: Option<u32>,
    config: Option<&Config>,
) -> Report {
    let cats = analysis::catalogs(snap);
    let mut cfg = AuditConfig::new(
        as_of,
        window
            .or(config.and_then(|c| c.window_days))
            .unwrap_or(DEFAULT_WINDOW),
    );
    if let Some(c) = config {
        cfg.ignore = c.ignore.clone();
    }
    let audit = analysis::audit_all(snap, &cats, &cfg);
    Report::build(audit, &cats)
}

/// The window when neither `--window` nor a configuration sets one.
const DEFAULT_WINDOW: u32 = 90;

fn today() -> jiff::civil::Date {
    Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn audit_and_render(
    cli: &Cli,
    snap: &Snapshot,
    as_of: Timestamp,
    args: &args::ReportArgs,
    gate: Option<&Gate>,
) -> Result<Exit, Failure> {
    let (format, output) = (args.format, args.output.as_deref());
    let mut report = build_report(snap, as_of, args.window, gate.map(|g| &g.config));
    if let Some(g) = gate {
        crate::gate::evaluate(&mut report, &g.config, g.baseline.as_ref(), today());
    }
    let exit = match report.gate.as_ref().map(|g| g.verdict) {
        Some(Verdict::Fail) => Exit::GateFailed,
        Some(Verdict::Partial) => Exit::Partial,
        Some(Verdict::Pass) => Exit::Ok,
        None if report.partial => Exit::Partial,
        None => Exit::Ok,
    };
    let (mut sink, to_terminal): (Box<dyn Write>, bool) = match output {
        Some(p) => (Box::new(std::io::BufWriter::new(create(p)?)), false),
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            std::io::stdout().is_terminal(),
        ),
    };
    match format {
        Format::Json => report::json::render(&report, &mut sink),
        Format::Table => report::table::render(
            &report,
            TableOptions {
                color: color(cli, to_terminal),
                width: 100,
            },
            &mut sink,
        ),
        Format::Csv => report::csv::render(&report, &mut sink),
        Format::Sarif => report::sarif::render(&report, &mut sink),
        Format::Markdown => report::markdown::render(&report, &mut sink),
        Format::Html => report::html::render(&report, &mut sink),
    }
    .and_then(|()| sink.flush())
    .context("cannot write the report")?;
    drop(sink);
    if !cli.quiet {
        if let Some(g) = &report.gate {
            eprintln!("{}", g.verdict_line(report.partial));
        } else if let Some(p) = output {
            eprintln!("wrote {}: {}", p.display(), report.summary_line());
        }
    }
    Ok(exit)
}

fn init(cli: &Cli, a: &args::InitArgs) -> Result<Exit, Failure> {
    if a.path.exists() && !a.force {
        return Err(usage(anyhow!(
            "{} exists; pass --force to replace it",
            a.path.display()
        )));
    }
    std::fs::write(&a.path, config::TEMPLATE)
        .with_context(|| format!("cannot write {}", a.path.display()))
        .map_err(usage)?;
    if !cli.quiet {
        eprintln!(
            "wrote {}: the gate's thresholds, ignores and suppressions, annotated; `permgap check SNAPSHOT` reads it",
            a.path.display()
        );
    }
    Ok(Exit::Ok)
}

fn baseline(cli: &Cli, a: &args::BaselineArgs) -> Result<Exit, Failure> {
    let config = load_config(a.config.as_deref())?;
    let snap = read_snapshot(&a.snapshot).map_err(usage)?;
    let report = build_report(
        &snap,
        a.as_of.unwrap_or_else(Timestamp::now),
        a.window,
        Some(&config),
    );
    let base = Baseline::from_report(&report);
    let file = create(&a.output)?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, &base)
        .map_err(std::io::Error::from)
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    if !cli.quiet {
        let n: usize = base.identities.iter().map(|i| i.findings.len()).sum();
        eprintln!(
            "wrote {}: {n} findings of {} identities in {} systems{}",
            a.output.display(),
            base.identities.len(),
            base.systems.len(),
            if report.partial {
                "; PARTIAL: some input was skipped (see `permgap audit`)"
            } else {
                ""
            }
        );
    }
    Ok(if report.partial {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

/// A snapshot or a JSON report, as the view `diff` compares.
fn diff_side(path: &Path, as_of: Timestamp, window: u32) -> Result<crate::diff::View, Failure> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(usage)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| {
            format!(
                "{} is not JSON: give a snapshot or a JSON report",
                path.display()
            )
        })
        .map_err(usage)?;
    if crate::diff::is_report(&v) {
        return crate::diff::View::from_report_json(v)
            .with_context(|| format!("{} is not a permgap JSON report", path.display()))
            .map_err(usage);
    }
    if v.get("permgap_baseline").is_some() {
        return Err(usage(anyhow!(
            "{} is a baseline: `permgap diff` compares snapshots or JSON reports (`--format json`)",
            path.display()
        )));
    }
    drop(v);
    let snap = read_snapshot(path).map_err(usage)?;
    let report = build_report(&snap, as_of, Some(window), None);
    let v = serde_json::to_value(&report).context("cannot serialize the report")?;
    Ok(crate::diff::View::from_report_json(v)
        .with_context(|| format!("the audit of {}", path.display()))?)
}

fn diff(cli: &Cli, a: &args::DiffArgs) -> Result<Exit, Failure> {
    let as_of = a.as_of.unwrap_or_else(Timestamp::now);
    let old = diff_side(&a.old, as_of, a.window)?;
    let new = diff_side(&a.new, as_of, a.window)?;
    let d = crate::diff::compare(&old, &new);
    let mut sink: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(std::io::BufWriter::new(create(p)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match a.format {
        args::DiffFormat::Json => crate::diff::render_json(&d, &mut sink),
        args::DiffFormat::Table => crate::diff::render_text(&d, &mut sink),
    }
    .and_then(|()| sink.flush())
    .context("cannot write the diff")?;
    if !cli.quiet {
        eprintln!("permgap diff: {}", d.summary_line());
    }
    Ok(Exit::Ok)
}

/// `permgap catalog CLOUD [PATTERN]`.
fn catalog(cloud: crate::catalog::Cloud, pattern: &str) -> Result<Exit, Failure> {
    let provider = crate::clouds::provider(cloud)
        .ok_or_else(|| usage(anyhow!("permgap has no catalog of {cloud} yet")))?;
    let l = provider.listing(pattern).map_err(|e| usage(anyhow!(e)))?;
    list_catalog(&l.catalog, &l.set, &l.label)
}

/// Prints the permissions of `set` with their access level; the count on stderr.
fn list_catalog(
    cat: &crate::catalog::Catalog,
    set: &crate::catalog::PermSet,
    pattern: &str,
) -> Result<Exit, Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut write = || -> std::io::Result<()> {
        for i in cat.sorted_by_name(set) {
            writeln!(out, "{}\t{}", cat.qualified(i), cat.perms[i].level.label())?;
        }
        out.flush()
    };
    write().context("cannot write the list")?;
    eprintln!(
        "{} of {} {} match {pattern} ({})",
        set.count_ones(..),
        cat.len(),
        crate::clouds::names(cat.cloud).permissions,
        cat.source
    );
    Ok(Exit::Ok)
}

fn doctor_aws(a: &args::DoctorAws) -> Result<Exit, Failure> {
    let opts = live::LiveOptions {
        profile: a.profile.clone(),
        region: a.region.clone(),
        ..Default::default()
    };
    let rt = runtime()?;
    let checks = rt.block_on(async {
        let conf = live::sdk_config(&opts).await;
        let checks = live::DoctorOptions {
            lookup_region: a.lookup_region.clone(),
            s3_url: a.cloudtrail_s3.clone(),
            access_advisor: a.access_advisor,
            org_role: a.org.then(|| a.role_name.clone()),
            athena: a.cloudtrail_athena.as_ref().map(|t| {
                crate::clouds::aws::athena::AthenaTarget {
                    table: t.clone(),
                    workgroup: a.athena_workgroup.clone(),
                    output: a.athena_output.clone(),
                }
            }),
        };
        live::doctor(&conf, &checks).await
    });
    let mut out = std::io::stdout().lock();
    let mut text = String::new();
    for c in &checks {
        let status = match (c.status, c.required) {
            (CheckStatus::Ok, _) => "ok",
            (CheckStatus::Denied, true) => "MISSING",
            (CheckStatus::Denied, false) => "missing",
            (CheckStatus::Failed, _) => "error",
        };
        text.push_str(&format!("{status:8} {:36} {}\n", c.what, c.detail));
    }
    let of = |s| {
        checks
            .iter()
            .filter(|c| c.status == s)
            .map(|c| c.what.as_str())
            .collect::<Vec<_>>()
    };
    let (missing, failed) = (of(CheckStatus::Denied), of(CheckStatus::Failed));
    if !missing.is_empty() {
        text.push_str(&format!(
            "missing: {}. Add them to the identity's policy (the README lists permgap's read-only policy).\n",
            missing.join(", ")
        ));
    }
    if !failed.is_empty() {
        text.push_str(&format!(
            "could not check: {} (see above).\n",
            failed.join(", ")
        ));
    }
    if missing.is_empty() && failed.is_empty() {
        text.push_str("permgap can collect this account.\n");
    }
    out.write_all(text.as_bytes()).context("cannot write")?;
    Ok(if missing.is_empty() && failed.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    })
}

fn explain(id: Option<&str>) -> Result<Exit, Failure> {
    let mut out = std::io::stdout().lock();
    let text = match id {
        None => findings::REGISTRY
            .iter()
            .map(|k| format!("{:32} {:7} {}\n", k.id, k.severity.label(), k.title))
            .collect::<String>(),
        Some(id) => match findings::by_id(id) {
            Some(k) => k.doc(),
            None => {
                return Err(usage(anyhow!(
                    "unknown finding ID {id:?}; `permgap explain` lists them"
                )));
            }
        },
    };
    out.write_all(text.as_bytes()).context("cannot write")?;
    Ok(Exit::Ok)
}
