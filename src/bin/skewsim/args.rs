//! The raw command line (clap derive). Values that are secrets stay plain
//! strings here, so that clap never echoes them in an error; `keys.rs` turns
//! them into validated types.

use clap::{Args, Parser, Subcommand};
use skewsim::Algorithm;

use crate::json::Format;

/// skewsim: TOTP timing harness. With no subcommand, simulates one MFA
/// enrollment (two codes for AWS, one for most verifiers) and its first login
/// (`skewsim --delay 90s`), and says first what happened at the login
/// (accepted; refused because the enrollment stored a wrong offset; refused
/// anyway, for the clock or the login's own transit; or the enrollment
/// refused), why, and the verifier's own fix (the model: `skewsim docs model`).
#[derive(Debug, Parser)]
#[command(name = "skewsim", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand; without one, the enrollment scenario runs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The enrollment scenario's options.
    #[command(flatten)]
    pub scenario: crate::scenario::ScenarioArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a TOTP code, or with --counter an HOTP code (zero-padded), and a newline;
    /// --window adds the codes around it, -v the step and its times.
    Code(CodeArgs),
    /// Check a code against a window of steps; print the matched offset.
    Verify(VerifyArgs),
    /// Run the conformance vectors through skewsim's core or an external command.
    Vectors(VectorsArgs),
    /// List the verifier policies (presets) with their parameters and sources.
    Policies(crate::policies::PoliciesArgs),
    /// Sweep delay × skew for one policy or all: CSV, phase diagram and delay curve (SVG).
    Sweep(crate::sweep::SweepArgs),
    /// Monte Carlo over distributions of delay, skew and reaction (rayon, seeded, deterministic).
    Montecarlo(crate::montecarlo::MonteCarloArgs),
    /// A drifting device logging in for days against the verifier's real rules: refusals, self-healing, resyncs, lock-outs.
    Drift(crate::drift::DriftArgs),
    /// Hold the model against running verifiers (libpam, privacyIDEA, django-otp, pyotp, oathtool, otplib, otpauth, speakeasy, pam_oath, FreeRADIUS, totp-rs, passlib, or your own adapter).
    Lab(crate::lab::LabArgs),
    /// Identify a running verifier's timing rules from outside and write them as a policy file.
    Probe(crate::probe::ProbeArgs),
    /// Regenerate reports/: a sweep and a year of drift per policy, and reports/README.md.
    Report(crate::report::ReportArgs),
    /// Generate codes in bulk, in parallel; print a checksum and the rate.
    Bulk(crate::bulk::BulkArgs),
    /// Turn criterion's bulk results into dashboard files (JSON, CSV, SVG, README).
    BenchReport(crate::bench_report::BenchReportArgs),
    /// Print a new random secret (base32, from the operating system's generator), or an
    /// otpauth://totp/ URI holding one.
    Secret(crate::secret::SecretArgs),
    /// Print a shell completion script for skewsim (bash, zsh, fish, powershell, elvish).
    Completions(crate::completions::CompletionsArgs),
    /// Print skewsim's man page (roff), or one subcommand's.
    Man(crate::man::ManArgs),
    /// Print one of the project's documents (the model, the CLI contract, the lab, …),
    /// compiled in; without a topic, the list.
    Docs(crate::docs::DocsArgs),
}

