//! JSON and streaming routes (the reference's, and ours beside them).
//!
//! | method | path | what | module |
//! |---|---|---|---|
//! | GET, POST | `/login` | the team login (`?token=` or the form's `token`) → session cookie; only beyond loopback | `login` |
//! | GET | `/pkg/<site hash>/{attune-ops.<hash>.{js,wasm,css}, __wasm_split.<hash>.js, chunk_<n>.<hash>.wasm, split_<page>.<hash>.wasm}`, `/favicon.ico` | the site's files, embedded in the binary: a folder named after the whole site's content (read the names from the page), `immutable` (the favicon: `no-cache`), brotli or gzip by `Accept-Encoding`, `ETag`/304 | `crate::site` |
//! | GET | `/api/info` | `{version, project_root, attune_home}` | `readside` |
//! | GET | `/api/session/token` | `{token}` | `readside` |
//! | POST | `/workflows/{name}/run` | start a run (JSON body `{path?, trigger?}` → 201; or an HTML form → 303 to the run page) | `runs` |
//! | GET | `/runs/{id}` | the run's metadata | `runs` |
//! | GET | `/runs/{id}/stream` | SSE: `line`, `recommendation`, `done` (+ `id:`; resume with `Last-Event-ID` or `?after=`; `?format=rich` batches lines with metadata) | `logs` |
//! | GET | `/runs/{id}/log?from=&limit=` | a window of the log, with streams and times | `logs` |
//! | GET | `/runs/{id}/log.txt` | the raw log, as a download | `logs` |
//! | GET | `/runs/{id}/search?q=&case=&regex=` | where a text occurs in the whole log | `logs` |
//! | GET | `/runs/{id}/report` | `{report, markdown}` | `runs` |
//! | POST | `/runs/{id}/cancel` | cancel a queued or running run | `runs` |
//! | GET | `/api/runs` | all runs, filtered (`workflow`, `status`, `scope`, `since`, `until`, `limit`) | `history` |
//! | GET | `/api/runs/{workflow}` | the reference's recent runs of one workflow | `history` |
//! | GET | `/api/runs/{workflow}/{run_id}` | one record with its lines | `history` |
//! | GET | `/api/workflows` | registry, scopes, recent runs | `readside` |
//! | GET | `/api/bulletin/active` | active bulletin entries | `readside` |
//! | GET | `/api/bulletin?day=` | a day of the bulletin (today, or an archived day) | `readside` |
//! | GET | `/api/telemetry?days=14` | the usage summary | `readside` |
//! | POST | `/api/telemetry/interaction` | count a dashboard interaction (`{"event", "target"?}` → 204; in memory only, allowed read-only) | `readside` |
//! | GET | `/api/telemetry/interactions` | the interaction counters since start | `readside` |
//! | GET | `/api/sessions?days=3&limit=20` | Claude Code sessions of the project | `readside` |
//! | GET | `/api/sessions/{id}` | one session, as redacted turns | `readside` |
//! | GET | `/api/health` | the Health page's checks | `readside` |
//! | GET | `/api/cost?refresh=1` | Anthropic spend: summary (or error), burn rate, projection, budget, spend alarm | `cost` |
//! | POST | `/cost/budget` | the Cost page's budget form (`monthly_usd`; blank clears) → 303 to `/cost` | `cost` |
//! | GET | `/api/specs` | every spec: phases, lifecycle, stage, next action (the reference's fields) | `specs` |
//! | GET | `/api/specs/completion-candidates` | "Ready to close?" candidates (`enabled: false` unless runs and candidates are on) | `specs` |
//! | GET | `/api/specs/{slug}` | one spec's phases and file contents | `specs` |
//! | PUT | `/api/specs/{slug}/{phase}/status` | the status flip (`{"status"}`) | `specs` |
//! | POST | `/api/specs/{slug}/completion-candidates/dismiss` | hide a candidate for 14 days (`{"snapshot_hash"}`) | `specs` |
//! | POST | `/specs/{slug}/{phase}/status`, `/specs/{slug}/dismiss` | the same two actions as plain HTML forms → 303 | `specs` |
//! | GET | `/api/pending-writes` | the journal of dashboard writes, each with whether its dashboard runs, the file still matches, it is committed, its age; a summary | `specs` |
//! | GET | `/api/help/` (also `/api/help`) | the help corpus: features with their kinds, totals | `help` |
//! | GET | `/api/help/search?q=&limit=20` | the reference's keyword search (`limit` 1–50) | `help` |
//! | GET | `/api/help/feature/{slug}`, `/api/help/template/{feature}/{kind}` | one feature, one template (slugs `[a-z][a-z0-9-]*`, else 400) | `help` |
//! | GET | `/api/help/gaps`, `/api/help/featured`, `/api/help/recent?limit=5` | incomplete sets and stale templates; featured topics; recently generated (`limit` 1–20) | `help` |
//!
//! Handlers translate only: the work is in the engine. Blocking engine
//! calls go through [`json_blocking`] (or [`off_thread`] when the answer is
//! not JSON). Errors are [`ApiError`]s — the mapping from engine errors is
//! `attune_ops_app::api::errors`, shared with the server functions — and
//! answer the reference's `{"detail": …}` shape, never carrying paths or
//! error chains.

