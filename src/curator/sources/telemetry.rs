//! `telemetry`: two cheap signals over `<home>/telemetry/usage.jsonl`'s
//! last seven days — a workflow whose spend today is more than 2σ above its
//! daily mean, and errors of the last hour.

use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::{hash_ids, sha_hex, str_or, truncate, truthy, SourceItem, SourceSummary};
use crate::pyfmt::{self, PyDateTime};

const MAX_ITEMS: usize = 10;

struct Event {
    at: DateTime<FixedOffset>,
    workflow: String,
    cost: f64,
    obj: Map<String, Value>,
}

/// Python's `float()` of a JSON value, 0 when it has none.
fn float_of(v: Option<&Value>) -> f64 {
    match v {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::String(s)) => crate::pytext::strip(s).parse::<f64>().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn read_events(path: &Path, cutoff: DateTime<Utc>) -> Vec<Event> {
    let Ok(bytes) = std::fs::read(path) else { return Vec::new() };
    let text = String::from_utf8_lossy(&bytes);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = crate::pytext::strip(line);
        if line.is_empty() {
            continue;
        }
        let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) else { continue };
        let ts = ["ts", "timestamp"].iter().map(|k| o.get(*k)).find(|v| truthy(*v)).flatten();
        let Some(at) = ts.map(pyfmt::str_of).and_then(|s| pyfmt::parse_iso(&s)) else { continue };
        let at = match at {
            PyDateTime::Aware(a) => a,
            PyDateTime::Naive(n) => n.and_utc().fixed_offset(),
        };
        if at < cutoff {
            continue;
        }
        let workflow = str_or(&o, &["workflow", "event_type"], "unknown");
        let cost = float_of(["total_cost", "cost"].iter().map(|k| o.get(*k)).find(|v| truthy(*v)).flatten());
        out.push(Event { at, workflow, cost, obj: o });
    }
    out
}

/// Reads the file and gives the spikes, then the errors, at most ten.
pub fn telemetry(path: &Path, now: DateTime<Utc>) -> SourceSummary {
    let events = read_events(path, now - chrono::Duration::days(7));
    let mut items = spikes(&events, now.date_naive());
    items.extend(errors(&events, now));
    items.truncate(MAX_ITEMS);
    SourceSummary { source_id: "telemetry", state_hash: hash_ids(&items), items }
}

fn spikes(events: &[Event], today: NaiveDate) -> Vec<SourceItem> {
    // Per workflow, per day of the stamp as written: sums in file order.
    let mut by_wf: Vec<(&str, Vec<(NaiveDate, f64)>)> = Vec::new();
    for e in events {
        let day = e.at.date_naive();
        let days = match by_wf.iter_mut().find(|(w, _)| *w == e.workflow) {
            Some((_, d)) => d,
            None => {
                by_wf.push((&e.workflow, Vec::new()));
                &mut by_wf.last_mut().expect("just pushed").1
            }
        };
        match days.iter_mut().find(|(d, _)| *d == day) {
            Some((_, sum)) => *sum += e.cost,
            None => days.push((day, e.cost)),
        }
    }
    let mut out = Vec::new();
    for (wf, days) in by_wf {
        let today_cost = days.iter().find(|(d, _)| *d == today).map(|(_, c)| *c).unwrap_or(0.0);
        let prior: Vec<f64> = days.iter().filter(|(d, _)| *d != today).map(|(_, c)| *c).collect();
        if prior.len() < 3 {
            continue;
        }
        let n = prior.len() as f64;
        let mean = prior.iter().sum::<f64>() / n;
        let variance = prior.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / n;
        if variance <= 0.0 {
            continue;
        }
        let sd = variance.sqrt();
        let z = (today_cost - mean) / sd;
        if z <= 2.0 {
            continue;
        }
        let detail = format!("Today's {wf} spend ${today_cost:.2} is {z:.1}σ above the 7-day mean ${mean:.2} (stddev ${sd:.2}).");
        out.push(SourceItem::new(
            format!("telemetry:cost-spike:{wf}:{today}"),
            format!("{wf}: cost spike (+{z:.1}σ)"),
            truncate(&detail, 500),
            "/telemetry".into(),
            &[
                ("kind", "cost_spike".into()),
                ("workflow", wf.to_string()),
                ("today_cost_usd", format!("{today_cost:.4}")),
                ("mean_cost_usd", format!("{mean:.4}")),
                ("z_score", format!("{z:.2}")),
            ],
        ));
    }
    out
}

