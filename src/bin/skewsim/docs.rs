//! `skewsim docs [TOPIC]`: the project's documents, compiled into the
//! binary, so that `--help` and written reports can name them wherever the
//! binary runs (`skewsim docs model`), not only beside the source.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::error::CliError;

/// A document of `docs/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Topic {
    /// The enrollment model and each verifier's rules, with their sources.
    Model,
    /// The command line's contract: commands, outputs, exit codes.
    Cli,
    /// The verifier lab and the adapter protocol.
    Lab,
    /// skewsim probe: a verifier's rules measured from outside.
    Probe,
    /// Policy files, as --policy-file reads them.
    PolicyFiles,
    /// The bulk generator's variants, the benchmarks and the CI dashboard.
    Bench,
    /// The JSON Schema of every --format json document.
    Schema,
    /// The JSON Schema of policy files.
    PolicyFileSchema,
    /// The JSON Schema of the vectors' export (skewsim vectors --export-json).
    VectorsSchema,
    /// Mutation testing of the model and the core: how to run it, the equivalent mutants.
    Mutants,
}

impl Topic {
    /// The document's text: the file of `docs/` in the source it was built from.
    pub fn text(self) -> &'static str {
        match self {
            Topic::Model => include_str!("../../../docs/model.md"),
            Topic::Cli => include_str!("../../../docs/cli.md"),
            Topic::Lab => include_str!("../../../docs/lab.md"),
            Topic::Probe => include_str!("../../../docs/probe.md"),
            Topic::PolicyFiles => include_str!("../../../docs/policy-files.md"),
            Topic::Bench => include_str!("../../../docs/bench.md"),
            Topic::Schema => include_str!("../../../docs/skewsim.schema.json"),
            Topic::PolicyFileSchema => include_str!("../../../docs/policy-file.schema.json"),
            Topic::VectorsSchema => include_str!("../../../docs/vectors.schema.json"),
            Topic::Mutants => include_str!("../../../docs/mutants.md"),
        }
    }
}

/// `skewsim docs`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// The document to print; without one, the list of topics.
    #[arg(value_enum, value_name = "TOPIC")]
    pub topic: Option<Topic>,
}

/// Prints the document, or the topics.
pub fn run(args: &DocsArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let text = match args.topic {
        Some(topic) => topic.text().to_owned(),
        None => {
            let mut text =
                "skewsim docs TOPIC prints one of the project's documents, compiled in:\n"
                    .to_owned();
            for topic in Topic::value_variants() {
                if let Some(value) = topic.to_possible_value() {
                    let help = value
                        .get_help()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    text.push_str(&format!("  {:<20}{help}\n", value.get_name()));
                }
            }
            text
        }
    };
    crate::output::write(out, &text)?;
    Ok(0)
}
