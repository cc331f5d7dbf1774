//! The raw command line (clap derive). Values that are secrets stay plain
//! strings here, so that clap never echoes them in an error; `keys.rs` turns
//! them into validated types.

use clap::{Args, Parser, Subcommand};
use skewsim::Algorithm;

/// skewsim: TOTP timing harness. With no subcommand, simulates one MFA
/// enrollment (two codes for AWS, one for most verifiers) and its first login
/// (`skewsim --delay 90s`), and says whether it ends REJECTED, ENROLLED IN
/// SYNC, ENROLLED OUT OF SYNC (the enrollment's doing) or ENROLLED with a
/// login that fails for the clock's sake, and why (docs/model.md).
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
    /// Print one TOTP code (zero-padded) and a newline.
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
    /// Hold the model against running verifiers (libpam, privacyIDEA, django-otp, pyotp, oathtool, or your own adapter).
    Lab(crate::lab::LabArgs),
    /// Regenerate reports/: a sweep and a year of drift per policy, and reports/README.md.
    Report(crate::report::ReportArgs),
    /// Generate codes in bulk, in parallel; print a checksum and the rate.
    Bulk(crate::bulk::BulkArgs),
    /// Turn criterion's bulk results into dashboard files (JSON, CSV, SVG, README).
    BenchReport(crate::bench_report::BenchReportArgs),
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
        env = "SKEWSIM_SECRET",
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
    /// The Unix time in whole seconds, or `now` for the system clock [default: now].
    #[arg(long, allow_hyphen_values = true, value_name = "UNIX|now", value_parser = parse_time)]
    pub time: Option<u64>,
    /// HMAC hash: sha1, sha256, sha512, sha3-224, sha3-256, sha3-384, sha3-512 (any case) [default: sha1].
    #[arg(long, allow_hyphen_values = true, value_name = "ALG", value_parser = parse_algorithm)]
    pub algorithm: Option<Algorithm>,
    /// Code length, 6 to 10 [default: 6].
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_digits)]
    pub digits: Option<skewsim::Digits>,
    /// Time step in whole seconds, at least 1 [default: 30].
    #[arg(long, allow_hyphen_values = true, value_name = "SECONDS", value_parser = parse_period)]
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
    #[arg(long, value_name = "DUR", default_value = "10s", requires = "cmd", value_parser = crate::scenario::nonnegative)]
    pub timeout: i64,
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
}

/// `now` or whole seconds.
pub fn parse_time(text: &str) -> Result<u64, String> {
    if text == "now" {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| "the system clock is before 1970".to_owned());
    }
    parse_u64(text)
}

/// A whole number of seconds (u64).
pub fn parse_u64(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a whole number of seconds (0 or more, digits only)".to_owned());
    }
    text.parse()
        .map_err(|_| format!("too large (the largest is {})", u64::MAX))
}

pub fn parse_period(text: &str) -> Result<u64, String> {
    match parse_u64(text)? {
        0 => Err(skewsim::Error::ZeroPeriod.to_string()),
        n => Ok(n),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
