//! Analysis on small hand-built snapshots: group inheritance, Deny across an
//! identity's own and its groups' policies, the window, unobservable,
//! inactivity and the findings each case raises.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{AuditConfig, audit};
use crate::catalog::Cloud;
use crate::clouds::aws::catalog::catalog;
use crate::model::{
    Activity, ActivityKind, EvidenceSource, Grant, Identity, IdentityKind, Policy, PolicyKind,
    Snapshot, SourceCoverage, SourceKind, System, UsageRecord,
};

const ACCT: &str = "123456789012";

fn t(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn cfg() -> AuditConfig {
    AuditConfig::new(t("2026-11-01T00:00:00Z"), 90)
}

fn policy(name: &str, doc: Value) -> Policy {
    Policy {
        id: format!("arn:aws:iam::{ACCT}:policy/{name}"),
        cloud: Cloud::Aws,
        name: name.into(),
        kind: PolicyKind::CustomerManaged,
        document: doc,
        origin: None,
    }
}

fn identity(kind: &str, name: &str, policies: &[&str], groups: &[&str]) -> Identity {
    Identity {
        id: format!("arn:aws:iam::{ACCT}:{kind}/{name}"),
        cloud: Cloud::Aws,
        system: ACCT.into(),
        name: name.into(),
        kind: if kind == "group" {
            IdentityKind::Group
        } else if kind == "role" {
            IdentityKind::Role
        } else {
            IdentityKind::User
        },
        created: Some(t("2025-01-01T00:00:00Z")),
        human: None,
        member_of: groups
            .iter()
            .map(|g| format!("arn:aws:iam::{ACCT}:group/{g}"))
            .collect(),
        grants: policies
            .iter()
            .map(|p| Grant {
                policy: format!("arn:aws:iam::{ACCT}:policy/{p}"),
                scope: ACCT.into(),
                condition: None,
                eligible: false,
            })
            .collect(),
        boundary: None,
        trusted_by: vec![],
        provider_managed: false,
    }
}

fn used(who: &str, perm: &str, first: &str, last: &str) -> UsageRecord {
    UsageRecord {
        identity: format!("arn:aws:iam::{ACCT}:{who}"),
        permission: perm.into(),
        source: EvidenceSource::AwsCloudtrail,
        scope: None,
        first_seen: t(first),
        last_seen: t(last),
        count: 1,
    }
}

fn activity(who: &str, last: &str) -> Activity {
    Activity {
        identity: format!("arn:aws:iam::{ACCT}:{who}"),
        kind: ActivityKind::ApiCall,
        source: EvidenceSource::AwsCloudtrail,
        first_seen: Some(t(last)),
        last_seen: t(last),
        count: 1,
    }
}

fn snapshot(with_cloudtrail: bool) -> Snapshot {
    let mut s = Snapshot::new();
    s.systems.push(System {
        cloud: Cloud::Aws,
        id: ACCT.into(),
        name: None,
        scp_levels: Vec::new(),
        ancestors: Vec::new(),
        audit_log_configs: Vec::new(),
    });
    s.policies.push(policy("S3Read", json!({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]})));
    s.policies.push(policy(
        "IamAdmin",
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}),
    ));
    s.policies.push(policy(
        "NoDeletes",
        json!({"Statement": [{"Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"}]}),
    ));
    s.identities
        .push(identity("group", "readers", &["S3Read"], &[]));
    s.identities.push(identity(
        "user",
        "ann",
        &["IamAdmin", "NoDeletes"],
        &["readers"],
    ));
    s.identities
        .push(identity("user", "bob", &[], &["readers"]));
    s.identities
        .push(identity("role", "idle", &["S3Read"], &[]));
    s.usage.push(used(
        "user/ann",
        "iam:ListUsers",
        "2026-10-01T00:00:00Z",
        "2026-10-02T00:00:00Z",
    ));
    s.usage.push(used(
        "user/ann",
        "s3:ListAllMyBuckets",
        "2026-09-01T00:00:00Z",
        "2026-09-01T00:00:00Z",
    ));
    // Before the window: not use.
    s.usage.push(used(
        "user/bob",
        "s3:GetBucketAcl",
        "2026-05-01T00:00:00Z",
        "2026-05-02T00:00:00Z",
    ));
    s.activity
        .push(activity("user/ann", "2026-10-02T00:00:00Z"));
    s.activity
        .push(activity("user/bob", "2026-10-20T00:00:00Z"));
    s.activity
        .push(activity("role/idle", "2026-06-01T00:00:00Z"));
    if with_cloudtrail {
        let mut c = SourceCoverage::new(SourceKind::AwsCloudtrailFiles, "ct");
        c.system = Some(ACCT.into());
        c.first_event = Some(t("2026-05-01T00:00:00Z"));
        c.last_event = Some(t("2026-10-31T00:00:00Z"));
        c.management_events = true;
        s.coverage.sources.push(c);
    }
    s.normalize();
    s
}

