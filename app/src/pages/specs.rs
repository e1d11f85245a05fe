//! The Specs page (`/specs`) and a spec's page (`/specs/:slug`).
//!
//! The listing filters by lifecycle bucket, searches slugs and sorts, all
//! kept in the URL (`?bucket=a,b&q=&sort=recent|alpha|oldest`), so a view
//! can be shared and works without JavaScript (chips are links, search and
//! sort a GET form). Status flips and the "Ready to close?" actions are
//! plain forms posting to `/specs/{slug}/{phase}/status` and
//! `/specs/{slug}/dismiss`; hydrated, the same forms call server functions
//! and the page refreshes in place.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use attune_ops::wire::{Candidate, SpecPageData, SpecRecord, SpecsPageData};

use crate::api::{dismiss_candidate, get_candidates, get_spec, get_specs, set_spec_status, ApiError};
use crate::components::page_data::PageData;
use crate::components::{ErrorBox, Flash, TokenInput};
use crate::fmt;

/// Lifecycle buckets in the filter row: `(name, label)`.
pub const BUCKETS: [(&str, &str); 7] = [
    ("active", "Active"),
    ("approved-not-shipped", "Approved-not-shipped"),
    ("complete", "Complete"),
    ("paused", "Paused"),
    ("parked", "Parked"),
    ("stale", "Stale"),
    ("draft", "Draft"),
];

/// The statuses offered by the editor (the flip's vocabulary).
const EDIT_STATUSES: [&str; 4] = ["draft", "in-review", "approved", "complete"];

/// `?bucket=a,b`: valid names only; none → every bucket but Complete.
pub fn parse_buckets(v: Option<&str>) -> Vec<String> {
    let picked: Vec<String> =
        v.unwrap_or("").split(',').map(str::trim).filter(|b| BUCKETS.iter().any(|(n, _)| n == b)).map(str::to_string).collect();
    if picked.is_empty() {
        BUCKETS.iter().filter(|(n, _)| *n != "complete").map(|(n, _)| n.to_string()).collect()
    } else {
        BUCKETS.iter().filter(|(n, _)| picked.iter().any(|p| p == n)).map(|(n, _)| n.to_string()).collect()
    }
}

/// `?sort=`: `recent` (default), `alpha` or `oldest`.
pub fn parse_sort(v: Option<&str>) -> &'static str {
    match v {
        Some("alpha") => "alpha",
        Some("oldest") => "oldest",
        _ => "recent",
    }
}

/// The listing URL for a state.
pub fn specs_href(buckets: &[String], q: &str, sort: &str) -> String {
    let mut parts = vec![format!("bucket={}", buckets.join(","))];
    if !q.is_empty() {
        parts.push(format!("q={}", crate::urlcode::encode_component(q)));
    }
    if sort != "recent" {
        parts.push(format!("sort={sort}"));
    }
    format!("/specs?{}", parts.join("&"))
}

/// The specs shown: in the buckets, matching `q` (slug substring, any
/// case), sorted.
pub fn visible(specs: &[SpecRecord], buckets: &[String], q: &str, sort: &str) -> Vec<SpecRecord> {
    let q = q.to_lowercase();
    let mut v: Vec<SpecRecord> =
        specs.iter().filter(|s| buckets.contains(&s.lifecycle) && (q.is_empty() || s.slug.to_lowercase().contains(&q))).cloned().collect();
    match sort {
        "alpha" => v.sort_by(|a, b| a.slug.cmp(&b.slug)),
        "oldest" => v.sort_by(|a, b| match (&a.last_modified, &b.last_modified) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.slug.cmp(&b.slug),
        }),
        _ => v.sort_by(|a, b| match (&a.last_modified, &b.last_modified) {
            (Some(x), Some(y)) => y.cmp(x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.slug.cmp(&b.slug),
        }),
    }
    v
}

/// The stage chip's tooltip: every phase, then the next action.
fn stage_tip(s: &SpecRecord) -> String {
    let phases: Vec<String> = s
        .phases
        .iter()
        .map(|p| {
            if p.exists {
                format!("{}: {}", p.name, p.status.clone().unwrap_or_else(|| "(no status)".into()))
            } else if s.waived_phases.contains(&p.name) {
                format!("{}: waived", p.name)
            } else {
                format!("{}: —", p.name)
            }
        })
        .collect();
    format!("{} · Next: {}", phases.join(" · "), s.next_action)
}

