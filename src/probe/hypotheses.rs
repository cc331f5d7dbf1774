//! The candidates a probe holds, what each predicts for a planned
//! experiment, and the choice of the experiment that splits them best.
//!
//! A candidate is a whole [`Policy`]; its predictions come from skewsim's
//! own verifier model ([`State`]). Each candidate is followed in three
//! *timing worlds*, its verifier deciding 1 s earlier, on time, or 1 s later
//! than stamped, so that a verifier clock a second off ours, or a second of
//! network delay, cannot eliminate the right candidate: a candidate is
//! dropped only when all its worlds disagree with an answer, and a plan is
//! chosen only if every candidate's worlds agree on it.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::sim::clock::{phase_of, step_of};
use crate::sim::{Flow, Policy, State};

/// The TOTP period every lab verifier uses.
pub const PERIOD_MS: i64 = 30_000;

/// How far the verifier's decision may lie from the stamped time.
pub const WORLDS: [i64; 3] = [-1000, 0, 1000];

/// No planned check falls within this of a step edge of the probe's clock.
pub const EDGE_MARGIN_MS: i64 = 2_000;

/// What one planned check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Set up a new person and enroll: one code, or a pair ending at the step.
    Enroll,
    /// One login.
    Login,
    /// A resync with the pair ending at the step.
    Resync,
}

/// One planned check: what, with the code of which device step, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// What.
    pub kind: Kind,
    /// The code's step (a pair's code 2).
    pub step: i64,
    /// When to send it (the probe's clock, ms).
    pub at_ms: i64,
}

impl Check {
    /// The code's offset from the raw step at the planned time.
    pub fn offset(&self) -> i64 {
        self.step - step_of(self.at_ms, PERIOD_MS)
    }
}

/// A candidate and its state in each timing world (`None`: that world was
/// refuted).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The rules.
    pub policy: Policy,
    worlds: [Option<State>; 3],
}

impl Candidate {
    /// A candidate with nobody enrolled yet.
    pub fn new(policy: Policy) -> Candidate {
        Candidate {
            policy,
            worlds: [Some(State::default()); 3],
        }
    }

    /// The verifier's step at `t` in the first timing world still alive.
    pub fn verifier_step(&self, t: i64) -> Option<i64> {
        self.worlds
            .iter()
            .enumerate()
            .find_map(|(w, s)| s.map(|s| s.step_at(t + WORLDS[w], PERIOD_MS)))
    }

    /// Whether any timing world still agrees with every answer.
    pub fn alive(&self) -> bool {
        self.worlds.iter().any(Option::is_some)
    }
}

/// What a candidate says of one check, in one world.
fn predict(policy: &Policy, state: &mut State, check: &Check, t: i64) -> bool {
    match check.kind {
        Kind::Enroll => {
            *state = State::default();
            match policy.flow {
                Flow::Pair { search, store } => state
                    .check_pair(search, store, (check.step - 1, check.step), t, PERIOD_MS)
                    .is_ok(),
                Flow::Confirm { window, store, .. } => state
                    .check_confirm(
                        window,
                        store,
                        check.step,
                        t,
                        PERIOD_MS,
                        policy.confirm_marks(),
                    )
                    .is_ok(),
            }
        }
        Kind::Login => state.login(policy, check.step, t, PERIOD_MS).accepted(),
        Kind::Resync => state.resync(policy, check.step, t, PERIOD_MS),
    }
}

