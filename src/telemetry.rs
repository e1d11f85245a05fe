//! `<home>/telemetry/usage.jsonl` summarised: the same numbers as the
//! reference dashboard on the same file, fast and in constant memory.
//!
//! Per line (the reference's rules, `read_telemetry_summary`):
//! * blank and non-JSON lines are skipped (we also count them);
//! * cost = `total_cost` if the key is present (an explicit `null` is 0 and
//!   does not fall back), else `cost`, else 0, through Python's
//!   `float(v or 0)`; savings = `float(savings or 0)`;
//! * workflow = `workflow`, else `event_type`, else `"unknown"` (first
//!   truthy, as Python `str()`); ts = `ts`, else `timestamp`, else `""`;
//! * the day bucket is the calendar date as written (trailing `Z`s
//!   removed, naive = UTC, offsets not converted).
//!
//! Where the reference crashed (its Q9: a JSON line that is not an object, a
//! cost that `float()` rejects) we skip the line or count the value as 0.
//!
//! Lines are split as Python's universal newlines do (`\n`, `\r\n`, `\r`),
//! read through a fixed buffer: memory stays flat whatever the file's size.
//! Parsing borrows just the six fields it needs from each line.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::pyfmt;
use crate::wire::TelemetrySummary;

/// The fields of one event the summary needs (raw JSON, borrowed).
#[derive(Default)]
struct Fields<'a> {
    total_cost: Option<&'a RawValue>,
    cost: Option<&'a RawValue>,
    savings: Option<&'a RawValue>,
    workflow: Option<&'a RawValue>,
    event_type: Option<&'a RawValue>,
    ts: Option<&'a RawValue>,
    timestamp: Option<&'a RawValue>,
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut out = Fields::default();
        // Keys may be escaped (then they cannot be borrowed); Python
        // compares decoded keys, so do we. Later duplicates win, as in a
        // Python dict.
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let slot = match key.as_ref() {
                "total_cost" => &mut out.total_cost,
                "cost" => &mut out.cost,
                "savings" => &mut out.savings,
                "workflow" => &mut out.workflow,
                "event_type" => &mut out.event_type,
                "ts" => &mut out.ts,
                "timestamp" => &mut out.timestamp,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<&'de RawValue>()?);
        }
        Ok(out)
    }
}

fn parse_fields(line: &str) -> Option<Fields<'_>> {
    let mut de = serde_json::Deserializer::from_str(line);
    let f = (&mut de).deserialize_map(FieldsVisitor).ok()?;
    de.end().ok()?;
    Some(f)
}

/// Python truthiness of a JSON value.
fn truthy(v: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match v {
        Null => false,
        Bool(b) => *b,
        Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        String(s) => !s.is_empty(),
        Array(a) => !a.is_empty(),
        Object(o) => !o.is_empty(),
    }
}

/// Python `float(v or 0.0)`; values `float()` rejects (and non-finite
/// ones, which JSON cannot carry back out) count as 0.
fn py_float(raw: Option<&RawValue>) -> f64 {
    let Some(raw) = raw else { return 0.0 };
    let s = raw.get();
    // Fast path: a plain JSON number.
    if let Some(c) = s.as_bytes().first() {
        if c.is_ascii_digit() || *c == b'-' {
            return s.parse::<f64>().ok().filter(|x| x.is_finite()).unwrap_or(0.0);
        }
    }
    let v: serde_json::Value = match serde_json::from_str(s) {
        Ok(v) => v,
        Err(_) => return 0.0,
    };
    if !truthy(&v) {
        return 0.0;
    }
    match v {
        serde_json::Value::Bool(true) => 1.0,
        serde_json::Value::String(t) => py_float_str(&t).unwrap_or(0.0),
        serde_json::Value::Number(n) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Python `float(str)`: surrounding whitespace, `_` between digits.
fn py_float_str(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_whitespace());
    if t.is_empty() {
        return None;
    }
    let b = t.as_bytes();
    // Underscores only between digits.
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' && !(i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()) {
            return None;
        }
    }
    let cleaned: String = t.chars().filter(|&c| c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let digits_ok = lower.trim_start_matches(['+', '-']).starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !digits_ok {
        return None; // inf/nan (non-finite) and words
    }
    cleaned.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Python `str(v)` of a truthy JSON value; `None` when falsy.
fn py_str_truthy(raw: Option<&RawValue>) -> Option<std::borrow::Cow<'_, str>> {
    let raw = raw?;
    let s = raw.get();
    if let Some(body) = s.strip_prefix('"') {
        // Common case: a plain string without escapes, borrowed.
        if let Some(inner) = body.strip_suffix('"') {
            if !inner.contains('\\') {
                return (!inner.is_empty()).then_some(std::borrow::Cow::Borrowed(inner));
            }
        }
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    truthy(&v).then(|| std::borrow::Cow::Owned(py_repr(&v, true)))
}

/// Python `str()` (top level) / `repr()` (nested) of a JSON value.
pub fn py_repr(v: &serde_json::Value, top: bool) -> String {
    use serde_json::Value::*;
    match v {
        Null => "None".into(),
        Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (_, Some(u)) => u.to_string(),
            _ => pyfmt::float_repr(n.as_f64().unwrap_or(0.0)),
        },
        String(s) if top => s.clone(),
        String(s) => py_str_literal(s),
        Array(a) => format!("[{}]", a.iter().map(|x| py_repr(x, false)).collect::<Vec<_>>().join(", ")),
        Object(o) => {
            format!("{{{}}}", o.iter().map(|(k, x)| format!("{}: {}", py_str_literal(k), py_repr(x, false))).collect::<Vec<_>>().join(", "))
        }
    }
}

