use super::*;
use crate::catalog::Cloud;
use crate::clouds::aws::catalog::catalog;
use crate::model::{Identity, IdentityKind, System};

fn acts(m: Mapped) -> Vec<String> {
    match m {
        Mapped::Actions(v) => {
            let mut n: Vec<String> = v.into_iter().map(|i| catalog().qualified(i)).collect();
            n.sort();
            n
        }
        other => vec![format!("{other:?}")],
    }
}

#[test]
fn event_times_in_every_form_tools_write() {
    let t = event_second("2025-02-19T20:13:49Z");
    assert!(t.is_some());
    for other in [
        "2025-02-19 20:13:49",
        "2025-02-19 20:13:49.000000000",
        "2025-02-19T20:13:49.000Z",
        "2025-02-19T21:13:49+01:00",
    ] {
        assert_eq!(event_second(other), t, "{other}");
    }
    for bad in ["", "yesterday", "2025-02-30 10:00:00", "2025-02-19"] {
        assert_eq!(event_second(bad), None, "{bad}");
    }
}

#[test]
fn version_suffixes_are_stripped() {
    assert_eq!(
        strip_version_suffix("ListFunctions20150331"),
        "ListFunctions"
    );
    assert_eq!(strip_version_suffix("GetFunction20150331v2"), "GetFunction");
    assert_eq!(
        strip_version_suffix("UpdateFunctionCode20150331v2"),
        "UpdateFunctionCode"
    );
    assert_eq!(
        strip_version_suffix("CreateInvalidation2014_01_31"),
        "CreateInvalidation"
    );
    assert_eq!(strip_version_suffix("ListObjectsV2"), "ListObjectsV2");
    assert_eq!(strip_version_suffix("GetObject"), "GetObject");
    assert_eq!(strip_version_suffix("20150331"), "20150331");
}

#[test]
fn the_default_rule_and_its_exceptions() {
    let m = EventMapper::new(catalog());
    let cases: &[(&str, &str, &[&str])] = &[
        ("iam.amazonaws.com", "ListUsers", &["iam:ListUsers"]),
        // monitoring.amazonaws.com is CloudWatch, whose prefix is cloudwatch.
        (
            "monitoring.amazonaws.com",
            "PutMetricData",
            &["cloudwatch:PutMetricData"],
        ),
        (
            "lambda.amazonaws.com",
            "ListFunctions20150331",
            &["lambda:ListFunctions"],
        ),
        (
            "lambda.amazonaws.com",
            "GetFunction20150331v2",
            &["lambda:GetFunction"],
        ),
        // The name is not the action's.
        ("s3.amazonaws.com", "ListBuckets", &["s3:ListAllMyBuckets"]),
        // HeadObject needs GetObject, or GetObjectVersion with a version ID: an ANY
        // row credits both, so neither is called unused on doubtful evidence.
        (
            "s3.amazonaws.com",
            "HeadObject",
            &["s3:GetObject", "s3:GetObjectVersion"],
        ),
        (
            "kms.amazonaws.com",
            "ReEncrypt",
            &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
        ),
        ("lambda.amazonaws.com", "Invoke", &["lambda:InvokeFunction"]),
        // Hosts botocore does not name (issue 18, defect 3).
        (
            "chime-sdk-media-pipelines.amazonaws.com",
            "CreateMediaCapturePipeline",
            &["chime:CreateMediaCapturePipeline"],
        ),
        (
            "edgekeyvaluestore.amazonaws.com",
            "UpdateKeys",
            &["cloudfront-keyvaluestore:UpdateKeys"],
        ),
        // A host two services share: each event credits its own.
        (
            "autoscaling.amazonaws.com",
            "CreateScalingPlan",
            &["autoscaling-plans:CreateScalingPlan"],
        ),
        (
            "ds.amazonaws.com",
            "DescribeUser",
            &["ds-data:DescribeUser"],
        ),
        (
            "autoscaling.amazonaws.com",
            "CreateAutoScalingGroup",
            &["autoscaling:CreateAutoScalingGroup"],
        ),
    ];
    for (source, name, expected) in cases {
        // A rule the request decides credits every candidate without one.
        let got = match m.map(source, name) {
            Mapped::ByRequest(r) => Mapped::Actions(m.decide(r, None)),
            other => other,
        };
        assert_eq!(acts(got), *expected, "{source} {name}");
    }
    // Recorded, but no IAM action authorizes it.
    for name in ["ConsoleLogin", "GetSigninToken"] {
        assert_eq!(
            m.map("signin.amazonaws.com", name),
            Mapped::NoAction,
            "{name}"
        );
    }
    // Unknown to the catalog.
    assert_eq!(m.map("s3.amazonaws.com", "NoSuchCall"), Mapped::Unknown);
    assert_eq!(
        m.map("nosuchservice.amazonaws.com", "Anything"),
        Mapped::Unknown
    );
}

