//! The enrollment timing model (no I/O): clocks, verifier policies and their
//! state, one enrollment step by step, and its exact outcome probabilities.
//!
//! [`clock`] does step arithmetic and drift, [`policy`] holds the verifier
//! policy types and the presets (data: `policies/*.toml`, read by
//! [`policy_file`]), [`State`] (the private `verifier` module) is each verifier's state and
//! rules, [`model`] plays one enrollment and its first login, [`exact`] turns
//! that into probabilities and delay thresholds; [`sweep`], [`montecarlo`]
//! and [`drift`] build on them.

pub mod clock;
pub mod drift;
pub mod exact;
pub mod model;
pub mod montecarlo;
pub mod policy;
pub mod policy_file;
pub mod sweep;
mod verifier;

pub use exact::{Onset, Probabilities, Thresholds, probabilities, thresholds, work};
pub use model::{Decision, Enrollment, Login, Outcome, RejectReason, Scenario};
pub use policy::{
    Flow, Matching, Policy, ReplayCheck, SearchOrder, Store, TrackDrift, preset, presets,
};
pub use verifier::{Codes, Refusal, Search, State, Steps, Verdict};
