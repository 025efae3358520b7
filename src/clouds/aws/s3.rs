//! CloudTrail log files in S3: `s3://bucket/prefix`, where the trail delivers
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz` (or, for an
//! organization trail, `AWSLogs/<org-id>/<account>/CloudTrail/...`).
//!
//! The location may be given at any depth of that layout: the folder holding
//! `AWSLogs/`, `AWSLogs/` itself, an organization's folder, or one account's.
//! The bucket's region is asked first (`HeadBucket`), since the SDK does not
//! follow S3's redirect to another region. Only the keys of the accounts
//! asked for and of the days in the window are listed (one `ListObjectsV2`
//! per account, region and day, [`LISTINGS`] at a time); objects are fetched
//! one at a time per reader thread when the CloudTrail reader reads them,
//! never downloaded whole to disk or held all at once.

use std::sync::Arc;

use jiff::{Timestamp, ToSpan};
use tokio::runtime::Handle;

use crate::clouds::{InputFile, RemoteFile};

#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("{0:?} is not an S3 location: write s3://BUCKET/PREFIX")]
    BadUrl(String),
    #[error("s3://{bucket}/{prefix}: {message}")]
    Call {
        bucket: String,
        prefix: String,
        message: String,
    },
}

/// `s3://bucket/prefix` split, the prefix without a trailing slash.
pub fn parse_url(url: &str) -> Result<(String, String), S3Error> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| S3Error::BadUrl(url.to_string()))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(S3Error::BadUrl(url.to_string()));
    }
    Ok((bucket.to_string(), prefix.trim_end_matches('/').to_string()))
}

