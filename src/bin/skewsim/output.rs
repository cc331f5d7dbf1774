//! Writing to stdout, where a closed pipe (`skewsim … | head`) is not an error.

use std::io::{ErrorKind, Write};

use crate::error::CliError;

/// Marker carried through `CliError::Other` when the reader went away.
pub const BROKEN_PIPE: &str = "\u{0}broken pipe";

/// Writes `text`; a broken pipe ends the program quietly with success.
pub fn write(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    write_bytes(out, text.as_bytes())
}

/// Writes `bytes` (a generated script or page), as [`write`] does text.
pub fn write_bytes(out: &mut dyn Write, bytes: &[u8]) -> Result<(), CliError> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(CliError::Other(BROKEN_PIPE.to_owned())),
        // A closed or full stdout: nothing reached the reader (exit 3).
        Err(e) => Err(CliError::External(format!("cannot write to stdout: {e}"))),
    }
}
