//! From raw key flags to a validated token (the "high-level args" of the key).

use skewsim::{Algorithm, Digits, OtpAuthUri, OtpKind, Secret, TimeStep, Totp};

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

/// Validates the key flags.
pub fn key_from(args: &KeyArgs) -> Result<Key, CliError> {
    let time = match args.time {
        Some(t) => t,
        None => crate::args::parse_time("now").map_err(|e| CliError::usage("--time", e))?,
    };
    if let Some(uri) = &args.uri {
        for (given, flag) in [
            (args.algorithm.is_some(), "--algorithm"),
            (args.digits.is_some(), "--digits"),
            (args.period.is_some(), "--period"),
        ] {
            if given {
                return Err(CliError::usage(
                    flag,
                    "cannot be combined with --uri (the URI carries it)",
                ));
            }
        }
        let parsed: OtpAuthUri = uri
            .parse()
            .map_err(|e: skewsim::Error| CliError::usage("--uri", format!("is {e}")))?;
        let t0 = args.t0.unwrap_or(0);
        let (step, hotp_counter) = match parsed.kind {
            OtpKind::Totp { period } => (
                TimeStep::new(period, t0)
                    .map_err(|e| CliError::usage("--uri", format!("is {e}")))?,
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
    let secret =
        match (&args.secret, &args.secret_hex) {
            (Some(b32), _) => Secret::from_base32(b32)
                .map_err(|e| CliError::usage("--secret", format!("is {e}")))?,
            (None, Some(hex)) => Secret::from_hex(hex)
                .map_err(|e| CliError::usage("--secret-hex", format!("is {e}")))?,
            // clap's "key" group requires one of the three.
            (None, None) => {
                return Err(CliError::usage(
                    "--secret",
                    "is missing (give --secret, --secret-hex or --uri)",
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
