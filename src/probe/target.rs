//! What a probe talks to: a verifier that enrolls, logs in and resyncs
//! people with codes, on its own clock ([`Target`]). Two kinds: a lab
//! adapter process ([`AdapterTarget`], real or virtual clock) and the
//! skewsim model itself ([`ModelTarget`], for `--dry-run` and tests).

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::lab::{Adapter, AdapterError};
use crate::sim::clock::step_of;
use crate::sim::{Flow, Policy, State};
use crate::{Algorithm, Digits, Secret, hotp};

/// A verifier's answer to one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Accepted?
    pub accepted: bool,
    /// When the verifier decided, Unix ms on its clock (stamped by the
    /// adapter, or the midpoint of the exchange).
    pub time_ms: i64,
}

/// A verifier under probe.
pub trait Target {
    /// Its name and version, as it says.
    fn name(&self) -> String;
    /// How many codes its enrollment takes (1 or 2).
    fn enroll_codes(&self) -> usize;
    /// The time now, Unix ms: this machine's clock for a real-clock
    /// verifier (whose own clock shows only in its answers' stamps), the
    /// virtual clock otherwise.
    fn now_ms(&mut self) -> i64;
    /// Waits until the verifier's clock reads `t_ms` (a virtual clock jumps).
    fn wait_until(&mut self, t_ms: i64);
    /// A new person; returns the secret the verifier uses (its own, if it
    /// makes one).
    fn setup(&mut self, user: &str, secret: &[u8]) -> Result<Vec<u8>, AdapterError>;
    /// The enrollment check with these codes.
    fn enroll(&mut self, user: &str, codes: &[String]) -> Result<Answer, AdapterError>;
    /// Gives up a refused one-code enrollment and enrolls anyway (libpam's -1);
    /// `Ok(None)` when the verifier has no such thing.
    fn skip(&mut self, user: &str) -> Result<Option<Answer>, AdapterError>;
    /// One login.
    fn login(&mut self, user: &str, code: &str) -> Result<Answer, AdapterError>;
    /// A resync with two consecutive codes; `Ok(None)` when it has none.
    fn resync(&mut self, user: &str, codes: &[String]) -> Result<Option<Answer>, AdapterError>;
}

/// The code of `step` (SHA-1, 6 digits: every verifier the lab drives).
pub fn code(secret: &Secret, step: i64) -> String {
    u64::try_from(step)
        .map(|counter| hotp(Algorithm::Sha1, secret, counter, Digits::SIX).to_string())
        .unwrap_or_default()
}

fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How an adapter's verifier keeps time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Its own real clock: requests carry no time, answers say when.
    Real,
    /// Set by each request (`time_ms`): the probe runs at once, in virtual time.
    Virtual,
}

/// A lab adapter process speaking the protocol of `docs/lab.md`.
pub struct AdapterTarget {
    adapter: Adapter,
    name: String,
    claimed: Option<String>,
    enroll_codes: usize,
    clock: ClockMode,
    virtual_now: i64,
}

