//! `skewsim policies`: the verifier presets, their parameters and sources.

use std::io::Write;

use clap::Args;
use serde::Serialize;
use skewsim::sim::policy::{Flow, Policy, Replay, Store, presets, range_text};

use crate::error::CliError;
use crate::json::{Format, PolicyJson};

/// Options of `skewsim policies`.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// Also print where every number comes from (source, documented or INFERRED).
    #[arg(long)]
    pub sources: bool,
    /// Output format (JSON always carries the sources).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print one preset as a policy file (TOML, every parameter with its
    /// provenance), to edit and use with --policy-file.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["sources", "format"], value_parser = crate::scenario::parse_policy)]
    pub export: Option<Policy>,
}

/// `policies`' JSON document.
#[derive(Serialize)]
struct PoliciesJson {
    policies: Vec<PolicyJson>,
}

/// How a policy enrolls, in a few words.
pub fn flow_text(p: &Policy) -> String {
    match p.flow {
        Flow::Pair { search, .. } => format!("pair in {}", range_text(search)),
        Flow::Confirm {
            window,
            skip_allowed,
            marks_used,
            ..
        } => format!(
            "1 code in {}{}{}",
            range_text(window),
            if skip_allowed { ", skippable" } else { "" },
            if marks_used { ", marked used" } else { "" }
        ),
    }
}

/// What a policy stores, at enrollment and at logins.
pub fn store_text(p: &Policy) -> String {
    let short = |s: Store| match s {
        Store::Nothing => "nothing",
        Store::Steps => "steps",
        Store::StepsFormLoop => "steps (form loop)",
        Store::ShiftStart => "shift(start)",
        Store::ShiftCentre => "shift(centre)",
    };
    match p.on_login {
        Store::Nothing => format!("{}, logins keep it", short(p.flow.store())),
        s => format!(
            "{}, logins rewrite it ({})",
            short(p.flow.store()),
            short(s)
        ),
    }
}

/// How a policy heals after a failed login.
pub fn healing_text(p: &Policy) -> String {
    let mut parts = Vec::new();
    if p.learning.is_some() {
        parts.push("learns skew (3 tries)");
    }
    if p.auto_resync.is_some() {
        parts.push("AutoResync");
    }
    if p.resync.is_some() {
        parts.push("resync");
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// One line per parameter: its provenance, what it is, where it comes from.
pub fn source_lines(p: &Policy, indent: &str) -> String {
    p.sources
        .iter()
        .map(|s| {
            format!(
                "{indent}{:<10} {}: {}\n",
                s.provenance.label(),
                s.parameter,
                s.note
            )
        })
        .collect()
}

/// Each column's width: its widest cell, in characters.
fn column_widths<'a, const N: usize>(rows: impl Iterator<Item = &'a [String; N]>) -> [usize; N] {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths
}

/// One line of the table: every cell padded to its column's width, two
/// spaces between columns, nothing trailing.
fn table_row<const N: usize>(cells: &[String; N], widths: &[usize; N]) -> String {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == N {
            line.push_str(cell);
        } else {
            line.push_str(&format!("{cell:<width$}  "));
        }
    }
    line.push('\n');
    line
}

/// Prints the table, or the JSON document.
pub fn run(args: &PoliciesArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    if let Some(policy) = &args.export {
        crate::output::write(out, &skewsim::sim::policy_file::to_toml(policy))?;
        return Ok(0);
    }
    if args.format == Format::Json {
        let doc = PoliciesJson {
            policies: presets().iter().map(PolicyJson::from).collect(),
        };
        return crate::json::write(out, "policies", &doc).map(|()| 0);
    }
    let rows: Vec<(Policy, [String; 6])> = presets()
        .into_iter()
        .map(|p| {
            let cells = [
                p.name.clone(),
                flow_text(&p),
                p.login_range(),
                store_text(&p),
                match p.replay {
                    Replay::Off => "no",
                    Replay::LaterOnly => "later",
                    Replay::SameStep => "same",
                }
                .to_owned(),
                healing_text(&p),
            ];
            (p, cells)
        })
        .collect();
    let header = [
        "policy",
        "enrollment",
        "login",
        "stores",
        "replay",
        "heals by",
    ]
    .map(str::to_owned);
    let widths = column_widths(std::iter::once(&header).chain(rows.iter().map(|(_, c)| c)));
    let mut o = table_row(&header, &widths);
    for (p, cells) in &rows {
        o.push_str(&table_row(cells, &widths));
        o.push_str(&format!(
            "    {}{}\n",
            if p.hypothesis { "HYPOTHESIS: " } else { "" },
            p.summary
        ));
        if args.sources {
            o.push_str(&source_lines(p, "    "));
        }
    }
    o.push_str(
        "(windows are steps relative to the verifier's own; replay: later = only steps after the last accepted, \
         same = the same step refused; --sources shows where each number comes from; `skewsim docs model` explains each verifier)\n",
    );
    crate::output::write(out, &o)?;
    Ok(0)
}
