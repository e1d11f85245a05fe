//! The Briefing (`/curator`): the executive summary and the ranked items —
//! written by the model when a key is set, ranked by the offline rules
//! otherwise — and every item the sources gave, so each `[id]` the summary
//! cites links to what it rests on.
//!
//! Snooze and the answers to an item's question are plain forms posting
//! to `/curator/dismiss` and `/curator/answer` (303 back here); hydrated,
//! they call server functions and the page refreshes in place. While the
//! model is still writing, the hydrated page asks again every few seconds.

use std::collections::HashSet;
use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::{BriefingData, BriefingOrigin, BriefingSource, CuratorItem, SuggestedAction};

use crate::api::{answer_briefing_item, dismiss_briefing_item, get_briefing};
use crate::components::page_data::PageData;
use crate::components::{Flash, TokenInput};
use crate::fmt;

/// The anchor of a source item in the sources list.
fn anchor(item_id: &str) -> String {
    format!("src-{item_id}")
}

/// `text` with each `[id]` of a known source item made a link to it.
fn cited(text: &str, known: &HashSet<String>) -> Vec<AnyView> {
    let mut out: Vec<AnyView> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else { break };
        let id = &rest[open + 1..close];
        if known.contains(id) {
            out.push(rest[..open].to_string().into_any());
            out.push(view! { <a class="cite" href=format!("#{}", anchor(id))>{format!("[{id}]")}</a> }.into_any());
        } else {
            out.push(rest[..=close].to_string().into_any());
        }
        rest = &rest[close + 1..];
    }
    out.push(rest.to_string().into_any());
    out
}

#[component]
pub fn CuratorPage() -> impl IntoView {
    let q = use_query_map();
    let refresh = q.read_untracked().get("refresh").is_some_and(|v| v.trim().parse::<i64>().is_ok_and(|n| n != 0));
    // Bumped to ask again (after an action, or while the model writes);
    // later asks never force a new call.
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), move |v| get_briefing(refresh && v == 0));
    view! {
        <Title text="Briefing" />
        <h1>"Briefing"</h1>
        <Flash />
        <PageData resource=data loading="Reading the sources and asking for the briefing…" let:d>
            <BriefingView d version />
        </PageData>
    }
}

#[component]
fn BriefingView(d: BriefingData, version: RwSignal<u32>) -> impl IntoView {
    if d.pending {
        Effect::new(move |_| {
            if let Ok(h) = set_timeout_with_handle(move || version.update(|v| *v += 1), Duration::from_secs(4)) {
                on_cleanup(move || h.clear());
            }
        });
    }
    let known: HashSet<String> = d.sources.iter().flat_map(|s| s.items.iter().map(|i| i.item_id.clone())).collect();
    let r = d.result.clone();
    let when = r.cached_at.as_deref().and_then(fmt::parse_time).map(|t| fmt::ago(t, fmt::now()));
    let origin = match d.origin {
        BriefingOrigin::Model => view! {
            <p class="lede">"What needs attention now, ranked across the project's sources by " <code>{r.model.clone()}</code>
                {(r.cost_usd > 0.0).then(|| format!(" · ${:.4}", r.cost_usd))} "."</p>
        }
        .into_any(),
        BriefingOrigin::Cache => view! {
            <p class="lede">"What needs attention now, ranked across the project's sources by " <code>{r.model.clone()}</code>
                {format!(" {} for this same state of the sources", when.clone().unwrap_or_default())}
                {(r.cost_usd > 0.0).then(|| format!(" · ${:.4}", r.cost_usd))} ". " <a href="/curator?refresh=1">"Ask again"</a></p>
        }
        .into_any(),
        BriefingOrigin::Offline => view! {
            <p class="lede">"What needs attention now, ranked across the project's sources by the offline rules."</p>
            {d.offline_reason.clone().map(|m| view! { <p class="notice" data-testid="offline-reason">{m}</p> })}
        }
        .into_any(),
    };
    let pending = d.pending.then(|| {
        view! {
            <p class="loading" role="status" aria-busy="true">"The model is writing the briefing… this page updates when it is done. "
                <noscript>"Reload in a moment."</noscript></p>
        }
    });
    let cards = if r.items.is_empty() {
        view! {
            <section class="panel empty-state curator-empty">
                <h2>"Nothing pressing right now."</h2>
                <p class="muted">"The briefing is quiet: nothing the sources gave ranks above routine."</p>
            </section>
        }
        .into_any()
    } else {
        let items = r.items.clone();
        view! {
            <div class="curator-cards">
                {items.into_iter().map(|item| view! { <Card item known=known.clone() allow=d.allow_run version /> }).collect_view()}
            </div>
        }
        .into_any()
    };
    let snoozed = (d.snoozed > 0).then(|| view! { <p class="muted small">{format!("{} snoozed item(s) hidden.", d.snoozed)}</p> });
    let sources = d.sources.clone();
    view! {
        {origin}
        {pending}
        <section class="panel curator-summary" aria-label="Summary"><p>{cited(&r.summary, &known)}</p></section>
        {cards}
        {snoozed}
        <div class="curator-foot">
            <a class="btn" href="/curator?refresh=1">"Refresh"</a>
            <span class="muted small">{format!("Sources: {}", r.sources_consulted.join(", "))}</span>
            <span class="muted small">{format!("Cap ${:.2} per briefing", d.budget_usd)}</span>
        </div>
        <Sources sources />
    }
}

