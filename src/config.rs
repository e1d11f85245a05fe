//! Configuration: the immutable [`Config`], `ATTUNE_HOME`, the default
//! project root, and the persisted settings file `<home>/ops/config.json`.
//!
//! [`build_config`] is the one place where raw options (CLI flags, library
//! arguments) become a validated `Config`: paths are expanded and resolved,
//! the project root must exist. Everything downstream trusts the result.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::fsutil;
use crate::pyfmt::{self, Dumps};

/// Default port when neither `--port` nor `$PORT` is given.
pub const DEFAULT_PORT: u16 = 8765;
/// Default retention of persisted runs, in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// The dashboard's configuration. Built once, then shared read-only.
#[derive(Clone, Debug)]
pub struct Config {
    /// Canonical absolute project directory.
    pub project_root: PathBuf,
    /// State directory (see [`attune_home`]).
    pub attune_home: PathBuf,
    pub host: String,
    pub port: u16,
    /// Runs, status flips, dismissals, run persistence, bulletin writes and
    /// pruning all require this. Off by default: execution is opt-in.
    pub allow_run: bool,
    /// Spec roots as given (resolved); empty means `<root>/docs/specs`.
    pub specs_roots: Vec<PathBuf>,
    /// Extra `Host` header values accepted by the allowlist.
    pub trusted_hosts: Vec<String>,
    /// Persisted runs older than this are pruned; 0 disables pruning.
    pub runs_retention_days: u32,
    pub specs_candidates_enabled: bool,
    /// Runs executing at once; further starts wait in the queue.
    pub max_concurrent_runs: usize,
    /// Output kept per run (bytes of log text); the rest is counted and
    /// marked, never silently dropped.
    pub max_log_bytes: u64,
    /// Claude Code's configuration directory (`$CLAUDE_CONFIG_DIR`, else
    /// `~/.claude`).
    pub claude_dir: PathBuf,
    /// A monthly budget from `--monthly-budget` (it overrides the
    /// environment and the saved setting).
    pub monthly_budget_flag: Option<f64>,
    /// The pending-writes journal shared with other attune tools:
    /// `~/.attune/ops/pending_writes.jsonl` in the real home (as the
    /// reference; `ATTUNE_HOME` does not move it), or
    /// `$ATTUNE_OPS_PENDING_WRITES`.
    pub pending_writes_path: PathBuf,
    /// Keep each discovery sweep's result (`ATTUNE_OPS_SWEEP_RESULTS`, as
    /// the reference): its runs get `ATTUNE_DS_EMIT=1`, and the result of a
    /// successful one is saved under `<home>/ops/sweep-results/`.
    pub sweep_results: bool,
}

/// Raw options for [`build_config`]; `Default` gives the library defaults
/// (read-only, loopback, port 8765).
#[derive(Clone, Debug)]
pub struct ConfigOptions {
    pub project_root: Option<PathBuf>,
    pub attune_home: Option<PathBuf>,
    pub host: String,
    pub port: u16,
    pub allow_run: bool,
    pub specs_roots: Vec<PathBuf>,
    pub trusted_hosts: Vec<String>,
    pub runs_retention_days: u32,
    pub specs_candidates_enabled: bool,
    pub max_concurrent_runs: usize,
    pub max_log_bytes: u64,
    pub claude_dir: Option<PathBuf>,
    pub monthly_budget: Option<f64>,
    pub pending_writes_path: Option<PathBuf>,
    pub sweep_results: bool,
}

