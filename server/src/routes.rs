//! JSON and streaming routes (the reference's, and ours beside them).
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/api/info` | `{version, project_root, attune_home}` |
//! | GET | `/api/session/token` | `{token}` |
//! | POST | `/workflows/{name}/run` | start a run (JSON body `{path?, trigger?}` → 201; or an HTML form → 303 to the run page) |
//! | GET | `/runs/{id}` | the run's metadata |
//! | GET | `/runs/{id}/stream` | SSE: `line`, `recommendation`, `done` (+ `id:`; resume with `Last-Event-ID` or `?after=`; `?format=rich` batches lines with metadata) |
//! | GET | `/runs/{id}/log?from=&limit=` | a window of the log, with streams and times |
//! | GET | `/runs/{id}/log.txt` | the raw log, as a download |
//! | GET | `/runs/{id}/search?q=&case=&regex=` | where a text occurs in the whole log |
//! | GET | `/runs/{id}/report` | `{report, markdown}` |
//! | POST | `/runs/{id}/cancel` | cancel a queued or running run |
//! | GET | `/api/runs` | all runs, filtered (`workflow`, `status`, `scope`, `since`, `until`, `limit`) |
//! | GET | `/api/runs/{workflow}` | the reference's recent runs of one workflow |
//! | GET | `/api/runs/{workflow}/{run_id}` | one record with its lines |
//! | GET | `/api/workflows` | registry, scopes, recent runs |
//! | GET | `/api/bulletin/active` | active bulletin entries |
//! | GET | `/api/bulletin?day=` | a day of the bulletin (today, or an archived day) |
//! | GET | `/api/telemetry?days=14` | the usage summary |
//! | GET | `/api/sessions?days=3&limit=20` | Claude Code sessions of the project |
//! | GET | `/api/sessions/{id}` | one session, as redacted turns |
//! | GET | `/api/health` | the Health page's checks |
//! | GET | `/api/cost?refresh=1` | Anthropic spend: summary (or error), burn rate, projection, budget, spend alarm |
//! | GET | `/api/specs` | every spec: phases, lifecycle, stage, next action (the reference's fields) |
//! | GET | `/api/specs/completion-candidates` | "Ready to close?" candidates (`enabled: false` unless runs and candidates are on) |
//! | GET | `/api/specs/{slug}` | one spec's phases and file contents |
//! | PUT | `/api/specs/{slug}/{phase}/status` | the status flip (`{"status"}`) |
//! | POST | `/api/specs/{slug}/completion-candidates/dismiss` | hide a candidate for 14 days (`{"snapshot_hash"}`) |
//! | POST | `/specs/{slug}/{phase}/status`, `/specs/{slug}/dismiss` | the same two actions as plain HTML forms → 303 |
//! | POST | `/cost/budget` | the Cost page's budget form (`monthly_usd`; blank clears) → 303 to `/cost` |
//!
//! Handlers translate only: the work is in the engine. Errors have the
//! reference's `{"detail": …}` shape and never carry paths or error chains.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

use attune_ops::ids::{is_run_id, is_view_run_id, is_workflow_dir_name};
use attune_ops::ops::RunHandle;
use attune_ops::pyfmt::{self, Dumps};
use attune_ops::runner::RunEvent;
use attune_ops::wire::{LogLine, LogPage, LogSearch, RunsQuery, StartRunRequest, TokenResponse, TRIGGERS};

use crate::AppState;

/// `{"detail": <message>}` with a status.
pub fn detail(status: StatusCode, msg: impl Into<Value>) -> Response {
    (status, Json(json!({ "detail": msg.into() }))).into_response()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/info", get(info))
        .route("/api/session/token", get(session_token))
        .route("/workflows/{name}/run", post(start))
        .route("/runs/{id}", get(run_status))
        .route("/runs/{id}/stream", get(run_stream))
        .route("/runs/{id}/log", get(run_log))
        .route("/runs/{id}/log.txt", get(run_log_txt))
        .route("/runs/{id}/search", get(run_search))
        .route("/runs/{id}/report", get(run_report))
        .route("/runs/{id}/cancel", post(run_cancel))
        .route("/api/runs", get(all_runs))
        .route("/api/runs/{workflow}", get(workflow_runs))
        .route("/api/runs/{workflow}/{run_id}", get(workflow_run))
        .route("/api/workflows", get(workflows))
        .route("/api/bulletin/active", get(bulletin_active))
        .route("/api/bulletin", get(bulletin_day))
        .route("/api/telemetry", get(telemetry))
        .route("/api/sessions", get(sessions))
        .route("/api/sessions/{id}", get(session))
        .route("/api/health", get(health))
        .route("/api/cost", get(cost))
        .route("/api/specs", get(specs_list))
        .route("/api/specs/completion-candidates", get(specs_candidates))
        .route("/api/specs/{slug}", get(spec_get))
        .route("/api/specs/{slug}/{phase}/status", axum::routing::put(spec_status))
        .route("/api/specs/{slug}/completion-candidates/dismiss", post(spec_dismiss))
        .route("/specs/{slug}/{phase}/status", post(spec_status_form))
        .route("/specs/{slug}/dismiss", post(spec_dismiss_form))
        .route("/cost/budget", post(cost_budget_form))
}

/// Runs blocking engine work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "ops.routes: worker failed");
        detail(StatusCode::INTERNAL_SERVER_ERROR, "internal error (see the dashboard's log)")
    })
}

async fn info(State(s): State<AppState>) -> Json<attune_ops::wire::Info> {
    Json(s.ops.info())
}

async fn session_token(State(s): State<AppState>) -> Json<TokenResponse> {
    Json(TokenResponse { token: s.token.as_str().to_string() })
}

// ---------------------------------------------------------------------------
// Starting runs

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

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
    let field = |n: &str| crate::perimeter::form_urlencoded_field(body, n).filter(|v| !v.trim().is_empty());
    let path = match field("scope").as_deref() {
        Some("__custom__") => field("custom_path").map(|p| p.trim().to_string()),
        Some(s) => Some(s.to_string()),
        None => field("path"),
    };
    let trigger = field("trigger").filter(|t| TRIGGERS.contains(&t.as_str()));
    StartRunRequest { path, trigger, source_run_id: field("source_run_id") }
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

/// `POST /workflows/{name}/run`.
async fn start(State(s): State<AppState>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let form = is_form(&headers);
    let form_error = |msg: String| {
        let back = format!(
            "/workflows?error={}#wf-{}",
            attune_ops_app::client::encode_component(&msg),
            attune_ops_app::client::encode_component(&name)
        );
        see_other(&back)
    };
    // Unknown workflow first (404, as JSON), then the body.
    if s.ops.registry.get().get(&name).is_none() {
        let msg = format!("unknown workflow '{name}'");
        return if form { form_error(msg) } else { detail(StatusCode::NOT_FOUND, msg) };
    }
    let req = if form {
        parse_form_body(&body)
    } else {
        match parse_json_body(&body) {
            Ok(r) => r,
            Err(m) => return detail(StatusCode::BAD_REQUEST, m),
        }
    };
    match s.ops.start_run(&name, &req) {
        Ok(run) => {
            if form {
                see_other(&format!("/runs/{}/view", run.id))
            } else {
                (StatusCode::CREATED, Json(attune_ops_app::api::start_response(&run))).into_response()
            }
        }
        Err(e) => {
            if form {
                form_error(e.to_string())
            } else {
                detail(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// One run

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// A run by id (memory, else disk), or the 404 to answer.
async fn find_run(s: &AppState, id: &str, headers: &HeaderMap) -> Result<RunHandle, Response> {
    let not_found = || {
        if wants_html(headers) {
            // Browsers get the styled page.
            see_other(&format!("/runs/{}/view", attune_ops_app::client::encode_component(id)))
        } else {
            detail(StatusCode::NOT_FOUND, "run not found")
        }
    };
    if !is_view_run_id(id) {
        return Err(detail(StatusCode::BAD_REQUEST, "invalid run_id"));
    }
    let ops = s.ops.clone();
    let id2 = id.to_string();
    blocking(move || ops.run(&id2)).await?.ok_or_else(not_found)
}

/// `GET /runs/{id}`.
async fn run_status(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    match find_run(&s, &id, &headers).await {
        Ok(h) => Json(h.info()).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct StreamQuery {
    after: Option<u64>,
    format: Option<String>,
}

/// `GET /runs/{id}/stream`.
async fn run_stream(State(s): State<AppState>, Path(id): Path<String>, Query(q): Query<StreamQuery>, headers: HeaderMap) -> Response {
    let handle = match find_run(&s, &id, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let after =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()).or(q.after).unwrap_or(0);
    let rich = q.format.as_deref() == Some("rich");
    let sse = Sse::new(event_stream(handle, after, rich)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)));
    let mut res = sse.into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, "no-cache".parse().expect("static header"));
    res.headers_mut().insert("x-accel-buffering", "no".parse().expect("static header"));
    res
}

/// Events of a run after `after`, then live ones, then `done`; the stream
/// ends after `done`. Viewers read from the run's log store, so a slow
/// viewer is never dropped: it reads more per wake-up.
pub fn event_stream(handle: RunHandle, after: u64, rich: bool) -> impl Stream<Item = Result<Event, Infallible>> {
    struct St {
        handle: RunHandle,
        cursor: u64,
        rx: Option<tokio::sync::watch::Receiver<attune_ops::runner::Progress>>,
        first: bool,
        done: bool,
    }
    let rx = match &handle {
        RunHandle::Live(r) => Some(r.subscribe()),
        RunHandle::Stored(_) => None,
    };
    let st = St { handle, cursor: after, rx, first: true, done: false };
    stream::unfold(st, move |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            // Snapshot progress before reading, so "nothing new and
            // terminal" really means everything was delivered.
            let terminal = match st.rx.as_mut() {
                Some(rx) => rx.borrow_and_update().terminal,
                None => true,
            };
            let h = st.handle.clone();
            let cursor = st.cursor;
            let read = tokio::task::spawn_blocking(move || h.events_after(cursor, 1000)).await;
            let mut out: Vec<Event> = Vec::new();
            if std::mem::take(&mut st.first) {
                out.push(Event::default().retry(Duration::from_secs(3)).comment("attune-ops stream"));
            }
            match read {
                Ok(Ok(evs)) if !evs.is_empty() => {
                    st.cursor = evs.last().map(RunEvent::seq).unwrap_or(st.cursor);
                    out.extend(encode(evs, rich));
                    return Some((out, st));
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    // The log could not be read (deleted under us?). Say
                    // what was skipped instead of hiding it.
                    let now = match &st.handle {
                        RunHandle::Live(r) => r.progress().seq,
                        RunHandle::Stored(s) => s.log.len(),
                    };
                    tracing::warn!(error = %e, "ops.sse: cannot read run log");
                    out.push(
                        Event::default()
                            .event("gap")
                            .data(json!({"from": st.cursor + 1, "to": now, "reason": "the log could not be read"}).to_string()),
                    );
                    st.cursor = now;
                    return Some((out, st));
                }
                Err(e) => {
                    tracing::error!(error = %e, "ops.sse: reader failed");
                    st.done = true;
                    return Some((out, st));
                }
            }
            if terminal {
                if let Some(d) = st.handle.done_event() {
                    let v = serde_json::to_value(&d).unwrap_or_default();
                    let data = if rich { v.to_string() } else { pyfmt::dumps(&v, Dumps::DEFAULT) };
                    out.push(Event::default().event("done").id((st.cursor + 1).to_string()).data(data));
                }
                st.done = true;
                return Some((out, st));
            }
            if !out.is_empty() {
                return Some((out, st));
            }
            if let Some(rx) = st.rx.as_mut() {
                if rx.changed().await.is_err() {
                    // The run object is gone: treat as finished.
                    st.rx = None;
                }
            }
        }
    })
    .flat_map(|evs| stream::iter(evs.into_iter().map(Ok)))
}

/// SSE frames for events: the reference's (one `line` per line, data a
/// Python-JSON string) or rich (consecutive lines batched into one `lines`
/// event whose data is a JSON array of `{n, s, t, x}`).
fn encode(evs: Vec<RunEvent>, rich: bool) -> Vec<Event> {
    let mut out = Vec::new();
    let mut batch: Vec<LogLine> = Vec::new();
    let mut batch_seq = 0;
    let flush = |out: &mut Vec<Event>, batch: &mut Vec<LogLine>, seq: u64| {
        if !batch.is_empty() {
            let data = serde_json::to_string(&batch).unwrap_or_else(|_| "[]".into());
            out.push(Event::default().event("lines").id(seq.to_string()).data(data));
            batch.clear();
        }
    };
    for e in evs {
        match e {
            RunEvent::Line(seq, l) => {
                if rich {
                    batch.push(l);
                    batch_seq = seq;
                } else {
                    let mut data = String::with_capacity(l.x.len() + 2);
                    pyfmt::write_str(&mut data, &l.x, true);
                    out.push(Event::default().event("line").id(seq.to_string()).data(data));
                }
            }
            RunEvent::Rec(seq, r) => {
                flush(&mut out, &mut batch, batch_seq);
                let v = serde_json::to_value(&r).unwrap_or_default();
                let data = if rich { v.to_string() } else { pyfmt::dumps(&v, Dumps::DEFAULT) };
                out.push(Event::default().event("recommendation").id(seq.to_string()).data(data));
            }
        }
    }
    flush(&mut out, &mut batch, batch_seq);
    out
}

#[derive(Deserialize)]
struct LogQuery {
    from: Option<u64>,
    limit: Option<usize>,
}

/// `GET /runs/{id}/log?from=1&limit=500` (limit ≤ 5000).
async fn run_log(State(s): State<AppState>, Path(id): Path<String>, Query(q): Query<LogQuery>, headers: HeaderMap) -> Response {
    let h = match find_run(&s, &id, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let from = q.from.unwrap_or(1).max(1);
    let limit = q.limit.unwrap_or(500).min(5000);
    let res = blocking(move || {
        let finished = h.info().status.is_terminal();
        h.log().read(from, limit).map(|lines| LogPage { total: h.log().len(), lines, finished })
    })
    .await;
    match res {
        Ok(Ok(page)) => Json(page).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, run = %id, "ops.routes: cannot read run log");
            detail(StatusCode::INTERNAL_SERVER_ERROR, "the run's log could not be read")
        }
        Err(r) => r,
    }
}

/// `GET /runs/{id}/log.txt`: the raw log text, streamed.
async fn run_log_txt(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let h = match find_run(&s, &id, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let total = h.log().len();
        let mut from = 1;
        while from <= total {
            let chunk = match h.log().read(from, 4096) {
                Ok(c) if !c.is_empty() => c,
                Ok(_) => break,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            from += chunk.len() as u64;
            let mut buf = String::new();
            for l in chunk {
                buf.push_str(&l.x);
                buf.push('\n');
            }
            if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                return;
            }
        }
    });
    let body = Body::from_stream(stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }));
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"run-{id}.log\"")),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    /// `1`: case-sensitive.
    case: Option<String>,
    /// `1`: `q` is a regular expression.
    regex: Option<String>,
}

/// How many matching line numbers a search returns (the count is exact).
const SEARCH_CAP: usize = 10_000;

/// `GET /runs/{id}/search?q=`: search the whole log (escape codes ignored).
async fn run_search(State(s): State<AppState>, Path(id): Path<String>, Query(q): Query<SearchQuery>, headers: HeaderMap) -> Response {
    let h = match find_run(&s, &id, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let needle = q.q.unwrap_or_default();
    if needle.is_empty() {
        return detail(StatusCode::BAD_REQUEST, "q must not be empty");
    }
    if needle.len() > 1000 {
        return detail(StatusCode::BAD_REQUEST, "q is too long (1000 bytes at most)");
    }
    let case = q.case.as_deref() == Some("1");
    let re = if q.regex.as_deref() == Some("1") {
        match regex::RegexBuilder::new(&needle).case_insensitive(!case).size_limit(1 << 20).build() {
            Ok(r) => Some(r),
            Err(e) => return detail(StatusCode::BAD_REQUEST, format!("invalid regular expression: {e}")),
        }
    } else {
        None
    };
    let lower = needle.to_lowercase();
    let res = blocking(move || {
        let mut out = LogSearch { total: 0, lines: Vec::new(), capped: false };
        h.log().for_each(|l| {
            let text = if l.x.contains('\u{1b}') {
                std::borrow::Cow::Owned(attune_ops::ansi::strip(&l.x))
            } else {
                std::borrow::Cow::Borrowed(l.x.as_str())
            };
            let hit = match &re {
                Some(r) => r.is_match(&text),
                None if case => text.contains(needle.as_str()),
                None => text.to_lowercase().contains(&lower),
            };
            if hit {
                out.total += 1;
                if out.lines.len() < SEARCH_CAP {
                    out.lines.push(l.n);
                } else {
                    out.capped = true;
                }
            }
            true
        })?;
        Ok::<_, std::io::Error>(out)
    })
    .await;
    match res {
        Ok(Ok(r)) => Json(r).into_response(),
        Ok(Err(_)) => detail(StatusCode::INTERNAL_SERVER_ERROR, "the run's log could not be read"),
        Err(r) => r,
    }
}

/// `GET /runs/{id}/report`: `{report, markdown}`.
async fn run_report(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let h = match find_run(&s, &id, &headers).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    match h.info().report {
        Some(report) => {
            let markdown = attune_ops::report::to_markdown(&report);
            Json(json!({"report": report, "markdown": markdown})).into_response()
        }
        None => detail(StatusCode::NOT_FOUND, "run has no structured report"),
    }
}

/// `POST /runs/{id}/cancel`: SIGTERM to the run's process group, SIGKILL
/// after the grace period; answers the final run.
async fn run_cancel(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    if !is_view_run_id(&id) {
        return detail(StatusCode::BAD_REQUEST, "invalid run_id");
    }
    match s.ops.runner.cancel(&id).await {
        Ok(info) => Json(info).into_response(),
        Err(attune_ops::runner::RunnerError::NotFound) => detail(StatusCode::NOT_FOUND, "run not found (only live runs can be cancelled)"),
        Err(attune_ops::runner::RunnerError::AlreadyFinished) => detail(StatusCode::CONFLICT, "run already finished"),
        Err(attune_ops::runner::RunnerError::ShuttingDown) => detail(StatusCode::SERVICE_UNAVAILABLE, "the dashboard is shutting down"),
    }
}

// ---------------------------------------------------------------------------
// History

/// `GET /api/runs?workflow=&status=&scope=&since=&until=&limit=`.
async fn all_runs(State(s): State<AppState>, Query(q): Query<RunsQuery>) -> Response {
    let ops = s.ops.clone();
    match blocking(move || ops.runs_data(&q)).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/runs/{workflow}`.
