//! Outcome probability against delay: one policy's four outcomes as stacked
//! shares, and every policy's out-of-sync and rejection probability on one
//! comparison chart. Both draw the exact curves of
//! [`crate::sim::sweep::delay_curve`]: straight between vertices, a jump as
//! two vertices 1 ms apart, so a step at 58 s looks like a step.

use plotters::prelude::*;

use super::okabe_ito as oi;
use super::{
    Axis, Dash, Entry, Mark, OUTCOME_COLOURS, PlotError, Ticked, axes, compact, dashed_line,
    duration_label, duration_ticks, fail, layout, legend, percent_label, percent_ticks,
};
use crate::sim::Outcome;
use crate::sim::sweep::DelayCurve;

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// The delay axis every curve shares.
fn delay_axis(x0: f64, x1: f64) -> Axis<'static> {
    Axis {
        range: Ticked::new(x0..x1, duration_ticks(x0, x1, 11)),
        label: "submission delay after reading the (last) enrollment code",
        format: &duration_label,
    }
}

fn x_span(curve: &DelayCurve) -> Result<(f64, f64), PlotError> {
    match (curve.vertices.first(), curve.vertices.last()) {
        (Some(a), Some(b)) => Ok((seconds(a.0), seconds(b.0.max(a.0 + 1)))),
        _ => Err(PlotError::new("no points".to_owned())),
    }
}

/// One policy's outcome shares against delay, stacked so that they fill
/// 0..100% (in sync at the bottom, rejected on top): no line hides another,
/// and each band's height is that outcome's probability.
pub fn delay_curve(title: &str, curve: &DelayCurve) -> Result<String, PlotError> {
    let (x0, x1) = x_span(curve)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, 500)).into_drawing_area();
        let (area, legend_area) = layout(&root, title)?;
        let mut chart = axes(
            &area,
            delay_axis(x0, x1),
            Axis {
                range: Ticked::new(0.0..1.0, percent_ticks()),
                label: "share of enrollments (all phases)",
                format: &percent_label,
            },
            true,
        )?;
        let mut below: Vec<f64> = vec![0.0; curve.vertices.len()];
        let mut entries = Vec::new();
        for (outcome, colour) in OUTCOME_COLOURS {
            let above: Vec<f64> = curve
                .vertices
                .iter()
                .zip(&below)
                .map(|((_, p), b)| b + p.p(outcome))
                .collect();
            let xs: Vec<f64> = curve.vertices.iter().map(|v| seconds(v.0)).collect();
            if above.iter().zip(&below).any(|(a, b)| a > b) {
                let mut outline: Vec<(f64, f64)> = xs.iter().copied().zip(above.clone()).collect();
                outline.extend(xs.iter().copied().zip(below.iter().copied()).rev());
                chart
                    .draw_series(std::iter::once(Polygon::new(outline, colour.filled())))
                    .map_err(fail)?;
                entries.push(Entry::new(outcome.label(), Mark::Swatches(vec![colour])));
            } else {
                entries.push(Entry::new(
                    format!("{}: 0% at every delay", outcome.label()),
                    Mark::None,
                ));
            }
            below = above;
        }
        entries.push(Entry::new(
            if curve.exact {
                "Exact over both phases (1 ms): edges are where the outcome changes"
            } else {
                "Sampled (the exact curve was too costly with drift): straight lines join the samples"
            },
            Mark::None,
        ));
        legend(&legend_area, "Outcome of the enrollment", &entries)?;
        root.present().map_err(fail)?;
    }
    Ok(compact(svg))
}

/// Policies with one identical curve: its points and their indices.
type Group = (Vec<(f64, f64)>, Vec<usize>);

