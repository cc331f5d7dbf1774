//! A running verifier adapter: a child process that answers one JSON object
//! per line on stdout for each JSON request on its stdin (`docs/lab.md`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// Why talking to an adapter failed.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// It could not be started.
    #[error("cannot start the adapter '{command}': {source}")]
    Start {
        /// The program.
        command: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// It did not answer in time (the request's `op` and user only: a
    /// `setup` request carries the secret).
    #[error("the adapter did not answer within {0:?} (request: {1})")]
    Timeout(Duration, String),
    /// It closed its output (the request named as for a timeout).
    #[error("the adapter exited or closed its output (request: {0})")]
    Closed(String),
    /// It answered something that is not the protocol.
    #[error("the adapter's answer is not a protocol object: {0}")]
    Protocol(String),
    /// It answered `ok: false`.
    #[error("the adapter refused the request: {0}")]
    Refused(String),
    /// Writing the request failed.
    #[error("cannot write to the adapter: {0}")]
    Write(std::io::Error),
}

/// A running adapter.
pub struct Adapter {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    timeout: Duration,
}

/// An adapter's answer to one check.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Accepted?
    pub accepted: bool,
    /// The verifier's state afterwards, in its own terms (for reports).
    pub state: Value,
    /// When the verifier decided (Unix ms), if the adapter said: real-clock
    /// adapters always do (docs/lab.md, "Real-clock mode").
    pub time_ms: Option<i64>,
}

impl Adapter {
    /// Starts `argv` (no shell) and waits up to `timeout` for each answer.
    pub fn start(argv: &[String], timeout: Duration) -> Result<Adapter, AdapterError> {
        let (program, args) = argv.split_first().ok_or_else(|| AdapterError::Start {
            command: String::new(),
            source: std::io::Error::other("empty command"),
        })?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| AdapterError::Start {
                command: program.clone(),
                source,
            })?;
        let stdin = child.stdin.take().ok_or_else(|| AdapterError::Start {
            command: program.clone(),
            source: std::io::Error::other("no stdin"),
        })?;
        let stdout = child.stdout.take().ok_or_else(|| AdapterError::Start {
            command: program.clone(),
            source: std::io::Error::other("no stdout"),
        })?;
        // A reader thread, so that a silent adapter becomes a timeout, not a hang.
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Adapter {
            child,
            stdin,
            lines,
            timeout,
        })
    }

    /// Sends one request and returns the answer object (`ok: true`).
    pub fn request(&mut self, request: &Value) -> Result<Value, AdapterError> {
        let text = request.to_string();
        writeln!(self.stdin, "{text}").map_err(AdapterError::Write)?;
        self.stdin.flush().map_err(AdapterError::Write)?;
        let line = match self.lines.recv_timeout(self.timeout) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                return Err(AdapterError::Timeout(self.timeout, named(request)));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(AdapterError::Closed(named(request)));
            }
        };
        let value: Value =
            serde_json::from_str(&line).map_err(|_| AdapterError::Protocol(printable(&line)))?;
        if value.get("ok") == Some(&Value::Bool(true)) {
            Ok(value)
        } else {
            let why = value
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            Err(AdapterError::Refused(printable(why)))
        }
    }

    /// A check (`enroll`, `skip`, `login`, `resync`): accepted or not.
    pub fn check(&mut self, request: &Value) -> Result<Answer, AdapterError> {
        let v = self.request(request)?;
        let accepted = v
            .get("accepted")
            .and_then(Value::as_bool)
            .ok_or_else(|| AdapterError::Protocol(format!("no 'accepted' in {v}")))?;
        Ok(Answer {
            accepted,
            state: v.get("state").cloned().unwrap_or(Value::Null),
            time_ms: v.get("time_ms").and_then(Value::as_i64),
        })
    }

    /// Says goodbye and waits for the process to end.
    pub fn finish(mut self) {
        let _ = self.request(&json!({"op": "bye"}));
        let _ = self.child.wait();
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        // A no-op after finish(); otherwise make sure no adapter outlives us.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request named by its `op` and `user`, never its codes or secret.
fn named(request: &Value) -> String {
    let field = |k: &str| request.get(k).and_then(Value::as_str).map(printable);
    match (field("op"), field("user")) {
        (Some(op), Some(user)) => format!("{op} for {user}"),
        (Some(op), None) => op,
        _ => "a request".to_owned(),
    }
}

/// An adapter's text as it may reach a terminal: the one rule and cap of
/// [`crate::text`] (kept under this name for the lab's callers).
pub use crate::text::printable;
