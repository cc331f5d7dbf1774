//! The vector-file loader: no panic on any text, and every code row it
//! accepts holds only what its columns allow (hex, an algorithm name,
//! digits), so nothing else can reach an external command.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skewsim::vectors::load::{VectorSet, parse_text};

fuzz_target!(|text: &str| {
    let Ok(file) = parse_text(std::path::Path::new("fuzz.csv"), text) else {
        return;
    };
    if let VectorSet::Codes(cases) = &file.set {
        for c in cases {
            assert!(c.secret_hex.len() % 2 == 0 && c.secret_hex.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(c.algorithm.parse::<skewsim::Algorithm>().is_ok(), "{:?}", c.algorithm);
            assert!(!c.expected.is_empty() && c.expected.bytes().all(|b| b.is_ascii_digit()));
        }
    }
});
