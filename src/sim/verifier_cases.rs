//! Cases derived by hand from the verifiers' own sources (and, for the
//! counterfactual, from the outcome definition in `docs/model.md`), each
//! pinning one rule of `verifier.rs` that the tests built on the state machine
//! itself cannot see: the brute-force properties run the same rules on both
//! sides, so a wrong rule agrees with itself. Each case kills a mutant that
//! cargo-mutants found surviving every test, or surviving the library's unit
//! tests and caught only by slower ones (`docs/mutants.md`); its comment says
//! which rule it holds, where the rule is written, and the arithmetic done by
//! hand.
//!
//! Sources: privacyIDEA 3.14 as installed by `lab/setup.sh`
//! (`privacyidea/lib/tokens/totptoken.py`, `privacyidea/lib/tokens/HMAC.py`);
//! google-authenticator-libpam at tag 1.08 (commit 2c7415d, the upstream of
//! Debian's 20191231 package), `src/pam_google_authenticator.c`.

use super::*;
use crate::sim::model::{EPOCH_MS, Outcome, Scenario};
use crate::sim::policy::preset;

/// The 30 s step, in ms.
const X: i64 = 30_000;

/// The device step of the first enrollment code in every [`Scenario`]:
/// `EPOCH_MS` is a whole number of 30 s steps.
const D0: i64 = EPOCH_MS / X;

// ---------------------------------------------------------------------------
// The counterfactual: State::ideal (docs/model.md, "Outcomes, by a
// counterfactual": the first login is checked again against the state with the
// offset replaced by the device's true offset, in the form the enrollment
// stores; accepted there and refused for real is "out of sync").
// ---------------------------------------------------------------------------

/// AWS documents the out-of-sync symptom (IAM API reference,
/// EnableMFADevice: "If you generate the codes and then wait too long to
/// submit the request, the MFA device successfully associates with the user
/// but the MFA device becomes out of sync"). Under hypothesis (a), whole
/// steps (`policies/aws-iam.toml`: pair search -10..+10, stored steps =
/// step(code 2) minus the verifier's step, login window -1..+1), a device
/// 90 s (3 steps) ahead whose pair arrives 60 s late, worked by hand:
///
/// - code 2 (device step D0+1) is read at device time (D0+1)·X + 2 s, real
///   time (D0+1)·X - 88 s, and received 60 s later at (D0+1)·X - 28 s: the
///   verifier's step is D0, so it stores 1 step, not 3;
/// - a day (2880 steps) later the device shows step L = D0+2883; the login
///   code read 10 s into it arrives at real time L·X - 75 s, raw step L-3:
///   with 1 stored the verifier is at L-2 (offset +2, refused); with the true
///   3 it would be at L (offset 0, accepted).
///
/// So the label is OUT OF SYNC. Without the ideal's `steps` (the ideal left
/// at 0) the same login would be refused by the ideal too (offset +3) and
/// the label would wrongly read LOGIN REFUSED ANYWAY.
#[test]
fn aws_late_pair_from_a_device_ahead_is_out_of_sync_because_the_true_steps_would_accept() {
    let mut sc = Scenario::new(preset("aws-iam").expect("preset"));
    sc.skew_ms = 90_000;
    sc.delay_ms = 60_000;
    let e = sc.enroll(0);
    assert_eq!(e.last().t_receipt, (D0 + 1) * X - 28_000);
    assert_eq!(
        e.state.steps, 1,
        "stored: code 2's step minus the verifier's"
    );
    assert_eq!(sc.login_step(&e), D0 + 2883);
    assert_eq!(State::ideal(Store::Steps, sc.skew_ms, X).steps, 3);
    assert_eq!(sc.outcome(0, 10_000), Outcome::OutOfSync);
    // The same device with the pair sent at once stores the true 3 steps.
    sc.delay_ms = 0;
    assert_eq!(sc.enroll(0).state.steps, 3);
    assert_eq!(sc.outcome(0, 10_000), Outcome::InSync);
}

