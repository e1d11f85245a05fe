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
