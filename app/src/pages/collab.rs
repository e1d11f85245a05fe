//! The Collab pages: the action inbox (threads pending promotion, stale
//! hand-off packets, the cross-review ledger, the docs outbox) and one
//! round-table thread. Read-only: the pages name the in-session commands.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::{CollabInbox, CollabThreadData};

use crate::api::{get_collab, get_collab_thread};
use crate::components::page_data::PageData;

#[component]
pub fn CollabPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_collab());
    view! {
        <Title text="Collab" />
        <h1>"Collaboration"</h1>
        <p class="lede">"What needs a decision from you, most urgent first. Read-only: promotion happens in a Claude Code session."</p>
        <PageData resource=data loading="Reading the inbox…" let:i>
            <InboxView i />
        </PageData>
    }
}

#[component]
fn InboxView(i: CollabInbox) -> impl IntoView {
    let outbox = i.docs_outbox.clone().map(|o| {
        view! {
            <section class="panel" class:panel-warn=o.stale>
                <h2>"Docs outbox"</h2>
                <p>
                    {format!("{} doc(s) pending, oldest {:?}d", o.count, o.oldest_days)}
                    {o.stale.then_some(" — stale (2+ days), sweep overdue")}
                </p>
                <p class="muted small">"Review with " <code>"/docs-outbox"</code> ", apply with " <code>"python -m attune.docs_outbox sweep"</code></p>
            </section>
        }
    });
    let body = if i.action_count == 0 {
        view! {
            <section class="panel empty-state">
                <h2>"Nothing needs your attention"</h2>
                <p class="muted">
                    "No threads pending promotion"
                    {(!i.board_reachable).then_some(" (board unreachable — thread state unknown)")}
                    ", no stale hand-off packets, no untriaged reviews."
                </p>
                {i.board_error.clone().map(|e| view! { <p class="muted small">{e}</p> })}
            </section>
        }
        .into_any()
    } else {
        view! {
            {if !i.threads.is_empty() {
                view! {
                    <section class="panel">
                        <h2>{format!("Threads pending promotion ({})", i.threads.len())}</h2>
                        <table class="table">
                            <thead><tr><th>"Thread"</th><th>"Messages"</th><th>"Expires"</th><th>"Rule it"</th></tr></thead>
                            <tbody>
                                {i.threads.iter().map(|t| view! {
                                    <tr>
                                        <td><a href=format!("/collab/thread?id={}", crate::urlcode::encode_component(&t.thread))><code>{t.thread.clone()}</code></a> " " <span class="chip chip-muted">{t.status.clone()}</span></td>
                                        <td>{t.messages}</td>
                                        <td>{t.ttl_hours.map(|h| format!("{h:?}h")).unwrap_or_else(|| "—".into())}</td>
                                        <td><code>{format!("/roundtable promote {}", t.thread)}</code></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any()
            } else if !i.board_reachable {
                view! { <p class="notice">"Board unreachable — pending-thread state unknown." {i.board_error.clone().map(|e| format!(" {e}."))}</p> }.into_any()
            } else {
                ().into_any()
            }}
            {(!i.stale_handoffs.is_empty()).then(|| view! {
                <section class="panel">
                    <h2>{format!("Stale handoff packets ({})", i.stale_handoffs.len())}</h2>
                    <table class="table">
                        <thead><tr><th>"Packet"</th><th>"Branch"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {i.stale_handoffs.iter().map(|h| view! {
                                <tr><td><code>{format!("docs/handoffs/{}.md", h.slug)}</code></td><td><code>{h.branch.clone()}</code></td><td>{h.reason.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            })}
            {(i.untriaged_reviews > 0).then(|| view! {
                <section class="panel">
                    <h2>"Cross-review ledger"</h2>
                    <p>{format!("{} run(s) still not-triaged in ", i.untriaged_reviews)} <code>"docs/specs/cross-review/receipts.md"</code> ": give each a " <code>"real"</code> " or " <code>"noise"</code> " disposition."</p>
                </section>
            })}
        }
        .into_any()
    };
    view! { {outbox} {body} }
}

#[component]
pub fn CollabThreadPage() -> impl IntoView {
    let q = use_query_map();
    let id = move || q.read().get("id").unwrap_or_default();
    let data = Resource::new(id, get_collab_thread);
    view! {
        <Title text="Thread" />
        <nav class="crumbs"><a href="/collab">"← Back to the inbox"</a></nav>
        <PageData resource=data loading="Reading the thread…" let:d>
            <ThreadView d />
        </PageData>
    }
}

#[component]
fn ThreadView(d: CollabThreadData) -> impl IntoView {
    let shown = if d.id.is_empty() { "?".to_string() } else { d.id.clone() };
    let body = match d.messages {
        None => {
            crate::pages::set_status(404);
            view! { <section class="panel empty-state"><h2>"Thread unavailable"</h2><p class="muted">{d.reason.unwrap_or_default()}</p></section> }.into_any()
        }
        Some(m) if m.is_empty() => view! {
            <section class="panel empty-state"><h2>"Empty thread"</h2><p class="muted">"No messages: the thread may have just expired (threads live 7 days after their last post)."</p></section>
        }
        .into_any(),
        Some(m) => m
            .into_iter()
            .map(|msg| {
                let head = format!("#{} · {} · {}{}", msg.id, msg.kind, msg.author, if msg.round.is_empty() { String::new() } else { format!(" · round {}", msg.round) });
                view! { <article class="panel thread-message"><header class="small muted">{head}</header><pre class="wrap">{msg.body}</pre></article> }
            })
            .collect_view()
            .into_any(),
    };
    view! {
        <h1>{format!("Thread: {shown}")}</h1>
        <p class="muted">"Rule on it in a session: " <code>{format!("/roundtable promote {shown}")}</code></p>
        {body}
    }
}
