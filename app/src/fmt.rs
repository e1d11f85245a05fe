//! Formatting for people: durations, relative times, sizes.

use chrono::{DateTime, Utc};

/// `4.2s`, `3m 05s`, `1h 02m`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "—".into();
    }
    if secs < 10.0 {
        return format!("{secs:.1}s");
    }
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Parses an ISO timestamp leniently (RFC 3339, or naive as UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    let s = s.trim_end_matches('Z');
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(n.and_utc());
        }
    }
    None
}

/// `12s ago`, `5m ago`, `3h ago`, `2d ago` (or `in …` for the future).
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = (now - then).num_seconds();
    let (n, future) = if d < 0 { (-d, true) } else { (d, false) };
    let s = match n {
        0..=59 => format!("{n}s"),
        60..=3599 => format!("{}m", n / 60),
        3600..=86_399 => format!("{}h", n / 3600),
        _ => format!("{}d", n / 86_400),
    };
    if future {
        format!("in {s}")
    } else {
        format!("{s} ago")
    }
}

/// A short absolute time for tables: `2026-06-19 16:40` (UTC).
pub fn short_time(s: &str) -> String {
    match parse_time(s) {
        Some(d) => d.format("%Y-%m-%d %H:%M").to_string(),
        None => s.chars().take(16).collect(),
    }
}

/// `1.2 MB` (the engine's formatting, shared with the server).
pub fn bytes(n: u64) -> String {
    attune_ops::wire::human_bytes(n)
}

/// Thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Now, in the browser or on the server.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::now();
        DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(duration(4.25), "4.2s");
        assert_eq!(duration(65.0), "1m 05s");
        assert_eq!(duration(3725.0), "1h 02m");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(bytes(1500), "1.5 KB");
        let t = parse_time("2026-06-19T16:40:11.918532+00:00").unwrap();
        assert_eq!(short_time("2026-06-19T16:40:11.918532+00:00"), "2026-06-19 16:40");
        assert_eq!(ago(t, t + chrono::Duration::seconds(90)), "1m ago");
        assert!(parse_time("2026-06-18T09:12:44.120331Z").is_some());
    }
}
