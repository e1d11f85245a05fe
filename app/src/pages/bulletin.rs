//! The Bulletin page: who is running what now, a day's runs, the archive.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::BulletinData;

use crate::api::get_bulletin_page;
use crate::components::page_data::PageData;
use crate::components::BulletinStrip;
use crate::fmt;

#[component]
pub fn BulletinPage() -> impl IntoView {
    let q = use_query_map();
    let day = move || q.read().get("day").filter(|d| !d.is_empty());
    let data = Resource::new(day, get_bulletin_page);
    view! {
        <Title text="Bulletin" />
        <h1>"Bulletin"</h1>
        <p class="lede">"What every attune actor — Claude Code sessions, the CLI, MCP, dashboards — reports it is running. Entries without a heartbeat for 90 s are hidden from the live view."</p>
        <PageData resource=data loading="Reading the bulletin…" let:b>
            <BulletinView b />
        </PageData>
    }
}

#[component]
fn BulletinView(b: BulletinData) -> impl IntoView {
    let now = fmt::now();
    let shown = b.day.clone();
    view! {
        <BulletinStrip initial=b.active.clone() root=b.project_root.clone() />
        {b.active.is_empty().then(|| view! { <p class="muted">"Nobody is running anything right now."</p> })}
        <nav class="window-links day-links" aria-label="Days">
            <a href="/bulletin" class:is-active={shown == "today"}>"today"</a>
            {b.archive_days.iter().map(|d| view! { <a href=format!("/bulletin?day={d}") class:is-active={*d == shown}>{d.clone()}</a> }).collect_view()}
        </nav>
        <section class="panel">
            <h2>{if shown == "today" { "Today's runs".to_string() } else { format!("Runs of {shown}") }}</h2>
            {(b.skipped_lines > 0).then(|| view! { <p class="notice">{format!("{} malformed line(s) skipped.", b.skipped_lines)}</p> })}
            {if b.runs.is_empty() {
                view! { <p class="empty">"No entries."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Actor"</th><th>"Workflow"</th><th>"Status"</th><th>"Started"</th><th>"Last heartbeat"</th><th>"Scope"</th><th>"Run"</th></tr></thead>
                        <tbody>
                            {b.runs.into_iter().map(|e| {
                                let hb = fmt::parse_time(&e.last_heartbeat).map(|t| fmt::ago(t, now)).unwrap_or_else(|| e.last_heartbeat.clone());
                                let status = e.current_status.clone();
                                let chip = match status.as_str() { "completed" | "failed" | "cancelled" | "running" => status.clone(), _ => "pending".into() };
                                view! {
                                    <tr>
                                        <td><span class="mono small">{e.actor_id.clone()}</span><br /><span class="muted small">{e.actor_kind.clone()}</span></td>
                                        <td>{e.workflow.clone()}</td>
                                        <td><span class=format!("chip chip-{chip}")>{status}</span></td>
                                        <td title=e.started_at.clone()>{fmt::short_time(&e.started_at)}</td>
                                        <td title=e.last_heartbeat.clone()>{hb}</td>
                                        <td class="scope-cell" title=e.scope.clone().unwrap_or_default()>{e.scope.as_deref().map(|s| attune_ops::wire::display_scope(s, &b.project_root)).unwrap_or_else(|| "—".into())}</td>
                                        <td class="mono small">{e.run_id.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
