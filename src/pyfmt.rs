//! Byte-compatible Python formatting: `json.dumps`, `float.__repr__`,
//! `datetime.isoformat()` and `datetime.fromisoformat()`.
//!
//! The reference dashboard and the other attune tools read and write the same
//! files under `ATTUNE_HOME`. Some of them are compared by bytes or hashed
//! (the spec-dismissal snapshot hash is the SHA-256 of a `json.dumps` string),
//! so "valid JSON" is not enough: these helpers reproduce Python's output
//! exactly. Key order comes from `serde_json`'s `preserve_order` maps.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use serde_json::Value;

/// Options of `json.dumps`.
#[derive(Clone, Copy, Debug)]
pub struct Dumps {
    /// `indent=N`: one element per line. `None`: the one-line form.
    pub indent: Option<usize>,
    pub sort_keys: bool,
    /// `ensure_ascii=True` (Python's default): non-ASCII as `\uXXXX`.
    pub ensure_ascii: bool,
    /// `separators=(",", ":")` instead of the defaults.
    pub compact: bool,
}

impl Dumps {
    /// `json.dumps(v)`.
    pub const DEFAULT: Dumps = Dumps { indent: None, sort_keys: false, ensure_ascii: true, compact: false };
    /// `json.dumps(v, indent=2)`.
    pub const INDENT2: Dumps = Dumps { indent: Some(2), sort_keys: false, ensure_ascii: true, compact: false };
    /// `json.dumps(v, indent=2, sort_keys=True)`.
    pub const INDENT2_SORTED: Dumps = Dumps { indent: Some(2), sort_keys: true, ensure_ascii: true, compact: false };
    /// `json.dumps(v, sort_keys=True)`.
    pub const SORTED: Dumps = Dumps { indent: None, sort_keys: true, ensure_ascii: true, compact: false };
}

/// Serialises `v` exactly as Python's `json.dumps` would with `opts`.
pub fn dumps(v: &Value, opts: Dumps) -> String {
    let mut out = String::new();
    write_value(&mut out, v, opts, 0);
    out
}

fn write_value(out: &mut String, v: &Value, o: Dumps, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&float_repr(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => write_str(out, s, o.ensure_ascii),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep(o));
                }
                newline_indent(out, o, depth + 1);
                write_value(out, item, o, depth + 1);
            }
            newline_indent(out, o, depth);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if o.sort_keys {
                // Python sorts str keys by code point; Rust's str order is
                // by UTF-8 bytes, which is the same order.
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, val)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep(o));
                }
                newline_indent(out, o, depth + 1);
                write_str(out, k, o.ensure_ascii);
                out.push_str(if o.compact { ":" } else { ": " });
                write_value(out, val, o, depth + 1);
            }
            newline_indent(out, o, depth);
            out.push('}');
        }
    }
}

fn item_sep(o: Dumps) -> &'static str {
    if o.compact || o.indent.is_some() {
        ","
    } else {
        ", "
    }
}

fn newline_indent(out: &mut String, o: Dumps, depth: usize) {
    if let Some(n) = o.indent {
        out.push('\n');
        for _ in 0..n * depth {
            out.push(' ');
        }
    }
}

