//! `skewsim policies`: the verifier presets, their parameters and sources.

use std::io::Write;

use clap::Args;
use skewsim::sim::policy::{Provenance, presets};

use crate::error::CliError;

/// Options of `skewsim policies`.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// Also print where every number comes from.
    #[arg(long)]
    pub sources: bool,
}

/// Prints the table.
pub fn run(args: &PoliciesArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let mut o = format!(
        "{:<26} {:>6} {:>6} {:>6} {:<7} {:>6} {:>7}  {}\n",
        "policy", "behind", "ahead", "login", "drift", "replay", "resync", "models"
    );
    for p in presets() {
        o.push_str(&format!(
            "{:<26} {:>6} {:>6} {:>6} {:<7} {:>6} {:>7}  {}\n",
            p.name,
            p.enroll_behind,
            p.enroll_ahead,
            format!("±{}", p.login_window),
            p.track_drift.name(),
            if p.replay_protection { "yes" } else { "no" },
            format!("±{}", p.resync_range),
            p.summary
        ));
        if args.sources {
            for s in p.sources {
                let tag = match s.provenance {
                    Provenance::Documented => "documented",
                    Provenance::Inferred => "INFERRED",
                };
                o.push_str(&format!("    {:<10} {}: {}\n", tag, s.parameter, s.note));
            }
        }
    }
    if !args.sources {
        o.push_str("(behind/ahead: the enrollment pair search, in steps; --sources shows where each number comes from)\n");
    }
    crate::output::write(out, &o)?;
    Ok(0)
}