/// Query-string flash messages from the plain forms.
#[component]
pub fn SpecsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| get_specs());
    view! {
        <Title text="Specs" />
        <h1>"Specs"</h1>
        <Flash />
        <PageData resource=data loading="Reading the spec folders…" let:d>
            <SpecsView d version />
        </PageData>
        <PendingWrites version />
    }
}

/// Status flips (and any other dashboard write) not committed yet: the
/// pending-writes journal, for this project. Shown only when there are
/// some; refreshed after a flip.
#[component]
fn PendingWrites(version: RwSignal<u32>) -> impl IntoView {
    let data = Resource::new(move || version.get(), |_| crate::api::get_pending_writes());
    let now = fmt::now();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let p = data.await.ok().filter(|p| !p.uncommitted.is_empty())?;
                Some(view! {
                    <section class="panel pending-writes">
                        <h2>{format!("Dashboard writes not committed yet ({})", p.uncommitted.len())}</h2>
                        <p class="muted small">"From the pending-writes journal shared by attune's tools: commit them, or they stay local."</p>
                        <table class="table">
                            <thead><tr><th>"File"</th><th>"Change"</th><th>"When"</th><th>"On disk"</th><th>"Dashboard"</th></tr></thead>
                            <tbody>
                                {p.uncommitted.into_iter().map(|w| {
                                    let when = fmt::parse_time(&w.ts).map(|t| fmt::ago(t, now)).unwrap_or_else(|| w.ts.clone());
                                    view! {
                                        <tr>
                                            <td><code>{w.file_path.clone()}</code></td>
                                            <td>{w.action.replace('_', " ")}</td>
                                            <td title=w.ts.clone()>{when}</td>
                                            <td>{if w.matches_journal { view! { <span class="chip chip-ok">"as written"</span> }.into_any() } else { view! { <span class="chip chip-warn">"changed since"</span> }.into_any() }}</td>
                                            <td class="small muted">{if w.dashboard_still_running { "still running" } else { "stopped" }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn SpecsView(d: SpecsPageData, version: RwSignal<u32>) -> impl IntoView {
    let q = use_query_map();
    let loc = use_location();
    let navigate = use_navigate();
    let buckets = Memo::new(move |_| parse_buckets(q.read().get("bucket").as_deref()));
    let sort = Memo::new(move |_| parse_sort(q.read().get("sort").as_deref()));
    let query = Memo::new(move |_| q.read().get("q").map(|s| s.chars().take(200).collect::<String>()).unwrap_or_default());
    let back = move || {
        format!(
            "{}{}",
            loc.pathname.get(),
            loc.search.get().chars().next().map(|_| format!("?{}", loc.search.get().trim_start_matches('?'))).unwrap_or_default()
        )
    };
    let n = d.specs.len();
    let m = d.roots.len();
    let counts: Vec<(String, usize)> =
        BUCKETS.iter().map(|(b, _)| (b.to_string(), d.specs.iter().filter(|s| s.lifecycle == *b).count())).collect();
    let specs = StoredValue::new(d.specs.clone());
    let repo_of = {
        let roots = d.roots.clone();
        let urls = d.repo_urls.clone();
        move |root: &str| roots.iter().position(|r| r == root).and_then(|i| urls.get(i).cloned().flatten())
    };
    let repo_of = StoredValue::new(repo_of);
    let allow_run = d.allow_run;
    let nav_search = navigate.clone();
    let on_search = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        nav_search(
            &specs_href(&buckets.get_untracked(), &v, sort.get_untracked()),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let nav_sort = navigate.clone();
    let on_sort = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        nav_sort(
            &specs_href(&buckets.get_untracked(), &query.get_untracked(), parse_sort(Some(&v))),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let on_filter_submit = |ev: leptos::ev::SubmitEvent| ev.prevent_default();
    view! {
        <p class="lede">
            {format!("{n} spec{} across {m} root{}. ", if n == 1 { "" } else { "s" }, if m == 1 { "" } else { "s" })}
            {if allow_run { "Click a stage chip to flip the next phase's status." } else { "Read-only mode — restart with --allow-run to edit statuses." }}
        </p>
        <p class="muted small roots">"Reading from " {d.roots.iter().enumerate().map(|(i, r)| view! { {(i > 0).then_some(", ")} <code>{r.clone()}</code> }).collect_view()}</p>
        {d.candidates_enabled.then(|| view! { <CandidatesSection version /> })}
        {if n == 0 {
            view! {
                <section class="panel empty">
                    <p>"No specs found. Configure a roots directory with " <code>"attune-ops --specs-root <dir>"</code> ", or place spec folders under " <code>"docs/specs/"</code> "."</p>
                </section>
            }.into_any()
        } else {
            view! {
                <div class="specs-toolbar">
                    <nav class="chip-row" aria-label="Lifecycle bucket filters">
                        <span class="muted small">"Filter:"</span>
                        {counts.iter().map(|(b, c)| {
                            let b = b.clone();
                            let label = BUCKETS.iter().find(|(n, _)| *n == b).map(|x| x.1).unwrap_or("");
                            let c = *c;
                            let b2 = b.clone();
                            let active = Memo::new(move |_| buckets.get().contains(&b2));
                            let b3 = b.clone();
                            let href = move || {
                                let mut cur = buckets.get();
                                if cur.contains(&b3) { cur.retain(|x| *x != b3) } else { cur.push(b3.clone()) }
                                // Keep the canonical order.
                                let cur: Vec<String> = BUCKETS.iter().filter(|(n, _)| cur.iter().any(|x| x == n)).map(|(n, _)| n.to_string()).collect();
                                specs_href(&cur, &query.get(), sort.get())
                            };
                            view! {
                                <a class=format!("chip bucket-chip bucket-{b}") class:chip-on=move || active.get() href=href aria-pressed=move || if active.get() { "true" } else { "false" } data-bucket=b.clone()>
                                    {label} " " <span class="chip-count">{c}</span>
                                </a>
                            }
                        }).collect_view()}
                    </nav>
                    <form class="specs-search" method="get" action="/specs" on:submit=on_filter_submit>
                        <input type="hidden" name="bucket" value=buckets.get_untracked().join(",") prop:value=move || buckets.get().join(",") />
                        <label>"Search " <input type="search" name="q" placeholder="slug substring…" autocomplete="off" value=query.get_untracked() prop:value=move || query.get() on:input=on_search /></label>
                        <label>"Sort "
                            <select name="sort" on:change=on_sort prop:value=move || sort.get().to_string()>
                                <option value="recent" selected=move || sort.get() == "recent">"Recently updated"</option>
                                <option value="alpha" selected=move || sort.get() == "alpha">"Alphabetical"</option>
                                <option value="oldest" selected=move || sort.get() == "oldest">"Oldest untouched"</option>
                            </select>
                        </label>
                        <noscript><button class="btn btn-small" type="submit">"Apply"</button></noscript>
                    </form>
                </div>
                <table class="table specs-table">
                    <thead><tr><th>"Spec"</th><th>"Updated"</th><th>"Stage"</th><th>"Lifecycle"</th><th class="col-actions">"Links"</th></tr></thead>
                    <tbody>
                        {move || {
                            let now = fmt::now();
                            let rows = specs.with_value(|all| visible(all, &buckets.get(), &query.get(), sort.get()));
                            if rows.is_empty() {
                                return view! { <tr><td colspan="5" class="empty">"No spec matches these filters."</td></tr> }.into_any();
                            }
                            rows.into_iter().map(|s| {
                                let ago = s.last_modified.as_deref().and_then(fmt::parse_time).map(|t| fmt::ago(t, now)).unwrap_or_else(|| "—".into());
                                let repo = repo_of.with_value(|f| f(&s.root));
                                let prs = repo.map(|r| format!("{r}/pulls?q={}", crate::urlcode::encode_component(&s.slug)));
                                let editor = format!("vscode://file{}", s.path);
                                view! {
                                    <tr data-slug=s.slug.clone() data-bucket=s.lifecycle.clone()>
                                        <td><a href=format!("/specs/{}", s.slug)><code>{s.slug.clone()}</code></a>
                                            {(m > 1).then(|| view! { <span class="muted small">" · " {s.root.rsplit('/').next().unwrap_or("").to_string()}</span> })}
                                        </td>
                                        <td title=s.last_modified.clone().unwrap_or_default()>{ago}</td>
                                        <td><StageCell s=s.clone() allow_run back=back() version /></td>
                                        <td><span class=format!("chip lifecycle-{}", s.lifecycle)>{s.lifecycle.replace('-', " ")}</span></td>
                                        <td class="col-actions">
                                            <a href=editor title="Open in VS Code">"editor"</a>
                                            {prs.map(|u| view! { " · " <a href=u rel="noopener" target="_blank">"PRs"</a> })}
                                        </td>
                                    </tr>
                                }
                                .into_any()
                            }).collect_view().into_any()
                        }}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

/// The stage chip, its tooltip, the gate badge, and (runs enabled) an
/// editor for the next phase's status.
#[component]
fn StageCell(s: SpecRecord, allow_run: bool, back: String, version: RwSignal<u32>) -> impl IntoView {
    let tip = stage_tip(&s);
    let chip = format!("chip stage-chip stage-{}", s.stage);
    let gate = s.gate.clone().map(|g| {
        view! { <span class=format!("chip gate-badge gate-{}", g.state.to_lowercase()) title=format!("Gate {} ({}): {}", g.gate_id, g.phase, g.state)>{g.state.clone()}</span> }
    });
    match (allow_run, s.next_phase.clone()) {
        (true, Some(phase)) => view! {
            <details class="stage-edit">
                <summary class=chip title=tip>{s.stage.clone()}</summary>
                <StatusForm slug=s.slug.clone() phase current=s.next_phase_status.clone() back version />
            </details>
            {gate}
        }
        .into_any(),
        _ => view! { <span class=chip title=tip>{s.stage.clone()}</span> {gate} }.into_any(),
    }
}

/// A status form for one phase: a plain POST, or (hydrated) the server
/// function followed by a refresh.
#[component]
fn StatusForm(slug: String, phase: String, current: Option<String>, back: String, version: RwSignal<u32>) -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let choice = RwSignal::new(current.clone().filter(|c| EDIT_STATUSES.contains(&c.as_str())).unwrap_or_else(|| "approved".into()));
    let (s2, p2) = (slug.clone(), phase.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (slug, phase, st) = (s2.clone(), p2.clone(), choice.get_untracked());
        busy.set(true);
        status.set(Some("saving…".into()));
        leptos::task::spawn_local(async move {
            // `try_*`: the editor may be gone by the time the answer comes.
            match set_spec_status(slug, phase, st.clone()).await {
                Ok(_) => {
                    let _ = status.try_set(Some(format!("set to {st}")));
                    let _ = version.try_update(|v| *v += 1);
                }
                Err(e) => {
                    let _ = status.try_set(Some(e.detail));
                }
            }
            let _ = busy.try_set(false);
        });
    };
    let custom = current.clone().filter(|c| !EDIT_STATUSES.contains(&c.as_str()));
    view! {
        <form class="status-form" method="post" action=format!("/specs/{slug}/{phase}/status") on:submit=on_submit>
            <TokenInput />
            <input type="hidden" name="back" value=back />
            <label>{format!("{phase}.md ")}
                <select name="status" prop:value=move || choice.get() on:change=move |ev| choice.set(event_target_value(&ev))>
                    {EDIT_STATUSES.iter().map(|st| view! { <option value=*st selected=current.as_deref() == Some(*st)>{*st}</option> }).collect_view()}
                    {custom.map(|c| view! { <option value="" disabled=true>{format!("{c} (current)")}</option> })}
                </select>
            </label>
            <button class="btn btn-small" type="submit" disabled=move || busy.get()>"Set"</button>
            <span class="run-status" role="status">{move || status.get()}</span>
        </form>
    }
    .into_any()
}

/// "Ready to close?": specs whose signals say the work is done.
#[component]
fn CandidatesSection(version: RwSignal<u32>) -> impl IntoView {
    let poll = RwSignal::new(0u32);
    let data = Resource::new(move || (version.get(), poll.get()), |_| get_candidates());
    let loc = use_location();
    let back = move || {
        format!(
            "{}{}",
            loc.pathname.get(),
            if loc.search.get().is_empty() { String::new() } else { format!("?{}", loc.search.get().trim_start_matches('?')) }
        )
    };
    view! {
        <Transition fallback=|| view! { <section class="panel candidates"><p class="loading">"Checking which specs look done…"</p></section> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Err(e) => return view! { <ErrorBox error=e /> }.into_any(),
                    Ok(d) => d,
                };
                if d.pending {
                    // Ask again shortly (hydrated); without JavaScript a reload does.
                    Effect::new(move |_| {
                        if let Ok(h) = set_timeout_with_handle(move || poll.update(|p| *p += 1), Duration::from_secs(2)) {
                            on_cleanup(move || h.clear());
                        }
                    });
                    return view! {
                        <section class="panel candidates" aria-busy="true">
                            <h2>"Ready to close?"</h2>
                            <p class="loading">"Still checking GitHub… " <a href=back()>"reload"</a></p>
                        </section>
                    }.into_any();
                }
                if d.candidates.is_empty() && d.notes.is_empty() {
                    return ().into_any();
                }
                let n = d.candidates.len();
                view! {
                    <section class="panel candidates" id="completion-candidates" aria-label="Specs that look complete">
                        <h2>"Ready to close? " <span class="chip chip-on">{n}</span></h2>
                        <p class="muted small">"Every signal says the work is done. Confirm to set the status to " <code>"complete"</code> ", or dismiss for 14 days (it comes back at once if new signal lands)."</p>
                        {d.notes.iter().map(|m| view! { <p class="notice">{m.clone()}</p> }).collect_view()}
                        <ul class="candidate-list">
                            {d.candidates.into_iter().map(|c| view! { <CandidateCard c back=back() version /> }).collect_view()}
                        </ul>
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn CandidateCard(c: Candidate, back: String, version: RwSignal<u32>) -> impl IntoView {
    let msg = RwSignal::new(None::<String>);
    let phase = if c.status_phase.is_empty() { "decisions".to_string() } else { c.status_phase.clone() };
    let (slug1, phase1) = (c.slug.clone(), phase.clone());
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (slug, phase) = (slug1.clone(), phase1.clone());
        leptos::task::spawn_local(async move {
            match set_spec_status(slug, phase, "complete".into()).await {
                Ok(_) => {
                    let _ = version.try_update(|v| *v += 1);
                }
                Err(e) => {
                    let _ = msg.try_set(Some(format!("Confirm failed: {}", e.detail)));
                }
            }
        });
    };
    let (slug2, hash2) = (c.slug.clone(), c.snapshot_hash.clone());
    let dismiss = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (slug, hash) = (slug2.clone(), hash2.clone());
        leptos::task::spawn_local(async move {
            match dismiss_candidate(slug, hash).await {
                Ok(()) => {
                    let _ = version.try_update(|v| *v += 1);
                }
                Err(e) => {
                    let _ = msg.try_set(Some(format!("Dismiss failed: {}", e.detail)));
                }
            }
        });
    };
    view! {
        <li class="candidate-card" data-slug=c.slug.clone()>
            <div class="candidate-head">
                <a href=format!("/specs/{}", c.slug)><code>{c.slug.clone()}</code></a>
                " " <span class="chip chip-completed">{c.current_status.clone()}</span>
                " " <span class="muted small">{format!("status from {phase}.md")}</span>
            </div>
            <ul class="evidence">{c.evidence.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
            <div class="candidate-actions">
                <form method="post" action=format!("/specs/{}/{}/status", c.slug, phase) on:submit=confirm>
                    <TokenInput />
                    <input type="hidden" name="status" value="complete" />
                    <input type="hidden" name="back" value=back.clone() />
                    <button class="btn btn-primary btn-small" type="submit">"Confirm complete"</button>
                </form>
                <form method="post" action=format!("/specs/{}/dismiss", c.slug) on:submit=dismiss>
                    <TokenInput />
                    <input type="hidden" name="snapshot_hash" value=c.snapshot_hash.clone() />
                    <input type="hidden" name="back" value=back />
                    <button class="btn btn-small" type="submit" title="Hidden for 14 days; comes back early if new signal lands">"Dismiss"</button>
                </form>
                <span class="run-status" role="status">{move || msg.get()}</span>
            </div>
        </li>
    }
    .into_any()
}

#[component]
pub fn SpecPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || (slug(), version.get()), |(s, _)| get_spec(s));
    view! {
        <PageData resource=data loading="Reading the spec…" error_page=|e: ApiError| view! { <Title text="Spec" /> <nav class="crumbs"><a href="/specs">"← Back to specs"</a></nav> <h1>"Spec"</h1> <ErrorBox error=e /> } let:d>
            <SpecView d version />
        </PageData>
    }
}

#[component]
fn SpecView(d: SpecPageData, version: RwSignal<u32>) -> impl IntoView {
    let s = d.record.clone();
    let loc = use_location();
    let back = loc.pathname.get_untracked();
    let now = fmt::now();
    view! {
        <Title text=format!("Spec {}", s.slug) />
        <nav class="crumbs"><a href="/specs">"← Back to specs"</a></nav>
        <Flash />
        <h1 class="spec-h1">{s.slug.clone()}</h1>
        <div class="run-meta">
            <span class=format!("chip lifecycle-{}", s.lifecycle)>{s.lifecycle.replace('-', " ")}</span>
            <span class=format!("chip stage-chip stage-{}", s.stage) title=stage_tip(&s)>{s.stage.clone()}</span>
            <span class="meta-item">"Next: " {s.next_action.clone()}</span>
            {s.last_modified.as_deref().and_then(fmt::parse_time).map(|t| view! { <span class="meta-item" title=s.last_modified.clone().unwrap_or_default()>"updated " {fmt::ago(t, now)}</span> })}
            {s.gate.clone().map(|g| view! { <span class=format!("chip gate-badge gate-{}", g.state.to_lowercase())>{format!("Gate {} ({}): {}", g.gate_id, g.phase, g.state)}</span> })}
        </div>
        <p class="muted small"><code>{s.path.clone()}</code></p>
        {d.phases.into_iter().map(|p| {
            let chip = if !p.exists { "missing".to_string() } else { p.status.clone().unwrap_or_else(|| "(no status)".into()) };
            let body = if !p.exists {
                view! { <p class="empty">{format!("{} doesn't exist yet.", p.file)}</p> }.into_any()
            } else {
                match p.html.clone() {
                    Some(h) => view! { <div class="markdown" inner_html=h></div> }.into_any(),
                    None => view! { <p class="empty">"File exists but could not be read or rendered."</p> }.into_any(),
                }
            };
            let editable = d.allow_run && p.exists && p.html.is_some();
            view! {
                <section class="panel phase" id=format!("phase-{}", p.name) data-phase=p.name.clone()>
                    <header class="panel-head">
                        <h2>{p.file.clone()} " " <span class=if p.exists { "chip" } else { "chip chip-cancelled" }>{chip}</span></h2>
                        {editable.then(|| view! { <StatusForm slug=s.slug.clone() phase=p.name.clone() current=p.status.clone() back=back.clone() version /> })}
                    </header>
                    {body}
                </section>
            }
            .into_any()
        }).collect_view()}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_state() {
        assert_eq!(parse_buckets(None), vec!["active", "approved-not-shipped", "paused", "parked", "stale", "draft"]);
        assert_eq!(parse_buckets(Some("draft,bogus,complete")), vec!["complete", "draft"]);
        assert_eq!(parse_buckets(Some("bogus")).len(), 6);
        assert_eq!(parse_sort(Some("weird")), "recent");
        assert_eq!(specs_href(&["draft".into()], "a b", "alpha"), "/specs?bucket=draft&q=a%20b&sort=alpha");
    }
}
