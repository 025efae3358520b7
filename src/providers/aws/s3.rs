//! CloudTrail log files in S3: `s3://bucket/prefix`, where the trail delivers
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz` (or, for an
//! organization trail, `AWSLogs/<org-id>/<account>/CloudTrail/...`).
//!
//! Only the keys of the accounts asked for and of the days in the window are
//! listed (one `ListObjectsV2` per account, region and day); objects are
//! fetched one at a time per reader thread when the CloudTrail reader reads
//! them, never downloaded whole to disk or held all at once.

use std::sync::Arc;

use jiff::{Timestamp, ToSpan};
use tokio::runtime::Handle;

use crate::providers::{InputFile, RemoteFile};

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

#[derive(Debug)]
struct S3Object {
    client: aws_sdk_s3::Client,
    handle: Handle,
    bucket: String,
    key: String,
}

impl RemoteFile for S3Object {
    fn name(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    fn fetch(&self) -> std::io::Result<Vec<u8>> {
        self.handle.block_on(async {
            let out = self
                .client
                .get_object()
                .bucket(&self.bucket)
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
    let base = if prefix.is_empty() || prefix.ends_with("AWSLogs") {
        format!(
            "{}{}",
            prefix,
            if prefix.is_empty() { "AWSLogs/" } else { "/" }
        )
    } else {
        format!("{prefix}/AWSLogs/")
    };
    // Account folders, directly or below organization IDs.
    let (_, top) = list(client, &bucket, &base).await?;
    let mut account_dirs = Vec::new();
    for d in top {
        let name = d
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        if name.starts_with("o-") {
            let (_, inner) = list(client, &bucket, &d).await?;
            account_dirs.extend(inner);
        } else {
            account_dirs.push(d);
        }
    }
    let handle = Handle::current();
    let days = days(start, end);
    let mut files = Vec::new();
    for dir in account_dirs {
        let account = dir.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        if !accounts.iter().any(|a| a == account) {
            continue;
        }
        let (_, regions) = list(client, &bucket, &format!("{dir}CloudTrail/")).await?;
        for region in regions {
            for day in &days {
                let (keys, _) = list(client, &bucket, &format!("{region}{day}/")).await?;
                for key in keys
                    .into_iter()
                    .filter(|k| k.ends_with(".json.gz") || k.ends_with(".json"))
                {
                    files.push(InputFile::Remote(Arc::new(S3Object {
                        client: client.clone(),
                        handle: handle.clone(),
                        bucket: bucket.clone(),
                        key,
                    })));
                }
            }
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
