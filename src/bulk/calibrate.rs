//! `Auto`'s choice: which variant is fastest is a property of the CPU, not
//! of the code. Two SHA-1 codes per compression call won on the Xeon
//! measured and lost a quarter to four on an AMD EPYC (Zen 4); the eight
//! Keccak lanes of AVX-512 are 2.5–3× the portable path on the Xeon and
//! barely break even on Zen 4 (docs/bench.md). So the first request for an
//! algorithm and workload times every variant that can run it on this CPU,
//! a few milliseconds on the calling thread, and keeps the fastest for the
//! process.
//!
//! The timing is interleaved (every candidate once per round, nine rounds,
//! each candidate's fastest round kept) so that a frequency change or an
//! interruption cannot favour one candidate. The cost, once per algorithm
//! and workload: about 2 ms for SHA-1, 14 ms for SHA3-256 (Xeon, measured
//! as a one-code `skewsim bulk` with `auto` against `portable`).

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::backend::{Backend, Workload};
use crate::totp::Algorithm;

/// What the calibration measured and chose for one algorithm and workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The algorithm timed.
    pub algorithm: Algorithm,
    /// The workload timed (many secrets: of 20 bytes).
    pub workload: Workload,
    /// The fastest candidate: what `Auto` runs.
    pub chosen: Backend,
    /// Each candidate's best time per code on one thread, in nanoseconds,
    /// in the order they were tried.
    pub ns_per_code: Vec<(Backend, f64)>,
}

/// Rounds of the interleaved timing.
const ROUNDS: usize = 9;
/// Codes per timed batch, one secret.
const ONE_SECRET_BATCH: u64 = 1024;
/// Secrets per timed batch, many secrets.
const MANY_SECRETS_BATCH: u64 = 512;
/// The key length the many-secrets timing uses (the CLI's default).
const CALIBRATION_KEY_LEN: usize = 20;

/// The variants that could run `workload` of `algorithm` on this CPU, the
/// wide ones first (a tie goes to the first).
fn candidates(algorithm: Algorithm, workload: Workload) -> Vec<Backend> {
    [
        Backend::ShaNi2,
        Backend::ShaNi4,
        Backend::Avx512,
        Backend::Avx2,
        Backend::Portable,
    ]
    .into_iter()
    .filter(|b| b.check(algorithm, workload).is_ok())
    .collect()
}

/// Times every candidate with `time` (one batch per call) and chooses the
/// fastest; `batch` is the number of codes a call computes.
fn measure(
    algorithm: Algorithm,
    workload: Workload,
    candidates: &[Backend],
    batch: u64,
    mut time: impl FnMut(Backend) -> Duration,
) -> Calibration {
    let mut best = vec![Duration::MAX; candidates.len()];
    // One untimed call each first: code and tables into the caches.
    for &candidate in candidates {
        time(candidate);
    }
    for _ in 0..ROUNDS {
        for (slot, &candidate) in best.iter_mut().zip(candidates) {
            *slot = (*slot).min(time(candidate));
        }
    }
    let chosen = candidates
        .iter()
        .zip(&best)
        .min_by_key(|(_, t)| **t)
        .map_or(Backend::Portable, |(b, _)| *b);
    Calibration {
        algorithm,
        workload,
        chosen,
        ns_per_code: candidates
            .iter()
            .zip(&best)
            .map(|(&b, t)| (b, t.as_nanos() as f64 / batch as f64))
            .collect(),
    }
}

/// Times one batch of `workload` of `algorithm` on `backend`.
fn time_batch(algorithm: Algorithm, workload: Workload, backend: Backend) -> Duration {
    const FIRST: u64 = 1_700_000_000 / 30;
    let started = Instant::now();
    match workload {
        Workload::OneSecret => {
            let keyed = super::Keyed::on(algorithm, b"12345678901234567890", backend);
            black_box(keyed.sum_codes(black_box(FIRST), ONE_SECRET_BATCH, 1_000_000));
        }
        Workload::ManySecrets { key_len } => {
            black_box(super::chunk_sum(
                algorithm,
                backend,
                black_box(0),
                MANY_SECRETS_BATCH,
                key_len,
                FIRST,
                1_000_000,
            ));
        }
    }
    started.elapsed()
}

