//! Runs: status, metadata, start requests and answers, log lines and
//! windows, recommendations, the SSE `done` event, and the run and Runs
//! pages.

use serde::{Deserialize, Serialize};

/// Lifecycle of a run. `pending` runs wait in the queue; the last three are
/// terminal. The reference knows only the first four; `cancelled` is ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] = [RunStatus::Pending, RunStatus::Running, RunStatus::Completed, RunStatus::Failed, RunStatus::Cancelled];

    pub fn is_terminal(self) -> bool {
        matches!(self, RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a status string. Unknown values are `None`; the record reader
    /// maps them to `completed`, as the reference does.
    pub fn parse(s: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Valid `trigger` values for a run start (the reference's vocabulary).
pub const TRIGGERS: [&str; 3] = ["manual", "attune-rec", "attune-heal"];

/// A run as `GET /runs/{id}` and the history APIs show it: the reference's
/// `Run.to_dict()` fields in its order, then our optional additions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: String,
    pub workflow: String,
    pub status: RunStatus,
    pub exit_code: Option<i64>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub duration_seconds: Option<f64>,
    /// Lines in the full log, the `$ command` line included.
    pub line_count: u64,
    pub path: Option<String>,
    pub trigger: Option<String>,
    pub command: Option<Vec<String>>,
    pub sdk_stderr: Option<String>,
    pub sdk_error_kind: Option<String>,
    pub report: Option<serde_json::Value>,
    /// When the run was accepted (it may have waited in the queue before
    /// `started_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<String>,
    /// 1-based place in the queue while `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    /// The workflow this run was chained from (the "↩ from" badge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_workflow: Option<String>,
    /// The run this one was chained from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_run_id: Option<String>,
    /// Set when the dashboard stopped while the run was in flight and the run
    /// was marked failed on the next start.
    #[serde(default, skip_serializing_if = "is_false")]
    pub interrupted: bool,
    /// Lines that came from the child's stderr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_lines: Option<u64>,
    /// Output that was not kept because the run hit its output budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_bytes: Option<u64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl RunInfo {
    /// A blank record for `workflow`, used by the runner and by tolerant readers.
    pub fn new(id: impl Into<String>, workflow: impl Into<String>) -> RunInfo {
        RunInfo {
            id: id.into(),
            workflow: workflow.into(),
            status: RunStatus::Pending,
            exit_code: None,
            started_at: None,
            completed_at: None,
            duration_seconds: None,
            line_count: 0,
            path: None,
            trigger: None,
            command: None,
            sdk_stderr: None,
            sdk_error_kind: None,
            report: None,
            queued_at: None,
            queue_position: None,
            source_workflow: None,
            source_run_id: None,
            interrupted: false,
            stderr_lines: None,
            dropped_bytes: None,
        }
    }
}

/// `POST /workflows/{name}/run` body (the reference's; other keys ignored).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StartRunRequest {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub trigger: Option<String>,
    /// Ours: the run this one is chained from (for the "↩ from" badge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_run_id: Option<String>,
}

/// `201` answer to a run start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartRunResponse {
    pub run_id: String,
    pub stream_url: String,
    pub status_url: String,
    /// Ours: `pending` when the run waits in the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u32>,
    /// Ours: the run page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_url: Option<String>,
}

/// Where a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogStream {
    #[serde(rename = "o")]
    Stdout,
    #[serde(rename = "e")]
    Stderr,
    /// Written by the runner itself: the `$ command` line, error and
    /// truncation markers.
    #[serde(rename = "m")]
    Runner,
}

impl LogStream {
    pub fn code(self) -> char {
        match self {
            LogStream::Stdout => 'o',
            LogStream::Stderr => 'e',
            LogStream::Runner => 'm',
        }
    }
    pub fn from_code(c: u8) -> Option<LogStream> {
        match c {
            b'o' => Some(LogStream::Stdout),
            b'e' => Some(LogStream::Stderr),
            b'm' => Some(LogStream::Runner),
            _ => None,
        }
    }
}

/// One log line with its metadata (the run page's "rich" format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    /// 1-based line number.
    pub n: u64,
    pub s: LogStream,
    /// Arrival time, milliseconds since the Unix epoch.
    pub t: i64,
    /// The text, as printed (ANSI escapes included, no trailing newline).
    pub x: String,
}

