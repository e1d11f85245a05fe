//! A run's output: the SSE stream (`/runs/{id}/stream`, the reference's
//! frames or rich batches, resumable), windows of the log (`/log`), the raw
//! download (`/log.txt`) and search over the whole log (`/search`).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;

use attune_ops::logsearch;
use attune_ops::ops::RunHandle;
use attune_ops::pyfmt::{self, Dumps};
use attune_ops::runner::RunEvent;
use attune_ops::wire::{LogLine, LogPage};

use super::runs::find_run;
use super::{json_blocking, ApiError};
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct StreamQuery {
    after: Option<u64>,
    format: Option<String>,
}

/// `GET /runs/{id}/stream`.
pub(super) async fn run_stream(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let handle = find_run(&s, &id, &headers).await?;
    let after = resume_after(headers.get("last-event-id").map(|v| v.as_bytes()), q.after, handle.last_seq());
    let rich = q.format.as_deref() == Some("rich");
    let sse = Sse::new(event_stream(handle, after, rich, s.ops.stopped())).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)));
    let mut res = sse.into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, "no-cache".parse().expect("static header"));
    res.headers_mut().insert("x-accel-buffering", "no".parse().expect("static header"));
    Ok(res)
}

/// Where a stream resumes: after the `Last-Event-ID` header's id (a
/// decimal number, surrounding spaces allowed), else `?after=`, else from
/// the start. An id past the run's last event (a client's bad memory, a
/// hostile one) means "seen everything so far", not a place to count on
/// from: ids stay within the run's own sequence, so none can overflow.
pub fn resume_after(last_event_id: Option<&[u8]>, after: Option<u64>, last_seq: u64) -> u64 {
    let header = last_event_id.and_then(|v| std::str::from_utf8(v).ok()).and_then(|v| v.trim().parse::<u64>().ok());
    header.or(after).unwrap_or(0).min(last_seq)
}

/// Events of a run after `after`, then live ones, then `done`; the stream
/// ends after `done`. Viewers read from the run's log store, so a slow
/// viewer is never dropped: it reads more per wake-up.
///
/// When the dashboard shuts down its runs are cancelled, so a viewer gets
/// their last lines and `done` as usual. Should the engine report it has
/// stopped (`stopped` flips) while a run is somehow still not over, the
/// viewer gets what is left and a final `shutdown` event instead of a
/// stream that never ends (which would hold the server's exit).
pub fn event_stream(
    handle: RunHandle,
    after: u64,
    rich: bool,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    struct St {
        handle: RunHandle,
        cursor: u64,
        rx: Option<tokio::sync::watch::Receiver<attune_ops::runner::Progress>>,
        stopped: tokio::sync::watch::Receiver<bool>,
        stopping: bool,
        first: bool,
        done: bool,
    }
    let rx = match &handle {
        RunHandle::Live(r) => Some(r.subscribe()),
        RunHandle::Stored(_) => None,
    };
    let st = St { handle, cursor: after, rx, stopped, stopping: false, first: true, done: false };
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
                        // The lines; the recommendations after them can
                        // still be sent.
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
                if let Some(mut d) = st.handle.done_event() {
                    if !rich {
                        d.duration_seconds = None;
                    }
                    let v = serde_json::to_value(&d).unwrap_or_default();
                    let data = if rich { v.to_string() } else { pyfmt::dumps(&v, Dumps::DEFAULT) };
                    out.push(Event::default().event("done").id((st.cursor + 1).to_string()).data(data));
                }
                st.done = true;
                return Some((out, st));
            }
            if st.stopping {
                out.push(Event::default().event("shutdown").data(json!({"reason": "the dashboard is shutting down"}).to_string()));
                st.done = true;
                return Some((out, st));
            }
            if !out.is_empty() {
                return Some((out, st));
            }
            if let Some(rx) = st.rx.as_mut() {
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() {
                        // The run object is gone: treat as finished.
                        st.rx = None;
                    },
                    // An error means the engine itself is gone: stopped too.
                    _ = st.stopped.wait_for(|s| *s) => st.stopping = true,
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
pub(super) struct LogQuery {
    from: Option<u64>,
    limit: Option<usize>,
}

/// The answer when a run's log cannot be read (the reason is logged).
fn log_unreadable() -> ApiError {
    ApiError::new(500, "the run's log could not be read")
}

/// `GET /runs/{id}/log?from=1&limit=500` (limit ≤ 5000).
pub(super) async fn run_log(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LogQuery>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let h = find_run(&s, &id, &headers).await?;
    let from = q.from.unwrap_or(1).max(1);
    let limit = q.limit.unwrap_or(500).min(5000);
    Ok(json_blocking(move || {
        let finished = h.info().status.is_terminal();
        h.log().read(from, limit).map(|lines| LogPage { total: h.log().len(), lines, finished }).map_err(|e| {
            tracing::warn!(error = %e, run = %id, "ops.routes: cannot read run log");
            log_unreadable()
        })
    })
    .await)
}

/// `GET /runs/{id}/log.txt`: the raw log text, streamed.
pub(super) async fn run_log_txt(State(s): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, Response> {
    let h = find_run(&s, &id, &headers).await?;
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
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"run-{id}.log\"")),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    q: Option<String>,
    /// `1`: case-sensitive.
    case: Option<String>,
    /// `1`: `q` is a regular expression.
    regex: Option<String>,
}

/// `GET /runs/{id}/search?q=`: search the whole log (escape codes ignored).
pub(super) async fn run_search(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let h = find_run(&s, &id, &headers).await?;
    let query = logsearch::Query::new(&q.q.unwrap_or_default(), q.case.as_deref() == Some("1"), q.regex.as_deref() == Some("1"))
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok(json_blocking(move || Ok(logsearch::search(h.log(), &query)?)).await)
}
