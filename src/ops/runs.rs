//! Runs: starting (with the reference's validation and messages),
//! cancelling, finding a run live or on disk, and the run-shaped pages and
//! routes — the Runs page (filter, sort, duration statistics), the run
//! page, and the reference's per-workflow history JSON.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Ops;
use crate::history::{self, LoadedRecord};
use crate::logstore::LogStore;
use crate::runner::{Run, RunnerError, StartRequest};
use crate::scope::{resolve_scope, ScopeError};
use crate::wire::{
    DoneEvent, LogPage, Recommendation, RunInfo, RunPageData, RunStatus, RunsData, RunsQuery, StartRunRequest, WorkflowRunStats, TRIGGERS,
};

/// Why a run could not be started. `Display` is the message clients see.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StartError {
    #[error("workflow execution is disabled; restart attune-ops with --allow-run")]
    Disabled,
    #[error("unknown workflow '{0}'")]
    UnknownWorkflow(String),
    #[error("workflow '{0}' does not accept a path argument")]
    NoScope(String),
    #[error("workflow '{0}' requires a path (pick a scope)")]
    ScopeRequired(String),
    #[error("invalid path: {0}")]
    InvalidPath(ScopeError),
    #[error("trigger must be 'manual', 'attune-rec', or 'attune-heal'")]
    BadTrigger,
    #[error("the dashboard is shutting down")]
    ShuttingDown,
    #[error("diagnose is started from a failed run's page (POST /runs/{{id}}/diagnose), with that run's id")]
    DiagnoseOnly,
}

impl StartError {
    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            StartError::Disabled => 403,
            StartError::UnknownWorkflow(_) => 404,
            StartError::ShuttingDown => 503,
            _ => 400,
        }
    }
}

/// A run, live or read back from disk.
#[derive(Clone)]
pub enum RunHandle {
    Live(Arc<Run>),
    Stored(Arc<StoredRun>),
}

/// A finished run loaded from its record (and full log when kept).
pub struct StoredRun {
    pub record: LoadedRecord,
    pub log: LogStore,
}

impl RunHandle {
    pub fn info(&self) -> RunInfo {
        match self {
            RunHandle::Live(r) => r.info(),
            RunHandle::Stored(s) => {
                let mut i = s.record.info.clone();
                i.line_count = i.line_count.max(s.log.len());
                i
            }
        }
    }
    pub fn log(&self) -> &LogStore {
        match self {
            RunHandle::Live(r) => r.log(),
            RunHandle::Stored(s) => &s.log,
        }
    }
    pub fn recommendations(&self) -> Vec<Recommendation> {
        match self {
            RunHandle::Live(r) => r.recommendations(),
            RunHandle::Stored(s) => s.record.recommendations.clone(),
        }
    }
    /// Events after `after` (see [`Run::events_after`]). A stored run's
    /// sequence is its lines (seq = line number) then its recommendations.
    /// The sequence number of the run's last event so far (lines, then
    /// recommendations; `done` comes after it).
    pub fn last_seq(&self) -> u64 {
        match self {
            RunHandle::Live(r) => r.progress().seq,
            RunHandle::Stored(s) => s.log.len() + s.record.recommendations.len() as u64,
        }
    }

    pub fn events_after(&self, after: u64, max: usize) -> std::io::Result<Vec<crate::runner::RunEvent>> {
        use crate::runner::RunEvent;
        match self {
            RunHandle::Live(r) => r.events_after(after, max),
            RunHandle::Stored(s) => {
                let total = s.log.len();
                let mut out = Vec::new();
                if after < total {
                    for l in s.log.read_within(after + 1, max, crate::runner::EVENTS_BUDGET)? {
                        out.push(RunEvent::Line(l.n, l));
                    }
                }
                // Recommendations come after every line: only once the
                // lines are all out (a read stops at its byte budget).
                let lines_done = out.last().map_or(after >= total, |e| e.seq() == total);
                if !lines_done {
                    return Ok(out);
                }
                let mut seq = total;
                for r in &s.record.recommendations {
                    seq += 1;
                    if seq > after && out.len() < max {
                        out.push(RunEvent::Rec(seq, r.clone()));
                    }
                }
                Ok(out)
            }
        }
    }

