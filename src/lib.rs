//! permgap: the cloud permissions gap (granted − used), per identity.
//!
//! Pipeline: `clouds` (import or collect) → `model::Snapshot` →
//! `analysis::audit` → `report::Report` → renderers. See ARCHITECTURE.md.

pub mod analysis;
pub mod catalog;
pub mod cli;
pub mod clouds;
pub mod config;
pub mod demo;
pub mod diff;
pub mod exit;
pub mod gate;
pub mod model;
pub mod progress;
pub mod report;
pub mod time;
