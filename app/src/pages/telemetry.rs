//! The Telemetry page: `usage.jsonl` by workflow and by day.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::TelemetrySummary;

use crate::api::get_telemetry;
use crate::components::charts::{money, BarChart, InlineBar, Tile};
use crate::components::page_data::PageData;
use crate::fmt;

/// Windows offered (days before today).
const WINDOWS: [u32; 4] = [7, 14, 30, 90];

#[component]
pub fn TelemetryPage() -> impl IntoView {
    let q = use_query_map();
    let days = move || q.read().get("days").and_then(|d| d.parse::<u32>().ok()).filter(|d| (1..=3650).contains(d)).unwrap_or(14);
    let data = Resource::new(days, get_telemetry);
    view! {
        <Title text="Telemetry" />
        <h1>"Telemetry"</h1>
        <PageData resource=data loading="Reading usage.jsonl…" let:s>
            <TelemetryView s days=days() />
        </PageData>
        <InteractionsPanel />
    }
}

/// "Dashboard interactions (this session)": chain pills, recommendation
/// cards and scope pickers used since the dashboard started.
#[component]
fn InteractionsPanel() -> impl IntoView {
    let data = Resource::new(|| (), |_| crate::api::get_interactions());
    let table = |title: &'static str, head: &'static str, rows: Vec<(String, u64)>| {
        view! {
            <div>
                <h3>{title}</h3>
                {if rows.is_empty() {
                    view! { <p class="empty small">"None yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="table">
                            <thead><tr><th>{head}</th><th class="num">"Count"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|(k, n)| view! { <tr><td><code>{k}</code></td><td class="num">{fmt::count(n)}</td></tr> }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </div>
        }
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let i = data.await.ok()?;
                let total = i.pill_clicks + i.rec_card_clicks + i.scope_picker_changes;
                Some(view! {
                    <section class="panel interactions">
                        <h2>"Dashboard interactions (this session)"</h2>
                        <p class="muted small">"Counted in memory since this dashboard started (reset on restart), never written to disk; workflow names and kinds only."</p>
                        {if total == 0 {
                            view! { <p class="empty">"No dashboard interactions recorded yet this session."</p> }.into_any()
                        } else {
                            view! {
                                <div class="tiles">
                                    <Tile label="Pill clicks" value=fmt::count(i.pill_clicks) foot="chain pills in run logs" />
                                    <Tile label="Recommendation card clicks" value=fmt::count(i.rec_card_clicks) foot="on run pages" />
                                    <Tile label="Scope picker changes" value=fmt::count(i.scope_picker_changes) foot="on the Workflows page" />
                                </div>
                                <div class="two-col even">
                                    {table("Top pills clicked", "Workflow", i.top_pills)}
                                    {table("Recommendation cards by kind", "Kind", i.top_rec_cards)}
                                    {table("Scope picker changes by workflow", "Workflow", i.top_scope_pickers)}
                                </div>
                            }.into_any()
                        }}
                    </section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn TelemetryView(s: TelemetrySummary, days: u32) -> impl IntoView {
    if !s.file_present {
        return view! {
            <p class="lede">"From " <code>{s.path.clone()}</code> "."</p>
            <section class="panel empty">
                <p>"No telemetry yet: " <code>{s.path}</code> " does not exist."</p>
                <p>"attune writes a line there for every model call a workflow makes; run a workflow to start seeing data."</p>
            </section>
        }
        .into_any();
    }
    let max_wf = s.by_workflow.iter().map(|r| r.2).fold(0.0, f64::max);
    let bars: Vec<(String, f64, String)> =
        s.by_day.iter().map(|(d, n, c)| (d.get(5..).unwrap_or(d).to_string(), *c, format!("{d}: {n} events, {}", money(*c)))).collect();
    let events_in_window: u64 = s.by_day.iter().map(|r| r.1).sum();
    let cost_in_window: f64 = s.by_day.iter().map(|r| r.2).sum();
    view! {
        <p class="lede">
            "From " <code>{s.path.clone()}</code> ". "
            {(s.skipped_lines > 0).then(|| format!("{} line(s) were not valid JSON objects and were skipped.", fmt::count(s.skipped_lines)))}
        </p>
        <div class="tiles">
            <Tile label="Events" value=fmt::count(s.total_requests) foot="all time" />
            <Tile label="Total spend" value=money(s.total_cost) foot="all time, as recorded locally" />
            <Tile label="Reported savings" value=money(s.total_savings) foot="from caching and tier routing" />
            <Tile label="Last event" value=s.last_event_at.as_deref().map(fmt::short_time).unwrap_or_else(|| "—".into()) foot=s.last_event_at.clone().unwrap_or_default() />
        </div>
        <section class="panel">
            <header class="panel-head">
                <h2>{format!("Last {days} days and today")}</h2>
                <nav class="window-links" aria-label="Window">
                    {WINDOWS.iter().map(|w| view! { <a href=format!("/telemetry?days={w}") class:is-active={*w == days}>{format!("{w} d")}</a> }).collect_view()}
                </nav>
            </header>
            {if s.by_day.is_empty() {
                view! { <p class="empty">{format!("No activity in the last {days} days.")}</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{format!("{} events, {} in the window", fmt::count(events_in_window), money(cost_in_window))}</p>
                    <BarChart bars class="cost-chart" />
                    <details>
                        <summary>"Table"</summary>
                        <table class="table">
                            <thead><tr><th>"Day"</th><th class="num">"Events"</th><th class="num">"Cost"</th></tr></thead>
                            <tbody>{s.by_day.iter().map(|(d, n, c)| view! { <tr><td>{d.clone()}</td><td class="num">{fmt::count(*n)}</td><td class="num">{format!("${c:.4}")}</td></tr> }).collect_view()}</tbody>
                        </table>
                    </details>
                }.into_any()
            }}
        </section>
        <section class="panel">
            <h2>"By workflow (top 20)"</h2>
            {if s.by_workflow.is_empty() {
                view! { <p class="empty">"No telemetry events for registered workflows yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Workflow"</th><th class="num">"Events"</th><th class="num">"Cost"</th><th class="bar-col"></th></tr></thead>
                        <tbody>
                            {s.by_workflow.iter().map(|(w, n, c)| view! {
                                <tr>
                                    <td><a href=format!("/runs?workflow={w}")>{w.clone()}</a></td>
                                    <td class="num">{fmt::count(*n)}</td>
                                    <td class="num">{format!("${c:.4}")}</td>
                                    <td class="bar-col"><InlineBar value=*c max=max_wf /></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
