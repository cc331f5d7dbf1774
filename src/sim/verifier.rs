//! One verifier's per-device state and the rules that change it: the
//! enrollment checks, a login, a resync, libpam's skew learning, privacyIDEA's
//! AutoResync, lockout and throttling, each as its source does it.
//!
//! The model identifies codes by their steps ([`Steps`]: two different steps
//! are taken to have different codes; real 6-digit codes collide with
//! probability about 1e-6 per comparison). Every rule also runs on the real
//! codes ([`Codes`], the `_with` methods), searching each window in the
//! verifier's own order: the verifier lab does, to tell a code collision
//! from a disagreement. Times are the verifier's clock in integer ms.

use super::clock::step_of;
use super::policy::{FailurePenalty, Policy, Replay, ReplayCheck, SearchOrder, Store, Window};

/// One window search: the steps `lo..=hi` in `order` (the nearest-first
/// orders start at `centre`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Search {
    /// The step furthest behind.
    pub lo: i64,
    /// The step furthest ahead.
    pub hi: i64,
    /// Where the nearest-first orders start (the verifier's own step).
    pub centre: i64,
    /// The order.
    pub order: SearchOrder,
}

impl Search {
    /// `window` around the verifier's step `c`, in `order`.
    pub fn around(c: i64, window: Window, order: SearchOrder) -> Search {
        Search {
            lo: c.saturating_sub(i64::from(window.behind)),
            hi: c.saturating_add(i64::from(window.ahead)),
            centre: c,
            order,
        }
    }

    /// Whether `step` lies in the window.
    pub fn contains(&self, step: i64) -> bool {
        (self.lo..=self.hi).contains(&step)
    }

    /// The steps in the order the verifier meets them.
    pub fn steps(self) -> impl Iterator<Item = i64> {
        let ascending = (self.order == SearchOrder::Ascending).then_some(self.lo..=self.hi);
        // Nearest first: distance 0, then 1 each side (in the order's side
        // first), then 2 …, as far as the further end.
        let reach = self
            .centre
            .saturating_sub(self.lo)
            .max(self.hi.saturating_sub(self.centre));
        let behind_first = self.order == SearchOrder::NearestBehindFirst;
        let nearest = (self.order != SearchOrder::Ascending).then(move || {
            (0..=reach)
                .flat_map(move |d| {
                    let (first, second) = if behind_first { (-d, d) } else { (d, -d) };
                    [Some(first), (d != 0).then_some(second)]
                })
                .flatten()
                .map(move |d| self.centre.saturating_add(d))
                .filter(move |&s| self.contains(s))
        });
        ascending
            .into_iter()
            .flatten()
            .chain(nearest.into_iter().flatten())
    }
}

/// How the rules tell codes apart.
pub trait Codes {
    /// Whether steps `a` and `b` have the same code.
    fn same(&self, a: i64, b: i64) -> bool;

    /// The first step of `search`, in its order, that `skip` does not leave
    /// out and whose code is the code of step `m`: the step the verifier
    /// matches when the code of step `m` is presented, that is the first of
    /// `search.steps()` that `skip` keeps and that is [`Codes::same`] as `m`.
    ///
    /// No default body: [`Steps`] answers with a range test, and the lab's
    /// real codes compute the code of `m` once rather than at every step.
    fn find(&self, m: i64, search: Search, skip: impl Fn(i64) -> bool) -> Option<i64>;
}

/// The model's codes: every step its own code, so a window search finds
/// step `m` exactly when it holds `m`, in any order (a range test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Steps;

impl Codes for Steps {
    fn same(&self, a: i64, b: i64) -> bool {
        a == b
    }

    fn find(&self, m: i64, search: Search, skip: impl Fn(i64) -> bool) -> Option<i64> {
        (search.contains(m) && !skip(m)).then_some(m)
    }
}

/// How many accepted steps [`Replay::SameStep`] remembers; every one of them
/// lies within a login window of the present, so older ones could never be
/// presented again anyway.
const USED_STEPS: usize = 4;

/// libpam's `RESETTING_TIME_SKEW` line: the last three (step, skew) attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LearningAttempts {
    entries: [(i64, i64); 3],
    len: usize,
}

impl LearningAttempts {
    /// The attempts kept, oldest first.
    pub fn entries(&self) -> &[(i64, i64)] {
        &self.entries[..self.len]
    }

    fn push(&mut self, entry: (i64, i64)) {
        if self.len == 3 {
            self.entries.rotate_left(1);
            self.entries[2] = entry;
        } else {
            self.entries[self.len] = entry;
            self.len += 1;
        }
    }
}

