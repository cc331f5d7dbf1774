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
    let skew_values: Vec<i64> = skews.values().collect();
    skew_values
        .par_iter()
        .flat_map_iter(|&skew_ms| {
            let mut s = base.clone();
            s.skew_ms = skew_ms;
            let row: Vec<GridPoint> = delays
                .values()
                .map(|delay_ms| {
                    s.delay_ms = delay_ms;
                    GridPoint {
                        delay_ms,
                        skew_ms,
                        probabilities: probabilities(&s, None),
                    }
                })
                .collect();
            progress(row.len() as u64);
            row
        })
        .collect()
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
