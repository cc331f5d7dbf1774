//! Grids of scenarios: outcome probabilities over delay × skew, the delay
//! curve at one skew, and the threshold delays for each skew. Rows are
//! computed in parallel (rayon) and returned in a fixed order.

use rayon::prelude::*;

use super::exact::{Probabilities, Thresholds, probabilities, thresholds};
use super::model::Scenario;

/// An inclusive range of milliseconds walked in equal steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First value.
    pub from: i64,
    /// Last value (included when the steps land on it).
    pub to: i64,
    /// Step, > 0.
    pub step: i64,
}

impl Span {
    /// A span; `None` when empty or inverted or the step is not positive.
    pub fn new(from: i64, to: i64, step: i64) -> Option<Span> {
        (step > 0 && from <= to).then_some(Span { from, to, step })
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        // from <= to and step > 0, so the difference is non-negative.
        ((i128::from(self.to) - i128::from(self.from)) / i128::from(self.step)) as u64 + 1
    }

    /// Always false: a span holds at least `from`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The values, in order.
    pub fn values(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(move |i| self.from + i as i64 * self.step)
    }
}

/// One grid point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPoint {
    /// Submission delay.
    pub delay_ms: i64,
    /// Device skew.
    pub skew_ms: i64,
    /// Exact outcome counts.
    pub probabilities: Probabilities,
}

/// The whole grid, skew-major (all delays of the first skew, then the next).
pub fn grid(base: &Scenario, delays: &Span, skews: &Span) -> Vec<GridPoint> {
    grid_with(base, delays, skews, &|_| {})
}

/// [`grid`], telling `progress` the number of points of each finished skew row.
pub fn grid_with(
    base: &Scenario,
    delays: &Span,
    skews: &Span,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<GridPoint> {
    let mut all = Vec::new();
    let whole: Result<(), std::convert::Infallible> =
        grid_in_bands(base, delays, skews, progress, |band| {
            all.extend_from_slice(band);
            Ok(())
        });
    // The sink above cannot fail.
    let Ok(()) = whole;
    all
}

/// How many grid points [`grid_in_bands`] computes at once: enough to keep
/// every core busy, few enough that a band is a few megabytes.
pub const BAND_POINTS: usize = 1 << 16;

/// The grid [`BAND_POINTS`] points at a time, each band computed in
/// parallel and handed to `sink` in order (skew-major, as [`grid`]; a band
/// may end mid-row), so that a grid too large to hold (millions of points)
/// can be streamed to a file: only one band is in memory. `progress` is told
/// the number of points of each band. Stops at the first error of `sink`.
///
/// # Errors
/// The first error `sink` returns.
pub fn grid_in_bands<E>(
    base: &Scenario,
    delays: &Span,
    skews: &Span,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(&[GridPoint]) -> Result<(), E>,
) -> Result<(), E> {
    // A grid beyond the address space could not be swept anyway; the
    // command line caps grids far below it.
    let per_row = usize::try_from(delays.len()).unwrap_or(usize::MAX);
    let total = per_row.saturating_mul(usize::try_from(skews.len()).unwrap_or(usize::MAX));
    let mut start = 0;
    while start < total {
        let end = total.min(start.saturating_add(BAND_POINTS));
        let band: Vec<GridPoint> = (start..end)
            .into_par_iter()
            .map_init(
                || base.clone(),
                |s, i| {
                    // Point i is delay i % per_row of skew row i / per_row,
                    // each value as Span::values gives it.
                    let delay_ms = delays.from + (i % per_row) as i64 * delays.step;
                    let skew_ms = skews.from + (i / per_row) as i64 * skews.step;
                    s.delay_ms = delay_ms;
                    s.skew_ms = skew_ms;
                    GridPoint {
                        delay_ms,
                        skew_ms,
                        probabilities: probabilities(s, None),
                    }
                },
            )
            .collect();
        progress(band.len() as u64);
        sink(&band)?;
        start = end;
    }
    Ok(())
}

/// The thresholds at each skew (for the boundary lines of a phase diagram).
pub fn thresholds_by_skew(base: &Scenario, skews: &Span) -> Vec<(i64, Thresholds)> {
    let skew_values: Vec<i64> = skews.values().collect();
    skew_values
        .par_iter()
        .map(|&skew_ms| {
            let mut s = base.clone();
            s.skew_ms = skew_ms;
            (skew_ms, thresholds(&s, None))
        })
        .collect()
}

/// The outcome probabilities against delay, exact: between two consecutive
/// vertices every outcome's probability is linear in the delay, and a jump
/// shows as two vertices 1 ms apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayCurve {
    /// (delay, counts), by increasing delay.
    pub vertices: Vec<(i64, Probabilities)>,
    /// False when the evaluation budget ran out and the curve is the
    /// `fallback_step` samples joined by straight lines.
    pub exact: bool,
}

/// Evaluations a [`delay_curve`] of a scenario without drift needs at most
/// in practice (a few thousand; each costs microseconds).
pub const CURVE_BUDGET: usize = 60_000;