    /// The `done` event, once terminal.
    pub fn done_event(&self) -> Option<DoneEvent> {
        match self {
            RunHandle::Live(r) => r.done_event(),
            RunHandle::Stored(s) => {
                let i = &s.record.info;
                Some(DoneEvent {
                    exit_code: i.exit_code.unwrap_or(-1),
                    status: i.status,
                    sdk_error_kind: i.sdk_error_kind.clone(),
                    sdk_stderr: i.sdk_stderr.clone(),
                    has_report: i.report.is_some(),
                    duration_seconds: i.duration_seconds,
                })
            }
        }
    }

    /// True when the whole log is available (the record's `lines` may be cut
    /// to the reference's budget when no log file was kept).
    pub fn full_log(&self) -> bool {
        match self {
            RunHandle::Live(_) => true,
            RunHandle::Stored(s) => s.log.path().is_some() || !s.record.lines.iter().any(|l| l.starts_with("<TRUNCATED — ")),
        }
    }
}

impl Ops {
    /// Whether the registry has a workflow called `name` (the start route
    /// answers 404 before it reads the body).
    pub fn has_workflow(&self, name: &str) -> bool {
        self.registry.get().get(name).is_some()
    }

    /// Validates a start request (the reference's rules and messages) and
    /// queues the run.
    pub fn start_run(&self, name: &str, req: &StartRunRequest) -> Result<Arc<Run>, StartError> {
        if !self.config.allow_run {
            return Err(StartError::Disabled);
        }
        let reg = self.registry.get();
        let wf = reg.get(name).ok_or_else(|| StartError::UnknownWorkflow(name.to_string()))?;
        if wf.name == crate::diagnosis::WORKFLOW {
            return Err(StartError::DiagnoseOnly);
        }
        let trigger = match req.trigger.as_deref() {
            None | Some("") => None,
            Some(t) if TRIGGERS.contains(&t) => Some(t.to_string()),
            Some(_) => return Err(StartError::BadTrigger),
        };
        let path = match req.path.as_deref() {
            None | Some("") => None,
            Some(p) => {
                if wf.scope.is_none() {
                    return Err(StartError::NoScope(name.to_string()));
                }
                let resolved = resolve_scope(&self.config.project_root, p, true).map_err(|e| {
                    tracing::warn!(workflow = name, reason = %e, "ops.runner: run refused: invalid path");
                    StartError::InvalidPath(e)
                })?;
                Some(resolved.to_string_lossy().into_owned())
            }
        };
        let mut argv = wf.command.clone();
        match (&wf.scope, &path) {
            (Some(s), Some(p)) => {
                argv.push(s.flag.clone());
                argv.push(p.clone());
            }
            (Some(s), None) if s.required => return Err(StartError::ScopeRequired(name.to_string())),
            _ => {}
        }
        let source_run_id = req.source_run_id.clone().filter(|id| crate::ids::is_run_id(id));
        let source_workflow = source_run_id.as_deref().and_then(|id| self.run(id)).map(|h| h.info().workflow);
        let known: HashSet<String> = reg.names().into_iter().collect();
        self.runner
            .start(StartRequest {
                workflow: wf.name.clone(),
                argv,
                path,
                trigger,
                source_run_id,
                source_workflow,
                known_workflows: Arc::new(known),
            })
            .map_err(|_| StartError::ShuttingDown)
    }

    /// Cancels a queued or running run and waits (up to the kill grace and a
    /// little more) for it to end. Returns its final metadata. Only live
    /// runs can be cancelled ([`RunnerError::NotFound`] otherwise).
    pub async fn cancel_run(&self, id: &str) -> Result<RunInfo, RunnerError> {
        self.runner.cancel(id).await
    }

