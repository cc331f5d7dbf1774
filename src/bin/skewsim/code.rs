//! `skewsim code`: one code and a newline.

use std::io::Write;

use skewsim::hotp;

use crate::args::CodeArgs;
use crate::error::CliError;
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
    crate::output::write(out, &format!("{code}\n"))?;
    Ok(0)
}
