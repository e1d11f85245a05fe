//! The Briefing's files, in the reference's formats:
//!
//! * `<home>/curator-cache/<key>.json`: a briefing written by the model,
//!   valid for five minutes for the same state of the sources
//!   (sorted-key Python JSON, `cached_at` included; written atomically);
//! * `<home>/curator/dismissals.json`: `{item_id: {"snoozed_until": iso}}`,
//!   sorted keys, no trailing newline, atomic; a snooze lasts 14 days;
//! * `<home>/curator/answers.jsonl`: one `{"ts", "item_id", "choice"}` line
//!   per answer.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::pyfmt::{self, Dumps};
use crate::wire::CuratorResult;

/// How long a cached briefing is used.
pub const CACHE_TTL_SECS: i64 = 300;
/// How long a snooze lasts.
pub const SNOOZE_DAYS: i64 = 14;

pub fn cache_path(home: &Path, key: &str) -> PathBuf {
    let safe: String = key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    home.join("curator-cache").join(format!("{}.json", if safe.is_empty() { "default" } else { &safe }))
}

/// A cached briefing for `key` no older than [`CACHE_TTL_SECS`]; anything
/// unreadable is a miss.
pub fn cached(home: &Path, key: &str, now: DateTime<Utc>) -> Option<CuratorResult> {
    let text = std::fs::read_to_string(cache_path(home, key)).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    let at = pyfmt::parse_iso(v.get("cached_at")?.as_str()?)?.to_utc();
    let age = (now - at).num_seconds();
    if !(0..=CACHE_TTL_SECS).contains(&age) {
        return None;
    }
    let mut r: CuratorResult = serde_json::from_value(v).ok()?;
    for i in &mut r.items {
        if !matches!(i.severity.as_str(), "info" | "nudge" | "warn" | "block") {
            i.severity = "info".into();
        }
    }
    Some(r)
}

/// Saves a briefing under `key` (best effort: a failure is logged).
pub fn save(home: &Path, key: &str, r: &CuratorResult) {
    let Ok(v) = serde_json::to_value(r) else { return };
    let text = pyfmt::dumps(&v, Dumps::SORTED);
    if let Err(e) = crate::fsutil::write_atomic(&cache_path(home, key), text.as_bytes(), true) {
        tracing::warn!(error = %e, "curator: cache write failed");
    }
}

fn dismissals_path(home: &Path) -> PathBuf {
    home.join("curator").join("dismissals.json")
}

