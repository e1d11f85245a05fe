//! Lifecycle buckets, pipeline stage and gate verdicts, derived from the
//! phase statuses exactly as the reference does (first match wins).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::pytext;
use crate::wire::{GateVerdict, SpecPhase};

/// A spec untouched for longer than this is `stale`.
pub const STALE_THRESHOLD_DAYS: i64 = 30;

const COMPLETE: [&str; 5] = ["complete", "completed", "done", "shipped", "superseded"];
const APPROVED: [&str; 8] = ["complete", "completed", "done", "shipped", "superseded", "approved", "active", "living"];

/// The leading token of a status: lowercased and trimmed, cut at the first
/// space, then `(`, `,`, `;`, `—` and `-` (in that order), trimmed again.
/// So `in-review` normalises to `in`, as in the reference.
pub fn normalize(status: &str) -> String {
    let mut head = pytext::strip(status).to_lowercase();
    for sep in [" ", "(", ",", ";", "—", "-"] {
        if let Some(i) = head.find(sep) {
            head.truncate(i);
        }
    }
    pytext::strip(&head).to_string()
}

fn is_complete(p: &SpecPhase) -> bool {
    p.status.as_deref().is_some_and(|s| COMPLETE.contains(&normalize(s).as_str()))
}

fn phase<'a>(phases: &'a [SpecPhase], name: &str) -> Option<&'a SpecPhase> {
    phases.iter().find(|p| p.name == name)
}

fn all_existing_complete(phases: &[SpecPhase]) -> bool {
    let existing: Vec<&SpecPhase> = phases.iter().filter(|p| p.exists).collect();
    !existing.is_empty() && existing.iter().all(|p| is_complete(p))
}

/// Is `last_modified` more than 30 days before `now`? Naive times count as
/// UTC; an unparseable value is not stale.
pub fn is_stale(last_modified: Option<&str>, now: DateTime<Utc>) -> bool {
    let Some(s) = last_modified.filter(|s| !s.is_empty()) else { return false };
    match crate::pyfmt::parse_iso(s) {
        Some(t) => now - t.to_utc() > chrono::Duration::days(STALE_THRESHOLD_DAYS),
        None => false,
    }
}

/// `paused`, `parked`, `complete`, `active`, `stale`, `draft`,
/// `approved-not-shipped` or `active`, first match wins.
pub fn derive_lifecycle(phases: &[SpecPhase], last_modified: Option<&str>, now: DateTime<Utc>) -> &'static str {
    let nonempty = |p: &&SpecPhase| p.status.as_deref().is_some_and(|s| !s.is_empty());
    if phases.iter().filter(nonempty).any(|p| p.status.as_deref().unwrap_or("").to_lowercase().contains("paused")) {
        return "paused";
    }
    if phases.iter().filter(nonempty).any(|p| normalize(p.status.as_deref().unwrap_or("")) == "parked") {
        return "parked";
    }
    if all_existing_complete(phases) {
        return "complete";
    }
    if phases.iter().filter(nonempty).any(|p| normalize(p.status.as_deref().unwrap_or("")) == "living") {
        return "active";
    }
    if is_stale(last_modified, now) {
        return "stale";
    }
    let req = match phase(phases, "requirements") {
        Some(r) if r.exists => r,
        _ => return "draft",
    };
    let Some(req_status) = req.status.as_deref() else { return "draft" };
    if !APPROVED.contains(&normalize(req_status).as_str()) {
        return "draft";
    }
    let has_tasks = phase(phases, "tasks").is_some_and(|t| t.exists);
    let any_complete = phases.iter().any(is_complete);
    if normalize(req_status) == "approved" && has_tasks && !any_complete {
        return "approved-not-shipped";
    }
    "active"
}

/// Where a spec sits in the authoring pipeline and what comes next:
/// `(stage, next_phase, next_action)`.
pub fn derive_stage(phases: &[SpecPhase], waived: &[String]) -> (&'static str, Option<&'static str>, &'static str) {
    let ok = |name: &str| {
        phase(phases, name).is_some_and(|p| p.exists && p.status.as_deref().is_some_and(|s| APPROVED.contains(&normalize(s).as_str())))
    };
    let exists = |name: &str| phase(phases, name).is_some_and(|p| p.exists);
    if all_existing_complete(phases) {
        return ("shipped", None, "Complete — archive when ready");
    }
    if !ok("requirements") {
        let action = if exists("requirements") { "Approve requirements" } else { "Draft + approve requirements" };
        return ("requirements", Some("requirements"), action);
    }
    if exists("design") && !ok("design") {
        return ("design", Some("design"), "Approve design");
    }
    if !exists("design") && !waived.iter().any(|w| w == "design") {
        return ("design", Some("design"), "Author design.md (or record a waiver)");
    }
    if exists("tasks") && !ok("tasks") {
        return ("tasks", Some("tasks"), "Approve tasks");
    }
    ("executing", Some("decisions"), "Execute; record receipts in decisions.md, then flip statuses to shipped")
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()).filter(|s| !s.is_empty()),
        other => Some(other.to_string()),
    }
}

