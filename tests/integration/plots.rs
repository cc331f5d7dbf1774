//! Every chart, parsed back from its SVG: a title, both axis labels, a
//! legend right of the data with an entry for every colour drawn, bars
//! labelled with their values; and the phase diagram of a default sweep
//! under 150 KB. The checker is shown to reject the bench chart as it was
//! before these rules (tests/integration/fixtures/bench-before-issue-11.svg).

use std::collections::BTreeSet;

use skewsim::report::bench::{BenchResult, to_svg};
use skewsim::report::plot::{
    LEGEND_WIDTH, OUTCOME_COLOURS, comparison_chart, delay_curve, drift_chart, drift_finding,
    phase_diagram,
};
use skewsim::sim::drift::simulate;
use skewsim::sim::sweep::{
    CURVE_BUDGET, Span, delay_curve as exact_curve, grid, thresholds_by_skew,
};
use skewsim::sim::{Scenario, preset, presets};

/// What a chart shows, as read back from its SVG.
#[derive(Debug, Default)]
struct Chart {
    width: f64,
    /// (x, font size, text).
    texts: Vec<(f64, f64, String)>,
    /// (leftmost x, fill) of rectangles, polygons and circles.
    fills: Vec<(f64, String)>,
    /// (leftmost x, stroke) of lines.
    strokes: Vec<(f64, String)>,
    /// (x, height, fill) of every rectangle.
    rects: Vec<(f64, f64, String)>,
}

