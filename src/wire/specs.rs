//! Specs: phases, gate verdicts, spec records, status flips, completion
//! candidates, and the Specs and spec pages.

use serde::{Deserialize, Serialize};

/// One phase file of a spec (the reference's `SpecPhase`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecPhase {
    /// `decisions`, `requirements`, `design` or `tasks`.
    pub name: String,
    pub file: String,
    pub exists: bool,
    pub status: Option<String>,
}

/// The newest gate receipt for a spec (`<home>/ops/gates/verdicts.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateVerdict {
    pub state: String,
    pub gate_id: String,
    pub phase: String,
}

/// One spec: the reference's listing fields, then ours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecRecord {
    pub slug: String,
    pub root: String,
    pub path: String,
    /// Always the four phases, in order.
    pub phases: Vec<SpecPhase>,
    /// `active`, `approved-not-shipped`, `complete`, `paused`, `parked`,
    /// `stale` or `draft`.
    pub lifecycle: String,
    /// `requirements`, `design`, `tasks`, `executing` or `shipped`.
    pub stage: String,
    pub next_phase: Option<String>,
    pub next_action: String,
    pub waived_phases: Vec<String>,
    /// Newest `*.md` mtime in the spec directory (ISO, UTC).
    pub last_modified: Option<String>,
    pub next_phase_status: Option<String>,
    pub gate: Option<GateVerdict>,
    /// Phases whose file exists but is not readable UTF-8 text.
    #[serde(default)]
    pub unreadable: Vec<String>,
}

/// The answer of a status flip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusFlip {
    pub slug: String,
    pub phase: String,
    pub file: String,
    pub status: String,
    pub root: String,
    pub path: String,
}

/// A spec that looks complete ("Ready to close?"): the reference's fields,
/// then the phase its `approved` status came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub slug: String,
    pub path: String,
    pub current_status: String,
    pub evidence: Vec<String>,
    pub snapshot_hash: String,
    #[serde(default)]
    pub status_phase: String,
}

/// The candidates section: enabled or not, the candidates, and what kept
/// checks from running (no GitHub token, rate limits…).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CandidatesData {
    pub enabled: bool,
    pub candidates: Vec<Candidate>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// Detection was still running when the page asked.
    #[serde(default)]
    pub pending: bool,
    /// When this detection ran (ISO UTC).
    #[serde(default)]
    pub checked_at: Option<String>,
}

/// The Specs page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecsPageData {
    pub roots: Vec<String>,
    pub specs: Vec<SpecRecord>,
    pub allow_run: bool,
    pub candidates_enabled: bool,
    /// `https://github.com/<owner>/<name>` per root, when known.
    pub repo_urls: Vec<Option<String>>,
}

/// One phase on the spec page: its file rendered from markdown (raw HTML
/// escaped, never passed through).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseView {
    pub name: String,
    pub file: String,
    pub exists: bool,
    pub status: Option<String>,
    pub html: Option<String>,
}

/// The spec page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecPageData {
    pub record: SpecRecord,
    pub phases: Vec<PhaseView>,
    pub allow_run: bool,
}

/// One write of the pending-writes journal, as the Specs page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingWrite {
    pub file_path: String,
    pub action: String,
    pub ts: String,
    pub age_seconds: Option<i64>,
    pub dashboard_still_running: bool,
    /// The file on disk is still what was written.
    pub matches_journal: bool,
    /// `None`: git cannot tell.
    pub is_committed: Option<bool>,
}

/// This project's dashboard writes that are not committed yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PendingWritesPanel {
    pub uncommitted: Vec<PendingWrite>,
    /// Every entry of the journal for this project.
    pub total: u32,
}
