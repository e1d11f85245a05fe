//! "Why did this fail?": a failed run's diagnoses, and the button that
//! starts one (`POST /runs/{id}/diagnose`: attune's `diagnose`, or the
//! registry's own `diagnose` command, run as a streamed run of its own).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use attune_ops::wire::{Diagnosis, RunInfo, RunStatus};

use crate::api::diagnose_run;
use crate::components::TokenInput;

/// The button, shown on a failed run when something can diagnose it.
#[component]
pub fn DiagnoseButton(info: RwSignal<RunInfo>, available: bool, existing: RwSignal<Option<String>>) -> impl IntoView {
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let msg = RwSignal::new(None::<String>);
    let id = info.get_untracked().id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (id, wf) = (info.get_untracked().id, info.get_untracked().workflow);
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match diagnose_run(id).await {
                Ok(o) => match (o.run_id, o.diagnosis_id) {
                    (Some(run), _) => navigate(&format!("/runs/{run}/view?from={wf}"), Default::default()),
                    (None, Some(d)) => {
                        let _ = existing.try_set(Some(d));
                    }
                    _ => {}
                },
                Err(e) => {
                    let _ = msg.try_set(Some(format!("Diagnosis request failed: {}", e.detail)));
                }
            }
            let _ = busy.try_set(false);
        });
    };
    let shown = move || available && info.get().status == RunStatus::Failed && existing.get().is_none();
    view! {
        <Show when=shown>
            <form method="post" action=format!("/runs/{id}/diagnose") on:submit=submit.clone() class="inline-form">
                <TokenInput />
                <button class="btn" type="submit" disabled=move || busy.get() title="Start a diagnosis of this failure: its own run, streamed like any other">"Why did this fail?"</button>
            </form>
        </Show>
        {move || existing.get().map(|d| view! { <a class="chip chip-on" href="#diagnoses">{format!("diagnosed: {d}")}</a> })}
        <span class="run-status" role="status">{move || msg.get()}</span>
    }
}

/// The run's diagnoses, newest first: synthesis and ranked hypotheses.
#[component]
pub fn Diagnoses(diagnoses: Vec<Diagnosis>) -> impl IntoView {
    (!diagnoses.is_empty()).then(|| {
        view! {
            <section class="panel" id="diagnoses">
                <h2>"Why it failed"</h2>
                {diagnoses.into_iter().rev().map(|d| view! {
                    <article class="diagnosis" data-diagnosis=d.diagnosis_id.clone()>
                        <div class="diagnosis-head">
                            <code>{d.diagnosis_id.clone()}</code> " "
                            <span class="chip">{d.status.clone()}</span> " "
                            <span class="muted small">{d.created_at.clone()}</span>
                        </div>
                        {(!d.symptom.is_empty()).then(|| view! { <p class="muted small">"Symptom: " {d.symptom.clone()}</p> })}
                        {d.synthesis.clone().map(|s| view! { <p>{s}</p> })}
                        {(!d.hypotheses.is_empty()).then(|| view! {
                            <ol class="hypotheses">
                                {d.hypotheses.iter().map(|h| view! { <li>{h.statement.clone()} " " <span class="chip">{h.confidence.clone()}</span></li> }).collect_view()}
                            </ol>
                        })}
                    </article>
                }).collect_view()}
            </section>
        }
    })
}