/// The verdicts of a plan as bits (bit i: check i accepted). With
/// `jitter`, each check is also asked 1 s earlier and later (network delay
/// between one request and the next): `None` when that changes a verdict.
fn run(
    policy: &Policy,
    mut state: State,
    plan: &[Check],
    times: &[i64],
    shift: i64,
    jitter: bool,
) -> Option<(u32, State)> {
    let mut bits = 0;
    for (i, (check, &t)) in plan.iter().zip(times).enumerate() {
        // A second either way can only change a verdict near one of the
        // verifier's step edges: near ours (plans keep 2 s from them, the
        // world offset takes up to one), or anywhere when it stores a shift.
        let phase = phase_of(t, PERIOD_MS);
        let near_edge = phase <= EDGE_MARGIN_MS || phase >= PERIOD_MS - EDGE_MARGIN_MS;
        let jittered = jitter && (near_edge || state.shift_ms.rem_euclid(PERIOD_MS) != 0);
        // The state before the check, kept only when a second either way is tried.
        let before = jittered.then_some(state);
        let accepted = predict(policy, &mut state, check, t + shift);
        if let Some(before) = before {
            for d in [-1000, 1000] {
                let mut other = before;
                if predict(policy, &mut other, check, t + shift + d) != accepted {
                    return None;
                }
            }
        }
        if accepted {
            bits |= 1 << i;
        }
    }
    Some((bits, state))
}

/// The candidate's one prediction for the plan if all its live worlds agree
/// (and no second of jitter changes it).
fn prediction(c: &Candidate, plan: &[Check], times: &[i64]) -> Option<u32> {
    let mut seen = None;
    for (w, state) in c.worlds.iter().enumerate() {
        let Some(state) = state else { continue };
        let (bits, _) = run(&c.policy, *state, plan, times, WORLDS[w], true)?;
        match seen {
            None => seen = Some(bits),
            Some(b) if b != bits => return None,
            Some(_) => {}
        }
    }
    seen
}

/// How well a plan splits the candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score {
    /// Candidates left in the worst case.
    pub worst: usize,
    /// Refused logins if the largest group is right.
    pub failures: u32,
    /// Real time until the plan's last check.
    pub wait_ms: i64,
}

/// Scores `plan` against the live candidates; `None` when it splits nothing
/// or some candidate's worlds disagree on it.
pub fn score(candidates: &[Candidate], plan: &[Check], now_ms: i64) -> Option<Score> {
    let times: Vec<i64> = plan.iter().map(|k| k.at_ms).collect();
    let mut groups: HashMap<u32, usize> = HashMap::new();
    for c in candidates.iter().filter(|c| c.alive()) {
        *groups.entry(prediction(c, plan, &times)?).or_default() += 1;
    }
    if groups.len() < 2 {
        return None;
    }
    let (&bits, &worst) = groups.iter().max_by_key(|(b, n)| (**n, u32::MAX - **b))?;
    let failures = plan
        .iter()
        .enumerate()
        .filter(|(i, k)| k.kind == Kind::Login && bits & (1 << i) == 0)
        .count() as u32;
    Some(Score {
        worst,
        failures,
        wait_ms: plan.last().map_or(0, |k| k.at_ms - now_ms),
    })
}

/// The best plan of `pool`, if any splits the candidates: the fewest
/// candidates left in the worst case, where every two minutes of waiting
/// counts as twice as many (real time is the probe's dearest cost), then
/// the fewest refused logins.
pub fn choose(
    candidates: &[Candidate],
    pool: &[Vec<Check>],
    now_ms: i64,
) -> Option<(usize, Score)> {
    let cost = |s: &Score| {
        let wait = u128::try_from(s.wait_ms.max(0)).unwrap_or(0);
        (s.worst as u128 * (120_000 + wait), s.failures)
    };
    pool.par_iter()
        .enumerate()
        .filter_map(|(i, plan)| score(candidates, plan, now_ms).map(|s| (i, s)))
        .min_by_key(|(i, s)| (cost(s), *i))
}

/// Keeps the worlds that predict `observed` for the plan run at the
/// stamped `times`; returns how many candidates were dropped.
pub fn judge(
    candidates: &mut Vec<Candidate>,
    plan: &[Check],
    times: &[i64],
    observed: u32,
) -> usize {
    let before = candidates.len();
    for c in candidates.iter_mut() {
        for (w, slot) in c.worlds.iter_mut().enumerate() {
            if let Some(state) = *slot {
                *slot = run(&c.policy, state, plan, times, WORLDS[w], false)
                    .filter(|(bits, _)| *bits == observed)
                    .map(|(_, after)| after);
            }
        }
    }
    candidates.retain(Candidate::alive);
    before - candidates.len()
}

