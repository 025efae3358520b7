//! Providers turn a cloud's data into a [`crate::model::Snapshot`]: `import`
//! reads the files the cloud's own CLI exports; `live` calls its APIs.

pub mod aws;
pub mod gcp;

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
