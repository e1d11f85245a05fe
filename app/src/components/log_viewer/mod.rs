//! The log viewer.
//!
//! Without JavaScript it is a plain `<pre>` of the last lines (with ANSI
//! colours, line anchors and a download link). Hydrated, it becomes a
//! virtual scroller over the *server's* log store: only the rows in view
//! are in the DOM, and only chunks of 256 lines near the view are held in
//! memory, fetched on demand from `GET /runs/{id}/log`. A million-line log
//! costs the browser what a screenful does.
//!
//! * follow mode: sticks to the bottom while lines arrive; scrolling up
//!   pauses it and shows "N new lines ↓";
//! * search over the whole log (server-side), with count and next/previous;
//! * line permalinks `#L123`; optional per-line timestamps; stderr marked;
//! * workflow names in a line become pills that chain to that workflow.
//!
//! Modules: [`geometry`] (which rows a scroll position shows: pure
//! numbers), [`model`] (the loaded chunks), `line` (one row rendered),
//! `search`, `static_log` (the server-rendered form).

pub mod geometry;
mod line;
mod model;
mod search;
mod static_log;

use leptos::html;
use leptos::prelude::*;

use attune_ops::wire::LogPage;

pub use geometry::{Viewport, ROW_H};
pub use line::{match_ranges, segments, Seg};
pub use model::LogModel;

use line::{row, RowLook};
use search::LogSearchState;
use static_log::StaticLog;

