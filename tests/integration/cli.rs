//! The command-line contract (docs/cli.md): outputs, exit codes, and
//! the one-line error for every kind of bad input.

use std::process::{Command, Output};

const RFC_SEED_HEX: &str = "3132333435363738393031323334353637383930";
/// A secret that must never show up in any output.
const SECRET_B32: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";

fn skewsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// The binary run in `dir`, away from the source tree.
pub(crate) fn skewsim_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Every `docs/…` path in `text` and every relative Markdown link target
/// exists relative to `base` (the folder the text was written in, or the
/// working folder for what is printed); documents are otherwise named as
/// `skewsim docs TOPIC`, which resolves wherever the binary runs.
fn no_reference_dangles(what: &str, text: &str, base: &std::path::Path) {
    let path_char = |c: char| c.is_ascii_alphanumeric() || "._/-".contains(c);
    let mut references = Vec::new();
    for (at, _) in text.match_indices("docs/") {
        let start = text[..at]
            .rfind(|c: char| !path_char(c))
            .map_or(0, |i| i + 1);
        let end = text[at..]
            .find(|c: char| !path_char(c))
            .map_or(text.len(), |i| at + i);
        references.push(text[start..end].trim_end_matches('.').to_owned());
    }
    for (at, _) in text.match_indices("](") {
        let target = &text[at + 2..];
        let target = &target[..target.find(')').unwrap_or(target.len())];
        if !target.contains("://") && !target.starts_with('#') {
            references.push(target.to_owned());
        }
    }
    for reference in references {
        assert!(
            base.join(&reference).exists(),
            "{what} names {reference}, which is not in {}:\n{text}",
            base.display()
        );
    }
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn code_prints_the_rfc_value_and_a_newline_only() {
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "59",
        "--digits",
        "8",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "94287082\n");
    let o = skewsim(&[
        "code",
        "--secret",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
        "--time",
        "1111111109",
        "--digits",
        "8",
        "--algorithm",
        "SHA256",
    ]);
    assert_eq!(stdout(&o), "68084774\n");
}

#[test]
fn code_from_a_uri_uses_its_parameters() {
    let uri = "otpauth://totp/ACME:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&issuer=ACME";
    let o = skewsim(&["code", "--uri", uri, "--time", "59"]);
    assert_eq!(stdout(&o), "94287082\n", "{}", stderr(&o));
    let hotp = "otpauth://hotp/me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1";
    assert_eq!(stdout(&skewsim(&["code", "--uri", hotp])), "287082\n");
}

/// RFC 4226 Appendix D: the HOTP values of the 20-byte seed for counters 0..9.
#[test]
fn code_counter_gives_the_rfc4226_appendix_d_values() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, want) in expected.iter().enumerate() {
        let counter = counter.to_string();
        let o = skewsim(&["code", "--counter", &counter, "--secret-hex", RFC_SEED_HEX]);
        assert_eq!(o.status.code(), Some(0), "{counter}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{want}\n"), "counter {counter}");
    }
    // The same through a base32 secret and a totp URI (its period does not matter).
    let uri = "otpauth://totp/me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=60";
    let o = skewsim(&["code", "--uri", uri, "--counter", "9"]);
    assert_eq!(stdout(&o), "520489\n", "{}", stderr(&o));
}

/// The rows of a `--window` table: (marked, offset, step, code).
fn window_rows(text: &str) -> Vec<(bool, String, String, String)> {
    text.lines()
        .skip_while(|l| !l.trim_start().starts_with("offset"))
        .skip(1)
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let marked = words[0] == ">";
            let rest = if marked { &words[1..] } else { &words[..] };
            assert_eq!(rest.len(), 3, "{l}");
            (
                marked,
                rest[0].to_owned(),
                rest[1].to_owned(),
                rest[2].to_owned(),
            )
        })
        .collect()
}

#[test]
fn code_window_marks_the_current_step() {
    // RFC 6238's seed at time 59 (step 1): 94287082 is the current code.
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "59",
        "--digits",
        "8",
        "--window",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("  offset  step  code\n"), "{text}");
    let rows = window_rows(&text);
    let s = |v: &str| v.to_owned();
    assert_eq!(
        rows,
        vec![
            // Step -1 does not exist: the window stops at step 0.
            (false, s("-1"), s("0"), s("84755224")),
            (true, s("0"), s("1"), s("94287082")),
            (false, s("+1"), s("2"), s("37359152")),
            (false, s("+2"), s("3"), s("26969429")),
        ],
        "{text}"
    );
    // With --counter: the counters around N, labelled as counters.
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--counter",
        "5",
        "--window",
        "1",
    ]);
    let text = stdout(&o);
    assert!(text.contains("counter"), "{text}");
    let codes: Vec<(bool, String)> = window_rows(&text)
        .into_iter()
        .map(|(m, _, _, c)| (m, c))
        .collect();
    assert_eq!(
        codes,
        vec![
            (false, s("338314")),
            (true, s("254676")),
            (false, s("287922"))
        ]
    );
    // Window 0: the current row alone, still marked.
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--counter",
        "1",
        "--window",
        "0",
    ]);
    assert_eq!(
        window_rows(&stdout(&o)),
        vec![(true, s("0"), s("1"), s("287082"))]
    );
    // JSON: {offset, counter, code}, oldest first.
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "59",
        "--window",
        "1",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["code"], "287082");
    assert_eq!(
        doc["window"],
        serde_json::json!([
            {"offset": -1, "counter": 0, "code": "755224"},
            {"offset": 0, "counter": 1, "code": "287082"},
            {"offset": 1, "counter": 2, "code": "359152"},
        ])
    );
}

#[test]
fn code_verbose_shows_the_step_and_never_the_secret() {
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "59",
        "--digits",
        "8",
        "-v",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let field = |name: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name}: in {text}"))
            .trim()
            .to_owned()
    };
    assert_eq!(field("mode"), "TOTP (RFC 6238)");
    assert_eq!(field("secret"), "20 bytes (not shown)");
    assert_eq!(field("algorithm"), "sha1");
    assert_eq!(field("digits"), "8");
    assert_eq!(field("period"), "30 s");
    assert_eq!(field("time"), "1970-01-01T00:00:59Z (59)");
    assert_eq!(field("step"), "1 (0x1)");
    assert_eq!(field("step start"), "1970-01-01T00:00:30Z (30)");
    assert_eq!(field("step end"), "1970-01-01T00:01:00Z (60)");
    assert_eq!(field("seconds left"), "1");
    // The code is still the last line, after a blank one.
    assert!(text.ends_with("\n\n94287082\n"), "{text}");
    let lower = text.to_lowercase();
    assert!(
        !lower.contains(RFC_SEED_HEX) && !lower.contains("gezdgnbvgy3tqojq"),
        "{text}"
    );
    // A later time in the RFC 6238 table: 2005-03-18T01:58:29Z, step 0x23523EC.
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "1111111109",
        "-v",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("step:         37037036 (0x23523ec)"),
        "{text}"
    );
    assert!(text.contains("2005-03-18T01:58:29Z (1111111109)"), "{text}");
    assert!(text.contains("seconds left: 1\n"), "{text}");
    // HOTP: the counter, and no time at all.
    let o = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--counter",
        "1",
        "--verbose",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("HOTP (RFC 4226)") && text.contains("counter:   1 (0x1)"),
        "{text}"
    );
    assert!(!text.contains("time") && !text.contains("step"), "{text}");
    assert!(text.ends_with("\n\n287082\n"), "{text}");
}

