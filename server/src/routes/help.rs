//! Help: the reference's read-only JSON over the help corpus
//! (`/api/help/…`). Slugs are checked before any file is touched (400);
//! `limit` must be an integer (422, FastAPI's shape) and is clamped.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use attune_ops::wire::is_help_slug;

use super::{detail, json_blocking, ApiError};
use crate::AppState;

/// `GET /api/help/` (and `/api/help`).
pub(super) async fn index(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(s.ops.help_index())).await
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    limit: Option<String>,
}

/// A query-string integer as FastAPI reads it, or its 422.
fn int_param(name: &str, raw: Option<&str>, default: i64) -> Result<i64, Box<Response>> {
    let Some(raw) = raw else { return Ok(default) };
    let t = raw.trim();
    // An integer past i64 is still an integer (the caller clamps it).
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && t.parse::<i64>().is_err() {
        return Ok(if t.starts_with('-') { i64::MIN } else { i64::MAX });
    }
    t.parse::<i64>().map_err(|_| {
        Box::new(detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!([{"type": "int_parsing", "loc": ["query", name], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": raw}]),
        ))
    })
}

/// `GET /api/help/search?q=&limit=` (`limit` 20 by default, 1–50).
pub(super) async fn search(State(s): State<AppState>, Query(q): Query<SearchQuery>) -> Response {
    let limit = match int_param("limit", q.limit.as_deref(), 20) {
        Ok(l) => l.clamp(1, 50) as u32,
        Err(r) => return *r,
    };
    json_blocking(move || Ok(s.ops.help_search(&q.q, limit))).await
}

/// `GET /api/help/feature/{slug}`.
pub(super) async fn feature(State(s): State<AppState>, Path(slug): Path<String>) -> Response {
    if !is_help_slug(&slug) {
        return ApiError::new(400, "invalid feature slug").into_response();
    }
    json_blocking(move || s.ops.help_feature(&slug).ok_or_else(|| ApiError::new(404, format!("feature not found: {slug}")))).await
}

/// `GET /api/help/template/{feature}/{kind}`.
pub(super) async fn template(State(s): State<AppState>, Path((feature, kind)): Path<(String, String)>) -> Response {
    if !is_help_slug(&feature) {
        return ApiError::new(400, "invalid feature slug").into_response();
    }
    if !is_help_slug(&kind) {
        return ApiError::new(400, "invalid kind slug").into_response();
    }
    json_blocking(move || {
        s.ops.help_template(&feature, &kind).ok_or_else(|| ApiError::new(404, format!("template not found: {feature}/{kind}")))
    })
    .await
}

/// `GET /api/help/gaps`.
pub(super) async fn gaps(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(s.ops.help_gaps())).await
}

/// `GET /api/help/featured`.
pub(super) async fn featured(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(json!({ "featured": s.ops.help_featured() }))).await
}

#[derive(Deserialize)]
pub(super) struct RecentQuery {
    limit: Option<String>,
}

/// `GET /api/help/recent?limit=` (5 by default, 1–20).
pub(super) async fn recent(State(s): State<AppState>, Query(q): Query<RecentQuery>) -> Response {
    let limit = match int_param("limit", q.limit.as_deref(), 5) {
        Ok(l) => l.clamp(1, 20) as u32,
        Err(r) => return *r,
    };
    json_blocking(move || Ok(json!({ "recent": s.ops.help_recent(limit) }))).await
}
