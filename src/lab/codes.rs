//! Code collisions: the model's rules run on a secret's real codes, each
//! window searched in the verifier's own order, to tell a collision (two
//! steps with the same 6-digit code, which the model cannot see) from a
//! disagreement.

use crate::sim::model::{Check, CheckKind};
use crate::sim::{Codes, Policy, Search, State};
use crate::{Algorithm, Code, Digits, Secret, hotp};

/// The codes of one secret as the verifiers here see them (SHA-1, 6
/// digits): two steps can share a code, about once in a million comparisons.
#[derive(Debug, Clone, Copy)]
pub struct RealCodes<'a> {
    secret: &'a Secret,
}

impl<'a> RealCodes<'a> {
    /// The codes of `secret`.
    pub fn new(secret: &'a Secret) -> RealCodes<'a> {
        RealCodes { secret }
    }

    /// The code of `step` (`None` before the Unix epoch, where no verifier looks).
    pub(crate) fn code(&self, step: i64) -> Option<Code> {
        u64::try_from(step)
            .ok()
            .map(|counter| hotp(Algorithm::Sha1, self.secret, counter, Digits::SIX))
    }
}

impl Codes for RealCodes<'_> {
    fn same(&self, a: i64, b: i64) -> bool {
        a == b || self.code(a).is_some_and(|x| self.code(b) == Some(x))
    }

    fn find(&self, m: i64, search: Search, skip: impl Fn(i64) -> bool) -> Option<i64> {
        let target = self.code(m);
        search
            .steps()
            .find(|&s| !skip(s) && (s == m || (target.is_some() && self.code(s) == target)))
    }
}

/// What a verifier with `policy` answers each of `checks` (accepted or
/// not), telling codes apart by `codes`: the model's own rules, each window
/// searched in the policy's order ([`crate::sim::Matching`]), on a fresh
/// state. With [`crate::sim::Steps`] these are the model's verdicts; with
/// [`RealCodes`] they are what the verifier does when two steps share a code.
pub fn replay(policy: &Policy, codes: &impl Codes, checks: &[Check], period_ms: i64) -> Vec<bool> {
    let mut state = State::default();
    let order = policy.matching.order;
    let (window, store) = (policy.flow.window(), policy.flow.store());
    checks
        .iter()
        .map(|c| {
            let t = c.t_receipt;
            match c.kind {
                CheckKind::Pair { step1, step2 } => state
                    .check_pair_with(codes, order, window, store, (step1, step2), t, period_ms)
                    .is_ok(),
                CheckKind::Confirm { step } => state
                    .check_confirm_with(
                        codes,
                        order,
                        window,
                        store,
                        policy.confirm_marks(),
                        step,
                        t,
                        period_ms,
                    )
                    .is_ok(),
                CheckKind::Skip => true,
                CheckKind::Login { step } => state
                    .login_with(codes, policy, step, t, period_ms)
                    .accepted(),
                CheckKind::Resync { step2, .. } => {
                    state.resync_with(codes, policy, step2, t, period_ms)
                }
            }
        })
        .collect()
}

/// Whether a code collision explains the verifier's answer `accepted` to
/// the last of `checks`, all earlier ones having been answered as the model
/// said: the rules run on the real codes of `secret` (each window searched in
/// the verifier's own order, so the step it meets first is the step it
/// stores or remembers: django-otp's drift, privacyIDEA's shift and
/// `otp_count`, libpam's used steps and learned skew) give the same answers
/// to every earlier check and `accepted` to the last.
pub fn explains(
    policy: &Policy,
    secret: &Secret,
    checks: &[Check],
    accepted: bool,
    period_ms: i64,
) -> bool {
    let Some((last, earlier)) = checks.split_last() else {
        return false;
    };
    let real = replay(policy, &RealCodes::new(secret), checks, period_ms);
    real.last() == Some(&accepted)
        && accepted != last.verdict.accepted()
        && earlier
            .iter()
            .zip(&real)
            .all(|(c, &r)| r == c.verdict.accepted())
}

#[cfg(test)]
mod tests {
    //! Each verifier's search, held against its source with a secret whose
    //! codes collide: with RFC 4226's secret `12345678901234567890`, steps
    //! 60000001 and 60000002 (the lab's first enrollment step is 60000000)
    //! both have the code 687638 (found by a search over steps). The model,
    //! which tells codes apart by their steps, sees two codes; the verifier
    //! sees one, and which of its steps it meets first decides what it does.

    use super::*;
    use crate::lab::scenarios;
    use crate::sim::policy::{Replay, ReplayCheck, SearchOrder, Window};
    use crate::sim::{Refusal, Steps, Verdict, preset, presets};

    const X: i64 = 30_000;
    /// Steps A and A + 1 share a code.
    const A: i64 = 62_075_368;

