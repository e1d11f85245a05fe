//! [`Ops`]: the engine as the dashboard holds it — configuration, registry,
//! runner and history behind one object, with the operations the pages and
//! routes need. A script can hold one too.
//!
//! The methods return wire types and typed errors; the web layer only maps
//! them to HTTP.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::bulletin::{self, BulletinWriter};
use crate::config::Config;
use crate::features::FeaturesCache;
use crate::history::{self, HistoryIndex, LoadedRecord};
use crate::project::project_name;
use crate::registry::RegistryCache;
use crate::runner::{LogStore, Run, Runner, RunnerConfig, StartRequest};
use crate::scope::{resolve_scope, ScopeError};
use crate::sessions::SessionCache;
use crate::telemetry::TelemetryCache;
use crate::wire::{
    BulletinData, HealthCheck, HealthData, HomeData, Info, LogPage, Recommendation, RunInfo, RunPageData, RunStatus, RunsData, RunsQuery,
    SessionDetail, SessionList, ShellInfo, StartRunRequest, TelemetrySummary, WorkflowRunStats, WorkflowsData, TRIGGERS,
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
    pub fn events_after(&self, after: u64, max: usize) -> std::io::Result<Vec<crate::runner::RunEvent>> {
        use crate::runner::RunEvent;
        match self {
            RunHandle::Live(r) => r.events_after(after, max),
            RunHandle::Stored(s) => {
                let total = s.log.len();
                let mut out = Vec::new();
                if after < total {
                    for l in s.log.read(after + 1, max)? {
                        out.push(RunEvent::Line(l.n, l));
                    }
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
    pub fn done_event(&self) -> Option<crate::wire::DoneEvent> {
        match self {
            RunHandle::Live(r) => r.done_event(),
            RunHandle::Stored(s) => {
                let i = &s.record.info;
                Some(crate::wire::DoneEvent {
                    exit_code: i.exit_code.unwrap_or(-1),
                    status: i.status,
                    sdk_error_kind: i.sdk_error_kind.clone(),
                    sdk_stderr: i.sdk_stderr.clone(),
                    has_report: i.report.is_some(),
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

type StoredEntry = (String, Option<std::time::SystemTime>, Arc<StoredRun>);

/// The engine.
pub struct Ops {
    pub config: Config,
    pub registry: RegistryCache,
    pub features: FeaturesCache,
    pub runner: Runner,
    pub history: HistoryIndex,
    project_name: String,
    /// Recently opened stored runs: (id, record mtime, run).
    stored: Mutex<Vec<StoredEntry>>,
    telemetry: TelemetryCache,
    sessions: SessionCache,
    /// The Admin API client and its cache (shared by every page and tab).
    pub cost: crate::cost::CostClient,
    /// Spec completion candidates: GitHub client, repository memo, cache.
    pub detector: Arc<crate::specs::candidates::Detector>,
}

impl Ops {
    /// Builds the engine. In writeable mode (`allow_run`) this marks runs
    /// interrupted by a previous crash as failed and prunes old records.
    pub fn new(config: Config) -> std::io::Result<Ops> {
        let runs_dir = config.runs_dir();
        let mut rc = RunnerConfig::new(config.project_root.clone());
        rc.max_concurrent = config.max_concurrent_runs;
        rc.max_log_bytes = config.max_log_bytes;
        if config.allow_run {
            rc.runs_dir = Some(runs_dir.clone());
            rc.bulletin = Some(BulletinWriter::new(config.bulletin_dir(), bulletin::dashboard_actor_id(), "dashboard"));
            let recovered = history::recover_interrupted(&runs_dir);
            if !recovered.is_empty() {
                tracing::warn!(count = recovered.len(), ids = ?recovered, "ops.runs: runs interrupted by a previous stop were marked failed");
            }
            let pruned = history::prune(&runs_dir, config.runs_retention_days);
            if pruned > 0 {
                tracing::info!(count = pruned, days = config.runs_retention_days, "ops.runs: pruned old run records");
            }
        }
        Ok(Ops {
            registry: RegistryCache::new(config.project_root.clone()),
            features: FeaturesCache::new(config.project_root.clone()),
            runner: Runner::new(rc)?,
            history: HistoryIndex::new(runs_dir),
            project_name: project_name(&config.project_root),
            stored: Mutex::new(Vec::new()),
            telemetry: TelemetryCache::default(),
            sessions: SessionCache::default(),
            cost: crate::cost::CostClient::new(),
            detector: Arc::new(crate::specs::candidates::Detector::new()),
            config,
        })
    }

    /// Uses another cost client (a proxy, a test imitation of the Admin
    /// API, another key source).
    pub fn with_cost_client(mut self, cost: crate::cost::CostClient) -> Ops {
        self.cost = cost;
        self
    }

    /// Uses another candidate detector (e.g. with a GitHub imitation).
    pub fn with_detector(mut self, d: crate::specs::candidates::Detector) -> Ops {
        self.detector = Arc::new(d);
        self
    }

    pub fn project_name(&self) -> &str {
        &self.project_name
    }

    /// `GET /api/info`.
    pub fn info(&self) -> Info {
        Info {
            version: crate::VERSION.into(),
            project_root: self.config.project_root.display().to_string(),
            attune_home: self.config.attune_home.display().to_string(),
        }
    }

    /// What every page's shell shows.
    pub fn shell_info(&self) -> ShellInfo {
        ShellInfo {
            version: crate::VERSION.into(),
            project_name: self.project_name.clone(),
            project_root: self.config.project_root.display().to_string(),
            attune_home: self.config.attune_home.display().to_string(),
            allow_run: self.config.allow_run,
            active_runs: self.runner.active(),
        }
    }

    /// Validates a start request (the reference's rules and messages) and
    /// queues the run.
    pub fn start_run(&self, name: &str, req: &StartRunRequest) -> Result<Arc<Run>, StartError> {
        if !self.config.allow_run {
            return Err(StartError::Disabled);
        }
        let reg = self.registry.get();
        let wf = reg.get(name).ok_or_else(|| StartError::UnknownWorkflow(name.to_string()))?;
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
    fn all_runs(&self) -> (Vec<RunInfo>, u32) {
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

    /// The Workflows page.
    pub fn workflows_data(&self) -> WorkflowsData {
        let reg = self.registry.get();
        let feats = self.features.get();
        let (mut runs, _) = self.all_runs();
        sort_runs(&mut runs);
        let mut per: HashMap<String, usize> = HashMap::new();
        let recent = runs
            .into_iter()
            .filter(|r| {
                let n = per.entry(r.workflow.clone()).or_default();
                *n += 1;
                *n <= 5
            })
            .collect();
        WorkflowsData {
            workflows: reg.workflows.iter().map(|w| w.info(feats.default_scope(&w.name))).collect(),
            features: feats.features.clone(),
            registry_source: reg.describe_source(),
            registry_errors: reg.errors.clone(),
            features_warning: feats.warning.clone(),
            allow_run: self.config.allow_run,
            project_root: self.config.project_root.display().to_string(),
            recent,
        }
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

    /// The Home page's data.
    pub fn home_data(&self) -> HomeData {
        let reg = self.registry.get();
        let (mut runs, _) = self.all_runs();
        sort_runs(&mut runs);
        runs.truncate(8);
        let today = crate::pyfmt::today_utc();
        let t = self.telemetry_summary(7);
        let week = crate::telemetry::last_seven_days(&t, today);
        let (today_events, today_cost) = week.last().map(|r| (r.1, r.2)).unwrap_or((0, 0.0));
        let seven_day_cost = crate::telemetry::round4(week.iter().map(|r| r.2).sum());
        let sparkline = crate::telemetry::sparkline_points(&week.iter().map(|r| r.2).collect::<Vec<_>>(), 240.0, 40.0);
        let recent_sessions = self.sessions_redacted(3.0, Some(5)).sessions;
        HomeData {
            recent_runs: runs,
            workflow_count: reg.workflows.len() as u32,
            registry_errors: reg.errors.len() as u32,
            bulletin: bulletin::read_active(&self.config.bulletin_dir()),
            allow_run: self.config.allow_run,
            project_root: self.config.project_root.display().to_string(),
            today_events,
            today_cost: crate::telemetry::round4(today_cost),
            seven_day_cost,
            total_savings: t.total_savings,
            sparkline,
            telemetry_present: t.file_present,
            week,
            recent_sessions,
            cost: None,
            cost_error: None,
            cost_pending: false,
            alarm: None,
            budget: None,
        }
    }

    /// The telemetry summary over `recent_days` (+ today), cached by file
    /// identity. The by-workflow table keeps registry workflows when there
    /// is a registry, every name otherwise.
    pub fn telemetry_summary(&self, recent_days: u32) -> TelemetrySummary {
        let reg = self.registry.get();
        let known: Option<HashSet<String>> = (!reg.workflows.is_empty()).then(|| reg.names().into_iter().collect());
        self.telemetry.get(&self.config.telemetry_path(), recent_days, crate::pyfmt::today_utc(), known.as_ref())
    }

    /// Claude Code sessions of the project (the reference's listing rules).
    pub fn sessions(&self, days: f64, limit: Option<usize>) -> SessionList {
        crate::sessions::list_sessions(&self.config.claude_dir, &self.config.project_root, days, limit, chrono::Utc::now(), &self.sessions)
    }

    /// The same, with every prompt field redacted: what the UI shows.
    pub fn sessions_redacted(&self, days: f64, limit: Option<usize>) -> SessionList {
        let mut l = self.sessions(days, limit);
        l.sessions.iter_mut().for_each(crate::sessions::redact_info);
        l
    }

    /// One session as readable, redacted turns.
    pub fn session(&self, id: &str) -> Option<SessionDetail> {
        crate::sessions::read_session(&self.config.claude_dir, &self.config.project_root, id, chrono::Utc::now())
    }

    /// The Cost page: the summary (cached unless `refresh`), burn rate,
    /// projection, budget and the spend alarm (account data when there is
    /// some, else local telemetry — which reads `usage.jsonl`, so servers
    /// call [`Ops::cost_data_from`] off the async threads).
    /// The cost fetch in a task of its own: a caller that gives up (a tab
    /// closed, the server's response deadline) does not cancel the fetch
    /// that other callers share and the cache waits for.
    pub async fn fetch_cost(self: &Arc<Self>, refresh: bool) -> crate::cost::CostResult {
        let me = self.clone();
        match tokio::spawn(async move { me.cost.fetch_summary(refresh).await }).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "ops.cost: the fetch task failed");
                crate::cost::CostResult {
                    summary: None,
                    error: Some(crate::cost::CostError {
                        kind: crate::cost::CostErrorKind::Unknown,
                        message: "The cost fetch failed unexpectedly; details are in the dashboard's log.".into(),
                        retry_after_seconds: None,
                    }),
                }
            }
        }
    }

    pub async fn cost_data(&self, refresh: bool) -> crate::wire::CostData {
        let r = self.cost.fetch_summary(refresh).await;
        self.cost_data_from(r)
    }

    /// The Cost page from a fetch result.
    pub fn cost_data_from(&self, r: crate::cost::CostResult) -> crate::wire::CostData {
        let budget = crate::config::monthly_budget(&self.config);
        let today = crate::pyfmt::today_utc();
        let alarm = self.spend_alarm(r.summary.as_ref(), budget.as_ref());
        crate::wire::CostData {
            burn_rate_usd: r.summary.as_ref().map(crate::cost::burn_rate),
            projection_usd: r.summary.as_ref().map(|s| crate::cost::month_end_projection(s, today)),
            budget_pct: match (&r.summary, &budget) {
                (Some(s), Some(b)) => Some(s.month_to_date_usd / b.monthly_usd * 100.0),
                _ => None,
            },
            summary: r.summary,
            error: r.error,
            budget,
            alarm: Some(alarm),
            allow_run: self.config.allow_run,
        }
    }

    /// Adds account spend to Home: the summary or its error, and the spend
    /// alarm (from local telemetry when there is no account data). `None`:
    /// the fetch is still under way (Home does not wait for a slow API).
    pub fn fill_home_cost(&self, home: &mut HomeData, r: Option<crate::cost::CostResult>) {
        let budget = crate::config::monthly_budget(&self.config);
        match r {
            Some(r) => {
                home.alarm = Some(self.spend_alarm(r.summary.as_ref(), budget.as_ref()));
                home.cost = r.summary;
                home.cost_error = r.error;
                home.cost_pending = false;
            }
            None => {
                home.alarm = Some(self.spend_alarm(None, budget.as_ref()));
                home.cost_pending = true;
            }
        }
        home.budget = budget;
    }

    /// The spend alarm: from account data when there is some, else from
    /// local telemetry (which does not see CI spend).
    pub fn spend_alarm(&self, summary: Option<&crate::wire::CostSummary>, budget: Option<&crate::wire::Budget>) -> crate::wire::SpendAlarm {
        let today = crate::pyfmt::today_utc();
        let ceiling = budget.map(|b| b.monthly_usd).unwrap_or(crate::cost::DEFAULT_CEILING_USD);
        match summary.filter(|s| !s.by_day.is_empty()) {
            Some(s) => crate::cost::spend_alarm(&s.by_day, Some(s.month_to_date_usd), "account", today, ceiling),
            None => {
                let t = self.telemetry_summary(35);
                let days: Vec<(String, f64)> = t.by_day.iter().map(|(d, _, c)| (d.clone(), *c)).collect();
                crate::cost::spend_alarm(&days, None, "local", today, ceiling)
            }
        }
    }

    /// The Specs page: every spec with gate verdicts, and a GitHub link
    /// per root when its repository is known (resolved at the root, the
    /// reference's Q20 fixed).
    pub fn specs_page(&self) -> crate::wire::SpecsPageData {
        let (roots, specs) = crate::specs::list_specs(&self.config, chrono::Utc::now());
        let repo_urls = roots
            .iter()
            .map(|r| {
                self.detector
                    .repo_for(if r.is_dir() { r } else { &self.config.project_root })
                    .map(|repo| format!("https://github.com/{repo}"))
            })
            .collect();
        crate::wire::SpecsPageData {
            roots: roots.iter().map(|r| r.display().to_string()).collect(),
            specs,
            allow_run: self.config.allow_run,
            candidates_enabled: self.config.allow_run && self.config.specs_candidates_enabled,
            repo_urls,
        }
    }

    /// One spec's page: its record and each phase rendered from markdown.
    /// `None` when no root holds it (traversal slugs must be refused by
    /// the caller).
    pub fn spec_page(&self, slug: &str) -> Option<crate::wire::SpecPageData> {
        let f = crate::specs::spec_detail(&self.config, slug, chrono::Utc::now())?;
        let phases = f
            .record
            .phases
            .iter()
            .zip(&f.contents)
            .map(|(p, (_, text))| crate::wire::PhaseView {
                name: p.name.clone(),
                file: p.file.clone(),
                exists: p.exists,
                status: p.status.clone(),
                html: text.as_deref().map(crate::specs::render::markdown_to_html),
            })
            .collect();
        Some(crate::wire::SpecPageData { record: f.record, phases, allow_run: self.config.allow_run })
    }

    /// The status flip, then what follows it: cached candidates are
    /// dropped, and a flip away from complete clears the spec's dismissal.
    pub fn set_spec_status(&self, slug: &str, phase: &str, status: &str) -> Result<crate::wire::StatusFlip, crate::specs::FlipError> {
        let r = crate::specs::set_status(&self.config, slug, phase, status)?;
        self.detector.invalidate();
        if !["complete", "completed", "done"].contains(&status.to_lowercase().as_str()) {
            if let Err(e) = crate::specs::dismiss::clear(&self.config, slug) {
                tracing::warn!(error = %e, slug, "specs: could not clear the dismissal");
            }
        }
        Ok(r)
    }

    /// Dismisses a candidate for 14 days (the slug need not exist).
    pub fn dismiss_candidate(&self, slug: &str, snapshot_hash: &str) -> std::io::Result<()> {
        crate::specs::dismiss::save(&self.config, slug, snapshot_hash, crate::specs::dismiss::DEFAULT_TTL_DAYS, chrono::Utc::now())?;
        self.detector.invalidate();
        Ok(())
    }

    /// "Ready to close?": off (and not run) unless runs and candidates are
    /// both enabled.
    pub async fn candidates(&self, now: chrono::DateTime<chrono::Utc>) -> crate::wire::CandidatesData {
        if !(self.config.allow_run && self.config.specs_candidates_enabled) {
            return crate::wire::CandidatesData::default();
        }
        let d = self.detector.detect(&self.config, now).await;
        crate::wire::CandidatesData {
            enabled: true,
            candidates: d.candidates,
            notes: d.notes,
            pending: false,
            checked_at: Some(d.checked_at),
        }
    }

    /// Saves (or clears) the monthly budget setting.
    pub fn set_budget(&self, monthly_usd: Option<f64>) -> std::io::Result<()> {
        let v = monthly_usd.filter(|v| v.is_finite() && *v > 0.0).map(serde_json::Value::from).unwrap_or(serde_json::Value::Null);
        crate::config::save_setting(&self.config.attune_home, "monthly_budget_usd", v)
    }

    /// The Bulletin page: active entries, and the runs of `day` (`None`:
    /// today's active file; else `archive/<day>.jsonl`).
    pub fn bulletin_data(&self, day: Option<&str>) -> BulletinData {
        let dir = self.config.bulletin_dir();
        let archive_days = bulletin::archive_days(&dir);
        let (label, file) = match day.filter(|d| archive_days.iter().any(|a| a == d)) {
            Some(d) => (d.to_string(), dir.join("archive").join(format!("{d}.jsonl"))),
            None => ("today".to_string(), dir.join("active.jsonl")),
        };
        let read = bulletin::read_file(&file);
        BulletinData {
            active: bulletin::active_entries(bulletin::read_file(&dir.join("active.jsonl")).entries, chrono::Utc::now()),
            day: label,
            runs: bulletin::latest_per_run(read.entries),
            archive_days,
            skipped_lines: read.skipped,
            project_root: self.config.project_root.display().to_string(),
        }
    }

    /// The Health page's checks.
    pub fn health(&self) -> HealthData {
        let c = &self.config;
        let mut checks = Vec::new();
        let mut add = |name: &str, state: &str, detail: String| checks.push(HealthCheck { name: name.into(), state: state.into(), detail });
        let home_ok = c.attune_home.is_dir();
        add(
            "attune home",
            if home_ok { "ok" } else { "missing" },
            format!("{}{}", c.attune_home.display(), if home_ok { "" } else { " does not exist yet (it is created on first write)" }),
        );
        let tp = c.telemetry_path();
        match std::fs::metadata(&tp) {
            Ok(m) => {
                let age = m.modified().ok().and_then(|t| t.elapsed().ok()).map(|d| d.as_secs() / 3600).unwrap_or(0);
                add(
                    "telemetry",
                    if age > 48 { "warn" } else { "ok" },
                    format!("{} ({}; last written {} h ago)", tp.display(), crate::wire::human_bytes(m.len()), age),
                )
            }
            Err(_) => add("telemetry", "missing", format!("{} not found: no workflow has recorded usage yet", tp.display())),
        }
        let dirs = crate::sessions::session_dirs(&c.claude_dir, &c.project_root);
        if dirs.is_empty() {
            add(
                "Claude Code sessions",
                "missing",
                format!("no session directory for this project under {}/projects", c.claude_dir.display()),
            );
        } else {
            add(
                "Claude Code sessions",
                "ok",
                format!("{} director{} under {}/projects", dirs.len(), if dirs.len() == 1 { "y" } else { "ies" }, c.claude_dir.display()),
            );
        }
        add("project root", "ok", format!("{} ({})", c.project_root.display(), self.project_name));
        let reg = self.registry.get();
        add(
            "workflow registry",
            if reg.errors.is_empty() && !reg.workflows.is_empty() {
                "ok"
            } else if reg.workflows.is_empty() {
                "missing"
            } else {
                "warn"
            },
            format!(
                "{} workflow(s) from {}{}",
                reg.workflows.len(),
                reg.describe_source(),
                if reg.errors.is_empty() { String::new() } else { format!("; {} problem(s)", reg.errors.len()) }
            ),
        );
        let key = crate::config::admin_key_source();
        add(
            "Anthropic admin key",
            if key.is_some() { "ok" } else { "missing" },
            key.map(|s| format!("configured ({s})"))
                .unwrap_or_else(|| "not configured: set ANTHROPIC_ADMIN_API_KEY or ~/.attune/anthropic-admin.env".into()),
        );
        let gh_source = ["GH_TOKEN", "GITHUB_TOKEN"]
            .into_iter()
            .find(|v| std::env::var(v).is_ok_and(|t| !t.trim().is_empty()))
            .map(str::to_string)
            .or_else(|| crate::registry::find_on_path("gh").map(|_| "`gh auth token`, if logged in".to_string()));
        let candidates_on = c.specs_candidates_enabled && c.allow_run;
        add(
            "GitHub token (spec candidates)",
            match (&gh_source, candidates_on) {
                (Some(_), _) => "ok",
                (None, true) => "missing",
                (None, false) => "warn",
            },
            match gh_source {
                Some(s) => format!("from {s}; candidates {}", if candidates_on { "on" } else { "off" }),
                None => format!(
                    "none: set GH_TOKEN or GITHUB_TOKEN (or install gh and log in); specs that reference a GitHub repository cannot be proposed{}",
                    if candidates_on { "" } else { " (candidates are off)" }
                ),
            },
        );
        match crate::registry::find_on_path("attune") {
            Some(p) => {
                let v = crate::config::run_with_timeout(std::process::Command::new(&p).arg("--version"), std::time::Duration::from_secs(5));
                add(
                    "attune CLI",
                    "ok",
                    format!("{} {}", p.display(), v.map(|v| v.trim().to_string()).unwrap_or_else(|| "(version unknown)".into())),
                );
            }
            None if c.project_root.join(crate::registry::REGISTRY_FILE).is_file() => {
                add("attune CLI", "warn", "not on PATH (not needed: the registry is .attune/workflows.toml)".into())
            }
            None => add("attune CLI", "missing", "not on PATH, and no .attune/workflows.toml: there are no workflows to run".into()),
        }
        add(
            "runs",
            if c.allow_run { "ok" } else { "warn" },
            if c.allow_run {
                format!("enabled, {} at a time", c.max_concurrent_runs)
            } else {
                "disabled (read-only): start with --allow-run".into()
            },
        );
        HealthData { version: crate::VERSION.into(), checks }
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
        let from = total.saturating_sub(tail as u64) + 1;
        let lines = h.log().read(from, tail).unwrap_or_default();
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

    pub fn runs_dir(&self) -> PathBuf {
        self.config.runs_dir()
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
