//! The log of one run: append-only, file-backed, readable from any line.
//!
//! Every line a run prints is written to `<id>.log` as it arrives, one record
//! per line:
//!
//! ```text
//! <epoch ms>\t<o|e|m>\t<text>\n
//! ```
//!
//! (`o` stdout, `e` stderr, `m` the runner's own lines). Memory holds only an
//! offset index (8 bytes per line) and a window of the most recent lines, so a
//! million-line run costs a few megabytes of RAM. Readers — SSE viewers, the
//! log API, search — read any range at any time; a slow viewer catches up
//! from the file instead of being dropped, which is why the SSE layer never
//! needs to discard anyone.
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

/// A run's log. Cheap to clone (shared).
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<RwLock<Inner>>,
}

struct Inner {
    backing: Backing,
    /// Start offset of each line's record in the file (file backing only).
    offsets: Vec<u64>,
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

    /// Opens an existing log file read-only, indexing it. A torn last record
    /// (a crash mid-write) and malformed records are skipped.
    pub fn open(path: &Path) -> io::Result<LogStore> {
        let reader = File::open(path)?;
        let mut inner = Inner::new(Backing::File { path: path.to_path_buf(), reader, writer: None });
        let data = std::fs::read(path)?;
        let mut pos = 0usize;
        while pos < data.len() {
            let Some(nl) = memchr::memchr(b'\n', &data[pos..]) else { break };
            let rec = &data[pos..pos + nl];
            if let Some(line) = parse_record(rec, inner.count + 1) {
                inner.offsets.push(pos as u64);
                inner.note_line(&line);
                inner.count += 1;
            }
            pos += nl + 1;
            inner.end = pos as u64;
        }
        Ok(LogStore::from_inner(inner))
    }

    /// A log held in memory, from a record's `lines` (no stream or time
    /// information: stdout, time 0).
    pub fn from_lines(lines: &[String]) -> LogStore {
        let v: Vec<LogLine> =
            lines.iter().enumerate().map(|(i, x)| LogLine { n: i as u64 + 1, s: LogStream::Stdout, t: 0, x: x.clone() }).collect();
        let mut inner = Inner::new(Backing::Memory(Vec::new()));
        for l in &v {
            inner.note_line(l);
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
            g.note_line(&line);
            match &mut g.backing {
                Backing::Memory(v) => v.push(line),
                Backing::File { .. } => {
                    g.offsets.push(off);
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

    /// The log file, if file-backed.
    pub fn path(&self) -> Option<PathBuf> {
        match &self.read_guard().backing {
            Backing::File { path, .. } => Some(path.clone()),
            Backing::Memory(_) => None,
        }
    }

    /// Lines `from..from+limit` (1-based `from`; clamped to what exists).
    pub fn read(&self, from: u64, limit: usize) -> io::Result<Vec<LogLine>> {
        let g = self.read_guard();
        let from = from.max(1);
        if from > g.count || limit == 0 {
            return Ok(Vec::new());
        }
        let to = (from + limit as u64 - 1).min(g.count); // inclusive
        match &g.backing {
            Backing::Memory(v) => Ok(v[(from - 1) as usize..to as usize].to_vec()),
            Backing::File { reader, .. } => {
                if from >= g.recent_first && !g.recent.is_empty() {
                    let a = (from - g.recent_first) as usize;
                    let b = (to - g.recent_first) as usize;
                    return Ok(g.recent.range(a..=b).cloned().collect());
                }
                let start = g.offsets[(from - 1) as usize];
                let end = if (to as usize) < g.offsets.len() { g.offsets[to as usize] } else { g.end };
                let mut buf = vec![0u8; (end - start) as usize];
                reader.read_exact_at(&mut buf, start)?;
                let mut out = Vec::with_capacity((to - from + 1) as usize);
                for n in from..=to {
                    // Each record runs from its offset to the next newline
                    // (skipped garbage between records is never read).
                    let s = (g.offsets[(n - 1) as usize] - start) as usize;
                    let rest = &buf[s..];
                    let rec = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
                    // Records were validated when written or indexed; one
                    // that no longer parses (file changed under us) is shown
                    // as such rather than shifting every number.
                    out.push(parse_record(rec, n).unwrap_or(LogLine {
                        n,
                        s: LogStream::Runner,
                        t: 0,
                        x: "[attune-ops] this log line could not be read back".into(),
                    }));
                }
                Ok(out)
            }
        }
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
            offsets: Vec::new(),
            end: 0,
            recent: VecDeque::new(),
            recent_first: 1,
            recent_bytes: 0,
            count: 0,
            stderr_lines: 0,
            text_bytes: 0,
        }
    }

    fn note_line(&mut self, l: &LogLine) {
        if l.s == LogStream::Stderr {
            self.stderr_lines += 1;
        }
        self.text_bytes += l.x.len() as u64;
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

/// Parses `<ms>\t<s>\t<text>`.
fn parse_record(rec: &[u8], n: u64) -> Option<LogLine> {
    let t1 = memchr::memchr(b'\t', rec)?;
    let t: i64 = std::str::from_utf8(&rec[..t1]).ok()?.parse().ok()?;
    let rest = &rec[t1 + 1..];
    if rest.len() < 2 || rest[1] != b'\t' {
        return None;
    }
    let s = LogStream::from_code(rest[0])?;
    let x = String::from_utf8_lossy(&rest[2..]).into_owned();
    Some(LogLine { n, s, t, x })
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
    fn memory_logs_from_record_lines() {
        let s = LogStore::from_lines(&["$ x".to_string(), "two".into()]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.read(2, 5).unwrap()[0].x, "two");
        assert!(s.path().is_none());
    }
}
