//! CloudTrail log files to usage: which identity called which IAM action,
//! when, how often.
//!
//! Record shape: CloudTrail User Guide, "CloudTrail record contents" and
//! "CloudTrail userIdentity element". Files are `{"Records":[...]}`, plain or
//! gzipped, in the `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`
//! layout; digest and insight files beside them are not logs and are passed
//! over.
//!
//! Rules, each tested:
//! - the event's IAM action comes from [`EventMapper`] (event source to IAM
//!   prefix, API version suffixes, documented exceptions);
//! - an `AssumedRole` session counts for its role
//!   (`sessionContext.sessionIssuer.arn`), a federated user for its IAM user;
//! - an event with an access-denied `errorCode` is an attempt, not use (it
//!   still shows the identity is alive); other errors count as use, since
//!   the call passed authorization; a failed console sign-in is neither;
//! - events by AWS services (`userIdentity.type` `AWSService`) and by the
//!   root user are nobody's use; events by identities of accounts that were
//!   not imported are counted apart; events by an identity of an imported
//!   account that is missing from its authorization details are skipped and
//!   named (the result is partial).
//!
//! Its parts: [`mapping`] (event to IAM actions), [`principal`] (whose use
//! it is), [`select`] (which files to open), [`read`] (records to usage).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;
use serde::Deserialize;

use super::arn_account;
use crate::catalog::Catalog;
use crate::clouds::InputFile;
use crate::model::{
    Activity, ActivityKind, EvidenceSource, Skipped, Snapshot, SourceCoverage, SourceKind,
    UsageRecord,
};

mod mapping;
mod principal;
mod read;
mod select;

pub use mapping::*;
pub use principal::*;
pub use read::*;
pub use select::*;

#[cfg(test)]
mod tests;