/// The earliest time at or after `t` whose phase keeps [`EDGE_MARGIN_MS`]
/// from both step edges.
pub fn clear_of_edges(t: i64) -> i64 {
    let phase = phase_of(t, PERIOD_MS);
    if phase < EDGE_MARGIN_MS {
        t - phase + EDGE_MARGIN_MS
    } else if phase > PERIOD_MS - EDGE_MARGIN_MS {
        t - phase + PERIOD_MS + EDGE_MARGIN_MS
    } else {
        t
    }
}

/// Times worth acting at: `earliest` (clear of edges), and early, middle
/// and late in each of the next `steps` steps.
pub fn moments(earliest: i64, steps: i64) -> Vec<i64> {
    let start = clear_of_edges(earliest);
    let mut out = vec![start];
    let base = step_of(start, PERIOD_MS) * PERIOD_MS;
    for s in 0..=steps {
        for phase in [
            EDGE_MARGIN_MS + 500,
            PERIOD_MS / 2,
            PERIOD_MS - EDGE_MARGIN_MS - 500,
        ] {
            let t = base + s * PERIOD_MS + phase;
            if t > start && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::preset;

    #[test]
    fn planned_times_stay_clear_of_step_edges() {
        for t in [
            0, 1, 1999, 2000, 27_999, 28_000, 28_001, 29_999, 30_000, 61_000,
        ] {
            let c = clear_of_edges(t);
            let phase = phase_of(c, PERIOD_MS);
            assert!(c >= t && c - t < PERIOD_MS, "{t} -> {c}");
            assert!(
                (EDGE_MARGIN_MS..=PERIOD_MS - EDGE_MARGIN_MS).contains(&phase),
                "{t} -> {c}"
            );
        }
        for m in moments(1_800_000_029_500, 2) {
            let phase = phase_of(m, PERIOD_MS);
            assert!((EDGE_MARGIN_MS..=PERIOD_MS - EDGE_MARGIN_MS).contains(&phase));
        }
    }

    #[test]
    fn a_plan_that_splits_two_windows_is_chosen_and_judged() {
        let narrow = preset("pyotp").expect("preset");
        let wide = preset("oathtool").expect("preset");
        let mut cs = vec![Candidate::new(narrow), Candidate::new(wide)];
        let t = 1_800_000_015_000;
        let s = step_of(t, PERIOD_MS);
        let enroll = Check {
            kind: Kind::Enroll,
            step: s,
            at_ms: t,
        };
        let pool = vec![
            vec![
                enroll,
                Check {
                    kind: Kind::Login,
                    step: s + 3,
                    at_ms: t + 1000,
                },
            ],
            vec![
                enroll,
                Check {
                    kind: Kind::Login,
                    step: s + 1,
                    at_ms: t + 1000,
                },
            ],
        ];
        // +3 is refused by both; +1 splits pyotp (0) from oathtool (-1..+1).
        let (best, sc) = choose(&cs, &pool, t).expect("a split");
        assert_eq!(best, 1);
        assert_eq!(sc.worst, 1);
        let dropped = judge(&mut cs, &pool[1], &[t, t + 1000], 0b11);
        assert_eq!(dropped, 1);
        assert_eq!(cs[0].policy.name, "oathtool");
    }

    #[test]
    fn a_check_near_a_verifier_edge_is_not_scored() {
        // privacyIDEA's stored shift moves its step edges: a login planned
        // within a second of its edge is unstable and never chosen.
        let p = preset("privacyidea").expect("preset");
        let cs = [Candidate::new(p)];
        let t = 1_800_000_010_000;
        let s = step_of(t, PERIOD_MS);
        // Pair at offset 0 read at phase 10 s: shift to the centre = +5 s, so
        // privacyIDEA's step changes at our phase 25 s.
        let plan = vec![
            Check {
                kind: Kind::Enroll,
                step: s,
                at_ms: t,
            },
            Check {
                kind: Kind::Login,
                step: s + 6,
                at_ms: t + 15_000,
            },
        ];
        let times: Vec<i64> = plan.iter().map(|k| k.at_ms).collect();
        assert_eq!(prediction(&cs[0], &plan, &times), None);
    }
}
