//! `skewsim bulk`: codes in bulk, in parallel; prints
//! `codes=N checksum=C seconds=S codes_per_sec=R threads=T backend=B lanes=L
//! features=F` and a line naming the CPU and what `auto` measured, or the codes.

use std::io::Write;

use clap::{Args, ValueEnum};
use serde::Serialize;
use skewsim::bulk::{
    Backend, Calibration, Cpu, Keyed, MAX_KEY_LEN, Workload, calibration, secrets_checksum_with,
    splitmix_key, steps_checksum_with,
};
use skewsim::{Algorithm, Digits, Secret, TimeStep};

use crate::args::{parse_algorithm, parse_digits, parse_u64};
use crate::error::CliError;
use crate::json::Format;

/// Which implementation to run (to compare, or to force the fallback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// The fastest variant on this CPU, timed on first use (a few milliseconds).
    Auto,
    /// Precomputed key states on portable compression functions (every CPU).
    Portable,
    /// The core's HMAC per code (the baseline).
    Naive,
    /// SHA-1/SHA-256 on the SHA extensions, two codes per compression call.
    #[value(name = "sha-ni-2")]
    ShaNi2,
    /// SHA-1/SHA-256 on the SHA extensions, four codes per compression call.
    #[value(name = "sha-ni-4")]
    ShaNi4,
    /// SHA-512/SHA-3 on AVX-512F, eight codes at a time.
    Avx512,
    /// SHA-512/SHA-3 on AVX2, four codes at a time.
    Avx2,
}

impl BackendArg {
    /// The library's backend.
    fn backend(self) -> Backend {
        match self {
            BackendArg::Auto => Backend::Auto,
            BackendArg::Portable => Backend::Portable,
            BackendArg::Naive => Backend::Naive,
            BackendArg::ShaNi2 => Backend::ShaNi2,
            BackendArg::ShaNi4 => Backend::ShaNi4,
            BackendArg::Avx512 => Backend::Avx512,
            BackendArg::Avx2 => Backend::Avx2,
        }
    }
}

/// Options of `skewsim bulk`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("workload").required(true).args(["secret_hex", "secrets"])))]
pub struct BulkArgs {
    /// Workload 1: this secret (hex) over --steps consecutive time steps (`-`: from standard input).
    #[arg(long, value_name = "HEX|-")]
    pub secret_hex: Option<String>,
    /// Workload 2: this many splitmix64 secrets, one code each at --from.
    #[arg(long, allow_hyphen_values = true, value_name = "N", value_parser = parse_count)]
    pub secrets: Option<u64>,
    /// Length of each splitmix secret in bytes (1 to 1024).
    #[arg(long, allow_hyphen_values = true, value_name = "L", default_value = "20", value_parser = parse_key_len)]
    pub key_len: usize,
    /// The Unix time of the first code.
    #[arg(long, allow_hyphen_values = true, value_name = "UNIX|@UNIX|RFC3339", default_value = "1700000000", value_parser = crate::args::parse_time)]
    pub from: u64,
    /// Number of consecutive steps (workload 1).
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value = "10000000", value_parser = parse_count)]
    pub steps: u64,
    /// HMAC hash.
    #[arg(long, allow_hyphen_values = true, value_name = "ALG", default_value = "sha1", value_parser = parse_algorithm)]
    pub algorithm: Algorithm,
    /// Code length, 6 to 10.
    #[arg(long, allow_hyphen_values = true, value_name = "N", default_value = "6", value_parser = parse_digits)]
    pub digits: Digits,
    /// Time step in whole seconds.
    #[arg(long, allow_hyphen_values = true, value_name = "SECONDS|DUR", default_value = "30", value_parser = crate::args::parse_period)]
    pub period: u64,
    /// Worker threads (default: one per core).
    #[arg(long, allow_hyphen_values = true, value_name = "T", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Implementation: auto times the variants that run on this CPU and keeps the fastest; name
    /// one to compare (an error if this CPU or the algorithm cannot run it).
    #[arg(long, value_enum, env = "SKEWSIM_BACKEND", default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Write the codes, one per line, instead of the summary.
    #[arg(long, conflicts_with = "format")]
    pub print: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `bulk`'s JSON document: the run's figures.
