//! `specs` (every spec, its status and age, whether it looks ready to
//! close) and `spec_drift` (specs whose declared status and activity
//! disagree: `stale`, `approved-not-shipped`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{sha_hex, truncate, SourceItem, SourceSummary};
use crate::wire::SpecRecord;

/// The first status line of tasks, design, requirements, decisions.
fn preferred_status(s: &SpecRecord) -> Option<&str> {
    ["tasks", "design", "requirements", "decisions"]
        .iter()
        .find_map(|n| s.phases.iter().find(|p| p.name == *n).and_then(|p| p.status.as_deref()).filter(|st| !st.is_empty()))
}

/// Whole days since `last_modified` (never negative).
fn age_days(last_modified: Option<&str>, now: DateTime<Utc>) -> Option<i64> {
    let t = crate::pyfmt::parse_iso(last_modified?)?.to_utc();
    Some((now - t).num_seconds().div_euclid(86_400).max(0))
}

/// One item per spec (`spec:<slug>`); `candidates` are the slugs "Ready to
/// close?" lists.
pub fn specs(records: &[SpecRecord], candidates: &HashSet<String>, now: DateTime<Utc>) -> SourceSummary {
    let mut items = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    for s in records {
        let status = preferred_status(s).unwrap_or("unknown");
        let age = age_days(s.last_modified.as_deref(), now);
        let phases: Vec<String> = s
            .phases
            .iter()
            .filter(|p| p.exists)
            .map(|p| format!("{}: {}", p.name, p.status.as_deref().unwrap_or("(no status line)")))
            .collect();
        let age_text = age.map(|a| a.to_string());
        let detail = format!("{} — status: {status}, age_days: {}. {}", s.slug, age_text.as_deref().unwrap_or("None"), phases.join("; "));
        let candidate = candidates.contains(&s.slug);
        items.push(SourceItem::new(
            format!("spec:{}", s.slug),
            s.slug.clone(),
            truncate(&detail, 500),
            format!("/specs/{}", s.slug),
            &[
                ("status", status.to_string()),
                ("age_days", age_text.unwrap_or_else(|| "unknown".into())),
                ("is_completion_candidate", if candidate { "true" } else { "false" }.into()),
            ],
        ));
        rows.push(format!(
            "{}@{}@{}@{}",
            s.slug,
            preferred_status(s).unwrap_or(""),
            s.last_modified.as_deref().unwrap_or(""),
            if candidate { "True" } else { "False" }
        ));
    }
    rows.sort();
    SourceSummary { source_id: "specs", state_hash: sha_hex(&rows.join("|"), 16), items }
}

/// Specs in the `stale` or `approved-not-shipped` bucket
/// (`spec-drift:<slug>`), linked to their page (the reference gave a
/// relative file path).
pub fn spec_drift(records: &[SpecRecord]) -> SourceSummary {
    let items: Vec<SourceItem> = records
        .iter()
        .filter(|s| s.lifecycle == "stale" || s.lifecycle == "approved-not-shipped")
        .map(|s| {
            let status = s.phases.last().and_then(|p| p.status.as_deref()).filter(|st| !st.is_empty()).unwrap_or("(no status)");
            let detail = format!(
                "lifecycle bucket '{}'; declared status {}; last modified {}",
                s.lifecycle,
                crate::pytext::repr(status),
                s.last_modified.as_deref().unwrap_or("None")
            );
            SourceItem::new(
                format!("spec-drift:{}", s.slug),
                format!("{}: {}", s.slug, s.lifecycle),
                detail.chars().take(500).collect(),
                format!("/specs/{}", s.slug),
                &[],
            )
        })
        .collect();
    let mut rows: Vec<String> = items.iter().map(|i| format!("{}|{}", i.item_id, i.title)).collect();
    rows.sort();
    SourceSummary { source_id: "spec_drift", state_hash: sha_hex(&rows.join("\n"), 16), items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SpecPhase;

    fn record(slug: &str, lifecycle: &str, statuses: [Option<&str>; 4]) -> SpecRecord {
        let names = ["decisions", "requirements", "design", "tasks"];
        SpecRecord {
            slug: slug.into(),
            root: "/p/docs/specs".into(),
            path: format!("/p/docs/specs/{slug}"),
            phases: names
                .iter()
                .zip(statuses)
                .map(|(n, st)| SpecPhase {
                    name: n.to_string(),
                    file: format!("{n}.md"),
                    exists: st.is_some(),
                    status: st.map(str::to_string),
                })
                .collect(),
            lifecycle: lifecycle.into(),
            stage: "design".into(),
            next_phase: None,
            next_action: String::new(),
            waived_phases: vec![],
            last_modified: Some("2026-11-10T09:00:00+00:00".into()),
            next_phase_status: None,
            gate: None,
            unreadable: vec![],
        }
    }

    #[test]
    fn spec_items_follow_the_reference() {
        let now: DateTime<Utc> = "2026-11-20T08:00:00Z".parse().unwrap();
        let r = record("gift-cards", "active", [None, Some("approved"), Some("in-review"), None]);
        let cands: HashSet<String> = ["gift-cards".to_string()].into();
        let s = specs(std::slice::from_ref(&r), &cands, now);
        let i = &s.items[0];
        assert_eq!(i.item_id, "spec:gift-cards");
        assert_eq!(i.detail, "gift-cards — status: in-review, age_days: 9. requirements: approved; design: in-review");
        assert_eq!(i.meta("is_completion_candidate"), Some("true"));
        assert_eq!(i.meta("age_days"), Some("9"));
        assert_ne!(specs(&[r], &HashSet::new(), now).state_hash, s.state_hash);
    }

    #[test]
    fn drift_lists_stale_and_approved_not_shipped_only() {
        let a = record("a", "stale", [None, None, Some("draft"), Some("in progress")]);
        let b = record("b", "active", [None, None, None, None]);
        let c = record("c", "approved-not-shipped", [None, None, Some("approved"), None]);
        let s = spec_drift(&[a, b, c]);
        let ids: Vec<&str> = s.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids, ["spec-drift:a", "spec-drift:c"]);
        assert_eq!(s.items[0].detail, "lifecycle bucket 'stale'; declared status 'in progress'; last modified 2026-11-10T09:00:00+00:00");
        assert_eq!(
            s.items[1].detail,
            "lifecycle bucket 'approved-not-shipped'; declared status '(no status)'; last modified 2026-11-10T09:00:00+00:00"
        );
        assert_eq!(s.items[1].link, "/specs/c");
    }
}