#[test]
fn every_mapping_row_names_catalog_actions() {
    let cat = catalog();
    let m = EventMapper::new(cat);
    for ((prefix, name), mapped) in &m.names {
        let n = match mapped {
            Mapped::Actions(a) => a.len(),
            &Mapped::ByRequest(r) => {
                let rule = &m.by_request[r as usize];
                assert_eq!(
                    rule.cases.len(),
                    rule.all.len(),
                    "{prefix} {name}: a case each"
                );
                rule.all.len()
            }
            other => panic!("{prefix} {name}: {other:?}"),
        };
        assert!(n > 0, "{prefix} {name}: no catalog action");
    }
    for (src, prefixes) in &m.sources {
        for prefix in prefixes.split(',') {
            assert!(cat.has_service(prefix), "{src} -> {prefix}: unknown prefix");
        }
    }
    // Rows of event_names.tsv name only catalog actions.
    for r in rows(EVENT_NAMES_TSV).filter(|r| r.len() >= 3) {
        for a in r[2].split(',') {
            let a = a.split_once('@').map_or(a, |(a, _)| a);
            let q = format!("{}:{}", r[0], a.trim());
            assert!(
                cat.lookup(&q).is_some() || cat.lookup(a.trim()).is_some(),
                "{q}"
            );
        }
    }
}

/// The request decides the action where the record shows it; every
/// candidate is credited only where it does not (issue 18, defect 4).
#[test]
fn the_request_decides_the_action_when_the_record_shows_it() {
    use serde_json::json;
    let cat = catalog();
    let m = EventMapper::new(cat);
    let decide = |src: &str, name: &str, req: Option<serde_json::Value>| -> Vec<String> {
        let Mapped::ByRequest(rule) = m.map(src, name) else {
            panic!(
                "{src} {name} is decided by the request: {:?}",
                m.map(src, name)
            );
        };
        let raw =
            req.map(|r| serde_json::value::RawValue::from_string(r.to_string()).expect("raw"));
        let mut v: Vec<String> = m
            .decide(rule, raw.as_deref())
            .into_iter()
            .map(|i| cat.qualified(i))
            .collect();
        v.sort();
        v
    };
    let ddb = "dynamodb.amazonaws.com";
    // The DynamoDB Developer Guide's records, statements redacted as logged.
    assert_eq!(
        decide(
            ddb,
            "ExecuteStatement",
            Some(
                json!({"statement": "SELECT * FROM Music WHERE Artist = 'No One You Know' AND nonKeyAttr = ***(Redacted)"})
            )
        ),
        ["dynamodb:PartiQLSelect"]
    );
    assert_eq!(
        decide(
            ddb,
            "BatchExecuteStatement",
            Some(json!({"requestItems": [
            {"statement": "UPDATE Music SET Album = ***(Redacted) WHERE Artist = 'A'"},
            {"statement": "INSERT INTO Music VALUE {'Artist' : ***(Redacted)}"}]}))
        ),
        ["dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"]
    );
    assert_eq!(
        decide(
            ddb,
            "ExecuteTransaction",
            Some(json!({"transactStatements": [
            {"statement": "delete from Music where Artist = 'A'"}]}))
        ),
        ["dynamodb:PartiQLDelete"]
    );
    assert_eq!(
        decide(
            ddb,
            "TransactWriteItems",
            Some(json!({"requestItems": [
            {"operation": "Put", "tableName": "Music"}, {"operation": "Update", "tableName": "Music"}]}))
        ),
        ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    );
    // API Gateway: v1 resources need PUT, v2 ones POST.
    let apigw = "apigateway.amazonaws.com";
    assert_eq!(
        decide(
            apigw,
            "TagResource",
            Some(
                json!({"resource_arn": "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", "tags": {"team": "x"}})
            )
        ),
        ["apigateway:PUT"]
    );
    assert_eq!(
        decide(
            apigw,
            "TagResource",
            Some(
                json!({"resource-arn": "arn:aws:apigateway:us-east-1::/apis/a1b2c3", "tags": {"team": "x"}})
            )
        ),
        ["apigateway:POST"]
    );
    // S3: versions only when the request names them.
    let s3 = "s3.amazonaws.com";
    assert_eq!(
        decide(
            s3,
            "DeleteObjects",
            Some(json!({"bucketName": "b", "delete": {"Object": [{"Key": "a"}, {"Key": "b"}]}}))
        ),
        ["s3:DeleteObject"]
    );
    assert_eq!(
        decide(
            s3,
            "DeleteObjects",
            Some(
                json!({"bucketName": "b", "delete": {"Object": [{"Key": "a", "VersionId": "3HL4kqtJlcpXroDTDmJ"}]}})
            )
        ),
        ["s3:DeleteObjectVersion"]
    );
    // A key without the Delete body: the body (and any version IDs in
    // it) is not in the record, so both.
    assert_eq!(
        decide(
            s3,
            "DeleteObjects",
            Some(json!({"bucketName": "b", "key": "k"}))
        ),
        ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    );
    assert_eq!(
        decide(
            s3,
            "HeadObject",
            Some(json!({"bucketName": "b", "key": "k", "versionId": "v1"}))
        ),
        ["s3:GetObjectVersion"]
    );
    // Where the record cannot tell, every candidate: no parameters (an
    // Athena row), the object list left out (as CloudTrail usually
    // does), a statement that is not one of the four verbs, a resource
    // of both API versions.
    let all_ddb = [
        "dynamodb:PartiQLDelete",
        "dynamodb:PartiQLInsert",
        "dynamodb:PartiQLSelect",
        "dynamodb:PartiQLUpdate",
    ];
    assert_eq!(decide(ddb, "ExecuteStatement", None), all_ddb);
    assert_eq!(
        decide(
            ddb,
            "ExecuteStatement",
            Some(json!({"statement": "EXISTS(SELECT 1)"}))
        ),
        all_ddb
    );
    assert_eq!(decide(ddb, "ExecuteStatement", Some(json!({}))), all_ddb);
    assert_eq!(
        decide(
            s3,
            "DeleteObjects",
            Some(json!({"bucketName": "b", "Host": "b.s3.amazonaws.com", "delete": ""}))
        ),
        ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    );
    assert_eq!(
        decide(
            apigw,
            "TagResource",
            Some(json!({"resource_arn": "arn:aws:apigateway:us-east-1::/domainnames/example.com"}))
        ),
        ["apigateway:POST", "apigateway:PUT"]
    );
}

