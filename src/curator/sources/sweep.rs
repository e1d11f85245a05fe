//! `sweep`: the discovery sweep's saved results
//! (`<home>/ops/sweep-results/*.json`), the findings of its `queue` and
//! `questions` buckets (`rejected` is noise already filtered out).

use std::path::Path;

use serde_json::{Map, Value};

use super::{hash_ids, sha_hex, str_or, truncate, truthy, SourceItem, SourceSummary};
use crate::pyfmt::str_of;

/// The most findings listed, across every scope.
const MAX_ITEMS: usize = 50;

/// Reads every result file in name order until [`MAX_ITEMS`].
pub fn sweep(dir: &Path) -> SourceSummary {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    let mut items = Vec::new();
    for f in files {
        items.extend(file_items(&f));
        if items.len() >= MAX_ITEMS {
            items.truncate(MAX_ITEMS);
            break;
        }
    }
    SourceSummary { source_id: "sweep", state_hash: hash_ids(&items), items }
}

fn file_items(path: &Path) -> Vec<SourceItem> {
    let Some(Value::Object(data)) = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok()) else {
        tracing::debug!(path = %path.display(), "curator.sweep: not a results object, skipped");
        return Vec::new();
    };
    let scope = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut out = Vec::new();
    for bucket in ["queue", "questions"] {
        let Some(Value::Array(rows)) = data.get(bucket) else { continue };
        for row in rows {
            let Value::Object(row) = row else { continue };
            // A question wraps its finding.
            let (finding, reason) = match row.get("finding") {
                Some(Value::Object(f)) => (f, Some(row.get("reason").map(str_of).unwrap_or_default())),
                _ => (row, None),
            };
            out.push(item(finding, reason.as_deref(), bucket, &scope));
        }
    }
    out
}

fn item(f: &Map<String, Value>, reason: Option<&str>, bucket: &str, scope: &str) -> SourceItem {
    let title = str_or(f, &["title"], "(untitled finding)");
    let source = str_or(f, &["source"], "unknown");
    let severity = str_or(f, &["severity"], "info");
    let description = str_or(f, &["description"], "");
    let mut detail = format!("[{source}/{severity}] {description}");
    let file = truthy(f.get("file")).then(|| str_of(&f["file"]));
    if let Some(file) = &file {
        if truthy(f.get("line")) {
            detail.push_str(&format!(" at {file}:{}", str_of(&f["line"])));
        } else {
            detail.push_str(&format!(" at {file}"));
        }
    }
    if bucket == "questions" {
        if let Some(r) = reason.filter(|r| !r.is_empty()) {
            detail.push_str(&format!(" question: {r}"));
        }
    }
    let sig = [
        scope.to_string(),
        bucket.to_string(),
        str_or(f, &["source"], ""),
        str_or(f, &["title"], ""),
        str_or(f, &["file"], ""),
        str_or(f, &["line"], ""),
    ]
    .join("|");
    let mut meta = vec![("bucket", bucket.to_string()), ("source", source), ("severity", severity), ("scope", scope.to_string())];
    if let Some(file) = file {
        meta.push(("file", file));
    }
    // The result's page (the reference linked a path it does not serve).
    let is_hash = scope.len() == 16 && scope.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let link = if is_hash { format!("/workflows/discovery-sweep/results/{scope}?bucket={bucket}") } else { String::new() };
    SourceItem::new(format!("sweep:{bucket}:{}", sha_hex(&sig, 12)), truncate(&title, 150), truncate(&detail, 500), link, &meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_and_questions_are_read_rejected_and_bad_files_are_not() {
        let d = tempfile::tempdir().unwrap();
        let body = r#"{"queue":[{"title":"SQL built by concatenation","source":"security","severity":"high","description":"user input reaches execute()","file":"app/db.py","line":42},"junk"],
            "questions":[{"finding":{"title":"Dead flag?","source":"lint"},"reason":"no caller found"}],
            "rejected":[{"title":"noise"}]}"#;
        std::fs::write(d.path().join("abc123.json"), body).unwrap();
        std::fs::write(d.path().join("bad.json"), "[1,2]").unwrap();
        std::fs::write(d.path().join("worse.json"), "{").unwrap();
        let s = sweep(d.path());
        assert_eq!(s.items.len(), 2);
        let q = &s.items[0];
        let sig = "abc123|queue|security|SQL built by concatenation|app/db.py|42";
        assert_eq!(q.item_id, format!("sweep:queue:{}", sha_hex(sig, 12)));
        assert_eq!(q.detail, "[security/high] user input reaches execute() at app/db.py:42");
        assert_eq!(q.meta("file"), Some("app/db.py"));
        assert_eq!(s.items[1].detail, "[lint/info]  question: no caller found");
        assert!(s.items[1].item_id.starts_with("sweep:questions:"));
        assert!(sweep(&d.path().join("missing")).items.is_empty());
    }
}
