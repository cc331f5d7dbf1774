//! SVG charts (plotters, SVG backend only): the phase diagram over delay ×
//! skew, the outcome probabilities against delay, and the long-horizon drift.

use plotters::prelude::*;

use crate::duration::format_ms;
use crate::sim::Outcome;
use crate::sim::exact::{Probabilities, Thresholds};
use crate::sim::sweep::GridPoint;

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct PlotError(String);

impl PlotError {
    /// A plotting error with this description.
    pub fn new(what: String) -> Self {
        PlotError(what)
    }
}

fn fail<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError(format!("{e:?}"))
}

/// Green: in sync.
pub const IN_SYNC: RGBColor = RGBColor(44, 160, 44);
/// Orange: out of sync.
pub const OUT_OF_SYNC: RGBColor = RGBColor(255, 127, 14);
/// Red: rejected.
pub const REJECTED: RGBColor = RGBColor(214, 39, 40);
/// Blue: enrolled, but the login fails for the clock's sake.
pub const LOGIN_FAILS: RGBColor = RGBColor(86, 140, 233);

/// Each outcome's label and colour, in legend order.
pub const OUTCOME_COLOURS: [(Outcome, RGBColor); 4] = [
    (Outcome::InSync, IN_SYNC),
    (Outcome::OutOfSync, OUT_OF_SYNC),
    (Outcome::LoginFails, LOGIN_FAILS),
    (Outcome::Rejected, REJECTED),
];

