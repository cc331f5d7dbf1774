//! Exact outcome probabilities over the two phases, and the delay thresholds.
//!
//! Both phases are uniform over the period at 1 ms resolution. For a fixed
//! enrollment the accepted login phases form one interval, for the real state
//! and for the ideal one alike, so each enrollment phase costs a few
//! evaluations. Without drift a pair enrollment does not depend on its phase
//! (the person waits for the code change), and a one-code enrollment changes
//! only where one of its times crosses a step or second boundary, so the
//! phases fall into a handful of pieces; with drift every phase is evaluated.

use rayon::prelude::*;

use super::model::{Outcome, Scenario};
use super::policy::Store;

/// Exact counts of (enrollment phase, login phase) pairs per outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Probabilities {
    /// Pairs that end REJECTED.
    pub rejected: u128,
    /// Pairs that end ENROLLED IN SYNC.
    pub in_sync: u128,
    /// Pairs that end ENROLLED OUT OF SYNC (the enrollment's doing).
    pub out_of_sync: u128,
    /// Pairs whose first login fails for the clock's sake.
    pub login_fails: u128,
}

impl Probabilities {
    /// All pairs counted.
    pub fn total(&self) -> u128 {
        self.rejected + self.in_sync + self.out_of_sync + self.login_fails
    }

    /// The count of one outcome.
    pub fn count(&self, outcome: Outcome) -> u128 {
        match outcome {
            Outcome::Rejected => self.rejected,
            Outcome::InSync => self.in_sync,
            Outcome::OutOfSync => self.out_of_sync,
            Outcome::LoginFails => self.login_fails,
        }
    }

    /// The probability of one outcome (for display; decisions use the counts).
    pub fn p(&self, outcome: Outcome) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        // Counts are at most period² (< 2^80 for any period we accept): the
        // conversion keeps 53 bits, plenty for a probability.
        self.count(outcome) as f64 / total as f64
    }

    /// The most likely outcome (ties: the worse one; `max_by_key` keeps the
    /// last of equal maxima).
    pub fn most_likely(&self) -> Outcome {
        [
            Outcome::InSync,
            Outcome::Rejected,
            Outcome::LoginFails,
            Outcome::OutOfSync,
        ]
        .into_iter()
        .max_by_key(|o| self.count(*o))
        .unwrap_or(Outcome::InSync)
    }

    /// Whether the outcome is certain.
    pub fn certain(&self, outcome: Outcome) -> bool {
        self.count(outcome) == self.total()
    }

    fn scaled(self, weight: u128) -> Probabilities {
        Probabilities {
            rejected: self.rejected * weight,
            in_sync: self.in_sync * weight,
            out_of_sync: self.out_of_sync * weight,
            login_fails: self.login_fails * weight,
        }
    }
}

impl std::ops::Add for Probabilities {
    type Output = Probabilities;

    /// The counts of two disjoint sets of phase pairs together.
    fn add(self, other: Probabilities) -> Probabilities {
        Probabilities {
            rejected: self.rejected + other.rejected,
            in_sync: self.in_sync + other.in_sync,
            out_of_sync: self.out_of_sync + other.out_of_sync,
            login_fails: self.login_fails + other.login_fails,
        }
    }
}

/// The counts over every login phase for one enrollment phase.
fn one_enrollment(scenario: &Scenario, phase: i64) -> Probabilities {
    let period = scenario.period_ms as u128;
    let enrollment = scenario.enroll(phase);
    if !enrollment.accepted() {
        return Probabilities {
            rejected: period,
            ..Probabilities::default()
        };
    }
    let (r0, r1) = scenario.accepted_login_phases(&enrollment, &enrollment.state);
    let (i0, i1) = scenario.accepted_login_phases(&enrollment, &scenario.ideal_state(&enrollment));
    let real = (r1 - r0) as u128;
    let ideal = (i1 - i0) as u128;
    let both = (r1.min(i1) - r0.max(i0)).max(0) as u128;
    let out_of_sync = ideal - both;
    Probabilities {
        rejected: 0,
        in_sync: real,
        out_of_sync,
        login_fails: period - real - out_of_sync,
    }
}

