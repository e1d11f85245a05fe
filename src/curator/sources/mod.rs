//! The Briefing's sources: what each one reads and the items it gives,
//! with the reference's item ids (so `dismissals.json` is shared) and a
//! state hash per source (the cache key is made of them).
//!
//! Readers never fail: a missing or unreadable file is no items, a bad line
//! or entry is skipped. Order is the prompt's: bulletin, specs, spec drift,
//! sweep results, telemetry, failed runs, git state.

mod git;
mod specs;
mod sweep;
mod telemetry;

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::bulletin;
use crate::wire::{RunInfo, RunStatus};

pub use git::git_state;
pub use specs::{spec_drift, specs};
pub use sweep::sweep;
pub use telemetry::telemetry;

/// One row a source gives: a unit the briefing can cite by `item_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceItem {
    pub item_id: String,
    pub title: String,
    pub detail: String,
    pub link: String,
    /// Sorted by key (the prompt lists them so).
    pub metadata: Vec<(String, String)>,
}

/// What one source read.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceSummary {
    pub source_id: &'static str,
    /// 16 hex digits, the same for the same logical state.
    pub state_hash: String,
    pub items: Vec<SourceItem>,
}

impl SourceItem {
    pub(crate) fn new(item_id: String, title: String, detail: String, link: String, meta: &[(&str, String)]) -> SourceItem {
        let mut metadata: Vec<(String, String)> = meta.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        metadata.sort();
        SourceItem { item_id, title, detail, link, metadata }
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The first `n` hex digits of SHA-256.
pub(crate) fn sha_hex(s: &str, n: usize) -> String {
    let d = Sha256::digest(s.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in d {
        hex.push_str(&format!("{b:02x}"));
    }
    hex.truncate(n);
    hex
}

/// The hash most sources use: over their sorted item ids.
pub(crate) fn hash_ids(items: &[SourceItem]) -> String {
    let mut ids: Vec<&str> = items.iter().map(|i| i.item_id.as_str()).collect();
    ids.sort_unstable();
    sha_hex(&ids.join("|"), 16)
}

/// `s` cut to `limit` characters, the last one `…` (the reference's rule).
pub(crate) fn truncate(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_string();
    }
    let mut out: String = s.chars().take(limit - 1).collect();
    out.push('…');
    out
}

/// Python's truthiness of a field that may be missing.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(crate::pyfmt::truthy)
}

/// `str(a or b or default)` over an object's fields.
pub(crate) fn str_or(o: &serde_json::Map<String, Value>, keys: &[&str], default: &str) -> String {
    keys.iter().map(|k| o.get(*k)).find(|v| truthy(*v)).flatten().map(crate::pyfmt::str_of).unwrap_or_else(|| default.to_string())
}

/// The multi-actor bulletin: runs live now (`bulletin:active:<run>`) and
/// the runs of the archive's last day or so (`bulletin:archived:<run>`,
/// the newest entry of each run: the reference listed every heartbeat line
/// of the archive as its own item). The hash is over runs and statuses, not
/// heartbeats, so a live run does not make every load miss the cache.
pub fn bulletin(dir: &Path, now: DateTime<Utc>) -> SourceSummary {
    let active = bulletin::active_entries(bulletin::read_file(&dir.join("active.jsonl")).entries, now);
    let cutoff = (now - chrono::Duration::hours(24)).date_naive();
    let mut archived = Vec::new();
    let mut days = bulletin::archive_days(dir);
    days.sort();
    for day in days {
        if chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").is_ok_and(|d| d >= cutoff) {
            archived.extend(bulletin::read_file(&dir.join("archive").join(format!("{day}.jsonl"))).entries);
        }
    }
    let archived = bulletin::latest_per_run(archived);
    let mut items = Vec::new();
    let mut state: Vec<String> = Vec::new();
    for e in &active {
        let age = crate::pyfmt::parse_iso(&e.last_heartbeat)
            .map(|hb| (now - hb.to_utc()).num_seconds().to_string())
            .unwrap_or_else(|| "unknown".into());
        let mut detail = format!("Run {} started {}. Last heartbeat: {}.", e.run_id, e.started_at, e.last_heartbeat);
        if let Some(s) = e.scope.as_deref().filter(|s| !s.is_empty()) {
            detail.push_str(&format!(" Scope: {s}."));
        }
        items.push(SourceItem::new(
            format!("bulletin:active:{}", e.run_id),
            format!("{} ({}, {})", e.workflow, e.actor_kind, e.actor_id),
            truncate(&detail, 500),
            format!("/runs/{}/view", e.run_id),
            &[
                ("kind", "active".into()),
                ("actor_kind", e.actor_kind.clone()),
                ("actor_id", e.actor_id.clone()),
                ("workflow", e.workflow.clone()),
                ("heartbeat_age_s", age),
            ],
        ));
        state.push(format!("{}@active", e.run_id));
    }
    for e in &archived {
        let mut detail = format!(
            "Run {} terminal status: {}. Started {}, last heartbeat {}.",
            e.run_id, e.current_status, e.started_at, e.last_heartbeat
        );
        if let Some(s) = e.scope.as_deref().filter(|s| !s.is_empty()) {
            detail.push_str(&format!(" Scope: {s}."));
        }
        items.push(SourceItem::new(
            format!("bulletin:archived:{}", e.run_id),
            format!("{} — {} ({})", e.workflow, e.current_status, e.actor_kind),
            truncate(&detail, 500),
            format!("/runs/{}/view", e.run_id),
            &[
                ("kind", "archived".into()),
                ("actor_kind", e.actor_kind.clone()),
                ("actor_id", e.actor_id.clone()),
                ("workflow", e.workflow.clone()),
                ("terminal_status", e.current_status.clone()),
            ],
        ));
        state.push(format!("{}@{}", e.run_id, e.current_status));
    }
    state.sort();
    SourceSummary { source_id: "bulletin", state_hash: sha_hex(&state.join("|"), 16), items }
}

