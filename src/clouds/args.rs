//! The arguments every cloud's live collection shares, defined once and
//! flattened into each cloud's own (`clouds/<cloud>/args.rs`).

use clap::Args;
use jiff::Timestamp;

use crate::time;

/// The usage a collection reads.
#[derive(Debug, Args)]
pub struct UsageRange {
    /// How many days of usage to read, ending at `--until`. CloudTrail's
    /// LookupEvents keeps 90 days: older ones are not looked up.
    #[arg(long, value_name = "DAYS", default_value_t = time::DEFAULT_DAYS, value_parser = window_days)]
    pub days: u32,
    /// The end of the usage read (RFC 3339; default now, and never later):
    /// with `--days`, the range read from the logs; `scan` audits as of it
    /// unless `--as-of` says otherwise.
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<Timestamp>,
}

impl UsageRange {
    /// The range, by the one rule for time.
    pub fn resolve(&self, now: Timestamp) -> time::Range {
        time::range(self.days, self.until, now)
    }
}

/// How much a collection does at once.
#[derive(Debug, Args)]
pub struct Concurrency {
    /// How many accounts or projects are collected at once.
    #[arg(long, value_name = "N", default_value = "4", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

impl Concurrency {
    pub fn get(&self) -> usize {
        usize::from(self.concurrency)
    }
}

/// A number of days between 1 and 3650.
pub fn window_days(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if (1..=3650).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number of days between 1 and 3650")),
    }
}
