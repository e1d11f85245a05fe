//! Whether a feature's templates are older than its sources: the hash the
//! generator stored in `templates/<feature>/concept.md` (`source_hash:`)
//! against the hash of the files its `.help/features.yaml` entry globs.
//!
//! The reference hashes a feature whose files are all Python by the
//! signatures of their symbols (its own AST walk), and any other feature by
//! the bytes of its files, concatenated in path order. The second is
//! reproduced here; the first is not, and such a feature's freshness is
//! [`Freshness::Unknown`], said with a reason, rather than guessed.
//!
//! The reference turned any problem (a malformed manifest, an unreadable
//! template) into "nothing is stale" for every feature; here a problem
//! makes the features it concerns unknown, and the others are still told.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};
use yaml_rust2::{Yaml, YamlLoader};

use super::template;
use crate::wire::Freshness;

/// Folders whose files never count (anywhere in the path).
const EXCLUDED_DIRS: [&str; 6] = ["__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules", ".git"];

/// The freshness of every feature the manifest lists.
#[derive(Clone, Debug, Default)]
pub struct Staleness {
    features: HashMap<String, (Freshness, Option<String>)>,
    /// Set when the manifest itself cannot be used: every feature is unknown.
    whole: Option<String>,
}

impl Staleness {
    /// A feature's freshness and, when unknown, why. A feature the manifest
    /// does not list is untracked.
    pub fn of(&self, feature: &str) -> (Freshness, Option<String>) {
        if let Some(why) = &self.whole {
            return (Freshness::Unknown, Some(why.clone()));
        }
        self.features.get(feature).cloned().unwrap_or((Freshness::Untracked, None))
    }
}

const PYTHON_ONLY: &str =
    "its source files are all Python: the reference hashes their symbols' signatures, which this dashboard does not reproduce";

/// Checks every tracked feature of `<root>/.help/features.yaml`.
pub fn check(project_root: &Path) -> Staleness {
    let help = project_root.join(".help");
    let text = match std::fs::read(help.join("features.yaml")) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => return whole(".help/features.yaml is not UTF-8 text"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return whole("there is no .help/features.yaml to compare against"),
        Err(e) => {
            tracing::warn!(error = %e, "ops.help: cannot read .help/features.yaml");
            return whole(".help/features.yaml cannot be read");
        }
    };
    let manifest = match parse_manifest(&text) {
        Ok(m) => m,
        Err(why) => return whole(&format!(".help/features.yaml {why}")),
    };
    let mut out = Staleness::default();
    for (name, entry) in manifest {
        let verdict = match entry {
            ManifestEntry::Untracked => (Freshness::Untracked, None),
            ManifestEntry::Invalid(why) => (Freshness::Unknown, Some(why)),
            ManifestEntry::Tracked(patterns) => feature_freshness(project_root, &help, &name, &patterns),
        };
        out.features.insert(name, verdict);
    }
    out
}

fn whole(why: &str) -> Staleness {
    Staleness { features: HashMap::new(), whole: Some(why.to_string()) }
}

enum ManifestEntry {
    Untracked,
    Tracked(Vec<String>),
    Invalid(String),
}

/// The manifest as the generator reads it: a mapping with a `features:`
/// mapping of safe names to mappings. `files:` must be a list for a feature
/// to be tracked; `status: manual` opts out.
fn parse_manifest(text: &str) -> Result<Vec<(String, ManifestEntry)>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|_| "is not valid YAML".to_string())?;
    let top = match docs.into_iter().next() {
        Some(Yaml::Hash(h)) => h,
        _ => return Err("is not a mapping".into()),
    };
    let feats = match top.get(&Yaml::String("features".into())) {
        None => return Ok(Vec::new()),
        Some(Yaml::Hash(f)) => f,
        Some(_) => return Err("has a `features:` that is not a mapping".into()),
    };
    let mut out = Vec::new();
    for (k, spec) in feats {
        let Some(name) = k.as_str().filter(|n| !n.is_empty() && !n.contains(['/', '\\', '\0']) && !n.contains("..")) else {
            return Err("names a feature that is not a safe folder name".into());
        };
        let Yaml::Hash(spec) = spec else { return Err(format!("has a feature `{name}` that is not a mapping")) };
        let get = |key: &str| spec.get(&Yaml::String(key.into()));
        let manual = matches!(get("status"), Some(Yaml::String(s)) if s == "manual");
        let entry = match get("files") {
            _ if manual => ManifestEntry::Untracked,
            None | Some(Yaml::Null) => ManifestEntry::Untracked,
            Some(Yaml::Array(items)) if items.is_empty() => ManifestEntry::Untracked,
            Some(Yaml::Array(items)) => match items.iter().map(|i| i.as_str().map(str::to_string)).collect::<Option<Vec<_>>>() {
                Some(p) => ManifestEntry::Tracked(p),
                None => ManifestEntry::Invalid("its `files:` has an entry that is not a string".into()),
            },
            Some(_) => ManifestEntry::Invalid("its `files:` is not a list".into()),
        };
        out.push((name.to_string(), entry));
    }
    Ok(out)
}

