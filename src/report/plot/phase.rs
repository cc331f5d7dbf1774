//! The phase diagram: the outcome over (delay, skew), its certainty as a
//! shade, and the delays from which out of sync and rejection become
//! possible drawn as thick lines.

use std::collections::HashMap;

use plotters::prelude::*;

use super::extent::{delay_axis_end, same};
use super::{
    Axis, DELAY_AXIS_TITLE, Dash, Entry, Mark, OUTCOME_COLOURS, PlotError, Ticked, axes, compact,
    dashed_line, duration_label, duration_ticks, fail, layout, legend, tint,
};
use crate::duration::format_ms;
use crate::sim::exact::{Probabilities, Thresholds};
use crate::sim::sweep::GridPoint;

/// The shade of a cell: certain, most likely at 75% or more, or less.
const SHADES: [f64; 3] = [1.0, 0.55, 0.28];

/// A cell's class: the most likely outcome (index in [`OUTCOME_COLOURS`])
/// and how certain it is (index in [`SHADES`]). Two bytes, so that a grid
/// of millions of cells is kept as a few megabytes.
type Class = (u8, u8);

fn class(p: &Probabilities) -> Class {
    let outcome = p.most_likely();
    let index = OUTCOME_COLOURS
        .iter()
        .position(|(o, _)| *o == outcome)
        .unwrap_or(0);
    let shade = if p.count(outcome) == p.total() {
        0
    } else if p.p(outcome) >= 0.75 {
        1
    } else {
        2
    };
    // Four outcomes and three shades: both fit a byte.
    (index as u8, shade)
}

fn colour((outcome, shade): Class) -> RGBColor {
    tint(
        OUTCOME_COLOURS[usize::from(outcome)].1,
        SHADES[usize::from(shade)],
    )
}

/// A block of equal cells: columns `c0..=c1`, rows `r0..=r1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    c0: usize,
    c1: usize,
    r0: usize,
    r1: usize,
    class: Class,
}

/// Merges equal neighbours: each row into runs, then identical runs of
/// consecutive rows into one block, so that a diagram of 200,000 cells
/// needs a few hundred rectangles.
fn blocks(classes: &[Class], columns: usize) -> Vec<Block> {
    let mut done = Vec::new();
    let mut open: HashMap<(usize, usize, Class), usize> = HashMap::new();
    for (r, row) in classes.chunks(columns).enumerate() {
        let mut next: HashMap<(usize, usize, Class), usize> = HashMap::new();
        let mut c0 = 0;
        for c in 1..=row.len() {
            if c == row.len() || row[c] != row[c0] {
                let key = (c0, c - 1, row[c0]);
                next.insert(key, open.remove(&key).unwrap_or(r));
                c0 = c;
            }
        }
        for ((c0, c1, class), r0) in open.drain() {
            done.push(Block {
                c0,
                c1,
                r0,
                r1: r - 1,
                class,
            });
        }
        open = next;
    }
    let rows = classes.len() / columns.max(1);
    for ((c0, c1, class), r0) in open {
        done.push(Block {
            c0,
            c1,
            r0,
            r1: rows.saturating_sub(1),
            class,
        });
    }
    // A fixed order: the same grid gives the same SVG, byte for byte.
    done.sort_unstable_by_key(|b| (b.r0, b.c0));
    done
}

/// Picks one threshold out of [`Thresholds`].
type ThresholdPick = fn(&Thresholds) -> Option<i64>;

/// The phase diagram: each cell coloured by its most likely outcome and
/// shaded by how certain it is over the enrollment and login phases, with
/// the least delay at which out of sync and rejection become possible drawn
/// per skew as thick lines. The delays end a little past the last one at
/// which any skew's outcome changes ([`super::extent::grid_last_change`]);
/// the legend says so when that leaves swept delays off.
///
/// `points` are skew-major as [`crate::sim::sweep::grid`] returns them, with
/// `delay_count` delays per skew. A grid too large to hold is drawn through
/// [`PhaseGrid`] instead, point by point.
pub fn phase_diagram(
    title: &str,
    points: &[GridPoint],
    delay_count: usize,
    thresholds: &[(i64, Thresholds)],
) -> Result<String, PlotError> {
    let mut grid = PhaseGrid::new(delay_count);
    grid.push(points);
    grid.draw(title, thresholds)
}