impl Default for ConfigOptions {
    fn default() -> Self {
        ConfigOptions {
            project_root: None,
            attune_home: None,
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            allow_run: false,
            specs_roots: Vec::new(),
            trusted_hosts: Vec::new(),
            runs_retention_days: DEFAULT_RETENTION_DAYS,
            specs_candidates_enabled: false,
            max_concurrent_runs: 1,
            max_log_bytes: 256 * 1024 * 1024,
            claude_dir: None,
            monthly_budget: None,
            pending_writes_path: None,
            sweep_results: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("project root {0} does not exist")]
    ProjectRootMissing(PathBuf),
    #[error("project root {0} is not a directory")]
    ProjectRootNotDir(PathBuf),
    #[error("cannot read the current directory: {0}")]
    NoCurrentDir(std::io::Error),
    #[error("--max-concurrent-runs must be at least 1")]
    ZeroConcurrency,
}

/// Builds a validated [`Config`]. The project root defaults to
/// [`default_project_root`]; `attune_home` to [`attune_home`].
pub fn build_config(o: ConfigOptions) -> Result<Config, ConfigError> {
    let cwd = std::env::current_dir().map_err(ConfigError::NoCurrentDir)?;
    let root = match o.project_root {
        Some(p) => expand_tilde(&p),
        None => default_project_root(&cwd),
    };
    let root = if root.is_absolute() { root } else { cwd.join(root) };
    if !root.exists() {
        return Err(ConfigError::ProjectRootMissing(root));
    }
    if !root.is_dir() {
        return Err(ConfigError::ProjectRootNotDir(root));
    }
    let project_root = root.canonicalize().map_err(|_| ConfigError::ProjectRootMissing(root.clone()))?;
    if o.max_concurrent_runs == 0 {
        return Err(ConfigError::ZeroConcurrency);
    }
    let resolve = |p: &Path| {
        let p = expand_tilde(p);
        let p = if p.is_absolute() { p } else { cwd.join(p) };
        p.canonicalize().unwrap_or(p)
    };
    Ok(Config {
        attune_home: o.attune_home.map(|h| resolve(&h)).unwrap_or_else(attune_home),
        specs_roots: o.specs_roots.iter().map(|p| resolve(p)).collect(),
        claude_dir: o.claude_dir.map(|p| resolve(&p)).unwrap_or_else(claude_dir),
        project_root,
        host: o.host,
        port: o.port,
        allow_run: o.allow_run,
        trusted_hosts: o.trusted_hosts,
        runs_retention_days: o.runs_retention_days,
        specs_candidates_enabled: o.specs_candidates_enabled,
        max_concurrent_runs: o.max_concurrent_runs,
        max_log_bytes: o.max_log_bytes,
        monthly_budget_flag: o.monthly_budget.filter(|b| b.is_finite() && *b > 0.0),
        pending_writes_path: o.pending_writes_path.map(|p| resolve(&p)).unwrap_or_else(pending_writes_path),
        sweep_results: o.sweep_results,
    })
}

impl Config {
    /// `<home>/ops/runs`: persisted run records, one directory per workflow.
    pub fn runs_dir(&self) -> PathBuf {
        self.attune_home.join("ops").join("runs")
    }
    /// `<home>/bulletin`.
    pub fn bulletin_dir(&self) -> PathBuf {
        self.attune_home.join("bulletin")
    }
    /// `<home>/telemetry/usage.jsonl`.
    pub fn telemetry_path(&self) -> PathBuf {
        self.attune_home.join("telemetry").join("usage.jsonl")
    }
    /// `<home>/ops/config.json`.
    pub fn settings_path(&self) -> PathBuf {
        settings_path(&self.attune_home)
    }
    /// `<home>/ops/spec_completion_dismissed.json`.
    pub fn dismissed_path(&self) -> PathBuf {
        self.attune_home.join("ops").join("spec_completion_dismissed.json")
    }
    /// `<home>/ops/gates/verdicts.jsonl`.
    pub fn gate_verdicts_path(&self) -> PathBuf {
        self.attune_home.join("ops").join("gates").join("verdicts.jsonl")
    }
    /// The spec roots in effect: the configured ones, or `<root>/docs/specs`.
    pub fn effective_specs_roots(&self) -> Vec<PathBuf> {
        if self.specs_roots.is_empty() {
            vec![self.project_root.join("docs").join("specs")]
        } else {
            self.specs_roots.clone()
        }
    }
    /// The URL the banner prints.
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        format!("http://{}:{}", host, self.port)
    }
}

/// `~` and `~/…` to the user's home directory.
pub fn expand_tilde(p: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    if s == "~" {
        return user_home();
    }
    if let Some(rest) = s.strip_prefix("~/") {
        return user_home().join(rest);
    }
    p.to_path_buf()
}

/// The user's home directory (`$HOME`, falling back to `/`).
pub fn user_home() -> PathBuf {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

/// `ATTUNE_HOME` if set and non-empty (`~` expanded, made absolute, symlinks
/// resolved), else `~/.attune` (not resolved), as the reference.
pub fn attune_home() -> PathBuf {
    match std::env::var_os("ATTUNE_HOME").filter(|v| !v.is_empty()) {
        Some(v) => {
            let p = expand_tilde(Path::new(&v));
            let p = if p.is_absolute() { p } else { std::env::current_dir().map(|c| c.join(&p)).unwrap_or(p) };
            p.canonicalize().unwrap_or(p)
        }
        None => user_home().join(".attune"),
    }
}

/// `$ATTUNE_OPS_PENDING_WRITES`, else `~/.attune/ops/pending_writes.jsonl`.
pub fn pending_writes_path() -> PathBuf {
    match std::env::var_os("ATTUNE_OPS_PENDING_WRITES").filter(|v| !v.is_empty()) {
        Some(v) => expand_tilde(Path::new(&v)),
        None => user_home().join(".attune").join("ops").join("pending_writes.jsonl"),
    }
}

/// `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn claude_dir() -> PathBuf {
    match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|v| !v.is_empty()) {
        Some(v) => expand_tilde(Path::new(&v)),
        None => user_home().join(".claude"),
    }
}

