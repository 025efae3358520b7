//! Reading: the records of log files (plain or gzipped, in parallel),
//! LookupEvents pages and Athena rows, tallied per identity and action, and
//! folded into the snapshot with each source's coverage.

use super::*;

/// A log file parsed in one pass: the fast path.
#[derive(Deserialize)]
pub(super) struct LogFile<'a> {
    #[serde(rename = "Records", borrow)]
    pub(super) records: Vec<Record<'a>>,
}

/// The same file with its records left raw: the fallback when one record
/// does not parse, so that it is counted and passed over without losing the
/// rest of its file.
#[derive(Deserialize)]
pub(super) struct RawLogFile<'a> {
    #[serde(rename = "Records", borrow)]
    pub(super) records: Vec<&'a serde_json::value::RawValue>,
}

/// Files larger than this once decompressed are not CloudTrail logs
/// (CloudTrail delivers files of a few megabytes).
pub(super) const MAX_DECOMPRESSED: u64 = 1 << 30;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Record<'a> {
    #[serde(borrow)]
    pub(super) event_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) event_source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) event_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow)]
    pub(super) error_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) event_category: Option<Cow<'a, str>>,
    pub(super) management_event: Option<bool>,
    #[serde(borrow)]
    pub(super) event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) recipient_account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) response_elements: Option<ResponseElements<'a>>,
    /// Read only for the events whose action the request decides.
    #[serde(borrow)]
    pub(super) request_parameters: Option<&'a serde_json::value::RawValue>,
}

#[derive(Deserialize)]
pub(super) struct ResponseElements<'a> {
    #[serde(rename = "ConsoleLogin", borrow)]
    pub(super) console_login: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdentity<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) arn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) user_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) session_context: Option<SessionContext<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SessionContext<'a> {
    #[serde(borrow)]
    pub(super) session_issuer: Option<SessionIssuer<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SessionIssuer<'a> {
    #[serde(borrow)]
    pub(super) arn: Option<Cow<'a, str>>,
}

#[derive(Clone, Copy)]
pub(super) struct Agg {
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) count: u64,
}

impl Agg {
    pub(super) fn new(t: i64) -> Self {
        Agg {
            first: t,
            last: t,
            count: 1,
        }
    }
    pub(super) fn merge(&mut self, o: &Agg) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.count += o.count;
    }
}

/// Per-account tallies of one input.
#[derive(Default)]
pub(super) struct AccountStats {
    pub(super) records: BTreeMap<&'static str, u64>,
    pub(super) first: Option<i64>,
    pub(super) last: Option<i64>,
    pub(super) data_services: BTreeSet<String>,
    pub(super) management: bool,
}

impl AccountStats {
    pub(super) fn merge(&mut self, o: AccountStats) {
        for (k, v) in o.records {
            *self.records.entry(k).or_default() += v;
        }
        self.first = opt(self.first, o.first, i64::min);
        self.last = opt(self.last, o.last, i64::max);
        self.data_services.extend(o.data_services);
        self.management |= o.management;
    }
}

