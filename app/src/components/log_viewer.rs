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

use std::collections::{HashMap, HashSet};

use leptos::html;
use leptos::prelude::*;

use attune_ops::ansi::{parse_line, Span};
use attune_ops::wire::{LogLine, LogPage, LogStream};

/// Height of one row, in CSS pixels (the stylesheet agrees).
pub const ROW_H: f64 = 18.0;
/// Lines per cached chunk.
const CHUNK: u64 = 256;
/// Chunks kept in memory at most (≈ 50k lines).
const MAX_CHUNKS: usize = 200;
/// Browsers cap element heights (Firefox near 17.9M px): past this the
/// scroll position maps proportionally onto line numbers.
const MAX_PX: f64 = 15_000_000.0;
/// Rows rendered beyond the viewport, each side.
const OVERSCAN: u64 = 12;

/// The client's view of a run's log: how many lines exist, and the chunks
/// loaded so far. Cheap to copy.
#[derive(Clone, Copy)]
pub struct LogModel {
    run_id: StoredValue<String>,
    pub total: RwSignal<u64>,
    pub finished: RwSignal<bool>,
    chunks: StoredValue<HashMap<u64, Vec<Option<LogLine>>>>,
    loading: StoredValue<HashSet<u64>>,
    /// Bumped whenever loaded lines change, to re-render.
    version: RwSignal<u64>,
    /// Set when a chunk could not be loaded.
    pub error: RwSignal<Option<String>>,
}

impl LogModel {
    pub fn new(run_id: String, initial: &LogPage) -> LogModel {
        let m = LogModel {
            run_id: StoredValue::new(run_id),
            total: RwSignal::new(initial.total),
            finished: RwSignal::new(initial.finished),
            chunks: StoredValue::new(HashMap::new()),
            loading: StoredValue::new(HashSet::new()),
            version: RwSignal::new(0),
            error: RwSignal::new(None),
        };
        m.insert(initial.lines.clone());
        m
    }

    fn insert(&self, lines: Vec<LogLine>) {
        if lines.is_empty() {
            return;
        }
        let max_n = lines.iter().map(|l| l.n).max().unwrap_or(0);
        self.chunks.update_value(|c| {
            for l in lines {
                let id = (l.n - 1) / CHUNK;
                let slot = ((l.n - 1) % CHUNK) as usize;
                let v = c.entry(id).or_insert_with(|| vec![None; CHUNK as usize]);
                v[slot] = Some(l);
            }
        });
        if max_n > self.total.get_untracked() {
            self.total.set(max_n);
        }
        self.version.update(|v| *v += 1);
    }

    /// New lines from the live stream.
    pub fn push(&self, lines: Vec<LogLine>) {
        // Lines far above the view need not be kept: only the tail chunk
        // and chunks already loaded are filled.
        let tail_id = self.total.get_untracked().saturating_sub(1) / CHUNK;
        let keep: Vec<LogLine> = lines
            .into_iter()
            .filter(|l| {
                let id = (l.n - 1) / CHUNK;
                id + 1 >= tail_id || self.chunks.with_value(|c| c.contains_key(&id))
            })
            .collect();
        let max_n = keep.last().map(|l| l.n).unwrap_or(0);
        if max_n > self.total.get_untracked() {
            self.total.set(max_n);
        }
        self.insert(keep);
    }

    pub fn line(&self, n: u64) -> Option<LogLine> {
        if n == 0 {
            return None;
        }
        self.chunks.with_value(|c| c.get(&((n - 1) / CHUNK)).and_then(|v| v[((n - 1) % CHUNK) as usize].clone()))
    }

