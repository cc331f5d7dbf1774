//! Files are written whole or not at all: a temporary file beside the target,
//! flushed, then renamed over it. An error or an interrupt before the rename
//! leaves the previous file untouched.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary name used while `path` is being written.
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` atomically, creating missing parent folders.
///
/// # Errors
/// The I/O error; the temporary file is removed and `path` left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let tmp = temporary_path(path);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("skewsim-atomic-{}", std::process::id()));
        let path = dir.join("sub/out.csv");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(!temporary_path(&path).exists());
        // A target that cannot be written leaves nothing behind.
        assert!(write_atomic(&dir.join("sub"), b"x").is_err());
        assert!(!temporary_path(&dir.join("sub")).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
