//! What CloudTrail cannot see.
//!
//! - **Data events** are logged only when a trail asks for them (CloudTrail
//!   User Guide, "Logging data events", table of data event resource types).
//!   When the logs of an account hold no data event of a service, that
//!   service's data actions are unobservable there.
//! - **Never-logged actions** ([`NEVER_LOGGED`]): data-plane authorizations.
//! - **Permission-only actions** authorize something without being an API
//!   call of their own: `iam:PassRole` is checked when a role is handed to a
//!   service (CloudTrail logs the `RunInstances` or `CreateFunction` that
//!   handed it), `sts:TagSession` and `sts:SetSourceIdentity` are checked
//!   inside `AssumeRole` (IAM User Guide, "Passing session tags in AWS STS",
//!   "Monitor and control actions taken with assumed roles").

use crate::catalog::{Catalog, PermSet};

/// Data-event actions by IAM prefix, beyond the S3 rule below.
/// Source: CloudTrail User Guide, "Logging data events" (resource types
/// AWS::Lambda::Function, AWS::DynamoDB::Table, AWS::DynamoDB::Stream,
/// AWS::SNS::Topic, AWS::SQS::Queue, AWS::Kinesis::Stream,
/// AWS::EC2::Snapshot for the EBS direct APIs, AWS::S3ObjectLambda::AccessPoint).
pub const DATA_EVENT_ACTIONS: &[(&str, &[&str])] = &[
    ("lambda", &["InvokeFunction", "InvokeAsync"]),
    (
        "dynamodb",
        &[
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchGetItem",
            "BatchWriteItem",
            "Query",
            "Scan",
            "ConditionCheckItem",
            "PartiQLSelect",
            "PartiQLInsert",
            "PartiQLUpdate",
            "PartiQLDelete",
            "GetRecords",
            "GetShardIterator",
        ],
    ),
    ("sns", &["Publish"]),
    (
        "sqs",
        &[
            "SendMessage",
            "ReceiveMessage",
            "DeleteMessage",
            "ChangeMessageVisibility",
        ],
    ),
    (
        "kinesis",
        &[
            "PutRecord",
            "PutRecords",
            "GetRecords",
            "GetShardIterator",
            "SubscribeToShard",
        ],
    ),
    (
        "ebs",
        &[
            "ListSnapshotBlocks",
            "ListChangedBlocks",
            "GetSnapshotBlock",
            "PutSnapshotBlock",
            "StartSnapshot",
            "CompleteSnapshot",
        ],
    ),
    ("s3-object-lambda", &["*"]),
];

/// S3 bucket-level listing calls that CloudTrail logs as data events
/// (Amazon S3 User Guide, "Amazon S3 CloudTrail events": ListObjects,
/// ListObjectVersions, ListMultipartUploads are data events).
pub const S3_DATA_LISTS: &[&str] = &[
    "ListBucket",
    "ListBucketVersions",
    "ListBucketMultipartUploads",
];

/// Permission-only actions: never recorded as an event of their own.
pub const PERMISSION_ONLY: &[&str] = &[
    "iam:PassRole",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

/// Data-plane authorizations that CloudTrail never records, whatever the
/// trail: each service's "Logging ... API calls using AWS CloudTrail" page
/// covers its management API only. API Gateway `execute-api` (invoking an
/// API), RDS IAM database authentication (`rds-db:connect`), EFS client
/// access (NFS mounts), OpenSearch HTTP requests, the AWS IoT message
/// broker, AppSync GraphQL requests, MSK and Neptune IAM data access, and
/// Session Manager's data channels.
pub const NEVER_LOGGED: &[&str] = &[
    "execute-api:Invoke",
    "execute-api:ManageConnections",
    "execute-api:InvalidateCache",
    "rds-db:connect",
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
    "es:ESHttp*",
    "iot:Connect",
    "iot:Publish",
    "iot:Subscribe",
    "iot:Receive",
    "iot:RetainPublish",
    "appsync:GraphQL",
    "kafka-cluster:*",
    "neptune-db:*",
    "ssmmessages:*",
];

/// The data-event actions of one service (`s3`: every action on the object
/// resource type, plus the listing calls).
pub fn data_actions(cat: &Catalog, prefix: &str) -> PermSet {
    let mut set = cat.empty_set();
    if prefix == "s3"
        && let Some(svc) = cat.service("s3")
    {
        {
            for i in svc.range.clone() {
                let p = &cat.perms[i];
                if p.resource_types
                    .iter()
                    .any(|r| r.trim_end_matches('*') == "object")
                    || S3_DATA_LISTS.contains(&p.name.as_str())
                {
                    set.insert(i);
                }
            }
        }
    }
    for (svc, acts) in DATA_EVENT_ACTIONS.iter().filter(|(s, _)| *s == prefix) {
        for a in *acts {
            cat.add_matching(&format!("{svc}:{a}"), &mut set);
        }
    }
    set
}

/// Services with data-event actions.
pub fn data_event_services() -> impl Iterator<Item = &'static str> {
    std::iter::once("s3").chain(DATA_EVENT_ACTIONS.iter().map(|(s, _)| *s))
}

