#![doc = include_str!("../README.md")]
//!
//! # Architecture
//!
//! | module | job |
//! | --- | --- |
//! | [`totp`] | the core: HOTP/TOTP over RustCrypto HMAC, secrets, otpauth URIs, windowed verification |
//! | [`sim`] | the enrollment timing model (no I/O): clocks, verifier policies, one enrollment, exact probabilities, sweeps, Monte Carlo, drift |
//! | [`explain`] | the answer to one scenario as a value: outcome, reason and causes, the verifier's own fix, thresholds, caveats with provenance, one run as a timeline (serializable: the scenario's JSON) |
//! | [`lab`] | the verifier lab: plays scenarios against a running verifier (an adapter process, JSON lines) and holds each answer against the model |
//! | [`probe`] | identifies a live verifier's policy from outside: experiments chosen to split the candidate policies, predicted with the model, answered by an adapter |
//! | [`bulk`] | parallel bulk generation: precomputed HMAC key states, SHA-NI two or four codes interleaved, SHA-512 and Keccak on AVX-512/AVX2 lanes, the fastest variant chosen per CPU at run time, rayon |
//! | [`report`] | exporters to CSV and SVG (bytes out) and the atomic file writer |
//! | [`vectors`] | the conformance suite: loading `vectors/*.csv` and judging an implementation against them |
//! | [`duration`] | the `90s` / `1m30s` / `-45s` durations of the command line, in integer milliseconds |
//!
//! Every module but `totp` and `duration` sits behind a cargo feature:
//! `sim` (which brings `explain` too), `bulk`, `vectors`, `report`, `lab`
//! (which brings `probe`); `cli`, the default, enables them all and the
//! binary. With `default-features =
//! false` the library is the TOTP core alone, on the RustCrypto hashes,
//! base32, subtle, zeroize, percent-encoding and thiserror.

#[cfg(feature = "bulk")]
pub mod bulk;
pub mod duration;
#[cfg(feature = "sim")]
pub mod explain;
#[cfg(feature = "lab")]
pub mod lab;
#[cfg(feature = "lab")]
pub mod probe;
#[cfg(feature = "report")]
pub mod report;
#[cfg(feature = "sim")]
pub mod sim;
pub mod totp;
#[cfg(feature = "vectors")]
pub mod vectors;

pub use totp::{
    Algorithm, Code, Digits, Error, OtpAuthUri, OtpKind, Secret, TimeStep, Totp, Verdict, Window,
    hotp, resync, verify,
};
