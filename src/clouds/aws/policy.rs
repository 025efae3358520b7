//! The IAM policy language, as AWS evaluates identity policies and
//! permissions boundaries, at the granularity of actions.
//!
//! A document is parsed into statements, then evaluated over the catalog into
//! four sets ([`EvaluatedPolicy`]): what it allows unconditionally, what it
//! allows only under a condition, what it denies outright, and what it denies
//! only in part (under a condition or for some resources). Resource-scoped
//! Allows still grant the action: the permission is held, on fewer resources.
//! A Deny removes an action only when it is unconditional and covers every
//! resource; a narrower Deny leaves the action granted and marks it
//! conditional.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Catalog, PermSet};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the document is not valid JSON: {0}")]
    Json(String),
    #[error("the document is neither a JSON object nor a (URL-encoded) JSON string")]
    NotADocument,
    #[error("the document has no Statement")]
    NoStatement,
    #[error("statement {0}: Effect must be \"Allow\" or \"Deny\", found {1}")]
    BadEffect(String, String),
    #[error("statement {0}: it has neither Action nor NotAction")]
    NoAction(String),
    #[error("statement {0}: it has both {1} and Not{1}")]
    Both(String, &'static str),
    #[error("statement {0}: {1} must be a string or a list of strings")]
    BadType(String, &'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Effect {
    Allow,
    Deny,
}

/// A list of action or resource patterns, or its `Not` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    pub negated: bool,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`, or the statement's position (`#1`) when it has none.
    pub label: String,
    pub effect: Effect,
    pub actions: Patterns,
    /// `None` when the statement names no resource (read as every resource).
    pub resources: Option<Patterns>,
    pub conditional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
}

/// Parses a policy document given as a JSON object, a JSON string, or a
/// URL-encoded JSON string (as the IAM API returns documents).
pub fn parse_document(value: &Value) -> Result<PolicyDocument, PolicyError> {
    match value {
        Value::Object(_) => parse_object(value),
        Value::String(s) => parse_text(s),
        _ => Err(PolicyError::NotADocument),
    }
}

/// Parses document text, URL-decoding it first when it is encoded.
pub fn parse_text(text: &str) -> Result<PolicyDocument, PolicyError> {
    let trimmed = text.trim();
    let decoded;
    let json = if trimmed.starts_with('{') {
        trimmed
    } else {
        decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|_| PolicyError::NotADocument)?
            .into_owned();
        if !decoded.trim_start().starts_with('{') {
            return Err(PolicyError::NotADocument);
        }
        decoded.as_str()
    };
    let value: Value = serde_json::from_str(json).map_err(|e| PolicyError::Json(e.to_string()))?;
    parse_object(&value)
}

fn parse_object(value: &Value) -> Result<PolicyDocument, PolicyError> {
    let stmts = value.get("Statement").ok_or(PolicyError::NoStatement)?;
    let list: Vec<&Value> = match stmts {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![stmts],
        _ => return Err(PolicyError::NoStatement),
    };
    let statements = list
        .into_iter()
        .enumerate()
        .map(|(i, s)| parse_statement(i, s))
        .collect::<Result<_, _>>()?;
    Ok(PolicyDocument { statements })
}

fn parse_statement(index: usize, s: &Value) -> Result<Statement, PolicyError> {
    let label = match s.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => sid.to_string(),
        _ => format!("#{}", index + 1),
    };
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => {
            return Err(PolicyError::BadEffect(
                label,
                other.map_or_else(|| "nothing".to_string(), |e| format!("{e:?}")),
            ));
        }
    };
    let actions =
        patterns(&label, s, "Action")?.ok_or_else(|| PolicyError::NoAction(label.clone()))?;
    let resources = patterns(&label, s, "Resource")?;
    let conditional = s
        .get("Condition")
        .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
    Ok(Statement {
        label,
        effect,
        actions,
        resources,
        conditional,
    })
}

