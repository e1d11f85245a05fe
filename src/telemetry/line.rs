//! One line of `usage.jsonl`, read by the reference's rules (see the
//! module above for the rules themselves): six fields borrowed from the
//! line, Python's `float()`, `str()` and truthiness where the numbers and
//! names must match.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::pyfmt;

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

/// A key of an event object: one of the fields above, or another.
#[derive(Clone, Copy)]
enum Key {
    TotalCost,
    Cost,
    Savings,
    Workflow,
    EventType,
    Ts,
    Timestamp,
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    // Called with the decoded key (escapes resolved): Python compares
    // decoded keys, so do we. Nothing is allocated per key.
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "total_cost" => Key::TotalCost,
            "cost" => Key::Cost,
            "savings" => Key::Savings,
            "workflow" => Key::Workflow,
            "event_type" => Key::EventType,
            "ts" => Key::Ts,
            "timestamp" => Key::Timestamp,
            _ => Key::Other,
        })
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut out = Fields::default();
        // Later duplicates win, as in a Python dict.
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::TotalCost => &mut out.total_cost,
                Key::Cost => &mut out.cost,
                Key::Savings => &mut out.savings,
                Key::Workflow => &mut out.workflow,
                Key::EventType => &mut out.event_type,
                Key::Ts => &mut out.ts,
                Key::Timestamp => &mut out.timestamp,
                Key::Other => {
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
    if !crate::pyfmt::truthy(&v) {
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
    crate::pyfmt::truthy(&v).then(|| std::borrow::Cow::Owned(py_repr(&v, true)))
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

/// One line, parsed (borrowing from the read buffer).
pub(super) enum Parsed<'a> {
    Blank,
    Skipped,
    Event { cost: f64, savings: f64, workflow: std::borrow::Cow<'a, str>, ts: std::borrow::Cow<'a, str>, day: Option<NaiveDate> },
}

/// Parses one line (already split, `\r`/`\n` removed).
pub(super) fn parse_line(raw: &str) -> Parsed<'_> {
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

/// Splits a block of whole lines as Python's universal newlines do and
/// parses each line. Invalid UTF-8 is replaced, line by line.
pub(super) fn parse_block(block: &[u8]) -> Vec<Parsed<'_>> {
    let mut out = Vec::with_capacity(block.len() / 200 + 1);
    let mut start = 0;
    let ends = memchr::memchr2_iter(b'\n', b'\r', block).chain(std::iter::once(block.len()));
    for end in ends {
        let line = &block[start..end];
        start = end + 1;
        if line.is_empty() {
            continue; // blank: nothing to fold
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
