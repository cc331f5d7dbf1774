//! Hand-computed cases, per preset, from the rules its source states (the
//! arithmetic is in each comment). Times in seconds unless marked; X = 30 s,
//! reaction r = 2 s, login delay 5 s, the first login a day later, 3 attempts.

use skewsim::sim::drift::{DayEnd, simulate};
use skewsim::sim::{Outcome, Probabilities, Scenario, preset, probabilities, thresholds};

fn scenario(policy: &str, delay_ms: i64, skew_ms: i64) -> Scenario {
    Scenario {
        delay_ms,
        skew_ms,
        ..Scenario::new(preset(policy).expect("preset"))
    }
}

/// Exact shares in thirtieths of the period (every case below is a whole
/// number of seconds out of 30): [in sync, out of sync, login fails, rejected].
fn thirtieths(s: &Scenario) -> [u128; 4] {
    let p: Probabilities = probabilities(s, None);
    let unit = p.total() / 30;
    Outcome::ALL.map(|o| {
        assert_eq!(
            p.count(o) % unit,
            0,
            "{o:?} is not a whole thirtieth: {p:?}"
        );
        p.count(o) / unit
    })
}

/// The same in 900ths: whole seconds of both phases.
fn per_900(s: &Scenario) -> [u128; 4] {
    let p: Probabilities = probabilities(s, None);
    let unit = p.total() / 900;
    Outcome::ALL.map(|o| {
        assert_eq!(p.count(o) % unit, 0, "{o:?} is not a whole 900th: {p:?}");
        p.count(o) / unit
    })
}

#[test]
fn aws_steps_90s_is_out_of_sync_for_certain() {
    // Code 2 is read 2 s into step k+1 and arrives 92 s later: the verifier is
    // in step k+4, finds code 2 three steps behind and stores -3. A day later
    // the login code of step m arrives at verifier step m or m+1 and is checked
    // against m-3 ± 1 = [m-4, m-2]: never accepted; storing the true offset (0)
    // would accept it.
    assert_eq!(thirtieths(&scenario("aws-iam", 90_000, 0)), [0, 30, 0, 0]);
    assert_eq!(thirtieths(&scenario("aws-iam", 0, 0)), [30, 0, 0, 0]);
}

#[test]
fn aws_steps_60s_is_in_sync_only_when_the_login_crosses_a_step() {
    // Age 62 s: offset -2 stored. The login code (read at phase psi, received
    // 5 s later) lands at verifier step m+1 only when psi >= 25: then m - c =
    // -1 - (-2) ... accepted steps [m-2, m] around c-2: accepted for 5 of 30 s.
    assert_eq!(thirtieths(&scenario("aws-iam", 60_000, 0)), [5, 25, 0, 0]);
}

#[test]
fn aws_shift_60s_differs_from_aws_steps() {
    // Hypothesis (b): shift = (k+1.5)X - ((k+1)X + 62) = -47 s. Login: c =
    // floor((m X + psi + 5 - 47) / X) = m - 2 (psi < 12) or m - 1: with -1..+1,
    // accepted for psi >= 12: 18 of 30 in sync, 12 out of sync (aws-iam: 25).
    assert_eq!(
        thirtieths(&scenario("aws-iam-shift", 60_000, 0)),
        [18, 12, 0, 0]
    );
    // At 90 s both hypotheses agree: shift -77 s puts every login 2..3 steps off.
    assert_eq!(
        thirtieths(&scenario("aws-iam-shift", 90_000, 0)),
        [0, 30, 0, 0]
    );
}

#[test]
fn privacyidea_200s_is_out_of_sync() {
    // resync formula: shift = (k+1.5)X - ((k+1)X + 2 + 200) = -187 s. Login:
    // c = floor((m X + psi + 5 - 187) / X) = m - 7 (psi < 2) or m - 6: the
    // code is 6 or 7 steps ahead, beyond +5: refused at every phase.
    assert_eq!(
        thirtieths(&scenario("privacyidea", 200_000, 0)),
        [0, 30, 0, 0]
    );
    // The old symmetric ±6 with a whole-step offset would have accepted it.
}

