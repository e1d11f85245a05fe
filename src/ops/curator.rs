//! The Briefing page (`/curator`) and its two actions.
//!
//! A load reads the seven sources (blocking work off the async threads),
//! then: a cached briefing for the same state of the sources (five
//! minutes) is shown as it is; else, with a key, the Messages API is asked
//! — one call in flight per state, shared by every tab that asks, run on
//! its own task so a closed tab does not waste it — and the page waits a
//! few seconds for it. A call still running then leaves the page with the
//! offline briefing and `pending` (the browser asks again; the finished
//! briefing is in the cache). A failed call is remembered for a minute, so
//! reloads do not hammer the API; "Refresh" calls again at once.
//!
//! A briefing the model wrote is cached even when it was a forced refresh
//! (the reference cached neither, so the next plain load showed an older
//! one); an offline one never is.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::future::{BoxFuture, FutureExt, Shared};

use super::Ops;
use crate::curator::messages::{self, CallError, Credentials};
use crate::curator::sources::{self, SourceSummary};
use crate::curator::{self, rank, store};
use crate::wire::{BriefingData, BriefingOrigin, BriefingSource, BriefingSourceItem, CuratorResult};

/// How long a failed call keeps a plain load from calling again.
const FAILURE_MEMORY: Duration = Duration::from_secs(60);

/// Timings of the Briefing (tests shorten them).
#[derive(Clone, Copy, Debug)]
pub struct CuratorTimings {
    /// The most one call may take.
    pub call_timeout: Duration,
    /// How long a page waits for a call before showing the offline
    /// briefing.
    pub page_wait: Duration,
}

impl Default for CuratorTimings {
    fn default() -> Self {
        CuratorTimings { call_timeout: Duration::from_secs(120), page_wait: Duration::from_secs(12) }
    }
}

type Outcome = Result<CuratorResult, String>;

/// The Briefing's state in [`Ops`].
pub(super) struct CuratorState {
    http: reqwest::Client,
    timings: CuratorTimings,
    inflight: Arc<Mutex<HashMap<String, Shared<BoxFuture<'static, Outcome>>>>>,
    failures: Arc<Mutex<HashMap<String, (Instant, String)>>>,
    /// Dismissals are a read and a rewrite of one file.
    dismiss_lock: Mutex<()>,
}

