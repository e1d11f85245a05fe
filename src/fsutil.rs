//! Crash-safe file writes.
//!
//! Every file the dashboard writes under `ATTUNE_HOME` or the project goes
//! through [`write_atomic`]: a unique temporary file in the same directory
//! (named like the reference's, `.<name>.<random>.tmp`), `fsync`, `rename`
//! over the target, then `fsync` of the directory. A crash leaves either the
//! old file or the new one, never a torn mix; a stray `.tmp` file at worst.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically. Creates missing parent directories
/// when `create_dirs` is set.
pub fn write_atomic(path: &Path, bytes: &[u8], create_dirs: bool) -> io::Result<()> {
    write_atomic_mode(path, bytes, create_dirs, None)
}

/// [`write_atomic`], giving the new file permission bits `mode` (e.g. the
/// ones of the file it replaces).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], create_dirs: bool, mode: Option<u32>) -> io::Result<()> {
    let dir = path.parent().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    if create_dirs {
        fs::create_dir_all(dir)?;
    }
    let name =
        path.file_name().and_then(|n| n.to_str()).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut rnd = [0u8; 6];
    crate::ids::fill_random(&mut rnd);
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        if let Some(m) = mode {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(m & 0o7777))?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `fsync` a directory so a rename in it is durable. Best effort: some
/// filesystems refuse to open directories for syncing.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Appends `line` (which must end with `\n`) with a single `write` on a file
/// opened with `O_APPEND`, so concurrent writers never interleave within a
/// line (the bulletin's contract with the other attune actors).
pub fn append_line(path: &Path, line: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = OpenOptions::new().append(true).create(true).mode(0o644).open(path)?;
    let n = f.write(line)?;
    if n != line.len() {
        return Err(io::Error::new(io::ErrorKind::WriteZero, "short append"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/x.json");
        write_atomic(&p, b"one", true).unwrap();
        write_atomic(&p, b"two", false).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn atomic_write_fails_cleanly_without_dir() {
        let d = tempfile::tempdir().unwrap();
        assert!(write_atomic(&d.path().join("missing/x"), b"x", false).is_err());
    }
}