/// The `YYYY/MM/DD` folders of the days from `start` to `end`, inclusive.
pub fn days(start: Timestamp, end: Timestamp) -> Vec<String> {
    let tz = jiff::tz::TimeZone::UTC;
    let (mut d, last) = (start.to_zoned(tz.clone()).date(), end.to_zoned(tz).date());
    let mut out = Vec::new();
    while d <= last {
        out.push(d.strftime("%Y/%m/%d").to_string());
        match d.checked_add(1.day()) {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// How many listings run at once.
pub const LISTINGS: usize = 16;

/// What the objects of one bucket share.
#[derive(Debug)]
struct Bucket {
    client: aws_sdk_s3::Client,
    handle: Handle,
    name: String,
}

#[derive(Debug)]
struct S3Object {
    bucket: Arc<Bucket>,
    key: String,
}

impl RemoteFile for S3Object {
    fn name(&self) -> String {
        format!("s3://{}/{}", self.bucket.name, self.key)
    }

    fn fetch(&self) -> std::io::Result<Vec<u8>> {
        let b = &self.bucket;
        b.handle.block_on(async {
            let out = b
                .client
                .get_object()
                .bucket(&b.name)
                .key(&self.key)
                .send()
                .await
                .map_err(|e| std::io::Error::other(super::live::error_message(&e)))?;
            let body = out.body.collect().await.map_err(std::io::Error::other)?;
            Ok(body.into_bytes().to_vec())
        })
    }
}

/// Keys and common prefixes under `prefix` (with `/` as delimiter), every page.
async fn list(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<(Vec<String>, Vec<String>), S3Error> {
    let (mut keys, mut dirs) = (Vec::new(), Vec::new());
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .delimiter("/")
            .set_continuation_token(token.clone())
            .send()
            .await
            .map_err(|e| S3Error::Call {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
                message: super::live::error_message(&e),
            })?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
        dirs.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) && token.as_deref() != Some(t) => {
                token = Some(t.to_string());
            }
            _ => break,
        }
    }
    Ok((keys, dirs))
}

/// Where a location given by the user starts in the trail's layout.
#[derive(Debug, PartialEq, Eq)]
enum Start {
    /// The `AWSLogs/` folder (ends with `/`, or empty for the bucket's root).
    AwsLogs(String),
    /// An organization's folder, `AWSLogs/o-.../`.
    Org(String),
    /// One account's folder, `.../<account>/`.
    Account(String),
    /// One account's folder and one region in it (a location given down to
    /// `CloudTrail/<region>`, or to a day in it: the window picks the days).
    Region(String, String),
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the layout from the prefix's folders: `logs` (the folder holding
/// `AWSLogs/`), `logs/AWSLogs`, `logs/AWSLogs/o-abc`,
/// `logs/AWSLogs/123456789012` (or below an org), the account's
/// `CloudTrail` folder, and a region or a day below it.
fn start_of(prefix: &str) -> Start {
    let p = prefix.trim_matches('/');
    let parts: Vec<&str> = if p.is_empty() {
        Vec::new()
    } else {
        p.split('/').collect()
    };
    let n = parts.len();
    let at = |i: usize| if i < n { parts[i] } else { "" };
    let joined = |k: usize| format!("{}/", parts[..k].join("/"));
    // An account folder sits right under AWSLogs, or under an organization's
    // folder that sits right under AWSLogs.
    let under_logs = |i: usize| {
        i >= 1
            && (at(i - 1) == "AWSLogs"
                || (at(i - 1).starts_with("o-") && i >= 2 && at(i - 2) == "AWSLogs"))
    };
    // `<account>/CloudTrail/<region>[/YYYY[/MM[/DD]]]`
    if let Some(c) =
        (1..n).find(|&i| at(i) == "CloudTrail" && is_account_id(at(i - 1)) && under_logs(i - 1))
        && c + 1 < n
        && c + 5 >= n
    {
        return Start::Region(joined(c), at(c + 1).to_string());
    }
    match at(n.wrapping_sub(1)) {
        _ if n == 0 => Start::AwsLogs("AWSLogs/".into()),
        "AWSLogs" => Start::AwsLogs(joined(n)),
        l if l.starts_with("o-") && n >= 2 && at(n - 2) == "AWSLogs" => Start::Org(joined(n)),
        l if is_account_id(l) && under_logs(n - 1) => Start::Account(joined(n)),
        "CloudTrail" if n >= 2 && is_account_id(at(n - 2)) && under_logs(n - 2) => {
            Start::Account(joined(n - 1))
        }
        _ => Start::AwsLogs(format!("{p}/AWSLogs/")),
    }
}

/// The last folder's name of a prefix ending with `/`.
fn folder(prefix: &str) -> &str {
    prefix
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
}

/// A client in the bucket's own region: `HeadBucket` answers it (in
/// `x-amz-bucket-region`, also on the redirect error a bucket of another
/// region gives).
pub(crate) async fn regional_client(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<aws_sdk_s3::Client, S3Error> {
    let region = match client.head_bucket().bucket(bucket).send().await {
        Ok(out) => out.bucket_region().map(str::to_string),
        Err(e) => {
            let header = e
                .raw_response()
                .and_then(|r| r.headers().get("x-amz-bucket-region"))
                .map(str::to_string);
            if header.is_none() {
                return Err(S3Error::Call {
                    bucket: bucket.to_string(),
                    prefix: String::new(),
                    message: format!("HeadBucket: {}", super::live::error_message(&e)),
                });
            }
            header
        }
    };
    let own = client.config().region().map(ToString::to_string);
    Ok(match region {
        Some(r) if own.as_deref() != Some(r.as_str()) => {
            let conf = client
                .config()
                .to_builder()
                .region(aws_config::Region::new(r))
                .build();
            aws_sdk_s3::Client::from_conf(conf)
        }
        _ => client.clone(),
    })
}

/// Lists every prefix, [`LISTINGS`] at a time; the answers in the prefixes'
/// order.
async fn list_all(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefixes: Vec<String>,
) -> Result<Vec<(Vec<String>, Vec<String>)>, S3Error> {
    let sem = Arc::new(tokio::sync::Semaphore::new(LISTINGS));
    let mut set = tokio::task::JoinSet::new();
    for (i, prefix) in prefixes.into_iter().enumerate() {
        let (client, bucket, sem) = (client.clone(), bucket.to_string(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, list(&client, &bucket, &prefix).await)
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (i, r) = joined.map_err(|e| S3Error::Call {
            bucket: bucket.to_string(),
            prefix: String::new(),
            message: format!("a listing task failed: {e}"),
        })?;
        out.push((i, r?));
    }
    out.sort_by_key(|x| x.0);
    Ok(out.into_iter().map(|x| x.1).collect())
}

/// The log files of `accounts` between `start` and `end` under an S3 URL,
/// as files the CloudTrail reader fetches when it reads them.
pub async fn list_log_files(
    client: &aws_sdk_s3::Client,
    url: &str,
    accounts: &[String],
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<InputFile>, S3Error> {
    let (bucket, prefix) = parse_url(url)?;
    let client = regional_client(client, &bucket).await?;
    // Account folders, directly or below organization IDs.
    let mut only_region = None;
    let account_dirs = match start_of(&prefix) {
        Start::Account(dir) => vec![dir],
        Start::Region(dir, region) => {
            only_region = Some(format!("{dir}CloudTrail/{region}/"));
            vec![dir]
        }
        Start::Org(dir) => list(&client, &bucket, &dir).await?.1,
        Start::AwsLogs(base) => {
            let (_, top) = list(&client, &bucket, &base).await?;
            let (orgs, mut direct): (Vec<String>, Vec<String>) =
                top.into_iter().partition(|d| folder(d).starts_with("o-"));
            for (_, inner) in list_all(&client, &bucket, orgs).await? {
                direct.extend(inner);
            }
            direct
        }
    };
    let account_dirs: Vec<String> = account_dirs
        .into_iter()
        .filter(|d| accounts.iter().any(|a| a == folder(d)))
        .map(|d| format!("{d}CloudTrail/"))
        .collect();
    let mut day_prefixes = Vec::new();
    let days = days(start, end);
    let regions = match only_region {
        Some(r) if !account_dirs.is_empty() => vec![r],
        Some(_) => Vec::new(),
        None => list_all(&client, &bucket, account_dirs)
            .await?
            .into_iter()
            .flat_map(|(_, regions)| regions)
            .collect(),
    };
    for region in regions {
        day_prefixes.extend(days.iter().map(|day| format!("{region}{day}/")));
    }
    let shared = Arc::new(Bucket {
        client: client.clone(),
        handle: Handle::current(),
        name: bucket.clone(),
    });
    let mut files = Vec::new();
    for (keys, _) in list_all(&client, &bucket, day_prefixes).await? {
        for key in keys
            .into_iter()
            .filter(|k| k.ends_with(".json.gz") || k.ends_with(".json"))
        {
            files.push(InputFile::Remote(Arc::new(S3Object {
                bucket: shared.clone(),
                key,
            })));
        }
    }
    files.sort_by_key(InputFile::display);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("s3://b/p/q/").ok(),
            Some(("b".into(), "p/q".into()))
        );
        assert_eq!(parse_url("s3://b").ok(), Some(("b".into(), String::new())));
        assert!(parse_url("https://b/p").is_err());
        assert!(parse_url("s3:///p").is_err());
    }

    #[test]
    fn a_location_may_be_given_at_any_depth_of_the_layout() {
        use Start::*;
        let cases = [
            ("", AwsLogs("AWSLogs/".into())),
            ("logs", AwsLogs("logs/AWSLogs/".into())),
            ("a/b/logs", AwsLogs("a/b/logs/AWSLogs/".into())),
            ("AWSLogs", AwsLogs("AWSLogs/".into())),
            ("logs/AWSLogs", AwsLogs("logs/AWSLogs/".into())),
            (
                "logs/AWSLogs/o-abc123def4",
                Org("logs/AWSLogs/o-abc123def4/".into()),
            ),
            (
                "AWSLogs/123456789012",
                Account("AWSLogs/123456789012/".into()),
            ),
            (
                "logs/AWSLogs/o-abc123def4/123456789012",
                Account("logs/AWSLogs/o-abc123def4/123456789012/".into()),
            ),
            (
                "logs/AWSLogs/123456789012/CloudTrail",
                Account("logs/AWSLogs/123456789012/".into()),
            ),
            (
                "logs/AWSLogs/123456789012/CloudTrail/eu-west-1",
                Region("logs/AWSLogs/123456789012/".into(), "eu-west-1".into()),
            ),
            (
                "AWSLogs/o-abc123def4/123456789012/CloudTrail/eu-west-1/2026/11/02/",
                Region(
                    "AWSLogs/o-abc123def4/123456789012/".into(),
                    "eu-west-1".into(),
                ),
            ),
            (
                "backup/o-x/123456789012",
                AwsLogs("backup/o-x/123456789012/AWSLogs/".into()),
            ),
            // Not the layout's folders: the folder holding AWSLogs/.
            ("o-archive", AwsLogs("o-archive/AWSLogs/".into())),
            (
                "backup/123456789012",
                AwsLogs("backup/123456789012/AWSLogs/".into()),
            ),
        ];
        for (prefix, want) in cases {
            assert_eq!(start_of(prefix), want, "{prefix:?}");
        }
    }

    #[test]
    fn the_days_of_a_window() {
        let t = |s: &str| s.parse::<Timestamp>().expect("time");
        assert_eq!(
            days(t("2026-02-27T23:00:00Z"), t("2026-03-01T01:00:00Z")),
            ["2026/02/27", "2026/02/28", "2026/03/01"]
        );
        assert_eq!(
            days(t("2026-03-01T00:00:00Z"), t("2026-03-01T23:59:59Z")).len(),
            1
        );
    }
}
