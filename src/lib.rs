//! TOTP timing, as a library: an RFC 4226/6238 core that says which step a
//! code matched, a model of how each real verifier handles a late or skewed
//! MFA enrollment (the enrollment refused, or the login then accepted,
//! refused because a wrong offset was stored, or refused anyway), the
//! explanation of one such scenario as a value, a parallel bulk generator,
//! and the conformance vectors with a judge for any implementation.
//!
//! This page is for library users. The `skewsim` command line has its own
//! guide: the README, and `skewsim docs cli` (every document of the project
//! is built into the binary: `skewsim docs` lists them).
//!
//! # What it offers
//!
//! - [`totp`], always built: [`Totp`] codes for any [`Algorithm`] (SHA-1,
//!   SHA-2, SHA-3), 6 to 10 [`Digits`], any [`TimeStep`]; [`hotp()`]; [`Secret`]s
//!   that are zeroized and never printed; [`OtpAuthUri`] parsing and
//!   writing; [`verify()`] over a [`Window`], whose [`Verdict`] carries the
//!   matched offset (the drift a verifier records), and [`resync()`]. Every
//!   failure is a typed [`Error`].
//! - [`sim`]: one enrollment and its logins against a verifier's
//!   [`Policy`](sim::Policy) (the presets, [`sim::presets`], follow each
//!   verifier's source; AWS's two are named hypotheses), exact outcome [`probabilities`](sim::probabilities)
//!   and the delays where the outcome changes ([`thresholds`](sim::thresholds)),
//!   sweeps, Monte Carlo and drift over days.
//! - [`explain`]: [`analyse`](explain::analyse) turns a scenario into an
//!   [`Analysis`](explain::Analysis): the outcome, why, the verifier's own
//!   fix, with the provenance of every inferred number (serializable).
//! - [`bulk`]: codes by the billion, in parallel, streamed into a checksum,
//!   on the fastest variant for the CPU ([`Backend::Auto`](bulk::Backend::Auto)).
//! - [`vectors`]: the conformance vectors built in, and a judge that runs
//!   them through this core or an external command.
//! - [`lab`] and [`probe`]: the model held against a running verifier
//!   through an adapter process, and a verifier's rules measured from
//!   outside (the protocol: `skewsim docs lab`).
//! - [`report`]: CSV and SVG bytes, and an atomic file writer.
//!
//! # Feature flags
//!
//! | feature | brings | crates it adds |
//! | --- | --- | --- |
//! | *(none: the core)* | [`totp`], [`duration`] | hmac, sha1, sha2, sha3, base32, subtle, zeroize, percent-encoding, thiserror |
//! | `sim` | [`sim`], [`explain`] | rayon, chacha20, toml, serde |
//! | `bulk` | [`bulk`] | rayon, keccak |
//! | `vectors` | [`vectors`], [`process`] | csv, rayon, shell-words, nix (Unix) |
//! | `report` | [`report`] (and `sim`) | csv, plotters, tempfile, serde_json |
//! | `lab` | [`lab`], [`probe`], [`process`] (and `sim`) | serde_json, nix (Unix) |
//! | `cli` (default) | all of the above and the `skewsim` binary | clap, indicatif, … |
//!
//! For the TOTP core alone: `skewsim = { …, default-features = false }`;
//! add the features you use.
//!
//! # Examples
//!
//! A code, and a verification that reports the matched offset ([`totp`]):
//!
//! ```
//! use skewsim::{Algorithm, Digits, Secret, TimeStep, Totp, Verdict, Window, verify};
//!
//! // RFC 6238 Appendix B: SHA-256 uses the 32-byte seed, not the 20-byte one.
//! let seed = Secret::from_bytes(b"12345678901234567890123456789012".to_vec())?;
//! let totp = Totp::new(seed, Algorithm::Sha256, Digits::new(8)?, TimeStep::RFC6238);
//! assert_eq!(totp.code_at(59)?.to_string(), "46119246");
//!
//! // A code one step old is accepted by a window of one step each side, at offset -1.
//! let late = totp.code_at(59 - 30)?.to_string();
//! assert_eq!(verify(&totp, &late, 59, Window::symmetric(1))?, Verdict::Accepted { offset: -1 });
//! # Ok::<(), skewsim::Error>(())
//! ```
//!
//! A late two-code enrollment against AWS IAM (its whole-steps hypothesis),
//! and where the outcome changes with the delay ([`sim`]):
//!
//! ```
//! use skewsim::sim::{Outcome, Scenario, preset, probabilities, thresholds};
//!
//! let aws = preset("aws-iam").expect("a built-in preset");
//! let late = Scenario { delay_ms: 90_000, ..Scenario::new(aws) };
//! let p = probabilities(&late, None);
//! assert_eq!(p.most_likely(), Outcome::OutOfSync);
//! assert_eq!(p.p(Outcome::OutOfSync), 1.0);
//! // The least delay at which a wrong offset can be stored: 58 s.
//! assert_eq!(thresholds(&late, None).out_of_sync_from(), Some(58_000));
//! ```
//!
//! The same scenario explained, as `skewsim --delay 90s` prints it ([`explain`]):
//!
//! ```
//! use skewsim::explain::analyse;
//! use skewsim::sim::{Scenario, preset};
//!
//! let late = Scenario { delay_ms: 90_000, ..Scenario::new(preset("aws-iam").expect("a preset")) };
//! let a = analyse(&late, None)?;
//! assert_eq!(a.headline.name, "LOGIN REFUSED, ALL 3 ATTEMPTS");
//! assert!(a.why.sentence.contains("it stored an offset of -3 steps"));
//! assert!(a.fix.sentence.starts_with("resync the device"));
//! # Ok::<(), skewsim::explain::ExplainError>(())
//! ```
//!
//! Many codes of one secret, summed in parallel ([`bulk`]):
//!
//! ```
//! use skewsim::bulk::{Backend, Keyed, steps_checksum};
//! use skewsim::{Algorithm, Digits};
//!
//! // RFC 6238's SHA-1 key, counters 1 and 2 (T = 59 s and the next step).
//! // Backend::Auto: the fastest variant for this CPU, timed on first use.
//! let keyed = Keyed::new(Algorithm::Sha1, b"12345678901234567890", Backend::Auto)?;
//! assert_eq!(steps_checksum(&keyed, 1, 2, Digits::new(8)?), 94_287_082 + 37_359_152);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every built-in conformance vector through this crate's core ([`vectors`]):
//!
//! ```
//! use skewsim::vectors::{Filter, core::check_all, load_built_in};
//!
//! let files = load_built_in()?;
//! let reports = check_all(&files, &Filter::default());
//! assert!(reports.iter().all(|r| r.failures.is_empty()));
//! assert!(reports.iter().map(|r| r.passed).sum::<usize>() > 900);
//! # Ok::<(), skewsim::vectors::LoadError>(())
//! ```
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
//! | [`process`] | external processes (adapters, `vectors --cmd` tools) in their own process group, killed with their children |
//! | [`duration`] | the `90s` / `1m30s` / `-45s` durations of the command line, in integer milliseconds |
//! | [`text`] | text from outside (files, adapters, tools, paths) made safe for a terminal: one escaping rule, one cap |

#[cfg(feature = "bulk")]
pub mod bulk;
pub mod duration;
#[cfg(feature = "sim")]
pub mod explain;
#[cfg(feature = "lab")]
pub mod lab;
#[cfg(feature = "lab")]
pub mod probe;
#[cfg(any(feature = "lab", feature = "vectors"))]
pub mod process;
#[cfg(feature = "report")]
pub mod report;
#[cfg(feature = "sim")]
pub mod sim;
pub mod text;
pub mod totp;
#[cfg(feature = "vectors")]
pub mod vectors;

/// The README's examples, run as doctests (not rendered: the README is the
/// command line's guide, and its links are relative to the repository).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use totp::{
    Algorithm, Code, Digits, Error, OtpAuthUri, OtpKind, Secret, TimeStep, Totp, Verdict, Window,
    hotp, resync, verify,
};
