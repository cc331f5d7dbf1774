//! Base32 and hex secrets: no panic, and what parses round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skewsim::Secret;

fuzz_target!(|text: &str| {
    if let Ok(secret) = Secret::from_base32(text) {
        let again = Secret::from_base32(&secret.to_base32()).expect("canonical form parses");
        assert_eq!(again, secret);
    }
    if let Ok(secret) = Secret::from_hex(text) {
        assert_eq!(
            Secret::from_hex(&secret.to_hex()).expect("hex parses"),
            secret
        );
    }
});
