//! The Help pages over `.help/templates/`: the home (search, browse by
//! intent, featured, recent, every feature), search results, a feature, a
//! template, and the admin report (incomplete sets, stale templates).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use attune_ops::wire::{help_date, Freshness, HelpFeature, HelpGaps, HelpHomeData, HelpSearch, HelpTemplatePage, HELP_INTENTS, HELP_KINDS};

use crate::api::{get_help_admin, get_help_feature, get_help_home, get_help_search, get_help_template, ApiError};
use crate::components::page_data::PageData;
use crate::components::ErrorBox;
use crate::urlcode::encode_component;

/// The search box every Help page shares (a plain GET form).
#[component]
fn SearchForm(#[prop(optional, into)] value: String, #[prop(optional)] big: bool) -> impl IntoView {
    view! {
        <form class=if big { "help-search help-search-big" } else { "help-search" } method="get" action="/help/search" role="search">
            <label class="sr-only" for=if big { "help-q" } else { "help-q-side" }>"Search the help"</label>
            <input id=if big { "help-q" } else { "help-q-side" } type="search" name="q" value=value placeholder="Search the help (e.g. run the tests)" />
            <button class="btn" type="submit">"Search"</button>
        </form>
    }
}

/// A feature's freshness as a chip (none when untracked).
fn freshness_chip(f: Option<Freshness>, note: Option<String>) -> Option<AnyView> {
    match f? {
        Freshness::Stale => Some(view! { <span class="chip chip-warn">"stale · regen recommended"</span> }.into_any()),
        Freshness::Fresh => Some(view! { <span class="chip chip-ok">"fresh"</span> }.into_any()),
        Freshness::Unknown => {
            Some(view! { <span class="chip chip-muted" title=note.clone().unwrap_or_default()>"freshness unknown"</span> }.into_any())
        }
        Freshness::Untracked => None,
    }
}

#[component]
pub fn HelpHomePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_help_home());
    view! {
        <Title text="Help" />
        <PageData resource=data loading="Reading the help corpus…" let:d>
            <HelpHomeView d />
        </PageData>
    }
}

