//! The Briefing (`/curator`): what needs attention, ranked across the
//! project's sources — by the Messages API when a key is set, by the
//! offline rules otherwise — and the items each source gave.
//!
//! [`CuratorResult`], [`CuratorItem`] and [`SuggestedAction`] are the
//! reference's cache-file objects (`<home>/curator-cache/<key>.json`): same
//! field names and meaning.

use serde::{Deserialize, Serialize};

/// One item's action footer. `kind` is `ask`, `open`, `run` or `dismiss`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SuggestedAction {
    pub kind: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// Only `http(s)` URLs and same-origin paths survive validation.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub workflow: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

/// One ranked attention item. `sources` are the source item ids it cites.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CuratorItem {
    pub id: String,
    pub title: String,
    /// `info`, `nudge`, `warn` or `block`.
    pub severity: String,
    pub rationale: String,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub suggested_action: Option<SuggestedAction>,
}

/// A briefing as the reference caches it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CuratorResult {
    pub summary: String,
    #[serde(default)]
    pub items: Vec<CuratorItem>,
    #[serde(default)]
    pub sources_consulted: Vec<String>,
    #[serde(default)]
    pub cost_usd: f64,
    /// ISO, UTC.
    #[serde(default)]
    pub cached_at: Option<String>,
    #[serde(default)]
    pub model: String,
}

/// Where the briefing on the page came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BriefingOrigin {
    /// Written by the model just now.
    Model,
    /// Written by the model at `cached_at`, for the same state of the
    /// sources.
    Cache,
    /// Ranked by the offline rules (no key, an API error, the spend cap, or
    /// the model still writing).
    Offline,
}

/// One row a source gave (what the model was shown, linked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BriefingSourceItem {
    pub item_id: String,
    pub title: String,
    /// A dashboard path or `http(s)` URL; empty when the item has no page.
    pub link: String,
    pub detail: String,
}

/// One source: its id and items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BriefingSource {
    pub id: String,
    pub items: Vec<BriefingSourceItem>,
}

/// The Briefing page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BriefingData {
    /// The summary and the visible (not snoozed) items.
    pub result: CuratorResult,
    pub origin: BriefingOrigin,
    /// Why the model did not write this briefing (offline only): no key,
    /// the API's answer in a sentence, the spend cap.
    pub offline_reason: Option<String>,
    /// The model is still writing a briefing for this state; the page
    /// shows the offline one meanwhile and asks again.
    pub pending: bool,
    /// Items hidden because they are snoozed.
    pub snoozed: u32,
    /// The most one call may cost (USD), checked before it is made.
    pub budget_usd: f64,
    /// Snoozing and answering write files: off in a read-only dashboard.
    pub allow_run: bool,
    pub sources: Vec<BriefingSource>,
}

/// `POST /curator/dismiss`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CuratorDismissed {
    pub ok: bool,
    pub item_id: String,
    pub snoozed_until: String,
}
