//! Discovery-sweep results, in the reference's files:
//! `<home>/ops/sweep-results/<scope hash>.json`, the latest result of a
//! sweep over one scope (`json.dump(indent=2)` of its `SweepResult`:
//! `queue`, `questions`, `rejected`, `metadata`). The hash is the first 16
//! hex digits of SHA-256 over the scope's absolute path (a blank scope is
//! hashed as it is).
//!
//! Reading never creates the folder (the reference did, on every page),
//! and a file that is not a results object is no result rather than a 500.
//! A relative scope is the project's, not the server's working directory.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::pyfmt;
use crate::wire::{SweepChips, SweepDetailData, SweepRow, SweepSection};

pub const BUCKETS: [&str; 3] = ["queue", "questions", "rejected"];

/// The workflow whose results these are.
pub const WORKFLOW: &str = crate::wire::SWEEP_WORKFLOW;

pub fn results_dir(home: &Path) -> PathBuf {
    home.join("ops").join("sweep-results")
}

/// A scope as its hash is taken: blank as given, else absolute (against
/// `root`), `..` and symlinks resolved where the path exists.
pub fn canonical_scope(scope: &str, root: &Path) -> String {
    if crate::pytext::strip(scope).is_empty() {
        return scope.to_string();
    }
    let p = Path::new(scope);
    let abs = if p.is_absolute() { p.to_path_buf() } else { root.join(p) };
    crate::specs::resolve_lenient(&abs).display().to_string()
}

/// The 16-hex hash of a canonical scope.
pub fn scope_hash(canonical: &str) -> String {
    crate::curator::sources::sha_hex(canonical, 16)
}

/// Exactly 16 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The stored JSON for `hash` (any JSON), `None` when missing or not JSON.
pub fn read(home: &Path, hash: &str) -> Option<Value> {
    if !is_hash(hash) {
        return None;
    }
    let path = results_dir(home).join(format!("{hash}.json"));
    let bytes = std::fs::read(&path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "sweep: result is not JSON");
            None
        }
    }
}

fn bucket_len(v: &Value, bucket: &str) -> u64 {
    v.get(bucket).and_then(Value::as_array).map_or(0, |a| a.len() as u64)
}

/// The chips for a scope (`""`: the project root).
pub fn chips(home: &Path, root: &Path, scope: &str) -> SweepChips {
    let scope_path = if scope.is_empty() { root.display().to_string() } else { scope.to_string() };
    let hash = scope_hash(&canonical_scope(&scope_path, root));
    match read(home, &hash).filter(Value::is_object) {
        Some(v) => SweepChips {
            queue: bucket_len(&v, "queue"),
            questions: bucket_len(&v, "questions"),
            rejected: bucket_len(&v, "rejected"),
            has_result: true,
            scope_hash: hash,
            scope_path,
        },
        None => SweepChips { scope_hash: hash, scope_path, ..Default::default() },
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        None => String::new(),
        Some(v) => pyfmt::str_of(v),
    }
}

fn opt_text(v: Option<&Value>) -> Option<String> {
    v.filter(|v| !v.is_null()).map(pyfmt::str_of)
}

fn section(v: &Value, key: &str) -> SweepSection {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for entry in v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        let Value::Object(entry) = entry else {
            skipped += 1;
            continue;
        };
        let (finding, extra) = if key == "queue" {
            (entry, None)
        } else {
            let Some(Value::Object(f)) = entry.get("finding") else {
                skipped += 1;
                continue;
            };
            let or_empty = |k: &str| entry.get(k).filter(|v| pyfmt::truthy(v)).map(pyfmt::str_of).unwrap_or_default();
            let extra = if key == "questions" {
                ("Why".into(), or_empty("reason"), or_empty("next_step"))
            } else {
                ("Rule".into(), or_empty("rule"), String::new())
            };
            (f, Some(extra))
        };
        rows.push(SweepRow {
            source: text(finding.get("source")),
            severity: text(finding.get("severity")).to_lowercase(),
            title: text(finding.get("title")),
            description: text(finding.get("description")),
            file: opt_text(finding.get("file")),
            line: opt_text(finding.get("line")),
            evidence: opt_text(finding.get("evidence")),
            confidence: finding.get("confidence").and_then(Value::as_f64),
            tags: finding.get("tags").and_then(Value::as_array).map(|a| a.iter().map(pyfmt::str_of).collect()).unwrap_or_default(),
            extra,
        });
    }
    SweepSection { key: key.to_string(), rows, skipped }
}

