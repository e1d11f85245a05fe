//! Anthropic spend, from the Admin API's cost report.
//!
//! [`load_admin_key`] finds the organisation admin key; [`CostClient`]
//! fetches `GET /v1/organizations/cost_report` (daily buckets grouped by
//! description, so each row names its model and cost type), **following
//! every page**, and aggregates it into a [`CostSummary`]: today, 7 days,
//! month to date and 30 days, by day, by model and by cost type.
//!
//! * Amounts are decimal strings in cents; they are summed as decimals
//!   (`rust_decimal`), never as floats, so totals are exact.
//! * Results are cached in memory (`ANTHROPIC_COST_CACHE_TTL_SECONDS`,
//!   default 900 s); concurrent callers share one upstream fetch, and a
//!   refresh requested while another is under way waits for that one.
//! * Failures are values ([`CostError`]): `no_key`, `auth_failed`,
//!   `rate_limited` (its `retry-after` is respected), `network`, `unknown`,
//!   each with a message a person can act on. When a refresh fails, the last
//!   good summary is still returned, marked stale.
//! * The key never appears in logs, errors, `Debug` output or answers.
//!
//! The API base URL is `$ANTHROPIC_BASE_URL` (as Anthropic's SDKs read it),
//! else `https://api.anthropic.com`.
//!
//! The seed's direct API is here too, for scripts: [`fetch_summary`] and
//! [`clear_cache`] use one process-wide client (the reference's module
//! functions), [`load_admin_key`] finds the key.
//!
//! ```no_run
//! # async fn demo() {
//! let r = attune_ops::cost::fetch_summary(false).await;
//! match (r.summary, r.error) {
//!     (Some(s), _) => println!("month to date: ${:.2}", s.month_to_date_usd),
//!     (None, Some(e)) => eprintln!("{:?}: {}", e.kind, e.message),
//!     (None, None) => {}
//! }
//! # }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

pub use crate::wire::{parse_budget, parse_budget_text, CostError, CostErrorKind, CostSummary, SpendAlarm, MAX_BUDGET_USD};

/// Per-request timeout (the reference's).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Cache TTL when the environment does not say.
pub const DEFAULT_TTL: Duration = Duration::from_secs(900);
/// Buckets per page (the API's maximum for daily buckets).
const PAGE_LIMIT: u32 = 31;
/// Pages followed at most (a runaway `has_more` must not loop forever).
const MAX_PAGES: usize = 50;

/// An admin key. Neither `Debug` nor `Display` shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminKey(String);

impl AdminKey {
    pub fn new(k: impl Into<String>) -> AdminKey {
        AdminKey(k.into())
    }
    /// The key, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// `~/.attune/anthropic-admin.env` (the real home; `ATTUNE_HOME` does not
/// move it, as in the reference).
pub fn admin_key_file() -> PathBuf {
    crate::config::user_home().join(".attune").join("anthropic-admin.env")
}

/// `$ANTHROPIC_ADMIN_API_KEY` (trimmed), else the key file: a
/// `ANTHROPIC_ADMIN_API_KEY=<key>` line (quotes stripped; empty values
/// skipped) or a bare `sk-ant-…` line; `#` comments ignored. Never fails.
pub fn load_admin_key() -> Option<AdminKey> {
    if let Ok(v) = std::env::var("ANTHROPIC_ADMIN_API_KEY") {
        let v = v.trim();
        if !v.is_empty() {
            return Some(AdminKey(v.to_string()));
        }
    }
    load_admin_key_from(&admin_key_file())
}

/// The key-file rules on a given file.
pub fn load_admin_key_from(path: &Path) -> Option<AdminKey> {
    let raw = match std::fs::read_to_string(path) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e.kind(), "anthropic_cost: cannot read the admin key file");
            return None;
        }
    };
    for line in raw.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(v) = line.strip_prefix("ANTHROPIC_ADMIN_API_KEY=") {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
            if !v.is_empty() {
                return Some(AdminKey(v.to_string()));
            }
        } else if line.starts_with("sk-ant-") {
            return Some(AdminKey(line.to_string()));
        }
    }
    None
}

/// The cache TTL: `$ANTHROPIC_COST_CACHE_TTL_SECONDS` (at least 1 s),
/// else 900 s.
pub fn cache_ttl() -> Duration {
    match std::env::var("ANTHROPIC_COST_CACHE_TTL_SECONDS").ok().and_then(|v| v.trim().parse::<i64>().ok()) {
        Some(s) => Duration::from_secs(s.max(1) as u64),
        None => DEFAULT_TTL,
    }
}

