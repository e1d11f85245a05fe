//! The Memory pages: the Redis-derived memory index, read-only — family
//! tiles, kind chips, a paged table, one node, and the attention header.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use attune_ops::wire::{MemoryAttention, MemoryNodeData, MemoryOverview, MemoryPageData, MEMORY_FAMILIES};

use crate::api::{get_memory, get_memory_node};
use crate::components::page_data::PageData;
use crate::fmt;
use crate::urlcode::encode_component;

/// `/memory?family=&kind=&page=`, the empty parts left out.
fn memory_href(family: Option<&str>, kind: Option<&str>, page: Option<u32>) -> String {
    let mut q = Vec::new();
    if let Some(f) = family {
        q.push(format!("family={}", encode_component(f)));
    }
    if let Some(k) = kind {
        q.push(format!("kind={}", encode_component(k)));
    }
    if let Some(p) = page {
        q.push(format!("page={p}"));
    }
    if q.is_empty() {
        "/memory".into()
    } else {
        format!("/memory?{}", q.join("&"))
    }
}

#[component]
pub fn MemoryPage() -> impl IntoView {
    let q = use_query_map();
    let args = move || {
        let q = q.read();
        let f = q.get("family").filter(|s| !s.is_empty());
        let k = q.get("kind").filter(|s| !s.is_empty());
        // Any integer: past the last page shows the last (the engine clamps).
        let p = q.get("page").map(|p| p.trim().to_string()).map_or(1, |p| match p.parse::<i64>() {
            Ok(n) => n.clamp(1, u32::MAX as i64) as u32,
            Err(_) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => u32::MAX,
            Err(_) => 1,
        });
        (f, k, p)
    };
    let data = Resource::new(args, |(f, k, p)| get_memory(f, k, Some(p)));
    view! {
        <Title text="Memory" />
        <h1>"Memory"</h1>
        <p class="lede">"A read-only view of the index derived from the memory corpus: edit the corpus, not the keys."</p>
        <PageData resource=data loading="Reading the memory index…" let:d>
            <MemoryView d />
        </PageData>
    }
}

#[component]
fn MemoryView(d: MemoryPageData) -> impl IntoView {
    view! {
        {d.attention.filter(MemoryAttention::has_exceptions).map(|a| view! { <Attention a /> })}
        {match d.overview {
            None => view! {
                <section class="panel empty-state">
                    <h2>"Memory index unreachable"</h2>
                    <p>{d.unreachable.unwrap_or_default()}</p>
                    <p class="muted">"Start Redis (the index lives there), then reload this page."</p>
                </section>
            }.into_any(),
            Some(o) if o.total == 0 => view! {
                <section class="panel empty-state">
                    <h2>"No memory nodes yet"</h2>
                    <p class="muted">"Redis is up but holds no " <code>"attune:memory:*"</code> " keys. The index is hydrated at the start of a Claude Code session."</p>
                </section>
            }.into_any(),
            Some(o) => view! { <Overview o /> }.into_any(),
        }}
    }
}

