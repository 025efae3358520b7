//! What the integration tests share: running the built binary in a
//! directory, with the environment that would change its output cleared.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `permgap ARGS` in `dir`, without `NO_COLOR` (colour is decided by flags).
pub fn permgap_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_permgap"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .expect("run permgap")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