#[derive(Serialize)]
struct BulkJson {
    /// `one_secret` (--secret-hex over --steps) or `many_secrets` (--secrets).
    workload: &'static str,
    algorithm: &'static str,
    digits: u8,
    period_s: u64,
    from_unix: u64,
    /// Each generated secret's length (null for one secret).
    key_len_bytes: Option<usize>,
    /// The backend asked for (`auto` picks the fastest this CPU supports).
    backend: &'static str,
    /// What ran.
    ran: RanJson,
    codes: u64,
    /// The sum of every code's value, wrapping at 2^64.
    checksum: u64,
    seconds: f64,
    codes_per_second: f64,
    threads: usize,
}

/// The implementation that ran and the machine it ran on.
#[derive(Serialize)]
struct RanJson {
    /// The backend that computed the codes (never `auto`).
    backend: &'static str,
    /// Codes side by side per compression call or instruction stream.
    lanes: usize,
    /// The CPU features that backend used.
    features: &'static [&'static str],
    /// The CPU model (`lscpu`'s model name).
    cpu: String,
    /// The features the variants use that this CPU has.
    cpu_features: Vec<&'static str>,
    /// What `auto` measured to choose (null when a backend was named or
    /// there was one candidate).
    calibration: Option<Vec<CandidateJson>>,
}

/// One candidate of the calibration.
#[derive(Serialize)]
struct CandidateJson {
    backend: &'static str,
    /// Its best time per code on one thread.
    ns_per_code: f64,
}

fn parse_count(text: &str) -> Result<u64, String> {
    match parse_u64(text).map_err(|_| "not a whole number".to_owned())? {
        0 => Err("zero: at least one".to_owned()),
        n if n > 1 << 50 => Err("out of range: at most 2^50".to_owned()),
        n => Ok(n),
    }
}

fn parse_key_len(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_KEY_LEN).contains(&n) => Ok(n),
        _ => Err(format!("out of range: 1 to {MAX_KEY_LEN} bytes")),
    }
}

fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("zero: at least one thread".to_owned()),
        Ok(n) if n <= 1024 => Ok(n),
        _ => Err("not a thread count from 1 to 1024".to_owned()),
    }
}

/// Runs the workload.
pub fn run(args: &BulkArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let step = TimeStep::new(args.period, 0)
        .map_err(|e| CliError::usage("--period", format!("is {e}")))?;
    let first = step
        .counter_at(args.from)
        .map_err(|e| CliError::usage("--from", format!("is {e}")))?;
    // The counters first ..= first + steps - 1 must all exist: no wrap to 0.
    if args.secret_hex.is_some() && args.steps > 0 && first.checked_add(args.steps - 1).is_none() {
        return Err(CliError::usage(
            "--steps",
            format!(
                "runs past the last counter (2^64 - 1): from counter {first} at most {} steps",
                u64::MAX - first + 1
            ),
        ));
    }
    let backend = args.backend.backend();
    let secret = match &args.secret_hex {
        Some(hex) => Some(
            Secret::from_hex(&crate::keys::text_or_stdin("--secret-hex", hex)?)
                .map_err(|e| CliError::usage("--secret-hex", format!("is {e}")))?,
        ),
        None => None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Other(format!("cannot start threads: {e}")))?;
    let workload = match secret {
        Some(_) => Workload::OneSecret,
        None => Workload::ManySecrets {
            key_len: args.key_len,
        },
    };
    // Resolved before any work: a backend this CPU or algorithm cannot run
    // is a usage error, and `auto` calibrates here rather than mid-run.
    let ran = backend
        .resolve(args.algorithm, workload)
        .map_err(|e| CliError::usage("--backend", e.to_string()))?;
    if args.print {
        return print_codes(args, secret.as_ref(), first, ran, out);
    }
    let total = if secret.is_some() {
        args.steps
    } else {
        args.secrets.unwrap_or(0)
    };
    let bar = crate::progress::bar(total, "codes");
    let tick = |n: u64| bar.inc(n);
    let started = std::time::Instant::now();
    let (codes, checksum) = pool
        .install(|| match (&secret, args.secrets) {
            (Some(secret), _) => {
                let keyed = Keyed::new(args.algorithm, secret.as_bytes(), ran)?;
                Ok((
                    args.steps,
                    steps_checksum_with(&keyed, first, args.steps, args.digits, &tick),
                ))
            }
            (None, Some(n)) => secrets_checksum_with(
                args.algorithm,
                ran,
                n,
                args.key_len,
                first,
                args.digits,
                &tick,
            )
            .map(|sum| (n, sum)),
            (None, None) => Ok((0, 0)),
        })
        .map_err(|e| CliError::usage("--backend", e.to_string()))?;
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let rate = codes as f64 / seconds.max(1e-9);
    let threads = pool.current_num_threads();
    let cpu = Cpu::this();
    let calibrated = (backend == Backend::Auto)
        .then(|| calibration(args.algorithm, workload))
        .flatten();
    let lanes = ran.lanes().unwrap_or(1);
    if args.format == Format::Json {
        let doc = BulkJson {
            workload: if secret.is_some() {
                "one_secret"
            } else {
                "many_secrets"
            },
            algorithm: args.algorithm.name(),
            digits: args.digits.get(),
            period_s: args.period,
            from_unix: args.from,
            key_len_bytes: secret.is_none().then_some(args.key_len),
            backend: backend.name(),
            ran: RanJson {
                backend: ran.name(),
                lanes,
                features: ran.features(),
                cpu: cpu.model,
                cpu_features: cpu.features,
                calibration: calibrated.map(|c| {
                    c.ns_per_code
                        .iter()
                        .map(|(b, ns)| CandidateJson {
                            backend: b.name(),
                            ns_per_code: *ns,
                        })
                        .collect()
                }),
            },
            codes,
            checksum,
            seconds,
            codes_per_second: rate,
            threads,
        };
        return crate::json::write(out, "bulk", &doc).map(|()| 0);
    }
    let features = match ran.features() {
        [] => "none".to_owned(),
        used => used.join(","),
    };
    crate::output::write(
        out,
        &format!(
            "codes={codes} checksum={checksum} seconds={seconds:.3} codes_per_sec={rate:.0} \
             threads={threads} backend={ran} lanes={lanes} features={features}\n{}\n",
            machine_line(&cpu, backend, calibrated)
        ),
    )?;
    Ok(0)
}

