//! Outcome probability against delay: one policy's four outcomes as stacked
//! shares, and every policy's the same way, one row each, on one
//! comparison chart. Both draw the exact curves of
//! [`crate::sim::sweep::delay_curve`]: straight between vertices, a jump as
//! two vertices 1 ms apart, so a step at 58 s looks like a step.

use plotters::prelude::*;

use super::extent::{curve_delay_end, shared_delay_end};
use super::{
    Axis, DELAY_AXIS_TITLE, Entry, Mark, OUTCOME_COLOURS, PlotError, Ticked, axes, axes_with,
    compact, duration_label, duration_ticks, fail, layout, legend, percent_label, percent_ticks,
};
use crate::duration::format_ms;
use crate::sim::exact::Probabilities;
use crate::sim::sweep::DelayCurve;

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// The delay axis every curve shares.
fn delay_axis(x0: f64, x1: f64) -> Axis<'static> {
    Axis {
        range: Ticked::new(x0..x1, duration_ticks(x0, x1, 11)),
        label: DELAY_AXIS_TITLE,
        format: &duration_label,
    }
}

/// The curve's vertices up to `end_ms`, and a last one at `end_ms`: past
/// its last change a curve is flat, so its shares there are its last ones.
fn cropped(curve: &DelayCurve, end_ms: i64) -> Vec<(i64, Probabilities)> {
    let mut kept: Vec<(i64, Probabilities)> = curve
        .vertices
        .iter()
        .copied()
        .take_while(|(d, _)| *d <= end_ms)
        .collect();
    if let Some(&(d, _)) = kept.last()
        && d < end_ms
        && let Some(&(_, at_end)) = curve.vertices.iter().find(|(v, _)| *v >= end_ms)
    {
        kept.push((end_ms, at_end));
    }
    kept
}

/// One outcome's band: the outcome, its colour, its outline (`None`: 0% throughout).
type Stack = (crate::sim::Outcome, RGBColor, Option<Vec<(f64, f64)>>);

/// The outlines of the stacked outcome shares over `vertices`, each with
/// its outcome's colour; `place` maps (delay s, cumulative share) to the
/// chart. Outcomes at 0% throughout come back as `None`.
fn stacks(vertices: &[(i64, Probabilities)], place: impl Fn(f64, f64) -> (f64, f64)) -> Vec<Stack> {
    let xs: Vec<f64> = vertices.iter().map(|v| seconds(v.0)).collect();
    let mut below: Vec<f64> = vec![0.0; vertices.len()];
    let mut out = Vec::new();
    for (outcome, colour) in OUTCOME_COLOURS {
        let above: Vec<f64> = vertices
            .iter()
            .zip(&below)
            .map(|((_, p), b)| b + p.p(outcome))
            .collect();
        let outline = above.iter().zip(&below).any(|(a, b)| a > b).then(|| {
            let mut outline: Vec<(f64, f64)> =
                xs.iter().zip(&above).map(|(&x, &y)| place(x, y)).collect();
            outline.extend(xs.iter().zip(&below).rev().map(|(&x, &y)| place(x, y)));
            outline
        });
        out.push((outcome, colour, outline));
        below = above;
    }
    out
}

/// A legend note for delays left off the axis, if any.
fn beyond(end_ms: i64, to_ms: i64) -> Option<Entry> {
    (end_ms < to_ms).then(|| {
        Entry::new(
            format!(
                "From {} to {} (the end of the sweep): as at {}",
                format_ms(end_ms),
                format_ms(to_ms),
                format_ms(end_ms)
            ),
            Mark::None,
        )
    })
}

