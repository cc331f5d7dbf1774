//! The totp-rs crate as a verifier of `skewsim lab` (docs/lab.md): one JSON
//! request per line on stdin, one JSON answer per line on stdout.
//!
//! Each person's `Totp` is built as a Rust service builds it:
//! `Builder::new().with_secret(..).with_digits(..).with_step_duration(..)
//! .with_skew(S).build()`, S = `--skew` (default 1, the Builder's own default
//! and what the crate's README shows). A code is checked with
//! `Totp::check(token, time)`, `time` the request's `time_ms` in whole
//! seconds (the crate takes a `u64` of seconds; with a period of whole
//! seconds flooring the milliseconds gives the same step), or with
//! `Totp::check_current(token)` under `--clock real`, where totp-rs reads the
//! system clock itself. totp-rs keeps no state: `check` returns the matched
//! step and leaves replay protection to the caller, so the adapter keeps none.
//!
//! Usage: `totp-rs-adapter [--skew N] [--clock virtual|real]`.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use totp_rs::{Builder, Secret, Totp};
use zeroize::Zeroizing;

/// This crate's lock file, to name the totp-rs version that was built.
const LOCK: &str = include_str!("../Cargo.lock");

/// The version of totp-rs in the lock file (`cargo build --locked` builds
/// exactly that one).
fn totp_rs_version() -> &'static str {
    LOCK.split("[[package]]")
        .find(|p| p.contains("\nname = \"totp-rs\"\n"))
        .and_then(|p| p.split("\nversion = \"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("unknown")
}

/// The command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    /// `Builder::with_skew`: steps accepted each side of the current one.
    skew: u16,
    /// `--clock real`: the verifier reads its own clock.
    real: bool,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        skew: 1,
        real: false,
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1);
        match (args[i].as_str(), value) {
            ("--skew", Some(v)) => {
                options.skew = v
                    .parse()
                    .map_err(|_| format!("--skew: {v:?} is not a whole number from 0 to 65535"))?;
            }
            ("--clock", Some(v)) => {
                options.real = match v.as_str() {
                    "virtual" => false,
                    "real" => true,
                    _ => return Err(format!("--clock: {v:?} is not one of virtual, real")),
                };
            }
            ("--skew" | "--clock", None) => return Err(format!("{} needs a value", args[i])),
            (other, _) => {
                return Err(format!(
                    "unknown argument {other:?} (usage: totp-rs-adapter [--skew N] [--clock virtual|real])"
                ));
            }
        }
        i += 2;
    }
    Ok(options)
}

/// The real clock in integer Unix milliseconds.
fn now_ms() -> Result<i64, String> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_owned())
        .and_then(|d| {
            i64::try_from(d.as_millis()).map_err(|_| "the system clock is out of range".to_owned())
        })
}

/// The adapter: its options and each person's `Totp` (which wipes its
/// secret on drop: totp-rs's `zeroize` feature).
struct Adapter {
    options: Options,
    users: HashMap<String, Totp>,
}

fn field<'a>(request: &'a Value, name: &str) -> Result<&'a Value, String> {
    request
        .get(name)
        .ok_or_else(|| format!("the request has no {name:?}"))
}

fn string<'a>(request: &'a Value, name: &str) -> Result<&'a str, String> {
    field(request, name)?
        .as_str()
        .ok_or_else(|| format!("{name:?} must be a string"))
}

fn integer(request: &Value, name: &str) -> Result<i64, String> {
    field(request, name)?
        .as_i64()
        .ok_or_else(|| format!("{name:?} must be an integer"))
}

/// Hex to bytes; the error never quotes the secret.
fn from_hex(hex: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err("\"secret_hex\" has an odd number of digits".to_owned());
    }
    let nibble = |b: u8| char::from(b).to_digit(16);
    let mut bytes = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
    for pair in digits.chunks_exact(2) {
        match (nibble(pair[0]), nibble(pair[1])) {
            // Each digit is below 16, so the byte fits.
            (Some(hi), Some(lo)) => bytes.push((hi * 16 + lo) as u8),
            _ => return Err("\"secret_hex\" is not hexadecimal".to_owned()),
        }
    }
    Ok(bytes)
}

impl Adapter {
    fn hello(&self) -> Map<String, Value> {
        let mut answer = Map::new();
        answer.insert(
            "name".into(),
            json!(format!(
                "totp-rs {} (skew={})",
                totp_rs_version(),
                self.options.skew
            )),
        );
        answer.insert("policy".into(), json!("totp-rs"));
        answer.insert(
            "clock".into(),
            json!(if self.options.real { "real" } else { "virtual" }),
        );
        answer.insert("enroll_codes".into(), json!(1));
        answer
    }

    fn setup(&mut self, request: &mut Value) -> Result<Map<String, Value>, String> {
        let user = string(request, "user")?.to_owned();
        let digits = u8::try_from(integer(request, "digits")?)
            .map_err(|_| "\"digits\" is out of range".to_owned())?;
        let period = u64::try_from(integer(request, "period_s")?)
            .map_err(|_| "\"period_s\" must be 0 or more".to_owned())?;
        // Taken out of the request so that it is wiped when dropped.
        let hex = match request.get_mut("secret_hex").map(Value::take) {
            Some(Value::String(s)) => Zeroizing::new(s),
            Some(_) => return Err("\"secret_hex\" must be a string".to_owned()),
            None => return Err("the request has no \"secret_hex\"".to_owned()),
        };
        let secret = from_hex(&hex)?;
        // build() refuses digits outside 6..=8, a secret under 128 bits and
        // a step of 0, so check() can never panic on this Totp.
        let totp = Builder::new()
            .with_secret(Secret::from(&secret[..]))
            .with_digits(digits)
            .with_step_duration(period)
            .with_skew(self.options.skew)
            .build()
            .map_err(|e| format!("totp-rs refused the setup: {e}"))?;
        self.users.insert(user, totp);
        Ok(Map::new())
    }