pub(super) fn opt(a: Option<i64>, b: Option<i64>, f: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// What one worker aggregated.
#[derive(Default)]
pub(super) struct Partial {
    pub(super) usage: FxHashMap<(u32, u32), Agg>,
    pub(super) activity: FxHashMap<(u32, ActivityKind), Agg>,
    pub(super) accounts: FxHashMap<String, AccountStats>,
    /// Unknown principal ARN -> (events, first file by name).
    pub(super) unknown_principals: HashMap<String, (u64, String)>,
    /// (eventSource, eventName) -> events, for events with no catalog action.
    pub(super) unknown_events: HashMap<(String, String), u64>,
    pub(super) skipped: Vec<Skipped>,
    pub(super) files_read: u64,
    /// Files the path placed outside the accounts or range asked for.
    pub(super) passed_over: u64,
    /// This thread's mappings so far, keyed `eventSource\teventName`: an
    /// event is mapped once per thread, not once per record.
    pub(super) mapped: FxHashMap<String, Mapped>,
    pub(super) key: String,
}

impl Partial {
    pub(super) fn merge(&mut self, o: Partial) {
        for (k, v) in o.usage {
            self.usage.entry(k).and_modify(|a| a.merge(&v)).or_insert(v);
        }
        for (k, v) in o.activity {
            self.activity
                .entry(k)
                .and_modify(|a| a.merge(&v))
                .or_insert(v);
        }
        for (k, v) in o.accounts {
            self.accounts.entry(k).or_default().merge(v);
        }
        for (k, (n, f)) in o.unknown_principals {
            let e = self.unknown_principals.entry(k).or_insert((0, f.clone()));
            e.0 += n;
            if f < e.1 {
                e.1 = f;
            }
        }
        for (k, v) in o.unknown_events {
            *self.unknown_events.entry(k).or_default() += v;
        }
        self.skipped.extend(o.skipped);
        self.files_read += o.files_read;
        self.passed_over += o.passed_over;
    }
}

thread_local! {
    /// Each reader thread's libdeflate state.
    static INFLATER: std::cell::RefCell<libdeflater::Decompressor> =
        std::cell::RefCell::new(libdeflater::Decompressor::new());
}

/// Decompresses a gzip file, at most [`MAX_DECOMPRESSED`] bytes. A trail's
/// file is one gzip member whose trailer gives its size: libdeflate
/// decompresses it in one call, about twice as fast as a streaming inflater.
/// (crc32 costs about 2% of that, at over 10 GB/s.) Anything else (several members, a trailer that does not match, a corrupt
/// or truncated file) goes through flate2, which also names the problem.
pub(super) fn gunzip(raw: &[u8]) -> Result<Vec<u8>, String> {
    if raw.len() >= 18 {
        let mut size = [0u8; 4];
        size.copy_from_slice(&raw[raw.len() - 4..]);
        let size = u32::from_le_bytes(size) as usize;
        if size as u64 <= MAX_DECOMPRESSED {
            let mut out = vec![0u8; size];
            let done = INFLATER.with(|d| d.borrow_mut().gzip_decompress(raw, &mut out));
            // libdeflate reads the first member only, and checks it against
            // its own trailer. It is the whole file only if the file's
            // trailer is that member's: same size (above) and same CRC. (A
            // file of byte-identical members would pass, and its repeated
            // records are counted once.)
            if done == Ok(size)
                && raw[raw.len() - 8..raw.len() - 4] == libdeflater::crc32(&out).to_le_bytes()
            {
                return Ok(out);
            }
        }
    }
    let mut out = Vec::with_capacity((raw.len() * 8).min(64 << 20));
    let mut gz = flate2::read::MultiGzDecoder::new(raw).take(MAX_DECOMPRESSED + 1);
    if let Err(e) = gz.read_to_end(&mut out) {
        return Err(format!(
            "corrupt or truncated gzip ({e}); the file was not counted"
        ));
    }
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err("larger than 1 GiB decompressed: not a CloudTrail log file".into());
    }
    Ok(out)
}

/// An event time in seconds. CloudTrail writes `YYYY-MM-DDTHH:MM:SSZ`: read
/// by hand (it is on every record); any other form goes through jiff.
pub(super) fn event_second(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    if b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
    {
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (hh, mm, ss) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let month_days = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if (1..=12).contains(&m) && (1..=month_days).contains(&d) && hh < 24 && mm < 60 && ss < 60 {
            // Days from the civil date (H. Hinnant's algorithm).
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (m + 9) % 12;
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            return Some(days * 86_400 + hh * 3600 + mm * 60 + ss);
        }
    }
    // Other RFC 3339 forms, and times without a zone.
    crate::clouds::log_time(text).map(|t| t.as_second())
}

