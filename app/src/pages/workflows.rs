//! The Workflows page: pick a workflow and a scope, run it.
//!
//! Each row is a plain HTML form posting to `/workflows/{name}/run`, so a
//! run starts (and the browser lands on its page) without JavaScript.
//! Hydrated, the same form calls the `start_run` server function instead,
//! remembers the scope chosen per workflow, filters by search text and
//! tags, and copies the command line.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use attune_ops::wire::{shell_join, Feature, RunInfo, SweepChips, WorkflowInfo, WorkflowsData};

use crate::api::{get_sweep_chips, get_workflows, start_run};
use crate::client::{local_get, local_set};
use crate::components::layout::ShellRefresh;
use crate::components::page_data::PageData;
use crate::components::{BulletinStrip, StageChips, Tags, TokenInput};
use crate::fmt;

/// Value of the "custom path" option.
const CUSTOM: &str = "__custom__";
/// localStorage key: `{workflow: scope}` (`""` = all code).
const SCOPES_KEY: &str = "attune-ops:scopes";

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_workflows());
    let bulletin = Resource::new(|| (), |_| crate::api::get_bulletin());
    let shell = use_context::<crate::components::layout::ShellResource>();
    let q = use_query_map();
    let error = move || q.read().get("error");
    view! {
        <Title text="Workflows" />
        <h1>"Workflows"</h1>
        {move || error().map(|e| view! { <p class="error-box" role="alert">{e}</p> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let root = match shell {
                    Some(s) => s.await.map(|s| s.project_root).unwrap_or_default(),
                    None => String::new(),
                };
                bulletin.await.ok().map(|b| view! { <BulletinStrip initial=b root /> })
            })}
        </Suspense>
        <PageData resource=data loading="Loading the registry…" let:d>
            <WorkflowsView data=d />
        </PageData>
    }
}

#[component]
fn WorkflowsView(data: WorkflowsData) -> impl IntoView {
    let WorkflowsData {
        workflows,
        features,
        registry_source,
        registry_errors,
        features_warning,
        allow_run,
        project_root,
        recent,
        sweep_chips,
    } = data;
    let search = RwSignal::new(String::new());
    let tag = RwSignal::new(None::<String>);
    let mut all_tags: Vec<String> = workflows.iter().flat_map(|w| w.tags.clone()).collect();
    all_tags.sort();
    all_tags.dedup();
    let count = workflows.len();
    let mut by_wf: HashMap<String, Vec<RunInfo>> = HashMap::new();
    for r in recent {
        by_wf.entry(r.workflow.clone()).or_default().push(r);
    }
    let features = StoredValue::new(features);
    let root = StoredValue::new(project_root);
    view! {
        <p class="lede">
            {format!("{count} registered, from {registry_source}. ")}
            {if allow_run { "Pick a scope and run; the log streams live on the run's page." } else { "Read-only: runs are disabled. Restart attune-ops with --allow-run to run workflows from here." }}
        </p>
        {(!registry_errors.is_empty()).then(|| view! {
            <section class="error-box" role="alert">
                <strong>"The workflow registry has problems:"</strong>
                <ul>{registry_errors.into_iter().map(|e| view! { <li><code>{e.to_string()}</code></li> }).collect_view()}</ul>
                <p class="muted">"Valid entries are still listed below. Fix the file and reload."</p>
            </section>
        })}
        {features_warning.map(|w| view! { <p class="notice">{w} " The scope picker offers all code and custom paths."</p> })}
        <div class="toolbar">
            <input type="search" class="search" placeholder="Filter by name, description or tag" aria-label="Filter workflows"
                prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
            <div class="tag-filter" role="group" aria-label="Tags">
                <button class="chip" class:chip-on=move || tag.get().is_none() on:click=move |_| tag.set(None)>"all"</button>
                {all_tags.into_iter().map(|t| {
                    let t2 = t.clone();
                    let t3 = t.clone();
                    view! { <button class="chip" class:chip-on=move || tag.get().as_deref() == Some(t2.as_str()) on:click=move |_| tag.set(Some(t3.clone()))>{t}</button> }
                }).collect_view()}
            </div>
        </div>
        {if count == 0 {
            view! {
                <section class="panel empty">
                    <p>"No workflows are registered."</p>
                    <p>"Create " <code>".attune/workflows.toml"</code> " in the project (see the README for the format), or install the attune CLI."</p>
                </section>
            }.into_any()
        } else {
            view! {
                <div class="workflow-list">
                    {workflows.into_iter().map(|w| {
                        let recent = by_wf.remove(&w.name).unwrap_or_default();
                        let sweep = (w.name == attune_ops::wire::SWEEP_WORKFLOW).then(|| sweep_chips.clone()).flatten();
                        let hay = format!("{} {} {}", w.name, w.description, w.tags.join(" ")).to_lowercase();
                        let tags = w.tags.clone();
                        let visible = move || {
                            let s = search.get().to_lowercase();
                            (s.is_empty() || hay.contains(s.trim())) && tag.get().is_none_or(|t| tags.contains(&t))
                        };
                        view! {
                            <Show when=visible.clone()>
                                <WorkflowCard wf=w.clone() features=features.get_value() allow_run root=root.get_value() recent=recent.clone() sweep=sweep.clone() />
                            </Show>
                        }
                    }).collect_view()}
                </div>
            }.into_any()
        }}
    }
}