fn is_base32(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

#[test]
fn secret_is_random_base32_of_the_asked_length() {
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let o = skewsim(&["secret"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        let secret = text.strip_suffix('\n').expect("a newline");
        // 20 bytes = 160 bits = 32 base32 symbols, no padding.
        assert_eq!(secret.len(), 32, "{text}");
        assert!(is_base32(secret), "{text}");
        assert!(
            seen.insert(secret.to_owned()),
            "the same secret twice: {secret}"
        );
    }
    for (bytes, symbols) in [("10", 16), ("16", 26), ("32", 52), ("64", 103)] {
        let o = skewsim(&["secret", "--bytes", bytes]);
        let secret = stdout(&o).trim_end().to_owned();
        assert_eq!(secret.len(), symbols, "--bytes {bytes}: {secret}");
        assert!(is_base32(&secret));
        // It is a key skewsim code takes, of that length.
        let o = skewsim(&["code", "--secret", &secret, "--time", "0", "-v"]);
        assert!(
            stdout(&o).contains(&format!("secret:       {bytes} bytes")),
            "{}",
            stdout(&o)
        );
    }
    let o = skewsim(&["secret", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["bytes"], 20);
    assert!(is_base32(doc["secret"].as_str().expect("a string")));
    assert!(doc["uri"].is_null());
}

#[test]
fn secret_uri_is_accepted_back_by_code() {
    let o = skewsim(&[
        "secret",
        "--uri",
        "--issuer",
        "ACME Co",
        "--account",
        "alice@example.com",
        "--algorithm",
        "sha256",
        "--digits",
        "8",
        "--period",
        "60",
        "--bytes",
        "32",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let uri = stdout(&o).trim_end().to_owned();
    assert!(
        uri.starts_with("otpauth://totp/ACME%20Co:alice@example.com?secret="),
        "{uri}"
    );
    assert!(
        uri.contains("&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60"),
        "{uri}"
    );
    let secret = uri
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .expect("a secret parameter");
    assert_eq!(secret.len(), 52, "{uri}");
    // code --uri reads it back with its parameters ...
    let o = skewsim(&["code", "--uri", &uri, "--time", "100", "-v"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "algorithm:    sha256",
        "digits:       8",
        "period:       60 s",
        "secret:       32 bytes",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // ... and gives the code the same key gives with the flags spelled out.
    let by_uri = text.lines().last().expect("the code").to_owned();
    let o = skewsim(&[
        "code",
        "--secret",
        secret,
        "--algorithm",
        "sha256",
        "--digits",
        "8",
        "--period",
        "60",
        "--time",
        "100",
    ]);
    assert_eq!(stdout(&o).trim_end(), by_uri);
    // Without an issuer; JSON holds both the secret and the URI.
    let o = skewsim(&["secret", "--uri", "--account", "bob", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let uri = doc["uri"].as_str().expect("a URI");
    let secret = doc["secret"].as_str().expect("a secret");
    assert_eq!(
        uri,
        format!("otpauth://totp/bob?secret={secret}&algorithm=SHA1&digits=6&period=30")
    );
    assert_eq!(skewsim(&["code", "--uri", uri]).status.code(), Some(0));
}

/// The subcommands, as `--help` lists them.
const SUBCOMMANDS: [&str; 16] = [
    "code",
    "verify",
    "vectors",
    "policies",
    "sweep",
    "montecarlo",
    "drift",
    "lab",
    "probe",
    "report",
    "bulk",
    "bench-report",
    "secret",
    "completions",
    "man",
    "docs",
];

/// Issue 21: run from a folder outside the clone, `--help` and `lab`
/// without `--lab-dir` leave no dangling reference: documents are named as
/// `skewsim docs TOPIC`, and `lab` says where its adapters come from.
#[test]
fn away_from_the_source_no_reference_dangles() {
    let here = temp_dir("away");
    std::fs::create_dir_all(&here).expect("temp dir");
    let mut helps = vec![vec!["--help"], vec!["-h"]];
    for name in SUBCOMMANDS {
        helps.push(vec![name, "--help"]);
    }
    for args in &helps {
        let o = skewsim_in(&here, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        no_reference_dangles(&format!("{args:?}"), &stdout(&o), &here);
    }
    assert!(stdout(&skewsim_in(&here, &["--help"])).contains("skewsim docs model"));
    // No lab folder here, then one that lab/setup.sh has not prepared.
    for (setup, found) in [
        (false, "there is no "),
        (
            true,
            "has no .venv/bin/python (bash lab/setup.sh has not run there)",
        ),
    ] {
        if setup {
            std::fs::create_dir_all(here.join("lab/adapters")).expect("lab dir");
        }
        for command in ["lab", "probe"] {
            let o = skewsim_in(&here, &[command, "--verifier", "pyotp"]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{command}: {err}");
            assert!(o.stdout.is_empty(), "{command}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with("error: --verifier needs the verifier lab: "),
                "{err}"
            );
            for words in [
                "without --lab-dir skewsim looks for ./lab",
                found,
                "Run from a clone after bash lab/setup.sh, or pass --lab-dir DIR",
                "skewsim docs lab",
            ] {
                assert!(err.contains(words), "{command}: {words:?} not in {err}");
            }
            no_reference_dangles(command, &err, &here);
        }
    }
    let o = skewsim_in(
        &here,
        &["lab", "--verifier", "pyotp", "--lab-dir", "elsewhere"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(
            "error: --lab-dir has no elsewhere/.venv/bin/python: run bash lab/setup.sh"
        ),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&here).expect("cleanup");
}

/// `skewsim docs TOPIC` prints the project's documents as they are in docs/.
#[test]
fn docs_prints_the_documents_compiled_in() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let here = temp_dir("docs");
    std::fs::create_dir_all(&here).expect("temp dir");
    let o = skewsim_in(&here, &["docs"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = stdout(&o);
    let topics = [
        ("model", "model.md"),
        ("cli", "cli.md"),
        ("lab", "lab.md"),
        ("probe", "probe.md"),
        ("policy-files", "policy-files.md"),
        ("bench", "bench.md"),
        ("schema", "skewsim.schema.json"),
        ("policy-file-schema", "policy-file.schema.json"),
        ("vectors-schema", "vectors.schema.json"),
        ("mutants", "mutants.md"),
    ];
    for (topic, file) in topics {
        assert!(
            list.contains(&format!("\n  {topic} ")),
            "{topic} not listed:\n{list}"
        );
        let o = skewsim_in(&here, &["docs", topic]);
        assert_eq!(o.status.code(), Some(0), "{topic}: {}", stderr(&o));
        let text = std::fs::read_to_string(root.join("docs").join(file)).expect("docs/");
        assert!(
            stdout(&o) == text,
            "skewsim docs {topic} is not docs/{file}"
        );
    }
    // Every document of docs/ has a topic.
    let files = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .count();
    assert_eq!(
        files,
        topics.len(),
        "add a topic to skewsim docs for the new file"
    );
    let o = skewsim_in(&here, &["docs", "modle"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.starts_with("error: invalid value 'modle' for '[TOPIC]'") && err.contains("model"),
        "{err}"
    );
    std::fs::remove_dir_all(&here).expect("cleanup");
}

#[test]
fn completions_and_the_man_page() {
    let o = skewsim(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bash = stdout(&o);
    for name in SUBCOMMANDS {
        assert!(bash.contains(name), "bash completion lacks {name}");
    }
    assert!(bash.contains("--counter") && bash.contains("--verbose"));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = skewsim(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        assert!(stdout(&o).contains("secret"), "{shell}");
    }
    let o = skewsim(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains(".TH skewsim 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS") && page.contains("skewsim\\-secret(1)"));
    let o = skewsim(&["man", "code"]);
    let page = stdout(&o);
    assert!(page.contains(".TH skewsim-code 1"), "{page}");
    assert!(
        page.contains("\\-\\-counter") && page.contains("\\-\\-window"),
        "{page}"
    );
}

#[test]
fn verify_reports_the_offset_or_rejects() {
    // 1111111109 is step 0x23523EC; the code of the step before is accepted at -1.
    let prev = skewsim(&["code", "--secret-hex", RFC_SEED_HEX, "--time", "1111111079"]);
    let code = stdout(&prev).trim().to_owned();
    let o = skewsim(&[
        "verify",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "1111111109",
        "--code",
        &code,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "accepted offset=-1\n");
    let o = skewsim(&[
        "verify",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        "1111111109",
        "--code",
        &code,
        "--window",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "rejected\n");
}

/// Every case: exit 2, nothing on stdout, exactly one line `error: …` that
/// names the argument, and never the secret.
#[test]
fn bad_input_gets_one_error_line_and_exit_2() {
    let s = SECRET_B32;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["code", "--secret", "GEZ!GNBV", "--time", "0"],
            "--secret",
        ),
        (
            vec![
                "code",
                "--secret",
                "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZL1",
                "--time",
                "0",
            ],
            "--secret",
        ),
        (vec!["code", "--secret", "", "--time", "0"], "--secret"),
        (vec!["code", "--secret", "ABC", "--time", "0"], "--secret"),
        (
            vec!["code", "--secret-hex", "31g2", "--time", "0"],
            "--secret-hex",
        ),
        (
            vec!["code", "--secret-hex", "313", "--time", "0"],
            "--secret-hex",
        ),
        (
            vec!["code", "--secret", s, "--algorithm", "md5", "--time", "0"],
            "--algorithm",
        ),
        (
            vec!["code", "--secret", s, "--digits", "5", "--time", "0"],
            "--digits",
        ),
        (
            vec!["code", "--secret", s, "--digits", "11", "--time", "0"],
            "--digits",
        ),
        (
            vec!["code", "--secret", s, "--digits", "six", "--time", "0"],
            "--digits",
        ),
        (
            vec!["code", "--secret", s, "--period", "0", "--time", "0"],
            "--period",
        ),
        (
            vec!["code", "--secret", s, "--period", "-30", "--time", "0"],
            "--period",
        ),
        (vec!["code", "--secret", s, "--time", "-1"], "--time"),
        (
            vec!["code", "--secret", s, "--time", "18446744073709551616"],
            "--time",
        ),
        (vec!["code", "--secret", s, "--time", "yesterday"], "--time"),
        (
            vec!["code", "--secret", s, "--time", "5", "--t0", "10"],
            "--time",
        ),
        (vec!["code", "--time", "0"], "--secret"),
        (
            vec!["code", "--secret", s, "--secret-hex", "3132", "--time", "0"],
            "--secret",
        ),
        (
            vec![
                "code",
                "--uri",
                "https://totp/a?secret=JBSWY3DP",
                "--time",
                "0",
            ],
            "--uri",
        ),
        (
            vec!["code", "--uri", "otpauth://totp/a?issuer=X", "--time", "0"],
            "--uri",
        ),
        (
            vec![
                "code",
                "--uri",
                "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=abc",
                "--time",
                "0",
            ],
            "--uri",
        ),
        (
            vec![
                "code",
                "--uri",
                "otpauth://totp/a%zz?secret=JBSWY3DPEHPK3PXP",
                "--time",
                "0",
            ],
            "--uri",
        ),
        (
            vec![
                "code",
                "--uri",
                "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP",
                "--digits",
                "8",
            ],
            "--digits",
        ),
        (
            vec!["verify", "--secret", s, "--code", "12345a", "--time", "0"],
            "--code",
        ),
        (
            vec!["verify", "--secret", s, "--code", "12345", "--time", "0"],
            "--code",
        ),
        (
            vec![
                "verify", "--secret", s, "--code", "123456", "--window", "-1",
            ],
            "--window",
        ),
        (
            vec![
                "verify",
                "--secret",
                s,
                "--code",
                "123456",
                "--window",
                "99999999999",
            ],
            "--window",
        ),
        (vec!["vectors", "--dir", "/nonexistent/vectors"], "--dir"),
        (vec!["vectors", "--cmd", "true"], "--cmd"),
        // A folder is not a file to replace; --export-json does not run anything.
        (vec!["vectors", "--export-json", "/tmp"], "--export-json"),
        (
            vec!["vectors", "--export-json", "v.json", "--cmd", "echo {time}"],
            "--export-json",
        ),
        (
            vec!["vectors", "--export-json", "v.json", "--format", "json"],
            "--export-json",
        ),
        (vec!["--delay", "90x"], "--delay"),
        (vec!["--delay", "ninety"], "--delay"),
        (vec!["--delay", "-5s"], "--delay"),
        (vec!["--delay", "1e999s"], "--delay"),
        (vec!["--skew", "NaN"], "--skew"),
        (vec!["--drift-ppm", "inf"], "--drift-ppm"),
        (vec!["--drift-ppm", "-1000000"], "--drift-ppm"),
        (vec!["--policy", "aws"], "--policy"),
        (vec!["--format", "xml"], "--format"),
        (vec!["--period", "0s"], "--period"),
        (vec!["--phase", "31s"], "--phase"),
        (vec!["--track-drift", "sometimes"], "--track-drift"),
        (vec!["--login-window", "x"], "--login-window"),
        (vec!["--delay", "200000d"], "--delay"),
        (vec!["--bogus"], "--bogus"),
        // HOTP: the time flags mean nothing with a counter.
        (
            vec!["code", "--secret", s, "--counter", "1", "--time", "5"],
            "--time",
        ),
        (
            vec!["code", "--secret", s, "--counter", "1", "--period", "60"],
            "--period",
        ),
        (
            vec!["code", "--secret", s, "--counter", "1", "--t0", "60"],
            "--t0",
        ),
        (
            vec![
                "code",
                "--uri",
                "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=1",
                "--time",
                "5",
            ],
            "--time",
        ),
        (vec!["code", "--secret", s, "--counter", "-1"], "--counter"),
        (
            vec!["code", "--secret", s, "--counter", "18446744073709551616"],
            "--counter",
        ),
        (
            vec!["code", "--secret", s, "--window", "100001"],
            "--window",
        ),
        (vec!["code", "--secret", s, "--window", "-1"], "--window"),
        (vec!["secret", "--bytes", "5"], "--bytes"),
        (vec!["secret", "--bytes", "65"], "--bytes"),
        (vec!["secret", "--bytes", "twenty"], "--bytes"),
        (vec!["secret", "--issuer", "ACME"], "--issuer"),
        (vec!["secret", "--digits", "8"], "--digits"),
        (vec!["secret", "--uri"], "--account"),
        (vec!["secret", "--uri", "--account", "a:b"], "--account"),
        (vec!["secret", "--uri", "--account", " "], "--account"),
        (
            vec!["secret", "--uri", "--account", "a", "--issuer", "X:Y"],
            "--issuer",
        ),
        (
            vec!["secret", "--uri", "--account", "a", "--period", "0"],
            "--period",
        ),
        (vec!["completions", "tcsh"], "<SHELL>"),
        (vec!["completions"], "<SHELL>"),
        (vec!["man", "nope"], "COMMAND"),
    ];
    for (args, arg) in cases {
        let o = skewsim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            o.stdout.is_empty(),
            "{args:?} printed to stdout: {}",
            stdout(&o)
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(arg), "{args:?}: does not name {arg}: {err}");
        assert!(
            !err.contains(s) && !err.contains("KRSXG5CTMVRXEZL"),
            "{args:?}: secret shown: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn help_and_version_succeed() {
    for args in [&["--help"][..], &["code", "--help"], &["--version"]] {
        let o = skewsim(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!o.stdout.is_empty());
    }
}

#[test]
fn vectors_pass_through_the_core() {
    let o = skewsim(&["vectors"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("all ") && stdout(&o).contains(" rows pass"));
}

#[test]
fn vectors_catch_a_wrong_external_implementation() {
    // A "TOTP tool" that always prints the same code fails almost every row.
    let o = skewsim(&["vectors", "--shell", "--cmd", "echo 755224 # {time}"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAIL totp_rfc6238.csv rfc6238-b-sha1-59"));
}

/// One that ignores T0 fails exactly the rows with T0 != 0 (oathtool, told T0 = 0).
#[test]
#[cfg_attr(not(skewsim_oathtool), ignore = "needs oathtool on PATH")]
fn vectors_catch_oathtool_told_the_wrong_t0() {
    require_oathtool();
    let o = skewsim(&[
        "vectors",
        "--cmd",
        "oathtool --totp={algorithm} -d {digits} -s {period}s -N @{time} {secret_hex}",
        "--algorithms",
        "sha1,sha256,sha512",
        "--only-digits",
        "6,7,8",
        "--max-time",
        "9223372036854775807",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("T0"), "{}", stdout(&o));
}

/// A folder with one small vector file (the first `rows` rows of RFC 6238's).
fn small_vectors(name: &str, rows: usize) -> std::path::PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).expect("dir");
    let full = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/totp_rfc6238.csv"),
    )
    .expect("rfc vectors");
    let mut lines = full.lines();
    let mut out = String::new();
    // The source comment and the header, then the rows.
    for line in lines.by_ref() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("id,") {
            break;
        }
    }
    for line in lines.take(rows) {
        out.push_str(line);
        out.push('\n');
    }
    std::fs::write(dir.join("t.csv"), out).expect("write");
    dir
}

/// Issue 13, case 1: a value in a vector file never reaches a shell.
#[test]
fn regression_vector_file_shell_injection() {
    let dir = small_vectors("inject", 1);
    let file = dir.join("t.csv");
    let text = std::fs::read_to_string(&file).expect("read");
    let evil = text.replace(
        "3132333435363738393031323334353637383930,",
        "3132;touch PWNED;#,",
    );
    assert_ne!(text, evil);
    std::fs::write(&file, evil).expect("write");
    let pwned = dir.join("PWNED");
    for shell in [false, true] {
        let mut args = vec![
            "vectors",
            "--dir",
            dir.to_str().expect("utf-8"),
            "--cmd",
            "echo {secret_hex} {time}",
        ];
        if shell {
            args.push("--shell");
        }
        let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("column secret_hex is not an even number of hex digits"),
            "{}",
            stderr(&o)
        );
        assert!(!pwned.exists(), "the injected command ran");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 13, case 7: without --shell, metacharacters in the template are
/// plain text in one argument; the tool's output is parsed, never echoed raw.
#[test]
fn regression_cmd_runs_without_a_shell_and_output_is_escaped() {
    let dir = small_vectors("noshell", 2);
    let d = dir.to_str().expect("utf-8");
    let o = skewsim(&["vectors", "--dir", d, "--cmd", "echo {time};touch PWNED"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!std::path::Path::new("PWNED").exists() && !dir.join("PWNED").exists());
    assert!(
        stdout(&o).contains("not a code: '59;touch PWNED'"),
        "{}",
        stdout(&o)
    );
    // A forged result line and a terminal escape are escaped, not printed.
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--cmd",
        "printf \\033[2Jall\\npass\\n%s {time}",
    ]);
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(!text.lines().any(|l| l == "pass"), "{text}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 13, case 7 and issue 10: a hanging tool is killed after --timeout
/// and named; a missing tool is an error (exit 3), not a mismatch.
#[test]
fn regression_cmd_timeout_and_missing_tool() {
    let dir = small_vectors("hang", 1);
    let d = dir.to_str().expect("utf-8");
    let started = std::time::Instant::now();
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--cmd",
        "sleep 100 {time}",
        "--timeout",
        "500ms",
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did not finish within"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("rfc6238-b-sha1-59"), "{}", stderr(&o));
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--cmd",
        "no-such-tool-skewsim {time}",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot start 'no-such-tool-skewsim'"),
        "{}",
        stderr(&o)
    );
    // Time limits take the one duration convention (or whole seconds).
    for (args, why) in [
        (
            vec!["vectors", "--cmd", "true", "--timeout", "0s"],
            "'--timeout <DUR>': zero",
        ),
        (
            vec!["vectors", "--cmd", "true", "--timeout", "2h"],
            "'--timeout <DUR>': out of range",
        ),
        (
            vec!["vectors", "--cmd", "true", "--timeout", "-1s"],
            "'--timeout <DUR>': ",
        ),
        (
            vec!["lab", "--verifier", "pyotp", "--timeout", "ten"],
            "'--timeout <DUR>': not a duration",
        ),
    ] {
        let o = skewsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(why), "{args:?}: {}", stderr(&o));
    }
    assert!(stdout(&o).is_empty());
    // 50 MB of output: kept to a few hundred bytes, the run still ends.
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--cmd",
        "sh -c 'yes | head -c 50000000' {time}",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).len() < 4_000, "{} bytes", stdout(&o).len());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 13, case 4: a secret pasted where it does not belong never comes
/// back in an error: a URI without its label, a secret split by spaces, a
/// stray word, a value for the wrong flag.
#[test]
fn regression_errors_never_echo_a_pasted_secret() {
    let secret = "KRSXG5CTMVRXEZLU";
    for args in [
        vec![
            "code",
            "--uri",
            "otpauth://totp?secret=KRSXG5CTMVRXEZLU&issuer=a/b",
        ],
        vec![
            "code",
            "--uri",
            "otpauth://x?secret=KRSXG5CTMVRXEZLU&image=https://a/b",
        ],
        vec!["code", "--time", "59", secret],
        vec!["code", "--secret", "KRSX", "G5CT", "MVRX", "EZLU"],
        vec![secret],
        vec!["--delay", secret],
        vec!["sweep", "--policy", secret],
        // Issue 22: a secret that starts with a dash.
        vec![
            "code",
            "--secret",
            "--KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
            "--time",
            "59",
        ],
        vec!["code", "--secret", "-krsxg5ctmvrxezlu", "--time", "59"],
    ] {
        let o = skewsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        for piece in ["KRSXG5CT", "G5CT", "MVRX", "EZLU", "krsxg5ct"] {
            assert!(!err.contains(piece), "{args:?} leaks {piece}: {err}");
        }
        assert!(stdout(&o).is_empty());
    }
    // A typo still gets clap's suggestion, in the one line.
    let o = skewsim(&["--dely", "90s"]);
    assert!(
        stderr(&o).contains("did you mean '--delay'?"),
        "{}",
        stderr(&o)
    );
}

/// Issue 20: a mistyped command name is no secret: it is shown, with clap's
/// suggestion; a word that is not a typo of a command stays hidden.
#[test]
fn a_mistyped_command_is_shown_with_its_suggestion() {
    for (typed, meant) in [("sweeep", "sweep"), ("bench-reprot", "bench-report")] {
        let o = skewsim(&[typed]);
        assert_eq!(o.status.code(), Some(2), "{typed}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("'{typed}'"))
                && err.contains(&format!("did you mean '{meant}'?")),
            "{err}"
        );
        assert!(!err.contains("not shown"), "{err}");
    }
    // A word that is no typo of a command is still not echoed.
    let err = stderr(&skewsim(&["simulate"]));
    assert!(!err.contains("simulate"), "{err}");
    assert!(err.contains("'skewsim --help' lists the commands"), "{err}");
}

/// Issue 20: a secret typed as a bare word (as oathtool takes it) is not
/// echoed, and the error says to pass it with `--secret` or `--secret -`.
#[test]
fn a_bare_secret_gets_the_secret_hint_and_is_not_echoed() {
    for args in [
        vec!["code", "JBSWY3DPEHPK3PXP"],
        vec!["JBSWY3DPEHPK3PXP"],
        vec!["code", "--time", "59", "jbswy3dpehpk3pxp"],
        vec!["verify", "--code", "123456", "JBSWY3DPEHPK3PXP"],
    ] {
        let o = skewsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("--secret") && err.contains("--secret -"),
            "{args:?}: {err}"
        );
        for piece in ["JBSWY3DP", "jbswy3dp", "EHPK3PXP", "ehpk3pxp"] {
            assert!(!err.contains(piece), "{args:?} leaks {piece}: {err}");
        }
        assert!(stdout(&o).is_empty());
    }
    // A code or a time typed as a bare word is not taken for a secret.
    let err = stderr(&skewsim(&["verify", "123456"]));
    assert!(!err.contains("--secret"), "{err}");
}

/// Issue 20: `skewsim policies`' columns stay aligned whatever a cell holds:
/// every row's columns start where the header's do, with a space before.
#[test]
fn the_policies_table_stays_aligned() {
    let o = skewsim(&["policies"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let header = text.lines().next().expect("a header");
    let columns = ["enrollment", "login", "stores", "replay", "heals by"];
    let starts: Vec<usize> = columns
        .iter()
        .map(|c| {
            let byte = header.find(&format!("  {c}")).expect("a column") + 2;
            header[..byte].chars().count()
        })
        .collect();
    // Table rows: not indented (the summary and sources lines are), not the note.
    let rows: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(' ') && !l.starts_with('('))
        .collect();
    assert!(rows.len() >= 12, "{text}");
    for row in rows {
        let chars: Vec<char> = row.chars().collect();
        for (column, &at) in columns.iter().zip(&starts) {
            assert!(
                at < chars.len() && chars[at - 1] == ' ' && chars[at] != ' ',
                "column {column:?} of {row:?} does not start at {at}:\n{text}"
            );
        }
    }
}

/// Issue 13, case 13: a newline in a value cannot split the error into two
/// lines (the second an attacker's `error:`).
#[test]
fn regression_error_lines_cannot_be_forged() {
    for args in [
        vec!["--policy", "a\nerror: forged"],
        vec!["--policy", "ab\ncd"],
        vec!["vectors", "--dir", "/nonexistent\nerror: forged"],
        vec!["code", "--secret-hex", "zz\nerror: forged"],
    ] {
        let o = skewsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(!err.contains("\nerror: forged\n"), "{err:?}");
    }
}

/// Issue 13, cases 11, 15 and 17: no silent counter wrap, a full stdout is
/// a failure (exit 3), a FIFO among the vector files is refused, not read.
#[test]
fn regression_counter_wrap_full_stdout_and_fifo() {
    let o = skewsim(&[
        "bulk",
        "--secret-hex",
        "3132",
        "--from",
        "18446744073709551615",
        "--period",
        "1",
        "--steps",
        "3",
        "--print",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).starts_with("error: --steps runs past the last counter"));
    assert!(stdout(&o).is_empty());
    for args in [vec!["--help"], vec!["--delay", "90s"]] {
        let full = std::fs::File::create("/dev/full").expect("/dev/full");
        let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(&args)
            .stdout(full)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot write to stdout"),
            "{}",
            stderr(&o)
        );
    }
    let dir = temp_dir("fifo");
    std::fs::create_dir_all(&dir).expect("dir");
    let fifo = dir.join("a.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let o = skewsim(&["vectors", "--dir", dir.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a regular file"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 13, cases 6, 9 and 14: work that would take minutes or gigabytes
/// is refused at once, naming the flag to change; errors blame the right
/// argument.
#[test]
fn regression_time_bombs_are_refused_and_errors_name_the_right_argument() {
    for (args, blamed) in [
        (vec!["--drift-ppm", "1", "--period", "1h"], "--drift-ppm"),
        (
            vec![
                "--enroll-behind",
                "100000",
                "--enroll-ahead",
                "100000",
                "--drift-ppm",
                "1",
            ],
            "--drift-ppm",
        ),
        (
            vec![
                "drift",
                "--login-every",
                "1s",
                "--days",
                "57",
                "--drift-ppm",
                "50",
                "--out",
                "/nonexistent/x",
            ],
            "--login-every",
        ),
        (
            vec![
                "sweep",
                "--drift-ppm",
                "1",
                "--delay",
                "0s..10m:1s",
                "--skew",
                "-30s..30s:1s",
                "--out",
                "/nonexistent/x",
            ],
            "--drift-ppm",
        ),
        (
            vec![
                "verify",
                "--secret-hex",
                "3132",
                "--time",
                "59",
                "--code",
                "-12345",
            ],
            "--code",
        ),
        (
            vec![
                "drift",
                "--drift-ppm",
                "-999999.999",
                "--out",
                "/nonexistent/x",
            ],
            "--drift-ppm",
        ),
    ] {
        let started = std::time::Instant::now();
        let o = skewsim(&args);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{args:?} took {:?}",
            started.elapsed()
        );
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("error: ") && err.contains(blamed),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A secret that is not UTF-8 is named by its flag, never shown.
    use std::os::unix::ffi::OsStrExt;
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(["code", "--time", "1", "--secret"])
        .arg(std::ffi::OsStr::from_bytes(b"\xff\xfeKRSX"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: --secret is not valid UTF-8\n");
}

/// Issue 13, case 8: an infinite rate and a folder of symlinks to itself
/// neither hang bench-report nor reach the plot.
#[test]
fn regression_bench_report_survives_infinite_rates_and_link_loops() {
    let dir = temp_dir("bench-hostile");
    let new = dir.join("crit/w1/sha1/new");
    std::fs::create_dir_all(&new).expect("dirs");
    std::fs::write(
        new.join("benchmark.json"),
        r#"{"full_id": "w1/sha1/evil/1", "throughput": {"Elements": 1e308}}"#,
    )
    .expect("bench");
    std::fs::write(
        new.join("estimates.json"),
        r#"{"mean": {"point_estimate": 1e-300}}"#,
    )
    .expect("estimates");
    std::os::unix::fs::symlink(dir.join("crit"), dir.join("crit/loop")).expect("loop");
    let started = std::time::Instant::now();
    let o = skewsim(&[
        "bench-report",
        "--criterion",
        dir.join("crit").to_str().expect("utf-8"),
        "--out",
        dir.join("out").to_str().expect("utf-8"),
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // One error line naming what was left out (issue 22: no warning first).
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "none with a rate that is a positive finite number (the first: w1/sha1/evil/1)"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("out").exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 10, item 4: secrets off the command line: standard input, a
/// private file (a readable-by-others one is refused), the environment.
#[test]
fn secrets_from_stdin_a_private_file_or_the_environment() {
    use std::io::Write as _;
    let rfc = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let run = |args: &[&str], stdin: Option<&str>, env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_skewsim"));
        cmd.args(args).env_remove("SKEWSIM_SECRET");
        if let Some(v) = env {
            cmd.env("SKEWSIM_SECRET", v);
        }
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("runs");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write");
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("ends")
    };
    let o = run(
        &["code", "--secret", "-", "--time", "59", "--digits", "8"],
        Some(&format!("{rfc}\n")),
        None,
    );
    assert_eq!(stdout(&o), "94287082\n", "{}", stderr(&o));
    let uri = format!("otpauth://totp/a?secret={rfc}&digits=8\n");
    let o = run(&["code", "--uri", "-", "--time", "59"], Some(&uri), None);
    assert_eq!(stdout(&o), "94287082\n", "{}", stderr(&o));
    let o = run(&["code", "--time", "59", "--digits", "8"], None, Some(rfc));
    assert_eq!(stdout(&o), "94287082\n", "{}", stderr(&o));
    let dir = temp_dir("secret-file");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("secret");
    std::fs::write(&file, format!("{rfc}\n")).expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let path = file.to_str().expect("utf-8");
    let o = run(&["code", "--secret-file", path, "--time", "59"], None, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--secret-file is readable or writable by others (mode 644)"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains(rfc));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let o = run(
        &[
            "code",
            "--secret-file",
            path,
            "--time",
            "59",
            "--digits",
            "8",
        ],
        None,
        None,
    );
    assert_eq!(stdout(&o), "94287082\n", "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).expect("cleanup");
    // bulk's secret too: the RFC key at counters 1 and 2 (8 digits).
    let hex = "3132333435363738393031323334353637383930";
    let o = run(
        &[
            "bulk",
            "--secret-hex",
            "-",
            "--from",
            "59",
            "--steps",
            "2",
            "--digits",
            "8",
        ],
        Some(&format!("{hex}\n")),
        None,
    );
    assert!(
        stdout(&o).starts_with(&format!("codes=2 checksum={} ", 94_287_082 + 37_359_152)),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// Issue 10, item 2: the conformance suite runs from any folder.
#[test]
fn vectors_run_from_any_folder() {
    let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .arg("vectors")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("all 931 rows pass"), "{}", stdout(&o));
}

/// Issue 10, item 3: sweep and drift write under the current folder by
/// default, never into the repository's reports/.
#[test]
fn outputs_default_to_the_current_folder() {
    let dir = temp_dir("default-out");
    std::fs::create_dir_all(&dir).expect("dir");
    for args in [
        vec!["sweep", "--delay", "0s..10s:10s", "--skew", "0s..0s"],
        vec!["drift", "--days", "3"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    assert!(dir.join("skewsim-sweep/aws-iam.csv").exists());
    assert!(dir.join("skewsim-drift/drift-aws-iam.csv").exists());
    assert!(!dir.join("reports").exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 10, item 5: one convention for times and durations.
#[test]
fn times_and_durations_in_every_form() {
    let hex = "3132333435363738393031323334353637383930";
    for time in [
        "1111111109",
        "@1111111109",
        "2005-03-18T01:58:29Z",
        "2005-03-18T02:58:29+01:00",
        "2005-03-18t01:58:29.5z",
    ] {
        for period in ["30", "30s", "0.5m"] {
            let o = skewsim(&[
                "code",
                "--secret-hex",
                hex,
                "--time",
                time,
                "--digits",
                "8",
                "--period",
                period,
            ]);
            assert_eq!(stdout(&o), "07081804\n", "{time} {period}: {}", stderr(&o));
        }
    }
    for delay in ["90s", "1m30s", "1m 30s", "90sec", "1.5min"] {
        let o = skewsim(&["--delay", delay, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["delay_ms"], 90_000, "{delay}");
    }
    let o = skewsim(&["--login-after", "2w", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["login_after_ms"], 1_209_600_000u64);
    for (args, blamed) in [
        (
            vec![
                "code",
                "--secret-hex",
                hex,
                "--time",
                "1969-12-31T23:59:59Z",
            ],
            "--time",
        ),
        (
            vec![
                "code",
                "--secret-hex",
                hex,
                "--time",
                "2005-02-30T00:00:00Z",
            ],
            "--time",
        ),
        (
            vec!["code", "--secret-hex", hex, "--period", "1.5s"],
            "--period",
        ),
    ] {
        let o = skewsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(blamed), "{args:?}: {}", stderr(&o));
    }
}

/// oathtool was on PATH when the tests were built (build.rs), or
/// SKEWSIM_REQUIRE_TOOLS=1 requires it (CI): missing now is a failure.
fn require_oathtool() {
    assert!(
        Command::new("oathtool").arg("--version").output().is_ok(),
        "oathtool does not run: not on PATH? (required: SKEWSIM_REQUIRE_TOOLS=1 is set, or it \
         was there when the tests were built; bash lab/setup.sh installs it)"
    );
}

#[test]
#[cfg_attr(not(skewsim_oathtool), ignore = "needs oathtool on PATH")]
fn oathtool_passes_every_row_it_supports() {
    require_oathtool();
    let o = skewsim(&[
        "vectors",
        "--cmd",
        "oathtool --totp={algorithm} -d {digits} -s {period}s -S @{t0} -N @{time} {secret_hex}",
        "--algorithms",
        "sha1,sha256,sha512",
        "--only-digits",
        "6,7,8",
        "--max-time",
        "9223372036854775807",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let table = stdout(&o);
    let passed: usize = table
        .lines()
        .filter(|l| l.starts_with("totp_") || l.starts_with("hotp_"))
        .map(|l| {
            l.split_whitespace()
                .nth(3)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert!(
        passed >= 350,
        "only {passed} rows reached oathtool:\n{table}"
    );
}

#[test]
fn the_headline_scenario() {
    let o = skewsim(&["--delay", "90s"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    // The answer first: the outcome and its reason, then the fix.
    assert!(
        lines[0].starts_with(
            "LOGIN REFUSED, ALL 3 ATTEMPTS (100%): you read code 2 2 s after it appeared"
        ),
        "{text}"
    );
    // The same outcome, why and fix as the library's doc example
    // (src/explain/mod.rs): how the delay became the codes' age, what was
    // stored; the INFERRED caveat beside the reason and beside the fix's
    // probability.
    assert_eq!(
        lines[0],
        "LOGIN REFUSED, ALL 3 ATTEMPTS (100%): you read code 2 2 s after it appeared and the pair reached the verifier 1 m 30 s \
         later, so code 2 was 1 m 32 s old, 3 steps behind the verifier's clock; it \
         stored an offset of -3 steps instead of no offset (your device's true offset), \
         so login codes fall outside its login window (-1..+1 steps) around that \
         (INFERRED, not read from the verifier: pair search -10..+10; login window -1..+1 \
         and 2 more)."
    );
    assert_eq!(
        lines[1],
        "Fix: resync the device (AWS: ResyncMFADevice, or 'Resync' in the IAM console) with \
         two fresh consecutive codes submitted at once (5 s after reading code 2): the \
         next login then succeeds (100%; INFERRED, not read from the verifier: resync \
         search -10..+10, replay of older steps refused)."
    );
    assert!(text.contains("HYPOTHESIS"), "{text}");
    // The thresholds are the policy's, whatever the scenario's own delay,
    // at a person's resolution, and say how far an outcome jumps; the
    // timeline comes after them.
    assert!(
        text.contains("from 58 s (83% there), certain from 1 m 28 s"),
        "{text}"
    );
    assert!(text.contains("from 5 m 28 s (100% there)"), "{text}");
    let thresholds = text.find("When it changes").expect("thresholds");
    let run = text.find("One run").expect("a run");
    assert!(thresholds < run, "{text}");
    // --exact keeps the millisecond and the exact share.
    let exact = stdout(&skewsim(&[
        "--delay",
        "90s",
        "--policy",
        "aws-iam-shift",
        "--exact",
    ]));
    assert!(
        exact.contains("from 48.001s, rising gradually (0.003333% there)"),
        "{exact}"
    );
    let rounded = stdout(&skewsim(&["--delay", "90s", "--policy", "aws-iam-shift"]));
    assert!(
        rounded.contains("from 48 s, rising gradually (under 0.1% there)"),
        "{rounded}"
    );
    // The other hypothesis ends out of sync too at 90 s.
    let o = skewsim(&["--delay", "90s", "--policy", "aws-iam-shift"]);
    assert!(stdout(&o).starts_with("LOGIN REFUSED, ALL 3 ATTEMPTS"));
    let o = skewsim(&["--delay", "0s"]);
    assert!(stdout(&o).starts_with("LOGIN ACCEPTED (100%)"));
    let o = skewsim(&["--delay", "10m"]);
    assert!(stdout(&o).starts_with("ENROLLMENT REFUSED (100%)"));
}

/// Issue 20: the outcome names what happened at the login and its cause.
/// pyotp's refused logins come from the 5 s login delay, not a clock; a
/// libpam login refused at first but healed on the third code says so
/// rather than "fails".
#[test]
fn regression_outcome_names_say_what_happened_at_the_login() {
    let text = stdout(&skewsim(&["--policy", "pyotp"]));
    assert!(text.starts_with("LOGIN ACCEPTED (83%)"), "{text}");
    assert!(
        text.contains("login refused: its own 5 s transit")
            && text.contains("already with no delay (17%)"),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("(clock)"), "{text}");
    let text = stdout(&skewsim(&[
        "--skew",
        "5m",
        "--policy",
        "google-authenticator-pam",
    ]));
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(
            "LOGIN REFUSED AT FIRST, IN AT ATTEMPT 3 (100%): your device's clock is 5 m ahead"
        ),
        "{text}"
    );
    assert!(text.contains("you get in at attempt 3"), "{text}");
    // Never gets in: the same clock without libpam's learning.
    let text = stdout(&skewsim(&[
        "--skew",
        "5m",
        "--policy",
        "google-authenticator-pam-noskewadj",
    ]));
    assert!(
        text.starts_with("LOGIN REFUSED, ALL 3 ATTEMPTS (100%)"),
        "{text}"
    );
}

/// The names of the presets, from `skewsim policies --format json`.
fn preset_names() -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&skewsim(&["policies", "--format", "json"]))).expect("json");
    doc["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Issue 20: for every preset and delay, line 1 is the outcome (the
/// document's headline) and its reason, line 2 the fix.
#[test]
fn every_preset_answers_in_its_first_two_lines() {
    let names = preset_names();
    // Every preset of the library (policies/*.toml, held to PRESET_FILES by a unit test).
    assert_eq!(names.len(), skewsim::sim::presets().len());
    for name in &names {
        for delay in ["0s", "30s", "90s", "5m"] {
            let args = ["--policy", name.as_str(), "--delay", delay];
            let o = skewsim(&args);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            let text = stdout(&o);
            let lines: Vec<&str> = text.lines().collect();
            let json = skewsim(&[&args[..], &["--format", "json"]].concat());
            let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
            let name_ = doc["headline"]["name"].as_str().expect("a headline");
            let why = doc["why"]["sentence"].as_str().expect("a reason");
            let fix = doc["fix"]["sentence"].as_str().expect("a fix");
            assert!(
                lines[0].starts_with(&format!("{name_} (")) && lines[0].contains(why),
                "{args:?}: line 1 is not the outcome and its reason:\n{text}"
            );
            assert!(why.len() > 40, "{args:?}: {why}");
            assert_eq!(lines[1], format!("Fix: {fix}."), "{args:?}");
        }
    }
}

/// Issue 20: no text output says "from never", prints an exponent
/// ("3.33e-3%") or a threshold to the millisecond (".001s") unless asked.
#[test]
fn regression_text_has_plain_words_and_honest_precision() {
    let bad = |what: &str, text: &str| {
        assert!(
            !text.contains("from never"),
            "{what}: \"from never\" in\n{text}"
        );
        assert!(
            !text.contains(".001s") && !text.contains(".001 s"),
            "{what}: ms threshold in\n{text}"
        );
        let b = text.as_bytes();
        let exponent = (1..b.len().saturating_sub(2)).any(|i| {
            b[i] == b'e'
                && b[i + 1] == b'-'
                && b[i - 1].is_ascii_digit()
                && b[i + 2].is_ascii_digit()
        });
        assert!(!exponent, "{what}: an exponent in\n{text}");
    };
    let dir = temp_dir("plain-words");
    for name in preset_names() {
        for (delay, skew) in [("90s", "0s"), ("10s", "-45s"), ("2m", "5m")] {
            let args = ["--policy", name.as_str(), "--delay", delay, "--skew", skew];
            bad(&format!("{args:?}"), &stdout(&skewsim(&args)));
        }
        let out = dir.join(format!("drift-{name}"));
        let o = skewsim(&[
            "drift",
            "--policy",
            &name,
            "--drift-ppm",
            "50",
            "--days",
            "60",
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        bad(&format!("drift {name}"), &stdout(&o));
    }
    let out = dir.join("sweep");
    let o = skewsim(&[
        "sweep",
        "--policy",
        "all",
        "--delay",
        "0s..240s:30s",
        "--skew",
        "-60s..60s:60s",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = stdout(&o);
    bad("sweep", &summary);
    assert!(
        summary.contains("out of sync not at any delay"),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_has_the_contract_fields() {
    let o = skewsim(&["--delay", "60s", "--skew", "-5s", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["policy"], "aws-iam");
    assert_eq!(v["delay_ms"], 60_000);
    assert_eq!(v["skew_ms"], -5_000);
    let p = &v["probabilities"];
    let sum: f64 = ["rejected", "in_sync", "out_of_sync", "login_fails"]
        .iter()
        .map(|k| p[k].as_f64().expect("a number"))
        .sum();
    assert!((sum - 1.0).abs() < 1e-12, "{p}");
}

#[test]
fn overrides_change_the_policy_and_its_name() {
    let o = skewsim(&["--delay", "90s", "--login-window", "3", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["policy"], "aws-iam+login-window=-3..+3");
    assert_eq!(v["outcome"], "in_sync");
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("skewsim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn sweep_writes_csv_and_svg_for_each_policy() {
    let dir = temp_dir("sweep");
    let out = dir.to_str().expect("utf-8 path");
    let o = skewsim(&[
        "sweep",
        "--policy",
        "all",
        "--delay",
        "0s..2m:30s",
        "--skew",
        "-30s..30s:30s",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for name in skewsim::sim::policy::preset_names() {
        for suffix in [".csv", "-thresholds.csv", "-phase.svg", "-delay.svg"] {
            let path = dir.join(format!("{name}{suffix}"));
            assert!(path.exists(), "{} missing", path.display());
        }
    }
    let csv = std::fs::read_to_string(dir.join("aws-iam.csv")).expect("csv");
    assert_eq!(
        csv.lines().count(),
        1 + 5 * 3,
        "header + 5 delays x 3 skews"
    );
    assert!(csv.starts_with(
        "policy,delay_ms,skew_ms,p_rejected,p_in_sync,p_out_of_sync,p_login_fails,outcome\n"
    ));
    let svg = std::fs::read_to_string(dir.join("aws-iam-phase.svg")).expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("aws-iam"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn bad_ranges_write_nothing() {
    let dir = temp_dir("bad-sweep");
    let out = dir.to_str().expect("utf-8 path");
    for (args, arg) in [
        (vec!["sweep", "--delay", "10m..0s", "--out", out], "--delay"),
        (
            vec!["sweep", "--delay", "0s..10m:0s", "--out", out],
            "--delay",
        ),
        (vec!["sweep", "--delay", "0s", "--out", out], "--delay"),
        (vec!["sweep", "--skew", "-3m..3m:x", "--out", out], "--skew"),
        (
            vec!["sweep", "--delay", "0s..100d:1ms", "--out", out],
            "--delay",
        ),
        (vec!["sweep", "--policy", "nope", "--out", out], "--policy"),
        (
            vec!["sweep", "--drift-ppm", "20", "--out", out],
            "--drift-ppm",
        ),
        (vec!["montecarlo", "--trials", "0"], "--trials"),
        (vec!["montecarlo", "--threads", "0"], "--threads"),
        (vec!["montecarlo", "--delay", "normal:5s,0s"], "--delay"),
        (vec!["montecarlo", "--delay", "gauss:5s"], "--delay"),
        (vec!["montecarlo", "--delay", "lognormal:5s,NaN"], "--delay"),
        (
            vec!["montecarlo", "--trials", "6000000", "--out", out],
            "--trials",
        ),
        (vec!["drift", "--days", "0", "--out", out], "--days"),
        (
            vec!["drift", "--login-every", "0s", "--out", out],
            "--login-every",
        ),
        (
            vec![
                "drift",
                "--login-every",
                "1s",
                "--days",
                "3650",
                "--out",
                out,
            ],
            "--login-every",
        ),
    ] {
        let o = skewsim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(arg),
            "{args:?}: {err}"
        );
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!dir.exists(), "{args:?} created {}", dir.display());
    }
}

#[test]
fn montecarlo_csv_is_identical_for_one_and_two_threads() {
    let dir = temp_dir("mc");
    let run = |threads: &str| {
        let path = dir.join(format!("t{threads}.csv"));
        let o = skewsim(&[
            "montecarlo",
            "--trials",
            "150000",
            "--seed",
            "9",
            "--threads",
            threads,
            "--out",
            path.to_str().expect("utf-8"),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        std::fs::read(path).expect("csv written")
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.len(), two.len());
    assert!(one == two, "per-trial CSV differs between 1 and 2 threads");
    assert_eq!(String::from_utf8_lossy(&one).lines().count(), 150_001);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn drift_finds_the_first_failure_and_the_fix() {
    let dir = temp_dir("drift");
    let o = skewsim(&[
        "drift",
        "--drift-ppm",
        "50",
        "--days",
        "60",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    // 50 ppm is 4.32 s a day. aws-iam (hypothesis: logins keep the stored
    // offset) sees the login code leave the -1..+1 window once the device
    // gains enough to be 2 steps ahead at receipt: for this enrollment's time
    // of day, the 13th daily login; each such day ends with a resync.
    assert!(
        text.contains("first code refused:  4 of 60 logins (first on day 13.0)"),
        "{text}"
    );
    assert!(text.contains("in after a resync:   4"), "{text}");
    assert!(text.contains("never got in:        0 logins"), "{text}");
    assert!(dir.join("drift-aws-iam.csv").exists() && dir.join("drift-aws-iam.svg").exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn report_regenerates_the_folder() {
    // A folder name with a space: the internal commands are argument lists.
    // Run away from the source (issue 21): a relative --dir under a temporary
    // working folder, where no link of the README may dangle.
    let here = temp_dir("report away");
    std::fs::create_dir_all(&here).expect("temp dir");
    let o = skewsim_in(&here, &["report", "--dir", "my reports"]);
    let dir = here.join("my reports");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
    no_reference_dangles("report's README.md", &readme, &dir);
    no_reference_dangles("report's log", &stdout(&o), &here);
    assert!(
        readme.contains("The model is `skewsim docs model`"),
        "{readme}"
    );
    assert!(
        readme.contains(
            "(results in the folder `skewsim lab --verifier all --out 'my reports/lab'` writes, \
             method in `skewsim docs lab`)"
        ),
        "{readme}"
    );
    // The rows the findings' prose quotes.
    for row in [
        "| `aws-iam` | hypothesis | pair in -10..+10 | login refused: wrong offset stored (100%) | below 58 s | from 58 s (83%) | from 1 m 28 s | not at any delay | from 5 m 28 s (100%) |",
        "| `aws-iam-shift` | hypothesis | pair in -10..+10 | login refused: wrong offset stored (100%) | below 48 s | from 48 s (under 0.1%) | from 1 m 18 s | not at any delay | from 5 m 28 s (100%) |",
        "| `privacyidea` | source | pair in -1000..+999 | login accepted (100%) | below 2 m 48 s | from 2 m 48 s (under 0.1%) | from 3 m 18 s | not at any delay | from 8 h 20 m (100%) |",
        "| `privacyidea-verify` | source | 1 code in -6..+5 | login accepted (100%) | below 2 m 6 s | from 2 m 6 s (under 0.1%) | from 3 m 5 s | not at any delay | from 3 m 28 s (93%) |",
        "| `keycloak` | source | 1 code in -1..+1 | enrollment refused (100%) | below 58 s | not at any delay | not at any delay | not at any delay | from 58 s (93%) |",
        "| `pyotp` | source | 1 code in -0..+0 | enrollment refused (100%) | at no delay | not at any delay | not at any delay | with no delay (17%) | from 28 s (93%) |",
        "| `google-authenticator-pam` | 26 | 26 (26) | no resync | 0 |",
        "| `google-authenticator-pam-noskewadj` | 353 | 0 (0) | no resync | 353 |",
        "| `aws-iam` | 26 | 0 (0) | 26 | 0 |",
        "| `django-otp` | 0 | 0 (0) | no resync | 0 |",
    ] {
        assert!(readme.contains(row), "{row} missing from\n{readme}");
    }
    // Issue 20: plain words and honest precision in the README and the log.
    for text in [&readme, &stdout(&o)] {
        assert!(
            !text.contains("from never") && !text.contains(".001s"),
            "{text}"
        );
        assert!(!text.contains("e-3%") && !text.contains("e-4%"), "{text}");
    }
    assert!(dir.join("sweep/aws-iam-phase.svg").exists());
    assert!(
        dir.join("drift/drift-google-authenticator-pam.svg")
            .exists()
    );
    std::fs::remove_dir_all(&here).expect("cleanup");
}

fn bulk_line(args: &[&str]) -> std::collections::HashMap<String, String> {
    let o = skewsim(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let text = stdout(&o);
    // The figures, then the CPU and what ran.
    assert_eq!(text.lines().count(), 2, "{text}");
    let (figures, machine) = text.split_once('\n').expect("two lines");
    assert!(machine.starts_with("cpu: "), "{text}");
    let fields: std::collections::HashMap<String, String> = figures
        .split_whitespace()
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect();
    for key in [
        "codes",
        "checksum",
        "seconds",
        "codes_per_sec",
        "threads",
        "backend",
        "lanes",
        "features",
    ] {
        assert!(fields.contains_key(key), "{key} missing from {text}");
    }
    fields
}

/// The variants this CPU has for `algorithm` (from `bulk`'s own calibration:
/// portable always).
fn variants(algorithm: &str) -> Vec<String> {
    let json = skewsim(&[
        "bulk",
        "--algorithm",
        algorithm,
        "--secret-hex",
        RFC_SEED_HEX,
        "--steps",
        "1000",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let mut variants = vec!["portable".to_owned()];
    for candidate in doc["ran"]["calibration"].as_array().into_iter().flatten() {
        if let Some(name) = candidate["backend"].as_str()
            && !variants.iter().any(|v| v == name)
        {
            variants.push(name.to_owned());
        }
    }
    variants
}

#[test]
fn bulk_says_what_ran_and_auto_is_one_of_the_variants_it_timed() {
    let json = skewsim(&[
        "bulk",
        "--secrets",
        "5000",
        "--algorithm",
        "sha3-256",
        "--format",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(doc["backend"], "auto");
    let ran = &doc["ran"];
    assert!(ran["cpu"].as_str().is_some_and(|c| !c.is_empty()), "{doc}");
    let chosen = ran["backend"].as_str().expect("a backend");
    assert_ne!(chosen, "auto");
    let lanes = ran["lanes"].as_u64().expect("lanes");
    assert_eq!(
        lanes,
        match chosen {
            "avx512" => 8,
            "avx2" => 4,
            _ => 1,
        }
    );
    if let Some(calibration) = ran["calibration"].as_array() {
        assert!(calibration.len() >= 2, "{doc}");
        let fastest = calibration
            .iter()
            .min_by(|a, b| {
                a["ns_per_code"]
                    .as_f64()
                    .partial_cmp(&b["ns_per_code"].as_f64())
                    .expect("numbers")
            })
            .expect("candidates");
        assert_eq!(fastest["backend"], chosen, "{doc}");
    }
    // A named variant runs as asked, from the flag or SKEWSIM_BACKEND.
    for variant in variants("sha1") {
        let variant = variant.as_str();
        let line = bulk_line(&[
            "bulk",
            "--secret-hex",
            RFC_SEED_HEX,
            "--steps",
            "100000",
            "--backend",
            variant,
        ]);
        assert_eq!(line["backend"], variant);
        let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(["bulk", "--secret-hex", RFC_SEED_HEX, "--steps", "1000"])
            .env("SKEWSIM_BACKEND", variant)
            .output()
            .expect("runs");
        assert!(
            stdout(&o).contains(&format!("backend={variant} ")),
            "{}",
            stdout(&o)
        );
    }
    // A variant the algorithm (or the CPU) lacks is a usage error naming --backend.
    for (alg, backend) in [
        ("sha1", "avx512"),
        ("sha512", "sha-ni-2"),
        ("sha256", "avx2"),
    ] {
        let o = skewsim(&[
            "bulk",
            "--secrets",
            "10",
            "--algorithm",
            alg,
            "--backend",
            backend,
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error: --backend") && err.lines().count() == 1,
            "{err}"
        );
        assert!(o.stdout.is_empty());
    }
}

/// Checksums computed without skewsim (`python3 benches/reference_checksums.py`:
/// Python's `hmac`/`hashlib`): 50,001 codes of each workload (three parallel
/// chunks and an odd tail, so every backend's partial lanes run), six digits,
/// `--from 1700000000`, for every hash family the backends split into. (The
/// 10^7-code references in docs/cli.md: `--documented`, minutes in Python.)
const REFERENCE_CHECKSUMS: [(&str, &str, &str); 4] = [
    ("sha1", "24947961893", "24936789891"),
    ("sha256", "24908319700", "24976682863"),
    ("sha512", "24962720118", "25082473796"),
    ("sha3-256", "25116356491", "25006744233"),
];

#[test]
fn bulk_reproduces_the_reference_checksums_with_every_backend() {
    for (algorithm, steps_sum, secrets_sum) in REFERENCE_CHECKSUMS {
        let mut backends = vec!["auto".to_owned(), "naive".to_owned()];
        backends.extend(variants(algorithm));
        for backend in &backends {
            let run = |workload: &[&str]| {
                let mut args = vec!["bulk", "--algorithm", algorithm, "--from", "1700000000"];
                args.extend(workload);
                args.extend(["--backend", backend]);
                bulk_line(&args)
            };
            let w1 = run(&["--secret-hex", RFC_SEED_HEX, "--steps", "50001"]);
            assert_eq!(w1["checksum"], steps_sum, "{algorithm} {backend}");
            assert_eq!(w1["codes"], "50001");
            let w2 = run(&["--secrets", "50001"]);
            assert_eq!(w2["checksum"], secrets_sum, "{algorithm} {backend}");
        }
    }
    let one = bulk_line(&[
        "bulk",
        "--secret-hex",
        RFC_SEED_HEX,
        "--steps",
        "1000",
        "--threads",
        "1",
    ]);
    assert_eq!(one["threads"], "1");
}

#[test]
fn bulk_print_writes_the_codes_in_order() {
    let o = skewsim(&[
        "bulk",
        "--secret-hex",
        RFC_SEED_HEX,
        "--steps",
        "70000",
        "--from",
        "59",
        "--digits",
        "8",
        "--print",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 70_000);
    assert_eq!(lines[0], "94287082", "RFC 6238 at t=59");
    // Line i is the code at 59 + 30 i; check one past the first parallel batch.
    let t = (59 + 30 * 65_537u64).to_string();
    let code = skewsim(&[
        "code",
        "--secret-hex",
        RFC_SEED_HEX,
        "--time",
        &t,
        "--digits",
        "8",
    ]);
    assert_eq!(format!("{}\n", lines[65_537]), stdout(&code));
    // The sum of the printed codes is the checksum.
    let sum: u64 = lines
        .iter()
        .map(|l| l.parse::<u64>().expect("digits"))
        .sum();
    let w1 = bulk_line(&[
        "bulk",
        "--secret-hex",
        RFC_SEED_HEX,
        "--steps",
        "70000",
        "--from",
        "59",
        "--digits",
        "8",
    ]);
    assert_eq!(w1["checksum"], sum.to_string());
}

#[test]
fn bulk_bad_input() {
    for (args, arg) in [
        (vec!["bulk"], "--secret-hex"),
        (vec!["bulk", "--secret-hex", "zz"], "--secret-hex"),
        (vec!["bulk", "--secrets", "0"], "--secrets"),
        (
            vec!["bulk", "--secrets", "10", "--key-len", "0"],
            "--key-len",
        ),
        (
            vec!["bulk", "--secrets", "10", "--threads", "0"],
            "--threads",
        ),
        (vec!["bulk", "--secrets", "10", "--period", "0"], "--period"),
        (
            vec!["bulk", "--secrets", "10", "--algorithm", "md5"],
            "--algorithm",
        ),
        (vec!["bulk", "--secrets", "10", "--steps", "-1"], "--steps"),
        (
            vec!["bulk", "--secrets", "10", "--secret-hex", "3132"],
            "--secret",
        ),
    ] {
        let o = skewsim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(arg),
            "{args:?}: {err}"
        );
        assert!(o.stdout.is_empty());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// The argument layer, on random command lines built from real flags and
    /// nasty values: the exit code is 0, 1 or 2, an error is one `error:`
    /// line with nothing on stdout, and nothing ever panics.
    #[test]
    fn random_command_lines_never_panic(
        command in proptest::sample::select(vec!["", "code", "verify", "policies", "vectors"]),
        pairs in proptest::collection::vec((
            proptest::sample::select(vec![
                "--secret", "--secret-hex", "--uri", "--time", "--algorithm", "--digits", "--period", "--t0",
                "--code", "--window", "--delay", "--skew", "--drift-ppm", "--reaction", "--policy", "--phase",
                "--login-delay", "--login-after", "--format", "--enroll-behind", "--enroll-ahead",
                "--login-window", "--track-drift", "--dir", "--sources", "--only-digits", "--algorithms",
            ]),
            proptest::sample::select(vec![
                "", "0", "-1", "90s", "-45s", "1e999s", "NaN", "inf", "18446744073709551616",
                "18446744073709551615", "9223372036854775807", "sha1", "SHA3-256", "md5", "6", "11", "30",
                "aws-iam", "all", "json", "text", "always", "GEZDGNBVGY3TQOJQ", "3132", "zz", "=",
                "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP", "otpauth://hotp/a?secret=JBSWY3DP&counter=1",
                "otpauth://totp/%zz", "123456", "12345678901", "1h", "36500d", "-36500d", "0.001", "-999999.999",
                "1000000", "/nonexistent", "ü", "--", "--delay",
            ]),
        ), 0..5),
    ) {
        let mut args: Vec<&str> = Vec::new();
        if !command.is_empty() {
            args.push(command);
        }
        for (flag, value) in &pairs {
            args.push(flag);
            args.push(value);
        }
        let o = skewsim(&args);
        let err = stderr(&o);
        let code = o.status.code();
        proptest::prop_assert!(matches!(code, Some(0..=2)), "{args:?}: exit {code:?}: {err}");
        proptest::prop_assert!(!err.contains("panicked"), "{args:?}: {err}");
        if code == Some(2) {
            proptest::prop_assert_eq!(err.lines().count(), 1, "{:?}: {}", args, err);
            proptest::prop_assert!(err.starts_with("error: "), "{:?}: {}", args, err);
            proptest::prop_assert!(o.stdout.is_empty(), "{:?}", args);
        }
    }
}

/// Issue 18, item 1: an exported preset, read back with --policy-file, gives
/// the same answer as the preset itself, for the scenario and for a sweep.
#[test]
fn exported_presets_give_the_same_answers_as_policy_files() {
    let dir = temp_dir("policy-files");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let names = stdout(&skewsim(&["policies", "--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&names).expect("json");
    let names: Vec<String> = doc["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(names.len(), skewsim::sim::presets().len());
    for name in &names {
        let exported = skewsim(&["policies", "--export", name]);
        assert_eq!(exported.status.code(), Some(0), "{}", stderr(&exported));
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, &exported.stdout).expect("write");
        let file = file.to_str().expect("utf-8 path");
        let by_name = skewsim(&["--policy", name, "--delay", "90s", "--format", "json"]);
        let by_file = skewsim(&["--policy-file", file, "--delay", "90s", "--format", "json"]);
        assert_eq!(by_name.status.code(), by_file.status.code(), "{name}");
        assert_eq!(stdout(&by_name), stdout(&by_file), "{name}: scenario");
        let sweep = |policy: &[&str], out: &str| {
            let out = dir.join(out);
            let mut args = vec![
                "sweep",
                "--delay",
                "0s..240s:20s",
                "--skew",
                "-60s..60s:30s",
            ];
            args.extend_from_slice(policy);
            args.extend_from_slice(&["--out", out.to_str().expect("utf-8")]);
            let o = skewsim(&args);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            std::fs::read(out.join(format!("{name}.csv"))).expect("the sweep CSV")
        };
        assert_eq!(
            sweep(&["--policy", name], &format!("{name}-a")),
            sweep(&["--policy-file", file], &format!("{name}-b")),
            "{name}: sweep CSV"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_policy_file_gets_one_line_naming_the_key() {
    let dir = temp_dir("bad-policy-file");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = stdout(&skewsim(&["policies", "--export", "django-otp"]));
    let cases = [
        (
            good.replace("replay = \"later-only\"", "replay = \"newer\""),
            "key login.replay: \"newer\" is not one of off, later-only, same-step",
        ),
        (
            good.replace("failures = \"throttle\"", "failures = \"jail\""),
            "key healing.failures: \"jail\" is not one of none, throttle, lock",
        ),
        ("not toml at all\n".to_owned(), "line 1: not valid TOML"),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let file = dir.join(format!("bad{i}.toml"));
        std::fs::write(&file, text).expect("write");
        for command in [&[][..], &["sweep"][..], &["montecarlo"][..], &["drift"][..]] {
            let mut args = command.to_vec();
            args.extend_from_slice(&["--policy-file", file.to_str().expect("utf-8")]);
            let o = skewsim(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            assert!(stdout(&o).is_empty(), "{args:?}");
            let e = stderr(&o);
            assert_eq!(e.lines().count(), 1, "{e}");
            assert!(e.starts_with("error: --policy-file "), "{e}");
            assert!(e.contains(expected), "{e} lacks {expected}");
        }
    }
    let o = skewsim(&["--policy", "pyotp", "--policy-file", "x.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `skewsim probe --dry-run` probes the model of a preset (nothing is
/// started); the file it writes is a policy file every command reads, and
/// it behaves as the preset.
#[test]
fn probe_dry_run_writes_a_measured_policy_file() {
    let dir = temp_dir("probe-dry-run");
    let file = dir.join("keycloak.toml");
    let file_text = file.to_str().expect("utf-8");
    // Keycloak's windows are ±1: candidates up to ±3 tell them apart at an
    // eighth of the default ±10's cost.
    let o = skewsim(&[
        "probe",
        "--dry-run",
        "keycloak",
        "--max-login-window",
        "3",
        "--out",
        file_text,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("DRY RUN: nothing was started or sent"),
        "{text}"
    );
    assert!(
        text.contains(
            "Against preset keycloak: the same outcome at every point of the default sweep grid"
        ),
        "{text}"
    );
    let by_file = skewsim(&[
        "--policy-file",
        file_text,
        "--delay",
        "90s",
        "--format",
        "json",
    ]);
    let by_name = skewsim(&["--policy", "keycloak", "--delay", "90s", "--format", "json"]);
    let outcome = |o: &Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        (v["outcome"].clone(), v["probabilities"].clone())
    };
    assert_eq!(outcome(&by_file), outcome(&by_name));
    let written = std::fs::read_to_string(&file).expect("written");
    assert!(written.contains("[measured]") && written.contains("provenance = \"measured\""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn probe_refuses_bad_input_in_one_line() {
    for (args, code, expected) in [
        (
            &["probe"][..],
            2,
            "error: --verifier or --adapter is needed",
        ),
        (
            &["probe", "--verifier", "nope"][..],
            2,
            "error: --verifier is not a built-in verifier",
        ),
        (
            &["probe", "--adapter", "/nonexistent/adapter"][..],
            3,
            "cannot start the adapter",
        ),
        (&["probe", "--dry-run", "nope"][..], 2, "not a known policy"),
        (
            &["probe", "--dry-run", "--max-failed-logins", "0"][..],
            2,
            "--max-failed-logins",
        ),
    ] {
        let o = skewsim(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}");
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
        assert!(e.contains(expected), "{args:?}: {e}");
    }
}

/// Ids and comments of a file given with --dir are anyone's text: a failing
/// row's id cannot forge a line of the table, nor a comment move the cursor.
#[test]
fn regression_vector_ids_from_dir_cannot_forge_table_lines() {
    let dir = temp_dir("forged-ids");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("x.csv"),
        "id,algorithm,secret_hex,digits,period,t0,time,expected,result,comment\n\
         \"a\nall 1 rows pass\",sha1,3132333435363738393031323334353637383930,6,30,0,59,000000,valid,\"it's \u{1b}[2J\"\n",
    )
    .expect("write");
    let o = skewsim(&["vectors", "--dir", dir.to_str().expect("utf-8")]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.lines().any(|l| l.starts_with("all ")), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
    assert!(
        out.contains(
            "FAIL x.csv a\\nall 1 rows pass: expected 000000, got 287082 (it's \\u{1b}[2J)"
        ),
        "{out}"
    );
}

/// Issue 22: a `--cmd` tool runs in its own process group, killed with its
/// children when it ends and at `--timeout`: a background child holding the
/// output pipe cannot stretch a row past the limit (this took 30 s), and a
/// child of a tool killed at the limit does not live on. Failures to run
/// the tool are exit 3, as docs/cli.md says; a tool that runs and fails is
/// a failed row (exit 1).
#[test]
fn regression_cmd_tools_are_killed_with_their_children() {
    let dir = small_vectors("process-group", 2);
    let d = dir.to_str().expect("utf-8");
    let started = std::time::Instant::now();
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--timeout",
        "2s",
        "--shell",
        "--cmd",
        "sleep 30 & echo {time}",
    ]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // The tool printed the time, not the code: two failed rows.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("got 59"), "{}", stdout(&o));

    let side = dir.join("survivor");
    let template = format!(
        "(sleep 1; touch '{}') & sleep 20; echo {{time}}",
        side.display()
    );
    let started = std::time::Instant::now();
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--timeout",
        "1s",
        "--shell",
        "--cmd",
        &template,
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did not finish within 1s"),
        "{}",
        stderr(&o)
    );
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(!side.exists(), "the tool's child outlived the run");

    // A tool that cannot be executed: exit 3; one that exits non-zero: a
    // failed row, exit 1.
    let not_executable = dir.join("tool.sh");
    std::fs::write(&not_executable, "#!/bin/sh\necho 1\n").expect("tool");
    let o = skewsim(&[
        "vectors",
        "--dir",
        d,
        "--cmd",
        &format!("{} {{time}}", not_executable.display()),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot start"), "{}", stderr(&o));
    let o = skewsim(&["vectors", "--dir", d, "--shell", "--cmd", "exit 4 # {time}"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("exit 4"), "{}", stdout(&o));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 23: privacyIDEA's resync leaves failcount, so a token locked on day
/// 1 stays locked: `drift` says so in numbers and in words, and the CSV marks
/// every day `locked` (before the fix days 2 and 3 counted as "in after a resync").
#[test]
fn drift_reports_no_way_in_after_privacyideas_lock() {
    let dir = temp_dir("drift-lock");
    let o = skewsim(&[
        "drift",
        "--policy",
        "privacyidea",
        "--delay",
        "200s",
        "--days",
        "3",
        "--attempts",
        "10",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("in after a resync:   0\n"), "{text}");
    assert!(text.contains("never got in:        3 logins"), "{text}");
    assert!(
        text.contains("locked out:          3 of them: from day 1.0 the token is locked (10 failures in a row): the resync after each failed day succeeds but does not unlock it; no code gets in until an administrator resets its failure counter"),
        "{text}"
    );
    let csv = std::fs::read_to_string(dir.join("drift-privacyidea.csv")).expect("csv");
    assert_eq!(
        csv.lines().filter(|l| l.contains(",locked,")).count(),
        3,
        "{csv}"
    );
    // The scenario's own answer says the same at the first login.
    let o = skewsim(&[
        "--policy",
        "privacyidea",
        "--delay",
        "200s",
        "--attempts",
        "10",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("Fix: your 10 refused attempts locked the token (10 failures in a row), and a resync does not unlock it: ask an administrator to reset its failure count; then resync the device"),
        "{text}"
    );
    assert!(
        text.contains(
            "none of your 10 attempts gets in, and the 10th failure in a row locks the token"
        ),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Issue 23: the labels say what the code does (libpam's learning search is
/// i < 25*60: -1499..+1499; privacyIDEA's lock is check_all ->
/// check_failcount; AWS's "consecutive" is the console guide's).
#[test]
fn policies_sources_label_what_the_rules_do() {
    let o = skewsim(&["policies", "--sources"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("skew learning on (search -1499..+1499 steps, 3 attempts)"),
        "{text}"
    );
    assert!(
        !text.contains("1500 steps") && !text.contains("+-1500"),
        "{text}"
    );
    assert!(!text.contains("check_token_locked"), "{text}");
    assert!(
        text.contains("check_all() -> tokenclass.py TokenClass.check_failcount()"),
        "{text}"
    );
    assert!(
        text.contains("documented two consecutive codes: IAM User Guide, 'Enable a virtual MFA device for an IAM user (console)'"),
        "{text}"
    );
    // keycloak-legacy: no replay rule shown.
    let row = text
        .lines()
        .find(|l| l.starts_with("keycloak-legacy "))
        .expect("a keycloak-legacy row");
    assert!(row.contains(" no "), "{row}");
}
