//! `<home>/telemetry/usage.jsonl` summarised: the same numbers as the
//! reference dashboard on the same file, fast and in constant memory, and
//! kept up to date by reading only what was appended.
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
//!
//! * `line`: one line by those rules (six fields borrowed from it);
//! * `totals`: the window-free aggregates every summary is derived from;
//! * `follow`: `UsageFile`, the aggregates of one file kept current by
//!   reading appended bytes only (a whole read when the file was replaced,
//!   truncated or rewritten).

mod follow;
mod line;
mod totals;

use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDate;

pub use follow::{ReadStats, UsageFile};
pub use line::{day_of, py_repr, round4};

use crate::wire::TelemetrySummary;

/// Summarises a usage file once (the CLI's `telemetry`; the dashboard keeps
/// a [`UsageFile`] instead). `known`: the registry's workflow names, for
/// the by-workflow table (`None`: no registry, show every name — the
/// reference then showed none, its Q7). A missing or unreadable file gives
/// the empty summary.
pub fn summarize(path: &Path, recent_days: u32, today: NaiveDate, known: Option<&HashSet<String>>) -> TelemetrySummary {
    UsageFile::new(path).summary(recent_days, today, known)
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
    fn lines_longer_than_a_block_and_block_boundaries() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        let mut text = format!("{{\"workflow\":\"big\",\"cost\":1,\"pad\":\"{}\"}}\n", "x".repeat(follow::BLOCK + 100));
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