/// A delay × skew grid as its phase diagram needs it, gathered in the
/// grid's order (skew-major) a slice at a time, so that a sweep can stream
/// a grid of millions of points to its CSV and still draw it: each cell's
/// class (two bytes) and where each row stops changing, not the points.
///
/// ```
/// use skewsim::report::plot::{PhaseGrid, phase_diagram};
/// use skewsim::sim::sweep::{Span, grid, thresholds_by_skew};
/// use skewsim::sim::{Scenario, preset};
///
/// let s = Scenario::new(preset("aws-iam").expect("a preset"));
/// let (delays, skews) = (Span::new(0, 120_000, 5_000).unwrap(), Span::new(-60_000, 60_000, 10_000).unwrap());
/// let points = grid(&s, &delays, &skews);
/// let lines = thresholds_by_skew(&s, &skews);
/// let mut streamed = PhaseGrid::new(delays.len() as usize);
/// for slice in points.chunks(7) {
///     streamed.push(slice);
/// }
/// assert_eq!(
///     streamed.draw("t", &lines)?,
///     phase_diagram("t", &points, delays.len() as usize, &lines)?
/// );
/// # Ok::<(), skewsim::report::plot::PlotError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PhaseGrid {
    /// Delays per skew row.
    delay_count: usize,
    /// Every cell's class so far, skew-major.
    classes: Vec<Class>,
    /// The first point's delay and skew.
    first: Option<(i64, i64)>,
    /// The delay of the first row's last column, once seen.
    last_delay: Option<i64>,
    /// The last point's skew and outcome counts.
    previous: Option<(i64, Probabilities)>,
    /// In the row being filled: the delay from which every point so far
    /// has the same shares as the last (`None`: the whole row so far).
    settled_from: Option<i64>,
    /// The greatest `settled_from` of the finished rows: the least delay
    /// from which no row changes ([`super::extent::grid_last_change`]).
    last_change: Option<i64>,
}

impl PhaseGrid {
    /// An empty grid of `delay_count` delays per skew.
    pub fn new(delay_count: usize) -> Self {
        PhaseGrid {
            delay_count,
            classes: Vec::new(),
            first: None,
            last_delay: None,
            previous: None,
            settled_from: None,
            last_change: None,
        }
    }

    /// Adds the next points, in the grid's order (a slice may end
    /// anywhere, mid-row included).
    pub fn push(&mut self, points: &[GridPoint]) {
        let Some(last_column) = self.delay_count.checked_sub(1) else {
            return;
        };
        for p in points {
            let column = self.classes.len() % self.delay_count;
            self.first.get_or_insert((p.delay_ms, p.skew_ms));
            if column == 0 {
                self.settled_from = None;
            } else if let Some((_, before)) = &self.previous
                && !same(before, &p.probabilities)
            {
                // A change: the row is settled from here on, so far. (Equal
                // shares are an equivalence over counts with a positive
                // total, as every grid point's: the last point differing
                // from the row's end is the last change between neighbours.)
                self.settled_from = Some(p.delay_ms);
            }
            if column == last_column {
                self.last_change = self.last_change.max(self.settled_from);
                self.last_delay.get_or_insert(p.delay_ms);
            }
            self.classes.push(class(&p.probabilities));
            self.previous = Some((p.skew_ms, p.probabilities));
        }
    }

    /// Draws the diagram (see [`phase_diagram`]).
    ///
    /// # Errors
    /// A [`PlotError`] when the grid is empty or ends mid-row, or plotters fails.
    pub fn draw(&self, title: &str, thresholds: &[(i64, Thresholds)]) -> Result<String, PlotError> {
        let (Some((d0, s0)), Some(d1), Some((s1, _))) =
            (self.first, self.last_delay, self.previous)
        else {
            return Err(PlotError::new("no points, or not a full grid".to_owned()));
        };
        if !self.classes.len().is_multiple_of(self.delay_count) {
            return Err(PlotError::new("no points, or not a full grid".to_owned()));
        }
        draw(
            title,
            Corners {
                d0,
                d1,
                s0,
                s1,
                delay_count: self.delay_count,
                skew_count: self.classes.len() / self.delay_count,
            },
            &self.classes,
            self.last_change,
            thresholds,
        )
    }
}

/// The grid's first and last delays and skews, and its size.
struct Corners {
    d0: i64,
    d1: i64,
    s0: i64,
    s1: i64,
    delay_count: usize,
    skew_count: usize,
}

