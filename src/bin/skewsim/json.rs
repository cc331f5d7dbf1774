//! The one JSON schema of `--format json`, as types: every command's result
//! is one of the documents below, inside the envelope
//! `{"schema": 1, "command": "…", …}`. `docs/skewsim.schema.json` is the same
//! contract as a JSON Schema, and `tests/integration/json_schema.rs` holds every
//! command's output against it, so the two cannot drift apart.
//!
//! Conventions: numbers are numbers; a unit is in the name (`_ms`, `_ppm`,
//! `_s`, `_day`); probabilities are fractions in 0..=1; an absent value is
//! `null`, never a missing key; steps in a timeline count from code 1's
//! step (0 is step k, 1 is k+1).

use std::io::Write;

use serde::Serialize;
use skewsim::sim::montecarlo::Dist;

use crate::error::CliError;

/// The version of the schema; it changes when a document's meaning does.
pub const SCHEMA_VERSION: u32 = 1;

/// Text for people, or one JSON document for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: sentences, tables and a timeline.
    Text,
    /// One JSON object, `{"schema": 1, "command": …}`, as its JSON Schema describes (`skewsim docs schema`).
    Json,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema: u32,
    command: &'a str,
    #[serde(flatten)]
    result: &'a T,
}

/// Writes `result` as the pretty-printed document of `command`, with a newline.
pub fn write<T: Serialize>(out: &mut dyn Write, command: &str, result: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(&Envelope {
        schema: SCHEMA_VERSION,
        command,
        result,
    })
    .map_err(|e| CliError::Other(format!("cannot format JSON: {e}")))?;
    text.push('\n');
    crate::output::write(out, &text)
}

// The shared documents live in the library (skewsim::explain::doc), under
// the names the commands use.
pub use skewsim::explain::doc::{ModelDoc as ModelJson, PerOutcome, PolicyDoc as PolicyJson};

/// A distribution of a duration, by its parameters.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DistJson {
    /// Always this value.
    Fixed {
        /// The value.
        value_ms: i64,
    },
    /// Uniform between two values (inclusive).
    Uniform {
        /// Lowest.
        low_ms: i64,
        /// Highest.
        high_ms: i64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean_ms: i64,
        /// Standard deviation.
        sd_ms: i64,
    },
    /// Log-normal: `median × e^(σ·Z)`.
    Lognormal {
        /// Median.
        median_ms: i64,
        /// σ of the underlying normal.
        sigma: f64,
    },
}

impl From<&Dist> for DistJson {
    fn from(d: &Dist) -> Self {
        match *d {
            Dist::Fixed(value_ms) => DistJson::Fixed { value_ms },
            Dist::Uniform { lo, hi } => DistJson::Uniform {
                low_ms: lo,
                high_ms: hi,
            },
            Dist::Normal { mean, sd } => DistJson::Normal {
                mean_ms: mean,
                sd_ms: sd,
            },
            Dist::LogNormal { median, sigma } => DistJson::Lognormal {
                median_ms: median,
                sigma,
            },
        }
    }
}

/// A path as text (lossy for a name that is not UTF-8).
pub fn path_text(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}
