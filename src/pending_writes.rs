//! The pending-writes journal read back (`GET /api/pending-writes`): every
//! file a dashboard wrote (today: spec status flips), with what is true of
//! it now — whether that dashboard still runs, whether the file on disk is
//! still what was written, whether it was committed, how old the write is.
//! The journal is shared by every attune tool (`config::pending_writes_path`);
//! [`crate::specs`] appends to it.
//!
//! The reference's rules: entries whose project root is missing, under a
//! temporary directory, or gone are left out (test pollution); one
//! `git status` per project root. Unlike it, a line that is valid JSON but
//! not an object is skipped and counted (it answered 500), and git is asked
//! with `-z` and `core.quotePath=false`, so paths with spaces or accents
//! are matched as they are (it compared git's quoted spelling).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

const GIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a project root is test pollution rather than a project.
fn is_temporary(root: &str) -> bool {
    let tmp = std::env::temp_dir();
    let sys = format!("{}/", tmp.to_string_lossy().trim_end_matches('/'));
    [sys.as_str(), "/tmp/", "/private/tmp/", "/var/folders/", "/private/var/folders/", "/var/tmp/", "/private/var/tmp/"]
        .iter()
        .any(|p| root.starts_with(p))
}

/// The journal, enriched: `{"pending": [...], "summary": {...}}` (plus
/// `skipped_lines` when some were not JSON objects).
pub fn read(journal: &Path, now: DateTime<Utc>) -> Value {
    read_with(journal, now, &is_temporary)
}

/// [`read`], with the rule for roots that are test pollution given (the
/// tests' projects live in temporary folders).
fn read_with(journal: &Path, now: DateTime<Utc>, temporary: &dyn Fn(&str) -> bool) -> Value {
    let (entries, skipped) = load(journal);
    let real: Vec<Map<String, Value>> = entries
        .into_iter()
        .filter(|e| e.get("project_root").and_then(Value::as_str).is_some_and(|r| !r.is_empty() && !temporary(r) && Path::new(r).is_dir()))
        .collect();
    let mut dirty: HashMap<String, Option<HashSet<String>>> = HashMap::new();
    for e in &real {
        if let Some(r) = e.get("project_root").and_then(Value::as_str) {
            dirty.entry(r.to_string()).or_insert_with(|| dirty_paths(Path::new(r)));
        }
    }
    let pending: Vec<Value> = real.into_iter().map(|e| Value::Object(enrich(e, now, &dirty))).collect();
    let count = |f: &dyn Fn(&Value) -> bool| pending.iter().filter(|e| f(e)).count();
    let summary = serde_json::json!({
        "total_entries": pending.len(),
        "uncommitted_count": count(&|e| e["is_committed"] == Value::Bool(false)),
        "stale_dashboard_count": count(&|e| e["dashboard_still_running"] != Value::Bool(true)),
        "drifted_count": count(&|e| e["matches_journal"] != Value::Bool(true)),
    });
    let mut out = serde_json::json!({ "pending": pending, "summary": summary });
    if skipped > 0 {
        out["skipped_lines"] = skipped.into();
    }
    out
}

/// The journal's objects, and how many non-blank lines were not JSON
/// objects.
fn load(journal: &Path) -> (Vec<Map<String, Value>>, usize) {
    let Ok(bytes) = std::fs::read(journal) else { return (Vec::new(), 0) };
    let text = String::from_utf8_lossy(&bytes);
    let mut out = Vec::new();
    let mut skipped = 0;
    for line in crate::pytext::splitlines(&text) {
        let line = crate::pytext::strip(line);
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(m)) => out.push(m),
            _ => skipped += 1,
        }
    }
    if skipped > 0 {
        tracing::warn!(journal = %journal.display(), skipped, "pending_writes: lines that are not JSON objects were skipped");
    }
    (out, skipped)
}

/// Paths `git status` reports as changed or untracked under `root`, or
/// `None` when git cannot tell (not a repository, no git, 10 s passed).
fn dirty_paths(root: &Path) -> Option<HashSet<String>> {
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotePath=false", "status", "--porcelain=v1", "-uall", "-z"])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut buf);
        buf
    });
    let deadline = std::time::Instant::now() + GIT_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?;
    if !status.success() {
        return None;
    }
    Some(parse_porcelain_z(&String::from_utf8_lossy(&out)))
}

/// `XY path\0` records; a rename or copy is followed by its source path.
fn parse_porcelain_z(out: &str) -> HashSet<String> {
    let mut set = HashSet::new();
    let mut records = out.split('\0');
    while let Some(rec) = records.next() {
        if rec.len() < 4 {
            continue;
        }
        let code = &rec.as_bytes()[..2];
        if let Some(path) = rec.get(3..) {
            set.insert(path.to_string());
        }
        if code.contains(&b'R') || code.contains(&b'C') {
            if let Some(src) = records.next().filter(|s| !s.is_empty()) {
                set.insert(src.to_string());
            }
        }
    }
    set
}

fn sha256_file(p: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).ok()?;
    Some(format!("{:x}", Sha256::digest(&bytes)))
}

