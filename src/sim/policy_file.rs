//! Policy files: one verifier's rules as TOML, every parameter with its
//! provenance (`docs/policy-files.md`). The presets are such files, built
//! into the library from `policies/`; `--policy-file` reads a user's, and
//! `skewsim probe` writes one from its measurements.
//!
//! The reader takes the TOML as a table and walks it by hand, so that an
//! error names the key and the values it allows, in one line.
//!
//! ```
//! use skewsim::sim::policy_file::{parse, to_toml};
//! use skewsim::sim::preset;
//!
//! let aws = preset("aws-iam").expect("a built-in preset");
//! let text = to_toml(&aws);
//! assert_eq!(parse(&text).expect("its own export reads back"), aws);
//! ```

use std::fmt::Write as _;
use std::sync::Arc;

use toml::{Table, Value};

use super::policy::{
    AutoResync, FailurePenalty, Flow, Learning, Matching, Measured, Policy, Provenance, Replay,
    ReplayCheck, Resync, SearchOrder, Source, Store, Window, range_text,
};

/// The format version a file declares (`format = 1`).
pub const FORMAT: i64 = 1;

/// Why a policy file was refused: the key (dotted, as in the file) and what
/// was wrong with it, or where the TOML itself broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyFileError {
    /// Not TOML at all.
    #[error("line {line}: not valid TOML: {message}")]
    Syntax {
        /// 1-based line of the fault.
        line: usize,
        /// The TOML parser's reason.
        message: String,
    },
    /// A key is missing, unknown, of the wrong type or out of range.
    #[error("key {key}: {message}")]
    Key {
        /// The dotted key (`enrollment.stores`).
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

fn key_error(key: &str, message: impl Into<String>) -> PolicyFileError {
    PolicyFileError::Key {
        key: key.to_owned(),
        message: message.into(),
    }
}

/// The names the files use for what is stored.
const STORES: [(&str, Store); 5] = [
    ("nothing", Store::Nothing),
    ("steps", Store::Steps),
    ("steps-form-loop", Store::StepsFormLoop),
    ("shift-start", Store::ShiftStart),
    ("shift-centre", Store::ShiftCentre),
];

const REPLAYS: [(&str, Replay); 3] = [
    ("off", Replay::Off),
    ("later-only", Replay::LaterOnly),
    ("same-step", Replay::SameStep),
];

const ORDERS: [(&str, SearchOrder); 3] = [
    ("ascending", SearchOrder::Ascending),
    ("nearest-behind-first", SearchOrder::NearestBehindFirst),
    ("nearest-ahead-first", SearchOrder::NearestAheadFirst),
];

const REPLAY_CHECKS: [(&str, ReplayCheck); 3] = [
    ("matched-step", ReplayCheck::MatchedStep),
    ("not-searched", ReplayCheck::NotSearched),
    ("matched-code", ReplayCheck::MatchedCode),
];

const PROVENANCES: [(&str, Provenance); 4] = [
    ("source", Provenance::Source),
    ("documented", Provenance::Documented),
    ("inferred", Provenance::Inferred),
    ("measured", Provenance::Measured),
];

const PENALTIES: [&str; 3] = ["none", "throttle", "lock"];

fn name_of<T: PartialEq + Copy>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("?", |(n, _)| n)
}

/// The file name a store is written with.
pub fn store_name(store: Store) -> &'static str {
    name_of(&STORES, store)
}

/// The file name a replay rule is written with.
pub fn replay_name(replay: Replay) -> &'static str {
    name_of(&REPLAYS, replay)
}

/// The file name a search order is written with.
pub fn order_name(order: SearchOrder) -> &'static str {
    name_of(&ORDERS, order)
}

/// The file name a replay check is written with.
pub fn replay_check_name(check: ReplayCheck) -> &'static str {
    name_of(&REPLAY_CHECKS, check)
}

/// The file name a provenance is written with.
pub fn provenance_name(provenance: Provenance) -> &'static str {
    name_of(&PROVENANCES, provenance)
}

/// Whether a replay check goes with a replay rule: `not-searched` needs a
/// rule, `matched-code` needs `same-step` (a set of codes, not an order).
pub fn matching_fits(replay: Replay, check: ReplayCheck) -> Result<(), String> {
    match (replay, check) {
        (_, ReplayCheck::MatchedStep)
        | (Replay::LaterOnly | Replay::SameStep, ReplayCheck::NotSearched)
        | (Replay::SameStep, ReplayCheck::MatchedCode) => Ok(()),
        (_, check) => Err(format!(
            "\"{}\" does not go with replay = \"{}\" ({})",
            replay_check_name(check),
            replay_name(replay),
            match check {
                ReplayCheck::MatchedCode => "it needs same-step",
                _ => "it needs a replay rule",
            }
        )),
    }
}

