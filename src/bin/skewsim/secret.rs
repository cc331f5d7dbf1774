//! `skewsim secret`: a new random key from the operating system's generator,
//! printed as base32 or inside an otpauth://totp/ URI. The one command whose
//! output is a secret, because that is what was asked for.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use skewsim::{Algorithm, Digits, OtpAuthUri, OtpKind, Secret};
use zeroize::Zeroizing;

use crate::args::{parse_algorithm, parse_digits, parse_period};
use crate::error::CliError;
use crate::json::Format;

/// The shortest key `--bytes` allows (80 bits, what many authenticator setups generate).
pub const MIN_BYTES: usize = 10;
/// The longest key `--bytes` allows (SHA-512's full 64-byte block).
pub const MAX_BYTES: usize = 64;

/// `skewsim secret`.
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// Key length in bytes, 10 to 64. RFC 4226 asks for at least 16 (128 bits)
    /// and recommends 20 (160 bits, SHA-1's size); use 32 for SHA-256, 64 for SHA-512.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value_t = 20, value_parser = parse_bytes)]
    pub bytes: usize,
    /// Print an otpauth://totp/ URI holding the secret instead of the secret
    /// alone (for a QR code, or `skewsim code --uri`); needs --account.
    #[arg(long)]
    pub uri: bool,
    /// With --uri: the service the key is for (`ACME Co`), shown by authenticator apps.
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,
    /// With --uri: the account the key is for (`alice@example.com`).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// With --uri: the HMAC hash (sha1, sha256, sha512, sha3-224 … sha3-512) [default: sha1].
    #[arg(long, allow_hyphen_values = true, value_name = "ALG", value_parser = parse_algorithm)]
    pub algorithm: Option<Algorithm>,
    /// With --uri: the code length, 6 to 10 [default: 6].
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_digits)]
    pub digits: Option<Digits>,
    /// With --uri: the time step, whole seconds (30, 30s, 1m) [default: 30].
    #[arg(long, allow_hyphen_values = true, value_name = "SECONDS|DUR", value_parser = parse_period)]
    pub period: Option<u64>,
    /// Output format: the secret (or URI) and a newline, or a JSON document with both.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// A key length in bytes, [`MIN_BYTES`]..=[`MAX_BYTES`].
fn parse_bytes(text: &str) -> Result<usize, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| format!("not a whole number of bytes ({MIN_BYTES} to {MAX_BYTES})"))?;
    match usize::try_from(n) {
        Ok(n) if (MIN_BYTES..=MAX_BYTES).contains(&n) => Ok(n),
        _ => Err(format!(
            "out of range: {MIN_BYTES} to {MAX_BYTES} bytes (RFC 4226 asks for at least 16)"
        )),
    }
}

/// A label part the otpauth format can carry and give back unchanged.
fn label_part(flag: &str, value: &str) -> Result<(), CliError> {
    if value.trim().is_empty() {
        return Err(CliError::usage(flag, "is empty"));
    }
    if value.contains(':') {
        return Err(CliError::usage(
            flag,
            "cannot hold ':' (an otpauth label separates the issuer from the account with it)",
        ));
    }
    Ok(())
}

/// The URI's parts, checked before any key is drawn.
struct UriParts {
    issuer: Option<String>,
    account: String,
}

fn uri_parts(args: &SecretArgs) -> Result<Option<UriParts>, CliError> {
    if !args.uri {
        let uri_only = [
            (args.issuer.is_some(), "--issuer"),
            (args.account.is_some(), "--account"),
            (args.algorithm.is_some(), "--algorithm"),
            (args.digits.is_some(), "--digits"),
            (args.period.is_some(), "--period"),
        ];
        for (given, flag) in uri_only {
            if given {
                return Err(CliError::usage(
                    flag,
                    "only applies with --uri (a bare secret carries no parameters)",
                ));
            }
        }
        return Ok(None);
    }
    let Some(account) = &args.account else {
        return Err(CliError::usage(
            "--account",
            "is needed with --uri: the account the key is for (alice@example.com)",
        ));
    };
    label_part("--account", account)?;
    if let Some(issuer) = &args.issuer {
        label_part("--issuer", issuer)?;
        if account.starts_with(' ') {
            return Err(CliError::usage(
                "--account",
                "cannot start with a space when there is an --issuer (the format drops it)",
            ));
        }
    }
    Ok(Some(UriParts {
        issuer: args.issuer.clone(),
        account: account.clone(),
    }))
}

/// Prints a new secret, or a URI holding it.
pub fn run(args: &SecretArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let parts = uri_parts(args)?;
    let mut bytes = Zeroizing::new(vec![0u8; args.bytes]);
    getrandom::fill(&mut bytes).map_err(|e| {
        CliError::External(format!(
            "the operating system's random generator failed: {e}"
        ))
    })?;
    let secret = Secret::from_bytes(std::mem::take(&mut *bytes))
        .map_err(|e| CliError::Other(format!("cannot make a secret: {e}")))?;
    let base32 = secret.to_base32();
    let uri = parts.map(|p| {
        Zeroizing::new(
            OtpAuthUri {
                kind: OtpKind::Totp {
                    period: args.period.unwrap_or(30),
                },
                issuer: p.issuer,
                account: p.account,
                secret: secret.clone(),
                algorithm: args.algorithm.unwrap_or_default(),
                digits: args.digits.unwrap_or_default(),
            }
            .to_string(),
        )
    });
    if args.format == Format::Json {
        let doc = SecretJson {
            secret: &base32,
            bytes: secret.len(),
            uri: uri.as_deref().map(String::as_str),
        };
        return crate::json::write(out, "secret", &doc).map(|()| 0);
    }
    let shown = uri.as_ref().unwrap_or(&base32);
    let mut line = Zeroizing::new(String::with_capacity(shown.len() + 1));
    line.push_str(shown);
    line.push('\n');
    crate::output::write(out, &line)?;
    Ok(0)
}

/// `secret`'s JSON document: it holds the secret, because that is what was asked for.
#[derive(Serialize)]
struct SecretJson<'a> {
    /// Base32 (RFC 4648, upper case, no padding).
    secret: &'a str,
    /// The key's length in bytes.
    bytes: usize,
    /// The otpauth://totp/ URI (null without --uri).
    uri: Option<&'a str>,
}
