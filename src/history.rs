//! Persisted run history: `<home>/ops/runs/<workflow>/<run_id>.json`.
//!
//! The record format is the reference dashboard's, byte for byte
//! (`json.dumps(record, indent=2)`, non-ASCII escaped, no trailing newline;
//! `lines` cut to a 200,000-byte budget with a `<TRUNCATED — N bytes more>`
//! marker), so either dashboard reads the other's history. Our additions
//! come after `persisted_at` and are ignored by the reference's reader.
//!
//! Beside each record we keep the complete log, `<run_id>.log` (see
//! [`crate::logstore`]), so a run over the budget is still shown in full,
//! with per-line streams and times.
//!
//! Records are written when a run is queued, when it starts and when it
//! finishes, each time atomically. A record left `pending` or `running` by
//! a dashboard that died reads as failed (interrupted) here; the runner's
//! crash recovery (`runner::recovery`, which uses this module) rewrites it
//! so on the next start.
//!
//! What counts as a file of the store is decided in one place: [`run_files`]
//! (every workflow directory) and [`workflow_files`] (one of them) walk it,
//! and [`find_record`] looks one id up with the same rules.
//!
//! Invariant: the history sits below the runner and never imports it; the
//! log store and the process primitives ([`crate::procs`]) sit below both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::fsutil;
use crate::ids::{is_run_id, is_workflow_dir_name};
use crate::logstore::LogStore;
use crate::procs;
use crate::pyfmt::{self, Dumps};
use crate::wire::{Recommendation, RunInfo, RunStatus};

/// The reference's budget for `lines` in a record.
pub const PERSIST_BUDGET: u64 = 200_000;

/// A random token identifying this dashboard process, written into
/// in-flight records (with the pid) so a restart can tell its own crashed
/// runs from another live dashboard's.
pub fn instance_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(crate::ids::new_run_id)
}

/// `<runs_dir>/<workflow>/<id>.json`.
pub fn record_path(runs_dir: &Path, workflow: &str, id: &str) -> PathBuf {
    runs_dir.join(workflow).join(format!("{id}.json"))
}

/// `<runs_dir>/<workflow>/<id>.log`.
pub fn log_path(runs_dir: &Path, workflow: &str, id: &str) -> PathBuf {
    runs_dir.join(workflow).join(format!("{id}.log"))
}

/// The first lines of `log` that fit the budget, plus the marker when some
/// did not. Each line counts as its UTF-8 length + 1.
pub fn budget_lines(log: &LogStore) -> Vec<String> {
    let total = log.text_bytes() + log.len();
    let mut kept = Vec::new();
    let mut used = 0u64;
    let mut over = false;
    let _ = log.for_each(|l| {
        let size = l.x.len() as u64 + 1;
        if used + size > PERSIST_BUDGET {
            over = true;
            return false;
        }
        used += size;
        kept.push(l.x.clone());
        true
    });
    if over {
        kept.push(format!("<TRUNCATED — {} bytes more>", total - used));
    }
    kept
}

/// The record object in the reference's field order, then ours.
pub fn record_value(info: &RunInfo, lines: Vec<String>, persisted_at: Option<String>, in_flight: bool, recs: &[Recommendation]) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), info.id.clone().into());
    m.insert("workflow".into(), info.workflow.clone().into());
    m.insert("status".into(), info.status.as_str().into());
    m.insert("exit_code".into(), info.exit_code.map(Value::from).unwrap_or(Value::Null));
    m.insert("started_at".into(), opt(&info.started_at));
    m.insert("completed_at".into(), opt(&info.completed_at));
    m.insert("duration_seconds".into(), info.duration_seconds.map(Value::from).unwrap_or(Value::Null));
    m.insert("line_count".into(), info.line_count.into());
    m.insert("path".into(), opt(&info.path));
    m.insert("trigger".into(), opt(&info.trigger));
    m.insert("command".into(), info.command.clone().map(Value::from).unwrap_or(Value::Null));
    m.insert("sdk_stderr".into(), opt(&info.sdk_stderr));
    m.insert("sdk_error_kind".into(), opt(&info.sdk_error_kind));
    m.insert("report".into(), info.report.clone().unwrap_or(Value::Null));
    m.insert("lines".into(), Value::from(lines));
    if let Some(p) = persisted_at {
        m.insert("persisted_at".into(), p.into());
    }
    // Ours, after the reference's fields.
    if let Some(q) = &info.queued_at {
        m.insert("queued_at".into(), q.clone().into());
    }
    if let Some(s) = &info.source_workflow {
        m.insert("source_workflow".into(), s.clone().into());
    }
    if let Some(s) = &info.source_run_id {
        m.insert("source_run_id".into(), s.clone().into());
    }
    if info.interrupted {
        m.insert("interrupted".into(), true.into());
    }
    if let Some(n) = info.stderr_lines {
        m.insert("stderr_lines".into(), n.into());
    }
    if let Some(n) = info.dropped_bytes {
        m.insert("dropped_bytes".into(), n.into());
    }
    if !recs.is_empty() {
        m.insert("recommendations".into(), serde_json::to_value(recs).unwrap_or(Value::Null));
    }
    if in_flight {
        m.insert("ops_pid".into(), std::process::id().into());
        m.insert("ops_instance".into(), instance_id().into());
        if let Some(ns) = procs::pid_namespace() {
            m.insert("ops_pidns".into(), ns.into());
        }
    }
    Value::Object(m)
}

