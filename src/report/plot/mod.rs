//! SVG charts (plotters, SVG backend only).
//!
//! Every chart follows one layout so that it can be read without the CSV:
//! a title that states what it shows; axis labels with units; ticks at round
//! values in the unit people use (0s, 30s, 1m, ...; whole days; 0%..100%);
//! a legend in its own panel right of the data (it hides nothing) with an
//! entry for every colour, line and marker drawn; and the Okabe-Ito
//! palette, safe for colour-blind readers, with each outcome's colour the
//! same in every chart.
//!
//! [`phase_diagram`] (outcome over delay × skew), [`delay_curve`] (one
//! policy's outcome shares against delay), [`comparison_chart`] (every
//! policy's outcome shares against delay, one row each) and
//! [`drift_chart`] (a drifting device over months) draw the simulation;
//! the bench chart lives with the bench report. A delay axis ends a little
//! past the last delay at which its chart changes ([`extent`]), shared by
//! the rows of the comparison; the outcome colours mean outcomes only.

mod curves;
mod drift;
pub mod extent;
mod phase;

pub use curves::{comparison_chart, delay_curve};
pub use drift::{drift_chart, drift_finding};
pub use phase::{PhaseGrid, phase_diagram};

/// The delay axis' title, in every chart with one.
pub const DELAY_AXIS_TITLE: &str =
    "submission delay after reading the (last) enrollment code (minutes, seconds)";

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::duration::format_ms;
use crate::sim::Outcome;

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

pub(crate) fn fail<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError(format!("{e:?}"))
}

/// The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2002):
/// distinguishable with every common colour-vision deficiency.
pub mod okabe_ito {
    use plotters::style::RGBColor;
    /// Black.
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Sky blue.
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    /// Bluish green.
    pub const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Yellow (too light for lines on white; not used for them).
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Vermillion.
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    /// Reddish purple.
    pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
}

/// In sync: bluish green.
pub const IN_SYNC: RGBColor = okabe_ito::BLUISH_GREEN;
/// Out of sync (the enrollment's doing): vermillion, the one to notice.
pub const OUT_OF_SYNC: RGBColor = okabe_ito::VERMILLION;
/// Enrolled, but the login fails for the clock's sake: sky blue.
pub const LOGIN_FAILS: RGBColor = okabe_ito::SKY_BLUE;
/// Rejected: reddish purple.
pub const REJECTED: RGBColor = okabe_ito::REDDISH_PURPLE;

/// Each outcome and its colour, in legend (and stacking) order.
pub const OUTCOME_COLOURS: [(Outcome, RGBColor); 4] = [
    (Outcome::InSync, IN_SYNC),
    (Outcome::OutOfSync, OUT_OF_SYNC),
    (Outcome::LoginFails, LOGIN_FAILS),
    (Outcome::Rejected, REJECTED),
];

/// Width of the legend panel at the right of every chart: everything drawn
/// at `x >= width - LEGEND_WIDTH` is legend, everything left of it data and axes.
pub const LEGEND_WIDTH: u32 = 320;

/// `colour` washed towards white: `strength` 1 is the colour, 0 is white.
pub(crate) fn tint(colour: RGBColor, strength: f64) -> RGBColor {
    let c = |v: u8| (255.0 - (255.0 - f64::from(v)) * strength).round() as u8;
    RGBColor(c(colour.0), c(colour.1), c(colour.2))
}

/// A line's dash pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dash {
    Solid,
    Dashed,
}

impl Dash {
    /// (dash, gap) in pixels.
    fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((9, 5)),
        }
    }
}

/// What a legend entry shows beside its text.
pub(crate) enum Mark {
    /// Filled boxes, side by side (an outcome's shades).
    Swatches(Vec<RGBColor>),
    /// A line.
    Line(RGBColor, u32, Dash),
    /// A filled dot.
    Dot(RGBColor),
    /// Text only (a heading or a note).
    None,
}

/// One legend entry.
pub(crate) struct Entry {
    pub label: String,
    pub mark: Mark,
}

