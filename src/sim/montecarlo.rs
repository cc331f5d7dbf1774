//! Monte Carlo over distributions of reaction, delay and skew (phases
//! uniform), for questions without a closed form.
//!
//! Determinism: trials are cut into fixed chunks, and chunk `i` draws from
//! its own ChaCha8 stream `i` of the seed (never one RNG per thread), so the
//! same seed gives the same trials, counts and CSV whatever the thread count.

use chacha20::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rayon::prelude::*;

use super::model::{Outcome, Scenario};

/// Trials per chunk (one RNG stream each).
pub const CHUNK: u64 = 1 << 16;

/// A distribution of durations in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(i64),
    /// Uniform over whole ms in `[lo, hi]`.
    Uniform {
        /// Lowest value.
        lo: i64,
        /// Highest value.
        hi: i64,
    },
    /// Normal with this mean and standard deviation (ms), rounded to ms.
    Normal {
        /// Mean.
        mean: i64,
        /// Standard deviation, > 0.
        sd: i64,
    },
    /// Log-normal with this median (ms) and shape σ (of the underlying normal).
    LogNormal {
        /// Median, > 0.
        median: i64,
        /// σ, finite and > 0.
        sigma: f64,
    },
}

impl Dist {
    /// One draw. `nonnegative` clamps the result at 0 (a delay cannot be negative).
    pub fn sample(&self, rng: &mut Draws, nonnegative: bool) -> i64 {
        let v = match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform { lo, hi } => {
                let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
                // Multiply-shift maps 64 random bits onto the span.
                lo + ((u128::from(rng.rng.next_u64()) * span) >> 64) as i64
            }
            Dist::Normal { mean, sd } => {
                let z = rng.standard_normal();
                mean.saturating_add(round(z * sd as f64))
            }
            Dist::LogNormal { median, sigma } => {
                let z = rng.standard_normal();
                (median as f64 * (sigma * z).exp())
                    .round()
                    .min(i64::MAX as f64) as i64
            }
        };
        if nonnegative { v.max(0) } else { v }
    }

    /// The mean in ms (for reports).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v as f64,
            Dist::Uniform { lo, hi } => (lo as f64 + hi as f64) / 2.0,
            Dist::Normal { mean, .. } => mean as f64,
            Dist::LogNormal { median, sigma } => median as f64 * (sigma * sigma / 2.0).exp(),
        }
    }
}

/// Rounds half away from zero without a libm call (`as` saturates, and NaN
/// cannot arise from finite draws).
fn round(x: f64) -> i64 {
    (x + 0.5f64.copysign(x)) as i64
}

/// A work unit's random draws: its ChaCha8 stream, and the second normal
/// of each Box–Muller pair kept for the next call (both are used, halving
/// the logarithms and square roots).
#[derive(Debug)]
pub struct Draws {
    rng: ChaCha8Rng,
    spare_normal: Option<f64>,
}

impl Draws {
    /// Draws from `rng`.
    pub fn new(rng: ChaCha8Rng) -> Self {
        Draws {
            rng,
            spare_normal: None,
        }
    }

    /// 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform draw in (-1, 1) from 53 random bits.
    fn signed_unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (2.0 / (1u64 << 53) as f64) - 1.0
    }

    /// A standard normal draw by Marsaglia's polar method (no trigonometry;
    /// about 1.27 pairs of uniforms per pair of normals), written out so that
    /// the stream of draws cannot change with a dependency's version.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let (u, v) = (self.signed_unit(), self.signed_unit());
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let factor = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * factor);
                return u * factor;
            }
        }
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Everything fixed (period, policy, drift, login timing); its reaction,
    /// delay and skew are replaced by draws.
    pub base: Scenario,
    /// From the code change to reading code 2.
    pub reaction: Dist,
    /// From reading code 2 to receipt.
    pub delay: Dist,
    /// Device minus verifier clock.
    pub skew: Dist,
    /// Number of trials.
    pub trials: u64,
    /// The master seed.
    pub seed: u64,
}

/// One trial's draws and outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trial {
    /// Trial number (0-based); with the seed, it replays the trial.
    pub id: u64,
    /// Drawn reaction.
    pub reaction_ms: i64,
    /// Drawn delay.
    pub delay_ms: i64,
    /// Drawn skew.
    pub skew_ms: i64,
    /// Phase of code 1 in its step.
    pub enroll_phase_ms: i64,
    /// Phase of the login code in its step.
    pub login_phase_ms: i64,
    /// The outcome.
    pub outcome: Outcome,
}

/// Outcome counts, in the order of [`Outcome::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    counts: [u64; 4],
}