/// Decompresses (when gzipped) and parses one file into `part`.
pub(super) fn read_file(
    file: &InputFile,
    mapper: &EventMapper<'_>,
    resolver: &Resolver,
    part: &mut Partial,
) {
    let name = file.display();
    let skip = |part: &mut Partial, reason: String| {
        part.skipped.push(Skipped {
            input: name.clone(),
            reason,
        });
    };
    let raw = match file.read() {
        Ok(b) => b,
        Err(e) => return skip(part, format!("cannot read: {e}")),
    };
    let text: Cow<'_, [u8]> = if raw.starts_with(&[0x1f, 0x8b]) {
        match gunzip(&raw) {
            Ok(out) => Cow::Owned(out),
            Err(why) => return skip(part, why),
        }
    } else {
        Cow::Borrowed(&raw[..])
    };
    // UTF-8 checked once for the file, not string by string; a file with
    // invalid bytes is read with them replaced (U+FFFD) rather than lost.
    let lossy;
    let t: &str = match std::str::from_utf8(&text) {
        Ok(t) => t,
        Err(_) => {
            lossy = String::from_utf8_lossy(&text).into_owned();
            &lossy
        }
    };
    let parsed = serde_json::from_str::<LogFile<'_>>(t);
    let (records, malformed) = match parsed {
        Ok(log) => (log.records, 0),
        Err(_) => match serde_json::from_str::<RawLogFile<'_>>(t) {
            Ok(raw) => {
                let mut records = Vec::with_capacity(raw.records.len());
                let mut bad = 0;
                for r in raw.records {
                    match serde_json::from_str::<Record<'_>>(r.get()) {
                        Ok(rec) => records.push(rec),
                        Err(_) => bad += 1,
                    }
                }
                (records, bad)
            }
            Err(e) => {
                return skip(
                    part,
                    format!("not a CloudTrail log file ({e}): expected {{\"Records\":[...]}}"),
                );
            }
        },
    };
    part.files_read += 1;
    let file_account = path_account(&name);
    if malformed > 0 {
        let account = file_account.clone().unwrap_or_default();
        *part
            .accounts
            .entry(account)
            .or_default()
            .records
            .entry("malformed")
            .or_default() += malformed;
    }
    for rec in &records {
        tally_record(
            part,
            mapper,
            resolver,
            &name,
            file_account.as_deref(),
            rec,
            None,
        );
    }
}