/// What a verifier keeps per device, in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State {
    /// Whole steps added to the verifier's step (libpam `TIME_SKEW`,
    /// django-otp `drift`, the `aws-iam` offset).
    pub steps: i64,
    /// Time shift in ms added to the verifier's clock (privacyIDEA `timeShift`).
    pub shift_ms: i64,
    /// Highest accepted step ([`Replay::LaterOnly`]: `otp_count`, `last_t`).
    pub last_step: Option<i64>,
    /// Recently accepted steps ([`Replay::SameStep`]: `DISALLOW_REUSE`).
    used: [Option<i64>; USED_STEPS],
    /// libpam's learning attempts.
    pub learning: LearningAttempts,
    /// privacyIDEA's remembered AutoResync step (`otp1c`).
    pub otp1c: Option<i64>,
    /// Failures in a row (`failcount`, `throttling_failure_count`).
    pub failures: u32,
    /// When the last failure happened (throttling).
    pub last_failure_ms: i64,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its step lies outside the window.
    OutsideWindow,
    /// A replayed step.
    Replay,
    /// Outside the window; remembered as a skew-learning attempt (libpam).
    Learning,
    /// Outside the window; remembered for AutoResync (privacyIDEA).
    AutoResyncPending,
    /// The token is locked (privacyIDEA `maxfail`).
    Locked,
    /// Throttled after earlier failures (django-otp).
    Throttled,
}

/// The answer to one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted in the window, at this offset from the verifier's step.
    Accepted {
        /// Code step minus the verifier's step.
        offset: i64,
    },
    /// Accepted because it completed skew learning (libpam) or AutoResync
    /// (privacyIDEA): the verifier healed itself.
    Healed,
    /// Refused.
    Refused(Refusal),
}

impl Verdict {
    /// Whether the person got in.
    pub fn accepted(self) -> bool {
        !matches!(self, Verdict::Refused(_))
    }
}

impl State {
    /// The state an enrollment would have stored had it seen the device's
    /// true offset `skew_ms` exactly, in the verifier's own form: the
    /// counterfactual that separates "the enrollment's doing" from "the
    /// clock's". Whole steps round to the nearest step.
    pub fn ideal(store: Store, skew_ms: i64, period_ms: i64) -> State {
        match store {
            Store::Nothing => State::default(),
            Store::Steps | Store::StepsFormLoop => State {
                steps: nearest_steps(skew_ms, period_ms),
                ..State::default()
            },
            Store::ShiftStart | Store::ShiftCentre => State {
                shift_ms: skew_ms,
                ..State::default()
            },
        }
    }

    /// Whether `penalty` locks the token now: every login refused until an
    /// administrator resets the failure count.
    pub fn locked(&self, penalty: FailurePenalty) -> bool {
        matches!(penalty, FailurePenalty::LockAfter(n) if self.failures >= n)
    }

    /// The verifier's step at its clock reading `now_ms`.
    pub fn step_at(&self, now_ms: i64, period_ms: i64) -> i64 {
        step_of(now_ms.saturating_add(self.shift_ms), period_ms).saturating_add(self.steps)
    }

    /// Writes what `store` keeps after step `m` matched at `now_ms`, telling
    /// codes apart by `codes`: the form loop compares the code of step `m`
    /// with each step it tries.
    pub fn store_with(
        &mut self,
        codes: &impl Codes,
        store: Store,
        m: i64,
        now_ms: i64,
        period_ms: i64,
    ) {
        match store {
            Store::Nothing => {}
            Store::Steps => {
                self.steps = m - step_of(now_ms, period_ms);
                self.shift_ms = 0;
            }
            Store::StepsFormLoop => {
                // clean_token(): for offset in (-1, 0, 1): if totp(drift +
                // offset) == token: drift = offset (the form's drift starts at 0).
                let c = step_of(now_ms, period_ms);
                let mut drift = 0;
                for offset in -1..=1 {
                    if codes.same(c + drift + offset, m) {
                        drift = offset;
                    }
                }
                self.steps = drift;
                self.shift_ms = 0;
            }
            Store::ShiftStart => {
                self.steps = 0;
                let whole_seconds = now_ms.div_euclid(1000).saturating_mul(1000);
                self.shift_ms = m.saturating_mul(period_ms).saturating_sub(whole_seconds);
            }
            Store::ShiftCentre => {
                self.steps = 0;
                self.shift_ms = m
                    .saturating_mul(period_ms)
                    .saturating_add(period_ms / 2)
                    .saturating_sub(now_ms);
            }
        }
    }

    /// Whether step `m` would be refused as a replay.
    pub fn is_replay(&self, replay: Replay, m: i64) -> bool {
        self.is_replay_with(&Steps, replay, ReplayCheck::MatchedStep, m)
    }

