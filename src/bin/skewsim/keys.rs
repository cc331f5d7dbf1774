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

/// The environment variable that stands for `--secret` when no key flag is given.
pub const SECRET_ENV: &str = "SKEWSIM_SECRET";

/// clap's refusal of a key flag next to `--secret` when the user typed no
/// `--secret`: the secret came from [`SECRET_ENV`], so the one error line
/// names the variable, not a flag the user never typed. `None` for any
/// other error.
pub fn env_conflict(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::ArgumentConflict || std::env::var_os(SECRET_ENV).is_none() {
        return None;
    }
    let typed = std::env::args_os()
        .skip(1)
        .any(|a| a == "--secret" || a.to_str().is_some_and(|a| a.starts_with("--secret=")));
    // clap names the arguments as defined: `--secret <BASE32|->`.
    let names: Vec<String> = [ContextKind::InvalidArg, ContextKind::PriorArg]
        .into_iter()
        .flat_map(|kind| match e.get(kind) {
            Some(ContextValue::String(s)) => vec![s.clone()],
            Some(ContextValue::Strings(list)) => list.clone(),
            _ => Vec::new(),
        })
        .collect();
    let is_secret = |name: &String| name.split(' ').next() == Some("--secret");
    if typed || !names.iter().any(is_secret) {
        return None;
    }
    let flag = names.iter().find(|n| !is_secret(n))?.split(' ').next()?;
    Some(format!(
        "error: {flag} cannot be used with {SECRET_ENV} set (it holds a base32 secret, as \
         --secret would): unset {SECRET_ENV} or leave out {flag}"
    ))
}

/// The most bytes a secret or a URI is read from standard input or a file:
/// a 64-byte SHA-512 key is 103 base32 characters and a URI a few hundred,
/// so anything near this is no key, and reading stops here instead of
/// filling memory with whatever is piped in.
pub const MAX_KEY_BYTES: usize = 64 << 10;

/// An empty buffer for a key read from outside, with its whole capacity
/// up front: a growing buffer would leave copies of the key in freed memory.
fn key_buffer() -> Zeroizing<Vec<u8>> {
    Zeroizing::new(Vec::with_capacity(MAX_KEY_BYTES + 1))
}

/// The first line of what was read, trimmed; `None` when more than
/// [`MAX_KEY_BYTES`] were read.
fn first_line(bytes: &[u8]) -> Option<Result<Zeroizing<String>, String>> {
    if bytes.len() > MAX_KEY_BYTES {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Zeroizing::new(
            text.lines().next().unwrap_or("").trim().to_owned(),
        )),
        Err(_) => Err("it is not UTF-8 text".to_owned()),
    })
}

/// A flag's text: itself, or with `-` the first line of standard input,
/// read up to its newline or [`MAX_KEY_BYTES`], and no further.
pub fn text_or_stdin(flag: &str, value: &str) -> Result<Zeroizing<String>, CliError> {
    use std::io::{BufRead, Read};
    if value != "-" {
        return Ok(Zeroizing::new(value.to_owned()));
    }
    let unreadable =
        |e: String| CliError::usage(flag, format!("cannot be read from standard input: {e}"));
    let mut bytes = key_buffer();
    std::io::stdin()
        .lock()
        .take(MAX_KEY_BYTES as u64 + 1)
        .read_until(b'\n', &mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    first_line(&bytes)
        .ok_or_else(|| {
            CliError::usage(
                flag,
                format!(
                    "is longer than {MAX_KEY_BYTES} bytes on standard input: not a key \
                     (the rest is not read)"
                ),
            )
        })?
        .map_err(unreadable)
}

/// The first line of a file only its owner can read, of at most [`MAX_KEY_BYTES`].
fn private_file(flag: &str, path: &Path) -> Result<Zeroizing<String>, CliError> {
    use std::io::Read;
    let unreadable = |e: String| CliError::usage(flag, format!("cannot be read: {e}"));
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
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
    let too_large = || {
        CliError::usage(
            flag,
            format!("is larger than {MAX_KEY_BYTES} bytes: not a key file (it is not read)"),
        )
    };
    if meta.len() > MAX_KEY_BYTES as u64 {
        return Err(too_large());
    }
    // Bounded as it is read too: the file may have grown since the check.
    let mut bytes = key_buffer();
    std::fs::File::open(path)
        .map_err(|e| unreadable(e.to_string()))?
        .take(MAX_KEY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    first_line(&bytes)
        .ok_or_else(too_large)?
        .map_err(unreadable)
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
