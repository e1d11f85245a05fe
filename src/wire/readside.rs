//! The read-side records: bulletin entries, the telemetry summary, Claude
//! Code sessions and their turns.

use serde::{Deserialize, Serialize};

/// One bulletin entry (the reference's field order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulletinEntry {
    pub actor_id: String,
    pub actor_kind: String,
    pub workflow: String,
    pub run_id: String,
    pub started_at: String,
    pub last_heartbeat: String,
    pub current_status: String,
    pub scope: Option<String>,
    pub hostname: Option<String>,
}

impl BulletinEntry {
    pub fn is_terminal(&self) -> bool {
        matches!(self.current_status.as_str(), "completed" | "failed" | "cancelled")
    }
}

/// The reference's `TelemetrySummary` (same field names and values; rows
/// are `[name, count, cost]` / `[day, count, cost]` arrays), then ours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TelemetrySummary {
    pub total_requests: u64,
    pub total_cost: f64,
    pub total_savings: f64,
    /// Top 20 registry workflows by cost: `(name, events, cost)`.
    pub by_workflow: Vec<(String, u64, f64)>,
    /// Days on or after today − `recent_days`: `(day, events, cost)`.
    pub by_day: Vec<(String, u64, f64)>,
    pub last_event_at: Option<String>,
    /// Blank lines are not counted; lines that are not JSON objects are.
    pub skipped_lines: u64,
    pub recent_days: u32,
    pub file_present: bool,
    pub path: String,
}

/// A session: the reference's fields (`id` … `source`), then ours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub started_at: String,
    pub last_activity: String,
    pub duration_seconds: f64,
    /// Lines with a top-level `content` string (the reference's count).
    pub message_count: u64,
    pub starter_prompt: String,
    pub source: String,
    pub models: Vec<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    pub git_branch: Option<String>,
    /// Last activity within the last 10 minutes.
    pub active: bool,
    pub user_messages: u64,
    pub assistant_messages: u64,
    pub tool_uses: u64,
    /// The first prompt typed in a `user` message (redacted).
    pub first_prompt: Option<String>,
    /// What to call the session: the starter prompt, or the first typed
    /// prompt when there is none; secrets redacted.
    pub title: String,
    pub skipped_lines: u64,
    pub bytes: u64,
}

/// `GET /api/sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
    pub days: f64,
    pub limit: Option<usize>,
    /// Directories read (canonical and worktree keys).
    pub dirs: Vec<String>,
    pub files_total: u64,
    pub files_in_window: u64,
    pub unreadable: u64,
    pub skipped_lines: u64,
}

/// One turn of a session, text redacted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionTurn {
    /// `user` or `assistant`.
    pub role: String,
    pub timestamp: String,
    pub model: Option<String>,
    pub text: Vec<String>,
    /// Tool calls: name and (shortened) input.
    pub tools: Vec<String>,
    /// Tool results (shortened).
    pub results: Vec<String>,
}

/// `GET /api/sessions/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDetail {
    pub session: SessionInfo,
    pub turns: Vec<SessionTurn>,
    /// How many secrets were redacted.
    pub redactions: u64,
}

/// The Telemetry page's "Dashboard interactions (this session)".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interactions {
    pub pill_clicks: u64,
    pub rec_card_clicks: u64,
    pub scope_picker_changes: u64,
    /// Top ten `(target, count)` of each, count descending.
    pub top_pills: Vec<(String, u64)>,
    pub top_rec_cards: Vec<(String, u64)>,
    pub top_scope_pickers: Vec<(String, u64)>,
}