/// The default project root: the main checkout of the git repository around
/// `cwd` (a subdirectory gives its top level; a linked worktree gives the main
/// checkout), else `cwd`. Uses `git rev-parse --git-common-dir` with a 5 s
/// timeout, exactly as the reference.
pub fn default_project_root(cwd: &Path) -> PathBuf {
    let out = run_with_timeout(Command::new("git").args(["rev-parse", "--git-common-dir"]).current_dir(cwd), Duration::from_secs(5));
    let Some(stdout) = out else { return cwd.to_path_buf() };
    let common = stdout.trim();
    if common.is_empty() {
        return cwd.to_path_buf();
    }
    let p = PathBuf::from(common);
    let p = if p.is_absolute() { p } else { cwd.join(p) };
    let p = p.canonicalize().unwrap_or(p);
    if p.file_name().is_some_and(|n| n == ".git") {
        if let Some(parent) = p.parent() {
            if parent.is_dir() {
                return parent.to_path_buf();
            }
        }
    }
    cwd.to_path_buf()
}

/// Runs a command, returning its stdout if it exits 0 within `timeout`.
/// The child is killed on timeout.
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Option<String> {
    use std::io::Read;
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let out = reader.join().ok()?;
    match status {
        Some(st) if st.success() => Some(String::from_utf8_lossy(&out).into_owned()),
        _ => None,
    }
}

/// The monthly budget in effect: `--monthly-budget`, else
/// `$ATTUNE_OPS_MONTHLY_BUDGET_USD`, else the saved `monthly_budget_usd`
/// setting. Invalid or non-positive values are ignored.
pub fn monthly_budget(cfg: &Config) -> Option<crate::wire::Budget> {
    let ok = |v: f64| v.is_finite() && v > 0.0;
    if let Some(v) = cfg.monthly_budget_flag.filter(|v| ok(*v)) {
        return Some(crate::wire::Budget { monthly_usd: v, source: "flag".into() });
    }
    if let Some(v) = std::env::var("ATTUNE_OPS_MONTHLY_BUDGET_USD").ok().and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| ok(*v)) {
        return Some(crate::wire::Budget { monthly_usd: v, source: "env".into() });
    }
    load_settings(&cfg.attune_home)
        .get("monthly_budget_usd")
        .and_then(Value::as_f64)
        .filter(|v| ok(*v))
        .map(|v| crate::wire::Budget { monthly_usd: v, source: "setting".into() })
}

/// Where an Anthropic admin key would come from (`$ANTHROPIC_ADMIN_API_KEY`
/// or `~/.attune/anthropic-admin.env`), without reading the key itself.
pub fn admin_key_source() -> Option<&'static str> {
    if std::env::var("ANTHROPIC_ADMIN_API_KEY").is_ok_and(|v| !v.trim().is_empty()) {
        return Some("ANTHROPIC_ADMIN_API_KEY");
    }
    let file = user_home().join(".attune").join("anthropic-admin.env");
    file.is_file().then_some("~/.attune/anthropic-admin.env")
}

// ---------------------------------------------------------------------------
// Settings store: <home>/ops/config.json

/// `<home>/ops/config.json`.
pub fn settings_path(home: &Path) -> PathBuf {
    home.join("ops").join("config.json")
}

/// Reads the saved settings. A missing file is empty without a word; an
/// unreadable or malformed one is empty with a warning. Never fails.
pub fn load_settings(home: &Path) -> Map<String, Value> {
    let path = settings_path(home);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Map::new(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ops settings unreadable; using defaults");
            return Map::new();
        }
    };
    let root: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ops settings are not valid JSON; using defaults");
            return Map::new();
        }
    };
    let ok_version = root.get("version").and_then(Value::as_i64) == Some(1);
    match (ok_version, root.get("settings")) {
        (true, Some(Value::Object(m))) => m.clone(),
        _ => {
            tracing::warn!(path = %path.display(), "ops settings have an unexpected shape (want version 1 and a settings object); using defaults");
            Map::new()
        }
    }
}