/// Without drift: the enrollment phases where a one-code enrollment may
/// change, sorted, starting at 0. Every time in the enrollment moves with the
/// phase one for one until the first receipt, and later attempts depend on
/// the phase only through the device step at that receipt; so the pieces are
/// cut where the first receipt crosses a verifier step, a device step or (for
/// a store in whole seconds) a second, or where the login a day later
/// crosses a device step.
fn confirm_pieces(scenario: &Scenario) -> Vec<i64> {
    let period = scenario.period_ms;
    let at0 = scenario.enroll(0);
    let first = at0.attempts()[0];
    let device_receipt = at0.clock.reading(first.t_receipt);
    let mut marks = vec![
        (first.t_receipt, period),
        (device_receipt, period),
        (
            device_receipt.saturating_add(scenario.login_after_ms),
            period,
        ),
    ];
    if scenario.policy.flow.store() == Store::ShiftStart {
        marks.push((first.t_receipt, 1000));
    }
    let mut cuts = vec![0];
    for (base, grid) in marks {
        // The least phase at which base + phase reaches a multiple of grid, and
        // every grid after it within the period.
        let mut phase = (-base).rem_euclid(grid);
        while phase < period {
            if phase > 0 {
                cuts.push(phase);
            }
            phase += grid;
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The probabilities of the four outcomes; `enroll_phase_ms` fixes where in
/// its step the first code was read (None: every phase).
///
/// ```
/// use skewsim::sim::{Outcome, Scenario, preset, probabilities};
/// // A two-code AWS enrollment submitted 90 s late (hypothesis a).
/// let late = Scenario { delay_ms: 90_000, ..Scenario::new(preset("aws-iam").unwrap()) };
/// assert!(probabilities(&late, None).certain(Outcome::OutOfSync));
/// // Keycloak stores nothing: a phone 45 s behind fails for the clock's sake.
/// let skewed = Scenario { skew_ms: -45_000, delay_ms: 5_000, ..Scenario::new(preset("keycloak").unwrap()) };
/// let p = probabilities(&skewed, None);
/// assert_eq!(p.out_of_sync, 0);
/// assert!(p.p(Outcome::LoginFails) > 0.6);
/// ```
pub fn probabilities(scenario: &Scenario, enroll_phase_ms: Option<i64>) -> Probabilities {
    let period = scenario.period_ms;
    match enroll_phase_ms {
        Some(phase) => one_enrollment(scenario, phase),
        // Without drift a pair enrollment is the same at every phase.
        None if scenario.drift_ppb == 0 && scenario.policy.flow.is_pair() => {
            one_enrollment(scenario, 0).scaled(period as u128)
        }
        None if scenario.drift_ppb == 0 => {
            let cuts = confirm_pieces(scenario);
            let ends = cuts.iter().skip(1).copied().chain([period]);
            cuts.iter()
                .zip(ends)
                .map(|(&from, to)| one_enrollment(scenario, from).scaled((to - from) as u128))
                .fold(Probabilities::default(), std::ops::Add::add)
        }
        // With drift every phase counts; sums are exact, so the order the
        // threads add them in does not matter.
        None => (0..period)
            .into_par_iter()
            .map(|phase| one_enrollment(scenario, phase))
            .reduce(Probabilities::default, std::ops::Add::add),
    }
}

/// Where an outcome starts, and how likely it is right there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Onset {
    /// The least delay (ms) at which the outcome is possible.
    pub from_ms: i64,
    /// Its counts at that delay: a jump shows as a large share at once.
    pub at: Probabilities,
}

/// Delays (ms) at which the outcome changes, at the scenario's skew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Thresholds {
    /// Least delay at which IN SYNC is no longer certain (Some(0): never certain;
    /// None: certain throughout).
    pub in_sync_uncertain_from: Option<i64>,
    /// Where OUT OF SYNC becomes possible.
    pub out_of_sync: Option<Onset>,
    /// Least delay at which OUT OF SYNC is certain.
    pub out_of_sync_certain_from: Option<i64>,
    /// Where LOGIN FAILS becomes possible.
    pub login_fails: Option<Onset>,
    /// Where REJECTED becomes possible.
    pub rejected: Option<Onset>,
    /// Least delay at which REJECTED is certain.
    pub rejected_certain_from: Option<i64>,
}

impl Thresholds {
    /// Least delay at which OUT OF SYNC becomes possible.
    pub fn out_of_sync_from(&self) -> Option<i64> {
        self.out_of_sync.map(|o| o.from_ms)
    }

    /// Least delay at which REJECTED becomes possible.
    pub fn rejected_from(&self) -> Option<i64> {
        self.rejected.map(|o| o.from_ms)
    }

    /// Least delay at which LOGIN FAILS becomes possible.
    pub fn login_fails_from(&self) -> Option<i64> {
        self.login_fails.map(|o| o.from_ms)
    }
}

/// Candidate delays for a pair without drift: 0, and the delays at which
/// the verifier's step at receipt changes, but only where the offset found is
/// within two steps of the search. Outside that band every delay is rejected
/// for certain, like its neighbours, so the list stays short whatever the skew.
fn step_changes(scenario: &Scenario) -> Vec<i64> {
    let at_zero_delay = Scenario {
        delay_ms: 0,
        ..scenario.clone()
    };
    let enrollment = at_zero_delay.enroll(0);
    let period = scenario.period_ms;
    let first = enrollment.attempts()[0];
    // The offset found at delay 0; each candidate lowers it by one.
    let offset0 = first.step - first.verifier_step;
    let to_next = (period - first.t_receipt.rem_euclid(period)) % period;
    let search = scenario.policy.flow.window();
    let ahead = i64::from(search.ahead);
    let behind = i64::from(search.behind);
    // After candidate n the offset is offset0 - (n + 1); keep n where that
    // lies in [-(behind + 2), ahead + 2].
    let n_lo = (offset0 - ahead - 3).max(0);
    let n_hi = offset0 + behind + 1;
    let mut out = vec![0];
    for n in n_lo..=n_hi {
        let Some(delay) = n.checked_mul(period).and_then(|d| d.checked_add(to_next)) else {
            break;
        };
        if delay > 0 {
            out.push(delay);
        }
    }
    out
}

/// Candidate delays where the probabilities may change between step
/// changes (a one-code enrollment, a stored time shift): every thirtieth of a
/// period (a whole period with drift; coarser on a very wide band) across the
/// band where the code can be found at all, plus the step changes.
fn dense_candidates(scenario: &Scenario) -> Vec<i64> {
    let period = scenario.period_ms;
    let search = scenario.policy.flow.window();
    let reach = |n: u32| (i64::from(n) + 3).saturating_mul(period);
    let lo = scenario.skew_ms.saturating_sub(reach(search.ahead)).max(0);
    let hi = scenario
        .skew_ms
        .saturating_add(reach(search.behind))
        .saturating_add(scenario.reaction_ms)
        .max(0);
    // With drift each evaluation visits every phase: a coarser grid. A wide
    // band (privacyIDEA's ±1000 steps) is walked in at most 3000 steps; the
    // bisection then finds each change exactly.
    let fine = if scenario.drift_ppb == 0 {
        (period / 30).max(1)
    } else {
        period
    };
    // With drift every candidate visits every phase: fewer of them.
    let most = if scenario.drift_ppb == 0 { 3_000 } else { 100 };
    let step = fine.max((hi - lo) / most).max(1);
    let count = (hi - lo) / step;
    let mut out: Vec<i64> = (0..=count).map(|i| lo + i * step).collect();
    out.push(0);
    out.extend(step_changes(scenario));
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether the probabilities may change between step changes (a one-code
/// enrollment, a stored time shift), so thresholds need a dense grid.
fn continuous(scenario: &Scenario) -> bool {
    !scenario.policy.flow.is_pair()
        || matches!(
            scenario.policy.flow.store(),
            Store::ShiftCentre | Store::ShiftStart
        )
}

/// About how many enrollments [`probabilities`] and [`thresholds`] evaluate
/// together for this scenario: the cost to weigh before running them (an
/// evaluation takes about a tenth of a microsecond per core).
pub fn work(scenario: &Scenario, enroll_phase_ms: Option<i64>) -> u64 {
    let period = u64::try_from(scenario.period_ms).unwrap_or(u64::MAX);
    let per_probability = match enroll_phase_ms {
        Some(_) => 1,
        None if scenario.drift_ppb != 0 => period,
        None if scenario.policy.flow.is_pair() => 1,
        // A few pieces per period, at most one per second of it.
        None => (period / 1000).clamp(4, 64),
    };
    let candidates = if continuous(scenario) {
        dense_candidates(scenario).len()
    } else {
        step_changes(scenario).len()
    } as u64;
    // Six thresholds, each refined by at most about 25 halvings.
    let bisections = 6 * 25;
    per_probability.saturating_mul(1 + candidates + bisections)
}

/// The thresholds, exactly: each is the least delay (1 ms resolution) at which
/// its condition holds, found between candidate delays and refined by
/// bisection.
pub fn thresholds(scenario: &Scenario, enroll_phase_ms: Option<i64>) -> Thresholds {
    let candidates = if continuous(scenario) {
        dense_candidates(scenario)
    } else {
        step_changes(scenario)
    };
    let at = |delay: i64| {
        let mut s = scenario.clone();
        s.delay_ms = delay;
        probabilities(&s, enroll_phase_ms)
    };
    let values: Vec<Probabilities> = candidates.par_iter().map(|&d| at(d)).collect();
    let first = |holds: &dyn Fn(&Probabilities) -> bool| -> Option<(i64, Probabilities)> {
        let index = values.iter().position(holds)?;
        if index == 0 {
            return Some((candidates[0], values[0]));
        }
        let (mut lo, mut hi) = (candidates[index - 1], candidates[index]);
        let mut at_hi = values[index];
        // Invariant: the condition fails at lo and holds at hi.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let v = at(mid);
            if holds(&v) {
                hi = mid;
                at_hi = v;
            } else {
                lo = mid;
            }
        }
        Some((hi, at_hi))
    };
    let onset = |o: Outcome| first(&|p| p.count(o) > 0).map(|(from_ms, at)| Onset { from_ms, at });
    Thresholds {
        in_sync_uncertain_from: first(&|p| !p.certain(Outcome::InSync)).map(|(d, _)| d),
        out_of_sync: onset(Outcome::OutOfSync),
        out_of_sync_certain_from: first(&|p| p.certain(Outcome::OutOfSync)).map(|(d, _)| d),
        login_fails: onset(Outcome::LoginFails),
        rejected: onset(Outcome::Rejected),
        rejected_certain_from: first(&|p| p.certain(Outcome::Rejected)).map(|(d, _)| d),
    }
}