    /// [`State::is_replay`] with `codes`: [`ReplayCheck::MatchedCode`]
    /// refuses step `m` when a remembered step has its code.
    pub fn is_replay_with(
        &self,
        codes: &impl Codes,
        replay: Replay,
        check: ReplayCheck,
        m: i64,
    ) -> bool {
        match replay {
            Replay::Off => false,
            Replay::LaterOnly => self.last_step.is_some_and(|last| m <= last),
            Replay::SameStep if check == ReplayCheck::MatchedCode => {
                self.used.iter().flatten().any(|&u| codes.same(u, m))
            }
            Replay::SameStep => self.used.contains(&Some(m)),
        }
    }

    fn record_use(&mut self, replay: Replay, m: i64) {
        match replay {
            Replay::Off => {}
            Replay::LaterOnly => self.last_step = Some(m),
            Replay::SameStep => {
                self.used.rotate_right(1);
                self.used[0] = Some(m);
            }
        }
    }

    /// Checks the enrollment pair (code 1 of step `step1`, code 2 of
    /// `step2`) received at `now_ms`: code 2 must follow code 1 and lie in
    /// `search` around the verifier's step. Returns the offset found.
    pub fn check_pair(
        &mut self,
        search: Window,
        store: Store,
        steps: (i64, i64),
        now_ms: i64,
        period_ms: i64,
    ) -> Result<i64, Refusal> {
        self.check_pair_with(
            &Steps,
            SearchOrder::Ascending,
            search,
            store,
            steps,
            now_ms,
            period_ms,
        )
    }

    /// [`State::check_pair`] with `codes`, each code searched in `order`
    /// as privacyIDEA's `resync()` does: code 2 in `search` around the
    /// verifier's step, code 1 in the same window one step earlier; the two
    /// found must be consecutive.
    #[allow(clippy::too_many_arguments)] // the rule's inputs, as check_pair's
    pub fn check_pair_with(
        &mut self,
        codes: &impl Codes,
        order: SearchOrder,
        search: Window,
        store: Store,
        (step1, step2): (i64, i64),
        now_ms: i64,
        period_ms: i64,
    ) -> Result<i64, Refusal> {
        let c = self.step_at(now_ms, period_ms);
        let found2 = codes.find(step2, Search::around(c, search, order), |_| false);
        let found1 = codes.find(step1, Search::around(c - 1, search, order), |_| false);
        let (found1, found2) = match (found1, found2) {
            (Some(a), Some(b)) if b == a + 1 => (a, b),
            _ => return Err(Refusal::OutsideWindow),
        };
        // privacyIDEA's resync refuses a code 1 below otp_count.
        if self.last_step.is_some_and(|last| found1 < last) {
            return Err(Refusal::Replay);
        }
        self.store_with(codes, store, found2, now_ms, period_ms);
        // privacyIDEA's resync sets otp_count = step + 1 (code 2 "must not be
        // used again"); a whole-step verifier refuses code 2 itself again.
        // Nothing else: resync() writes timeShift and otp_count only, so
        // the failure count (failcount, which check_all -> check_failcount
        // holds against maxfail until an administrator resets it) and a
        // remembered AutoResync code (otp1c) stay as they were.
        self.last_step = Some(match store {
            Store::ShiftCentre => found2 + 1,
            _ => found2,
        });
        Ok(found2 - c)
    }

    /// Checks one enrollment confirmation code of step `m` at `now_ms`. An
    /// accepted code is recorded as used under `marks` ([`Replay::Off`]:
    /// not at all; see [`Policy::confirm_marks`]).
    pub fn check_confirm(
        &mut self,
        window: Window,
        store: Store,
        m: i64,
        now_ms: i64,
        period_ms: i64,
        marks: Replay,
    ) -> Result<i64, Refusal> {
        self.check_confirm_with(
            &Steps,
            SearchOrder::Ascending,
            window,
            store,
            marks,
            m,
            now_ms,
            period_ms,
        )
    }

    /// [`State::check_confirm`] with `codes`, the window searched in `order`.
    #[allow(clippy::too_many_arguments)] // the rule's inputs, as check_confirm's
    pub fn check_confirm_with(
        &mut self,
        codes: &impl Codes,
        order: SearchOrder,
        window: Window,
        store: Store,
        marks: Replay,
        m: i64,
        now_ms: i64,
        period_ms: i64,
    ) -> Result<i64, Refusal> {
        let c = self.step_at(now_ms, period_ms);
        let Some(found) = codes.find(m, Search::around(c, window, order), |_| false) else {
            return Err(Refusal::OutsideWindow);
        };
        // passlib's last_counter, set by the site from the confirmation;
        // pam_oath's users file, written by the first login.
        self.record_use(marks, found);
        self.store_with(codes, store, found, now_ms, period_ms);
        // privacyIDEA confirms through check_otp, which sets otp_count.
        if store == Store::ShiftStart {
            self.last_step = Some(found);
        }
        Ok(found - c)
    }

