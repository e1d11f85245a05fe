//! The workflow registry: which workflows exist and how to run them.
//!
//! Source, in order:
//! 1. `<project_root>/.attune/workflows.toml` — the pinned format:
//!
//!    ```toml
//!    [[workflow]]
//!    name = "code-review"                      # kebab-case id
//!    description = "Review the code in scope"
//!    command = ["python3", ".attune/bin/review.py"]  # argv, no shell
//!    scope = { flag = "--path", required = false }   # absent: no scope
//!    stages = [{ name = "scan", tier = "cheap" }]    # cheap|capable|premium
//!    tags = ["review"]
//!    ```
//!
//!    A relative program path (one containing `/`) resolves against the
//!    project root; a bare name is looked up on `PATH`. A bad file never
//!    stops the dashboard: syntax errors empty the registry, a bad entry is
//!    skipped, and every problem is reported with file, line and column.
//! 2. Without the file, an `attune` CLI on `PATH`: `attune workflow list`
//!    names the workflows; runs use `attune workflow run <name> [--path P]`.
//! 3. Otherwise the registry is empty and the Workflows page says why.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::ids::is_kebab_id;
use crate::wire::{RegistryError, ScopeSpec, Stage, WorkflowInfo};

/// The registry file, relative to the project root.
pub const REGISTRY_FILE: &str = ".attune/workflows.toml";

/// Valid tiers for a stage.
pub const TIERS: [&str; 3] = ["cheap", "capable", "premium"];

/// A runnable workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: String,
    pub description: String,
    /// argv; `command[0]` is already resolved against the project root when
    /// it is a relative path.
    pub command: Vec<String>,
    pub scope: Option<ScopeSpec>,
    pub stages: Vec<Stage>,
    pub tags: Vec<String>,
}

impl Workflow {
    /// The wire view, with the default scope filled in by the caller.
    pub fn info(&self, default_scope: String) -> WorkflowInfo {
        WorkflowInfo {
            name: self.name.clone(),
            description: self.description.clone(),
            stages: self.stages.clone(),
            tags: self.tags.clone(),
            scope: self.scope.clone(),
            default_scope,
            command: self.command.clone(),
        }
    }
}

/// Where the registry came from.
#[derive(Clone, Debug, PartialEq)]
pub enum RegistrySource {
    File(PathBuf),
    AttuneCli(PathBuf),
    None,
}

/// A loaded registry: the workflows that are valid, and what was wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Registry {
    pub workflows: Vec<Workflow>,
    pub source: RegistrySource,
    pub errors: Vec<RegistryError>,
}

impl Registry {
    pub fn empty() -> Registry {
        Registry { workflows: Vec::new(), source: RegistrySource::None, errors: Vec::new() }
    }

    pub fn get(&self, name: &str) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.workflows.iter().map(|w| w.name.clone()).collect()
    }

    /// A sentence for the page header.
    pub fn describe_source(&self) -> String {
        match &self.source {
            RegistrySource::File(_) => REGISTRY_FILE.to_string(),
            RegistrySource::AttuneCli(p) => format!("`attune workflow list` ({})", p.display()),
            RegistrySource::None => format!("no registry: create {REGISTRY_FILE} or install the attune CLI"),
        }
    }

    /// Loads the registry of `root` (file, else `attune` CLI, else empty).
    pub fn load(root: &Path) -> Registry {
        let file = root.join(REGISTRY_FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => parse_registry(&text, root, &file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match find_on_path("attune") {
                Some(prog) => discover_from_cli(&prog),
                None => Registry::empty(),
            },
            Err(e) => Registry {
                workflows: Vec::new(),
                source: RegistrySource::File(file),
                errors: vec![RegistryError {
                    file: REGISTRY_FILE.into(),
                    line: None,
                    column: None,
                    message: format!("cannot read the file: {}", e.kind()),
                }],
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    workflow: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkflow {
    name: String,
    #[serde(default)]
    description: String,
    command: Vec<String>,
    #[serde(default)]
    scope: Option<RawScope>,
    #[serde(default)]
    stages: Vec<RawStage>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(default = "default_flag")]
    flag: String,
    #[serde(default)]
    required: bool,
}

fn default_flag() -> String {
    "--path".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    name: String,
    #[serde(default)]
    tier: Option<String>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line as u32, col as u32)
}

/// Parses registry text. `file` is only used to label the source.
pub fn parse_registry(text: &str, root: &Path, file: &Path) -> Registry {
    let mut reg = Registry { workflows: Vec::new(), source: RegistrySource::File(file.to_path_buf()), errors: Vec::new() };
    let err = |line: Option<u32>, column: Option<u32>, message: String| RegistryError { file: REGISTRY_FILE.into(), line, column, message };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).map(|(l, c)| (Some(l), Some(c))).unwrap_or((None, None));
            reg.errors.push(err(line, col, e.message().trim().to_string()));
            return reg;
        }
    };
    for (i, entry) in raw.workflow.into_iter().enumerate() {
        let (line, col) = line_col(text, entry.span().start);
        let at = |m: String| err(Some(line), Some(col), m);
        let value = entry.into_inner();
        let label =
            value.get("name").and_then(|n| n.as_str()).map(|n| format!("workflow '{n}'")).unwrap_or_else(|| format!("workflow #{}", i + 1));
        let w: RawWorkflow = match value.try_into() {
            Ok(w) => w,
            Err(e) => {
                reg.errors.push(at(format!("{label}: {}", e.message().trim())));
                continue;
            }
        };
        match validate(w, root) {
            Ok(w) if reg.get(&w.name).is_some() => reg.errors.push(at(format!("{label}: duplicate name (the first one is kept)"))),
            Ok(w) => reg.workflows.push(w),
            Err(m) => reg.errors.push(at(format!("{label}: {m}"))),
        }
    }
    reg
}