/// The result's page: every bucket, or only `bucket` when it names one.
/// `None` when there is no result object for `hash`.
pub fn detail(home: &Path, hash: &str, bucket: &str) -> Option<SweepDetailData> {
    let v = read(home, hash).filter(Value::is_object)?;
    let all: Vec<SweepSection> = BUCKETS.iter().map(|b| section(&v, b)).collect();
    let totals = (all[0].rows.len() as u64, all[1].rows.len() as u64, all[2].rows.len() as u64);
    let bucket = if BUCKETS.contains(&bucket) { bucket.to_string() } else { String::new() };
    let meta = v.get("metadata").cloned().unwrap_or(Value::Null);
    Some(SweepDetailData {
        scope_hash: hash.to_string(),
        totals,
        sections: all.into_iter().filter(|s| bucket.is_empty() || s.key == bucket).collect(),
        bucket,
        spent_usd: meta.get("spent_usd").and_then(|s| s.as_f64().or_else(|| s.as_str().and_then(|t| t.trim().parse().ok()))),
        duration_ms: opt_text(meta.get("duration_ms")),
        failures: meta.get("failures").and_then(Value::as_array).map(|a| a.iter().map(pyfmt::str_of).collect()).unwrap_or_default(),
    })
}

/// The `ATTUNE_DS final` result of a run's output, when it declared
/// `ATTUNE_DS_VERSION 1` (another version, no version line, or a final line
/// that is not JSON: `None`).
pub fn parse_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Value> {
    let mut versioned = false;
    let mut last_final = None;
    for line in lines {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(v) = line.strip_prefix("ATTUNE_DS_VERSION ") {
            if !v.bytes().all(|b| b.is_ascii_digit()) || v.is_empty() {
                continue;
            }
            if v.trim_start_matches('0') != "1" {
                tracing::warn!(version = v, "sweep: unknown ATTUNE_DS version, result not kept");
                return None;
            }
            versioned = true;
        } else if let Some(j) = line.strip_prefix("ATTUNE_DS final ") {
            if !j.is_empty() {
                last_final = Some(j);
            }
        }
    }
    if !versioned {
        return None;
    }
    serde_json::from_str(last_final?).map_err(|e| tracing::warn!(error = %e, "sweep: the final line is not JSON")).ok()
}

/// Keeps the result a sweep run printed (its stdout's `ATTUNE_DS` lines)
/// for `scope`; says in the log what became of it.
pub fn keep_from_log(home: &Path, root: &Path, scope: &str, log: &crate::logstore::LogStore) {
    let mut lines = Vec::new();
    let read = log.for_each(|l| {
        if l.s == crate::wire::LogStream::Stdout && l.x.starts_with("ATTUNE_DS") {
            lines.push(l.x.clone());
        }
        true
    });
    let kept = read.and_then(|()| match parse_lines(lines.iter().map(String::as_str)) {
        Some(v) => persist(home, root, scope, &v).map(Some),
        None => Ok(None),
    });
    match kept {
        Ok(Some(p)) => tracing::info!(path = %p.display(), "ops.sweep: result kept"),
        Ok(None) => tracing::info!("ops.sweep: the run printed no ATTUNE_DS result"),
        Err(e) => tracing::warn!(error = %e, "ops.sweep: result not kept"),
    }
}