fn number(node: roxmltree::Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn leftmost(points: &str) -> f64 {
    points
        .split_whitespace()
        .filter_map(|p| p.split(',').next()?.parse::<f64>().ok())
        .fold(f64::MAX, f64::min)
}

fn parse(svg: &str) -> Chart {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = doc.root_element();
    let mut chart = Chart {
        width: number(root, "width"),
        ..Chart::default()
    };
    for n in doc.descendants().filter(|n| n.is_element()) {
        let fill = n
            .attribute("fill")
            .filter(|f| *f != "none")
            .map(str::to_owned);
        let stroke = n
            .attribute("stroke")
            .filter(|f| *f != "none")
            .map(str::to_owned);
        match n.tag_name().name() {
            "text" => {
                let text: String = n
                    .descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect();
                chart.texts.push((
                    number(n, "x"),
                    number(n, "font-size"),
                    text.trim().to_owned(),
                ));
            }
            "rect" => {
                let x = number(n, "x");
                if let Some(f) = fill {
                    chart.rects.push((x, number(n, "height"), f.clone()));
                    chart.fills.push((x, f));
                }
            }
            "circle" => {
                if let Some(f) = fill {
                    chart.fills.push((number(n, "cx"), f));
                }
            }
            "polygon" => {
                if let Some(f) = fill {
                    chart
                        .fills
                        .push((leftmost(n.attribute("points").unwrap_or("")), f));
                }
            }
            "polyline" => {
                if let Some(s) = stroke {
                    chart
                        .strokes
                        .push((leftmost(n.attribute("points").unwrap_or("")), s));
                }
            }
            "line" => {
                if let Some(s) = stroke {
                    chart
                        .strokes
                        .push((number(n, "x1").min(number(n, "x2")), s));
                }
            }
            _ => {}
        }
    }
    chart
}

/// Greys (black, white, the axes and the mesh) carry no meaning of their own.
fn grey(colour: &str) -> bool {
    let hex = colour.trim_start_matches('#');
    hex.len() == 6 && hex[0..2] == hex[2..4] && hex[2..4] == hex[4..6]
}

impl Chart {
    fn legend_x(&self) -> f64 {
        self.width - f64::from(LEGEND_WIDTH)
    }

    fn title(&self) -> Option<&str> {
        self.texts
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|t| t.2.as_str())
    }

    /// The legend's text, lines joined by spaces.
    fn legend_text(&self) -> String {
        self.texts
            .iter()
            .filter(|t| t.0 >= self.legend_x())
            .map(|t| t.2.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Colours used left of the legend that no legend entry shows.
    fn unexplained_colours(&self) -> BTreeSet<String> {
        let split = |v: &[(f64, String)]| {
            let (mut data, mut key) = (BTreeSet::new(), BTreeSet::new());
            for (x, c) in v {
                if grey(c) {
                    continue;
                }
                if *x >= self.legend_x() {
                    key.insert(c.clone());
                } else {
                    data.insert(c.clone());
                }
            }
            (data, key)
        };
        let (fills, fill_keys) = split(&self.fills);
        let (strokes, stroke_keys) = split(&self.strokes);
        let mut missing: BTreeSet<String> = fills.difference(&fill_keys).cloned().collect();
        missing.extend(strokes.difference(&stroke_keys).cloned());
        missing
    }
}

/// The rules every chart follows; `Err` says which one it breaks.
fn check(svg: &str, title: &str, axes: &[&str], legend: &[&str]) -> Result<Chart, String> {
    let chart = parse(svg);
    if chart.title() != Some(title) {
        return Err(format!("title {:?}, expected {title:?}", chart.title()));
    }
    for axis in axes {
        if !chart.texts.iter().any(|t| t.2 == *axis) {
            return Err(format!("no axis label {axis:?}"));
        }
    }
    let key = chart.legend_text();
    if key.is_empty() {
        return Err("no legend right of the data".to_owned());
    }
    for entry in legend {
        if !key.contains(entry) {
            return Err(format!("no legend entry {entry:?} in {key:?}"));
        }
    }
    let missing = chart.unexplained_colours();
    if !missing.is_empty() {
        return Err(format!("colours without a legend entry: {missing:?}"));
    }
    Ok(chart)
}

const DELAY_AXIS: &str =
    "submission delay after reading the (last) enrollment code (minutes, seconds)";
const OUTCOMES: [&str; 4] = [
    "LOGIN ACCEPTED (in sync)",
    "LOGIN REFUSED: WRONG OFFSET STORED (out of sync)",
    "LOGIN REFUSED ANYWAY (clock or transit)",
    "ENROLLMENT REFUSED",
];

fn sweep(policy: &str, delays: &Span, skews: &Span) -> String {
    let base = Scenario::new(preset(policy).expect("a preset"));
    let points = grid(&base, delays, skews);
    let lines = thresholds_by_skew(&base, skews);
    phase_diagram("phase", &points, delays.len() as usize, &lines).expect("drawn")
}

#[test]
fn the_phase_diagram_has_its_title_axes_and_a_key_for_every_shade() {
    let delays = Span::new(0, 300_000, 5_000).expect("span");
    let skews = Span::new(-90_000, 90_000, 5_000).expect("span");
    for policy in [
        "aws-iam",
        "google-authenticator-pam",
        "pyotp",
        "privacyidea-verify",
    ] {
        let svg = sweep(policy, &delays, &skews);
        let mut legend = OUTCOMES.to_vec();
        legend.push("out of sync possible from this delay (per skew)");
        legend.push("rejection possible from this delay");
        check(
            &svg,
            "phase",
            &[
                DELAY_AXIS,
                "device clock skew, device minus verifier (minutes, seconds)",
            ],
            &legend,
        )
        .unwrap_or_else(|e| panic!("{policy}: {e}"));
    }
}

#[test]
fn a_default_sweep_draws_each_phase_diagram_in_under_150_kb() {
    // `skewsim sweep`'s defaults: 0s..10m and -3m..3m, both every second.
    let delays = Span::new(0, 600_000, 1_000).expect("span");
    let skews = Span::new(-180_000, 180_000, 1_000).expect("span");
    for policy in ["aws-iam", "django-otp", "keycloak-legacy", "pyotp"] {
        let svg = sweep(policy, &delays, &skews);
        assert!(svg.len() < 150_000, "{policy}: {} bytes", svg.len());
    }
}

#[test]
fn the_delay_curve_is_exact_and_keyed() {
    let aws = Scenario::new(preset("aws-iam").expect("a preset"));
    let curve = exact_curve(&aws, 0, 600_000, 5_000, CURVE_BUDGET);
    assert!(curve.exact);
    let svg = delay_curve("aws-iam curve", &curve).expect("drawn");
    check(
        &svg,
        "aws-iam curve",
        &[DELAY_AXIS, "share of enrollments, all phases (%)"],
        &[
            "LOGIN ACCEPTED (in sync)",
            "LOGIN REFUSED: WRONG OFFSET STORED (out of sync)",
            "ENROLLMENT REFUSED",
            "Exact",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The jump at 58 s is drawn as a jump: two vertices 1 ms apart.
    assert!(curve.vertices.iter().any(|v| v.0 == 57_999));
    assert!(curve.vertices.iter().any(|v| v.0 == 58_000));
}

#[test]
fn the_comparison_chart_names_every_policy_and_keeps_colours_for_outcomes() {
    let curves: Vec<_> = presets()
        .into_iter()
        .map(|p| {
            let name = p.name.clone();
            (
                name,
                exact_curve(&Scenario::new(p), 0, 600_000, 5_000, CURVE_BUDGET),
            )
        })
        .collect();
    let svg = comparison_chart("compare", &curves).expect("drawn");
    let chart = check(
        &svg,
        "compare",
        &[
            DELAY_AXIS,
            "verifier at zero skew (each row: 100% of its enrollments)",
        ],
        &OUTCOMES,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Each verifier is named once, left of the data, in black: a row, not a colour.
    for (name, _) in &curves {
        let labels: Vec<_> = chart
            .texts
            .iter()
            .filter(|t| t.2 == *name && t.0 < chart.legend_x())
            .collect();
        assert_eq!(labels.len(), 1, "{name}: {labels:?}");
    }
    // No colour but the four outcomes' (and greys) is drawn: an outcome
    // colour never stands for a verifier, and no verifier has a colour.
    let outcome_colours: BTreeSet<String> = OUTCOME_COLOURS
        .iter()
        .map(|(_, c)| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2))
        .collect();
    for (_, colour) in chart.fills.iter().chain(&chart.strokes) {
        assert!(
            grey(colour) || outcome_colours.contains(&colour.to_uppercase()),
            "{colour} is not an outcome's colour"
        );
    }
    for element in ["polyline", "line"] {
        let coloured = roxmltree::Document::parse(&svg)
            .expect("well-formed")
            .descendants()
            .filter(|n| n.tag_name().name() == element)
            .filter_map(|n| n.attribute("stroke"))
            .filter(|s| !grey(s))
            .count();
        assert_eq!(coloured, 0, "coloured {element}s: a line per verifier");
    }
    // One shared delay axis, sized to the latest change (aws-iam's
    // rejection at 5m28s): it ends at 7m, not at the sweep's 10m.
    let ticks: Vec<&str> = chart
        .texts
        .iter()
        .map(|t| t.2.as_str())
        .filter(|t| t.ends_with('m') || t.ends_with('s'))
        .collect();
    assert!(ticks.contains(&"7m") && !ticks.contains(&"8m"), "{ticks:?}");
    assert!(chart.legend_text().contains("From 7m to 10m"));
}

/// The delay axis of a policy's curve ends a little past its last change:
/// pyotp's rejection is certain from about 30 s, so its axis is a minute,
/// not the ten swept.
#[test]
fn the_delay_curve_is_sized_to_its_finding() {
    let pyotp = Scenario::new(preset("pyotp").expect("a preset"));
    let curve = exact_curve(&pyotp, 0, 600_000, 5_000, CURVE_BUDGET);
    let svg = delay_curve("pyotp", &curve).expect("drawn");
    let chart = parse(&svg);
    let ticks: Vec<&str> = chart.texts.iter().map(|t| t.2.as_str()).collect();
    assert!(ticks.contains(&"1m") && !ticks.contains(&"2m"), "{ticks:?}");
    assert!(chart.legend_text().contains("From 1m to 10m"));
}

#[test]
fn the_drift_chart_keys_its_lines_band_and_days() {
    for policy in ["google-authenticator-pam", "aws-iam", "keycloak"] {
        let p = preset(policy).expect("a preset");
        let window = p.login;
        let mut s = Scenario::new(p);
        s.drift_ppb = 50_000;
        s.delay_ms = 5_000;
        let run = simulate(&s, 86_400_000, 200, true);
        let svg = drift_chart("drift", s.period_ms, window, &run).expect("drawn");
        check(
            &svg,
            "drift",
            &[
                "time since the enrollment (days)",
                "clock offset from real time (minutes, seconds)",
            ],
            &[
                "device clock offset",
                "the verifier's stored correction",
                "login window",
                "accepted at some phases",
            ],
        )
        .unwrap_or_else(|e| panic!("{policy}: {e}"));
    }
}

/// A drift chart's title states its finding, counted from the run; its
/// band ends on ticks (privacyIDEA's -6..+5 band ran below the lowest).
#[test]
fn the_drift_title_states_the_finding_and_the_band_ends_on_ticks() {
    let year = |policy: &str| {
        let p = preset(policy).expect("a preset");
        let mut s = Scenario::new(p.clone());
        s.drift_ppb = 50_000;
        s.delay_ms = 5_000;
        (p, simulate(&s, 86_400_000, 365, true))
    };
    let (pam, run) = year("google-authenticator-pam");
    assert_eq!(
        drift_finding(&run, &pam),
        format!(
            "{} refusals, all healed by learning the skew",
            run.first_attempt_failures()
        )
    );
    assert!(run.first_attempt_failures() > 10);
    let (aws, run) = year("aws-iam");
    assert!(drift_finding(&run, &aws).ends_with("refusals, all fixed by a resync"));
    let (keycloak, run) = year("keycloak");
    let found = drift_finding(&run, &keycloak);
    assert!(
        found.starts_with(&format!(
            "{} refusals, none recovered: locked out from day ",
            run.failed()
        )),
        "{found}"
    );
    let (privacyidea, run) = year("privacyidea");
    assert_eq!(
        drift_finding(&run, &privacyidea),
        "no code refused (the verifier follows the device)"
    );
    // The band reaches below 0s (the window is -6 steps): a tick below it.
    let svg = drift_chart("drift", 30_000, privacyidea.login, &run).expect("drawn");
    let chart = parse(&svg);
    let ticks: Vec<&str> = chart.texts.iter().map(|t| t.2.as_str()).collect();
    assert!(ticks.contains(&"-5m"), "{ticks:?}");
}

fn bench_results() -> Vec<BenchResult> {
    let mut out = Vec::new();
    for (workload, algorithm, rates) in [
        ("w1_steps", "sha1", [70.0, 20.0, 12.0, 10.0]),
        ("w2_secrets", "sha256", [22.0, 11.0, 8.0, 6.5]),
        ("w1_steps", "sha3-256", [3.6, 3.6, 1.7, 0.0]),
    ] {
        for (imp, rate) in ["auto", "portable", "naive", "totp-rs"].iter().zip(rates) {
            for (threads, scale) in [("1t", 0.5), ("2t", 1.0)] {
                if rate > 0.0 {
                    out.push(BenchResult::new(
                        format!("{workload}/{algorithm}/{imp}/{threads}"),
                        rate * scale * 1e6,
                    ));
                }
            }
        }
    }
    out
}

/// Every bar carries its value: `12.3 M/s` on the rates, `6.80×` on the speed-ups.
fn unlabelled_bars(chart: &Chart) -> Option<String> {
    let bars = chart
        .rects
        .iter()
        .filter(|(x, h, _)| *x < chart.legend_x() && *h <= 12.0)
        .count();
    let labels = chart
        .texts
        .iter()
        .filter(|t| {
            let s = t.2.as_str();
            s.ends_with(" M/s")
                || (s.ends_with('×') && s.split('.').nth(1).is_some_and(|d| d.chars().count() == 3))
        })
        .count();
    (bars == 0 || bars != labels).then(|| format!("{bars} bars, {labels} value labels"))
}

#[test]
fn the_bench_chart_labels_every_bar_and_keys_threads() {
    let results = bench_results();
    let record = skewsim::report::bench::RunRecord {
        cpu: "Test CPU".to_owned(),
        features: vec!["sha".to_owned()],
        ran: [(
            "w1_steps/sha1/auto".to_owned(),
            ("sha-ni-4".to_owned(), 4usize),
        )]
        .into_iter()
        .collect(),
    };
    let svg = to_svg("bench", &results, &record).expect("drawn");
    let chart = check(
        &svg,
        "bench",
        &[
            "million codes per second (more is better)",
            "times totp-rs, same workload and threads",
        ],
        &["auto", "portable", "naive", "totp-rs", "worker thread"],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unlabelled_bars(&chart), None);
    // One bar per result on the left, one per non-totp-rs result with a
    // baseline on the right.
    let speedups = results
        .iter()
        .filter(|r| !r.name.contains("totp-rs") && !r.name.contains("sha3"))
        .count();
    let bars = chart
        .rects
        .iter()
        .filter(|(x, h, _)| *x < chart.legend_x() && *h <= 12.0)
        .count();
    assert_eq!(bars, results.len() + speedups);
    // The SHA-3 group has no totp-rs: its rows say so instead of a bar.
    let no_baseline = chart
        .texts
        .iter()
        .filter(|t| t.2 == "no totp-rs baseline")
        .count();
    assert_eq!(no_baseline, 3, "one per SHA-3 implementation row");
    // `auto` names what it ran where the record says.
    assert!(
        chart.texts.iter().any(|t| t.2 == "auto: sha-ni-4"),
        "the SHA-1 auto row names its variant"
    );
}

#[test]
fn the_checker_rejects_the_bench_chart_before_these_rules() {
    let old = include_str!("fixtures/bench-before-issue-11.svg");
    let chart = parse(old);
    assert!(unlabelled_bars(&chart).is_some());
    assert!(
        check(
            old,
            "skewsim bulk: codes/s (AMD EPYC, 2 cores, SHA extensions: yes)",
            &[],
            &["auto"]
        )
        .is_err()
    );
}

/// The committed reports follow the same rules (they were regenerated).
#[test]
fn every_committed_report_chart_has_a_title_and_a_complete_legend() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut seen = 0;
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("reports/ is readable")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "svg") {
                continue;
            }
            let svg = std::fs::read_to_string(&path).expect("readable");
            let chart = parse(&svg);
            let name = path.display();
            assert!(
                chart.title().is_some_and(|t| t.len() > 10),
                "{name}: no title"
            );
            assert!(!chart.legend_text().is_empty(), "{name}: no legend");
            assert_eq!(chart.unexplained_colours(), BTreeSet::new(), "{name}");
            if path.to_string_lossy().contains("phase") {
                assert!(svg.len() < 150_000, "{name}: {} bytes", svg.len());
            }
            if path.ends_with("bench.svg") {
                assert_eq!(unlabelled_bars(&chart), None, "{name}");
            }
            seen += 1;
        }
    }
    assert!(seen >= 25, "only {seen} SVGs under reports/");
}
