//! The log of one run: append-only, file-backed, readable from any line.
//!
//! Every line a run prints is written to `<id>.log` as it arrives, one record
//! per line:
//!
//! ```text
//! <epoch ms>\t<o|e|m>\t<text>\n
//! ```
//!
//! (`o` stdout, `e` stderr, `m` the runner's own lines). Memory holds only a
//! sparse index — where every [`INDEX_EVERY_LINES`]th line starts, or the
//! line after [`INDEX_EVERY_BYTES`] more of the file, whichever comes first:
//! 16 bytes per checkpoint, so a run of ten million empty lines costs about
//! 2.5 MB — and a window of the most recent lines. Readers — SSE viewers,
//! the log API, search — read any range at any time, from the checkpoint
//! before it; each read is bounded by [`READ_BUDGET`] bytes of text (at
//! least one line), so a viewer costs the same memory whatever the lines'
//! length. A slow viewer catches up from the file instead of being dropped,
//! which is why the SSE layer never needs to discard anyone.
//!
//! Logs of finished runs are opened read-only from the same file (or built
//! in memory from a record's `lines` when the file is absent, as for runs
//! written by the reference dashboard).
//!
//! The store sits below both the runner (which writes it) and the history
//! (which reopens finished runs' logs and cuts records to the budget); it
//! imports neither.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::wire::{LogLine, LogStream};

/// How many recent lines stay in memory for live viewers.
const RECENT_LINES: usize = 16_384;
/// ...and at most this many bytes of them.
const RECENT_BYTES: usize = 8 * 1024 * 1024;
/// A checkpoint of the index at least every this many lines...
pub const INDEX_EVERY_LINES: u64 = 64;
/// ...and at the first line starting this many bytes after the last one.
pub const INDEX_EVERY_BYTES: u64 = 64 * 1024;
/// Text returned by one [`LogStore::read`] at most (it always returns at
/// least one line when any is in range).
pub const READ_BUDGET: usize = 4 * 1024 * 1024;
/// A record longer than this in a file being opened is garbage (we never
/// write one: display lines are cut at 1 MiB): skipped without holding it.
const MAX_RECORD: usize = 4 * 1024 * 1024;
/// The bytes a record takes in the file besides its text: the time, two
/// tabs, the stream letter, the newline.
pub fn record_size(t: i64, text: &str) -> u64 {
    let digits = if t == 0 { 1 } else { t.unsigned_abs().ilog10() as u64 + 1 + u64::from(t < 0) };
    digits + 4 + text.len() as u64
}

/// A run's log. Cheap to clone (shared).
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<RwLock<Inner>>,
}

struct Inner {
    backing: Backing,
    /// Checkpoints `(line, offset of its record)`, ascending, the first one
    /// line 1 (file backing only).
    index: Vec<(u64, u64)>,
    /// End of the last complete record.
    end: u64,
    /// The most recent lines, `recent[0]` being line `recent_first`.
    recent: VecDeque<LogLine>,
    recent_first: u64,
    recent_bytes: usize,
    /// Lines stored so far.
    count: u64,
    stderr_lines: u64,
    text_bytes: u64,
}

enum Backing {
    /// Appendable while the run is live; read-only for finished runs.
    File { path: PathBuf, reader: File, writer: Option<File> },
    /// Every line in memory (records without a log file).
    Memory(Vec<LogLine>),
}

