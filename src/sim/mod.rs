//! The enrollment timing model (no I/O): clocks, verifier policies, one
//! enrollment step by step, and its exact outcome probabilities.
//!
//! [`clock`] does step arithmetic and drift, [`policy`] holds the verifier
//! presets with their sources, [`model`] plays one enrollment and its first
//! login, [`exact`] turns that into probabilities and delay thresholds.

pub mod clock;
pub mod drift;
pub mod exact;
pub mod model;
pub mod montecarlo;
pub mod policy;
pub mod sweep;

pub use exact::{Probabilities, Thresholds, probabilities, thresholds};
pub use model::{Decision, Enrollment, Login, Outcome, RejectReason, Scenario};
pub use policy::{Policy, TrackDrift, preset, presets};
