//! The SQL permgap generates for Athena, run by DuckDB (pinned in
//! tests/moto/requirements.txt; tests/athena/duckdb_query.py plays Athena's
//! standard CloudTrail table over the files) on the same records that the
//! file reader reads: the aggregated rows give the same usage, activity and
//! tallies. Needs PERMGAP_TEST_PYTHON (set by scripts/test.sh), unless
//! PERMGAP_SKIP_LIVE=1.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use jiff::Timestamp;
use permgap::clouds::InputFile;
use permgap::clouds::aws::athena::{Dialect, usage_sql};
use permgap::clouds::aws::catalog::catalog;
use permgap::clouds::aws::cloudtrail::{
    CloudTrailInput, FileFilter, import_cloudtrail, import_rows, list_files,
};
use permgap::clouds::aws::import::import_authorization_details;
use permgap::model::Snapshot;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";

fn gaad() -> Value {
    let user = |name: &str| {
        json!({"UserName": name, "UserId": format!("AIDA{name}"), "Arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
               "Path": "/", "CreateDate": "2025-01-01T00:00:00Z", "GroupList": [], "AttachedManagedPolicies": [],
               "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": {"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]})
    };
    json!({
        "UserDetailList": [user("alice"), user("bob")],
        "GroupDetailList": [],
        "RoleDetailList": [{"RoleName": "app", "RoleId": "AROAAPP", "Arn": format!("arn:aws:iam::{ACCOUNT}:role/svc/app"),
            "Path": "/svc/", "CreateDate": "2025-01-01T00:00:00Z", "AssumeRolePolicyDocument": {},
            "AttachedManagedPolicies": [], "RolePolicyList": []}],
        "Policies": []
    })
}

/// Events of every kind the reader tells apart, over three weeks.
fn records() -> Vec<Value> {
    let user = |n: &str| {
        json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/{n}"),
                                "accountId": ACCOUNT, "userName": n})
    };
    let session = json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/i-1"),
        "accountId": ACCOUNT, "sessionContext": {"sessionIssuer": {"type": "Role",
        "arn": format!("arn:aws:iam::{ACCOUNT}:role/svc/app")}}});
    let kinds = [
        (
            user("alice"),
            "iam.amazonaws.com",
            "ListUsers",
            "Management",
            json!({}),
        ),
        (
            user("alice"),
            "s3.amazonaws.com",
            "GetObject",
            "Data",
            json!({}),
        ),
        (
            user("bob"),
            "ec2.amazonaws.com",
            "RunInstances",
            "Management",
            json!({"errorCode": "Client.UnauthorizedOperation"}),
        ),
        (
            user("bob"),
            "ec2.amazonaws.com",
            "DescribeInstances",
            "Management",
            json!({"errorCode": "RequestLimitExceeded"}),
        ),
        (
            user("bob"),
            "signin.amazonaws.com",
            "ConsoleLogin",
            "Management",
            json!({"eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Failure"}}),
        ),
        (
            user("alice"),
            "signin.amazonaws.com",
            "ConsoleLogin",
            "Management",
            json!({"eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"}}),
        ),
        (
            session.clone(),
            "dynamodb.amazonaws.com",
            "GetItem",
            "Data",
            json!({}),
        ),
        (
            session,
            "sts.amazonaws.com",
            "GetCallerIdentity",
            "Management",
            json!({}),
        ),
        (
            json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}),
            "kms.amazonaws.com",
            "Decrypt",
            "Management",
            json!({}),
        ),
        (
            json!({"type": "Root", "arn": format!("arn:aws:iam::{ACCOUNT}:root"), "accountId": ACCOUNT}),
            "iam.amazonaws.com",
            "ListRoles",
            "Management",
            json!({}),
        ),
        (
            json!({"type": "IAMUser", "arn": "arn:aws:iam::999988887777:user/x", "accountId": "999988887777"}),
            "s3.amazonaws.com",
            "ListBuckets",
            "Management",
            json!({}),
        ),
        (
            user("ghost"),
            "iam.amazonaws.com",
            "GetUser",
            "Management",
            json!({}),
        ),
        (
            user("alice"),
            "example.amazonaws.com",
            "DoSomething",
            "Management",
            json!({}),
        ),
    ];
    let mut out = Vec::new();
    for i in 0..700usize {
        let (who, src, name, cat, extra) = &kinds[(i * 7 + i / 13) % kinds.len()];
        let t = format!(
            "2026-10-{:02}T{:02}:{:02}:{:02}Z",
            1 + i % 21,
            i % 24,
            (i * 7) % 60,
            (i * 13) % 60
        );
        let mut r = json!({"eventVersion": "1.09", "userIdentity": who, "eventTime": t, "eventSource": src,
            "eventName": name, "awsRegion": "us-east-1", "eventType": "AwsApiCall", "eventCategory": cat,
            "managementEvent": *cat == "Management", "recipientAccountId": ACCOUNT, "eventID": format!("e{i}")});
        if let (Some(o), Some(x)) = (r.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                o.insert(k.clone(), v.clone());
            }
        }
        // Every role session has its own name, as instance and Lambda
        // sessions do: the query must group them under their role.
        if let Some(arn) = r.pointer_mut("/userIdentity/arn")
            && arn.as_str().is_some_and(|a| a.contains(":assumed-role/"))
        {
            *arn = json!(format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/i-{i}"));
        }
        out.push(r);
    }
    out
}

