//! The bulletin: who is running what, across every attune actor (Claude Code
//! sessions, the CLI, MCP, dashboards).
//!
//! Files (shared with the other actors, so the format is the reference's):
//! `<home>/bulletin/active.jsonl` and `<home>/bulletin/archive/YYYY-MM-DD.jsonl`.
//! Each line is one entry, Python `json.dumps` of
//! `{actor_id, actor_kind, workflow, run_id, started_at, last_heartbeat,
//! current_status, scope, hostname}`. Appends are single `O_APPEND` writes;
//! the file rotates into `archive/` on the first write of a new UTC day.
//!
//! Reading follows the reference's rules (latest heartbeat per run,
//! terminal and stale entries hidden, newest first) with one difference: a
//! malformed entry is skipped on its own instead of emptying the whole list
//! (the reference's Q11).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::fsutil;
use crate::pyfmt::{self, Dumps};

/// Lines longer than this are never written, and skipped on read.
pub const MAX_LINE: usize = 16_384;
/// An entry whose last heartbeat is older than this is hidden.
pub const STALE_AFTER_SECS: i64 = 90;
/// How often a running actor writes a heartbeat.
pub const HEARTBEAT_SECS: u64 = 30;

pub use crate::wire::BulletinEntry;

/// The entry as one Python-`json.dumps` line (with its `\n`).
pub fn entry_line(e: &BulletinEntry) -> String {
    let v = serde_json::to_value(e).unwrap_or(Value::Null);
    let mut s = pyfmt::dumps(&v, Dumps::DEFAULT);
    s.push('\n');
    s
}

/// `dashboard-<short hostname>`, as the reference derives it.
pub fn dashboard_actor_id() -> String {
    format!("dashboard-{}", short_hostname())
}

/// The first label of the host name with anything but letters, digits and
/// `-` replaced by `-`; `unknown` when empty.
pub fn short_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) } == 0;
    let raw = if ok {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let first = raw.split('.').next().unwrap_or("");
    let cleaned: String = first.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if cleaned.is_empty() {
        "unknown".into()
    } else {
        cleaned
    }
}

/// Appends entries for one actor. Every failure is logged and swallowed:
/// the bulletin is advisory and must never fail a run.
#[derive(Clone, Debug)]
pub struct BulletinWriter {
    dir: PathBuf,
    pub actor_id: String,
    pub actor_kind: String,
}

impl BulletinWriter {
    pub fn new(dir: PathBuf, actor_id: String, actor_kind: &str) -> BulletinWriter {
        BulletinWriter { dir, actor_id, actor_kind: actor_kind.into() }
    }

    /// An entry of ours for a run. `started_at` is the run's real start
    /// (the reference wrote a fresh time into every heartbeat).
    pub fn entry(&self, workflow: &str, run_id: &str, started_at: &str, status: &str, scope: Option<&str>) -> BulletinEntry {
        BulletinEntry {
            actor_id: self.actor_id.clone(),
            actor_kind: self.actor_kind.clone(),
            workflow: workflow.into(),
            run_id: run_id.into(),
            started_at: started_at.into(),
            last_heartbeat: pyfmt::now_iso(),
            current_status: status.into(),
            scope: scope.map(str::to_string),
            hostname: None,
        }
    }

    pub fn append(&self, e: &BulletinEntry) {
        if let Err(err) = std::fs::create_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %err, "bulletin: cannot create directory");
            return;
        }
        if let Err(err) = rotate_if_old(&self.dir) {
            tracing::warn!(error = %err, "bulletin: rotate failed");
        }
        let line = entry_line(e);
        if line.len() > MAX_LINE {
            tracing::warn!("bulletin: entry exceeds {MAX_LINE} bytes; dropping");
            return;
        }
        if let Err(err) = fsutil::append_line(&self.dir.join("active.jsonl"), line.as_bytes()) {
            tracing::warn!(error = %err, "bulletin: append failed");
        }
    }
}

/// Moves `active.jsonl` to `archive/<its mtime's UTC date>.jsonl` when that
/// date is before today (UTC).
fn rotate_if_old(dir: &Path) -> std::io::Result<()> {
    let active = dir.join("active.jsonl");
    let meta = match std::fs::metadata(&active) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mtime: DateTime<Utc> = meta.modified()?.into();
    if mtime.date_naive() >= Utc::now().date_naive() {
        return Ok(());
    }
    let archive = dir.join("archive");
    std::fs::create_dir_all(&archive)?;
    std::fs::rename(&active, archive.join(format!("{}.jsonl", mtime.date_naive())))
}

