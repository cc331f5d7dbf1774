//! Hostile inputs and text (issue 22, inputs and text): what comes from
//! outside (vector files, baselines, paths, standard input, secret files,
//! the environment) reaches the terminal escaped and capped, is read up to
//! a bound, and is named as the user gave it; `report --dir` writes inside
//! its folder only; a sweep of millions of points streams.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const RFC_SEED_HEX: &str = "3132333435363738393031323334353637383930";
/// A base32 secret that must never show up in any output.
const SECRET_B32: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";
/// What a hostile text tries: clear the screen, retitle the window, and
/// begin lines that forge an error and a verdict.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\nerror: forged\nall 9 rows pass";

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skewsim-inputs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn skewsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(args)
        .current_dir(dir)
        .env_remove("SKEWSIM_SECRET")
        .output()
        .expect("the binary runs")
}

/// `script` under `sh -c` in `dir`, `$0` being the binary, with an address
/// space of 1 GB (`ulimit -v`, as the reproductions) and two rayon
/// threads (so the limit holds whatever the machine's core count).
#[cfg(unix)]
fn limited(dir: &Path, script: &str) -> (Output, Duration) {
    let started = Instant::now();
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 1000000 && {script}"))
        .arg(env!("CARGO_BIN_EXE_skewsim"))
        .current_dir(dir)
        .env_remove("SKEWSIM_SECRET")
        .env("RAYON_NUM_THREADS", "2")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    (o, started.elapsed())
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Nothing that could drive a terminal: no control character but the
/// newlines between lines, no escape, no line separator or override.
fn assert_inert(what: &str, shown: &str) {
    let bad: Vec<char> = shown
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c)))
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in {shown:?}");
}

/// No line that a file's text could have forged.
fn assert_no_forged_line(what: &str, shown: &str) {
    for line in shown.lines() {
        assert!(
            !line.starts_with("error: forged") && !line.starts_with("all 9 rows pass"),
            "{what}: forged line {line:?} in {shown}"
        );
    }
}

/// The one `error:` line of a refusal.
fn one_error_line(what: &str, o: &Output) -> String {
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(e.lines().count(), 1, "{what}: {e}");
    assert!(e.starts_with("error: "), "{what}: {e}");
    assert!(o.stdout.is_empty(), "{what}: stdout {:?}", text(o));
    e
}

const TOTP_HEADER: &str = "id,algorithm,secret_hex,digits,period,t0,time,expected,result,comment\n";