/// The colour of a point: the outcome colours mixed by probability, so
/// certain regions are saturated and uncertain ones shade between them.
pub fn mix(p: &Probabilities) -> RGBColor {
    let channel = |pick: fn(&RGBColor) -> u8| -> u8 {
        // A convex combination of u8 values stays within 0..=255.
        OUTCOME_COLOURS
            .iter()
            .map(|(o, c)| p.p(*o) * f64::from(pick(c)))
            .sum::<f64>()
            .round() as u8
    };
    RGBColor(channel(|c| c.0), channel(|c| c.1), channel(|c| c.2))
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn axis_label(seconds: &f64) -> String {
    format_ms((seconds * 1000.0).round() as i64)
}

/// Axes count in minutes when they span five minutes or more, so that
/// plotters' round tick values fall on whole minutes.
fn unit(span_seconds: f64) -> f64 {
    if span_seconds >= 300.0 { 60.0 } else { 1.0 }
}

/// Picks one threshold out of [`Thresholds`].
type ThresholdPick = fn(&Thresholds) -> Option<i64>;

/// At most this many cells each way are drawn; a finer grid is thinned.
const MAX_CELLS: usize = 240;

/// The phase diagram: outcome regions over (delay, skew), shaded by
/// probability, with the threshold delays for each skew as lines.
///
/// `points` are skew-major as [`crate::sim::sweep::grid`] returns them, with
/// `delay_count` delays per skew.
pub fn phase_diagram(
    title: &str,
    points: &[GridPoint],
    delay_count: usize,
    thresholds: &[(i64, Thresholds)],
) -> Result<String, PlotError> {
    if points.is_empty() || delay_count == 0 {
        return Err(PlotError("no points".to_owned()));
    }
    let skew_count = points.len() / delay_count;
    let (d0, d1) = (points[0].delay_ms, points[delay_count - 1].delay_ms);
    let (s0, s1) = (points[0].skew_ms, points[points.len() - 1].skew_ms);
    let d_step = if delay_count > 1 {
        (d1 - d0) / (delay_count as i64 - 1)
    } else {
        1000
    };
    let s_step = if skew_count > 1 {
        (s1 - s0) / (skew_count as i64 - 1)
    } else {
        1000
    };
    let every_d = delay_count.div_ceil(MAX_CELLS);
    let every_s = skew_count.div_ceil(MAX_CELLS);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let (x0, x1) = (seconds(d0 - d_step / 2), seconds(d1 + d_step / 2));
        let (y0, y1) = (seconds(s0 - s_step / 2), seconds(s1 + s_step / 2));
        let (ux, uy) = (unit(x1 - x0), unit(y1 - y0));
        let x_range = x0 / ux..x1 / ux;
        let y_range = y0 / uy..y1 / uy;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range, y_range)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("submission delay after reading code 2")
            .y_desc("device clock skew (device − verifier)")
            .x_label_formatter(&|v| axis_label(&(v * ux)))
            .y_label_formatter(&|v| axis_label(&(v * uy)))
            .draw()
            .map_err(fail)?;
        let cells = points.iter().enumerate().filter_map(|(i, p)| {
            let (row, col) = (i / delay_count, i % delay_count);
            if row % every_s != 0 || col % every_d != 0 {
                return None;
            }
            let half_w = d_step * every_d as i64 / 2;
            let half_h = s_step * every_s as i64 / 2;
            Some(Rectangle::new(
                [
                    (
                        seconds(p.delay_ms - half_w) / ux,
                        seconds(p.skew_ms - half_h) / uy,
                    ),
                    (
                        seconds(p.delay_ms + half_w) / ux,
                        seconds(p.skew_ms + half_h) / uy,
                    ),
                ],
                mix(&p.probabilities).filled(),
            ))
        });
        chart.draw_series(cells).map_err(fail)?;
        // Legend entries for the regions.
        for (outcome, colour) in OUTCOME_COLOURS {
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(fail)?
                .label(outcome.label())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        // Thresholds jump by a whole step where the skew crosses one, so they
        // are drawn as points, not joined lines.
        let marks: [(&str, ThresholdPick, RGBColor); 2] = [
            (
                "out of sync possible from (per skew)",
                |t| t.out_of_sync_from(),
                BLACK,
            ),
            (
                "rejected possible from (per skew)",
                |t| t.rejected_from(),
                RGBColor(255, 255, 255),
            ),
        ];
        for (label, pick, colour) in marks {
            let style = ShapeStyle::from(&colour).filled();
            let every = thresholds.len().div_ceil(MAX_CELLS);
            let dots = thresholds
                .iter()
                .step_by(every.max(1))
                .filter_map(|(skew, t)| {
                    pick(t)
                        .filter(|d| *d <= d1)
                        .map(|d| (seconds(d) / ux, seconds(*skew) / uy))
                })
                .map(move |xy| Circle::new(xy, 1, style));
            chart
                .draw_series(dots)
                .map_err(fail)?
                .label(label)
                .legend(move |(x, y)| {
                    Circle::new((x + 7, y), 3, ShapeStyle::from(&BLACK).stroke_width(1))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The probability of each outcome against delay (one skew).
pub fn delay_curve(title: &str, curve: &[(i64, Probabilities)]) -> Result<String, PlotError> {
    let (Some(first), Some(last)) = (curve.first(), curve.last()) else {
        return Err(PlotError("no points".to_owned()));
    };
    let ux = unit(seconds(last.0 - first.0));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(
                seconds(first.0) / ux..seconds(last.0.max(first.0 + 1)) / ux,
                0.0..1.02,
            )
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("submission delay after reading code 2")
            .y_desc("probability")
            .x_label_formatter(&|v| axis_label(&(v * ux)))
            .draw()
            .map_err(fail)?;
        for (outcome, colour) in OUTCOME_COLOURS {
            let label = outcome.label();
            let style = ShapeStyle::from(&colour).stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    curve.iter().map(|(d, p)| (seconds(*d) / ux, p.p(outcome))),
                    style,
                ))
                .map_err(fail)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// A kind of login day in the drift chart: legend text, which days, colour.
type DayKind = (
    &'static str,
    fn(crate::sim::drift::DayEnd) -> bool,
    RGBColor,
);

/// The long-horizon drift: the device's clock offset over time, the
/// verifier's correction (what it stored, in ms), and the logins whose first
/// attempt failed, marked by how the day ended.
pub fn drift_chart(
    title: &str,
    period_ms: i64,
    run: &crate::sim::drift::Horizon,
) -> Result<String, PlotError> {
    use crate::sim::drift::DayEnd;
    if run.logins.is_empty() {
        return Err(PlotError("no logins".to_owned()));
    }
    let day = |ms: i64| ms as f64 / 86_400_000.0;
    let x_max = run
        .logins
        .iter()
        .map(|l| day(l.elapsed_ms))
        .fold(1.0, f64::max);
    let ys: Vec<f64> = run
        .logins
        .iter()
        .flat_map(|l| [seconds(l.device_offset_ms), seconds(l.verifier_offset_ms)])
        .collect();
    let y_min = ys.iter().copied().fold(-seconds(period_ms), f64::min);
    let y_max = ys.iter().copied().fold(seconds(period_ms), f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, (y_min * 1.05)..(y_max * 1.05))
            .map_err(fail)?;
        chart
            .configure_mesh()
            .x_desc("days since enrollment")
            .y_desc("offset from real time")
            .y_label_formatter(&axis_label)
            .draw()
            .map_err(fail)?;
        let every = run.logins.len().div_ceil(2_000).max(1);
        let line = |pick: fn(&crate::sim::drift::LoginRecord) -> i64| {
            run.logins
                .iter()
                .step_by(every)
                .map(move |l| (day(l.elapsed_ms), seconds(pick(l))))
        };
        let blue = ShapeStyle::from(&RGBColor(31, 119, 180)).stroke_width(2);
        chart
            .draw_series(LineSeries::new(line(|l| l.device_offset_ms), blue))
            .map_err(fail)?
            .label("device clock offset")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], blue));
        let grey = ShapeStyle::from(&RGBColor(110, 110, 110)).stroke_width(1);
        chart
            .draw_series(LineSeries::new(line(|l| l.verifier_offset_ms), grey))
            .map_err(fail)?
            .label("verifier's stored correction")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], grey));
        let kinds: [DayKind; 3] = [
            (
                "first code refused, in on a retry",
                |e| matches!(e, DayEnd::Retried { .. }),
                OUT_OF_SYNC,
            ),
            (
                "every code refused, resynced",
                |e| e == DayEnd::Resynced,
                RGBColor(148, 103, 189),
            ),
            (
                "every code refused, no way in",
                |e| e == DayEnd::Failed,
                REJECTED,
            ),
        ];
        for (label, is, colour) in kinds {
            let count = run.logins.iter().filter(|l| is(l.end)).count();
            let dots = run
                .logins
                .iter()
                .filter(move |l| is(l.end))
                .take(2_000)
                .map(move |l| {
                    Circle::new(
                        (day(l.elapsed_ms), seconds(l.device_offset_ms)),
                        3,
                        colour.filled(),
                    )
                });
            chart
                .draw_series(dots)
                .map_err(fail)?
                .label(format!("{label} ({count})"))
                .legend(move |(x, y)| Circle::new((x + 7, y), 3, colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}
