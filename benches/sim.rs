//! The simulator's figures: one scenario's exact answer, a sweep row, and
//! Monte Carlo trials per second (1 thread and all).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use skewsim::sim::montecarlo::{Config, Dist, run};
use skewsim::sim::sweep::{Span, grid};
use skewsim::sim::{Outcome, Scenario, preset, probabilities, thresholds};

fn scenario() -> Scenario {
    Scenario {
        delay_ms: 90_000,
        ..Scenario::new(preset("aws-iam").expect("preset"))
    }
}

fn exact(c: &mut Criterion) {
    let s = scenario();
    assert!(
        probabilities(&s, None).certain(Outcome::OutOfSync),
        "the headline answer"
    );
    let mut group = c.benchmark_group("exact");
    group.bench_function("probabilities+thresholds/90s", |b| {
        b.iter(|| {
            (
                probabilities(black_box(&s), None),
                thresholds(black_box(&s), None),
            )
        })
    });
    let delays = Span::new(0, 600_000, 1_000).expect("span");
    let skews = Span::new(-180_000, 180_000, 1_000).expect("span");
    group.throughput(Throughput::Elements(delays.len() * skews.len()));
    group.sample_size(10);
    group.bench_function("sweep/601x361", |b| {
        b.iter(|| grid(black_box(&s), &delays, &skews))
    });
    group.finish();
}

fn montecarlo(c: &mut Criterion) {
    const TRIALS: u64 = 1 << 21;
    let config = Config {
        base: scenario(),
        reaction: Dist::Uniform { lo: 500, hi: 4_000 },
        delay: Dist::LogNormal {
            median: 20_000,
            sigma: 0.8,
        },
        skew: Dist::Normal { mean: 0, sd: 5_000 },
        trials: TRIALS,
        seed: 1,
    };
    let reference = run(&config, &|_| {});
    assert_eq!(reference.total(), TRIALS);
    let mut group = c.benchmark_group("montecarlo");
    group.throughput(Throughput::Elements(TRIALS));
    group.sample_size(10);
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, all] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        assert_eq!(
            pool.install(|| run(&config, &|_| {})),
            reference,
            "deterministic"
        );
        group.bench_function(BenchmarkId::new("trials", format!("{threads}t")), |b| {
            b.iter(|| pool.install(|| run(black_box(&config), &|_| {})))
        });
    }
    group.finish();
}

criterion_group!(benches, exact, montecarlo);
criterion_main!(benches);