fn validate(w: RawWorkflow, root: &Path) -> Result<Workflow, String> {
    if !is_kebab_id(&w.name) {
        return Err(
            "`name` must be a kebab-case id (lowercase letters, digits and single dashes, starting with a letter, at most 64 characters)"
                .into(),
        );
    }
    if w.command.is_empty() || w.command[0].trim().is_empty() {
        return Err("`command` must be a non-empty array whose first element is the program".into());
    }
    if w.command.iter().any(|a| a.contains('\0')) {
        return Err("`command` elements must not contain NUL bytes".into());
    }
    let scope = match w.scope {
        Some(s) if s.flag.len() < 2 || !s.flag.starts_with('-') || s.flag.contains(char::is_whitespace) => {
            return Err(format!("`scope.flag` must be an option such as \"--path\" (got {:?})", s.flag))
        }
        Some(s) => Some(ScopeSpec { flag: s.flag, required: s.required }),
        None => None,
    };
    let mut stages = Vec::new();
    for s in w.stages {
        if let Some(t) = &s.tier {
            if !TIERS.contains(&t.as_str()) {
                return Err(format!("stage '{}': unknown tier {:?} (use cheap, capable or premium)", s.name, t));
            }
        }
        stages.push(Stage { name: s.name, tier: s.tier });
    }
    let mut command = w.command;
    let prog = Path::new(&command[0]);
    if prog.is_relative() && command[0].contains('/') {
        command[0] = root.join(prog).to_string_lossy().into_owned();
    }
    Ok(Workflow { name: w.name, description: w.description, command, scope, stages, tags: w.tags })
}

/// The first executable named `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false))
}

/// Stage maps of the reference's built-in workflows, for CLI discovery
/// (`attune workflow list` prints names and descriptions only).
const BUILTIN_STAGES: &[(&str, &[(&str, &str)])] = &[
    ("bug-predict", &[("agent-predict", "capable")]),
    ("code-review", &[("agent-review", "capable")]),
    ("deep-review", &[("deep-review", "capable")]),
    ("dependency-check", &[("agent-check", "capable")]),
    ("discovery-sweep", &[("sweep", "capable")]),
    ("doc-audit", &[("agent-audit", "capable")]),
    ("doc-gen", &[("agent-gen", "capable")]),
    ("fix", &[("agent-fix", "capable")]),
    ("perf-audit", &[("agent-audit", "capable")]),
    ("rag-code-gen", &[("retrieve", "cheap"), ("generate", "capable")]),
    ("refactor-plan", &[("agent-plan", "capable")]),
    ("release-notes", &[("agent-prep", "capable")]),
    ("research-synthesis", &[("agent-synthesis", "capable")]),
    ("security-audit", &[("agent-audit", "capable")]),
    ("simplify-code", &[("agent-simplify", "capable")]),
    ("test-audit", &[("agent-audit", "capable")]),
    ("test-gen", &[("agent-gen", "capable")]),
];