/// Item 1: a vector file's name, ids, comments, and what the core gives for
/// its rows (an otpauth row's account) are shown escaped: `vectors --dir`
/// neither clears the screen nor retitles the window nor forges lines, on
/// its table and on its error line. (Before: an otpauth row's decoded
/// account came out raw in its FAIL line.)
#[test]
fn vector_files_cannot_clear_the_screen_retitle_or_forge_lines() {
    let work = temp("vector-text");
    let dir = work.join("dir");
    std::fs::create_dir_all(&dir).expect("dir");
    let quoted = |t: &str| format!("\"{t}\"");
    // A file whose name, id and comment carry the text; its row fails.
    std::fs::write(
        dir.join(format!("evil{HOSTILE}.csv")),
        format!(
            "{TOTP_HEADER}{},sha1,{RFC_SEED_HEX},8,30,0,59,94287083,valid,{}\n",
            quoted(&format!("id{HOSTILE}")),
            quoted(&format!("comment{HOSTILE}"))
        ),
    )
    .expect("write");
    // An otpauth row whose account decodes to the text.
    let encoded: String = HOSTILE
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    std::fs::write(
        dir.join("uri.csv"),
        format!(
            "id,uri,result,kind,secret_hex,issuer,account,algorithm,digits,period,counter,error,comment\n\
             u1,otpauth://totp/Ex:{encoded}?secret=JBSWY3DPEHPK3PXP&issuer=Ex,valid,totp,\
             48656c6c6f21deadbeef,Ex,alice,sha1,6,30,,,c\n"
        ),
    )
    .expect("write");
    let o = skewsim_in(&work, &["vectors", "--dir", "dir"]);
    let shown = text(&o);
    assert_eq!(o.status.code(), Some(1), "{shown}");
    assert_inert("the table", &shown);
    assert_no_forged_line("the table", &shown);
    assert_eq!(
        shown.lines().last(),
        Some("2 rows FAIL, 0 pass (0 skipped)"),
        "{shown}"
    );
    assert!(
        shown.contains("got account=\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nerror: forged"),
        "{shown}"
    );
    // The same text in a row that does not load: one escaped error line.
    for bad_row in [
        format!(
            "{},sha1,{RFC_SEED_HEX},8x,30,0,59,1,valid,c\n",
            quoted(HOSTILE)
        ),
        format!("x,sha1,{RFC_SEED_HEX},8,30,0,59,1,{},c\n", quoted(HOSTILE)),
    ] {
        let dir = work.join("bad");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join(format!("b{HOSTILE}.csv")),
            format!("{TOTP_HEADER}{bad_row}"),
        )
        .expect("write");
        let o = skewsim_in(&work, &["vectors", "--dir", "bad"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let e = one_error_line("a bad row", &o);
        assert!(
            e.starts_with("error: --dir is unusable: bad/b\\u{1b}[2J"),
            "{e}"
        );
        assert_inert("a bad row", &e);
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 1's cap: a 50 MB id is one short line, on the table (a failing
/// row) and in an error (a row that does not load). (Before: the error
/// line was 50 MB.)
#[test]
fn a_50_mb_vector_id_is_shown_capped() {
    let work = temp("vector-huge-id");
    let id = "i".repeat(50_000_000);
    for (name, row, code) in [
        (
            "fails",
            format!("{id},sha1,{RFC_SEED_HEX},8,30,0,59,94287083,valid,c\n"),
            1,
        ),
        (
            "refused",
            format!("{id},sha1,{RFC_SEED_HEX},8x,30,0,59,94287083,valid,c\n"),
            2,
        ),
    ] {
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("x.csv"), format!("{TOTP_HEADER}{row}")).expect("write");
        let o = skewsim_in(&work, &["vectors", "--dir", name]);
        let shown = text(&o);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", &shown[..500]);
        assert!(
            shown.len() < 4_000,
            "{name}: {} bytes: {}…",
            shown.len(),
            &shown[..500]
        );
        assert!(
            shown.contains(&format!("… ({} more characters)", 50_000_000 - 300)),
            "{name}: {shown}"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Criterion's files for one benchmark of `rate` codes/s (the layout
/// `bench_report.rs` pins against a real criterion run); a negative rate
/// is written as a negative time.
fn fake_result(dir: &Path, name: &str, rate: f64) {
    let new = name
        .split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
        .join("new");
    std::fs::create_dir_all(&new).expect("dir");
    let elements = 65_536.0;
    let ns = elements / rate * 1e9;
    std::fs::write(
        new.join("benchmark.json"),
        serde_json::json!({"full_id": name, "throughput": {"Elements": elements}}).to_string(),
    )
    .expect("write");
    std::fs::write(
        new.join("estimates.json"),
        serde_json::json!({"mean": {"point_estimate": ns}}).to_string(),
    )
    .expect("write");
}

/// A run with one speed-up over totp-rs (`w1_steps/sha1/auto/2t vs totp-rs`).
fn fake_run(dir: &Path) {
    fake_result(dir, "w1_steps/sha1/auto/2t", 70e6);
    fake_result(dir, "w1_steps/sha1/totp-rs/2t", 10e6);
}

fn bench_report(work: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .arg("bench-report")
        .args(args)
        .current_dir(work)
        .env_remove("CRITERION_HOME")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("runs")
}

/// Item 1: a baseline's entry names are the baseline file's text: one with
/// escapes and a newline cannot forge bench-report's verdict, and a long
/// one (7 MB, under the 8 MiB bound on a baseline) is capped, in the table
/// and in an error. (Before: printed raw, and whole.)
#[test]
fn baseline_entry_names_cannot_forge_the_verdict_and_are_capped() {
    let work = temp("baseline-text");
    fake_run(&work.join("crit"));
    let forged = format!("x{HOSTILE}\nno speed-up fell by more than 10% against base.json");
    let write = |name: &str, entries: serde_json::Value| {
        std::fs::write(work.join(name), entries.to_string()).expect("write");
    };
    write(
        "forged.json",
        serde_json::json!([
            {"name": "w1_steps/sha1/auto/2t vs totp-rs", "unit": "x", "value": 20.0},
            {"name": forged, "unit": "x", "value": 1.0},
        ]),
    );
    let o = bench_report(
        &work,
        &[
            "--criterion",
            "crit",
            "--out",
            "out",
            "--baseline",
            "forged.json",
        ],
    );
    let shown = text(&o);
    // 7.0 against 20.0: a regression, whatever the names say.
    assert_eq!(o.status.code(), Some(1), "{shown}");
    assert_inert("the comparison", &shown);
    assert_no_forged_line("the comparison", &shown);
    let verdicts: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("no speed-up fell") || l.contains("speed-up(s) fell"))
        .collect();
    assert_eq!(verdicts, ["1 speed-up(s) fell by more than 10%"], "{shown}");
    // A long name: in the table, and in the error of an entry without a value.
    let long = "n".repeat(7_000_000);
    write(
        "long.json",
        serde_json::json!([{"name": long, "unit": "x", "value": 1.0}]),
    );
    write(
        "long-bad.json",
        serde_json::json!([{"name": long, "unit": "x", "value": -1.0}]),
    );
    write("long-string.json", serde_json::json!(long));
    for (file, code) in [
        ("long.json", 0),
        ("long-bad.json", 2),
        ("long-string.json", 2),
    ] {
        let o = bench_report(
            &work,
            &["--criterion", "crit", "--out", "out", "--baseline", file],
        );
        let shown = text(&o);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{file}: {}",
            &shown[..shown.len().min(600)]
        );
        assert!(shown.len() < 4_000, "{file}: {} bytes", shown.len());
        assert!(shown.contains("more characters)"), "{file}: {shown}");
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 1: a path from the command line is shown escaped in the "wrote …"
/// lines (sweep, drift, montecarlo, vectors --export-json) and in errors.
/// (Before: the "wrote" lines printed it raw.)
#[test]
fn paths_in_wrote_lines_are_escaped() {
    let work = temp("paths");
    let out = format!("o{HOSTILE}");
    let runs: [&[&str]; 4] = [
        &[
            "sweep",
            "--delay",
            "0s..10s:5s",
            "--skew",
            "-10s..10s:10s",
            "--out",
            &out,
        ],
        &["drift", "--days", "2", "--out", &out],
        &[
            "montecarlo",
            "--trials",
            "1000",
            "--out",
            &format!("{out}/mc.csv"),
        ],
        &["vectors", "--export-json", &format!("{out}/v.json")],
    ];
    for args in runs {
        let o = skewsim_in(&work, args);
        let shown = text(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {shown}");
        assert!(shown.contains("wrote"), "{args:?}: {shown}");
        assert_inert(args[0], &shown);
        assert_no_forged_line(args[0], &shown);
    }
    // An error naming such a path: one escaped line.
    std::fs::write(work.join("file"), b"a file").expect("write");
    let o = skewsim_in(
        &work,
        &[
            "sweep",
            "--delay",
            "0s..5s:5s",
            "--skew",
            "0s..0s",
            "--out",
            &format!("file/{out}"),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert_inert("an error", &one_error_line("an error", &o));
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 2: standard input is read up to 64 KiB and no further: 2 GB of
/// zeros piped to `--secret -` (and `--secret-hex -`, `--uri -`) end at
/// once with one error line naming the flag, within a 1 GB address space.
/// (Before: read whole, and aborted.)
#[cfg(unix)]
#[test]
fn standard_input_is_read_up_to_a_bound() {
    let work = temp("stdin");
    for flag in ["--secret", "--secret-hex", "--uri"] {
        let (o, took) = limited(
            &work,
            &format!("head -c 2000000000 /dev/zero | \"$0\" code {flag} - --time 59"),
        );
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", text(&o));
        let e = one_error_line(flag, &o);
        assert!(
            e.starts_with(&format!("error: {flag} is longer than 65536 bytes")),
            "{e}"
        );
        assert!(took < Duration::from_secs(30), "{flag}: {took:?}");
    }
    // A key on its first line is read as before, whatever follows it.
    let (o, _) = limited(
        &work,
        "{ echo GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ; head -c 2000000000 /dev/zero; } | \"$0\" code --secret - --time 59",
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "287082\n",
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 2: a secret file past 64 KiB is refused unread (a 3 GB sparse
/// file at once, within a 1 GB address space); one within it still works.
/// (Before: a 3 GB file was read whole.)
#[cfg(unix)]
#[test]
fn a_huge_secret_file_is_refused_unread() {
    use std::os::unix::fs::PermissionsExt;
    let work = temp("secret-file");
    let private = |name: &str| {
        let path = work.join(name);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    };
    std::fs::File::create(work.join("huge.key"))
        .expect("create")
        .set_len(3 << 30)
        .expect("sparse 3 GB");
    private("huge.key");
    std::fs::write(
        work.join("padded.key"),
        format!(
            "{}\n{}",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            " ".repeat(60_000)
        ),
    )
    .expect("write");
    private("padded.key");
    for flag in ["--secret-file", "--uri-file"] {
        let (o, took) = limited(&work, &format!("\"$0\" code {flag} huge.key --time 59"));
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", text(&o));
        let e = one_error_line(flag, &o);
        assert!(
            e.starts_with(&format!("error: {flag} is larger than 65536 bytes")),
            "{e}"
        );
        assert!(took < Duration::from_secs(30), "{flag}: {took:?}");
    }
    let o = skewsim_in(
        &work,
        &["code", "--secret-file", "padded.key", "--time", "59"],
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "287082\n",
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 3: `report --dir DIR` refuses a symbolic link planted inside DIR
/// (`DIR/sweep` pointing elsewhere) before writing anything, with one line
/// naming --dir. (Before: it wrote the sweep's 48 files where the link
/// pointed.)
#[cfg(unix)]
#[test]
fn report_refuses_a_link_planted_in_its_folder() {
    let work = temp("report-link");
    std::fs::create_dir_all(work.join("reports")).expect("dir");
    std::fs::create_dir_all(work.join("elsewhere")).expect("dir");
    for name in ["sweep", "drift", "README.md"] {
        let link = work.join("reports").join(name);
        std::os::unix::fs::symlink(work.join("elsewhere"), &link).expect("symlink");
        let o = skewsim_in(&work, &["report", "--dir", "reports"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        let e = one_error_line(name, &o);
        assert!(
            e.starts_with(&format!(
                "error: --dir holds reports/{name} as a symbolic link"
            )),
            "{e}"
        );
        let elsewhere = std::fs::read_dir(work.join("elsewhere"))
            .expect("dir")
            .count();
        assert_eq!(elsewhere, 0, "{name}: written through the link");
        std::fs::remove_file(&link).expect("unlink");
        assert_eq!(
            std::fs::read_dir(work.join("reports"))
                .expect("dir")
                .count(),
            0,
            "{name}: nothing written"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 3: a `--dir` that cannot be written is named as `--dir` (the flag
/// the user typed), not as the internal commands' `--out`. (A folder under
/// a regular file: unwritable for root as well.)
#[test]
fn report_into_an_unwritable_folder_names_dir() {
    let work = temp("report-unwritable");
    std::fs::write(work.join("file"), b"a file").expect("write");
    let o = skewsim_in(&work, &["report", "--dir", "file/reports"]);
    assert!(matches!(o.status.code(), Some(2 | 3)), "{}", text(&o));
    let e = one_error_line("unwritable", &o);
    assert!(e.starts_with("error: --dir cannot be written"), "{e}");
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 4: a rate that is not a positive finite number is one `error:`
/// line when nothing usable is left, or when a later step fails (the
/// warning about it is told only with a result); a baseline's negative
/// speed-up likewise. (Before: a `warning:` line came first; a negative
/// baseline was compared.)
#[test]
fn bench_report_refuses_a_bad_rate_with_one_error_line() {
    let work = temp("bad-rate");
    // Only a negative rate.
    fake_result(&work.join("negative"), "w1_steps/sha1/auto/2t", -70e6);
    // A good run with an infinite rate beside it, written nowhere writable.
    fake_run(&work.join("mixed"));
    fake_result(
        &work.join("mixed"),
        "w1_steps/sha256/auto/2t",
        f64::INFINITY,
    );
    std::fs::write(work.join("file"), b"a file").expect("write");
    std::fs::write(
        work.join("negative.json"),
        serde_json::json!([{"name": "w1_steps/sha1/auto/2t vs totp-rs", "unit": "x", "value": -7.0}])
            .to_string(),
    )
    .expect("write");
    for (what, args, flag) in [
        (
            "no usable rate",
            vec!["--criterion", "negative", "--out", "out"],
            "--criterion",
        ),
        (
            "a later failure",
            vec!["--criterion", "mixed", "--out", "file/out"],
            "--out",
        ),
        (
            "a negative baseline",
            vec![
                "--criterion",
                "mixed",
                "--out",
                "out",
                "--baseline",
                "negative.json",
            ],
            "--baseline",
        ),
    ] {
        let o = bench_report(&work, &args);
        assert!(
            matches!(o.status.code(), Some(2 | 3)),
            "{what}: {}",
            text(&o)
        );
        let e = one_error_line(what, &o);
        assert!(e.starts_with(&format!("error: {flag} ")), "{what}: {e}");
        assert!(!work.join("out").exists(), "{what}: nothing written");
    }
    // With a result, the warning is told.
    let o = bench_report(&work, &["--criterion", "mixed", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("warning: w1_steps/sha256/auto/2t left out"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 5: a sweep of 4 million points (a 275 MB CSV) is streamed to its
/// temporary, never whole in memory: it runs within a 1 GB address space
/// and writes every row. (Before: built in memory, it aborted.)
#[cfg(unix)]
#[test]
fn a_sweep_of_millions_of_points_streams_within_a_memory_limit() {
    let work = temp("big-sweep");
    let (o, _) = limited(
        &work,
        "exec \"$0\" sweep --delay 0s..1999s:1s --skew 0s..1999s:1s --out big",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("aws-iam: 4000000 points"),
        "{}",
        text(&o)
    );
    let csv = work.join("big/aws-iam.csv");
    let size = std::fs::metadata(&csv).expect("written").len();
    assert!(size > 270_000_000, "{size} bytes");
    // Its last row is the last point of the grid.
    let tail = {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = std::fs::File::open(&csv).expect("open");
        f.seek(SeekFrom::End(-200)).expect("seek");
        let mut t = String::new();
        f.read_to_string(&mut t).expect("read");
        t
    };
    assert!(
        tail.lines()
            .last()
            .is_some_and(|l| l.starts_with("aws-iam,1999000,1999000,")),
        "{tail}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(work.join("big"))
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".skewsim-"))
        .collect();
    assert!(leftovers.is_empty(), "temporaries left: {leftovers:?}");
    let _ = std::fs::remove_dir_all(&work);
}

/// Item 6: with SKEWSIM_SECRET set, another key flag is refused naming the
/// variable, not a `--secret` the user never typed; a typed `--secret`
/// keeps clap's words. The secret never shows.
#[test]
fn a_key_flag_beside_the_secret_variable_names_the_variable() {
    let work = temp("env-secret");
    std::fs::write(work.join("k"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(work.join("k"), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(args)
            .current_dir(&work)
            .env("SKEWSIM_SECRET", SECRET_B32)
            .output()
            .expect("runs")
    };
    for (flag, value) in [
        ("--secret-hex", RFC_SEED_HEX),
        ("--uri", "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ"),
        ("--secret-file", "k"),
        ("--uri-file", "k"),
    ] {
        for command in ["code", "verify"] {
            let mut args = vec![command, flag, value, "--time", "59"];
            if command == "verify" {
                args.extend(["--code", "287082"]);
            }
            let o = run(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
            let e = one_error_line(flag, &o);
            assert!(
                e.starts_with(&format!(
                    "error: {flag} cannot be used with SKEWSIM_SECRET set"
                )),
                "{args:?}: {e}"
            );
            assert!(!e.contains("--secret <"), "{e}");
            assert!(!e.contains(SECRET_B32), "{e}");
        }
    }
    let o = run(&[
        "code",
        "--secret",
        "GEZDGNBVGY3TQOJQ",
        "--secret-hex",
        RFC_SEED_HEX,
    ]);
    let e = one_error_line("typed --secret", &o);
    assert!(e.contains("'--secret <BASE32|->'"), "{e}");
    let _ = std::fs::remove_dir_all(&work);
}