#[test]
fn privacyidea_thresholds_follow_from_minus_6_plus_5_and_the_shift() {
    // shift = X/2 - r - d = 13 - d; the login code is accepted iff
    // floor((psi + 5 + 13 - d) / X) lies in [-5, +6], i.e. psi in
    // [d - 168, d + 192). All of [0, 30) for d <= 168 s; from 168.001 s phase
    // 0 ms falls out; none from d - 168 >= 30, i.e. 198 s. The pair is found
    // while floor((2 + d) / X) <= 1000: rejected from d = 30028 s.
    let t = thresholds(&scenario("privacyidea", 0, 0), None);
    assert_eq!(t.in_sync_uncertain_from, Some(168_001));
    assert_eq!(t.out_of_sync_from(), Some(168_001));
    assert_eq!(t.out_of_sync_certain_from, Some(198_000));
    assert_eq!(t.rejected_from(), Some(30_028_000));
    assert_eq!(t.login_fails_from(), None);
}

#[test]
fn aws_thresholds_match_the_step_arithmetic() {
    // Offset -1 from age 30 s (delay 28 s): still certain (window covers 0 and -1).
    // Offset -2 from delay 58 s: in sync only 5/30 (out of sync jumps 0 -> 25/30).
    // Offset -3 from 88 s: never. Offset -11 (outside 10 behind) from 328 s.
    let t = thresholds(&scenario("aws-iam", 0, 0), None);
    assert_eq!(t.in_sync_uncertain_from, Some(58_000));
    assert_eq!(t.out_of_sync_from(), Some(58_000));
    let jump = t.out_of_sync.expect("onset").at;
    assert_eq!(jump.out_of_sync * 30, jump.total() * 25);
    assert_eq!(t.out_of_sync_certain_from, Some(88_000));
    assert_eq!(t.rejected_from(), Some(328_000));
    assert_eq!(t.rejected_certain_from, Some(328_000));
}

#[test]
fn keycloak_at_minus_45s_fails_for_the_clock_not_the_enrollment() {
    // Stateless, -1..+1. Login: m - c = -floor((psi + 45 + 5) / X): -1 for
    // psi < 10, else -2. The enrollment stores nothing, so the ideal
    // enrollment fails alike: 10 in sync, 20 login fails, 0 out of sync.
    // Enrollment: the first code fails for phi >= 10, the retry (read 2 s into
    // a step: -floor(52/30) = -1) always succeeds: never rejected.
    assert_eq!(
        thirtieths(&scenario("keycloak", 5_000, -45_000)),
        [10, 0, 20, 0]
    );
}

#[test]
fn pyotp_login_fails_when_the_code_expires_in_transit() {
    // Window 0: a login code read at phase >= 25 s arrives in the next step.
    // Enrollment: the same for phi >= 25; the retry (phase 2) succeeds.
    assert_eq!(thirtieths(&scenario("pyotp", 0, 0)), [25, 0, 5, 0]);
}

#[test]
fn keycloak_legacy_looks_back_only() {
    // Device 10 s ahead: a login's m - c = -floor((psi - 10 + 5) / X) = +1
    // for psi < 5. Keycloak >= 15 accepts +1; before 15 (-1..0) it does not.
    // The enrollment code likewise: +1 for phi < 10, and its retries (2 s
    // into a step) are +1 too: rejected for 10 of 30 s. Of the rest (20 s),
    // the login fails for 5 of 30 s: in 900ths, 500 in sync, 100 login
    // fails, 300 rejected.
    assert_eq!(thirtieths(&scenario("keycloak", 0, 10_000)), [30, 0, 0, 0]);
    assert_eq!(
        per_900(&scenario("keycloak-legacy", 0, 10_000)),
        [500, 0, 100, 300]
    );
}

