//! Monte Carlo agrees with the exact analysis, and is deterministic whatever
//! the thread count.

use skewsim::sim::montecarlo::{Config, Counts, Dist, run, run_trials};
use skewsim::sim::{Outcome, Scenario, preset, probabilities};

fn base(policy: &str) -> Scenario {
    Scenario {
        period_ms: 30_000,
        delay_ms: 0,
        skew_ms: 0,
        drift_ppb: 0,
        reaction_ms: 0,
        login_delay_ms: 5_000,
        login_after_ms: 86_400_000,
        attempts: 3,
        policy: preset(policy).expect("preset"),
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

/// Every outcome's exact probability lies within 4.5 standard errors of the estimate.
fn assert_agrees(counts: &Counts, exact: [f64; 4], what: &str) {
    let n = counts.total() as f64;
    for (outcome, p) in Outcome::ALL.into_iter().zip(exact) {
        let est = counts.count(outcome) as f64 / n;
        let se = (p * (1.0 - p) / n).sqrt().max(1.0 / n);
        assert!(
            (est - p).abs() <= 4.5 * se,
            "{what}: {outcome:?} estimate {est} vs exact {p} (se {se})"
        );
    }
}

fn shares(p: &skewsim::sim::Probabilities) -> [f64; 4] {
    Outcome::ALL.map(|o| p.p(o))
}

#[test]
fn fixed_draws_agree_with_the_exact_answer_for_every_preset() {
    // Two cases per preset where the outcomes are mixed (a late pair, a
    // skewed clock), and one with drift.
    let mut cases: Vec<(String, i64, i64, i64)> = Vec::new();
    for p in skewsim::sim::presets() {
        cases.push((p.name.clone(), 60_000, 0, 0));
        cases.push((p.name.clone(), 20_000, -40_000, 0));
    }
    cases.push(("aws-iam".to_owned(), 58_000, 0, 300_000_000));
    cases.push(("django-otp".to_owned(), 10_000, 5_000, 100_000_000));
    for (policy, delay, skew, drift) in cases {
        let mut s = base(&policy);
        s.drift_ppb = drift;
        let config = Config {
            base: s.clone(),
            reaction: Dist::Fixed(2_000),
            delay: Dist::Fixed(delay),
            skew: Dist::Fixed(skew),
            trials: 200_000,
            seed: 7,
        };
        let counts = run(&config, &|_| {});
        s.reaction_ms = 2_000;
        s.delay_ms = delay;
        s.skew_ms = skew;
        assert_agrees(
            &counts,
            shares(&probabilities(&s, None)),
            &format!("{policy} delay {delay} skew {skew} drift {drift}"),
        );
    }
}

#[test]
fn a_uniform_delay_agrees_with_the_exact_average() {
    // Uniform over 40 s..80 s in whole ms: the exact answer is the mean of
    // the exact answers at each of the 40001 delays.
    let mut s = base("aws-iam");
    s.reaction_ms = 2_000;
    let mut sum = [0f64; 4];
    for delay in 40_000..=80_000 {
        s.delay_ms = delay;
        for (total, share) in sum.iter_mut().zip(shares(&probabilities(&s, None))) {
            *total += share;
        }
    }
    let exact = sum.map(|x| x / 40_001.0);
    let config = Config {
        base: base("aws-iam"),
        reaction: Dist::Fixed(2_000),
        delay: Dist::Uniform {
            lo: 40_000,
            hi: 80_000,
        },
        skew: Dist::Fixed(0),
        trials: 400_000,
        seed: 11,
    };
    assert_agrees(&run(&config, &|_| {}), exact, "uniform delay");
}

#[test]
fn same_seed_same_trials_for_any_thread_count() {
    let config = Config {
        base: base("aws-iam"),
        reaction: Dist::Uniform { lo: 500, hi: 4_000 },
        delay: Dist::LogNormal {
            median: 20_000,
            sigma: 0.8,
        },
        skew: Dist::Normal { mean: 0, sd: 5_000 },
        trials: 200_003,
        seed: 42,
    };
    let one = in_pool(1, || run_trials(&config, &|_| {}));
    let two = in_pool(2, || run_trials(&config, &|_| {}));
    let four = in_pool(4, || run(&config, &|_| {}));
    assert_eq!(one.0, two.0, "counts differ between 1 and 2 threads");
    assert_eq!(one.1, two.1, "trials differ between 1 and 2 threads");
    assert_eq!(one.0, four, "counts differ between 1 and 4 threads");
    // A different seed gives different trials.
    let other = Config {
        seed: 43,
        ..config.clone()
    };
    assert_ne!(in_pool(2, || run_trials(&other, &|_| {})).1, one.1);
}