/// A TOML basic string, escaped.
fn quoted(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// The policy as a file, in a fixed key order with a comment per section,
/// that [`parse`] reads back to an equal policy.
pub fn to_toml(p: &Policy) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail; the results are ignored below for that reason.
    let _ = writeln!(
        o,
        "# skewsim policy file (skewsim docs policy-files). Windows are steps relative to the\n\
         # verifier's own step: -B..+A reaches B steps behind and A ahead.\n\
         format = {FORMAT}\n\
         name = {}\n\
         summary = {}\n\
         # true: a named guess about a verifier that publishes nothing, not a reading of its source\n\
         hypothesis = {}\n",
        quoted(&p.name),
        quoted(&p.summary),
        p.hypothesis
    );
    let (codes, skippable) = match p.flow {
        Flow::Pair { .. } => (2, false),
        Flow::Confirm { skip_allowed, .. } => (1, skip_allowed),
    };
    let _ = writeln!(
        o,
        "[enrollment]\n\
         # 2: two consecutive codes in one submission; 1: one code, retried with a fresh one\n\
         codes = {codes}\n\
         # where the (last) code's step may lie\n\
         window = {}\n\
         # nothing | steps | steps-form-loop | shift-start | shift-centre\n\
         stores = {}",
        quoted(&range_text(p.flow.window())),
        quoted(store_name(p.flow.store())),
    );
    if codes == 1 {
        let _ = writeln!(
            o,
            "# after the last failed attempt the person may skip the check (libpam's -1)\n\
             skippable = {skippable}"
        );
    }
    // Written only where set, so that the files of the verifiers without it
    // stay as they were.
    if p.flow.marks_used() {
        let _ = writeln!(
            o,
            "# the accepted code counts as used: the login's replay rule refuses it again\n\
             marks_used = true"
        );
    }
    let _ = writeln!(
        o,
        "\n[login]\n\
         window = {}\n\
         # what a successful login writes: nothing | steps | shift-start | ...\n\
         stores = {}\n\
         # off | later-only (only steps after the last accepted) | same-step (recent steps refused)\n\
         replay = {}",
        quoted(&range_text(p.login)),
        quoted(store_name(p.on_login)),
        quoted(replay_name(p.replay)),
    );
    // Written only when not the default, so that a file without them (every
    // file before they existed) stays in the exported form.
    if p.matching.order != SearchOrder::default() {
        let _ = writeln!(
            o,
            "# only when two steps share a code: {}\n\
             search_order = {}",
            ORDERS.map(|(n, _)| n).join(" | "),
            quoted(order_name(p.matching.order)),
        );
    }
    if p.matching.replay_check != ReplayCheck::default() {
        let _ = writeln!(
            o,
            "# only when two steps share a code: {}\n\
             replay_check = {}",
            REPLAY_CHECKS.map(|(n, _)| n).join(" | "),
            quoted(replay_check_name(p.matching.replay_check)),
        );
    }
    o.push('\n');
    o.push_str("[healing]\n");
    if let Some(l) = p.learning {
        let _ = writeln!(
            o,
            "# libpam's skew learning: a failed code searched i < this many steps each side (1500: -1499..+1499)\n\
             skew_learning_search = {}",
            l.search
        );
    }
    if let Some(a) = p.auto_resync {
        let _ = writeln!(
            o,
            "# privacyIDEA's AutoResync: a code in -this..+(this - 1) remembered, the next consecutive one accepted\n\
             auto_resync_search = {}",
            a.search
        );
    }
    let _ = writeln!(o, "# none | throttle (django-otp) | lock (with lock_after)");
    match p.penalty {
        FailurePenalty::None => o.push_str("failures = \"none\"\n"),
        FailurePenalty::Throttle => o.push_str("failures = \"throttle\"\n"),
        FailurePenalty::LockAfter(n) => {
            let _ = writeln!(o, "failures = \"lock\"\nlock_after = {n}");
        }
    }
    if let Some(r) = &p.resync {
        let _ = writeln!(
            o,
            "\n[resync]\n\
             # two consecutive codes; code 2's step searched in the window\n\
             window = {}\n\
             stores = {}\n\
             # how a person asks for it, for the fix text\n\
             how = {}",
            quoted(&range_text(r.search)),
            quoted(store_name(r.store)),
            quoted(&r.how),
        );
    }
    if let Some(m) = &p.measured {
        let _ = writeln!(
            o,
            "\n[measured]\n\
             # what skewsim probe did to find these rules\n\
             date = {}\n\
             verifier = {}\n\
             adapter = {}\n\
             skewsim = {}\n\
             experiments = {}\n\
             failed_logins = {}\n\
             seconds = {}\n\
             evidence = [",
            quoted(&m.date),
            quoted(&m.verifier),
            quoted(&m.adapter),
            quoted(&m.skewsim),
            m.experiments,
            m.failed_logins,
            m.seconds,
        );
        for line in &m.evidence {
            let _ = writeln!(o, "  {},", quoted(line));
        }
        o.push_str("]\n");
    }
    o.push_str("\n# Where each parameter comes from: source (file, function), documented, inferred (why), measured (by skewsim probe).\n");
    for s in p.sources.iter() {
        let _ = writeln!(
            o,
            "[[source]]\nparameter = {}\nprovenance = {}\nnote = {}\n",
            quoted(&s.parameter),
            quoted(provenance_name(s.provenance)),
            quoted(&s.note),
        );
    }
    o
}

