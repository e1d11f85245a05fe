//! Scope paths: every path a workflow receives resolves inside the project
//! root.
//!
//! [`resolve_scope`] anchors a relative path at the root, resolves symlinks
//! component by component (like `realpath`, without requiring the path to
//! exist), and checks containment component-wise against the canonical root,
//! so `/root2` is not "inside" `/root` and a symlink pointing out is caught.
//! The error texts are the reference's, so clients see the same reasons.

use std::path::{Component, Path, PathBuf};

/// System directories a scope may never be (the reference's list).
const SYSTEM_DIRS: [&str; 10] =
    ["/etc", "/sys", "/proc", "/dev", "/private/etc", "/private/var/root", "/usr/bin", "/usr/sbin", "/bin", "/sbin"];

/// Why a path was refused. `Display` gives the reference's reason text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("path must be a non-empty string")]
    Empty,
    #[error("path contains null bytes")]
    Nul,
    #[error("Invalid path: {0}")]
    Invalid(String),
    #[error("Path '{path}' is outside allowed directory '{root}'. Operations are restricted to the workspace.")]
    Outside { path: String, root: String },
    #[error("Cannot write to system directory: {0}")]
    System(String),
    #[error("Path '{0}' does not exist")]
    Missing(String),
}

/// Resolves `input` against `root` (which must be canonical) and checks it
/// stays inside. `must_exist` adds our existence check (run starts); the
/// reference's rules alone are `must_exist = false`.
pub fn resolve_scope(root: &Path, input: &str, must_exist: bool) -> Result<PathBuf, ScopeError> {
    if input.is_empty() {
        return Err(ScopeError::Empty);
    }
    if input.contains('\0') {
        return Err(ScopeError::Nul);
    }
    let p = Path::new(input);
    let joined = if p.is_absolute() { p.to_path_buf() } else { root.join(p) };
    let resolved = realpath(&joined).map_err(ScopeError::Invalid)?;
    if !resolved.starts_with(root) {
        return Err(ScopeError::Outside { path: resolved.display().to_string(), root: root.display().to_string() });
    }
    for d in SYSTEM_DIRS {
        if resolved.starts_with(d) {
            return Err(ScopeError::System(d.to_string()));
        }
    }
    if must_exist && !resolved.exists() {
        let shown = resolved.strip_prefix(root).map(|r| r.display().to_string()).unwrap_or_default();
        return Err(ScopeError::Missing(if shown.is_empty() { ".".into() } else { shown }));
    }
    Ok(resolved)
}

/// `realpath` that tolerates missing components: existing symlinks are
/// followed (at most 40 hops), `..` and `.` are applied as they come.
fn realpath(p: &Path) -> Result<PathBuf, String> {
    let mut hops = 0;
    let mut out = PathBuf::from("/");
    let mut pending: Vec<std::ffi::OsString> = p
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    while let Some(c) = pending.pop() {
        if c == ".." {
            out.pop();
            continue;
        }
        let next = out.join(&c);
        match std::fs::symlink_metadata(&next) {
            Ok(m) if m.file_type().is_symlink() => {
                hops += 1;
                if hops > 40 {
                    return Err(format!("[Errno 40] Too many levels of symbolic links: '{}'", p.display()));
                }
                let target = std::fs::read_link(&next).map_err(|e| e.to_string())?;
                if target.is_absolute() {
                    out = PathBuf::from("/");
                }
                for comp in target.components().rev() {
                    match comp {
                        Component::Normal(s) => pending.push(s.to_os_string()),
                        Component::ParentDir => pending.push("..".into()),
                        _ => {}
                    }
                }
            }
            _ => out = next,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap().join("proj");
        std::fs::create_dir_all(root.join("src/auth")).unwrap();
        std::fs::create_dir_all(d.path().join("outside")).unwrap();
        std::os::unix::fs::symlink(d.path().canonicalize().unwrap().join("outside"), root.join("escape")).unwrap();
        std::os::unix::fs::symlink("src/auth", root.join("inner-link")).unwrap();
        (d, root)
    }

    #[test]
    fn accepts_paths_inside() {
        let (_d, root) = setup();
        assert_eq!(resolve_scope(&root, "src/auth", true).unwrap(), root.join("src/auth"));
        assert_eq!(resolve_scope(&root, "./src/../src/auth/", true).unwrap(), root.join("src/auth"));
        assert_eq!(resolve_scope(&root, root.join("src").to_str().unwrap(), true).unwrap(), root.join("src"));
        assert_eq!(resolve_scope(&root, "inner-link", true).unwrap(), root.join("src/auth"));
        assert_eq!(resolve_scope(&root, "src/new", false).unwrap(), root.join("src/new"));
    }

    #[test]
    fn refuses_escapes_with_reference_reasons() {
        let (_d, root) = setup();
        assert_eq!(resolve_scope(&root, "", false), Err(ScopeError::Empty));
        assert_eq!(resolve_scope(&root, "src\0x", false), Err(ScopeError::Nul));
        for bad in ["../x", "/etc/passwd", "src/../../x", "escape", "escape/sub", "/"] {
            let e = resolve_scope(&root, bad, false).unwrap_err();
            assert!(matches!(e, ScopeError::Outside { .. }), "{bad}: {e}");
            assert!(e.to_string().ends_with("Operations are restricted to the workspace."));
        }
        let sibling = format!("{}2", root.display());
        assert!(matches!(resolve_scope(&root, &sibling, false), Err(ScopeError::Outside { .. })));
        assert_eq!(resolve_scope(&root, "src/missing", true), Err(ScopeError::Missing("src/missing".into())));
    }

    #[test]
    fn symlink_loops_are_refused() {
        let (_d, root) = setup();
        std::os::unix::fs::symlink("loop-b", root.join("loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", root.join("loop-b")).unwrap();
        assert!(matches!(resolve_scope(&root, "loop-a", false), Err(ScopeError::Invalid(_))));
    }

    proptest! {
        /// Whatever the input, an accepted path is inside the root.
        #[test]
        fn accepted_paths_are_inside(parts in proptest::collection::vec(prop_oneof![
            Just("..".to_string()), Just(".".to_string()), Just("src".to_string()), Just("escape".to_string()),
            Just("inner-link".to_string()), Just("auth".to_string()), "[a-z]{1,3}".prop_map(|s| s),
        ], 0..6), absolute in any::<bool>()) {
            let (_d, root) = setup();
            let mut s = parts.join("/");
            if absolute { s = format!("{}/{}", root.display(), s); }
            if let Ok(p) = resolve_scope(&root, &s, false) {
                prop_assert!(p.starts_with(&root));
                prop_assert!(!p.components().any(|c| matches!(c, Component::ParentDir)));
            }
        }
    }
}