mod cost;
mod curator;
mod help;
mod history;
mod login;
mod logs;
mod readside;
mod runs;
mod specs;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use attune_ops_app::api::ssr::off_thread;
use attune_ops_app::api::ApiError;

use crate::AppState;

pub use logs::{event_stream, resume_after};

/// `{"detail": <value>}` with a status. String details are usually an
/// [`ApiError`]; this is for the others too (the perimeter's error
/// objects, FastAPI's validation lists).
pub fn detail(status: StatusCode, msg: impl Into<Value>) -> Response {
    (status, Json(json!({ "detail": msg.into() }))).into_response()
}

/// Runs `f` — blocking engine work — on the blocking pool and answers its
/// value as JSON (200), or its error as `{"detail": …}` with the error's
/// status. A worker that panics answers 500.
pub async fn json_blocking<T: Serialize + Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Response {
    match off_thread(f).await.and_then(|r| r) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A 303 to `location` (the answer to a plain HTML form).
pub(crate) fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::login_get).post(login::login_post))
        .route("/api/info", get(readside::info))
        .route("/api/session/token", get(readside::session_token))
        .route("/workflows/{name}/run", post(runs::start))
        .route("/runs/{id}", get(runs::run_status))
        .route("/runs/{id}/stream", get(logs::run_stream))
        .route("/runs/{id}/log", get(logs::run_log))
        .route("/runs/{id}/log.txt", get(logs::run_log_txt))
        .route("/runs/{id}/search", get(logs::run_search))
        .route("/runs/{id}/report", get(runs::run_report))
        .route("/runs/{id}/cancel", post(runs::run_cancel))
        .route("/runs/{id}/diagnose", post(runs::run_diagnose))
        .route("/api/runs", get(history::all_runs))
        .route("/api/runs/{workflow}", get(history::workflow_runs))
        .route("/api/runs/{workflow}/{run_id}", get(history::workflow_run))
        .route("/api/workflows", get(readside::workflows))
        .route("/api/workflows/discovery-sweep/chips", get(readside::sweep_chips))
        .route("/api/workflows/discovery-sweep/results/{hash}", get(readside::sweep_result))
        .route("/api/bulletin/active", get(readside::bulletin_active))
        .route("/api/bulletin", get(readside::bulletin_day))
        .route("/api/telemetry", get(readside::telemetry))
        .route("/api/telemetry/interaction", post(readside::interaction))
        .route("/api/telemetry/interactions", get(readside::interactions))
        .route("/api/sessions", get(readside::sessions))
        .route("/api/sessions/{id}", get(readside::session))
        .route("/api/health", get(readside::health))
        .route("/api/cost", get(cost::cost))
        .route("/api/specs", get(specs::specs_list))
        .route("/api/specs/completion-candidates", get(specs::specs_candidates))
        .route("/api/specs/{slug}", get(specs::spec_get))
        .route("/api/specs/{slug}/{phase}/status", put(specs::spec_status))
        .route("/api/specs/{slug}/completion-candidates/dismiss", post(specs::spec_dismiss))
        .route("/specs/{slug}/{phase}/status", post(specs::spec_status_form))
        .route("/specs/{slug}/dismiss", post(specs::spec_dismiss_form))
        .route("/cost/budget", post(cost::cost_budget_form))
        .route("/api/pending-writes", get(specs::pending_writes))
        .route("/curator/dismiss", post(curator::dismiss))
        .route("/curator/answer", post(curator::answer))
        .route("/api/help/", get(help::index))
        .route("/api/help", get(help::index))
        .route("/api/help/search", get(help::search))
        .route("/api/help/feature/{slug}", get(help::feature))
        .route("/api/help/template/{feature}/{kind}", get(help::template))
        .route("/api/help/gaps", get(help::gaps))
        .route("/api/help/featured", get(help::featured))
        .route("/api/help/recent", get(help::recent))
}
