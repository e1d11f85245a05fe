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

use attune_ops::wire::{RunInfo, RunPageData, RunStatus};

use crate::api::{cancel_run, get_run_page, start_run, ApiError};
use crate::components::layout::ShellRefresh;
use crate::components::log_viewer::{LogModel, LogViewer};
use crate::components::page_data::PageData;
use crate::components::report::ReportPanel;
use crate::components::{ErrorBox, StatusChip};
use crate::fmt;

mod diagnosis;
#[cfg(feature = "hydrate")]
mod live;
mod recommendations;

use recommendations::Recommendations;

#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new(id, get_run_page);
    view! {
        <PageData resource=data loading="Loading the run…" error_page=|e: ApiError| view! { <Title text="Run not found" /> <h1>"Run"</h1> <ErrorBox error=e /> } let:d>
            <RunView data=d />
        </PageData>
    }
}

/// `?from=` badge values must look like workflow names.
fn valid_from(s: &str) -> bool {
    attune_ops::ids::is_workflow_dir_name(s)
}

#[component]
fn RunView(data: RunPageData) -> impl IntoView {
    let RunPageData {
        run,
        recommendations,
        tail,
        full_log,
        allow_run,
        workflow_names,
        recent,
        seq,
        project_root,
        diagnoses,
        diagnose_available,
    } = data;
    let diagnosed = RwSignal::new(diagnoses.last().map(|d| d.diagnosis_id.clone()));
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

    let bump_shell = move || {
        if let Some(s) = shell_refresh {
            s.bump();
        }
    };

    // Start a run from this page and open it: a re-run, or a workflow
    // chained from this run (recommendation cards, log pills, report chips).
    let start = move |launch: Launch| {
        let navigate = navigate.clone();
        busy.set(true);
        // After an await the page may be gone (the user went elsewhere, or
        // the navigation below replaced it): its signals are touched with
        // `try_*`, since touching a disposed one panics and stops the app.
        leptos::task::spawn_local(async move {
            match start_run(launch.workflow.clone(), launch.path.clone(), Some(launch.trigger.into()), launch.source_run.clone()).await {
                Ok(r) => {
                    let _ = busy.try_set(false);
                    bump_shell();
                    navigate(&launch.page(&r.run_id), Default::default());
                }
                Err(e) => {
                    let _ = notice.try_set(Some(format!("{}: {}", launch.failure, e.detail)));
                    let _ = busy.try_set(false);
                }
            }
        });
    };
    let chain = {
        let start = start.clone();
        move |name: String, path: Option<String>| start(Launch::chain(name, path, &info.get_untracked()))
    };
    let chain_cb = Callback::new({
        let chain = chain.clone();
        move |name: String| {
            crate::api::count_interaction("pill_click", name.clone());
            chain(name, None)
        }
    });
    let rerun = move |_| start(Launch::rerun(&info.get_untracked()));
    let cancel = move |_| {
        let id = info.get_untracked().id;
        busy.set(true);
        leptos::task::spawn_local(async move {
            match cancel_run(id).await {
                Ok(i) => {
                    let _ = info.try_set(i);
                }
                Err(e) => {
                    let _ = notice.try_set(Some(format!("Could not cancel: {}", e.detail)));
                }
            }
            bump_shell();
            let _ = busy.try_set(false);
        });
    };

    // Live: the event stream and a status poll, browser only.
    #[cfg(feature = "hydrate")]
    if !run.status.is_terminal() {
        live::LiveConnection::follow(live::LiveOptions { run_id: run_id.clone(), after: seq, info, recs, model, notice });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = seq;
    // When the run ends, refresh the top bar's running badge at once.
    Effect::new(move |prev: Option<bool>| {
        let done = info.get().status.is_terminal();
        if prev == Some(false) && done {
            bump_shell();
        }
        done
    });

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
                <diagnosis::DiagnoseButton info available=diagnose_available existing=diagnosed />
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
        <crate::components::Flash />
        <diagnosis::Diagnoses diagnoses />
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

/// A run the page starts, and the page it then opens.
struct Launch {
    workflow: String,
    path: Option<String>,
    trigger: &'static str,
    /// The run this one is chained from.
    source_run: Option<String>,
    /// That run's workflow, for the new page's "↩ from" badge (`?from=`).
    from: Option<String>,
    /// The notice's opening when the start fails.
    failure: String,
}

impl Launch {
    /// The same workflow on the same scope, started by hand.
    fn rerun(run: &RunInfo) -> Launch {
        Launch {
            workflow: run.workflow.clone(),
            path: run.path.clone(),
            trigger: "manual",
            source_run: None,
            from: None,
            failure: "Could not re-run".into(),
        }
    }

    /// Workflow `name` chained from `source` (trigger `attune-rec`), on
    /// `path` or else the source's scope.
    fn chain(name: String, path: Option<String>, source: &RunInfo) -> Launch {
        Launch {
            failure: format!("Could not start {name}"),
            workflow: name,
            path: path.or(source.path.clone()),
            trigger: "attune-rec",
            source_run: Some(source.id.clone()),
            from: Some(source.workflow.clone()),
        }
    }

    /// The started run's page.
    fn page(&self, run_id: &str) -> String {
        match &self.from {
            Some(from) => format!("/runs/{run_id}/view?from={from}"),
            None => format!("/runs/{run_id}/view"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> RunInfo {
        let mut r = RunInfo::new("0123456789ab", "code-review");
        r.path = Some("/p/src/shop/cart".into());
        r
    }

    #[test]
    fn rerun_repeats_the_run() {
        let l = Launch::rerun(&source());
        assert_eq!((l.workflow.as_str(), l.path.as_deref(), l.trigger), ("code-review", Some("/p/src/shop/cart"), "manual"));
        assert_eq!(l.source_run, None);
        assert_eq!(l.page("fedcba987654"), "/runs/fedcba987654/view");
        assert_eq!(l.failure, "Could not re-run");
    }

    #[test]
    fn chain_keeps_the_source() {
        let l = Launch::chain("test-audit".into(), None, &source());
        assert_eq!((l.workflow.as_str(), l.path.as_deref(), l.trigger), ("test-audit", Some("/p/src/shop/cart"), "attune-rec"));
        assert_eq!(l.source_run.as_deref(), Some("0123456789ab"));
        assert_eq!(l.page("fedcba987654"), "/runs/fedcba987654/view?from=code-review");
        assert_eq!(l.failure, "Could not start test-audit");
        // A recommendation's own scope wins.
        assert_eq!(Launch::chain("test-audit".into(), Some("/p/tests".into()), &source()).path.as_deref(), Some("/p/tests"));
    }
}
