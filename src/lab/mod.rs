//! The verifier lab: plays scenarios against a running verifier through a
//! small JSON-lines protocol (`docs/lab.md`) and holds every answer against
//! the model's prediction for the same code at the same time.
//!
//! The model produces the whole sequence of checks a scenario makes (the
//! enrollment, its retries or skip, logins with their retries and resyncs)
//! with its verdict for each; the adapter is asked the same checks in order.
//! Up to the first disagreement both follow the same path, so the first
//! disagreement is the finding and the rest of that scenario is moot.

pub mod adapter;
pub mod codes;

use chacha20::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::Secret;
use crate::sim::model::{Check, CheckKind};
use crate::sim::{Policy, Scenario};

pub use adapter::{Adapter, AdapterError, Answer};
pub use codes::{RealCodes, explains, replay};

/// One lab scenario: the model's scenario, the phases, and how many logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabScenario {
    /// A short name that says what it covers (`grid-d90-s0-p3`, `random-17`).
    pub id: String,
    /// Delay, skew, drift, the person's timings, the policy.
    pub scenario: Scenario,
    /// Where in its step the first enrollment code is read.
    pub enroll_phase_ms: i64,
    /// Where in its step the first login code is read.
    pub login_phase_ms: i64,
    /// Logins after the first (a year of daily logins: 364).
    pub more_logins: u64,
    /// Between logins.
    pub every_ms: i64,
    /// The secret (20 bytes, drawn from the seed).
    pub secret: Vec<u8>,
}

/// The most random scenarios [`scenarios`] is meant for (`skewsim lab
/// --random`): each is kept, with its finding, until the CSV is written
/// (measured: 83 MB resident for a lab of this many against an adapter that
/// refuses every check), and the slowest built-in verifier plays about 5 a
/// second (privacyIDEA: 1524 in 289 s, `reports/lab`), so this is hours of
/// play, far past any real run (800 by default).
pub const MAX_RANDOM: u64 = 100_000;

const S: i64 = 1000;
const DAY: i64 = 86_400_000;

/// The scenarios for `policy`: a deterministic grid (late pairs, skews both
/// ways up to an hour, a day later or at once, and a year of daily logins
/// with drift) and `random` more drawn from `seed`. `reduced` keeps a
/// few hundred, for CI. `random` is cut to [`MAX_RANDOM`] (the command line
/// refuses more), so that no count can exhaust memory.
pub fn scenarios(policy: &Policy, random: u64, seed: u64, reduced: bool) -> Vec<LabScenario> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let secret = |rng: &mut ChaCha8Rng| {
        let mut key = vec![0u8; 20];
        rng.fill_bytes(&mut key);
        key
    };
    let base = Scenario::new(policy.clone());
    let mut out = Vec::new();
    let delays: &[i64] = if reduced {
        &[0, 28, 60, 90, 200]
    } else {
        &[0, 5, 28, 30, 58, 60, 88, 90, 125, 170, 200, 330]
    };
    let skews: &[i64] = if reduced {
        &[-3600, -45, 0, 20, 300]
    } else {
        &[-3600, -300, -45, -20, 0, 10, 20, 45, 300, 3600]
    };
    let phases: &[i64] = if reduced { &[3, 29] } else { &[3, 17, 29] };
    for &delay in delays {
        for &skew in skews {
            for &phase in phases {
                for (login_after, tag) in [(DAY, "day"), (20 * S, "20s")] {
                    if reduced && login_after != DAY && delay != 0 {
                        continue;
                    }
                    out.push(LabScenario {
                        id: format!("grid-d{delay}-s{skew}-p{phase}-login{tag}"),
                        scenario: Scenario {
                            delay_ms: delay * S,
                            skew_ms: skew * S,
                            login_after_ms: login_after,
                            ..base.clone()
                        },
                        enroll_phase_ms: phase * S,
                        login_phase_ms: 10 * S,
                        more_logins: 0,
                        every_ms: DAY,
                        secret: secret(&mut rng),
                    });
                }
            }
        }
    }
    // A year of daily logins with drift (fewer days when reduced).
    let days = if reduced { 60 } else { 365 };
    for ppm in [-200, -50, 50, 200] {
        out.push(LabScenario {
            id: format!("drift-{ppm}ppm-{days}days"),
            scenario: Scenario {
                delay_ms: 5 * S,
                drift_ppb: ppm * 1000,
                ..base.clone()
            },
            enroll_phase_ms: 7 * S,
            login_phase_ms: 12 * S,
            more_logins: days - 1,
            every_ms: DAY,
            secret: secret(&mut rng),
        });
    }
    for n in 0..random.min(MAX_RANDOM) {
        let mut draw = |lo: i64, hi: i64| lo + (rng.next_u64() % (hi - lo + 1) as u64) as i64;
        let skew = match draw(0, 9) {
            0..=5 => draw(-60 * S, 60 * S),
            6..=8 => draw(-3600 * S, 3600 * S),
            _ => draw(-13 * 3600 * S, 13 * 3600 * S),
        };
        let drifting = draw(0, 4) == 0;
        let scenario = Scenario {
            delay_ms: draw(0, 400 * S),
            skew_ms: skew,
            drift_ppb: if drifting { draw(-200_000, 200_000) } else { 0 },
            reaction_ms: draw(500, 10 * S),
            login_delay_ms: draw(0, 20 * S),
            login_after_ms: if draw(0, 4) == 0 {
                draw(0, 120 * S)
            } else {
                DAY
            },
            attempts: draw(1, 4) as u32,
            ..base.clone()
        };
        out.push(LabScenario {
            id: format!("random-{n}"),
            scenario,
            enroll_phase_ms: draw(0, 29_999),
            login_phase_ms: draw(0, 29_999),
            more_logins: if drifting { draw(0, 60) as u64 } else { 0 },
            every_ms: if draw(0, 1) == 0 { DAY } else { 3_600_000 },
            secret: secret(&mut rng),
        });
    }
    out
}