/// Python's `repr(str)`.
fn py_str_literal(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::new();
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// Python's `str.strip()` whitespace (Unicode whitespace plus the
/// separators U+001C–U+001F).
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// The day bucket of a timestamp: the date as written.
pub fn day_of(ts: &str) -> Option<NaiveDate> {
    if ts.is_empty() {
        return None;
    }
    pyfmt::parse_iso(ts.trim_end_matches('Z')).map(|d| d.date_as_written())
}

/// `round(x, 4)` as Python computes it (correctly rounded decimal).
pub fn round4(x: f64) -> f64 {
    format!("{x:.4}").parse().unwrap_or(x)
}

/// Running totals.
#[derive(Default)]
struct Acc {
    total_requests: u64,
    total_cost: f64,
    total_savings: f64,
    /// Workflow name → index in `wf` (first-seen order).
    wf_index: HashMap<String, usize>,
    wf: Vec<(String, u64, f64)>,
    days: HashMap<NaiveDate, (u64, f64)>,
    last_event_at: Option<String>,
    skipped: u64,
}

/// One line, parsed (borrowing from the read buffer).
enum Parsed<'a> {
    Blank,
    Skipped,
    Event { cost: f64, savings: f64, workflow: std::borrow::Cow<'a, str>, ts: std::borrow::Cow<'a, str>, day: Option<NaiveDate> },
}

/// Parses one line (already split, `\r`/`\n` removed).
fn parse_line(raw: &str) -> Parsed<'_> {
    let line = py_strip(raw);
    if line.is_empty() {
        return Parsed::Blank;
    }
    let Some(f) = parse_fields(line) else {
        return Parsed::Skipped;
    };
    let cost = if f.total_cost.is_some() { py_float(f.total_cost) } else { py_float(f.cost) };
    let savings = py_float(f.savings);
    let workflow = py_str_truthy(f.workflow).or_else(|| py_str_truthy(f.event_type)).unwrap_or(std::borrow::Cow::Borrowed("unknown"));
    let ts = py_str_truthy(f.ts).or_else(|| py_str_truthy(f.timestamp)).unwrap_or(std::borrow::Cow::Borrowed(""));
    let day = day_of(&ts);
    Parsed::Event { cost, savings, workflow, ts, day }
}

impl Acc {
    /// Folds the parsed lines of a block, in file order, so sums are the
    /// reference's sequential sums bit for bit.
    fn apply_all<'a>(&mut self, lines: impl IntoIterator<Item = Parsed<'a>>) {
        let mut last_ts: Option<std::borrow::Cow<'a, str>> = None;
        for p in lines {
            if let Some(ts) = self.apply(p) {
                last_ts = Some(ts);
            }
        }
        if let Some(ts) = last_ts {
            self.last_event_at = Some(ts.into_owned());
        }
    }

    /// Folds one line; returns its timestamp when non-empty.
    fn apply<'a>(&mut self, p: Parsed<'a>) -> Option<std::borrow::Cow<'a, str>> {
        let (cost, savings, workflow, ts, day) = match p {
            Parsed::Blank => return None,
            Parsed::Skipped => {
                self.skipped += 1;
                return None;
            }
            Parsed::Event { cost, savings, workflow, ts, day } => (cost, savings, workflow, ts, day),
        };
        self.total_requests += 1;
        self.total_cost += cost;
        self.total_savings += savings;
        match self.wf_index.get(workflow.as_ref()) {
            Some(&i) => {
                self.wf[i].1 += 1;
                self.wf[i].2 += cost;
            }
            None => {
                self.wf_index.insert(workflow.to_string(), self.wf.len());
                self.wf.push((workflow.into_owned(), 1, cost));
            }
        }
        if let Some(d) = day {
            let e = self.days.entry(d).or_default();
            e.0 += 1;
            e.1 += cost;
        }
        (!ts.is_empty()).then_some(ts)
    }
}