/// Whether `c(m)` lies on the line through `c(a)` and `c(b)` for every
/// outcome (exact integer arithmetic).
fn collinear(a: (i64, &Probabilities), m: (i64, &Probabilities), b: (i64, &Probabilities)) -> bool {
    use super::model::Outcome;
    Outcome::ALL.iter().all(|&o| {
        let (ca, cm, cb) = (
            a.1.count(o) as i128,
            m.1.count(o) as i128,
            b.1.count(o) as i128,
        );
        (cm - ca) * i128::from(b.0 - a.0) == (cb - ca) * i128::from(m.0 - a.0)
    })
}

/// The exact delay curve of `base` (its skew) from `from_ms` to `to_ms`.
///
/// The probabilities are piecewise linear in the delay (each phase interval
/// moves 1 ms per ms of delay) with jumps where a receipt crosses a step.
/// The curve starts from samples every `fallback_step` ms and the thresholds,
/// then halves every interval on which five evenly spaced evaluations are not
/// on one line, down to 1 ms: a jump ends as two vertices 1 ms apart. When
/// `budget` evaluations beyond the samples do not suffice, the samples are
/// returned with `exact: false` (pass 0 with drift, where each evaluation
/// costs a period of phases).
///
/// ```
/// use skewsim::sim::{Outcome, Scenario, preset};
/// use skewsim::sim::sweep::delay_curve;
/// let aws = Scenario::new(preset("aws-iam").expect("a preset"));
/// let curve = delay_curve(&aws, 0, 120_000, 5_000, skewsim::sim::sweep::CURVE_BUDGET);
/// assert!(curve.exact);
/// // Out of sync jumps at 58 s (to 83.33%): vertices at 57.999 s and 58 s.
/// let at = |d: i64| curve.vertices.iter().find(|v| v.0 == d).map(|v| v.1.p(Outcome::OutOfSync));
/// assert_eq!(at(57_999), Some(0.0));
/// assert!((at(58_000).expect("a vertex") - 5.0 / 6.0).abs() < 1e-12);
/// ```
pub fn delay_curve(
    base: &Scenario,
    from_ms: i64,
    to_ms: i64,
    fallback_step: i64,
    budget: usize,
) -> DelayCurve {
    let to_ms = to_ms.max(from_ms);
    let step = fallback_step.max(1);
    let mut at = |d: i64| {
        let mut s = base.clone();
        s.delay_ms = d;
        probabilities(&s, None)
    };
    let mut seeds: Vec<i64> = (0..)
        .map(|i| from_ms.saturating_add(i * step))
        .take_while(|&d| d < to_ms)
        .collect();
    seeds.push(to_ms);
    let t = thresholds(base, None);
    for onset in [t.out_of_sync, t.login_fails, t.rejected]
        .into_iter()
        .flatten()
    {
        seeds.extend([onset.from_ms - 1, onset.from_ms]);
    }
    for d in [
        t.in_sync_uncertain_from,
        t.out_of_sync_certain_from,
        t.rejected_certain_from,
    ]
    .into_iter()
    .flatten()
    {
        seeds.extend([d - 1, d]);
    }
    seeds.retain(|d| (from_ms..=to_ms).contains(d));
    seeds.sort_unstable();
    seeds.dedup();
    let samples: Vec<(i64, Probabilities)> = seeds.iter().map(|&d| (d, at(d))).collect();
    let mut budget = budget;
    let mut vertices = vec![samples[0]];
    for pair in samples.windows(2) {
        if !refine(&mut at, pair[0], pair[1], &mut vertices, &mut budget) {
            return DelayCurve {
                vertices: samples,
                exact: false,
            };
        }
    }
    // Drop the vertices that sit on the line through their neighbours.
    let mut kept: Vec<(i64, Probabilities)> = Vec::with_capacity(vertices.len());
    for v in vertices {
        while kept.len() >= 2 {
            let (a, m) = (kept[kept.len() - 2], kept[kept.len() - 1]);
            if m.0 - a.0 > 1 && v.0 - m.0 > 1 && collinear((a.0, &a.1), (m.0, &m.1), (v.0, &v.1)) {
                kept.pop();
            } else {
                break;
            }
        }
        kept.push(v);
    }
    DelayCurve {
        vertices: kept,
        exact: true,
    }
}

/// Appends the vertices of `(a, b]` to `out`; false when the budget ran out.
fn refine(
    at: &mut impl FnMut(i64) -> Probabilities,
    a: (i64, Probabilities),
    b: (i64, Probabilities),
    out: &mut Vec<(i64, Probabilities)>,
    budget: &mut usize,
) -> bool {
    if b.0 - a.0 <= 1 {
        out.push(b);
        return true;
    }
    if *budget < 3 {
        return false;
    }
    *budget -= 3;
    let m = a.0 + (b.0 - a.0) / 2;
    let (q1, q3) = (a.0 + (m - a.0) / 2, m + (b.0 - m) / 2);
    let (pm, p1, p3) = ((m, at(m)), (q1, at(q1)), (q3, at(q3)));
    let line = |p: &(i64, Probabilities)| collinear((a.0, &a.1), (p.0, &p.1), (b.0, &b.1));
    if line(&pm) && line(&p1) && line(&p3) {
        out.push(b);
        return true;
    }
    refine(at, a, pm, out, budget) && refine(at, pm, b, out, budget)
}