fn feature_freshness(root: &Path, help: &Path, name: &str, patterns: &[String]) -> (Freshness, Option<String>) {
    let matched = match matched_files(root, patterns) {
        Ok(m) => m,
        Err(why) => return (Freshness::Unknown, Some(why)),
    };
    if !matched.is_empty() && matched.iter().all(|p| p.ends_with(".py")) {
        return (Freshness::Unknown, Some(PYTHON_ONLY.into()));
    }
    let mut h = Sha256::new();
    for rel in &matched {
        match std::fs::read(root.join(rel)) {
            Ok(b) => h.update(&b),
            Err(e) => tracing::warn!(path = %rel, error = %e, "ops.help: a source file cannot be read; hashed without it"),
        }
    }
    let current = format!("{:x}", h.finalize());
    let concept = help.join("templates").join(name).join("concept.md");
    let stored = match std::fs::read(&concept) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => template::stored_source_hash(&crate::pytext::universal_newlines(&t)),
            Err(_) => return (Freshness::Unknown, Some("its concept.md is not UTF-8 text".into())),
        },
        Err(_) => None,
    };
    if stored.as_deref() == Some(current.as_str()) {
        (Freshness::Fresh, None)
    } else {
        (Freshness::Stale, None)
    }
}

/// The files (not folders) the patterns match under `root`, as sorted
/// relative POSIX paths. A pattern ending in `**` means every file below.
/// Patterns are confined to the root: an absolute one or one with `..` is
/// refused. Only what a pattern can reach is read: a literal path is one
/// `stat`, a pattern without `**` is walked no deeper than its segments.
fn matched_files(root: &Path, patterns: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for p in patterns {
        if p.starts_with('/') || p.split('/').any(|s| s == "..") {
            return Err(format!("its files pattern `{p}` reaches outside the project"));
        }
        let p = if p.ends_with("**") { format!("{p}/*") } else { p.clone() };
        // `./a/b` and `a//b` name `a/b`, as pathlib reads them.
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
        let p = segs.join("/");
        let is_glob = |s: &str| s.contains(['*', '?', '[', '{']);
        if !segs.iter().any(|s| is_glob(s)) {
            let excluded = segs.iter().any(|s| EXCLUDED_DIRS.contains(s));
            if !p.is_empty() && !excluded && root.join(&p).is_file() && !out.contains(&p) {
                out.push(p);
            }
            continue;
        }
        let glob = globset::GlobBuilder::new(&p)
            .literal_separator(true)
            .build()
            .map_err(|_| format!("its files pattern `{p}` is not a pattern this dashboard reads"))?
            .compile_matcher();
        // Walk from the pattern's literal leading folders, only as deep as
        // its segments reach unless it has `**`.
        let literal = segs.iter().take_while(|s| !is_glob(s)).count().min(segs.len().saturating_sub(1));
        let base = segs[..literal].join("/");
        let depth = if segs.contains(&"**") { usize::MAX } else { segs.len() - literal };
        walk(root, &base, depth, &mut |rel| {
            if glob.is_match(rel) && !out.iter().any(|o| o == rel) {
                out.push(rel.to_string());
            }
        });
    }
    out.sort();
    Ok(out)
}