#[component]
fn Card(item: CuratorItem, known: HashSet<String>, allow: bool, version: RwSignal<u32>) -> impl IntoView {
    let msg = RwSignal::new(None::<String>);
    let id = item.id.clone();
    let snooze = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match dismiss_briefing_item(id).await {
                    Ok(_) => {
                        let _ = version.try_update(|v| *v += 1);
                    }
                    Err(e) => {
                        let _ = msg.try_set(Some(format!("Snooze failed: {}", e.detail)));
                    }
                }
            });
        }
    };
    let action = item.suggested_action.clone().map(|a| view! { <Action a item_id=id.clone() allow msg version /> });
    let sources = item
        .sources
        .iter()
        .map(|s| {
            if known.contains(s) {
                view! { <a class="curator-src-chip" href=format!("#{}", anchor(s))><code>{s.clone()}</code></a> }.into_any()
            } else {
                view! { <code class="curator-src-chip">{s.clone()}</code> }.into_any()
            }
        })
        .collect_view();
    view! {
        <article class=format!("panel curator-card curator-card--{}", item.severity) id=format!("card-{}", item.id) data-item=item.id.clone()>
            <div class="curator-card-head">
                <span class=format!("chip chip-{}", item.severity)>{item.severity.clone()}</span>
                <h2 class="curator-card-title">{item.title.clone()}</h2>
            </div>
            <p class="curator-card-rationale">{cited(&item.rationale, &known)}</p>
            <div class="curator-sources">{sources}</div>
            <div class="curator-card-actions">
                {action}
                {if allow {
                    view! {
                        <form method="post" action="/curator/dismiss" on:submit=snooze>
                            <TokenInput />
                            <input type="hidden" name="item_id" value=id.clone() />
                            <button class="btn btn-small" type="submit" title="Hidden for 14 days">"Snooze 14d"</button>
                        </form>
                    }.into_any()
                } else {
                    view! { <span class="muted small" title="Snoozing writes a file: restart with --allow-run">"Read-only: no snoozing"</span> }.into_any()
                }}
                <span class="run-status" role="status">{move || msg.get()}</span>
            </div>
        </article>
    }
}

#[component]
fn Action(a: SuggestedAction, item_id: String, allow: bool, msg: RwSignal<Option<String>>, version: RwSignal<u32>) -> impl IntoView {
    match a.kind.as_str() {
        "open" => a.url.clone().map(|u| {
            view! { <a class="btn btn-primary btn-small" href=u>{a.label.clone().unwrap_or_else(|| "Open".into())}</a> }.into_any()
        }),
        "ask" => a.question.clone().map(|question| {
            let choices = a
                .choices
                .iter()
                .map(|c| {
                    let (id, choice) = (item_id.clone(), c.clone());
                    let answer = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let (id, choice) = (id.clone(), choice.clone());
                        leptos::task::spawn_local(async move {
                            match answer_briefing_item(id, choice.clone()).await {
                                Ok(()) => {
                                    let _ = msg.try_set(Some(format!("Answered: {choice}")));
                                }
                                Err(e) => {
                                    let _ = msg.try_set(Some(format!("Answer failed: {}", e.detail)));
                                }
                            }
                        });
                    };
                    view! {
                        <form method="post" action="/curator/answer" on:submit=answer>
                            <TokenInput />
                            <input type="hidden" name="item_id" value=item_id.clone() />
                            <input type="hidden" name="choice" value=c.clone() />
                            <button class="btn btn-small curator-answer-btn" type="submit" disabled=!allow>{c.clone()}</button>
                        </form>
                    }
                })
                .collect_view();
            let _ = version;
            view! { <div class="curator-ask"><p class="curator-ask-q">{question}</p><div class="curator-ask-choices">{choices}</div></div> }
                .into_any()
        }),
        "run" => a.workflow.clone().map(|wf| {
            view! {
                <span class="curator-run-hint">"Suggested: run " <code>{wf}</code>
                    {a.scope.clone().map(|s| view! { " on " <code>{s}</code> })}
                    " — " <a href="/workflows">"go to Workflows →"</a></span>
            }
            .into_any()
        }),
        _ => None,
    }
}

#[component]
fn Sources(sources: Vec<BriefingSource>) -> impl IntoView {
    let total: usize = sources.iter().map(|s| s.items.len()).sum();
    view! {
        <section class="panel curator-source-list" aria-label="What the sources gave">
            <h2>{format!("What the sources gave ({total})")}</h2>
            {sources.into_iter().map(|s| {
                let n = s.items.len();
                view! {
                    <h3 class="curator-source-name"><code>{s.id.clone()}</code> <span class="muted small">{format!(" {n} item(s)")}</span></h3>
                    {(n > 0).then(|| view! {
                        <ul class="curator-source-items">
                            {s.items.into_iter().map(|i| view! {
                                <li id=anchor(&i.item_id)>
                                    <code class="small">{i.item_id.clone()}</code> " "
                                    {if i.link.is_empty() { view! { <span>{i.title.clone()}</span> }.into_any() } else { view! { <a href=i.link.clone()>{i.title.clone()}</a> }.into_any() }}
                                    <div class="muted small">{i.detail.clone()}</div>
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                }
            }).collect_view()}
        </section>
    }
}
