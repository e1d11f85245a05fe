//! Following `usage.jsonl` as it grows: the file is append-only, so a
//! refresh reads only the bytes appended since the last one.
//!
//! The state kept between refreshes is small and flat in the file's size:
//! the totals of every whole line read so far, the byte offset just past
//! them, the file's first bytes (to recognise it), and the last line when
//! it has no line end yet (an append caught half-written waits there for
//! its newline; meanwhile it is counted as a fresh read would count it).
//!
//! A refresh falls back to reading the whole file when the file is not the
//! one read before: another inode (rotated or replaced), fewer bytes than
//! were read (truncated), other bytes in its first 4 KiB or in the 4 KiB
//! before the end of what was read (rewritten), or the same size with
//! another modification time (edited in place). A rewrite that keeps both
//! of those and only changes bytes in between is not noticed: the file is
//! append-only by contract, and these checks catch what rotation tools
//! and editors do.

use std::collections::HashSet;
use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::NaiveDate;

use super::totals::Totals;
use crate::wire::TelemetrySummary;

/// Bytes read per block: the read's memory stays near this whatever the
/// file's size.
pub(super) const BLOCK: usize = 8 * 1024 * 1024;
/// How many bytes at the file's start, and before the end of what was read,
/// must be unchanged for an append to be read alone.
const EDGE: usize = 4096;
/// A line without its end longer than this is read again from the disk
/// rather than kept between refreshes.
const TAIL_KEEP: usize = 64 * 1024;

/// What a refresh saw of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
}

impl Stamp {
    fn of(m: &Metadata) -> Stamp {
        Stamp { dev: m.dev(), ino: m.ino(), size: m.size(), mtime: (m.mtime(), m.mtime_nsec()) }
    }
}

/// How much reading the refreshes did (for tests and benchmarks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Reads from the start of the file.
    pub full_reads: u64,
    /// Reads of appended bytes only.
    pub appended_reads: u64,
    /// Bytes read by all of them.
    pub bytes_read: u64,
}

#[derive(Default)]
struct State {
    /// The file when everything up to its end had been read; `None`: not
    /// read, or it grew while it was (then the next refresh reads on).
    seen: Option<Stamp>,
    /// The (device, inode) read.
    ident: Option<(u64, u64)>,
    /// Totals of the whole lines before `offset`.
    committed: Totals,
    /// Just past the last line end read.
    offset: u64,
    /// The file's first bytes (up to `EDGE`), as read.
    head: Vec<u8>,
    /// The bytes just before `offset` (up to `EDGE`), as read: with
    /// `head`, what must be unchanged for an append to be read alone.
    edge: Vec<u8>,
    /// How many bytes after `offset` were read (a line without its end).
    tail_len: u64,
    /// Those bytes, when short enough to keep (else read again).
    tail: Vec<u8>,
    /// `committed` plus the tail's line, when there is a tail.
    with_tail: Option<Totals>,
    present: bool,
    stats: ReadStats,
}

impl State {
    fn totals(&self) -> &Totals {
        self.with_tail.as_ref().unwrap_or(&self.committed)
    }

    fn reset(&mut self) {
        let stats = self.stats;
        *self = State { stats, ..State::default() };
    }
}

/// One usage file, summarised and followed. Shared by every page: Home's
/// seven days, Telemetry's window and the spend watch are all derived from
/// the same totals.
pub struct UsageFile {
    path: PathBuf,
    // A std mutex held across the (blocking) read: callers are on blocking
    // threads, and a caller arriving during a read waits for it and then
    // finds the file unchanged, so concurrent pages share one read.
    state: Mutex<State>,
}

