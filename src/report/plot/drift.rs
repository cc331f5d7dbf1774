//! The long horizon: a drifting device's clock offset day by day, the
//! verifier's stored correction with its login window around it as a band,
//! and how each day whose first code was refused ended.

use plotters::prelude::*;

use super::okabe_ito as oi;
use super::{
    Axis, Dash, Entry, Mark, PlotError, Ticked, axes, compact, dashed_line, day_ticks,
    duration_label, fail, layout, legend, snapped_duration_range, tint,
};
use crate::sim::Policy;
use crate::sim::drift::{DayEnd, Horizon, LoginRecord};
use crate::totp::Window;

/// What a drift run found, in a few words for its chart's title, counted
/// from the run: `26 refusals, all healed by learning the skew`, `353
/// refusals, none recovered: locked out from day 13`, `no code refused (the
/// verifier follows the device)`. A refusal is a login whose first code
/// was refused.
pub fn drift_finding(run: &Horizon, policy: &Policy) -> String {
    let refused = run.first_attempt_failures();
    if refused == 0 {
        let first = run.logins.first().map(|l| l.verifier_offset_ms);
        let follows = run
            .logins
            .iter()
            .any(|l| Some(l.verifier_offset_ms) != first);
        return if follows {
            "no code refused (the verifier follows the device)".to_owned()
        } else {
            "no code refused".to_owned()
        };
    }
    let count = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let how = if policy.learning.is_some() {
        "learning the skew"
    } else if policy.auto_resync.is_some() {
        "AutoResync"
    } else {
        "the verifier"
    };
    let (healed, retried, resynced, failed) = (
        run.healed(),
        run.recovered_by_retrying() - run.healed(),
        run.recovered_by_resync(),
        run.failed(),
    );
    let head = count(refused, "refusal", "refusals");
    let all = |what: &str| {
        if refused == 1 {
            format!("{head}, {what}")
        } else {
            format!("{head}, all {what}")
        }
    };
    if healed == refused {
        all(&format!("healed by {how}"))
    } else if retried == refused {
        all("in on a later code")
    } else if resynced == refused {
        all("fixed by a resync")
    } else if failed == refused {
        // Locked out: every login from the first refused one on failed.
        let Some(first) = run.logins.iter().position(|l| l.end != DayEnd::FirstTry) else {
            return head;
        };
        let since = &run.logins[first..];
        let day = since
            .first()
            .map_or(0.0, |l| l.elapsed_ms as f64 / 86_400_000.0);
        if since
            .iter()
            .all(|l| matches!(l.end, DayEnd::Failed | DayEnd::Locked))
        {
            format!("{head}, none recovered: locked out from day {day:.0}")
        } else {
            format!("{head}, none recovered (the first on day {day:.0})")
        }
    } else {
        let parts: Vec<String> = [
            (healed, format!("healed by {how}")),
            (retried, "in on a later code".to_owned()),
            (resynced, "fixed by a resync".to_owned()),
            (failed, "never in".to_owned()),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        format!("{head}: {}", parts.join(", "))
    }
}

/// A kind of day in the chart: legend text, which days, colour.
type DayKind = (&'static str, fn(DayEnd) -> bool, RGBColor);

/// The drift chart. `window` is the login window in steps around the
/// verifier's corrected step: a device offset within `behind`..`ahead`
/// periods of the stored correction is accepted at every phase (the dark
/// band), one period further at some phases (the pale band).
pub fn drift_chart(
    title: &str,
    period_ms: i64,
    window: Window,
    run: &Horizon,
) -> Result<String, PlotError> {
    if run.logins.is_empty() {
        return Err(PlotError::new("no logins".to_owned()));
    }
    let day = |ms: i64| ms as f64 / 86_400_000.0;
    let s = |ms: i64| ms as f64 / 1000.0;
    let period = s(period_ms);
    let (behind, ahead) = (f64::from(window.behind), f64::from(window.ahead));
    let x_max = run
        .logins
        .iter()
        .map(|l| day(l.elapsed_ms))
        .fold(1.0, f64::max);
    let mut y_min = f64::MAX;
    let mut y_max = f64::MIN;
    for l in &run.logins {
        let v = s(l.verifier_offset_ms);
        for y in [
            s(l.device_offset_ms),
            v - (behind + 1.0) * period,
            v + (ahead + 1.0) * period,
        ] {
            y_min = y_min.min(y);
            y_max = y_max.max(y);
        }
    }
    // Widened to round ticks, so that the band never runs past the lowest
    // or the highest tick.
    let (y0, y1, y_ticks) = snapped_duration_range(y_min, y_max, 11);
    // At most ~2,000 points per line: a decade of hourly logins stays small.
    let every = run.logins.len().div_ceil(2_000).max(1);
    let sampled: Vec<&LoginRecord> = run.logins.iter().step_by(every).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, 600)).into_drawing_area();
        let (area, legend_area) = layout(&root, title)?;
        let mut chart = axes(
            &area,
            Axis {
                range: Ticked::new(0.0..x_max, day_ticks(x_max, 14)),
                label: "time since the enrollment (days)",
                format: &|d: &f64| format!("{d:.0}"),
            },
            Axis {
                range: Ticked::new(y0..y1, y_ticks),
                label: "clock offset from real time (minutes, seconds)",
                format: &duration_label,
            },
            true,
        )?;
        // The correction a login meets was stored at (or before) the login
        // before it: a step function, held from one login to the next.
        let held: Vec<(f64, f64)> = sampled
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                let since = if i == 0 {
                    0.0
                } else {
                    day(sampled[i - 1].elapsed_ms)
                };
                let v = s(l.verifier_offset_ms);
                [(since, v), (day(l.elapsed_ms), v)]
            })
            .collect();
        let band = |lo: f64, hi: f64| -> Vec<(f64, f64)> {
            let mut outline: Vec<(f64, f64)> =
                held.iter().map(|&(x, v)| (x, v + hi * period)).collect();
            outline.extend(held.iter().rev().map(|&(x, v)| (x, v + lo * period)));
            outline
        };
        let pale = tint(oi::BLUISH_GREEN, 0.15);
        let dark = tint(oi::BLUISH_GREEN, 0.35);
        // The inner band is drawn over the pale one.
        for (outline, colour) in [
            (band(-(behind + 1.0), ahead + 1.0), pale),
            (band(-behind, ahead), dark),
        ] {
            chart
                .draw_series(std::iter::once(Polygon::new(outline, colour.filled())))
                .map_err(fail)?;
        }
        let line = |pick: fn(&LoginRecord) -> i64| -> Vec<(f64, f64)> {
            sampled
                .iter()
                .map(|l| (day(l.elapsed_ms), s(pick(l))))
                .collect()
        };
        dashed_line(&mut chart, held.clone(), oi::BLUISH_GREEN, 2, Dash::Dashed)?;
        dashed_line(
            &mut chart,
            line(|l| l.device_offset_ms),
            oi::BLACK,
            2,
            Dash::Solid,
        )?;
        let kinds: [DayKind; 4] = [
            (
                "first code refused, a later code got in (the verifier healed itself)",
                |e| matches!(e, DayEnd::Retried { healed: true, .. }),
                oi::BLUE,
            ),
            (
                "first code refused, a later code fell in the window",
                |e| matches!(e, DayEnd::Retried { healed: false, .. }),
                oi::SKY_BLUE,
            ),
            (
                "every code refused, then a resync",
                |e| e == DayEnd::Resynced,
                oi::ORANGE,
            ),
            (
                "every code refused, no way in",
                |e| matches!(e, DayEnd::Failed | DayEnd::Locked),
                oi::VERMILLION,
            ),
        ];
        let mut entries = vec![
            Entry::new("device clock offset", Mark::Line(oi::BLACK, 2, Dash::Solid)),
            Entry::new(
                "the verifier's stored correction",
                Mark::Line(oi::BLUISH_GREEN, 2, Dash::Dashed),
            ),
            Entry::new(
                format!(
                    "login window -{}..+{} steps around it: accepted at every phase",
                    window.behind, window.ahead
                ),
                Mark::Swatches(vec![dark]),
            ),
            Entry::new(
                "one step further: accepted at some phases",
                Mark::Swatches(vec![pale]),
            ),
        ];
        for (label, is, colour) in kinds {
            let count = run.logins.iter().filter(|l| is(l.end)).count();
            if count == 0 {
                entries.push(Entry::new(format!("{label}: never"), Mark::None));
                continue;
            }
            chart
                .draw_series(
                    run.logins
                        .iter()
                        .filter(|l| is(l.end))
                        .take(2_000)
                        .map(|l| {
                            Circle::new(
                                (day(l.elapsed_ms), s(l.device_offset_ms)),
                                4,
                                colour.filled(),
                            )
                        }),
                )
                .map_err(fail)?;
            entries.push(Entry::new(
                format!("{label} ({count} days)"),
                Mark::Dot(colour),
            ));
        }
        legend(&legend_area, "Each login day", &entries)?;
        root.present().map_err(fail)?;
    }
    Ok(compact(svg))
}
