//! Server functions: the UI's data and actions, each a public HTTP endpoint
//! with a stable path (documented in `docs/API.md`).
//!
//! Reads use `GET` with query-string arguments (`input = GetUrl`) and
//! answer JSON; actions use `POST` with a JSON body and send the client
//! token (`client = TokenClient`). Errors are [`ApiError`] — a status code
//! and a message written for people; internal details stay in the server
//! log. The mapping from engine errors to `ApiError` is in [`errors`],
//! shared with the server's JSON routes.
//!
//! Invariant: these functions only translate; the work is in the engine.

use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

use attune_ops::wire::{
    BriefingData, Budget, BulletinData, BulletinEntry, CandidatesData, CollabInbox, CollabThreadData, CostData, CostProgress,
    CuratorDismissed, DiagnoseOutcome, HealthData, HelpFeature, HelpGaps, HelpHomeData, HelpSearch, HelpTemplatePage, HomeData,
    MemoryNodeData, MemoryPageData, RunInfo, RunPageData, RunsData, RunsQuery, SessionDetail, SessionList, ShellInfo, SpecPageData,
    SpecsPageData, StartRunResponse, StatusFlip, SweepChips, SweepDetailData, TelemetrySummary, WorkflowsData,
};

use crate::client::TokenClient;

pub mod errors;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use errors::ApiError;
#[cfg(feature = "ssr")]
pub use errors::{check_dismissal, check_help_slug, check_run_id, check_session_id, check_spec_lookup};

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
    let fetch = ops.spawn_cost_fetch(refresh.unwrap_or(false));
    let o2 = ops.clone();
    let memory = tokio::spawn(async move { o2.memory_count().await });
    let home = ssr::blocking(|o| o.home_data()).await?;
    let r = tokio::time::timeout(HOME_COST_WAIT, fetch).await.ok();
    let memory_nodes = memory.await.ok().flatten();
    ssr::blocking(move |o| {
        let mut home = home;
        o.fill_home_cost(&mut home, r);
        home.memory_nodes = memory_nodes;
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
    Ok(ssr::ops()?.cost_progress())
}

/// `POST /api/ui/set_budget` `{"monthly_usd": 250.0}` (`null` clears it):
/// saves the monthly budget setting and answers the budget now in effect
/// (a `--monthly-budget` flag or `ATTUNE_OPS_MONTHLY_BUDGET_USD` still wins).
#[server(prefix = "/api/ui", endpoint = "set_budget", input = Json, client = TokenClient)]
pub async fn set_budget(monthly_usd: Option<f64>) -> Result<Option<Budget>, ApiError> {
    let v = attune_ops::cost::parse_budget(monthly_usd).map_err(|m| ApiError::new(400, m))?;
    ssr::blocking(move |o| {
        o.set_budget(v).map_err(|e| ApiError::budget_not_saved(&e))?;
        Ok(o.monthly_budget())
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
    check_run_id(&id)?;
    let data = ssr::blocking(move |o| o.run_page(&id, 400)).await?;
    data.ok_or_else(ApiError::run_not_found)
}

/// `GET /api/ui/bulletin`: who is running what right now, across actors.
#[server(prefix = "/api/ui", endpoint = "bulletin", input = GetUrl)]
pub async fn get_bulletin() -> Result<Vec<BulletinEntry>, ApiError> {
    ssr::blocking(|o| o.active_bulletin()).await
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
    check_session_id(&id)?;
    ssr::blocking(move |o| o.session(&id)).await?.ok_or_else(ApiError::session_not_found)
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
    check_spec_lookup(&slug)?;
    let s2 = slug.clone();
    ssr::blocking(move |o| o.spec_page(&s2)).await?.ok_or_else(|| ApiError::spec_not_found(&slug))
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
            Err(ApiError::internal())
        }
        Err(_) => Ok(CandidatesData { enabled: true, pending: true, ..Default::default() }),
    }
}

/// `POST /api/ui/set_spec_status` `{"slug", "phase", "status"}`: the status
/// flip, as `PUT /api/specs/{slug}/{phase}/status`.
#[server(prefix = "/api/ui", endpoint = "set_spec_status", input = Json, client = TokenClient)]
pub async fn set_spec_status(slug: String, phase: String, status: String) -> Result<StatusFlip, ApiError> {
    Ok(ssr::blocking(move |o| o.set_spec_status(&slug, &phase, &status)).await??)
}

/// `POST /api/ui/dismiss_candidate` `{"slug", "snapshot_hash"}`: hides a
/// candidate for 14 days.
#[server(prefix = "/api/ui", endpoint = "dismiss_candidate", input = Json, client = TokenClient)]
pub async fn dismiss_candidate(slug: String, snapshot_hash: String) -> Result<(), ApiError> {
    check_dismissal(&slug, Some(&snapshot_hash))?;
    ssr::blocking(move |o| o.dismiss_candidate(&slug, &snapshot_hash)).await?.map_err(|e| ApiError::dismiss_not_saved(&e, false))
}

/// `GET /api/ui/health`: the Health page's checks.
#[server(prefix = "/api/ui", endpoint = "health", input = GetUrl)]
pub async fn get_health() -> Result<HealthData, ApiError> {
    ssr::blocking(|o| o.health()).await
}

/// `POST /api/ui/record_interaction` `{"event", "target"}`: counts a
/// dashboard interaction (as `POST /api/telemetry/interaction`).
#[server(prefix = "/api/ui", endpoint = "record_interaction", input = Json, client = TokenClient)]
pub async fn record_interaction(event: String, target: Option<String>) -> Result<(), ApiError> {
    if !(1..=64).contains(&event.chars().count()) || target.as_ref().is_some_and(|t| t.chars().count() > 256) {
        return Err(ApiError::new(422, "`event` must be 1 to 64 characters and `target` at most 256"));
    }
    ssr::ops()?.record_interaction(&event, target.as_deref());
    Ok(())
}

/// `GET /api/ui/interactions`: the Telemetry page's interaction panel.
#[server(prefix = "/api/ui", endpoint = "interactions", input = GetUrl)]
pub async fn get_interactions() -> Result<attune_ops::wire::Interactions, ApiError> {
    Ok(ssr::ops()?.interactions())
}

/// Counts an interaction from the browser, without waiting or failing
/// (the reference's fire-and-forget).
pub fn count_interaction(event: &'static str, target: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = record_interaction(event.to_string(), Some(target)).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, target);
}

/// `GET /api/ui/pending_writes`: this project's dashboard writes not yet
/// committed (the Specs page's panel).
#[server(prefix = "/api/ui", endpoint = "pending_writes", input = GetUrl)]
pub async fn get_pending_writes() -> Result<attune_ops::wire::PendingWritesPanel, ApiError> {
    ssr::blocking(|o| o.pending_writes_panel()).await
}

/// `GET /api/ui/help`: the Help home — features, featured topics,
/// recently generated templates.
#[server(prefix = "/api/ui", endpoint = "help", input = GetUrl)]
pub async fn get_help_home() -> Result<HelpHomeData, ApiError> {
    ssr::blocking(|o| o.help_home()).await
}

/// `GET /api/ui/help_search?q=`: the 20 best hits.
#[server(prefix = "/api/ui", endpoint = "help_search", input = GetUrl)]
pub async fn get_help_search(q: String) -> Result<HelpSearch, ApiError> {
    ssr::blocking(move |o| o.help_search(&q, 20)).await
}

/// `GET /api/ui/help_admin`: incomplete sets and stale templates.
#[server(prefix = "/api/ui", endpoint = "help_admin", input = GetUrl)]
pub async fn get_help_admin() -> Result<HelpGaps, ApiError> {
    ssr::blocking(|o| o.help_gaps()).await
}

/// `GET /api/ui/help_feature?slug=`: one feature's kinds.
#[server(prefix = "/api/ui", endpoint = "help_feature", input = GetUrl)]
pub async fn get_help_feature(slug: String) -> Result<HelpFeature, ApiError> {
    check_help_slug(&slug, "invalid feature slug")?;
    let s2 = slug.clone();
    ssr::blocking(move |o| o.help_feature(&s2)).await?.ok_or_else(|| ApiError::not_found(format!("feature not found: {slug}")))
}

/// `GET /api/ui/help_template?feature=&kind=`: one template, rendered.
#[server(prefix = "/api/ui", endpoint = "help_template", input = GetUrl)]
pub async fn get_help_template(feature: String, kind: String) -> Result<HelpTemplatePage, ApiError> {
    check_help_slug(&feature, "invalid feature slug")?;
    check_help_slug(&kind, "invalid kind slug")?;
    let (f, k) = (feature.clone(), kind.clone());
    ssr::blocking(move |o| o.help_template_page(&f, &k))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("template not found: {feature}/{kind}")))
}