/// What one scenario found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The scenario.
    pub id: String,
    /// Checks asked of the verifier.
    pub checks: usize,
    /// The first disagreement: which check, the model's verdict, the
    /// verifier's answer and its state.
    pub disagreement: Option<String>,
    /// The disagreement is explained by a 6-digit code collision: the
    /// model's rules, run on the real codes with each window searched in the
    /// verifier's own order ([`explains`]), give the verifier's answers to
    /// every check up to and including this one. The model identifies codes
    /// by their steps, so it cannot see this.
    pub collision: bool,
}

/// The code of `step` for `secret` (SHA-1, 6 digits, as every verifier here).
fn code(secret: &Secret, step: i64) -> String {
    RealCodes::new(secret)
        .code(step)
        .map(|c| c.to_string())
        .unwrap_or_default()
}

/// The protocol request for one model check.
pub fn request(user: &str, secret: &Secret, check: &Check) -> Value {
    let time_ms = check.t_receipt;
    match check.kind {
        CheckKind::Pair { step1, step2 } => json!({
            "op": "enroll", "user": user, "time_ms": time_ms,
            "codes": [code(secret, step1), code(secret, step2)],
        }),
        CheckKind::Confirm { step } => json!({
            "op": "enroll", "user": user, "time_ms": time_ms, "codes": [code(secret, step)],
        }),
        CheckKind::Skip => json!({"op": "skip", "user": user, "time_ms": time_ms}),
        CheckKind::Login { step } => json!({
            "op": "login", "user": user, "time_ms": time_ms, "code": code(secret, step),
        }),
        CheckKind::Resync { step1, step2 } => json!({
            "op": "resync", "user": user, "time_ms": time_ms,
            "codes": [code(secret, step1), code(secret, step2)],
        }),
    }
}

/// Plays one scenario against the adapter as user `user`.
pub fn run(adapter: &mut Adapter, user: &str, lab: &LabScenario) -> Result<Finding, AdapterError> {
    let s = &lab.scenario;
    let hello = adapter.request(&json!({
        "op": "setup", "user": user,
        "secret_hex": hex(&lab.secret),
        "digits": 6, "period_s": s.period_ms / 1000,
        "time_ms": crate::sim::model::EPOCH_MS,
    }))?;
    // A verifier that makes its own secret (libpam's setup tool) says which.
    let key = match hello.get("secret_hex").and_then(Value::as_str) {
        Some(h) => {
            decode_hex(h).ok_or_else(|| AdapterError::Protocol(format!("bad secret_hex {h}")))?
        }
        None => lab.secret.clone(),
    };
    let secret = Secret::from_bytes(key).map_err(|e| AdapterError::Protocol(e.to_string()))?;
    let checks = s.checks(
        lab.enroll_phase_ms,
        lab.login_phase_ms,
        lab.more_logins,
        lab.every_ms,
    );
    for (i, check) in checks.iter().enumerate() {
        let answer = adapter.check(&request(user, &secret, check))?;
        if answer.accepted != check.verdict.accepted() {
            return Ok(Finding {
                id: lab.id.clone(),
                checks: i + 1,
                collision: explains(
                    &s.policy,
                    &secret,
                    &checks[..=i],
                    answer.accepted,
                    s.period_ms,
                ),
                disagreement: Some(format!(
                    "check {} of {} ({:?} received at {} ms after the epoch of the run): model {:?}, verifier {} (state {})",
                    i + 1,
                    checks.len(),
                    check.kind,
                    check.t_receipt - crate::sim::model::EPOCH_MS,
                    check.verdict,
                    if answer.accepted {
                        "accepted"
                    } else {
                        "refused"
                    },
                    adapter::printable(&answer.state.to_string())
                )),
            });
        }
    }
    Ok(Finding {
        id: lab.id.clone(),
        checks: checks.len(),
        disagreement: None,
        collision: false,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex digits (`None` for an odd length or a non-hex digit).
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