/// Reads `Element` or `NotElement` as a string or a list of strings.
fn patterns(
    label: &str,
    s: &Value,
    element: &'static str,
) -> Result<Option<Patterns>, PolicyError> {
    let not = format!("Not{element}");
    let (v, negated) = match (s.get(element), s.get(&not)) {
        (Some(_), Some(_)) => return Err(PolicyError::Both(label.to_string(), element)),
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        (None, None) => return Ok(None),
    };
    let bad = || PolicyError::BadType(label.to_string(), element);
    let items = match v {
        Value::String(x) => vec![x.clone()],
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    Ok(Some(Patterns { negated, items }))
}

/// A document evaluated over a catalog.
#[derive(Debug, Clone)]
pub struct EvaluatedPolicy {
    /// Allowed without condition (on at least some resources).
    pub allow: PermSet,
    /// Allowed only under a condition.
    pub allow_conditional: PermSet,
    /// Denied without condition on every resource.
    pub deny: PermSet,
    /// Denied under a condition or on some resources only.
    pub deny_partial: PermSet,
    /// Action patterns that match nothing in the catalog (sorted, unique).
    pub unknown_actions: Vec<String>,
}

impl EvaluatedPolicy {
    /// Everything the policy allows, under a condition or not, minus its
    /// outright denies: what it can grant, or what a boundary lets through.
    pub fn allowed(&self) -> PermSet {
        let mut s = self.allow.clone();
        s.union_with(&self.allow_conditional);
        s.difference_with(&self.deny);
        s
    }
}

/// The set of actions a statement's `Action`/`NotAction` covers.
fn action_set(cat: &Catalog, p: &Patterns, unknown: &mut Vec<String>) -> PermSet {
    let mut set = cat.empty_set();
    for item in &p.items {
        if cat.add_matching(item, &mut set) == 0 {
            unknown.push(item.clone());
        }
    }
    if p.negated {
        set.toggle_range(..);
    }
    set
}

fn covers_every_resource(r: &Option<Patterns>) -> bool {
    match r {
        None => true,
        Some(p) => !p.negated && p.items.iter().any(|x| x == "*"),
    }
}

pub fn evaluate(doc: &PolicyDocument, cat: &Catalog) -> EvaluatedPolicy {
    let mut out = EvaluatedPolicy {
        allow: cat.empty_set(),
        allow_conditional: cat.empty_set(),
        deny: cat.empty_set(),
        deny_partial: cat.empty_set(),
        unknown_actions: Vec::new(),
    };
    for st in &doc.statements {
        let set = action_set(cat, &st.actions, &mut out.unknown_actions);
        let target = match st.effect {
            Effect::Allow if st.conditional => &mut out.allow_conditional,
            Effect::Allow => &mut out.allow,
            Effect::Deny if !st.conditional && covers_every_resource(&st.resources) => {
                &mut out.deny
            }
            Effect::Deny => &mut out.deny_partial,
        };
        target.union_with(&set);
    }
    out.unknown_actions.sort();
    out.unknown_actions.dedup();
    out
}

pub use crate::analysis::rules::Effective;

/// Combines the identity's policies (its own and its groups') and its
/// optional permissions boundary, as AWS does for identity-based policies:
/// an explicit Deny anywhere wins; a boundary intersects.
pub fn combine<'a>(
    cat: &Catalog,
    policies: impl IntoIterator<Item = &'a EvaluatedPolicy>,
    boundary: Option<&EvaluatedPolicy>,
) -> Effective {
    let mut allow_any = cat.empty_set();
    let mut uncond = cat.empty_set();
    let mut deny = cat.empty_set();
    let mut deny_partial = cat.empty_set();
    for p in policies {
        allow_any.union_with(&p.allow);
        allow_any.union_with(&p.allow_conditional);
        uncond.union_with(&p.allow);
        deny.union_with(&p.deny);
        deny_partial.union_with(&p.deny_partial);
    }
    let mut granted = allow_any.clone();
    granted.difference_with(&deny);
    // Conditional: allowed only under a condition, or narrowed by a partial Deny.
    let mut conditional = allow_any;
    conditional.difference_with(&uncond);
    conditional.union_with(&deny_partial);
    if let Some(b) = boundary {
        granted.intersect_with(&b.allowed());
        let mut b_cond = b.allow_conditional.clone();
        b_cond.difference_with(&b.allow);
        b_cond.union_with(&b.deny_partial);
        conditional.union_with(&b_cond);
    }
    conditional.intersect_with(&granted);
    Effective {
        granted,
        conditional,
    }
}

/// The cap that service control policies put on an account: at every level
/// (root, each OU, the account) an action must be allowed by some SCP
/// attached there and denied by none (AWS Organizations User Guide, "SCP
/// evaluation"). Returns the actions allowed everywhere and those allowed
/// only under a condition somewhere.
pub fn scp_mask<'a>(
    cat: &Catalog,
    levels: impl IntoIterator<Item = Vec<&'a EvaluatedPolicy>>,
) -> Effective {
    let mut granted = cat.full_set();
    let mut conditional = cat.empty_set();
    for level in levels {
        // Allowed by some SCP of the level, denied by none of them.
        let (mut allowed, mut denied) = (cat.empty_set(), cat.empty_set());
        for p in level {
            allowed.union_with(&p.allow);
            allowed.union_with(&p.allow_conditional);
            denied.union_with(&p.deny);
            let mut c = p.allow_conditional.clone();
            c.difference_with(&p.allow);
            c.union_with(&p.deny_partial);
            conditional.union_with(&c);
        }
        allowed.difference_with(&denied);
        granted.intersect_with(&allowed);
    }
    conditional.intersect_with(&granted);
    Effective {
        granted,
        conditional,
    }
}