/// `GET /api/ui/memory?family=&kind=&page=`: the memory index (Redis),
/// read-only; `overview` is `null` with `unreachable` when Redis cannot be
/// read.
#[server(prefix = "/api/ui", endpoint = "memory", input = GetUrl)]
pub async fn get_memory(family: Option<String>, kind: Option<String>, page: Option<u32>) -> Result<MemoryPageData, ApiError> {
    let keep = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(ssr::ops()?.memory_page(keep(family), keep(kind), page.unwrap_or(1).max(1)).await)
}

/// `GET /api/ui/memory_node?key=`: one node (`fields` is `null` when the
/// key is outside `attune:memory:`, missing, or Redis is down).
#[server(prefix = "/api/ui", endpoint = "memory_node", input = GetUrl)]
pub async fn get_memory_node(key: String) -> Result<MemoryNodeData, ApiError> {
    Ok(ssr::ops()?.memory_node(&key).await)
}

/// `GET /api/ui/collab`: the collaboration inbox.
#[server(prefix = "/api/ui", endpoint = "collab", input = GetUrl)]
pub async fn get_collab() -> Result<CollabInbox, ApiError> {
    Ok(ssr::ops()?.collab_inbox().await)
}

/// `GET /api/ui/collab_thread?id=`: one round-table thread.
#[server(prefix = "/api/ui", endpoint = "collab_thread", input = GetUrl)]
pub async fn get_collab_thread(id: String) -> Result<CollabThreadData, ApiError> {
    Ok(ssr::ops()?.collab_thread(&id).await)
}