/// Through the reader: one SELECT credits PartiQLSelect alone, so the
/// never-used PartiQLDelete stays unused.
#[test]
fn a_select_statement_credits_only_the_select_action() {
    use serde_json::json;
    let alice = "arn:aws:iam::111122223333:user/dev/alice";
    let rec = event(
        alice,
        "dynamodb.amazonaws.com",
        "ExecuteStatement",
        "2026-10-01T10:00:00Z",
        json!({"eventCategory": "Data", "managementEvent": false,
               "requestParameters": {"statement": "SELECT * FROM Music WHERE Artist = 'x'"}}),
    );
    let f = InputFile::Embedded {
        name: "f.json".into(),
        bytes: Box::leak(
            json!({"Records": [rec]})
                .to_string()
                .into_bytes()
                .into_boxed_slice(),
        ),
    };
    let s = run(vec![f], 1);
    let used: Vec<&str> = s.usage.iter().map(|u| u.permission.as_str()).collect();
    assert_eq!(used, ["dynamodb:PartiQLSelect"]);
}

/// Every service of the catalog has its CloudTrail host, or a documented
/// reason why it has none (`cloudtrail_hosts.tsv`, audited against each
/// service's own logging page), and every host listed is mapped to its
/// service: a record from it credits that service's actions.
#[test]
fn every_catalog_service_has_its_cloudtrail_host_or_a_reason() {
    const HOSTS_TSV: &str = include_str!("../catalog/cloudtrail_hosts.tsv");
    let cat = catalog();
    let m = EventMapper::new(cat);
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for r in rows(HOSTS_TSV) {
        let [prefix, hosts, evidence, source] = r[..] else {
            wrong.push(format!("not 4 columns: {r:?}"));
            continue;
        };
        assert!(cat.has_service(prefix), "{prefix}: not a catalog prefix");
        assert!(seen.insert(prefix.to_string()), "{prefix}: twice");
        assert!(!source.is_empty(), "{prefix}: no source or reason");
        match (hosts, evidence) {
            ("-", "none") => {}
            ("-", e) | (_, e @ "none") => {
                wrong.push(format!("{prefix}: hosts {hosts} with evidence {e}"))
            }
            (_, "doc" | "model" | "other") => {
                for h in hosts.split(',') {
                    if !m.prefixes(h).any(|p| p == prefix) {
                        let to: Vec<&str> = m.prefixes(h).collect();
                        wrong.push(format!("{prefix}: {h} maps to {to:?}"));
                    }
                }
            }
            (_, e) => wrong.push(format!("{prefix}: evidence {e}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let missing: Vec<&str> = cat
        .services
        .iter()
        .map(|s| s.prefix.as_str())
        .filter(|p| !seen.contains(*p))
        .collect();
    assert!(missing.is_empty(), "no row for {missing:?}");
}

#[test]
fn denied_codes() {
    for c in [
        "AccessDenied",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
    ] {
        assert!(is_access_denied(c), "{c}");
    }
    for c in ["AuthorizationError", "UnauthorizedException", "Forbidden"] {
        assert!(is_access_denied(c), "{c}");
    }
    for c in ["NoSuchEntity", "ValidationException", "ThrottlingException"] {
        assert!(!is_access_denied(c), "{c}");
    }
}

fn snapshot() -> Snapshot {
    let mut s = Snapshot::new();
    s.systems.push(System {
        cloud: Cloud::Aws,
        id: "111122223333".into(),
        name: None,
        scp_levels: Vec::new(),
        ancestors: Vec::new(),
        audit_log_configs: Vec::new(),
    });
    let mk = |arn: &str, name: &str, kind| Identity {
        id: arn.into(),
        cloud: Cloud::Aws,
        system: "111122223333".into(),
        name: name.into(),
        kind,
        created: None,
        human: None,
        member_of: vec![],
        grants: vec![],
        boundary: None,
        trusted_by: vec![],
        provider_managed: false,
    };
    s.identities.push(mk(
        "arn:aws:iam::111122223333:user/dev/alice",
        "alice",
        IdentityKind::User,
    ));
    s.identities.push(mk(
        "arn:aws:iam::111122223333:role/service/app-role",
        "app-role",
        IdentityKind::Role,
    ));
    s.identities.push(mk(
        "arn:aws:iam::111122223333:group/admins",
        "admins",
        IdentityKind::Group,
    ));
    s.normalize();
    s
}

fn ui(v: serde_json::Value) -> Principal {
    let text = v.to_string();
    let u: UserIdentity<'_> = serde_json::from_str(&text).expect("userIdentity");
    Resolver::new(&snapshot()).resolve(&u)
}

#[test]
fn principals_resolve_to_identities() {
    use serde_json::json;
    let alice = ui(
        json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/dev/alice", "userName": "alice"}),
    );
    let role = ui(
        json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app-role/i-0abc",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/service/app-role"}}}),
    );
    // The session's ARN omits the role's path; without an issuer the name still resolves.
    let role2 = ui(
        json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app-role/sess"}),
    );
    assert!(matches!(alice, Principal::Identity(_)));
    assert!(matches!(role, Principal::Identity(_)));
    assert_eq!(role, role2);
    assert_ne!(alice, role);
    assert_eq!(
        ui(json!({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"})),
        Principal::AwsService
    );
    assert_eq!(
        ui(json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"})),
        Principal::Root
    );
    // GetFederationToken called as root: the session is root's, not an unknown identity.
    assert_eq!(
        ui(
            json!({"type": "FederatedUser", "arn": "arn:aws:sts::111122223333:federated-user/x",
            "sessionContext": {"sessionIssuer": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}}})
        ),
        Principal::Root
    );
    assert_eq!(
        ui(
            json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ghost", "userName": "ghost"})
        ),
        Principal::Unknown("arn:aws:iam::111122223333:user/ghost".into())
    );
    assert_eq!(
        ui(
            json!({"type": "IAMUser", "arn": "arn:aws:iam::999999999999:user/bob", "userName": "bob"})
        ),
        Principal::OtherAccount
    );
    // Groups never act: a group ARN is not a principal.
    assert!(matches!(
        ui(
            json!({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:group/admins", "userName": "admins"})
        ),
        Principal::Unknown(_)
    ));
}

fn gz(records: serde_json::Value) -> &'static [u8] {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(
        serde_json::json!({ "Records": records })
            .to_string()
            .as_bytes(),
    )
    .expect("gzip");
    Box::leak(e.finish().expect("gzip").into_boxed_slice())
}

fn event(who: &str, src: &str, name: &str, t: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({
        "eventTime": t, "eventSource": src, "eventName": name, "recipientAccountId": "111122223333",
        "eventCategory": "Management", "managementEvent": true, "eventType": "AwsApiCall",
        "userIdentity": {"type": "IAMUser", "arn": who, "userName": who.rsplit('/').next()}
    });
    if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in x {
            o.insert(k.clone(), val.clone());
        }
    }
    v
}

fn run(files: Vec<InputFile>, threads: usize) -> Snapshot {
    let mut s = snapshot();
    let inputs = [CloudTrailInput {
        label: "ct".into(),
        files,
        kind: SourceKind::AwsCloudtrailFiles,
        answered: None,
    }];
    import_cloudtrail(
        &mut s,
        catalog(),
        &inputs,
        &FileFilter::default(),
        threads,
        &|| {},
    );
    s
}

#[test]
fn event_times_read_by_hand_agree_with_jiff() {
    let mut t = "1999-12-31T23:59:59Z".parse::<Timestamp>().expect("time");
    // Every ~9 days and odd seconds for 80 years, leap days included.
    for _ in 0..3300 {
        let text = t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        assert_eq!(event_second(&text), Some(t.as_second()), "{text}");
        t = t
            .checked_add(jiff::Span::new().seconds(777_777))
            .expect("time");
    }
    assert_eq!(event_second("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    // Not a date: no time, as jiff says; other forms go through jiff.
    assert_eq!(event_second("2026-02-30T00:00:00Z"), None);
    assert_eq!(event_second("2026-13-01T00:00:00Z"), None);
    assert_eq!(event_second("yesterday"), None);
    assert_eq!(
        event_second("2026-10-01T10:00:00.123Z"),
        Some(
            "2026-10-01T10:00:00Z"
                .parse::<Timestamp>()
                .expect("time")
                .as_second()
        )
    );
}

#[test]
fn gunzip_reads_one_member_several_and_names_a_broken_file() {
    use std::io::Write;
    let member = |text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).expect("gzip");
        e.finish().expect("gzip")
    };
    assert_eq!(gunzip(&member("abc")).as_deref(), Ok(&b"abc"[..]));
    // Two members one after the other (what `cat a.gz b.gz` makes).
    let mut two = member("{\"Records\":");
    two.extend(member("[]}"));
    assert_eq!(gunzip(&two).as_deref(), Ok(&b"{\"Records\":[]}"[..]));
    // Members of equal size: the first alone passes the size check, and
    // the CRC tells it is not the file.
    let mut equal = member("{\"Records\":[");
    equal.extend(member("1,2,3,4]}   "));
    assert_eq!(
        gunzip(&equal).as_deref(),
        Ok(&b"{\"Records\":[1,2,3,4]}   "[..])
    );
    let whole = member(&"x".repeat(10_000));
    let err = gunzip(&whole[..whole.len() - 9]).expect_err("truncated");
    assert!(err.contains("gzip"), "{err}");
}

#[test]
fn a_path_tells_the_account_and_the_delivery() {
    let t = |s: &str| s.parse::<Timestamp>().expect("time").as_second();
    let name = "logs/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/02/\
                111122223333_CloudTrail_eu-west-1_20261002T1405Z_AbCd.json.gz";
    assert_eq!(path_account(name).as_deref(), Some("111122223333"));
    let at = t("2026-10-02T14:05:00Z");
    assert_eq!(path_delivered(name), Some((at, at + 59)));
    // An organization trail; a name without a time: the day folder.
    let org = "AWSLogs/o-abc123def4/444455556666/CloudTrail/us-east-1/2026/10/03/events.json";
    assert_eq!(path_account(org).as_deref(), Some("444455556666"));
    let day = t("2026-10-03T00:00:00Z");
    assert_eq!(path_delivered(org), Some((day, day + 86_399)));
    // Outside the layout the path says nothing.
    assert_eq!(path_account("exports/trail.json.gz"), None);
    assert_eq!(path_delivered("exports/trail.json.gz"), None);
    assert_eq!(
        path_delivered("cloudtrail:LookupEvents (account 1, us-east-1)"),
        None
    );
}

#[test]
fn files_outside_the_accounts_or_the_range_are_not_kept() {
    let t = |s: &str| s.parse::<Timestamp>().expect("time");
    let f = FileFilter {
        accounts: Some(["111122223333".to_string()].into()),
        range: Some((t("2026-08-01T00:00:00Z"), t("2026-10-30T00:00:00Z"))),
    };
    let file = |acct: &str, stamp: &str| {
        let day = format!("{}/{}/{}", &stamp[0..4], &stamp[4..6], &stamp[6..8]);
        format!(
            "AWSLogs/{acct}/CloudTrail/us-east-1/{day}/{acct}_CloudTrail_us-east-1_{stamp}_x.json.gz"
        )
    };
    assert!(f.keeps(&file("111122223333", "20261001T1200Z")));
    assert!(
        !f.keeps(&file("999988887777", "20261001T1200Z")),
        "another account"
    );
    assert!(
        !f.keeps(&file("111122223333", "20260731T2355Z")),
        "delivered before the range"
    );
    assert!(
        f.keeps(&file("111122223333", "20260801T0005Z")),
        "may hold the range's first minutes"
    );
    assert!(
        f.keeps(&file("111122223333", "20261030T2300Z")),
        "a late delivery of the range's end"
    );
    assert!(
        !f.keeps(&file("111122223333", "20261101T0100Z")),
        "more than a day after the range"
    );
    assert!(
        f.keeps("exports/trail.json.gz"),
        "a path that says nothing is read"
    );
    assert!(FileFilter::default().keeps(&file("999988887777", "20200101T0000Z")));
}

#[test]
fn passed_over_files_are_counted_and_not_opened() {
    use serde_json::json;
    let a = "arn:aws:iam::111122223333:user/dev/alice";
    let ev = event(
        a,
        "iam.amazonaws.com",
        "ListUsers",
        "2026-10-01T11:00:00Z",
        json!({}),
    );
    let path = |acct: &str, stamp: &str| {
        format!(
            "AWSLogs/{acct}/CloudTrail/us-east-1/2026/10/01/{acct}_CloudTrail_us-east-1_{stamp}_x.json.gz"
        )
    };
    let files = vec![
        InputFile::Embedded {
            name: path("111122223333", "20261001T1105Z"),
            bytes: gz(json!([ev.clone()])),
        },
        // Another account's file, and one of this account that is not
        // even gzip: neither is opened, so neither is an error.
        InputFile::Embedded {
            name: path("999988887777", "20261001T1105Z"),
            bytes: gz(json!([ev])),
        },
        InputFile::Embedded {
            name: path("999988887777", "20261001T1110Z"),
            bytes: b"not a log",
        },
    ];
    let mut s = snapshot();
    let inputs = [CloudTrailInput {
        label: "ct".into(),
        files,
        kind: SourceKind::AwsCloudtrailFiles,
        answered: None,
    }];
    let filter = FileFilter {
        accounts: Some(["111122223333".to_string()].into()),
        range: None,
    };
    let seen = AtomicUsize::new(0);
    import_cloudtrail(&mut s, catalog(), &inputs, &filter, 2, &|| {
        seen.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(seen.into_inner(), 3, "progress counts every file");
    assert!(!s.coverage.is_partial(), "{:?}", s.coverage.skipped);
    let cov = &s.coverage.sources[0];
    assert_eq!((cov.files_read, cov.files_passed_over), (1, 2));
    assert_eq!(s.usage.len(), 1);
    assert_eq!(s.usage[0].count, 1);
}

#[test]
fn denied_attempts_are_activity_not_use_and_errors_are_use() {
    use serde_json::json;
    let a = "arn:aws:iam::111122223333:user/dev/alice";
    let f = InputFile::Embedded {
        name: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/x.json.gz".into(),
        bytes: gz(json!([
            event(
                a,
                "iam.amazonaws.com",
                "ListUsers",
                "2026-10-01T10:00:00Z",
                json!({})
            ),
            event(
                a,
                "iam.amazonaws.com",
                "ListUsers",
                "2026-10-03T10:00:00Z",
                json!({})
            ),
            event(
                a,
                "iam.amazonaws.com",
                "CreateUser",
                "2026-10-02T10:00:00Z",
                json!({"errorCode": "AccessDenied"})
            ),
            event(
                a,
                "iam.amazonaws.com",
                "GetUser",
                "2026-10-02T11:00:00Z",
                json!({"errorCode": "NoSuchEntity"})
            ),
            event(
                a,
                "s3.amazonaws.com",
                "GetObject",
                "2026-10-02T12:00:00Z",
                json!({"eventCategory": "Data", "managementEvent": false})
            ),
        ])),
    };
    let s = run(vec![f], 1);
    let used: Vec<(&str, u64)> = s
        .usage
        .iter()
        .map(|u| (u.permission.as_str(), u.count))
        .collect();
    assert_eq!(
        used,
        [
            ("iam:GetUser", 1),
            ("iam:ListUsers", 2),
            ("s3:GetObject", 1)
        ]
    );
    let list = s
        .usage
        .iter()
        .find(|u| u.permission == "iam:ListUsers")
        .expect("ListUsers");
    assert_eq!(list.first_seen.to_string(), "2026-10-01T10:00:00Z");
    assert_eq!(list.last_seen.to_string(), "2026-10-03T10:00:00Z");
    assert!(
        s.activity
            .iter()
            .any(|x| x.kind == ActivityKind::DeniedAttempt && x.count == 1)
    );
    let cov = &s.coverage.sources[0];
    assert_eq!(cov.records.get("denied"), Some(&1));
    assert_eq!(cov.data_event_services, vec!["s3".to_string()]);
    assert!(cov.management_events);
}

#[test]
fn bad_files_are_skipped_and_named_and_the_rest_is_read() {
    use serde_json::json;
    let a = "arn:aws:iam::111122223333:user/dev/alice";
    let good = gz(json!([event(
        a,
        "iam.amazonaws.com",
        "ListUsers",
        "2026-10-01T10:00:00Z",
        json!({})
    )]));
    let truncated: &'static [u8] = Box::leak(good[..good.len() / 2].to_vec().into_boxed_slice());
    let files = vec![
        InputFile::Embedded {
            name: "good.json.gz".into(),
            bytes: good,
        },
        InputFile::Embedded {
            name: "truncated.json.gz".into(),
            bytes: truncated,
        },
        InputFile::Embedded {
            name: "html.json".into(),
            bytes: b"<html>not json</html>",
        },
        InputFile::Embedded {
            name: "other.json".into(),
            bytes: b"{\"Version\": 1}",
        },
    ];
    let s = run(files, 2);
    assert_eq!(s.usage.len(), 1);
    let skipped: Vec<&str> = s
        .coverage
        .skipped
        .iter()
        .map(|x| x.input.as_str())
        .collect();
    assert_eq!(skipped, ["html.json", "other.json", "truncated.json.gz"]);
    assert!(s.coverage.skipped[2].reason.contains("gzip"));
    assert!(
        s.coverage.skipped[0]
            .reason
            .contains("not a CloudTrail log file")
    );
    assert_eq!(s.coverage.sources[0].files_read, 1);
    assert_eq!(s.coverage.sources[0].files_skipped, 3);
}

#[test]
fn unknown_principals_make_the_result_partial_and_are_named() {
    use serde_json::json;
    let ghost = "arn:aws:iam::111122223333:user/ghost";
    let f = InputFile::Embedded {
        name: "f.json".into(),
        bytes: Box::leak(
            json!({"Records": [event(ghost, "iam.amazonaws.com", "ListUsers", "2026-10-01T10:00:00Z", json!({}))]})
                .to_string()
                .into_bytes()
                .into_boxed_slice(),
        ),
    };
    let s = run(vec![f], 1);
    assert!(s.coverage.is_partial());
    assert_eq!(
        s.coverage.skipped[0].input,
        format!("f.json: events of {ghost}")
    );
    assert!(s.usage.is_empty());
}

/// Console sign-in records are activity, never "an action missing from
/// the catalog": `GetSigninToken` (listed with its kind) and a sign-in
/// event no table names alike.
#[test]
fn sign_in_events_are_no_action_and_not_unknown() {
    use serde_json::json;
    let alice = "arn:aws:iam::111122223333:user/dev/alice";
    let signin =
        json!({"eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"}});
    let recs: Vec<_> = ["GetSigninToken", "ConsoleLogin", "SomeFutureSignInStep"]
        .iter()
        .enumerate()
        .map(|(k, n)| {
            event(
                alice,
                "signin.amazonaws.com",
                n,
                &format!("2026-10-0{}T10:00:00Z", k + 1),
                signin.clone(),
            )
        })
        .collect();
    let f = InputFile::Embedded {
        name: "f.json".into(),
        bytes: Box::leak(
            json!({"Records": recs})
                .to_string()
                .into_bytes()
                .into_boxed_slice(),
        ),
    };
    let s = run(vec![f], 1);
    assert!(s.usage.is_empty());
    assert!(
        s.coverage
            .warnings
            .iter()
            .all(|w| !w.message.contains("map to no action")),
        "{:?}",
        s.coverage.warnings
    );
    let src = &s.coverage.sources[0];
    assert_eq!(
        src.records.get("no-iam-action"),
        Some(&3),
        "{:?}",
        src.records
    );
    assert!(
        s.activity
            .iter()
            .any(|a| a.kind == ActivityKind::ConsoleSignIn)
    );
}

/// The same events, in one file or split into files of random sizes, in
/// any order, read by 1 to 8 threads: the same usage, activity and
/// coverage (issue 4's invariant).
#[test]
fn file_order_splitting_and_threads_do_not_change_the_result() {
    use serde_json::json;
    let alice = "arn:aws:iam::111122223333:user/dev/alice";
    let session = json!({"type": "AssumedRole",
        "arn": "arn:aws:sts::111122223333:assumed-role/app-role/s1", "accountId": "111122223333",
        "sessionContext": {"sessionIssuer": {"type": "Role",
            "arn": "arn:aws:iam::111122223333:role/service/app-role"}}});
    let calls = [
        ("iam.amazonaws.com", "ListUsers"),
        ("iam.amazonaws.com", "GetRole"),
        ("s3.amazonaws.com", "ListBuckets"),
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("sts.amazonaws.com", "GetCallerIdentity"),
    ];
    // A small deterministic generator (no crate for it in tests).
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut evs = Vec::new();
    for i in 0..600u64 {
        let (src, name) = calls[next(calls.len() as u64) as usize];
        let t = format!(
            "2026-10-{:02}T{:02}:{:02}:{:02}Z",
            1 + next(28),
            next(24),
            next(60),
            i % 60
        );
        let mut e = event(alice, src, name, &t, json!({}));
        match next(8) {
            0 => e["userIdentity"] = session.clone(),
            1 => e["errorCode"] = json!("AccessDenied"),
            2 => e["errorCode"] = json!("ThrottlingException"),
            3 => {
                e["userIdentity"] = json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"})
            }
            4 => {
                e["userIdentity"] = json!({"type": "IAMUser", "arn": "arn:aws:iam::999988887777:user/x", "accountId": "999988887777"})
            }
            _ => {}
        }
        evs.push(e);
    }
    let arrange = |events: &[serde_json::Value], sizes: &mut dyn FnMut() -> usize| {
        let mut files = Vec::new();
        let mut rest = events;
        while !rest.is_empty() {
            let n = sizes().clamp(1, rest.len());
            files.push(InputFile::Embedded {
                name: format!("part{}.json.gz", files.len()),
                bytes: gz(json!(rest[..n])),
            });
            rest = &rest[n..];
        }
        files
    };
    let key = |s: &Snapshot| {
        let mut sources = s.coverage.sources.clone();
        for c in &mut sources {
            c.files_read = 0;
        }
        serde_json::to_string(&(&s.usage, &s.activity, &sources, &s.coverage.skipped))
            .unwrap_or_default()
    };
    let reference = key(&run(arrange(&evs, &mut || usize::MAX), 1));
    assert!(reference.contains("s3:ListAllMyBuckets"), "{reference}");
    let mut shuffled = evs.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, next(i as u64 + 1) as usize);
    }
    for threads in [1, 2, 3, 8] {
        let mut sizes = || 1 + next(50) as usize;
        let mut split = arrange(&evs, &mut sizes);
        split.reverse();
        assert_eq!(
            reference,
            key(&run(split, threads)),
            "split, {threads} threads"
        );
        let mixed = arrange(&shuffled, &mut sizes);
        assert_eq!(
            reference,
            key(&run(mixed, threads)),
            "shuffled, {threads} threads"
        );
    }
}

#[test]
fn a_malformed_record_is_counted_and_its_file_still_read() {
    use serde_json::json;
    let a = "arn:aws:iam::111122223333:user/dev/alice";
    let mut bad = event(
        a,
        "iam.amazonaws.com",
        "GetUser",
        "2026-10-01T11:00:00Z",
        json!({}),
    );
    bad["responseElements"] = json!("not an object");
    let mut bad_time = event(
        a,
        "iam.amazonaws.com",
        "GetRole",
        "2026-10-01T11:00:00Z",
        json!({}),
    );
    bad_time["eventTime"] = json!(1_700_000_000);
    let f = InputFile::Embedded {
        name: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/mixed.json.gz".into(),
        bytes: gz(json!([
            event(
                a,
                "iam.amazonaws.com",
                "ListUsers",
                "2026-10-01T10:00:00Z",
                json!({})
            ),
            bad,
            bad_time
        ])),
    };
    let s = run(vec![f], 1);
    assert!(s.coverage.skipped.is_empty(), "{:?}", s.coverage.skipped);
    let used: Vec<&str> = s.usage.iter().map(|u| u.permission.as_str()).collect();
    assert_eq!(used, ["iam:ListUsers"]);
    assert_eq!(s.coverage.sources[0].records.get("malformed"), Some(&2));
}

#[test]
fn network_activity_events_are_neither_use_nor_data_coverage() {
    use serde_json::json;
    let a = "arn:aws:iam::111122223333:user/dev/alice";
    let f = InputFile::Embedded {
        name: "n.json.gz".into(),
        bytes: gz(json!([event(
            a,
            "s3.amazonaws.com",
            "GetObject",
            "2026-10-01T10:00:00Z",
            json!({"eventCategory": "NetworkActivity", "managementEvent": false, "errorCode": "VpceAccessDenied"})
        )])),
    };
    let s = run(vec![f], 1);
    assert!(s.usage.is_empty());
    let cov = &s.coverage.sources[0];
    assert!(
        cov.data_event_services.is_empty(),
        "one VPC endpoint event must not make S3 data observable"
    );
    assert_eq!(cov.records.get("network-activity"), Some(&1));
}
