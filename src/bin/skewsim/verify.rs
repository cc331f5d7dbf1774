//! `skewsim verify`: accepted with the matched offset (exit 0), or rejected (exit 1).

use std::io::Write;

use skewsim::{Verdict, Window, verify};

use crate::args::VerifyArgs;
use crate::error::CliError;
use crate::keys::key_from;

/// Checks the code; exit 0 when accepted, 1 when rejected.
pub fn run(args: &VerifyArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let key = key_from(&args.key)?;
    if key.hotp_counter.is_some() {
        return Err(CliError::usage(
            "--uri",
            "is an hotp URI; verify checks time-based codes",
        ));
    }
    let window = Window::symmetric(args.window);
    let verdict = verify(&key.totp, &args.code, key.time, window).map_err(|e| match e {
        skewsim::Error::CodeFormat { .. } => CliError::usage("--code", format!("is {e}")),
        other => CliError::usage("--time", format!("is {other}")),
    })?;
    match verdict {
        Verdict::Accepted { offset } => {
            crate::output::write(out, &format!("accepted offset={offset}\n"))?;
            Ok(0)
        }
        Verdict::Rejected => {
            crate::output::write(out, "rejected\n")?;
            Ok(1)
        }
    }
}
