//! otpauth URIs: no panic, and what parses emits a URI that parses back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skewsim::OtpAuthUri;

fuzz_target!(|text: &str| {
    for candidate in [
        text.to_owned(),
        format!("otpauth://totp/{text}"),
        format!("otpauth://hotp/a?secret=JBSWY3DP&{text}"),
    ] {
        if let Ok(uri) = candidate.parse::<OtpAuthUri>() {
            // Not representable by the format's own rules (see src/totp/uri.rs).
            if uri.issuer.as_deref().is_some_and(|i| i.contains(':'))
                || uri.account.contains(':')
                || (uri.issuer.is_some() && uri.account.starts_with(' '))
            {
                continue;
            }
            let again: OtpAuthUri = uri.to_string().parse().expect("emitted URI parses");
            assert_eq!(again, uri);
        }
    }
});
