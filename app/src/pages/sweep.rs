//! A discovery sweep's latest result for one scope
//! (`/workflows/discovery-sweep/results/{hash}[?bucket=]`): its queue, its
//! questions and what its rules rejected, each finding with its severity,
//! source, place and evidence.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use attune_ops::wire::{SweepDetailData, SweepRow, SweepSection};

use crate::api::{get_sweep_detail, ApiError};
use crate::components::page_data::PageData;
use crate::components::ErrorBox;

/// The chip class of a severity (the reference's colours).
pub fn severity_chip(sev: &str) -> &'static str {
    match sev {
        "critical" | "high" => "chip-failed",
        "medium" => "chip-warn",
        _ => "chip-muted",
    }
}

fn label(key: &str) -> (&'static str, &'static str) {
    match key {
        "queue" => ("Queue", "Findings ready for review."),
        "questions" => ("Questions", "Findings the sweep could not route on its own: they need your call."),
        _ => ("Rejected", "Findings its deterministic rules filtered out."),
    }
}

#[component]
pub fn SweepResultPage() -> impl IntoView {
    let params = use_params_map();
    let q = use_query_map();
    let data = Resource::new(
        move || (params.read().get("hash").unwrap_or_default(), q.read().get("bucket").unwrap_or_default()),
        |(h, b)| get_sweep_detail(h, b),
    );
    view! {
        <PageData resource=data loading="Reading the sweep result…" error_page=|e: ApiError| view! {
            <Title text="discovery-sweep" />
            <nav class="crumbs"><a href="/workflows">"← Back to workflows"</a></nav>
            <h1><code>"discovery-sweep"</code></h1>
            <ErrorBox error=e />
        } let:d>
            <SweepView d />
        </PageData>
    }
}

#[component]
fn SweepView(d: SweepDetailData) -> impl IntoView {
    let short = d.scope_hash.chars().take(12).collect::<String>();
    let base = format!("/workflows/discovery-sweep/results/{}", d.scope_hash);
    let (q, qs, r) = d.totals;
    let nav = [
        ("", "All".to_string()),
        ("queue", format!("Queue ({q})")),
        ("questions", format!("Questions ({qs})")),
        ("rejected", format!("Rejected ({r})")),
    ]
    .into_iter()
    .map(|(key, text)| {
        let href = if key.is_empty() { base.clone() } else { format!("{base}?bucket={key}") };
        view! { <a class="chip" class:chip-on=d.bucket == key href=href>{text}</a> }
    })
    .collect_view();
    let failures = (!d.failures.is_empty()).then(|| {
        view! { <span class="chip chip-failed" title=format!("Failed sources: {}", d.failures.join(", "))>{format!("{} source failure(s)", d.failures.len())}</span> }
    });
    view! {
        <Title text=format!("discovery-sweep — {}", d.scope_hash.chars().take(8).collect::<String>()) />
        <nav class="crumbs"><a href="/workflows">"← Back to workflows"</a></nav>
        <h1><code>"discovery-sweep"</code> " " <span class="chip">"scope " <code>{short}</code></span></h1>
        <div class="run-meta">
            <span class="chip chip-failed">{format!("queue: {q}")}</span>
            <span class="chip chip-warn">{format!("questions: {qs}")}</span>
            <span class="chip chip-muted">{format!("rejected: {r}")}</span>
            {d.spent_usd.map(|s| view! { <span class="meta-item">"spend " <code>{format!("${s:.4}")}</code></span> })}
            {d.duration_ms.clone().map(|ms| view! { <span class="meta-item">"duration " <code>{format!("{ms}ms")}</code></span> })}
            {failures}
        </div>
        <nav class="chip-row" aria-label="Buckets">{nav}</nav>
        {d.sections.into_iter().map(|s| view! { <Section s /> }).collect_view()}
    }
}

#[component]
fn Section(s: SweepSection) -> impl IntoView {
    let (title, blurb) = label(&s.key);
    let n = s.rows.len();
    let skipped =
        (s.skipped > 0).then(|| view! { <p class="muted small">{format!("{} entr(ies) left out: not a finding.", s.skipped)}</p> });
    view! {
        <section class="panel sweep-bucket" id=format!("bucket-{}", s.key)>
            <h2>{title} " " <span class="muted">{format!("({n})")}</span></h2>
            <p class="muted small">{blurb}</p>
            {skipped}
            {if s.rows.is_empty() {
                view! { <p class="empty">"No findings in this bucket."</p> }.into_any()
            } else {
                view! { <ul class="finding-list">{s.rows.into_iter().map(|r| view! { <Row r /> }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Row(r: SweepRow) -> impl IntoView {
    let place = r.file.clone().map(|f| match r.line.as_deref().filter(|l| !l.is_empty() && *l != "0") {
        Some(l) => format!("{f}:{l}"),
        None => f,
    });
    view! {
        <li class="finding-row">
            <div class="finding-row-head">
                <span class=format!("chip {}", severity_chip(&r.severity))>{if r.severity.is_empty() { "—".to_string() } else { r.severity.clone() }}</span>
                <span class="chip chip-muted">{r.source.clone()}</span>
                <strong class="finding-title">{r.title.clone()}</strong>
                {r.confidence.map(|c| view! { <span class="muted small" title="confidence">{format!("conf {c:.2}")}</span> })}
            </div>
            {(!r.description.is_empty()).then(|| view! { <p class="finding-desc">{r.description.clone()}</p> })}
            <p class="finding-meta">
                {place.map(|p| view! { <code>{p}</code> })}
                {r.tags.iter().map(|t| view! { <span class="chip chip-muted">{t.clone()}</span> }).collect_view()}
            </p>
            {r.extra.clone().map(|(label, value, follow)| view! {
                <p class="finding-extra"><strong>{format!("{label}: ")}</strong><code>{value}</code>{(!follow.is_empty()).then(|| format!(" — {follow}"))}</p>
            })}
            {r.evidence.clone().filter(|e| !e.is_empty()).map(|e| view! { <details class="finding-evidence"><summary>"Evidence"</summary><pre class="static-log">{e}</pre></details> })}
        </li>
    }
}
