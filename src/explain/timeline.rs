//! One run as a timeline: each event as data and as the lines a person
//! reads. Times count from reading code 1, steps from its step (0 is step
//! k); codes are those of a demo secret (RFC 6238's), because the outcome
//! depends on the steps alone.

use serde::Serialize;

use super::doc::StateDoc;
use super::words::{attempts, stored};
use super::{Decisive, healing_note};
use crate::duration::format_human;
use crate::sim::model::Login;
use crate::sim::policy::range_text;
use crate::sim::{Decision, Enrollment, Outcome, RejectReason, Scenario, Store};
use crate::{Algorithm, Digits, Secret, hotp};

/// One run: the enrollment and its first login.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Where in its step code 1 was read.
    pub enroll_phase_ms: i64,
    /// Where in its step the login code was read.
    pub login_phase_ms: i64,
    /// What happened, in order.
    pub timeline: Vec<Entry>,
    /// `accepted`, `skipped`, `rejected_not_consecutive`, `rejected_out_of_range`.
    pub decision: &'static str,
    /// The accepted code's step minus the verifier's (`None`: rejected or skipped).
    pub found_offset: Option<i64>,
    /// What the enrollment stored.
    pub stored: StateDoc,
    /// What the device's true offset would be, in the verifier's form.
    pub ideal_stored: StateDoc,
    /// The first login (`None`: not enrolled).
    pub first_login: Option<FirstLogin>,
}

/// The first login of a run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FirstLogin {
    /// Its first code was accepted.
    pub accepted: bool,
    /// It would have been with the device's true offset stored.
    pub ideal_accepted: bool,
    /// The attempt that got in (`None`: none).
    pub gets_in_at_attempt: Option<u32>,
    /// Because the verifier healed itself.
    pub healed: bool,
}

/// One event of the timeline with its words.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// As a person reads it, one line each (the first at the event's time).
    pub text: Vec<String>,
}