impl UsageFile {
    pub fn new(path: impl Into<PathBuf>) -> UsageFile {
        UsageFile { path: path.into(), state: Mutex::new(State::default()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The summary over `recent_days` (+ today), after reading whatever
    /// the file gained. `known`: the registry's workflow names for the
    /// by-workflow table (`None`: every name). A missing or unreadable file
    /// gives the empty summary.
    pub fn summary(&self, recent_days: u32, today: NaiveDate, known: Option<&HashSet<String>>) -> TelemetrySummary {
        let mut st = self.lock();
        self.refresh(&mut st);
        st.totals().summary(recent_days, today, known, st.present, &self.path)
    }

    pub fn stats(&self) -> ReadStats {
        self.lock().stats
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => {
                // A panic mid-read left the totals half-folded: start over.
                let mut g = poisoned.into_inner();
                g.reset();
                self.state.clear_poison();
                g
            }
        }
    }

    fn refresh(&self, st: &mut State) {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => {
                if st.present && st.ident.is_some() {
                    tracing::warn!(path = %self.path.display(), "telemetry: the usage file is not a regular file");
                }
                st.reset();
                st.present = true;
                return;
            }
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(path = %self.path.display(), error = %e, "telemetry: cannot stat the usage file");
                }
                st.reset();
                st.present = self.path.exists();
                return;
            }
        };
        if st.seen == Some(Stamp::of(&meta)) {
            return;
        }
        // From here on, the open file's own metadata: the path may be
        // rotated meanwhile.
        let opened = File::open(&self.path).and_then(|f| Ok((f.metadata()?, f)));
        let (meta, mut file) = match opened {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "telemetry: cannot open the usage file");
                st.reset();
                st.present = true;
                return;
            }
        };
        let now = Stamp::of(&meta);
        let read_so_far = st.offset + st.tail_len;
        let appended = st.ident == Some((now.dev, now.ino))
            && now.size > read_so_far
            && same_bytes(&mut file, 0, &st.head)
            && same_bytes(&mut file, st.offset - st.edge.len() as u64, &st.edge);
        if appended {
            st.stats.appended_reads += 1;
        } else {
            st.reset();
            st.stats.full_reads += 1;
        }
        st.present = true;
        st.ident = Some((now.dev, now.ino));
        if let Err(e) = self.read_on(&mut file, st) {
            tracing::warn!(path = %self.path.display(), error = %e, "telemetry: read error; the summary is partial");
        }
        // Exact only if nothing was appended while we read: else the next
        // refresh must read on, even if the path's stamp is this one.
        st.seen = file.metadata().ok().map(|m| Stamp::of(&m)).filter(|s| s.size == st.offset + st.tail_len);
    }

    /// Reads from the end of the last whole line to the end of the file,
    /// folding whole lines into the totals.
    fn read_on(&self, file: &mut File, st: &mut State) -> std::io::Result<()> {
        // A kept tail is not read again: read on from its end.
        let mut buf = std::mem::take(&mut st.tail);
        if buf.len() as u64 != st.tail_len {
            buf.clear();
        }
        st.tail_len = 0;
        st.with_tail = None;
        file.seek(SeekFrom::Start(st.offset + buf.len() as u64))?;
        buf.reserve(BLOCK.min(1 << 20));
        let mut chunk = vec![0u8; 1 << 20];
        // A line longer than a block makes the block grow until its end.
        let mut want = BLOCK;
        let result = loop {
            let mut eof = false;
            let mut error = None;
            while buf.len() < want {
                match file.read(&mut chunk) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => {
                        st.stats.bytes_read += n as u64;
                        let pos = st.offset as usize + buf.len();
                        if st.head.len() < EDGE && pos == st.head.len() {
                            let take = (EDGE - st.head.len()).min(n);
                            st.head.extend_from_slice(&chunk[..take]);
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        error = Some(e);
                        eof = true;
                        break;
                    }
                }
            }
            // Whole lines only (either line end counts, as in universal
            // newlines); the rest waits for more bytes.
            let cut = buf.iter().rposition(|&b| b == b'\n' || b == b'\r').map(|p| p + 1).unwrap_or(0);
            if cut > 0 {
                st.committed.fold(&buf[..cut]);
                st.offset += cut as u64;
                remember_edge(&mut st.edge, &buf[..cut]);
                buf.drain(..cut);
                want = BLOCK;
            } else {
                want = buf.len() + BLOCK;
            }
            if eof {
                break error.map_or(Ok(()), Err);
            }
        };
        st.tail_len = buf.len() as u64;
        st.with_tail = (!buf.is_empty()).then(|| {
            let mut t = st.committed.clone();
            t.fold(&buf);
            t
        });
        if buf.len() <= TAIL_KEEP {
            buf.shrink_to_fit();
            st.tail = buf;
        }
        result
    }
}

/// Keeps the last `EDGE` bytes of what was committed.
fn remember_edge(edge: &mut Vec<u8>, committed: &[u8]) {
    if committed.len() >= EDGE {
        edge.clear();
        edge.extend_from_slice(&committed[committed.len() - EDGE..]);
    } else {
        edge.extend_from_slice(committed);
        let excess = edge.len().saturating_sub(EDGE);
        edge.drain(..excess);
    }
}

