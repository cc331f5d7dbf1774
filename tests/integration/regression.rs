//! Regression tests, each named after the bug it pins down.

use skewsim::OtpAuthUri;

/// Found by the otpauth_uri fuzz target: the parser trimmed all leading
/// whitespace after `issuer:`, so an account starting with a form feed lost
/// it on emit → parse. Only spaces are dropped now.
#[test]
fn fuzz_uri_account_with_leading_form_feed_round_trips() {
    let uri: OtpAuthUri = "otpauth://totp/%0C%0Cjohn?secret=JBSWY3DPEHPK3PXP&issuer=Big+Co"
        .parse()
        .expect("valid");
    assert_eq!(uri.account, "\u{c}\u{c}john");
    let again: OtpAuthUri = uri.to_string().parse().expect("emitted URI parses");
    assert_eq!(again, uri);
}

/// Found by the edge-case properties: with a skew of years and a 1 ms
/// period the threshold search listed one candidate delay per period up to
/// the skew (billions) and ran out of memory. Only the candidates near the
/// enrollment search range are listed now.
#[test]
fn huge_skew_with_tiny_period_has_bounded_thresholds() {
    let s = skewsim::sim::Scenario {
        period_ms: 1,
        skew_ms: 100 * 365 * 86_400_000,
        ..skewsim::sim::Scenario::new(skewsim::sim::preset("aws-iam").expect("preset"))
    };
    let t = skewsim::sim::thresholds(&s, None);
    assert_eq!(t.rejected_from(), Some(0));
}

/// Found by the report test: the threshold candidates were placed from the
/// offset found at the scenario's own delay instead of at delay 0, so a
/// scenario at 90 s reported "rejected: never" for aws-iam.
#[test]
fn thresholds_do_not_depend_on_the_scenario_delay() {
    let base = skewsim::sim::Scenario::new(skewsim::sim::preset("aws-iam").expect("preset"));
    let at_90s = skewsim::sim::Scenario {
        delay_ms: 90_000,
        ..base.clone()
    };
    assert_eq!(
        skewsim::sim::thresholds(&at_90s, None),
        skewsim::sim::thresholds(&base, None)
    );
    assert_eq!(
        skewsim::sim::thresholds(&at_90s, None).rejected_from(),
        Some(328_000)
    );
}
