//! The clouds, behind one seam. Each cloud is a folder here (`aws/`,
//! `azure/`, `gcp/`) holding its import, its live collection, its catalog and its audit
//! rules, and one [`Provider`] in [`CLOUDS`]. Code outside `src/clouds/` and
//! `src/model/` never asks which cloud it has: it asks the cloud's provider.

pub mod args;
pub mod aws;
pub mod azure;
pub mod doctor;
pub mod gcp;
pub mod tasks;

use std::sync::Arc;

use crate::analysis::rules::Rules;
use crate::catalog::{Catalog, Cloud, PermSet};
use crate::model::Snapshot;

/// What a cloud calls things, for messages and reports.
#[derive(Debug)]
pub struct Names {
    /// Its authorization system: `account`, `project`, `subscription`.
    pub system: &'static str,
    /// The same, with the cloud: `AWS account`.
    pub system_label: &'static str,
    /// Its usage logs: `CloudTrail`.
    pub logs: &'static str,
    /// What its catalog lists: `actions`, `permissions`.
    pub permissions: &'static str,
    /// Whether its logs can hold data events (reports say which they held).
    pub data_events: bool,
}

/// The permissions `permgap catalog CLOUD PATTERN` lists.
pub struct Listing {
    pub catalog: Arc<Catalog>,
    pub set: PermSet,
    /// What was asked, as the count line names it.
    pub label: String,
}

/// One cloud, as the analysis, the report and the command line see it.
pub trait Provider: Sync {
    fn cloud(&self) -> Cloud;

    fn names(&self) -> &'static Names;

    /// The embedded catalog, built once.
    fn catalog(&self) -> Arc<Catalog>;

    /// The catalog an audit of `snap` uses: the embedded one, with what the
    /// snapshot names beyond it where the cloud allows that (GCP's custom
    /// roles).
    fn audit_catalog(&self, _snap: &Snapshot) -> Arc<Catalog> {
        self.catalog()
    }

    /// Whether `permission` is spelled as this cloud spells its permissions
    /// (for a usage record whose identity the snapshot does not hold).
    fn spells(&self, permission: &str) -> bool;

    /// The rules of an audit of this cloud's identities in `snap`.
    fn rules<'s>(&self, snap: &'s Snapshot, cat: &'s Catalog) -> Box<dyn Rules<'s> + 's>;

    /// `permgap catalog CLOUD [PATTERN]`; the error says how to write one.
    fn listing(&self, pattern: &str) -> Result<Listing, String>;

    /// This cloud's part of the built-in demo organization.
    fn demo(&self, run: &Run) -> anyhow::Result<Snapshot>;
}

/// A cloud's commands: what `import CLOUD`, `collect CLOUD` and `scan
/// CLOUD` hand it. Static, beside the object-safe [`Provider`], because
/// each cloud's arguments are its own clap types (`clouds/<cloud>/args.rs`);
/// the command line wraps them with what every cloud shares (the output,
/// the report, the gate) and calls these.
pub trait Commands {
    /// `import CLOUD`'s arguments.
    type Import: clap::Args;
    /// The live arguments of `collect CLOUD` and `scan CLOUD`.
    type Live: clap::Args;

    /// The snapshot of the exports `a` names. A file that cannot be read is
    /// skipped and named; a path that does not exist is a usage error.
    fn import(run: &Run, a: &Self::Import) -> Result<Snapshot, crate::exit::Failure>;

    /// The usage range asked of a live collection.
    fn usage(a: &Self::Live) -> &args::UsageRange;

    /// The snapshot of a live collection, reading usage over `range`.
    fn collect(
        run: &Run,
        a: &Self::Live,
        range: &crate::time::Range,
    ) -> Result<Snapshot, crate::exit::Failure>;
}

/// What a command hands a cloud's import or collection: whether to show
/// progress, the threads that read files, and the command's one now (see
/// [`crate::time`]).
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub quiet: bool,
    pub threads: usize,
    pub now: jiff::Timestamp,
}