fn base() -> Snapshot {
    let mut s = Snapshot::new();
    let g = InputFile::Owned {
        name: "gaad.json".into(),
        bytes: gaad().to_string().into_bytes().into(),
    };
    import_authorization_details(&mut s, &g).expect("gaad");
    s
}

/// What must agree: usage, activity, and each source's tallies.
fn key(s: &Snapshot) -> Value {
    let sources: Vec<Value> = s
        .coverage
        .sources
        .iter()
        .filter(|c| c.kind.observes_usage())
        .map(|c| {
            json!([
                c.system,
                c.records,
                c.records_read,
                c.first_event,
                c.last_event,
                c.data_event_services,
                c.management_events
            ])
        })
        .collect();
    json!({"usage": s.usage, "activity": s.activity, "sources": sources, "skipped": s.coverage.skipped.len()})
}

#[test]
fn the_athena_query_on_duckdb_gives_what_the_file_reader_gives() {
    let python = match std::env::var("PERMGAP_TEST_PYTHON") {
        Ok(p) => p,
        Err(_) if std::env::var_os("PERMGAP_SKIP_LIVE").is_some() => return,
        Err(_) => {
            panic!("this test needs DuckDB: run `bash scripts/test.sh`, or set PERMGAP_SKIP_LIVE=1")
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let day = dir
        .path()
        .join(format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/10/01"));
    std::fs::create_dir_all(&day).expect("mkdir");
    for (i, chunk) in records().chunks(90).enumerate() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(json!({"Records": chunk}).to_string().as_bytes())
            .expect("gzip");
        std::fs::write(
            day.join(format!("part{i}.json.gz")),
            e.finish().expect("gzip"),
        )
        .expect("write");
    }

    // The file reader.
    let mut files = base();
    let (list, _) = list_files(dir.path());
    let input = CloudTrailInput {
        label: "trail".into(),
        files: list,
        kind: permgap::model::SourceKind::AwsCloudtrailFiles,
        answered: None,
    };
    import_cloudtrail(
        &mut files,
        catalog(),
        &[input],
        &FileFilter::default(),
        2,
        &|| {},
    );

    // The Athena query, on DuckDB.
    let t = |s: &str| s.parse::<Timestamp>().expect("time");
    let sql = usage_sql(
        "trails.cloudtrail_logs",
        t("2026-09-01T00:00:00Z"),
        t("2026-11-01T00:00:00Z"),
        &[ACCOUNT.to_string()],
        Dialect::DuckDb,
    )
    .expect("sql");
    let sql_file = dir.path().join("query.sql");
    std::fs::write(&sql_file, &sql).expect("write");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/athena/duckdb_query.py");
    let out = Command::new(python)
        .arg(script)
        .arg(dir.path().join("AWSLogs/**/*.json.gz"))
        .arg(&sql_file)
        .output()
        .expect("run duckdb");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<Option<String>>> = serde_json::from_slice(&out.stdout).expect("rows");
    assert!(
        rows.len() < 100,
        "aggregated: {} rows for 700 events",
        rows.len()
    );
    let mut athena = base();
    assert_eq!(
        import_rows(&mut athena, catalog(), "athena", &rows, None),
        0
    );

    let (a, b) = (key(&files), key(&athena));
    assert_eq!(a, b);
    // And the comparison is not empty: each kind of event left its mark.
    let text = a.to_string();
    for want in [
        "s3:GetObject",
        "dynamodb:GetItem",
        "failed-sign-in",
        "denied",
        "aws-service",
        "root",
        "other-account",
        "unknown-principal",
        "unknown-action",
        "\"s3\"",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

/// An Athena query that answers for an account without a row for it: the
/// account is covered over the range asked (it used nothing), where an
/// input that never asked about it covers nothing.
#[test]
fn an_empty_athena_answer_covers_the_accounts_asked() {
    let t = |s: &str| s.parse::<Timestamp>().expect("time");
    let answered = permgap::clouds::aws::cloudtrail::Answered {
        accounts: vec![ACCOUNT.to_string()],
        from: t("2026-08-03T00:00:00Z"),
        to: t("2026-11-01T00:00:00Z"),
        assumed: true,
    };
    let mut s = base();
    assert_eq!(
        import_rows(&mut s, catalog(), "athena:t", &[], Some(answered)),
        0
    );
    let src: Vec<_> = s
        .coverage
        .sources
        .iter()
        .filter(|c| c.kind.observes_usage())
        .collect();
    assert_eq!(src.len(), 1);
    assert_eq!(src[0].system.as_deref(), Some(ACCOUNT));
    assert_eq!(src[0].records_read, 0);
    assert_eq!(src[0].answered_from, Some(t("2026-08-03T00:00:00Z")));
    // The table is assumed to hold the account: said.
    assert!(
        s.coverage.warnings.iter().any(|w| w.input == "athena:t"
            && w.message
                .contains(&format!("no event of account {ACCOUNT}"))),
        "{:?}",
        s.coverage.warnings
    );
    let mut none = base();
    import_rows(&mut none, catalog(), "athena:t", &[], None);
    assert!(
        none.coverage
            .sources
            .iter()
            .filter(|c| c.kind.observes_usage())
            .all(|c| c.system.is_none())
    );
}