/// privacyIDEA's resync (totptoken.py `TotpTokenClass.resync`, lines
/// 513-529: `tokentime = (res2 + 0.5) * self.timestep`, `new_shift =
/// tokentime - currenttime`, `set_otp_count(res2 + 1)`) enrolls the pair;
/// a login is `check_otp` (lines 350-352: `checkOtp(anOtpVal, int(window /
/// self.timestep), symetric=True)` with the 180 s window, which HMAC.py
/// `checkOtp` lines 146-151 runs as `range(c - 6, c + 6)`: -6..+5).
/// A device 600 s ahead whose pair arrives 400 s late, by hand:
///
/// - code 2 (step D0+1) is read at real time (D0+1)·X - 598 s and received at
///   (D0+1)·X - 198 s, verifier step D0-6 (offset +7, inside ±1000):
///   `timeShift = (D0+1)·X + 15 s - now = 213 s`, not the true 600 s;
/// - a day later the device shows L = D0+2894; the login code read 10 s into
///   it arrives at L·X - 585 s: with 213 s the verifier's step is
///   floor((L·X - 372 s) / X) = L-13 (offset +13, refused); with the true
///   600 s it is L (offset 0, accepted).
///
/// So the label is OUT OF SYNC. Without the ideal's `shift_ms` the ideal
/// verifier would be at L-20 and refuse too: LOGIN REFUSED ANYWAY, wrongly.
#[test]
fn privacyidea_late_resync_pair_is_out_of_sync_because_the_true_shift_would_accept() {
    let mut sc = Scenario::new(preset("privacyidea").expect("preset"));
    sc.skew_ms = 600_000;
    sc.delay_ms = 400_000;
    let e = sc.enroll(0);
    assert_eq!(e.last().t_receipt, (D0 + 1) * X - 198_000);
    assert_eq!(e.last().verifier_step, D0 - 6);
    assert_eq!(e.state.shift_ms, 213_000);
    assert_eq!(e.state.last_step, Some(D0 + 2), "otp_count = res2 + 1");
    assert_eq!(sc.login_step(&e), D0 + 2894);
    assert_eq!(
        State::ideal(Store::ShiftCentre, sc.skew_ms, X).shift_ms,
        600_000
    );
    assert_eq!(sc.outcome(0, 10_000), Outcome::OutOfSync);
    // A login code received 600 s after it was read (real time L·X + 10 s)
    // is refused whatever was stored: at L+7 with 213 s, at L+20 with the
    // true 600 s, both beyond -6: not the enrollment's doing.
    sc.login_delay_ms = 600_000;
    assert_eq!(sc.outcome(0, 10_000), Outcome::LoginFails);
}

/// The ideal whole steps are the skew rounded to the nearest step, halves away
/// from zero (`nearest_steps`' contract; docs/model.md: "whole steps round to
/// the nearest step"). Worked by hand with X = 30 s: a remainder above half
/// rounds up (20 s -> 1, -10 s = -1·X + 20 s -> 0, 50 s -> 2); exactly half
/// rounds away from zero (±15 s -> ±1, ±45 s -> ±2); below half rounds down
/// (14.999 s -> 0, -15.001 s -> -1); no skew is no step.
#[test]
fn ideal_steps_round_half_away_from_zero_and_above_half_up() {
    for (skew_ms, steps) in [
        (0, 0),
        (20_000, 1),
        (-10_000, 0),
        (50_000, 2),
        (-40_000, -1),
        (15_000, 1),
        (-15_000, -1),
        (45_000, 2),
        (-45_000, -2),
        (14_999, 0),
        (-15_001, -1),
        (29_999, 1),
        (-29_999, -1),
    ] {
        assert_eq!(nearest_steps(skew_ms, X), steps, "skew {skew_ms} ms");
        assert_eq!(
            State::ideal(Store::Steps, skew_ms, X).steps,
            steps,
            "skew {skew_ms} ms"
        );
        assert_eq!(
            State::ideal(Store::StepsFormLoop, skew_ms, X).steps,
            steps,
            "skew {skew_ms} ms"
        );
    }
    // The same at a 60 s period: half a step is 30 s.
    assert_eq!(nearest_steps(30_000, 60_000), 1);
    assert_eq!(nearest_steps(29_999, 60_000), 0);
    assert_eq!(nearest_steps(-30_000, 60_000), -1);
    assert_eq!(nearest_steps(-30_001, 60_000), -1);
    assert_eq!(nearest_steps(-29_999, 60_000), 0);
}

