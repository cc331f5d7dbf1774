//! From raw key flags to a validated token (the "high-level args" of the key).

use std::path::Path;

use skewsim::{Algorithm, Digits, OtpAuthUri, OtpKind, Secret, TimeStep, Totp};
use zeroize::Zeroizing;

use crate::args::KeyArgs;
use crate::error::CliError;

/// What a key flag set describes: a TOTP token, or (from a hotp URI) an HOTP counter.
pub struct Key {
    /// The token.
    pub totp: Totp,
    /// For `otpauth://hotp/…`: the counter to use instead of the time.
    pub hotp_counter: Option<u64>,
    /// The time the code is for.
    pub time: u64,
}

/// A flag's text: itself, or with `-` the first line of standard input.
pub fn text_or_stdin(flag: &str, value: &str) -> Result<Zeroizing<String>, CliError> {
    if value != "-" {
        return Ok(Zeroizing::new(value.to_owned()));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(flag, format!("cannot be read from standard input: {e}")))?;
    Ok(Zeroizing::new(line.trim().to_owned()))
}

/// The first line of a file only its owner can read.
fn private_file(flag: &str, path: &Path) -> Result<Zeroizing<String>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::usage(flag, format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(CliError::usage(flag, "is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CliError::usage(
                flag,
                format!("is readable or writable by others (mode {mode:03o}): chmod 600 it first"),
            ));
        }
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(flag, format!("cannot be read: {e}")))?,
    );
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or("").trim().to_owned(),
    ))
}

/// Validates the key flags.
pub fn key_from(args: &KeyArgs) -> Result<Key, CliError> {
    let time = match args.time {
        Some(t) => t,
        None => crate::args::parse_time("now").map_err(|e| CliError::usage("--time", e))?,
    };
    let uri_text = match (&args.uri, &args.uri_file) {
        (Some(u), _) => Some(("--uri", text_or_stdin("--uri", u)?)),
        (None, Some(path)) => Some(("--uri-file", private_file("--uri-file", path)?)),
        (None, None) => None,
    };
    if let Some((flag, uri)) = &uri_text {
        let flag = *flag;
        for (given, flag) in [
            (args.algorithm.is_some(), "--algorithm"),
            (args.digits.is_some(), "--digits"),
            (args.period.is_some(), "--period"),
        ] {
            if given {
                return Err(CliError::usage(
                    flag,
                    "cannot be combined with --uri or --uri-file (the URI carries it)",
                ));
            }
        }
        let parsed: OtpAuthUri = uri
            .parse()
            .map_err(|e: skewsim::Error| CliError::usage(flag, format!("is {e}")))?;
        let t0 = args.t0.unwrap_or(0);
        let (step, hotp_counter) = match parsed.kind {
            OtpKind::Totp { period } => (
                TimeStep::new(period, t0).map_err(|e| CliError::usage(flag, format!("is {e}")))?,
                None,
            ),
            OtpKind::Hotp { counter } => (TimeStep::RFC6238, Some(counter)),
        };
        return Ok(Key {
            totp: Totp::new(parsed.secret.clone(), parsed.algorithm, parsed.digits, step),
            hotp_counter,
            time,
        });
    }
    let secret = match (&args.secret, &args.secret_hex, &args.secret_file) {
        (Some(b32), _, _) => Secret::from_base32(&text_or_stdin("--secret", b32)?)
            .map_err(|e| CliError::usage("--secret", format!("is {e}")))?,
        (None, Some(hex), _) => Secret::from_hex(&text_or_stdin("--secret-hex", hex)?)
            .map_err(|e| CliError::usage("--secret-hex", format!("is {e}")))?,
        (None, None, Some(path)) => Secret::from_base32(&private_file("--secret-file", path)?)
            .map_err(|e| CliError::usage("--secret-file", format!("is {e}")))?,
        // clap's "key" group requires one of the three.
        (None, None, None) => {
            return Err(CliError::usage(
                "--secret",
                "is missing (give --secret, --secret-hex, --secret-file, --uri or --uri-file)",
            ));
        }
    };
    let step = TimeStep::new(args.period.unwrap_or(30), args.t0.unwrap_or(0))
        .map_err(|e| CliError::usage("--period", format!("is {e}")))?;
    Ok(Key {
        totp: Totp::new(
            secret,
            args.algorithm.unwrap_or(Algorithm::Sha1),
            args.digits.unwrap_or(Digits::SIX),
            step,
        ),
        hotp_counter: None,
        time,
    })
}

impl Key {
    /// The counter the code is for: the URI's HOTP counter, or the time's step.
    pub fn counter(&self) -> Result<u64, CliError> {
        match self.hotp_counter {
            Some(c) => Ok(c),
            None => self
                .totp
                .time_step()
                .counter_at(self.time)
                .map_err(|e| CliError::usage("--time", format!("is {e}"))),
        }
    }
}