/// Counts one record into `part`: its account's tallies, and the usage and
/// activity of its identity. `span` is what the record stands for when it is
/// an aggregate (first, last, count: Athena's rows); none for one event, at
/// its own time.
pub(super) fn tally_record(
    part: &mut Partial,
    mapper: &EventMapper<'_>,
    resolver: &Resolver,
    name: &str,
    file_account: Option<&str>,
    rec: &Record<'_>,
    span: Option<Agg>,
) {
    let n = span.map_or(1, |s| s.count);
    let account = rec
        .recipient_account_id
        .as_deref()
        .or(file_account)
        .unwrap_or_default();
    // Looked up by reference: a String only for an account not seen yet.
    if !part.accounts.contains_key(account) {
        part.accounts
            .insert(account.to_string(), AccountStats::default());
    }
    let Some(stats) = part.accounts.get_mut(account) else {
        return;
    };
    let mut tally = |k: &'static str| *stats.records.entry(k).or_default() += n;
    let (Some(time), Some(source), Some(event)) =
        (&rec.event_time, &rec.event_source, &rec.event_name)
    else {
        tally("malformed");
        return;
    };
    let span = match span {
        Some(s) => s,
        None => match event_second(time) {
            Some(t) => Agg::new(t),
            None => {
                tally("malformed");
                return;
            }
        },
    };
    stats.first = opt(stats.first, Some(span.first), i64::min);
    stats.last = opt(stats.last, Some(span.last), i64::max);
    // Network activity events (VPC endpoint traffic) repeat calls that are
    // logged on their own; they are neither use nor data-event coverage.
    let category = rec.event_category.as_deref();
    if category == Some("NetworkActivity") {
        tally("network-activity");
        return;
    }
    let data =
        category == Some("Data") || (category.is_none() && rec.management_event == Some(false));
    if data {
        if let Some(p) = mapper.prefix(source) {
            stats.data_services.insert(p.to_string());
        }
    } else {
        stats.management = true;
    }
    let principal = match &rec.user_identity {
        Some(ui) => resolver.resolve(ui),
        None => Principal::External,
    };
    let who = match principal {
        Principal::Identity(n) => n,
        Principal::AwsService => {
            tally("aws-service");
            return;
        }
        Principal::Root => {
            tally("root");
            return;
        }
        Principal::OtherAccount => {
            tally("other-account");
            return;
        }
        Principal::External => {
            tally("external-principal");
            return;
        }
        Principal::Unknown(arn) => {
            tally("unknown-principal");
            let e = part
                .unknown_principals
                .entry(arn)
                .or_insert((0, name.to_string()));
            e.0 += n;
            return;
        }
    };
    let signin = rec.event_type.as_deref() == Some("AwsConsoleSignIn");
    let failed_signin = signin
        && rec
            .response_elements
            .as_ref()
            .and_then(|r| r.console_login.as_deref())
            .is_some_and(|s| s != "Success");
    // A failed sign-in is somebody knocking, not the identity being used:
    // it would otherwise make a dormant user look alive.
    if failed_signin {
        tally("failed-sign-in");
        return;
    }
    let denied = rec.error_code.as_deref().is_some_and(is_access_denied);
    let kind = if denied {
        ActivityKind::DeniedAttempt
    } else if signin {
        ActivityKind::ConsoleSignIn
    } else {
        ActivityKind::ApiCall
    };
    part.activity
        .entry((who, kind))
        .and_modify(|a| a.merge(&span))
        .or_insert(span);
    if denied {
        tally("denied");
        return;
    }
    part.key.clear();
    part.key.push_str(source);
    part.key.push('\t');
    part.key.push_str(event);
    if !part.mapped.contains_key(part.key.as_str()) {
        part.mapped
            .insert(part.key.clone(), mapper.map(source, event));
    }
    let decided;
    let acts: &[usize] = match part
        .mapped
        .get(part.key.as_str())
        .unwrap_or(&Mapped::Unknown)
    {
        Mapped::Actions(acts) => acts,
        &Mapped::ByRequest(rule) => {
            decided = mapper.decide(rule, rec.request_parameters);
            &decided
        }
        other => {
            match other {
                Mapped::NoAction => tally("no-iam-action"),
                // A console sign-in record is not an API call (CloudTrail User
                // Guide: Non-API events captured by CloudTrail): one the tables
                // do not name is still no IAM action, not one missing from the
                // catalog.
                Mapped::Unknown if signin => tally("no-iam-action"),
                _ => {
                    tally("unknown-action");
                    *part
                        .unknown_events
                        .entry((source.to_string(), event.to_string()))
                        .or_default() += n;
                }
            }
            return;
        }
    };
    tally("used");
    for &a in acts {
        part.usage
            .entry((who, a as u32))
            .and_modify(|x| x.merge(&span))
            .or_insert(span);
    }
}

