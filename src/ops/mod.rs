//! [`Ops`]: the engine as the dashboard holds it — configuration, registry,
//! runner, history, cost client and spec candidate detector behind one
//! object, with the operations the pages and routes need. A script can hold
//! one too.
//!
//! The methods return wire types and typed errors; the web layer only maps
//! them to HTTP. The parts are private: routes and server functions go
//! through these methods, so what a page may do to the engine is stated
//! here, once.
//!
//! The methods are grouped by domain, one file each:
//!
//! * this file: building the engine, the shell's data, shutdown;
//! * `runs`: starting, cancelling and finding runs, the Runs and run pages
//!   ([`RunHandle`], [`StartError`], [`sort_runs`], [`run_stats`]);
//! * `pages`: the read-side pages — Home, Workflows, Bulletin, telemetry,
//!   sessions;
//! * `health`: the Health page's checks;
//! * `cost`: the Cost page, Home's spend tiles, the spend alarm and the
//!   budget;
//! * `specs`: the Specs pages, status flips and candidates;
//! * `help`: the Help pages and `/api/help/…`;
//! * `memory`: the Memory and Collab pages (Redis, the inbox's files);
//! * `curator`: the Briefing (its sources, the Messages API call, snoozes);
//! * `diagnose`: "Why did this fail?" (diagnosis runs, their records).

mod cost;
mod curator;
mod diagnose;
mod health;
mod help;
mod memory;
mod pages;
mod runs;
mod specs;

use std::sync::{Arc, Mutex};

pub use curator::CuratorTimings;
pub use diagnose::{DiagnoseError, Diagnosed};
pub use memory::EnvLookup;
pub use runs::{percentile, run_stats, sort_runs, RunHandle, StartError, StoredRun};

use crate::bulletin::{self, BulletinWriter};
use crate::config::Config;
use crate::features::FeaturesCache;
use crate::history::{self, HistoryIndex};
use crate::project::project_name;
use crate::registry::RegistryCache;
use crate::runner::{Runner, RunnerConfig};
use crate::sessions::SessionCache;
use crate::telemetry::UsageFile;
use crate::wire::{Info, ShellInfo};

type StoredEntry = (String, Option<std::time::SystemTime>, Arc<StoredRun>);

/// The engine.
pub struct Ops {
    config: Config,
    registry: RegistryCache,
    features: FeaturesCache,
    runner: Runner,
    history: HistoryIndex,
    project_name: String,
    /// Recently opened stored runs: (id, record mtime, run).
    stored: Mutex<Vec<StoredEntry>>,
    telemetry: UsageFile,
    sessions: SessionCache,
    /// The Admin API client and its cache (shared by every page and tab).
    cost: crate::cost::CostClient,
    /// Spec completion candidates: GitHub client, repository memo, cache.
    detector: Arc<crate::specs::candidates::Detector>,
    /// Set once [`Ops::shutdown`] has stopped the runs: long-lived
    /// answers (event streams) end when it flips.
    stopped: tokio::sync::watch::Sender<bool>,
    /// The help corpus's source-hash check, cached a few seconds.
    help_staleness: Mutex<Option<(std::time::Instant, Arc<crate::help::Staleness>)>>,
    /// Where Redis and Anthropic settings are looked up (the process
    /// environment).
    env: memory::EnvLookup,
    /// The Briefing: its HTTP client, the call in flight, recent failures.
    curator: curator::CuratorState,
    /// Dashboard interaction counters (this process only).
    interactions: crate::interactions::Interactions,
}

impl Ops {
    /// Builds the engine. In writeable mode (`allow_run`) this marks runs
    /// interrupted by a previous crash as failed (stopping what they left
    /// running) and prunes old records.
    pub fn new(config: Config) -> std::io::Result<Ops> {
        let runs_dir = config.runs_dir();
        let mut rc = RunnerConfig::new(config.project_root.clone());
        rc.max_concurrent = config.max_concurrent_runs;
        rc.max_log_bytes = config.max_log_bytes;
        if config.allow_run {
            rc.runs_dir = Some(runs_dir.clone());
            rc.bulletin = Some(BulletinWriter::new(config.bulletin_dir(), bulletin::dashboard_actor_id(), "dashboard"));
            rc.attune_home = Some(config.attune_home.clone());
            rc.keep_sweep_results = config.sweep_results;
            let recovered = crate::runner::recovery::recover_interrupted(&runs_dir);
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
            telemetry: UsageFile::new(config.telemetry_path()),
            sessions: SessionCache::default(),
            cost: crate::cost::CostClient::new(),
            detector: Arc::new(crate::specs::candidates::Detector::new()),
            stopped: tokio::sync::watch::channel(false).0,
            help_staleness: Mutex::new(None),
            env: Arc::new(|k| std::env::var(k).ok()),
            curator: curator::CuratorState::new(CuratorTimings::default()),
            interactions: Default::default(),
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

    /// The configuration the engine runs with (read-only: the web layer
    /// needs the bind address, allowed hosts and modes for its perimeter).
    pub fn config(&self) -> &Config {
        &self.config
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

    /// Counts a dashboard interaction (`pill_click`, `rec_card_click`,
    /// `scope_picker_change`; others are ignored).
    pub fn record_interaction(&self, event: &str, target: Option<&str>) {
        self.interactions.record(event, target);
    }

    /// `GET /api/telemetry/interactions`.
    pub fn interactions_json(&self) -> serde_json::Value {
        self.interactions.snapshot()
    }

    /// The Telemetry page's interaction panel (top ten of each).
    pub fn interactions(&self) -> crate::wire::Interactions {
        self.interactions.top(10)
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

    /// Cancels everything queued or running and waits for the records to be
    /// written (see [`Runner::shutdown`]). New starts are refused from now
    /// on. Then tells the [`Ops::stopped`] watchers. Bounded: a few
    /// seconds at most ([`crate::runner::SHUTDOWN_WAIT`]).
    pub async fn shutdown(&self) {
        self.runner.shutdown().await;
        self.stopped.send_replace(true);
    }

    /// Becomes `true` when [`Ops::shutdown`] has finished: an event stream
    /// still open then says so and ends.
    pub fn stopped(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopped.subscribe()
    }

    /// Kills every running command at once, writing nothing (a second
    /// Ctrl-C): see [`Runner::kill_now`].
    pub fn kill_now(&self) {
        self.runner.kill_now();
    }
}
