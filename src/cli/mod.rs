//! The command line: argument parsing, wiring of the stages, exit codes.
//! No analysis here, and no cloud: each subcommand that names a cloud hands
//! its arguments to that cloud's folder (`src/clouds/<cloud>/`).

mod args;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use jiff::Timestamp;

use crate::analysis::{self, AuditConfig, findings};
use crate::clouds::{self, Commands, Run, aws, azure, gcp};
use crate::config::{self, Config};
use crate::gate::{Baseline, Verdict};
use crate::model::Snapshot;
use crate::report::table::TableOptions;
use crate::report::{self, Report};
use crate::time;
pub use args::{Cli, ColorChoice, Command, Format};

pub use crate::exit::Exit;
use crate::exit::{Failure, usage};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
    // The command's one now: every range and window is resolved against it.
    let run = Run {
        quiet: cli.quiet,
        threads: threads(cli),
        now: Timestamp::now(),
    };
    match &cli.command {
        Command::Import(args::ImportCommand::Aws(a)) => import::<aws::Aws>(cli, &run, a),
        Command::Import(args::ImportCommand::Gcp(a)) => import::<gcp::Gcp>(cli, &run, a),
        Command::Import(args::ImportCommand::Azure(a)) => import::<azure::Azure>(cli, &run, a),
        Command::Collect(args::CollectCommand::Aws(a)) => collect::<aws::Aws>(cli, &run, a),
        Command::Collect(args::CollectCommand::Gcp(a)) => collect::<gcp::Gcp>(cli, &run, a),
        Command::Collect(args::CollectCommand::Azure(a)) => collect::<azure::Azure>(cli, &run, a),
        Command::Scan(args::ScanCommand::Aws(a)) => scan::<aws::Aws>(cli, &run, a),
        Command::Scan(args::ScanCommand::Gcp(a)) => scan::<gcp::Gcp>(cli, &run, a),
        Command::Scan(args::ScanCommand::Azure(a)) => scan::<azure::Azure>(cli, &run, a),
        Command::Audit(a) => {
            let snap = read_snapshot(&a.snapshot).map_err(usage)?;
            let as_of = as_of(&run, a.report.as_of);
            audit_and_render(cli, &snap, as_of, &a.report, None)
        }
        Command::Check(a) => {
            let gate = load_gate(&a.gate)?;
            let snap = read_snapshot(&a.snapshot).map_err(usage)?;
            let as_of = as_of(&run, a.report.as_of);
            audit_and_render(cli, &snap, as_of, &a.report, Some(&gate))
        }
        Command::Init(a) => init(cli, a),
        Command::Baseline(a) => baseline(cli, a, &run),
        Command::Diff(a) => diff(cli, a, &run),
        Command::Demo(a) => {
            let gate = scan_gate(&a.gate)?;
            let snap = demo_snapshot(&run)?;
            if let Some(p) = &a.save_snapshot {
                save_snapshot(cli, p, &snap)?;
            }
            let as_of = match &a.report.as_of {
                Some(_) => as_of(&run, a.report.as_of),
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
        Command::Doctor(args::DoctorCommand::Aws(a)) => aws::command::doctor(&run, a),
        Command::Doctor(args::DoctorCommand::Azure(a)) => azure::command::doctor(&run, a),
        Command::Explain { id } => explain(id.as_deref()),
    }
}

/// `import CLOUD`.
fn import<C: Commands>(cli: &Cli, run: &Run, a: &args::Import<C::Import>) -> Result<Exit, Failure> {
    save_snapshot(cli, &a.output, &C::import(run, &a.import)?)
}

/// `collect CLOUD`.
fn collect<C: Commands>(cli: &Cli, run: &Run, a: &args::Collect<C::Live>) -> Result<Exit, Failure> {
    let range = usage_range::<C>(run, &a.live);
    save_snapshot(cli, &a.output, &C::collect(run, &a.live, &range)?)
}

/// `scan CLOUD`: collect, then audit as of `--as-of`, else the end of the
/// usage collected.
fn scan<C: Commands>(cli: &Cli, run: &Run, a: &args::Scan<C::Live>) -> Result<Exit, Failure> {
    let gate = scan_gate(&a.gate)?;
    let range = usage_range::<C>(run, &a.live);
    let snap = C::collect(run, &a.live, &range)?;
    let end = time::scan_as_of(a.report.as_of, &range, run.now);
    run.note_moved("--as-of", end);
    audit_and_render(cli, &snap, end.at, &a.report, gate.as_ref())
}

/// The usage a collection reads, by the one rule for time.
fn usage_range<C: Commands>(run: &Run, live: &C::Live) -> time::Range {
    let range = C::usage(live).resolve(run.now);
    run.note_moved("--until", range.end);
    range
}

/// The end of an audit's window: `--as-of`, else now; never after now.
fn as_of(run: &Run, asked: Option<Timestamp>) -> Timestamp {
    let end = time::end(asked, run.now);
    run.note_moved("--as-of", end);
    end.at
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

/// `--threads`; default every core.
fn threads(cli: &Cli) -> usize {
    cli.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
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

/// The built-in demo organization: each cloud's part, in one snapshot.
fn demo_snapshot(run: &Run) -> Result<Snapshot> {
    let mut snap = Snapshot::new();
    for p in clouds::CLOUDS {
        snap.merge(p.demo(run)?);
    }
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

fn baseline(cli: &Cli, a: &args::BaselineArgs, run: &Run) -> Result<Exit, Failure> {
    let config = load_config(a.config.as_deref())?;
    let snap = read_snapshot(&a.snapshot).map_err(usage)?;
    let report = build_report(&snap, as_of(run, a.as_of), a.window, Some(&config));
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

fn diff(cli: &Cli, a: &args::DiffArgs, run: &Run) -> Result<Exit, Failure> {
    let as_of = as_of(run, a.as_of);
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
            let plane = if cat.perms[i].data_plane {
                "\tDataAction"
            } else {
                ""
            };
            writeln!(
                out,
                "{}\t{}{plane}",
                cat.qualified(i),
                cat.perms[i].level.label()
            )?;
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