/// What reading a bulletin file found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadResult {
    pub entries: Vec<BulletinEntry>,
    /// Lines that were not entries (malformed JSON, missing or mistyped
    /// fields, over-long).
    pub skipped: u32,
}

fn str_field(o: &serde_json::Map<String, Value>, k: &str) -> Result<Option<String>, ()> {
    match o.get(k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Null) if k == "scope" || k == "hostname" => Ok(None),
        Some(_) => Err(()),
    }
}

/// Parses one line. Missing `started_at` / `last_heartbeat` take `now` (the
/// reference's defaults); a missing status is `running`.
pub fn parse_entry(raw: &str, now_iso: &str) -> Option<BulletinEntry> {
    if raw.chars().count() > MAX_LINE {
        return None;
    }
    let v: Value = serde_json::from_str(raw).ok()?;
    let o = v.as_object()?;
    let req = |k: &str| str_field(o, k).ok().flatten();
    Some(BulletinEntry {
        actor_id: req("actor_id")?,
        actor_kind: req("actor_kind")?,
        workflow: req("workflow")?,
        run_id: req("run_id")?,
        started_at: str_field(o, "started_at").ok()?.unwrap_or_else(|| now_iso.to_string()),
        last_heartbeat: str_field(o, "last_heartbeat").ok()?.unwrap_or_else(|| now_iso.to_string()),
        current_status: str_field(o, "current_status").ok()?.unwrap_or_else(|| "running".into()),
        scope: str_field(o, "scope").ok()?,
        hostname: str_field(o, "hostname").ok()?,
    })
}

/// Every entry of one file, in file order.
pub fn read_file(path: &Path) -> ReadResult {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %path.display(), error = %e, "bulletin: cannot read");
            }
            return ReadResult::default();
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let now = pyfmt::now_iso();
    let mut r = ReadResult::default();
    for line in text.split('\n') {
        if line.is_empty() {
            continue;
        }
        match parse_entry(line, &now) {
            Some(e) => r.entries.push(e),
            None => r.skipped += 1,
        }
    }
    r
}

/// The active entries at `now`: newest entry per run, terminal and stale
/// ones dropped, newest heartbeat first.
pub fn active_entries(entries: Vec<BulletinEntry>, now: DateTime<Utc>) -> Vec<BulletinEntry> {
    let mut latest: HashMap<String, BulletinEntry> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for e in entries {
        match latest.get(&e.run_id) {
            Some(old) if e.last_heartbeat <= old.last_heartbeat => {}
            Some(_) => {
                latest.insert(e.run_id.clone(), e);
            }
            None => {
                order.push(e.run_id.clone());
                latest.insert(e.run_id.clone(), e);
            }
        }
    }
    let cutoff = now - chrono::Duration::seconds(STALE_AFTER_SECS);
    let mut out: Vec<BulletinEntry> = order
        .into_iter()
        .filter_map(|id| latest.remove(&id))
        .filter(|e| !e.is_terminal())
        .filter(|e| match pyfmt::parse_iso(&e.last_heartbeat) {
            // A naive heartbeat cannot be compared (the reference raised
            // and emptied the list); it is skipped on its own.
            Some(pyfmt::PyDateTime::Aware(hb)) => hb.with_timezone(&Utc) >= cutoff,
            _ => false,
        })
        .collect();
    out.sort_by(|a, b| b.last_heartbeat.cmp(&a.last_heartbeat));
    out
}

/// The newest entry of each run (any status), newest heartbeat first: a
/// day's history for the Bulletin page.
pub fn latest_per_run(entries: Vec<BulletinEntry>) -> Vec<BulletinEntry> {
    let mut latest: HashMap<String, BulletinEntry> = HashMap::new();
    for e in entries {
        match latest.get(&e.run_id) {
            Some(old) if e.last_heartbeat <= old.last_heartbeat => {}
            _ => {
                latest.insert(e.run_id.clone(), e);
            }
        }
    }
    let mut v: Vec<BulletinEntry> = latest.into_values().collect();
    v.sort_by(|a, b| b.last_heartbeat.cmp(&a.last_heartbeat));
    v
}