/// A policy's line: its verifier's colour, its variant's dash.
fn style(name: &str, index: usize) -> (RGBColor, Dash) {
    let base = name.split('+').next().unwrap_or(name);
    match base {
        "aws-iam" => (oi::VERMILLION, Dash::Solid),
        "aws-iam-shift" => (oi::VERMILLION, Dash::Dashed),
        "google-authenticator-pam" => (oi::BLUE, Dash::Solid),
        "google-authenticator-pam-noskewadj" => (oi::BLUE, Dash::Dashed),
        "privacyidea" => (oi::BLUISH_GREEN, Dash::Solid),
        "privacyidea-autoresync" => (oi::BLUISH_GREEN, Dash::Dashed),
        "privacyidea-verify" => (oi::BLUISH_GREEN, Dash::Dotted),
        "keycloak" => (oi::REDDISH_PURPLE, Dash::Solid),
        "keycloak-legacy" => (oi::REDDISH_PURPLE, Dash::Dashed),
        "pyotp" => (oi::ORANGE, Dash::Solid),
        "oathtool" => (oi::SKY_BLUE, Dash::Solid),
        "django-otp" => (oi::BLACK, Dash::Solid),
        _ => {
            let colours = [
                oi::BLACK,
                oi::ORANGE,
                oi::SKY_BLUE,
                oi::BLUE,
                oi::BLUISH_GREEN,
            ];
            (colours[index % colours.len()], Dash::Dotted)
        }
    }
}

/// Every policy's probability of ending out of sync (top panel) and rejected
/// (bottom panel) against delay. Policies whose curves are identical in a
/// panel share one line (drawn in the first one's style and named together
/// in the legend), so that no line hides another; a policy at 0% throughout
/// a panel is named in the legend instead of drawn.
pub fn comparison_chart(title: &str, curves: &[(String, DelayCurve)]) -> Result<String, PlotError> {
    let Some((_, first)) = curves.first() else {
        return Err(PlotError::new("no policies".to_owned()));
    };
    let (x0, x1) = x_span(first)?;
    let panels = [
        (Outcome::OutOfSync, "P(ENROLLED OUT OF SYNC)", "Top"),
        (Outcome::Rejected, "P(REJECTED)", "Bottom"),
    ];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1180, 840)).into_drawing_area();
        let (area, legend_area) = layout(&root, title)?;
        let halves = area.split_evenly((2, 1));
        let mut entries = Vec::new();
        for ((outcome, y_desc, which), half) in panels.iter().zip(&halves) {
            let mut chart = axes(
                half,
                delay_axis(x0, x1),
                Axis {
                    range: Ticked::new(0.0..1.0, percent_ticks()),
                    label: y_desc,
                    format: &percent_label,
                },
                true,
            )?;
            // Identical curves, grouped: (points, the policies' indices).
            let mut groups: Vec<Group> = Vec::new();
            let mut zero = Vec::new();
            for (i, (name, curve)) in curves.iter().enumerate() {
                let points: Vec<(f64, f64)> = curve
                    .vertices
                    .iter()
                    .map(|(d, p)| (seconds(*d), p.p(*outcome)))
                    .collect();
                if points.iter().all(|&(_, p)| p == 0.0) {
                    zero.push(name.as_str());
                } else if let Some(g) = groups.iter_mut().find(|g| g.0 == points) {
                    g.1.push(i);
                } else {
                    groups.push((points, vec![i]));
                }
            }
            entries.push(Entry::new(format!("{which}: {y_desc}"), Mark::None));
            for (points, members) in groups {
                let (colour, dash) = style(&curves[members[0]].0, members[0]);
                dashed_line(&mut chart, points, colour, 3, dash)?;
                let names: Vec<&str> = members.iter().map(|&i| curves[i].0.as_str()).collect();
                entries.push(Entry::new(names.join(" = "), Mark::Line(colour, 3, dash)));
            }
            if !zero.is_empty() {
                entries.push(Entry::new(
                    format!("0% at every delay: {}", zero.join(", ")),
                    Mark::None,
                ));
            }
        }
        legend(&legend_area, "Verifier policy (zero skew)", &entries)?;
        root.present().map_err(fail)?;
    }
    Ok(compact(svg))
}
