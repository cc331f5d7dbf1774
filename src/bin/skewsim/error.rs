//! The command line's one error type: what `main` prints as `error: …`.

use std::fmt;

/// Why a command could not run: exit 2, or 3 for an external command that
/// failed to run ([`CliError::External`]).
#[derive(Debug)]
pub enum CliError {
    /// Bad input: the argument and what is wrong with it.
    Usage {
        /// The offending argument (`--secret`).
        arg: String,
        /// What is wrong, phrased to follow the argument's name.
        message: String,
    },
    /// A failure outside the input (a file that cannot be written, …).
    Other(String),
    /// An I/O failure, or an external command that could not run or did not
    /// finish (exit 3).
    External(String),
}

impl CliError {
    /// An output that could not be written: exit 2 when the target is not
    /// something to write (a folder, a link, a device), 3 for a real I/O
    /// failure (permissions, a full disk).
    pub fn write_failed(arg: &str, e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::usage(arg, format!("cannot be written: {e}"))
        } else {
            CliError::External(format!("{arg} cannot be written: {e}"))
        }
    }

    /// Bad input in `arg`.
    pub fn usage(arg: &str, message: impl Into<String>) -> Self {
        CliError::Usage {
            arg: arg.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage { arg, message } => write!(f, "{arg} {message}"),
            CliError::Other(message) | CliError::External(message) => f.write_str(message),
        }
    }
}

impl CliError {
    /// The exit code: 3 for an external command's failure, 2 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::External(_) => 3,
            _ => 2,
        }
    }
}