/// Where the key and its parameters come from.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["secret", "secret_hex", "uri", "secret_file", "uri_file"])))]
pub struct KeyArgs {
    /// The shared secret in base32 (RFC 4648; case, padding, spaces and hyphens are forgiven).
    /// `-` reads it from standard input. Prefer --secret-file, - or the
    /// environment: a secret on the command line is visible in `ps` and shell history.
    #[arg(
        long,
        value_name = "BASE32|-",
        env = crate::keys::SECRET_ENV,
        hide_env_values = true
    )]
    pub secret: Option<String>,
    /// The shared secret in hex (`-`: from standard input).
    #[arg(long, value_name = "HEX|-")]
    pub secret_hex: Option<String>,
    /// An otpauth:// URI; its secret, algorithm, digits and period apply (no other key flag with it).
    /// `-` reads it from standard input.
    #[arg(long, value_name = "OTPAUTH_URI|-")]
    pub uri: Option<String>,
    /// A file holding the base32 secret (one line); refused if others can read it (chmod 600).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<std::path::PathBuf>,
    /// A file holding the otpauth:// URI (one line); refused if others can read it (chmod 600).
    #[arg(long, value_name = "PATH")]
    pub uri_file: Option<std::path::PathBuf>,
    /// The time: Unix seconds (59 or @59), RFC 3339 (2026-11-28T06:00:00Z), or `now` [default: now].
    #[arg(long, allow_hyphen_values = true, value_name = "UNIX|@UNIX|RFC3339|now", value_parser = parse_time)]
    pub time: Option<u64>,
    /// HMAC hash: sha1, sha256, sha512, sha3-224, sha3-256, sha3-384, sha3-512 (any case) [default: sha1].
    #[arg(long, allow_hyphen_values = true, value_name = "ALG", value_parser = parse_algorithm)]
    pub algorithm: Option<Algorithm>,
    /// Code length, 6 to 10 [default: 6].
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_digits)]
    pub digits: Option<skewsim::Digits>,
    /// Time step, whole seconds: 30 or a duration such as 30s or 1m [default: 30].
    #[arg(long, allow_hyphen_values = true, value_name = "SECONDS|DUR", value_parser = parse_period)]
    pub period: Option<u64>,
    /// The Unix time steps are counted from (RFC 6238's T0) [default: 0].
    #[arg(long, allow_hyphen_values = true, value_name = "UNIX", value_parser = parse_u64)]
    pub t0: Option<u64>,
}

/// `skewsim code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Key and parameters.
    #[command(flatten)]
    pub key: KeyArgs,
    /// HOTP (RFC 4226): the code of this counter instead of the time's step.
    /// Not with --time, --period or --t0, which only mean something for TOTP.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_counter)]
    pub counter: Option<u64>,
    /// Print the codes of the N steps (with --counter: counters) before and after
    /// as well, one per line with its offset and step, the current one marked `>`
    /// (oathtool -w; at most 100000).
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_code_window)]
    pub window: Option<u32>,
    /// Print the parameters before the code: TOTP or HOTP, the secret's length (never
    /// the secret), algorithm, digits, the step (counter), the step's start and end
    /// (UTC, RFC 3339) and the seconds left in it. JSON always has these.
    #[arg(short, long)]
    pub verbose: bool,
    /// Output format: the code and a newline, or a JSON document with its counter,
    /// step times and window.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `skewsim verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Key and parameters.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The code to check: exactly --digits decimal digits.
    #[arg(long, value_name = "DIGITS", allow_hyphen_values = true)]
    pub code: String,
    /// Steps accepted on each side of the current one.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value_t = 1, value_parser = parse_window)]
    pub window: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `skewsim vectors`.
#[derive(Debug, Args)]
pub struct VectorsArgs {
    /// A folder of vector files (*.csv) to run instead of the ones built into skewsim
    /// (the project's vectors/, so `skewsim vectors` works from any folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
    /// Test an external implementation: a command whose stdout must be the code, with
    /// {secret_hex} {secret_base32} {time} {algorithm} {digits} {period} {t0} {counter} filled in.
    /// It is split into arguments by shell rules once and run without a shell.
    #[arg(long, value_name = "TEMPLATE")]
    pub cmd: Option<String>,
    /// Run --cmd under `sh -c` instead (pipes, redirections); every filled-in value is shell-quoted.
    #[arg(long, requires = "cmd")]
    pub shell: bool,
    /// The longest one run of --cmd may take; a command still running is killed and the run stops (exit 3).
    #[arg(long, allow_hyphen_values = true, value_name = "DUR", default_value = "10s", requires = "cmd", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
    /// Only rows with these algorithms (comma-separated), e.g. what the external tool supports.
    #[arg(long, allow_hyphen_values = true, value_name = "ALG,…", value_delimiter = ',', value_parser = parse_algorithm)]
    pub algorithms: Vec<Algorithm>,
    /// Only rows with these digit counts (comma-separated), e.g. 6,7,8 for oathtool.
    #[arg(long = "only-digits", value_name = "N,…", value_delimiter = ',', value_parser = parse_digits)]
    pub only_digits: Vec<skewsim::Digits>,
    /// Leave out the `invalid` rows (outputs of known bugs that must not be reproduced).
    #[arg(long)]
    pub valid_only: bool,
    /// Only rows whose time is at most this (e.g. 9223372036854775807 for a signed 64-bit time_t).
    #[arg(long, allow_hyphen_values = true, value_name = "UNIX", value_parser = parse_u64)]
    pub max_time: Option<u64>,
    /// Output format: the table, or a JSON document listing every failure.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Instead of running the vectors, write them (the built-in ones, or --dir's) to FILE as
    /// one JSON document in Wycheproof's shape for other languages (its schema: `skewsim docs vectors-schema`);
    /// `-` prints it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cmd", "algorithms", "only_digits", "valid_only", "max_time", "format"])]
    pub export_json: Option<std::path::PathBuf>,
}