/// `POST /api/ui/diagnose_run` `{"run_id"}`: starts a diagnosis of a
/// failed run, or gives the one it has.
#[server(prefix = "/api/ui", endpoint = "diagnose_run", input = Json, client = TokenClient)]
pub async fn diagnose_run(run_id: String) -> Result<DiagnoseOutcome, ApiError> {
    Ok(match ssr::blocking(move |o| o.diagnose(&run_id)).await?? {
        attune_ops::ops::Diagnosed::Existing(d) => DiagnoseOutcome { run_id: None, diagnosis_id: Some(d) },
        attune_ops::ops::Diagnosed::Started(r) => DiagnoseOutcome { run_id: Some(r.id.clone()), diagnosis_id: None },
    })
}

/// `GET /api/ui/sweep_chips?scope=`: the discovery sweep's chips for a
/// scope (`""`: the whole project).
#[server(prefix = "/api/ui", endpoint = "sweep_chips", input = GetUrl)]
pub async fn get_sweep_chips(scope: String) -> Result<SweepChips, ApiError> {
    ssr::blocking(move |o| o.sweep_chips(&scope)).await
}

/// `GET /api/ui/sweep_detail?hash=&bucket=`: a sweep result's page (400 for
/// a malformed hash, 404 when there is no result).
#[server(prefix = "/api/ui", endpoint = "sweep_detail", input = GetUrl)]
pub async fn get_sweep_detail(hash: String, bucket: String) -> Result<SweepDetailData, ApiError> {
    if !attune_ops::sweep::is_hash(&hash) {
        return Err(ApiError::new(400, "scope_hash must be 16 lowercase hex characters"));
    }
    let h = hash.clone();
    ssr::blocking(move |o| o.sweep_detail(&h, &bucket))
        .await?
        .ok_or_else(|| ApiError::new(404, format!("No sweep result for scope {hash}: run discovery-sweep on that scope first.")))
}

/// `GET /api/ui/briefing?refresh=`: the Briefing (`refresh` asks the model
/// again whatever is cached).
#[server(prefix = "/api/ui", endpoint = "briefing", input = GetUrl)]
pub async fn get_briefing(refresh: bool) -> Result<BriefingData, ApiError> {
    Ok(ssr::ops()?.briefing(refresh).await)
}

/// The Briefing actions' argument rules (the JSON routes' too).
#[cfg(feature = "ssr")]
fn briefing_arg(v: String, what: &str) -> Result<String, ApiError> {
    attune_ops::curator::action_arg(Some(&serde_json::Value::String(v))).map_err(|e| match e {
        attune_ops::curator::ArgError::Missing => ApiError::new(400, format!("{what} required")),
        attune_ops::curator::ArgError::TooLong => ApiError::new(400, format!("{what} too long")),
    })
}

/// `POST /api/ui/dismiss_briefing_item` `{"item_id"}`: snoozes an item for
/// 14 days.
#[server(prefix = "/api/ui", endpoint = "dismiss_briefing_item", input = Json, client = TokenClient)]
pub async fn dismiss_briefing_item(item_id: String) -> Result<CuratorDismissed, ApiError> {
    let item_id = briefing_arg(item_id, "item_id")?;
    let id = item_id.clone();
    let until = ssr::blocking(move |o| o.curator_dismiss(&id)).await?.map_err(|e| {
        tracing::error!(error = %e, "curator: dismissal not saved");
        ApiError::new(500, "write failed")
    })?;
    Ok(CuratorDismissed { ok: true, item_id, snoozed_until: until })
}

/// `POST /api/ui/answer_briefing_item` `{"item_id", "choice"}`: journals the
/// answer to an item's question.
#[server(prefix = "/api/ui", endpoint = "answer_briefing_item", input = Json, client = TokenClient)]
pub async fn answer_briefing_item(item_id: String, choice: String) -> Result<(), ApiError> {
    let (item_id, choice) = (briefing_arg(item_id, "item_id")?, briefing_arg(choice, "choice")?);
    ssr::blocking(move |o| o.curator_answer(&item_id, &choice)).await
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
    let run = ssr::off_thread(move || ops.start_run(&workflow, &req)).await??;
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
    Ok(ssr::ops()?.cancel_run(&id).await?)
}