fn find<'a>(a: &'a super::Audit, name: &str) -> &'a super::IdentityAudit {
    a.identities.iter().find(|i| i.name == name).expect(name)
}

fn has(set: &crate::catalog::PermSet, perm: &str) -> bool {
    set.contains(catalog().lookup(perm).expect(perm))
}

fn ids(i: &super::IdentityAudit) -> Vec<&str> {
    i.findings.iter().map(|f| f.kind.id).collect()
}

#[test]
fn group_policies_reach_members_and_own_denies_apply() {
    let a = audit(&snapshot(true), catalog(), &cfg());
    let cat = catalog();
    let ann = find(&a, "ann");
    let bob = find(&a, "bob");
    // Groups never act: they are not audited.
    assert!(a.identities.iter().all(|i| i.kind != IdentityKind::Group));
    // bob holds exactly the group's grant.
    let mut s3 = cat.matching("s3:Get*");
    s3.union_with(&cat.matching("s3:List*"));
    assert_eq!(bob.granted, s3);
    // ann: own IAM admin + group's S3 reads, minus her own Deny of iam:Delete*.
    let mut expected = cat.matching("iam:*");
    expected.difference_with(&cat.matching("iam:Delete*"));
    expected.union_with(&s3);
    assert_eq!(ann.granted, expected);
    assert!(!has(&ann.granted, "iam:DeleteUser"));
    // Per-policy use, with the group named.
    let via: Vec<(&str, Option<&str>, usize)> = ann
        .policies
        .iter()
        .map(|p| (p.name.as_str(), p.via.as_deref(), p.used))
        .collect();
    assert!(via.contains(&("S3Read", Some("arn:aws:iam::123456789012:group/readers"), 1)));
}

#[test]
fn the_window_and_the_gap_add_up() {
    let a = audit(&snapshot(true), catalog(), &cfg());
    let ann = find(&a, "ann");
    let bob = find(&a, "bob");
    assert_eq!(ann.used.count_ones(..), 2);
    assert_eq!(
        bob.used.count_ones(..),
        0,
        "use before the window is not use"
    );
    for i in &a.identities {
        assert_eq!(
            i.granted.count_ones(..),
            i.used.count_ones(..) + i.unused.count_ones(..) + i.unobservable.count_ones(..),
            "{}",
            i.name
        );
    }
    // s3:GetObject is a data event and the logs hold none: unobservable, never unused.
    assert!(has(&bob.unobservable, "s3:GetObject"));
    assert!(!has(&bob.unused, "s3:GetObject"));
    assert!(has(&bob.unused, "s3:GetBucketAcl"));
}

#[test]
fn findings_follow_activity_and_risk() {
    let a = audit(&snapshot(true), catalog(), &cfg());
    let ann = ids(find(&a, "ann"));
    assert!(ann.contains(&"unused-high-risk-permissions"), "{ann:?}");
    assert!(
        !ann.contains(&"super-identity"),
        "its Deny removes IAM deletes: not full IAM write"
    );
    assert!(!ann.contains(&"inactive-identity"));
    let idle = ids(find(&a, "idle"));
    assert!(idle.contains(&"inactive-identity"), "{idle:?}");
    assert!(!idle.contains(&"over-provisioned-identity"));
    let bob = ids(find(&a, "bob"));
    assert!(bob.contains(&"unused-attached-policy"), "{bob:?}");
}

#[test]
fn without_a_usage_source_nothing_is_unused() {
    let a = audit(&snapshot(false), catalog(), &cfg());
    for i in &a.identities {
        assert_eq!(i.unused.count_ones(..), 0, "{}", i.name);
        assert_eq!(i.pci, 0);
        assert!(!ids(i).contains(&"unused-high-risk-permissions"));
    }
    assert!(
        a.coverage
            .warnings
            .iter()
            .any(|w| w.message.contains("no CloudTrail covers this account"))
    );
}