#[component]
fn Attention(a: MemoryAttention) -> impl IntoView {
    let n_changed = a.changed_since.len();
    view! {
        <div class="attention">
            {a.stale.then(|| view! {
                <section class="panel attention-card">
                    <h2>"Hydration stale"</h2>
                    <p>{a.age_hours.map(|h| format!("{h:?}h old")).unwrap_or_else(|| "never ran".into())}</p>
                    <p class="muted small">"The SessionStart hook hydrates it; by hand: " <code>"python3 ~/.attune/memory/hydrate.py"</code></p>
                </section>
            })}
            {(n_changed > 0).then(|| view! {
                <section class="panel attention-card">
                    <h2>"Corpus changed since hydration"</h2>
                    <details>
                        <summary>{format!("{n_changed} file(s)")}</summary>
                        <ul class="small mono">{a.changed_since.iter().take(20).map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                        {(n_changed > 20).then(|| view! { <p class="muted small">{format!("… and {} more", n_changed - 20)}</p> })}
                    </details>
                </section>
            })}
            {(a.pending_threads > 0).then(|| view! {
                <section class="panel attention-card">
                    <h2>"Deliberation threads pending promotion"</h2>
                    <p><a href="/collab">{a.pending_threads}</a></p>
                    <p class="muted small">"Rule on each in a session: " <code>"/roundtable promote <thread>"</code></p>
                </section>
            })}
        </div>
    }
}

#[component]
fn Overview(o: MemoryOverview) -> impl IntoView {
    let fam = o.family.clone();
    let kind = o.kind.clone();
    let count_of = |f: &str| o.family_counts.iter().find(|(n, _)| n == f).map(|(_, c)| *c).unwrap_or(0);
    let tiles = MEMORY_FAMILIES
        .iter()
        .filter(|(f, _)| count_of(f) > 0)
        .map(|(f, label)| {
            let active = fam.as_deref() == Some(*f);
            view! {
                <a class="tile" class:is-active=active href=memory_href(Some(f), None, None)>
                    <span class="tile-label">{*label}</span>
                    <span class="tile-value">{fmt::count(count_of(f))}</span>
                </a>
            }
        })
        .collect_view();
    let kinds_total: u64 = o.kind_counts.iter().map(|(_, n)| n).sum();
    let chips = (o.kind_counts.len() > 1).then(|| {
        let f = fam.clone();
        view! {
            <nav class="chip-row" aria-label="Kinds">
                <a class=if kind.is_none() { "chip chip-ok" } else { "chip chip-muted" } href=memory_href(f.as_deref(), None, None)>{format!("All kinds ({kinds_total})")}</a>
                {o.kind_counts.iter().map(|(k, n)| {
                    let on = kind.as_deref() == Some(k.as_str());
                    view! { <a class=if on { "chip chip-ok" } else { "chip chip-muted" } href=memory_href(f.as_deref(), Some(k), None)>{format!("{k} ({n})")}</a> }
                }).collect_view()}
            </nav>
        }
    });
    let pager = (o.pages > 1).then(|| {
        let (f, k) = (fam.clone(), kind.clone());
        view! {
            <nav class="pager" aria-label="Pages">
                {(o.page > 1).then(|| view! { <a href=memory_href(f.as_deref(), k.as_deref(), Some(o.page - 1))>"← Newer"</a> })}
                <span class="muted">{format!("page {} of {}", o.page, o.pages)}</span>
                {(o.page < o.pages).then(|| view! { <a href=memory_href(f.as_deref(), k.as_deref(), Some(o.page + 1))>"Older →"</a> })}
            </nav>
        }
    });
    let fam_for_rows = fam.clone();
    view! {
        <div class="tiles">
            {tiles}
            <a class="tile" class:is-active=fam.is_none() href="/memory">
                <span class="tile-label">"All keys"</span>
                <span class="tile-value">{fmt::count(o.total)}</span>
            </a>
        </div>
        {chips}
        {(o.skipped_keys > 0).then(|| view! { <p class="notice">{format!("{} key(s) that are not UTF-8 text were left out.", o.skipped_keys)}</p> })}
        <section class="panel">
            {if o.rows.is_empty() {
                view! { <p class="empty">"No key of this family and kind."</p> }.into_any()
            } else {
                view! {
                    <table class="table memory-table">
                        <thead><tr><th>"Node"</th><th>"Kind"</th><th>"Description"</th><th>"Size"</th></tr></thead>
                        <tbody>
                            {o.rows.into_iter().map(|r| {
                                let kind_href = memory_href(fam_for_rows.as_deref(), Some(&r.kind), None);
                                view! {
                                    <tr>
                                        <td><a href=format!("/memory/node?key={}", encode_component(&r.key)) title=r.key.clone()><code>{r.name.clone()}</code></a></td>
                                        <td><a class="chip" href=kind_href>{r.kind.clone()}</a></td>
                                        <td class="small">{if r.description.is_empty() { "—".to_string() } else { r.description.clone() }}</td>
                                        <td class="small nowrap">{if r.size.is_empty() { "—".to_string() } else { r.size.clone() }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {pager}
        </section>
    }
}

#[component]
pub fn MemoryNodePage() -> impl IntoView {
    let q = use_query_map();
    let key = move || q.read().get("key").unwrap_or_default();
    let data = Resource::new(key, get_memory_node);
    view! {
        <Title text="Memory node" />
        <nav class="crumbs"><a href="/memory">"← Back to Memory"</a></nav>
        <h1>"Memory node"</h1>
        <PageData resource=data loading="Reading the node…" let:d>
            <NodeView d />
        </PageData>
    }
}

#[component]
fn NodeView(d: MemoryNodeData) -> impl IntoView {
    match d.fields {
        None => {
            crate::pages::set_status(404);
            view! {
                <section class="panel empty-state">
                    <h2>"Node not available"</h2>
                    {(!d.key.is_empty()).then(|| view! { <p><code>{d.key.clone()}</code></p> })}
                    <p class="muted">{d.reason.unwrap_or_default()}</p>
                </section>
            }
            .into_any()
        }
        Some(fields) => view! {
            <p><code class="node-key">{d.key.clone()}</code></p>
            <section class="panel">
                <table class="table node-fields">
                    <thead><tr><th>"Field"</th><th>"Value"</th></tr></thead>
                    <tbody>
                        {fields.into_iter().map(|(f, v)| view! { <tr><th scope="row">{f}</th><td><pre class="wrap">{v}</pre></td></tr> }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
        .into_any(),
    }
}
