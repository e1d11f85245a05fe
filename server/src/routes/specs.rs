//! Specs: the listing and one spec (the reference's JSON), the status flip,
//! "Ready to close?" candidates and their dismissal — as JSON routes and as
//! plain HTML forms answering 303 with a flash message.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use attune_ops::specs::FlipError;
use attune_ops_app::api::{check_dismissal, check_spec_lookup};
use attune_ops_app::urlcode::{encode_component, form_field};

use super::{detail, json_blocking, off_thread, see_other, ApiError};
use crate::AppState;

/// FastAPI's answer to a body that is not a JSON object (the reference's
/// 422 shape).
fn not_an_object(input: Value) -> Response {
    detail(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!([{"type": "dict_type", "loc": ["body"], "msg": "Input should be a valid dictionary", "input": input}]),
    )
}

/// The JSON object of a body, or the 422 to answer.
pub(super) fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(other) => Err(Box::new(not_an_object(other))),
        Err(_) => Err(Box::new(detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!([{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error", "input": {}}]),
        ))),
    }
}

/// `GET /api/pending-writes` (git and file hashes: off the async threads).
pub(super) async fn pending_writes(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(s.ops.pending_writes())).await
}

/// `GET /api/specs`.
pub(super) async fn specs_list(State(s): State<AppState>) -> Response {
    json_blocking(move || Ok(s.ops.specs_listing_json())).await
}

/// `GET /api/specs/{slug}`.
pub(super) async fn spec_get(State(s): State<AppState>, Path(slug): Path<String>) -> Result<Response, ApiError> {
    check_spec_lookup(&slug)?;
    Ok(json_blocking(move || s.ops.spec_detail_json(&slug).ok_or_else(|| ApiError::spec_not_found(&slug))).await)
}

/// `PUT /api/specs/{slug}/{phase}/status` `{"status": …}`.
pub(super) async fn spec_status(State(s): State<AppState>, Path((slug, phase)): Path<(String, String)>, body: Bytes) -> Response {
    let obj = match json_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    // Slug and phase first, then the body's status (the reference's order).
    if !attune_ops::ids::is_spec_slug(&slug) {
        return ApiError::from(FlipError::InvalidSlug).into_response();
    }
    if !attune_ops::specs::PHASES.contains(&phase.as_str()) {
        return ApiError::from(FlipError::UnknownPhase(phase)).into_response();
    }
    let Some(status) = obj.get("status").and_then(Value::as_str).map(str::to_string) else {
        return ApiError::new(422, "body must include `status` (string)").into_response();
    };
    json_blocking(move || Ok(s.ops.set_spec_status(&slug, &phase, &status)?)).await
}

/// `GET /api/specs/completion-candidates`: the reference's fields.
pub(super) async fn specs_candidates(State(s): State<AppState>) -> Json<Value> {
    let d = s.ops.candidates(chrono::Utc::now()).await;
    let candidates: Vec<Value> = d.candidates.iter().map(attune_ops::specs::candidate_json).collect();
    Json(json!({"enabled": d.enabled, "candidates": candidates}))
}

/// `POST /api/specs/{slug}/completion-candidates/dismiss` `{"snapshot_hash"}`.
pub(super) async fn spec_dismiss(State(s): State<AppState>, Path(slug): Path<String>, body: Bytes) -> Response {
    let obj = match json_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let hash = match check_dismissal(&slug, obj.get("snapshot_hash").and_then(Value::as_str)) {
        Ok(h) => h.to_string(),
        Err(e) => return e.into_response(),
    };
    json_blocking(move || {
        s.ops.dismiss_candidate(&slug, &hash).map_err(|e| ApiError::dismiss_not_saved(&e, true))?;
        Ok(json!({"ok": true}))
    })
    .await
}

/// Where a spec form sends the browser back to: `back` when it is one of
/// our spec pages, else the listing.
fn spec_back(body: &[u8]) -> String {
    match form_field(body, "back") {
        Some(b) if (b == "/specs" || b.starts_with("/specs?") || b.starts_with("/specs/")) && !b.contains("//") && !b.contains('\\') => b,
        _ => "/specs".into(),
    }
}

/// `back` with `key=msg` added to its query (before any fragment).
fn with_flash(back: &str, key: &str, msg: &str) -> String {
    let (path, frag) = back.split_once('#').map(|(p, f)| (p.to_string(), format!("#{f}"))).unwrap_or((back.to_string(), String::new()));
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{key}={}{frag}", encode_component(msg))
}

/// `POST /specs/{slug}/{phase}/status` (form: `status`, `back`) → 303.
pub(super) async fn spec_status_form(State(s): State<AppState>, Path((slug, phase)): Path<(String, String)>, body: Bytes) -> Response {
    let back = spec_back(&body);
    let status = form_field(&body, "status").unwrap_or_default();
    let what = format!("{slug}/{phase}.md → {status}");
    match off_thread(move || s.ops.set_spec_status(&slug, &phase, &status)).await {
        Ok(Ok(_)) => see_other(&with_flash(&back, "flash", &format!("Set {what}"))),
        Ok(Err(e)) => see_other(&with_flash(&back, "error", &e.to_string())),
        Err(e) => e.into_response(),
    }
}

/// `POST /specs/{slug}/dismiss` (form: `snapshot_hash`) → 303.
pub(super) async fn spec_dismiss_form(State(s): State<AppState>, Path(slug): Path<String>, body: Bytes) -> Response {
    let back = spec_back(&body);
    let hash = form_field(&body, "snapshot_hash").unwrap_or_default();
    if check_dismissal(&slug, Some(&hash)).is_err() {
        return see_other(&with_flash(&back, "error", "invalid dismissal"));
    }
    let what = slug.clone();
    match off_thread(move || s.ops.dismiss_candidate(&slug, &hash)).await {
        Ok(Ok(())) => see_other(&with_flash(&back, "flash", &format!("Dismissed {what} for 14 days"))),
        Ok(Err(e)) => see_other(&with_flash(&back, "error", &ApiError::dismiss_not_saved(&e, false).detail)),
        Err(e) => e.into_response(),
    }
}
