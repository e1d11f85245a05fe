//! The Briefing (the reference's "curator"): what needs attention now,
//! ranked across the project's sources.
//!
//! * `sources`: the seven readers and their items (reference ids);
//! * `prompt`: the system prompt, the user turn, the tool schema;
//! * `messages`: the Messages API call, its spend cap and its answer;
//! * `rank`: the offline briefing (no key, or the call failed);
//! * `store`: the cache, the snoozes and the answers journal;
//! * this file: the answer turned into a briefing — the fabrication guard
//!   (an item citing an id no source gave is dropped) and the link check.
//!
//! `crate::ops` puts them together (one call in flight per state of the
//! sources, the page never waiting long for it).

pub mod messages;
pub mod prompt;
pub mod rank;
pub mod sources;
pub mod store;

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::wire::{CuratorItem, SuggestedAction};
use sources::{sha_hex, str_or, truthy, SourceSummary};

/// At most this many items in a briefing.
pub const MAX_ITEMS: usize = 5;

/// The most one briefing may cost unless `ATTUNE_CURATOR_MAX_BUDGET_USD`
/// says otherwise.
pub const DEFAULT_BUDGET_USD: f64 = 0.50;

/// The cache key: the sources' state hashes, in order.
pub fn cache_key(sources: &[SourceSummary]) -> String {
    let joined: Vec<&str> = sources.iter().map(|s| s.state_hash.as_str()).collect();
    sha_hex(&joined.join("|"), 16)
}

/// The most characters an item id or a choice may have.
pub const MAX_ARG_CHARS: usize = 500;

/// Why a Briefing action's argument was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgError {
    Missing,
    TooLong,
}

/// A Briefing action's argument as the reference reads it
/// (`str(v or "").strip()`: `0`, `false` and `""` are missing, `5` is
/// `"5"`), at most [`MAX_ARG_CHARS`] characters.
pub fn action_arg(v: Option<&Value>) -> Result<String, ArgError> {
    let Some(v) = v.filter(|v| truthy(Some(v))) else { return Err(ArgError::Missing) };
    let s = crate::pytext::strip(&crate::pyfmt::str_of(v)).to_string();
    if s.is_empty() {
        Err(ArgError::Missing)
    } else if s.chars().count() > MAX_ARG_CHARS {
        Err(ArgError::TooLong)
    } else {
        Ok(s)
    }
}

/// A link that may be rendered as one: an `http(s)` URL or a path on this
/// dashboard (`/…`, not `//host`). Anything else (`javascript:`, `data:`,
/// relative paths) is `None`.
pub fn safe_link(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() || s.chars().any(|c| c.is_control()) {
        return None;
    }
    if s.starts_with('/') {
        return (!s.starts_with("//") && !s.starts_with("/\\") && !s.contains('\\')).then(|| s.to_string());
    }
    let u = url::Url::parse(s).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host().is_some()).then(|| u.to_string())
}

fn opt_str(o: &Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty())
}

fn action(v: Option<&Value>) -> Option<SuggestedAction> {
    let Some(Value::Object(o)) = v else { return None };
    let kind = o.get("kind").and_then(Value::as_str)?;
    if !matches!(kind, "ask" | "open" | "run" | "dismiss") {
        return None;
    }
    let choices = match o.get("choices") {
        Some(Value::Array(a)) => a.iter().map(crate::pyfmt::str_of).collect(),
        _ => Vec::new(),
    };
    Some(SuggestedAction {
        kind: kind.into(),
        label: opt_str(o, "label"),
        question: opt_str(o, "question"),
        choices,
        url: opt_str(o, "url").and_then(|u| safe_link(&u)),
        workflow: opt_str(o, "workflow"),
        scope: opt_str(o, "scope"),
    })
}

/// What the model's answer gave, once checked.
#[derive(Debug, PartialEq)]
pub struct Checked {
    pub summary: String,
    pub items: Vec<CuratorItem>,
    /// Items dropped: they cited no source, or an id no source gave.
    pub dropped: Vec<String>,
}

