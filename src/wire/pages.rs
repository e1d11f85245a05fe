//! Page view models that gather several domains: Home, the Bulletin page
//! and the Health page.

use serde::{Deserialize, Serialize};

use super::{Budget, BulletinEntry, CostError, CostSummary, RunInfo, SessionInfo, SpendAlarm};

/// The Home page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub recent_runs: Vec<RunInfo>,
    pub workflow_count: u32,
    pub registry_errors: u32,
    pub bulletin: Vec<BulletinEntry>,
    pub allow_run: bool,
    pub project_root: String,
    /// Local telemetry, `(day, events, cost)` for today − 6 … today.
    pub week: Vec<(String, u64, f64)>,
    pub today_events: u64,
    pub today_cost: f64,
    pub seven_day_cost: f64,
    /// All-time reported savings (the reference's "7-day savings" tile
    /// shows this too).
    pub total_savings: f64,
    /// The 7-day sparkline (`x,y` points, viewBox 240×40), or "".
    pub sparkline: String,
    /// True when `usage.jsonl` exists.
    pub telemetry_present: bool,
    pub recent_sessions: Vec<SessionInfo>,
    /// Account spend (the Admin API), when a key is configured.
    pub cost: Option<CostSummary>,
    pub cost_error: Option<CostError>,
    /// The account fetch did not finish in time for this page.
    pub cost_pending: bool,
    /// The spend alarm (account data, else local telemetry).
    pub alarm: Option<SpendAlarm>,
    pub budget: Option<Budget>,
    /// Keys of the memory index (Redis); `None` when Redis cannot be read
    /// (the tile is hidden rather than showing a false zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_nodes: Option<u64>,
}

/// The Bulletin page: active entries, a day's entries, the days archived.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulletinData {
    pub active: Vec<BulletinEntry>,
    /// The day shown (`today` = the active file).
    pub day: String,
    /// That day's runs: the newest entry of each, newest first.
    pub runs: Vec<BulletinEntry>,
    pub archive_days: Vec<String>,
    pub skipped_lines: u32,
    pub project_root: String,
}

/// One check of the Health page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub name: String,
    /// `ok`, `warn` or `missing`.
    pub state: String,
    pub detail: String,
}

/// The Health page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthData {
    pub version: String,
    pub checks: Vec<HealthCheck>,
}