impl Entry {
    /// When, from reading code 1.
    pub fn t_ms(&self) -> i64 {
        match self.event {
            Event::CodeRead { t_ms, .. }
            | Event::CodeChanges { t_ms, .. }
            | Event::Received { t_ms, .. }
            | Event::EnrollmentDecided { t_ms, .. }
            | Event::LoginCodeRead { t_ms, .. }
            | Event::LoginReceived { t_ms, .. } => t_ms,
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The person reads a code (and submits it, or the pair, when `submitted`).
    CodeRead {
        /// From reading code 1.
        t_ms: i64,
        /// Its step.
        step: i64,
        /// Its value under the demo secret.
        demo_code: String,
        /// Submitted now.
        submitted: bool,
    },
    /// The device replaces code 1 by the next one.
    CodeChanges {
        /// From reading code 1.
        t_ms: i64,
        /// The new step.
        step: i64,
        /// Its value under the demo secret.
        demo_code: String,
    },
    /// The verifier receives a code (a pair's code 2) and searches its window.
    Received {
        /// From reading code 1.
        t_ms: i64,
        /// The code's step.
        code_step: i64,
        /// The verifier's step.
        verifier_step: i64,
        /// The search's first step.
        search_from_step: i64,
        /// Its last.
        search_to_step: i64,
        /// Matched.
        accepted: bool,
    },
    /// The enrollment ends.
    EnrollmentDecided {
        /// From reading code 1.
        t_ms: i64,
        /// As [`Run::decision`].
        decision: &'static str,
        /// What it stored.
        stored: StateDoc,
    },
    /// The first login's code is read.
    LoginCodeRead {
        /// From reading code 1.
        t_ms: i64,
        /// Its step.
        step: i64,
        /// Its value under the demo secret.
        demo_code: String,
    },
    /// The verifier checks the first login's code.
    LoginReceived {
        /// From reading code 1.
        t_ms: i64,
        /// The code's step.
        code_step: i64,
        /// The verifier's corrected step.
        verifier_step: i64,
        /// The window's first step.
        accept_from_step: i64,
        /// Its last.
        accept_to_step: i64,
        /// Accepted.
        accepted: bool,
        /// Accepted had the enrollment stored the device's true offset.
        ideal_accepted: bool,
    },
}

fn decision_key(d: Decision) -> &'static str {
    match d {
        Decision::Accepted { skipped: true, .. } => "skipped",
        Decision::Accepted { .. } => "accepted",
        Decision::Rejected(RejectReason::NotConsecutive) => "rejected_not_consecutive",
        Decision::Rejected(RejectReason::OutOfRange) => "rejected_out_of_range",
    }
}

/// A code of the demo secret (RFC 6238's).
fn demo_code(step: i64) -> String {
    match (
        Secret::from_bytes(b"12345678901234567890".to_vec()),
        u64::try_from(step),
    ) {
        (Ok(secret), Ok(counter)) => {
            hotp(Algorithm::Sha1, &secret, counter, Digits::SIX).to_string()
        }
        _ => "??????".to_owned(),
    }
}

/// `k`, `k+3`, `k-2`: a step relative to code 1's.
fn rel(d: i64) -> String {
    match d {
        0 => "k".to_owned(),
        d => format!("k{d:+}"),
    }
}

/// The run told as a timeline.
pub(super) fn run(
    s: &Scenario,
    run: &Enrollment,
    login: Option<&Login>,
    enroll_phase_ms: i64,
    login_phase_ms: i64,
) -> Run {
    let p = &s.policy;
    let (base, k) = (run.t_code1, run.code1_step);
    let window = p.flow.window();
    let mut t = Vec::new();
    let mut push = |event: Event, text: Vec<String>| t.push(Entry { event, text });
    if p.flow.is_pair() {
        push(
            Event::CodeRead {
                t_ms: 0,
                step: 0,
                demo_code: demo_code(k),
                submitted: false,
            },
            vec![format!("you read code 1: {} (device step k)", demo_code(k))],
        );
        push(
            Event::CodeChanges {
                t_ms: run.t_change - base,
                step: 1,
                demo_code: demo_code(k + 1),
            },
            vec![format!(
                "the device shows the next code: {} (step k+1)",
                demo_code(k + 1)
            )],
        );
    }
    for (n, x) in run.attempts().iter().enumerate() {
        let from = x.verifier_step - i64::from(window.behind) - k;
        let to = x.verifier_step + i64::from(window.ahead) - k;
        let read = if p.flow.is_pair() {
            format!(
                "you read code 2: {} (step {}) and submit both",
                demo_code(x.step),
                rel(x.step - k)
            )
        } else {
            format!(
                "{}you read the code {} (step {}) and submit it",
                if n == 0 {
                    String::new()
                } else {
                    format!("attempt {}: ", n + 1)
                },
                demo_code(x.step),
                rel(x.step - k)
            )
        };
        push(
            Event::CodeRead {
                t_ms: x.t_read - base,
                step: x.step - k,
                demo_code: demo_code(x.step),
                submitted: true,
            },
            vec![read],
        );
        let received = if p.flow.is_pair() {
            vec![
                format!(
                    "the verifier receives them; its own clock is in step {}",
                    rel(x.verifier_step - k)
                ),
                format!(
                    "it searches steps {} .. {} ({}) for code 2: {}",
                    rel(from),
                    rel(to),
                    range_text(window),
                    if x.accepted { "found" } else { "not there" }
                ),
            ]
        } else {
            vec![format!(
                "the verifier, in step {}, checks steps {} .. {}: {}",
                rel(x.verifier_step - k),
                rel(from),
                rel(to),
                if x.accepted { "match" } else { "no match" }
            )]
        };
        push(
            Event::Received {
                t_ms: x.t_receipt - base,
                code_step: x.step - k,
                verifier_step: x.verifier_step - k,
                search_from_step: from,
                search_to_step: to,
                accepted: x.accepted,
            },
            received,
        );
    }
    let decided = match run.decision {
        Decision::Rejected(RejectReason::NotConsecutive) => format!(
            "ENROLLMENT REFUSED: code 2 is step {}, not k+1: the codes are not consecutive",
            rel(run.last().step - k)
        ),
        Decision::Rejected(RejectReason::OutOfRange) => format!(
            "ENROLLMENT REFUSED: {} outside the verifier's {}",
            if p.flow.is_pair() {
                "code 2's step lies"
            } else {
                "every code's step lay"
            },
            range_text(window)
        ),
        Decision::Accepted { skipped: true, .. } => format!(
            "you give up and type -1: the check is SKIPPED and the device enrolled anyway; it stores {}",
            stored(&run.state)
        ),
        Decision::Accepted { found_offset, .. } => format!(
            "ENROLLED, code 2 found at offset {found_offset:+}: it stores {}{}",
            stored(&run.state),
            match p.flow.store() {
                Store::Nothing => String::new(),
                store => format!(" ({})", store.name()),
            }
        ),
    };
    let decided = if p.flow.is_pair() {
        decided
    } else {
        decided.replace("ENROLLED, code 2 found at", "ENROLLED, the code found at")
    };
    push(
        Event::EnrollmentDecided {
            t_ms: run.t_done - base,
            decision: decision_key(run.decision),
            stored: (&run.state).into(),
        },
        vec![decided],
    );
    if let Some(login) = login {
        let x = login.first;
        push(
            Event::LoginCodeRead {
                t_ms: x.t_read - base,
                step: x.step - k,
                demo_code: demo_code(x.step),
            },
            vec![format!(
                "first login: the device shows {} (step {}), received {} later",
                demo_code(x.step),
                rel(x.step - k),
                format_human(s.login_delay_ms)
            )],
        );
        let mut text = vec![
            format!(
                "the verifier's corrected step is {}; it accepts steps {} .. {} ({})",
                rel(x.verifier_step - k),
                rel(login.accept_from - k),
                rel(login.accept_to - k),
                p.login_range()
            ),
            format!(
                "→ login {}",
                if x.accepted {
                    "ACCEPTED".to_owned()
                } else if run.state.is_replay(p.replay, x.step) {
                    "REFUSED as a replay: the enrollment used this code or a later one".to_owned()
                } else if !p.enrollment_stores() {
                    "REFUSED; this verifier stores nothing at enrollment, so no enrollment could have prevented it"
                        .to_owned()
                } else {
                    format!(
                        "REFUSED; had the enrollment stored the device's true offset it would be {}",
                        if login.ideal_accepted {
                            "accepted"
                        } else {
                            "refused too"
                        }
                    )
                }
            ),
        ];
        if !x.accepted {
            text.push(match login.gets_in_at {
                Some(n) => format!(
                    "→ trying again with each new code, you get in at attempt {n}{}",
                    match healing_note(p) {
                        Some(how) if login.healed => format!(" ({how})"),
                        _ => " (the new code fell in the window)".to_owned(),
                    }
                ),
                None => format!("→ none of your {} gets in", attempts(s.attempts)),
            });
        }
        push(
            Event::LoginReceived {
                t_ms: x.t_receipt - base,
                code_step: x.step - k,
                verifier_step: x.verifier_step - k,
                accept_from_step: login.accept_from - k,
                accept_to_step: login.accept_to - k,
                accepted: x.accepted,
                ideal_accepted: login.ideal_accepted,
            },
            text,
        );
    }
    Run {
        enroll_phase_ms,
        login_phase_ms,
        timeline: t,
        decision: decision_key(run.decision),
        found_offset: match run.decision {
            Decision::Accepted {
                skipped: false,
                found_offset,
                ..
            } => Some(found_offset),
            _ => None,
        },
        stored: (&run.state).into(),
        ideal_stored: (&s.ideal_state(run)).into(),
        first_login: login.map(|l| FirstLogin {
            accepted: l.first.accepted,
            ideal_accepted: l.ideal_accepted,
            gets_in_at_attempt: l.gets_in_at,
            healed: l.healed,
        }),
    }
}

/// The event that decided `outcome`: the enrollment's decision for a
/// refusal or a wrong stored offset, the login's check otherwise.
pub(super) fn decisive(run: &Run, outcome: Outcome) -> Decisive {
    let wanted = |e: &Event| match outcome {
        Outcome::Rejected | Outcome::OutOfSync => matches!(e, Event::EnrollmentDecided { .. }),
        Outcome::InSync | Outcome::LoginFails => matches!(e, Event::LoginReceived { .. }),
    };
    let index = run
        .timeline
        .iter()
        .position(|e| wanted(&e.event))
        .unwrap_or(run.timeline.len().saturating_sub(1));
    let (t_ms, what) = run
        .timeline
        .get(index)
        .map_or((0, String::new()), |e| (e.t_ms(), e.text.join("; ")));
    Decisive {
        timeline_index: index,
        t_ms,
        what,
    }
}
