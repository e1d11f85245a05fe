//! Sessions: the project's Claude Code sessions, and one session's turns.
//!
//! Window, search and sort live in the URL (`?days=&q=&sort=`), applied on
//! the server for the first paint, so the page works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use attune_ops::wire::{SessionDetail, SessionInfo, SessionList};

use crate::api::{get_session, get_sessions, ApiError};
use crate::components::page_data::PageData;
use crate::components::ErrorBox;
use crate::fmt;

const WINDOWS: [(&str, f64); 5] = [("1 day", 1.0), ("3 days", 3.0), ("7 days", 7.0), ("30 days", 30.0), ("1 year", 365.0)];
const SORTS: [(&str, &str); 4] =
    [("recent", "most recent"), ("longest", "longest"), ("messages", "most messages"), ("tokens", "most tokens")];

fn tokens(s: &SessionInfo) -> u64 {
    s.input_tokens + s.output_tokens + s.cache_read_tokens + s.cache_creation_tokens
}

/// What to show as the session's title (redacted by the engine).
pub fn title_of(s: &SessionInfo) -> String {
    s.title.clone()
}

fn compact(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let q = use_query_map();
    let days = move || q.read().get("days").and_then(|d| d.parse::<f64>().ok()).filter(|d| *d > 0.0).unwrap_or(3.0);
    let data = Resource::new(days, |d| get_sessions(d, 0));
    view! {
        <Title text="Sessions" />
        <h1>"Claude Code sessions"</h1>
        <PageData resource=data loading="Reading sessions…" let:l>
            <SessionsView list=l days=days() />
        </PageData>
    }
}