impl Run {
    /// Says on stderr (unless quiet) that a time asked for lay in the future
    /// and was moved to now.
    pub fn note_moved(&self, flag: &str, end: crate::time::End) {
        if let (Some(asked), false) = (end.moved_from, self.quiet) {
            eprintln!(
                "note: {flag} {asked} lies in the future; no usage does: it ends now ({})",
                end.at
            );
        }
    }

    /// The async runtime of a live collection.
    pub fn runtime(&self) -> Result<tokio::runtime::Runtime, crate::exit::Failure> {
        use anyhow::Context;
        Ok(tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?)
    }
}

/// Every cloud permgap audits, in the order a permission's spelling is
/// tried ([`Provider::spells`]).
pub static CLOUDS: &[&dyn Provider] = &[&aws::Aws, &azure::Azure, &gcp::Gcp];

/// The provider of `cloud`, when permgap audits it.
pub fn provider(cloud: Cloud) -> Option<&'static dyn Provider> {
    match cloud {
        Cloud::Aws => Some(&aws::Aws),
        Cloud::Gcp => Some(&gcp::Gcp),
        Cloud::Azure => Some(&azure::Azure),
    }
}

/// What `cloud` calls things.
pub fn names(cloud: Cloud) -> &'static Names {
    match cloud {
        Cloud::Aws => &aws::NAMES,
        Cloud::Gcp => &gcp::NAMES,
        Cloud::Azure => &azure::NAMES,
    }
}

/// The cloud whose spelling `permission` has.
pub fn spelling_of(permission: &str) -> Option<Cloud> {
    CLOUDS
        .iter()
        .find(|p| p.spells(permission))
        .map(|p| p.cloud())
}

/// A log's time: RFC 3339 as the clouds write it, or a date and a time of
/// day without a zone, as tools that re-export logs write it
/// (`2025-02-19 20:13:49`, `2023-03-28 17:37:02.096`: Athena, CloudTrail
/// Lake, detection-rule suites), which the clouds mean as UTC. Never a bare
/// date.
pub fn log_time(text: &str) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok().or_else(|| {
        if !matches!(text.as_bytes().get(10), Some(b' ' | b'T')) || text.len() < 19 {
            return None;
        }
        let civil = text.parse::<jiff::civil::DateTime>().ok()?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })
}

/// One input file: on disk, or embedded in the binary (the demo).
#[derive(Debug, Clone)]
pub enum InputFile {
    Path(std::path::PathBuf),
    Embedded {
        name: String,
        bytes: &'static [u8],
    },
    /// Read from an API into memory (a credential report).
    Owned {
        name: String,
        bytes: std::sync::Arc<[u8]>,
    },
    /// Fetched when read (an S3 object): one at a time per reader thread.
    Remote(std::sync::Arc<dyn RemoteFile>),
}

/// A file that lives elsewhere and is fetched only when read.
pub trait RemoteFile: Send + Sync + std::fmt::Debug {
    fn name(&self) -> String;
    fn fetch(&self) -> std::io::Result<Vec<u8>>;
}

impl InputFile {
    /// The name shown in reports: the path as given, or the embedded name.
    pub fn display(&self) -> String {
        match self {
            InputFile::Path(p) => p.display().to_string(),
            InputFile::Embedded { name, .. } | InputFile::Owned { name, .. } => name.clone(),
            InputFile::Remote(r) => r.name(),
        }
    }

    pub fn read(&self) -> std::io::Result<std::borrow::Cow<'static, [u8]>> {
        match self {
            InputFile::Path(p) => std::fs::read(p).map(std::borrow::Cow::Owned),
            InputFile::Embedded { bytes, .. } => Ok(std::borrow::Cow::Borrowed(bytes)),
            InputFile::Owned { bytes, .. } => Ok(std::borrow::Cow::Owned(bytes.to_vec())),
            InputFile::Remote(r) => r.fetch().map(std::borrow::Cow::Owned),
        }
    }
}
