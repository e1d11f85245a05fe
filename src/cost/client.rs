//! [`CostClient`]: `GET /v1/organizations/cost_report`, every page, with
//! the cache (TTL), one upstream fetch shared by concurrent callers,
//! `retry-after` respected, and the last good summary kept (marked stale)
//! when a refresh fails.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::report::{window, Aggregate};
use super::{err, load_admin_key, AdminKey, CostError, CostErrorKind, CostSummary};

/// Per-request timeout (the reference's).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Cache TTL when the environment does not say.
pub const DEFAULT_TTL: Duration = Duration::from_secs(900);
/// Buckets per page (the API's maximum for daily buckets).
const PAGE_LIMIT: u32 = 31;
/// Pages followed at most (a runaway `has_more` must not loop forever).
const MAX_PAGES: usize = 50;

/// The cache TTL: `$ANTHROPIC_COST_CACHE_TTL_SECONDS` (at least 1 s),
/// else 900 s.
pub fn cache_ttl() -> Duration {
    match std::env::var("ANTHROPIC_COST_CACHE_TTL_SECONDS").ok().and_then(|v| v.trim().parse::<i64>().ok()) {
        Some(s) => Duration::from_secs(s.max(1) as u64),
        None => DEFAULT_TTL,
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

/// Forced refreshes (`refresh`) go upstream at most this often; within it
/// they are answered from the cache and say when a live one is possible
/// (any web page can make a browser send `GET /api/cost?refresh=1`).
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// The interval between forced refreshes:
/// `$ANTHROPIC_COST_MIN_REFRESH_SECONDS` (0 turns the limit off), else
/// [`MIN_REFRESH_INTERVAL`].
pub fn min_refresh_interval() -> Duration {
    match std::env::var("ANTHROPIC_COST_MIN_REFRESH_SECONDS").ok().and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(s) => Duration::from_secs(s),
        None => MIN_REFRESH_INTERVAL,
    }
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
    /// When the last upstream fetch started, and how long forced
    /// refreshes wait after it ([`MIN_REFRESH_INTERVAL`]).
    last_upstream: Mutex<Option<Instant>>,
    min_refresh: Duration,
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
        CostClient::with(base, Box::new(load_admin_key), cache_ttl()).with_min_refresh(min_refresh_interval())
    }

    /// A client for a given base URL and key source (tests, embedding).
    pub fn with(base_url: impl Into<String>, key: Box<dyn Fn() -> Option<AdminKey> + Send + Sync>, ttl: Duration) -> CostClient {
        let http = crate::outbound::client_builder(HTTP_TIMEOUT).build().unwrap_or_default();
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
            last_upstream: Mutex::new(None),
            min_refresh: MIN_REFRESH_INTERVAL,
        }
    }

    /// Another minimum interval between forced refreshes (tests; zero
    /// turns the limit off).
    pub fn with_min_refresh(mut self, d: Duration) -> CostClient {
        self.min_refresh = d;
        self
    }

    /// Another per-request timeout (tests).
    pub fn with_timeout(mut self, t: Duration) -> CostClient {
        self.timeout = t;
        self.http = crate::outbound::client_builder(t).build().unwrap_or_default();
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
        *self.last_upstream.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// How long until a forced refresh may go upstream again (`None`: now).
    fn refresh_wait(&self) -> Option<Duration> {
        let last = (*self.last_upstream.lock().unwrap_or_else(|p| p.into_inner()))?;
        self.min_refresh.checked_sub(last.elapsed()).filter(|d| !d.is_zero())
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
        } else if let Some(wait) = self.refresh_wait() {
            // A forced refresh right after an upstream fetch: that fetch's
            // answer (its data, or its failure over older data), saying
            // when a live refresh is possible.
            let last = self.last_outcome.lock().unwrap_or_else(|p| p.into_inner()).as_ref().filter(|o| o.1 == key).map(|o| o.2.clone());
            let r = match last {
                Some(mut r) => {
                    if let Some(s) = r.summary.as_mut().filter(|s| s.source == "live") {
                        // Now served from the cache.
                        *s = self.cached(key, false).unwrap_or_else(|| s.clone());
                    }
                    Some(r)
                }
                None => self.cached(key, false).map(|s| CostResult { summary: Some(s), error: None }),
            };
            if let Some(mut r) = r {
                if let Some(s) = r.summary.as_mut() {
                    s.refresh_in_seconds = Some((wait.as_secs_f64().ceil() as u64).max(1));
                }
                return r;
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
        *self.last_upstream.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
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
                s if crate::outbound::is_redirect(s) => {
                    return Err(err(
                        CostErrorKind::Unknown,
                        format!("Anthropic cost-report answered HTTP {s}, a redirect to another origin: not followed, so the admin key stays here. Check ANTHROPIC_BASE_URL."),
                    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("30"), Some(30));
        assert_eq!(parse_retry_after("nonsense"), None);
        let later = (Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let s = parse_retry_after(&later).unwrap();
        assert!((118..=120).contains(&s));
    }
}