#[test]
fn django_stores_the_confirmed_offset() {
    // Device 40 s ahead, delay 5 s: the code's offset is -floor((phi - 35)/X):
    // +2 for phi < 5 (refused; retries read 2 s in: +2 again: rejected), +1
    // otherwise, stored as drift 1. Login: -floor((psi - 35)/X) - 1 is 1 or 0:
    // accepted. 25 in sync, 5 rejected.
    assert_eq!(
        thirtieths(&scenario("django-otp", 5_000, 40_000)),
        [25, 0, 0, 5]
    );
    // Device 40 s behind, delay 0: the code's offset is -floor((phi + 40)/X):
    // -1 for phi < 20, else -2 (refused; the retry, read 2 s into a step, is
    // -1). two-factor-auth's form loop saves -1 as 0 (tried at -1, then
    // again at 0 from the moved base). Login: -floor((psi + 45)/X) is -1 for
    // psi < 15, else -2: refused for half the phases; the ideal drift
    // (nearest step of -40 s: -1) accepts them all: 15 in sync, 15 out of
    // sync, the enrollment's doing. (Were drift = offset, all in sync.)
    assert_eq!(
        thirtieths(&scenario("django-otp", 0, -40_000)),
        [15, 15, 0, 0]
    );
    // Delay 65 s: -floor((phi + 65) / X) is -2 or -3, and every retry
    // (-floor(67 / X) = -2) too: outside -1..+1, rejected.
    assert_eq!(
        thirtieths(&scenario("django-otp", 65_000, 0)),
        [0, 0, 0, 30]
    );
}

#[test]
fn libpam_setup_tool_checks_the_exact_step_and_never_rejects() {
    // Device 20 s ahead, delay 5 s: the verifier step at receipt is
    // k + floor((phi - 15)/X): equal to k only for phi >= 15. Retries read
    // 2 s into a step: always one step ahead: after 3 attempts the person
    // types -1 and the device is enrolled anyway. Logins (-1..+1): m - c is
    // +1 or 0: always accepted.
    let s = scenario("google-authenticator-pam", 5_000, 20_000);
    assert_eq!(thirtieths(&s), [30, 0, 0, 0]);
    let skipped = s.enroll(10_000);
    assert!(matches!(
        skipped.decision,
        skewsim::sim::Decision::Accepted { skipped: true, .. }
    ));
    assert_eq!(skipped.attempts().len(), 3);
    assert!(matches!(
        s.enroll(20_000).decision,
        skewsim::sim::Decision::Accepted {
            skipped: false,
            attempt: 1,
            ..
        }
    ));
}

#[test]
fn libpam_five_minutes_off_enrolls_by_skipping_and_learns_at_the_third_login_code() {
    // 10 steps ahead: the setup tool never matches (skipped, nothing stored);
    // the first login is refused (and would be by any enrollment: login
    // fails, not out of sync); codes of the next two steps give three
    // attempts in consecutive steps with skew 10: TIME_SKEW 10, in at attempt 3.
    let s = scenario("google-authenticator-pam", 5_000, 300_000);
    assert_eq!(thirtieths(&s), [0, 0, 30, 0]);
    let e = s.enroll(10_000);
    let login = s.first_login(&e, 10_000).expect("enrolled");
    assert_eq!((login.gets_in_at, login.healed), (Some(3), true));
    // Without learning nobody gets in.
    let n = scenario("google-authenticator-pam-noskewadj", 5_000, 300_000);
    let login = n.first_login(&n.enroll(10_000), 10_000).expect("enrolled");
    assert_eq!(login.gets_in_at, None);
}

