//! Home: what is running, what ran, and where to go next.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::get_home;
use crate::components::{BulletinStrip, ErrorBox, RunsTable};

#[component]
pub fn HomePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_home());
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"attune ops"</h1>
            <p class="muted">"Run workflows on the right scope, watch them live, chain the next stage."</p>
        </section>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBox error=e /> }.into_any(),
                    Ok(h) => {
                        let active = h.recent_runs.iter().filter(|r| !r.status.is_terminal()).count();
                        view! {
                            <BulletinStrip initial=h.bulletin.clone() />
                            <div class="tiles">
                                <a class="tile" href="/workflows">
                                    <span class="tile-label">"Workflows"</span>
                                    <span class="tile-value">{h.workflow_count}</span>
                                    <span class="tile-foot">{if h.registry_errors > 0 { format!("{} registry problem(s) — see Workflows", h.registry_errors) } else if h.allow_run { "runnable from the dashboard".to_string() } else { "read-only: start with --allow-run to run".to_string() }}</span>
                                </a>
                                <a class="tile" href="/runs">
                                    <span class="tile-label">"Active runs"</span>
                                    <span class="tile-value">{active}</span>
                                    <span class="tile-foot">"queued or running"</span>
                                </a>
                            </div>
                            <section class="panel">
                                <h2>"Recent runs"</h2>
                                <RunsTable runs=h.recent_runs root=h.project_root.clone() />
                                <p><a href="/runs">"All runs →"</a></p>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