/// A table being read: every key taken is remembered, so that the rest can
/// be refused as unknown.
struct Reader<'a> {
    prefix: String,
    table: &'a Table,
    taken: Vec<&'static str>,
}

impl<'a> Reader<'a> {
    fn new(prefix: &str, table: &'a Table) -> Reader<'a> {
        Reader {
            prefix: prefix.to_owned(),
            table,
            taken: Vec::new(),
        }
    }

    fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.taken.push(name);
        self.table.get(name)
    }

    fn required(&mut self, name: &'static str) -> Result<&'a Value, PolicyFileError> {
        let key = self.key(name);
        self.get(name).ok_or_else(|| key_error(&key, "is missing"))
    }

    fn string(&mut self, name: &'static str) -> Result<&'a str, PolicyFileError> {
        let key = self.key(name);
        let v = self.required(name)?;
        v.as_str()
            .ok_or_else(|| key_error(&key, format!("must be a string, not {}", v.type_str())))
    }

    fn opt_string(&mut self, name: &'static str, default: &str) -> Result<String, PolicyFileError> {
        match self.table.get(name) {
            None => {
                self.taken.push(name);
                Ok(default.to_owned())
            }
            Some(_) => self.string(name).map(str::to_owned),
        }
    }

    fn boolean(&mut self, name: &'static str, default: bool) -> Result<bool, PolicyFileError> {
        let key = self.key(name);
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| key_error(&key, "must be true or false")),
        }
    }