// ---------------------------------------------------------------------------
// privacyIDEA's resync replay edge.
// ---------------------------------------------------------------------------

/// totptoken.py `TotpTokenClass.resync`, line 513: `if res1 < oCount:` ("A
/// previous OTP value was used again!") refuses code 1 only *below* the
/// last counter, and a login leaves `otp_count` at the step it matched
/// (`check_otp`, line 366: `set_otp_count(res)`). So after a login with the
/// code of step 1000, a resync whose code 1 is that same code (steps 1000,
/// 1001) is accepted; after a login at 1001 the same resync has code 1 below
/// `otp_count` and is refused, changing nothing.
#[test]
fn privacyidea_resync_accepts_code_1_equal_to_the_last_login_and_refuses_older() {
    let p = preset("privacyidea").expect("preset");
    // Login at step 1000, received 5 s into it: otp_count = 1000, timeShift
    // = 1000·X - int(now) = -5 s.
    let mut s = State::default();
    assert_eq!(
        s.login(&p, 1000, 1000 * X + 5_000, X),
        Verdict::Accepted { offset: 0 }
    );
    assert_eq!((s.last_step, s.shift_ms), (Some(1000), -5_000));
    // Resync with the codes of 1000 and 1001 at 1001·X + 10 s: the
    // verifier's step is floor((1001·X + 5 s) / X) = 1001, res2 = 1001,
    // res1 = 1000 = otp_count, not below it: accepted; timeShift = (1001 +
    // 0.5)·X - now = 5 s, otp_count = 1002.
    let now = 1001 * X + 10_000;
    assert!(s.resync(&p, 1001, now, X));
    assert_eq!(s.shift_ms, 1001 * X + 15_000 - now);
    assert_eq!(s.last_step, Some(1002));

    // After a login at step 1001 (timeShift -5 s again), res1 = 1000 < 1001.
    let mut s = State::default();
    assert!(s.login(&p, 1001, 1001 * X + 5_000, X).accepted());
    assert_eq!((s.last_step, s.shift_ms), (Some(1001), -5_000));
    let search = p.resync.as_ref().expect("privacyidea has a resync").search;
    assert_eq!(
        s.check_pair(search, Store::ShiftCentre, (1000, 1001), now, X),
        Err(Refusal::Replay)
    );
    assert!(!s.resync(&p, 1001, now, X));
    assert_eq!((s.last_step, s.shift_ms), (Some(1001), -5_000));
}

// ---------------------------------------------------------------------------
// privacyIDEA's AutoResync.
// ---------------------------------------------------------------------------