fn index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::InSync => 0,
        Outcome::OutOfSync => 1,
        Outcome::LoginFails => 2,
        Outcome::Rejected => 3,
    }
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        self.counts[index(outcome)] += 1;
    }

    fn merge(mut self, other: Counts) -> Counts {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self
    }

    /// Trials counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Count of one outcome.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.counts[index(outcome)]
    }

    /// The estimate and its Wilson score interval at `z` (1.96: 95%).
    pub fn estimate(&self, outcome: Outcome, z: f64) -> (f64, f64, f64) {
        let n = self.total() as f64;
        if n == 0.0 {
            return (0.0, 0.0, 1.0);
        }
        let p = self.count(outcome) as f64 / n;
        let z2 = z * z;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        (p, (centre - half).max(0.0), (centre + half).min(1.0))
    }
}

/// The RNG of chunk `chunk`: stream `chunk` of the master seed.
pub fn chunk_rng(seed: u64, chunk: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chunk);
    rng
}

/// Runs the trials of one chunk, handing each to `visit`.
pub fn run_chunk(config: &Config, chunk: u64, mut visit: impl FnMut(&Trial)) -> Counts {
    let mut rng = Draws::new(chunk_rng(config.seed, chunk));
    let mut scenario = config.base.clone();
    let period = scenario.period_ms as u128;
    let first = chunk * CHUNK;
    let last = (first + CHUNK).min(config.trials);
    let mut counts = Counts::default();
    for id in first..last {
        scenario.reaction_ms = config.reaction.sample(&mut rng, true);
        scenario.delay_ms = config.delay.sample(&mut rng, true);
        scenario.skew_ms = config.skew.sample(&mut rng, false);
        let enroll_phase_ms = ((u128::from(rng.next_u64()) * period) >> 64) as i64;
        let login_phase_ms = ((u128::from(rng.next_u64()) * period) >> 64) as i64;
        let outcome = scenario.outcome(enroll_phase_ms, login_phase_ms);
        counts.add(outcome);
        visit(&Trial {
            id,
            reaction_ms: scenario.reaction_ms,
            delay_ms: scenario.delay_ms,
            skew_ms: scenario.skew_ms,
            enroll_phase_ms,
            login_phase_ms,
            outcome,
        });
    }
    counts
}

/// Number of chunks for the configured trials.
pub fn chunks(config: &Config) -> u64 {
    config.trials.div_ceil(CHUNK)
}

/// Runs every trial in parallel and returns the counts; `progress` is told
/// each finished chunk's trial count.
pub fn run(config: &Config, progress: &(dyn Fn(u64) + Sync)) -> Counts {
    (0..chunks(config))
        .into_par_iter()
        .map(|chunk| {
            let counts = run_chunk(config, chunk, |_| {});
            progress(counts.total());
            counts
        })
        .reduce(Counts::default, Counts::merge)
}

/// Runs every trial in parallel and returns them in trial order (for CSV).
pub fn run_trials(config: &Config, progress: &(dyn Fn(u64) + Sync)) -> (Counts, Vec<Trial>) {
    let per_chunk: Vec<(Counts, Vec<Trial>)> = (0..chunks(config))
        .into_par_iter()
        .map(|chunk| {
            let mut trials = Vec::with_capacity(CHUNK as usize);
            let counts = run_chunk(config, chunk, |t| trials.push(*t));
            progress(counts.total());
            (counts, trials)
        })
        .collect();
    let mut counts = Counts::default();
    let mut all = Vec::with_capacity(config.trials as usize);
    for (c, t) in per_chunk {
        counts = counts.merge(c);
        all.extend(t);
    }
    (counts, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seed's trials are the same in every release: the first words of two
    /// chunks' streams, as rand_chacha 0.10's ChaCha8Rng (the generator used
    /// before chacha20's) gives them for the same seed and stream.
    #[test]
    fn chunk_streams_are_rand_chachas_chacha8() {
        let expected = [
            (
                1,
                0,
                [
                    0x6709_4cea_8ca4_0db1,
                    0x1494_06d8_fc0e_8e6b,
                    0x98b8_2b03_3607_0665,
                ],
            ),
            (
                42,
                3,
                [
                    0x5c97_cf06_8ade_5889,
                    0x97a8_9ee5_b9d0_1cc4,
                    0xbae7_da72_91d3_77bf,
                ],
            ),
        ];
        for (seed, chunk, words) in expected {
            let mut rng = chunk_rng(seed, chunk);
            let got: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
            assert_eq!(got, words, "seed {seed}, chunk {chunk}");
        }
    }

    #[test]
    fn normal_draws_have_mean_0_and_variance_1() {
        let mut d = Draws::new(chunk_rng(3, 0));
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.standard_normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        let within_1 = xs.iter().filter(|x| x.abs() < 1.0).count() as f64 / n as f64;
        assert!((within_1 - 0.6827).abs() < 0.005, "{within_1}");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(
            (round(2.5), round(-2.5), round(2.4), round(-2.6)),
            (3, -3, 2, -3)
        );
    }
}