/// `GET /runs/{id}/log?from=&limit=`: a window of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    /// Lines in the log so far.
    pub total: u64,
    pub lines: Vec<LogLine>,
    /// True once the run is terminal: `total` will not grow.
    pub finished: bool,
}

/// `GET /runs/{id}/search?q=`: where a text occurs in the whole log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogSearch {
    /// Matching lines (the count is exact even when `lines` is capped).
    pub total: u64,
    /// The first matching line numbers, ascending.
    pub lines: Vec<u64>,
    /// True when `lines` holds fewer than `total` entries.
    pub capped: bool,
}

/// A validated `ATTUNE_REC` recommendation. Field order and omission rules
/// follow the reference: `kind`, `label`, `severity`, then `name` + `args`
/// (next-workflow) or `url` (open-url).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<RecArgs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecArgs {
    pub path: String,
}

/// The SSE `done` event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DoneEvent {
    pub exit_code: i64,
    pub status: RunStatus,
    pub sdk_error_kind: Option<String>,
    pub sdk_stderr: Option<String>,
    pub has_report: bool,
    /// Ours, in the rich format only (the reference's frame keeps its five
    /// fields): the run's final duration, so a page that cannot fetch the
    /// final record (the dashboard is stopping) still shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
}

/// Everything the run page needs on first paint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunPageData {
    pub run: RunInfo,
    pub recommendations: Vec<Recommendation>,
    /// The last lines of the log, for the first paint (and for browsers
    /// without JavaScript).
    pub tail: LogPage,
    /// True when the full log is available (live, or kept beside the record).
    pub full_log: bool,
    pub allow_run: bool,
    /// Workflow names, so log lines mentioning one become chain pills.
    pub workflow_names: Vec<String>,
    /// Other runs of the same workflow, newest first.
    pub recent: Vec<RunInfo>,
    /// The event sequence number the page data reflects: the live stream
    /// is opened with `after=seq`.
    pub seq: u64,
    /// The project root, to show scopes relative to it.
    pub project_root: String,
    /// The run's diagnoses, oldest first.
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    /// Something can diagnose this run if it fails (runs allowed, a
    /// `diagnose` command, not itself a diagnosis).
    #[serde(default)]
    pub diagnose_available: bool,
}

/// One ranked hypothesis of a diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosisHypothesis {
    pub statement: String,
    pub rank: i64,
    pub confidence: String,
}

/// A diagnosis of a failed run, as attune's `diagnose` records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub diagnosis_id: String,
    pub source_run_id: String,
    pub workflow_name: String,
    pub created_at: String,
    /// `open`, `fix-proposed`, `verified`, `rejected` or `graduated`.
    pub status: String,
    pub symptom: String,
    pub synthesis: Option<String>,
    pub hypotheses: Vec<DiagnosisHypothesis>,
}

/// What asking for a diagnosis did: a diagnosis run started, or the run's
/// existing diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnoseOutcome {
    pub run_id: Option<String>,
    pub diagnosis_id: Option<String>,
}

/// Filters of the Runs page and `GET /api/runs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunsQuery {
    #[serde(default)]
    pub workflow: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Substring of the scope path; `-` means "no scope".
    #[serde(default)]
    pub scope: Option<String>,
    /// Inclusive dates, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Duration statistics of one workflow over the filtered runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowRunStats {
    pub workflow: String,
    pub runs: u32,
    pub completed: u32,
    pub failed: u32,
    pub cancelled: u32,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

/// The Runs page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunsData {
    /// Matching runs, newest first (running and queued ones first of all).
    pub runs: Vec<RunInfo>,
    /// How many runs matched before `limit` applied.
    pub matched: u32,
    pub stats: Vec<WorkflowRunStats>,
    /// Every workflow name seen in history or the registry (for the filter).
    pub workflows: Vec<String>,
    /// Record files that could not be read (kept on disk, listed in the log).
    pub skipped_files: u32,
    pub allow_run: bool,
    pub project_root: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_info_omits_our_fields_when_empty() {
        let r = RunInfo::new("abc", "wf");
        let v = serde_json::to_value(&r).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "id",
                "workflow",
                "status",
                "exit_code",
                "started_at",
                "completed_at",
                "duration_seconds",
                "line_count",
                "path",
                "trigger",
                "command",
                "sdk_stderr",
                "sdk_error_kind",
                "report"
            ]
        );
    }
}
