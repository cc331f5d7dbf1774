//! External processes (lab adapters, `vectors --cmd` tools) in their own
//! process group, so that whatever they start is killed with them.
//!
//! A [`Group`] is a child started as the leader of a new process group
//! (`setpgid(0, 0)` before it runs). Ending it sends SIGKILL to the whole
//! group, then reaps the leader: a background child that holds the output
//! pipe (`sleep 30 & echo 1`) cannot defeat a time limit, and a child an
//! adapter forked does not outlive skewsim. A [`Group`] is ended when it
//! is dropped, so no path leaves one running.
//!
//! The group's id is the leader's process id, which the system can hand to
//! a new process only once the leader has been reaped and the group is
//! empty. So the group is always killed *before* the leader is reaped: on
//! Linux, [`Group::exited`] looks at the leader with `waitid(WNOWAIT)`,
//! which leaves it unreaped. (Other Unix systems reap to look, and then
//! kill the group by an id that is free again once its last member has
//! gone: a narrow race, see SECURITY.md.)
//!
//! Live groups are also listed for [`kill_all`], which the binary's signal
//! handler calls before it exits: a group of its own no longer receives the
//! terminal's Ctrl-C.
//!
//! Limits: a process that leaves the group (`setsid`, a daemon) is not
//! killed, and nothing is killed when skewsim itself is killed with SIGKILL
//! (its adapters then read the end of their input).

use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The groups started and not yet ended, by group id, for [`kill_all`].
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<u32>> {
    // A poisoned list is still the list of groups to kill.
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A child process leading its own process group; ended (the group killed,
/// the leader reaped) when dropped.
#[derive(Debug)]
pub struct Group {
    child: Child,
    /// The leader's status, once reaped (and `None` if reaping failed).
    status: Option<ExitStatus>,
    /// [`Group::end`] ran: the group was killed and the leader reaped.
    ended: bool,
    /// Reaped by [`Group::exited`] before the end (not Linux).
    reaped: bool,
}

impl Group {
    /// Starts `command` as the leader of a new process group.
    pub fn spawn(command: &mut Command) -> std::io::Result<Group> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        // Listed while the lock is held, so that kill_all never misses a
        // group between its start and its listing.
        let mut list = live();
        let child = command.spawn()?;
        list.push(child.id());
        Ok(Group {
            child,
            status: None,
            ended: false,
            reaped: false,
        })
    }

    /// The leader, to take its pipes.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Whether the leader has ended (its group may still hold processes).
    /// On Linux the leader stays unreaped until [`Group::end`].
    pub fn exited(&mut self) -> bool {
        if self.ended || self.reaped {
            return true;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
            let Ok(raw) = i32::try_from(self.child.id()) else {
                return false;
            };
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
            match waitid(Id::Pid(nix::unistd::Pid::from_raw(raw)), flags) {
                Ok(WaitStatus::StillAlive) => false,
                Ok(_) => true,
                // ECHILD: already reaped (cannot happen: only end() reaps);
                // EINTR and the like: look again at the next poll.
                Err(e) => e == nix::errno::Errno::ECHILD,
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // Reaped: the id may be reused once the group is empty,
                    // so kill_all must not use it any more.
                    live().retain(|&id| id != self.child.id());
                    self.status = Some(status);
                    self.reaped = true;
                    true
                }
                _ => false,
            }
        }
    }

    /// Waits until the leader has ended, at most until `deadline`; true if
    /// it ended in time.
    pub fn wait_until(&mut self, deadline: Instant) -> bool {
        loop {
            if self.exited() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Kills the whole group (the leader, if it still runs, and every
    /// process it started that stayed in its group), then reaps the leader
    /// and returns its status. Later calls return the same status.
    pub fn end(&mut self) -> Option<ExitStatus> {
        if self.ended {
            return self.status;
        }
        self.ended = true;
        {
            let mut list = live();
            // Not reaped yet (or, elsewhere than Linux, the group's
            // remaining members still hold its id): the id is the group's.
            kill_group(self.child.id());
            list.retain(|&id| id != self.child.id());
        }
        if !self.reaped {
            #[cfg(not(unix))]
            let _ = self.child.kill();
            // SIGKILL cannot be caught: the leader is gone or going.
            self.status = self.child.wait().ok();
        }
        self.status
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.end();
    }
}

/// SIGKILL to every process of group `id` (nothing where there are no
/// process groups; errors mean the group is already empty).
fn kill_group(id: u32) {
    #[cfg(unix)]
    if let Ok(raw) = i32::try_from(id) {
        use nix::sys::signal::{Signal, killpg};
        let _ = killpg(nix::unistd::Pid::from_raw(raw), Signal::SIGKILL);
    }
    #[cfg(not(unix))]
    let _ = id;
}

/// Kills every group started and not yet ended (for a signal handler,
/// right before the process exits). Returns how many there were.
pub fn kill_all() -> usize {
    let mut list = live();
    for &id in list.iter() {
        kill_group(id);
    }
    let n = list.len();
    list.clear();
    n
}

#[cfg(all(test, unix))]
mod tests {
    use super::Group;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// The leader ends at once; its background child would write a file a
    /// second later, and holds the pipe. Ending the group kills the child:
    /// the pipe closes and the file never appears.
    #[test]
    fn ending_a_group_kills_the_children_left_behind() {
        let dir = std::env::temp_dir().join(format!("skewsim-group-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let side = dir.join("survivor");
        let script = format!("(sleep 1; touch '{}') & echo started", side.display());
        let mut command = Command::new("sh");
        command.args(["-c", &script]).stdout(Stdio::piped());
        let mut group = Group::spawn(&mut command).expect("sh starts");
        assert!(group.wait_until(Instant::now() + Duration::from_secs(10)));
        let status = group.end().expect("reaped");
        assert!(status.success(), "{status:?}");
        let mut out = String::new();
        let mut pipe = group.child().stdout.take().expect("pipe");
        // Ends at once: the child holding the pipe is dead.
        std::io::Read::read_to_string(&mut pipe, &mut out).expect("read");
        assert_eq!(out, "started\n");
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!side.exists(), "the background child outlived its group");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A leader that does not end by the deadline is reported, then killed.
    #[test]
    fn a_deadline_is_a_deadline() {
        let mut group = Group::spawn(Command::new("sleep").arg("30")).expect("sleep starts");
        let started = Instant::now();
        assert!(!group.wait_until(started + Duration::from_millis(200)));
        assert!(started.elapsed() < Duration::from_secs(5));
        let status = group.end().expect("reaped");
        assert!(!status.success());
        let id = group.child().id();
        assert!(
            !super::live().contains(&id),
            "an ended group is still listed"
        );
    }
}
