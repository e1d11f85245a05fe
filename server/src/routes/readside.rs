//! The read side: process info and the client token, workflows, the
//! bulletin, telemetry, Claude Code sessions and the Health page's checks.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use attune_ops::wire::{Info, TokenResponse};
use attune_ops_app::api::check_session_id;

use super::{json_blocking, off_thread, ApiError};
use crate::AppState;

/// `GET /api/info`.
pub(super) async fn info(State(s): State<AppState>) -> Json<Info> {
    Json(s.ops.info())
}

/// `GET /api/session/token`.
pub(super) async fn session_token(State(s): State<AppState>) -> Json<TokenResponse> {
    Json(TokenResponse { token: s.token.as_str().to_string() })
}

/// `GET /api/workflows`.
pub(super) async fn workflows(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(s.ops.workflows_data())).await
}

#[derive(Deserialize)]
pub(super) struct ScopeQuery {
    #[serde(default)]
    scope: String,
}

/// `GET /api/workflows/discovery-sweep/chips?scope=`: always 200 (no result
/// yet is `has_result: false`).
pub(super) async fn sweep_chips(State(s): State<AppState>, Query(q): Query<ScopeQuery>) -> Response {
    json_blocking(move || Ok(s.ops.sweep_chips(&q.scope))).await
}

/// `GET /api/workflows/discovery-sweep/results/{hash}`: the stored result,
/// as it is.
pub(super) async fn sweep_result(State(s): State<AppState>, Path(hash): Path<String>) -> Response {
    json_blocking(move || {
        if !attune_ops::sweep::is_hash(&hash) {
            return Err(ApiError::new(400, "scope_hash must be 16 lowercase hex characters"));
        }
        s.ops.sweep_result(&hash).ok_or_else(|| ApiError::new(404, format!("no sweep result for scope {hash}")))
    })
    .await
}

/// `GET /api/bulletin/active`: never fails (unreadable files give no
/// entries).
pub(super) async fn bulletin_active(State(s): State<AppState>) -> Json<Value> {
    let entries = off_thread(move || s.ops.active_bulletin()).await.unwrap_or_default();
    Json(json!({ "entries": entries }))
}

#[derive(Deserialize)]
pub(super) struct DayQuery {
    day: Option<String>,
}

/// `GET /api/bulletin?day=YYYY-MM-DD`: the runs of a day (today by default).
pub(super) async fn bulletin_day(State(s): State<AppState>, Query(q): Query<DayQuery>) -> Response {
    json_blocking(move || Ok(s.ops.bulletin_data(q.day.as_deref()))).await
}

#[derive(Deserialize)]
pub(super) struct TelemetryQuery {
    days: Option<u32>,
}

/// `GET /api/telemetry?days=14` (1–3650).
pub(super) async fn telemetry(State(s): State<AppState>, Query(q): Query<TelemetryQuery>) -> Response {
    let days = q.days.unwrap_or(14).clamp(1, 3650);
    json_blocking(move || Ok(s.ops.telemetry_summary(days))).await
}

#[derive(Deserialize)]
pub(super) struct SessionsQuery {
    days: Option<f64>,
    limit: Option<usize>,
}

/// `GET /api/sessions?days=3&limit=20` (`limit=0`: all).
pub(super) async fn sessions(State(s): State<AppState>, Query(q): Query<SessionsQuery>) -> Response {
    let days = q.days.filter(|d| d.is_finite() && *d > 0.0).unwrap_or(3.0).min(36_500.0);
    let limit = match q.limit {
        Some(0) => None,
        Some(n) => Some(n),
        None => Some(20),
    };
    // The prompts as the pages show them: redacted.
    json_blocking(move || Ok(s.ops.sessions_redacted(days, limit))).await
}

/// `GET /api/sessions/{id}`.
pub(super) async fn session(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    check_session_id(&id)?;
    Ok(json_blocking(move || s.ops.session(&id).ok_or_else(ApiError::session_not_found)).await)
}

/// `GET /api/health`.
pub(super) async fn health(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(s.ops.health())).await
}

/// `POST /api/telemetry/interaction` `{"event", "target"?}`: counts a
/// dashboard interaction, 204. The body must be a JSON object (with a JSON
/// content type) whose `event` is a string of 1–64 characters and whose
/// `target`, if any, is a string of at most 256 or null; else 422.
/// Unknown events are accepted and ignored.
pub(super) async fn interaction(State(s): State<AppState>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let bad = |msg: &str| super::detail(StatusCode::UNPROCESSABLE_ENTITY, json!([{"type": "value_error", "loc": ["body"], "msg": msg}]));
    let json_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json_type {
        return bad("the body must be JSON (content-type: application/json)");
    }
    let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(&body) else { return bad("the body must be a JSON object") };
    let event = match o.get("event") {
        Some(Value::String(e)) if (1..=64).contains(&e.chars().count()) => e.clone(),
        _ => return bad("`event` must be a string of 1 to 64 characters"),
    };
    let target = match o.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.chars().count() <= 256 => Some(t.clone()),
        _ => return bad("`target` must be a string of at most 256 characters, or null"),
    };
    s.ops.record_interaction(&event, target.as_deref());
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /api/telemetry/interactions`: the counters since the dashboard
/// started.
pub(super) async fn interactions(State(s): State<AppState>) -> Json<Value> {
    Json(s.ops.interactions_json())
}
