//! `skewsim vectors`: the conformance table; exit 1 on any mismatch. With
//! `--export-json`, the vectors as one Wycheproof-shaped JSON document.

use std::io::Write;

use skewsim::vectors::{self, Filter, load_dir};

use serde::Serialize;

use crate::args::VectorsArgs;
use crate::error::CliError;
use crate::json::Format;

/// `vectors`' JSON document: every file's counts and every failure.
#[derive(Serialize)]
struct VectorsJson {
    /// `skewsim` (the core) or `external` (--cmd).
    implementation: &'static str,
    /// The folder given with --dir (null: the built-in vectors).
    dir: Option<String>,
    files: Vec<FileJson>,
    rows: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct FileJson {
    file: String,
    kind: &'static str,
    rows: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    failures: Vec<FailureJson>,
}

#[derive(Serialize)]
struct FailureJson {
    id: String,
    comment: String,
    expected: String,
    got: String,
}

/// Runs the vectors and prints the table.
pub fn run(args: &VectorsArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let files = match &args.dir {
        Some(dir) => load_dir(dir),
        None => vectors::load_built_in(),
    }
    .map_err(|e| CliError::usage("--dir", format!("is unusable: {e}")))?;
    if let Some(path) = &args.export_json {
        return export(&files, path, out);
    }
    let filter = Filter {
        algorithms: args
            .algorithms
            .iter()
            .map(|a| a.name().to_owned())
            .collect(),
        digits: args
            .only_digits
            .iter()
            .map(|d| u64::from(d.get()))
            .collect(),
        valid_only: args.valid_only,
        max_time: args.max_time,
    };
    let reports = match &args.cmd {
        None => vectors::core::check_all(&files, &filter),
        Some(template) => {
            use vectors::external::{ExternalError, Runner, check_all};
            let runner = Runner::new(template, args.shell, args.timeout).map_err(|e| match e {
                ExternalError::Template(why) => CliError::usage("--cmd", why),
                other => CliError::External(format!("--cmd: {other}")),
            })?;
            check_all(&files, &runner, &filter)
                .map_err(|e| CliError::External(format!("--cmd: {e}")))?
        }
    };
    let failed = reports.iter().any(|r| !r.failures.is_empty());
    if args.format == Format::Json {
        let files: Vec<FileJson> = reports
            .iter()
            .map(|r| FileJson {
                file: r.file.clone(),
                kind: r.kind,
                rows: r.passed + r.failures.len() + r.skipped,
                passed: r.passed,
                failed: r.failures.len(),
                skipped: r.skipped,
                failures: r
                    .failures
                    .iter()
                    .map(|f| FailureJson {
                        id: f.id.clone(),
                        comment: f.comment.clone(),
                        expected: f.expected.clone(),
                        got: f.got.clone(),
                    })
                    .collect(),
            })
            .collect();
        let doc = VectorsJson {
            implementation: if args.cmd.is_some() {
                "external"
            } else {
                "skewsim"
            },
            dir: args.dir.as_deref().map(crate::json::path_text),
            rows: files.iter().map(|f| f.rows).sum(),
            passed: files.iter().map(|f| f.passed).sum(),
            failed: files.iter().map(|f| f.failed).sum(),
            skipped: files.iter().map(|f| f.skipped).sum(),
            files,
        };
        crate::json::write(out, "vectors", &doc)?;
    } else {
        crate::output::write(out, &vectors::render_table(&reports))?;
    }
    Ok(u8::from(failed))
}

/// `--export-json FILE`: the document written atomically (or printed for
/// `-`), and one line saying what was written.
fn export(
    files: &[vectors::VectorFile],
    path: &std::path::Path,
    out: &mut dyn Write,
) -> Result<u8, CliError> {
    let json = vectors::export_json(files);
    if path.as_os_str() == "-" {
        crate::output::write(out, &json)?;
        return Ok(0);
    }
    skewsim::report::write_atomic(path, json.as_bytes())
        .map_err(|e| CliError::write_failed("--export-json", &e))?;
    let rows: usize = files.iter().map(vectors::VectorFile::len).sum();
    crate::output::write(
        out,
        &format!(
            "wrote {rows} tests from {} files to {}\n",
            files.len(),
            skewsim::text::path(path)
        ),
    )?;
    Ok(0)
}
