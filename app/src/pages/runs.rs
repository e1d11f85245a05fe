//! The Runs page: every run, live and persisted, with filters (kept in the
//! URL, so a plain GET form works without JavaScript), per-workflow
//! duration statistics and re-run.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::{RunStatus, RunsData, RunsQuery};

use crate::api::get_runs;
use crate::components::page_data::PageData;
use crate::components::{StatusChip, TokenInput};
use crate::fmt;

#[component]
pub fn RunsPage() -> impl IntoView {
    let q = use_query_map();
    let query = move || {
        let m = q.read();
        let get = |k: &str| m.get(k).filter(|v| !v.is_empty());
        RunsQuery {
            workflow: get("workflow"),
            status: get("status"),
            scope: get("scope"),
            since: get("since"),
            until: get("until"),
            limit: get("limit").and_then(|l| l.parse().ok()),
        }
    };
    let data = Resource::new(query, get_runs);
    view! {
        <Title text="Runs" />
        <h1>"Runs"</h1>
        <PageData resource=data loading="Loading runs…" let:d>
            <RunsView data=d query=query() />
        </PageData>
    }
}

#[component]
fn RunsView(data: RunsData, query: RunsQuery) -> impl IntoView {
    let RunsData { runs, matched, stats, workflows, skipped_files, allow_run, project_root } = data;
    let sel = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let shown = runs.len();
    view! {
        <form class="filters" method="get" action="/runs">
            <label>"Workflow "
                <select name="workflow">
                    <option value="">"any"</option>
                    {workflows.iter().map(|w| view! { <option value=w.clone() selected=sel(&query.workflow, w)>{w.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Status "
                <select name="status">
                    <option value="">"any"</option>
                    {RunStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=sel(&query.status, s.as_str())>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Scope contains " <input name="scope" value=query.scope.clone().unwrap_or_default() placeholder="src/auth, or - for none" /></label>
            <label>"From " <input type="date" name="since" value=query.since.clone().unwrap_or_default() /></label>
            <label>"To " <input type="date" name="until" value=query.until.clone().unwrap_or_default() /></label>
            <button class="btn" type="submit">"Filter"</button>
            <a class="btn btn-link" href="/runs">"Clear"</a>
        </form>
        {(skipped_files > 0).then(|| view! { <p class="notice">{format!("{skipped_files} run record(s) could not be read and are not shown (details in the dashboard's log).")}</p> })}
        <section class="panel">
            <h2>"Durations by workflow"</h2>
            {if stats.is_empty() { view! { <p class="empty">"No runs match."</p> }.into_any() } else { view! {
                <table class="table stats">
                    <thead><tr><th>"Workflow"</th><th class="num">"Runs"</th><th class="num">"Completed"</th><th class="num">"Failed"</th><th class="num">"Cancelled"</th><th class="num">"Median"</th><th class="num">"p90"</th></tr></thead>
                    <tbody>
                        {stats.into_iter().map(|s| view! {
                            <tr>
                                <td><a href=format!("/runs?workflow={}", s.workflow)>{s.workflow.clone()}</a></td>
                                <td class="num">{s.runs}</td><td class="num">{s.completed}</td><td class="num">{s.failed}</td><td class="num">{s.cancelled}</td>
                                <td class="num">{s.median_seconds.map(fmt::duration).unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{s.p90_seconds.map(fmt::duration).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any() }}
        </section>
        <section class="panel">
            <h2>{format!("{} run(s)", matched)}{(shown < matched as usize).then(|| format!(" — showing the newest {shown}"))}</h2>
            {if runs.is_empty() { view! { <p class="empty">"No runs match these filters."</p> }.into_any() } else { view! {
                <table class="table runs-table">
                    <thead><tr><th>"Workflow"</th><th>"Run"</th><th>"Status"</th><th class="num">"Duration"</th><th>"Started (UTC)"</th><th>"Scope"</th><th>"Trigger"</th>{allow_run.then(|| view! { <th></th> })}</tr></thead>
                    <tbody>
                        {runs.into_iter().map(|r| {
                            let href = format!("/runs/{}/view", r.id);
                            let full = r.path.clone().unwrap_or_default();
                            let scope = r.path.as_deref().map(|p| attune_ops::wire::display_scope(p, &project_root)).unwrap_or_else(|| "all code".into());
                            view! {
                                <tr>
                                    <td><a href=href.clone()>{r.workflow.clone()}</a></td>
                                    <td><a class="mono" href=href>{r.id.chars().take(8).collect::<String>()}</a></td>
                                    <td>
                                        <StatusChip status=r.status interrupted=r.interrupted />
                                        {r.queue_position.map(|p| view! { <span class="muted">{format!(" #{p} in queue")}</span> })}
                                    </td>
                                    <td class="num">{r.duration_seconds.map(fmt::duration).unwrap_or_else(|| "—".into())}</td>
                                    <td>{r.started_at.clone().or(r.queued_at.clone()).map(|s| fmt::short_time(&s)).unwrap_or_else(|| "—".into())}</td>
                                    <td class="scope-cell" title=full>{scope}</td>
                                    <td>{r.trigger.clone().unwrap_or_else(|| "—".into())}{r.source_workflow.clone().map(|s| format!(" ↩ {s}"))}</td>
                                    {allow_run.then(|| view! {
                                        <td>
                                            <form method="post" action=format!("/workflows/{}/run", r.workflow)>
                                                <TokenInput />
                                                {r.path.clone().map(|p| view! { <input type="hidden" name="path" value=p /> })}
                                                <button class="btn btn-small" type="submit" title="Run the same workflow on the same scope">"Re-run"</button>
                                            </form>
                                        </td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any() }}
        </section>
    }
}
