//! The report panel: a run's structured `WorkflowReport` (from the
//! `ATTUNE_RUN_META report_b64` side channel), rendered natively.
//!
//! Report shape (attune's `WorkflowReport.to_dict()`): `title`, `summary`,
//! `score`, `metadata`, `suggestions`, and `sections`, each with a `kind` of
//! `callout`, `prose`, `table`, `list`, `findings` or `next-steps`. Unknown
//! kinds and fields are shown as plain JSON rather than dropped. All text is
//! escaped (Leptos text nodes); nothing is rendered as HTML.

use leptos::prelude::*;
use serde_json::Value;

fn s(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A `next-steps` item whose command runs a workflow: its name.
pub fn workflow_in_command(cmd: &str) -> Option<String> {
    let lower = cmd.to_lowercase();
    let i = lower.find("attune workflow run ")?;
    let rest = &cmd[i + "attune workflow run ".len()..];
    let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
    (name.len() >= 2 && name.as_bytes()[0].is_ascii_lowercase()).then_some(name)
}

#[component]
pub fn ReportPanel(report: Value, #[prop(into)] on_chain: Callback<String>, allow_run: bool) -> impl IntoView {
    let title = s(report.get("title"));
    let summary = s(report.get("summary"));
    let score = report.get("score").and_then(Value::as_i64);
    let sections = report.get("sections").and_then(Value::as_array).cloned().unwrap_or_default();
    let suggestions = report.get("suggestions").and_then(Value::as_array).cloned().unwrap_or_default();
    view! {
        <section class="panel report" aria-label="Report">
            <header class="report-head">
                <h2>{if title.is_empty() { "Report".to_string() } else { title }}</h2>
                {score.map(|sc| view! { <span class="score" title="Score">{sc}</span> })}
            </header>
            {(!summary.is_empty()).then(|| view! { <p class="report-summary">{summary}</p> })}
            {sections.into_iter().map(|sec| view! { <ReportSection sec on_chain allow_run /> }).collect_view()}
            {(!suggestions.is_empty()).then(|| view! {
                <h3>"Suggestions"</h3>
                <ul>{suggestions.iter().map(|x| view! { <li>{s(Some(x))}</li> }).collect_view()}</ul>
            })}
        </section>
    }
}

#[component]
fn ReportSection(sec: Value, on_chain: Callback<String>, allow_run: bool) -> impl IntoView {
    let kind = s(sec.get("kind"));
    let title = s(sec.get("title"));
    let body = match kind.as_str() {
        "callout" => {
            let em = s(sec.get("emphasis"));
            view! { <p class=format!("callout callout-{em}")>{s(sec.get("text"))}</p> }.into_any()
        }
        "prose" => view! { <p>{s(sec.get("text"))}</p> }.into_any(),
        "list" => {
            let items = sec.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
            view! { <ul>{items.iter().map(|i| view! { <li>{s(Some(i))}</li> }).collect_view()}</ul> }.into_any()
        }
        "table" => {
            let cols: Vec<String> =
                sec.get("columns").and_then(Value::as_array).map(|a| a.iter().map(|c| s(Some(c))).collect()).unwrap_or_default();
            let rows = sec.get("rows").and_then(Value::as_array).cloned().unwrap_or_default();
            let cols2 = cols.clone();
            view! {
                <table class="table">
                    <thead><tr>{cols.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.iter().map(|r| view! {
                            <tr>{cols2.iter().map(|c| view! { <td>{s(r.get(c))}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }
        "findings" => {
            let fs = sec.get("findings").and_then(Value::as_array).cloned().unwrap_or_default();
            view! {
                <ul class="findings">
                    {fs.iter().map(|f| {
                        let sev = s(f.get("severity")).to_lowercase();
                        let file = s(f.get("file"));
                        let loc = match f.get("line").and_then(Value::as_i64) { Some(l) => format!("{file}:{l}"), None => file };
                        view! {
                            <li class=format!("finding sev-{sev}")>
                                <span class="sev">{sev.clone()}</span>
                                " " <code>{loc}</code> " " {s(f.get("message"))}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
        "next-steps" => {
            let items = sec.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
            view! {
                <ul class="next-steps">
                    {items.iter().map(|i| {
                        let cmd = s(i.get("command"));
                        let wf = workflow_in_command(&cmd);
                        view! {
                            <li>
                                {s(i.get("text"))}
                                {(!cmd.is_empty()).then(|| view! { " " <code>{cmd.clone()}</code> })}
                                {wf.filter(|_| allow_run).map(|w| {
                                    let w2 = w.clone();
                                    view! { " " <button class="chip chip-action" on:click=move |_| on_chain.run(w2.clone())>{format!("Run next: {w}")}</button> }
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
        _ => view! { <pre class="json">{serde_json::to_string_pretty(&sec).unwrap_or_default()}</pre> }.into_any(),
    };
    view! {
        <div class=format!("report-section kind-{kind}")>
            {(!title.is_empty()).then(|| view! { <h3>{title}</h3> })}
            {body}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_workflows() {
        assert_eq!(workflow_in_command("attune workflow run test-audit --path src").as_deref(), Some("test-audit"));
        assert_eq!(workflow_in_command("Attune Workflow Run doc-gen").as_deref(), Some("doc-gen"));
        assert_eq!(workflow_in_command("make test"), None);
    }
}
