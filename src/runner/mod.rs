//! The workflow runner: a queue of runs, a bounded number executing at once,
//! each one a child process group whose output is captured line by line.
//!
//! # Life of a run
//!
//! 1. [`Runner::start`] creates the run (`pending`), writes its record, and
//!    queues it. The reference refused a second run with 409; we queue it
//!    and show its place.
//! 2. When a slot is free ([`RunnerConfig::max_concurrent`], default 1) the
//!    executor spawns the command with no shell, in its own process group,
//!    working directory = project root, stdin from `/dev/null`. stdout and
//!    stderr are read separately (each line remembers its stream).
//! 3. Lines go through [`output::route`]: recommendations and run-meta
//!    lines are side channels; everything else is appended to the run's
//!    [`LogStore`] (the engine-level [`crate::logstore`]) and viewers are
//!    woken.
//! 4. On exit, or on [`Runner::cancel`] (SIGTERM to the group, SIGKILL after
//!    a grace period), what is left of the process group is killed and
//!    reaped, the run is finished, its record rewritten and the bulletin told.
//!
//! Shutting down ([`Runner::shutdown`]) cancels everything queued or running
//! and records it, so nothing is left "running" on disk. When the dashboard
//! dies without shutting down, [`recovery`] finishes its runs' records and
//! stops what they left behind on the next start.
//!
//! Below the runner, and not importing it: [`crate::history`] (the records),
//! [`crate::logstore`] (the logs) and [`crate::procs`] (process groups).

pub mod output;
pub mod recovery;
pub mod run;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

pub use run::{Progress, Run, RunEvent, EVENTS_BUDGET};

use crate::bulletin::BulletinWriter;
use crate::history;
use crate::ids::{is_run_id, is_workflow_dir_name, new_run_id};
use crate::logstore::LogStore;
use crate::procs;
use crate::pyfmt;
use crate::wire::{shell_join, ActiveRun, LogStream, RunInfo, RunStatus};
use output::{display_text, route, LineSplitter, Routed};
use run::Ingest;

/// How the runner is set up.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Canonical project root: the children's working directory, and the
    /// root recommendation paths must stay inside.
    pub project_root: PathBuf,
    /// Where records and logs are persisted (`<home>/ops/runs`). `None`:
    /// nothing is persisted; logs live in a private temporary directory.
    pub runs_dir: Option<PathBuf>,
    pub bulletin: Option<BulletinWriter>,
    /// The dashboard's attune home: the children's `ATTUNE_HOME`, so what
    /// they record lands where the dashboard reads.
    pub attune_home: Option<PathBuf>,
    /// Keep each successful discovery sweep's result under the home.
    pub keep_sweep_results: bool,
    pub max_concurrent: usize,
    pub max_log_bytes: u64,
    /// Between SIGTERM and SIGKILL when cancelling.
    pub kill_grace: Duration,
    /// Finished runs kept in memory (older ones are read from disk).
    pub keep_in_memory: usize,
}

impl RunnerConfig {
    pub fn new(project_root: PathBuf) -> RunnerConfig {
        RunnerConfig {
            project_root,
            runs_dir: None,
            bulletin: None,
            attune_home: None,
            keep_sweep_results: false,
            max_concurrent: 1,
            max_log_bytes: 256 * 1024 * 1024,
            kill_grace: Duration::from_secs(5),
            keep_in_memory: 100,
        }
    }
}

/// At shutdown, how long running commands get between SIGTERM and SIGKILL
/// (the configured kill grace, if shorter).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);
/// At most how long [`Runner::shutdown`] waits for runs to end and their
/// records to be written.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(7);

/// A validated request to run a workflow.
#[derive(Clone, Debug)]
pub struct StartRequest {
    pub workflow: String,
    /// The complete argv (registry command + scope flag + path).
    pub argv: Vec<String>,
    /// The canonical scope, if any.
    pub path: Option<String>,
    pub trigger: Option<String>,
    pub source_run_id: Option<String>,
    pub source_workflow: Option<String>,
    /// Workflow names a recommendation may name.
    pub known_workflows: Arc<HashSet<String>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RunnerError {
    #[error("the dashboard is shutting down")]
    ShuttingDown,
    #[error("run not found")]
    NotFound,
    #[error("run already finished")]
    AlreadyFinished,
}

/// The runner. Cheap to clone (shared).
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: RunnerConfig,
    state: Mutex<State>,
    /// Logs of runs that are not persisted.
    scratch: tempfile::TempDir,
}

