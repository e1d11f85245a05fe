//! The Cost page: Anthropic spend from the Admin API cost report.
//!
//! Tiles for today, 7 days, month to date and 30 days (live or cached, and
//! how old); a 30-day bar chart; spend by model and by cost type; burn rate
//! and the month-end projection; the monthly budget with its gauge; the
//! spend alarm. Without JavaScript, Refresh is a `?refresh=1` link and the
//! budget a plain form; hydrated, both work in place and the Refresh button
//! shows the fetch's progress (pages read, time spent).

use std::time::Duration;

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::{CostData, CostErrorKind, CostProgress, CostSummary};

use crate::api::{get_cost, get_cost_progress, set_budget};
use crate::components::charts::{money, BarChart, InlineBar, Tile};
use crate::components::cost::{freshness, Gauge, SpendWatch};
use crate::components::page_data::PageData;
use crate::components::TokenInput;

/// Days in the chart.
const CHART_DAYS: i64 = 30;

#[component]
pub fn CostPage() -> impl IntoView {
    let q = use_query_map();
    let url_refresh = move || q.read().get("refresh").is_some_and(|v| v == "1" || v == "true");
    // Bumped in the browser: `(n, refresh)`. The Refresh button asks for a
    // fresh fetch; saving a budget only re-reads.
    let reload = RwSignal::new((0u32, false));
    let data = Resource::new(move || (url_refresh(), reload.get()), |(u, (n, r))| get_cost(Some(if n == 0 { u } else { r })));
    let pending = RwSignal::new(false);
    view! {
        <Title text="Cost" />
        <header class="page-head">
            <h1>"Cost"</h1>
            <RefreshControl reload pending />
        </header>
        <PageData resource=data loading="Fetching the cost report from Anthropic…" transition=true set_pending=pending.write_only() let:d>
            <CostView d reload />
        </PageData>
    }
}

/// Refresh: a link without JavaScript; with it, an in-place refetch that
/// shows progress.
#[component]
fn RefreshControl(reload: RwSignal<(u32, bool)>, pending: RwSignal<bool>) -> impl IntoView {
    let progress = RwSignal::new(None::<CostProgress>);
    Effect::new(move |_| {
        if pending.get() {
            if let Ok(h) = set_interval_with_handle(
                move || {
                    leptos::task::spawn_local(async move {
                        if let Ok(p) = get_cost_progress().await {
                            // The page may be gone by the time the answer comes.
                            if pending.try_get_untracked() == Some(true) {
                                let _ = progress.try_set(Some(p));
                            }
                        }
                    });
                },
                Duration::from_millis(400),
            ) {
                on_cleanup(move || h.clear());
            }
        } else {
            progress.set(None);
        }
    });
    let status = move || {
        if !pending.get() {
            return String::new();
        }
        match progress.get() {
            Some(p) if p.fetching => format!("fetching… {} page(s) read · {:.1} s", p.pages, p.elapsed_ms as f64 / 1000.0),
            _ => "fetching…".to_string(),
        }
    };
    view! {
        <div class="refresh">
            <span class="refresh-status" role="status" aria-live="polite">{status}</span>
            <a
                class="btn"
                href="/cost?refresh=1"
                class:is-busy=move || pending.get()
                aria-disabled=move || pending.get().then_some("true")
                on:click=move |ev| {
                    ev.prevent_default();
                    if !pending.get_untracked() {
                        reload.update(|r| *r = (r.0 + 1, true));
                    }
                }
            >
                "↻ Refresh"
            </a>
        </div>
    }
}

/// The 30 days up to `today`, zero-filled: `(label, usd, tooltip)`.
fn daily_bars(s: &CostSummary, today: NaiveDate) -> Vec<(String, f64, String)> {
    (0..CHART_DAYS)
        .rev()
        .map(|back| {
            let d = today - chrono::Duration::days(back);
            let key = d.format("%Y-%m-%d").to_string();
            let v = s.by_day.iter().find(|(k, _)| *k == key).map(|r| r.1).unwrap_or(0.0);
            (d.format("%m-%d").to_string(), v, format!("{key}: {}", money(v)))
        })
        .collect()
}