#[test]
fn libpam_drift_over_a_year_recovers_by_learning() {
    // 50 ppm = 4.32 s a day: the device leaves the -1..+1 window after about
    // a week; each time the person's next two codes teach libpam the new skew.
    let mut s = scenario("google-authenticator-pam", 5_000, 0);
    s.drift_ppb = 50_000;
    let year = simulate(&s, 86_400_000, 365, true);
    assert!(
        year.first_attempt_failures() > 10,
        "{}",
        year.first_attempt_failures()
    );
    assert_eq!(year.failed(), 0);
    assert_eq!(year.healed(), year.first_attempt_failures());
    // noskewadj: once out of the window, every later day fails, no resync.
    let mut n = s.clone();
    n.policy = preset("google-authenticator-pam-noskewadj").expect("preset");
    let year = simulate(&n, 86_400_000, 365, true);
    assert!(year.failed() > 300, "{}", year.failed());
    assert_eq!(year.recovered_by_resync(), 0);
    assert!(year.logins.iter().all(|l| l.end != DayEnd::Resynced));
}

#[test]
fn django_and_privacyidea_follow_the_device_one_login_at_a_time() {
    for name in ["django-otp", "privacyidea"] {
        let mut s = scenario(name, 5_000, 0);
        s.drift_ppb = 50_000;
        let year = simulate(&s, 86_400_000, 365, true);
        assert_eq!(year.first_attempt_failures(), 0, "{name}");
    }
    // aws-iam (hypothesis: logins keep the enrollment offset) falls out and
    // is resynced.
    let mut s = scenario("aws-iam", 5_000, 0);
    s.drift_ppb = 50_000;
    let year = simulate(&s, 86_400_000, 365, true);
    assert!(year.recovered_by_resync() > 0);
}

#[test]
fn waiting_a_whole_step_for_code_2_is_rejected() {
    let mut s = scenario("aws-iam", 0, 0);
    s.reaction_ms = 30_000;
    assert_eq!(thirtieths(&s), [0, 0, 0, 30]);
}

#[test]
fn thresholds_agree_with_probabilities_on_either_side() {
    for name in skewsim::sim::policy::preset_names() {
        for skew in [-50_000, -7_000, 0, 12_000, 45_000] {
            let s = scenario(&name, 0, skew);
            let t = thresholds(&s, None);
            let checks: [(Option<i64>, Outcome); 3] = [
                (t.rejected_from(), Outcome::Rejected),
                (t.out_of_sync_from(), Outcome::OutOfSync),
                (t.login_fails_from(), Outcome::LoginFails),
            ];
            for (from, outcome) in checks {
                let Some(d) = from else { continue };
                let mut at = s.clone();
                at.delay_ms = d;
                assert!(
                    probabilities(&at, None).count(outcome) > 0,
                    "{name} skew {skew} {outcome:?} at {d}"
                );
                if d > 0 {
                    at.delay_ms = d - 1;
                    assert_eq!(
                        probabilities(&at, None).count(outcome),
                        0,
                        "{name} skew {skew} {outcome:?} below {d}"
                    );
                }
            }
        }
    }
}

#[test]
fn passlib_refuses_the_enrollment_code_at_a_login_in_the_same_step() {
    // passlib's TOTP.match with last_counter kept from every match, the
    // confirmation's included: the code of step k confirmed at phase phi
    // (no delay) makes last_counter = k. The first login 20 s later shows
    // device step k while phi < 10 s: a match at last_counter is refused
    // (UsedTokenError) and no earlier step is searched, so the person fails
    // that login (storing the true offset changes nothing: login fails).
    // From phi = 10 s the login code is step k + 1, received 5 s after it is
    // read: verifier step k + 1 or k + 2, inside -1..+1. 10 of 30 fail.
    let soon = |policy: &str| Scenario {
        login_after_ms: 20_000,
        ..scenario(policy, 0, 0)
    };
    assert_eq!(thirtieths(&soon("passlib")), [20, 0, 10, 0]);
    // totp-rs keeps no state: the same code again is accepted.
    assert_eq!(thirtieths(&soon("totp-rs")), [30, 0, 0, 0]);
    // A day later the steps are far past last_counter.
    assert_eq!(thirtieths(&scenario("passlib", 0, 0)), [30, 0, 0, 0]);
}