/// totptoken.py `_autosync`, line 431: `elif otp2c <= self.token.count:`
/// ("The resync was done with previous (old) OTP values") refuses a second
/// code *at or below* the last counter. Someone who replays, later, the codes
/// of steps 999 and 1000 after the login with 1000 (otp_count = 1000) gets
/// 999 remembered as `otp1c` (outside the login window, inside ±1000) and
/// 1000 refused although it is `otp1c + 1`; with the next fresh pair of
/// consecutive codes the same verifier heals.
#[test]
fn privacyidea_autoresync_refuses_a_second_code_equal_to_the_last_counter() {
    let p = preset("privacyidea-autoresync").expect("preset");
    let mut s = State::default();
    assert!(s.login(&p, 1000, 1000 * X + 5_000, X).accepted());
    assert_eq!(s.last_step, Some(1000));
    // Ten minutes later (timeShift -5 s): the verifier is at step 1020, so
    // 999 is at offset -21, outside -6..+5 and inside the sync window.
    let t = 1020 * X + 5_000;
    assert_eq!(s.step_at(t, X), 1020);
    assert_eq!(
        s.login(&p, 999, t, X),
        Verdict::Refused(Refusal::AutoResyncPending)
    );
    assert_eq!(s.otp1c, Some(999));
    // 1000 = otp1c + 1 but not above otp_count 1000: refused, otp1c dropped.
    assert_eq!(
        s.login(&p, 1000, t + X, X),
        Verdict::Refused(Refusal::OutsideWindow)
    );
    assert_eq!(s.otp1c, None);
    assert_eq!(s.last_step, Some(1000));
    // The device's own codes 1999, 2000 (above otp_count) do heal it.
    assert_eq!(
        s.login(&p, 1999, t + 2 * X, X),
        Verdict::Refused(Refusal::AutoResyncPending)
    );
    assert_eq!(s.login(&p, 2000, t + 3 * X, X), Verdict::Healed);
    assert_eq!(s.last_step, Some(2000));
}

/// `_autosync` searches with `checkOtp(anOtpVal, syncWindow, symetric=True)`
/// (totptoken.py line 418), which HMAC.py `checkOtp` (lines 146-151) runs as
/// `range(counter - window, counter + window)`: with the default
/// `DefaultSyncWindow` 1000 (privacyidea/lib/token/attributes.py) a code
/// 1000 steps behind the verifier's step is remembered, one 1000 ahead is
/// not (the end of a Python range is excluded).
#[test]
fn privacyidea_autoresync_window_is_minus_1000_to_plus_999() {
    let p = preset("privacyidea-autoresync").expect("preset");
    let now = 2000 * X + 1_000;
    for (m, remembered) in [(1000, true), (999, false), (2999, true), (3000, false)] {
        let mut s = State::default();
        assert_eq!(s.step_at(now, X), 2000);
        let v = s.login(&p, m, now, X);
        let want = if remembered {
            Verdict::Refused(Refusal::AutoResyncPending)
        } else {
            Verdict::Refused(Refusal::OutsideWindow)
        };
        assert_eq!(v, want, "step {m}");
        assert_eq!(s.otp1c, remembered.then_some(m), "step {m}");
    }
}

// ---------------------------------------------------------------------------
// libpam's skew learning (pam_google_authenticator.c at 1.08):
// check_timebased_code() lines 1493-1499 try tm + TIME_SKEW + i for i in
// -1..+1; otherwise lines 1501-1523 search tm ± 1499 and call
// check_time_skew() with the raw skew. check_time_skew() lines 1400-1415:
//
//     unsigned int last_tm = tms[0];
//     int last_skew = skews[0];
//     int avg_skew = last_skew;
//     for (int i = 1; i < 3; ++i) {
//       if (tms[i] <= last_tm || tms[i] > last_tm+2 ||
//           last_skew - skew < -1 || last_skew - skew > 1) goto keep_trying;
//       last_tm = tms[i]; last_skew = skews[i]; avg_skew += last_skew;
//     }
//     avg_skew /= 3;
//
// `skew` is the newest attempt's, so each earlier skew is compared with the
// newest (not with its neighbour), and `/=` on an int truncates towards zero.
// ---------------------------------------------------------------------------