/// Aggregated rows of CloudTrail events (an Athena query's, columns as
/// [`super::athena::COLUMNS`]) into `snap`, through the same mapping and
/// identity resolution as log files: each row stands for `events` events
/// between `first_seen` and `last_seen`. Returns how many rows could not be
/// read (no time or count); they are also tallied as malformed.
pub fn import_rows(
    snap: &mut Snapshot,
    cat: &Catalog,
    label: &str,
    rows: &[Vec<Option<String>>],
    answered: Option<Answered>,
) -> u64 {
    let mapper = EventMapper::new(cat);
    let resolver = Resolver::new(snap);
    let mut part = Partial::default();
    let mut bad = 0;
    for row in rows {
        let col = |i: usize| {
            row.get(i)
                .and_then(|v| v.as_deref())
                .filter(|v| !v.is_empty())
                .map(Cow::Borrowed)
        };
        let count = col(14).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        let span = match (
            col(12).and_then(|t| event_second(&t)),
            col(13).and_then(|t| event_second(&t)),
        ) {
            (Some(first), Some(last)) if count > 0 => Agg { first, last, count },
            _ => {
                bad += 1;
                let account = col(5).map(|a| a.into_owned()).unwrap_or_default();
                *part
                    .accounts
                    .entry(account)
                    .or_default()
                    .records
                    .entry("malformed")
                    .or_default() += 1;
                continue;
            }
        };
        let rec = Record {
            event_time: col(12),
            event_source: col(6),
            event_name: col(7),
            user_identity: Some(UserIdentity {
                kind: col(0),
                arn: col(1),
                account_id: col(2),
                user_name: col(3),
                session_context: col(4).map(|arn| SessionContext {
                    session_issuer: Some(SessionIssuer { arn: Some(arn) }),
                }),
            }),
            error_code: col(10),
            event_category: col(9),
            management_event: None,
            event_type: col(8),
            recipient_account_id: col(5),
            response_elements: col(11).map(|c| ResponseElements {
                console_login: Some(c),
            }),
            request_parameters: None,
        };
        tally_record(&mut part, &mapper, &resolver, label, None, &rec, Some(span));
    }
    let input = CloudTrailInput {
        label: label.to_string(),
        files: Vec::new(),
        kind: SourceKind::AwsCloudtrailAthena,
        answered,
    };
    fold_into(snap, cat, &resolver, &input, part);
    snap.normalize();
    bad
}

/// One `--cloudtrail` argument: its label and its files.
pub struct CloudTrailInput {
    pub label: String,
    pub files: Vec<InputFile>,
    /// Files on disk or in S3, or pages of the LookupEvents API.
    pub kind: SourceKind,
    /// Set when the input is an API's or a query's answer for known
    /// accounts and a range (LookupEvents, Athena): each of those accounts
    /// is covered over the range, even by an answer without any event.
    pub answered: Option<Answered>,
}

/// What an answer is for: the accounts asked about and the range asked.
#[derive(Debug, Clone)]
pub struct Answered {
    pub accounts: Vec<String>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Whether the source holding an account is assumed rather than known
    /// (an Athena table is assumed to hold every account asked about, where
    /// LookupEvents answers for its own account). Then only an account
    /// without any event is given the range, and a warning names it.
    pub assumed: bool,
}

/// Reads CloudTrail inputs on all cores into `snap`'s usage, activity and
/// coverage. `on_file` is called after each file (progress).
pub fn import_cloudtrail(
    snap: &mut Snapshot,
    cat: &Catalog,
    inputs: &[CloudTrailInput],
    filter: &FileFilter,
    threads: usize,
    on_file: &(dyn Fn() + Sync),
) {
    let mapper = EventMapper::new(cat);
    let resolver = Resolver::new(snap);
    for input in inputs {
        let files: Vec<&InputFile> = input
            .files
            .iter()
            .filter(|f| filter.keeps(&f.display()))
            .collect();
        for _ in files.len()..input.files.len() {
            on_file();
        }
        let next = AtomicUsize::new(0);
        let total = Mutex::new(Partial {
            passed_over: (input.files.len() - files.len()) as u64,
            ..Partial::default()
        });
        std::thread::scope(|s| {
            for _ in 0..threads.max(1) {
                s.spawn(|| {
                    let mut part = Partial::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(f) = files.get(i) else { break };
                        read_file(f, &mapper, &resolver, &mut part);
                        on_file();
                    }
                    if let Ok(mut t) = total.lock() {
                        t.merge(part);
                    }
                });
            }
        });
        let part = total.into_inner().unwrap_or_else(|e| e.into_inner());
        fold_into(snap, cat, &resolver, input, part);
    }
    snap.normalize();
}

