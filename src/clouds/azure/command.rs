//! The commands of Azure: `import azure` and the demo's tenant.

use std::path::{Path, PathBuf};

use anyhow::anyhow;

use super::args::ImportAzure;
use super::import::{self, Files};
use crate::clouds::{InputFile, Run};
use crate::exit::{Failure, usage};
use crate::model::Snapshot;

/// The files a path names: itself, or a folder's `*.json` (sorted).
fn files_of(path: &Path, flag: &str, folders: bool) -> Result<Vec<InputFile>, Failure> {
    if path.is_dir() && folders {
        let mut out: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            })
            .collect();
        out.sort();
        return Ok(out.into_iter().map(InputFile::Path).collect());
    }
    if !path.exists() {
        return Err(usage(anyhow!(
            "{flag} {}: no such file; see `permgap import azure --help` for the az command that writes it",
            path.display()
        )));
    }
    Ok(vec![InputFile::Path(path.to_path_buf())])
}

/// `import azure`: a path that does not exist is a usage error; a file that
/// cannot be read or is not what its flag says is skipped and named.
pub fn import(run: &Run, a: &ImportAzure) -> Result<Snapshot, Failure> {
    let all = |paths: &[PathBuf], flag: &str, folders: bool| -> Result<Vec<InputFile>, Failure> {
        let mut out = Vec::new();
        for p in paths {
            out.extend(files_of(p, flag, folders)?);
        }
        Ok(out)
    };
    let files = Files {
        assignments: all(&a.role_assignments, "--role-assignments", false)?,
        definitions: all(&a.role_definitions, "--role-definitions", false)?,
        denies: all(&a.deny_assignments, "--deny-assignments", false)?,
        operations: all(&a.operations, "--operations", false)?,
        principals: all(&a.principals, "--principals", false)?,
        entities: all(&a.management_groups, "--management-groups", false)?,
        activity: all(&a.activity_log, "--activity-log", true)?,
    };
    Ok(import::import(&files, run.threads))
}

/// The demo organization's Azure tenant.
pub fn demo(run: &Run) -> Snapshot {
    import::import(&crate::demo::azure_files(), run.threads)
}