/// After TIME_SKEW 10 was learned, the device's clock is corrected to 2, 2,
/// then 1 step ahead: all three codes lie outside TIME_SKEW ± 1 (raw skews 2,
/// 2, 1 against the window 9..11), the steps 100, 101, 103 are increasing
/// and at most 2 apart, and the earlier skews 2, 2 each differ from the
/// newest 1 by 1. The sum is 5: 5 / 3 = 1, so TIME_SKEW becomes 1 and the
/// third code is accepted.
#[test]
fn libpam_relearns_a_smaller_skew_when_each_earlier_skew_is_within_one_of_the_newest() {
    let p = preset("google-authenticator-pam").expect("preset");
    let mut s = State {
        steps: 10,
        ..State::default()
    };
    assert_eq!(
        s.login(&p, 102, 100 * X, X),
        Verdict::Refused(Refusal::Learning)
    );
    assert_eq!(
        s.login(&p, 103, 101 * X, X),
        Verdict::Refused(Refusal::Learning)
    );
    assert_eq!(s.login(&p, 104, 103 * X, X), Verdict::Healed);
    assert_eq!(s.steps, 1);
    assert_eq!(
        s.login(&p, 105, 104 * X, X),
        Verdict::Accepted { offset: 0 }
    );
}

/// An odd negative sum: from TIME_SKEW 10, raw skews -2, -2, -1 (codes 98,
/// 99, 102 at steps 100, 101, 103). Each earlier skew is within 1 of the
/// newest; the sum -5 divided as C does gives -1 (flooring would give -2).
#[test]
fn libpam_average_of_an_odd_negative_sum_truncates_towards_zero() {
    let p = preset("google-authenticator-pam").expect("preset");
    let mut s = State {
        steps: 10,
        ..State::default()
    };
    assert!(!s.login(&p, 98, 100 * X, X).accepted());
    assert!(!s.login(&p, 99, 101 * X, X).accepted());
    assert_eq!(s.login(&p, 102, 103 * X, X), Verdict::Healed);
    assert_eq!(s.steps, -1);
}

/// The device's clock was fixed after TIME_SKEW 10 was learned: three codes
/// of the right time (raw skew 0, outside 9..11) in consecutive steps agree
/// and set TIME_SKEW back to 0.
#[test]
fn libpam_learns_a_skew_of_zero_back() {
    let p = preset("google-authenticator-pam").expect("preset");
    let mut s = State {
        steps: 10,
        ..State::default()
    };
    assert!(!s.login(&p, 100, 100 * X, X).accepted());
    assert!(!s.login(&p, 101, 101 * X, X).accepted());
    assert_eq!(s.login(&p, 102, 102 * X, X), Verdict::Healed);
    assert_eq!(s.steps, 0);
}

/// A clock running away one step per attempt: raw skews 3, 4, 5. The newest
/// is 5 and the first earlier one, 3, differs from it by 2, so the source
/// keeps trying although neighbours differ by 1 only; and skews 4, 6, 5
/// (codes 104, 107, 108 at steps 100, 101, 103; neighbours 2 apart) *are*
/// accepted, both earlier ones being within 1 of the newest 5: the sum 15
/// gives TIME_SKEW 5.
#[test]
fn libpam_compares_each_earlier_skew_with_the_newest_not_its_neighbour() {
    let p = preset("google-authenticator-pam").expect("preset");
    let mut s = State::default();
    for (tm, code) in [(100, 103), (101, 105), (102, 107)] {
        assert_eq!(
            s.login(&p, code, tm * X, X),
            Verdict::Refused(Refusal::Learning),
            "step {tm}"
        );
    }
    assert_eq!(s.steps, 0);

    let mut s = State::default();
    assert!(!s.login(&p, 104, 100 * X, X).accepted());
    assert!(!s.login(&p, 107, 101 * X, X).accepted());
    assert_eq!(s.login(&p, 108, 103 * X, X), Verdict::Healed);
    assert_eq!(s.steps, 5);
}