/// The audit of every service's CloudTrail host (`cloudtrail_hosts.tsv`).
const HOSTS_TSV: &str = include_str!("catalog/cloudtrail_hosts.tsv");

/// Services that no CloudTrail record can credit, by the host audit: those
/// with no host whose reason is that they have no API of their own
/// (permission-only or console-only prefixes, internal services) or that
/// CloudTrail does not log them. A service merely not found in the docs is
/// not among them: its calls may still be logged under its own name.
pub fn unlogged_services() -> impl Iterator<Item = &'static str> {
    HOSTS_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut c = l.split('\t');
            let (prefix, hosts, _, reason) = (c.next()?, c.next()?, c.next()?, c.next()?);
            let reason = reason.to_ascii_lowercase();
            let unlogged = [
                "permission-only",
                "console-only",
                "internal",
                "not an aws api",
                "not logged",
            ]
            .iter()
            .any(|r| reason.starts_with(r));
            (hosts == "-" && unlogged).then_some(prefix)
        })
}

/// Actions no log or report shows as used: permission-only and never-logged
/// actions, and every action of a service CloudTrail never logs.
pub fn never_observable(cat: &Catalog) -> PermSet {
    let mut set = cat.empty_set();
    for a in PERMISSION_ONLY.iter().chain(NEVER_LOGGED) {
        cat.add_matching(a, &mut set);
    }
    for prefix in unlogged_services() {
        if let Some(svc) = cat.service(prefix) {
            set.insert_range(svc.range.clone());
        }
    }
    set
}

/// Actions CloudTrail files cannot show as used, given the services whose
/// data events they hold.
pub fn unobservable_with_cloudtrail(cat: &Catalog, data_services: &[String]) -> PermSet {
    let mut set = cat.empty_set();
    for svc in data_event_services() {
        if !data_services.iter().any(|s| s == svc) {
            set.union_with(&data_actions(cat, svc));
        }
    }
    set.union_with(&never_observable(cat));
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clouds::aws::catalog::catalog;

    #[test]
    fn every_named_action_exists_in_the_catalog() {
        let cat = catalog();
        for (svc, acts) in DATA_EVENT_ACTIONS {
            for a in *acts {
                assert!(
                    cat.matching(&format!("{svc}:{a}")).count_ones(..) > 0,
                    "{svc}:{a}"
                );
            }
        }
        for a in PERMISSION_ONLY {
            assert!(cat.lookup(a).is_some(), "{a}");
        }
        for a in NEVER_LOGGED {
            assert!(cat.matching(a).count_ones(..) > 0, "{a}");
        }
    }

    #[test]
    fn without_data_events_object_reads_are_unobservable() {
        let cat = catalog();
        let u = unobservable_with_cloudtrail(cat, &[]);
        let has = |a: &str| u.contains(cat.lookup(a).expect(a));
        assert!(has("s3:GetObject"));
        assert!(has("s3:PutObject"));
        assert!(has("s3:ListBucket"));
        assert!(has("lambda:InvokeFunction"));
        assert!(has("dynamodb:GetItem"));
        assert!(has("iam:PassRole"));
        assert!(has("rds-db:connect"), "never logged");
        assert!(has("execute-api:Invoke"), "never logged");
        assert!(
            !has("s3:CreateBucket"),
            "bucket management is a management event"
        );
        assert!(!has("s3:ListAllMyBuckets"));
        assert!(!has("dynamodb:CreateTable"));
    }

    #[test]
    fn data_events_of_a_service_make_it_observable() {
        let cat = catalog();
        let u = unobservable_with_cloudtrail(cat, &["s3".to_string()]);
        assert!(!u.contains(cat.lookup("s3:GetObject").expect("s3:GetObject")));
        assert!(u.contains(cat.lookup("lambda:InvokeFunction").expect("invoke")));
        assert!(
            u.contains(cat.lookup("iam:PassRole").expect("passrole")),
            "never observable"
        );
    }

    /// The host audit's permission-only, console-only and not-logged
    /// services are unobservable whole; one merely not found in the docs is
    /// not.
    #[test]
    fn services_cloudtrail_never_logs_are_unobservable() {
        let cat = catalog();
        let unlogged: Vec<&str> = unlogged_services().collect();
        for p in [
            "arsenal",
            "vpce",
            "execute-api",
            "rds-db",
            "aws-marketplace-management",
        ] {
            assert!(unlogged.contains(&p), "{p} in {unlogged:?}");
        }
        assert!(
            !unlogged.contains(&"ts"),
            "not found in docs is not unlogged"
        );
        assert!(!unlogged.contains(&"s3"));
        let u = never_observable(cat);
        let svc = cat.service("arsenal").expect("arsenal");
        assert!(svc.range.clone().all(|i| u.contains(i)));
        assert!(!u.contains(cat.lookup("ts:StartExecution").expect("ts")));
    }
}