/// Splits a block of whole lines as Python's universal newlines do and
/// parses each line. Invalid UTF-8 is replaced, line by line.
fn parse_block(block: &[u8]) -> Vec<Parsed<'_>> {
    let mut out = Vec::with_capacity(block.len() / 200 + 1);
    for line in block.split(|&b| b == b'\n' || b == b'\r') {
        match std::str::from_utf8(line) {
            Ok(t) => out.push(parse_line(t)),
            Err(_) => out.push(into_owned(parse_line(&String::from_utf8_lossy(line)))),
        }
    }
    out
}

fn into_owned(p: Parsed<'_>) -> Parsed<'static> {
    match p {
        Parsed::Blank => Parsed::Blank,
        Parsed::Skipped => Parsed::Skipped,
        Parsed::Event { cost, savings, workflow, ts, day } => Parsed::Event {
            cost,
            savings,
            workflow: std::borrow::Cow::Owned(workflow.into_owned()),
            ts: std::borrow::Cow::Owned(ts.into_owned()),
            day,
        },
    }
}

/// Bytes read per block: memory stays near this whatever the file's size.
const BLOCK: usize = 8 * 1024 * 1024;

/// Parses a block on two threads (split at a line boundary), then folds
/// both halves in order.
fn fold_block(block: &[u8], acc: &mut Acc) {
    let mid = block.len() / 2;
    let split = if block.len() >= 1 << 20 { block[mid..].iter().position(|&b| b == b'\n').map(|p| mid + p + 1) } else { None };
    match split {
        Some(at) => {
            let (a, b) = block.split_at(at);
            let (pa, pb) = std::thread::scope(|sc| {
                let h = sc.spawn(|| parse_block(b));
                let pa = parse_block(a);
                (pa, h.join())
            });
            acc.apply_all(pa);
            match pb {
                Ok(pb) => acc.apply_all(pb),
                // A panic in the parser thread: fall back to this thread.
                Err(_) => acc.apply_all(parse_block(b)),
            }
        }
        None => acc.apply_all(parse_block(block)),
    }
}

/// Summarises a usage file. `known`: the registry's workflow names, for
/// the by-workflow table (`None`: no registry, show every name — the
/// reference then showed none, its Q7). A missing or unreadable file gives
/// the empty summary.
pub fn summarize(path: &Path, recent_days: u32, today: NaiveDate, known: Option<&HashSet<String>>) -> TelemetrySummary {
    let mut acc = Acc::default();
    let present = path.exists();
    if let Ok(mut f) = std::fs::File::open(path) {
        use std::io::Read;
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + 64 * 1024);
        let mut chunk = vec![0u8; 1 << 20];
        // A line longer than a block makes the block grow until its end.
        let mut want = BLOCK;
        loop {
            // Fill up to `want` bytes after what was carried over.
            let mut eof = false;
            while buf.len() < want {
                match f.read(&mut chunk) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "telemetry: read error; summary is partial");
                        eof = true;
                        break;
                    }
                }
            }
            // Whole lines only; the rest waits for the next block.
            let cut = if eof { buf.len() } else { buf.iter().rposition(|&b| b == b'\n').map(|p| p + 1).unwrap_or(0) };
            if cut > 0 {
                fold_block(&buf[..cut], &mut acc);
                buf.drain(..cut);
                want = BLOCK;
            } else {
                want = buf.len() + BLOCK;
            }
            if eof {
                break;
            }
        }
    }
    finish(acc, recent_days, today, known, present, path)
}