pub(super) fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(super) fn fold_into(
    snap: &mut Snapshot,
    cat: &Catalog,
    resolver: &Resolver,
    input: &CloudTrailInput,
    mut part: Partial,
) {
    let mut silent = BTreeSet::new();
    if let Some(ans) = &input.answered {
        for account in &ans.accounts {
            if !part.accounts.contains_key(account) {
                silent.insert(account.clone());
                part.accounts
                    .insert(account.clone(), AccountStats::default());
                if ans.assumed {
                    snap.coverage.warnings.push(crate::model::Warning {
                        input: input.label.clone(),
                        message: format!(
                            "no event of account {account} from {} to {}: counted as covered, nothing used \
                             (if this table does not hold the account's logs, leave the account out)",
                            ans.from, ans.to
                        ),
                    });
                }
            }
        }
    }
    for ((who, action), a) in part.usage {
        snap.usage.push(UsageRecord {
            identity: resolver.id(who).to_string(),
            permission: cat.qualified(action as usize),
            source: EvidenceSource::AwsCloudtrail,
            scope: None,
            first_seen: ts(a.first),
            last_seen: ts(a.last),
            count: a.count,
        });
    }
    for ((who, kind), a) in part.activity {
        snap.activity.push(Activity {
            identity: resolver.id(who).to_string(),
            kind,
            source: EvidenceSource::AwsCloudtrail,
            first_seen: Some(ts(a.first)),
            last_seen: ts(a.last),
            count: a.count,
        });
    }
    if part.files_read == 0 && part.passed_over > 0 {
        snap.coverage.warnings.push(crate::model::Warning {
            input: input.label.clone(),
            message: format!(
                "all {} log file(s) here were passed over: their paths name other accounts (import their \
                 authorization details) or days outside the range asked",
                part.passed_over
            ),
        });
    }
    let files_skipped = part.skipped.len() as u64;
    snap.coverage.skipped.extend(part.skipped);
    for (arn, (n, file)) in part.unknown_principals {
        snap.coverage.skipped.push(Skipped {
            input: format!("{file}: events of {arn}"),
            reason: format!(
                "{n} event(s) by an identity that is not in the authorization details (deleted since, or \
                 missing from the export); they are not counted: import the matching authorization details"
            ),
        });
    }
    let mut unknown: Vec<_> = part.unknown_events.into_iter().collect();
    unknown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for ((src, name), n) in unknown {
        snap.coverage.warnings.push(crate::model::Warning {
            input: input.label.clone(),
            message: format!(
                "{n} event(s) {src} {name} map to no action of the catalog; not counted as use"
            ),
        });
    }
    if part.accounts.is_empty() {
        let mut cov = SourceCoverage::new(input.kind, &input.label);
        cov.files_read = part.files_read;
        cov.files_skipped = files_skipped;
        cov.files_passed_over = part.passed_over;
        snap.coverage.sources.push(cov);
    }
    let mut accounts: Vec<_> = part.accounts.into_iter().collect();
    accounts.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (account, st)) in accounts.into_iter().enumerate() {
        let mut cov = SourceCoverage::new(input.kind, &input.label);
        cov.system = (!account.is_empty()).then_some(account);
        // File counts belong to the input; they are given once, on its first account.
        if i == 0 {
            cov.files_read = part.files_read;
            cov.files_skipped = files_skipped;
            cov.files_passed_over = part.passed_over;
        }
        cov.records_read = st.records.values().sum();
        cov.records = st
            .records
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        cov.first_event = st.first.map(ts);
        cov.last_event = st.last.map(ts);
        cov.data_event_services = st.data_services.into_iter().collect();
        cov.management_events = st.management;
        if let Some(ans) = &input.answered
            && (!ans.assumed || cov.system.as_ref().is_some_and(|a| silent.contains(a)))
        {
            cov.answered_from = Some(ans.from);
            cov.answered_to = Some(ans.to);
        }
        snap.coverage.sources.push(cov);
    }
}