/// The request window for `today` (UTC): from the earlier of today − 29
/// and the first of the month (so month-to-date is complete on the 31st,
/// the reference's Q25), to tomorrow (exclusive).
pub fn window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let thirty = today - chrono::Duration::days(29);
    let first = today.with_day(1).unwrap_or(today);
    (thirty.min(first), today + chrono::Duration::days(1))
}

fn err(kind: CostErrorKind, message: impl Into<String>) -> CostError {
    CostError { kind, message: message.into(), retry_after_seconds: None }
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
        }
    }
}

/// What [`CostClient::fetch_summary`] answers: a summary (possibly cached
/// or stale), an error, or both (a failed refresh over older data).
#[derive(Clone, Debug, PartialEq)]
pub struct CostResult {
    pub summary: Option<CostSummary>,
    pub error: Option<CostError>,
}

struct Cached {
    key: (NaiveDate, NaiveDate),
    summary: CostSummary,
    fetched: Instant,
}

/// The cost-report client with its cache. Share one per process.
pub struct CostClient {
    base_url: String,
    http: reqwest::Client,
    cache: Mutex<Option<Cached>>,
    /// Held while an upstream fetch is under way: concurrent callers wait
    /// for it and reuse its result.
    fetching: tokio::sync::Mutex<()>,
    /// After a 429: no upstream call before this instant.
    retry_not_before: Mutex<Option<Instant>>,
    key: Box<dyn Fn() -> Option<AdminKey> + Send + Sync>,
    ttl: Duration,
    timeout: Duration,
    /// The fetch under way: when it started and the pages read so far.
    progress: Mutex<Option<(Instant, u32)>>,
    /// The last upstream fetch's outcome, when it finished, for callers
    /// that waited on it.
    last_outcome: Mutex<Option<Outcome>>,
}

/// A finished fetch: when, for which window, and what it gave.
type Outcome = (Instant, (NaiveDate, NaiveDate), CostResult);

/// Clears the progress record however a fetch ends (even when its future
/// is dropped).
struct ProgressGuard<'a>(&'a Mutex<Option<(Instant, u32)>>);

impl Drop for ProgressGuard<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl Default for CostClient {
    fn default() -> Self {
        CostClient::new()
    }
}

