//! One run: its metadata, its log, its recommendations, and the event
//! sequence viewers follow.
//!
//! Every visible line and every recommendation gets the next number of one
//! per-run sequence (`seq`, sent as the SSE `id:`). Viewers never receive
//! events pushed at them; they are *woken* (a `watch` channel carrying the
//! latest `seq`) and then read what they have not seen from the log store.
//! A viewer that falls behind simply reads more the next time, so nobody is
//! dropped and a reconnect with `Last-Event-ID` resumes exactly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::watch;

use super::output::{MetaField, MAX_RECOMMENDATIONS};
use crate::logstore::{record_size, LogStore};
use crate::pyfmt;
use crate::wire::{DoneEvent, LogLine, LogStream, Recommendation, RunInfo, RunStatus};

/// Text one [`Run::events_after`] returns at most (at least one line): a
/// viewer holds about this much (and its encoding) at a time, however long
/// the lines — fifty viewers of a log of 1 MiB lines cost megabytes, not
/// gigabytes.
pub const EVENTS_BUDGET: usize = 256 * 1024;

/// The newest sequence number, and whether the run is over (then `seq` will
/// not grow any more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub seq: u64,
    pub terminal: bool,
}

/// An event of the run's sequence.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    Line(u64, LogLine),
    Rec(u64, Recommendation),
}

impl RunEvent {
    pub fn seq(&self) -> u64 {
        match self {
            RunEvent::Line(s, _) | RunEvent::Rec(s, _) => *s,
        }
    }
}

/// Something a reader task hands to the run.
pub enum Ingest {
    Log(LogStream, String),
    Rec(Recommendation),
    Meta(MetaField),
}

pub struct Run {
    pub id: String,
    pub workflow: String,
    state: Mutex<State>,
    log: LogStore,
    progress: watch::Sender<Progress>,
    cancel: watch::Sender<bool>,
    cancel_seen: AtomicBool,
    /// The process group of the run's command while it runs (0 before the
    /// spawn and after the group is reaped): what a last-moment kill
    /// signals.
    pgid: std::sync::atomic::AtomicU32,
    max_log_bytes: u64,
    /// Record writes happen on blocking threads and may finish out of
    /// order; each snapshot takes a generation and a writer skips snapshots
    /// older than the last one written.
    persist_gen: std::sync::atomic::AtomicU64,
    pub(crate) written_gen: Mutex<u64>,
}

