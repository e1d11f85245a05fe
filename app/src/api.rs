//! Server functions: the UI's data and actions, each a public HTTP endpoint
//! with a stable path (documented in `docs/API.md`).
//!
//! Reads use `GET` with query-string arguments (`input = GetUrl`) and
//! answer JSON; actions use `POST` with a JSON body and send the client
//! token (`client = TokenClient`). Errors are [`ApiError`] — a status code
//! and a message written for people; internal details stay in the server
//! log.
//!
//! Invariant: these functions only translate; the work is in the engine.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::{GetUrl, Json, JsonEncoding};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use attune_ops::wire::{
    Budget, BulletinData, BulletinEntry, CandidatesData, CostData, CostProgress, HealthData, HomeData, RunInfo, RunPageData, RunsData,
    RunsQuery, SessionDetail, SessionList, ShellInfo, SpecPageData, SpecsPageData, StartRunResponse, StatusFlip, TelemetrySummary,
    WorkflowsData,
};

use crate::client::TokenClient;

/// An error from a server function: an HTTP status and a safe message.
/// Serialised as `{"status": 404, "detail": "..."}`; the server sets the
/// response status from `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    pub status: u16,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<String>) -> ApiError {
        ApiError { status, detail: detail.into() }
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(404, what)
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => ApiError::new(400, format!("invalid arguments: {m}")),
            ServerFnErrorErr::Request(m) => ApiError::new(503, format!("the dashboard could not be reached: {m}")),
            ServerFnErrorErr::Response(m) => ApiError::new(502, format!("unexpected answer from the dashboard: {m}")),
            ServerFnErrorErr::Registration(_) => ApiError::new(404, "no such endpoint"),
            _ => ApiError::new(500, "internal error (see the dashboard's log)"),
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Server-side access to the engine.
    use std::sync::Arc;

    use attune_ops::ops::Ops;

    use super::ApiError;

    /// The engine, provided as context by the server for every request.
    pub fn ops() -> Result<Arc<Ops>, ApiError> {
        leptos::prelude::use_context::<Arc<Ops>>().ok_or_else(|| ApiError::new(500, "internal error (see the dashboard's log)"))
    }

    /// Runs blocking engine work off the async threads.
    pub async fn blocking<T: Send + 'static>(f: impl FnOnce(Arc<Ops>) -> T + Send + 'static) -> Result<T, ApiError> {
        let ops = ops()?;
        tokio::task::spawn_blocking(move || f(ops)).await.map_err(|e| {
            tracing::error!(error = %e, "ops.api: worker failed");
            ApiError::new(500, "internal error (see the dashboard's log)")
        })
    }

    /// The client token of this process (for hidden form fields).
    #[derive(Clone)]
    pub struct TokenCtx(pub String);
}

/// `GET /api/ui/shell`: project, version, home and active runs.
#[server(prefix = "/api/ui", endpoint = "shell", input = GetUrl)]
pub async fn get_shell() -> Result<ShellInfo, ApiError> {
    Ok(ssr::ops()?.shell_info())
}

/// How long Home waits for account spend before showing the page without
/// it (the fetch goes on; the next load shows it).
#[cfg(feature = "ssr")]
const HOME_COST_WAIT: std::time::Duration = std::time::Duration::from_millis(2500);

/// `GET /api/ui/home?refresh=true`: the Home page (`refresh` bypasses the
/// cost cache, as the reference's `/?refresh=1`).
#[server(prefix = "/api/ui", endpoint = "home", input = GetUrl)]
pub async fn get_home(refresh: Option<bool>) -> Result<HomeData, ApiError> {
    let ops = ssr::ops()?;
    let fetch = tokio::spawn(async move { ops.cost.fetch_summary(refresh.unwrap_or(false)).await });
    let home = ssr::blocking(|o| o.home_data()).await?;
    let r = match tokio::time::timeout(HOME_COST_WAIT, fetch).await {
        Ok(Ok(r)) => Some(r),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "ops.api: cost fetch failed");
            Some(attune_ops::cost::CostResult { summary: None, error: None })
        }
        Err(_) => None,
    };
    ssr::blocking(move |o| {
        let mut home = home;
        o.fill_home_cost(&mut home, r);
        home
    })
    .await
}

/// `GET /api/ui/cost?refresh=true`: account spend with burn rate,
/// projection, budget and the spend alarm.
#[server(prefix = "/api/ui", endpoint = "cost", input = GetUrl)]
pub async fn get_cost(refresh: Option<bool>) -> Result<CostData, ApiError> {
    let ops = ssr::ops()?;
    let r = ops.fetch_cost(refresh.unwrap_or(false)).await;
    ssr::blocking(move |o| o.cost_data_from(r)).await
}

/// `GET /api/ui/cost_progress`: the upstream cost fetch under way, if any.
#[server(prefix = "/api/ui", endpoint = "cost_progress", input = GetUrl)]
pub async fn get_cost_progress() -> Result<CostProgress, ApiError> {
    Ok(ssr::ops()?.cost.progress())
}

