//! A running verifier adapter: a child process that answers one JSON object
//! per line on stdout for each JSON request on its stdin (`docs/lab.md`).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::process::Group;

/// The longest answer line read from an adapter (1 MiB): a real answer is a
/// few hundred bytes (a verifier's state included). Past it the adapter is
/// stopped with [`AdapterError::TooLong`], so that an adapter that never
/// ends its line (`cat /dev/zero`) cannot fill memory.
pub const MAX_ANSWER: usize = 1 << 20;

/// The most of one line of an adapter's standard error kept to show (the
/// rest of the line is read and dropped; [`printable`] shows 300 characters).
const KEEP_STDERR: usize = 4096;

/// How long an adapter dropped before `bye` (the lab failed) has to exit
/// once its input is closed, before its group is killed.
const END_GRACE: Duration = Duration::from_secs(1);

/// How long the end of an adapter waits for the last of its standard error
/// (its group is killed by then, so the pipe ends at once unless a process
/// that left the group holds it).
const STDERR_GRACE: Duration = Duration::from_secs(1);

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
    /// Its answer ran past [`MAX_ANSWER`] bytes without a line end (the
    /// request named as for a timeout).
    #[error(
        "the adapter's answer is longer than {0} bytes without a line end; stopped reading it (request: {1})"
    )]
    TooLong(usize, String),
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

/// What the adapter's reader and writer threads report.
enum Event {
    /// One answer line (without its line end).
    Line(String),
    /// A line past [`MAX_ANSWER`] bytes; the reader stopped.
    TooLong,
    /// A line that is not UTF-8 (its first bytes, escaped).
    NotText(String),
    /// The adapter's output ended.
    Closed,
    /// A request could not be written.
    WriteFailed(std::io::Error),
}

/// Why an adapter can answer no more.
#[derive(Debug, Clone, Copy)]
enum Ended {
    /// Its output ended.
    Closed,
    /// An answer ran past [`MAX_ANSWER`].
    TooLong,
    /// It did not answer in time: a late answer would be taken for the
    /// next request's.
    Stuck,
}

/// A running adapter: a process group (it and whatever it starts), a
/// writer thread for its input and a reader thread for its output, so that
/// every wait has a deadline, writing included.
pub struct Adapter {
    group: Group,
    /// Requests for the writer thread; `None` once the input is closed.
    requests: Option<Sender<String>>,
    events: Receiver<Event>,
    /// Why the adapter can answer no more: every later request fails at once.
    ended: Option<Ended>,
    /// Disconnected when the standard-error thread is done.
    stderr_done: Receiver<()>,
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
    /// Starts `argv` (no shell) in its own process group and waits up to
    /// `timeout` for each answer. Its standard error is shown line by line,
    /// escaped and cut short, after `adapter: `.
    pub fn start(argv: &[String], timeout: Duration) -> Result<Adapter, AdapterError> {
        let (program, args) = argv.split_first().ok_or_else(|| AdapterError::Start {
            command: String::new(),
            source: std::io::Error::other("empty command"),
        })?;
        let start_error = |source| AdapterError::Start {
            command: printable(program),
            source,
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut group = Group::spawn(&mut command).map_err(start_error)?;
        let child = group.child();
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(start_error(std::io::Error::other("no pipes")));
        };
        let (events_tx, events) = channel();
        // The writer: a request to an adapter that does not read its input
        // blocks once the pipe is full; in a thread, that is a timeout.
        let (requests, to_write) = channel::<String>();
        let write_events = events_tx.clone();
        std::thread::spawn(move || {
            let mut stdin = stdin;
            for text in to_write {
                if let Err(e) = writeln!(stdin, "{text}").and_then(|()| stdin.flush()) {
                    let _ = write_events.send(Event::WriteFailed(e));
                    break;
                }
            }
        });
        std::thread::spawn(move || read_answers(stdout, &events_tx));
        let (stderr_tx, stderr_done) = channel();
        std::thread::spawn(move || {
            show_stderr(stderr);
            drop(stderr_tx);
        });
        Ok(Adapter {
            group,
            requests: Some(requests),
            events,
            ended: None,
            stderr_done,
            timeout,
        })
    }

    /// Sends one request and returns the answer object (`ok: true`).
    pub fn request(&mut self, request: &Value) -> Result<Value, AdapterError> {
        let error = |ended: Ended, timeout: Duration| match ended {
            Ended::Closed => AdapterError::Closed(named(request)),
            Ended::TooLong => AdapterError::TooLong(MAX_ANSWER, named(request)),
            Ended::Stuck => AdapterError::Timeout(timeout, named(request)),
        };
        if let Some(ended) = self.ended {
            return Err(error(ended, self.timeout));
        }
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|r| r.send(request.to_string()).is_ok());
        let received = if sent {
            self.events.recv_timeout(self.timeout)
        } else {
            // The writer is gone: it could not write an earlier request.
            Err(RecvTimeoutError::Disconnected)
        };
        let line = match received {
            Ok(Event::Line(line)) => Ok(line),
            Ok(Event::NotText(start)) => {
                return Err(AdapterError::Protocol(format!(
                    "a line that is not UTF-8: {start}"
                )));
            }
            Ok(Event::WriteFailed(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(AdapterError::Write(e));
            }
            Ok(Event::WriteFailed(_) | Event::Closed) | Err(RecvTimeoutError::Disconnected) => {
                Err(Ended::Closed)
            }
            Ok(Event::TooLong) => Err(Ended::TooLong),
            Err(RecvTimeoutError::Timeout) => Err(Ended::Stuck),
        };
        let line = line.map_err(|ended| {
            self.ended = Some(ended);
            error(ended, self.timeout)
        })?;
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
        let accepted = v.get("accepted").and_then(Value::as_bool).ok_or_else(|| {
            AdapterError::Protocol(format!("no 'accepted' in {}", printable(&v.to_string())))
        })?;
        Ok(Answer {
            accepted,
            state: v.get("state").cloned().unwrap_or(Value::Null),
            time_ms: v.get("time_ms").and_then(Value::as_i64),
        })
    }

