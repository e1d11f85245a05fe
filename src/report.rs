//! Markdown for a run's structured report (`GET /runs/{id}/report`).
//!
//! The reference rendered reports with attune's Python renderer; this is a
//! faithful but independent rendering of the same `WorkflowReport` fields
//! (title, summary, score, sections by kind, suggestions). Text is
//! inserted as is: consumers render it as markdown with raw HTML off.

use serde_json::Value;

fn s(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Renders a report object as markdown.
pub fn to_markdown(report: &Value) -> String {
    let mut out = String::new();
    let title = s(report.get("title"));
    out.push_str(&format!("# {}\n\n", if title.is_empty() { "Report" } else { &title }));
    if let Some(score) = report.get("score").filter(|v| !v.is_null()) {
        out.push_str(&format!("**Score:** {}\n\n", s(Some(score))));
    }
    let summary = s(report.get("summary"));
    if !summary.is_empty() {
        out.push_str(&format!("{summary}\n\n"));
    }
    for sec in report.get("sections").and_then(Value::as_array).into_iter().flatten() {
        let t = s(sec.get("title"));
        if !t.is_empty() {
            out.push_str(&format!("## {t}\n\n"));
        }
        match s(sec.get("kind")).as_str() {
            "callout" => out.push_str(&format!("> {}\n\n", s(sec.get("text")))),
            "prose" => out.push_str(&format!("{}\n\n", s(sec.get("text")))),
            "list" => {
                for i in sec.get("items").and_then(Value::as_array).into_iter().flatten() {
                    out.push_str(&format!("- {}\n", s(Some(i))));
                }
                out.push('\n');
            }
            "table" => {
                let cols: Vec<String> = sec.get("columns").and_then(Value::as_array).into_iter().flatten().map(|c| s(Some(c))).collect();
                if !cols.is_empty() {
                    out.push_str(&format!("| {} |\n|{}|\n", cols.join(" | "), " --- |".repeat(cols.len())));
                    for r in sec.get("rows").and_then(Value::as_array).into_iter().flatten() {
                        let cells: Vec<String> = cols.iter().map(|c| s(r.get(c)).replace('|', "\\|")).collect();
                        out.push_str(&format!("| {} |\n", cells.join(" | ")));
                    }
                    out.push('\n');
                }
            }
            "findings" => {
                for f in sec.get("findings").and_then(Value::as_array).into_iter().flatten() {
                    let loc = match f.get("line").and_then(Value::as_i64) {
                        Some(l) => format!("{}:{l}", s(f.get("file"))),
                        None => s(f.get("file")),
                    };
                    out.push_str(&format!("- **{}** `{}` {}\n", s(f.get("severity")), loc, s(f.get("message"))));
                }
                out.push('\n');
            }
            "next-steps" => {
                for i in sec.get("items").and_then(Value::as_array).into_iter().flatten() {
                    let cmd = s(i.get("command"));
                    if cmd.is_empty() {
                        out.push_str(&format!("- {}\n", s(i.get("text"))));
                    } else {
                        out.push_str(&format!("- {} — `{}`\n", s(i.get("text")), cmd));
                    }
                }
                out.push('\n');
            }
            _ => out.push_str(&format!("```json\n{}\n```\n\n", serde_json::to_string_pretty(sec).unwrap_or_default())),
        }
    }
    let sugg: Vec<String> = report.get("suggestions").and_then(Value::as_array).into_iter().flatten().map(|x| s(Some(x))).collect();
    if !sugg.is_empty() {
        out.push_str("## Suggestions\n\n");
        for x in sugg {
            out.push_str(&format!("- {x}\n"));
        }
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sections() {
        let r = serde_json::json!({
            "_type": "WorkflowReport", "title": "Security audit", "summary": "2 findings", "score": 80,
            "sections": [
                {"kind": "findings", "title": "Findings", "findings": [{"severity": "high", "file": "a.py", "line": 3, "message": "eval"}]},
                {"kind": "next-steps", "title": "Next", "items": [{"text": "Audit tests", "command": "attune workflow run test-audit"}]},
                {"kind": "table", "title": "T", "columns": ["a"], "rows": [{"a": "x|y"}]}
            ]
        });
        let md = to_markdown(&r);
        assert!(md.starts_with("# Security audit\n\n**Score:** 80\n\n2 findings"));
        assert!(md.contains("- **high** `a.py:3` eval"));
        assert!(md.contains("`attune workflow run test-audit`"));
        assert!(md.contains("| x\\|y |"));
    }
}
