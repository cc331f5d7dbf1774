//! Every command's `--format json` holds to docs/skewsim.schema.json (one
//! schema, `"schema": 1`), checked with an independent JSON Schema validator
//! (boon, draft 2020-12). The schema forbids unknown keys and requires every
//! key, so a field added, renamed or dropped in the code fails here until
//! the schema (the documented contract) says the same.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use boon::{Compiler, SchemaIndex, Schemas};
use serde_json::Value;

const SCHEMA_PATH: &str = "docs/skewsim.schema.json";
const HEX: &str = "3132333435363738393031323334353637383930";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_text() -> Value {
    let text = std::fs::read_to_string(root().join(SCHEMA_PATH)).expect("the schema file");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> (Schemas, SchemaIndex) {
    let mut schemas = Schemas::new();
    let mut compiler = Compiler::new();
    compiler
        .add_resource("urn:skewsim:schema:1", schema_text())
        .expect("the schema loads");
    // Compiling checks the schema against the draft 2020-12 meta-schema.
    let index = compiler
        .compile("urn:skewsim:schema:1", &mut schemas)
        .unwrap_or_else(|e| panic!("the schema compiles: {e:#}"));
    (schemas, index)
}

fn skewsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skewsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skewsim-json-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs a command with `--format json` and returns its document.
fn document(args: &[&str], expected_exit: i32) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let o = skewsim(&all);
    assert_eq!(
        o.status.code(),
        Some(expected_exit),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON document: {e}"))
}

fn invalid(schemas: &Schemas, index: SchemaIndex, doc: &Value) -> Option<String> {
    schemas.validate(doc, index).err().map(|e| format!("{e:#}"))
}

/// The commands and arguments that exercise every document and its variants.
fn cases(sweep: &str, drift: &str, csv: &str) -> Vec<(Vec<String>, i32)> {
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (owned(&["--delay", "90s"]), 0),
        // A one-code flow that skips, retries and heals (libpam).
        (
            owned(&["--policy", "google-authenticator-pam", "--skew", "5m"]),
            0,
        ),
        // Rejected: no login, no first_login.
        (owned(&["--policy", "keycloak", "--delay", "10m"]), 0),
        // A fixed phase, drift, a time-shift verifier with AutoResync.
        (
            owned(&[
                "--policy",
                "privacyidea-autoresync",
                "--delay",
                "200s",
                "--phase",
                "5s",
                "--drift-ppm",
                "20",
            ]),
            0,
        ),
        (owned(&["policies"]), 0),
        (
            owned(&[
                "sweep",
                "--policy",
                "all",
                "--delay",
                "0s..1m:30s",
                "--skew",
                "-30s..30s:30s",
                "--out",
                sweep,
            ]),
            0,
        ),
        // A skew range without 0: at_zero_skew is null.
        (
            owned(&[
                "sweep",
                "--policy",
                "pyotp",
                "--delay",
                "0s..10s:5s",
                "--skew",
                "5s..10s:5s",
                "--out",
                sweep,
            ]),
            0,
        ),
        (owned(&["montecarlo", "--trials", "2000"]), 0),
        (
            owned(&[
                "montecarlo",
                "--trials",
                "500",
                "--delay",
                "5s",
                "--skew",
                "uniform:-1m..1m",
                "--reaction",
                "normal:2s,1s",
                "--out",
                csv,
            ]),
            0,
        ),
        (
            owned(&[
                "drift",
                "--policy",
                "aws-iam",
                "--drift-ppm",
                "50",
                "--days",
                "60",
                "--out",
                drift,
            ]),
            0,
        ),
        (
            owned(&[
                "drift",
                "--policy",
                "keycloak",
                "--drift-ppm",
                "50",
                "--days",
                "30",
                "--out",
                drift,
            ]),
            0,
        ),
        (owned(&["bulk", "--secrets", "1000"]), 0),
        (
            owned(&[
                "bulk",
                "--secret-hex",
                HEX,
                "--steps",
                "100",
                "--backend",
                "naive",
            ]),
            0,
        ),
        (owned(&["vectors"]), 0),
        (owned(&["vectors", "--dir", "vectors", "--valid-only"]), 0),
        (owned(&["code", "--secret-hex", HEX, "--time", "59"]), 0),
        (
            owned(&[
                "code",
                "--uri",
                "otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7",
            ]),
            0,
        ),
        // The window and the step times; HOTP by --counter, near counter 0.
        (
            owned(&[
                "code",
                "--secret-hex",
                HEX,
                "--time",
                "59",
                "--window",
                "2",
                "--digits",
                "8",
            ]),
            0,
        ),
        (
            owned(&[
                "code",
                "--secret-hex",
                HEX,
                "--counter",
                "1",
                "--window",
                "3",
                "-v",
            ]),
            0,
        ),
        // The last step there is: its end lies past u64, so step_end_unix is null.
        (
            owned(&[
                "code",
                "--secret-hex",
                HEX,
                "--time",
                "18446744073709551615",
                "--window",
                "1",
            ]),
            0,
        ),
        (owned(&["secret"]), 0),
        (
            owned(&[
                "secret",
                "--bytes",
                "64",
                "--uri",
                "--issuer",
                "ACME Co",
                "--account",
                "alice@example.com",
                "--algorithm",
                "sha512",
            ]),
            0,
        ),
        (
            owned(&[
                "verify",
                "--secret-hex",
                HEX,
                "--time",
                "59",
                "--code",
                "287082",
            ]),
            0,
        ),
        (
            owned(&[
                "verify",
                "--secret-hex",
                HEX,
                "--time",
                "59",
                "--code",
                "287083",
            ]),
            1,
        ),
        (
            owned(&[
                "probe",
                "--dry-run",
                "pyotp",
                // Windows up to ±3 keep the candidates (and the debug
                // build's time) small; the document is the same shape.
                "--max-login-window",
                "3",
                "--out",
                &format!("{sweep}/probed.toml"),
            ]),
            0,
        ),
    ]
}

