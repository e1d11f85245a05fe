//! Crash recovery: what a dashboard that died mid-run left behind.
//!
//! A run's record says `pending` or `running` until its dashboard finishes
//! it. When that dashboard was killed (`kill -9`, a crash, a power cut),
//! the next dashboard to start in writeable mode finds those records
//! (readers already show them as failed, see [`history::parse_record`]),
//! stops the processes the runs left running — found by their
//! `ATTUNE_RUN_ID` environment entry ([`procs::stop_leftovers`]), and only
//! when the old dashboard is provably gone and its pids mean the same here
//! — and rewrites each record as failed (interrupted) with its full log and
//! a note saying what happened.
//!
//! This is the runner's business, not the history's: the history only
//! reads and writes records; deciding that a run is over and stopping its
//! processes belongs with the code that runs them.

use std::path::Path;
use std::time::SystemTime;

use serde_json::Value;

use crate::fsutil;
use crate::history::{self, instance_id, read_record, write_record};
use crate::logstore::LogStore;
use crate::procs;
use crate::pyfmt;

/// How long the leftovers of an interrupted run get between SIGTERM and
/// SIGKILL.
const LEFTOVER_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Marks in-flight records whose dashboard is gone as failed (interrupted),
/// rewriting them with their full log, and stops the processes such a run
/// left behind. Returns the ids recovered.
pub fn recover_interrupted(runs_dir: &Path) -> Vec<String> {
    let mut done = Vec::new();
    let mut found = Vec::new();
    for f in history::record_files(runs_dir) {
        let Some(rec) = read_record(&f.path) else { continue };
        // `interrupted` without an in-flight status on disk is a run
        // recovered before: nothing to do.
        let was = rec.raw.get("status").and_then(Value::as_str).unwrap_or("");
        if (was == "running" || was == "pending") && rec.info.interrupted {
            found.push((f.path, rec));
        }
    }
    // Whatever those runs left running dies now, not whenever it ends — but
    // only where their dashboard is provably gone (not merely unrecognised)
    // and its pids mean the same here (same pid namespace).
    let ns = procs::pid_namespace();
    let killable: Vec<procs::Interrupted> = found
        .iter()
        .filter(|(_, rec)| {
            let pid = rec.raw.get("ops_pid").and_then(Value::as_u64).filter(|p| *p <= u32::MAX as u64);
            let same_ns = ns.is_some() && rec.raw.get("ops_pidns").and_then(Value::as_str) == ns.as_deref();
            let gone = match pid {
                Some(p) if p as u32 == std::process::id() => {
                    rec.raw.get("ops_instance").and_then(Value::as_str).is_some_and(|i| i != instance_id())
                }
                Some(p) => procs::process_gone(p as u32),
                None => false,
            };
            same_ns && gone
        })
        .filter_map(|(_, rec)| {
            let started = rec.info.started_at.as_deref().and_then(pyfmt::parse_iso)?;
            Some(procs::Interrupted { run_id: rec.info.id.clone(), started_at: started.to_utc().timestamp_millis() as f64 / 1000.0 })
        })
        .collect();
    let stopped = procs::stop_leftovers(&killable, LEFTOVER_GRACE);
    for (p, rec) in found {
        let lp = p.with_extension("log");
        let end =
            std::fs::metadata(&lp).or_else(|_| std::fs::metadata(&p)).and_then(|m| m.modified()).unwrap_or_else(|_| SystemTime::now());
        let end_iso = pyfmt::iso_utc(end.into());
        let leftovers = stopped.get(&rec.info.id).copied().unwrap_or(0);
        if leftovers > 0 {
            tracing::warn!(run_id = %rec.info.id, processes = leftovers, "ops.runs: stopped processes left by an interrupted run");
        }
        // Say so in the log itself, so the run page explains it.
        let mut note = "[attune-ops] the dashboard stopped while this run was in flight; it was marked failed (interrupted)".to_string();
        if leftovers > 0 {
            note.push_str(&format!("; {leftovers} process(es) it left running were stopped"));
        }
        let log = if lp.is_file() && append_note(&lp, &note).is_ok() {
            LogStore::open(&lp).unwrap_or_else(|_| LogStore::from_lines(&rec.lines))
        } else {
            let mut lines = rec.lines.clone();
            lines.push(note);
            LogStore::from_lines(&lines)
        };
        let mut info = rec.info.clone();
        info.completed_at = Some(end_iso);
        if let (Some(a), Some(b)) =
            (info.started_at.as_deref().and_then(pyfmt::parse_iso), info.completed_at.as_deref().and_then(pyfmt::parse_iso))
        {
            info.duration_seconds = Some((b.to_utc() - a.to_utc()).num_microseconds().unwrap_or(0) as f64 / 1e6);
        }
        info.line_count = log.len();
        info.stderr_lines = Some(log.stderr_lines());
        match write_record(runs_dir, &info, &log, &rec.recommendations) {
            Ok(()) => done.push(info.id.clone()),
            Err(e) => tracing::warn!(path = %p.display(), error = %e, "ops.runs: could not mark interrupted run"),
        }
    }
    done
}