    /// A run by id: live, else from disk (cached: indexing a big log file
    /// is not free).
    pub fn run(&self, id: &str) -> Option<RunHandle> {
        if let Some(r) = self.runner.get(id) {
            return Some(RunHandle::Live(r));
        }
        let rec = history::find_record(&self.config.runs_dir(), id)?;
        let mut cache = self.stored.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, _, s)) = cache.iter().find(|(i, m, _)| i == id && *m == rec.mtime) {
            return Some(RunHandle::Stored(s.clone()));
        }
        let log = rec.open_log();
        let stored = Arc::new(StoredRun { record: rec, log });
        cache.retain(|(i, _, _)| i != id);
        cache.push((id.to_string(), stored.record.mtime, stored.clone()));
        if cache.len() > 8 {
            cache.remove(0);
        }
        Some(RunHandle::Stored(stored))
    }

    /// Live and persisted runs merged (live wins), unsorted.
    pub(super) fn all_runs(&self) -> (Vec<RunInfo>, u32) {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in self.runner.runs() {
            seen.insert(r.id.clone());
            out.push(r.info());
        }
        let scan = self.history.scan();
        for i in scan.runs {
            if seen.insert(i.id.clone()) {
                out.push((*i).clone());
            }
        }
        (out, scan.skipped)
    }

    /// The Runs page: filter, sort, statistics.
    pub fn runs_data(&self, q: &RunsQuery) -> RunsData {
        let (all, skipped) = self.all_runs();
        let mut names: Vec<String> = all.iter().map(|r| r.workflow.clone()).chain(self.registry.get().names()).collect();
        names.sort();
        names.dedup();
        let mut runs: Vec<RunInfo> = all.into_iter().filter(|r| matches_query(r, q)).collect();
        sort_runs(&mut runs);
        let stats = run_stats(&runs);
        let matched = runs.len() as u32;
        runs.truncate(q.limit.unwrap_or(200).clamp(1, 5000) as usize);
        RunsData {
            runs,
            matched,
            stats,
            workflows: names,
            skipped_files: skipped,
            allow_run: self.config.allow_run,
            project_root: self.config.project_root.display().to_string(),
        }
    }

    /// The reference's `GET /api/runs/{workflow}`: live runs of the
    /// workflow, then disk records (verbatim, without `lines`), newest
    /// first (running ones first: the reference sorted them last, its Q13),
    /// at most 20.
    pub fn runs_of_workflow(&self, workflow: &str) -> Vec<serde_json::Value> {
        let mut seen = HashSet::new();
        let mut out: Vec<serde_json::Value> = Vec::new();
        for r in self.runner.runs().into_iter().filter(|r| r.workflow == workflow).take(20) {
            seen.insert(r.id.clone());
            out.push(serde_json::to_value(r.info()).unwrap_or_default());
        }
        for rec in history::list_workflow_records(&self.config.runs_dir(), workflow, 20) {
            let id = rec.raw.get("id").map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).unwrap_or_default();
            if seen.insert(id) {
                let mut raw = rec.raw;
                raw.remove("lines");
                if rec.info.interrupted && !rec.info.status.is_terminal() {
                    raw.insert("status".into(), "failed".into());
                }
                out.push(serde_json::Value::Object(raw));
            }
        }
        let key = |v: &serde_json::Value| {
            let done = v.get("completed_at").and_then(|x| x.as_str()).unwrap_or("").to_string();
            let start = v.get("started_at").and_then(|x| x.as_str()).unwrap_or("").to_string();
            (done.is_empty(), if done.is_empty() { start } else { done })
        };
        out.sort_by_key(|v| std::cmp::Reverse(key(v)));
        out.truncate(20);
        out
    }

    /// The reference's `GET /api/runs/{workflow}/{run_id}`: the live run with
    /// its lines, else the file verbatim.
    pub fn run_record(&self, workflow: &str, id: &str) -> Option<serde_json::Value> {
        if let Some(r) = self.runner.get(id).filter(|r| r.workflow == workflow) {
            let mut v = serde_json::to_value(r.info()).unwrap_or_default();
            let mut lines = Vec::new();
            let _ = r.log().for_each(|l| {
                lines.push(serde_json::Value::String(l.x.clone()));
                true
            });
            if let Some(m) = v.as_object_mut() {
                m.insert("lines".into(), serde_json::Value::Array(lines));
            }
            return Some(v);
        }
        let p = history::record_path(&self.config.runs_dir(), workflow, id);
        let text = std::fs::read(&p).ok()?;
        match serde_json::from_slice::<serde_json::Value>(&text) {
            Ok(v) if v.is_object() => Some(v),
            _ => None,
        }
    }

    /// Everything the run page needs on first paint: the run, its
    /// recommendations and the last `tail` lines of its log.
    pub fn run_page(&self, id: &str, tail: usize) -> Option<RunPageData> {
        let h = self.run(id)?;
        // Take the sequence number first: the lines read below are at
        // least as new, so the live stream opened `after=seq` may repeat a
        // few (the viewer keys them by line number) but never miss any.
        let seq = match &h {
            RunHandle::Live(r) => r.progress().seq,
            RunHandle::Stored(_) => 0,
        };
        let info = h.info();
        let total = h.log().len();
        let lines = h.log().tail(tail).unwrap_or_default();
        let mut recent: Vec<RunInfo> =
            self.runs_data(&RunsQuery { workflow: Some(info.workflow.clone()), limit: Some(8), ..Default::default() }).runs;
        recent.retain(|r| r.id != info.id);
        recent.truncate(6);
        Some(RunPageData {
            tail: LogPage { total, lines, finished: info.status.is_terminal() },
            full_log: h.full_log(),
            recommendations: h.recommendations(),
            allow_run: self.config.allow_run,
            workflow_names: self.registry.get().names(),
            recent,
            seq,
            project_root: self.config.project_root.display().to_string(),
            diagnoses: crate::diagnosis::for_run(&self.config.attune_home, &info.id),
            diagnose_available: self.config.allow_run
                && info.trigger.as_deref() != Some(crate::diagnosis::HEAL_TRIGGER)
                && self.diagnose_command().is_some(),
            run: info,
        })
    }

    /// Runs the daily pruning (no-op in read-only mode or with retention 0).
    pub fn prune_now(&self) -> usize {
        if !self.config.allow_run {
            return 0;
        }
        history::prune(&self.config.runs_dir(), self.config.runs_retention_days)
    }
}