#[component]
fn HelpHomeView(d: HelpHomeData) -> impl IntoView {
    let ix = d.index;
    let stale = ix.stale_count;
    let incomplete = ix.incomplete_count;
    let pairs = |kinds: &[&str]| ix.features.iter().map(|f| f.kinds.iter().filter(|k| kinds.contains(&k.as_str())).count()).sum::<usize>();
    let intents = HELP_INTENTS
        .iter()
        .map(|(icon, label, kinds)| {
            let n = pairs(kinds);
            let href = format!("/help/search?q={}", encode_component(&kinds.join(" OR ")));
            view! {
                <a class="help-intent panel" href=href>
                    <span class="help-intent-icon" aria-hidden="true">{*icon}</span>
                    <strong>{*label}</strong>
                    <span class="muted small">{kinds.join(" · ")}</span>
                    <span class="small">{format!("{n} article{}", if n == 1 { "" } else { "s" })}</span>
                </a>
            }
        })
        .collect_view();
    view! {
        <div class="help-head">
            <h1>"Help"</h1>
            <a class="btn btn-small" href="/help/admin">
                "Admin tools"
                {(stale > 0 || incomplete > 0).then(|| view! { " " <span class="chip chip-warn">{format!("{stale} stale · {incomplete} incomplete")}</span> })}
            </a>
        </div>
        <section class="help-hero">
            <h2>"How can attune help?"</h2>
            <SearchForm big=true />
        </section>
        {(!d.corpus_present).then(|| view! {
            <p class="empty">"This project has no help corpus yet: " <code>".help/templates/"</code> " does not exist. " <code>"attune-author generate <feature> --all-kinds"</code> " writes one."</p>
        })}
        {(d.unknown_count > 0).then(|| view! {
            <p class="notice">{format!("Freshness of {} feature(s) is unknown: their sources are hashed in a way this dashboard does not reproduce (hover a feature's chip for why). They are not counted as stale.", d.unknown_count)}</p>
        })}
        <section>
            <h2>"Browse by what you need"</h2>
            <div class="help-intents">{intents}</div>
        </section>
        {(!d.featured.is_empty()).then(|| view! {
            <section>
                <h2>"Featured topics"</h2>
                <div class="help-cards">
                    {d.featured.into_iter().map(|f| {
                        let of = if f.is_complete { format!("{} of {} kinds", f.kinds.len(), f.kinds.len()) } else { format!("{} of {} kinds", f.kinds.len(), HELP_KINDS.len()) };
                        view! { <a class="panel help-card" href=format!("/help/{}", f.name)><strong>{f.name.clone()}</strong><span class="muted small">{of}</span></a> }
                    }).collect_view()}
                </div>
            </section>
        })}
        {(!d.recent.is_empty()).then(|| view! {
            <section class="panel">
                <h2>"Recently regenerated"</h2>
                <ul class="help-recent">
                    {d.recent.into_iter().map(|t| view! {
                        <li>
                            <a href=format!("/help/{}/{}", t.feature, t.kind)>{t.title.clone()}</a>
                            " " <span class="chip">{t.kind.clone()}</span>
                            " " <span class="muted small">{t.generated_at.as_deref().map(help_date).unwrap_or_default()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {(!ix.features.is_empty()).then(|| view! {
            <details class="panel help-all">
                <summary>{format!("Browse all {} features", ix.features.len())}</summary>
                <ul class="help-feature-list">
                    {ix.features.iter().map(|f| view! {
                        <li>
                            <a href=format!("/help/{}", f.name)>{f.name.clone()}</a>
                            {f.has_any_stale.then(|| view! { " " <span class="stale-dot" title=format!("{} stale", f.stale_count) aria-label=format!("{} stale", f.stale_count)>"●"</span> })}
                            {(f.freshness == Some(Freshness::Unknown)).then(|| view! { " " <span class="muted small" title=f.freshness_note.clone().unwrap_or_default()>"(freshness unknown)"</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </details>
        })}
        <p class="muted small">{format!("{} templates across {} features", ix.total_templates, ix.total_features)}</p>
    }
}

#[component]
pub fn HelpSearchPage() -> impl IntoView {
    let q = use_query_map();
    let query = move || q.read().get("q").unwrap_or_default();
    let data = Resource::new(query, get_help_search);
    view! {
        <Title text=move || format!("Search: {}", query()) />
        <nav class="crumbs"><a href="/help">"← back to help home"</a></nav>
        <h1>"Search the help"</h1>
        <SearchForm value=query() big=true />
        <PageData resource=data loading="Searching…" let:r>
            <SearchResults r />
        </PageData>
    }
}

#[component]
fn SearchResults(r: HelpSearch) -> impl IntoView {
    let skipped = r.skipped.clone();
    let body = if r.query.trim().is_empty() {
        view! { <p class="muted">"Enter a query above to search the help corpus."</p> }.into_any()
    } else if r.hits.is_empty() {
        view! { <p class="empty">"No results for " <strong>{r.query.clone()}</strong> ". " <a href="/help">"Browse the features"</a> " instead."</p> }.into_any()
    } else {
        view! {
            <p class="muted">{format!("{} result{} for ", r.hits.len(), if r.hits.len() == 1 { "" } else { "s" })} <strong>{r.query.clone()}</strong></p>
            <ol class="help-hits">
                {r.hits.into_iter().map(|h| view! {
                    <li class="panel help-hit">
                        <a class="help-hit-title" href=format!("/help/{}/{}", h.feature, h.kind)>{h.title.clone()}</a>
                        <div class="small muted">
                            <span class="mono">{h.feature.clone()}</span> " · " <span class="chip">{h.kind.clone()}</span>
                            " · " <span title=h.match_reason.clone()>{format!("score {:.2}", h.score)}</span>
                        </div>
                        <p class="help-snippet">{h.snippet.clone()}</p>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        {(!skipped.is_empty()).then(|| view! {
            <div class="notice"><p>"Left out of this search:"</p><ul>{skipped.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul></div>
        })}
        {body}
    }
}

#[component]
pub fn HelpAdminPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_help_admin());
    view! {
        <Title text="Admin tools" />
        <nav class="crumbs"><a href="/help">"Help"</a> " › Admin tools"</nav>
        <h1>"Help admin tools"</h1>
        <p class="lede">"A report only: regenerate templates with " <code>"/coach maintain"</code> " in a Claude Code session."</p>
        <PageData resource=data loading="Checking the corpus…" let:g>
            <AdminView g />
        </PageData>
    }
}

#[component]
fn AdminView(g: HelpGaps) -> impl IntoView {
    let stale_n = g.stale.len();
    view! {
        <div class="tiles">
            <div class="tile"><div class="tile-label">"Complete"</div><div class="tile-value">{format!("{}%", g.completeness_pct)}</div></div>
            <div class="tile"><div class="tile-label">"Templates"</div><div class="tile-value">{g.total_templates}</div></div>
            <div class="tile"><div class="tile-label">"Fresh"</div><div class="tile-value">{format!("{}%", g.fresh_pct)}</div></div>
            <div class="tile" class:tile-warn=move || stale_n != 0><div class="tile-label">"Stale"</div><div class="tile-value">{stale_n}</div></div>
        </div>
        <p><a class="btn btn-small" href="/help/admin">"Refresh page"</a></p>
        <section class="panel">
            <h2>{format!("Incomplete sets {}", g.incomplete.len())}</h2>
            {if g.incomplete.is_empty() {
                view! { <p class="empty">"Every feature has all eleven kinds."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Feature"</th><th>"Kinds"</th><th>"Completeness"</th><th>"Missing"</th></tr></thead>
                        <tbody>
                            {g.incomplete.into_iter().map(|f| view! {
                                <tr>
                                    <td><a href=format!("/help/{}", f.name)>{f.name.clone()}</a></td>
                                    <td>{format!("{}/{}", f.kinds.len(), HELP_KINDS.len())}</td>
                                    <td><span class="meter" aria-hidden="true"><span class="meter-fill" style=format!("width: {}%", f.completeness_pct)></span></span> {format!(" {}%", f.completeness_pct)}</td>
                                    <td class="small">{f.missing_kinds.join(", ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
        <section class="panel">
            <h2>{format!("Stale templates {stale_n}")}</h2>
            {if g.stale.is_empty() {
                view! { <p class="empty">"No template is known to be stale."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th>"Feature"</th><th>"Kind"</th><th>"Generated"</th></tr></thead>
                        <tbody>
                            {g.stale.iter().take(25).map(|t| view! {
                                <tr>
                                    <td><a href=format!("/help/{}", t.feature)>{t.feature.clone()}</a></td>
                                    <td><a href=format!("/help/{}/{}", t.feature, t.kind)>{t.kind.clone()}</a></td>
                                    <td>{t.generated_at.as_deref().map(help_date).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(stale_n > 25).then(|| view! { <p class="muted">{format!("… {} more", stale_n - 25)}</p> })}
                }
                .into_any()
            }}
        </section>
        <section class="panel">
            <h2>"How regen works"</h2>
            <ol>
                <li>"A feature's templates record the hash of its source files (" <code>"source_hash"</code> " in " <code>"concept.md"</code> ")."</li>
                <li>"When the sources change, the hash no longer matches and every template of the feature is stale."</li>
                <li>"Regenerate them in a Claude Code session with " <code>"/coach maintain"</code> "; this page only reports."</li>
            </ol>
        </section>
    }
}

#[component]
pub fn HelpFeaturePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("feature").unwrap_or_default();
    let data = Resource::new(slug, get_help_feature);
    view! {
        <PageData resource=data loading="Reading the feature…" error_page=move |e: ApiError| view! { <Title text=slug() /> <nav class="crumbs"><a href="/help">"Help"</a></nav> <h1>{slug()}</h1> <ErrorBox error=e /> } let:f>
            <FeatureView f />
        </PageData>
    }
}

#[component]
fn FeatureView(f: HelpFeature) -> impl IntoView {
    let name = f.name.clone();
    view! {
        <Title text=name.clone() />
        <nav class="crumbs"><a href="/help">"Help"</a> " › " {name.clone()}</nav>
        <h1>{name.clone()}</h1>
        <p class="lede">
            {format!("{} of {} template kinds", f.kinds.len(), HELP_KINDS.len())}
            {(f.stale_count > 0).then(|| format!(" · {} stale", f.stale_count))}
            " " {freshness_chip(f.freshness, f.freshness_note.clone())}
        </p>
        <section class="panel">
            <h2>"Available kinds"</h2>
            {if f.kinds.is_empty() {
                view! { <p class="empty">"No template of the expected kinds yet."</p> }.into_any()
            } else {
                view! { <ul class="help-kinds">{f.kinds.iter().map(|k| view! { <li><a href=format!("/help/{name}/{k}")>{k.clone()}</a></li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
        {(!f.missing_kinds.is_empty()).then(|| view! {
            <section class="panel">
                <h2>{format!("Missing kinds {}", f.missing_kinds.len())}</h2>
                <p class="muted">"Generate them with " <code>{format!("attune-author generate {} --all-kinds", f.name)}</code></p>
                <ul class="help-kinds muted">{f.missing_kinds.iter().map(|k| view! { <li>{k.clone()}</li> }).collect_view()}</ul>
            </section>
        })}
    }
}

#[component]
pub fn HelpTemplatePage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (p.get("feature").unwrap_or_default(), p.get("kind").unwrap_or_default())
    };
    let data = Resource::new(key, |(f, k)| get_help_template(f, k));
    view! {
        <PageData resource=data loading="Reading the template…" error_page=move |e: ApiError| { let (f, k) = key(); view! { <Title text=format!("{f} / {k}") /> <nav class="crumbs"><a href="/help">"Help"</a></nav> <h1>{format!("{f} / {k}")}</h1> <ErrorBox error=e /> } } let:p>
            <TemplateView p />
        </PageData>
    }
}

#[component]
fn TemplateView(p: HelpTemplatePage) -> impl IntoView {
    let t = p.template;
    let (feature, kind) = (t.feature.clone(), t.kind.clone());
    view! {
        <Title text=format!("{feature} / {kind}") />
        <div class="help-layout">
            <aside class="help-side">
                <SearchForm />
                <h2 class="small">{feature.clone()}</h2>
                <ul class="help-side-kinds">
                    {p.siblings.iter().map(|k| view! { <li><a href=format!("/help/{feature}/{k}") class:is-active={*k == kind}>{k.clone()}</a></li> }).collect_view()}
                </ul>
                <h2 class="small">"Pages"</h2>
                <ul class="help-side-kinds"><li><a href="/help">"Help home"</a></li><li><a href="/help/admin">"Admin tools"</a></li></ul>
            </aside>
            <article class="help-article">
                <nav class="crumbs"><a href="/help">"Help"</a> " › " <a href=format!("/help/{feature}")>{feature.clone()}</a> " › " {kind.clone()}</nav>
                <h1>{t.title.clone()}</h1>
                <div class="run-meta">
                    <span class="chip">{kind.clone()}</span>
                    {freshness_chip(t.freshness, p.freshness_note.clone())}
                    {t.generated_at.as_deref().map(|g| view! { <span class="meta-item">{format!("generated {}", help_date(g))}</span> })}
                </div>
                <div class="markdown panel" inner_html=p.html></div>
            </article>
        </div>
    }
}