    fn check(&self, request: &Value, code: &str) -> Result<Map<String, Value>, String> {
        let user = string(request, "user")?;
        let totp = self
            .users
            .get(user)
            .ok_or_else(|| format!("unknown user {user:?} (no setup)"))?;
        let (matched, time_ms) = if self.options.real {
            let before = now_ms()?;
            let matched = totp.check_current(code);
            (matched, (before + now_ms()?) / 2)
        } else {
            let time_ms = integer(request, "time_ms")?;
            let seconds = u64::try_from(time_ms.div_euclid(1000))
                .map_err(|_| "\"time_ms\" is before 1970".to_owned())?;
            (totp.check(code, seconds), time_ms)
        };
        let mut answer = Map::new();
        answer.insert("accepted".into(), json!(matched.is_some()));
        // totp-rs keeps no state; the step it matched is what check() returns.
        answer.insert("state".into(), json!({ "matched_step": matched }));
        answer.insert("time_ms".into(), json!(time_ms));
        Ok(answer)
    }

    /// One request's answer, without `ok`.
    fn answer(&mut self, request: &mut Value) -> Result<Map<String, Value>, String> {
        let op = string(request, "op")?.to_owned();
        match op.as_str() {
            "hello" => Ok(self.hello()),
            "setup" => self.setup(request),
            "enroll" => {
                let codes = field(request, "codes")?
                    .as_array()
                    .ok_or_else(|| "\"codes\" must be a list".to_owned())?;
                match codes.as_slice() {
                    [code] => {
                        let code = code
                            .as_str()
                            .ok_or_else(|| "a code must be a string".to_owned())?;
                        self.check(request, code)
                    }
                    _ => Err("totp-rs confirms one code".to_owned()),
                }
            }
            "login" => {
                let code = string(request, "code")?.to_owned();
                self.check(request, &code)
            }
            other => Err(format!("unsupported op {other:?}")),
        }
    }
}

fn reply(out: &mut impl Write, answer: &Value) -> io::Result<()> {
    writeln!(out, "{answer}")?;
    out.flush()
}

fn serve(options: Options) -> io::Result<()> {
    let mut adapter = Adapter {
        options,
        users: HashMap::new(),
    };
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = io::stdout().lock();
    loop {
        // Lines carry secrets: wiped when dropped.
        let mut line = Zeroizing::new(Vec::new());
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut request: Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => {
                reply(
                    &mut out,
                    &json!({"ok": false, "error": format!("not a JSON request: {e}")}),
                )?;
                continue;
            }
        };
        if request.get("op").and_then(Value::as_str) == Some("bye") {
            return reply(&mut out, &json!({"ok": true}));
        }
        let answer = match adapter.answer(&mut request) {
            Ok(mut answer) => {
                answer.insert("ok".into(), json!(true));
                Value::Object(answer)
            }
            Err(error) => json!({"ok": false, "error": error}),
        };
        reply(&mut out, &answer)?;
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match serve(options) {
        Ok(()) => ExitCode::SUCCESS,
        // The lab closed the pipe or stdin broke: nothing more to answer.
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_named_is_the_one_pinned() {
        assert_eq!(totp_rs_version(), "6.0.0");
        assert!(include_str!("../Cargo.toml").contains("version = \"=6.0.0\""));
    }

    #[test]
    fn arguments() {
        let args = |a: &[&str]| parse_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            args(&[]),
            Ok(Options {
                skew: 1,
                real: false
            })
        );
        assert_eq!(
            args(&["--skew", "0", "--clock", "real"]),
            Ok(Options {
                skew: 0,
                real: true
            })
        );
        assert!(args(&["--skew"]).is_err());
        assert!(args(&["--skew", "-1"]).is_err());
        assert!(args(&["--clock", "later"]).is_err());
        assert!(args(&["--window", "1"]).is_err());
    }

    #[test]
    fn hex_is_decoded_and_errors_do_not_quote_it() {
        assert_eq!(&from_hex("00ff10").expect("hex")[..], &[0, 255, 16]);
        let e = from_hex("12345g").expect_err("not hex");
        assert!(!e.contains("12345g"), "{e}");
        assert!(from_hex("123").is_err());
    }

    /// RFC 6238 appendix B, SHA-1 at T = 59 s: 94287082 (8 digits); with
    /// skew 1 the codes of steps 0..=2 match at step 1, step 3 does not.
    #[test]
    fn checks_the_rfc_vector_within_the_skew() {
        let mut a = Adapter {
            options: Options {
                skew: 1,
                real: false,
            },
            users: HashMap::new(),
        };
        let mut setup = json!({"op": "setup", "user": "u", "digits": 8, "period_s": 30,
            "secret_hex": "3132333435363738393031323334353637383930"});
        assert_eq!(a.answer(&mut setup), Ok(Map::new()));
        let at = |a: &mut Adapter, ms: i64| {
            let mut r = json!({"op": "login", "user": "u", "code": "94287082", "time_ms": ms});
            a.answer(&mut r).expect("answered")["accepted"].clone()
        };
        assert_eq!(at(&mut a, 59_000), json!(true));
        assert_eq!(at(&mut a, 89_999), json!(true));
        assert_eq!(at(&mut a, 90_000), json!(false));
        let mut bad = json!({"op": "login", "user": "u", "code": "94287082", "time_ms": -1});
        assert!(a.answer(&mut bad).is_err());
        let mut nobody = json!({"op": "login", "user": "v", "code": "1", "time_ms": 0});
        assert!(a.answer(&mut nobody).is_err());
    }
}