impl AdapterTarget {
    /// Says hello to a started adapter. `clock`: what to drive it with
    /// (`None`: what it announces; an adapter that announces none is virtual).
    pub fn new(
        mut adapter: Adapter,
        clock: Option<ClockMode>,
    ) -> Result<AdapterTarget, AdapterError> {
        let hello = adapter.request(&json!({"op": "hello"}))?;
        let name = hello
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| "unnamed verifier".to_owned(), crate::text::printable);
        let announced = match hello.get("clock").and_then(Value::as_str) {
            Some("real") => ClockMode::Real,
            _ => ClockMode::Virtual,
        };
        let clock = clock.unwrap_or(announced);
        if clock != announced {
            return Err(AdapterError::Protocol(format!(
                "the adapter runs a {} clock, not the {} one asked for (start it with --clock {})",
                mode_name(announced),
                mode_name(clock),
                mode_name(clock)
            )));
        }
        let enroll_codes = match hello.get("enroll_codes").and_then(Value::as_u64) {
            Some(2) => 2,
            Some(1) | None => 1,
            Some(n) => {
                return Err(AdapterError::Protocol(format!(
                    "enroll_codes {n}: an enrollment takes 1 or 2 codes"
                )));
            }
        };
        let claimed = hello
            .get("policy")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(AdapterTarget {
            adapter,
            name,
            claimed,
            enroll_codes,
            clock,
            // Virtual runs start at the lab's epoch (2027-01-15T08:00:00Z).
            virtual_now: crate::sim::model::EPOCH_MS,
        })
    }

    /// The preset the adapter says its verifier behaves like (`hello`'s `policy`).
    pub fn claimed_preset(&self) -> Option<String> {
        self.claimed.clone()
    }

    /// The clock this adapter runs.
    pub fn clock(&self) -> ClockMode {
        self.clock
    }

    /// Ends the adapter.
    pub fn finish(self) {
        self.adapter.finish();
    }

    fn check(&mut self, mut request: Value) -> Result<Answer, AdapterError> {
        let sent = self.now_ms();
        if self.clock == ClockMode::Virtual {
            request["time_ms"] = json!(self.virtual_now);
        }
        let answer = self.adapter.check(&request)?;
        let received = self.now_ms();
        let time_ms = match (self.clock, answer.time_ms) {
            (ClockMode::Virtual, _) => self.virtual_now,
            (ClockMode::Real, Some(t)) => t,
            (ClockMode::Real, None) => sent + (received - sent) / 2,
        };
        Ok(Answer {
            accepted: answer.accepted,
            time_ms,
        })
    }

    /// `None` when the adapter refuses the operation as unsupported.
    fn optional(&mut self, request: Value) -> Result<Option<Answer>, AdapterError> {
        match self.check(request) {
            Ok(a) => Ok(Some(a)),
            Err(AdapterError::Refused(why)) if why.contains("unsupported") => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn mode_name(mode: ClockMode) -> &'static str {
    match mode {
        ClockMode::Real => "real",
        ClockMode::Virtual => "virtual",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Target for AdapterTarget {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn enroll_codes(&self) -> usize {
        self.enroll_codes
    }

    fn now_ms(&mut self) -> i64 {
        match self.clock {
            ClockMode::Real => system_now_ms(),
            ClockMode::Virtual => self.virtual_now,
        }
    }

    fn wait_until(&mut self, t_ms: i64) {
        match self.clock {
            ClockMode::Real => {
                let now = system_now_ms();
                if t_ms > now {
                    std::thread::sleep(Duration::from_millis((t_ms - now).unsigned_abs()));
                }
            }
            ClockMode::Virtual => self.virtual_now = self.virtual_now.max(t_ms),
        }
    }

    fn setup(&mut self, user: &str, secret: &[u8]) -> Result<Vec<u8>, AdapterError> {
        let mut request = json!({
            "op": "setup", "user": user, "secret_hex": hex(secret), "digits": 6, "period_s": 30,
        });
        if self.clock == ClockMode::Virtual {
            request["time_ms"] = json!(self.virtual_now);
        }
        let hello = self.adapter.request(&request)?;
        match hello.get("secret_hex").and_then(Value::as_str) {
            Some(h) => crate::lab::decode_hex(h)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| {
                    AdapterError::Protocol("setup answered a secret_hex that is not hex".to_owned())
                }),
            None => Ok(secret.to_vec()),
        }
    }

    fn enroll(&mut self, user: &str, codes: &[String]) -> Result<Answer, AdapterError> {
        self.check(json!({"op": "enroll", "user": user, "codes": codes}))
    }

    fn skip(&mut self, user: &str) -> Result<Option<Answer>, AdapterError> {
        self.optional(json!({"op": "skip", "user": user}))
    }

    fn login(&mut self, user: &str, code: &str) -> Result<Answer, AdapterError> {
        self.check(json!({"op": "login", "user": user, "code": code}))
    }

    fn resync(&mut self, user: &str, codes: &[String]) -> Result<Option<Answer>, AdapterError> {
        self.optional(json!({"op": "resync", "user": user, "codes": codes}))
    }
}

/// The skewsim model of a policy as a verifier on a virtual clock, with a
/// fixed lag between the probe's clock and the verifier's decision: what
/// `--dry-run` probes, and what the tests identify.
pub struct ModelTarget {
    policy: Policy,
    now: i64,
    lag_ms: i64,
    users: HashMap<String, (Secret, State, bool)>,
    /// Every check made, in order (for tests).
    pub checks: usize,
}

impl ModelTarget {
    /// The model of `policy`; the verifier decides `lag_ms` after a request is sent.
    pub fn new(policy: Policy, lag_ms: i64) -> ModelTarget {
        ModelTarget {
            policy,
            now: crate::sim::model::EPOCH_MS,
            lag_ms,
            users: HashMap::new(),
            checks: 0,
        }
    }

    /// The step of a code: the nearest with that code, searched outwards
    /// from the decision time to ±3000 steps. A far code can share its code
    /// with a nearer step (about 2·10⁻⁶ per step of distance); the runs are
    /// deterministic (seeded secrets, a fixed virtual start), so a test
    /// that passes does not flake.
    fn step_of_code(&self, secret: &Secret, code_text: &str, at: i64) -> Option<i64> {
        let c = step_of(at, 30_000);
        (0..=3000)
            .flat_map(|d| [c + d, c - d])
            .find(|&s| code(secret, s) == code_text)
    }

    fn decide(&mut self) -> i64 {
        self.checks += 1;
        self.now + self.lag_ms
    }

    fn user(&mut self, user: &str) -> Result<(Secret, State, bool), AdapterError> {
        self.users
            .get(user)
            .cloned()
            .ok_or_else(|| AdapterError::Refused(format!("no user {user}")))
    }
}

impl Target for ModelTarget {
    fn name(&self) -> String {
        format!("the skewsim model of {}", self.policy.name)
    }

    fn enroll_codes(&self) -> usize {
        if self.policy.flow.is_pair() { 2 } else { 1 }
    }

    fn now_ms(&mut self) -> i64 {
        self.now
    }

    fn wait_until(&mut self, t_ms: i64) {
        self.now = self.now.max(t_ms);
    }

    fn setup(&mut self, user: &str, secret: &[u8]) -> Result<Vec<u8>, AdapterError> {
        let s = Secret::from_bytes(secret.to_vec())
            .map_err(|e| AdapterError::Protocol(e.to_string()))?;
        self.users
            .insert(user.to_owned(), (s, State::default(), false));
        Ok(secret.to_vec())
    }

    fn enroll(&mut self, user: &str, codes: &[String]) -> Result<Answer, AdapterError> {
        let t = self.decide();
        let (secret, mut state, _) = self.user(user)?;
        let steps: Vec<Option<i64>> = codes
            .iter()
            .map(|c| self.step_of_code(&secret, c, t))
            .collect();
        let accepted = match (self.policy.flow, steps.as_slice()) {
            (Flow::Pair { search, store }, [Some(a), Some(b)]) => {
                state.check_pair(search, store, (*a, *b), t, 30_000).is_ok()
            }
            (Flow::Confirm { window, store, .. }, [Some(m)]) => {
                let marks = self.policy.confirm_marks();
                state
                    .check_confirm(window, store, *m, t, 30_000, marks)
                    .is_ok()
            }
            (Flow::Pair { .. }, [_, _]) | (Flow::Confirm { .. }, [_]) => false,
            _ => return Err(AdapterError::Refused("wrong number of codes".to_owned())),
        };
        self.users
            .insert(user.to_owned(), (secret, state, accepted));
        Ok(Answer {
            accepted,
            time_ms: t,
        })
    }

    fn skip(&mut self, user: &str) -> Result<Option<Answer>, AdapterError> {
        match self.policy.flow {
            Flow::Confirm {
                skip_allowed: true, ..
            } => {
                let t = self.decide();
                let (secret, state, _) = self.user(user)?;
                self.users.insert(user.to_owned(), (secret, state, true));
                Ok(Some(Answer {
                    accepted: true,
                    time_ms: t,
                }))
            }
            _ => Ok(None),
        }
    }

    fn login(&mut self, user: &str, code_text: &str) -> Result<Answer, AdapterError> {
        let t = self.decide();
        let (secret, mut state, enrolled) = self.user(user)?;
        let accepted = enrolled
            && self
                .step_of_code(&secret, code_text, t)
                .is_some_and(|m| state.login(&self.policy, m, t, 30_000).accepted());
        self.users
            .insert(user.to_owned(), (secret, state, enrolled));
        Ok(Answer {
            accepted,
            time_ms: t,
        })
    }

    fn resync(&mut self, user: &str, codes: &[String]) -> Result<Option<Answer>, AdapterError> {
        if self.policy.resync.is_none() {
            return Ok(None);
        }
        let t = self.decide();
        let (secret, mut state, enrolled) = self.user(user)?;
        let step2 = codes.get(1).and_then(|c| self.step_of_code(&secret, c, t));
        let step1 = codes.first().and_then(|c| self.step_of_code(&secret, c, t));
        let accepted = enrolled
            && match (step1, step2) {
                (Some(a), Some(b)) if a + 1 == b => state.resync(&self.policy, b, t, 30_000),
                _ => false,
            };
        self.users
            .insert(user.to_owned(), (secret, state, enrolled));
        Ok(Some(Answer {
            accepted,
            time_ms: t,
        }))
    }
}

/// A monotonic stopwatch for the report (real seconds, whatever the clock).
pub fn stopwatch() -> Instant {
    Instant::now()
}
