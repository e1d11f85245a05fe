//! The Briefing's two actions, the reference's JSON routes
//! (`POST /curator/dismiss`, `POST /curator/answer`) — and, for a plain
//! HTML form (no JavaScript), the same paths answering 303 back to
//! `/curator` with a message.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use attune_ops::curator::{action_arg, ArgError};
use attune_ops_app::urlcode::{encode_component, form_field};

use super::{off_thread, see_other};
use crate::perimeter::is_urlencoded_form;
use crate::AppState;

/// The body's fields: a JSON object, or a form's fields as strings. `Err`
/// is the reference's 422 for anything else.
fn fields(headers: &HeaderMap, body: &[u8]) -> Result<(Map<String, Value>, bool), Box<Response>> {
    if is_urlencoded_form(headers) {
        let m = ["item_id", "choice"].iter().filter_map(|k| form_field(body, k).map(|v| (k.to_string(), Value::String(v)))).collect();
        return Ok((m, true));
    }
    super::specs::json_object(body).map(|o| (o, false))
}

fn refuse(form: bool, msg: &str) -> Response {
    if form {
        see_other(&format!("/curator?error={}", encode_component(msg)))
    } else {
        (StatusCode::BAD_REQUEST, Json(json!({"ok": false, "error": msg}))).into_response()
    }
}

fn arg(m: &Map<String, Value>, k: &str) -> Result<String, ArgError> {
    action_arg(m.get(k))
}

/// `POST /curator/dismiss` `{"item_id"}`: snoozed for 14 days.
pub(super) async fn dismiss(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (m, form) = match fields(&headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let item_id = match arg(&m, "item_id") {
        Ok(v) => v,
        Err(ArgError::Missing) => return refuse(form, "item_id required"),
        Err(ArgError::TooLong) => return refuse(form, "item_id too long"),
    };
    let id = item_id.clone();
    match off_thread(move || s.ops.curator_dismiss(&id)).await {
        Ok(Ok(_)) if form => see_other(&format!("/curator?flash={}", encode_component(&format!("Snoozed for 14 days: {item_id}")))),
        Ok(Ok(until)) => Json(json!({"ok": true, "item_id": item_id, "snoozed_until": until})).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "curator: dismissal not saved");
            if form {
                see_other(&format!("/curator?error={}", encode_component("write failed")))
            } else {
                (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"ok": false, "error": "write failed"}))).into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /curator/answer` `{"item_id", "choice"}`: journaled.
pub(super) async fn answer(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (m, form) = match fields(&headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let (item_id, choice) = match (arg(&m, "item_id"), arg(&m, "choice")) {
        (Ok(i), Ok(c)) => (i, c),
        (Err(ArgError::TooLong), _) | (_, Err(ArgError::TooLong)) => return refuse(form, "item_id or choice too long"),
        _ => return refuse(form, "item_id and choice required"),
    };
    let (i, c) = (item_id.clone(), choice.clone());
    match off_thread(move || s.ops.curator_answer(&i, &c)).await {
        Ok(()) if form => see_other(&format!("/curator?flash={}", encode_component(&format!("Answered {choice}: {item_id}")))),
        Ok(()) => Json(json!({"ok": true, "item_id": item_id, "choice": choice})).into_response(),
        Err(e) => e.into_response(),
    }
}