#[component]
fn SessionsView(list: SessionList, days: f64) -> impl IntoView {
    let q = use_query_map();
    let initial_q = q.read_untracked().get("q").unwrap_or_default();
    let initial_sort = q.read_untracked().get("sort").filter(|s| SORTS.iter().any(|(k, _)| k == s)).unwrap_or_else(|| "recent".into());
    let search = RwSignal::new(initial_q);
    let sort = RwSignal::new(initial_sort);
    let all = StoredValue::new(list.sessions.clone());
    let now = fmt::now();
    let rows = move || {
        let needle = search.get().to_lowercase();
        let mut v: Vec<SessionInfo> = all
            .get_value()
            .into_iter()
            .filter(|s| {
                needle.is_empty()
                    || title_of(s).to_lowercase().contains(&needle)
                    || s.id.to_lowercase().contains(&needle)
                    || s.git_branch.as_deref().unwrap_or("").to_lowercase().contains(&needle)
                    || s.models.iter().any(|m| m.to_lowercase().contains(&needle))
            })
            .collect();
        match sort.get().as_str() {
            "longest" => v.sort_by(|a, b| b.duration_seconds.total_cmp(&a.duration_seconds)),
            "messages" => v.sort_by_key(|s| std::cmp::Reverse(s.user_messages + s.assistant_messages)),
            "tokens" => v.sort_by_key(|s| std::cmp::Reverse(tokens(s))),
            _ => {}
        }
        v
    };
    // Keep the URL in step with search and sort (browser only).
    Effect::new(move |_| {
        let (q, s) = (search.get(), sort.get());
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let url = format!(
                "/sessions?days={days}{}{}",
                if q.is_empty() { String::new() } else { format!("&q={}", crate::urlcode::encode_component(&q)) },
                if s == "recent" { String::new() } else { format!("&sort={s}") }
            );
            let _ = w.history().and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (q, s);
    });
    let total = list.sessions.len();
    let active = list.sessions.iter().filter(|s| s.active).count();
    view! {
        <p class="lede">
            {format!("{total} session(s) active in the last {} ({} file(s) in all", WINDOWS.iter().find(|w| w.1 == days).map(|w| w.0.to_string()).unwrap_or_else(|| format!("{days} days")), list.files_total)}
            {if active > 0 { format!("; {active} active now). ") } else { "). ".to_string() }}
            {(list.skipped_lines > 0).then(|| format!("{} malformed line(s) skipped.", fmt::count(list.skipped_lines)))}
        </p>
        {list.dirs.is_empty().then(|| view! {
            <section class="panel empty"><p>"No Claude Code session directory for this project yet. Sessions appear here once Claude Code has been used in the project (or a worktree of it)."</p></section>
        })}
        <form class="filters" method="get" action="/sessions">
            <label>"Window "
                <select name="days" on:change=submit_own_form>
                    {WINDOWS.iter().map(|(label, d)| view! { <option value=d.to_string() selected={*d == days}>{*label}</option> }).collect_view()}
                </select>
            </label>
            <label>"Search " <input type="search" name="q" placeholder="prompt, branch, model or id" value=search.get_untracked() prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) /></label>
            <label>"Sort "
                <select name="sort" on:change=move |ev| sort.set(event_target_value(&ev))>
                    {SORTS.iter().map(|(k, label)| view! { <option value=*k selected=move || sort.get() == *k>{*label}</option> }).collect_view()}
                </select>
            </label>
            <noscript><button class="btn" type="submit">"Apply"</button></noscript>
        </form>
        <section class="panel">
            <table class="table sessions">
                <thead><tr><th>"Session"</th><th>"Last activity"</th><th class="num">"Duration"</th><th class="num">"Turns"</th><th>"Models"</th><th class="num">"Tokens"</th><th>"Branch"</th></tr></thead>
                <tbody>
                    {move || {
                        let v = rows();
                        if v.is_empty() {
                            return view! { <tr><td colspan="7" class="empty">"No sessions match."</td></tr> }.into_any();
                        }
                        v.into_iter().map(|s| {
                            let when = fmt::parse_time(&s.last_activity).map(|t| fmt::ago(t, now)).unwrap_or_else(|| "—".into());
                            let turns = s.user_messages + s.assistant_messages;
                            view! {
                                <tr class:session-active=s.active>
                                    <td class="session-title">
                                        <a href=format!("/sessions/{}", s.id)>{title_of(&s)}</a>
                                        <div class="muted mono small">{s.id.chars().take(8).collect::<String>()}{s.active.then(|| view! { " " <span class="chip chip-running">"active"</span> })}</div>
                                    </td>
                                    <td title=s.last_activity.clone()>{when}</td>
                                    <td class="num">{fmt::duration(s.duration_seconds)}</td>
                                    <td class="num" title=format!("{} prompts (queue), {} user and {} assistant messages, {} tool calls", s.message_count, s.user_messages, s.assistant_messages, s.tool_uses)>{turns.max(s.message_count)}</td>
                                    <td class="small">{s.models.join(", ")}</td>
                                    <td class="num" title=format!("in {} · out {} · cache read {} · cache write {}", s.input_tokens, s.output_tokens, s.cache_read_tokens, s.cache_creation_tokens)>{compact(tokens(&s))}</td>
                                    <td class="mono small">{s.git_branch.clone().unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
        </section>
    }
}

#[component]
pub fn SessionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new(id, get_session);
    view! {
        <PageData resource=data loading="Reading the session…" error_page=|e: ApiError| view! { <Title text="Session" /> <h1>"Session"</h1> <ErrorBox error=e /> } let:d>
            <SessionView d />
        </PageData>
    }
}

#[component]
fn SessionView(d: SessionDetail) -> impl IntoView {
    let s = d.session;
    view! {
        <Title text=format!("Session {}", s.id.chars().take(8).collect::<String>()) />
        <nav class="crumbs"><a href="/sessions">"← Sessions"</a></nav>
        <h1 class="session-h1">{title_of(&s)}</h1>
        <div class="run-meta">
            <span class="meta-item mono">{s.id.clone()}</span>
            {s.active.then(|| view! { <span class="chip chip-running">"active"</span> })}
            <span class="meta-item" title=s.started_at.clone()>"started " {fmt::short_time(&s.started_at)} " UTC"</span>
            <span class="meta-item">{fmt::duration(s.duration_seconds)}</span>
            {s.git_branch.clone().map(|b| view! { <span class="meta-item">"branch " <code>{b}</code></span> })}
            <span class="meta-item">{s.models.join(", ")}</span>
            <span class="meta-item">{format!("{} in / {} out tokens, {} cached", compact(s.input_tokens), compact(s.output_tokens), compact(s.cache_read_tokens))}</span>
        </div>
        <p class="notice">{format!("Secrets are redacted (API keys, tokens, passwords, home paths, e-mail and IP addresses): {} replacement(s) in this session.", d.redactions)}</p>
        <section class="turns">
            {d.turns.into_iter().map(|t| {
                let role = t.role.clone();
                view! {
                    <article class=format!("turn turn-{role}")>
                        <header class="turn-head">
                            <span class="turn-role">{if role == "user" { "you" } else { "Claude" }}</span>
                            <span class="muted small">{fmt::short_time(&t.timestamp)}</span>
                            {t.model.clone().map(|m| view! { <span class="muted small">{m}</span> })}
                        </header>
                        {t.text.into_iter().map(|x| view! { <div class="turn-text">{x}</div> }).collect_view()}
                        {(!t.tools.is_empty()).then(|| view! {
                            <details class="turn-tools"><summary>{format!("{} tool call(s)", t.tools.len())}</summary>
                                {t.tools.into_iter().map(|x| view! { <pre>{x}</pre> }).collect_view()}
                            </details>
                        })}
                        {(!t.results.is_empty()).then(|| view! {
                            <details class="turn-tools"><summary>{format!("{} tool result(s)", t.results.len())}</summary>
                                {t.results.into_iter().map(|x| view! { <pre>{x}</pre> }).collect_view()}
                            </details>
                        })}
                    </article>
                }
            }).collect_view()}
        </section>
    }
}

/// A window change reloads the page with the new window (the server reads
/// it), like the form's Apply button does without JavaScript. A handler,
/// not an inline `onchange`: the page's CSP runs no inline script.
fn submit_own_form(ev: leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    if let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).and_then(|s| s.form()) {
        let _ = form.submit();
    }
}