    /// Says goodbye (unless it can answer no more), closes the adapter's
    /// input, and waits up to the timeout for it to exit; then its group is
    /// killed (an adapter that does not exit, and whatever it left running).
    pub fn finish(mut self) {
        if self.ended.is_none() {
            let _ = self.request(&json!({"op": "bye"}));
        }
        self.requests = None;
        self.group.wait_until(Instant::now() + self.timeout);
        // Drop ends the group.
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        // The end of its input lets a working adapter clean up and exit
        // (libpam's removes its PAM service file); one that is stuck or
        // ran away is not waited for.
        self.requests = None;
        if !matches!(self.ended, Some(Ended::Stuck | Ended::TooLong)) {
            self.group
                .wait_until(Instant::now() + self.timeout.min(END_GRACE));
        }
        // Make sure nothing the adapter started outlives us.
        self.group.end();
        // Its last words (a traceback) before the caller's error line.
        let _ = self.stderr_done.recv_timeout(STDERR_GRACE);
    }
}

/// The reader thread: answer lines until the output ends or a line runs
/// past [`MAX_ANSWER`].
fn read_answers(stdout: ChildStdout, events: &Sender<Event>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let event = match read_line(&mut reader, MAX_ANSWER) {
            Ok(Some((bytes, true))) => match String::from_utf8(bytes) {
                Ok(line) => Event::Line(line),
                Err(e) => Event::NotText(printable(&String::from_utf8_lossy(e.as_bytes()))),
            },
            Ok(Some((_, false))) => Event::TooLong,
            Ok(None) | Err(_) => Event::Closed,
        };
        let last = matches!(event, Event::TooLong | Event::Closed);
        if events.send(event).is_err() || last {
            return;
        }
    }
}

/// The standard-error thread: each line escaped and cut short, after
/// `adapter: ` (so that no line of it reads as skewsim's own, and no escape
/// reaches the terminal), until the pipe ends.
fn show_stderr(stderr: ChildStderr) {
    let mut reader = BufReader::new(stderr);
    while let Ok(Some((bytes, complete))) = read_line(&mut reader, KEEP_STDERR) {
        let mut text = printable(&String::from_utf8_lossy(&bytes));
        if !complete {
            if !text.ends_with('…') {
                text.push('…');
            }
            if skip_line(&mut reader).is_err() {
                return;
            }
        }
        let _ = writeln!(std::io::stderr().lock(), "adapter: {text}");
    }
}

/// One line of at most `max` bytes, without its line end: `(bytes, true)`,
/// or `(the first max bytes, false)` for a longer one (the rest is left
/// unread: [`skip_line`]); `None` at the end of the input. Never holds more
/// than `max` bytes, however long the line.
fn read_line<R: BufRead>(reader: &mut R, max: usize) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let mut line = Vec::new();
    let n = reader.take(max as u64).read_until(b'\n', &mut line)?;
    if n == 0 && reader.fill_buf()?.is_empty() {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(Some((line, true)));
    }
    // `max` bytes without a line end: whole if the line ends right there.
    match reader.fill_buf()?.first() {
        None => Ok(Some((line, true))),
        Some(b'\n') => {
            reader.consume(1);
            Ok(Some((line, true)))
        }
        Some(_) => Ok(Some((line, false))),
    }
}

/// Reads and drops the rest of a line.
fn skip_line<R: BufRead>(reader: &mut R) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(at) = buf.iter().position(|&b| b == b'\n') {
            reader.consume(at + 1);
            return Ok(());
        }
        let n = buf.len();
        reader.consume(n);
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

#[cfg(test)]
mod tests {
    use super::{read_line, skip_line};
    use std::io::{BufRead, Cursor};

    #[test]
    fn lines_are_read_up_to_the_limit_and_no_further() {
        let mut input = Cursor::new(b"short\nexactly5\n123456789\nlast".to_vec());
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"short".to_vec(), true))
        );
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"exactly5".to_vec(), true))
        );
        // Past the limit: the first 8 bytes, cut; the rest is left unread.
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"12345678".to_vec(), false))
        );
        assert_eq!(input.fill_buf().expect("buffer"), b"9\nlast");
        skip_line(&mut input).expect("skip");
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"last".to_vec(), true))
        );
        assert_eq!(read_line(&mut input, 8).expect("read"), None);
        // A line of exactly the limit is whole, with or without its end.
        let mut input = Cursor::new(b"12345678\n12345678".to_vec());
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"12345678".to_vec(), true))
        );
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"12345678".to_vec(), true))
        );
        assert_eq!(read_line(&mut input, 8).expect("read"), None);
    }

    #[test]
    fn skip_line_stops_after_the_line_end() {
        let mut input = Cursor::new(b"rest of a long line\nnext".to_vec());
        skip_line(&mut input).expect("skip");
        assert_eq!(
            read_line(&mut input, 8).expect("read"),
            Some((b"next".to_vec(), true))
        );
        assert_eq!(read_line(&mut input, 8).expect("read"), None);
    }
}