/// The spec a gate receipt is about: the segment after `specs/` when the
/// path has one (the reference's Q21, fixed), else the reference's rule —
/// the first segment that is not `docs`, `specs` or empty and does not end
/// in `.md`.
pub fn verdict_slug(target: &str) -> Option<String> {
    let parts: Vec<&str> = target.split('/').collect();
    if let Some(i) = parts.iter().position(|p| *p == "specs") {
        if let Some(s) = parts.get(i + 1).filter(|s| !s.is_empty() && !s.ends_with(".md")) {
            return Some(s.to_string());
        }
    }
    if target.starts_with('/') {
        return Some("/".into());
    }
    parts.into_iter().find(|s| !matches!(*s, "docs" | "specs" | "" | ".") && !s.ends_with(".md")).map(str::to_string)
}

/// The newest gate receipt per spec from `<home>/ops/gates/verdicts.jsonl`
/// (a missing file or bad lines: no verdict).
pub fn read_gate_verdicts(path: &Path) -> HashMap<String, GateVerdict> {
    let mut out = HashMap::new();
    let Ok(text) = crate::pytext::read_text(path) else { return out };
    for line in text.lines() {
        let line = pytext::strip(line);
        if line.is_empty() {
            continue;
        }
        let Ok(Value::Object(r)) = serde_json::from_str::<Value>(line) else { continue };
        let Some(target) = text_of(r.get("target_artifact")) else { continue };
        let Some(slug) = verdict_slug(&target) else { continue };
        out.insert(
            slug,
            GateVerdict {
                state: text_of(r.get("evaluation_state")).unwrap_or_else(|| "unknown".into()),
                gate_id: text_of(r.get("gate_id")).unwrap_or_else(|| "?".into()),
                phase: text_of(r.get("phase")).unwrap_or_else(|| "?".into()),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(specs: &[(&str, bool, Option<&str>)]) -> Vec<SpecPhase> {
        specs
            .iter()
            .map(|(n, e, s)| SpecPhase { name: n.to_string(), file: format!("{n}.md"), exists: *e, status: s.map(str::to_string) })
            .collect()
    }

    #[test]
    fn normalisation_is_the_reference_quirk() {
        assert_eq!(normalize(" In-Review "), "in");
        assert_eq!(normalize("approved (2026-05-31; see x)"), "approved");
        assert_eq!(normalize("complete—shipped"), "complete");
    }

    #[test]
    fn lifecycle_cascade() {
        let now = Utc::now();
        let recent = crate::pyfmt::iso_utc(now);
        let r = Some(recent.as_str());
        let all = |d, q, g, t| ph(&[("decisions", true, d), ("requirements", true, q), ("design", true, g), ("tasks", true, t)]);
        assert_eq!(derive_lifecycle(&all(Some("unpaused"), None, None, None), r, now), "paused");
        assert_eq!(derive_lifecycle(&all(Some("parked — until Q3"), None, None, None), r, now), "parked");
        assert_eq!(derive_lifecycle(&all(Some("done"), Some("complete"), Some("shipped"), Some("superseded")), r, now), "complete");
        assert_eq!(derive_lifecycle(&all(Some("done"), Some("complete"), Some("shipped"), None), r, now), "active");
        assert_eq!(derive_lifecycle(&all(None, Some("living"), None, None), r, now), "active");
        assert_eq!(derive_lifecycle(&all(None, Some("approved"), None, None), Some("2020-01-01T00:00:00+00:00"), now), "stale");
        assert_eq!(derive_lifecycle(&all(None, Some("approved"), None, None), r, now), "approved-not-shipped");
        assert_eq!(derive_lifecycle(&all(None, Some("approved (x)"), None, Some("done")), r, now), "active");
        assert_eq!(derive_lifecycle(&all(None, Some("in-review"), None, None), r, now), "draft");
        assert_eq!(derive_lifecycle(&ph(&[("requirements", false, None)]), None, now), "draft");
    }

    #[test]
    fn stages() {
        let p = ph(&[
            ("decisions", false, None),
            ("requirements", true, Some("approved")),
            ("design", false, None),
            ("tasks", true, Some("draft")),
        ]);
        assert_eq!(derive_stage(&p, &[]), ("design", Some("design"), "Author design.md (or record a waiver)"));
        assert_eq!(derive_stage(&p, &["design".into()]), ("tasks", Some("tasks"), "Approve tasks"));
        let p = ph(&[("requirements", false, None)]);
        assert_eq!(derive_stage(&p, &[]).2, "Draft + approve requirements");
    }

    #[test]
    fn gate_slugs() {
        assert_eq!(verdict_slug("docs/specs/refund-endpoint/design.md").as_deref(), Some("refund-endpoint"));
        assert_eq!(verdict_slug("/abs/docs/specs/x/design.md").as_deref(), Some("x"));
        assert_eq!(verdict_slug("other/x/design.md").as_deref(), Some("other"));
    }
}