    fn secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890".to_vec()).expect("20 bytes")
    }

    /// 10 s into `step`.
    fn at(step: i64) -> i64 {
        step * X + 10_000
    }

    #[test]
    fn the_secret_has_the_collision_the_tests_rely_on() {
        let key = secret();
        let codes = RealCodes::new(&key);
        assert_eq!(codes.code(A).map(|c| c.to_string()), Some("235522".into()));
        assert!(codes.same(A, A + 1));
        assert!(!codes.same(A + 1, A + 2) && !codes.same(A - 1, A));
    }

    #[test]
    fn search_orders_visit_steps_as_the_sources_do() {
        let w = Window {
            behind: 2,
            ahead: 1,
        };
        let steps = |order| Search::around(100, w, order).steps().collect::<Vec<_>>();
        // pyotp, django-otp, libpam, privacyIDEA: from behind upwards.
        assert_eq!(steps(SearchOrder::Ascending), [98, 99, 100, 101]);
        // Keycloak's clockSkewIndexToDelta: 0, -1, +1, -2, +2 (within the window).
        assert_eq!(steps(SearchOrder::NearestBehindFirst), [100, 99, 101, 98]);
        // liboath: nts + iter, then nts - iter.
        assert_eq!(steps(SearchOrder::NearestAheadFirst), [100, 101, 99, 98]);
    }

    #[test]
    fn pyotp_and_oathtool_accept_a_code_of_a_step_outside_the_window() {
        let key = secret();
        let real = RealCodes::new(&key);
        // pyotp, window 0: at step A the code of A + 1 is A's.
        let p = preset("pyotp").expect("preset");
        let mut s = State::default();
        assert_eq!(
            s.login(&p, A + 1, at(A), X),
            Verdict::Refused(Refusal::OutsideWindow)
        );
        assert_eq!(
            s.login_with(&real, &p, A + 1, at(A), X),
            Verdict::Accepted { offset: 0 }
        );
        // oathtool -w 1 at step A - 1 (window A - 2 ..= A): A + 1 lies
        // outside, its code is A's, met second (A - 1, A, A - 2).
        let p = preset("oathtool").expect("preset");
        assert_eq!(
            State::default().login(&p, A + 1, at(A - 1), X),
            Verdict::Refused(Refusal::OutsideWindow)
        );
        assert_eq!(
            State::default().login_with(&real, &p, A + 1, at(A - 1), X),
            Verdict::Accepted { offset: 1 }
        );
    }

    #[test]
    fn keycloak_refuses_the_same_digits_of_another_step_and_legacy_refuses_nothing_again() {
        let key = secret();
        let real = RealCodes::new(&key);
        // Keycloak's single-use store is keyed by the code: A accepted, then
        // A + 1 (another step, the same digits) is a reuse.
        let p = preset("keycloak").expect("preset");
        let mut model = State::default();
        let mut verifier = State::default();
        for s in [&mut model, &mut verifier] {
            assert!(s.login(&p, A, at(A), X).accepted());
        }
        assert_eq!(
            model.login(&p, A + 1, at(A + 1), X),
            Verdict::Accepted { offset: 0 }
        );
        assert_eq!(
            verifier.login_with(&real, &p, A + 1, at(A + 1), X),
            Verdict::Refused(Refusal::Replay)
        );
        // Keycloak before 15: -1..0, no reuse check; A + 1 at step A is A.
        let p = preset("keycloak-legacy").expect("preset");
        let mut s = State::default();
        assert_eq!(
            s.login_with(&real, &p, A + 1, at(A), X),
            Verdict::Accepted { offset: 0 }
        );
        assert!(s.login_with(&real, &p, A, at(A) + 5_000, X).accepted());
    }

    #[test]
    fn django_stores_the_drift_of_the_first_step_after_last_t() {
        let key = secret();
        let real = RealCodes::new(&key);
        let p = preset("django-otp").expect("preset");
        // At step A + 1 (window A ..= A + 2, upwards) the code of A + 1 is
        // met first at A: drift -1 and last_t A, where the model has 0 and A + 1.
        let mut model = State::default();
        assert_eq!(
            model.login(&p, A + 1, at(A + 1), X),
            Verdict::Accepted { offset: 0 }
        );
        assert_eq!((model.steps, model.last_step), (0, Some(A + 1)));
        let mut verifier = State::default();
        assert_eq!(
            verifier.login_with(&real, &p, A + 1, at(A + 1), X),
            Verdict::Accepted { offset: -1 }
        );
        assert_eq!((verifier.steps, verifier.last_step), (-1, Some(A)));
        // After a login at A (last_t = A), TOTP.verify(min_t = A + 1) skips
        // A and finds A + 1; a verifier refusing the first match would refuse.
        let mut s = State::default();
        assert!(s.login(&p, A, at(A), X).accepted());
        let mut again = s;
        assert_eq!(
            s.login_with(&real, &p, A + 1, at(A + 1), X),
            Verdict::Accepted { offset: 0 }
        );
        let mut first_match = p.clone();
        first_match.matching.replay_check = ReplayCheck::MatchedStep;
        assert_eq!(
            again.login_with(&real, &first_match, A + 1, at(A + 1), X),
            Verdict::Refused(Refusal::Replay)
        );
    }

    #[test]
    fn the_two_factor_form_loop_saves_plus_one_for_a_code_at_two_steps() {
        // clean_token() at step A with A's code: offset 0 matches (drift 0),
        // then offset +1 tries A + 1, the same code: drift 1 (the model: 0).
        let key = secret();
        let real = RealCodes::new(&key);
        let p = preset("django-otp").expect("preset");
        let (w, store) = (p.flow.window(), p.flow.store());
        let mut model = State::default();
        assert_eq!(
            model.check_confirm(w, store, A, at(A), X, Replay::Off),
            Ok(0)
        );
        assert_eq!(model.steps, 0);
        let mut verifier = State::default();
        let order = p.matching.order;
        assert_eq!(
            verifier.check_confirm_with(&real, order, w, store, Replay::Off, A, at(A), X),
            Ok(0)
        );
        assert_eq!(verifier.steps, 1);
    }

    #[test]
    fn libpam_refuses_a_used_first_match_and_learns_the_nearest_skew() {
        let key = secret();
        let real = RealCodes::new(&key);
        let p = preset("google-authenticator-pam").expect("preset");
        // DISALLOW_REUSE: A used; at A + 1 the window A ..= A + 2 meets A's
        // code first, and invalidate_timebased_code() refuses it.
        let mut model = State::default();
        let mut verifier = State::default();
        for s in [&mut model, &mut verifier] {
            assert!(s.login(&p, A, at(A), X).accepted());
        }
        assert!(model.login(&p, A + 1, at(A + 1), X).accepted());
        assert_eq!(
            verifier.login_with(&real, &p, A + 1, at(A + 1), X),
            Verdict::Refused(Refusal::Replay)
        );
        // The learning search from tm = A - 100 meets A (100 ahead) before
        // A + 1 (101 ahead): tm - i, tm + i for i upwards.
        let tm = A - 100;
        let mut model = State::default();
        let mut verifier = State::default();
        assert!(!model.login(&p, A + 1, at(tm), X).accepted());
        assert!(!verifier.login_with(&real, &p, A + 1, at(tm), X).accepted());
        assert_eq!(model.learning.entries(), [(tm, 101)]);
        assert_eq!(verifier.learning.entries(), [(tm, 100)]);
    }

    #[test]
    fn privacyidea_keeps_the_first_match_of_check_otp_resync_and_autosync() {
        let key = secret();
        let real = RealCodes::new(&key);
        let p = preset("privacyidea").expect("preset");
        // check_otp: range(c - 6, c + 6) upwards; at step A + 3 the code of
        // A + 1 is met at A, and the shift goes to A's start.
        let mut model = State::default();
        let mut verifier = State::default();
        assert!(model.login(&p, A + 1, at(A + 3), X).accepted());
        assert!(
            verifier
                .login_with(&real, &p, A + 1, at(A + 3), X)
                .accepted()
        );
        assert_eq!(model.last_step, Some(A + 1));
        assert_eq!(verifier.last_step, Some(A));
        assert_eq!(model.shift_ms - verifier.shift_ms, X);
        // ... and 'res <= oCount' refuses it when otp_count is A.
        let mut model = State::default();
        let mut verifier = State::default();
        for s in [&mut model, &mut verifier] {
            assert!(s.login(&p, A, at(A), X).accepted());
        }
        assert!(model.login(&p, A + 1, at(A + 1), X).accepted());
        assert_eq!(
            verifier.login_with(&real, &p, A + 1, at(A + 1), X),
            Verdict::Refused(Refusal::Replay)
        );
        // resync(): codes of A and A + 1 are the same digits, so both
        // searches find A, and A + 1 != A: refused.
        assert!(State::default().resync(&p, A + 1, at(A + 1), X));
        assert!(!State::default().resync_with(&real, &p, A + 1, at(A + 1), X));
        // verify_enrollment -> check_otp: at A + 2 the code of A + 1 is A's.
        let v = preset("privacyidea-verify").expect("preset");
        let mut s = State::default();
        let got = s.check_confirm_with(
            &real,
            v.matching.order,
            v.flow.window(),
            v.flow.store(),
            v.confirm_marks(),
            A + 1,
            at(A + 2),
            X,
        );
        assert_eq!((got, s.last_step), (Ok(-2), Some(A)));
        // _autosync: the far code of A + 1 is remembered as A, so A + 2 is
        // not the next one.
        let auto = preset("privacyidea-autoresync").expect("preset");
        let far = A - 100;
        let mut model = State::default();
        let mut verifier = State::default();
        assert!(!model.login(&auto, A + 1, at(far), X).accepted());
        assert!(
            !verifier
                .login_with(&real, &auto, A + 1, at(far), X)
                .accepted()
        );
        assert_eq!((model.otp1c, verifier.otp1c), (Some(A + 1), Some(A)));
        assert_eq!(model.login(&auto, A + 2, at(far + 1), X), Verdict::Healed);
        assert!(
            !verifier
                .login_with(&real, &auto, A + 2, at(far + 1), X)
                .accepted()
        );
    }

    #[test]
    fn aws_pairs_are_searched_as_privacyideas_resync() {
        // Inferred (AWS publishes nothing): code 1 and code 2 searched alike,
        // so a pair with the same digits twice is not consecutive.
        let key = secret();
        let real = RealCodes::new(&key);
        for name in ["aws-iam", "aws-iam-shift"] {
            let p = preset(name).expect("preset");
            let (w, store) = (p.flow.window(), p.flow.store());
            assert!(
                State::default()
                    .check_pair(w, store, (A, A + 1), at(A + 1), X)
                    .is_ok()
            );
            let got = State::default().check_pair_with(
                &real,
                p.matching.order,
                w,
                store,
                (A, A + 1),
                at(A + 1),
                X,
            );
            assert_eq!(got, Err(Refusal::OutsideWindow), "{name}");
        }
    }

    #[test]
    fn on_steps_the_rules_give_the_models_verdicts_for_every_preset() {
        // The `_with` rules are the model's: on Steps they must give every
        // verdict of every lab scenario, for every preset.
        for policy in presets() {
            for lab in scenarios(&policy, 30, 3, true) {
                let s = &lab.scenario;
                let checks = s.checks(
                    lab.enroll_phase_ms,
                    lab.login_phase_ms,
                    lab.more_logins,
                    lab.every_ms,
                );
                let model: Vec<bool> = checks.iter().map(|c| c.verdict.accepted()).collect();
                assert_eq!(
                    replay(&policy, &Steps, &checks, s.period_ms),
                    model,
                    "{} {}",
                    policy.name,
                    lab.id
                );
            }
        }
    }

    #[test]
    fn seed_4914_meets_a_collision_in_oathtools_login_window() {
        // Found by a search over seeds with the model alone; the lab test
        // `lab_explains_a_collision_in_oathtools_login_window` holds the
        // real oathtool to it. In the reduced grid of seed 4914, the -200 ppm
        // drift run's 14th check is a login whose code's step lies outside
        // -1..+1 while a step inside has the same code.
        let p = preset("oathtool").expect("preset");
        let lab = scenarios(&p, 0, 4914, true)
            .into_iter()
            .find(|l| l.id == "drift--200ppm-60days")
            .expect("the drift run");
        let s = &lab.scenario;
        let checks = s.checks(
            lab.enroll_phase_ms,
            lab.login_phase_ms,
            lab.more_logins,
            lab.every_ms,
        );
        let key = Secret::from_bytes(lab.secret.clone()).expect("20 bytes");
        let real = replay(&p, &RealCodes::new(&key), &checks, s.period_ms);
        let first = real
            .iter()
            .zip(&checks)
            .position(|(&r, c)| r != c.verdict.accepted());
        assert_eq!(first, Some(13));
        let check = &checks[13];
        assert!(matches!(check.kind, CheckKind::Login { .. }));
        assert!(!check.verdict.accepted());
        assert!(explains(&p, &key, &checks[..=13], true, s.period_ms));
    }

    #[test]
    fn explains_needs_the_real_codes_to_give_every_answer() {
        // oathtool at step A - 1 refuses A + 1 in the model; the real codes
        // accept it: a collision explains "accepted", not "refused".
        let key = secret();
        let p = preset("oathtool").expect("preset");
        let mut state = State::default();
        let t = at(A - 1);
        let check = Check {
            kind: CheckKind::Login { step: A + 1 },
            t_receipt: t,
            verifier_step: A - 1,
            verdict: state.login(&p, A + 1, t, X),
        };
        assert!(!check.verdict.accepted());
        assert!(explains(&p, &key, &[check], true, X));
        assert!(!explains(&p, &key, &[check], false, X));
        // Another secret has no such collision: nothing explains it.
        let other = Secret::from_bytes(vec![7; 20]).expect("20 bytes");
        assert!(!explains(&p, &other, &[check], true, X));
        // Nor does a collision explain an earlier answer the real codes
        // would have given differently.
        let mut earlier = check;
        earlier.verdict = Verdict::Refused(Refusal::OutsideWindow);
        assert!(!explains(&p, &key, &[earlier, check], true, X));
    }
}
