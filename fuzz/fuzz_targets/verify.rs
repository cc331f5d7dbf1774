//! Codes, times and windows: verification never panics or overflows, and an
//! accepted offset lies inside the window.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skewsim::{Algorithm, Digits, Secret, TimeStep, Totp, Verdict, Window, verify};

fuzz_target!(|input: (&str, u64, u64, u64, u8, u8, u8, u8)| {
    let (code, time, period, t0, behind, ahead, digits, alg) = input;
    let Ok(step) = TimeStep::new(period, t0) else {
        return;
    };
    let Ok(digits) = Digits::new(u64::from(6 + digits % 5)) else {
        return;
    };
    let alg = Algorithm::ALL[usize::from(alg) % Algorithm::ALL.len()];
    let Ok(secret) = Secret::from_bytes(b"12345678901234567890".to_vec()) else {
        return;
    };
    let totp = Totp::new(secret, alg, digits, step);
    let window = Window {
        behind: u32::from(behind % 8),
        ahead: u32::from(ahead % 8),
    };
    if let Ok(Verdict::Accepted { offset }) = verify(&totp, code, time, window) {
        assert!(offset >= -i64::from(window.behind) && offset <= i64::from(window.ahead));
    }
});