/// Saves one setting, keeping the others. Written as the reference does:
/// indent 2, sorted keys, trailing newline, atomically.
pub fn save_setting(home: &Path, key: &str, value: Value) -> std::io::Result<()> {
    let path = settings_path(home);
    let mut settings = load_settings(home);
    // A file we could not read as settings is kept aside, not overwritten:
    // nothing a person wrote is lost.
    let unreadable = settings.is_empty()
        && std::fs::read(&path).is_ok_and(|b| {
            let v: Option<Value> = serde_json::from_slice(&b).ok();
            !v.is_some_and(|v| v.get("version").and_then(Value::as_i64) == Some(1) && v.get("settings").is_some_and(Value::is_object))
        });
    if unreadable {
        let aside = path.with_extension(format!("json.unreadable-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
        std::fs::rename(&path, &aside)?;
        tracing::warn!(kept = %aside.display(), "ops settings could not be read; kept the old file aside");
    }
    settings.insert(key.to_string(), value);
    let doc = serde_json::json!({"settings": Value::Object(settings), "version": 1});
    let mut text = pyfmt::dumps(&doc, Dumps::INDENT2_SORTED);
    text.push('\n');
    fsutil::write_atomic(&settings_path(home), text.as_bytes(), true)
}

/// The `--specs-candidates` / `--no-specs-candidates` resolver: a flag is
/// saved and used; no flag uses the saved value. Only a JSON boolean counts
/// (the reference's truthiness coercion turned `"false"` on; we do not).
pub fn resolve_specs_candidates(flag: Option<bool>, home: &Path) -> bool {
    match flag {
        Some(v) => {
            if let Err(e) = save_setting(home, "specs_candidates_enabled", Value::Bool(v)) {
                tracing::warn!(error = %e, "could not save specs_candidates_enabled — using in-memory only");
            }
            v
        }
        None => matches!(load_settings(home).get("specs_candidates_enabled"), Some(Value::Bool(true))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_in_reference_format() {
        let d = tempfile::tempdir().unwrap();
        assert!(load_settings(d.path()).is_empty());
        save_setting(d.path(), "zeta", Value::from(1)).unwrap();
        save_setting(d.path(), "specs_candidates_enabled", Value::Bool(true)).unwrap();
        let text = std::fs::read_to_string(settings_path(d.path())).unwrap();
        assert_eq!(text, "{\n  \"settings\": {\n    \"specs_candidates_enabled\": true,\n    \"zeta\": 1\n  },\n  \"version\": 1\n}\n");
        assert!(resolve_specs_candidates(None, d.path()));
        assert!(!resolve_specs_candidates(Some(false), d.path()));
        assert!(!resolve_specs_candidates(None, d.path()));
    }

    #[test]
    fn string_false_is_not_true() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("ops")).unwrap();
        std::fs::write(settings_path(d.path()), r#"{"settings": {"specs_candidates_enabled": "false"}, "version": 1}"#).unwrap();
        assert!(!resolve_specs_candidates(None, d.path()));
        std::fs::write(settings_path(d.path()), "not json").unwrap();
        assert!(load_settings(d.path()).is_empty());
        // Saving over an unreadable file keeps the old bytes aside.
        save_setting(d.path(), "monthly_budget_usd", Value::from(250.0)).unwrap();
        let kept: Vec<_> = std::fs::read_dir(d.path().join("ops"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("unreadable"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(std::fs::read_to_string(kept[0].path()).unwrap(), "not json");
        assert_eq!(load_settings(d.path()).get("monthly_budget_usd"), Some(&Value::from(250.0)));
        // A valid empty file is not set aside.
        save_setting(d.path(), "monthly_budget_usd", Value::Null).unwrap();
        std::fs::write(settings_path(d.path()), r#"{"settings": {}, "version": 1}"#).unwrap();
        save_setting(d.path(), "x", Value::from(1)).unwrap();
        assert_eq!(
            std::fs::read_dir(d.path().join("ops"))
                .unwrap()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().contains("unreadable"))
                .count(),
            1
        );
    }

    #[test]
    fn missing_project_root_is_an_error() {
        let o = ConfigOptions { project_root: Some("/definitely/not/here".into()), ..Default::default() };
        assert!(matches!(build_config(o), Err(ConfigError::ProjectRootMissing(_))));
    }

    #[test]
    fn default_root_of_a_subdirectory_is_the_checkout_top() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        let ok = Command::new("git").args(["init", "-q"]).current_dir(&root).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            return; // no git here: nothing to check
        }
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        assert_eq!(default_project_root(&root.join("a/b")), root);
        let outside = tempfile::tempdir().unwrap();
        assert_eq!(default_project_root(outside.path()), outside.path());
    }
}