fn is_error(o: &Map<String, Value>) -> bool {
    if truthy(o.get("error")) {
        return true;
    }
    match o.get("status") {
        Some(Value::Number(n)) => n.as_i64().is_some_and(|s| (400..600).contains(&s)) && !n.is_f64(),
        Some(Value::String(s)) => {
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|s| (400..600).contains(&s))
        }
        _ => false,
    }
}

fn errors(events: &[Event], now: DateTime<Utc>) -> Vec<SourceItem> {
    let hour_ago = now - chrono::Duration::hours(1);
    events
        .iter()
        .filter(|e| e.at >= hour_ago && is_error(&e.obj))
        .map(|e| {
            let status = e.obj.get("status").map(pyfmt::str_of).unwrap_or_else(|| "None".into());
            let msg = str_or(&e.obj, &["error", "error_message"], "");
            let ts = pyfmt::iso_aware(e.at);
            let detail = format!("{} error at {ts} (status={status}): {}", e.workflow, msg.chars().take(300).collect::<String>());
            let digest = sha_hex(&format!("{}|{ts}|{status}", e.workflow), 12);
            let meta_status = if e.obj.get("status").is_some_and(|v| !v.is_null()) { status.clone() } else { String::new() };
            SourceItem::new(
                format!("telemetry:error:{digest}"),
                format!("{}: error (status={status})", e.workflow),
                truncate(&detail, 500),
                "/telemetry".into(),
                &[("kind", "error".into()), ("workflow", e.workflow.clone()), ("status", meta_status), ("timestamp", ts)],
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_needs_three_other_days_and_two_sigma() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
        let mut lines = vec![
            r#"{"ts":"2026-11-17T10:00:00+00:00","workflow":"code-review","cost":1.0}"#.to_string(),
            r#"{"ts":"2026-11-18T10:00:00+00:00","workflow":"code-review","cost":2.0}"#.into(),
            r#"{"ts":"2026-11-19T10:00:00","workflow":"code-review","total_cost":"1.5"}"#.into(),
            r#"{"ts":"2026-11-20T09:00:00+00:00","workflow":"code-review","cost":9.0}"#.into(),
            r#"{"ts":"2026-11-20T11:30:00+00:00","workflow":"release-prep","status":503,"error_message":"overloaded"}"#.into(),
            r#"{"ts":"2026-11-20T11:40:00+00:00","workflow":"release-prep","status":"200"}"#.into(),
            r#"{"ts":"2026-11-01T10:00:00+00:00","workflow":"code-review","cost":100}"#.into(),
            "garbage".into(),
            "[1]".into(),
        ];
        std::fs::write(&p, lines.join("\n")).unwrap();
        let s = telemetry(&p, now);
        assert_eq!(s.items.len(), 2, "{:?}", s.items);
        let spike = &s.items[0];
        assert_eq!(spike.item_id, "telemetry:cost-spike:code-review:2026-11-20");
        // mean 1.5, σ 0.408…, z = 18.37
        assert_eq!(spike.title, "code-review: cost spike (+18.4σ)");
        assert_eq!(spike.meta("z_score"), Some("18.37"));
        assert_eq!(spike.detail, "Today's code-review spend $9.00 is 18.4σ above the 7-day mean $1.50 (stddev $0.41).");
        let err = &s.items[1];
        assert_eq!(err.title, "release-prep: error (status=503)");
        assert_eq!(err.item_id, format!("telemetry:error:{}", sha_hex("release-prep|2026-11-20T11:30:00+00:00|503", 12)));
        assert_eq!(err.detail, "release-prep error at 2026-11-20T11:30:00+00:00 (status=503): overloaded");
        // A flat history has no spike.
        lines[1] = r#"{"ts":"2026-11-18T10:00:00+00:00","workflow":"code-review","cost":1.0}"#.into();
        lines[2] = r#"{"ts":"2026-11-19T10:00:00+00:00","workflow":"code-review","cost":1.0}"#.into();
        std::fs::write(&p, lines.join("\n")).unwrap();
        assert!(telemetry(&p, now).items.iter().all(|i| !i.item_id.contains("spike")));
    }
}