/// Saves a result for `scope` (atomic; `json.dump(indent=2)`'s bytes).
pub fn persist(home: &Path, root: &Path, scope: &str, v: &Value) -> std::io::Result<PathBuf> {
    let path = results_dir(home).join(format!("{}.json", scope_hash(&canonical_scope(scope, root))));
    crate::fsutil::write_atomic(&path, pyfmt::dumps(v, pyfmt::Dumps::INDENT2).as_bytes(), true)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scope_hashes() {
        assert_eq!(scope_hash(""), "e3b0c44298fc1c14");
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        let abs = root.join("src").display().to_string();
        assert_eq!(canonical_scope("src", &root), abs);
        assert_eq!(canonical_scope("./src/", &root), abs);
        assert_eq!(canonical_scope(&format!("{abs}/../src"), &root), abs);
        assert_eq!(canonical_scope("  ", &root), "  ");
        assert!(is_hash(&scope_hash(&abs)));
        assert!(!is_hash("ABCDEF0123456789") && !is_hash("abc") && !is_hash("../../etc/passwd"));
    }

    #[test]
    fn chips_pages_and_persistence() {
        let d = tempfile::tempdir().unwrap();
        let (home, root) = (d.path().join("home"), d.path().join("proj"));
        std::fs::create_dir_all(&root).unwrap();
        let none = chips(&home, &root, "");
        assert_eq!((none.has_result, none.queue, none.scope_path.clone()), (false, 0, root.display().to_string()));
        assert!(!results_dir(&home).exists(), "reading creates nothing");
        let lines = [
            "$ sweep",
            "ATTUNE_DS_VERSION 1",
            "ATTUNE_DS source_started security-audit ts=2026-11-20T10:00:00Z",
            r#"ATTUNE_DS final {"queue": [1]}"#,
            r#"ATTUNE_DS final {"queue": [{"source": "security-audit", "severity": "HIGH", "title": "t", "file": "a.py", "line": 3, "confidence": 0.8, "tags": ["x"]}, "junk"], "questions": [{"finding": {"title": "q"}, "reason": "LOW_CONFIDENCE", "next_step": "look"}, {"reason": "orphan"}], "rejected": [{"finding": {"title": "r"}, "rule": "SEVERITY_BELOW_THRESHOLD"}], "metadata": {"spent_usd": 0.0123, "duration_ms": 4200, "failures": ["perf-audit"]}}"#,
        ];
        let v = parse_lines(lines).unwrap();
        // A project-wide run is kept under the root's hash (a blank scope is
        // hashed as it is, the reference's rule).
        let path = persist(&home, &root, &root.display().to_string(), &v).unwrap();
        assert!(path.ends_with(format!("{}.json", scope_hash(&canonical_scope(&root.display().to_string(), &root)))));
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("{\n  \"queue\": [\n    {\n      \"source\": \"security-audit\""));
        let c = chips(&home, &root, "");
        assert_eq!((c.has_result, c.queue, c.questions, c.rejected), (true, 2, 2, 1));
        let page = detail(&home, &c.scope_hash, "").unwrap();
        assert_eq!(page.totals, (1, 1, 1));
        assert_eq!((page.sections[0].skipped, page.sections[1].skipped), (1, 1));
        let row = &page.sections[0].rows[0];
        assert_eq!((row.severity.as_str(), row.line.as_deref(), row.confidence), ("high", Some("3"), Some(0.8)));
        assert_eq!(page.sections[1].rows[0].extra, Some(("Why".into(), "LOW_CONFIDENCE".into(), "look".into())));
        assert_eq!((page.spent_usd, page.duration_ms.as_deref(), page.failures.len()), (Some(0.0123), Some("4200"), 1));
        let only = detail(&home, &c.scope_hash, "rejected").unwrap();
        assert_eq!((only.bucket.as_str(), only.sections.len()), ("rejected", 1));
        assert_eq!(detail(&home, &c.scope_hash, "bogus").unwrap().sections.len(), 3);
        // Other versions, no version, a final line that is not JSON.
        assert_eq!(parse_lines(["ATTUNE_DS_VERSION 2", r#"ATTUNE_DS final {}"#]), None);
        assert_eq!(parse_lines([r#"ATTUNE_DS final {}"#]), None);
        assert_eq!(parse_lines(["ATTUNE_DS_VERSION 1", "ATTUNE_DS final {"]), None);
        // A file that is not a results object is no result.
        std::fs::write(&path, "[1, 2]").unwrap();
        assert!(!chips(&home, &root, "").has_result);
        assert_eq!(detail(&home, &c.scope_hash, ""), None);
        assert_eq!(read(&home, &c.scope_hash), Some(json!([1, 2])));
    }
}