/// The most failed runs listed.
const MAX_FAILED_RUNS: usize = 20;

/// Runs of this dashboard's history that failed or were interrupted in the
/// last 24 hours, newest first (`run:failed:<id>`). The reference's
/// `recommendations` source read a field its runner never writes; this is
/// the signal a failed run really leaves.
pub fn failed_runs(runs: &[RunInfo], now: DateTime<Utc>) -> SourceSummary {
    let since = now - chrono::Duration::hours(24);
    let mut failed: Vec<(&RunInfo, DateTime<Utc>)> = runs
        .iter()
        .filter(|r| r.status == RunStatus::Failed)
        .filter_map(|r| {
            let at = r.completed_at.as_deref().or(r.started_at.as_deref())?;
            Some((r, crate::pyfmt::parse_iso(at)?.to_utc()))
        })
        .filter(|(_, at)| *at >= since)
        .collect();
    failed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    failed.truncate(MAX_FAILED_RUNS);
    let items: Vec<SourceItem> = failed
        .into_iter()
        .map(|(r, at)| {
            let how = match (r.interrupted, r.exit_code) {
                (true, _) => "interrupted (the dashboard stopped while it ran)".to_string(),
                (_, Some(c)) => format!("exit code {c}"),
                _ => "no exit code".to_string(),
            };
            let mut detail = format!("Run {} of {} failed at {}: {how}.", r.id, r.workflow, crate::pyfmt::iso_utc(at));
            if let Some(p) = &r.path {
                detail.push_str(&format!(" Scope: {p}."));
            }
            if let Some(k) = &r.sdk_error_kind {
                detail.push_str(&format!(" Error kind: {k}."));
            }
            if let Some(s) = r.sdk_stderr.as_deref().map(crate::pytext::strip).filter(|s| !s.is_empty()) {
                detail.push_str(&format!(" Stderr: {s}"));
            }
            SourceItem::new(
                format!("run:failed:{}", r.id),
                format!("{} failed ({how})", r.workflow),
                truncate(&detail, 500),
                format!("/runs/{}/view", r.id),
                &[
                    ("workflow", r.workflow.clone()),
                    ("run_id", r.id.clone()),
                    ("exit_code", r.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "none".into())),
                ],
            )
        })
        .collect();
    SourceSummary { source_id: "runs", state_hash: hash_ids(&items), items }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters_and_ends_with_an_ellipsis() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ééééé", 4), "ééé…");
    }

    #[test]
    fn hashes_are_sha256_prefixes() {
        assert_eq!(sha_hex("", 16), "e3b0c44298fc1c14");
        assert_eq!(hash_ids(&[]), "e3b0c44298fc1c14");
    }

    fn entry(run: &str, status: &str, hb: &str) -> String {
        format!(
            r#"{{"actor_id":"ana@box","actor_kind":"cli","workflow":"code-review","run_id":"{run}","started_at":"{hb}","last_heartbeat":"{hb}","current_status":"{status}","scope":"src/a"}}"#
        )
    }

    #[test]
    fn bulletin_items_keep_the_reference_ids_and_one_item_per_archived_run() {
        let d = tempfile::tempdir().unwrap();
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
        std::fs::create_dir_all(d.path().join("archive")).unwrap();
        std::fs::write(d.path().join("active.jsonl"), entry("r1", "running", "2026-11-20T11:59:30+00:00") + "\n").unwrap();
        let arch = [entry("r0", "running", "2026-11-20T01:00:00+00:00"), entry("r0", "failed", "2026-11-20T01:05:00+00:00")].join("\n");
        std::fs::write(d.path().join("archive/2026-11-20.jsonl"), arch + "\nnot json\n").unwrap();
        std::fs::write(d.path().join("archive/2026-11-10.jsonl"), entry("old", "failed", "2026-11-10T01:00:00+00:00")).unwrap();
        let s = bulletin(d.path(), now);
        let ids: Vec<&str> = s.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids, ["bulletin:active:r1", "bulletin:archived:r0"]);
        assert_eq!(s.items[0].meta("heartbeat_age_s"), Some("30"));
        assert_eq!(s.items[1].title, "code-review — failed (cli)");
        assert_eq!(s.items[0].detail, "Run r1 started 2026-11-20T11:59:30+00:00. Last heartbeat: 2026-11-20T11:59:30+00:00. Scope: src/a.");
        // A heartbeat moves: same hash. A status changes: another.
        let h = s.state_hash.clone();
        std::fs::write(d.path().join("active.jsonl"), entry("r1", "running", "2026-11-20T11:59:50+00:00") + "\n").unwrap();
        assert_eq!(bulletin(d.path(), now).state_hash, h);
        std::fs::write(d.path().join("active.jsonl"), entry("r1", "completed", "2026-11-20T11:59:50+00:00") + "\n").unwrap();
        assert_ne!(bulletin(d.path(), now).state_hash, h);
    }

    #[test]
    fn failed_runs_of_the_last_day_newest_first() {
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
        let run = |id: &str, status: RunStatus, at: &str| {
            let mut r = RunInfo::new(id, "security-audit");
            r.status = status;
            r.exit_code = Some(2);
            r.completed_at = Some(at.into());
            r
        };
        let runs = [
            run("a1", RunStatus::Failed, "2026-11-20T10:00:00+00:00"),
            run("a2", RunStatus::Completed, "2026-11-20T11:00:00+00:00"),
            run("a3", RunStatus::Failed, "2026-11-20T11:30:00+00:00"),
            run("a4", RunStatus::Failed, "2026-11-18T11:30:00+00:00"),
        ];
        let s = failed_runs(&runs, now);
        let ids: Vec<&str> = s.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids, ["run:failed:a3", "run:failed:a1"]);
        assert_eq!(s.items[0].title, "security-audit failed (exit code 2)");
        assert_eq!(s.items[0].link, "/runs/a3/view");
    }
}