impl CostClient {
    /// A client for `$ANTHROPIC_BASE_URL` (or Anthropic's API) using
    /// [`load_admin_key`] on every fetch.
    pub fn new() -> CostClient {
        let base =
            std::env::var("ANTHROPIC_BASE_URL").ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "https://api.anthropic.com".into());
        CostClient::with(base, Box::new(load_admin_key), cache_ttl())
    }

    /// A client for a given base URL and key source (tests, embedding).
    pub fn with(base_url: impl Into<String>, key: Box<dyn Fn() -> Option<AdminKey> + Send + Sync>, ttl: Duration) -> CostClient {
        let http = reqwest::Client::builder().timeout(HTTP_TIMEOUT).build().unwrap_or_default();
        CostClient {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            http,
            cache: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            retry_not_before: Mutex::new(None),
            key,
            ttl,
            timeout: HTTP_TIMEOUT,
            progress: Mutex::new(None),
            last_outcome: Mutex::new(None),
        }
    }

    /// Another per-request timeout (tests).
    pub fn with_timeout(mut self, t: Duration) -> CostClient {
        self.timeout = t;
        self.http = reqwest::Client::builder().timeout(t).build().unwrap_or_default();
        self
    }

    /// The upstream fetch under way, if any: pages read so far and time
    /// spent (for a progress display).
    pub fn progress(&self) -> crate::wire::CostProgress {
        match *self.progress.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((t, pages)) => crate::wire::CostProgress { fetching: true, pages, elapsed_ms: t.elapsed().as_millis() as u64 },
            None => crate::wire::CostProgress { fetching: false, pages: 0, elapsed_ms: 0 },
        }
    }

    /// Forgets the cached summary (and any rate-limit pause).
    pub fn clear_cache(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.last_outcome.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.retry_not_before.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn cached(&self, key: (NaiveDate, NaiveDate), fresh_only: bool) -> Option<CostSummary> {
        let g = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let c = g.as_ref()?;
        let age = c.fetched.elapsed();
        if c.key != key || (fresh_only && age >= self.ttl) {
            return None;
        }
        let mut s = c.summary.clone();
        s.source = "cached".into();
        s.age_seconds = age.as_secs();
        s.stale = age >= self.ttl;
        Some(s)
    }

    /// The last good summary whatever its age, marked stale.
    fn last_good(&self) -> Option<CostSummary> {
        let g = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let c = g.as_ref()?;
        let mut s = c.summary.clone();
        s.source = "cached".into();
        s.stale = true;
        s.age_seconds = c.fetched.elapsed().as_secs();
        Some(s)
    }

    /// The summary for today (UTC). `refresh` skips the cache.
    pub async fn fetch_summary(&self, refresh: bool) -> CostResult {
        self.fetch_summary_at(refresh, Utc::now()).await
    }

    /// [`CostClient::fetch_summary`] at a given time (tests).
    pub async fn fetch_summary_at(&self, refresh: bool, now: DateTime<Utc>) -> CostResult {
        let today = now.date_naive();
        let key = window(today);
        if !refresh {
            if let Some(s) = self.cached(key, true) {
                return CostResult { summary: Some(s), error: None };
            }
        }
        let asked = Instant::now();
        let _flight = self.fetching.lock().await;
        // Someone else fetched while we waited: their outcome (a summary or
        // a failure) is as fresh as ours would be, so nobody queues up a
        // second upstream request behind a slow or failing one.
        {
            let g = self.last_outcome.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((finished, _, r)) = g.as_ref().filter(|(finished, wkey, _)| *finished >= asked && *wkey == key) {
                let mut r = r.clone();
                if let Some(s) = r.summary.as_mut() {
                    s.age_seconds = finished.elapsed().as_secs().max(s.age_seconds);
                }
                return r;
            }
        }
        if !refresh {
            if let Some(s) = self.cached(key, true) {
                return CostResult { summary: Some(s), error: None };
            }
        }
        let Some(k) = (self.key)() else {
            return CostResult {
                summary: None,
                error: Some(err(
                    CostErrorKind::NoKey,
                    "No Anthropic admin key configured. Set ANTHROPIC_ADMIN_API_KEY, or put ANTHROPIC_ADMIN_API_KEY=sk-ant-admin… in ~/.attune/anthropic-admin.env (an organisation admin key from the Anthropic Console).",
                )),
            };
        };
        if let Some(until) = *self.retry_not_before.lock().unwrap_or_else(|p| p.into_inner()) {
            let now_i = Instant::now();
            if now_i < until {
                let wait = (until - now_i).as_secs().max(1);
                let mut e = err(
                    CostErrorKind::RateLimited,
                    format!("Anthropic rate-limited the cost-report request; trying again is possible in {wait} s."),
                );
                e.retry_after_seconds = Some(wait);
                return CostResult { summary: self.last_good(), error: Some(e) };
            }
        }
        let r = match self.fetch_all(&k, key).await {
            Ok(agg) => {
                let summary = agg.summary(today, now);
                *self.cache.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(Cached { key, summary: summary.clone(), fetched: Instant::now() });
                CostResult { summary: Some(summary), error: None }
            }
            Err(e) => {
                if let Some(secs) = e.retry_after_seconds {
                    *self.retry_not_before.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + Duration::from_secs(secs));
                }
                tracing::warn!(kind = ?e.kind, message = %e.message, "anthropic_cost: fetch failed");
                CostResult { summary: self.last_good(), error: Some(e) }
            }
        };
        *self.last_outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), key, r.clone()));
        r
    }

    /// Fetches every page of the report.
    async fn fetch_all(&self, key: &AdminKey, (start, end): (NaiveDate, NaiveDate)) -> Result<Aggregate, CostError> {
        let url = format!("{}/v1/organizations/cost_report", self.base_url);
        let mut agg = Aggregate::default();
        let mut page: Option<String> = None;
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), 0));
        let _progress = ProgressGuard(&self.progress);
        for _ in 0..MAX_PAGES {
            let mut q: Vec<(&str, String)> = vec![
                ("starting_at", format!("{start}T00:00:00Z")),
                ("ending_at", format!("{end}T00:00:00Z")),
                ("bucket_width", "1d".into()),
                ("group_by[]", "description".into()),
                ("limit", PAGE_LIMIT.to_string()),
            ];
            if let Some(p) = &page {
                q.push(("page", p.clone()));
            }
            let resp = self
                .http
                .get(&url)
                .query(&q)
                .header("x-api-key", key.expose())
                .header("anthropic-version", "2023-06-01")
                .header("accept", "application/json")
                .send()
                .await
                .map_err(|e| transport_error(e, self.timeout))?;
            let status = resp.status().as_u16();
            let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
            let body = resp.bytes().await.map_err(|e| transport_error(e, self.timeout))?;
            match status {
                200 => {}
                401 | 403 => {
                    return Err(err(
                        CostErrorKind::AuthFailed,
                        format!("Anthropic rejected the admin key (HTTP {status}). Check ANTHROPIC_ADMIN_API_KEY or ~/.attune/anthropic-admin.env: it must be an organisation admin key (sk-ant-admin…)."),
                    ))
                }
                429 => {
                    let mut e = err(
                        CostErrorKind::RateLimited,
                        match retry_after {
                            Some(s) => format!("Anthropic rate-limited the cost-report request; trying again is possible in {s} s."),
                            None => "Anthropic rate-limited the cost-report request; try again in a minute.".into(),
                        },
                    );
                    e.retry_after_seconds = Some(retry_after.unwrap_or(60));
                    return Err(e);
                }
                s if s >= 500 => return Err(err(CostErrorKind::Network, format!("Anthropic cost-report returned HTTP {s} (a problem on Anthropic's side; try again later)."))),
                s => return Err(err(CostErrorKind::Unknown, format!("Anthropic cost-report returned HTTP {s}."))),
            }
            let v: Value =
                serde_json::from_slice(&body).map_err(|_| err(CostErrorKind::Unknown, "Anthropic cost-report returned non-JSON."))?;
            if !v.is_object() {
                return Err(err(CostErrorKind::Unknown, "Anthropic cost-report returned an unexpected payload (not an object)."));
            }
            agg.add_page(&v)?;
            if let Some(p) = self.progress.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                p.1 += 1;
            }
            let more = v.get("has_more").and_then(Value::as_bool).unwrap_or(false);
            match (more, v.get("next_page").and_then(Value::as_str)) {
                (true, Some(next)) if !next.is_empty() && Some(next) != page.as_deref() => page = Some(next.to_string()),
                _ => return Ok(agg),
            }
        }
        Err(err(CostErrorKind::Unknown, format!("Anthropic cost-report kept paging past {MAX_PAGES} pages; stopped.")))
    }
}