#[test]
fn every_command_validates_against_the_schema() {
    let (schemas, index) = validator();
    let (sweep, drift, csv) = (temp("sweep"), temp("drift"), temp("mc"));
    let csv_file = csv.join("trials.csv");
    std::fs::create_dir_all(&csv).expect("temp dir");
    let path = |p: &Path| p.to_str().expect("utf-8 temp path").to_owned();
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for (args, exit) in cases(&path(&sweep), &path(&drift), &path(&csv_file)) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let doc = document(&args, exit);
        assert_eq!(doc["schema"], 1, "{args:?}");
        seen.insert(doc["command"].as_str().expect("a command").to_owned());
        if let Some(why) = invalid(&schemas, index, &doc) {
            failures.push(format!("{args:?}: {why}"));
        }
    }
    for dir in [&sweep, &drift, &csv] {
        let _ = std::fs::remove_dir_all(dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every document the schema lists is exercised (lab has its own test).
    let listed: BTreeSet<String> = schema_text()["properties"]["command"]["enum"]
        .as_array()
        .expect("the command enum")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .filter(|c| c != "lab")
        .collect();
    assert_eq!(seen, listed);
}

#[test]
fn probabilities_are_numbers_that_sum_to_one() {
    let doc = document(&["--delay", "60s", "--skew", "-5s"], 0);
    let sum: f64 = ["in_sync", "out_of_sync", "login_fails", "rejected"]
        .iter()
        .map(|k| doc["probabilities"][k].as_f64().expect("a number"))
        .sum();
    assert!((sum - 1.0).abs() < 1e-12, "{}", doc["probabilities"]);
    let counts = &doc["counts"];
    assert!(counts["total"].as_u64().expect("a number") > 0);
    let mc = document(&["montecarlo", "--trials", "1000"], 0);
    let trials: u64 = ["in_sync", "out_of_sync", "login_fails", "rejected"]
        .iter()
        .map(|k| mc["outcomes"][k]["count"].as_u64().expect("a count"))
        .sum();
    assert_eq!(trials, 1000);
}

/// The validator does reject what breaks the contract: the test above can fail.
#[test]
fn the_schema_rejects_broken_documents() {
    let (schemas, index) = validator();
    let good = document(&["--delay", "90s"], 0);
    assert_eq!(invalid(&schemas, index, &good), None);
    let mut broken = Vec::new();
    let mut extra = good.clone();
    extra["run"]["timeline"][0]["extra"] = Value::from(1);
    broken.push(("an unknown key in an event", extra));
    let mut missing = good.clone();
    missing
        .as_object_mut()
        .expect("an object")
        .remove("thresholds");
    broken.push(("a missing key", missing));
    let mut string_number = good.clone();
    string_number["counts"]["total"] = Value::from("900000000");
    broken.push(("a count as a string", string_number));
    let mut version = good.clone();
    version["schema"] = Value::from(2);
    broken.push(("another schema version", version));
    let mut command = good.clone();
    command["command"] = Value::from("sweep");
    broken.push(("a scenario labelled as a sweep", command));
    let mut probability = good;
    probability["probabilities"]["in_sync"] = Value::from(1.5);
    broken.push(("a probability above 1", probability));
    for (what, doc) in broken {
        assert!(
            invalid(&schemas, index, &doc).is_some(),
            "{what} passed the schema"
        );
    }
}

fn tool(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `lab --format json`, against oathtool (the lab's one adapter that needs
/// no Python packages).
#[test]
#[cfg_attr(
    not(all(skewsim_oathtool, skewsim_python3)),
    ignore = "needs oathtool and python3 on PATH"
)]
fn lab_validates_against_the_schema() {
    // Found when the tests were built (build.rs), or required by
    // SKEWSIM_REQUIRE_TOOLS=1: missing now is a failure.
    assert!(
        tool("oathtool") && tool("python3"),
        "lab_validates_against_the_schema: oathtool or python3 not on PATH (required: \
         SKEWSIM_REQUIRE_TOOLS=1 is set, or they were there when the tests were built)"
    );
    let (schemas, index) = validator();
    let out = temp("lab");
    let adapter = format!(
        "python3 {} --window 1",
        root().join("lab/adapters/oathtool_adapter.py").display()
    );
    let doc = document(
        &[
            "lab",
            "--adapter",
            &adapter,
            "--reduced",
            "--random",
            "3",
            "--out",
            out.to_str().expect("utf-8 temp path"),
        ],
        0,
    );
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(doc["command"], "lab");
    assert_eq!(doc["verifiers"][0]["disagree"], 0, "{doc}");
    assert_eq!(invalid(&schemas, index, &doc), None);
}

/// docs/policy-file.schema.json describes every built-in policy file and
/// what a probe writes, and refuses what skewsim's reader refuses.
#[test]
fn policy_files_validate_against_their_schema() {
    let text = std::fs::read_to_string(root().join("docs/policy-file.schema.json"))
        .expect("the policy-file schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let mut schemas = Schemas::new();
    let mut compiler = Compiler::new();
    compiler
        .add_resource("urn:skewsim:policy-file:1", schema)
        .expect("the schema loads");
    let index = compiler
        .compile("urn:skewsim:policy-file:1", &mut schemas)
        .unwrap_or_else(|e| panic!("the schema compiles: {e:#}"));
    let as_json = |toml_text: &str| -> Value {
        let table: toml::Table = toml_text.parse().expect("TOML");
        serde_json::to_value(table).expect("JSON")
    };
    let mut files: Vec<String> = std::fs::read_dir(root().join("policies"))
        .expect("policies/")
        .map(|e| e.expect("entry").path().display().to_string())
        .collect();
    files.sort();
    assert_eq!(files.len(), skewsim::sim::presets().len());
    let probed = temp("probed-policy").join("p.toml");
    let o = skewsim(&[
        "probe",
        "--dry-run",
        "pyotp",
        "--max-login-window",
        "3",
        "--out",
        probed.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    files.push(probed.display().to_string());
    for file in &files {
        let doc = as_json(&std::fs::read_to_string(file).expect("read"));
        if let Err(e) = schemas.validate(&doc, index) {
            panic!("{file}: {e:#}");
        }
    }
    let good = std::fs::read_to_string(&files[0]).expect("read");
    for bad in [
        good.replace("replay = \"later-only\"", "replay = \"later\""),
        good.replace("format = 1", "format = 2"),
        good.replace("[login]\n", "[login]\nwindw = \"1\"\n"),
        good.replace("codes = 2", "codes = 3"),
    ] {
        assert!(schemas.validate(&as_json(&bad), index).is_err(), "{bad}");
    }
    let _ = std::fs::remove_dir_all(probed.parent().expect("a folder"));
}

/// docs/vectors.schema.json, compiled (which checks it against the draft
/// 2020-12 meta-schema).
fn vectors_validator() -> (Schemas, SchemaIndex) {
    let text = std::fs::read_to_string(root().join("docs/vectors.schema.json"))
        .expect("the vectors schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let mut schemas = Schemas::new();
    let mut compiler = Compiler::new();
    compiler
        .add_resource("urn:skewsim:vectors:1", schema)
        .expect("the schema loads");
    let index = compiler
        .compile("urn:skewsim:vectors:1", &mut schemas)
        .unwrap_or_else(|e| panic!("the schema compiles: {e:#}"));
    (schemas, index)
}

/// A JSON value as the CSV writes it: strings as they are, numbers in
/// decimal, null as an empty field.
fn csv_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Where each CSV column lives in the export, for a row of a file whose
/// header is `columns`: the group's parameters, the test, or the test's
/// `parsed` fields (URIs).
fn exported(column: &str, columns: &[String], group: &Value, test: &Value) -> String {
    let has = |c: &str| columns.iter().any(|x| x == c);
    let parsed = |key: &str| csv_text(&test["parsed"][key]);
    match column {
        "id" | "comment" | "input" | "uri" | "error" => csv_text(&test[column]),
        "result" => csv_text(&test["result"]),
        "hex" => csv_text(&test["bytes"]),
        "encoding" | "behind" | "ahead" => csv_text(&group[column]),
        "counter" if has("uri") => parsed("counter"),
        "counter" => csv_text(&test["counter"]),
        "hmac_sha1_hex" => csv_text(&test["hmac"]),
        "truncated_hex" => csv_text(&test["truncatedHex"]),
        "truncated_dec" => csv_text(&test["truncated"]),
        "kind" | "issuer" | "account" | "algorithm" | "digits" | "period" if has("uri") => {
            parsed(column)
        }
        "secret_hex" if has("uri") => parsed("key"),
        "secret_hex" => csv_text(&test["key"]),
        "algorithm" | "digits" | "period" | "t0" => csv_text(&group[column]),
        "time" | "code" => csv_text(&test[column]),
        // Verification: accepted:OFFSET or rejected.
        "expected" if has("behind") => match &test["offset"] {
            Value::Null => "rejected".to_owned(),
            offset => format!("accepted:{offset}"),
        },
        "expected" => csv_text(&test["code"]),
        other => panic!("column {other} has no place in the export"),
    }
}

/// `vectors --export-json`: the Wycheproof-shaped document holds to
/// docs/vectors.schema.json, is the library's export_json byte for byte,
/// and holds every CSV row exactly once with the same values.
#[test]
fn the_vectors_export_validates_and_agrees_with_the_csv_files() {
    let (schemas, index) = vectors_validator();
    let printed = skewsim(&["vectors", "--export-json", "-"]);
    assert_eq!(printed.status.code(), Some(0));
    let dir = temp("export");
    let file = dir.join("vectors.json");
    let written = skewsim(&["vectors", "--export-json", file.to_str().expect("utf-8")]);
    assert_eq!(written.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&written.stdout).starts_with("wrote 931 tests from 7 files to ")
    );
    assert_eq!(std::fs::read(&file).expect("the export"), printed.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    let files = skewsim::vectors::load_built_in().expect("built-in vectors");
    assert_eq!(
        skewsim::vectors::export_json(&files).as_bytes(),
        printed.stdout.as_slice()
    );
    let doc: Value = serde_json::from_slice(&printed.stdout).expect("the export is JSON");
    assert_eq!(invalid(&schemas, index, &doc), None);

    // Every test once, by file and id; tcIds 1..N in order.
    let mut by_row = std::collections::HashMap::new();
    let mut tc_id = 0;
    for group in doc["testGroups"].as_array().expect("groups") {
        for test in group["tests"].as_array().expect("tests") {
            tc_id += 1;
            assert_eq!(test["tcId"], tc_id);
            let key = (csv_text(&group["file"]), csv_text(&test["id"]));
            assert!(
                by_row.insert(key.clone(), (group, test)).is_none(),
                "{key:?} twice"
            );
        }
    }
    assert_eq!(doc["numberOfTests"], tc_id);

    // Every CSV row, read independently of skewsim's loader, column by column.
    let mut rows = 0;
    let mut csv_files: Vec<PathBuf> = std::fs::read_dir(root().join("vectors"))
        .expect("vectors/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    csv_files.sort();
    assert_eq!(csv_files.len(), 7);
    for path in &csv_files {
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_path(path)
            .expect("the CSV opens");
        let columns: Vec<String> = reader
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_owned)
            .collect();
        for record in reader.records() {
            let record = record.expect("a row");
            rows += 1;
            let id = record.get(0).expect("an id").to_owned();
            let (group, test) = by_row
                .get(&(name.clone(), id.clone()))
                .unwrap_or_else(|| panic!("{name} {id} is not in the export"));
            for (column, value) in columns.iter().zip(record.iter()) {
                let got = exported(column, &columns, group, test);
                if column == "result" && value == "valid" && got == "acceptable" {
                    // A lenient form: flagged, and refusing it is allowed.
                    let flags = test["flags"].to_string();
                    assert!(
                        ["LowerCase", "Separators", "Padding", "CaseInsensitive"]
                            .iter()
                            .any(|f| flags.contains(f)),
                        "{name} {id}: acceptable without a leniency flag: {flags}"
                    );
                    continue;
                }
                // The HOTP file has no result column: its rows are valid.
                assert_eq!(got, value, "{name} {id}: column {column}");
            }
            if !columns.iter().any(|c| c == "result") {
                let expected = if columns.iter().any(|c| c == "behind") {
                    if test["offset"].is_null() {
                        "invalid"
                    } else {
                        "valid"
                    }
                } else {
                    "valid"
                };
                assert_eq!(test["result"], expected, "{name} {id}");
            }
        }
    }
    assert_eq!(rows, tc_id, "the export holds a test no CSV row gave");
}

/// Ids and comments from a file given with --dir cannot break the document,
/// and the schema refuses what breaks the contract.
#[test]
fn the_vectors_export_escapes_untrusted_text_and_the_schema_bites() {
    let (schemas, index) = vectors_validator();
    let dir = temp("export-dir");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let nasty = "a\"b\\c\u{1}\u{2028}";
    std::fs::write(
        dir.join("x.csv"),
        format!(
            "# source: a test\nid,algorithm,secret_hex,digits,period,t0,time,expected,result,comment\n\"{}\",sha1,{HEX},6,30,0,59,287082,valid,\"two\nlines\"\n",
            nasty.replace('"', "\"\"")
        ),
    )
    .expect("write");
    let o = skewsim(&[
        "vectors",
        "--dir",
        dir.to_str().expect("utf-8"),
        "--export-json",
        "-",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: Value = serde_json::from_slice(&o.stdout).expect("still JSON");
    assert_eq!(invalid(&schemas, index, &doc), None);
    let test = &doc["testGroups"][0]["tests"][0];
    assert_eq!(test["id"], nasty);
    assert_eq!(test["comment"], "two\nlines");

    let good: Value =
        serde_json::from_slice(&skewsim(&["vectors", "--export-json", "-"]).stdout).expect("JSON");
    let mut broken = Vec::new();
    let mut result = good.clone();
    result["testGroups"][0]["tests"][0]["result"] = Value::from("maybe");
    broken.push(("a result that is not valid/invalid/acceptable", result));
    let mut missing = good.clone();
    missing["testGroups"][1]["tests"][0]
        .as_object_mut()
        .expect("a test")
        .remove("tcId");
    broken.push(("a test without tcId", missing));
    let totp = good["testGroups"]
        .as_array()
        .expect("groups")
        .iter()
        .position(|g| g["type"] == "TotpGeneration")
        .expect("a TOTP group");
    let mut code = good.clone();
    code["testGroups"][totp]["tests"][0]["code"] = Value::from(287082);
    broken.push(("a code as a number", code));
    let mut kind = good;
    kind["testGroups"][0]["type"] = Value::from("TotpGeneration");
    broken.push(("an HOTP group labelled TOTP", kind));
    for (what, doc) in broken {
        assert!(
            invalid(&schemas, index, &doc).is_some(),
            "{what} passed the schema"
        );
    }
}