    /// One login code of step `m` received at `now_ms`, under `policy`.
    pub fn login(&mut self, policy: &Policy, m: i64, now_ms: i64, period_ms: i64) -> Verdict {
        self.login_with(&Steps, policy, m, now_ms, period_ms)
    }

    /// [`State::login`] with `codes`: the window searched in the policy's
    /// order, its replay check held against the step found.
    pub fn login_with(
        &mut self,
        codes: &impl Codes,
        policy: &Policy,
        m: i64,
        now_ms: i64,
        period_ms: i64,
    ) -> Verdict {
        if self.locked(policy.penalty) {
            return Verdict::Refused(Refusal::Locked);
        }
        match policy.penalty {
            FailurePenalty::Throttle if self.failures > 0 => {
                // django-otp: refused without counting while
                // now < last failure + 2^(n-1) s.
                let wait = 1000i64.saturating_mul(1i64 << (self.failures - 1).min(40));
                if now_ms < self.last_failure_ms.saturating_add(wait) {
                    return Verdict::Refused(Refusal::Throttled);
                }
            }
            _ => {}
        }
        let c = self.step_at(now_ms, period_ms);
        let search = Search::around(c, policy.login, policy.matching.order);
        let check = policy.matching.replay_check;
        let not_searched = check == ReplayCheck::NotSearched;
        let found = codes.find(m, search, |s| {
            not_searched && self.is_replay_with(codes, policy.replay, check, s)
        });
        let refusal = match found {
            // Left out of the search as a replay (django-otp's min_t): the
            // same refusal as a replay found and refused.
            None if not_searched && search.contains(m) && self.is_replay(policy.replay, m) => {
                Refusal::Replay
            }
            None => Refusal::OutsideWindow,
            Some(s) if self.is_replay_with(codes, policy.replay, check, s) => Refusal::Replay,
            Some(s) => {
                self.record_use(policy.replay, s);
                self.store_with(codes, policy.on_login, s, now_ms, period_ms);
                self.failures = 0;
                return Verdict::Accepted { offset: s - c };
            }
        };
        // Replays end here in every verifier modelled; a code outside the
        // window may still heal the verifier.
        if refusal == Refusal::OutsideWindow {
            if let Some(learning) = policy.learning
                && let Some(verdict) = self.learn(codes, learning.search, m, now_ms, period_ms)
            {
                return verdict;
            }
            if let Some(auto) = policy.auto_resync {
                let verdict = self.auto_resync(codes, policy, auto.search, m, c, now_ms, period_ms);
                if verdict.accepted() {
                    return verdict;
                }
                self.fail(now_ms);
                return verdict;
            }
        }
        self.fail(now_ms);
        Verdict::Refused(refusal)
    }

    fn fail(&mut self, now_ms: i64) {
        self.failures = self.failures.saturating_add(1);
        self.last_failure_ms = now_ms;
    }

    /// libpam `check_time_skew`: `None` when the code is not within the
    /// search (an ordinary failure).
    fn learn(
        &mut self,
        codes: &impl Codes,
        search: u32,
        m: i64,
        now_ms: i64,
        period_ms: i64,
    ) -> Option<Verdict> {
        // The search runs i = 0..search-1 each side of the raw step, tm - i
        // before tm + i, and keeps the first match: search - 1 steps each side.
        let tm = step_of(now_ms, period_ms);
        let reach = i64::from(search) - 1;
        let outwards = Search {
            lo: tm.saturating_sub(reach),
            hi: tm.saturating_add(reach),
            centre: tm,
            order: SearchOrder::NearestBehindFirst,
        };
        let skew = codes.find(m, outwards, |_| false)? - tm;
        // The same code again: "getting desperate", nothing changes.
        if let Some(&(last_tm, last_skew)) = self.learning.entries().last()
            && tm + skew == last_tm + last_skew
        {
            return Some(Verdict::Refused(Refusal::Learning));
        }
        self.learning.push((tm, skew));
        let e = self.learning.entries();
        if e.len() == 3 {
            // As in the source, each earlier skew is compared with the newest.
            let consistent = (1..3).all(|i| {
                e[i].0 > e[i - 1].0 && e[i].0 <= e[i - 1].0 + 2 && (e[i - 1].1 - skew).abs() <= 1
            });
            if consistent {
                // C integer division truncates towards zero.
                self.steps = (e[0].1 + e[1].1 + e[2].1) / 3;
                self.learning = LearningAttempts::default();
                return Some(Verdict::Healed);
            }
        }
        Some(Verdict::Refused(Refusal::Learning))
    }