struct State {
    info: RunInfo,
    recs: Vec<(u64, Recommendation)>,
    seq: u64,
    dropped_bytes: u64,
    dropped_lines: u64,
    limit_marked: bool,
    started: Option<Instant>,
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Run {
    pub(crate) fn new(info: RunInfo, log: LogStore, max_log_bytes: u64) -> Run {
        Run {
            id: info.id.clone(),
            workflow: info.workflow.clone(),
            state: Mutex::new(State {
                info,
                recs: Vec::new(),
                seq: 0,
                dropped_bytes: 0,
                dropped_lines: 0,
                limit_marked: false,
                started: None,
            }),
            log,
            progress: watch::channel(Progress { seq: 0, terminal: false }).0,
            cancel: watch::channel(false).0,
            cancel_seen: AtomicBool::new(false),
            pgid: std::sync::atomic::AtomicU32::new(0),
            max_log_bytes,
            persist_gen: std::sync::atomic::AtomicU64::new(0),
            written_gen: Mutex::new(0),
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A snapshot of the run's metadata.
    pub fn info(&self) -> RunInfo {
        let st = self.st();
        let mut i = st.info.clone();
        i.line_count = self.log.len();
        let e = self.log.stderr_lines();
        i.stderr_lines = (e > 0).then_some(e);
        i.dropped_bytes = (st.dropped_bytes > 0).then_some(st.dropped_bytes);
        if let (RunStatus::Running, Some(t0)) = (i.status, st.started) {
            i.duration_seconds = Some(t0.elapsed().as_secs_f64());
        }
        i
    }

    pub fn status(&self) -> RunStatus {
        self.st().info.status
    }

    pub fn log(&self) -> &LogStore {
        &self.log
    }

    pub fn recommendations(&self) -> Vec<Recommendation> {
        self.st().recs.iter().map(|(_, r)| r.clone()).collect()
    }

    pub fn progress(&self) -> Progress {
        *self.progress.borrow()
    }

    /// A receiver woken whenever the sequence grows or the run ends.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// The `done` event, once the run is terminal.
    pub fn done_event(&self) -> Option<DoneEvent> {
        let st = self.st();
        st.info.status.is_terminal().then(|| DoneEvent {
            exit_code: st.info.exit_code.unwrap_or(-1),
            status: st.info.status,
            sdk_error_kind: st.info.sdk_error_kind.clone(),
            sdk_stderr: st.info.sdk_stderr.clone(),
            has_report: st.info.report.is_some(),
            duration_seconds: st.info.duration_seconds,
        })
    }

    /// Events with `seq > after`, at most `max` of them and about
    /// [`EVENTS_BUDGET`] bytes of text (at least one), in order. Lines come
    /// from the log store (memory or disk).
    pub fn events_after(&self, after: u64, max: usize) -> std::io::Result<Vec<RunEvent>> {
        let (seq, recs) = {
            let st = self.st();
            (st.seq, st.recs.clone())
        };
        if after >= seq || max == 0 {
            return Ok(Vec::new());
        }
        let end = seq.min(after + max as u64);
        let recs_before = recs.iter().filter(|(s, _)| *s <= after).count();
        let recs_in = recs.iter().filter(|(s, _)| *s > after && *s <= end).count() as u64;
        let first_line = after - recs_before as u64 + 1;
        let lines = self.log.read_within(first_line, ((end - after) - recs_in) as usize, EVENTS_BUDGET)?;
        let mut out = Vec::with_capacity((end - after) as usize);
        let mut li = lines.into_iter();
        let mut ri = recs.into_iter().skip(recs_before).peekable();
        for s in after + 1..=end {
            match ri.peek() {
                Some((rs, _)) if *rs == s => {
                    let (rs, r) = ri.next().expect("peeked");
                    out.push(RunEvent::Rec(rs, r));
                }
                _ => match li.next() {
                    Some(l) => out.push(RunEvent::Line(s, l)),
                    None => break,
                },
            }
        }
        Ok(out)
    }

    /// Adds lines, recommendations and meta fields from the child, in order,
    /// then wakes the viewers once.
    pub(crate) fn ingest(&self, items: Vec<Ingest>) {
        if items.is_empty() {
            return;
        }
        let mut st = self.st();
        let mut pending: Vec<(LogStream, i64, String)> = Vec::new();
        let mut pending_bytes = 0u64;
        let now = now_ms();
        for it in items {
            match it {
                Ingest::Log(s, x) => {
                    // What each record really takes on disk (an empty line
                    // too), so the cap bounds the file, not just the text.
                    let kept = self.log.stored_bytes() + pending_bytes;
                    let size = record_size(now, &x);
                    if kept + size > self.max_log_bytes && s != LogStream::Runner {
                        st.dropped_bytes += x.len() as u64 + 1;
                        st.dropped_lines += 1;
                        if !st.limit_marked {
                            st.limit_marked = true;
                            let m = format!(
                                "[attune-ops] output limit of {} MiB reached: further output is counted but not kept",
                                self.max_log_bytes / (1024 * 1024)
                            );
                            pending_bytes += record_size(now, &m);
                            pending.push((LogStream::Runner, now, m));
                        }
                    } else {
                        pending_bytes += size;
                        pending.push((s, now, x));
                    }
                }
                Ingest::Rec(r) => {
                    self.flush(&mut st, &mut pending);
                    pending_bytes = 0;
                    if st.recs.len() < MAX_RECOMMENDATIONS {
                        st.seq += 1;
                        let s = st.seq;
                        st.recs.push((s, r));
                    }
                }
                Ingest::Meta(m) => match m {
                    MetaField::ErrorKind(k) => st.info.sdk_error_kind = Some(k),
                    MetaField::Stderr(e) => st.info.sdk_stderr = Some(e),
                    MetaField::Report(r) => st.info.report = Some(serde_json::Value::Object(r)),
                },
            }
        }
        self.flush(&mut st, &mut pending);
        let seq = st.seq;
        drop(st);
        self.progress.send_modify(|p| p.seq = seq);
    }

    fn flush(&self, st: &mut State, pending: &mut Vec<(LogStream, i64, String)>) {
        if pending.is_empty() {
            return;
        }
        let n = pending.len() as u64;
        match self.log.append(std::mem::take(pending)) {
            Ok(_) => st.seq += n,
            Err(e) => {
                // The disk refused the log. Count it as dropped so the end
                // marker says so; the run itself goes on.
                tracing::warn!(run = %self.id, error = %e, "ops.runner: cannot write the run log");
                st.dropped_lines += n;
            }
        }
    }

    /// A line of the runner's own (`$ command`, errors, markers).
    pub(crate) fn note(&self, text: impl Into<String>) {
        self.ingest(vec![Ingest::Log(LogStream::Runner, text.into())]);
    }

    pub(crate) fn set_queue_position(&self, pos: Option<u32>) {
        self.st().info.queue_position = pos;
    }

    /// pending → running; returns the start time (ISO-UTC).
    pub(crate) fn mark_running(&self, command: Vec<String>) -> String {
        let mut st = self.st();
        let now = pyfmt::now_iso();
        st.info.status = RunStatus::Running;
        st.info.started_at = Some(now.clone());
        st.info.command = (!command.is_empty()).then_some(command);
        st.info.queue_position = None;
        st.started = Some(Instant::now());
        now
    }

    /// Ends the run (exactly once; later calls return false). Viewers are
    /// woken by [`Run::announce_done`], called once the record is written,
    /// so `done` never precedes the durable final record.
    pub(crate) fn finish(&self, exit_code: Option<i64>, status: RunStatus) -> bool {
        {
            let st = self.st();
            if st.info.status.is_terminal() {
                return false;
            }
            if st.dropped_lines > 0 {
                let msg = format!(
                    "[attune-ops] output truncated: {} more line(s), {} bytes, were not kept (limit {} MiB)",
                    st.dropped_lines,
                    st.dropped_bytes,
                    self.max_log_bytes / (1024 * 1024)
                );
                drop(st);
                self.note(msg);
            }
        }
        let mut st = self.st();
        st.info.status = status;
        st.info.exit_code = exit_code;
        st.info.queue_position = None;
        let end = chrono::Utc::now();
        st.info.completed_at = Some(pyfmt::iso_utc(end));
        st.info.duration_seconds = st.started.map(|t0| t0.elapsed().as_secs_f64());
        drop(st);
        self.log.close();
        true
    }

    /// Wakes the viewers with the terminal flag.
    pub(crate) fn announce_done(&self) {
        self.progress.send_modify(|p| p.terminal = true);
    }

    /// The generation of a record snapshot taken now.
    pub(crate) fn next_persist_gen(&self) -> u64 {
        self.persist_gen.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Asks the executor to stop the run.
    pub(crate) fn request_cancel(&self) {
        self.cancel_seen.store(true, Ordering::SeqCst);
        self.cancel.send_replace(true);
    }

    pub(crate) fn cancel_requested(&self) -> bool {
        self.cancel_seen.load(Ordering::SeqCst)
    }

    pub(crate) fn cancel_receiver(&self) -> watch::Receiver<bool> {
        self.cancel.subscribe()
    }

    pub(crate) fn set_pgid(&self, pgid: u32) {
        self.pgid.store(pgid, Ordering::SeqCst);
    }

    /// The run's process group while its command runs.
    pub(crate) fn pgid(&self) -> Option<u32> {
        Some(self.pgid.load(Ordering::SeqCst)).filter(|&p| p != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(max: u64) -> (tempfile::TempDir, Run) {
        let d = tempfile::tempdir().unwrap();
        let log = LogStore::create(&d.path().join("r.log")).unwrap();
        (d, Run::new(RunInfo::new("abc", "wf"), log, max))
    }

    fn rec(n: &str) -> Recommendation {
        Recommendation { kind: "next-workflow".into(), label: None, severity: None, name: Some(n.into()), args: None, url: None }
    }

    #[test]
    fn events_interleave_lines_and_recs_in_order() {
        let (_d, r) = run(u64::MAX);
        r.ingest(vec![
            Ingest::Log(LogStream::Stdout, "a".into()),
            Ingest::Rec(rec("x")),
            Ingest::Log(LogStream::Stderr, "b".into()),
            Ingest::Log(LogStream::Stdout, "c".into()),
            Ingest::Rec(rec("y")),
        ]);
        r.ingest(vec![Ingest::Log(LogStream::Stdout, "d".into())]);
        assert_eq!(r.progress().seq, 6);
        let all = r.events_after(0, 100).unwrap();
        let seqs: Vec<u64> = all.iter().map(|e| e.seq()).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
        assert!(matches!(&all[1], RunEvent::Rec(2, x) if x.name.as_deref() == Some("x")));
        assert!(matches!(&all[5], RunEvent::Line(6, l) if l.x == "d" && l.n == 4));
        // Resuming from any point gives exactly the rest.
        for k in 0..=6 {
            let rest = r.events_after(k, 100).unwrap();
            assert_eq!(rest, all[k as usize..].to_vec(), "after {k}");
            let first2 = r.events_after(k, 2).unwrap();
            assert_eq!(first2, all[k as usize..(k as usize + 2).min(6)].to_vec());
        }
    }

    #[test]
    fn output_budget_is_marked_not_silent() {
        // One record of "line0" (a 13-digit time, tabs, newline) is 22 bytes.
        let (_d, r) = run(30);
        r.ingest((0..5).map(|i| Ingest::Log(LogStream::Stdout, format!("line{i}"))).collect());
        assert!(r.finish(Some(0), RunStatus::Completed));
        r.announce_done();
        let lines = r.log().read(1, 100).unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.x.as_str()).collect();
        assert_eq!(texts[0], "line0");
        assert!(texts[1].contains("output limit"));
        assert!(texts.last().unwrap().contains("4 more line(s)"));
        assert_eq!(r.info().dropped_bytes, Some(24));
        assert!(!r.finish(Some(1), RunStatus::Failed));
        assert_eq!(r.done_event().unwrap().status, RunStatus::Completed);
    }

    /// `yes ''`: empty lines are records too, and the cap holds the file
    /// to its size whatever the text.
    #[test]
    fn empty_lines_count_against_the_cap() {
        let (d, r) = run(64 * 1024);
        for _ in 0..100 {
            r.ingest((0..1000).map(|_| Ingest::Log(LogStream::Stdout, String::new())).collect());
        }
        assert!(r.finish(Some(0), RunStatus::Completed));
        let size = std::fs::metadata(d.path().join("r.log")).unwrap().len();
        assert!(size <= 64 * 1024 + 1024, "a 64 KiB cap let the log grow to {size} bytes");
        assert!(r.log().len() < 5000, "{} lines kept", r.log().len());
        let last = r.log().read(r.log().len(), 1).unwrap().pop().unwrap();
        assert!(last.x.contains("more line(s)"), "{}", last.x);
    }

    #[test]
    fn recommendations_are_capped() {
        let (_d, r) = run(u64::MAX);
        r.ingest((0..60).map(|i| Ingest::Rec(rec(&format!("w{i}")))).collect());
        assert_eq!(r.recommendations().len(), MAX_RECOMMENDATIONS);
        assert_eq!(r.progress().seq, MAX_RECOMMENDATIONS as u64);
    }
}