fn finish(acc: Acc, recent_days: u32, today: NaiveDate, known: Option<&HashSet<String>>, present: bool, path: &Path) -> TelemetrySummary {
    let mut rows: Vec<(String, u64, f64)> =
        acc.wf.into_iter().filter(|(n, _, _)| known.is_none_or(|k| k.contains(n))).map(|(n, c, cost)| (n, c, round4(cost))).collect();
    // Stable: ties keep first-seen order, as heapq.nlargest does.
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    rows.truncate(20);
    let cutoff = pyfmt::days_between(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(), today) - recent_days as i64;
    let mut days: Vec<(String, u64, f64)> = acc
        .days
        .into_iter()
        .filter(|(d, _)| pyfmt::days_between(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(), *d) >= cutoff)
        .map(|(d, (c, cost))| (d.format("%Y-%m-%d").to_string(), c, round4(cost)))
        .collect();
    days.sort_by(|a, b| a.0.cmp(&b.0));
    TelemetrySummary {
        total_requests: acc.total_requests,
        total_cost: round4(acc.total_cost),
        total_savings: round4(acc.total_savings),
        by_workflow: rows,
        by_day: days,
        last_event_at: acc.last_event_at,
        skipped_lines: acc.skipped,
        recent_days,
        file_present: present,
        path: path.display().to_string(),
    }
}

/// Caches summaries by file identity (device, inode, modification time,
/// size) and parameters: the file is append-only, so any append changes
/// the key.
#[derive(Default)]
pub struct TelemetryCache {
    inner: Mutex<HashMap<(PathBuf, u32), (CacheKey, TelemetrySummary)>>,
}

type CacheKey = (u64, u64, i64, i64, u64, NaiveDate, u64);

impl TelemetryCache {
    pub fn get(&self, path: &Path, recent_days: u32, today: NaiveDate, known: Option<&HashSet<String>>) -> TelemetrySummary {
        use std::hash::{Hash, Hasher};
        use std::os::unix::fs::MetadataExt;
        let names_hash = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            let mut v: Vec<&String> = known.map(|k| k.iter().collect()).unwrap_or_default();
            v.sort();
            known.is_some().hash(&mut h);
            v.hash(&mut h);
            h.finish()
        };
        let key = std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino(), m.mtime(), m.mtime_nsec(), m.size(), today, names_hash));
        if let Some(k) = &key {
            let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((ck, s)) = g.get(&(path.to_path_buf(), recent_days)) {
                if ck == k {
                    return s.clone();
                }
            }
        }
        let s = summarize(path, recent_days, today, known);
        if let Some(k) = key {
            self.inner.lock().unwrap_or_else(|p| p.into_inner()).insert((path.to_path_buf(), recent_days), (k, s.clone()));
        }
        s
    }
}

/// Home's seven-day view: `(day, events, cost)` for today − 6 … today,
/// zero-filled, from a summary made with `recent_days >= 6`.
pub fn last_seven_days(s: &TelemetrySummary, today: NaiveDate) -> Vec<(String, u64, f64)> {
    (0..7)
        .rev()
        .map(|back| {
            let d = (today - chrono::Duration::days(back)).format("%Y-%m-%d").to_string();
            let (c, cost) = s.by_day.iter().find(|r| r.0 == d).map(|r| (r.1, r.2)).unwrap_or((0, 0.0));
            (d, c, cost)
        })
        .collect()
}