/// One policy's outcome shares against delay, stacked so that they fill
/// 0..100% (in sync at the bottom, rejected on top): no line hides another,
/// and each band's height is that outcome's probability. The delay axis
/// ends a little past the curve's last change
/// ([`super::extent::curve_delay_end`]); the legend says so when it leaves
/// delays off.
pub fn delay_curve(title: &str, curve: &DelayCurve) -> Result<String, PlotError> {
    let (Some(&(from, _)), Some(&(to, _)), Some(end)) = (
        curve.vertices.first(),
        curve.vertices.last(),
        curve_delay_end(curve),
    ) else {
        return Err(PlotError::new("no points".to_owned()));
    };
    let end = end.max(from + 1);
    let vertices = cropped(curve, end);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, 500)).into_drawing_area();
        let (area, legend_area) = layout(&root, title)?;
        let mut chart = axes(
            &area,
            delay_axis(seconds(from), seconds(end)),
            Axis {
                range: Ticked::new(0.0..1.0, percent_ticks()),
                label: "share of enrollments, all phases (%)",
                format: &percent_label,
            },
            true,
        )?;
        let mut entries = Vec::new();
        for (outcome, colour, outline) in stacks(&vertices, |x, y| (x, y)) {
            match outline {
                Some(outline) => {
                    chart
                        .draw_series(std::iter::once(Polygon::new(outline, colour.filled())))
                        .map_err(fail)?;
                    entries.push(Entry::new(outcome.label(), Mark::Swatches(vec![colour])));
                }
                None => entries.push(Entry::new(
                    format!("{}: 0% at every delay", outcome.label()),
                    Mark::None,
                )),
            }
        }
        entries.push(Entry::new(
            if curve.exact {
                "Exact over both phases (1 ms): edges are where the outcome changes"
            } else {
                "Sampled (the exact curve was too costly with drift): straight lines join the samples"
            },
            Mark::None,
        ));
        entries.extend(beyond(end, to));
        legend(&legend_area, "Outcome of the enrollment", &entries)?;
        root.present().map_err(fail)?;
    }
    Ok(compact(svg))
}

/// Height of one verifier's row in the comparison, in pixels.
const ROW_HEIGHT: u32 = 46;

/// Every policy's outcome shares against delay as small multiples: one row
/// per policy (named at the left, in black), each row the stacked shares in
/// the outcome colours of every other chart, all rows on one delay axis
/// ending a little past the latest last change
/// ([`super::extent::shared_delay_end`]). Colour means outcome only: a
/// verifier is told by its row and name, never by a colour.
pub fn comparison_chart(title: &str, curves: &[(String, DelayCurve)]) -> Result<String, PlotError> {
    let (Some(from), Some(to), Some(end)) = (
        curves
            .iter()
            .filter_map(|(_, c)| c.vertices.first())
            .map(|v| v.0)
            .min(),
        curves
            .iter()
            .filter_map(|(_, c)| c.vertices.last())
            .map(|v| v.0)
            .max(),
        shared_delay_end(curves.iter().map(|(_, c)| c)),
    ) else {
        return Err(PlotError::new("no policies".to_owned()));
    };
    let end = end.max(from + 1);
    let rows = curves.len();
    // Row i (from the top) spans y = rows-1-i .. rows-i, its band the middle 80%.
    let top = |i: usize| (rows - 1 - i) as f64;
    let names: Vec<&str> = curves.iter().map(|(n, _)| n.as_str()).collect();
    let name_at = |y: &f64| {
        let from_top = rows as f64 - 1.0 - (y - 0.5).round();
        names
            .get(from_top.max(0.0) as usize)
            .map_or(String::new(), |n| (*n).to_owned())
    };
    let height = 150 + ROW_HEIGHT * u32::try_from(rows).unwrap_or(u32::MAX / ROW_HEIGHT);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, height)).into_drawing_area();
        let (area, legend_area) = layout(&root, title)?;
        let mut chart = axes_with(
            &area,
            delay_axis(seconds(from), seconds(end)),
            Axis {
                range: Ticked::new(
                    0.0..rows as f64,
                    (0..rows).map(|i| i as f64 + 0.5).collect(),
                ),
                label: "verifier at zero skew (each row: 100% of its enrollments)",
                format: &name_at,
            },
            false,
            290,
        )?;
        let mut drawn = [false; OUTCOME_COLOURS.len()];
        for (i, (_, curve)) in curves.iter().enumerate() {
            let base = top(i) + 0.1;
            let vertices = cropped(curve, end);
            for (k, (_, colour, outline)) in stacks(&vertices, |x, y| (x, base + 0.8 * y))
                .into_iter()
                .enumerate()
            {
                if let Some(outline) = outline {
                    chart
                        .draw_series(std::iter::once(Polygon::new(outline, colour.filled())))
                        .map_err(fail)?;
                    drawn[k] = true;
                }
            }
        }
        let mut entries = Vec::new();
        for ((outcome, colour), drawn) in OUTCOME_COLOURS.iter().zip(drawn) {
            entries.push(if drawn {
                Entry::new(outcome.label(), Mark::Swatches(vec![*colour]))
            } else {
                Entry::new(
                    format!("{}: 0% for every verifier", outcome.label()),
                    Mark::None,
                )
            });
        }
        entries.push(Entry::new(
            "Each row one verifier, its enrollments' outcomes stacked: the height of a colour is \
             that outcome's share at that delay. Exact over both phases.",
            Mark::None,
        ));
        entries.extend(beyond(end, to));
        legend(&legend_area, "Outcome of the enrollment", &entries)?;
        root.present().map_err(fail)?;
    }
    Ok(compact(svg))
}