/// privacyIDEA's resync (totptoken.py `TotpTokenClass.resync`): code 2 is
/// searched with `checkOtp(otp2, sync_window, symetric=True)` (line 498),
/// `range(counter - 1000, counter + 1000)` by HMAC.py `checkOtp` (lines
/// 146-151); code 1 around `counter - 1` (lines 504-508); and the pair
/// counts only when `res1 + 1 == res2` (line 519). At the verifier's step
/// 5000: code 2 at 4000 (offset -1000) and 5999 (+999) is found, at 3999
/// and 6000 not; codes not consecutive, or in the wrong order, are refused
/// wherever they lie.
#[test]
fn privacyidea_resync_pair_is_consecutive_with_code_2_in_minus_1000_to_plus_999() {
    let p = preset("privacyidea").expect("preset");
    let search = p.resync.as_ref().expect("privacyidea has a resync").search;
    let now = 5000 * X + 1_000;
    for (pair, want) in [
        ((3999, 4000), Ok(-1000)),
        ((5998, 5999), Ok(999)),
        ((4999, 5000), Ok(0)),
        ((3998, 3999), Err(Refusal::OutsideWindow)),
        ((5999, 6000), Err(Refusal::OutsideWindow)),
        ((4999, 5001), Err(Refusal::OutsideWindow)),
        ((5001, 5000), Err(Refusal::OutsideWindow)),
        ((5000, 5000), Err(Refusal::OutsideWindow)),
    ] {
        let mut s = State::default();
        assert_eq!(s.step_at(now, X), 5000);
        let got = s.check_pair(search, Store::ShiftCentre, pair, now, X);
        assert_eq!(got, want, "pair {pair:?}");
        assert_eq!(s.last_step.is_some(), want.is_ok(), "pair {pair:?}");
    }
}

/// One-code enrollments (`check_confirm`). django-two-factor-auth's
/// `TOTPDeviceForm.clean_token` (two_factor/forms.py, lines 79-94) tries
/// `range(-self.tolerance, self.tolerance + 1)` with `tolerance = 1`: a code
/// one step either side is taken, two steps is not. Its `save()` (lines
/// 96-101) creates the `TOTPDevice` without `last_t`, so the enrollment code
/// itself is still good for the first login in its step. privacyIDEA's
/// `verify_enrollment` (hotptoken.py line 851) is `check_otp`, which sets
/// `otp_count` to the matched step (totptoken.py line 366): the same code is
/// then refused at login (line 354, `res <= oCount`).
#[test]
fn one_code_enrollments_take_their_window_and_only_privacyidea_remembers_the_code() {
    let django = preset("django-otp").expect("preset");
    let now = 100 * X + 5_000;
    for (m, ok) in [
        (98, false),
        (99, true),
        (100, true),
        (101, true),
        (102, false),
    ] {
        let mut s = State::default();
        let got = s.check_confirm(
            django.flow.window(),
            django.flow.store(),
            m,
            now,
            X,
            django.confirm_marks(),
        );
        assert_eq!(got.is_ok(), ok, "step {m}");
        if ok {
            assert_eq!(got, Ok(m - 100), "step {m}");
            assert_eq!(s.last_step, None, "no last_t after the form, step {m}");
            // The same code logs in (drift saved 0 or +1, last_t unset).
            assert!(s.login(&django, m, now + 1_000, X).accepted(), "step {m}");
        }
    }

    let verify = preset("privacyidea-verify").expect("preset");
    let mut s = State::default();
    assert_eq!(
        s.check_confirm(
            verify.flow.window(),
            verify.flow.store(),
            100,
            now,
            X,
            verify.confirm_marks(),
        ),
        Ok(0)
    );
    assert_eq!(s.last_step, Some(100));
    assert_eq!(
        s.login(&verify, 100, now + 1_000, X),
        Verdict::Refused(Refusal::Replay)
    );
    assert!(s.login(&verify, 101, now + X, X).accepted());
}