/// The answer's summary and items: severities coerced (`info` when
/// unknown), actions kept only of a known kind, unsafe URLs removed, items
/// citing nothing or an unknown id dropped (the reference kept items citing
/// nothing), at most [`MAX_ITEMS`], in the model's order.
pub fn check(payload: &Map<String, Value>, known: &HashSet<&str>) -> Checked {
    let summary = if truthy(payload.get("summary")) { crate::pyfmt::str_of(&payload["summary"]) } else { String::new() };
    let mut items = Vec::new();
    let mut dropped = Vec::new();
    let entries = match payload.get("items") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    for e in entries {
        let Value::Object(o) = e else { continue };
        if !truthy(o.get("id")) {
            continue;
        }
        let id = crate::pyfmt::str_of(&o["id"]);
        let sources: Vec<String> = match o.get("sources") {
            Some(Value::Array(a)) => a.iter().map(crate::pyfmt::str_of).collect(),
            _ => Vec::new(),
        };
        let unknown: Vec<&String> = sources.iter().filter(|s| !known.contains(s.as_str())).collect();
        if sources.is_empty() || !unknown.is_empty() {
            tracing::warn!(item = %id, unknown = ?unknown, "curator: dropped an item citing no source or an unknown one");
            dropped.push(id);
            continue;
        }
        let severity = match o.get("severity").and_then(Value::as_str) {
            Some(s @ ("nudge" | "warn" | "block")) => s.to_string(),
            _ => "info".to_string(),
        };
        items.push(CuratorItem {
            id,
            title: str_or(o, &["title"], ""),
            severity,
            rationale: str_or(o, &["rationale"], ""),
            sources,
            suggested_action: action(o.get("suggested_action")),
        });
    }
    items.truncate(MAX_ITEMS);
    Checked { summary, items, dropped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn action_arguments_read_as_the_reference_reads_them() {
        assert_eq!(action_arg(Some(&json!(" spec:a "))), Ok("spec:a".into()));
        assert_eq!(action_arg(Some(&json!(5))), Ok("5".into()));
        for missing in [json!(0), json!(false), json!(""), json!("  "), json!(null), json!([])] {
            assert_eq!(action_arg(Some(&missing)), Err(ArgError::Missing), "{missing}");
        }
        assert_eq!(action_arg(None), Err(ArgError::Missing));
        assert_eq!(action_arg(Some(&json!("x".repeat(501)))), Err(ArgError::TooLong));
    }

    #[test]
    fn links_are_http_or_this_dashboard() {
        for ok in ["/specs/a", "https://github.com/o/r/pull/1", "http://localhost:8080/x"] {
            assert!(safe_link(ok).is_some(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "/\\evil.example",
            "docs/specs/a/",
            "",
            "vbscript:x",
            "/a\nb",
            "file:///etc/passwd",
        ] {
            assert_eq!(safe_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_fabrication_guard_and_coercions() {
        let known: HashSet<&str> = ["spec:a", "run:failed:r1"].into();
        let p = json!({
            "summary": "Two things [spec:a] [run:failed:r1].",
            "items": [
                {"id": "a", "title": "Close a", "severity": "nudge", "rationale": "done [spec:a]", "sources": ["spec:a"],
                 "suggested_action": {"kind": "open", "url": "javascript:alert(1)", "label": "Go"}},
                {"id": "b", "title": "Invented", "severity": "block", "rationale": "x", "sources": ["spec:a", "spec:zzz"]},
                {"id": "c", "title": "Uncited", "severity": "warn", "rationale": "x", "sources": []},
                {"id": "", "title": "no id", "sources": ["spec:a"]},
                "junk",
                {"id": 7, "title": "Run failed", "severity": "critical", "rationale": "r", "sources": ["run:failed:r1"],
                 "suggested_action": {"kind": "ask", "question": "Re-run?", "choices": ["yes", 2]}},
                {"id": "d", "title": "Bad action", "severity": "info", "rationale": "r", "sources": ["spec:a"], "suggested_action": {"kind": "delete"}}
            ]
        });
        let c = check(p.as_object().unwrap(), &known);
        let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "7", "d"]);
        assert_eq!(c.dropped, ["b", "c"]);
        let a = c.items[0].suggested_action.as_ref().unwrap();
        assert_eq!((a.kind.as_str(), a.url.as_deref(), a.label.as_deref()), ("open", None, Some("Go")));
        assert_eq!(c.items[1].severity, "info");
        assert_eq!(c.items[1].suggested_action.as_ref().unwrap().choices, ["yes", "2"]);
        assert_eq!(c.items[2].suggested_action, None);
        let empty = check(json!({"summary": null, "items": "x"}).as_object().unwrap(), &known);
        assert_eq!((empty.summary.as_str(), empty.items.len()), ("", 0));
    }
}
