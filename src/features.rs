//! Scopes from `<project_root>/.help/features.yaml`.
//!
//! ```yaml
//! features:
//!   auth:
//!     description: Login and sessions
//!     files: ["src/auth/**", "docs/auth.md"]
//!     tags: [security]
//! ```
//!
//! Parsing follows the reference: a feature's path is the first `files` entry
//! ending in `/**` (suffix removed), else the first entry without glob
//! characters, else none. A missing or malformed file gives no features;
//! unlike the reference we also say *why*, so the Workflows page can show it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use yaml_rust2::{Yaml, YamlLoader};

use crate::wire::Feature;

pub const FEATURES_FILE: &str = ".help/features.yaml";

/// Features and a warning about what could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    /// Sorted by name.
    pub features: Vec<Feature>,
    pub warning: Option<String>,
}

impl Features {
    /// The default scope of a workflow: the path of the feature named like
    /// it, or "".
    pub fn default_scope(&self, workflow: &str) -> String {
        self.features.iter().find(|f| f.name == workflow).and_then(|f| f.path.clone()).unwrap_or_default()
    }
}

/// Python's `str()` of a YAML scalar, for keys and descriptions.
fn py_str(y: &Yaml) -> Option<String> {
    Some(match y {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Real(r) => r.clone(),
        Yaml::Boolean(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Yaml::Null => "None".into(),
        _ => return None,
    })
}

fn derive_path(files: &[String]) -> Option<String> {
    files
        .iter()
        .find_map(|f| f.strip_suffix("/**").map(str::to_string))
        .or_else(|| files.iter().find(|f| !f.contains(['*', '?', '['])).cloned())
}

fn string_list(y: Option<&Yaml>) -> Vec<String> {
    match y {
        Some(Yaml::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Parses features.yaml text.
pub fn parse_features(text: &str) -> Features {
    let docs = match YamlLoader::load_from_str(text) {
        Ok(d) => d,
        Err(e) => return Features { features: Vec::new(), warning: Some(format!("{FEATURES_FILE} is not valid YAML: {e}")) },
    };
    let Some(Yaml::Hash(top)) = docs.into_iter().next() else {
        return Features { features: Vec::new(), warning: Some(format!("{FEATURES_FILE}: the top level is not a mapping")) };
    };
    let Some(Yaml::Hash(feats)) = top.get(&Yaml::String("features".into())) else {
        return Features { features: Vec::new(), warning: Some(format!("{FEATURES_FILE}: no `features:` mapping")) };
    };
    let mut out = Vec::new();
    let mut skipped = 0;
    for (k, spec) in feats {
        let (Some(name), Yaml::Hash(spec)) = (py_str(k), spec) else {
            skipped += 1;
            continue;
        };
        let get = |key: &str| spec.get(&Yaml::String(key.into()));
        let files = string_list(get("files"));
        let description = match get("description") {
            None | Some(Yaml::Null) => String::new(),
            Some(Yaml::Boolean(false)) => String::new(),
            Some(y) => py_str(y).filter(|s| s != "0").unwrap_or_default(),
        };
        out.push(Feature { name, description, path: derive_path(&files), tags: string_list(get("tags")) });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let warning = (skipped > 0).then(|| format!("{FEATURES_FILE}: {skipped} feature(s) skipped (not a mapping)"));
    Features { features: out, warning }
}

/// Reads `<root>/.help/features.yaml`; a missing file is no features and no
/// warning.
pub fn load_features(root: &Path) -> Features {
    match std::fs::read_to_string(root.join(FEATURES_FILE)) {
        Ok(text) => parse_features(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Features::default(),
        Err(e) => Features { features: Vec::new(), warning: Some(format!("{FEATURES_FILE} cannot be read: {}", e.kind())) },
    }
}

/// A file's modification time and size: when either changes, re-read.
type FileKey = (Option<SystemTime>, u64);

/// Caches the parse, keyed on the file's modification time and size.
pub struct FeaturesCache {
    path: PathBuf,
    root: PathBuf,
    inner: Mutex<Option<(FileKey, std::sync::Arc<Features>)>>,
}

impl FeaturesCache {
    pub fn new(root: PathBuf) -> FeaturesCache {
        FeaturesCache { path: root.join(FEATURES_FILE), root, inner: Mutex::new(None) }
    }

    pub fn get(&self) -> std::sync::Arc<Features> {
        let key = std::fs::metadata(&self.path).map(|m| (m.modified().ok(), m.len())).unwrap_or((None, u64::MAX));
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((k, f)) = g.as_ref() {
            if *k == key {
                return f.clone();
            }
        }
        let f = std::sync::Arc::new(load_features(&self.root));
        *g = Some((key, f.clone()));
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_tags_and_order() {
        let f = parse_features(
            "features:\n  zeta:\n    description: Z\n    files: ['src/z/*.py', 'src/z/main.py']\n  auth:\n    description: Login\n    files: ['docs/auth.md', 'src/auth/**']\n    tags: [security, 3, web]\n  globs:\n    files: ['**/*.rs']\n  bad: 5\n  notlist:\n    files: src/x/**\n",
        );
        let names: Vec<_> = f.features.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["auth", "globs", "notlist", "zeta"]);
        assert_eq!(f.features[0].path.as_deref(), Some("src/auth"));
        assert_eq!(f.features[0].tags, ["security", "web"]);
        assert_eq!(f.features[1].path, None);
        assert_eq!(f.features[2].path, None);
        assert_eq!(f.features[3].path.as_deref(), Some("src/z/main.py"));
        assert!(f.warning.unwrap().contains("1 feature"));
        assert_eq!(
            Features { features: parse_features("features:\n  code-review:\n    files: [src/**]\n").features, warning: None }
                .default_scope("code-review"),
            "src"
        );
    }

    #[test]
    fn malformed_files_give_nothing_and_say_why() {
        for t in ["features: [1, 2]", "- a\n- b", "features:\n  a: {\n", ""] {
            let f = parse_features(t);
            assert!(f.features.is_empty());
            assert!(f.warning.is_some(), "{t:?}");
        }
    }
}