/// Active runs first (newest queued first), then by start time, newest
/// first.
pub fn sort_runs(runs: &mut [RunInfo]) {
    let key = |r: &RunInfo| {
        let when = r.started_at.clone().or_else(|| r.queued_at.clone()).or_else(|| r.completed_at.clone()).unwrap_or_default();
        let t = crate::pyfmt::parse_iso(&when).map(|d| d.to_utc().timestamp_micros()).unwrap_or(0);
        (!r.status.is_terminal(), t)
    };
    runs.sort_by_key(|r| std::cmp::Reverse(key(r)));
}

fn matches_query(r: &RunInfo, q: &RunsQuery) -> bool {
    if let Some(w) = q.workflow.as_deref().filter(|w| !w.is_empty()) {
        if r.workflow != w {
            return false;
        }
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if r.status.as_str() != s {
            return false;
        }
    }
    if let Some(sc) = q.scope.as_deref().filter(|s| !s.is_empty()) {
        let ok = if sc == "-" { r.path.is_none() } else { r.path.as_deref().is_some_and(|p| p.contains(sc)) };
        if !ok {
            return false;
        }
    }
    let day = r
        .started_at
        .as_deref()
        .or(r.queued_at.as_deref())
        .or(r.completed_at.as_deref())
        .and_then(crate::pyfmt::parse_iso)
        .map(|d| d.to_utc().date_naive().to_string());
    if let Some(since) = q.since.as_deref().filter(|s| !s.is_empty()) {
        if day.as_deref().is_none_or(|d| d < since) {
            return false;
        }
    }
    if let Some(until) = q.until.as_deref().filter(|s| !s.is_empty()) {
        if day.as_deref().is_none_or(|d| d > until) {
            return false;
        }
    }
    true
}

