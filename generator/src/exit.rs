//! The one exit contract of every `gen` command (docs/contract.md): a command returns an
//! [`Exit`] or a [`GenError`], and `main` turns either into the process status.

use std::path::PathBuf;
use std::process::ExitCode;

/// How a command ended when it ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing non-compliant, or the change is done (status 0).
    Clean,
    /// Something is NON_COMPLIANT (status 1).
    NonCompliant,
    /// It ran, but something could not be evaluated, imported or reached; what could be is
    /// reported and the rest named on stderr (status 2).
    Failed,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Clean => ExitCode::SUCCESS,
            Exit::NonCompliant => ExitCode::from(1),
            Exit::Failed => ExitCode::from(2),
        }
    }
}

/// Why a command stopped (status 2). Where the cause is an error value (I/O, JSON) the variant
/// keeps it as its `source`; AWS and build failures are sentences that already name the
/// operation, the account and region, and the SDK error's whole chain
/// (`guardrails_core::aws::error_text`).
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Flags or input files the command cannot use.
    #[error("{0}")]
    Input(String),
    /// What must hold before anything changes (organization, trusted access, binaries).
    #[error("{0}")]
    Precondition(String),
    /// An AWS call or a stack operation failed.
    #[error("{0}")]
    Aws(String),
    /// A build step (cargo, zig) failed.
    #[error("{0}")]
    Build(String),
    /// Changes are pending and nobody agreed to them.
    #[error("{0}")]
    NotConfirmed(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An input file (or `-`, standard input) that cannot be read.
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An input that is not the JSON it must be; `what` says what it must be.
    #[error("{what}: {source}")]
    NotJson {
        what: String,
        source: serde_json::Error,
    },
}

/// Write a command's report to stdout (a closed pipe is an error, not a panic).
pub fn write_stdout(text: &str) -> Result<(), GenError> {
    use std::io::Write;
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|source| GenError::Write {
            path: "standard output".into(),
            source,
        })
}

/// Print one line of a command's progress on stdout (`say!`). A reader that went away
/// (`gen deploy … | head -1`) ends the output, never the command: a deploy stopped half way
/// because nobody read its log would leave the organization half changed.
pub fn say(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// `println!` through [`say`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::exit::say(format_args!($($arg)*))
    };
}

/// Print a command's error as `gen COMMAND: message` and give its status.
pub fn finish(command: &str, result: Result<Exit, GenError>) -> ExitCode {
    match result {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("gen {command}: {error}");
            Exit::Failed.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_contract() {
        assert_eq!(ExitCode::from(Exit::Clean), ExitCode::SUCCESS);
        assert_eq!(ExitCode::from(Exit::NonCompliant), ExitCode::from(1));
        assert_eq!(ExitCode::from(Exit::Failed), ExitCode::from(2));
        assert_eq!(
            finish("x", Err(GenError::Input("bad".into()))),
            ExitCode::from(2)
        );
    }

    #[test]
    fn an_error_value_stays_the_source() {
        use std::error::Error;
        let read = GenError::Read {
            what: "the scan",
            path: "scan.json".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(
            read.to_string(),
            "cannot read the scan scan.json: entity not found"
        );
        assert!(read.source().is_some_and(|s| s.is::<std::io::Error>()));
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        let not_json = GenError::NotJson {
            what: "the scan is not JSON".into(),
            source: json,
        };
        assert!(not_json
            .source()
            .is_some_and(|s| s.is::<serde_json::Error>()));
    }
}