fn saved_scopes() -> HashMap<String, String> {
    local_get(SCOPES_KEY).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default()
}

/// Options of the scope picker: `(value, label, title)`.
fn scope_options(features: &[Feature]) -> Vec<(String, String, String)> {
    let mut v = vec![("".to_string(), "All code".to_string(), "The whole project: no path argument is passed".to_string())];
    for f in features {
        if let Some(p) = &f.path {
            let tags = if f.tags.is_empty() { String::new() } else { format!(" [{}]", f.tags.join(", ")) };
            v.push((p.clone(), format!("{} — {}", f.name, p), format!("{}{}", f.description, tags)));
        }
    }
    v.push((CUSTOM.to_string(), "Custom path…".to_string(), "Any path inside the project".to_string()));
    v
}

#[component]
fn WorkflowCard(
    wf: WorkflowInfo,
    features: Vec<Feature>,
    allow_run: bool,
    root: String,
    recent: Vec<RunInfo>,
    sweep: Option<SweepChips>,
) -> impl IntoView {
    let name = wf.name.clone();
    let root_s = StoredValue::new(root.clone());
    let takes_scope = wf.scope.is_some();
    let options = scope_options(&features);
    let known: Vec<String> = options.iter().map(|o| o.0.clone()).collect();
    // The picker: a known option, or CUSTOM with `custom` holding the path.
    let choice = RwSignal::new(wf.default_scope.clone());
    let custom = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Without JavaScript the custom-path box is always shown (the select
    // cannot reveal it); hydrated, it appears with "Custom path…".
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    {
        // Restore the last choice for this workflow (browser only).
        let name = name.clone();
        let known = known.clone();
        Effect::new(move |_| {
            if let Some(saved) = saved_scopes().get(&name) {
                // A saved absolute path outside this project is dropped.
                if saved.starts_with('/') && !saved.starts_with(&root) {
                    return;
                }
                if known.contains(saved) {
                    choice.set(saved.clone());
                } else {
                    choice.set(CUSTOM.into());
                    custom.set(saved.clone());
                }
            }
        });
    }
    let scope_value = move || {
        let c = choice.get();
        if c == CUSTOM {
            custom.get().trim().to_string()
        } else {
            c
        }
    };
    let remember = {
        let name = name.clone();
        move || {
            let mut m = saved_scopes();
            m.insert(name.clone(), scope_value());
            if let Ok(s) = serde_json::to_string(&m) {
                local_set(SCOPES_KEY, &s);
            }
        }
    };
    let command = {
        let wf = wf.clone();
        move || {
            let mut argv = wf.command.clone();
            if let (Some(s), v) = (&wf.scope, scope_value()) {
                if !v.is_empty() {
                    argv.push(s.flag.clone());
                    argv.push(v);
                }
            }
            shell_join(&argv)
        }
    };
    let navigate = use_navigate();
    let shell_refresh = use_context::<ShellRefresh>();
    let on_submit = {
        let name = name.clone();
        let remember = remember.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            remember();
            let path = Some(scope_value()).filter(|p| !p.is_empty());
            if choice.get_untracked() == CUSTOM && path.is_none() {
                status.set(Some("Type a path for the custom scope.".into()));
                return;
            }
            let name = name.clone();
            let navigate = navigate.clone();
            busy.set(true);
            status.set(Some("starting…".into()));
            // After the await the card may be gone (the navigation below
            // replaces the page): `try_*`, as a disposed signal panics.
            leptos::task::spawn_local(async move {
                match start_run(name, path, None, None).await {
                    Ok(r) => {
                        let _ = busy.try_set(false);
                        if let Some(s) = shell_refresh {
                            s.bump();
                        }
                        navigate(&format!("/runs/{}/view", r.run_id), Default::default());
                    }
                    Err(e) => {
                        let _ = status.try_set(Some(format!("Could not start: {}", e.detail)));
                        let _ = busy.try_set(false);
                    }
                }
            });
        }
    };
    let copied = RwSignal::new(false);
    let copy = {
        let command = command.clone();
        move |_| {
            copied.set(crate::client::copy_text(&command()));
        }
    };
    let opts = options.clone();
    let sweep_chips = sweep.map(|first| view! { <SweepChipRow first scope=Signal::derive(scope_value) mounted /> });
    view! {
        <article class="workflow" id=format!("wf-{name}") data-workflow=name.clone()>
            <header class="workflow-head">
                <h2><a href=format!("/runs?workflow={name}")>{name.clone()}</a></h2>
                <div class="stages"><StageChips stages=wf.stages.clone() /></div>
            </header>
            <p class="desc">{wf.description.clone()}</p>
            {(!wf.tags.is_empty()).then(|| view! { <div class="tags"><Tags tags=wf.tags.clone() /></div> })}
            <form class="run-form" method="post" action=format!("/workflows/{name}/run") on:submit=on_submit>
                <TokenInput />
                {if takes_scope {
                    view! {
                        <label class="scope-label">"Scope "
                            <select name="scope" on:change={
                                let remember = remember.clone();
                                let wf = name.clone();
                                move |ev| {
                                    choice.set(event_target_value(&ev));
                                    if choice.get_untracked() != CUSTOM {
                                        crate::api::count_interaction("scope_picker_change", wf.clone());
                                        remember();
                                    }
                                }
                            }>
                                {opts.into_iter().map(|(v, label, title)| {
                                    let v2 = v.clone();
                                    view! { <option value=v.clone() title=title selected=move || choice.get() == v2>{label}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <input class="custom-path" name="custom_path" placeholder="custom path, e.g. src/auth/"
                            aria-label="Custom path"
                            class:hidden=move || mounted.get() && choice.get() != CUSTOM
                            prop:value=move || custom.get()
                            on:input=move |ev| custom.set(event_target_value(&ev))
                            on:change={
                                let remember = remember.clone();
                                let wf = name.clone();
                                move |_| {
                                    if !custom.get_untracked().trim().is_empty() {
                                        crate::api::count_interaction("scope_picker_change", wf.clone());
                                    }
                                    remember()
                                }
                            } />
                    }.into_any()
                } else {
                    view! { <span class="muted" title="This workflow doesn't accept a path argument">"scope: n/a"</span> }.into_any()
                }}
                {if allow_run {
                    view! { <button class="btn btn-primary" type="submit" disabled=move || busy.get()>"Run"</button> }.into_any()
                } else {
                    view! { <span class="muted" title="Restart attune-ops with --allow-run">"runs disabled"</span> }.into_any()
                }}
                <button class="btn btn-link" type="button" on:click=copy title="Copy the command line">
                    {move || if copied.get() { "Copied ✓" } else { "Copy run command" }}
                </button>
                <span class="run-status" aria-live="polite">{move || status.get()}</span>
            </form>
            {sweep_chips}
            <details class="command">
                <summary>"Command"</summary>
                <code>{command}</code>
            </details>
            {(!recent.is_empty()).then(|| view! {
                <div class="recent-strip">
                    <span class="muted">"Recent: "</span>
                    {recent.into_iter().map(|r| {
                        let when = r.started_at.clone().or(r.queued_at.clone()).unwrap_or_default();
                        let ago = fmt::parse_time(&when).map(|t| fmt::ago(t, fmt::now())).unwrap_or_default();
                        let scope = r.path.as_deref().map(|p| attune_ops::wire::display_scope(p, &root_s.get_value())).unwrap_or_else(|| "all code".into());
                        let tip = format!("{} · {} · id {} · scope: {}", fmt::short_time(&when), r.status, r.id.chars().take(8).collect::<String>(), scope);
                        view! { <a class=format!("recent-run chip chip-{}", r.status.as_str()) href=format!("/runs/{}/view", r.id) title=tip>{ago}</a> }
                    }).collect_view()}
                </div>
            })}
        </article>
    }
}

/// The discovery sweep's latest result for the picked scope: its bucket
/// counts, linked to the result's page. Hydrated, it follows the picker.
#[component]
fn SweepChipRow(first: SweepChips, scope: Signal<String>, mounted: RwSignal<bool>) -> impl IntoView {
    let chips = RwSignal::new(first);
    Effect::new(move |prev: Option<String>| {
        let s = scope.get();
        // The first paint already has the default scope's chips.
        if mounted.get_untracked() && prev.as_ref().is_some_and(|p| *p != s) {
            leptos::task::spawn_local(async move {
                if let Ok(c) = get_sweep_chips(s).await {
                    let _ = chips.try_set(c);
                }
            });
        }
        scope.get_untracked()
    });
    let link = move |bucket: &'static str| format!("/workflows/discovery-sweep/results/{}?bucket={bucket}", chips.read().scope_hash);
    view! {
        <div class="sweep-chips" data-sweep-chips="" data-scope-hash=move || chips.read().scope_hash.clone()
            data-has-result=move || if chips.read().has_result { "1" } else { "0" }>
            <a class="chip chip-failed" href=move || link("queue")>{move || format!("queue: {}", chips.read().queue)}</a>
            <a class="chip chip-warn" href=move || link("questions")>{move || format!("questions: {}", chips.read().questions)}</a>
            <a class="chip chip-muted" href=move || link("rejected")>{move || format!("rejected: {}", chips.read().rejected)}</a>
            <span class="muted small">{move || if chips.read().has_result { "latest result for this scope" } else { "no sweep recorded for this scope yet" }}</span>
        </div>
    }
}