/// Median and p90 (nearest rank) of finished runs' durations, per workflow.
pub fn run_stats(runs: &[RunInfo]) -> Vec<WorkflowRunStats> {
    let mut by: HashMap<&str, (Vec<f64>, WorkflowRunStats)> = HashMap::new();
    for r in runs {
        let e = by.entry(r.workflow.as_str()).or_insert_with(|| {
            (
                Vec::new(),
                WorkflowRunStats {
                    workflow: r.workflow.clone(),
                    runs: 0,
                    completed: 0,
                    failed: 0,
                    cancelled: 0,
                    median_seconds: None,
                    p90_seconds: None,
                },
            )
        });
        e.1.runs += 1;
        match r.status {
            RunStatus::Completed => e.1.completed += 1,
            RunStatus::Failed => e.1.failed += 1,
            RunStatus::Cancelled => e.1.cancelled += 1,
            _ => {}
        }
        if matches!(r.status, RunStatus::Completed | RunStatus::Failed) {
            if let Some(d) = r.duration_seconds {
                e.0.push(d);
            }
        }
    }
    let mut out: Vec<WorkflowRunStats> = by
        .into_values()
        .map(|(mut d, mut s)| {
            d.sort_by(|a, b| a.total_cmp(b));
            s.median_seconds = percentile(&d, 50.0);
            s.p90_seconds = percentile(&d, 90.0);
            s
        })
        .collect();
    out.sort_by(|a, b| b.runs.cmp(&a.runs).then(a.workflow.cmp(&b.workflow)));
    out
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    if p == 50.0 {
        let n = sorted.len();
        return Some(if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 });
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.5));
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 90.0), Some(9.0));
        assert_eq!(percentile(&[5.0], 90.0), Some(5.0));
    }

    /// A stored run of long lines read in byte-budgeted steps: every event
    /// once, in order, the recommendations after the last line.
    #[test]
    fn stored_events_come_in_budgeted_steps_without_gaps() {
        let long = "z".repeat(crate::runner::EVENTS_BUDGET / 2 + 1);
        let lines: Vec<String> = (0..9).map(|i| format!("{i}{long}")).collect();
        let rec = crate::wire::Recommendation {
            kind: "next-workflow".into(),
            label: None,
            severity: None,
            name: Some("x".into()),
            args: None,
            url: None,
        };
        let h = RunHandle::Stored(Arc::new(StoredRun {
            record: crate::history::LoadedRecord {
                info: RunInfo::new("abc", "w"),
                lines: lines.clone(),
                raw: Default::default(),
                recommendations: vec![rec.clone(), rec],
                path: Default::default(),
                mtime: None,
            },
            log: LogStore::from_lines(&lines),
        }));
        let mut seqs = Vec::new();
        let mut cursor = 0;
        loop {
            let evs = h.events_after(cursor, 1000).unwrap();
            let Some(last) = evs.last() else { break };
            let lines = evs.iter().filter(|e| matches!(e, crate::runner::RunEvent::Line(..))).count();
            assert!(lines <= 2, "a step of {lines} long lines");
            cursor = last.seq();
            seqs.extend(evs.iter().map(|e| e.seq()));
        }
        assert_eq!(seqs, (1..=11).collect::<Vec<u64>>());
    }

    #[test]
    fn sorting_puts_active_runs_first() {
        let mut a = RunInfo::new("a", "w");
        a.status = RunStatus::Completed;
        a.started_at = Some("2026-01-02T00:00:00+00:00".into());
        let mut b = RunInfo::new("b", "w");
        b.status = RunStatus::Completed;
        b.started_at = Some("2026-01-03T00:00:00+00:00".into());
        let mut c = RunInfo::new("c", "w");
        c.status = RunStatus::Pending;
        c.queued_at = Some("2026-01-01T00:00:00+00:00".into());
        let mut v = vec![a, b, c];
        sort_runs(&mut v);
        assert_eq!(v.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["c", "b", "a"]);
    }
}