/// Parses `attune workflow list` output: lines `  <name> <description>[ [SDK]]`.
pub fn parse_cli_listing(out: &str, program: &Path) -> Vec<Workflow> {
    let mut v = Vec::new();
    // The listing sits between two rules of dashes; the footer has indented
    // lines too ("  see docs/…") that are not workflows.
    let mut inside = false;
    for line in out.lines() {
        if line.len() >= 10 && line.bytes().all(|b| b == b'-') {
            if inside {
                break;
            }
            inside = true;
            continue;
        }
        if !inside || !line.starts_with("  ") || line.starts_with("   ") {
            continue;
        }
        let t = line.trim();
        let (name, desc) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        if !is_kebab_id(name) || v.iter().any(|w: &Workflow| w.name == name) {
            continue;
        }
        let desc = desc.trim();
        let desc = desc.strip_suffix(" [SDK]").or_else(|| desc.strip_suffix(" [API]")).unwrap_or(desc).trim();
        let stages = BUILTIN_STAGES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, st)| st.iter().map(|(s, t)| Stage { name: s.to_string(), tier: Some(t.to_string()) }).collect())
            .unwrap_or_default();
        v.push(Workflow {
            name: name.to_string(),
            description: desc.to_string(),
            command: vec![program.to_string_lossy().into_owned(), "workflow".into(), "run".into(), name.to_string()],
            scope: (name != "fix").then(|| ScopeSpec { flag: "--path".into(), required: name == "test-audit" }),
            stages,
            tags: Vec::new(),
        });
    }
    v
}

fn discover_from_cli(program: &Path) -> Registry {
    let out = crate::config::run_with_timeout(std::process::Command::new(program).args(["workflow", "list"]), Duration::from_secs(20));
    match out {
        Some(text) => Registry {
            workflows: parse_cli_listing(&text, program),
            source: RegistrySource::AttuneCli(program.to_path_buf()),
            errors: Vec::new(),
        },
        None => Registry {
            workflows: Vec::new(),
            source: RegistrySource::AttuneCli(program.to_path_buf()),
            errors: vec![RegistryError {
                file: program.display().to_string(),
                line: None,
                column: None,
                message: "`attune workflow list` failed or timed out".into(),
            }],
        },
    }
}

/// Caches the registry and reloads it when the file changes (checked by
/// modification time and size on each access: one `stat`). CLI discovery is
/// cached for a minute.
///
/// Loading can be slow (`attune workflow list` may take seconds), so no
/// lock is held across it: one caller loads (`loading`) while the others
/// keep answering with the registry they had; only when there is none yet
/// do they wait for the load.
pub struct RegistryCache {
    root: PathBuf,
    inner: Mutex<Option<(Key, std::sync::Arc<Registry>)>>,
    loading: Mutex<()>,
    /// How long a registry from the CLI is kept.
    cli_ttl: Duration,
    load: Loader,
}

type Loader = Box<dyn Fn(&Path) -> Registry + Send + Sync>;

#[derive(Clone, PartialEq)]
enum Key {
    File(Option<SystemTime>, u64),
    NoFile(std::time::Instant),
}

impl Key {
    /// Whether a registry loaded at `self` is still good now (`now`).
    fn fresh(&self, now: &Key, cli_ttl: Duration) -> bool {
        match (self, now) {
            (Key::File(..), Key::File(..)) => self == now,
            (Key::NoFile(t0), Key::NoFile(_)) => t0.elapsed() < cli_ttl,
            _ => false,
        }
    }
}

impl RegistryCache {
    pub fn new(root: PathBuf) -> RegistryCache {
        RegistryCache::with_loader(root, Duration::from_secs(60), Box::new(Registry::load))
    }

    fn with_loader(root: PathBuf, cli_ttl: Duration, load: Loader) -> RegistryCache {
        RegistryCache { root, inner: Mutex::new(None), loading: Mutex::new(()), cli_ttl, load }
    }

    fn key(&self) -> Key {
        match std::fs::metadata(self.root.join(REGISTRY_FILE)) {
            Ok(m) => Key::File(m.modified().ok(), m.len()),
            Err(_) => Key::NoFile(std::time::Instant::now()),
        }
    }

