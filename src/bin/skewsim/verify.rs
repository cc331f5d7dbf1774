//! `skewsim verify`: accepted with the matched offset (exit 0), or rejected (exit 1).

use std::io::Write;

use skewsim::{Verdict, Window, verify};

use serde::Serialize;

use crate::args::VerifyArgs;
use crate::error::CliError;
use crate::json::Format;
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
    if args.format == Format::Json {
        let offset = match verdict {
            Verdict::Accepted { offset } => Some(offset),
            Verdict::Rejected => None,
        };
        let doc = VerifyJson {
            accepted: offset.is_some(),
            offset,
            window_steps: args.window,
            time_unix: key.time,
        };
        crate::json::write(out, "verify", &doc)?;
        return Ok(u8::from(offset.is_none()));
    }
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

/// `verify`'s JSON document (the exit code still says accepted or not).
#[derive(Serialize)]
struct VerifyJson {
    accepted: bool,
    /// The matched step minus the current one (null when rejected).
    offset: Option<i64>,
    /// Steps accepted on each side.
    window_steps: u32,
    time_unix: u64,
}