fn read_dismissals(home: &Path) -> Map<String, Value> {
    match std::fs::read_to_string(dismissals_path(home)).ok().and_then(|t| serde_json::from_str(&t).ok()) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Item ids snoozed at `now`.
pub fn snoozed(home: &Path, now: DateTime<Utc>) -> HashSet<String> {
    read_dismissals(home)
        .into_iter()
        .filter(|(_, rec)| {
            rec.get("snoozed_until").and_then(Value::as_str).and_then(pyfmt::parse_iso).is_some_and(|until| until.to_utc() > now)
        })
        .map(|(id, _)| id)
        .collect()
}

/// Snoozes `item_id` until `now` + 14 days; gives that instant (ISO). The
/// caller serialises concurrent dismissals (a read, then a rewrite).
pub fn dismiss(home: &Path, item_id: &str, now: DateTime<Utc>) -> std::io::Result<String> {
    let until = pyfmt::iso_utc(now + chrono::Duration::days(SNOOZE_DAYS));
    let mut map = read_dismissals(home);
    map.insert(item_id.to_string(), json!({"snoozed_until": until}));
    let text = pyfmt::dumps(&Value::Object(map), Dumps::SORTED);
    crate::fsutil::write_atomic(&dismissals_path(home), text.as_bytes(), true)?;
    Ok(until)
}

/// Appends an answer to the journal.
pub fn answer(home: &Path, item_id: &str, choice: &str, now: DateTime<Utc>) -> std::io::Result<()> {
    let dir = home.join("curator");
    std::fs::create_dir_all(&dir)?;
    let line = pyfmt::dumps(&json!({"ts": pyfmt::iso_utc(now), "item_id": item_id, "choice": choice}), Dumps::DEFAULT) + "\n";
    crate::fsutil::append_line(&dir.join("answers.jsonl"), line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{CuratorItem, SuggestedAction};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_cache_file_is_the_references_and_lasts_five_minutes() {
        let d = tempfile::tempdir().unwrap();
        let r = CuratorResult {
            summary: "Spec gift-cards looks done [spec:gift-cards].".into(),
            items: vec![CuratorItem {
                id: "close-gift-cards".into(),
                title: "Close gift-cards".into(),
                severity: "nudge".into(),
                rationale: "r".into(),
                sources: vec!["spec:gift-cards".into()],
                suggested_action: Some(SuggestedAction {
                    kind: "open".into(),
                    url: Some("/specs/gift-cards".into()),
                    ..Default::default()
                }),
            }],
            sources_consulted: vec!["bulletin".into()],
            cost_usd: 0.0123,
            cached_at: Some("2026-11-20T12:00:00+00:00".into()),
            model: "claude-fable-5-1".into(),
        };
        save(d.path(), "ab12", &r);
        let text = std::fs::read_to_string(d.path().join("curator-cache/ab12.json")).unwrap();
        assert_eq!(
            text,
            r#"{"cached_at": "2026-11-20T12:00:00+00:00", "cost_usd": 0.0123, "items": [{"id": "close-gift-cards", "rationale": "r", "severity": "nudge", "sources": ["spec:gift-cards"], "suggested_action": {"choices": [], "kind": "open", "label": null, "question": null, "scope": null, "url": "/specs/gift-cards", "workflow": null}, "title": "Close gift-cards"}], "model": "claude-fable-5-1", "sources_consulted": ["bulletin"], "summary": "Spec gift-cards looks done [spec:gift-cards]."}"#
        );
        assert_eq!(cached(d.path(), "ab12", t("2026-11-20T12:04:59Z")), Some(r));
        assert_eq!(cached(d.path(), "ab12", t("2026-11-20T12:05:01Z")), None);
        assert_eq!(cached(d.path(), "zz", t("2026-11-20T12:01:00Z")), None);
        std::fs::write(d.path().join("curator-cache/bad.json"), "[]").unwrap();
        assert_eq!(cached(d.path(), "bad", t("2026-11-20T12:01:00Z")), None);
        assert_eq!(cache_path(d.path(), "../x"), d.path().join("curator-cache/x.json"));
    }

    #[test]
    fn dismissals_and_answers() {
        let d = tempfile::tempdir().unwrap();
        let now = t("2026-11-20T12:00:00Z");
        assert!(snoozed(d.path(), now).is_empty());
        let until = dismiss(d.path(), "spec:b", now).unwrap();
        assert_eq!(until, "2026-12-04T12:00:00+00:00");
        dismiss(d.path(), "spec:a", now).unwrap();
        let text = std::fs::read_to_string(d.path().join("curator/dismissals.json")).unwrap();
        assert_eq!(
            text,
            r#"{"spec:a": {"snoozed_until": "2026-12-04T12:00:00+00:00"}, "spec:b": {"snoozed_until": "2026-12-04T12:00:00+00:00"}}"#
        );
        assert_eq!(snoozed(d.path(), now).len(), 2);
        assert!(snoozed(d.path(), t("2026-12-05T00:00:00Z")).is_empty());
        // Naive instants are UTC; junk entries are ignored.
        std::fs::write(
            d.path().join("curator/dismissals.json"),
            r#"{"x": {"snoozed_until": "2026-12-01T00:00:00"}, "y": 5, "z": {"snoozed_until": "soon"}}"#,
        )
        .unwrap();
        assert_eq!(snoozed(d.path(), now), HashSet::from(["x".to_string()]));
        answer(d.path(), "spec:a", "yes", now).unwrap();
        answer(d.path(), "spec:a", "naïve", now).unwrap();
        let lines = std::fs::read_to_string(d.path().join("curator/answers.jsonl")).unwrap();
        assert_eq!(lines, "{\"ts\": \"2026-11-20T12:00:00+00:00\", \"item_id\": \"spec:a\", \"choice\": \"yes\"}\n{\"ts\": \"2026-11-20T12:00:00+00:00\", \"item_id\": \"spec:a\", \"choice\": \"na\\u00efve\"}\n");
    }
}