    fn cached(&self) -> Option<(Key, std::sync::Arc<Registry>)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The current registry. Blocking (a file read, or the `attune` CLI):
    /// call it off the async threads.
    pub fn get(&self) -> std::sync::Arc<Registry> {
        let key = self.key();
        let old = self.cached();
        if let Some((k, reg)) = &old {
            if k.fresh(&key, self.cli_ttl) {
                return reg.clone();
            }
        }
        let _loading = match self.loading.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                // Someone is loading: the registry we had is good enough for
                // this answer. Without one, wait for theirs.
                if let Some((_, reg)) = old {
                    return reg;
                }
                let g = self.loading.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((k, reg)) = self.cached() {
                    if k.fresh(&self.key(), self.cli_ttl) {
                        return reg;
                    }
                }
                g
            }
        };
        let reg = std::sync::Arc::new((self.load)(&self.root));
        for e in &reg.errors {
            tracing::warn!(problem = %e, "workflow registry");
        }
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, reg.clone()));
        reg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Registry {
        parse_registry(text, Path::new("/proj"), Path::new("/proj/.attune/workflows.toml"))
    }

    #[test]
    fn parses_the_documented_format() {
        let r = parse(
            r#"
[[workflow]]
name = "code-review"
description = "Review"
command = ["bin/review.sh", "--fast"]
scope = { flag = "--path", required = true }
stages = [{ name = "agent-review", tier = "capable" }, { name = "summary" }]
tags = ["review"]

[[workflow]]
name = "plain"
command = ["echo", "hi"]
"#,
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.workflows.len(), 2);
        let w = &r.workflows[0];
        assert_eq!(w.command, ["/proj/bin/review.sh", "--fast"]);
        assert_eq!(w.scope, Some(ScopeSpec { flag: "--path".into(), required: true }));
        assert_eq!(w.stages[1].tier, None);
        assert_eq!(r.workflows[1].command[0], "echo");
        assert!(r.workflows[1].scope.is_none());
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let r = parse("[[workflow]]\nname = \"x\"\ncommand = [\"a\"\n");
        assert!(r.workflows.is_empty());
        let e = &r.errors[0];
        assert_eq!(e.file, ".attune/workflows.toml");
        assert!(e.line.is_some());
        assert!(e.to_string().starts_with(".attune/workflows.toml:"));
    }

    #[test]
    fn bad_entries_are_skipped_with_their_line() {
        let r = parse(
            "[[workflow]]\nname = \"ok-one\"\ncommand = [\"a\"]\n\n[[workflow]]\nname = \"Bad Name\"\ncommand = [\"a\"]\n\n[[workflow]]\nname = \"typo\"\ncomand = [\"a\"]\n\n[[workflow]]\nname = \"ok-one\"\ncommand = [\"b\"]\n\n[[workflow]]\nname = \"tiers\"\ncommand = [\"b\"]\nstages = [{name = \"s\", tier = \"gold\"}]\n",
        );
        assert_eq!(r.names(), ["ok-one"]);
        assert_eq!(r.errors.len(), 4, "{:?}", r.errors);
        assert_eq!(r.errors[0].line, Some(5));
        assert!(r.errors[0].message.contains("kebab-case"));
        assert!(r.errors[1].message.contains("comand"), "{}", r.errors[1].message);
        assert!(r.errors[2].message.contains("duplicate"));
        assert!(r.errors[3].message.contains("gold"));
    }

    /// A slow load (the CLI) holds no lock the others wait on: they answer
    /// with the registry they had; the next caller after it gets the new one.
    #[test]
    fn a_slow_reload_does_not_hold_up_other_callers() {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c = calls.clone();
        let cache = std::sync::Arc::new(RegistryCache::with_loader(
            PathBuf::from("/nonexistent-project"),
            Duration::ZERO,
            Box::new(move |_| {
                let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n > 0 {
                    std::thread::sleep(Duration::from_millis(800));
                }
                parse(&format!("[[workflow]]\nname = \"gen{n}\"\ncommand = [\"true\"]\n"))
            }),
        ));
        assert_eq!(cache.get().names(), ["gen0"]);
        let slow = {
            let cache = cache.clone();
            std::thread::spawn(move || cache.get().names())
        };
        while calls.load(std::sync::atomic::Ordering::SeqCst) < 2 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let t0 = std::time::Instant::now();
        assert_eq!(cache.get().names(), ["gen0"], "the registry we had, while the reload runs");
        assert!(t0.elapsed() < Duration::from_millis(300), "waited {:?} behind a reload", t0.elapsed());
        assert_eq!(slow.join().unwrap(), ["gen1"]);
    }

    #[test]
    fn cli_listing_is_parsed() {
        let rule = "-".repeat(60);
        let out = format!("\n📋 Available Workflows\n\n{rule}\n  code-review               Agent SDK-powered code review [SDK]\n  release-prep              Release readiness\n{rule}\n\nTotal: 2 workflows\nHidden (x): a\n  see docs/x\n");
        let w = parse_cli_listing(&out, Path::new("/usr/bin/attune"));
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].description, "Agent SDK-powered code review");
        assert_eq!(w[0].command, ["/usr/bin/attune", "workflow", "run", "code-review"]);
        assert_eq!(w[0].stages[0].name, "agent-review");
        assert_eq!(w[1].scope.as_ref().unwrap().flag, "--path");
    }
}