fn opt(s: &Option<String>) -> Value {
    s.clone().map(Value::from).unwrap_or(Value::Null)
}

/// Writes a run's record atomically. In-flight records (pending, running)
/// carry our pid and instance id. Refused (with a warning) for names that
/// are not valid directory names or ids, as the reference does.
pub fn write_record(runs_dir: &Path, info: &RunInfo, log: &LogStore, recs: &[Recommendation]) -> std::io::Result<()> {
    if !is_workflow_dir_name(&info.workflow) || !is_run_id(&info.id) {
        tracing::warn!(workflow = %info.workflow, id = %info.id, "ops.persist: refusing to persist a run with an invalid workflow or id");
        return Ok(());
    }
    let in_flight = !info.status.is_terminal();
    let lines = budget_lines(log);
    let v = record_value(info, lines, Some(pyfmt::now_iso()), in_flight, recs);
    let text = pyfmt::dumps(&v, Dumps::INDENT2);
    fsutil::write_atomic(&record_path(runs_dir, &info.workflow, &info.id), text.as_bytes(), true)
}

/// A record read back from disk.
#[derive(Clone, Debug)]
pub struct LoadedRecord {
    /// The parsed view (tolerant, §5.7 of the reference).
    pub info: RunInfo,
    /// `lines` as stored (possibly cut to the budget).
    pub lines: Vec<String>,
    /// The file's object, verbatim (the history API returns it as is).
    pub raw: Map<String, Value>,
    /// Recommendations saved with the record (ours; empty for the reference's).
    pub recommendations: Vec<Recommendation>,
    pub path: PathBuf,
    pub mtime: Option<SystemTime>,
}

impl LoadedRecord {
    /// The complete log: the `.log` file beside the record when present,
    /// else the record's `lines`.
    pub fn open_log(&self) -> LogStore {
        let lp = self.path.with_extension("log");
        match LogStore::open(&lp) {
            Ok(s) if !s.is_empty() => s,
            _ => LogStore::from_lines(&self.lines),
        }
    }
}

/// Python's `str()` for ids read from a record (a missing one is empty).
fn py_str(v: Option<&Value>) -> String {
    v.map(crate::pyfmt::str_of).unwrap_or_default()
}