/// `GET /api/bulletin/active`: never fails.
pub fn read_active(dir: &Path) -> Vec<BulletinEntry> {
    active_entries(read_file(&dir.join("active.jsonl")).entries, Utc::now())
}

/// Archive days available, newest first.
pub fn archive_days(dir: &Path) -> Vec<String> {
    let mut days: Vec<String> = std::fs::read_dir(dir.join("archive"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter_map(|n| n.strip_suffix(".jsonl").map(str::to_string))
                .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
                .collect()
        })
        .unwrap_or_default();
    days.sort_by(|a, b| b.cmp(a));
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(run: &str, hb: &str, status: &str) -> BulletinEntry {
        BulletinEntry {
            actor_id: "a".into(),
            actor_kind: "cli".into(),
            workflow: "wf".into(),
            run_id: run.into(),
            started_at: hb.into(),
            last_heartbeat: hb.into(),
            current_status: status.into(),
            scope: None,
            hostname: None,
        }
    }

    #[test]
    fn line_format_is_python_json_dumps() {
        let x = e("r1", "2026-06-19T16:39:02.118004+00:00", "running");
        assert_eq!(
            entry_line(&x),
            "{\"actor_id\": \"a\", \"actor_kind\": \"cli\", \"workflow\": \"wf\", \"run_id\": \"r1\", \"started_at\": \"2026-06-19T16:39:02.118004+00:00\", \"last_heartbeat\": \"2026-06-19T16:39:02.118004+00:00\", \"current_status\": \"running\", \"scope\": null, \"hostname\": null}\n"
        );
    }

    #[test]
    fn active_rules() {
        let now = Utc::now();
        let iso = |secs: i64| pyfmt::iso_utc(now - chrono::Duration::seconds(secs));
        let entries = vec![
            e("a", &iso(10), "running"),
            e("a", &iso(5), "completed"), // a finished: hidden
            e("b", &iso(100), "running"), // stale
            e("c", &iso(30), "running"),
            e("c", &iso(20), "running"),              // newer heartbeat of c wins
            e("d", "2026-01-01T00:00:00", "running"), // naive: skipped alone
            e("f", "garbage", "running"),
            e("g", &iso(1), "weird-status"),
        ];
        let out = active_entries(entries, now);
        assert_eq!(out.iter().map(|x| x.run_id.as_str()).collect::<Vec<_>>(), ["g", "c"]);
        assert_eq!(out[1].last_heartbeat, iso(20));
    }

    #[test]
    fn tolerant_reading() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("active.jsonl");
        let good = entry_line(&e("r", &pyfmt::now_iso(), "running"));
        let long = format!("{{\"x\": \"{}\"}}\n", "y".repeat(MAX_LINE));
        let text = format!("{good}\nnot json\n[1]\n{{\"actor_id\": \"a\"}}\n{{\"actor_id\": 1, \"actor_kind\": \"k\", \"workflow\": \"w\", \"run_id\": \"r2\"}}\n{long}{{\"actor_id\": \"a\", \"actor_kind\": \"k\", \"workflow\": \"w\", \"run_id\": \"r3\"}}\n\u{ff}\n");
        std::fs::write(&p, text).unwrap();
        let r = read_file(&p);
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.skipped, 6);
        assert_eq!(r.entries[1].current_status, "running");
        assert_eq!(read_active(d.path()).len(), 2);
    }

    #[test]
    fn writer_appends_and_rotates() {
        let d = tempfile::tempdir().unwrap();
        let w = BulletinWriter::new(d.path().to_path_buf(), dashboard_actor_id(), "dashboard");
        let active = d.path().join("active.jsonl");
        std::fs::write(&active, "old\n").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86400);
        std::fs::File::options().write(true).open(&active).unwrap().set_modified(old).unwrap();
        w.append(&w.entry("wf", "abc", &pyfmt::now_iso(), "running", Some("/p")));
        assert_eq!(archive_days(d.path()).len(), 1);
        let r = read_file(&active);
        assert_eq!(r.entries.len(), 1);
        assert!(r.entries[0].actor_id.starts_with("dashboard-"));
    }
}
