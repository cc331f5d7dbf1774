//! Exact outcome probabilities over the two phases, and the delay thresholds.
//!
//! Both phases are uniform over the period at 1 ms resolution. For a fixed
//! enrollment phase the accepted login phases form one interval (found by
//! binary search), and with zero drift the enrollment does not depend on its
//! phase at all (the person waits for the code change), so one enrollment
//! stands for all. With drift, every enrollment phase is evaluated.

use rayon::prelude::*;

use super::model::{Outcome, Scenario};

/// Exact counts of (enrollment phase, login phase) pairs per outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Probabilities {
    /// Pairs that end REJECTED.
    pub rejected: u128,
    /// Pairs that end ENROLLED IN SYNC.
    pub in_sync: u128,
    /// Pairs that end ENROLLED OUT OF SYNC.
    pub out_of_sync: u128,
}

impl Probabilities {
    /// All pairs counted.
    pub fn total(&self) -> u128 {
        self.rejected + self.in_sync + self.out_of_sync
    }

    /// The count of one outcome.
    pub fn count(&self, outcome: Outcome) -> u128 {
        match outcome {
            Outcome::Rejected => self.rejected,
            Outcome::InSync => self.in_sync,
            Outcome::OutOfSync => self.out_of_sync,
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

    /// The most likely outcome (ties: the worse one).
    pub fn most_likely(&self) -> Outcome {
        [Outcome::OutOfSync, Outcome::Rejected, Outcome::InSync]
            .into_iter()
            .max_by_key(|o| self.count(*o))
            .unwrap_or(Outcome::InSync)
    }

    /// Whether the outcome is certain.
    pub fn certain(&self, outcome: Outcome) -> bool {
        self.count(outcome) == self.total()
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
        }
    }
}

/// The probabilities of the three outcomes; `enroll_phase_ms` fixes where in
/// its step code 1 was read (None: every phase).
pub fn probabilities(scenario: &Scenario, enroll_phase_ms: Option<i64>) -> Probabilities {
    let period = scenario.period_ms;
    // The counts of one enrollment phase, weighted.
    let one = |phase: i64, weight: u128| {
        let enrollment = scenario.enroll(phase);
        if scenario.first_login(&enrollment, 0).is_none() {
            return Probabilities {
                rejected: weight * period as u128,
                ..Probabilities::default()
            };
        }
        let accepted = scenario.accepted_login_phases(&enrollment) as u128;
        Probabilities {
            rejected: 0,
            in_sync: weight * accepted,
            out_of_sync: weight * (period as u128 - accepted),
        }
    };
    match enroll_phase_ms {
        Some(phase) => one(phase, 1),
        // Without drift the enrollment is the same at every phase.
        None if scenario.drift_ppb == 0 => one(0, period as u128),
        // With drift every phase counts; sums are exact, so the order the
        // threads add them in does not matter.
        None => (0..period)
            .into_par_iter()
            .map(|phase| one(phase, 1))
            .reduce(Probabilities::default, std::ops::Add::add),
    }
}

/// Delays (ms) at which the outcome changes, at the scenario's skew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Thresholds {
    /// Least delay at which IN SYNC is no longer certain (None: certain throughout).
    pub in_sync_uncertain_from: Option<i64>,
    /// Least delay at which OUT OF SYNC becomes possible.
    pub out_of_sync_from: Option<i64>,
    /// Least delay at which OUT OF SYNC is certain.
    pub out_of_sync_certain_from: Option<i64>,
    /// Least delay at which REJECTED becomes possible.
    pub rejected_from: Option<i64>,
    /// Least delay at which REJECTED is certain.
    pub rejected_certain_from: Option<i64>,
}

/// Candidate delays: 0, and the delays at which, without drift, the
/// verifier's step at receipt changes — but only where the offset found is
/// within two steps of the enrollment search range. Outside that band every
/// delay is rejected for certain, like its neighbours, so between two
/// candidates every outcome probability is constant (drift aside) and the
/// list stays short (at most behind + ahead + 6 entries) whatever the skew.
fn step_changes(scenario: &Scenario) -> Vec<i64> {
    let at_zero_delay = Scenario {
        delay_ms: 0,
        ..scenario.clone()
    };
    let enrollment = at_zero_delay.enroll(0);
    let period = scenario.period_ms;
    // The offset found at delay 0; each candidate lowers it by one.
    let offset0 = enrollment.code2_step - enrollment.verifier_step;
    let first = (period - enrollment.t_code2.rem_euclid(period)) % period;
    let ahead = i64::from(scenario.policy.enroll_ahead);
    let behind = i64::from(scenario.policy.enroll_behind);
    // After candidate n the offset is offset0 - (n + 1); keep n where that
    // lies in [-(behind + 2), ahead + 2].
    let n_lo = (offset0 - ahead - 3).max(0);
    let n_hi = offset0 + behind + 1;
    let mut out = vec![0];
    for n in n_lo..=n_hi {
        let Some(delay) = n.checked_mul(period).and_then(|d| d.checked_add(first)) else {
            break;
        };
        if delay > 0 {
            out.push(delay);
        }
    }
    out
}

/// The thresholds, exactly: each is the least delay (1 ms resolution) at which
/// its condition holds, found between the candidate delays where the
/// verifier's step changes and refined by bisection (drift can move a change
/// a few ms off the candidate).
pub fn thresholds(scenario: &Scenario, enroll_phase_ms: Option<i64>) -> Thresholds {
    let candidates = step_changes(scenario);
    let at = |delay: i64| {
        let mut s = scenario.clone();
        s.delay_ms = delay;
        probabilities(&s, enroll_phase_ms)
    };
    let values: Vec<Probabilities> = candidates.par_iter().map(|&d| at(d)).collect();
    let first = |holds: &dyn Fn(&Probabilities) -> bool| -> Option<i64> {
        let index = values.iter().position(holds)?;
        if index == 0 {
            return Some(candidates[0]);
        }
        let (mut lo, mut hi) = (candidates[index - 1], candidates[index]);
        // Invariant: the condition fails at lo and holds at hi.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if holds(&at(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    };
    Thresholds {
        in_sync_uncertain_from: first(&|p| !p.certain(Outcome::InSync)),
        out_of_sync_from: first(&|p| p.out_of_sync > 0),
        out_of_sync_certain_from: first(&|p| p.certain(Outcome::OutOfSync)),
        rejected_from: first(&|p| p.rejected > 0),
        rejected_certain_from: first(&|p| p.certain(Outcome::Rejected)),
    }
}