fn str_only(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn date_only(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?;
    pyfmt::parse_iso(s).map(|_| s.to_string())
}

/// Whether the dashboard that wrote an in-flight record is still alive:
/// this process (same pid and instance), or a live process that is an
/// attune-ops dashboard (a reused pid running something else, or a killed
/// dashboard not yet reaped, does not count).
fn owner_alive(raw: &Map<String, Value>) -> bool {
    let pid = raw.get("ops_pid").and_then(Value::as_u64);
    let inst = raw.get("ops_instance").and_then(Value::as_str);
    match pid {
        Some(p) if p as u32 == std::process::id() => inst == Some(instance_id()),
        Some(p) if p > 0 && p < i32::MAX as u64 => procs::live_process_named(p as u32, "attune-ops"),
        _ => false,
    }
}

/// Parses a record object tolerantly (the reference's `Run.from_record`).
/// An in-flight record whose dashboard is gone reads as failed (interrupted).
pub fn parse_record(raw: Map<String, Value>, path: PathBuf, mtime: Option<SystemTime>) -> LoadedRecord {
    let g = |k: &str| raw.get(k);
    let lines: Vec<String> = match g("lines") {
        Some(Value::Array(a)) => a.iter().map(|x| py_str(Some(x))).collect(),
        _ => Vec::new(),
    };
    let mut info = RunInfo::new(py_str(g("id")), py_str(g("workflow")));
    info.status = g("status").and_then(Value::as_str).and_then(RunStatus::parse).unwrap_or(RunStatus::Completed);
    info.exit_code = match g("exit_code") {
        Some(Value::Bool(b)) => Some(*b as i64),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    info.started_at = date_only(g("started_at"));
    info.completed_at = date_only(g("completed_at"));
    info.duration_seconds =
        match (info.started_at.as_deref().and_then(pyfmt::parse_iso), info.completed_at.as_deref().and_then(pyfmt::parse_iso)) {
            (Some(a), Some(b)) if a.is_aware() == b.is_aware() => {
                Some((b.to_utc() - a.to_utc()).num_microseconds().unwrap_or(0) as f64 / 1e6)
            }
            _ => None,
        };
    info.line_count = g("line_count").and_then(Value::as_u64).unwrap_or(lines.len() as u64);
    info.path = str_only(g("path"));
    info.trigger = str_only(g("trigger"));
    info.command = match g("command") {
        Some(Value::Array(a)) => Some(a.iter().map(|x| py_str(Some(x))).collect()),
        _ => None,
    };
    info.sdk_stderr = str_only(g("sdk_stderr"));
    info.sdk_error_kind = str_only(g("sdk_error_kind"));
    info.report = g("report").filter(|v| v.is_object()).cloned();
    info.queued_at = str_only(g("queued_at"));
    info.source_workflow = str_only(g("source_workflow"));
    info.source_run_id = str_only(g("source_run_id"));
    info.interrupted = g("interrupted").and_then(Value::as_bool).unwrap_or(false);
    info.stderr_lines = g("stderr_lines").and_then(Value::as_u64);
    info.dropped_bytes = g("dropped_bytes").and_then(Value::as_u64);
    if !info.status.is_terminal() && !owner_alive(&raw) {
        info.status = RunStatus::Failed;
        info.interrupted = true;
        info.exit_code = info.exit_code.or(Some(-1));
    }
    let recommendations = match raw.get("recommendations") {
        Some(Value::Array(a)) => a.iter().filter_map(|v| serde_json::from_value(v.clone()).ok()).collect(),
        _ => Vec::new(),
    };
    LoadedRecord { info, lines, raw, recommendations, path, mtime }
}

/// Reads and parses one record file. `None` for unreadable or non-object
/// files (logged).
pub fn read_record(path: &Path) -> Option<LoadedRecord> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ops.runs: cannot read record");
            return None;
        }
    };
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Some(parse_record(m, path.to_path_buf(), mtime)),
        Ok(_) => {
            tracing::warn!(path = %path.display(), "ops.runs: record is not a JSON object; skipped");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ops.runs: record is not valid JSON; skipped");
            None
        }
    }
}

/// What a file of the run store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFileKind {
    /// `<id>.json`: the record.
    Record,
    /// `<id>.log`: the complete log beside it.
    Log,
}

/// One file of the run store, `<runs_dir>/<workflow>/<id>.{json,log}`.
#[derive(Clone, Debug)]
pub struct RunFile {
    pub workflow: String,
    pub id: String,
    pub kind: RunFileKind,
    pub path: PathBuf,
}

impl RunFile {
    /// The file's metadata (through a symlink); `None` when it is gone.
    pub fn metadata(&self) -> Option<std::fs::Metadata> {
        std::fs::metadata(&self.path).ok()
    }
}

/// Every file of the run store, lazily, in directory order. These are the
/// store's rules, and the only place that states them: a workflow
/// directory has a valid workflow directory name
/// ([`is_workflow_dir_name`], as [`write_record`] requires); a run file is
/// a file (or a link to one) named `<id>.json` or `<id>.log` with a valid
/// run id ([`is_run_id`]). Anything else (temporary files, strays,
/// unreadable directories or entries) is skipped, never an error.
pub fn run_files(runs_dir: &Path) -> impl Iterator<Item = RunFile> {
    workflow_dirs(runs_dir).flat_map(|(workflow, dir)| dir_files(workflow, dir))
}