    /// Loads the chunks covering lines `from..=to` that are missing, and
    /// forgets chunks far from them.
    pub fn ensure(&self, from: u64, to: u64) {
        let total = self.total.get_untracked();
        if total == 0 {
            return;
        }
        let to = to.min(total);
        if from > to {
            return;
        }
        let (a, b) = ((from.max(1) - 1) / CHUNK, (to - 1) / CHUNK);
        for id in a..=b {
            let first = id * CHUNK + 1;
            let last = ((id + 1) * CHUNK).min(total);
            let complete =
                self.chunks.with_value(|c| c.get(&id).is_some_and(|v| (first..=last).all(|n| v[((n - 1) % CHUNK) as usize].is_some())));
            if complete || self.loading.with_value(|l| l.contains(&id)) {
                continue;
            }
            self.loading.update_value(|l| {
                l.insert(id);
            });
            self.fetch_chunk(id);
        }
        // Evict chunks farthest from the view (never the tail one).
        let tail_id = (total - 1) / CHUNK;
        self.chunks.update_value(|c| {
            if c.len() > MAX_CHUNKS {
                let mut ids: Vec<u64> = c.keys().copied().filter(|&k| k != tail_id).collect();
                let center = (a + b) / 2;
                ids.sort_by_key(|&k| std::cmp::Reverse(k.abs_diff(center)));
                for k in ids.into_iter().take(c.len() - MAX_CHUNKS) {
                    c.remove(&k);
                }
            }
        });
    }

    #[cfg(feature = "hydrate")]
    fn fetch_chunk(&self, id: u64) {
        let this = *self;
        let url = format!("/runs/{}/log?from={}&limit={}", self.run_id.get_value(), id * CHUNK + 1, CHUNK);
        leptos::task::spawn_local(async move {
            let res = crate::client::get_json::<LogPage>(&url).await;
            this.loading.update_value(|l| {
                l.remove(&id);
            });
            match res {
                Ok(page) => {
                    this.finished.set(page.finished);
                    this.insert(page.lines);
                }
                Err(e) => this.error.set(Some(format!("could not load lines: {e}"))),
            }
        });
    }

    #[cfg(not(feature = "hydrate"))]
    fn fetch_chunk(&self, _id: u64) {}

    pub fn run_id(&self) -> String {
        self.run_id.get_value()
    }
}

/// A piece of a rendered line.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Text(String),
    Mark(String),
    Pill(String),
}

/// Byte ranges of `query` in `text`, case-insensitively (none when
/// lowercasing would change byte offsets, rather than wrong ones).
pub fn match_ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let lower = text.to_lowercase();
    let q = query.to_lowercase();
    if lower.len() != text.len() || q.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(f) = lower[k..].find(&q) {
        let a = k + f;
        if !text.is_char_boundary(a) || !text.is_char_boundary(a + q.len()) {
            break;
        }
        out.push((a, a + q.len()));
        k = a + q.len();
    }
    out
}

/// Splits `text` into plain text, marked ranges (`marks`, byte ranges in
/// `text`) and workflow pills (whole words equal to a known workflow name
/// that contains a dash, so prose words are left alone).
pub fn segments(text: &str, names: &[String], marks: &[(usize, usize)]) -> Vec<Seg> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut pills: Vec<(usize, usize)> = Vec::new();
    if !names.is_empty() {
        let mut i = 0;
        while i < bytes.len() {
            if is_word(bytes[i]) && (i == 0 || !is_word(bytes[i - 1])) {
                let mut j = i;
                while j < bytes.len() && is_word(bytes[j]) {
                    j += 1;
                }
                let w = &text[i..j];
                if w.contains('-') && names.iter().any(|n| n == w) {
                    pills.push((i, j));
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    let mut out = Vec::new();
    let push_text = |out: &mut Vec<Seg>, a: usize, b: usize| {
        // Plain text from a to b, with the marks that fall inside.
        let mut pos = a;
        for &(ma, mb) in marks {
            let (ma, mb) = (ma.max(a), mb.min(b));
            if ma >= mb || ma < pos {
                continue;
            }
            if ma > pos {
                out.push(Seg::Text(text[pos..ma].to_string()));
            }
            out.push(Seg::Mark(text[ma..mb].to_string()));
            pos = mb;
        }
        if pos < b {
            out.push(Seg::Text(text[pos..b].to_string()));
        }
    };
    let mut pos = 0;
    for (a, b) in pills {
        push_text(&mut out, pos, a);
        out.push(Seg::Pill(text[a..b].to_string()));
        pos = b;
    }
    push_text(&mut out, pos, text.len());
    out
}

fn render_spans(spans: Vec<Span>, names: &[String], query: &str, on_pill: Option<Callback<String>>) -> impl IntoView {
    // Search marks are found on the whole visible text, so a match that
    // crosses a colour change is still marked.
    let full: String = spans.iter().map(|s| s.text.as_str()).collect();
    let ranges = match_ranges(&full, query);
    let mut offset = 0;
    spans
        .into_iter()
        .map(|sp| {
            let len = sp.text.len();
            let local: Vec<(usize, usize)> = ranges
                .iter()
                .filter(|(a, b)| *b > offset && *a < offset + len)
                .map(|(a, b)| (a.saturating_sub(offset), (b - offset).min(len)))
                .collect();
            offset += len;
            let class = sp.style.classes();
            let style = sp.style.inline_css();
            let segs = segments(&sp.text, names, &local);
            let inner = segs
                .into_iter()
                .map(|s| match s {
                    Seg::Text(t) => t.into_any(),
                    Seg::Mark(t) => view! { <mark>{t}</mark> }.into_any(),
                    Seg::Pill(name) => match on_pill {
                        Some(cb) => {
                            let n2 = name.clone();
                            view! {
                                <button class="log-pill" title=format!("Run {name} on this run's scope") on:click=move |_| cb.run(n2.clone())>
                                    {name.clone()}
                                </button>
                            }
                            .into_any()
                        }
                        None => view! { <span class="log-pill static">{name}</span> }.into_any(),
                    },
                })
                .collect_view();
            if class.is_empty() && style.is_none() {
                view! { <span>{inner}</span> }.into_any()
            } else {
                view! { <span class=class style=style>{inner}</span> }.into_any()
            }
        })
        .collect_view()
}

/// `HH:MM:SS.mmm` in the viewer's local time (UTC on the server).
fn clock(ms: i64) -> String {
    if ms <= 0 {
        return "--:--:--.---".into();
    }
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}:{:02}.{:03}", d.get_hours(), d.get_minutes(), d.get_seconds(), d.get_milliseconds())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%H:%M:%S%.3f").to_string()).unwrap_or_default()
    }
}