#[derive(Default)]
struct State {
    runs: HashMap<String, Arc<Run>>,
    /// Every run in memory, oldest first.
    order: VecDeque<String>,
    queue: VecDeque<(Arc<Run>, StartRequest)>,
    running: usize,
    tasks: HashMap<String, JoinHandle<()>>,
    shutting_down: bool,
    /// Reaps adopted zombies whenever a child of ours exits (started with
    /// the first run; see [`procs::reap_adopted`]).
    reaper: Option<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(h) = self.state.get_mut().unwrap_or_else(|p| p.into_inner()).reaper.take() {
            h.abort();
        }
    }
}

impl Runner {
    /// A runner. Marks this process as the subreaper of its descendants (see
    /// [`crate::procs`]).
    pub fn new(cfg: RunnerConfig) -> std::io::Result<Runner> {
        procs::become_subreaper();
        let scratch = tempfile::Builder::new().prefix("attune-ops-runs-").tempdir()?;
        Ok(Runner { inner: Arc::new(Inner { cfg, state: Mutex::new(State::default()), scratch }) })
    }

    pub fn config(&self) -> &RunnerConfig {
        &self.inner.cfg
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a run and starts it as soon as a slot is free. Must be called
    /// inside a tokio runtime.
    pub fn start(&self, req: StartRequest) -> Result<Arc<Run>, RunnerError> {
        let id = loop {
            let id = new_run_id();
            if !self.st().runs.contains_key(&id) {
                break id;
            }
        };
        let persist = self.inner.cfg.runs_dir.clone().filter(|_| is_workflow_dir_name(&req.workflow) && is_run_id(&id));
        let log_path = match &persist {
            Some(dir) => history::log_path(dir, &req.workflow, &id),
            None => self.inner.scratch.path().join(format!("{id}.log")),
        };
        let log = LogStore::create(&log_path).or_else(|e| {
            tracing::warn!(error = %e, path = %log_path.display(), "ops.runner: cannot create the run log; using a private one");
            LogStore::create(&self.inner.scratch.path().join(format!("{id}.log")))
        });
        let log = match log {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "ops.runner: cannot create any run log");
                return Err(RunnerError::ShuttingDown);
            }
        };
        let mut info = RunInfo::new(id.clone(), req.workflow.clone());
        info.path = req.path.clone();
        info.trigger = req.trigger.clone();
        info.queued_at = Some(pyfmt::now_iso());
        info.source_run_id = req.source_run_id.clone();
        info.source_workflow = req.source_workflow.clone();
        let run = Arc::new(Run::new(info, log, self.inner.cfg.max_log_bytes));
        {
            let mut st = self.st();
            if st.shutting_down {
                return Err(RunnerError::ShuttingDown);
            }
            if st.reaper.is_none() {
                st.reaper = spawn_reaper();
            }
            st.runs.insert(id.clone(), run.clone());
            st.order.push_back(id.clone());
            st.queue.push_back((run.clone(), req));
            self.evict(&mut st);
        }
        self.persist(&run);
        self.pump();
        Ok(run)
    }

    /// Starts queued runs while slots are free, and renumbers the queue.
    fn pump(&self) {
        let mut st = self.st();
        while st.running < self.inner.cfg.max_concurrent && !st.shutting_down {
            let Some((run, req)) = st.queue.pop_front() else { break };
            st.running += 1;
            let this = self.clone();
            let id = run.id.clone();
            let handle = tokio::spawn(async move { this.execute(run, req).await });
            st.tasks.insert(id, handle);
        }
        for (i, (r, _)) in st.queue.iter().enumerate() {
            r.set_queue_position(Some(i as u32 + 1));
        }
    }

    /// Drops the oldest finished runs beyond `keep_in_memory`.
    fn evict(&self, st: &mut State) {
        let keep = self.inner.cfg.keep_in_memory;
        let finished = st.order.iter().filter(|id| st.runs.get(*id).is_some_and(|r| r.status().is_terminal())).count();
        let mut excess = finished.saturating_sub(keep);
        let mut kept = VecDeque::new();
        while let Some(id) = st.order.pop_front() {
            let terminal = st.runs.get(&id).is_some_and(|r| r.status().is_terminal());
            if excess > 0 && terminal {
                excess -= 1;
                if let Some(r) = st.runs.remove(&id) {
                    if let Some(p) = r.log().path().filter(|p| p.starts_with(self.inner.scratch.path())) {
                        let _ = std::fs::remove_file(p);
                    }
                }
            } else {
                kept.push_back(id);
            }
        }
        st.order = kept;
    }

    pub fn get(&self, id: &str) -> Option<Arc<Run>> {
        self.st().runs.get(id).cloned()
    }

    /// Every run in memory, newest first.
    pub fn runs(&self) -> Vec<Arc<Run>> {
        let st = self.st();
        st.order.iter().rev().filter_map(|id| st.runs.get(id).cloned()).collect()
    }

    /// Runs that are pending or running, newest first.
    pub fn active(&self) -> Vec<ActiveRun> {
        self.runs()
            .into_iter()
            .filter(|r| !r.status().is_terminal())
            .map(|r| ActiveRun { id: r.id.clone(), workflow: r.workflow.clone(), status: r.status() })
            .collect()
    }

    /// Cancels a queued or running run and waits (up to the kill grace and a
    /// little more) for it to end. Returns its final metadata.
    pub async fn cancel(&self, id: &str) -> Result<RunInfo, RunnerError> {
        let run = self.get(id).ok_or(RunnerError::NotFound)?;
        if run.status().is_terminal() {
            return Err(RunnerError::AlreadyFinished);
        }
        let queued = {
            let mut st = self.st();
            let pos = st.queue.iter().position(|(r, _)| r.id == id);
            pos.and_then(|p| st.queue.remove(p))
        };
        if let Some((run, _)) = queued {
            run.note("[attune-ops] cancelled while queued");
            run.finish(None, RunStatus::Cancelled);
            self.after_finish(&run, None).await;
            self.pump();
            return Ok(run.info());
        }
        run.request_cancel();
        let mut rx = run.subscribe();
        let _ = tokio::time::timeout(self.inner.cfg.kill_grace + Duration::from_secs(5), rx.wait_for(|p| p.terminal)).await;
        Ok(run.info())
    }

    /// Cancels everything queued or running and waits for the records to be
    /// written. New starts are refused from now on.
    ///
    /// Bounded, so a dashboard asked to stop does stop: running commands get
    /// SIGTERM, and whatever is still running [`SHUTDOWN_GRACE`] later (or
    /// the kill grace, if shorter) gets SIGKILL; the whole call takes a few
    /// seconds at most (see [`SHUTDOWN_WAIT`]).
    pub async fn shutdown(&self) {
        let (queued, active, tasks) = {
            let mut st = self.st();
            if st.shutting_down {
                // A second call (after a deadline, say): the first one
                // cancelled everything already.
                return;
            }
            st.shutting_down = true;
            let queued: Vec<_> = st.queue.drain(..).map(|(r, _)| r).collect();
            // Every other run that is not over: running ones, and ones the
            // pump already took off the queue whose executor has not marked
            // them running yet (they must not start now).
            let active: Vec<_> =
                st.runs.values().filter(|r| !r.status().is_terminal() && !queued.iter().any(|q| Arc::ptr_eq(q, r))).cloned().collect();
            let tasks: Vec<_> = st.tasks.drain().map(|(_, h)| h).collect();
            (queued, active, tasks)
        };
        for r in &active {
            r.note("[attune-ops] the dashboard is shutting down: cancelling");
            r.request_cancel();
        }
        for r in &queued {
            r.note("[attune-ops] the dashboard shut down before this run started");
            r.finish(None, RunStatus::Cancelled);
        }
        // Their records are written beside the running ones' ends, within
        // the same bound.
        let queued_done = futures::future::join_all(queued.iter().map(|r| self.after_finish(r, None)));
        let mut all = futures::future::join(futures::future::join_all(tasks), queued_done);
        let grace = self.inner.cfg.kill_grace.min(SHUTDOWN_GRACE);
        if tokio::time::timeout(grace, &mut all).await.is_ok() {
            return;
        }
        // The executors' own SIGKILL comes after the (longer) kill grace:
        // do not wait for it.
        for r in active.iter().filter(|r| !r.status().is_terminal()) {
            if let Some(pgid) = r.pgid() {
                r.note("[attune-ops] still running at shutdown: sending SIGKILL");
                procs::signal_group(pgid, libc::SIGKILL);
            }
        }
        if tokio::time::timeout(SHUTDOWN_WAIT.saturating_sub(grace), all).await.is_err() {
            tracing::warn!("ops.runner: some runs did not finish in time at shutdown");
        }
    }

    /// SIGKILLs the process group of every running command, at once and
    /// without waiting or writing records: for a dashboard told to stop a
    /// second time, which exits right after. The records stay `running`;
    /// the next start recovers them (and stops what escaped the groups).
    pub fn kill_now(&self) {
        for r in self.runs() {
            if let Some(pgid) = r.pgid().filter(|_| !r.status().is_terminal()) {
                procs::signal_group(pgid, libc::SIGKILL);
            }
        }
    }

    /// Writes the run's record (no-op without persistence), off the async
    /// threads. Writes of one run land in snapshot order (see
    /// `Run::next_persist_gen`).
    fn persist(&self, run: &Arc<Run>) {
        if let Some(job) = self.persist_job(run) {
            match tokio::runtime::Handle::try_current() {
                Ok(h) => {
                    h.spawn_blocking(job);
                }
                Err(_) => job(),
            }
        }
    }

    async fn persist_now(&self, run: &Arc<Run>) {
        if let Some(job) = self.persist_job(run) {
            if let Err(e) = tokio::task::spawn_blocking(job).await {
                tracing::warn!(run = %run.id, error = %e, "ops.persist: record writer failed");
            }
        }
    }

    fn persist_job(&self, run: &Arc<Run>) -> Option<impl FnOnce() + Send + 'static> {
        let dir = self.inner.cfg.runs_dir.clone()?;
        let gen = run.next_persist_gen();
        let info = run.info();
        let recs = run.recommendations();
        let run = run.clone();
        Some(move || {
            let mut written = run.written_gen.lock().unwrap_or_else(|p| p.into_inner());
            if gen <= *written {
                return;
            }
            match history::write_record(&dir, &info, run.log(), &recs) {
                Ok(()) => *written = gen,
                Err(e) => tracing::warn!(run = %info.id, error = %e, "ops.persist: cannot write run record"),
            }
        })
    }

    /// Record, then the `done` wake-up, then the bulletin, once a run is
    /// terminal.
    async fn after_finish(&self, run: &Arc<Run>, started_at: Option<&str>) {
        self.persist_now(run).await;
        self.keep_sweep_result(run).await;
        run.announce_done();
        let info = run.info();
        // A run that never started was never announced: nothing to close.
        if let (Some(b), Some(_)) = (&self.inner.cfg.bulletin, &info.started_at) {
            let b = b.clone();
            let start = started_at.map(str::to_string).or(info.started_at.clone()).unwrap_or_else(pyfmt::now_iso);
            let e = b.entry(&run.workflow, &run.id, &start, info.status.as_str(), info.path.as_deref());
            let _ = tokio::task::spawn_blocking(move || b.append(&e)).await;
        }
    }

    /// A successful discovery sweep's result, saved for its scope (the
    /// project's when it had none), when results are kept.
    async fn keep_sweep_result(&self, run: &Arc<Run>) {
        let Some(home) = self.inner.cfg.attune_home.clone().filter(|_| self.inner.cfg.keep_sweep_results) else { return };
        let info = run.info();
        if run.workflow != crate::sweep::WORKFLOW || info.status != RunStatus::Completed || info.exit_code != Some(0) {
            return;
        }
        let root = self.inner.cfg.project_root.clone();
        let scope = info.path.clone().unwrap_or_else(|| root.display().to_string());
        let run = run.clone();
        let _ = tokio::task::spawn_blocking(move || crate::sweep::keep_from_log(&home, &root, &scope, run.log())).await;
    }

    async fn execute(self, run: Arc<Run>, req: StartRequest) {
        let started_at = run.mark_running(req.argv.clone());
        // The running record (start time, owner pid) is on disk before the
        // child exists: a dashboard killed right after the spawn leaves a
        // record the next start can recover — and whose leftovers it can
        // find, since they are matched against that start time.
        self.persist_now(&run).await;
        let heartbeat = self.inner.cfg.bulletin.clone().map(|b| {
            let run = run.clone();
            let start = started_at.clone();
            tokio::spawn(async move {
                let write = |status: &str| {
                    let e = b.entry(&run.workflow, &run.id, &start, status, run.info().path.as_deref());
                    let b = b.clone();
                    tokio::task::spawn_blocking(move || b.append(&e))
                };
                let _ = write("running").await;
                let mut tick = tokio::time::interval(Duration::from_secs(crate::bulletin::HEARTBEAT_SECS));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    if run.status().is_terminal() {
                        break;
                    }
                    let _ = write("running").await;
                }
            })
        });
        run.note(format!("$ {}", shell_join(&req.argv)));
        let (code, status) = if run.cancel_requested() { (None, RunStatus::Cancelled) } else { self.spawn_and_wait(&run, &req).await };
        run.finish(code, status);
        if let Some(h) = heartbeat {
            h.abort();
        }
        self.after_finish(&run, Some(&started_at)).await;
        {
            let mut st = self.st();
            st.running = st.running.saturating_sub(1);
            st.tasks.remove(&run.id);
            self.evict(&mut st);
        }
        self.pump();
    }

    /// Spawns the child, pumps its output, handles cancellation, and cleans
    /// up its process group. Returns the exit code and final status.
    async fn spawn_and_wait(&self, run: &Arc<Run>, req: &StartRequest) -> (Option<i64>, RunStatus) {
        let cfg = &self.inner.cfg;
        let Some(program) = req.argv.first() else {
            run.note("[runner error] empty command");
            return (Some(-1), RunStatus::Failed);
        };
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(&req.argv[1..])
            .current_dir(&cfg.project_root)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            // The org admin key is the dashboard's, not the workflow's.
            .env_remove("ANTHROPIC_ADMIN_API_KEY")
            .env("ATTUNE_RUN_META_EMIT", "1")
            .env("ATTUNE_SPEND_GATE_AUTHORIZED", "1")
            .env("ATTUNE_SDK_ERROR_PROBE", "1")
            .env("ATTUNE_RUN_ID", &run.id);
        if let Some(h) = &cfg.attune_home {
            cmd.env("ATTUNE_HOME", h);
        }
        if cfg.keep_sweep_results && run.workflow == crate::sweep::WORKFLOW {
            cmd.env("ATTUNE_DS_EMIT", "1");
        }
        match req.trigger.as_deref() {
            Some(t) if crate::wire::TRIGGERS.contains(&t) => {
                cmd.env("ATTUNE_RUN_TRIGGER", t);
            }
            _ => {
                cmd.env_remove("ATTUNE_RUN_TRIGGER");
            }
        }
        let started_at = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        let spawned = procs::spawn_leader(|| cmd.spawn(), |c| c.id());
        let (mut child, leader) = match spawned {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                run.note(format!("[runner error] command not found: {program}: {e}"));
                return (Some(-1), RunStatus::Failed);
            }
            Err(e) => {
                run.note(format!("[runner error] {program}: {e}"));
                return (Some(-1), RunStatus::Failed);
            }
        };
        let pgid = child.id().unwrap_or(0);
        run.set_pgid(pgid);
        let ctx = Arc::new(RouteCtx { known: req.known_workflows.clone(), root: cfg.project_root.clone() });
        let out = child.stdout.take().map(|p| tokio::spawn(pump(p, LogStream::Stdout, run.clone(), ctx.clone())));
        let err = child.stderr.take().map(|p| tokio::spawn(pump(p, LogStream::Stderr, run.clone(), ctx.clone())));

        let mut cancel_rx = run.cancel_receiver();
        let cancelled_fut = async move {
            if cancel_rx.wait_for(|c| *c).await.is_err() {
                futures::future::pending::<()>().await;
            }
        };
        let mut cancelled = false;
        let status = tokio::select! {
            st = child.wait() => st,
            _ = cancelled_fut => {
                cancelled = true;
                run.note("[attune-ops] cancel requested: sending SIGTERM to the run's process group");
                procs::signal_group(pgid, libc::SIGTERM);
                match tokio::time::timeout(cfg.kill_grace, child.wait()).await {
                    Ok(st) => st,
                    Err(_) => {
                        run.note(format!("[attune-ops] still running after {} s: sending SIGKILL", cfg.kill_grace.as_secs()));
                        procs::signal_group(pgid, libc::SIGKILL);
                        child.wait().await
                    }
                }
            }
        };

        // The direct child is reaped. Whatever it left behind may still hold
        // the pipes open: give the output a moment to drain, then kill the
        // rest of the group so the readers see end-of-file.
        // Processes that left the group (`setsid`, a daemon) still carry
        // the run's id: they are stopped by it (blocking: a `/proc` scan).
        let stop_escaped = |grace: Duration| {
            let id = run.id.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    procs::stop_leftovers(&[procs::Interrupted { run_id: id.clone(), started_at }], grace).get(&id).copied().unwrap_or(0)
                })
                .await
                .unwrap_or(0)
            }
        };
        let mut escaped = 0;
        let readers: Vec<JoinHandle<()>> = out.into_iter().chain(err).collect();
        let aborts: Vec<_> = readers.iter().map(|h| h.abort_handle()).collect();
        let mut readers = futures::future::join_all(readers);
        if tokio::time::timeout(Duration::from_secs(2), &mut readers).await.is_err() {
            run.note("[attune-ops] the command exited but left processes behind holding its output; stopping them");
            procs::signal_group(pgid, libc::SIGKILL);
            // What holds the pipes may have left the group.
            escaped += stop_escaped(Duration::from_millis(500)).await;
            if tokio::time::timeout(Duration::from_secs(3), &mut readers).await.is_err() {
                aborts.iter().for_each(|a| a.abort());
            }
        }
        let grace = Duration::from_secs(1);
        // The leader's status is collected (tokio's `wait` above): from
        // here on a sweep may reap whatever else is our child.
        drop(leader);
        let _ = tokio::task::spawn_blocking(move || procs::kill_and_reap_group(pgid, grace)).await;
        escaped += stop_escaped(grace).await;
        // Those that became ours are reaped on SIGCHLD; once more here for
        // a runner without the signal handler.
        if self.st().reaper.is_none() {
            let _ = tokio::task::spawn_blocking(procs::reap_adopted).await;
        }
        if escaped > 0 {
            run.note(format!("[attune-ops] stopped {escaped} process(es) of this run that had left its process group"));
        }
        run.set_pgid(0);

        let code = match status {
            Ok(st) => {
                use std::os::unix::process::ExitStatusExt;
                st.code().map(i64::from).or_else(|| st.signal().map(|s| -(s as i64)))
            }
            Err(e) => {
                run.note(format!("[runner error] waiting for the command failed: {e}"));
                None
            }
        };
        let status = if cancelled {
            RunStatus::Cancelled
        } else if code == Some(0) {
            RunStatus::Completed
        } else {
            RunStatus::Failed
        };
        (Some(code.unwrap_or(-1)), status)
    }
}

