//! Help: the corpus under `.help/templates/` — features and their kinds,
//! templates, search hits, coverage gaps — and the Help pages.
//!
//! `HelpFeature`, `HelpTemplate`, `HelpHit`, `HelpIndex`, `HelpGaps` and
//! `HelpSearch` are the reference's `/api/help/…` objects (same fields, same
//! order); `freshness`, `freshness_note` and `skipped` are ours, left out when
//! empty.

use serde::{Deserialize, Serialize};

/// How fresh a feature's templates are against its source files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    /// The sources changed since the templates were generated.
    Stale,
    /// The stored source hash matches the sources.
    Fresh,
    /// Not tracked: no `files:` in `.help/features.yaml`, `status: manual`,
    /// or not listed there (the reference counts these as fresh).
    Untracked,
    /// Cannot be told here (see `freshness_note`); counted as not stale.
    Unknown,
}

/// One feature: which of the expected kinds it has (the reference's
/// `FeatureSummary`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HelpFeature {
    pub name: String,
    pub kinds: Vec<String>,
    pub missing_kinds: Vec<String>,
    pub stale_count: u32,
    pub has_any_stale: bool,
    pub is_complete: bool,
    pub completeness_pct: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
    /// Why freshness is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness_note: Option<String>,
}

/// One template file (the reference's `TemplateRecord`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HelpTemplate {
    pub feature: String,
    pub kind: String,
    /// `templates/<feature>/<kind>.md`.
    pub path: String,
    pub title: String,
    /// The markdown after the frontmatter.
    pub body: String,
    pub generated_at: Option<String>,
    pub source_hash: Option<String>,
    pub is_stale: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
}

/// One search hit (the reference's `SearchHit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HelpHit {
    pub feature: String,
    pub kind: String,
    pub title: String,
    pub snippet: String,
    pub score: f64,
    /// e.g. `path:1+summary:1+content:2+cat:tasks×1.2`.
    pub match_reason: String,
}

/// `GET /api/help/`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HelpIndex {
    pub features: Vec<HelpFeature>,
    pub total_features: u32,
    pub total_templates: u32,
    pub stale_count: u32,
    pub incomplete_count: u32,
}

/// `GET /api/help/search?q=&limit=`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HelpSearch {
    pub query: String,
    pub limit: u32,
    pub hits: Vec<HelpHit>,
    /// What the search left out, in sentences (a file that is not UTF-8, an
    /// alias two templates declare). The reference answered no hits at all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// `GET /api/help/gaps`: incomplete sets and stale templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HelpGaps {
    pub incomplete: Vec<HelpFeature>,
    /// Oldest `generated_at` first (missing first).
    pub stale: Vec<HelpTemplate>,
    pub total_features: u32,
    pub total_templates: u32,
    pub complete_features: u32,
    pub completeness_pct: u32,
    pub fresh_pct: u32,
}

/// The Help home page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HelpHomeData {
    pub index: HelpIndex,
    pub featured: Vec<HelpFeature>,
    /// The five most recently generated templates (bodies left out).
    pub recent: Vec<HelpTemplate>,
    /// Features whose freshness cannot be told here.
    pub unknown_count: u32,
    /// True when `.help/templates/` exists.
    pub corpus_present: bool,
}

/// One template's page: the record, its body as safe HTML, and the kinds
/// its feature has (the sidebar).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HelpTemplatePage {
    pub template: HelpTemplate,
    pub html: String,
    pub siblings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness_note: Option<String>,
}

/// The kinds a complete feature has, in the reference's order.
pub const HELP_KINDS: [&str; 11] =
    ["comparison", "concept", "error", "faq", "note", "quickstart", "reference", "task", "tip", "troubleshooting", "warning"];

/// The Help home's "Browse by what you need" groups: (icon, label, kinds).
/// The icons are plain symbols every system font has (emoji are not).
pub const HELP_INTENTS: [(&str, &str, &[&str]); 4] = [
    ("▶", "Do something", &["task", "quickstart"]),
    ("⚙", "Solve a problem", &["troubleshooting", "error", "faq"]),
    ("✦", "Understand", &["concept"]),
    ("☰", "Look it up", &["reference"]),
];

/// Feature and kind slugs: `[a-z][a-z0-9-]*` (so no `..`, no separator).
pub fn is_help_slug(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b[0].is_ascii_lowercase() && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A `generated_at` stamp as the pages show it: `T` → space, `+00:00` → ` UTC`.
pub fn help_date(s: &str) -> String {
    s.replace('T', " ").replace("+00:00", " UTC")
}