/// The records ([`RunFileKind::Record`]) of [`run_files`].
pub fn record_files(runs_dir: &Path) -> impl Iterator<Item = RunFile> {
    run_files(runs_dir).filter(|f| f.kind == RunFileKind::Record)
}

/// [`run_files`] of one workflow's directory (none for an invalid name).
pub fn workflow_files(runs_dir: &Path, workflow: &str) -> impl Iterator<Item = RunFile> {
    let dir = is_workflow_dir_name(workflow).then(|| (workflow.to_string(), runs_dir.join(workflow)));
    dir.into_iter().flat_map(|(workflow, dir)| dir_files(workflow, dir))
}

/// The workflow directories of the store: `(name, path)`.
fn workflow_dirs(runs_dir: &Path) -> impl Iterator<Item = (String, PathBuf)> {
    std::fs::read_dir(runs_dir).into_iter().flatten().flatten().filter_map(|d| {
        let name = d.file_name().into_string().ok().filter(|n| is_workflow_dir_name(n))?;
        let path = d.path();
        path.is_dir().then_some((name, path))
    })
}

/// The run files of one workflow directory.
fn dir_files(workflow: String, dir: PathBuf) -> impl Iterator<Item = RunFile> {
    std::fs::read_dir(dir).into_iter().flatten().flatten().filter_map(move |e| {
        let name = e.file_name().into_string().ok()?;
        let (id, kind) = run_file_name(&name)?;
        // The entry's type comes with the listing: only a link costs a
        // `stat` (the Runs page walks every record on each query).
        let is_file = match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_file(),
            Ok(t) => t.is_file(),
            Err(_) => false,
        };
        is_file.then(|| RunFile { workflow: workflow.clone(), id: id.to_string(), kind, path: e.path() })
    })
}

/// The id and kind a run file's name gives, when it is a run file's name.
fn run_file_name(name: &str) -> Option<(&str, RunFileKind)> {
    let (id, kind) = match (name.strip_suffix(".json"), name.strip_suffix(".log")) {
        (Some(id), _) => (id, RunFileKind::Record),
        (None, Some(id)) => (id, RunFileKind::Log),
        (None, None) => return None,
    };
    is_run_id(id).then_some((id, kind))
}

/// The reference's `GET /api/runs/{workflow}` disk part: the newest 40
/// files considered, at most `limit` records, verbatim minus `lines`.
pub fn list_workflow_records(runs_dir: &Path, workflow: &str, limit: usize) -> Vec<LoadedRecord> {
    let mut files: Vec<(RunFile, SystemTime)> = workflow_files(runs_dir, workflow)
        .filter(|f| f.kind == RunFileKind::Record)
        .filter_map(|f| {
            let t = f.metadata()?.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            Some((f, t))
        })
        .collect();
    files.sort_by_key(|e| std::cmp::Reverse(e.1));
    files.into_iter().take(40).filter_map(|(f, _)| read_record(&f.path)).take(limit).collect()
}

/// Finds a record by id in any workflow directory (`get_or_load`). A point
/// lookup with [`run_files`]' rules: one `stat` per workflow directory
/// rather than a listing of every record (this is on the path of every
/// request for a finished run).
pub fn find_record(runs_dir: &Path, id: &str) -> Option<LoadedRecord> {
    let name = format!("{id}.json");
    run_file_name(&name)?;
    let path = workflow_dirs(runs_dir).map(|(_, dir)| dir.join(&name)).find(|p| p.is_file())?;
    read_record(&path)
}

/// Deletes records and logs older than `days` by modification time (each
/// file by its own, so a log whose record the reference already pruned
/// goes too). Returns how many records were deleted. `days == 0` does
/// nothing.
pub fn prune(runs_dir: &Path, days: u32) -> usize {
    if days == 0 {
        return 0;
    }
    let cutoff = SystemTime::now() - std::time::Duration::from_secs(days as u64 * 86_400);
    let mut deleted = 0;
    for f in run_files(runs_dir) {
        // No modification time: not provably old, kept.
        let old = f.metadata().and_then(|m| m.modified().ok()).is_some_and(|t| t < cutoff);
        if !old {
            continue;
        }
        match std::fs::remove_file(&f.path) {
            Ok(()) if f.kind == RunFileKind::Record => deleted += 1,
            Ok(()) => {}
            Err(e) => tracing::warn!(path = %f.path.display(), error = %e, "ops.persist: prune failed"),
        }
    }
    deleted
}

