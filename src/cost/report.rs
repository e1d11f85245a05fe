//! The cost report summed: each page's daily buckets added up in exact
//! decimal cents ([`Aggregate`]), then the reference's windows (today, 7
//! days, month to date, 30 days) in dollars.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::{err, CostError, CostErrorKind, CostSummary};

/// The request window for `today` (UTC): from the earlier of today − 29
/// and the first of the month (so month-to-date is complete on the 31st,
/// the reference's Q25), to tomorrow (exclusive).
pub fn window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let thirty = today - chrono::Duration::days(29);
    let first = today.with_day(1).unwrap_or(today);
    (thirty.min(first), today + chrono::Duration::days(1))
}

/// Parses an amount in cents (decimal string or number); `None` when it
/// is not a number.
fn cents(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::String(s) => Decimal::from_str(s.trim()).or_else(|_| Decimal::from_scientific(s.trim())).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).or_else(|_| Decimal::from_scientific(&n.to_string())).ok(),
        _ => None,
    }
}

fn usd(cents: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    (cents / Decimal::ONE_HUNDRED).to_f64().unwrap_or(0.0)
}

/// Dollars rounded to cents, half away from zero (`$12.345` → `$12.35`,
/// as people round money; the reference's float `round` gave either way
/// depending on binary representation).
fn usd2(cents: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    (cents / Decimal::ONE_HUNDRED).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero).to_f64().unwrap_or(0.0)
}

/// Running totals over buckets, in cents.
#[derive(Default)]
pub struct Aggregate {
    by_day: HashMap<NaiveDate, Decimal>,
    by_model: HashMap<String, Decimal>,
    by_cost_type: HashMap<String, Decimal>,
    /// Rows whose amount was missing or not a number (counted as 0).
    pub bad_amounts: u64,
    /// Buckets without a usable date (skipped).
    pub bad_buckets: u64,
}

impl Aggregate {
    /// Adds one page's `data`. A page that is not an object with a `data`
    /// list is an error (the API changed shape).
    pub fn add_page(&mut self, page: &Value) -> Result<(), CostError> {
        let data = page
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| err(CostErrorKind::Unknown, "Anthropic cost-report returned an unexpected payload (no data list)."))?;
        for bucket in data {
            let Some(b) = bucket.as_object() else {
                self.bad_buckets += 1;
                continue;
            };
            let date = b
                .get("starting_at")
                .and_then(Value::as_str)
                .and_then(|s| s.get(..10))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let Some(date) = date else {
                self.bad_buckets += 1;
                continue;
            };
            let mut day = Decimal::ZERO;
            for row in b.get("results").and_then(Value::as_array).into_iter().flatten() {
                let amount = match cents(row.get("amount")) {
                    Some(a) => a,
                    None => {
                        if !row.get("amount").is_none_or(Value::is_null) {
                            self.bad_amounts += 1;
                        }
                        Decimal::ZERO
                    }
                };
                day += amount;
                let name = |k: &str| row.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("(none)").to_string();
                *self.by_cost_type.entry(name("cost_type")).or_default() += amount;
                *self.by_model.entry(name("model")).or_default() += amount;
            }
            *self.by_day.entry(date).or_default() += day;
        }
        Ok(())
    }

    /// The summary for `today` (UTC) with the reference's windows.
    pub fn summary(&self, today: NaiveDate, fetched_at: DateTime<Utc>) -> CostSummary {
        let seven = today - chrono::Duration::days(6);
        let first = today.with_day(1).unwrap_or(today);
        let thirty = today - chrono::Duration::days(29);
        let sum = |pred: &dyn Fn(NaiveDate) -> bool| self.by_day.iter().filter(|(d, _)| pred(**d)).map(|(_, v)| *v).sum::<Decimal>();
        let mut by_day: Vec<(String, f64)> = self.by_day.iter().map(|(d, v)| (d.format("%Y-%m-%d").to_string(), usd(*v))).collect();
        by_day.sort_by(|a, b| a.0.cmp(&b.0));
        let sorted = |m: &HashMap<String, Decimal>| {
            let mut v: Vec<(String, Decimal)> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v.into_iter().map(|(k, c)| (k, usd(c))).collect::<Vec<_>>()
        };
        CostSummary {
            today_usd: usd2(sum(&|d| d == today)),
            seven_day_usd: usd2(sum(&|d| d >= seven)),
            month_to_date_usd: usd2(sum(&|d| d >= first)),
            thirty_day_usd: usd2(sum(&|d| d >= thirty)),
            by_model: sorted(&self.by_model),
            by_day,
            by_cost_type: sorted(&self.by_cost_type),
            fetched_at: crate::pyfmt::iso_utc(fetched_at),
            source: "live".into(),
            stale: false,
            age_seconds: 0,
            bad_amounts: self.bad_amounts,
            bad_buckets: self.bad_buckets,
            refresh_in_seconds: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn windows_cover_month_to_date() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(window(d("2026-06-15")), (d("2026-05-17"), d("2026-06-16")));
        assert_eq!(window(d("2026-07-31")), (d("2026-07-01"), d("2026-08-01")));
    }

    #[test]
    fn exact_decimal_aggregation_and_windows() {
        let mut a = Aggregate::default();
        let page = json!({"data": [
            {"starting_at": "2026-06-30T00:00:00Z", "results": [{"amount": "100.005", "model": "claude-opus-4-1", "cost_type": "tokens"}]},
            {"starting_at": "2026-07-01T00:00:00Z", "results": [
                {"amount": "0.1", "model": "claude-haiku-4-5", "cost_type": "tokens"},
                {"amount": "0.2", "model": "claude-haiku-4-5", "cost_type": "tokens"},
                {"amount": 12.5, "model": null, "cost_type": "web_search"},
                {"amount": "garbage"},
            ]},
            {"starting_at": "2026-07-05T00:00:00Z", "results": [{"amount": "1234.56789012345", "model": "claude-sonnet-4-5", "cost_type": "tokens"}]},
            {"starting_at": "bad", "results": [{"amount": "99999"}]},
            "not a bucket",
        ]});
        a.add_page(&page).unwrap();
        let s = a.summary(NaiveDate::from_ymd_opt(2026, 7, 5).unwrap(), Utc::now());
        assert_eq!(s.today_usd, 12.35);
        assert_eq!(s.seven_day_usd, 13.47); // 0.3 + 12.5 + 1234.567… cents
        assert_eq!(s.month_to_date_usd, 12.47);
        assert_eq!(s.thirty_day_usd, 13.47);
        assert_eq!(s.by_model[0].0, "claude-sonnet-4-5");
        assert_eq!(s.by_model.iter().find(|m| m.0 == "claude-haiku-4-5").unwrap().1, 0.003);
        assert!(s.by_model.iter().any(|m| m.0 == "(none)"));
        assert_eq!(s.by_cost_type[0].0, "tokens");
        assert_eq!(s.by_day.len(), 3);
        assert_eq!(s.bad_amounts, 1);
        assert_eq!(s.bad_buckets, 2);
        assert!(a.add_page(&json!([1])).is_err());
    }
}
