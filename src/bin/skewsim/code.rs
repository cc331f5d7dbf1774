//! `skewsim code`: one code and a newline.

use std::io::Write;

use skewsim::hotp;

use serde::Serialize;

use crate::args::CodeArgs;
use crate::error::CliError;
use crate::json::Format;
use crate::keys::key_from;

/// Prints the code.
pub fn run(args: &CodeArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let key = key_from(&args.key)?;
    let counter = key.counter()?;
    let code = hotp(
        key.totp.algorithm(),
        key.totp.secret(),
        counter,
        key.totp.digits(),
    );
    if args.format == Format::Json {
        let doc = CodeJson {
            code: code.to_string(),
            counter,
            time_unix: key.hotp_counter.is_none().then_some(key.time),
            algorithm: key.totp.algorithm().name(),
            digits: key.totp.digits().get(),
        };
        return crate::json::write(out, "code", &doc).map(|()| 0);
    }
    crate::output::write(out, &format!("{code}\n"))?;
    Ok(0)
}

/// `code`'s JSON document.
#[derive(Serialize)]
struct CodeJson {
    /// Zero-padded, as a string.
    code: String,
    /// The HOTP counter (the time step for TOTP).
    counter: u64,
    /// The time (null for an hotp URI).
    time_unix: Option<u64>,
    algorithm: &'static str,
    digits: u8,
}
