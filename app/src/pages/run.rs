//! The run page: `/runs/{id}/view`.
//!
//! First paint comes from the server (status, recommendations, the last
//! lines of the log). In the browser the page then follows the run live
//! over `GET /runs/{id}/stream?format=rich&after=<seq>`, reconnecting by
//! itself after a network blip (resuming after the last event it saw, so
//! nothing is lost or repeated), and polls the run's status while it is
//! queued or running.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use attune_ops::wire::{Recommendation, RunPageData, RunStatus};

use crate::api::{cancel_run, get_run_page, start_run};
use crate::components::layout::ShellRefresh;
use crate::components::log_viewer::{LogModel, LogViewer};
use crate::components::report::ReportPanel;
use crate::components::{ErrorBox, StatusChip};
use crate::fmt;

#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new(id, get_run_page);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the run…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <RunView data=d /> }.into_any(),
                    Err(e) => {
                        crate::pages::set_status(e.status);
                        view! { <Title text="Run not found" /> <h1>"Run"</h1> <ErrorBox error=e /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `?from=` badge values must look like workflow names.
fn valid_from(s: &str) -> bool {
    attune_ops::ids::is_workflow_dir_name(s)
}

#[component]
fn RunView(data: RunPageData) -> impl IntoView {
    let RunPageData { run, recommendations, tail, full_log, allow_run, workflow_names, recent, seq, project_root } = data;
    let root = StoredValue::new(project_root);
    let show = move |p: &str| attune_ops::wire::display_scope(p, &root.get_value());
    let run_id = run.id.clone();
    let info = RwSignal::new(run.clone());
    let recs = RwSignal::new(recommendations);
    let model = LogModel::new(run_id.clone(), &tail);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let shell_refresh = use_context::<ShellRefresh>();
    let query = use_query_map();
    let from_param = move || query.read().get("from").filter(|f| valid_from(f));

    // Start a workflow chained from this run (recommendation cards, log
    // pills, report chips): trigger `attune-rec`, the source scope unless
    // the recommendation names one.
    let chain = {
        let navigate = navigate.clone();
        move |name: String, path: Option<String>| {
            let source = info.get_untracked();
            let path = path.or(source.path.clone());
            let navigate = navigate.clone();
            busy.set(true);
            leptos::task::spawn_local(async move {
                match start_run(name.clone(), path, Some("attune-rec".into()), Some(source.id.clone())).await {
                    Ok(r) => {
                        if let Some(s) = shell_refresh {
                            s.bump();
                        }
                        navigate(&format!("/runs/{}/view?from={}", r.run_id, source.workflow), Default::default());
                    }
                    Err(e) => notice.set(Some(format!("Could not start {name}: {}", e.detail))),
                }
                busy.set(false);
            });
        }
    };
    let chain_cb = Callback::new({
        let chain = chain.clone();
        move |name: String| chain(name, None)
    });

    let rerun = {
        let navigate = navigate.clone();
        move |_| {
            let r = info.get_untracked();
            let navigate = navigate.clone();
            busy.set(true);
            leptos::task::spawn_local(async move {
                match start_run(r.workflow.clone(), r.path.clone(), Some("manual".into()), None).await {
                    Ok(n) => {
                        if let Some(s) = shell_refresh {
                            s.bump();
                        }
                        navigate(&format!("/runs/{}/view", n.run_id), Default::default());
                    }
                    Err(e) => notice.set(Some(format!("Could not re-run: {}", e.detail))),
                }
                busy.set(false);
            });
        }
    };
    let cancel = move |_| {
        let id = info.get_untracked().id;
        busy.set(true);
        leptos::task::spawn_local(async move {
            match cancel_run(id).await {
                Ok(i) => info.set(i),
                Err(e) => notice.set(Some(format!("Could not cancel: {}", e.detail))),
            }
            if let Some(s) = shell_refresh {
                s.bump();
            }
            busy.set(false);
        });
    };

    // Live: the event stream and a status poll, browser only.
    #[cfg(feature = "hydrate")]
    live::follow(run_id.clone(), seq, run.status.is_terminal(), info, recs, model, notice);
    // When the run ends, refresh the top bar's running badge at once.
    Effect::new(move |prev: Option<bool>| {
        let done = info.get().status.is_terminal();
        if prev == Some(false) && done {
            if let Some(s) = shell_refresh {
                s.bump();
            }
        }
        done
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = seq;

    // Elapsed-time ticker while active.
    let now = RwSignal::new(fmt::now());
    Effect::new(move |_| {
        if let Ok(h) = set_interval_with_handle(move || now.set(fmt::now()), std::time::Duration::from_secs(1)) {
            on_cleanup(move || h.clear());
        }
    });
    let elapsed = move || {
        let i = info.get();
        match (i.status, i.started_at.as_deref().and_then(fmt::parse_time)) {
            (RunStatus::Running, Some(t)) => Some(format!("running {}", fmt::duration((now.get() - t).num_milliseconds() as f64 / 1000.0))),
            (RunStatus::Pending, _) => Some(match i.queue_position {
                Some(p) => format!("queued: #{p} in line"),
                None => "queued".into(),
            }),
            _ => i.duration_seconds.map(|d| format!("took {}", fmt::duration(d))),
        }
    };
    let status_view = move || {
        let i = info.get();
        let label = match (i.status, i.exit_code, &i.sdk_error_kind) {
            (RunStatus::Completed, _, Some(k)) => Some(format!("completed with errors ({k})")),
            _ => None,
        };
        view! {
            <StatusChip status=i.status interrupted=i.interrupted />
            {label.map(|l| view! { <span class="chip chip-warn">{l}</span> })}
            {i.exit_code.map(|c| view! { <span class="meta-item">"exit code " <code>{c}</code></span> })}
        }
    };

    let title = format!("{} — run {}", run.workflow, run.id.chars().take(8).collect::<String>());
    let workflow = run.workflow.clone();
    let active = move || !info.get().status.is_terminal();

    view! {
        <Title text=title />
        <nav class="crumbs"><a href="/runs">"← Runs"</a> " · " <a href="/workflows">"Workflows"</a></nav>
        <header class="run-head">
            <h1>{workflow.clone()} <span class="run-id mono">{format!("run {}", run.id)}</span></h1>
            <div class="run-meta">
                {status_view}
                <span class="meta-item ticker" aria-live="polite">{elapsed}</span>
                {move || info.get().started_at.map(|s| view! { <span class="meta-item" title=s.clone()>"started " {fmt::short_time(&s)} " UTC"</span> })}
                {move || {
                    let p = info.get().path;
                    let full = p.clone().unwrap_or_default();
                    view! { <span class="meta-item" title=full>"scope " <code>{p.map(|p| show(&p)).unwrap_or_else(|| "all code".into())}</code></span> }
                }}
                {move || info.get().trigger.map(|t| view! { <span class="meta-item">"trigger " {t}</span> })}
                {move || {
                    let i = info.get();
                    let from = i.source_workflow.clone().or_else(from_param);
                    from.map(|f| match i.source_run_id.clone() {
                        Some(src) => view! { <a class="badge-from" href=format!("/runs/{src}/view")>{format!("↩ from {f}")}</a> }.into_any(),
                        None => view! { <span class="badge-from">{format!("↩ from {f}")}</span> }.into_any(),
                    })
                }}
                {move || info.get().stderr_lines.map(|n| view! { <span class="meta-item">{format!("{n} stderr lines")}</span> })}
            </div>
            <div class="run-actions">
                {allow_run.then(|| view! {
                    <Show when=active fallback=move || view! {
                        <button class="btn" on:click=rerun.clone() disabled=move || busy.get() title="Run the same workflow on the same scope">"Re-run"</button>
                    }>
                        <button class="btn btn-danger" on:click=cancel disabled=move || busy.get() title="SIGTERM to the run's process group, SIGKILL after a grace period">"Cancel"</button>
                    </Show>
                })}
            </div>
        </header>
        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        {move || info.get().sdk_stderr.map(|e| {
            let kind = info.get().sdk_error_kind.unwrap_or_else(|| "error".into());
            view! { <details class="panel"><summary>{format!("Raw stderr from claude CLI ({kind})")}</summary><pre class="json">{e}</pre></details> }
        })}
        {move || {
            let r = recs.get();
            (!r.is_empty()).then(|| {
                let chain = chain.clone();
                view! { <Recommendations recs=r allow_run chain show /> }
            })
        }}
        {move || info.get().report.map(|rep| view! { <ReportPanel report=rep on_chain=chain_cb allow_run /> })}
        <section class="panel log-panel">
            <h2 class="sr-only">"Process log"</h2>
            <LogViewer model initial=tail full_log workflow_names on_pill=chain_cb />
        </section>
        {(!recent.is_empty()).then(|| view! {
            <section class="panel">
                <h2>"Other runs of " {run.workflow.clone()}</h2>
                <crate::components::RunsTable runs=recent root=root.get_value() show_workflow=false />
            </section>
        })}
    }
}

#[component]
fn Recommendations<F, S>(recs: Vec<Recommendation>, allow_run: bool, chain: F, show: S) -> impl IntoView
where
    F: Fn(String, Option<String>) + Clone + Send + Sync + 'static,
    S: Fn(&str) -> String + Clone + Send + Sync + 'static,
{
    view! {
        <section class="recs" aria-label="Recommendations">
            {recs.into_iter().map(|r| {
                let sev = r.severity.clone().unwrap_or_default();
                let action = match (r.kind.as_str(), r.name.clone(), r.url.clone()) {
                    ("next-workflow", Some(name), _) => {
                        let label = r.label.clone().unwrap_or_else(|| format!("Run {name}"));
                        let path = r.args.as_ref().map(|a| a.path.clone());
                        let chain = chain.clone();
                        let n2 = name.clone();
                        let p2 = path.clone();
                        view! {
                            <div class="rec-text"><strong>{label}</strong>
                                <span class="muted">{format!(" → {name}")}{path.map(|p| format!(" on {}", show(&p)))}</span></div>
                            {allow_run.then(|| view! { <button class="btn btn-primary" on:click=move |_| chain(n2.clone(), p2.clone())>"Run"</button> })}
                        }.into_any()
                    }
                    (_, _, Some(url)) => {
                        let label = r.label.clone().unwrap_or_else(|| "Open link".into());
                        view! {
                            <div class="rec-text"><strong>{label}</strong> <span class="muted">{format!(" {url}")}</span></div>
                            <a class="btn" href=url target="_blank" rel="noopener noreferrer">"Open"</a>
                        }.into_any()
                    }
                    _ => ().into_any(),
                };
                view! { <div class="rec-card" data-severity=sev>{action}</div> }
            }).collect_view()}
        </section>
    }
}

/// The live part of the run page (browser only).
#[cfg(feature = "hydrate")]
mod live {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use attune_ops::wire::{DoneEvent, LogLine, Recommendation, RunInfo};

    use crate::components::log_viewer::LogModel;

    struct Conn {
        es: web_sys::EventSource,
        _handlers: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    }

    impl Drop for Conn {
        fn drop(&mut self) {
            self.es.close();
        }
    }

    /// Opens the stream (and keeps it open), feeding the model.
    pub fn follow(
        run_id: String,
        seq: u64,
        terminal: bool,
        info: RwSignal<RunInfo>,
        recs: RwSignal<Vec<Recommendation>>,
        model: LogModel,
        notice: RwSignal<Option<String>>,
    ) {
        if terminal {
            return;
        }
        let last_seq = Rc::new(RefCell::new(seq));
        let conn: Rc<RefCell<Option<Conn>>> = Rc::new(RefCell::new(None));
        let done = Rc::new(RefCell::new(false));
        let alive = Rc::new(RefCell::new(true));
        connect(run_id.clone(), last_seq.clone(), conn.clone(), done.clone(), alive.clone(), info, recs, model, notice);
        // Status poll: queue position and pending → running.
        let poll_id = run_id.clone();
        let handle = set_interval_with_handle(
            move || {
                if info.get_untracked().status.is_terminal() {
                    return;
                }
                let url = format!("/runs/{poll_id}");
                leptos::task::spawn_local(async move {
                    if let Ok(i) = crate::client::get_json::<RunInfo>(&url).await {
                        if !info.get_untracked().status.is_terminal() {
                            info.set(i);
                        }
                    }
                });
            },
            std::time::Duration::from_millis(1500),
        );
        let conn = send_wrapper::SendWrapper::new(conn);
        let alive = send_wrapper::SendWrapper::new(alive);
        on_cleanup(move || {
            *alive.borrow_mut() = false;
            conn.borrow_mut().take();
            if let Ok(h) = handle {
                h.clear();
            }
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn connect(
        run_id: String,
        last_seq: Rc<RefCell<u64>>,
        conn: Rc<RefCell<Option<Conn>>>,
        done: Rc<RefCell<bool>>,
        alive: Rc<RefCell<bool>>,
        info: RwSignal<RunInfo>,
        recs: RwSignal<Vec<Recommendation>>,
        model: LogModel,
        notice: RwSignal<Option<String>>,
    ) {
        let url = format!("/runs/{run_id}/stream?format=rich&after={}", last_seq.borrow());
        let Ok(es) = web_sys::EventSource::new(&url) else { return };
        let mut handlers = Vec::new();
        let note_id = {
            let last_seq = last_seq.clone();
            move |ev: &web_sys::MessageEvent| {
                if let Ok(n) = ev.last_event_id().parse::<u64>() {
                    let mut l = last_seq.borrow_mut();
                    if n > *l {
                        *l = n;
                    }
                }
            }
        };
        // Batches of lines, applied once per animation frame.
        let pending: Rc<RefCell<Vec<LogLine>>> = Rc::new(RefCell::new(Vec::new()));
        {
            let note_id = note_id.clone();
            let pending = pending.clone();
            let h = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                note_id(&ev);
                notice.set(None);
                let Some(text) = ev.data().as_string() else { return };
                let Ok(lines) = serde_json::from_str::<Vec<LogLine>>(&text) else { return };
                let first = pending.borrow().is_empty();
                pending.borrow_mut().extend(lines);
                if first {
                    let pending = pending.clone();
                    request_animation_frame(move || {
                        let batch = std::mem::take(&mut *pending.borrow_mut());
                        model.push(batch);
                    });
                }
            });
            let _ = es.add_event_listener_with_callback("lines", h.as_ref().unchecked_ref());
            handlers.push(h);
        }
        {
            let note_id = note_id.clone();
            let h = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                note_id(&ev);
                if let Some(r) = ev.data().as_string().and_then(|t| serde_json::from_str::<Recommendation>(&t).ok()) {
                    recs.update(|v| {
                        if !v.contains(&r) {
                            v.push(r)
                        }
                    });
                }
            });
            let _ = es.add_event_listener_with_callback("recommendation", h.as_ref().unchecked_ref());
            handlers.push(h);
        }
        {
            let h = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    notice.set(Some(format!("Part of the log could not be streamed ({text}); it is still in the downloaded log.")));
                }
            });
            let _ = es.add_event_listener_with_callback("gap", h.as_ref().unchecked_ref());
            handlers.push(h);
        }
        {
            let done = done.clone();
            let conn2 = conn.clone();
            let run_id = run_id.clone();
            let h = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                *done.borrow_mut() = true;
                // Close before the browser reconnects and replays.
                conn2.borrow_mut().take();
                if let Some(d) = ev.data().as_string().and_then(|t| serde_json::from_str::<DoneEvent>(&t).ok()) {
                    info.update(|i| {
                        i.status = d.status;
                        i.exit_code = Some(d.exit_code);
                        i.sdk_error_kind = d.sdk_error_kind.clone();
                        i.sdk_stderr = d.sdk_stderr.clone();
                    });
                }
                model.finished.set(true);
                let url = format!("/runs/{run_id}");
                leptos::task::spawn_local(async move {
                    if let Ok(i) = crate::client::get_json::<RunInfo>(&url).await {
                        info.set(i);
                    }
                });
            });
            let _ = es.add_event_listener_with_callback("done", h.as_ref().unchecked_ref());
            handlers.push(h);
        }
        {
            // The browser retries by itself (sending Last-Event-ID). When it
            // gives up (CLOSED), reconnect after a pause with ?after=.
            let conn2 = conn.clone();
            let h = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_ev: web_sys::MessageEvent| {
                if *done.borrow() || !*alive.borrow() {
                    return;
                }
                notice.set(Some("Connection to the dashboard lost — reconnecting…".into()));
                let closed = conn2.borrow().as_ref().map(|c| c.es.ready_state() == web_sys::EventSource::CLOSED).unwrap_or(true);
                if closed {
                    conn2.borrow_mut().take();
                    let (run_id, last_seq, conn3, done, alive) =
                        (run_id.clone(), last_seq.clone(), conn2.clone(), done.clone(), alive.clone());
                    set_timeout(
                        move || {
                            if *alive.borrow() && !*done.borrow() {
                                connect(run_id, last_seq, conn3, done, alive, info, recs, model, notice);
                            }
                        },
                        std::time::Duration::from_secs(2),
                    );
                }
            });
            es.set_onerror(Some(h.as_ref().unchecked_ref()));
            handlers.push(h);
        }
        *conn.borrow_mut() = Some(Conn { es, _handlers: handlers });
    }
}
