#![doc = include_str!("../README.md")]
//!
//! # Architecture
//!
//! | module | job |
//! | --- | --- |
//! | [`totp`] | the core: HOTP/TOTP over RustCrypto HMAC, secrets, otpauth URIs, windowed verification |
//! | [`sim`] | the enrollment timing model (no I/O): clocks, verifier policies, one enrollment, exact probabilities, sweeps, Monte Carlo, drift |
//! | [`lab`] | the verifier lab: plays scenarios against a running verifier (an adapter process, JSON lines) and holds each answer against the model |
//! | [`bulk`] | parallel bulk generation: precomputed HMAC key states, SHA-NI interleaved, rayon |
//! | [`report`] | exporters to CSV and SVG (bytes out) and the atomic file writer |
//! | [`vectors`] | the conformance suite: loading `vectors/*.csv` and judging an implementation against them |
//! | [`duration`] | the `90s` / `1m30s` / `-45s` durations of the command line, in integer milliseconds |

pub mod bulk;
pub mod duration;
pub mod lab;
pub mod report;
pub mod sim;
pub mod totp;
pub mod vectors;

pub use totp::{
    Algorithm, Code, Digits, Error, OtpAuthUri, OtpKind, Secret, TimeStep, Totp, Verdict, Window,
    hotp, resync, verify,
};
