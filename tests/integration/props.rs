//! Property tests: the invariants of the core and the model, on inputs no
//! vector file lists.

use proptest::prelude::*;
use skewsim::duration::parse_duration_ms;
use skewsim::sim::{Scenario, preset, probabilities};
use skewsim::{
    Algorithm, Digits, OtpAuthUri, OtpKind, Secret, TimeStep, Totp, Verdict, Window, verify,
};

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

fn totp() -> impl Strategy<Value = Totp> {
    (
        prop::collection::vec(any::<u8>(), 1..200),
        algorithm(),
        6u64..=10,
        1u64..100_000,
        0u64..1_000_000,
    )
        .prop_map(|(key, alg, digits, period, t0)| {
            Totp::new(
                Secret::from_bytes(key).expect("non-empty"),
                alg,
                Digits::new(digits).expect("in range"),
                TimeStep::new(period, t0).expect("period > 0"),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn codes_are_below_the_modulus_and_zero_padded(t in totp(), time in any::<u64>()) {
        let time = time.max(t.time_step().t0());
        let code = t.code_at(time).expect("time >= t0");
        prop_assert!(u64::from(code.value()) < code.digits().modulus());
        let shown = code.to_string();
        prop_assert_eq!(shown.len(), usize::from(code.digits().get()));
        prop_assert!(shown.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn step_boundaries_are_exact(period in 1u64..=u64::MAX, t0 in any::<u64>(), n in any::<u64>(), r in any::<u64>()) {
        let step = TimeStep::new(period, t0).expect("period > 0");
        if let Some(start) = step.start_of(n) {
            prop_assert_eq!(step.counter_at(start).expect("after t0"), n);
            let inside = start.saturating_add(r % period);
            prop_assert_eq!(step.counter_at(inside).expect("after t0"), n);
            if start > t0 {
                prop_assert_eq!(step.counter_at(start - 1).expect("after t0"), n - 1);
            }
        }
        if t0 > 0 {
            prop_assert!(step.counter_at(t0 - 1).is_err());
        }
    }

    #[test]
    fn base32_round_trips_in_every_form(bytes in prop::collection::vec(any::<u8>(), 1..100)) {
        let secret = Secret::from_bytes(bytes.clone()).expect("non-empty");
        let canonical = secret.to_base32();
        prop_assert_eq!(Secret::from_base32(&canonical).expect("canonical").as_bytes().to_vec(), bytes.clone());
        let lower = canonical.to_lowercase();
        prop_assert_eq!(Secret::from_base32(&lower).expect("lower").as_bytes().to_vec(), bytes.clone());
        let grouped: String = canonical.as_bytes().chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ascii")).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(Secret::from_base32(&grouped).expect("grouped").as_bytes().to_vec(), bytes.clone());
        let mut padded = canonical.to_string();
        while !padded.len().is_multiple_of(8) { padded.push('='); }
        prop_assert_eq!(Secret::from_base32(&padded).expect("padded").as_bytes().to_vec(), bytes.clone());
        prop_assert_eq!(Secret::from_hex(&secret.to_hex()).expect("hex").as_bytes().to_vec(), bytes.clone());
    }

    #[test]
    fn uri_emit_then_parse_round_trips(
        bytes in prop::collection::vec(any::<u8>(), 1..64),
        issuer in proptest::option::of("[^:]{1,20}"),
        account in "[^:\\s][^:]{0,30}",
        alg in algorithm(),
        digits in 6u64..=10,
        counter_or_period in 1u64..=u64::MAX,
        hotp in any::<bool>(),
    ) {
        let uri = OtpAuthUri {
            kind: if hotp { OtpKind::Hotp { counter: counter_or_period } } else { OtpKind::Totp { period: counter_or_period } },
            issuer,
            account,
            secret: Secret::from_bytes(bytes).expect("non-empty"),
            algorithm: alg,
            digits: Digits::new(digits).expect("in range"),
        };
        let text = uri.to_string();
        let parsed: OtpAuthUri = text.parse().expect("our own output parses");
        prop_assert_eq!(parsed, uri);
    }

    #[test]
    fn verify_accepts_exactly_inside_the_window(t in totp(), time in 10_000_000u64..u64::MAX / 2,
                                                behind in 0u32..4, ahead in 0u32..4, shift in -6i64..=6) {
        let time = time.max(t.time_step().t0());
        let now = t.time_step().counter_at(time).expect("time >= t0");
        let submitted = t.code_for_counter(now.checked_add_signed(shift).expect("small shift"));
        let window = Window { behind, ahead };
        let verdict = verify(&t, &submitted.to_string(), time, window).expect("well-formed code");
        let inside = shift >= -i64::from(behind) && shift <= i64::from(ahead);
        match verdict {
            Verdict::Accepted { offset } => {
                prop_assert!(offset >= -i64::from(behind) && offset <= i64::from(ahead));
                let matched = t.code_for_counter(now.checked_add_signed(offset).expect("small"));
                prop_assert_eq!(matched, submitted);
                // The nearest match wins: never farther than the true step when it is inside.
                if inside { prop_assert!(offset.abs() <= shift.abs()); }
            }
            // Only a code outside the window may be rejected.
            Verdict::Rejected => prop_assert!(!inside),
        }
    }

    #[test]
    fn window_is_symmetric(t in totp(), time in 10_000_000u64..1u64 << 60, k in 0i64..4, n in 0u32..4) {
        let time = time.max(t.time_step().t0());
        let now = t.time_step().counter_at(time).expect("time >= t0");
        let at = |shift: i64| t.code_for_counter(now.checked_add_signed(shift).expect("small")).to_string();
        let w = Window::symmetric(n);
        let past = verify(&t, &at(-k), time, w).expect("ok");
        let future = verify(&t, &at(k), time, w).expect("ok");
        if k <= i64::from(n) {
            let both = matches!(past, Verdict::Accepted { .. }) && matches!(future, Verdict::Accepted { .. });
            prop_assert!(both, "inside the window both sides are accepted");
        }
    }

    #[test]
    fn parsers_never_panic(text in "\\PC{0,80}") {
        let _ = Secret::from_base32(&text);
        let _ = Secret::from_hex(&text);
        let _ = text.parse::<OtpAuthUri>();
        let _ = format!("otpauth://totp/{text}").parse::<OtpAuthUri>();
        let _ = format!("otpauth://totp/a?secret=JBSWY3DP&{text}").parse::<OtpAuthUri>();
        let _ = text.parse::<Algorithm>();
        let _ = parse_duration_ms(&text);
        let _ = skewsim::totp::parse_code(&text, Digits::SIX);
    }

    #[test]
    fn duration_parser_never_panics_on_numbers(a in any::<u64>(), b in any::<u64>(), unit in "(ms|s|m|h|d|x)") {
        let _ = parse_duration_ms(&format!("{a}{unit}{b}s"));
        let _ = parse_duration_ms(&format!("-{a}.{b}{unit}"));
    }
}

fn scenario(policy: &str, delay_ms: i64, skew_ms: i64) -> Scenario {
    Scenario {
        delay_ms,
        skew_ms,
        ..Scenario::new(preset(policy).expect("preset exists"))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Waiting longer never makes a rejection less likely or "in sync" more
    /// likely, at zero skew, under every preset.
    #[test]
    fn outcomes_are_monotone_in_delay(d1 in 0i64..1_000_000, extra in 0i64..400_000,
                                     which in 0usize..PRESETS) {
        let name = skewsim::sim::policy::preset_names()[which].clone();
        let a = probabilities(&scenario(&name, d1, 0), None);
        let b = probabilities(&scenario(&name, d1 + extra, 0), None);
        prop_assert!(b.rejected >= a.rejected, "{name}: rejected fell from {a:?} to {b:?}");
        prop_assert!(b.in_sync <= a.in_sync, "{name}: in sync rose from {a:?} to {b:?}");
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// The exact answer (intervals of login phases, pieces of enrollment
    /// phases, every phase with drift) equals a brute-force count of the
    /// state machine over every pair of phases, on a short period; times are
    /// drawn in periods so that every window's edges are reached.
    #[test]
    fn exact_equals_brute_force(period in 20i64..240, delay in 0.0f64..14.0, skew in -8.0f64..8.0,
                                ppb in prop_oneof![Just(0i64), -20_000_000i64..20_000_000],
                                reaction in 0.0f64..1.5, login_delay in 0.0f64..1.5,
                                login_after in 0.0f64..20.0, attempts in 1u32..=4,
                                which in 0usize..PRESETS) {
        let name = skewsim::sim::policy::preset_names()[which].clone();
        let of = |f: f64| (f * period as f64) as i64;
        let s = Scenario {
            period_ms: period,
            delay_ms: of(delay),
            skew_ms: of(skew),
            drift_ppb: ppb,
            reaction_ms: of(reaction),
            login_delay_ms: of(login_delay),
            login_after_ms: of(login_after),
            attempts,
            policy: preset(&name).expect("preset"),
        };
        let exact = probabilities(&s, None);
        let mut brute = [0u128; 4];
        for phi in 0..period {
            for psi in 0..period {
                brute[s.outcome(phi, psi) as usize] += 1;
            }
        }
        prop_assert_eq!([exact.rejected, exact.in_sync, exact.out_of_sync, exact.login_fails], brute, "{}", name);
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Without drift, a one-code enrollment is summed over a few pieces of
    /// enrollment phases; on periods of a few seconds (so that whole-second
    /// time shifts and short login delays matter) that equals the sum over
    /// every phase.
    #[test]
    fn pieces_equal_every_phase(period in 1_000i64..4_000, delay in 0.0f64..8.0, skew in -4.0f64..4.0,
                                reaction in 0.0f64..2.0, login_delay in 0.0f64..2.0, attempts in 1u32..=4,
                                login_after in prop_oneof![Just(86_400_000i64), 0i64..10_000],
                                which in 0usize..CONFIRM_PRESETS.len()) {
        let name = CONFIRM_PRESETS[which];
        let of = |f: f64| (f * period as f64) as i64;
        let s = Scenario {
            period_ms: period,
            delay_ms: of(delay),
            skew_ms: of(skew),
            reaction_ms: of(reaction),
            login_delay_ms: of(login_delay),
            login_after_ms: login_after,
            attempts,
            ..Scenario::new(preset(name).expect("preset"))
        };
        let every = (0..period).map(|phi| probabilities(&s, Some(phi))).fold(
            skewsim::sim::Probabilities::default(), std::ops::Add::add);
        prop_assert_eq!(probabilities(&s, None), every, "{}", name);
    }
}

/// The presets with a one-code enrollment (whose outcome depends on the phase).
const CONFIRM_PRESETS: [&str; 15] = [
    "google-authenticator-pam",
    "google-authenticator-pam-noskewadj",
    "privacyidea-verify",
    "keycloak",
    "keycloak-legacy",
    "pyotp",
    "oathtool",
    "django-otp",
    "otplib",
    "otpauth",
    "speakeasy",
    "pam-oath",
    "freeradius-totp",
    "totp-rs",
    "passlib",
];

/// How many presets there are (the properties draw one by index).
const PRESETS: usize = 19;

#[test]
fn the_preset_lists_are_current() {
    let all = skewsim::sim::presets();
    assert_eq!(all.len(), PRESETS);
    let confirm: Vec<&str> = all
        .iter()
        .filter(|p| !p.flow.is_pair())
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(confirm, CONFIRM_PRESETS);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every bulk backend (SHA extensions where the CPU has them, the portable
    /// precomputed states, and the forced fallback) sums the same codes as the
    /// core, for any key, algorithm, start and length (remainders of the
    /// four-lane path included).
    #[test]
    fn bulk_backends_agree_with_the_core(key in prop::collection::vec(any::<u8>(), 1..150), alg in algorithm(),
                                         first in any::<u64>(), count in 0u64..40, digits in 6u64..=10) {
        use skewsim::bulk::{Backend, Keyed};
        let digits = Digits::new(digits).expect("in range");
        let secret = Secret::from_bytes(key.clone()).expect("non-empty");
        let modulus = digits.modulus();
        let want = (0..count).fold(0u64, |sum, i| {
            let value = skewsim::totp::hotp_value(alg, &secret, first.wrapping_add(i));
            sum.wrapping_add(u64::from(value) % modulus)
        });
        for backend in Backend::ALL {
            // A variant this CPU or algorithm lacks is refused, not run.
            let Ok(keyed) = Keyed::new(alg, &key, backend) else {
                prop_assert!(!backend.runs(alg) || !backend.on_this_cpu());
                continue;
            };
            prop_assert_eq!(skewsim::bulk::steps_checksum(&keyed, first, count, digits), want, "{:?}", backend);
        }
    }

    /// Workload 2 (one code each of many splitmix keys) sums the same codes
    /// as the core on every backend, for any key length (the SHA extensions
    /// take keys of up to a block, a few at a time, with a remainder), any
    /// counter and any code length.
    #[test]
    fn bulk_workload_2_agrees_with_the_core(alg in algorithm(), secrets in 0u64..40, key_len in 1usize..150,
                                            counter in any::<u64>(), digits in 6u64..=10) {
        use skewsim::bulk::{Backend, secrets_checksum, splitmix_key};
        let digits = Digits::new(digits).expect("in range");
        let modulus = digits.modulus();
        let want = (0..secrets).fold(0u64, |sum, i| {
            let mut key = vec![0u8; key_len];
            splitmix_key(i, &mut key);
            let secret = Secret::from_bytes(key).expect("non-empty");
            sum.wrapping_add(u64::from(skewsim::totp::hotp_value(alg, &secret, counter)) % modulus)
        });
        for backend in Backend::ALL {
            match secrets_checksum(alg, backend, secrets, key_len, counter, digits) {
                Ok(got) => prop_assert_eq!(got, want, "{:?}", backend),
                // Refused only when the variant cannot run it here.
                Err(_) => {
                    let workload = skewsim::bulk::Workload::ManySecrets { key_len };
                    prop_assert!(backend.check(alg, workload).is_err());
                }
            }
        }
    }
}

const YEAR_MS: i64 = 365 * 86_400_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Years of delay or skew, drift up to ±1e6 ppm, any period: an exact
    /// answer whose counts add up, never a panic or an overflow.
    #[test]
    fn the_model_holds_at_the_edges(
        delay in prop_oneof![0i64..100 * YEAR_MS, Just(100 * YEAR_MS)],
        skew in prop_oneof![-100 * YEAR_MS..100 * YEAR_MS, Just(-100 * YEAR_MS), Just(100 * YEAR_MS)],
        ppb in prop_oneof![-999_999_999i64..=1_000_000_000, Just(-999_999_999), Just(1_000_000_000), Just(0)],
        reaction in 0i64..100 * YEAR_MS,
        login_after in prop_oneof![0i64..100 * YEAR_MS, Just(100 * YEAR_MS)],
        period in 1i64..=500,
        which in 0usize..PRESETS,
        attempts in 1u32..=10,
    ) {
        let name = skewsim::sim::policy::preset_names()[which].clone();
        let s = Scenario {
            period_ms: period,
            delay_ms: delay,
            skew_ms: skew,
            drift_ppb: ppb,
            reaction_ms: reaction,
            login_delay_ms: 5_000,
            login_after_ms: login_after,
            attempts,
            policy: preset(&name).expect("preset"),
        };
        let p = probabilities(&s, None);
        prop_assert_eq!(p.total(), (period as u128) * (period as u128));
        let t = skewsim::sim::thresholds(&s, Some(0));
        if let Some(d) = t.rejected_from() { prop_assert!(d >= 0); }
    }
}