async fn workflow_runs(State(s): State<AppState>, Path(workflow): Path<String>) -> Response {
    if !is_workflow_dir_name(&workflow) {
        return detail(StatusCode::BAD_REQUEST, "invalid workflow name");
    }
    let ops = s.ops.clone();
    let wf = workflow.clone();
    match blocking(move || ops.runs_of_workflow(&wf)).await {
        Ok(runs) => Json(json!({"workflow": workflow, "runs": runs})).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/runs/{workflow}/{run_id}`.
async fn workflow_run(State(s): State<AppState>, Path((workflow, run_id)): Path<(String, String)>) -> Response {
    if !is_workflow_dir_name(&workflow) {
        return detail(StatusCode::BAD_REQUEST, "invalid workflow name");
    }
    if !is_run_id(&run_id) {
        return detail(StatusCode::BAD_REQUEST, "invalid run id");
    }
    let ops = s.ops.clone();
    match blocking(move || ops.run_record(&workflow, &run_id)).await {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => detail(StatusCode::NOT_FOUND, "run not found"),
        Err(r) => r,
    }
}

/// `GET /api/workflows`.
async fn workflows(State(s): State<AppState>) -> Response {
    let ops = s.ops.clone();
    match blocking(move || ops.workflows_data()).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/bulletin/active`: never fails (unreadable files give no
/// entries).
async fn bulletin_active(State(s): State<AppState>) -> Response {
    let dir = s.ops.config.bulletin_dir();
    let entries = blocking(move || attune_ops::bulletin::read_active(&dir)).await.unwrap_or_default();
    Json(json!({ "entries": entries })).into_response()
}

#[derive(Deserialize)]
struct DayQuery {
    day: Option<String>,
}

/// `GET /api/bulletin?day=YYYY-MM-DD`: the runs of a day (today by default).
async fn bulletin_day(State(s): State<AppState>, Query(q): Query<DayQuery>) -> Response {
    let ops = s.ops.clone();
    match blocking(move || ops.bulletin_data(q.day.as_deref())).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct TelemetryQuery {
    days: Option<u32>,
}

/// `GET /api/telemetry?days=14` (1–3650).
async fn telemetry(State(s): State<AppState>, Query(q): Query<TelemetryQuery>) -> Response {
    let days = q.days.unwrap_or(14).clamp(1, 3650);
    let ops = s.ops.clone();
    match blocking(move || ops.telemetry_summary(days)).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct SessionsQuery {
    days: Option<f64>,
    limit: Option<usize>,
}

/// `GET /api/sessions?days=3&limit=20` (`limit=0`: all).
async fn sessions(State(s): State<AppState>, Query(q): Query<SessionsQuery>) -> Response {
    let days = q.days.filter(|d| d.is_finite() && *d > 0.0).unwrap_or(3.0).min(36_500.0);
    let limit = match q.limit {
        Some(0) => None,
        Some(n) => Some(n),
        None => Some(20),
    };
    let ops = s.ops.clone();
    match blocking(move || ops.sessions(days, limit)).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/sessions/{id}`.
async fn session(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    if !attune_ops::sessions::is_session_id(&id) {
        return detail(StatusCode::BAD_REQUEST, "invalid session id");
    }
    let ops = s.ops.clone();
    match blocking(move || ops.session(&id)).await {
        Ok(Some(d)) => Json(d).into_response(),
        Ok(None) => detail(StatusCode::NOT_FOUND, "session not found"),
        Err(r) => r,
    }
}

/// `GET /api/health`.
async fn health(State(s): State<AppState>) -> Response {
    let ops = s.ops.clone();
    match blocking(move || ops.health()).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct CostQuery {
    refresh: Option<String>,
}

/// `GET /api/cost?refresh=1`: always 200 — a failed fetch is data (`error`
/// with its kind and message, and the last good summary marked stale).
async fn cost(State(s): State<AppState>, Query(q): Query<CostQuery>) -> Response {
    let refresh = matches!(q.refresh.as_deref(), Some("1" | "true"));
    let r = s.ops.fetch_cost(refresh).await;
    let ops = s.ops.clone();
    match blocking(move || ops.cost_data_from(r)).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// `POST /cost/budget` (HTML form: `monthly_usd`, blank clears) → 303 to
/// `/cost`, or to `/cost?budget_error=…` with the reason.
async fn cost_budget_form(State(s): State<AppState>, body: Bytes) -> Response {
    let text = crate::perimeter::form_urlencoded_field(&body, "monthly_usd").unwrap_or_default();
    let v = match attune_ops::cost::parse_budget_text(&text) {
        Ok(v) => v,
        Err(m) => return see_other(&format!("/cost?budget_error={}#budget", attune_ops_app::client::encode_component(&m))),
    };
    let ops = s.ops.clone();
    match blocking(move || ops.set_budget(v)).await {
        Ok(Ok(())) => see_other("/cost#budget"),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "ops.routes: cannot save the budget");
            see_other("/cost?budget_error=could%20not%20save%20the%20setting%20(see%20the%20dashboard%27s%20log)#budget")
        }
        Err(r) => r,
    }
}

// ---------------------------------------------------------------------------
// Specs

/// FastAPI's answer to a body that is not a JSON object (the reference's
/// 422 shape).
fn not_an_object(input: Value) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"detail": [{"type": "dict_type", "loc": ["body"], "msg": "Input should be a valid dictionary", "input": input}]})),
    )
        .into_response()
}

/// The JSON object of a body, or the 422 to answer.
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(other) => Err(Box::new(not_an_object(other))),
        Err(_) => Err(Box::new(
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"detail": [{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error", "input": {}}]})),
            )
                .into_response(),
        )),
    }
}

/// `GET /api/specs`.
async fn specs_list(State(s): State<AppState>) -> Response {
    let ops = s.ops.clone();
    match blocking(move || {
        let (roots, specs) = attune_ops::specs::list_specs(&ops.config, chrono::Utc::now());
        attune_ops::specs::listing_json(&roots, &specs)
    })
    .await
    {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

/// `GET /api/specs/{slug}`.
async fn spec_get(State(s): State<AppState>, Path(slug): Path<String>) -> Response {
    if attune_ops::specs::is_traversal(&slug) {
        return detail(StatusCode::BAD_REQUEST, "invalid slug");
    }
    let ops = s.ops.clone();
    let slug2 = slug.clone();
    match blocking(move || {
        attune_ops::specs::spec_detail(&ops.config, &slug2, chrono::Utc::now()).map(|f| attune_ops::specs::detail_json(&f))
    })
    .await
    {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => detail(StatusCode::NOT_FOUND, format!("spec '{slug}' not found in any configured root")),
        Err(r) => r,
    }
}

/// `PUT /api/specs/{slug}/{phase}/status` `{"status": …}`.
async fn spec_status(State(s): State<AppState>, Path((slug, phase)): Path<(String, String)>, body: Bytes) -> Response {
    let obj = match json_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    // Slug and phase first, then the body's status (the reference's order).
    if !attune_ops::ids::is_spec_slug(&slug) {
        return detail(StatusCode::BAD_REQUEST, attune_ops::specs::FlipError::InvalidSlug.to_string());
    }
    if !attune_ops::specs::PHASES.contains(&phase.as_str()) {
        return detail(StatusCode::BAD_REQUEST, attune_ops::specs::FlipError::UnknownPhase(phase).to_string());
    }
    let Some(status) = obj.get("status").and_then(Value::as_str).map(str::to_string) else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "body must include `status` (string)");
    };
    let ops = s.ops.clone();
    match blocking(move || ops.set_spec_status(&slug, &phase, &status)).await {
        Ok(Ok(flip)) => Json(flip).into_response(),
        Ok(Err(e)) => detail(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.to_string()),
        Err(r) => r,
    }
}

/// `GET /api/specs/completion-candidates`: the reference's fields.
async fn specs_candidates(State(s): State<AppState>) -> Response {
    let d = s.ops.candidates(chrono::Utc::now()).await;
    let candidates: Vec<Value> = d
        .candidates
        .iter()
        .map(|c| json!({"slug": c.slug, "path": c.path, "current_status": c.current_status, "evidence": c.evidence, "snapshot_hash": c.snapshot_hash}))
        .collect();
    Json(json!({"enabled": d.enabled, "candidates": candidates})).into_response()
}

/// `POST /api/specs/{slug}/completion-candidates/dismiss` `{"snapshot_hash"}`.
async fn spec_dismiss(State(s): State<AppState>, Path(slug): Path<String>, body: Bytes) -> Response {
    let obj = match json_object(&body) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    if !attune_ops::ids::is_spec_slug(&slug) {
        return detail(StatusCode::BAD_REQUEST, attune_ops::specs::FlipError::InvalidSlug.to_string());
    }
    let Some(hash) =
        obj.get("snapshot_hash").and_then(Value::as_str).filter(|h| attune_ops::specs::dismiss::is_snapshot_hash(h)).map(str::to_string)
    else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "body must include `snapshot_hash` (64-char hex string)");
    };
    let ops = s.ops.clone();
    match blocking(move || ops.dismiss_candidate(&slug, &hash)).await {
        Ok(Ok(())) => Json(json!({"ok": true})).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "ops.routes: dismiss persist failed");
            detail(StatusCode::INTERNAL_SERVER_ERROR, format!("dismiss persist failed: {}", e.kind()))
        }
        Err(r) => r,
    }
}

/// Where a spec form sends the browser back to: `back` when it is one of
/// our spec pages, else the listing.
fn spec_back(body: &[u8]) -> String {
    match crate::perimeter::form_urlencoded_field(body, "back") {
        Some(b) if (b == "/specs" || b.starts_with("/specs?") || b.starts_with("/specs/")) && !b.contains("//") && !b.contains('\\') => b,
        _ => "/specs".into(),
    }
}

fn with_flash(back: &str, key: &str, msg: &str) -> String {
    let (path, frag) = back.split_once('#').map(|(p, f)| (p.to_string(), format!("#{f}"))).unwrap_or((back.to_string(), String::new()));
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{key}={}{frag}", attune_ops_app::client::encode_component(msg))
}

/// `POST /specs/{slug}/{phase}/status` (form: `status`, `back`) → 303.
async fn spec_status_form(State(s): State<AppState>, Path((slug, phase)): Path<(String, String)>, body: Bytes) -> Response {
    let back = spec_back(&body);
    let status = crate::perimeter::form_urlencoded_field(&body, "status").unwrap_or_default();
    let ops = s.ops.clone();
    let what = format!("{slug}/{phase}.md → {status}");
    match blocking(move || ops.set_spec_status(&slug, &phase, &status)).await {
        Ok(Ok(_)) => see_other(&with_flash(&back, "flash", &format!("Set {what}"))),
        Ok(Err(e)) => see_other(&with_flash(&back, "error", &e.to_string())),
        Err(r) => r,
    }
}

/// `POST /specs/{slug}/dismiss` (form: `snapshot_hash`) → 303.
async fn spec_dismiss_form(State(s): State<AppState>, Path(slug): Path<String>, body: Bytes) -> Response {
    let back = spec_back(&body);
    let hash = crate::perimeter::form_urlencoded_field(&body, "snapshot_hash").unwrap_or_default();
    if !attune_ops::ids::is_spec_slug(&slug) || !attune_ops::specs::dismiss::is_snapshot_hash(&hash) {
        return see_other(&with_flash(&back, "error", "invalid dismissal"));
    }
    let ops = s.ops.clone();
    let what = slug.clone();
    match blocking(move || ops.dismiss_candidate(&slug, &hash)).await {
        Ok(Ok(())) => see_other(&with_flash(&back, "flash", &format!("Dismissed {what} for 14 days"))),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "ops.routes: dismiss persist failed");
            see_other(&with_flash(&back, "error", "dismiss persist failed"))
        }
        Err(r) => r,
    }
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