/// Calls `f` with every file under `root/base` (relative to `root`) at most
/// `depth` levels down, skipping the excluded names (folders and files) and
/// not following links to folders.
fn walk(root: &Path, base: &str, depth: usize, f: &mut dyn FnMut(&str)) {
    if base.split('/').any(|s| EXCLUDED_DIRS.contains(&s)) {
        return;
    }
    let start = if base.is_empty() { root.to_path_buf() } else { root.join(base) };
    match std::fs::metadata(&start) {
        Ok(m) if m.is_file() => {
            f(base);
            return;
        }
        Ok(m) if m.is_dir() => {}
        _ => return,
    }
    let mut stack = vec![(start, base.to_string(), 1usize)];
    while let Some((dir, rel, level)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let Ok(name) = e.file_name().into_string() else { continue };
            if EXCLUDED_DIRS.contains(&name.as_str()) {
                continue;
            }
            let Ok(ft) = e.file_type() else { continue };
            let r = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if ft.is_dir() {
                if level < depth {
                    stack.push((e.path(), r, level + 1));
                }
            } else if ft.is_file() || (ft.is_symlink() && e.path().is_file()) {
                f(&r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(manifest: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        let w = |p: &str, s: &str| {
            let path = d.path().join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, s).expect("write");
        };
        w(".help/features.yaml", manifest);
        w("docs/a.md", "A\n");
        w("docs/sub/b.md", "B\n");
        w("docs/node_modules/x.md", "ignored\n");
        w("src/m.py", "def f(): pass\n");
        d
    }

    fn concept(d: &Path, feature: &str, hash: &str) {
        let p = d.join(format!(".help/templates/{feature}/concept.md"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, format!("---\nsource_hash: {hash}\n---\n# T\n")).expect("write");
    }

    fn sha(parts: &[&str]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p.as_bytes());
        }
        format!("{:x}", h.finalize())
    }

    #[test]
    fn byte_hashed_features_are_fresh_or_stale() {
        let d = world("features:\n  docs:\n    files: [\"docs/**\"]\n  mixed:\n    files: [\"docs/a.md\", \"src/*.py\"]\n");
        concept(d.path(), "docs", &sha(&["A\n", "B\n"]));
        concept(d.path(), "mixed", "old");
        let s = check(d.path());
        assert_eq!(s.of("docs").0, Freshness::Fresh);
        assert_eq!(s.of("mixed").0, Freshness::Stale);
        assert_eq!(s.of("absent").0, Freshness::Untracked);
    }

    #[test]
    fn python_only_manual_and_unsafe_features_are_told_apart() {
        let d = world(
            "features:\n  py:\n    files: [\"src/**\"]\n  man:\n    files: [\"docs/**\"]\n    status: manual\n  none:\n    description: x\n  out:\n    files: [\"../etc/*\"]\n  str:\n    files: \"docs/**\"\n",
        );
        let s = check(d.path());
        assert_eq!(s.of("py"), (Freshness::Unknown, Some(PYTHON_ONLY.into())));
        assert_eq!(s.of("man").0, Freshness::Untracked);
        assert_eq!(s.of("none").0, Freshness::Untracked);
        assert_eq!(s.of("out").0, Freshness::Unknown);
        assert_eq!(s.of("str").0, Freshness::Unknown);
    }

    #[test]
    fn a_missing_concept_is_stale_and_a_bad_manifest_unknown() {
        let d = world("features:\n  docs:\n    files: [\"docs/*.md\"]\n");
        assert_eq!(check(d.path()).of("docs").0, Freshness::Stale);
        std::fs::write(d.path().join(".help/features.yaml"), "features: [1, 2]\n").expect("write");
        assert_eq!(check(d.path()).of("docs").0, Freshness::Unknown);
        std::fs::remove_file(d.path().join(".help/features.yaml")).expect("rm");
        assert_eq!(check(d.path()).of("docs").0, Freshness::Unknown);
    }

    #[test]
    fn globs_match_files_below_their_literal_folders() {
        let d = world("features: {}\n");
        assert_eq!(matched_files(d.path(), &["docs/**".into()]).expect("ok"), ["docs/a.md", "docs/sub/b.md"]);
        assert_eq!(matched_files(d.path(), &["docs/*.md".into()]).expect("ok"), ["docs/a.md"]);
        assert_eq!(matched_files(d.path(), &["**/*.py".into(), "docs/a.md".into()]).expect("ok"), ["docs/a.md", "src/m.py"]);
        assert!(matched_files(d.path(), &["/etc/*".into()]).is_err());
        assert_eq!(matched_files(d.path(), &["./docs/a.md".into(), "docs/missing.md".into()]).expect("ok"), ["docs/a.md"]);
        // Without `**` a pattern reaches no deeper than its segments.
        assert_eq!(matched_files(d.path(), &["*/*.md".into()]).expect("ok"), ["docs/a.md"]);
    }
}