/// `POST /api/ui/set_budget` `{"monthly_usd": 250.0}` (`null` clears it):
/// saves the monthly budget setting and answers the budget now in effect
/// (a `--monthly-budget` flag or `ATTUNE_OPS_MONTHLY_BUDGET_USD` still wins).
#[server(prefix = "/api/ui", endpoint = "set_budget", input = Json, client = TokenClient)]
pub async fn set_budget(monthly_usd: Option<f64>) -> Result<Option<Budget>, ApiError> {
    let v = attune_ops::cost::parse_budget(monthly_usd).map_err(|m| ApiError::new(400, m))?;
    ssr::blocking(move |o| {
        o.set_budget(v).map_err(|e| {
            tracing::error!(error = %e, "ops.api: cannot save the budget");
            ApiError::new(500, "could not save the setting (see the dashboard's log)")
        })?;
        Ok(attune_ops::config::monthly_budget(&o.config))
    })
    .await?
}

/// `GET /api/ui/workflows`: registry, scopes and recent runs.
#[server(prefix = "/api/ui", endpoint = "workflows", input = GetUrl)]
pub async fn get_workflows() -> Result<WorkflowsData, ApiError> {
    ssr::blocking(|o| o.workflows_data()).await
}

/// `GET /api/ui/runs?query[workflow]=…&query[status]=…`: run history.
#[server(prefix = "/api/ui", endpoint = "runs", input = GetUrl)]
pub async fn get_runs(query: RunsQuery) -> Result<RunsData, ApiError> {
    ssr::blocking(move |o| o.runs_data(&query)).await
}

/// `GET /api/ui/run?id=…`: one run with the tail of its log.
#[server(prefix = "/api/ui", endpoint = "run", input = GetUrl)]
pub async fn get_run_page(id: String) -> Result<RunPageData, ApiError> {
    if !attune_ops::ids::is_view_run_id(&id) {
        return Err(ApiError::new(400, "invalid run_id"));
    }
    let data = ssr::blocking(move |o| o.run_page(&id, 400)).await?;
    data.ok_or_else(|| ApiError::not_found("run not found"))
}

/// `GET /api/ui/bulletin`: who is running what right now, across actors.
#[server(prefix = "/api/ui", endpoint = "bulletin", input = GetUrl)]
pub async fn get_bulletin() -> Result<Vec<BulletinEntry>, ApiError> {
    ssr::blocking(|o| attune_ops::bulletin::read_active(&o.config.bulletin_dir())).await
}

/// `GET /api/ui/bulletin_page?day=`: a day of the bulletin.
#[server(prefix = "/api/ui", endpoint = "bulletin_page", input = GetUrl)]
pub async fn get_bulletin_page(day: Option<String>) -> Result<BulletinData, ApiError> {
    ssr::blocking(move |o| o.bulletin_data(day.as_deref())).await
}

/// `GET /api/ui/telemetry?days=14`: the usage summary.
#[server(prefix = "/api/ui", endpoint = "telemetry", input = GetUrl)]
pub async fn get_telemetry(days: u32) -> Result<TelemetrySummary, ApiError> {
    let days = days.clamp(1, 3650);
    ssr::blocking(move |o| o.telemetry_summary(days)).await
}

/// `GET /api/ui/sessions?days=3&limit=0`: Claude Code sessions
/// (`limit` 0: all in the window), prompts redacted.
#[server(prefix = "/api/ui", endpoint = "sessions", input = GetUrl)]
pub async fn get_sessions(days: f64, limit: usize) -> Result<SessionList, ApiError> {
    let days = if days.is_finite() && days > 0.0 { days.min(36_500.0) } else { 3.0 };
    ssr::blocking(move |o| o.sessions_redacted(days, (limit > 0).then_some(limit))).await
}

/// `GET /api/ui/session?id=`: one session, redacted.
#[server(prefix = "/api/ui", endpoint = "session", input = GetUrl)]
pub async fn get_session(id: String) -> Result<SessionDetail, ApiError> {
    if !attune_ops::sessions::is_session_id(&id) {
        return Err(ApiError::new(400, "invalid session id"));
    }
    ssr::blocking(move |o| o.session(&id)).await?.ok_or_else(|| ApiError::not_found("session not found"))
}

/// `GET /api/ui/specs`: every spec with its stage, lifecycle and gate
/// verdict.
#[server(prefix = "/api/ui", endpoint = "specs", input = GetUrl)]
pub async fn get_specs() -> Result<SpecsPageData, ApiError> {
    ssr::blocking(|o| o.specs_page()).await
}

/// `GET /api/ui/spec?slug=`: one spec, each phase rendered from markdown.
#[server(prefix = "/api/ui", endpoint = "spec", input = GetUrl)]
pub async fn get_spec(slug: String) -> Result<SpecPageData, ApiError> {
    if attune_ops::specs::is_traversal(&slug) || slug.is_empty() {
        return Err(ApiError::new(400, "invalid slug"));
    }
    let s2 = slug.clone();
    ssr::blocking(move |o| o.spec_page(&s2))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("spec '{slug}' not found in any configured root")))
}

