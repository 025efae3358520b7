//! File selection: which log files to open, by the account and delivery
//! date their CloudTrail path names, and listing a tree of them.

use super::*;

/// The account a file belongs to, from its `AWSLogs/<account>/` path.
pub(super) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit())
}

/// The account of a file in the `AWSLogs/[o-ORG/]ACCOUNT/...` layout.
pub(super) fn path_account(name: &str) -> Option<String> {
    let mut it = name
        .split(['/', '\\'])
        .skip_while(|s| *s != "AWSLogs")
        .skip(1);
    let first = it.next()?;
    let account = if first.starts_with("o-") {
        it.next()?
    } else {
        first
    };
    is_account_id(account).then(|| account.to_string())
}

/// When a file was delivered, as its path tells, in seconds: from its name
/// (`ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`, to the
/// minute), else from its `YYYY/MM/DD` folders (the whole day). CloudTrail
/// User Guide, "CloudTrail log file examples" (file name format) and
/// "Finding your CloudTrail log files".
pub(super) fn path_delivered(name: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = name.split(['/', '\\']).collect();
    let file = parts.last()?;
    let stamp = file.split('_').nth(3).filter(|t| t.len() == 14);
    if let Some(t) = stamp.and_then(|t| jiff::civil::DateTime::strptime("%Y%m%dT%H%MZ", t).ok())
        && let Ok(z) = t.to_zoned(jiff::tz::TimeZone::UTC)
    {
        let at = z.timestamp().as_second();
        return Some((at, at + 59));
    }
    let c = parts.iter().position(|p| *p == "CloudTrail")?;
    let day = parts.get(c + 2..c + 5)?.join("-");
    let d = day.parse::<jiff::civil::Date>().ok()?;
    let start = d
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp()
        .as_second();
    Some((start, start + 86_399))
}

/// How long after an event CloudTrail may deliver its file and the file
/// still be read for a range that ended before it. CloudTrail delivers
/// within about 5 minutes (User Guide, "How CloudTrail works"); a day is
/// the margin.
pub(super) const LATE_DELIVERY: i64 = 86_400;

/// Which log files to open: the accounts and the time range asked for. A
/// file whose path places it outside either is passed over unopened and
/// counted in coverage (`files_passed_over`); a file whose path says
/// nothing (not in the AWSLogs layout) is read.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    pub accounts: Option<BTreeSet<String>>,
    pub range: Option<(Timestamp, Timestamp)>,
}

impl FileFilter {
    /// Whether the file must be read.
    pub fn keeps(&self, name: &str) -> bool {
        if let (Some(accounts), Some(a)) = (&self.accounts, path_account(name))
            && !accounts.contains(&a)
        {
            return false;
        }
        if let (Some((start, end)), Some((first, last))) = (self.range, path_delivered(name)) {
            // A file holds events up to its delivery: one delivered before
            // the range holds none of it.
            if last < start.as_second() || first > end.as_second() + LATE_DELIVERY {
                return false;
            }
        }
        true
    }
}

/// Lists the log files under `path` (a file, or a directory walked in path
/// order), passing over digest and insight files. Unreadable directory
/// entries are returned as skipped.
pub fn list_files(path: &Path) -> (Vec<InputFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    if path.is_file() {
        files.push(InputFile::Path(path.to_path_buf()));
        return (files, skipped);
    }
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let p = e.path();
                let s = p.to_string_lossy();
                if s.contains("CloudTrail-Digest") || s.contains("CloudTrail-Insight") {
                    continue;
                }
                if s.ends_with(".json") || s.ends_with(".json.gz") {
                    files.push(InputFile::Path(p.to_path_buf()));
                }
            }
            Ok(_) => {}
            Err(e) => skipped.push(Skipped {
                input: e
                    .path()
                    .map_or_else(|| path.display().to_string(), |p| p.display().to_string()),
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    (files, skipped)
}
