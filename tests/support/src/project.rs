//! A temporary project: `<tmp>/proj` (the project root) and `<tmp>/home`
//! (the attune home), under a canonical temporary directory so paths
//! compare equal to what the engine resolves.

use std::path::{Path, PathBuf};

pub struct TempProject {
    dir: tempfile::TempDir,
    /// The project root, `<tmp>/proj` (created).
    pub root: PathBuf,
    /// The attune home, `<tmp>/home` (not created: the engine must cope).
    pub home: PathBuf,
}

impl TempProject {
    pub fn new() -> TempProject {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let base = dir.path().canonicalize().expect("the temporary directory resolves");
        let root = base.join("proj");
        std::fs::create_dir_all(&root).expect("the project root");
        TempProject { home: base.join("home"), root, dir }
    }

    /// A project whose `.attune/workflows.toml` is `registry`.
    pub fn with_registry(registry: &str) -> TempProject {
        let p = TempProject::new();
        p.write(".attune/workflows.toml", registry);
        p
    }

    /// The temporary directory holding root and home.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `rel` under the project root (parents created).
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        write_under(&self.root, rel, text)
    }

    /// Writes `text` to `rel` under the attune home (parents created).
    pub fn write_home(&self, rel: &str, text: &str) -> PathBuf {
        write_under(&self.home, rel, text)
    }

    /// Creates `rel` (and parents) under the project root.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(&p).expect("a directory in the project");
        p
    }

    /// Keeps the files beyond this value's life (the guard deletes them).
    pub fn into_dir(self) -> tempfile::TempDir {
        self.dir
    }
}

impl Default for TempProject {
    fn default() -> Self {
        TempProject::new()
    }
}

fn write_under(base: &Path, rel: &str, text: &str) -> PathBuf {
    let p = base.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("parent directories");
    }
    std::fs::write(&p, text).expect("a test file");
    p
}