fn transport_error(e: reqwest::Error, timeout: Duration) -> CostError {
    if e.is_timeout() {
        err(CostErrorKind::Network, format!("Anthropic cost-report timed out ({}s).", timeout.as_secs_f64()))
    } else if e.is_connect() {
        err(CostErrorKind::Network, "Anthropic cost-report network error: could not connect (check the network or ANTHROPIC_BASE_URL).")
    } else if e.is_decode() || e.is_body() {
        err(CostErrorKind::Network, "Anthropic cost-report network error: the answer was cut off.")
    } else {
        err(CostErrorKind::Network, "Anthropic cost-report network error.")
    }
}

/// `retry-after`: seconds, or an HTTP date.
fn parse_retry_after(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(s.min(24 * 3600));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?;
    Some((when.with_timezone(&Utc) - Utc::now()).num_seconds().clamp(0, 24 * 3600) as u64)
}

// ---------------------------------------------------------------------------
// Burn rate, projection, budget and the spend alarm

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

/// The process-wide client behind [`fetch_summary`] and [`clear_cache`]
/// (configured from the environment when first used). Usable from one tokio
/// runtime after another, as scripts do (tests/cost_global.rs).
pub static CLIENT: LazyLock<CostClient> = LazyLock::new(CostClient::new);

/// The spend summary from the process-wide client: cached (see
/// [`cache_ttl`]) unless `refresh`; concurrent callers share one fetch.
pub async fn fetch_summary(refresh: bool) -> CostResult {
    CLIENT.fetch_summary(refresh).await
}

/// Forgets the process-wide client's cached summary.
pub fn clear_cache() {
    CLIENT.clear_cache();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_file_rules() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.env");
        for (text, want) in [
            ("# comment\nANTHROPIC_ADMIN_API_KEY=\"sk-ant-admin01-abc\"\n", Some("sk-ant-admin01-abc")),
            ("ANTHROPIC_ADMIN_API_KEY=\nANTHROPIC_ADMIN_API_KEY='''k2'''", Some("k2")),
            ("export ANTHROPIC_ADMIN_API_KEY=x\nKEY = v\nsk-ant-bare", Some("sk-ant-bare")),
            ("nothing here\n", None),
        ] {
            std::fs::write(&p, text).unwrap();
            assert_eq!(load_admin_key_from(&p).map(|k| k.expose().to_string()).as_deref(), want, "{text}");
        }
        assert!(load_admin_key_from(&d.path().join("missing")).is_none());
        assert_eq!(format!("{:?}", AdminKey::new("sk-ant-secret")), "AdminKey(<redacted>)");
    }

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

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("30"), Some(30));
        assert_eq!(parse_retry_after("nonsense"), None);
        let later = (Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let s = parse_retry_after(&later).unwrap();
        assert!((118..=120).contains(&s));
    }

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
        };
        assert_eq!(burn_rate(&s), 10.0);
        assert_eq!(month_end_projection(&s, NaiveDate::from_ymd_opt(2026, 6, 20).unwrap()), 200.0);
    }
}