    fn integer(
        &mut self,
        name: &'static str,
        lo: i64,
        hi: i64,
    ) -> Result<Option<i64>, PolicyFileError> {
        let key = self.key(name);
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.as_integer() {
                Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
                _ => Err(key_error(
                    &key,
                    format!("must be a whole number from {lo} to {hi}"),
                )),
            },
        }
    }

    fn number(&mut self, name: &'static str) -> Result<f64, PolicyFileError> {
        let key = self.key(name);
        let v = self.required(name)?;
        match v {
            Value::Float(f) if f.is_finite() && *f >= 0.0 => Ok(*f),
            Value::Integer(n) if *n >= 0 => Ok(*n as f64),
            _ => Err(key_error(&key, "must be a number, 0 or more")),
        }
    }

    fn choice<T: Copy>(
        &mut self,
        name: &'static str,
        table: &[(&'static str, T)],
    ) -> Result<T, PolicyFileError> {
        let key = self.key(name);
        let text = self.string(name)?;
        table
            .iter()
            .find(|(n, _)| *n == text)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                key_error(
                    &key,
                    format!(
                        "{} is not one of {}",
                        crate::text::quoted(text),
                        table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                )
            })
    }

    /// [`Reader::choice`], or `default` when the key is absent.
    fn opt_choice<T: Copy>(
        &mut self,
        name: &'static str,
        table: &[(&'static str, T)],
        default: T,
    ) -> Result<T, PolicyFileError> {
        if self.table.contains_key(name) {
            self.choice(name, table)
        } else {
            self.taken.push(name);
            Ok(default)
        }
    }

    fn window(&mut self, name: &'static str) -> Result<Window, PolicyFileError> {
        let key = self.key(name);
        let text = self.string(name)?;
        parse_window(text).ok_or_else(|| {
            key_error(
                &key,
                format!(
                    "{} is not a window -B..+A (steps behind and ahead, each 0 to {MAX_STEPS}; e.g. \"-6..+5\")",
                    crate::text::quoted(text)
                ),
            )
        })
    }

    fn table(&mut self, name: &'static str) -> Result<Option<&'a Table>, PolicyFileError> {
        let key = self.key(name);
        match self.get(name) {
            None => Ok(None),
            Some(Value::Table(t)) => Ok(Some(t)),
            Some(_) => Err(key_error(&key, "must be a table ([section])")),
        }
    }

    /// Refuses any key not taken.
    fn finish(self) -> Result<(), PolicyFileError> {
        let mut unknown: Vec<&String> = self
            .table
            .keys()
            .filter(|k| !self.taken.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(k) => {
                let mut allowed = self.taken.clone();
                allowed.sort_unstable();
                allowed.dedup();
                Err(key_error(
                    &self.key(&crate::text::printable(k)),
                    format!("is not a known key here (known: {})", allowed.join(", ")),
                ))
            }
        }
    }
}

/// The widest window a file may give, each side (as the command line's overrides).
pub const MAX_STEPS: u32 = 100_000;

/// `-6..+5` (or `3` for `-3..+3`).
fn parse_window(text: &str) -> Option<Window> {
    let steps = |t: &str| -> Option<u32> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse::<u32>().ok().filter(|&n| n <= MAX_STEPS)
    };
    match text.split_once("..") {
        None => steps(text).map(Window::symmetric),
        Some((behind, ahead)) => Some(Window {
            behind: steps(behind.strip_prefix('-')?)?,
            ahead: steps(ahead.strip_prefix('+').unwrap_or(ahead))?,
        }),
    }
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads a policy file.
pub fn parse(text: &str) -> Result<Policy, PolicyFileError> {
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| PolicyFileError::Syntax {
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            // The parser's words may quote the file (`duplicate key `…``).
            message: crate::text::printable(e.message().lines().next().unwrap_or("")),
        })?;
    let mut top = Reader::new("", &table);
    if top.integer("format", FORMAT, FORMAT)?.is_none() {
        return Err(key_error(
            "format",
            format!("is missing (this skewsim reads format = {FORMAT})"),
        ));
    }
    let name = top.string("name")?.to_owned();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b))
    {
        return Err(key_error(
            "name",
            "must be 1 to 64 characters of letters, digits, - _ . +",
        ));
    }
    let summary = top.string("summary")?.to_owned();
    let hypothesis = top.boolean("hypothesis", false)?;

    let enrollment = top
        .table("enrollment")?
        .ok_or_else(|| key_error("enrollment", "is missing (the [enrollment] section)"))?;
    let mut e = Reader::new("enrollment", enrollment);
    let codes = e
        .integer("codes", 1, 2)?
        .ok_or_else(|| key_error("enrollment.codes", "is missing (1 or 2)"))?;
    let window = e.window("window")?;
    let store = e.choice("stores", &STORES)?;
    let flow = if codes == 2 {
        Flow::Pair {
            search: window,
            store,
        }
    } else {
        Flow::Confirm {
            window,
            store,
            skip_allowed: e.boolean("skippable", false)?,
            marks_used: e.boolean("marks_used", false)?,
        }
    };
    e.finish()?;

    let login = top
        .table("login")?
        .ok_or_else(|| key_error("login", "is missing (the [login] section)"))?;
    let mut l = Reader::new("login", login);
    let login_window = l.window("window")?;
    let on_login = l.choice("stores", &STORES)?;
    let replay = l.choice("replay", &REPLAYS)?;
    let order = l.opt_choice("search_order", &ORDERS, SearchOrder::default())?;
    let replay_check = l.opt_choice("replay_check", &REPLAY_CHECKS, ReplayCheck::default())?;
    matching_fits(replay, replay_check).map_err(|e| key_error("login.replay_check", e))?;
    l.finish()?;
    if flow.marks_used() && replay == Replay::Off {
        return Err(key_error(
            "enrollment.marks_used",
            "goes only with a replay rule (login.replay = \"later-only\" or \"same-step\")",
        ));
    }

    let empty = Table::new();
    let healing = top.table("healing")?.unwrap_or(&empty);
    let mut h = Reader::new("healing", healing);
    let search = |v: Option<i64>| v.map(|n| n as u32);
    let learning = search(h.integer("skew_learning_search", 1, i64::from(MAX_STEPS))?)
        .map(|search| Learning { search });
    let auto_resync = search(h.integer("auto_resync_search", 1, i64::from(MAX_STEPS))?)
        .map(|search| AutoResync { search });
    let failures = h.opt_string("failures", "none")?;
    let lock_after = h.integer("lock_after", 1, 1_000_000)?;
    let penalty = match (failures.as_str(), lock_after) {
        ("none", None) => FailurePenalty::None,
        ("throttle", None) => FailurePenalty::Throttle,
        ("lock", Some(n)) => FailurePenalty::LockAfter(n as u32),
        ("lock", None) => {
            return Err(key_error(
                "healing.lock_after",
                "is missing: failures = \"lock\" needs the number of failures in a row",
            ));
        }
        ("none" | "throttle", Some(_)) => {
            return Err(key_error(
                "healing.lock_after",
                "goes only with failures = \"lock\"",
            ));
        }
        (other, _) => {
            return Err(key_error(
                "healing.failures",
                format!(
                    "{} is not one of {}",
                    crate::text::quoted(other),
                    PENALTIES.join(", ")
                ),
            ));
        }
    };
    h.finish()?;

    let resync = match top.table("resync")? {
        None => None,
        Some(t) => {
            let mut r = Reader::new("resync", t);
            let search = r.window("window")?;
            let store = r.choice("stores", &STORES)?;
            let how = r.opt_string("how", "the verifier's resync")?;
            r.finish()?;
            Some(Resync {
                search,
                store,
                how: how.into(),
            })
        }
    };

    let measured = match top.table("measured")? {
        None => None,
        Some(t) => {
            let mut m = Reader::new("measured", t);
            let date = m.string("date")?.to_owned();
            let verifier = m.string("verifier")?.to_owned();
            let adapter = m.opt_string("adapter", "")?;
            let skewsim = m.opt_string("skewsim", "")?;
            let experiments = m
                .integer("experiments", 0, i64::from(u32::MAX))?
                .unwrap_or(0) as u32;
            let failed_logins = m
                .integer("failed_logins", 0, i64::from(u32::MAX))?
                .unwrap_or(0) as u32;
            let seconds = m.number("seconds")?;
            let evidence = match m.get("evidence") {
                None => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            key_error("measured.evidence", "must be a list of strings")
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(key_error("measured.evidence", "must be a list of strings")),
            };
            m.finish()?;
            Some(Arc::new(Measured {
                date,
                verifier,
                adapter,
                skewsim,
                experiments,
                failed_logins,
                seconds,
                evidence,
            }))
        }
    };

    let sources = match top.get("source") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let key = format!("source[{i}]");
                let t = item
                    .as_table()
                    .ok_or_else(|| key_error(&key, "must be a table ([[source]])"))?;
                let mut s = Reader::new(&key, t);
                let parameter = s.string("parameter")?.to_owned();
                let provenance = s.choice("provenance", &PROVENANCES)?;
                let note = s.string("note")?.to_owned();
                s.finish()?;
                Ok(Source {
                    parameter,
                    provenance,
                    note,
                })
            })
            .collect::<Result<Vec<_>, PolicyFileError>>()?,
        Some(_) => return Err(key_error("source", "must be a list of [[source]] tables")),
    };
    top.finish()?;

    Ok(Policy {
        name,
        summary: summary.into(),
        hypothesis,
        flow,
        login: login_window,
        on_login,
        replay,
        matching: Matching {
            order,
            replay_check,
        },
        learning,
        auto_resync,
        penalty,
        resync,
        sources: sources.into(),
        measured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    #[test]
    fn every_preset_reads_back_equal() {
        for p in presets() {
            let text = to_toml(&p);
            assert_eq!(parse(&text).as_ref(), Ok(&p), "{}", p.name);
        }
    }

    #[test]
    fn every_preset_file_reads_and_is_named_after_its_file() {
        let mut listed: Vec<&str> = Vec::new();
        for (file, text) in crate::sim::policy::PRESET_FILES {
            let p = parse(text).unwrap_or_else(|e| panic!("policies/{file}: {e}"));
            assert_eq!(format!("{}.toml", p.name), file);
            // The files are the exporter's own output: a hand edit that the
            // exporter would write differently shows here.
            assert_eq!(
                to_toml(&p),
                text,
                "policies/{file} is not in the exported form"
            );
            listed.push(file);
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("policies/ exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        listed.sort_unstable();
        assert_eq!(
            on_disk, listed,
            "PRESET_FILES must list exactly policies/*.toml"
        );
    }

    fn refused(text: &str) -> String {
        match parse(text) {
            Ok(p) => panic!("accepted {}", p.name),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn marks_used_needs_one_code_and_a_replay_rule() {
        let passlib = to_toml(&crate::sim::preset("passlib").expect("preset"));
        assert!(passlib.contains("marks_used = true"));
        assert!(
            refused(
                &passlib
                    .replace("replay = \"later-only\"", "replay = \"off\"")
                    .replace("replay_check = \"not-searched\"\n", "")
            )
            .starts_with("key enrollment.marks_used: goes only with a replay rule")
        );
        let pair = to_toml(&crate::sim::preset("privacyidea").expect("preset"));
        assert!(
            refused(&pair.replace("[login]\n", "marks_used = true\n\n[login]\n"))
                .starts_with("key enrollment.marks_used: is not a known key here")
        );
        let unmarked = passlib.replace("marks_used = true", "marks_used = false");
        assert!(!parse(&unmarked).expect("reads").flow.marks_used());
        // The files of the verifiers without it do not mention it.
        assert!(!to_toml(&crate::sim::preset("pyotp").expect("preset")).contains("marks_used"));
    }

    #[test]
    fn bad_files_name_the_key_and_what_is_allowed() {
        let good = to_toml(&crate::sim::preset("privacyidea").expect("preset"));
        let cases = [
            (
                good.replace("stores = \"shift-centre\"", "stores = \"centre\""),
                "key enrollment.stores: \"centre\" is not one of nothing, steps, steps-form-loop, shift-start, shift-centre",
            ),
            (
                good.replace("replay = \"later-only\"", "replay = 3"),
                "key login.replay: must be a string, not integer",
            ),
            (
                good.replace("window = \"-6..+5\"", "window = \"6..5\""),
                "key login.window: \"6..5\" is not a window -B..+A",
            ),
            (
                good.replace("codes = 2", "codes = 3"),
                "key enrollment.codes: must be a whole number from 1 to 2",
            ),
            (
                good.replace("lock_after = 10\n", ""),
                "key healing.lock_after: is missing",
            ),
            (
                good.replace("[login]\n", "[login]\nwindw = \"-1..+1\"\n"),
                "key login.windw: is not a known key here (known: replay, replay_check, search_order, stores, window)",
            ),
            (
                good.replace("format = 1", "format = 2"),
                "key format: must be a whole number from 1 to 1",
            ),
            (good.replace("format = 1\n", ""), "key format: is missing"),
            (
                good.replace("provenance = \"source\"", "provenance = \"folklore\""),
                "key source[1].provenance: \"folklore\" is not one of source, documented, inferred, measured",
            ),
            (
                "name = \"x\"\nname = \"y\"\n".to_owned(),
                "line 2: not valid TOML",
            ),
            (
                good.replace("name = \"privacyidea\"", "name = \"a/b\""),
                "key name: must be 1 to 64 characters",
            ),
        ];
        for (text, expected) in cases {
            let e = refused(&text);
            assert!(
                e.starts_with(expected),
                "{e:?} does not start with {expected:?}"
            );
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
    }

    #[test]
    fn a_measured_policy_keeps_its_evidence() {
        let mut p = crate::sim::preset("pyotp").expect("preset");
        p.measured = Some(Arc::new(Measured {
            date: "2026-11-29T01:02:03Z".to_owned(),
            verifier: "pyotp 2.12.0 \"quoted\"\tname".to_owned(),
            adapter: "python3 a.py --clock real".to_owned(),
            skewsim: "0.1.0".to_owned(),
            experiments: 7,
            failed_logins: 4,
            seconds: 41.5,
            evidence: vec![
                "1. enroll at +0: accepted".to_owned(),
                "2. ünïcode \\ line".to_owned(),
            ],
        }));
        assert_eq!(parse(&to_toml(&p)), Ok(p));
    }

    #[test]
    fn windows_read_both_forms() {
        assert_eq!(
            parse_window("-6..+5"),
            Some(Window {
                behind: 6,
                ahead: 5
            })
        );
        assert_eq!(
            parse_window("-0..0"),
            Some(Window {
                behind: 0,
                ahead: 0
            })
        );
        assert_eq!(parse_window("2"), Some(Window::symmetric(2)));
        for bad in [
            "",
            "6..5",
            "-6..+",
            "-1..+100001",
            "+1..-1",
            "-x..+1",
            "- 1..+1",
        ] {
            assert_eq!(parse_window(bad), None, "{bad}");
        }
    }
}