/// A JSON string literal with Python's escapes.
pub fn write_str(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `round(x, ndigits)`: the exact binary value rounded to
/// `ndigits` decimals, halves to even (as Rust's formatting rounds).
pub fn round(x: f64, ndigits: usize) -> f64 {
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

/// Python's truthiness of a JSON value: `None`, `False`, zero and empty
/// strings, lists and objects are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `str()` of a JSON value: text as it is, `None`, `True`,
/// `False`, numbers and the rest as JSON.
pub fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        other => other.to_string(),
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, in fixed notation
/// when the decimal exponent is in `-4..16`, else `d.ddde+XX`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "7.6516321e1".
    let sci = format!("{:e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            format!("{sign}0.{}{}", "0".repeat((-point) as usize), digits)
        } else if (point as usize) >= digits.len() {
            format!("{sign}{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{sign}{a}.{b}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

/// Python's `isoformat()` of an aware UTC datetime:
/// `2026-06-19T16:40:11.918532+00:00`, the fraction left out when the
/// microseconds are zero.
pub fn iso_utc(dt: DateTime<Utc>) -> String {
    let micros = dt.nanosecond() / 1000 % 1_000_000;
    let base = dt.format("%Y-%m-%dT%H:%M:%S");
    if micros == 0 {
        format!("{base}+00:00")
    } else {
        format!("{base}.{micros:06}+00:00")
    }
}

/// Python's `isoformat()` of an aware datetime with any offset:
/// `2026-05-15T20:30:00.250000+02:00` (offset seconds when not whole
/// minutes).
pub fn iso_aware(dt: DateTime<FixedOffset>) -> String {
    let micros = dt.nanosecond() / 1000 % 1_000_000;
    let base = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    let frac = if micros == 0 { String::new() } else { format!(".{micros:06}") };
    let off = dt.offset().local_minus_utc();
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    let (h, m, sec) = (a / 3600, a / 60 % 60, a % 60);
    let tz = if sec == 0 { format!("{sign}{h:02}:{m:02}") } else { format!("{sign}{h:02}:{m:02}:{sec:02}") };
    format!("{base}{frac}{tz}")
}

/// `os.stat(p).st_mtime`: seconds as a float, computed as CPython does
/// (`sec + nsec * 1e-9`).
pub fn st_mtime(meta: &std::fs::Metadata) -> f64 {
    use std::os::unix::fs::MetadataExt;
    meta.mtime() as f64 + meta.mtime_nsec() as f64 * 1e-9
}

/// `datetime.fromtimestamp(t, tz=timezone.utc).isoformat()`: the fraction
/// rounded to microseconds half-to-even, as CPython's
/// `_PyTime_DoubleToDenominator`.
pub fn fromtimestamp_utc_iso(t: f64) -> Option<String> {
    if !t.is_finite() {
        return None;
    }
    let mut int = t.trunc();
    let mut frac = (t - int) * 1e6;
    let r = frac.round();
    frac = if (frac - r).abs() == 0.5 { 2.0 * (frac / 2.0).round() } else { r };
    if frac >= 1e6 {
        frac -= 1e6;
        int += 1.0;
    } else if frac < 0.0 {
        frac += 1e6;
        int -= 1.0;
    }
    let dt = DateTime::<Utc>::from_timestamp(int as i64, (frac as u32) * 1000)?;
    Some(iso_utc(dt))
}

/// `iso_utc(now)`.
pub fn now_iso() -> String {
    iso_utc(Utc::now())
}

/// The result of `datetime.fromisoformat`: aware or naive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyDateTime {
    Aware(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

impl PyDateTime {
    /// As UTC, treating a naive value as UTC (the reference's usual rule).
    pub fn to_utc(self) -> DateTime<Utc> {
        match self {
            PyDateTime::Aware(d) => d.with_timezone(&Utc),
            PyDateTime::Naive(n) => Utc.from_utc_datetime(&n),
        }
    }
    /// The calendar date as written (offsets not converted).
    pub fn date_as_written(self) -> NaiveDate {
        match self {
            PyDateTime::Aware(d) => d.date_naive(),
            PyDateTime::Naive(n) => n.date(),
        }
    }
    pub fn is_aware(self) -> bool {
        matches!(self, PyDateTime::Aware(_))
    }
}

/// Python 3.11 `datetime.fromisoformat`: date-only, `T` or space separator,
/// hours / minutes / seconds / fractions, a trailing `Z` or `±HH[:MM[:SS]]`
/// offset, and the basic (no separators) format. Returns `None` for what
/// Python would reject.
pub fn parse_iso(s: &str) -> Option<PyDateTime> {
    let s = s.trim_end_matches('\0');
    if s.len() < 8 || !s.is_ascii() {
        return None;
    }
    let (date, rest) = parse_date(s)?;
    if rest.is_empty() {
        return Some(PyDateTime::Naive(date.and_time(NaiveTime::MIN)));
    }
    let sep = rest.as_bytes()[0];
    if sep != b'T' && sep != b' ' && !(sep as char).is_ascii_alphabetic() {
        return None;
    }
    let rest = &rest[1..];
    // Split the time from its offset.
    let tz_pos = rest.find(['Z', 'z', '+', '-']);
    let (time_s, tz_s) = match tz_pos {
        Some(p) => (&rest[..p], Some(&rest[p..])),
        None => (rest, None),
    };
    let time = parse_time(time_s)?;
    let naive = date.and_time(time);
    match tz_s {
        None => Some(PyDateTime::Naive(naive)),
        Some(tz) => {
            let off = parse_offset(tz)?;
            let fixed = FixedOffset::east_opt(off)?;
            Some(PyDateTime::Aware(fixed.from_local_datetime(&naive).single()?))
        }
    }
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A date at the start of `s`, and the rest. Python's dates start at year 1
/// (`datetime.MINYEAR`): year 0 is refused, as `fromisoformat` refuses it.
fn parse_date(s: &str) -> Option<(NaiveDate, &str)> {
    parse_date_any_year(s).filter(|(d, _)| d.year() >= 1)
}

fn parse_date_any_year(s: &str) -> Option<(NaiveDate, &str)> {
    let b = s.as_bytes();
    // ISO week dates: YYYY-Www[-D] and YYYYWww[D] (Python 3.11 accepts them).
    if b.len() >= 7 && (b[4] == b'-' && b[5] == b'W' || b[4] == b'W') {
        let ext = b[4] == b'-';
        let year = num(&s[0..4])? as i32;
        let w_at = if ext { 6 } else { 5 };
        let week = num(s.get(w_at..w_at + 2)?)?;
        let mut rest = &s[w_at + 2..];
        let mut day = 1;
        if ext && rest.starts_with('-') && rest.len() >= 2 && rest.as_bytes()[1].is_ascii_digit() {
            day = num(&rest[1..2])?;
            rest = &rest[2..];
        } else if !ext && !rest.is_empty() && rest.as_bytes()[0].is_ascii_digit() {
            day = num(&rest[0..1])?;
            rest = &rest[1..];
        }
        let wd = match day {
            1 => chrono::Weekday::Mon,
            2 => chrono::Weekday::Tue,
            3 => chrono::Weekday::Wed,
            4 => chrono::Weekday::Thu,
            5 => chrono::Weekday::Fri,
            6 => chrono::Weekday::Sat,
            7 => chrono::Weekday::Sun,
            _ => return None,
        };
        return Some((NaiveDate::from_isoywd_opt(year, week, wd)?, rest));
    }
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let d = NaiveDate::from_ymd_opt(num(&s[0..4])? as i32, num(&s[5..7])?, num(&s[8..10])?)?;
        Some((d, &s[10..]))
    } else if b.len() >= 8 && b[..8].iter().all(|c| c.is_ascii_digit()) {
        let d = NaiveDate::from_ymd_opt(num(&s[0..4])? as i32, num(&s[4..6])?, num(&s[6..8])?)?;
        Some((d, &s[8..]))
    } else {
        None
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let (hms, frac) = match s.find(['.', ',']) {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    let (h, m, sec) = if hms.contains(':') {
        // `HH:MM` or `HH:MM:SS`, each part two digits (no allocation: this
        // runs once per telemetry line).
        let mut parts = hms.split(':');
        let mut next = || parts.next().filter(|p| p.len() == 2);
        let h = next()?;
        let m = next()?;
        let sec = match parts.next() {
            None => "00",
            Some(p) if p.len() == 2 => p,
            Some(_) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        (num(h)?, num(m)?, num(sec)?)
    } else {
        match hms.len() {
            2 => (num(hms)?, 0, 0),
            4 => (num(&hms[0..2])?, num(&hms[2..4])?, 0),
            6 => (num(&hms[0..2])?, num(&hms[2..4])?, num(&hms[4..6])?),
            _ => return None,
        }
    };
    let micros = match frac {
        None => 0,
        Some(f) => {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // The first six digits, right-padded with zeros.
            let six = &f.as_bytes()[..f.len().min(6)];
            let v = six.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
            v * 10u32.pow(6 - six.len() as u32)
        }
    };
    NaiveTime::from_hms_micro_opt(h, m, sec, micros)
}

fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &s[1..];
    let (main, _frac) = match body.find('.') {
        Some(p) => (&body[..p], Some(&body[p + 1..])),
        None => (body, None),
    };
    let parts: Vec<&str> = if main.contains(':') {
        main.split(':').collect()
    } else {
        main.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap_or("x")).collect()
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let h = num(parts[0])? as i32;
    let m = parts.get(1).map(|p| num(p)).unwrap_or(Some(0))? as i32;
    let sec = parts.get(2).map(|p| num(p)).unwrap_or(Some(0))? as i32;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + sec))
}

/// The UTC date today.
pub fn today_utc() -> NaiveDate {
    Utc::now().date_naive()
}

/// Whole days between two dates (`b - a`).
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b.num_days_from_ce() - a.num_days_from_ce()) as i64
}

#[cfg(test)]
mod tests {

    #[test]
    fn round_and_str_like_python() {
        // round(0.25, 1), round(25.05, 1), round(2.675, 2), round(0.125, 2)
        assert_eq!((round(0.25, 1), round(25.05, 1), round(2.675, 2), round(0.125, 2)), (0.2, 25.1, 2.67, 0.12));
        assert_eq!(str_of(&Value::Null), "None");
        assert_eq!(str_of(&Value::Bool(true)), "True");
        assert_eq!(str_of(&serde_json::json!("x")), "x");
        assert_eq!(str_of(&serde_json::json!(3)), "3");
    }

    #[test]
    fn fromtimestamp_rounds_like_cpython() {
        for (t, want) in [
            (1781856425.5123456, "2026-06-19T08:07:05.512346+00:00"),
            (1781856425.0, "2026-06-19T08:07:05+00:00"),
            (1700000000.0000005, "2023-11-14T22:13:20+00:00"),
            (1700000000.9999995, "2023-11-14T22:13:21+00:00"),
            (5e-07, "1970-01-01T00:00:00+00:00"),
            (1700000000.0000014, "2023-11-14T22:13:20.000001+00:00"),
        ] {
            assert_eq!(fromtimestamp_utc_iso(t).unwrap(), want, "{t}");
        }
        let d = DateTime::parse_from_rfc3339("2026-05-15T20:30:00.25+02:00").unwrap();
        assert_eq!(iso_aware(d), "2026-05-15T20:30:00.250000+02:00");
    }
    use super::*;
    use serde_json::json;

    #[test]
    fn dumps_matches_python_defaults() {
        let v = json!({"b": 1, "a": [1, 2.5, "é"], "c": {}, "d": []});
        assert_eq!(dumps(&v, Dumps::DEFAULT), r#"{"b": 1, "a": [1, 2.5, "\u00e9"], "c": {}, "d": []}"#);
        assert_eq!(dumps(&v, Dumps::SORTED), r#"{"a": [1, 2.5, "\u00e9"], "b": 1, "c": {}, "d": []}"#);
        assert_eq!(
            dumps(&v, Dumps::INDENT2),
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2.5,\n    \"\\u00e9\"\n  ],\n  \"c\": {},\n  \"d\": []\n}"
        );
    }

    #[test]
    fn dumps_escapes_astral_as_surrogates_and_controls() {
        assert_eq!(dumps(&json!("😀\u{1b}\t"), Dumps::DEFAULT), r#""\ud83d\ude00\u001b\t""#);
        assert_eq!(dumps(&json!("—"), Dumps::DEFAULT), r#""\u2014""#);
        assert_eq!(dumps(&json!("\u{7f}"), Dumps::DEFAULT), r#""\u007f""#);
    }

    #[test]
    fn float_repr_matches_python() {
        for (f, s) in [
            (76.516321, "76.516321"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789012345.6, "123456789012345.6"),
            (1781856425.5123456, "1781856425.5123456"),
            (-2.5e-7, "-2.5e-07"),
            (1.5e300, "1.5e+300"),
        ] {
            assert_eq!(float_repr(f), s, "{f}");
        }
    }

    #[test]
    fn iso_utc_drops_zero_microseconds() {
        let d = Utc.with_ymd_and_hms(2026, 6, 19, 16, 40, 11).unwrap();
        assert_eq!(iso_utc(d), "2026-06-19T16:40:11+00:00");
        let d = d + chrono::Duration::microseconds(918532);
        assert_eq!(iso_utc(d), "2026-06-19T16:40:11.918532+00:00");
    }

    #[test]
    fn parse_iso_accepts_python_311_shapes() {
        let ok = [
            "2026-06-18T09:12:44.120331Z",
            "2026-06-18T09:12:44+00:00",
            "2026-06-18 09:12",
            "2026-06-18",
            "20260618T091244",
            "2026-06-18T09:12:44.1-05:30",
            "2026-06-18T09",
            "2026-W47-1",
            "2026W471T10:00",
        ];
        for s in ok {
            assert!(parse_iso(s).is_some(), "{s}");
        }
        for s in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-06-18T25:00",
            "2026-06-18T09:12:44+25:00",
            "2026-06-18X",
            "0000-01-01",
            "00000101T10",
            "0000-W01-1",
        ] {
            assert!(parse_iso(s).is_none(), "{s}");
        }
        let d = parse_iso("2026-06-18T23:30:00-05:00").unwrap();
        assert_eq!(d.date_as_written().to_string(), "2026-06-18");
        assert_eq!(d.to_utc().date_naive().to_string(), "2026-06-19");
        assert!(!parse_iso("2026-06-18T09:00").unwrap().is_aware());
        assert_eq!(parse_iso("2026-W47-1").unwrap().date_as_written().to_string(), "2026-11-16");
        assert!(parse_iso("2026-W54-1").is_none());
    }
}
