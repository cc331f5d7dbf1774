//! Hand-computed enrollment cases (the arithmetic is in each comment).

use skewsim::sim::{Outcome, Scenario, preset, probabilities, thresholds};

fn scenario(policy: &str, delay_ms: i64) -> Scenario {
    Scenario {
        delay_ms,
        ..Scenario::new(preset(policy).expect("preset"))
    }
}

/// (rejected, in sync, out of sync) as exact fractions of the total.
fn shares(s: &Scenario) -> (f64, f64, f64) {
    let p = probabilities(s, None);
    (
        p.p(Outcome::Rejected),
        p.p(Outcome::InSync),
        p.p(Outcome::OutOfSync),
    )
}

#[test]
fn aws_90s_is_out_of_sync_for_certain() {
    // Code 2 is read 2 s into step k+1 and arrives 92 s later: the verifier is
    // in step k+4, finds code 2 three steps behind and stores -3. A day later
    // the login code of step m arrives at verifier step m or m+1 and is checked
    // against m-3 ± 1 = [m-4, m-2]: never accepted.
    assert_eq!(shares(&scenario("aws-iam", 90_000)), (0.0, 0.0, 1.0));
}

#[test]
fn aws_0s_is_in_sync_for_certain() {
    // 2 s into step k+1: offset 0; logins at verifier step m or m+1 hit [m-1, m+1].
    assert_eq!(shares(&scenario("aws-iam", 0)), (0.0, 1.0, 0.0));
}

#[test]
fn aws_60s_is_in_sync_only_when_the_login_crosses_a_step() {
    // Age 62 s: offset -2, accepted login steps [s'-3, s'-1]. The login code
    // (read at phase psi, received 5 s later) is one step old at the verifier
    // only when psi >= 25 s: 5 of 30 seconds.
    let (rejected, in_sync, out) = shares(&scenario("aws-iam", 60_000));
    assert_eq!(rejected, 0.0);
    assert!((in_sync - 5.0 / 30.0).abs() < 1e-12, "{in_sync}");
    assert!((out - 25.0 / 30.0).abs() < 1e-12, "{out}");
}

#[test]
fn pyotp_login_fails_when_the_code_expires_in_transit() {
    // Window 0: a login code read at phase >= 25 s arrives in the next step.
    let (_, in_sync, out) = shares(&scenario("pyotp", 0));
    assert!((in_sync - 25.0 / 30.0).abs() < 1e-12);
    assert!((out - 5.0 / 30.0).abs() < 1e-12);
}

#[test]
fn policies_without_stored_offset_reject_instead_of_desyncing() {
    // ±1 step search: 92 s old is 3 steps behind -> rejected.
    for name in [
        "google-authenticator-pam",
        "keycloak",
        "rfc6238",
        "django-otp",
    ] {
        assert_eq!(shares(&scenario(name, 90_000)).0, 1.0, "{name}");
    }
}

#[test]
fn privacyidea_absorbs_90s_in_its_wide_window() {
    // Offset -3 stored, login window ±6: the login lands at -3 ± 6.
    assert_eq!(shares(&scenario("privacyidea", 90_000)), (0.0, 1.0, 0.0));
}

#[test]
fn waiting_a_whole_step_for_code_2_is_rejected() {
    let mut s = scenario("aws-iam", 0);
    s.reaction_ms = 30_000;
    assert_eq!(shares(&s).0, 1.0);
}

#[test]
fn aws_thresholds_match_the_step_arithmetic() {
    // Offset -1 from age 30 s (delay 28 s): still certain (window covers 0 and -1).
    // Offset -2 from delay 58 s: in sync only 5/30. Offset -3 from 88 s: never.
    // Offset -11 (outside 10 behind) from age 330 s = delay 328 s.
    let t = thresholds(&scenario("aws-iam", 0), None);
    assert_eq!(t.in_sync_uncertain_from, Some(58_000));
    assert_eq!(t.out_of_sync_from, Some(58_000));
    assert_eq!(t.out_of_sync_certain_from, Some(88_000));
    assert_eq!(t.rejected_from, Some(328_000));
    assert_eq!(t.rejected_certain_from, Some(328_000));
}

#[test]
fn thresholds_agree_with_probabilities_on_either_side() {
    for name in skewsim::sim::policy::preset_names() {
        for skew in [-50_000, -7_000, 0, 12_000, 45_000] {
            let mut s = scenario(&name, 0);
            s.skew_ms = skew;
            let t = thresholds(&s, None);
            if let Some(d) = t.rejected_from {
                let mut at = s.clone();
                at.delay_ms = d;
                assert!(probabilities(&at, None).rejected > 0, "{name} skew {skew}");
                if d > 0 {
                    at.delay_ms = d - 1;
                    assert_eq!(probabilities(&at, None).rejected, 0, "{name} skew {skew}");
                }
            }
            if let Some(d) = t.out_of_sync_from {
                let mut at = s.clone();
                at.delay_ms = d;
                assert!(
                    probabilities(&at, None).out_of_sync > 0,
                    "{name} skew {skew}"
                );
                if d > 0 {
                    at.delay_ms = d - 1;
                    assert_eq!(
                        probabilities(&at, None).out_of_sync,
                        0,
                        "{name} skew {skew}"
                    );
                }
            }
        }
    }
}