fn enrich(mut e: Map<String, Value>, now: DateTime<Utc>, dirty: &HashMap<String, Option<HashSet<String>>>) -> Map<String, Value> {
    let pid = match e.get("dashboard_pid") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::Bool(b)) => Some(i64::from(*b)),
        _ => None,
    };
    let running = pid.is_some_and(|p| p > 0 && p <= i64::from(i32::MAX) && !crate::procs::process_gone(p as u32));
    let root = e.get("project_root").and_then(Value::as_str).unwrap_or("").to_string();
    let rel = e.get("file_path").and_then(Value::as_str).unwrap_or("").to_string();
    let file: Option<PathBuf> = (!root.is_empty() && !rel.is_empty()).then(|| Path::new(&root).join(&rel));
    let disk = file.as_deref().and_then(sha256_file);
    let matches = disk.as_deref().is_some_and(|d| e.get("after_sha256").and_then(Value::as_str) == Some(d));
    let committed = file.as_deref().and_then(|f| {
        let set = dirty.get(&root)?.as_ref()?;
        let rel = f.strip_prefix(&root).ok()?;
        Some(!set.contains(&rel.to_string_lossy().into_owned()))
    });
    let age = e.get("ts").and_then(Value::as_str).and_then(crate::pyfmt::parse_iso).filter(|t| t.is_aware()).and_then(|t| {
        let us = (now - t.to_utc()).num_microseconds()?;
        Some(us / 1_000_000)
    });
    e.insert("dashboard_still_running".into(), running.into());
    e.insert("current_disk_sha256".into(), disk.map_or(Value::Null, Value::from));
    e.insert("matches_journal".into(), matches.into());
    e.insert("is_committed".into(), committed.map_or(Value::Null, Value::from));
    e.insert("age_seconds".into(), age.map_or(Value::Null, Value::from));
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn porcelain_z_keeps_paths_as_they_are() {
        let s = parse_porcelain_z(" M docs/a b.md\0?? é.md\0R  new.md\0old.md\0");
        for p in ["docs/a b.md", "é.md", "new.md", "old.md"] {
            assert!(s.contains(p), "{p}: {s:?}");
        }
        assert_eq!(s.len(), 4);
    }

    fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .output()
            .expect("git")
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn entries_are_enriched_with_what_is_true_now() {
        use sha2::{Digest, Sha256};
        let d = tempfile::tempdir().unwrap();
        let proj = d.path().join("proj");
        std::fs::create_dir_all(proj.join("docs")).unwrap();
        git(&proj, &["init", "-q"]);
        std::fs::write(proj.join("docs/tasks.md"), "approved\n").unwrap();
        std::fs::write(proj.join("docs/design.md"), "old\n").unwrap();
        git(&proj, &["add", "."]);
        git(&proj, &["commit", "-q", "-m", "base"]);
        std::fs::write(proj.join("docs/design.md"), "new design\n").unwrap();
        std::fs::write(proj.join("docs/new file.md"), "untracked\n").unwrap();
        let sha = |s: &str| format!("{:x}", Sha256::digest(s.as_bytes()));
        let root = proj.display().to_string();
        let now = Utc::now();
        let ts = (now - chrono::Duration::seconds(90)).to_rfc3339();
        let gone = {
            let mut c = std::process::Command::new("true").spawn().unwrap();
            let pid = c.id();
            c.wait().unwrap();
            pid
        };
        let line = |file: &str, after: &str, pid: u32, ts: &str| {
            serde_json::json!({"action": "set_spec_status", "after_sha256": after, "dashboard_pid": pid, "file_path": file,
                               "project_root": root, "session_id": "s", "ts": ts})
            .to_string()
        };
        let journal = d.path().join("pending_writes.jsonl");
        let text = [
            line("docs/tasks.md", &sha("approved\n"), std::process::id(), &ts),
            line("docs/design.md", &sha("something else"), gone, "2026-01-01T00:00:00"),
            line("docs/new file.md", &sha("untracked\n"), gone, &ts),
            serde_json::json!({"project_root": "/nonexistent/project", "file_path": "a.md"}).to_string(),
            "[1, 2]".into(),
            "not json".into(),
        ]
        .join("\n");
        std::fs::write(&journal, text).unwrap();
        let v = read_with(&journal, now, &|_| false);
        let p = v["pending"].as_array().unwrap();
        assert_eq!(p.len(), 3, "a root that is gone is left out: {v}");
        let flags = |e: &Value| (e["dashboard_still_running"].clone(), e["matches_journal"].clone(), e["is_committed"].clone());
        assert_eq!(flags(&p[0]), (Value::Bool(true), Value::Bool(true), Value::Bool(true)));
        assert_eq!(p[0]["age_seconds"], 90);
        assert_eq!(flags(&p[1]), (Value::Bool(false), Value::Bool(false), Value::Bool(false)));
        assert!(p[1]["age_seconds"].is_null(), "a naive stamp has no age");
        assert_eq!(p[1]["current_disk_sha256"], sha("new design\n"));
        assert_eq!(p[2]["is_committed"], false, "an untracked path with a space is matched as it is");
        assert_eq!(p[2]["session_id"], "s", "the journal's own keys are kept");
        assert_eq!(
            v["summary"],
            serde_json::json!({"total_entries": 3, "uncommitted_count": 2, "stale_dashboard_count": 2, "drifted_count": 1})
        );
        assert_eq!(v["skipped_lines"], 2);
        // With the real rule, a project in a temporary folder is pollution.
        if is_temporary(&root) {
            assert_eq!(read(&journal, now)["pending"], serde_json::json!([]));
        }
    }

    #[test]
    fn temporary_roots_are_pollution() {
        assert!(is_temporary("/tmp/pytest-1/x") && is_temporary("/private/var/folders/ab/x"));
        assert!(!is_temporary("/home/me/src/project") && !is_temporary("/tmpfoo/x"));
    }
}