/// As subreaper we inherit the orphans of runs; when one of them dies we
/// get SIGCHLD, and it must be reaped or it stays a zombie for as long as
/// the dashboard lives. `None` without a signal handler (then runs' ends
/// still sweep).
fn spawn_reaper() -> Option<JoinHandle<()>> {
    let mut sigchld = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::child()).ok()?;
    Some(tokio::spawn(async move {
        while sigchld.recv().await.is_some() {
            let n = tokio::task::spawn_blocking(procs::reap_adopted).await.unwrap_or(0);
            if n > 0 {
                tracing::debug!(count = n, "ops.runner: reaped adopted processes");
            }
        }
    }))
}

/// What routing a line needs to know.
struct RouteCtx {
    known: Arc<HashSet<String>>,
    root: PathBuf,
}

/// Reads one pipe to its end, handing complete lines to the run in batches
/// (one batch per read, so a fast writer costs one log write per 64 KiB).
async fn pump(mut pipe: impl tokio::io::AsyncRead + Unpin, stream: LogStream, run: Arc<Run>, ctx: Arc<RouteCtx>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut splitter = LineSplitter::default();
    let mut raws = Vec::new();
    let known = |n: &str| ctx.known.contains(n);
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                run.note(format!("[runner error] reading {}: {e}", if stream == LogStream::Stderr { "stderr" } else { "stdout" }));
                break;
            }
        };
        splitter.feed(&buf[..n], &mut raws);
        if !raws.is_empty() {
            run.ingest(raws.drain(..).filter_map(|r| classify(&r, stream, &known, &ctx.root)).collect());
        }
    }
    if let Some(last) = splitter.finish() {
        run.ingest(classify(&last, stream, &known, &ctx.root).into_iter().collect());
    }
}

fn classify(raw: &output::RawLine, stream: LogStream, known: &dyn Fn(&str) -> bool, root: &std::path::Path) -> Option<Ingest> {
    // Side-channel lines are routed whole (a report can be large); visible
    // lines are cut for display.
    let side = raw.bytes.starts_with(b"ATTUNE_REC ") || raw.bytes.starts_with(b"ATTUNE_RUN_META");
    let text = if side { String::from_utf8_lossy(&raw.bytes).into_owned() } else { display_text(raw) };
    match route(&text, known, root) {
        Routed::Log => Some(Ingest::Log(stream, text)),
        Routed::Rec(r) => Some(Ingest::Rec(r)),
        Routed::Meta(m) => Some(Ingest::Meta(m)),
        Routed::Dropped(why) => {
            tracing::debug!(reason = %why, "ops.runner: side-channel line dropped");
            None
        }
    }
}