#[test]
fn full_iam_write_is_a_super_identity() {
    let mut s = snapshot(true);
    s.identities
        .push(identity("user", "root-ish", &["IamAdmin"], &[]));
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    assert!(ids(find(&a, "root-ish")).contains(&"super-identity"));
}

#[test]
fn audit_is_deterministic() {
    let s = snapshot(true);
    let r1 = crate::report::Report::build(
        audit(&s, catalog(), &cfg()),
        &crate::catalog::Catalogs::aws(),
    );
    let r2 = crate::report::Report::build(
        audit(&s, catalog(), &cfg()),
        &crate::catalog::Catalogs::aws(),
    );
    assert_eq!(
        serde_json::to_string(&r1).ok(),
        serde_json::to_string(&r2).ok()
    );
}

#[test]
fn a_policy_of_unobservable_permissions_is_not_called_unused() {
    let mut s = snapshot(true);
    s.policies.push(policy("Objects", json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"], "Resource": "*"}]})));
    s.identities
        .push(identity("user", "carl", &["Objects", "S3Read"], &[]));
    s.activity
        .push(activity("user/carl", "2026-10-10T00:00:00Z"));
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    let carl = find(&a, "carl");
    let flagged: Vec<&str> = carl
        .findings
        .iter()
        .filter_map(|f| f.policy.as_deref())
        .collect();
    assert_eq!(
        flagged,
        ["arn:aws:iam::123456789012:policy/S3Read"],
        "only the policy with observable grants"
    );
}

#[test]
fn provider_managed_roles_get_no_finding_to_change_them() {
    let mut s = snapshot(true);
    let mut slr = identity("role", "AWSServiceRoleForX", &["IamAdmin"], &[]);
    slr.provider_managed = true;
    s.identities.push(slr);
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    assert!(find(&a, "AWSServiceRoleForX").findings.is_empty());
}

#[test]
fn last_activity_never_passes_the_audit_time() {
    let mut s = snapshot(true);
    s.activity.push(Activity {
        first_seen: Some(t("2026-10-30T00:00:00Z")),
        ..activity("role/idle", "2026-12-01T00:00:00Z")
    });
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    assert_eq!(
        find(&a, "idle").last_activity,
        Some(t("2026-11-01T00:00:00Z"))
    );
}

#[test]
fn order_of_the_snapshot_does_not_matter_once_normalized() {
    let s = snapshot(true);
    let mut r = s.clone();
    r.identities.reverse();
    r.policies.reverse();
    r.normalize();
    let a = crate::report::Report::build(
        audit(&s, catalog(), &cfg()),
        &crate::catalog::Catalogs::aws(),
    );
    let b = crate::report::Report::build(
        audit(&r, catalog(), &cfg()),
        &crate::catalog::Catalogs::aws(),
    );
    assert_eq!(
        serde_json::to_string(&a).ok(),
        serde_json::to_string(&b).ok()
    );
}

#[test]
fn service_control_policies_cap_the_account_but_not_service_linked_roles() {
    let mut s = snapshot(true);
    let mut scp = policy(
        "DenyIamDeletes",
        json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:Delete*", "s3:List*"], "Resource": "*"}
        ]}),
    );
    scp.kind = PolicyKind::ServiceControl;
    let id = scp.id.clone();
    s.policies.push(scp);
    s.systems[0].scp_levels = vec![vec![id]];
    let mut slr = identity("role", "AWSServiceRoleForY", &["S3Read"], &[]);
    slr.provider_managed = true;
    s.identities.push(slr);
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    let bob = find(&a, "bob");
    assert!(
        !has(&bob.granted, "s3:ListBucket"),
        "the SCP denies s3:List*"
    );
    assert!(has(&bob.granted, "s3:GetObject"));
    assert!(has(
        &find(&a, "AWSServiceRoleForY").granted,
        "s3:ListBucket"
    ));
}