/// check_time_skew() line 1408: `tms[i] <= last_tm` keeps trying, so the
/// three attempts must lie in strictly increasing steps. Two different codes
/// typed in the same step 100 (skews 5 and 6), then skew 6 at step 101:
/// every earlier skew is within 1 of the newest, yet nothing is learned. A
/// fourth attempt at step 102 (skew 6) pushes the oldest out, leaves three
/// increasing steps, and is accepted: TIME_SKEW (6 + 6 + 6) / 3 = 6.
#[test]
fn libpam_learns_only_from_attempts_in_strictly_increasing_steps() {
    let p = preset("google-authenticator-pam").expect("preset");
    let mut s = State::default();
    for (tm, code) in [(100, 105), (100, 106), (101, 107)] {
        assert_eq!(
            s.login(&p, code, tm * X + 1_000, X),
            Verdict::Refused(Refusal::Learning),
            "step {tm}, code {code}"
        );
    }
    assert_eq!(s.learning.entries(), &[(100, 5), (100, 6), (101, 6)]);
    assert_eq!(s.steps, 0);
    assert_eq!(s.login(&p, 108, 102 * X + 1_000, X), Verdict::Healed);
    assert_eq!(s.steps, 6);
}

/// django-otp 1.7 `TOTPDevice._verify_token`: `for offset in
/// range(-tolerance, tolerance + 1)`, a step is tried only `if totp.t() >
/// self.last_t` (the replay rule keeps used steps out of the search), and a
/// token no tried step matches is simply not verified. A login at step 100
/// is accepted (last_t = 100); the same code again is refused because its
/// step was left out (a replay); a code of step 105, outside -1..+1 of 100,
/// two seconds later (past the one-second throttle the replay earned), is
/// refused as outside the window: not a replay, although `not-searched`
/// leaves replays out of the same search.
#[test]
fn django_otps_replays_and_codes_outside_its_window_are_told_apart() {
    let p = preset("django-otp").expect("preset");
    let mut s = State::default();
    let now = 100 * X + 1_000;
    assert_eq!(s.login(&p, 100, now, X), Verdict::Accepted { offset: 0 });
    assert_eq!(s.last_step, Some(100));
    assert_eq!(
        s.login(&p, 100, now + 1_000, X),
        Verdict::Refused(Refusal::Replay)
    );
    assert_eq!(
        s.login(&p, 105, now + 3_000, X),
        Verdict::Refused(Refusal::OutsideWindow)
    );
    assert_eq!(s.failures, 2);
}

/// Codes where steps 99 and 101 share their digits and every other step
/// has its own: a collision written by hand.
struct Twins;

impl Codes for Twins {
    fn same(&self, a: i64, b: i64) -> bool {
        a == b || matches!((a, b), (99, 101) | (101, 99))
    }

    fn find(&self, m: i64, search: Search, skip: impl Fn(i64) -> bool) -> Option<i64> {
        search.steps().find(|&s| !skip(s) && self.same(s, m))
    }
}

/// The two same-step replay checks differ only when two steps share a code.
/// libpam 1.08 `invalidate_timebased_code` (pam_google_authenticator.c)
/// remembers the *step* (`tm`) of each accepted code in DISALLOW_REUSE and
/// refuses a code whose matched step is listed: after step 99 was used, the
/// code of step 101 (the same digits) matched at step 101 passes. Keycloak
/// (>= 15) keeps the accepted *code* in its single-use store for the
/// window's duration: the same digits are refused whatever step they match.
#[test]
fn a_matched_step_replay_check_lets_the_same_digits_through_at_another_step() {
    let libpam = preset("google-authenticator-pam").expect("preset");
    let keycloak = preset("keycloak").expect("preset");
    assert_eq!(libpam.matching.replay_check, ReplayCheck::MatchedStep);
    assert_eq!(keycloak.matching.replay_check, ReplayCheck::MatchedCode);
    let mut s = State::default();
    s.record_use(Replay::SameStep, 99);
    assert!(s.is_replay_with(&Twins, Replay::SameStep, ReplayCheck::MatchedStep, 99));
    assert!(!s.is_replay_with(&Twins, Replay::SameStep, ReplayCheck::MatchedStep, 101));
    assert!(s.is_replay_with(&Twins, Replay::SameStep, ReplayCheck::MatchedCode, 101));
    assert!(!s.is_replay_with(&Twins, Replay::SameStep, ReplayCheck::MatchedCode, 100));
}