    /// privacyIDEA `_autosync`, then check_otp's update on success.
    #[allow(clippy::too_many_arguments)] // the rule's inputs and the verifier's step
    fn auto_resync(
        &mut self,
        codes: &impl Codes,
        policy: &Policy,
        search: u32,
        m: i64,
        c: i64,
        now_ms: i64,
        period_ms: i64,
    ) -> Verdict {
        let search = i64::from(search);
        // checkOtp(otp, syncWindow, symetric=True): range(c - w, c + w),
        // upwards, the first match.
        let window = Search {
            lo: c.saturating_sub(search),
            hi: c.saturating_add(search - 1),
            centre: c,
            order: SearchOrder::Ascending,
        };
        let Some(m) = codes.find(m, window, |_| false) else {
            return Verdict::Refused(Refusal::OutsideWindow);
        };
        match self.otp1c.take() {
            None => {
                self.otp1c = Some(m);
                Verdict::Refused(Refusal::AutoResyncPending)
            }
            Some(first) if first + 1 == m && self.last_step.is_none_or(|last| m > last) => {
                self.record_use(policy.replay, m);
                self.store_with(codes, policy.on_login, m, now_ms, period_ms);
                self.failures = 0;
                Verdict::Healed
            }
            Some(_) => Verdict::Refused(Refusal::OutsideWindow),
        }
    }

    /// A resync with two consecutive codes (steps `step2 - 1`, `step2`) at
    /// `now_ms`, if the policy has one. Returns whether it succeeded.
    pub fn resync(&mut self, policy: &Policy, step2: i64, now_ms: i64, period_ms: i64) -> bool {
        self.resync_with(&Steps, policy, step2, now_ms, period_ms)
    }

    /// [`State::resync`] with `codes`, searched in the policy's order.
    pub fn resync_with(
        &mut self,
        codes: &impl Codes,
        policy: &Policy,
        step2: i64,
        now_ms: i64,
        period_ms: i64,
    ) -> bool {
        let Some(r) = &policy.resync else {
            return false;
        };
        self.check_pair_with(
            codes,
            policy.matching.order,
            r.search,
            r.store,
            (step2 - 1, step2),
            now_ms,
            period_ms,
        )
        .is_ok()
    }
}