#[component]
fn CostView(d: CostData, reload: RwSignal<(u32, bool)>) -> impl IntoView {
    let error = d.error.clone();
    let Some(s) = d.summary.clone() else {
        let panel = match error {
            Some(e) if e.kind == CostErrorKind::NoKey => view! { <SetupPanel /> }.into_any(),
            Some(e) if e.kind == CostErrorKind::AuthFailed => view! {
                <section class="panel cost-problem" data-kind="auth_failed">
                    <h2>"Anthropic rejected the admin key"</h2>
                    <p>{e.message}</p>
                    <p class="muted">"The key is not shown. Admin keys start with " <code>"sk-ant-admin"</code> "; ordinary API keys cannot read the cost report."</p>
                </section>
            }
            .into_any(),
            Some(e) => view! {
                <section class="panel cost-problem" data-kind=format!("{:?}", e.kind).to_lowercase()>
                    <h2>"The cost report could not be fetched"</h2>
                    <p>{e.message}</p>
                    <p class="muted">"Nothing was fetched yet in this session, so there is no older data to show. Try Refresh in a moment."</p>
                </section>
            }
            .into_any(),
            None => view! { <p class="empty">"No data."</p> }.into_any(),
        };
        return view! {
            {panel}
            <BudgetPanel d=d.clone() reload />
            {d.alarm.map(|a| view! { <SpendWatch alarm=a /> })}
        }
        .into_any();
    };
    let today = s
        .fetched_at
        .get(..10)
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let fresh = freshness(&s);
    let bars = daily_bars(&s, today);
    let total_model: f64 = s.by_model.iter().map(|m| m.1).sum();
    let max_model = s.by_model.iter().map(|m| m.1).fold(0.0, f64::max);
    let total_type: f64 = s.by_cost_type.iter().map(|m| m.1).sum();
    let max_type = s.by_cost_type.iter().map(|m| m.1).fold(0.0, f64::max);
    let share = |v: f64, t: f64| if t > 0.0 { format!("{:.1}%", v / t * 100.0) } else { "—".into() };
    view! {
        {error.map(|e| view! {
            <p class="notice stale-notice" role="alert">
                {format!("Showing data from {}: ", crate::components::cost::age(s.age_seconds))} {e.message}
            </p>
        })}
        <p class="lede">
            "From the Anthropic Admin API cost report · " <span class=if s.stale { "chip chip-warn" } else if s.source == "live" { "chip chip-completed" } else { "chip" }>{fresh.clone()}</span>
            {format!(" · fetched {}", crate::fmt::short_time(&s.fetched_at))}
            {s.refresh_in_seconds.map(|n| view! {
                <span class="refresh-limit">
                    {format!(" · refreshed {} s ago, from the cache until a live refresh is possible again in {n} s", s.age_seconds)}
                </span>
            })}
            {(s.bad_amounts > 0 || s.bad_buckets > 0).then(|| format!(
                " · {} row(s) without a usable amount counted as $0, {} bucket(s) without a date skipped",
                s.bad_amounts, s.bad_buckets
            ))}
        </p>
        <div class="tiles cost-tiles">
            <Tile label="Today" value=money(s.today_usd) foot=format!("UTC day · {fresh}") />
            <Tile label="7 days" value=money(s.seven_day_usd) foot="today and the 6 days before" />
            <Tile label="Month to date" value=money(s.month_to_date_usd) foot=today.format("since %B 1").to_string() />
            <Tile label="30 days" value=money(s.thirty_day_usd) foot="today and the 29 days before" />
        </div>
        <div class="tiles">
            <Tile label="Burn rate" value=format!("{}/day", money(d.burn_rate_usd.unwrap_or(0.0))) foot="average of the last 7 days" />
            <Tile label="Month-end projection" value=money(d.projection_usd.unwrap_or(0.0)) foot="month to date + burn rate × days left" />
            {d.budget.clone().map(|b| {
                let pct = d.budget_pct.unwrap_or(0.0);
                let proj_pct = d.projection_usd.map(|p| p / b.monthly_usd * 100.0).unwrap_or(0.0);
                view! {
                    <Tile label="Budget used" value=format!("{pct:.0}%") foot=format!("of {}/month · projected {proj_pct:.0}%", money(b.monthly_usd))>
                        <Gauge pct label="Month to date against the monthly budget" />
                    </Tile>
                }
            })}
        </div>
        <section class="panel">
            <h2>"Daily spend (30 days)"</h2>
            <BarChart bars class="cost-chart" />
            <details>
                <summary>"Table"</summary>
                <table class="table">
                    <thead><tr><th>"Day (UTC)"</th><th class="num">"Spend"</th></tr></thead>
                    <tbody>{s.by_day.iter().rev().map(|(day, v)| view! { <tr><td>{day.clone()}</td><td class="num">{money(*v)}</td></tr> }).collect_view()}</tbody>
                </table>
            </details>
        </section>
        <div class="two-col even">
            <section class="panel">
                <h2>"By model"</h2>
                {if s.by_model.is_empty() {
                    view! { <p class="empty">"No spend in the window."</p> }.into_any()
                } else {
                    view! {
                        <table class="table by-model">
                            <thead><tr><th>"Model"</th><th class="num">"Spend"</th><th class="num">"Share"</th><th class="bar-col"></th></tr></thead>
                            <tbody>{s.by_model.iter().map(|(m, v)| view! {
                                <tr><td class="mono">{m.clone()}</td><td class="num">{money(*v)}</td><td class="num">{share(*v, total_model)}</td><td class="bar-col"><InlineBar value=*v max=max_model /></td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section class="panel">
                <h2>"By cost type"</h2>
                {if s.by_cost_type.is_empty() {
                    view! { <p class="empty">"No spend in the window."</p> }.into_any()
                } else {
                    view! {
                        <table class="table by-type">
                            <thead><tr><th>"Type"</th><th class="num">"Spend"</th><th class="num">"Share"</th><th class="bar-col"></th></tr></thead>
                            <tbody>{s.by_cost_type.iter().map(|(m, v)| view! {
                                <tr><td>{m.clone()}</td><td class="num">{money(*v)}</td><td class="num">{share(*v, total_type)}</td><td class="bar-col"><InlineBar value=*v max=max_type /></td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
        <div class="two-col even">
            <BudgetPanel d=d.clone() reload />
            {d.alarm.clone().map(|a| view! { <SpendWatch alarm=a /> })}
        </div>
    }
    .into_any()
}

/// How to give attune ops an admin key.
#[component]
fn SetupPanel() -> impl IntoView {
    view! {
        <section class="panel setup" data-kind="no_key">
            <h2>"Set up cost reporting"</h2>
            <p>"attune ops reads your organisation's spend from the Anthropic Admin API. It needs an " <strong>"admin key"</strong> " (not an ordinary API key)."</p>
            <ol>
                <li>"In the Anthropic Console, open " <em>"Settings → Admin keys"</em> " and create a key (organisation admins only). It starts with " <code>"sk-ant-admin"</code> "."</li>
                <li>"Give it to attune ops, either way:"
                    <ul>
                        <li>"in the environment that starts the dashboard: " <code>"export ANTHROPIC_ADMIN_API_KEY=sk-ant-admin…"</code></li>
                        <li>"or in " <code>"~/.attune/anthropic-admin.env"</code> " as a line " <code>"ANTHROPIC_ADMIN_API_KEY=sk-ant-admin…"</code> " (then " <code>"chmod 600"</code> " it)"</li>
                    </ul>
                </li>
                <li>"Reload this page. The key is read on every fetch and never shown or logged."</li>
            </ol>
            <p class="muted">"Until then, " <a href="/telemetry">"Telemetry"</a> " shows the spend attune recorded locally (CI runs excluded)."</p>
        </section>
    }
}

/// The monthly budget: where it comes from, and a form to change the saved
/// one (a plain form without JavaScript).
#[component]
fn BudgetPanel(d: CostData, reload: RwSignal<(u32, bool)>) -> impl IntoView {
    let q = use_query_map();
    let url_error = move || q.read().get("budget_error");
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let value = RwSignal::new(d.budget.as_ref().map(|b| format!("{:.2}", b.monthly_usd)).unwrap_or_default());
    let overridden = d.budget.as_ref().is_some_and(|b| b.source != "setting");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = attune_ops::wire::parse_budget_text(&value.get_untracked());
        let v = match parsed {
            Ok(v) => v,
            Err(m) => {
                status.set(Some(m));
                return;
            }
        };
        busy.set(true);
        status.set(Some("saving…".into()));
        leptos::task::spawn_local(async move {
            // `try_*`: the page may be gone by the time the answer comes.
            match set_budget(v).await {
                Ok(_) => {
                    let _ = status.try_set(Some(if v.is_some() { "saved".into() } else { "cleared".into() }));
                    let _ = reload.try_update(|r| *r = (r.0 + 1, false));
                }
                Err(e) => {
                    let _ = status.try_set(Some(format!("Could not save: {}", e.detail)));
                }
            }
            let _ = busy.try_set(false);
        });
    };
    let source_text = match d.budget.as_ref().map(|b| b.source.as_str()) {
        Some("flag") => "set by --monthly-budget (it wins over the saved value)",
        Some("env") => "set by ATTUNE_OPS_MONTHLY_BUDGET_USD (it wins over the saved value)",
        Some(_) => "saved in the dashboard's settings",
        None => "none set — the spend watch uses the reference's $350 ceiling",
    };
    let pct = d.budget_pct;
    view! {
        <section class="panel budget" id="budget">
            <h2>"Monthly budget"</h2>
            {match (&d.budget, pct) {
                (Some(b), Some(p)) => view! {
                    <p class="budget-figure"><strong>{money(b.monthly_usd)}</strong> " / month · " {format!("{p:.0}% used")}</p>
                    <Gauge pct=p label="Month to date against the monthly budget" />
                    {(p >= 100.0).then(|| view! { <p class="notice budget-warning" role="alert">{format!("Over budget: {:.0}% of {} spent this month.", p, money(b.monthly_usd))}</p> })}
                    {(80.0..100.0).contains(&p).then(|| view! { <p class="notice budget-warning" role="alert">{format!("{:.0}% of the monthly budget is spent.", p)}</p> })}
                    {d.projection_usd.filter(|proj| p < 100.0 && *proj > b.monthly_usd).map(|proj| view! {
                        <p class="muted small projection-warning">{format!("At the current burn rate the month ends near {} — {:.0}% of the budget.", money(proj), proj / b.monthly_usd * 100.0)}</p>
                    })}
                }.into_any(),
                (Some(b), None) => view! { <p class="budget-figure"><strong>{money(b.monthly_usd)}</strong> " / month"</p> }.into_any(),
                _ => ().into_any(),
            }}
            <p class="muted small">{source_text}</p>
            {if d.allow_run {
                view! {
                    <form class="budget-form" method="post" action="/cost/budget" on:submit=on_submit>
                        <TokenInput />
                        <label>"Saved budget (USD) "
                            <input name="monthly_usd" inputmode="decimal" placeholder="e.g. 500" size="10" value=value.get_untracked() prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                        </label>
                        <button class="btn" type="submit" disabled=move || busy.get()>"Save"</button>
                        <span class="muted small">"blank clears it"</span>
                        {overridden.then(|| view! { <span class="muted small">" (the flag or environment value still wins)"</span> })}
                        <span class="run-status" role="status">{move || status.get().or_else(url_error)}</span>
                    </form>
                }.into_any()
            } else {
                view! { <p class="muted small">"Read-only dashboard: set a budget with " <code>"--monthly-budget USD"</code> " or " <code>"ATTUNE_OPS_MONTHLY_BUDGET_USD"</code> ", or restart with " <code>"--allow-run"</code> " to save one here."</p> }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_zero_filled_over_thirty_days() {
        let s = CostSummary {
            today_usd: 1.0,
            seven_day_usd: 1.0,
            month_to_date_usd: 1.0,
            thirty_day_usd: 3.0,
            by_model: vec![],
            by_day: vec![("2026-07-04".into(), 2.0), ("2026-08-02".into(), 1.0), ("2026-07-01".into(), 9.0)],
            by_cost_type: vec![],
            fetched_at: "2026-08-02T12:00:00Z".into(),
            source: "live".into(),
            stale: false,
            age_seconds: 0,
            bad_amounts: 0,
            bad_buckets: 0,
            refresh_in_seconds: None,
        };
        let b = daily_bars(&s, NaiveDate::from_ymd_opt(2026, 8, 2).unwrap());
        assert_eq!(b.len(), 30);
        assert_eq!(b[0].0, "07-04");
        assert_eq!(b[0].1, 2.0);
        assert_eq!(b[29].1, 1.0);
        assert_eq!(b.iter().map(|x| x.1).sum::<f64>(), 3.0, "07-01 is outside the 30 days");
    }
}
