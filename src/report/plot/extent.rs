//! How far a delay axis reaches: a little past the last delay at which the
//! outcome changes, so that a verifier that rejects everything after 30 s
//! is not drawn as ten minutes of one colour. Charts compared side by side
//! take the largest of their ends ([`shared_delay_end`]).

use crate::sim::exact::Probabilities;
use crate::sim::sweep::{DelayCurve, GridPoint};

/// The shortest delay axis: a minute (two 30 s steps), unless the sweep is shorter.
pub const MIN_DELAY_END_MS: i64 = 60_000;

/// Round steps a delay axis ends on, in ms.
const END_STEPS: [i64; 8] = [
    5_000, 10_000, 15_000, 30_000, 60_000, 300_000, 600_000, 3_600_000,
];

/// Where a delay axis over `from_ms..=to_ms` ends when nothing changes after
/// `last_change_ms` (`None`: nothing changes at all): a quarter past it (at
/// least 15 s), rounded up to a round duration (at most 12 steps of it from
/// zero), at least [`MIN_DELAY_END_MS`], never beyond the sweep's end `to_ms`.
pub fn delay_axis_end(last_change_ms: Option<i64>, from_ms: i64, to_ms: i64) -> i64 {
    let last = last_change_ms.unwrap_or(from_ms).max(from_ms);
    let target = last.saturating_add((last / 4).max(15_000));
    let step = END_STEPS
        .iter()
        .copied()
        .find(|s| target / s <= 12)
        .unwrap_or(END_STEPS[END_STEPS.len() - 1]);
    let rounded = target.div_euclid(step) * step + if target % step == 0 { 0 } else { step };
    rounded
        .max(from_ms.saturating_add(MIN_DELAY_END_MS))
        .min(to_ms)
        .max(from_ms)
}

/// The least delay from which a curve no longer changes (`None` if it
/// never changes): its outcome shares stay those of its last vertex.
pub fn curve_last_change(curve: &DelayCurve) -> Option<i64> {
    let (_, end) = curve.vertices.last()?;
    let settled = curve
        .vertices
        .iter()
        .rposition(|(_, p)| !same(p, end))
        .map(|i| i + 1)?;
    curve.vertices.get(settled).map(|(d, _)| *d)
}

/// The least delay from which no row of a delay × skew grid changes
/// (`None` if none ever does). `points` are skew-major, `delay_count` delays
/// per skew, as [`crate::sim::sweep::grid`] returns them.
pub fn grid_last_change(points: &[GridPoint], delay_count: usize) -> Option<i64> {
    if delay_count == 0 {
        return None;
    }
    points
        .chunks(delay_count)
        .filter_map(|row| {
            let end = &row.last()?.probabilities;
            let i = row.iter().rposition(|p| !same(&p.probabilities, end))?;
            row.get(i + 1).map(|p| p.delay_ms)
        })
        .max()
}

/// Where a delay curve's axis ends (see [`delay_axis_end`]).
pub fn curve_delay_end(curve: &DelayCurve) -> Option<i64> {
    let (from, to) = (curve.vertices.first()?.0, curve.vertices.last()?.0);
    Some(delay_axis_end(curve_last_change(curve), from, to))
}

/// One end for curves drawn side by side: the largest of their own.
pub fn shared_delay_end<'a>(curves: impl IntoIterator<Item = &'a DelayCurve>) -> Option<i64> {
    curves.into_iter().filter_map(curve_delay_end).max()
}

/// The same shares: counts over equal totals, or equal fractions.
pub(super) fn same(a: &Probabilities, b: &Probabilities) -> bool {
    a == b
        || crate::sim::Outcome::ALL
            .iter()
            .all(|&o| a.count(o) * b.total() == b.count(o) * a.total())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::sweep::{CURVE_BUDGET, delay_curve};
    use crate::sim::{Scenario, preset};

    fn end_of(policy: &str) -> i64 {
        let s = Scenario::new(preset(policy).expect("a preset"));
        let curve = delay_curve(&s, 0, 600_000, 5_000, CURVE_BUDGET);
        curve_delay_end(&curve).expect("a curve")
    }

    #[test]
    fn the_end_is_a_little_past_the_last_change_on_a_round_duration() {
        assert_eq!(delay_axis_end(Some(328_000), 0, 600_000), 420_000);
        assert_eq!(delay_axis_end(Some(198_000), 0, 600_000), 270_000);
        assert_eq!(delay_axis_end(Some(28_001), 0, 600_000), 60_000);
        // Nothing changes: a minute; a short sweep is never exceeded.
        assert_eq!(delay_axis_end(None, 0, 600_000), 60_000);
        assert_eq!(delay_axis_end(Some(328_000), 0, 300_000), 300_000);
        assert_eq!(delay_axis_end(None, 0, 20_000), 20_000);
        for last in (0..3_000_000).step_by(7_001) {
            let end = delay_axis_end(Some(last), 0, i64::MAX);
            assert!(
                end >= last + 15_000 && end <= 2 * last + 60_000,
                "{last}: {end}"
            );
        }
    }

    #[test]
    fn each_preset_gets_the_axis_its_action_needs() {
        // pyotp rejects for certain from about 30 s, the one-code verifiers
        // with -1..+1 (or -1..0) from 58 s, privacyIDEA's pair is out of sync
        // for certain from 3m18s, aws-iam rejects from 5m28s.
        assert_eq!(end_of("pyotp"), 60_000);
        for policy in ["keycloak", "keycloak-legacy", "oathtool", "django-otp"] {
            assert_eq!(end_of(policy), 80_000, "{policy}");
        }
        assert_eq!(end_of("privacyidea"), 270_000);
        assert_eq!(end_of("aws-iam"), 420_000);
        // libpam's skippable check is in sync at every delay: the shortest axis.
        assert_eq!(end_of("google-authenticator-pam"), MIN_DELAY_END_MS);
        // Every preset's axis reaches past each of its thresholds within the
        // sweep, and ends before the sweep does.
        for p in crate::sim::presets() {
            let name = p.name.clone();
            let t = crate::sim::thresholds(&Scenario::new(p), None);
            let end = end_of(&name);
            for d in [
                t.in_sync_uncertain_from,
                t.out_of_sync_from(),
                t.out_of_sync_certain_from,
                t.login_fails_from(),
                t.rejected_from(),
                t.rejected_certain_from,
            ]
            .into_iter()
            .flatten()
            .filter(|d| *d <= 600_000)
            {
                assert!(end > d, "{name}: axis ends at {end}, a threshold at {d}");
            }
            assert!(end < 600_000, "{name}: {end}");
        }
    }
}
