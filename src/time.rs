//! The one rule for time. Every command resolves `--as-of`, `--until`,
//! `--days` and now here, so that a range ending in the future means the
//! same to `import`, `collect`, `scan`, `audit` and `check`: no usage lies
//! after now, so a range or a window ends at now at the latest. A scan
//! audits as of the end of the usage it collected.

use jiff::{Span, Timestamp};

/// The days of usage a collection reads when `--days` is not given.
pub const DEFAULT_DAYS: u32 = 90;

/// A time asked for (`--until`, `--as-of`), resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    pub at: Timestamp,
    /// The time asked for, when it lay after now and was moved to now.
    pub moved_from: Option<Timestamp>,
}

/// `asked`, else now; never later than now.
pub fn end(asked: Option<Timestamp>, now: Timestamp) -> End {
    match asked {
        Some(t) if t > now => End {
            at: now,
            moved_from: Some(t),
        },
        Some(t) => End {
            at: t,
            moved_from: None,
        },
        None => End {
            at: now,
            moved_from: None,
        },
    }
}

/// A range of usage: `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: Timestamp,
    pub end: End,
}

/// `days` ending at `until` (else now, and never later than now).
pub fn range(days: u32, until: Option<Timestamp>, now: Timestamp) -> Range {
    let end = end(until, now);
    let start = end
        .at
        .checked_sub(Span::new().hours(i64::from(days) * 24))
        .unwrap_or(end.at);
    Range { start, end }
}

/// The end of a scan's audit window: `--as-of`, else the end of the usage
/// collected; never later than now. `moved_from` tells of `--as-of` only
/// (the range's own end says whether `--until` was moved).
pub fn scan_as_of(as_of: Option<Timestamp>, usage: &Range, now: Timestamp) -> End {
    match as_of {
        Some(_) => end(as_of, now),
        None => End {
            at: usage.end.at,
            moved_from: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a time")
    }

    #[test]
    fn a_range_is_days_ending_at_until_never_later_than_now() {
        let now = t("2026-11-24T12:00:00Z");
        let r = range(90, None, now);
        assert_eq!((r.start, r.end.at), (t("2026-08-26T12:00:00Z"), now));
        assert_eq!(r.end.moved_from, None);
        let r = range(30, Some(t("2026-10-01T00:00:00Z")), now);
        assert_eq!(
            (r.start, r.end.at),
            (t("2026-09-01T00:00:00Z"), t("2026-10-01T00:00:00Z"))
        );
        let r = range(10, Some(t("2027-01-01T00:00:00Z")), now);
        assert_eq!((r.start, r.end.at), (t("2026-11-14T12:00:00Z"), now));
        assert_eq!(r.end.moved_from, Some(t("2027-01-01T00:00:00Z")));
    }

    #[test]
    fn a_scan_audits_as_of_the_usage_end_unless_told() {
        let now = t("2026-11-24T12:00:00Z");
        let future = range(90, Some(t("2027-06-01T00:00:00Z")), now);
        assert_eq!(
            scan_as_of(None, &future, now),
            End {
                at: now,
                moved_from: None
            }
        );
        let past = range(90, Some(t("2026-10-01T00:00:00Z")), now);
        assert_eq!(scan_as_of(None, &past, now).at, t("2026-10-01T00:00:00Z"));
        let told = scan_as_of(Some(t("2026-11-01T00:00:00Z")), &past, now);
        assert_eq!(told.at, t("2026-11-01T00:00:00Z"));
        let later = scan_as_of(Some(t("2030-01-01T00:00:00Z")), &past, now);
        assert_eq!((later.at, later.moved_from.is_some()), (now, true));
    }
}