/// The viewer. `model` is shared with the page, which feeds it live lines.
#[component]
pub fn LogViewer(
    model: LogModel,
    initial: LogPage,
    full_log: bool,
    workflow_names: Vec<String>,
    /// Chain to a workflow named in the log (absent when runs are off).
    #[prop(optional)]
    on_pill: Option<Callback<String>>,
) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    // Work deferred to the next animation frame can outlive the viewer (a
    // client-side navigation in between disposes its signals): it runs only
    // while `mounted` still exists, or touching a disposed signal would
    // panic and stop the app.
    let next_frame = move |f: Box<dyn FnOnce()>| {
        request_animation_frame(move || {
            if mounted.try_get_untracked().is_some() {
                f()
            }
        })
    };
    let run_id = model.run_id();
    let names = StoredValue::new(workflow_names);

    // View state.
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0f64);
    let viewport_h = RwSignal::new(600.0f64);
    let follow = RwSignal::new(true);
    let paused_at = RwSignal::new(0u64);
    let show_ts = RwSignal::new(false);
    let highlight = RwSignal::new(None::<u64>);
    let search = LogSearchState::new();

    // Geometry: which lines are in view, where the window sits.
    let viewport = Signal::derive(move || Viewport::new(model.total.get(), scroll_top.get(), viewport_h.get()));

    // Fetch what the window needs.
    Effect::new(move |_| {
        if mounted.get() {
            let (a, b) = viewport.get().window();
            model.ensure(a, b);
        }
    });

    let set_scroll = move |px: f64| {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(px as i32);
            scroll_top.set(el.scroll_top() as f64);
        }
    };
    let pause = move || {
        follow.set(false);
        paused_at.set(model.total.get_untracked());
    };
    let to_bottom = move || {
        follow.set(true);
        // Browsers clamp to the largest valid position.
        set_scroll(i32::MAX as f64);
    };
    let jump_to = move |n: u64| {
        pause();
        highlight.set(Some(n));
        set_scroll(viewport.get_untracked().scroll_top_to_show(n));
    };

    // Follow: when lines arrive, stay at the bottom.
    Effect::new(move |_| {
        let _ = model.total.get();
        let _ = model.version.get();
        if mounted.get() && follow.get_untracked() {
            next_frame(Box::new(move || {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                    scroll_top.set(el.scroll_top() as f64);
                }
            }));
        }
    });

    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            viewport_h.set(el.client_height() as f64);
            let at_bottom = viewport.get_untracked().at_bottom(el.scroll_height() as f64);
            if at_bottom != follow.get_untracked() {
                if !at_bottom {
                    paused_at.set(model.total.get_untracked());
                }
                follow.set(at_bottom);
            }
        }
    };

    // Permalinks: #L123 on load and on hash change.
    #[cfg(feature = "hydrate")]
    {
        let goto_hash = move || {
            if let Some(h) = location_hash() {
                if let Some(n) = h.strip_prefix('L').and_then(|x| x.parse::<u64>().ok()) {
                    jump_to(n);
                }
            }
        };
        Effect::new(move |_| {
            if mounted.get() {
                if let Some(el) = scroller.get_untracked() {
                    viewport_h.set(el.client_height() as f64);
                }
                next_frame(Box::new(move || {
                    if location_hash().is_some_and(|h| h.starts_with('L')) {
                        goto_hash();
                    } else {
                        to_bottom();
                    }
                }));
            }
        });
        let h = window_event_listener(leptos::ev::hashchange, move |_| goto_hash());
        on_cleanup(move || h.remove());
    }

    let rows = move || {
        let _ = model.version.get();
        let (a, b) = viewport.get().window();
        let query = search.applied.get();
        let names = names.get_value();
        let look = RowLook { timestamps: show_ts.get(), highlight: highlight.get(), names: &names, query: &query, on_pill };
        if model.total.get() == 0 {
            return view! { <div class="ll muted">"No output yet."</div> }.into_any();
        }
        (a..=b).map(|n| row(n, model.line(n), &look)).collect_view().into_any()
    };

    let unseen = move || if follow.get() { 0 } else { model.total.get().saturating_sub(paused_at.get()) };
    let initial_static = initial.clone();
    let run_id2 = run_id.clone();

    view! {
        <div class="log-viewer">
            <div class="log-toolbar" role="toolbar" aria-label="Log tools">
                <form class="log-search" on:submit=move |ev| { ev.prevent_default(); search.run(model.run_id(), jump_to); }>
                    <input type="search" placeholder="Search the whole log" aria-label="Search the log"
                        prop:value=move || search.query.get()
                        on:input=move |ev| search.query.set(event_target_value(&ev)) />
                    <button type="submit" class="btn">"Find"</button>
                    <button type="button" class="btn" title="Previous match" on:click=move |_| search.step(-1, jump_to) disabled=move || !search.has_matches()>"↑"</button>
                    <button type="button" class="btn" title="Next match" on:click=move |_| search.step(1, jump_to) disabled=move || !search.has_matches()>"↓"</button>
                    <span class="search-status" aria-live="polite">{move || search.status()}</span>
                </form>
                <label class="toggle"><input type="checkbox" prop:checked=move || follow.get() on:change=move |_| if follow.get_untracked() { pause() } else { to_bottom() } /> "Follow"</label>
                <label class="toggle"><input type="checkbox" prop:checked=move || show_ts.get() on:change=move |_| show_ts.update(|v| *v = !*v) /> "Timestamps"</label>
                <span class="log-count">{move || format!("{} lines", crate::fmt::count(model.total.get()))}</span>
                <a class="btn" href=format!("/runs/{run_id}/log.txt") download>"Download"</a>
            </div>
            <Show when=move || mounted.get() fallback=move || view! { <StaticLog run_id=run_id2.clone() page=initial_static.clone() full_log /> }>
                <div class="log-scroll" node_ref=scroller on:scroll=on_scroll tabindex="0" aria-label="Run log" data-log="">
                    <div class="log-spacer" style=move || format!("height:{}px", viewport.get().content_height())>
                        <div class="log-window" style=move || { let v = viewport.get(); format!("transform:translateY({}px);--ln-w:{}ch", v.window_offset(), v.gutter_width()) }>
                            {rows}
                        </div>
                    </div>
                </div>
                <Show when=move || { unseen() > 0 }>
                    <button class="new-lines" on:click=move |_| to_bottom()>{move || format!("{} new lines ↓", crate::fmt::count(unseen()))}</button>
                </Show>
                {move || model.error.get().map(|e| view! { <p class="error-box">{e}</p> })}
            </Show>
        </div>
    }
}
