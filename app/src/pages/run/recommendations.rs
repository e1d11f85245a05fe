//! The recommendation cards of a run: the next workflow to run (chained
//! from this run), or a link.

use leptos::prelude::*;

use attune_ops::wire::Recommendation;

/// The cards. `chain(name, path)` starts a recommended workflow; `show`
/// displays a scope path.
#[component]
pub(super) fn Recommendations<F, S>(recs: Vec<Recommendation>, allow_run: bool, chain: F, show: S) -> impl IntoView
where
    F: Fn(String, Option<String>) + Clone + Send + Sync + 'static,
    S: Fn(&str) -> String + Clone + Send + Sync + 'static,
{
    view! {
        <section class="recs" aria-label="Recommendations">
            {recs.into_iter().map(|r| {
                let sev = r.severity.clone().unwrap_or_default();
                let action = match (r.kind.as_str(), r.name.clone(), r.url.clone()) {
                    ("next-workflow", Some(name), _) => {
                        let label = r.label.clone().unwrap_or_else(|| format!("Run {name}"));
                        let path = r.args.as_ref().map(|a| a.path.clone());
                        let chain = chain.clone();
                        let n2 = name.clone();
                        let p2 = path.clone();
                        view! {
                            <div class="rec-text"><strong>{label}</strong>
                                <span class="muted">{format!(" → {name}")}{path.map(|p| format!(" on {}", show(&p)))}</span></div>
                            {allow_run.then(|| view! { <button class="btn btn-primary" on:click=move |_| { crate::api::count_interaction("rec_card_click", "next-workflow".into()); chain(n2.clone(), p2.clone()) }>"Run"</button> })}
                        }.into_any()
                    }
                    (_, _, Some(url)) => {
                        let label = r.label.clone().unwrap_or_else(|| "Open link".into());
                        view! {
                            <div class="rec-text"><strong>{label}</strong> <span class="muted">{format!(" {url}")}</span></div>
                            <a class="btn" href=url target="_blank" rel="noopener noreferrer" on:click=|_| crate::api::count_interaction("rec_card_click", "open-url".into())>"Open"</a>
                        }.into_any()
                    }
                    _ => ().into_any(),
                };
                view! { <div class="rec-card" data-severity=sev>{action}</div> }
            }).collect_view()}
        </section>
    }
}