#[test]
fn access_advisor_service_evidence_combines_with_cloudtrail() {
    use crate::model::ServiceAccess;
    let mut s = snapshot(true);
    let sa = |who: &str, svc: &str, t: Option<&str>| ServiceAccess {
        identity: format!("arn:aws:iam::{ACCT}:{who}"),
        service: svc.into(),
        last_accessed: t.map(|x| x.parse().expect("time")),
        source: EvidenceSource::AwsAccessAdvisor,
    };
    // bob: S3 not accessed for a year; the idle role: S3 accessed last week.
    s.service_access
        .push(sa("user/bob", "s3", Some("2025-09-01T00:00:00Z")));
    s.service_access
        .push(sa("role/idle", "s3", Some("2026-10-25T00:00:00Z")));
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    let bob = find(&a, "bob");
    // Data-event actions CloudTrail cannot see are now proven unused.
    assert!(has(&bob.unused, "s3:GetObject"));
    assert!(!has(&bob.unobservable, "s3:GetObject"));
    let idle = find(&a, "idle");
    // Accessed in the window: neither used nor unused by itself...
    assert!(has(&idle.unobservable, "s3:GetObject"));
    assert!(!has(&idle.used, "s3:GetObject"));
    // ...but it is activity: the role is not inactive.
    assert!(idle.active_in_window);
    assert!(!ids(idle).contains(&"inactive-identity"));
    for i in &a.identities {
        assert_eq!(
            i.granted.count_ones(..),
            i.used.count_ones(..) + i.unused.count_ones(..) + i.unobservable.count_ones(..)
        );
    }
}

#[test]
fn a_last_used_date_proves_dormancy_without_logs() {
    // No CloudTrail: nothing is unused, but a credential report's or a
    // role's last-used date before the window still makes it inactive.
    let mut s = snapshot(false);
    s.activity.push(Activity {
        kind: ActivityKind::RoleLastUsed,
        source: EvidenceSource::AwsAuthorizationDetails,
        ..activity("role/idle", "2026-03-01T00:00:00Z")
    });
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    let idle = find(&a, "idle");
    assert_eq!(idle.unused.count_ones(..), 0);
    assert!(ids(idle).contains(&"inactive-identity"), "{:?}", ids(idle));
}

/// LookupEvents answered for the account over the whole window and found
/// no event: the account is observed (nothing was used), so a dormant
/// identity is inactive and its permissions are unused, and no warning
/// says that no CloudTrail covers it or that the logs start late.
#[test]
fn an_empty_answer_over_the_window_is_evidence_of_no_use() {
    let mut s = snapshot(false);
    s.usage.clear();
    s.activity.clear();
    let mut c = SourceCoverage::new(SourceKind::AwsCloudtrailLookup, "cloudtrail:LookupEvents");
    c.system = Some(ACCT.into());
    c.answered_from = Some(t("2026-08-01T00:00:00Z"));
    c.answered_to = Some(t("2026-11-01T00:00:00Z"));
    s.coverage.sources.push(c);
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    let idle = find(&a, "idle");
    assert!(ids(idle).contains(&"inactive-identity"), "{:?}", ids(idle));
    assert!(idle.unused.count_ones(..) > 0);
    assert!(a.coverage.warnings.is_empty(), "{:?}", a.coverage.warnings);
}

/// A use with a scope beside uses without one (a cloud that records both):
/// the per-policy counts keep the unscoped uses.
#[test]
fn scoped_use_beside_unscoped_use_keeps_both_in_the_policy_counts() {
    let mut s = snapshot(true);
    let mut at = used(
        "user/ann",
        "iam:GetUser",
        "2026-10-03T00:00:00Z",
        "2026-10-03T00:00:00Z",
    );
    at.scope = Some("somewhere".into());
    s.usage.push(at);
    s.normalize();
    let a = audit(&s, catalog(), &cfg());
    let ann = find(&a, "ann");
    let uses: Vec<(&str, usize)> = ann
        .policies
        .iter()
        .map(|p| (p.name.as_str(), p.used))
        .collect();
    // IamAdmin: iam:ListUsers (no scope) and iam:GetUser (a scope);
    // S3Read through the group: s3:ListAllMyBuckets (no scope).
    assert!(uses.contains(&("IamAdmin", 2)), "{uses:?}");
    assert!(uses.contains(&("S3Read", 1)), "{uses:?}");
    assert!(has(&ann.used, "iam:GetUser") && has(&ann.used, "iam:ListUsers"));
}
