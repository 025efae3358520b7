//! The exit codes, documented in the README. Chosen here and nowhere else:
//! a command, and a cloud's import or collection under it, ends in a
//! [`Failure`] that carries its code.

/// The exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Complete result.
    Ok = 0,
    /// `check` found the gap over a threshold.
    GateFailed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// Collection failed, or the result is partial.
    Partial = 3,
}

/// An error and the exit code it maps to. From any other error, a failed
/// collection (3).
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub error: anyhow::Error,
}

/// A usage error (2): a path that does not exist, a bad argument.
pub fn usage(error: anyhow::Error) -> Failure {
    Failure {
        exit: Exit::Usage,
        error,
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure {
            exit: Exit::Partial,
            error,
        }
    }
}