impl Entry {
    pub fn new(label: impl Into<String>, mark: Mark) -> Entry {
        Entry {
            label: label.into(),
            mark,
        }
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Splits a fresh canvas into the title, the chart area and the legend panel.
pub(crate) fn layout<'a>(root: &Area<'a>, title: &str) -> Result<(Area<'a>, Area<'a>), PlotError> {
    root.fill(&WHITE).map_err(fail)?;
    let body = root
        .titled(title, ("sans-serif", 20).into_font())
        .map_err(fail)?;
    let width = i32::try_from(body.dim_in_pixel().0).unwrap_or(i32::MAX);
    let legend_at = width - i32::try_from(LEGEND_WIDTH).unwrap_or(0);
    Ok(body.split_horizontally(legend_at))
}

/// Drops the attributes plotters writes with their SVG default values
/// (`opacity="1"`, `stroke="none"`): the picture is the same, and a phase
/// diagram of a few thousand rectangles a third smaller.
pub(crate) fn compact(svg: String) -> String {
    svg.replace(" opacity=\"1\"", "")
        .replace(" stroke=\"none\"", "")
}

/// Breaks `text` into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("lines starts non-empty");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// Draws the legend panel: one entry under the other, long labels wrapped.
pub(crate) fn legend(area: &Area<'_>, heading: &str, entries: &[Entry]) -> Result<(), PlotError> {
    let font = ("sans-serif", 13).into_font();
    let bold = ("sans-serif", 14).into_font().style(FontStyle::Bold);
    let mut y = 24;
    area.draw(&Text::new(heading.to_owned(), (12, y), bold))
        .map_err(fail)?;
    y += 24;
    for e in entries {
        let x_text = match &e.mark {
            Mark::None => 12,
            Mark::Swatches(c) => 20 + 20 * i32::try_from(c.len()).unwrap_or(0),
            _ => 50,
        };
        let mid = y + 6;
        match &e.mark {
            Mark::Swatches(colours) => {
                for (i, c) in colours.iter().enumerate() {
                    let x = 12 + 20 * i32::try_from(i).unwrap_or(0);
                    area.draw(&Rectangle::new([(x, y), (x + 17, y + 12)], c.filled()))
                        .map_err(fail)?;
                }
            }
            Mark::Line(c, width, dash) => {
                let style = ShapeStyle::from(c).stroke_width(*width);
                let segments: Vec<(i32, i32)> = match dash.pattern() {
                    None => vec![(12, 42)],
                    Some((on, off)) => (12..42)
                        .step_by((on + off) as usize)
                        .map(|x| (x, (x + on as i32).min(42)))
                        .collect(),
                };
                for (a, b) in segments {
                    area.draw(&PathElement::new(vec![(a, mid), (b, mid)], style))
                        .map_err(fail)?;
                }
            }
            Mark::Dot(c) => {
                area.draw(&Circle::new((27, mid), 5, c.filled()))
                    .map_err(fail)?;
            }
            Mark::None => {}
        }
        let width = if x_text > 40 { 36 } else { 42 };
        for line in wrap(&e.label, width) {
            area.draw(&Text::new(line, (x_text, y), font.clone()))
                .map_err(fail)?;
            y += 16;
        }
        y += 8;
    }
    Ok(())
}

/// An f64 axis whose ticks are exactly the given values (round durations,
/// whole days, quarters), not plotters' decimal choice.
#[derive(Clone)]
pub(crate) struct Ticked {
    /// plotters' own f64 axis does the mapping; only the ticks differ.
    inner: plotters::coord::types::RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub(crate) fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked {
            inner: range.into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold points only: the light mesh would repeat them.
        match hint.weight() {
            plotters::coord::ranged1d::KeyPointWeight::Bold => self.ticks.clone(),
            plotters::coord::ranged1d::KeyPointWeight::Any => Vec::new(),
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// One axis: its range and ticks, its label, how a tick is written.
pub(crate) struct Axis<'f> {
    pub range: Ticked,
    pub label: &'f str,
    pub format: &'f dyn Fn(&f64) -> String,
}

/// The chart inside `area`, its axes drawn with their labels and ticks;
/// horizontal grid lines at the y ticks when `y_grid`.
pub(crate) fn axes<'a, 'b>(
    area: &'a Area<'b>,
    x: Axis<'_>,
    y: Axis<'_>,
    y_grid: bool,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked, Ticked>>, PlotError> {
    axes_with(area, x, y, y_grid, 76)
}

/// [`axes`] with `y_label_width` pixels left of the data for the y tick
/// labels and title (wider for names than for numbers).
pub(crate) fn axes_with<'a, 'b>(
    area: &'a Area<'b>,
    x: Axis<'_>,
    y: Axis<'_>,
    y_grid: bool,
    y_label_width: u32,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked, Ticked>>, PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(14)
        .x_label_area_size(52)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x.range, y.range)
        .map_err(fail)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh();
    if !y_grid {
        mesh.disable_y_mesh();
    }
    mesh.x_desc(x.label)
        .y_desc(y.label)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .x_label_formatter(x.format)
        .y_label_formatter(y.format)
        .draw()
        .map_err(fail)?;
    Ok(chart)
}

/// Round tick steps for durations, in ms.
const DURATION_STEPS: [i64; 22] = [
    1,
    10,
    100,
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    21_600_000,
    43_200_000,
    86_400_000,
    604_800_000,
    2_592_000_000,
];

/// Ticks (in seconds) at round durations over `lo..=hi` seconds, at most
/// `most` of them (0s, 30s, 1m, 1m30s ...).
pub(crate) fn duration_ticks(lo: f64, hi: f64, most: usize) -> Vec<f64> {
    let (lo_ms, hi_ms) = ((lo * 1000.0).ceil() as i64, (hi * 1000.0).floor() as i64);
    let step = duration_step(lo, hi, most);
    let first = lo_ms.div_euclid(step) * step + if lo_ms.rem_euclid(step) == 0 { 0 } else { step };
    (0..)
        .map(|i| first + i * step)
        .take_while(|&t| t <= hi_ms)
        .map(|t| t as f64 / 1000.0)
        .collect()
}

/// The round tick step (in ms) [`duration_ticks`] uses over `lo..=hi` seconds.
pub(crate) fn duration_step(lo: f64, hi: f64, most: usize) -> i64 {
    let (lo_ms, hi_ms) = ((lo * 1000.0).ceil() as i64, (hi * 1000.0).floor() as i64);
    let span = (hi_ms - lo_ms).max(1);
    DURATION_STEPS
        .iter()
        .copied()
        .find(|s| span / s < most as i64)
        .unwrap_or(DURATION_STEPS[DURATION_STEPS.len() - 1])
}

/// `lo..hi` seconds widened to the round tick steps around them, so that
/// nothing drawn runs past the first or last tick; with those ticks.
pub(crate) fn snapped_duration_range(lo: f64, hi: f64, most: usize) -> (f64, f64, Vec<f64>) {
    let step = duration_step(lo, hi, most);
    let (lo_ms, hi_ms) = ((lo * 1000.0).floor() as i64, (hi * 1000.0).ceil() as i64);
    let first = lo_ms.div_euclid(step) * step;
    let last = (hi_ms.div_euclid(step) + i64::from(hi_ms.rem_euclid(step) != 0)) * step;
    let last = last.max(first + step);
    let ticks = (0..)
        .map(|i| first + i * step)
        .take_while(|&t| t <= last)
        .map(|t| t as f64 / 1000.0)
        .collect();
    (first as f64 / 1000.0, last as f64 / 1000.0, ticks)
}

/// A tick label for a duration in seconds.
pub(crate) fn duration_label(seconds: &f64) -> String {
    format_ms((seconds * 1000.0).round() as i64)
}

/// Ticks at whole days over `0..=max`: at most `most` of them.
pub(crate) fn day_ticks(max: f64, most: usize) -> Vec<f64> {
    let step = [1u32, 2, 5, 7, 10, 14, 30, 60, 90, 180, 365, 730, 1825, 3650]
        .into_iter()
        .find(|s| max / f64::from(*s) < most as f64)
        .unwrap_or(3650);
    (0..)
        .map(|i| f64::from(i * step))
        .take_while(|d| *d <= max)
        .collect()
}

/// 0%, 25%, 50%, 75%, 100%.
pub(crate) fn percent_ticks() -> Vec<f64> {
    vec![0.0, 0.25, 0.5, 0.75, 1.0]
}

/// A tick label for a probability.
pub(crate) fn percent_label(p: &f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// Draws a polyline in data coordinates with a dash pattern.
pub(crate) fn dashed_line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: Vec<(f64, f64)>,
    colour: RGBColor,
    width: u32,
    dash: Dash,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = ShapeStyle::from(&colour).stroke_width(width);
    match dash.pattern() {
        None => {
            chart
                .draw_series(std::iter::once(PathElement::new(points, style)))
                .map_err(fail)?;
        }
        Some((on, off)) => {
            chart
                .draw_series(DashedLineSeries::new(points, on, off, style))
                .map_err(fail)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapped_range_starts_and_ends_on_its_ticks() {
        for (lo, hi) in [
            (-205.0, 1_740.0),
            (0.0, 1.0),
            (-31.0, 29.0),
            (12.5, 12.5),
            (-90.0, -30.0),
        ] {
            let (a, b, ticks) = snapped_duration_range(lo, hi, 11);
            assert!(a <= lo && b >= hi && a < b, "{lo}..{hi}: {a}..{b}");
            assert_eq!(ticks.first(), Some(&a), "{lo}..{hi}: {ticks:?}");
            assert_eq!(ticks.last(), Some(&b), "{lo}..{hi}: {ticks:?}");
            assert!(ticks.len() <= 14, "{lo}..{hi}: {ticks:?}");
        }
        // privacyIDEA's band from -3m25s: the lowest tick is -5m, below it.
        assert_eq!(snapped_duration_range(-205.0, 1_740.0, 11).0, -300.0);
    }
}