/// A record's (modification time, size) and its parsed summary.
type CachedSummary = ((SystemTime, u64), Arc<RunInfo>);

/// A cache of parsed record summaries for the Runs page, keyed by file and
/// revalidated by modification time and size (one `stat` per file per
/// query; records are parsed once).
pub struct HistoryIndex {
    runs_dir: PathBuf,
    cache: Mutex<HashMap<PathBuf, CachedSummary>>,
}

/// A scan of the history.
pub struct Scan {
    pub runs: Vec<Arc<RunInfo>>,
    pub skipped: u32,
}

impl HistoryIndex {
    pub fn new(runs_dir: PathBuf) -> HistoryIndex {
        HistoryIndex { runs_dir, cache: Mutex::new(HashMap::new()) }
    }

    pub fn runs_dir(&self) -> &Path {
        &self.runs_dir
    }

    /// Every readable record, in no particular order.
    pub fn scan(&self) -> Scan {
        let mut out = Vec::new();
        let mut skipped = 0;
        let mut seen = std::collections::HashSet::new();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        for f in record_files(&self.runs_dir) {
            let Some(m) = f.metadata() else { continue };
            let key = (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len());
            let p = f.path;
            seen.insert(p.clone());
            let cached = cache.get(&p).filter(|(k, _)| *k == key).map(|(_, v)| v.clone());
            // In-flight records are re-read each time: whether their
            // dashboard is alive can change without the file changing.
            let info = match cached.filter(|i| !i.interrupted || i.status.is_terminal()) {
                Some(i) => Some(i),
                None => read_record(&p).map(|r| {
                    let i = Arc::new(r.info);
                    cache.insert(p.clone(), (key, i.clone()));
                    i
                }),
            };
            match info {
                Some(i) => out.push(i),
                None => skipped += 1,
            }
        }
        cache.retain(|p, _| seen.contains(p));
        Scan { runs: out, skipped }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wire::LogStream;

    /// A completed run record as the reference writes one (shared with the
    /// runner's recovery tests).
    pub(crate) fn info(id: &str) -> RunInfo {
        let mut i = RunInfo::new(id, "security-audit");
        i.status = RunStatus::Completed;
        i.exit_code = Some(0);
        i.started_at = Some("2026-06-19T16:38:55.402211+00:00".into());
        i.completed_at = Some("2026-06-19T16:40:11.918532+00:00".into());
        i.duration_seconds = Some(76.516321);
        i.line_count = 3;
        i.path = Some("/home/ana/shop/src/auth".into());
        i.trigger = Some("attune-rec".into());
        i.command = Some(vec!["/venv/bin/python".into(), "-m".into(), "x".into()]);
        i
    }

    #[test]
    fn record_bytes_match_the_reference_format() {
        let lines = vec!["$ x".to_string(), "Findings: 2 medium — 0 high".into()];
        let v = record_value(&info("3fa9c04b1e7d"), lines, Some("2026-06-19T16:40:11.931077+00:00".into()), false, &[]);
        let text = pyfmt::dumps(&v, Dumps::INDENT2);
        let expected = "{\n  \"id\": \"3fa9c04b1e7d\",\n  \"workflow\": \"security-audit\",\n  \"status\": \"completed\",\n  \"exit_code\": 0,\n  \"started_at\": \"2026-06-19T16:38:55.402211+00:00\",\n  \"completed_at\": \"2026-06-19T16:40:11.918532+00:00\",\n  \"duration_seconds\": 76.516321,\n  \"line_count\": 3,\n  \"path\": \"/home/ana/shop/src/auth\",\n  \"trigger\": \"attune-rec\",\n  \"command\": [\n    \"/venv/bin/python\",\n    \"-m\",\n    \"x\"\n  ],\n  \"sdk_stderr\": null,\n  \"sdk_error_kind\": null,\n  \"report\": null,\n  \"lines\": [\n    \"$ x\",\n    \"Findings: 2 medium \\u2014 0 high\"\n  ],\n  \"persisted_at\": \"2026-06-19T16:40:11.931077+00:00\"\n}";
        assert_eq!(text, expected);
    }

    #[test]
    fn budget_keeps_leading_lines_and_counts_the_rest() {
        let d = tempfile::tempdir().unwrap();
        let log = LogStore::create(&d.path().join("x.log")).unwrap();
        // 3000 lines of 99 bytes (+1) = 300,000 bytes.
        log.append((0..3000).map(|_| (LogStream::Stdout, 0, "y".repeat(99))).collect()).unwrap();
        let kept = budget_lines(&log);
        assert_eq!(kept.len(), 2001);
        assert_eq!(kept[2000], "<TRUNCATED — 100000 bytes more>");
        let small = LogStore::from_lines(&["a".to_string()]);
        assert_eq!(budget_lines(&small), ["a"]);
    }

    #[test]
    fn tolerant_parse_of_foreign_records() {
        let raw = serde_json::json!({
            "id": 123, "workflow": "code-review", "status": "weird", "exit_code": true,
            "started_at": "not a date", "completed_at": "2026-06-19T16:40:11Z", "lines": ["a", 5],
            "command": "not-a-list", "path": 7, "report": [1], "line_count": "x"
        });
        let r = parse_record(raw.as_object().unwrap().clone(), PathBuf::from("/x/123.json"), None);
        assert_eq!(r.info.id, "123");
        assert_eq!(r.info.status, RunStatus::Completed);
        assert_eq!(r.info.exit_code, Some(1));
        assert_eq!(r.info.started_at, None);
        assert_eq!(r.info.completed_at.as_deref(), Some("2026-06-19T16:40:11Z"));
        assert_eq!(r.lines, ["a", "5"]);
        assert_eq!(r.info.command, None);
        assert_eq!(r.info.path, None);
        assert_eq!(r.info.report, None);
        assert_eq!(r.info.line_count, 2);
    }

    #[test]
    fn prune_removes_old_records_and_logs() {
        let d = tempfile::tempdir().unwrap();
        let wf = d.path().join("wf");
        std::fs::create_dir(&wf).unwrap();
        for n in ["aaa.json", "aaa.log", "bbb.json", "stray.tmp"] {
            std::fs::write(wf.join(n), "{}").unwrap();
        }
        let old = SystemTime::now() - std::time::Duration::from_secs(40 * 86400);
        for n in ["aaa.json", "aaa.log", "stray.tmp"] {
            std::fs::File::options().write(true).open(wf.join(n)).unwrap().set_modified(old).unwrap();
        }
        assert_eq!(prune(d.path(), 0), 0);
        assert_eq!(prune(d.path(), 30), 1);
        assert!(!wf.join("aaa.log").exists());
        assert!(wf.join("bbb.json").exists());
        assert!(wf.join("stray.tmp").exists());
    }

    #[test]
    fn the_store_walk_skips_what_is_not_a_run_file() {
        let d = tempfile::tempdir().unwrap();
        let runs = d.path();
        for dir in ["wf", "Bad_Dir", "x"] {
            std::fs::create_dir(runs.join(dir)).unwrap();
        }
        std::fs::write(runs.join("loose.json"), "{}").unwrap();
        for n in ["aaa.json", "aaa.log", "notes.json", ".aaa.json.0123.tmp", "ABC.json"] {
            std::fs::write(runs.join("wf").join(n), "{}").unwrap();
        }
        std::fs::create_dir(runs.join("wf").join("bbb.json")).unwrap();
        std::fs::write(runs.join("Bad_Dir").join("ccc.json"), "{}").unwrap();
        std::fs::write(runs.join("x").join("ddd.json"), "{}").unwrap();
        let mut found: Vec<(String, String, RunFileKind)> = run_files(runs).map(|f| (f.workflow, f.id, f.kind)).collect();
        found.sort_by(|a, b| (&a.0, &a.1, a.2 == RunFileKind::Log).cmp(&(&b.0, &b.1, b.2 == RunFileKind::Log)));
        assert_eq!(found, [("wf".to_string(), "aaa".to_string(), RunFileKind::Record), ("wf".into(), "aaa".into(), RunFileKind::Log)]);
        assert_eq!(record_files(runs).count(), 1);
        assert_eq!(workflow_files(runs, "wf").count(), 2);
        assert_eq!(workflow_files(runs, "Bad_Dir").count(), 0);
        assert_eq!(workflow_files(runs, "../wf").count(), 0);
        assert!(find_record(runs, "aaa").is_some_and(|r| r.info.workflow.is_empty() && r.path.ends_with("wf/aaa.json")));
        assert!(find_record(runs, "bbb").is_none());
        assert!(find_record(runs, "ccc").is_none());
        assert!(find_record(runs, "../wf/aaa").is_none());
        assert!(run_files(&runs.join("missing")).next().is_none());
    }
}
