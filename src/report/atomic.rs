//! Files are written whole or not at all, and never through a planted link.
//!
//! Each file goes to a temporary file with an unpredictable name created
//! exclusively in the target's folder (`tempfile`: `O_EXCL`, mode 0600, a
//! short name whatever the target's length), is flushed to disk, then
//! renamed over the target, and the folder is synced. A target that exists
//! and is not a regular file (a symlink, a device, a folder, a FIFO) is
//! refused. A command that writes several files writes every temporary first
//! and renames only when all succeeded ([`AtomicFiles`]; a large file is
//! streamed to its temporary instead of built in memory). Temporaries are
//! registered so that
//! the binary's signal handler can remove them ([`exit_removing_pending`]) on
//! SIGINT, SIGTERM or SIGHUP; an error drops them at once.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::NamedTempFile;

/// Temporaries not yet renamed, for the signal handler.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A poisoned list is still a list of paths to remove.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary still being written, then exits with `code`
/// (the signal handler's last act). The list stays locked until the process
/// is gone, so no other thread can create a temporary after the removal.
pub fn exit_removing_pending(code: i32) -> ! {
    let mut list = pending();
    for p in list.iter() {
        let _ = fs::remove_file(p);
    }
    list.clear();
    std::process::exit(code)
}

/// Refuses a target that exists and is not a regular file.
fn check_target(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists and is not a regular file (a link, folder or device): refusing to replace it",
        )),
        _ => Ok(()),
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A written, synced temporary for `target`, registered until renamed.
struct Staged {
    file: Option<NamedTempFile>,
    tmp: PathBuf,
    target: PathBuf,
}

impl Staged {
    /// A temporary for `target` holding what `write` wrote to it (through a
    /// buffer), synced.
    fn new(
        target: &Path,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<Staged> {
        check_target(target)?;
        let folder = parent(target);
        fs::create_dir_all(folder)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".skewsim-").suffix(".tmp");
        // A report is an ordinary file: 0666 less the umask, as any tool
        // creates one (tempfile's default, 0600, suits secrets; these hold none).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        // Created and registered under the list's lock: the signal handler
        // takes the same lock, so it cannot run between the two and miss a
        // temporary that exists (it did, under load: a SIGTERM at that
        // moment left the file behind).
        let (file, tmp) = {
            let mut list = pending();
            let file = builder.tempfile_in(folder)?;
            let tmp = file.path().to_path_buf();
            list.push(tmp.clone());
            (file, tmp)
        };
        let mut staged = Staged {
            file: Some(file),
            tmp,
            target: target.to_path_buf(),
        };
        if let Some(f) = staged.file.as_mut() {
            let mut buffered = io::BufWriter::new(f.as_file_mut());
            write(&mut buffered)?;
            buffered.flush()?;
            drop(buffered);
            f.as_file().sync_all()?;
        }
        Ok(staged)
    }

    fn commit(mut self) -> io::Result<()> {
        check_target(&self.target)?;
        if let Some(file) = self.file.take() {
            file.persist(&self.target).map_err(|e| e.error)?;
        }
        // The rename is durable once the folder is synced (where the
        // platform lets a folder be opened).
        if let Ok(folder) = fs::File::open(parent(&self.target)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // An unpersisted NamedTempFile removes itself; forget the registration.
        drop(self.file.take());
        pending().retain(|p| *p != self.tmp);
    }
}

/// Writes `bytes` to `path` atomically, creating missing parent folders.
///
/// # Errors
/// The I/O error (or a target that is not a regular file); no temporary is
/// left and `path` stays as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_all_atomic(&[(path.to_path_buf(), bytes.to_vec())])
}

/// Writes several files: every temporary first, then the renames, so that a
/// failure before the renames leaves every target as it was.
///
/// # Errors
/// The first I/O error, with the path it concerns.
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> io::Result<()> {
    let mut set = AtomicFiles::new();
    for (path, bytes) in files {
        set.add(path, bytes)?;
    }
    set.commit()
}

/// An I/O error that names the path it concerns.
fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", crate::text::path(path)))
}

/// A set of files written whole or not at all: each is written to its
/// temporary as it is added (streamed, for one too large to build in
/// memory), and [`AtomicFiles::commit`] renames them all. Dropped without a
/// commit (an error on the way), it removes its temporaries and every
/// target stays as it was.
///
/// ```
/// use std::io::Write;
/// use skewsim::report::AtomicFiles;
///
/// let dir = std::env::temp_dir().join(format!("skewsim-doc-atomic-{}", std::process::id()));
/// let mut set = AtomicFiles::new();
/// set.add(&dir.join("small.txt"), b"small")?;
/// set.add_with(&dir.join("rows.csv"), |w| {
///     for i in 0..3 {
///         writeln!(w, "{i}")?;
///     }
///     Ok(())
/// })?;
/// assert!(!dir.join("rows.csv").exists(), "nothing is renamed before the commit");
/// set.commit()?;
/// assert_eq!(std::fs::read_to_string(dir.join("rows.csv"))?, "0\n1\n2\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Default)]
pub struct AtomicFiles {
    staged: Vec<Staged>,
}

impl AtomicFiles {
    /// An empty set.
    pub fn new() -> Self {
        AtomicFiles::default()
    }

    /// Adds a file holding `bytes`.
    ///
    /// # Errors
    /// The I/O error (or a target that is not a regular file), with its path.
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.add_with(path, |w| w.write_all(bytes))
    }

    /// Adds a file holding what `write` writes to it: straight to the
    /// temporary, through a buffer, so that the file is never whole in memory.
    ///
    /// # Errors
    /// `write`'s error or the I/O error (or a target that is not a regular
    /// file), with the path.
    pub fn add_with(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let staged = Staged::new(path, write).map_err(|e| with_path(path, e))?;
        self.staged.push(staged);
        Ok(())
    }

    /// The number of files added.
    pub fn len(&self) -> usize {
        self.staged.len()
    }

    /// Whether no file was added.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Renames every temporary over its target.
    ///
    /// # Errors
    /// The first I/O error, with its path (the files renamed before it stay).
    pub fn commit(self) -> io::Result<()> {
        for s in self.staged {
            let target = s.target.clone();
            s.commit().map_err(|e| with_path(&target, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporaries(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(".skewsim-"))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("skewsim-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let dir = dir("whole");
        let path = dir.join("sub/out.csv");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(temporaries(&dir.join("sub")).is_empty());
        // A folder as the target is refused and leaves nothing behind.
        assert!(write_atomic(&dir.join("sub"), b"x").is_err());
        assert!(temporaries(&dir).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_symlink_target_is_refused_and_its_destination_untouched() {
        let dir = dir("link");
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("out.csv")).unwrap();
        let err = write_atomic(&dir.join("out.csv"), b"clobber").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(temporaries(&dir).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn several_files_are_all_or_nothing() {
        let dir = dir("several");
        fs::create_dir_all(dir.join("blocked")).unwrap();
        fs::write(dir.join("a.csv"), b"old").unwrap();
        let files = vec![
            (dir.join("a.csv"), b"new".to_vec()),
            (dir.join("blocked"), b"x".to_vec()),
        ];
        assert!(write_all_atomic(&files).is_err());
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"old");
        assert!(temporaries(&dir).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_long_valid_name_is_writable() {
        let dir = dir("long");
        let name = format!("{}.csv", "n".repeat(246));
        write_atomic(&dir.join(&name), b"ok").unwrap();
        assert_eq!(fs::read(dir.join(&name)).unwrap(), b"ok");
        fs::remove_dir_all(&dir).unwrap();
    }
}
