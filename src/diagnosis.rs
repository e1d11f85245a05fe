//! Diagnoses of failed runs, as attune's `diagnose` writes them:
//! `<home>/telemetry/diagnosis_records.jsonl`, one JSON record per line; a
//! record appended again with the same `diagnosis_id` replaces the earlier
//! one. A record counts (the reference's rules) when it has a workflow
//! name that is not a test fixture's, a `created_at` on or after the
//! stream's cut-over (2026-07-20, UTC), and string ids; the rest is skipped
//! and counted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::wire::{Diagnosis, DiagnosisHypothesis};

/// Workflow names of the reference's test fixtures (never real diagnoses).
const FIXTURE_NAMES: [&str; 11] = [
    "complete-test-workflow",
    "complex-workflow",
    "failing-stub",
    "failing-workflow",
    "simple-test-workflow",
    "stub-workflow",
    "success-workflow",
    "successful-workflow",
    "test-runner",
    "test-tier-fallback",
    "test-workflow",
];

/// The trigger of diagnostic runs (never themselves diagnosable).
pub const HEAL_TRIGGER: &str = "attune-heal";

/// The run name of a diagnosis.
pub const WORKFLOW: &str = "diagnose";

pub fn stream_path(home: &Path) -> PathBuf {
    home.join("telemetry").join("diagnosis_records.jsonl")
}

fn cutover() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 20, 0, 0, 0).single().expect("a valid instant")
}

fn text(o: &serde_json::Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(str::to_string)
}

fn parse(line: &str) -> Option<Diagnosis> {
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) else { return None };
    let name = text(&o, "workflow_name").filter(|n| !n.is_empty())?;
    let created = text(&o, "created_at")?;
    let at = crate::pyfmt::parse_iso(&created)?.to_utc();
    if FIXTURE_NAMES.contains(&name.as_str()) || at < cutover() {
        return None;
    }
    let hypotheses = match o.get("hypotheses") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|h| {
                let h = h.as_object()?;
                Some(DiagnosisHypothesis {
                    statement: text(h, "statement")?,
                    rank: h.get("rank").and_then(Value::as_i64).unwrap_or(1),
                    confidence: text(h, "confidence").unwrap_or_else(|| "low".into()),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(Diagnosis {
        diagnosis_id: text(&o, "diagnosis_id")?,
        source_run_id: text(&o, "source_run_id")?,
        workflow_name: name,
        created_at: created,
        status: text(&o, "status").unwrap_or_else(|| "open".into()),
        symptom: text(&o, "symptom").unwrap_or_default(),
        synthesis: text(&o, "synthesis"),
        hypotheses,
    })
}

/// Every eligible record (the last line of each id, in the order the ids
/// first appear) and the number of lines skipped.
pub fn load(home: &Path) -> (Vec<Diagnosis>, u32) {
    let Ok(bytes) = std::fs::read(stream_path(home)) else { return (Vec::new(), 0) };
    let text = String::from_utf8_lossy(&bytes);
    let mut out: Vec<Diagnosis> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut skipped = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match parse(line) {
            Some(d) => match at.get(&d.diagnosis_id) {
                Some(&i) => out[i] = d,
                None => {
                    at.insert(d.diagnosis_id.clone(), out.len());
                    out.push(d);
                }
            },
            None => skipped += 1,
        }
    }
    (out, skipped)
}

/// The diagnoses of one run, oldest first.
pub fn for_run(home: &Path, run_id: &str) -> Vec<Diagnosis> {
    load(home).0.into_iter().filter(|d| d.source_run_id == run_id).collect()
}

/// `name` on `PATH`, when it is there.
pub fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eligible_records_last_line_wins() {
        let d = tempfile::tempdir().unwrap();
        let rec = |id: &str, run: &str, wf: &str, at: &str, status: &str| {
            format!(
                r#"{{"diagnosis_id": "{id}", "source_run_id": "{run}", "workflow_name": "{wf}", "created_at": "{at}", "status": "{status}", "symptom": "exit 2", "hypotheses": [{{"statement": "the fixture moved", "rank": 1, "confidence": "medium"}}, "junk"], "synthesis": "s"}}"#
            )
        };
        let lines = [
            rec("d1", "r1", "code-review", "2026-11-01T10:00:00+00:00", "open"),
            rec("d2", "r1", "code-review", "2026-11-02T10:00:00", "open"),
            rec("d3", "r2", "test-workflow", "2026-11-02T10:00:00+00:00", "open"),
            rec("d4", "r1", "code-review", "2026-07-19T23:59:59+00:00", "open"),
            "not json".into(),
            r#"{"diagnosis_id": "d5", "workflow_name": "x", "created_at": "2026-11-01T00:00:00Z"}"#.into(),
            rec("d1", "r1", "code-review", "2026-11-03T10:00:00+00:00", "verified"),
        ];
        std::fs::create_dir_all(d.path().join("telemetry")).unwrap();
        std::fs::write(stream_path(d.path()), lines.join("\n")).unwrap();
        let (all, skipped) = load(d.path());
        assert_eq!(skipped, 4, "a fixture, one before the cut-over, one not JSON, one without its run");
        let ids: Vec<&str> = all.iter().map(|r| r.diagnosis_id.as_str()).collect();
        assert_eq!(ids, ["d1", "d2"]);
        assert_eq!(all[0].status, "verified");
        assert_eq!(all[0].hypotheses.len(), 1);
        assert_eq!(for_run(d.path(), "r1").last().unwrap().diagnosis_id, "d2");
        assert!(for_run(d.path(), "r2").is_empty());
        assert!(load(&d.path().join("none")).0.is_empty());
    }
}