/// How long the Specs page waits for candidate detection (GitHub can be
/// slow) before showing the page without it.
#[cfg(feature = "ssr")]
const CANDIDATES_WAIT: std::time::Duration = std::time::Duration::from_secs(4);

/// `GET /api/ui/candidates`: "Ready to close?" (`pending` when detection
/// is still running; ask again).
#[server(prefix = "/api/ui", endpoint = "candidates", input = GetUrl)]
pub async fn get_candidates() -> Result<CandidatesData, ApiError> {
    let ops = ssr::ops()?;
    let task = tokio::spawn(async move { ops.candidates(chrono::Utc::now()).await });
    match tokio::time::timeout(CANDIDATES_WAIT, task).await {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "ops.api: candidate detection failed");
            Err(ApiError::new(500, "internal error (see the dashboard's log)"))
        }
        Err(_) => Ok(CandidatesData { enabled: true, pending: true, ..Default::default() }),
    }
}

/// `POST /api/ui/set_spec_status` `{"slug", "phase", "status"}`: the status
/// flip, as `PUT /api/specs/{slug}/{phase}/status`.
#[server(prefix = "/api/ui", endpoint = "set_spec_status", input = Json, client = TokenClient)]
pub async fn set_spec_status(slug: String, phase: String, status: String) -> Result<StatusFlip, ApiError> {
    ssr::blocking(move |o| o.set_spec_status(&slug, &phase, &status)).await?.map_err(|e| ApiError::new(e.status(), e.to_string()))
}

/// `POST /api/ui/dismiss_candidate` `{"slug", "snapshot_hash"}`: hides a
/// candidate for 14 days.
#[server(prefix = "/api/ui", endpoint = "dismiss_candidate", input = Json, client = TokenClient)]
pub async fn dismiss_candidate(slug: String, snapshot_hash: String) -> Result<(), ApiError> {
    if !attune_ops::ids::is_spec_slug(&slug) {
        return Err(ApiError::new(400, attune_ops::specs::FlipError::InvalidSlug.to_string()));
    }
    if !attune_ops::specs::dismiss::is_snapshot_hash(&snapshot_hash) {
        return Err(ApiError::new(422, "body must include `snapshot_hash` (64-char hex string)"));
    }
    ssr::blocking(move |o| o.dismiss_candidate(&slug, &snapshot_hash)).await?.map_err(|e| {
        tracing::error!(error = %e, "ops.api: dismiss persist failed");
        ApiError::new(500, "dismiss persist failed")
    })
}

/// `GET /api/ui/health`: the Health page's checks.
#[server(prefix = "/api/ui", endpoint = "health", input = GetUrl)]
pub async fn get_health() -> Result<HealthData, ApiError> {
    ssr::blocking(|o| o.health()).await
}

/// `POST /api/ui/start_run` `{"workflow", "path"?, "trigger"?, "source_run_id"?}`:
/// queues a run. Same rules as `POST /workflows/{name}/run`.
#[server(prefix = "/api/ui", endpoint = "start_run", input = Json, client = TokenClient)]
pub async fn start_run(
    workflow: String,
    path: Option<String>,
    trigger: Option<String>,
    source_run_id: Option<String>,
) -> Result<StartRunResponse, ApiError> {
    let ops = ssr::ops()?;
    let req = attune_ops::wire::StartRunRequest { path, trigger, source_run_id };
    let run = ops.start_run(&workflow, &req).map_err(|e| ApiError::new(e.status(), e.to_string()))?;
    Ok(start_response(&run))
}

#[cfg(feature = "ssr")]
pub fn start_response(run: &attune_ops::runner::Run) -> StartRunResponse {
    let info = run.info();
    StartRunResponse {
        run_id: run.id.clone(),
        stream_url: format!("/runs/{}/stream", run.id),
        status_url: format!("/runs/{}", run.id),
        status: Some(info.status),
        queue_position: info.queue_position,
        view_url: Some(format!("/runs/{}/view", run.id)),
    }
}

/// `POST /api/ui/cancel_run` `{"id"}`: cancels a queued or running run and
/// answers its final state.
#[server(prefix = "/api/ui", endpoint = "cancel_run", input = Json, client = TokenClient)]
pub async fn cancel_run(id: String) -> Result<RunInfo, ApiError> {
    let ops = ssr::ops()?;
    ops.runner.cancel(&id).await.map_err(|e| match e {
        attune_ops::runner::RunnerError::NotFound => ApiError::not_found("run not found (only live runs can be cancelled)"),
        attune_ops::runner::RunnerError::AlreadyFinished => ApiError::new(409, "run already finished"),
        attune_ops::runner::RunnerError::ShuttingDown => ApiError::new(503, "the dashboard is shutting down"),
    })
}