/// Does the file hold `bytes` at `at`?
fn same_bytes(file: &mut File, at: u64, bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return true;
    }
    let mut now = vec![0u8; bytes.len()];
    file.seek(SeekFrom::Start(at)).is_ok() && file.read_exact(&mut now).is_ok() && now == bytes
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 20).unwrap()
    }

    fn line(i: usize) -> String {
        format!("{{\"ts\":\"2026-06-{:02}T10:00:00Z\",\"workflow\":\"w{}\",\"cost\":0.{:03}}}\n", 10 + i % 11, i % 4, i % 997)
    }

    fn lines(range: std::ops::Range<usize>) -> String {
        range.map(line).collect()
    }

    fn append(p: &Path, text: &str) {
        std::fs::OpenOptions::new().append(true).create(true).open(p).unwrap().write_all(text.as_bytes()).unwrap();
    }

    fn fresh(p: &Path) -> TelemetrySummary {
        UsageFile::new(p).summary(14, day(), None)
    }

    /// A usage file of `range`'s lines in a new folder, and its follower.
    fn followed(range: std::ops::Range<usize>) -> (tempfile::TempDir, PathBuf, UsageFile) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        append(&p, &lines(range));
        let f = UsageFile::new(&p);
        (d, p, f)
    }

    #[test]
    fn appends_are_read_alone_and_a_half_line_waits_for_its_newline() {
        let (_d, p, f) = followed(0..5000);
        let first = f.summary(14, day(), None);
        assert_eq!(first.total_requests, 5000);
        let size = std::fs::metadata(&p).unwrap().len();
        assert_eq!(f.stats(), ReadStats { full_reads: 1, appended_reads: 0, bytes_read: size });

        // Nothing changed: no read at all.
        assert_eq!(f.summary(7, day(), None).total_requests, 5000);
        assert_eq!(f.stats().bytes_read, size);

        // 1,000 lines appended, the last one half-written.
        let more = lines(5000..6000);
        let (done, half) = more.split_at(more.len() - 20);
        append(&p, done);
        let s = f.summary(14, day(), None);
        assert_eq!(s, fresh(&p));
        // The half line is not an event yet (it does not parse), but it is
        // counted as a fresh read counts it: skipped.
        assert_eq!((s.total_requests, s.skipped_lines), (5999, 1));
        assert_eq!(f.stats().appended_reads, 1);
        assert_eq!(f.stats().bytes_read, size + done.len() as u64);

        append(&p, half);
        let s = f.summary(14, day(), None);
        assert_eq!(s, fresh(&p));
        assert_eq!((s.total_requests, s.skipped_lines), (6000, 0));
        assert_eq!(f.stats(), ReadStats { full_reads: 1, appended_reads: 2, bytes_read: size + more.len() as u64 });
    }

    #[test]
    fn truncation_rotation_and_rewrites_read_the_whole_file_again() {
        let (d, p, f) = followed(0..300);
        assert_eq!(f.summary(14, day(), None).total_requests, 300);

        // Truncated, then a little written: fewer bytes than were read.
        std::fs::write(&p, lines(300..310)).unwrap();
        assert_eq!(f.summary(14, day(), None), fresh(&p));
        assert_eq!(f.stats().full_reads, 2);

        // Rotated: renamed away, a new (longer) file in its place.
        std::fs::rename(&p, d.path().join("usage.jsonl.1")).unwrap();
        append(&p, &lines(1000..1400));
        let s = f.summary(14, day(), None);
        assert_eq!((s.total_requests, &s), (400, &fresh(&p)));
        assert_eq!(f.stats().full_reads, 3);

        // Rewritten in place, longer, other first bytes.
        let mut text = lines(2000..2500);
        text.insert_str(0, "{\"workflow\":\"first\",\"cost\":5}\n");
        let mut w = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        w.write_all(text.as_bytes()).unwrap();
        drop(w);
        let s = f.summary(14, day(), None);
        assert_eq!(s, fresh(&p));
        assert_eq!(s.total_requests, 501);
        assert_eq!(f.stats().full_reads, 4);

        // Edited in place, same size (one cost digit changed).
        let text = std::fs::read_to_string(&p).unwrap().replacen("\"cost\":5}", "\"cost\":7}", 1);
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&p, &text).unwrap();
        let s = f.summary(14, day(), None);
        assert_eq!(s, fresh(&p));
        assert_eq!(f.stats().full_reads, 5);

        // Removed: the empty summary, file absent.
        std::fs::remove_file(&p).unwrap();
        let s = f.summary(14, day(), None);
        assert_eq!((s.total_requests, s.file_present), (0, false));
        append(&p, &lines(0..3));
        assert_eq!(f.summary(14, day(), None).total_requests, 3);
    }

    #[test]
    fn a_rewrite_past_the_first_bytes_and_a_long_unfinished_line() {
        let (_d, p, f) = followed(0..500);
        let _ = f.summary(14, day(), None);
        // Same first 4 KiB, the end rewritten, then longer.
        let text = std::fs::read_to_string(&p).unwrap();
        let cut = text.len() - 100;
        std::fs::write(&p, format!("{}{}", &text[..cut], lines(900..1000))).unwrap();
        assert_eq!(f.summary(14, day(), None), fresh(&p));
        assert_eq!(f.stats().full_reads, 2);

        // A 200 KiB line still being written: not kept in memory, read
        // again, counted as a fresh read counts it; then finished.
        let long = format!("{{\"workflow\":\"long\",\"cost\":1,\"pad\":\"{}", "x".repeat(200 * 1024));
        append(&p, &long);
        assert_eq!(f.summary(14, day(), None), fresh(&p));
        append(&p, "y");
        assert_eq!(f.summary(14, day(), None), fresh(&p));
        append(&p, "\"}\n");
        let s = f.summary(14, day(), None);
        assert_eq!(s, fresh(&p));
        assert_eq!(s.by_workflow.iter().find(|r| r.0 == "long").map(|r| r.1), Some(1));
        assert_eq!((f.stats().full_reads, f.stats().appended_reads), (2, 3));
    }

    #[test]
    fn every_window_comes_from_the_same_totals() {
        let (_d, p, f) = followed(0..2000);
        let known: HashSet<String> = ["w1".to_string(), "w3".to_string()].into();
        for (days, k) in [(7, None), (14, Some(&known)), (35, None), (0, Some(&known))] {
            assert_eq!(f.summary(days, day(), k), UsageFile::new(&p).summary(days, day(), k));
        }
        assert_eq!(f.stats().full_reads, 1);
    }
}