/// The calibration of `algorithm` for `workload` on this CPU: measured on
/// the first call, then the same value for the life of the process. `None`
/// when there is nothing to choose (one candidate only: an older CPU, or
/// many secrets longer than the fast paths take), and then `Auto` runs
/// the portable path.
///
/// ```
/// use skewsim::bulk::{calibration, Backend, Workload};
/// use skewsim::Algorithm;
/// if let Some(c) = calibration(Algorithm::Sha1, Workload::OneSecret) {
///     assert_eq!(Backend::Auto.resolve(Algorithm::Sha1, Workload::OneSecret), Ok(c.chosen));
///     assert!(c.ns_per_code.iter().any(|(b, _)| *b == c.chosen));
/// }
/// ```
pub fn calibration(algorithm: Algorithm, workload: Workload) -> Option<&'static Calibration> {
    static ONE_SECRET: [OnceLock<Option<Calibration>>; 7] = [const { OnceLock::new() }; 7];
    static MANY_SECRETS: [OnceLock<Option<Calibration>>; 7] = [const { OnceLock::new() }; 7];
    if candidates(algorithm, workload).len() < 2 {
        return None;
    }
    let index = Algorithm::ALL.iter().position(|a| *a == algorithm)?;
    let (cache, timed, batch) = match workload {
        Workload::OneSecret => (&ONE_SECRET, Workload::OneSecret, ONE_SECRET_BATCH),
        // Every length the lanes take ranks the variants alike: one
        // measurement per algorithm, at the default length.
        Workload::ManySecrets { .. } => (
            &MANY_SECRETS,
            Workload::ManySecrets {
                key_len: CALIBRATION_KEY_LEN,
            },
            MANY_SECRETS_BATCH,
        ),
    };
    cache[index]
        .get_or_init(|| {
            let candidates = candidates(algorithm, timed);
            (candidates.len() >= 2).then(|| {
                measure(algorithm, timed, &candidates, batch, |b| {
                    time_batch(algorithm, timed, b)
                })
            })
        })
        .as_ref()
}

/// What `Auto` runs for `workload` of `algorithm` on this CPU.
pub(super) fn choice(algorithm: Algorithm, workload: Workload) -> Backend {
    match calibration(algorithm, workload) {
        Some(c) => c.chosen,
        None => candidates(algorithm, workload)
            .first()
            .copied()
            .unwrap_or(Backend::Portable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A timer that makes `fast` take 1 µs a batch and every other
    /// candidate `slow_by` times as long, with a spike on one round.
    fn injected(fast: Backend, slow_by: f64) -> impl FnMut(Backend) -> Duration {
        let mut calls = 0u32;
        move |b| {
            calls += 1;
            // Every seventh call is interrupted: the round minimum ignores it.
            let spike = if calls.is_multiple_of(7) { 50.0 } else { 1.0 };
            let micros = if b == fast { 1.0 } else { slow_by };
            Duration::from_nanos((micros * spike * 1000.0) as u64)
        }
    }

    #[test]
    fn the_calibration_picks_whichever_variant_is_fastest() {
        let all = [
            Backend::ShaNi2,
            Backend::ShaNi4,
            Backend::Avx512,
            Backend::Avx2,
            Backend::Portable,
        ];
        for fast in all {
            // Even a 3% lead wins, and a candidate slowed down loses.
            let c = measure(
                Algorithm::Sha1,
                Workload::OneSecret,
                &all,
                1000,
                injected(fast, 1.03),
            );
            assert_eq!(c.chosen, fast);
            assert_eq!(c.ns_per_code.len(), all.len());
            for (b, ns) in &c.ns_per_code {
                let want = if *b == fast { 1.0 } else { 1.03 };
                assert!((ns - want).abs() < 1e-9, "{b}: {ns}");
            }
        }
    }

    #[test]
    fn a_wide_path_that_cannot_win_is_not_chosen() {
        // Zen 4's Keccak: eight lanes cost as much as eight scalar permutations.
        let timings = |b: Backend| match b {
            Backend::Avx512 => Duration::from_micros(1010),
            Backend::Avx2 => Duration::from_micros(1300),
            _ => Duration::from_micros(1000),
        };
        let c = measure(
            Algorithm::Sha3_256,
            Workload::OneSecret,
            &[Backend::Avx512, Backend::Avx2, Backend::Portable],
            1000,
            timings,
        );
        assert_eq!(c.chosen, Backend::Portable);
    }

    #[test]
    fn candidates_are_what_this_cpu_runs_and_auto_resolves_to_one() {
        for alg in Algorithm::ALL {
            for workload in [
                Workload::OneSecret,
                Workload::ManySecrets { key_len: 20 },
                Workload::ManySecrets { key_len: 1024 },
            ] {
                let candidates = candidates(alg, workload);
                assert!(candidates.contains(&Backend::Portable), "{alg}");
                for b in &candidates {
                    assert!(b.runs(alg) && b.on_this_cpu(), "{alg} {b}");
                }
                let ran = Backend::Auto.resolve(alg, workload).unwrap();
                assert!(candidates.contains(&ran), "{alg} {workload:?}: {ran}");
                // Keys longer than every lane takes leave nothing to time.
                if workload == (Workload::ManySecrets { key_len: 1024 }) {
                    assert_eq!(ran, Backend::Portable);
                    assert!(calibration(alg, workload).is_none());
                }
            }
        }
    }
}