/// Applies an SCP mask to an identity's effective grant.
pub fn apply_mask(eff: &mut Effective, mask: &Effective) {
    eff.granted.intersect_with(&mask.granted);
    eff.conditional.union_with(&mask.conditional);
    eff.conditional.intersect_with(&eff.granted);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clouds::aws::catalog::catalog;
    use serde_json::json;

    fn eval(v: Value) -> EvaluatedPolicy {
        evaluate(&parse_document(&v).expect("valid policy"), catalog())
    }

    fn has(set: &PermSet, action: &str) -> bool {
        set.contains(catalog().lookup(action).expect(action))
    }

    fn effective(policies: &[Value], boundary: Option<Value>) -> Effective {
        let evald: Vec<_> = policies.iter().cloned().map(eval).collect();
        let b = boundary.map(eval);
        combine(catalog(), evald.iter(), b.as_ref())
    }

    #[test]
    fn string_or_list_and_single_statement_object() {
        let a = eval(
            json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
        );
        assert_eq!(a.allow.count_ones(..), 1);
        let b = eval(
            json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["*"]}]}),
        );
        assert_eq!(b.allow.count_ones(..), 2);
    }

    #[test]
    fn action_names_are_case_insensitive() {
        let a = eval(
            json!({"Statement": [{"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}]}),
        );
        assert!(has(&a.allow, "s3:GetObject"));
        assert!(a.unknown_actions.is_empty());
    }

    #[test]
    fn url_encoded_document_as_the_api_returns_it() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3AListUsers%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let doc = parse_document(&Value::String(encoded.into())).expect("decodes");
        let e = evaluate(&doc, catalog());
        assert!(has(&e.allow, "iam:ListUsers"));
        // A plain JSON string is accepted too.
        let plain = r#"{"Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
        assert!(parse_document(&Value::String(plain.into())).is_ok());
    }

    #[test]
    fn wildcards_across_services() {
        let e = eval(
            json!({"Statement": [{"Effect": "Allow", "Action": ["*:Describe*", "s3:List*"], "Resource": "*"}]}),
        );
        assert!(has(&e.allow, "ec2:DescribeInstances"));
        assert!(has(&e.allow, "rds:DescribeDBInstances"));
        assert!(has(&e.allow, "s3:ListBucket"));
        assert!(!has(&e.allow, "s3:GetObject"));
        assert!(!has(&e.allow, "ec2:RunInstances"));
    }

    #[test]
    fn explicit_deny_with_not_action_removes_everything_else() {
        // Allow all; deny everything except IAM and STS reads: the
        // hand-worked result is exactly the non-denied set.
        let eff = effective(
            &[json!({"Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "NotAction": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], "Resource": "*"}
            ]})],
            None,
        );
        let cat = catalog();
        let expected =
            cat.matching("iam:Get*").count_ones(..) + cat.matching("iam:List*").count_ones(..) + 1;
        assert_eq!(eff.granted.count_ones(..), expected);
        assert!(has(&eff.granted, "iam:GetRole"));
        assert!(!has(&eff.granted, "iam:CreateUser"));
        assert!(!has(&eff.granted, "s3:GetObject"));
        assert_eq!(eff.conditional.count_ones(..), 0);
    }

    #[test]
    fn not_action_allow_grants_all_other_services() {
        // PowerUserAccess's shape.
        let eff = effective(
            &[
                json!({"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}]}),
            ],
            None,
        );
        assert!(has(&eff.granted, "ec2:TerminateInstances"));
        assert!(!has(&eff.granted, "iam:CreateUser"));
        assert!(!has(&eff.granted, "organizations:ListAccounts"));
    }

    #[test]
    fn deny_beats_allow_across_policies() {
        let eff = effective(
            &[
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
                json!({"Statement": [{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}),
            ],
            None,
        );
        assert!(has(&eff.granted, "s3:GetObject"));
        assert!(!has(&eff.granted, "s3:DeleteBucket"));
    }

    #[test]
    fn conditional_deny_or_resource_scoped_deny_narrows_but_does_not_remove() {
        let eff = effective(
            &[json!({"Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
                {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::prod/*"},
                {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::public/*"}
            ]})],
            None,
        );
        for a in ["s3:DeleteBucket", "s3:PutObject", "s3:GetObject"] {
            assert!(has(&eff.granted, a), "{a} stays granted");
            assert!(has(&eff.conditional, a), "{a} is conditional");
        }
        assert!(!has(&eff.conditional, "s3:ListBucket"));
    }

    #[test]
    fn conditional_allow_is_granted_and_marked() {
        let eff = effective(
            &[
                json!({"Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}),
                json!({"Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]}),
            ],
            None,
        );
        assert!(has(&eff.granted, "ec2:RunInstances"));
        assert!(has(&eff.conditional, "ec2:RunInstances"));
        // Also allowed without condition elsewhere: not conditional.
        assert!(!has(&eff.conditional, "ec2:DescribeInstances"));
    }

    #[test]
    fn boundary_intersects() {
        // Policies: s3:* and iam:*; boundary: s3 and cloudwatch only.
        let eff = effective(
            &[
                json!({"Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:*"], "Resource": "*"}]}),
            ],
            Some(
                json!({"Statement": [{"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*"], "Resource": "*"}]}),
            ),
        );
        let cat = catalog();
        assert_eq!(eff.granted, cat.matching("s3:*"));
        assert!(
            !has(&eff.granted, "cloudwatch:PutMetricData"),
            "the boundary grants nothing by itself"
        );
        assert!(!has(&eff.granted, "iam:CreateUser"));
    }

    #[test]
    fn boundary_deny_and_condition() {
        let eff = effective(
            &[json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})],
            Some(json!({"Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
            ]})),
        );
        assert!(has(&eff.granted, "s3:GetObject"));
        assert!(has(&eff.conditional, "s3:GetObject"));
        assert!(!has(&eff.granted, "s3:DeleteBucket"));
    }

    #[test]
    fn unknown_actions_are_reported_not_fatal() {
        let e = eval(
            json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:NoSuchThing", "madeup:*"], "Resource": "*"}]}),
        );
        assert_eq!(e.allow.count_ones(..), 1);
        assert_eq!(
            e.unknown_actions,
            vec!["madeup:*".to_string(), "s3:NoSuchThing".to_string()]
        );
    }

    #[test]
    fn malformed_documents_are_typed_errors() {
        let err = |v: Value| parse_document(&v).expect_err("invalid");
        assert_eq!(
            err(json!({"Version": "2012-10-17"})),
            PolicyError::NoStatement
        );
        assert!(
            matches!(err(json!({"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]})), PolicyError::BadEffect(l, _) if l == "#1")
        );
        assert!(
            matches!(err(json!({"Statement": [{"Sid": "X", "Effect": "Allow", "Resource": "*"}]})), PolicyError::NoAction(l) if l == "X")
        );
        assert!(matches!(
            err(
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]})
            ),
            PolicyError::Both(_, "Action")
        ));
        assert!(matches!(
            err(json!({"Statement": [{"Effect": "Allow", "Action": 7, "Resource": "*"}]})),
            PolicyError::BadType(_, "Action")
        ));
        assert!(matches!(
            parse_document(&Value::String("{not json".into())),
            Err(PolicyError::Json(_))
        ));
        assert_eq!(parse_document(&json!(42)), Err(PolicyError::NotADocument));
    }

    #[test]
    fn scps_cap_every_level_and_deny_anywhere() {
        // Root: FullAWSAccess. OU: deny leaving the org and deleting trails.
        // Account: allow only s3 and cloudtrail.
        let full =
            eval(json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
        let ou_deny = eval(
            json!({"Statement": [{"Effect": "Deny", "Action": ["organizations:LeaveOrganization", "cloudtrail:DeleteTrail"], "Resource": "*"}]}),
        );
        let acct = eval(
            json!({"Statement": [{"Effect": "Allow", "Action": ["s3:*", "cloudtrail:*"], "Resource": "*"}]}),
        );
        let mask = scp_mask(
            catalog(),
            vec![vec![&full], vec![&full, &ou_deny], vec![&acct]],
        );
        assert!(has(&mask.granted, "s3:GetObject"));
        assert!(has(&mask.granted, "cloudtrail:LookupEvents"));
        assert!(
            !has(&mask.granted, "cloudtrail:DeleteTrail"),
            "denied at the OU"
        );
        assert!(
            !has(&mask.granted, "ec2:RunInstances"),
            "not allowed at the account level"
        );
        // An administrator in that account keeps only what the SCPs let through.
        let mut admin = effective(
            &[json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})],
            None,
        );
        apply_mask(&mut admin, &mask);
        assert_eq!(admin.granted, mask.granted);
        // No level at all: nothing is capped.
        assert_eq!(
            scp_mask(catalog(), Vec::<Vec<&EvaluatedPolicy>>::new()).granted,
            catalog().full_set()
        );
    }
}