/// The reference's sparkline: `x,y` points for an SVG polyline, `""` when
/// empty or all zero.
pub fn sparkline_points(values: &[f64], width: f64, height: f64) -> String {
    let max = values.iter().cloned().fold(0.0, f64::max);
    if values.is_empty() || max <= 0.0 {
        return String::new();
    }
    let n = values.len();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = i as f64 / ((n - 1).max(1) as f64) * width;
            let y = height - v / max * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(text: &str, known: Option<&HashSet<String>>) -> TelemetrySummary {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        std::fs::write(&p, text).unwrap();
        summarize(&p, 7, NaiveDate::from_ymd_opt(2026, 6, 20).unwrap(), known)
    }

    #[test]
    fn field_rules_match_the_reference() {
        let s = sum(
            concat!(
                "{\"ts\":\"2026-06-18T09:12:44.120331Z\",\"workflow\":\"code-review\",\"cost\":0.25}\n",
                "{\"timestamp\":\"2026-06-19\",\"event_type\":\"legacy\",\"total_cost\":0.5,\"savings\":0.1}\n",
                "{\"ts\":\"2026-06-19T10:00:00\",\"workflow\":\"code-review\",\"total_cost\":null,\"cost\":9}\n",
                "{\"ts\":\"2026-06-19T23:30:00-05:00\",\"workflow\":\"\",\"cost\":\"1.5\"}\n",
                "\n   \n",
                "not json\n",
                "[1, 2]\n",
                "{\"cost\": \"abc\", \"workflow\": 5}\n",
                "{\"cost\": true, \"savings\": [1], \"ts\": 17}\r",
                "{\"cost\": \"1_0\", \"workflow\": \"code-review\", \"workflow\": \"dup\"}\n",
            ),
            None,
        );
        assert_eq!(s.total_requests, 7);
        assert_eq!(s.skipped_lines, 2);
        assert_eq!(s.total_cost, round4(0.25 + 0.5 + 0.0 + 1.5 + 0.0 + 1.0 + 10.0));
        assert_eq!(s.total_savings, 0.1);
        let names: Vec<&str> = s.by_workflow.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(names, ["dup", "unknown", "legacy", "code-review", "5"]);
        assert_eq!(s.by_workflow[1], ("unknown".into(), 2, 2.5));
        // The `-05:00` line is bucketed on the 19th, as written.
        assert_eq!(s.by_day, vec![("2026-06-18".into(), 1, 0.25), ("2026-06-19".into(), 3, 2.0)]);
        assert_eq!(s.last_event_at.as_deref(), Some("17"));
    }

    #[test]
    fn registry_filter_and_top_twenty() {
        let mut text = String::new();
        for i in 0..30 {
            text.push_str(&format!("{{\"workflow\":\"wf{i}\",\"cost\":{i}}}\n"));
        }
        let known: HashSet<String> = (0..25).map(|i| format!("wf{i}")).collect();
        let s = sum(&text, Some(&known));
        assert_eq!(s.by_workflow.len(), 20);
        assert_eq!(s.by_workflow[0].0, "wf24");
        assert_eq!(s.total_requests, 30);
    }

    #[test]
    fn window_includes_recent_days_plus_one_and_the_future() {
        let mut text = String::new();
        for d in ["2026-06-12", "2026-06-13", "2026-06-20", "2026-07-01"] {
            text.push_str(&format!("{{\"ts\":\"{d}T00:00:00Z\",\"cost\":1}}\n"));
        }
        let s = sum(&text, None);
        let days: Vec<&str> = s.by_day.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(days, ["2026-06-13", "2026-06-20", "2026-07-01"]);
    }

    #[test]
    fn python_str_and_float() {
        assert_eq!(py_float_str(" 1_000.5 "), Some(1000.5));
        assert_eq!(py_float_str("1__0"), None);
        assert_eq!(py_float_str("_1"), None);
        assert_eq!(py_float_str("1e3"), Some(1000.0));
        assert_eq!(py_float_str("inf"), None);
        assert_eq!(py_repr(&serde_json::json!([1, "a", {"k": null}, 1.0, true]), true), "[1, 'a', {'k': None}, 1.0, True]");
        assert_eq!(py_repr(&serde_json::json!("it's"), false), "\"it's\"");
        assert_eq!(round4(0.00005), 0.0001);
        assert_eq!(round4(1.23456), 1.2346);
    }

    #[test]
    fn lines_longer_than_a_block_and_block_boundaries() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        let mut text = format!("{{\"workflow\":\"big\",\"cost\":1,\"pad\":\"{}\"}}\n", "x".repeat(BLOCK + 100));
        for i in 0..100_000 {
            text.push_str(&format!("{{\"workflow\":\"w{}\",\"cost\":0.001,\"ts\":\"2026-06-20T00:00:00Z\"}}\r\n", i % 3));
        }
        text.push_str("{\"workflow\":\"tail\",\"cost\":2}");
        std::fs::write(&p, &text).unwrap();
        let s = summarize(&p, 7, NaiveDate::from_ymd_opt(2026, 6, 20).unwrap(), None);
        assert_eq!(s.total_requests, 100_002);
        assert_eq!(s.skipped_lines, 0);
        // The same result as a line-by-line sequential sum.
        let mut seq = 1.0;
        for _ in 0..100_000 {
            seq += 0.001;
        }
        seq += 2.0;
        assert_eq!(s.total_cost, round4(seq));
        assert_eq!(s.by_day, vec![("2026-06-20".into(), 100_000, round4((0..100_000).fold(0.0, |a, _| a + 0.001)))]);
    }

    #[test]
    fn missing_file_is_empty() {
        let s = summarize(Path::new("/no/such/usage.jsonl"), 7, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), None);
        assert_eq!(s.total_requests, 0);
        assert!(!s.file_present);
        assert!(s.by_day.is_empty());
    }

    #[test]
    fn sparkline() {
        assert_eq!(sparkline_points(&[0.0, 0.0], 240.0, 40.0), "");
        assert_eq!(sparkline_points(&[1.0, 2.0], 240.0, 40.0), "0.0,20.0 240.0,0.0");
    }
}
