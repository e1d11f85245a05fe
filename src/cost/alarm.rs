//! What a summary means: the burn rate, the month-end projection, and the
//! reference's "API spend watch" (today against the recent baseline, month
//! to date against the ceiling).

use chrono::{Datelike, NaiveDate};

use super::{CostSummary, SpendAlarm};

/// Average spend per day over the last 7 days.
pub fn burn_rate(s: &CostSummary) -> f64 {
    s.seven_day_usd / 7.0
}

/// Month-to-date plus the burn rate for the rest of the month.
pub fn month_end_projection(s: &CostSummary, today: NaiveDate) -> f64 {
    let days_in_month = {
        let next = if today.month() == 12 {
            NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 1)
        };
        next.map(|n| (n - chrono::Duration::days(1)).day()).unwrap_or(30)
    };
    s.month_to_date_usd + burn_rate(s) * (days_in_month - today.day()) as f64
}

/// The reference's constants.
const ALARM_Z: f64 = 3.0;
const ALARM_MULTIPLIER: f64 = 3.0;
const ALARM_MIN_BASELINE: usize = 3;
/// The reference's monthly ceiling when no budget is set.
pub const DEFAULT_CEILING_USD: f64 = 350.0;
const CEILING_ALERT: f64 = 0.8;

fn round_to(x: f64, dp: i32) -> f64 {
    format!("{x:.*}", dp as usize).parse().unwrap_or(x)
}

/// The reference's "API spend watch": today's spend against the recent
/// baseline (z-score, or a flat multiplier when the baseline has no
/// variance) and month to date against the ceiling (our budget when set).
pub fn spend_alarm(by_day: &[(String, f64)], month_to_date: Option<f64>, source: &str, today: NaiveDate, ceiling: f64) -> SpendAlarm {
    let key = today.format("%Y-%m-%d").to_string();
    let month = today.format("%Y-%m").to_string();
    let today_cost = round_to(by_day.iter().filter(|(d, _)| *d == key).map(|(_, v)| v).sum(), 4);
    let mtd = round_to(month_to_date.unwrap_or_else(|| by_day.iter().filter(|(d, _)| d.starts_with(&month)).map(|(_, v)| v).sum()), 4);
    let ceiling_pct = round_to(mtd / ceiling * 100.0, 1);
    let baseline: Vec<f64> = by_day.iter().filter(|(d, v)| *d != key && *v > 0.0).map(|(_, v)| *v).collect();
    let n = baseline.len();
    let mean = if n > 0 { round_to(baseline.iter().sum::<f64>() / n as f64, 4) } else { 0.0 };
    let mut triggered = Vec::new();
    let mut details = Vec::new();
    let mut method = "none".to_string();
    let mut z_score = None;
    if n >= ALARM_MIN_BASELINE {
        let raw_mean = baseline.iter().sum::<f64>() / n as f64;
        let var = baseline.iter().map(|v| (v - raw_mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let stdev = var.sqrt();
        if stdev > 0.0 {
            method = "zscore".into();
            let z = round_to((today_cost - mean) / stdev, 2);
            z_score = Some(z);
            if z >= ALARM_Z {
                triggered.push("daily_anomaly".to_string());
                details.push(format!("today ${today_cost:.2} is {z:.1}σ above the ${mean:.2}/day baseline"));
            }
        } else {
            method = "multiplier".into();
            if today_cost > mean * ALARM_MULTIPLIER {
                triggered.push("daily_anomaly".to_string());
                let ratio = if mean > 0.0 { today_cost / mean } else { 0.0 };
                details.push(format!("today ${today_cost:.2} is {ratio:.1}x the flat ${mean:.2}/day baseline (no variance)"));
            }
        }
    }
    if mtd >= ceiling * CEILING_ALERT {
        triggered.push("ceiling".to_string());
        details.push(format!("month-to-date ${mtd:.0} is {ceiling_pct:.0}% of the ${ceiling:.0} ceiling"));
    }
    let level = if !triggered.is_empty() {
        "alarm"
    } else if n < ALARM_MIN_BASELINE {
        "insufficient_data"
    } else {
        "ok"
    };
    let mut detail = if !details.is_empty() {
        details.join("; ")
    } else if n < ALARM_MIN_BASELINE {
        format!("only {n} prior active day(s) — need {ALARM_MIN_BASELINE} to judge anomalies")
    } else {
        format!("today ${today_cost:.2} within normal range")
    };
    if source == "local" {
        detail.push_str(" (local telemetry only — CI spend not counted)");
    }
    SpendAlarm {
        level: level.into(),
        triggered_by: triggered,
        today_cost,
        baseline_mean: mean,
        baseline_days: n as u32,
        method,
        z_score,
        month_to_date: mtd,
        monthly_ceiling: ceiling,
        ceiling_pct,
        source: source.into(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_levels() {
        let today = NaiveDate::from_ymd_opt(2026, 7, 10).unwrap();
        let days = |v: &[(u32, f64)]| v.iter().map(|(d, c)| (format!("2026-07-{d:02}"), *c)).collect::<Vec<_>>();
        let a = spend_alarm(&days(&[(8, 1.0), (10, 5.0)]), None, "local", today, DEFAULT_CEILING_USD);
        assert_eq!(a.level, "insufficient_data");
        assert!(a.detail.starts_with("only 1 prior active day(s)") && a.detail.ends_with("CI spend not counted)"));
        let a = spend_alarm(&days(&[(6, 1.0), (7, 1.2), (8, 0.8), (9, 1.1), (10, 9.0)]), None, "account", today, DEFAULT_CEILING_USD);
        assert_eq!(a.level, "alarm");
        assert_eq!(a.method, "zscore");
        assert!(a.z_score.unwrap() >= 3.0);
        let a = spend_alarm(&days(&[(6, 1.0), (7, 1.0), (8, 1.0), (10, 2.0)]), None, "account", today, DEFAULT_CEILING_USD);
        assert_eq!((a.level.as_str(), a.method.as_str()), ("ok", "multiplier"));
        let a = spend_alarm(&days(&[(1, 300.0)]), Some(300.0), "account", today, DEFAULT_CEILING_USD);
        assert_eq!(a.triggered_by, ["ceiling"]);
        assert_eq!(a.ceiling_pct, 85.7);
    }

    #[test]
    fn projection() {
        let s = CostSummary {
            today_usd: 1.0,
            seven_day_usd: 70.0,
            month_to_date_usd: 100.0,
            thirty_day_usd: 200.0,
            by_model: vec![],
            by_day: vec![],
            by_cost_type: vec![],
            fetched_at: String::new(),
            source: "live".into(),
            stale: false,
            age_seconds: 0,
            bad_amounts: 0,
            bad_buckets: 0,
            refresh_in_seconds: None,
        };
        assert_eq!(burn_rate(&s), 10.0);
        assert_eq!(month_end_projection(&s, NaiveDate::from_ymd_opt(2026, 6, 20).unwrap()), 200.0);
    }
}