/// `cpu: MODEL (features …); auto chose B (ns per code on one thread: …)`.
fn machine_line(cpu: &Cpu, asked: Backend, calibrated: Option<&Calibration>) -> String {
    let features = if cpu.features.is_empty() {
        "none of sha, sse4.1, avx2, avx512f".to_owned()
    } else {
        cpu.features.join(" ")
    };
    let choice = match (asked, calibrated) {
        (Backend::Auto, Some(c)) => {
            let timings: Vec<String> = c
                .ns_per_code
                .iter()
                .map(|(b, ns)| format!("{b} {ns:.1}"))
                .collect();
            format!(
                "; auto chose {} (ns per code on one thread: {})",
                c.chosen,
                timings.join(", ")
            )
        }
        (Backend::Auto, None) => "; auto had one candidate".to_owned(),
        (named, _) => format!("; {named} as asked"),
    };
    format!("cpu: {} (features: {features}){choice}", cpu.model)
}

/// Writes the codes in order, computing batches in parallel.
fn print_codes(
    args: &BulkArgs,
    secret: Option<&Secret>,
    first: u64,
    backend: Backend,
    out: &mut dyn Write,
) -> Result<u8, CliError> {
    use rayon::prelude::*;
    const BATCH: u64 = 1 << 16;
    let total = secret.map_or(args.secrets.unwrap_or(0), |_| args.steps);
    let keyed = secret
        .map(|s| Keyed::new(args.algorithm, s.as_bytes(), backend))
        .transpose()
        .map_err(|e| CliError::usage("--backend", e.to_string()))?;
    let width = usize::from(args.digits.get());
    let modulus = args.digits.modulus();
    let mut start = 0;
    while start < total {
        let end = (start + BATCH * 8).min(total);
        let text: String = (start..end)
            .step_by(BATCH as usize)
            .collect::<Vec<_>>()
            .par_iter()
            .map(|&b| {
                let mut s = String::with_capacity((width + 1) * BATCH as usize);
                let mut key = [0u8; MAX_KEY_LEN];
                for i in b..(b + BATCH).min(end) {
                    let value = match &keyed {
                        Some(k) => k.value(first.wrapping_add(i)),
                        None => {
                            splitmix_key(i, &mut key[..args.key_len]);
                            // `backend` was resolved for many secrets of this
                            // length, so it takes this key.
                            Keyed::new(args.algorithm, &key[..args.key_len], backend)
                                .map_or(0, |k| k.value(first))
                        }
                    };
                    s.push_str(&format!("{:0width$}\n", u64::from(value) % modulus));
                }
                s
            })
            .collect();
        crate::output::write(out, &text)?;
        start = end;
    }
    Ok(0)
}
