//! One run: starting it (`POST /workflows/{name}/run`, JSON or an HTML
//! form), its metadata, its structured report, cancelling it; and
//! [`find_run`], which the log routes share.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use attune_ops::ops::{Diagnosed, RunHandle, StartError};
use attune_ops::wire::{RunInfo, StartRunRequest, TRIGGERS};
use attune_ops_app::api::check_run_id;
use attune_ops_app::urlcode::{encode_component, form_field};

use super::{off_thread, see_other, ApiError};
use crate::AppState;

/// The reference's body rules: empty = nothing; else a JSON object whose
/// `path` and `trigger` are strings (`""`/null = absent). Invalid UTF-8 is
/// a 400 (the reference answered 500, its Q12).
fn parse_json_body(body: &[u8]) -> Result<StartRunRequest, &'static str> {
    if body.is_empty() {
        return Ok(StartRunRequest::default());
    }
    let text = std::str::from_utf8(body).map_err(|_| "invalid JSON body")?;
    let v: Value = serde_json::from_str(text).map_err(|_| "invalid JSON body")?;
    let obj = v.as_object().ok_or("body must be a JSON object")?;
    let path = match obj.get("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.is_empty() => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => return Err("path must be a string"),
    };
    let trigger = match obj.get("trigger") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.is_empty() => None,
        Some(Value::String(t)) if TRIGGERS.contains(&t.as_str()) => Some(t.clone()),
        Some(_) => return Err("trigger must be 'manual', 'attune-rec', or 'attune-heal'"),
    };
    let source_run_id = obj.get("source_run_id").and_then(Value::as_str).map(str::to_string);
    Ok(StartRunRequest { path, trigger, source_run_id })
}

/// Fields of the Workflows page's form: `scope` (a feature path, `""` for
/// all code, or `__custom__` with `custom_path`), or `path` (re-run).
fn parse_form_body(body: &[u8]) -> StartRunRequest {
    let field = |n: &str| form_field(body, n).filter(|v| !v.trim().is_empty());
    let path = match field("scope").as_deref() {
        Some("__custom__") => field("custom_path").map(|p| p.trim().to_string()),
        Some(s) => Some(s.to_string()),
        None => field("path"),
    };
    let trigger = field("trigger").filter(|t| TRIGGERS.contains(&t.as_str()));
    StartRunRequest { path, trigger, source_run_id: field("source_run_id") }
}