/// The server-rendered form: the last lines as a `<pre>`.
#[component]
fn StaticLog(run_id: String, page: LogPage, full_log: bool) -> impl IntoView {
    let first = page.lines.first().map(|l| l.n).unwrap_or(0);
    let last = page.lines.last().map(|l| l.n).unwrap_or(0);
    let note = if page.total == 0 {
        "No output yet.".to_string()
    } else if first > 1 {
        format!("Showing lines {first}–{last} of {}.", crate::fmt::count(page.total))
    } else {
        format!("{} lines.", crate::fmt::count(page.total))
    };
    view! {
        <p class="log-note">
            {note} " "
            <a href=format!("/runs/{run_id}/log.txt") download>"Download the raw log"</a>
            {(!full_log).then_some(" (this record kept only the first 200 KB of output)")}
            {(!page.finished).then(|| view! { " · " <a href="">"Refresh"</a> " for new lines." })}
        </p>
        <pre class="log-static" data-log="" style=format!("--ln-w:{}ch", page.total.max(1).to_string().len().max(4) + 1)>
            {page.lines.into_iter().map(|l| {
                let id = format!("L{}", l.n);
                let err = l.s == LogStream::Stderr;
                let runner = l.s == LogStream::Runner;
                view! {
                    <div class="ll" class:ll-err=err class:ll-runner=runner id=id.clone()>
                        <a class="ln" href=format!("#{id}")>{l.n}</a>
                        <span class="lx">{render_spans(parse_line(&l.x), &[], "", None)}</span>
                    </div>
                }
            }).collect_view()}
        </pre>
    }
}

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
    let query = RwSignal::new(String::new());
    let applied_query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<attune_ops::wire::LogSearch>);
    let current = RwSignal::new(0usize);
    let search_error = RwSignal::new(None::<String>);

    // Geometry: which lines are in view.
    let visible_rows = move || (viewport_h.get() / ROW_H).ceil() as u64 + 1;
    let scaled = move || model.total.get() as f64 * ROW_H > MAX_PX;
    let content_h = move || (model.total.get() as f64 * ROW_H).min(MAX_PX);
    let first_line = move || {
        let total = model.total.get();
        if total == 0 {
            return 1;
        }
        let st = scroll_top.get();
        let n = if scaled() {
            let span = (content_h() - viewport_h.get()).max(1.0);
            ((st / span).clamp(0.0, 1.0) * (total.saturating_sub(visible_rows()) as f64)) as u64 + 1
        } else {
            (st / ROW_H) as u64 + 1
        };
        n.clamp(1, total)
    };
    let window = move || {
        let total = model.total.get();
        let f = first_line();
        (f.saturating_sub(OVERSCAN).max(1), (f + visible_rows() + OVERSCAN).min(total))
    };
    let offset_px = move || {
        let (a, _) = window();
        if scaled() {
            // Keep the window at the scroll position, shifted by the rows
            // rendered above the first visible one.
            (scroll_top.get() - (first_line() - a) as f64 * ROW_H).max(0.0)
        } else {
            (a - 1) as f64 * ROW_H
        }
    };
    let scroll_pos_of = move |n: u64| -> f64 {
        let total = model.total.get_untracked().max(1);
        if model.total.get_untracked() as f64 * ROW_H > MAX_PX {
            let span = (MAX_PX - viewport_h.get_untracked()).max(1.0);
            let rows = (viewport_h.get_untracked() / ROW_H).ceil() as u64 + 1;
            (n.saturating_sub(1) as f64 / total.saturating_sub(rows).max(1) as f64) * span
        } else {
            (n.saturating_sub(1)) as f64 * ROW_H
        }
    };

    // Fetch what the window needs.
    Effect::new(move |_| {
        if mounted.get() {
            let (a, b) = window();
            model.ensure(a, b);
        }
    });

    let set_scroll = move |px: f64| {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(px as i32);
            scroll_top.set(el.scroll_top() as f64);
        }
    };
    let to_bottom = move || {
        follow.set(true);
        // Browsers clamp to the largest valid position.
        set_scroll(i32::MAX as f64);
    };
    let jump_to = move |n: u64| {
        follow.set(false);
        paused_at.set(model.total.get_untracked());
        highlight.set(Some(n));
        let px = scroll_pos_of(n) - viewport_h.get_untracked() / 3.0;
        set_scroll(px.max(0.0));
    };

    // Follow: when lines arrive, stay at the bottom.
    Effect::new(move |_| {
        let _ = model.total.get();
        let _ = model.version.get();
        if mounted.get() && follow.get_untracked() {
            request_animation_frame(move || {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                    scroll_top.set(el.scroll_top() as f64);
                }
            });
        }
    });

    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            let st = el.scroll_top() as f64;
            let ch = el.client_height() as f64;
            scroll_top.set(st);
            viewport_h.set(ch);
            let at_bottom = st + ch >= el.scroll_height() as f64 - ROW_H;
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
                request_animation_frame(move || {
                    if location_hash().is_some_and(|h| h.starts_with('L')) {
                        goto_hash();
                    } else {
                        to_bottom();
                    }
                });
            }
        });
        let h = window_event_listener(leptos::ev::hashchange, move |_| goto_hash());
        on_cleanup(move || h.remove());
    }

    // Search over the whole log, on the server.
    let run_search = move || {
        let q = query.get_untracked();
        applied_query.set(q.clone());
        results.set(None);
        search_error.set(None);
        #[cfg(feature = "hydrate")]
        if !q.is_empty() {
            let url = format!("/runs/{}/search?q={}", model.run_id(), crate::client::encode_component(&q));
            leptos::task::spawn_local(async move {
                match crate::client::get_json::<attune_ops::wire::LogSearch>(&url).await {
                    Ok(r) => {
                        current.set(0);
                        if let Some(&n) = r.lines.first() {
                            jump_to(n);
                        }
                        results.set(Some(r));
                    }
                    Err(e) => search_error.set(Some(e)),
                }
            });
        }
    };

    let step = move |d: i64| {
        if let Some(r) = results.get_untracked() {
            if r.lines.is_empty() {
                return;
            }
            let len = r.lines.len() as i64;
            let i = ((current.get_untracked() as i64 + d) % len + len) % len;
            current.set(i as usize);
            jump_to(r.lines[i as usize]);
        }
    };
    let search_status = move || match (results.get(), search_error.get()) {
        (_, Some(e)) => e,
        (Some(r), _) if r.total == 0 => "no matches".into(),
        (Some(r), _) => format!(
            "{} / {}{}",
            current.get() + 1,
            crate::fmt::count(r.total),
            if r.capped { format!(" (first {} navigable)", crate::fmt::count(r.lines.len() as u64)) } else { String::new() }
        ),
        (None, None) => String::new(),
    };

    let rows = move || {
        let _ = model.version.get();
        let (a, b) = window();
        let q = applied_query.get();
        let ts = show_ts.get();
        let hl = highlight.get();
        let names = names.get_value();
        if model.total.get() == 0 {
            return view! { <div class="ll muted">"No output yet."</div> }.into_any();
        }
        (a..=b)
            .map(|n| match model.line(n) {
                Some(l) => {
                    let err = l.s == LogStream::Stderr;
                    let runner = l.s == LogStream::Runner;
                    view! {
                        <div class="ll" class:ll-err=err class:ll-runner=runner class:ll-hl=hl == Some(n) id=format!("L{n}")>
                            <a class="ln" href=format!("#L{n}") title="Link to this line">{n}</a>
                            {ts.then(|| view! { <span class="lt">{clock(l.t)}</span> })}
                            <span class="lx">{render_spans(parse_line(&l.x), &names, &q, on_pill)}</span>
                        </div>
                    }
                    .into_any()
                }
                None => view! { <div class="ll ll-loading"><span class="ln">{n}</span><span class="lx muted">"…"</span></div> }.into_any(),
            })
            .collect_view()
            .into_any()
    };

    let unseen = move || if follow.get() { 0 } else { model.total.get().saturating_sub(paused_at.get()) };
    let initial_static = initial.clone();
    let run_id2 = run_id.clone();

    view! {
        <div class="log-viewer">
            <div class="log-toolbar" role="toolbar" aria-label="Log tools">
                <form class="log-search" on:submit=move |ev| { ev.prevent_default(); run_search(); }>
                    <input type="search" placeholder="Search the whole log" aria-label="Search the log"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev)) />
                    <button type="submit" class="btn">"Find"</button>
                    <button type="button" class="btn" title="Previous match" on:click=move |_| step(-1) disabled=move || results.get().is_none_or(|r| r.lines.is_empty())>"↑"</button>
                    <button type="button" class="btn" title="Next match" on:click=move |_| step(1) disabled=move || results.get().is_none_or(|r| r.lines.is_empty())>"↓"</button>
                    <span class="search-status" aria-live="polite">{search_status}</span>
                </form>
                <label class="toggle"><input type="checkbox" prop:checked=move || follow.get() on:change=move |_| if follow.get_untracked() { follow.set(false); paused_at.set(model.total.get_untracked()); } else { to_bottom() } /> "Follow"</label>
                <label class="toggle"><input type="checkbox" prop:checked=move || show_ts.get() on:change=move |_| show_ts.update(|v| *v = !*v) /> "Timestamps"</label>
                <span class="log-count">{move || format!("{} lines", crate::fmt::count(model.total.get()))}</span>
                <a class="btn" href=format!("/runs/{run_id}/log.txt") download>"Download"</a>
            </div>
            <Show when=move || mounted.get() fallback=move || view! { <StaticLog run_id=run_id2.clone() page=initial_static.clone() full_log /> }>
                <div class="log-scroll" node_ref=scroller on:scroll=on_scroll tabindex="0" aria-label="Run log" data-log="">
                    <div class="log-spacer" style=move || format!("height:{}px", content_h())>
                        <div class="log-window" style=move || format!("transform:translateY({}px);--ln-w:{}ch", offset_px(), model.total.get().max(1).to_string().len().max(4) + 1)>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_mark_and_pill() {
        let names = vec!["test-audit".to_string(), "fix".to_string()];
        let text = "run test-audit to fix ERROR now";
        assert_eq!(
            segments(text, &names, &match_ranges(text, "error")),
            vec![
                Seg::Text("run ".into()),
                Seg::Pill("test-audit".into()),
                Seg::Text(" to fix ".into()),
                Seg::Mark("ERROR".into()),
                Seg::Text(" now".into())
            ]
        );
        assert_eq!(segments("my-test-audit-x", &names, &[]), vec![Seg::Text("my-test-audit-x".into())]);
        assert_eq!(match_ranges("aaa", "a"), vec![(0, 1), (1, 2), (2, 3)]);
        assert_eq!(match_ranges("ÉRROR", "é"), vec![(0, 2)]);
        // Lowercasing that changes byte lengths: no marks rather than wrong ones.
        assert_eq!(match_ranges("İx", "x"), vec![]);
        // A match crossing a span boundary marks both parts.
        assert_eq!(segments("error", &[], &[(3, 5)]), vec![Seg::Text("err".into()), Seg::Mark("or".into())]);
    }
}