/// Draws a whole grid's classes (skew-major); `last_change` as
/// [`super::extent::grid_last_change`] gives it.
fn draw(
    title: &str,
    corners: Corners,
    all_classes: &[Class],
    last_change: Option<i64>,
    thresholds: &[(i64, Thresholds)],
) -> Result<String, PlotError> {
    let Corners {
        d0,
        d1,
        s0,
        s1,
        delay_count,
        skew_count,
    } = corners;
    let step = |from: i64, to: i64, n: usize| {
        if n > 1 {
            (to - from) / (n as i64 - 1)
        } else {
            1000
        }
    };
    let (d_step, s_step) = (step(d0, d1, delay_count), step(s0, s1, skew_count));
    // The columns drawn: up to the axis' end (every column past the last
    // change repeats the one before it).
    let end = delay_axis_end(last_change, d0, d1);
    let columns = (0..delay_count)
        .take_while(|&c| d0 + c as i64 * d_step <= end)
        .count()
        .max(1);
    let s = |ms: i64| ms as f64 / 1000.0;
    let last_drawn = d0 + (columns as i64 - 1) * d_step;
    let (x0, x1) = (s(d0 - d_step / 2), s(last_drawn + d_step / 2));
    let (y0, y1) = (s(s0 - s_step / 2), s(s1 + s_step / 2));
    let classes: Vec<Class> = all_classes
        .chunks(delay_count)
        .flat_map(|row| row[..columns].iter().copied())
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, 680)).into_drawing_area();
        let (area, legend_area) = layout(&root, title)?;
        let mut chart = axes(
            &area,
            Axis {
                range: Ticked::new(x0..x1, duration_ticks(x0, x1, 11)),
                label: DELAY_AXIS_TITLE,
                format: &duration_label,
            },
            Axis {
                range: Ticked::new(y0..y1, duration_ticks(y0, y1, 13)),
                label: "device clock skew, device minus verifier (minutes, seconds)",
                format: &duration_label,
            },
            false,
        )?;
        let edge = |i: usize, from: i64, step: i64| s(from + i as i64 * step - step / 2);
        chart
            .draw_series(blocks(&classes, columns).into_iter().map(|b| {
                Rectangle::new(
                    [
                        (edge(b.c0, d0, d_step), edge(b.r0, s0, s_step)),
                        (edge(b.c1 + 1, d0, d_step), edge(b.r1 + 1, s0, s_step)),
                    ],
                    colour(b.class).filled(),
                )
            }))
            .map_err(fail)?;
        let lines: [(&str, ThresholdPick, Dash); 2] = [
            (
                "out of sync possible from this delay (per skew)",
                |t| t.out_of_sync_from(),
                Dash::Solid,
            ),
            (
                "rejection possible from this delay (per skew)",
                |t| t.rejected_from(),
                Dash::Dashed,
            ),
        ];
        let mut entries = Vec::new();
        for (outcome, c) in OUTCOME_COLOURS {
            entries.push(Entry::new(
                outcome.label(),
                Mark::Swatches(SHADES.iter().map(|&k| tint(c, k)).collect()),
            ));
        }
        entries.push(Entry::new(
            "Shade, left to right: certain; most likely, 75% or more; most likely, under 75% \
             (the outcome depends on where in their steps the codes were read)",
            Mark::None,
        ));
        for (label, pick, dash) in lines {
            // A staircase: each skew row's threshold as a vertical segment
            // across the row, joined to the next row's; broken where the
            // outcome is impossible or beyond the plotted delays.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut drawn = false;
            for (skew, t) in thresholds {
                match pick(t).map(s).filter(|d| (x0..=x1).contains(d)) {
                    Some(d) => {
                        run.push((d, s(skew - s_step / 2)));
                        run.push((d, s(skew + s_step / 2)));
                    }
                    None if run.len() > 1 => {
                        dashed_line(&mut chart, std::mem::take(&mut run), BLACK, 2, dash)?;
                        drawn = true;
                    }
                    None => run.clear(),
                }
            }
            if run.len() > 1 {
                dashed_line(&mut chart, run, BLACK, 2, dash)?;
                drawn = true;
            }
            entries.push(Entry::new(
                if drawn {
                    label.to_owned()
                } else {
                    format!("{label}: not within these delays")
                },
                if drawn {
                    Mark::Line(BLACK, 2, dash)
                } else {
                    Mark::None
                },
            ));
        }
        if last_drawn < d1 {
            entries.push(Entry::new(
                format!(
                    "From {} to {} (the end of the sweep): as at {} at every skew",
                    format_ms(last_drawn),
                    format_ms(d1),
                    format_ms(last_drawn)
                ),
                Mark::None,
            ));
        }
        legend(&legend_area, "Outcome of the enrollment", &entries)?;
        root.present().map_err(fail)?;
    }
    Ok(compact(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_grid_settles_where_the_whole_grid_does() {
        use crate::sim::sweep::{Span, grid};
        use crate::sim::{Scenario, presets};
        let delays = Span::new(0, 400_000, 7_000).expect("span");
        let skews = Span::new(-120_000, 120_000, 30_000).expect("span");
        for policy in presets() {
            let points = grid(&Scenario::new(policy.clone()), &delays, &skews);
            let mut streamed = PhaseGrid::new(delays.len() as usize);
            for slice in points.chunks(5) {
                streamed.push(slice);
            }
            assert_eq!(
                streamed.last_change,
                super::super::extent::grid_last_change(&points, delays.len() as usize),
                "{}",
                policy.name
            );
        }
    }

    #[test]
    fn blocks_cover_every_cell_once_with_its_class() {
        // 3 rows × 5 columns with runs that repeat over rows 0-1.
        let a = (0, 0);
        let b = (1, 2);
        let classes = vec![a, a, b, b, a, a, a, b, b, a, b, a, a, a, a];
        let merged = blocks(&classes, 5);
        let mut seen = vec![None; classes.len()];
        for blk in &merged {
            for r in blk.r0..=blk.r1 {
                for c in blk.c0..=blk.c1 {
                    assert!(seen[r * 5 + c].is_none(), "cell {r},{c} twice");
                    seen[r * 5 + c] = Some(blk.class);
                }
            }
        }
        let seen: Vec<Class> = seen.into_iter().map(|c| c.expect("every cell")).collect();
        assert_eq!(seen, classes);
        // Rows 0 and 1 are equal: their three runs merge; row 2 has two more.
        assert_eq!(merged.len(), 5);
    }
}
