//! Home: what is running, what ran, what it cost, and where to go next.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::HomeData;

use crate::api::get_home;
use crate::components::charts::{money, Tile};
use crate::components::cost::{AccountTiles, SpendWatch};
use crate::components::page_data::PageData;
use crate::components::{BulletinStrip, RunsTable};
use crate::fmt;

#[component]
pub fn HomePage() -> impl IntoView {
    // `?refresh=1` bypasses the cost cache (the reference's Home rule).
    let q = use_query_map();
    let refresh = move || q.read().get("refresh").is_some_and(|v| v == "1");
    let data = Resource::new(refresh, |r| get_home(r.then_some(true)));
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"attune ops"</h1>
            <p class="muted">"Run workflows on the right scope, watch them live, chain the next stage."</p>
        </section>
        <PageData resource=data loading="Loading…" let:h>
            <HomeView h />
        </PageData>
    }
}

#[component]
fn HomeView(h: HomeData) -> impl IntoView {
    let active = h.recent_runs.iter().filter(|r| !r.status.is_terminal()).count();
    let today_foot = if h.today_events == 0 { "no activity yet today".to_string() } else { format!("{} spent", money(h.today_cost)) };
    let spark = h.sparkline.clone();
    let now = fmt::now();
    view! {
        <BulletinStrip initial=h.bulletin.clone() root=h.project_root.clone() />
        <div class="tiles">
            <Tile label="Today's events" value=fmt::count(h.today_events) foot=today_foot href="/telemetry" />
            <Tile label="7-day spend" value=money(h.seven_day_cost) foot={if spark.is_empty() { "no spend in the last 7 days".to_string() } else { format!("{} saved all time", money(h.total_savings)) }} href="/telemetry">
                {(!spark.is_empty()).then(|| view! {
                    <svg class="sparkline" viewBox="0 0 240 40" preserveAspectRatio="none" aria-hidden="true"><polyline points=spark.clone() /></svg>
                })}
            </Tile>
            <Tile label="Workflows" value=h.workflow_count.to_string() foot={if h.registry_errors > 0 { format!("{} registry problem(s) — see Workflows", h.registry_errors) } else if h.allow_run { "runnable from the dashboard".to_string() } else { "read-only: start with --allow-run to run".to_string() }} href="/workflows" />
            <Tile label="Active runs" value=active.to_string() foot="queued or running" href="/runs" />
            {h.memory_nodes.map(|n| view! { <Tile label="Memory nodes" value=fmt::count(n) foot="Redis-derived index, hydrated from the corpus" href="/memory" /> })}
        </div>
        <div class="tiles kpi-cluster-account">
            <AccountTiles summary=h.cost.clone() error=h.cost_error.clone() pending=h.cost_pending />
        </div>
        {h.alarm.clone().map(|a| view! { <SpendWatch alarm=a /> })}
        <div class="two-col">
            <section class="panel">
                <h2>"Recent runs"</h2>
                <RunsTable runs=h.recent_runs.clone() root=h.project_root.clone() />
                <p><a href="/runs">"All runs →"</a></p>
            </section>
            <section class="panel">
                <h2>"Daily activity (7 days)"</h2>
                {if !h.telemetry_present || h.week.iter().all(|d| d.1 == 0) {
                    view! { <p class="empty">"No telemetry recorded yet. Run a workflow to start seeing data here."</p> }.into_any()
                } else {
                    view! {
                        <table class="table">
                            <thead><tr><th>"Day"</th><th class="num">"Events"</th><th class="num">"Cost"</th></tr></thead>
                            <tbody>{h.week.iter().rev().map(|(d, n, c)| view! { <tr><td>{d.clone()}</td><td class="num">{fmt::count(*n)}</td><td class="num">{format!("${c:.4}")}</td></tr> }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
        <section class="panel">
            <h2>"Recent Claude Code sessions"</h2>
            {if h.recent_sessions.is_empty() {
                view! { <p class="empty">"No sessions in the last 3 days."</p> }.into_any()
            } else {
                view! {
                    <ul class="session-list">
                        {h.recent_sessions.iter().map(|s| {
                            let when = fmt::parse_time(&s.last_activity).map(|t| fmt::ago(t, now)).unwrap_or_default();
                            view! {
                                <li>
                                    <a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a>
                                    " " <span class="muted small">{when} {s.git_branch.clone().map(|b| format!(" · {b}"))}</span>
                                    {s.active.then(|| view! { " " <span class="chip chip-running">"active"</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p><a href="/sessions">"All sessions →"</a></p>
                }.into_any()
            }}
        </section>
    }
}
