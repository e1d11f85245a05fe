//! Spend: cost errors, the cost summary, the spend alarm, budgets (and the
//! rules a typed budget must pass, shared with the browser), fetch
//! progress and the Cost page.

use serde::{Deserialize, Serialize};

/// Why the cost report could not be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostErrorKind {
    NoKey,
    AuthFailed,
    RateLimited,
    Network,
    Unknown,
}

/// A failed cost fetch: a kind and a message a person can act on (never
/// the key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostError {
    pub kind: CostErrorKind,
    pub message: String,
    /// For `rate_limited`: seconds before the next upstream call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// Anthropic spend (the reference's `CostSummary` fields, amounts in USD;
/// lists are `[name, usd]` / `[day, usd]`), then ours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    pub today_usd: f64,
    pub seven_day_usd: f64,
    pub month_to_date_usd: f64,
    pub thirty_day_usd: f64,
    /// Descending by spend.
    pub by_model: Vec<(String, f64)>,
    /// Ascending by day.
    pub by_day: Vec<(String, f64)>,
    /// Descending by spend.
    pub by_cost_type: Vec<(String, f64)>,
    pub fetched_at: String,
    /// `live` or `cached`.
    pub source: String,
    /// True when this is older data shown because a refresh failed, or
    /// past its cache lifetime.
    pub stale: bool,
    pub age_seconds: u64,
    /// Rows whose amount was not a number (counted as 0).
    pub bad_amounts: u64,
    /// Buckets without a usable date (skipped).
    pub bad_buckets: u64,
    /// Set when a forced refresh was answered from the cache because the
    /// last upstream fetch was too recent: seconds until a live refresh is
    /// possible again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_in_seconds: Option<u64>,
}

/// The reference's spend alarm record ("API spend watch").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpendAlarm {
    /// `ok`, `alarm` or `insufficient_data`.
    pub level: String,
    pub triggered_by: Vec<String>,
    pub today_cost: f64,
    pub baseline_mean: f64,
    pub baseline_days: u32,
    /// `zscore`, `multiplier` or `none`.
    pub method: String,
    pub z_score: Option<f64>,
    pub month_to_date: f64,
    pub monthly_ceiling: f64,
    pub ceiling_pct: f64,
    /// `account` (the Admin API) or `local` (usage.jsonl).
    pub source: String,
    pub detail: String,
}

/// A monthly budget and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub monthly_usd: f64,
    /// `flag`, `env` or `setting`.
    pub source: String,
}

/// An upstream cost fetch under way (for the Refresh button's progress).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostProgress {
    pub fetching: bool,
    /// Pages of the cost report read so far.
    pub pages: u32,
    pub elapsed_ms: u64,
}

/// Largest monthly budget accepted (a typo guard).
pub const MAX_BUDGET_USD: f64 = 1e9;

/// Checks a monthly budget: `None` clears it; otherwise a positive,
/// finite number of dollars below [`MAX_BUDGET_USD`], rounded to cents.
pub fn parse_budget(v: Option<f64>) -> Result<Option<f64>, String> {
    match v {
        None => Ok(None),
        Some(v) if v.is_finite() && v > 0.0 && v < MAX_BUDGET_USD => Ok(Some((v * 100.0).round() / 100.0)),
        Some(_) => Err("a monthly budget must be a positive number of dollars (below $1,000,000,000), or empty to clear it".into()),
    }
}

/// A budget typed by a person: `250`, `$1,200.50`, blank (clears).
pub fn parse_budget_text(s: &str) -> Result<Option<f64>, String> {
    let t: String = s.trim().trim_start_matches('$').chars().filter(|c| *c != ',' && *c != '_' && !c.is_whitespace()).collect();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) => parse_budget(Some(v)),
        Err(_) => Err(format!("'{}' is not a number of dollars", s.trim().chars().take(40).collect::<String>())),
    }
}

/// The Cost page (and `GET /api/cost`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostData {
    pub summary: Option<CostSummary>,
    pub error: Option<CostError>,
    pub budget: Option<Budget>,
    /// Average per day over the last 7 days.
    pub burn_rate_usd: Option<f64>,
    /// Month to date plus the burn rate for the rest of the month.
    pub projection_usd: Option<f64>,
    /// Month to date as a percentage of the budget.
    pub budget_pct: Option<f64>,
    pub alarm: Option<SpendAlarm>,
    pub allow_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_people_type() {
        assert_eq!(parse_budget_text(" $1,200.504 "), Ok(Some(1200.5)));
        assert_eq!(parse_budget_text(""), Ok(None));
        assert!(parse_budget_text("lots").is_err());
        assert!(parse_budget_text("-5").is_err());
        assert!(parse_budget_text("0").is_err());
        assert!(parse_budget_text("inf").is_err());
        assert!(parse_budget_text("NaN").is_err());
        assert!(parse_budget(Some(2e9)).is_err());
        assert_eq!(parse_budget(None), Ok(None));
    }
}
