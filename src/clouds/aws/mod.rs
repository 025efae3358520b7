//! AWS: the IAM policy language, the importers of `aws iam` exports, and
//! CloudTrail.

pub mod args;
pub mod athena;
pub mod catalog;
pub mod cloudtrail;
pub mod collect;
pub mod command;
pub mod credential_report;
pub mod import;
pub mod live;
pub mod policy;
pub mod rules;
pub mod s3;
pub mod unobservable;

/// The account ID of an ARN (`arn:aws:iam::111122223333:user/x`), if any.
pub fn arn_account(arn: &str) -> Option<&str> {
    let acct = arn.split(':').nth(4)?;
    (!acct.is_empty()).then_some(acct)
}

use std::sync::Arc;

use super::{Listing, Names, Provider};
use crate::analysis::rules::Rules;
use crate::catalog::{Catalog, Cloud};
use crate::model::Snapshot;

/// What AWS calls things.
pub static NAMES: Names = Names {
    system: "account",
    system_label: "AWS account",
    logs: "CloudTrail",
    permissions: "actions",
    data_events: true,
};

/// AWS behind the seam.
pub struct Aws;

impl super::Commands for Aws {
    type Import = args::ImportAws;
    type Live = args::LiveAws;

    fn import(run: &super::Run, a: &args::ImportAws) -> Result<Snapshot, crate::exit::Failure> {
        command::import(run, a)
    }

    fn usage(a: &args::LiveAws) -> &super::args::UsageRange {
        &a.range
    }

    fn collect(
        run: &super::Run,
        a: &args::LiveAws,
        range: &crate::time::Range,
    ) -> Result<Snapshot, crate::exit::Failure> {
        collect::collect(run, a, range)
    }
}

impl Provider for Aws {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn names(&self) -> &'static Names {
        &NAMES
    }

    fn catalog(&self) -> Arc<Catalog> {
        catalog::shared()
    }

    fn spells(&self, permission: &str) -> bool {
        permission.contains(':')
    }

    fn rules<'s>(&self, snap: &'s Snapshot, cat: &'s Catalog) -> Box<dyn Rules<'s> + 's> {
        Box::new(rules::AwsRules::new(snap, cat))
    }

    fn listing(&self, pattern: &str) -> Result<Listing, String> {
        if pattern != "*" && !pattern.contains(':') {
            return Err(format!(
                "{pattern:?} is not an action pattern: write SERVICE:ACTION, e.g. s3:Get* or *:List*"
            ));
        }
        let cat = catalog::shared();
        Ok(Listing {
            set: cat.matching(pattern),
            catalog: cat,
            label: pattern.to_string(),
        })
    }

    fn demo(&self, run: &super::Run) -> anyhow::Result<Snapshot> {
        command::demo(run)
    }
}
