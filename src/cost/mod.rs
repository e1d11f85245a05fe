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
//!
//! Layout: `key` (finding the admin key), `client` ([`CostClient`]: paging,
//! cache, single flight, rate limits), `report` (the report's pages summed
//! into a [`CostSummary`]), `alarm` (burn rate, month-end projection and
//! the spend alarm, computed from a summary or from local telemetry). The
//! items are named from here (`attune_ops::cost::CostClient`).

mod alarm;
mod client;
mod key;
mod report;

use std::sync::LazyLock;

pub use crate::wire::{parse_budget, parse_budget_text, CostError, CostErrorKind, CostSummary, SpendAlarm, MAX_BUDGET_USD};
pub use alarm::{burn_rate, month_end_projection, spend_alarm, DEFAULT_CEILING_USD};
pub use client::{cache_ttl, min_refresh_interval, CostClient, CostResult, DEFAULT_TTL, HTTP_TIMEOUT, MIN_REFRESH_INTERVAL};
pub use key::{admin_key_file, load_admin_key, load_admin_key_from, AdminKey};
pub use report::{window, Aggregate};

/// A failure without a retry hint (the rate-limit paths add theirs).
fn err(kind: CostErrorKind, message: impl Into<String>) -> CostError {
    CostError { kind, message: message.into(), retry_after_seconds: None }
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