#[test]
fn pam_oath_refuses_the_confirmation_code_at_a_login_in_the_same_step() {
    // pam_oath's confirmation is a first login, whose OTP the users file
    // keeps (liboath usersfile.c); a login 20 s after it shows the same code
    // when the code was read before second 10 of its step (10 of 30
    // enrollment phases): refused as a replay at every login phase, by the
    // real state and the ideal one alike (login fails). Read later, the
    // login shows the next step, 1 or 2 steps inside -5..+5 (in sync).
    let mut s = scenario("pam-oath", 0, 0);
    s.login_after_ms = 20_000;
    assert_eq!(per_900(&s), [600, 0, 300, 0]);
    // A day later nothing is replayed.
    assert_eq!(per_900(&scenario("pam-oath", 0, 0)), [900, 0, 0, 0]);
    // rlm_totp keeps nothing, so the same code is taken again: a login code
    // read at phase psi arrives 5 s later, still in its step (the only one
    // accepted) for psi < 25, whatever the enrollment phase: 25 x 30 of 900.
    let mut r = scenario("freeradius-totp", 0, 0);
    r.login_after_ms = 20_000;
    assert_eq!(per_900(&r), [750, 0, 150, 0]);
}

#[test]
fn a_login_refused_as_a_replay_is_explained_as_one() {
    // pam-oath: the code read 5 s into step k arrives 10 s later and is
    // accepted; the login 10 s after that still shows step k, the code the
    // enrollment used: refused as a replay, not for the clock (which is
    // right), and the next code gets in. passlib, whose confirmation sets
    // last_counter (the same marks_used rule), is explained the same way.
    use skewsim::explain::{Cause, analyse};
    for preset in ["pam-oath", "passlib"] {
        let mut s = scenario(preset, 10_000, 0);
        s.login_after_ms = 10_000;
        let a = analyse(&s, Some(5_000)).expect("an analysis");
        assert_eq!(a.outcome, Outcome::LoginFails, "{preset}");
        let why = &a.why.sentence;
        assert!(
            why.contains("the very code the enrollment used"),
            "{preset}: {why}"
        );
        assert!(
            why.contains("(a replay)") && !why.contains("outside"),
            "{preset}: {why}"
        );
        assert!(
            matches!(
                a.why.causes.first(),
                Some(Cause::Replay {
                    code_minus_used_steps: 0
                })
            ),
            "{preset}: {:?}",
            a.why.causes
        );
        assert!(
            a.fix
                .sentence
                .contains("newer than the one the enrollment used")
                && !a.fix.sentence.contains("network time"),
            "{preset}: {}",
            a.fix.sentence
        );
        assert_eq!(a.thresholds.login_fails_cause, Some("replay"), "{preset}");
        let lines: Vec<&String> = a.run.timeline.iter().flat_map(|e| &e.text).collect();
        assert!(
            lines.iter().any(|l| l.contains("REFUSED as a replay")),
            "{preset}: {lines:?}"
        );
    }
}

/// Issue 23: a resync does not clear privacyIDEA's failure count
/// (resync_token() writes timeShift and otp_count only; check_all() ->
/// check_failcount() refuses until an administrator resets it): ten refused
/// attempts lock the token for good, resync or not.
#[test]
fn privacyidea_stays_locked_through_resyncs() {
    let mut s = scenario("privacyidea", 200_000, 0);
    s.attempts = 10;
    let days = simulate(&s, 86_400_000, 3, true);
    assert_eq!(days.recovered_by_resync(), 0);
    assert_eq!(days.failed(), 3);
    assert_eq!(days.locked(), 3);
    assert!(days.logins.iter().all(|l| l.end == DayEnd::Locked));
    // Three attempts a day stay below the lock: each day's resync lets the
    // next day in.
    s.attempts = 3;
    let days = simulate(&s, 86_400_000, 3, true);
    assert_eq!(days.locked(), 0);
    assert_eq!(days.logins[0].end, DayEnd::Resynced);
}
