//! The built-in demo organisation: AWS, GCP and Azure exports embedded in
//! the binary (`fixtures/demo/<cloud>`, made by `scripts/gen_demo_<cloud>.py`).

use include_dir::{Dir, include_dir};

use crate::clouds::InputFile;

static DEMO_AWS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo/aws");
static DEMO_GCP: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo/gcp");
static DEMO_AZURE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo/azure");

/// The demo's Azure tenant (`fixtures/demo/azure`, made by
/// `scripts/gen_demo_azure.py`): each `az` export by the flag it stands for.
pub fn azure_files() -> crate::clouds::azure::import::Files {
    let file = |f: &'static include_dir::File<'static>| InputFile::Embedded {
        name: format!(
            "demo/azure/{}",
            f.path().to_string_lossy().replace('\\', "/")
        ),
        bytes: f.contents(),
    };
    let one = |p: &str| {
        DEMO_AZURE
            .get_file(p)
            .map(file)
            .into_iter()
            .collect::<Vec<_>>()
    };
    let all = |d: &str| {
        let mut v: Vec<InputFile> = DEMO_AZURE
            .get_dir(d)
            .map(|d| d.files().map(file).collect())
            .unwrap_or_default();
        v.sort_by_key(InputFile::display);
        v
    };
    crate::clouds::azure::import::Files {
        assignments: all("role-assignments"),
        eligible: all("eligible"),
        definitions: one("role-definitions.json"),
        denies: one("deny-assignments.json"),
        operations: Vec::new(),
        principals: one("principals.json"),
        entities: one("management-groups.json"),
        activity: all("activity-log"),
    }
}

/// The demo's GCP export folder (`fixtures/demo/gcp`, made by
/// `scripts/gen_demo_gcp.py`): each file with its path inside the folder.
pub fn gcp_files() -> Vec<(String, InputFile)> {
    let mut out = Vec::new();
    fn walk(d: &'static Dir<'static>, out: &mut Vec<(String, InputFile)>) {
        for f in d.files() {
            let p = f.path().to_string_lossy().replace('\\', "/");
            out.push((
                p.clone(),
                InputFile::Embedded {
                    name: format!("demo/gcp/{p}"),
                    bytes: f.contents(),
                },
            ));
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    walk(&DEMO_GCP, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The audit time of the demo's data.
pub const DEMO_AS_OF: &str = "2026-11-01T00:00:00Z";

fn embedded(path: &str) -> Option<InputFile> {
    DEMO_AWS.get_file(path).map(|f| InputFile::Embedded {
        name: format!("demo/aws/{path}"),
        bytes: f.contents(),
    })
}

pub fn authorization_details() -> Option<InputFile> {
    embedded("authorization-details.json")
}

pub fn credential_report() -> Option<InputFile> {
    embedded("credential-report.csv")
}

/// The demo's CloudTrail files, in path order.
pub fn cloudtrail() -> Vec<InputFile> {
    let mut out = Vec::new();
    fn walk(d: &'static Dir<'static>, out: &mut Vec<InputFile>) {
        for f in d.files() {
            let p = f.path().to_string_lossy();
            if p.ends_with(".json.gz") || p.ends_with(".json") {
                out.push(InputFile::Embedded {
                    name: format!("demo/aws/{p}"),
                    bytes: f.contents(),
                });
            }
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    if let Some(ct) = DEMO_AWS.get_dir("cloudtrail") {
        walk(ct, &mut out);
    }
    out.sort_by_key(InputFile::display);
    out
}