fn append_note(log_path: &Path, note: &str) -> std::io::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    fsutil::append_line(log_path, format!("{now}\tm\t{note}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::tests::info;
    use crate::history::{log_path, record_path};
    use crate::wire::{LogStream, RunStatus};

    /// A record whose writer is alive but not recognisable as a dashboard
    /// (a reused pid, an embedded server) is shown as interrupted, but
    /// nothing is killed on its behalf: only a provably dead owner's
    /// leftovers are stopped.
    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_are_stopped_only_when_the_owner_is_provably_gone() {
        let d = tempfile::tempdir().unwrap();
        let runs = d.path();
        let id = format!("b{:011x}", std::process::id());
        let mut worker = std::process::Command::new("sleep").arg("30").env("ATTUNE_RUN_ID", &id).spawn().unwrap();
        let mut owner = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let mut i = info(&id);
        i.status = RunStatus::Running;
        i.completed_at = None;
        i.exit_code = None;
        i.started_at = Some(pyfmt::iso_utc(chrono::Utc::now() - chrono::Duration::seconds(1)));
        let log = LogStore::from_lines(&["$ x".to_string()]);
        write_record(runs, &i, &log, &[]).unwrap();
        let p = record_path(runs, &i.workflow, &i.id);
        let text = std::fs::read_to_string(&p).unwrap();
        let ours = format!("\"ops_pid\": {}", std::process::id());
        std::fs::write(&p, text.replace(&ours, &format!("\"ops_pid\": {}", owner.id()))).unwrap();
        assert_eq!(recover_interrupted(runs), vec![id.clone()]);
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(worker.try_wait().unwrap().is_none(), "a live owner's run was killed");
        // The same, with its owner dead: the worker is stopped.
        write_record(runs, &i, &log, &[]).unwrap();
        owner.kill().unwrap();
        owner.wait().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace(&ours, &format!("\"ops_pid\": {}", owner.id()))).unwrap();
        assert_eq!(recover_interrupted(runs), vec![id.clone()]);
        assert!(!worker.wait().unwrap().success());
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert!(raw["lines"].as_array().unwrap().last().unwrap().as_str().unwrap().ends_with("1 process(es) it left running were stopped"));
    }

    #[test]
    fn dead_in_flight_records_read_as_interrupted_and_are_recovered() {
        let d = tempfile::tempdir().unwrap();
        let runs = d.path();
        let mut i = info("aaaaaaaaaaaa");
        i.status = RunStatus::Running;
        i.completed_at = None;
        i.exit_code = None;
        let lp = log_path(runs, &i.workflow, &i.id);
        let log = LogStore::create(&lp).unwrap();
        log.append(vec![(LogStream::Runner, 1, "$ x".into()), (LogStream::Stdout, 2, "half".into())]).unwrap();
        log.close();
        write_record(runs, &i, &log, &[]).unwrap();
        // Written by us and we are alive: still running.
        let r = read_record(&record_path(runs, &i.workflow, &i.id)).unwrap();
        assert_eq!(r.info.status, RunStatus::Running);
        // Pretend another (dead) process wrote it.
        let p = record_path(runs, &i.workflow, &i.id);
        let text = std::fs::read_to_string(&p).unwrap().replace(&format!("\"ops_pid\": {}", std::process::id()), "\"ops_pid\": 999999999");
        std::fs::write(&p, text).unwrap();
        let r = read_record(&p).unwrap();
        assert_eq!(r.info.status, RunStatus::Failed);
        assert!(r.info.interrupted);
        assert_eq!(recover_interrupted(runs), vec!["aaaaaaaaaaaa".to_string()]);
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(raw["status"], "failed");
        assert_eq!(raw["interrupted"], true);
        assert_eq!(raw["line_count"], 3);
        assert!(raw["lines"][2].as_str().unwrap().contains("interrupted"));
        assert!(raw.get("ops_pid").is_none());
        assert!(recover_interrupted(runs).is_empty());
    }
}
