//! Shared UI pieces.

pub mod charts;
pub mod cost;
pub mod layout;
pub mod log_viewer;
pub mod page_data;
pub mod report;

use leptos::prelude::*;

use attune_ops::wire::{BulletinEntry, RunInfo, RunStatus, Stage};

use crate::api::ApiError;
use crate::fmt;

/// A status chip: `completed`, `failed`, `running`…
#[component]
pub fn StatusChip(status: RunStatus, #[prop(optional)] interrupted: bool) -> impl IntoView {
    let label = if interrupted { "failed (interrupted)".to_string() } else { status.as_str().to_string() };
    view! { <span class=format!("chip chip-{}", status.as_str())>{label}</span> }
}

/// Stage-map chips: stage label + tier label, the reference's wording.
#[component]
pub fn StageChips(stages: Vec<Stage>) -> impl IntoView {
    if stages.is_empty() {
        return view! {
            <span class="muted" title="Meta-orchestration workflow — composes other workflows rather than declaring its own stages.">"—"</span>
        }
        .into_any();
    }
    stages
        .into_iter()
        .map(|s| {
            let label = attune_ops::wire::stage_label(&s.name);
            match s.tier {
                Some(t) => {
                    let tl = attune_ops::wire::tier_label(&t);
                    view! {
                        <span class=format!("chip chip-{}", t.to_lowercase()) title=attune_ops::wire::tier_tooltip(&t)
                            aria-label=format!("{label} stage, {tl} tier")>
                            {format!("{label} {tl}")}
                        </span>
                    }
                    .into_any()
                }
                None => view! { <span class="chip">{label}</span> }.into_any(),
            }
        })
        .collect_view()
        .into_any()
}

/// Tag pills.
#[component]
pub fn Tags(tags: Vec<String>) -> impl IntoView {
    tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()
}

/// An error panel for a failed load.
#[component]
pub fn ErrorBox(error: ApiError) -> impl IntoView {
    view! {
        <div class="error-box" role="alert">
            <strong>{format!("Error {}", error.status)}</strong>
            " "
            {error.detail}
        </div>
    }
}

/// The message a plain form's 303 left in the query (`?flash=` or
/// `?error=`).
#[component]
pub fn Flash() -> impl IntoView {
    let q = leptos_router::hooks::use_query_map();
    view! {
        {move || q.read().get("flash").map(|m| view! { <p class="notice flash-ok" role="status">{m}</p> })}
        {move || q.read().get("error").map(|m| view! { <p class="error-box" role="alert">{m}</p> })}
    }
}

/// Hidden form field with the client token, for plain HTML forms.
#[component]
pub fn TokenInput() -> impl IntoView {
    view! { <input type="hidden" name="attune_client" value=crate::client::token() /> }
}

/// A compact table of runs.
#[component]
pub fn RunsTable(runs: Vec<RunInfo>, root: String, #[prop(optional)] show_workflow: Option<bool>) -> impl IntoView {
    let show_wf = show_workflow.unwrap_or(true);
    if runs.is_empty() {
        return view! { <p class="empty">"No runs yet. Start one from " <a href="/workflows">"Workflows"</a> "."</p> }.into_any();
    }
    let rows = runs
        .into_iter()
        .map(|r| {
            let href = format!("/runs/{}/view", r.id);
            let dur = r.duration_seconds.map(fmt::duration).unwrap_or_else(|| "—".into());
            let started = r.started_at.clone().or(r.queued_at.clone()).map(|s| fmt::short_time(&s)).unwrap_or_else(|| "—".into());
            let full = r.path.clone().unwrap_or_default();
            let scope = r.path.as_deref().map(|p| attune_ops::wire::display_scope(p, &root)).unwrap_or_else(|| "all code".into());
            view! {
                <tr>
                    {show_wf.then(|| view! { <td><a href=href.clone()>{r.workflow.clone()}</a></td> })}
                    <td><a href=href.clone() class="mono">{r.id.chars().take(8).collect::<String>()}</a></td>
                    <td><StatusChip status=r.status interrupted=r.interrupted /></td>
                    <td class="num">{dur}</td>
                    <td>{started}</td>
                    <td class="scope-cell" title=full>{scope}</td>
                    <td class="num">{fmt::count(r.line_count)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table runs-table">
            <thead>
                <tr>
                    {show_wf.then(|| view! { <th>"Workflow"</th> })}
                    <th>"Run"</th><th>"Status"</th><th class="num">"Duration"</th><th>"Started (UTC)"</th><th>"Scope"</th><th class="num">"Lines"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The "Now running across actors" strip. Refreshes every 5 s in the
/// browser; hidden when nobody is running anything.
#[component]
pub fn BulletinStrip(initial: Vec<BulletinEntry>, #[prop(optional, into)] root: String) -> impl IntoView {
    let root = StoredValue::new(root);
    let entries = RwSignal::new(initial);
    Effect::new(move |_| {
        let h = set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(v) = crate::api::get_bulletin().await {
                        // The strip may be gone by the time the answer comes.
                        let _ = entries.try_set(v);
                    }
                })
            },
            std::time::Duration::from_secs(5),
        );
        if let Ok(h) = h {
            on_cleanup(move || h.clear());
        }
    });
    view! {
        <Show when=move || !entries.read().is_empty()>
            <section class="bulletin-strip" aria-label="Now running across actors">
                <span class="bulletin-title">"Now running across actors " <span class="count">{move || entries.read().len()}</span></span>
                {move || {
                    let now = fmt::now();
                    entries
                        .get()
                        .into_iter()
                        .map(|e| {
                            let hb = fmt::parse_time(&e.last_heartbeat);
                            let stale = hb.map(|t| (now - t).num_seconds() > 60).unwrap_or(true);
                            let age = hb.map(|t| fmt::ago(t, now)).unwrap_or_default();
                            let tip = format!(
                                "{} ({}) · started {} · heartbeat {} ({})",
                                e.actor_id, e.actor_kind, e.started_at, e.last_heartbeat, age
                            );
                            let text = match &e.scope {
                                Some(s) => format!("{} · {} — {}", e.actor_id, e.workflow, attune_ops::wire::display_scope(s, &root.get_value())),
                                None => format!("{} · {}", e.actor_id, e.workflow),
                            };
                            view! { <span class="bulletin-chip" class:muted=stale title=tip>{text}</span> }
                        })
                        .collect_view()
                }}
                <a href="/bulletin" class="bulletin-more">"Bulletin →"</a>
            </section>
        </Show>
    }
}
