//! Bulk code generation: algorithm × workload × implementation × threads.
//!
//! Every implementation's checksum is checked against the core's before it
//! is timed. Throughput is in elements (codes), so criterion reports codes/s;
//! `skewsim bench-report` turns the results into reports/bench/.
//!
//! `SKEWSIM_BENCH=ci` runs the CI subset (docs/bench.md): SHA-1, SHA-256,
//! SHA-512 and SHA3-256 for one secret, SHA-1 and SHA-256 for many secrets,
//! the fast paths and totp-rs (so every speed-up is there) on all threads,
//! with shorter measurements: under two minutes on 2 cores.
//!
//! `auto` is the variant the calibration picks on this CPU, or the one
//! `SKEWSIM_BACKEND` names where it runs the algorithm. What ran, and the
//! CPU, go to `skewsim-run.json` next to criterion's results, for
//! `skewsim bench-report`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use rayon::prelude::*;
use skewsim::bulk::{
    Backend, CHUNK, Cpu, Keyed, Workload, secrets_checksum, splitmix_key, steps_checksum,
};
use skewsim::report::bench::{RUN_RECORD_FILE, RunRecord, criterion_dirs};
use skewsim::{Algorithm, Digits};

/// Benchmark (without threads) → the backend that ran it.
static RAN: Mutex<BTreeMap<String, Backend>> = Mutex::new(BTreeMap::new());

/// The backend a benchmark column runs: `auto` resolved (or
/// `SKEWSIM_BACKEND` where it runs `alg`), the others as named. Recorded.
fn resolve(group: &str, alg: Algorithm, column: Backend, workload: Workload) -> Backend {
    let asked = match (column, std::env::var("SKEWSIM_BACKEND")) {
        (Backend::Auto, Ok(name)) => name
            .parse::<Backend>()
            .ok()
            .filter(|b| b.resolve(alg, workload).is_ok())
            .unwrap_or(Backend::Auto),
        _ => column,
    };
    let ran = asked
        .resolve(alg, workload)
        .expect("auto, portable and naive run every algorithm");
    RAN.lock()
        .expect("not poisoned")
        .insert(format!("{group}/{}", column.name()), ran);
    ran
}

/// Writes what ran next to criterion's results (not in `--test` or
/// `--list` runs, which write no results).
fn write_run_record() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let cpu = Cpu::this();
    let ran = RAN
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|(name, b)| (name.clone(), (b.name().to_owned(), b.lanes().unwrap_or(1))))
        .collect();
    let record = RunRecord {
        cpu: cpu.model,
        features: cpu.features.iter().map(|f| (*f).to_owned()).collect(),
        ran,
    };
    let Some((dir, _)) = criterion_dirs().into_iter().next() else {
        return;
    };
    let path = dir.join(RUN_RECORD_FILE);
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, record.to_json()))
    {
        eprintln!("warning: cannot write {}: {e}", path.display());
    }
}

const SEED: &[u8] = b"12345678901234567890";
/// Codes per timed iteration.
const W1_CODES: u64 = 1 << 18;
const W2_CODES: u64 = 1 << 16;
const FIRST: u64 = 1_700_000_000 / 30;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// The CI subset (`SKEWSIM_BENCH=ci`) rather than the full matrix.
fn ci_mode() -> bool {
    std::env::var("SKEWSIM_BENCH").is_ok_and(|v| v == "ci")
}

fn thread_counts() -> Vec<usize> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    // CI: every thread only (the parallel path is the product).
    if ci_mode() || all == 1 {
        vec![all]
    } else {
        vec![1, all]
    }
}

fn backends() -> Vec<Backend> {
    if ci_mode() {
        vec![Backend::Portable, Backend::Auto]
    } else {
        vec![Backend::Naive, Backend::Portable, Backend::Auto]
    }
}

/// Sample count, warm-up and measurement time of a group.
fn timing(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let (warm, measure) = if ci_mode() { (150, 600) } else { (300, 1500) };
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(warm));
    group.measurement_time(std::time::Duration::from_millis(measure));
}

fn totp_rs_algorithm(alg: Algorithm) -> Option<totp_rs::Algorithm> {
    match alg {
        Algorithm::Sha1 => Some(totp_rs::Algorithm::SHA1),
        Algorithm::Sha256 => Some(totp_rs::Algorithm::SHA256),
        Algorithm::Sha512 => Some(totp_rs::Algorithm::SHA512),
        _ => None,
    }
}

fn totp_rs_token(alg: totp_rs::Algorithm, key: &[u8]) -> totp_rs::Totp {
    totp_rs::Builder::new()
        .with_algorithm(alg)
        .with_digits(6)
        .with_secret(key.to_vec())
        .build_noncompliant()
}

/// Workload 1 with totp-rs: a `Totp` per secret, `generate` per code (its public API).
fn totp_rs_steps(alg: totp_rs::Algorithm, first: u64, steps: u64) -> u64 {
    let totp = totp_rs_token(alg, SEED);
    (0..steps.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK;
            (start..(start + CHUNK).min(steps))
                .map(|i| {
                    totp.generate((first + i) * 30)
                        .to_string()
                        .parse::<u64>()
                        .unwrap_or(0)
                })
                .fold(0u64, u64::wrapping_add)
        })
        .reduce(|| 0, u64::wrapping_add)
}