/// `now` or whole seconds.
/// `now`, Unix seconds (`59`, or `@59` as oathtool writes it), or an RFC 3339
/// time (`2026-11-28T06:00:00Z`, `…+01:00`; a fraction of a second is dropped).
pub fn parse_time(text: &str) -> Result<u64, String> {
    if text == "now" {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| "the system clock is before 1970".to_owned());
    }
    let digits = text.strip_prefix('@').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return parse_u64(digits);
    }
    skewsim::duration::parse_rfc3339(text).ok_or_else(|| {
        "not a time: give Unix seconds (59, @59), an RFC 3339 time (2026-11-28T06:00:00Z) or now"
            .to_owned()
    })
}

/// A whole number of seconds (u64).
pub fn parse_u64(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a whole number of seconds (0 or more, digits only)".to_owned());
    }
    text.parse()
        .map_err(|_| format!("too large (the largest is {})", u64::MAX))
}

/// Whole seconds: `30`, or a duration as everywhere else (`30s`, `1m`).
pub fn parse_period(text: &str) -> Result<u64, String> {
    let seconds = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        parse_u64(text)?
    } else {
        let ms = skewsim::duration::parse_nonnegative_ms(text).map_err(|e| e.to_string())?;
        if ms % 1000 != 0 {
            return Err(
                "not a whole number of seconds (TOTP periods are whole seconds)".to_owned(),
            );
        }
        (ms / 1000).unsigned_abs()
    };
    match seconds {
        0 => Err(skewsim::Error::ZeroPeriod.to_string()),
        n => Ok(n),
    }
}

/// A time limit: a duration (`10s`, `1m`) or whole seconds (`30`), from 1 ms to 1 h.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let ms = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        parse_u64(text)?.saturating_mul(1000)
    } else {
        skewsim::duration::parse_nonnegative_ms(text)
            .map_err(|e| e.to_string())?
            .unsigned_abs()
    };
    match ms {
        0 => Err("zero: nothing can finish in no time".to_owned()),
        1..=3_600_000 => Ok(std::time::Duration::from_millis(ms)),
        _ => Err("out of range: at most 1h".to_owned()),
    }
}

/// An algorithm name.
pub fn parse_algorithm(text: &str) -> Result<Algorithm, String> {
    text.parse().map_err(|e: skewsim::Error| e.to_string())
}

/// A digit count, 6..=10.
pub fn parse_digits(text: &str) -> Result<skewsim::Digits, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| "not a whole number (6 to 10)".to_owned())?;
    skewsim::Digits::new(n).map_err(|e| e.to_string())
}

/// An HOTP counter: any u64.
fn parse_counter(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a counter (a whole number, 0 or more, digits only)".to_owned());
    }
    text.parse()
        .map_err(|_| format!("too large (the largest counter is {})", u64::MAX))
}

/// The most codes `code --window` prints on each side.
pub const MAX_CODE_WINDOW: u32 = 100_000;

/// `code --window`: steps each side, up to [`MAX_CODE_WINDOW`] (a line each).
fn parse_code_window(text: &str) -> Result<u32, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| "not a whole number of steps".to_owned())?;
    match u32::try_from(n) {
        Ok(n) if n <= MAX_CODE_WINDOW => Ok(n),
        _ => Err(format!(
            "too large (at most {MAX_CODE_WINDOW} steps each side: one line per code)"
        )),
    }
}

/// Unix seconds as RFC 3339 in UTC, the inverse of [`parse_time`]'s RFC
/// 3339 form (the library's, shared with `skewsim probe`'s dates).
pub use skewsim::duration::format_rfc3339;

fn parse_window(text: &str) -> Result<u32, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| "not a whole number of steps".to_owned())?;
    // Each step is one HMAC; a million each side is already 2 s of work.
    if n > 1_000_000 {
        return Err("too large (at most 1000000 steps each side)".to_owned());
    }
    u32::try_from(n).map_err(|_| "too large".to_owned())
}
