//! Durations: no panic, and formatting what parses gives the same milliseconds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skewsim::duration::{format_ms, parse_duration_ms};

fuzz_target!(|text: &str| {
    if let Ok(ms) = parse_duration_ms(text) {
        assert_eq!(parse_duration_ms(&format_ms(ms)), Ok(ms), "{text:?}");
    }
});
