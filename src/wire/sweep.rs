//! Discovery-sweep results: the Workflows row's chips and the result's page.

use serde::{Deserialize, Serialize};

/// The workflow whose results these are.
pub const SWEEP_WORKFLOW: &str = "discovery-sweep";

/// `GET /api/workflows/discovery-sweep/chips?scope=` (the reference's
/// object).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepChips {
    pub scope_hash: String,
    pub scope_path: String,
    pub queue: u64,
    pub questions: u64,
    pub rejected: u64,
    pub has_result: bool,
}

/// One finding as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub source: String,
    /// Lower-cased.
    pub severity: String,
    pub title: String,
    pub description: String,
    pub file: Option<String>,
    pub line: Option<String>,
    pub evidence: Option<String>,
    pub confidence: Option<f64>,
    pub tags: Vec<String>,
    /// `("Why", reason, next step)` for a question, `("Rule", rule, "")`
    /// for a rejected finding.
    pub extra: Option<(String, String, String)>,
}

/// One bucket of a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSection {
    /// `queue`, `questions` or `rejected`.
    pub key: String,
    pub rows: Vec<SweepRow>,
    /// Entries left out: not an object, or a question or rejection without
    /// its finding.
    pub skipped: u32,
}

/// The result's page (`/workflows/discovery-sweep/results/{hash}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepDetailData {
    pub scope_hash: String,
    /// The bucket shown alone, or empty for all three.
    pub bucket: String,
    /// Rows per bucket, whichever are shown: queue, questions, rejected.
    pub totals: (u64, u64, u64),
    pub sections: Vec<SweepSection>,
    pub spent_usd: Option<f64>,
    pub duration_ms: Option<String>,
    pub failures: Vec<String>,
}