/// Whether a request is an API call: it carries the token header, or asks
/// for JSON. It gets JSON answers whatever its body's encoding (Python's
/// urllib and `curl -d ''` send empty form-encoded bodies); only a plain
/// browser form post, whose token is a form field, gets redirects.
fn is_api_call(headers: &HeaderMap) -> bool {
    headers.contains_key(crate::perimeter::TOKEN_HEADER)
        || headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// `POST /workflows/{name}/run`.
pub(super) async fn start(State(s): State<AppState>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let form_body = crate::perimeter::is_urlencoded_form(&headers);
    // Redirects only for a browser's form; the body is read by its encoding.
    let form = form_body && !is_api_call(&headers);
    let form_error = |msg: String| see_other(&format!("/workflows?error={}#wf-{}", encode_component(&msg), encode_component(&name)));
    // Unknown workflow first (404, as JSON), then the body.
    // The registry may come from `attune workflow list` (seconds): off the
    // async threads, like every engine call that can touch disk or a child.
    let known = {
        let (ops, n) = (s.ops.clone(), name.clone());
        match off_thread(move || ops.has_workflow(&n)).await {
            Ok(k) => k,
            Err(e) => return e.into_response(),
        }
    };
    if !known {
        let e = ApiError::from(StartError::UnknownWorkflow(name.clone()));
        return if form { form_error(e.detail) } else { e.into_response() };
    }
    // `curl -d '{"path": …}'` labels its JSON as a form: read it as JSON.
    let json_in_form = body.trim_ascii_start().starts_with(b"{");
    let req = if form_body && !json_in_form {
        parse_form_body(&body)
    } else {
        match parse_json_body(&body) {
            Ok(r) => r,
            Err(m) => return ApiError::new(400, m).into_response(),
        }
    };
    let started = {
        let (ops, n) = (s.ops.clone(), name.clone());
        off_thread(move || ops.start_run(&n, &req)).await
    };
    let started = match started {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match started {
        Ok(run) if form => see_other(&format!("/runs/{}/view", run.id)),
        Ok(run) => (StatusCode::CREATED, Json(attune_ops_app::api::start_response(&run))).into_response(),
        Err(e) if form => form_error(e.to_string()),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// A run by id (memory, else disk), or the answer to give instead: 400 for
/// an invalid id; for an unknown one 404, or for a browser a 303 to the
/// styled run page.
pub(super) async fn find_run(s: &AppState, id: &str, headers: &HeaderMap) -> Result<RunHandle, Response> {
    check_run_id(id).map_err(IntoResponse::into_response)?;
    let ops = s.ops.clone();
    let id2 = id.to_string();
    match off_thread(move || ops.run(&id2)).await {
        Ok(Some(h)) => Ok(h),
        Ok(None) if wants_html(headers) => Err(see_other(&format!("/runs/{}/view", encode_component(id)))),
        Ok(None) => Err(ApiError::run_not_found().into_response()),
        Err(e) => Err(e.into_response()),
    }
}

/// `GET /runs/{id}`.
pub(super) async fn run_status(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Result<Json<RunInfo>, Response> {
    Ok(Json(find_run(&s, &id, &headers).await?.info()))
}

/// `GET /runs/{id}/report`: `{report, markdown}`.
pub(super) async fn run_report(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, Response> {
    let h = find_run(&s, &id, &headers).await?;
    Ok(match h.info().report {
        Some(report) => {
            let markdown = attune_ops::report::to_markdown(&report);
            Json(json!({"report": report, "markdown": markdown})).into_response()
        }
        None => ApiError::not_found("run has no structured report").into_response(),
    })
}

/// `POST /runs/{id}/cancel`: SIGTERM to the run's process group, SIGKILL
/// after the grace period; answers the final run.
/// `POST /runs/{id}/diagnose` (no body): 201 with the diagnosis run, 200
/// `{"existing": true, …}` when the run has a diagnosis already. A plain
/// form gets a 303 to the diagnosis run's page (or back, with the error).
pub(super) async fn run_diagnose(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let form = crate::perimeter::is_urlencoded_form(&headers) && !is_api_call(&headers);
    let back = format!("/runs/{}/view", encode_component(&id));
    let (ops, i) = (s.ops.clone(), id.clone());
    let asked = match off_thread(move || ops.diagnose(&i)).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    match asked {
        Ok(Diagnosed::Started(run)) if form => see_other(&format!("/runs/{}/view", run.id)),
        Ok(Diagnosed::Started(run)) => (
            StatusCode::CREATED,
            Json(json!({"run_id": run.id, "stream_url": format!("/runs/{}/stream", run.id), "status_url": format!("/runs/{}", run.id)})),
        )
            .into_response(),
        Ok(Diagnosed::Existing(_)) if form => see_other(&format!("{back}#diagnoses")),
        Ok(Diagnosed::Existing(d)) => Json(json!({"existing": true, "diagnosis_id": d, "source_run_id": id})).into_response(),
        Err(e) if form => see_other(&format!("{back}?error={}", encode_component(&e.to_string()))),
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub(super) async fn run_cancel(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<RunInfo>, ApiError> {
    check_run_id(&id)?;
    Ok(Json(s.ops.cancel_run(&id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_rules() {
        assert_eq!(parse_json_body(b"").unwrap(), StartRunRequest::default());
        assert_eq!(parse_json_body(b"{\"path\": \"\", \"trigger\": null, \"x\": 1}").unwrap(), StartRunRequest::default());
        assert_eq!(parse_json_body(b"{\"path\": \"src\"}").unwrap().path.as_deref(), Some("src"));
        assert_eq!(parse_json_body(b"nope"), Err("invalid JSON body"));
        assert_eq!(parse_json_body(&[0xff, 0xfe]), Err("invalid JSON body"));
        assert_eq!(parse_json_body(b"[1]"), Err("body must be a JSON object"));
        assert_eq!(parse_json_body(b"{\"path\": 3}"), Err("path must be a string"));
        assert_eq!(parse_json_body(b"{\"trigger\": \"cron\"}"), Err("trigger must be 'manual', 'attune-rec', or 'attune-heal'"));
    }

    #[test]
    fn form_body_rules() {
        let r = parse_form_body(b"attune_client=x&scope=__custom__&custom_path=+src%2Fauth+");
        assert_eq!(r.path.as_deref(), Some("src/auth"));
        assert_eq!(parse_form_body(b"scope=").path, None);
        assert_eq!(parse_form_body(b"scope=src").path.as_deref(), Some("src"));
        assert_eq!(parse_form_body(b"path=%2Fa%2Fb").path.as_deref(), Some("/a/b"));
    }
}