/// Workload 2 with totp-rs: a `Totp` built per secret.
fn totp_rs_secrets(alg: totp_rs::Algorithm, secrets: u64, counter: u64) -> u64 {
    (0..secrets.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK;
            let mut key = [0u8; 20];
            (start..(start + CHUNK).min(secrets))
                .map(|i| {
                    splitmix_key(i, &mut key);
                    let token = totp_rs_token(alg, &key).generate(counter * 30);
                    token.to_string().parse::<u64>().unwrap_or(0)
                })
                .fold(0u64, u64::wrapping_add)
        })
        .reduce(|| 0, u64::wrapping_add)
}

fn w1(c: &mut Criterion) {
    let digits = Digits::SIX;
    let algorithms = if ci_mode() {
        vec![
            Algorithm::Sha1,
            Algorithm::Sha256,
            Algorithm::Sha512,
            Algorithm::Sha3_256,
        ]
    } else {
        Algorithm::ALL.to_vec()
    };
    for alg in algorithms {
        let mut group = c.benchmark_group(format!("w1_steps/{alg}"));
        group.throughput(Throughput::Elements(W1_CODES));
        timing(&mut group);
        let naive = Keyed::new(alg, SEED, Backend::Naive).expect("naive runs everything");
        let reference = steps_checksum(&naive, FIRST, W1_CODES, digits);
        for threads in thread_counts() {
            let pool = pool(threads);
            for column in backends() {
                let group_name = format!("w1_steps/{alg}");
                let backend = resolve(&group_name, alg, column, Workload::OneSecret);
                let keyed = Keyed::new(alg, SEED, backend).expect("resolved");
                let got = pool.install(|| steps_checksum(&keyed, FIRST, W1_CODES, digits));
                assert_eq!(got, reference, "{alg} {backend:?} disagrees with the core");
                group.bench_function(
                    BenchmarkId::new(column.name(), format!("{threads}t")),
                    |b| {
                        b.iter(|| {
                            pool.install(|| {
                                steps_checksum(black_box(&keyed), FIRST, W1_CODES, digits)
                            })
                        })
                    },
                );
            }
            if let Some(tr) = totp_rs_algorithm(alg) {
                assert_eq!(
                    pool.install(|| totp_rs_steps(tr, FIRST, W1_CODES)),
                    reference,
                    "totp-rs {alg}"
                );
                group.bench_function(BenchmarkId::new("totp-rs", format!("{threads}t")), |b| {
                    b.iter(|| pool.install(|| totp_rs_steps(tr, black_box(FIRST), W1_CODES)))
                });
            }
        }
        group.finish();
    }
}

fn w2(c: &mut Criterion) {
    let digits = Digits::SIX;
    let algorithms = if ci_mode() {
        vec![Algorithm::Sha1, Algorithm::Sha256]
    } else {
        vec![
            Algorithm::Sha1,
            Algorithm::Sha256,
            Algorithm::Sha512,
            Algorithm::Sha3_256,
        ]
    };
    for alg in algorithms {
        let mut group = c.benchmark_group(format!("w2_secrets/{alg}"));
        group.throughput(Throughput::Elements(W2_CODES));
        timing(&mut group);
        let reference = secrets_checksum(alg, Backend::Naive, W2_CODES, 20, FIRST, digits)
            .expect("naive runs everything");
        for threads in thread_counts() {
            let pool = pool(threads);
            for column in backends() {
                let group_name = format!("w2_secrets/{alg}");
                let backend = resolve(
                    &group_name,
                    alg,
                    column,
                    Workload::ManySecrets { key_len: 20 },
                );
                let got =
                    pool.install(|| secrets_checksum(alg, backend, W2_CODES, 20, FIRST, digits));
                assert_eq!(
                    got,
                    Ok(reference),
                    "{alg} {backend:?} disagrees with the core"
                );
                group.bench_function(
                    BenchmarkId::new(column.name(), format!("{threads}t")),
                    |b| {
                        b.iter(|| {
                            pool.install(|| {
                                secrets_checksum(
                                    alg,
                                    backend,
                                    W2_CODES,
                                    20,
                                    black_box(FIRST),
                                    digits,
                                )
                                .unwrap_or(0)
                            })
                        })
                    },
                );
            }
            if let Some(tr) = totp_rs_algorithm(alg) {
                assert_eq!(
                    pool.install(|| totp_rs_secrets(tr, W2_CODES, FIRST)),
                    reference,
                    "totp-rs {alg}"
                );
                group.bench_function(BenchmarkId::new("totp-rs", format!("{threads}t")), |b| {
                    b.iter(|| pool.install(|| totp_rs_secrets(tr, W2_CODES, black_box(FIRST))))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, w1, w2);

// criterion_main!, and then the record of what ran.
fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    write_run_record();
}
