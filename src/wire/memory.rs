//! Memory: the read-only view of the Redis-derived memory index
//! (`attune:memory:*`) — family and kind counts, a page of rows, one
//! node, and the attention header.

use serde::{Deserialize, Serialize};

/// One row of the node table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryRow {
    pub key: String,
    pub family: String,
    pub name: String,
    pub kind: String,
    /// At most 300 characters.
    pub description: String,
    /// `N chars`, `X.Y KB`, `N edges`, `N members`, or empty.
    pub size: String,
}

/// Family counts, kind counts and one page of rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryOverview {
    /// Every key of the namespace.
    pub total: u64,
    /// `(family, count)` for every family, sorted by family.
    pub family_counts: Vec<(String, u64)>,
    /// `(kind, count)` over the selected family, sorted by kind.
    pub kind_counts: Vec<(String, u64)>,
    pub rows: Vec<MemoryRow>,
    pub family: Option<String>,
    pub kind: Option<String>,
    pub page: u32,
    pub pages: u32,
    /// Keys that are not UTF-8 and were left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped_keys: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The attention header's facts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryAttention {
    /// The hydrator's stamp as stored.
    pub hydrated_at: Option<String>,
    pub age_hours: Option<f64>,
    /// Older than 24 h, or no usable stamp.
    pub stale: bool,
    /// Corpus files (`.claude/lessons.md`, `.claude/rules-tail/**/*.md`)
    /// changed after the stamp, repository-relative, sorted.
    pub changed_since: Vec<String>,
    /// Round-table threads not yet promoted.
    pub pending_threads: u32,
}

impl MemoryAttention {
    pub fn has_exceptions(&self) -> bool {
        self.stale || !self.changed_since.is_empty() || self.pending_threads > 0
    }
}

/// The Memory page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryPageData {
    /// `None`: the index could not be read (see `unreachable`).
    pub overview: Option<MemoryOverview>,
    pub attention: Option<MemoryAttention>,
    /// Why Redis could not be read (the address shown without secrets).
    pub unreachable: Option<String>,
}

/// One memory node's fields, sorted by name as strings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryNodeData {
    pub key: String,
    /// `None`: outside the namespace, missing, or Redis unreachable.
    pub fields: Option<Vec<(String, String)>>,
    /// Why the node is not shown, for people.
    pub reason: Option<String>,
}

/// The memory families with tiles, in order: (family, label).
pub const MEMORY_FAMILIES: [(&str, &str); 5] =
    [("node", "Curated nodes"), ("lesson", "Lessons"), ("file", "File pointers"), ("rule", "Rules"), ("edges", "Edges")];

/// The namespace every memory key carries.
pub const MEMORY_PREFIX: &str = "attune:memory:";