impl CuratorState {
    pub(super) fn new(timings: CuratorTimings) -> CuratorState {
        let http = crate::outbound::client_builder(timings.call_timeout).build().unwrap_or_default();
        CuratorState { http, timings, inflight: Default::default(), failures: Default::default(), dismiss_lock: Mutex::new(()) }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Ops {
    /// Other timings for the Briefing (tests).
    pub fn with_curator_timings(mut self, t: CuratorTimings) -> Ops {
        self.curator = CuratorState::new(t);
        self
    }

    fn curator_budget(&self) -> f64 {
        (self.env)("ATTUNE_CURATOR_MAX_BUDGET_USD")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|b| b.is_finite() && *b >= 0.0)
            .unwrap_or(curator::DEFAULT_BUDGET_USD)
    }

    /// Reads the seven sources, in the prompt's order.
    async fn curator_sources(&self, now: DateTime<Utc>) -> Vec<SourceSummary> {
        // "Ready to close?" as the Specs page has it, bounded: the
        // detector may be asking GitHub.
        let candidates: HashSet<String> = match tokio::time::timeout(Duration::from_secs(3), self.candidates(now)).await {
            Ok(c) => c.candidates.into_iter().map(|c| c.slug).collect(),
            Err(_) => HashSet::new(),
        };
        let cfg = self.config.clone();
        let (runs, _) = self.all_runs();
        let read = tokio::task::spawn_blocking(move || {
            let (_, specs) = crate::specs::list_specs(&cfg, now);
            vec![
                sources::bulletin(&cfg.bulletin_dir(), now),
                sources::specs(&specs, &candidates, now),
                sources::spec_drift(&specs),
                sources::sweep(&cfg.attune_home.join("ops").join("sweep-results")),
                sources::telemetry(&cfg.telemetry_path(), now),
                sources::failed_runs(&runs, now),
            ]
        });
        let root = self.config.project_root.clone();
        let git = tokio::task::spawn_blocking(move || sources::git_state(&root));
        let (read, git) = tokio::join!(read, git);
        let mut all = read.unwrap_or_default();
        all.push(git.unwrap_or_else(|_| SourceSummary { source_id: "git-state", state_hash: String::new(), items: vec![] }));
        all
    }

    /// The Briefing page. `refresh` asks the model again whatever is
    /// cached.
    pub async fn briefing(&self, refresh: bool) -> BriefingData {
        let now = Utc::now();
        let sources = self.curator_sources(now).await;
        let key = curator::cache_key(&sources);
        let consulted: Vec<String> = sources.iter().map(|s| s.source_id.to_string()).collect();
        let home = self.config.attune_home.clone();
        let budget = self.curator_budget();

        let (result, origin, reason, pending) = match self.model_briefing(&sources, &key, refresh, budget, now).await {
            Written::Cached(r) => (r, BriefingOrigin::Cache, None, false),
            Written::Fresh(r) => (r, BriefingOrigin::Model, None, false),
            Written::Not { reason, pending } => {
                let (ranked, read) = rank::offline(&sources);
                let shown: Vec<_> = ranked.iter().take(curator::MAX_ITEMS).cloned().collect();
                let r = CuratorResult {
                    summary: rank::summary(&ranked, curator::MAX_ITEMS, read, sources.len()),
                    items: shown,
                    sources_consulted: consulted.clone(),
                    cost_usd: 0.0,
                    cached_at: Some(crate::pyfmt::iso_utc(now)),
                    model: String::new(),
                };
                (r, BriefingOrigin::Offline, Some(reason), pending)
            }
        };
        let snoozed = {
            let home = home.clone();
            tokio::task::spawn_blocking(move || store::snoozed(&home, now)).await.unwrap_or_default()
        };
        let mut result = result;
        let before = result.items.len();
        result.items.retain(|i| !snoozed.contains(&i.id));
        BriefingData {
            snoozed: (before - result.items.len()) as u32,
            result,
            origin,
            offline_reason: reason,
            pending,
            budget_usd: budget,
            allow_run: self.config.allow_run,
            sources: sources
                .into_iter()
                .map(|s| BriefingSource {
                    id: s.source_id.to_string(),
                    items: s
                        .items
                        .into_iter()
                        .map(|i| BriefingSourceItem {
                            link: curator::safe_link(&i.link).unwrap_or_default(),
                            item_id: i.item_id,
                            title: i.title,
                            detail: i.detail,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    async fn model_briefing(&self, sources: &[SourceSummary], key: &str, refresh: bool, budget: f64, now: DateTime<Utc>) -> Written {
        let home = self.config.attune_home.clone();
        if !refresh {
            let (h, k) = (home.clone(), key.to_string());
            if let Ok(Some(r)) = tokio::task::spawn_blocking(move || store::cached(&h, &k, now)).await {
                return Written::Cached(r);
            }
        }
        let Some(creds) = Credentials::from_env(&|k| (self.env)(k)) else {
            return Written::Not {
                reason: "No ANTHROPIC_API_KEY is set where the dashboard runs, so the model writes no briefing: the items below are ranked by the offline rules.".into(),
                pending: false,
            };
        };
        if !refresh {
            if let Some((at, reason)) = lock(&self.curator.failures).get(key).cloned() {
                if at.elapsed() < FAILURE_MEMORY {
                    return Written::Not { reason, pending: false };
                }
            }
        }
        let model = messages::model_from_env(&|k| (self.env)(k));
        let call = match messages::prepare(
            &model,
            &crate::curator::prompt::user_prompt(sources, curator::MAX_ITEMS),
            curator::MAX_ITEMS,
            budget,
        ) {
            Ok(c) => c,
            Err(e) => return Written::Not { reason: e.summary(), pending: false },
        };
        let known: HashSet<String> = sources.iter().flat_map(|s| s.items.iter().map(|i| i.item_id.clone())).collect();
        let consulted: Vec<String> = sources.iter().map(|s| s.source_id.to_string()).collect();
        let shared = {
            let mut inflight = lock(&self.curator.inflight);
            match inflight.get(key) {
                Some(f) if !refresh => f.clone(),
                _ => {
                    let job = CallJob {
                        http: self.curator.http.clone(),
                        creds,
                        call,
                        timeout: self.curator.timings.call_timeout,
                        known,
                        consulted,
                        home,
                        key: key.to_string(),
                        inflight: self.curator.inflight.clone(),
                        failures: self.curator.failures.clone(),
                    };
                    let handle = tokio::spawn(job.run());
                    let fut: BoxFuture<'static, Outcome> =
                        async move { handle.await.unwrap_or_else(|_| Err(CallError::Transport("the call's task ended".into()).summary())) }
                            .boxed();
                    let shared = fut.shared();
                    inflight.insert(key.to_string(), shared.clone());
                    shared
                }
            }
        };
        match tokio::time::timeout(self.curator.timings.page_wait, shared).await {
            Ok(Ok(r)) => Written::Fresh(r),
            Ok(Err(reason)) => Written::Not { reason, pending: false },
            Err(_) => Written::Not {
                reason: "The model is still writing the briefing; the items below are ranked by the offline rules until it is done.".into(),
                pending: true,
            },
        }
    }

    /// `POST /curator/dismiss`: snoozes an item for 14 days; gives the
    /// instant it comes back.
    pub fn curator_dismiss(&self, item_id: &str) -> std::io::Result<String> {
        let _one_at_a_time = lock(&self.curator.dismiss_lock);
        store::dismiss(&self.config.attune_home, item_id, Utc::now())
    }

    /// `POST /curator/answer`: journals the answer (a failure is logged,
    /// as the reference does: the answer is not the user's data).
    pub fn curator_answer(&self, item_id: &str, choice: &str) {
        if let Err(e) = store::answer(&self.config.attune_home, item_id, choice, Utc::now()) {
            tracing::warn!(error = %e, "curator: answer not journaled");
        }
    }
}

enum Written {
    Cached(CuratorResult),
    Fresh(CuratorResult),
    Not { reason: String, pending: bool },
}

/// One call to the Messages API, on its own task.
struct CallJob {
    http: reqwest::Client,
    creds: Credentials,
    call: messages::Call,
    timeout: Duration,
    known: HashSet<String>,
    consulted: Vec<String>,
    home: std::path::PathBuf,
    key: String,
    inflight: Arc<Mutex<HashMap<String, Shared<BoxFuture<'static, Outcome>>>>>,
    failures: Arc<Mutex<HashMap<String, (Instant, String)>>>,
}

impl CallJob {
    async fn run(self) -> Outcome {
        let started = Instant::now();
        let outcome = match messages::send(&self.http, &self.creds, &self.call, self.timeout).await {
            Ok(reply) => {
                let known: HashSet<&str> = self.known.iter().map(String::as_str).collect();
                let checked = curator::check(&reply.payload, &known);
                let r = CuratorResult {
                    summary: checked.summary,
                    items: checked.items,
                    sources_consulted: self.consulted,
                    cost_usd: reply.cost_usd,
                    cached_at: Some(crate::pyfmt::iso_utc(Utc::now())),
                    model: self.call.model.clone(),
                };
                tracing::info!(model = %r.model, cost_usd = r.cost_usd, items = r.items.len(), dropped = checked.dropped.len(), ms = started.elapsed().as_millis() as u64, "curator: briefing written");
                let (home, key, saved) = (self.home.clone(), self.key.clone(), r.clone());
                let _ = tokio::task::spawn_blocking(move || store::save(&home, &key, &saved)).await;
                lock(&self.failures).remove(&self.key);
                Ok(r)
            }
            Err(e) => {
                tracing::warn!(error = %e, model = %self.call.model, "curator: no briefing from the model");
                let reason = e.summary();
                let mut f = lock(&self.failures);
                f.retain(|_, (at, _)| at.elapsed() < FAILURE_MEMORY);
                f.insert(self.key.clone(), (Instant::now(), reason.clone()));
                Err(reason)
            }
        };
        lock(&self.inflight).remove(&self.key);
        outcome
    }
}