impl LogStore {
    /// A new, empty log at `path` (created; an existing file is truncated).
    pub fn create(path: &Path) -> io::Result<LogStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let writer = OpenOptions::new().create(true).write(true).truncate(true).open(path)?;
        let reader = File::open(path)?;
        Ok(LogStore::from_inner(Inner::new(Backing::File { path: path.to_path_buf(), reader, writer: Some(writer) })))
    }

    /// Opens an existing log file read-only, indexing it in one pass of
    /// bounded memory (the file is read in blocks). A torn last record (a
    /// crash mid-write) and malformed records are skipped.
    pub fn open(path: &Path) -> io::Result<LogStore> {
        let reader = File::open(path)?;
        let mut block = vec![0u8; 1024 * 1024];
        // The record being assembled across blocks, where it starts, and
        // whether it is too long to be one of ours (then it is skipped).
        let mut partial: Vec<u8> = Vec::new();
        let mut start = 0u64;
        let mut oversized = false;
        let mut pos = 0u64;
        let mut count = 0u64;
        let (mut index, mut end, mut stderr_lines, mut text_bytes) = (Vec::new(), 0u64, 0u64, 0u64);
        loop {
            let n = match reader.read_at(&mut block, pos) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let mut data = &block[..n];
            while !data.is_empty() {
                match memchr::memchr(b'\n', data) {
                    Some(i) => {
                        let rec_end = pos + i as u64 + 1;
                        if !oversized {
                            let rec: &[u8] = if partial.is_empty() {
                                &data[..i]
                            } else {
                                partial.extend_from_slice(&data[..i]);
                                &partial
                            };
                            if let Some((stream, text_len)) = record_meta(rec) {
                                count += 1;
                                index_line(&mut index, count, start);
                                stderr_lines += u64::from(stream == LogStream::Stderr);
                                text_bytes += text_len as u64;
                            }
                        }
                        partial.clear();
                        oversized = false;
                        end = rec_end;
                        start = rec_end;
                        pos = rec_end;
                        data = &data[i + 1..];
                    }
                    None => {
                        if !oversized && partial.len() + data.len() <= MAX_RECORD {
                            partial.extend_from_slice(data);
                        } else {
                            oversized = true;
                            partial = Vec::new();
                        }
                        pos += data.len() as u64;
                        data = &[];
                    }
                }
            }
        }
        let mut inner = Inner::new(Backing::File { path: path.to_path_buf(), reader, writer: None });
        (inner.index, inner.end, inner.count, inner.stderr_lines, inner.text_bytes) = (index, end, count, stderr_lines, text_bytes);
        Ok(LogStore::from_inner(inner))
    }

    /// A log held in memory, from a record's `lines` (no stream or time
    /// information: stdout, time 0).
    pub fn from_lines(lines: &[String]) -> LogStore {
        let v: Vec<LogLine> =
            lines.iter().enumerate().map(|(i, x)| LogLine { n: i as u64 + 1, s: LogStream::Stdout, t: 0, x: x.clone() }).collect();
        let mut inner = Inner::new(Backing::Memory(Vec::new()));
        for l in &v {
            inner.note(l.s, l.x.len());
        }
        inner.count = v.len() as u64;
        inner.backing = Backing::Memory(v);
        LogStore::from_inner(inner)
    }

    fn from_inner(inner: Inner) -> LogStore {
        LogStore { inner: Arc::new(RwLock::new(inner)) }
    }

    fn read_guard(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_guard(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends lines (numbered here) with one write. Returns the new count.
    pub fn append(&self, batch: Vec<(LogStream, i64, String)>) -> io::Result<u64> {
        if batch.is_empty() {
            return Ok(self.len());
        }
        let mut g = self.write_guard();
        let mut buf = Vec::with_capacity(batch.iter().map(|b| b.2.len() + 24).sum());
        let base = g.end;
        let mut offs = Vec::with_capacity(batch.len());
        for (s, t, x) in &batch {
            offs.push(base + buf.len() as u64);
            buf.extend_from_slice(t.to_string().as_bytes());
            buf.push(b'\t');
            buf.push(s.code() as u8);
            buf.push(b'\t');
            buf.extend_from_slice(x.as_bytes());
            buf.push(b'\n');
        }
        match &mut g.backing {
            Backing::File { writer: Some(w), .. } => w.write_all(&buf)?,
            Backing::File { writer: None, .. } => return Err(io::Error::other("log is closed for writing")),
            Backing::Memory(_) => {}
        }
        g.end += buf.len() as u64;
        for ((s, t, x), off) in batch.into_iter().zip(offs) {
            g.count += 1;
            let line = LogLine { n: g.count, s, t, x };
            g.note(line.s, line.x.len());
            match &mut g.backing {
                Backing::Memory(v) => v.push(line),
                Backing::File { .. } => {
                    let n = g.count;
                    index_line(&mut g.index, n, off);
                    g.push_recent(line);
                }
            }
        }
        Ok(g.count)
    }

    /// Stops writing: flushes and closes the append handle.
    pub fn close(&self) {
        let mut g = self.write_guard();
        if let Backing::File { writer, .. } = &mut g.backing {
            if let Some(w) = writer.take() {
                let _ = w.sync_data();
            }
        }
        // Finished runs are read rarely: give the memory back.
        g.recent.clear();
        g.recent_bytes = 0;
        g.recent_first = g.count + 1;
        g.recent.shrink_to_fit();
    }

    /// Lines stored so far.
    pub fn len(&self) -> u64 {
        self.read_guard().count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stderr_lines(&self) -> u64 {
        self.read_guard().stderr_lines
    }

    pub fn text_bytes(&self) -> u64 {
        self.read_guard().text_bytes
    }

    /// Bytes the records take (the file's size, for a file-backed log):
    /// what the output cap counts.
    pub fn stored_bytes(&self) -> u64 {
        self.read_guard().end
    }

    /// Memory the index takes, in bytes (for benchmarks and tests).
    pub fn index_bytes(&self) -> usize {
        self.read_guard().index.capacity() * std::mem::size_of::<(u64, u64)>()
    }

    /// The log file, if file-backed.
    pub fn path(&self) -> Option<PathBuf> {
        match &self.read_guard().backing {
            Backing::File { path, .. } => Some(path.clone()),
            Backing::Memory(_) => None,
        }
    }

    /// Lines `from..from+limit` (1-based `from`; clamped to what exists),
    /// stopping early once [`READ_BUDGET`] bytes of text are read (at
    /// least one line is returned when any is in range): callers that want
    /// more ask again from where the answer ended.
    pub fn read(&self, from: u64, limit: usize) -> io::Result<Vec<LogLine>> {
        self.read_within(from, limit, READ_BUDGET)
    }

    /// [`LogStore::read`] with another byte budget (event streams read in
    /// smaller steps: each of many viewers holds one step at a time).
    pub fn read_within(&self, from: u64, limit: usize, budget: usize) -> io::Result<Vec<LogLine>> {
        let g = self.read_guard();
        let from = from.max(1);
        if from > g.count || limit == 0 {
            return Ok(Vec::new());
        }
        let to = (from + limit as u64 - 1).min(g.count); // inclusive
        match &g.backing {
            Backing::Memory(v) => Ok(budgeted(v[(from - 1) as usize..to as usize].iter().cloned(), budget)),
            Backing::File { reader, .. } => {
                if from >= g.recent_first && !g.recent.is_empty() {
                    let a = (from - g.recent_first) as usize;
                    let b = (to - g.recent_first) as usize;
                    return Ok(budgeted(g.recent.range(a..=b).cloned(), budget));
                }
                g.read_file(reader, from, to, budget)
            }
        }
    }

    /// The last `n` lines — or, when they hold more than [`READ_BUDGET`]
    /// bytes of text, as many of the last ones as fit (at least one): the
    /// end of the log, never the start of its tail.
    pub fn tail(&self, n: usize) -> io::Result<Vec<LogLine>> {
        let total = self.len();
        let mut from = total.saturating_sub(n as u64) + 1;
        let mut out: VecDeque<LogLine> = VecDeque::new();
        let mut text = 0usize;
        while from <= total {
            let chunk = self.read(from, (total - from + 1) as usize)?;
            let Some(last) = chunk.last() else { break };
            from = last.n + 1;
            for l in chunk {
                text += l.x.len();
                out.push_back(l);
                while text > READ_BUDGET && out.len() > 1 {
                    if let Some(old) = out.pop_front() {
                        text -= old.x.len();
                    }
                }
            }
        }
        Ok(out.into())
    }

    /// Calls `f` on every line in order (for search and downloads), reading
    /// the file sequentially in large blocks.
    pub fn for_each(&self, mut f: impl FnMut(&LogLine) -> bool) -> io::Result<()> {
        let total = self.len();
        let mut from = 1;
        while from <= total {
            let chunk = self.read(from, 8192)?;
            if chunk.is_empty() {
                break;
            }
            from += chunk.len() as u64;
            for l in &chunk {
                if !f(l) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

impl Inner {
    fn new(backing: Backing) -> Inner {
        Inner {
            backing,
            index: Vec::new(),
            end: 0,
            recent: VecDeque::new(),
            recent_first: 1,
            recent_bytes: 0,
            count: 0,
            stderr_lines: 0,
            text_bytes: 0,
        }
    }

    fn note(&mut self, s: LogStream, text_len: usize) {
        if s == LogStream::Stderr {
            self.stderr_lines += 1;
        }
        self.text_bytes += text_len as u64;
    }

    /// Lines `from..=to` from the file: from the checkpoint at or before
    /// `from`, scanning forward record by record, reading the file in
    /// blocks and stopping after `budget` bytes of text.
    fn read_file(&self, reader: &File, from: u64, to: u64, budget: usize) -> io::Result<Vec<LogLine>> {
        let i = self.index.partition_point(|&(ln, _)| ln <= from);
        let Some(&(mut n, mut off)) = i.checked_sub(1).and_then(|i| self.index.get(i)) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut text = 0usize;
        let mut buf: Vec<u8> = Vec::new();
        // `buf[consumed..]` holds the file from `off` on.
        let mut consumed = 0usize;
        // In the middle of a garbage record too long to be ours (`open`
        // skipped it): its bytes are dropped, not held.
        let mut skipping = false;
        while n <= to && off < self.end {
            let nl = loop {
                if let Some(i) = memchr::memchr(b'\n', &buf[consumed..]) {
                    break Some(consumed + i);
                }
                let have = (buf.len() - consumed) as u64;
                if off + have >= self.end {
                    break None;
                }
                if have as usize > MAX_RECORD {
                    off += have;
                    buf.clear();
                    consumed = 0;
                    skipping = true;
                    continue;
                }
                buf.drain(..consumed);
                consumed = 0;
                let want = ((self.end - off - have) as usize).min(256 * 1024);
                let old = buf.len();
                buf.resize(old + want, 0);
                reader.read_exact_at(&mut buf[old..], off + have)?;
            };
            let Some(nl) = nl else { break };
            let rec = &buf[consumed..nl];
            off += (nl + 1 - consumed) as u64;
            consumed = nl + 1;
            if std::mem::take(&mut skipping) {
                continue;
            }
            // Malformed records were never counted (see `open`): skipping
            // them keeps the numbering the index was built with.
            if n < from {
                if record_meta(rec).is_some() {
                    n += 1;
                }
                continue;
            }
            if let Some(line) = parse_record(rec, n) {
                text += line.x.len();
                out.push(line);
                n += 1;
                if text >= budget {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn push_recent(&mut self, line: LogLine) {
        if self.recent.is_empty() {
            self.recent_first = line.n;
        }
        self.recent_bytes += line.x.len();
        self.recent.push_back(line);
        while self.recent.len() > RECENT_LINES || (self.recent_bytes > RECENT_BYTES && self.recent.len() > 1) {
            if let Some(old) = self.recent.pop_front() {
                self.recent_bytes -= old.x.len();
                self.recent_first += 1;
            }
        }
    }
}

/// Records line `n` starting at `off` in the index when it is due a
/// checkpoint.
fn index_line(index: &mut Vec<(u64, u64)>, n: u64, off: u64) {
    let due = match index.last() {
        None => true,
        Some(&(ln, lo)) => n - ln >= INDEX_EVERY_LINES || off - lo >= INDEX_EVERY_BYTES,
    };
    if due {
        index.push((n, off));
    }
}

/// Lines up to `budget` bytes of text (at least one).
fn budgeted(lines: impl Iterator<Item = LogLine>, budget: usize) -> Vec<LogLine> {
    let mut text = 0usize;
    let mut out = Vec::new();
    for l in lines {
        if text >= budget {
            break;
        }
        text += l.x.len();
        out.push(l);
    }
    out
}

/// Splits `<ms>\t<s>\t<text>`: time, stream and text, or `None` for a
/// record that is not one.
fn split_record(rec: &[u8]) -> Option<(i64, LogStream, &[u8])> {
    let t1 = memchr::memchr(b'\t', rec)?;
    let t: i64 = std::str::from_utf8(&rec[..t1]).ok()?.parse().ok()?;
    let rest = &rec[t1 + 1..];
    if rest.len() < 2 || rest[1] != b'\t' {
        return None;
    }
    Some((t, LogStream::from_code(rest[0])?, &rest[2..]))
}

/// A record's stream and text length, without decoding it (indexing).
fn record_meta(rec: &[u8]) -> Option<(LogStream, usize)> {
    split_record(rec).map(|(_, s, x)| (s, x.len()))
}

/// Parses `<ms>\t<s>\t<text>`.
fn parse_record(rec: &[u8], n: u64) -> Option<LogLine> {
    let (t, s, x) = split_record(rec)?;
    Some(LogLine { n, s, t, x: String::from_utf8_lossy(x).into_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(range: std::ops::Range<u32>) -> Vec<(LogStream, i64, String)> {
        range.map(|i| (if i % 3 == 0 { LogStream::Stderr } else { LogStream::Stdout }, i as i64, format!("line {i}\twith tab"))).collect()
    }

    #[test]
    fn append_read_reopen() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        let s = LogStore::create(&p).unwrap();
        s.append(batch(1..101)).unwrap();
        s.append(batch(101..201)).unwrap();
        assert_eq!(s.len(), 200);
        let w = s.read(150, 3).unwrap();
        assert_eq!(w.iter().map(|l| l.n).collect::<Vec<_>>(), [150, 151, 152]);
        assert_eq!(w[0].x, "line 150\twith tab");
        assert_eq!(w[0].s, LogStream::Stderr);
        s.close();
        // After close the reads come from the file.
        assert_eq!(s.read(199, 10).unwrap().len(), 2);
        let r = LogStore::open(&p).unwrap();
        assert_eq!(r.len(), 200);
        assert_eq!(r.read(1, 200).unwrap(), s.read(1, 200).unwrap());
        assert_eq!(r.stderr_lines(), 66);
    }

    #[test]
    fn torn_tail_and_garbage_are_skipped() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        std::fs::write(&p, b"1\to\tfirst\nnot a record\n2\te\tsecond\n3\to\ttor").unwrap();
        let r = LogStore::open(&p).unwrap();
        assert_eq!(r.len(), 2);
        let all = r.read(1, 10).unwrap();
        assert_eq!(all[1].x, "second");
        assert_eq!(all[1].n, 2);
    }

    #[test]
    fn reads_beyond_the_recent_window_hit_the_file() {
        let d = tempfile::tempdir().unwrap();
        let s = LogStore::create(&d.path().join("x.log")).unwrap();
        for k in 0..5 {
            s.append(batch(k * 10_000..(k + 1) * 10_000)).unwrap();
        }
        assert_eq!(s.len(), 50_000);
        let early = s.read(3, 2).unwrap();
        assert_eq!(early[0].x, "line 2\twith tab");
        let late = s.read(49_999, 5).unwrap();
        assert_eq!(late.len(), 2);
        let mut n = 0;
        s.for_each(|l| {
            n += 1;
            assert_eq!(l.n, n);
            true
        })
        .unwrap();
        assert_eq!(n, 50_000);
    }

    #[test]
    fn the_index_is_sparse_and_every_line_still_reads_back() {
        let d = tempfile::tempdir().unwrap();
        let s = LogStore::create(&d.path().join("x.log")).unwrap();
        // Empty lines: the smallest records.
        for k in 0..10u32 {
            s.append(
                (0..10_000)
                    .map(|i| (LogStream::Stdout, 1_700_000_000_000 + i, if i % 1000 == 7 { format!("{k}:{i}") } else { String::new() }))
                    .collect(),
            )
            .unwrap();
        }
        s.close();
        assert_eq!(s.len(), 100_000);
        // One checkpoint per 64 lines, not 8 bytes per line.
        assert!(s.index_bytes() < 100_000 / 64 * 16 * 2, "index of {} bytes", s.index_bytes());
        for n in [1u64, 2, 63, 64, 65, 8, 1008, 50_008, 99_999, 100_000] {
            let l = &s.read(n, 1).unwrap()[0];
            assert_eq!(l.n, n);
            let (k, i) = ((n - 1) / 10_000, (n - 1) % 10_000);
            assert_eq!(l.x, if i % 1000 == 7 { format!("{k}:{i}") } else { String::new() }, "line {n}");
            assert_eq!(l.t, 1_700_000_000_000 + i as i64);
        }
        assert_eq!(s.stored_bytes(), std::fs::metadata(d.path().join("x.log")).unwrap().len());
        assert_eq!(s.tail(5).unwrap().iter().map(|l| l.n).collect::<Vec<_>>(), [99_996, 99_997, 99_998, 99_999, 100_000]);
        assert_eq!(s.tail(200_000).unwrap().len(), 100_000);
        assert_eq!(record_size(1_700_000_000_000, ""), 17);
        assert_eq!(record_size(0, "ab"), 7);
        assert_eq!(record_size(-5, ""), 6);
    }

    #[test]
    fn reads_are_bounded_by_bytes_and_always_make_progress() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        let s = LogStore::create(&p).unwrap();
        let big = "y".repeat(1024 * 1024);
        s.append((0..40).map(|i| (LogStream::Stdout, i, format!("{i} {big}"))).collect()).unwrap();
        s.append(vec![(LogStream::Stdout, 41, "x".repeat(READ_BUDGET + 10))]).unwrap();
        s.close();
        for store in [s, LogStore::open(&p).unwrap()] {
            let page = store.read(1, 1000).unwrap();
            assert!((4..=5).contains(&page.len()), "{} lines of 1 MiB in one read", page.len());
            // Reading on from where a page ended covers everything once.
            let mut next = 1;
            while let Some(last) = store.read(next, 1000).unwrap().last() {
                assert!(last.n >= next);
                next = last.n + 1;
            }
            assert_eq!(next, 42);
            // A line longer than the budget still comes back, alone.
            assert_eq!(store.read(41, 10).unwrap().len(), 1);
            // The tail is the end of the log, as much as the budget holds.
            let tail = store.tail(20).unwrap();
            assert_eq!(tail.last().unwrap().n, 41);
            assert_eq!(tail.len(), 1, "the last line alone is over the budget");
            let tail = store.tail(20).unwrap();
            assert!(tail.windows(2).all(|w| w[1].n == w[0].n + 1));
            assert_eq!(store.read(1, 3).unwrap().len(), 3);
        }
    }

    #[test]
    fn opening_skips_an_oversized_garbage_record_without_losing_the_rest() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.log");
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(b"1\to\tbefore\n").unwrap();
        f.write_all(&vec![b'z'; MAX_RECORD * 2]).unwrap();
        f.write_all(b"\n2\te\tafter\n3\tm\tlast\n").unwrap();
        drop(f);
        let r = LogStore::open(&p).unwrap();
        assert_eq!(r.len(), 3);
        let all = r.read(1, 10).unwrap();
        assert_eq!(all.iter().map(|l| l.x.as_str()).collect::<Vec<_>>(), ["before", "after", "last"]);
        assert_eq!(all.iter().map(|l| l.n).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(r.stderr_lines(), 1);
        // From the checkpoint before it, line 2 is read past the garbage.
        assert_eq!(r.read(2, 1).unwrap()[0].x, "after");
        assert_eq!(r.read(3, 5).unwrap()[0].x, "last");
    }

    proptest::proptest! {
        /// Whatever the lines (empty, long, with tabs) and garbage between
        /// records, a reopened log numbers the valid records in order and
        /// any window reads back exactly them, live or reopened.
        #[test]
        fn windows_read_back_what_was_written(
            lines in proptest::collection::vec((0u8..3, proptest::collection::vec(proptest::prelude::any::<char>(), 0..200)), 1..400),
            garbage_every in 0usize..50,
            from in 1u64..420,
            limit in 1usize..500,
        ) {
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("x.log");
            let text: Vec<(LogStream, String)> = lines
                .iter()
                .map(|(s, cs)| ([LogStream::Stdout, LogStream::Stderr, LogStream::Runner][*s as usize], cs.iter().filter(|c| **c != '\n').collect()))
                .collect();
            let live = LogStore::create(&p).unwrap();
            for (i, chunk) in text.chunks(37).enumerate() {
                live.append(chunk.iter().enumerate().map(|(j, (s, x))| (*s, (i * 37 + j) as i64, x.clone())).collect()).unwrap();
            }
            live.close();
            // Garbage lines spliced between records of a copy.
            let q = d.path().join("y.log");
            let body = std::fs::read(&p).unwrap();
            let mut spliced = Vec::new();
            for (i, rec) in body.split_inclusive(|&b| b == b'\n').enumerate() {
                if garbage_every > 0 && i % garbage_every == 0 {
                    spliced.extend_from_slice(b"not a record\n\n");
                }
                spliced.extend_from_slice(rec);
            }
            std::fs::write(&q, &spliced).unwrap();
            for store in [live, LogStore::open(&p).unwrap(), LogStore::open(&q).unwrap()] {
                proptest::prop_assert_eq!(store.len(), text.len() as u64);
                let got = store.read(from, limit).unwrap();
                let want: Vec<&(LogStream, String)> = text.iter().skip(from as usize - 1).take(limit).collect();
                proptest::prop_assert_eq!(got.len(), want.len());
                for (k, (l, (s, x))) in got.iter().zip(want).enumerate() {
                    proptest::prop_assert_eq!(l.n, from + k as u64);
                    proptest::prop_assert_eq!(&l.x, x);
                    proptest::prop_assert_eq!(l.s, *s);
                }
            }
        }
    }

    #[test]
    fn memory_logs_from_record_lines() {
        let s = LogStore::from_lines(&["$ x".to_string(), "two".into()]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.read(2, 5).unwrap()[0].x, "two");
        assert!(s.path().is_none());
    }
}