/// `skew / period` rounded to the nearest step (halves away from zero).
fn nearest_steps(skew_ms: i64, period_ms: i64) -> i64 {
    let q = skew_ms.div_euclid(period_ms);
    let r = skew_ms.rem_euclid(period_ms);
    // At exactly half a step the skew is q + 1/2 steps, positive exactly when
    // q >= 0: then away from zero is up. (Written `skew_ms > 0` it had a
    // `>=` mutant no input tells apart: a zero skew has r = 0, never half.)
    if 2 * r > period_ms || (2 * r == period_ms && q >= 0) {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::policy::{Flow, preset};

    const X: i64 = 30_000;

    #[test]
    fn libpam_learns_from_three_attempts_in_consecutive_steps() {
        // check_time_skew: device 10 steps ahead; attempts at raw steps 100,
        // 101, 102 with codes 110, 111, 112: skews 10, 10, 10 -> TIME_SKEW 10,
        // the third accepted.
        let p = preset("google-authenticator-pam").expect("preset");
        let mut s = State::default();
        assert_eq!(
            s.login(&p, 110, 100 * X + 1000, X),
            Verdict::Refused(Refusal::Learning)
        );
        assert_eq!(
            s.login(&p, 111, 101 * X + 1000, X),
            Verdict::Refused(Refusal::Learning)
        );
        assert_eq!(s.login(&p, 112, 102 * X + 1000, X), Verdict::Healed);
        assert_eq!(s.steps, 10);
        assert_eq!(
            s.login(&p, 113, 103 * X, X),
            Verdict::Accepted { offset: 0 }
        );
    }

    #[test]
    fn libpam_does_not_learn_from_attempts_three_steps_apart() {
        let p = preset("google-authenticator-pam").expect("preset");
        let mut s = State::default();
        for (i, raw) in [100, 103, 106].into_iter().enumerate() {
            let v = s.login(&p, raw + 10, raw * X, X);
            assert_eq!(v, Verdict::Refused(Refusal::Learning), "attempt {i}");
        }
        assert_eq!(s.steps, 0);
    }

    #[test]
    fn libpam_average_truncates_like_c() {
        // Skews -5, -5, -4 (codes 95, 96, 98 at raw steps 100, 101, 102, all
        // outside -1..+1): each within 1 of the newest; sum -14, and C
        // division gives -4 where flooring would give -5.
        let p = preset("google-authenticator-pam").expect("preset");
        let mut s = State::default();
        assert!(!s.login(&p, 95, 100 * X, X).accepted());
        // The same code again is ignored, not counted.
        assert!(!s.login(&p, 95, 100 * X + 10, X).accepted());
        assert_eq!(s.learning.entries().len(), 1);
        assert!(!s.login(&p, 96, 101 * X, X).accepted());
        assert_eq!(s.login(&p, 98, 102 * X, X), Verdict::Healed);
        assert_eq!(s.steps, -4);
    }

    #[test]
    fn libpam_noskewadj_never_learns() {
        let p = preset("google-authenticator-pam-noskewadj").expect("preset");
        let mut s = State::default();
        for raw in 100..110 {
            assert_eq!(
                s.login(&p, raw + 10, raw * X, X),
                Verdict::Refused(Refusal::OutsideWindow)
            );
        }
    }

    #[test]
    fn privacyidea_window_is_minus_6_to_plus_5_and_a_login_stores_the_step_start() {
        let p = preset("privacyidea").expect("preset");
        let now = 1000 * X + 12_345;
        for (m, ok) in [(994, true), (993, false), (1005, true), (1006, false)] {
            let mut s = State::default();
            assert_eq!(s.login(&p, m, now, X).accepted(), ok, "step {m}");
            if ok {
                // timeShift = m * 30 - int(now): whole seconds.
                assert_eq!(s.shift_ms, m * X - 1000 * X - 12_000, "step {m}");
                assert_eq!(s.last_step, Some(m));
            }
        }
    }

    #[test]
    fn privacyidea_resync_shifts_to_the_centre_of_code_2() {
        // resync(): timeShift = (res2 + 0.5) * 30 - now; otp_count = res2 + 1.
        let p = preset("privacyidea").expect("preset");
        let mut s = State::default();
        assert!(s.resync(&p, 990, 1000 * X + 7_000, X));
        assert_eq!(s.shift_ms, 990 * X + 15_000 - (1000 * X + 7_000));
        assert_eq!(s.last_step, Some(991));
        // Code 2 + 1 is refused as a replay afterwards.
        let t = 1000 * X + 20_000;
        assert_eq!(s.login(&p, 991, t, X), Verdict::Refused(Refusal::Replay));
    }

    #[test]
    fn privacyidea_autoresync_accepts_the_next_consecutive_code() {
        let p = preset("privacyidea-autoresync").expect("preset");
        let mut s = State::default();
        assert_eq!(
            s.login(&p, 1100, 1000 * X, X),
            Verdict::Refused(Refusal::AutoResyncPending)
        );
        assert_eq!(s.login(&p, 1101, 1001 * X, X), Verdict::Healed);
        assert_eq!(s.shift_ms, 1101 * X - 1001 * X);
        assert_eq!(
            s.login(&p, 1102, 1002 * X + 29_000, X),
            Verdict::Accepted { offset: 0 }
        );
    }

    #[test]
    fn privacyidea_locks_after_ten_failures() {
        let p = preset("privacyidea").expect("preset");
        let mut s = State::default();
        for i in 0..10 {
            assert_eq!(
                s.login(&p, 0, (100 + i) * X, X),
                Verdict::Refused(Refusal::OutsideWindow)
            );
        }
        assert_eq!(
            s.login(&p, 110, 110 * X, X),
            Verdict::Refused(Refusal::Locked)
        );
    }

    #[test]
    fn privacyidea_resync_leaves_the_failure_count() {
        // privacyIDEA 3.14: resync() writes timeShift and otp_count only;
        // check_token_list() -> check_all() -> check_failcount() keeps
        // refusing while failcount >= maxfail, until an administrator resets it.
        let p = preset("privacyidea").expect("preset");
        let mut s = State::default();
        for i in 0..10 {
            assert!(!s.login(&p, 0, (100 + i) * X, X).accepted());
        }
        assert!(s.locked(p.penalty));
        assert!(s.resync(&p, 120, 120 * X, X));
        assert_eq!(s.failures, 10);
        assert_eq!(
            s.login(&p, 130, 130 * X, X),
            Verdict::Refused(Refusal::Locked)
        );
        // Below the lock the count stays too: 9 failures, a resync, one more locks.
        let mut s = State::default();
        for i in 0..9 {
            assert!(!s.login(&p, 0, (100 + i) * X, X).accepted());
        }
        assert!(s.resync(&p, 120, 120 * X, X));
        assert!(!s.login(&p, 0, 121 * X, X).accepted());
        assert_eq!(
            s.login(&p, 130, 130 * X, X),
            Verdict::Refused(Refusal::Locked)
        );
    }

    #[test]
    fn privacyidea_resync_leaves_a_remembered_autoresync_code() {
        // _autosync() stores otp1c in the token info and only a later
        // _autosync() deletes it; resync() does not touch it. A far code
        // after the resync is compared with the stale otp1c, fails and clears
        // it, so the code after that starts over (measured with the lab's
        // adapter: both refused).
        let p = preset("privacyidea-autoresync").expect("preset");
        let mut s = State::default();
        assert_eq!(
            s.login(&p, 1100, 1000 * X, X),
            Verdict::Refused(Refusal::AutoResyncPending)
        );
        assert!(s.resync(&p, 1002, 1002 * X, X));
        assert_eq!(s.otp1c, Some(1100));
        assert_eq!(
            s.login(&p, 1205, 1005 * X, X),
            Verdict::Refused(Refusal::OutsideWindow)
        );
        assert_eq!(s.otp1c, None);
        assert_eq!(
            s.login(&p, 1206, 1006 * X, X),
            Verdict::Refused(Refusal::AutoResyncPending)
        );
    }

    #[test]
    fn keycloak_before_15_accepts_a_code_again() {
        // OTPCredentialProvider.isValid() before PR #13867 is
        // validateTOTP() alone: nothing remembers an accepted code.
        let p = preset("keycloak-legacy").expect("preset");
        assert_eq!(p.replay, Replay::Off);
        let mut s = State::default();
        for t in [100 * X, 100 * X + 5_000, 101 * X] {
            assert!(s.login(&p, 100, t, X).accepted(), "at {t}");
        }
        // Keycloak since that PR refuses it.
        let p = preset("keycloak").expect("preset");
        let mut s = State::default();
        assert!(s.login(&p, 100, 100 * X, X).accepted());
        assert_eq!(
            s.login(&p, 100, 100 * X + 5_000, X),
            Verdict::Refused(Refusal::Replay)
        );
    }

    #[test]
    fn libpam_learning_reaches_1499_steps_each_side() {
        // for (i = 0; i < 25*60; ++i): tm - i and tm + i, so 1499 each side.
        let p = preset("google-authenticator-pam").expect("preset");
        for (skew, learns) in [(1499, true), (-1499, true), (1500, false), (-1500, false)] {
            let mut s = State::default();
            let v = s.login(&p, 10_000 + skew, 10_000 * X, X);
            let want = if learns {
                Refusal::Learning
            } else {
                Refusal::OutsideWindow
            };
            assert_eq!(v, Verdict::Refused(want), "skew {skew}");
        }
    }

    #[test]
    fn django_drift_moves_one_step_per_login_and_throttles() {
        let p = preset("django-otp").expect("preset");
        let mut s = State::default();
        assert_eq!(
            s.login(&p, 101, 100 * X, X),
            Verdict::Accepted { offset: 1 }
        );
        assert_eq!(s.steps, 1);
        assert_eq!(
            s.login(&p, 203, 201 * X, X),
            Verdict::Accepted { offset: 1 }
        );
        assert_eq!(s.steps, 2);
        // Two failures: the next check within 2 s is refused even if right.
        s.login(&p, 0, 300 * X, X);
        s.login(&p, 0, 300 * X + 1_500, X);
        assert_eq!(
            s.login(&p, 302, 300 * X + 3_000, X),
            Verdict::Refused(Refusal::Throttled)
        );
        assert_eq!(
            s.login(&p, 302, 300 * X + 3_500, X),
            Verdict::Accepted { offset: 0 }
        );
    }

    #[test]
    fn two_factor_form_saves_minus_one_as_zero() {
        // clean_token(): for offset in (-1, 0, 1): if code(drift + offset)
        // matches, drift = offset. Behind by one: matches at -1, drift -1,
        // then at 0 (base -1 + 0), drift 0.
        for (found, saved) in [(-1, 0), (0, 0), (1, 1)] {
            let mut s = State::default();
            let now = 100 * X + 5_000;
            let w = Window::symmetric(1);
            assert!(
                s.check_confirm(w, Store::StepsFormLoop, 100 + found, now, X, Replay::Off)
                    .is_ok()
            );
            assert_eq!(s.steps, saved, "found {found}");
        }
    }

    #[test]
    fn a_confirmation_marked_used_is_a_replay_at_login() {
        // passlib's last_counter set from the confirmation (step 100): a
        // login with step 100 is refused, step 101 accepted; unmarked, the
        // same code is accepted again.
        let p = preset("passlib").expect("preset");
        let now = 100 * X + 5_000;
        let w = Window::symmetric(1);
        let mut s = State::default();
        assert!(
            s.check_confirm(w, Store::Nothing, 100, now, X, p.confirm_marks())
                .is_ok()
        );
        let mut again = s;
        assert_eq!(
            again.login(&p, 100, now + 1_000, X),
            Verdict::Refused(Refusal::Replay)
        );
        assert_eq!(
            s.login(&p, 101, now + 1_000, X),
            Verdict::Accepted { offset: 1 }
        );
        let mut unmarked = State::default();
        assert!(
            unmarked
                .check_confirm(w, Store::Nothing, 100, now, X, Replay::Off)
                .is_ok()
        );
        assert_eq!(
            unmarked.login(&p, 100, now + 1_000, X),
            Verdict::Accepted { offset: 0 }
        );
        assert_eq!(p.confirm_marks(), Replay::LaterOnly);
        assert_eq!(
            preset("django-otp").expect("preset").confirm_marks(),
            Replay::Off
        );
    }

    #[test]
    fn pam_oath_window_is_five_steps_each_way() {
        // pam_oath.c parse_cfg(): window = 5 without window=; totp.c
        // oath_totp_validate4_callback() tries n + iter and n - iter for
        // iter = 0..=window (`while (window - iter++ > 0)`).
        let p = preset("pam-oath").expect("preset");
        let now = 1000 * X + 29_999;
        for (m, ok) in [(995, true), (994, false), (1005, true), (1006, false)] {
            let mut s = State::default();
            assert_eq!(s.login(&p, m, now, X).accepted(), ok, "step {m}");
        }
    }

    #[test]
    fn pam_oath_confirmation_code_counts_as_used() {
        // usersfile.c: the confirmation is a first login, which writes its
        // OTP to the users file; parse_usersfile() then refuses that OTP
        // (OATH_REPLAYED_OTP) and any code at or before its position in
        // the window (prev_otp_pos >= this_otp_pos).
        let p = preset("pam-oath").expect("preset");
        let Flow::Confirm { window, store, .. } = p.flow else {
            panic!("pam-oath enrolls with one code");
        };
        let now = 100 * X + 3_000;
        let mut s = State::default();
        assert_eq!(
            s.check_confirm(window, store, 102, now, X, p.confirm_marks()),
            Ok(2)
        );
        let later = now + 20_000;
        for m in [102, 101, 97] {
            let mut again = s;
            assert_eq!(
                again.login(&p, m, later, X),
                Verdict::Refused(Refusal::Replay),
                "step {m}"
            );
        }
        assert_eq!(s.login(&p, 103, later, X), Verdict::Accepted { offset: 3 });
        // A preset whose confirmation does not count (the flag off) takes
        // the same code at the first login.
        let mut forgetful = p.clone();
        forgetful.flow = Flow::Confirm {
            window,
            store,
            skip_allowed: false,
            marks_used: false,
        };
        let mut s = State::default();
        assert!(
            s.check_confirm(window, store, 102, now, X, forgetful.confirm_marks())
                .is_ok()
        );
        assert_eq!(
            s.login(&forgetful, 102, later, X),
            Verdict::Accepted { offset: 2 }
        );
    }

    #[test]
    fn freeradius_totp_takes_the_current_step_only_and_keeps_nothing() {
        // rlm_totp.c 3.2.1 mod_authenticate(): totp_cmp(time(NULL), ...),
        // one comparison at time / 30; nothing kept between requests.
        let p = preset("freeradius-totp").expect("preset");
        let mut s = State::default();
        let now = 500 * X;
        assert_eq!(
            s.login(&p, 499, now, X),
            Verdict::Refused(Refusal::OutsideWindow)
        );
        assert_eq!(
            s.login(&p, 501, now, X),
            Verdict::Refused(Refusal::OutsideWindow)
        );
        assert_eq!(s.login(&p, 500, now, X), Verdict::Accepted { offset: 0 });
        assert_eq!(
            s.login(&p, 500, now + 29_999, X),
            Verdict::Accepted { offset: 0 }
        );
    }

    #[test]
    fn ideal_steps_round_to_nearest() {
        assert_eq!(nearest_steps(14_999, X), 0);
        assert_eq!(nearest_steps(15_000, X), 1);
        assert_eq!(nearest_steps(-15_000, X), -1);
        assert_eq!(nearest_steps(-45_001, X), -2);
    }
}

/// Cases derived by hand from the verifiers' sources, one per rule the
/// state-machine tests cannot see (docs/mutants.md).
#[cfg(test)]
#[path = "verifier_cases.rs"]
mod cases;
