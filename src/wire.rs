//! Wire types: everything that crosses the HTTP boundary.
//!
//! These types are a contract. They are serialised by the JSON routes and the
//! server functions, parsed by the browser bundle (which compiles this module
//! for wasm32 without the engine), and several of them must stay identical to
//! the reference Python dashboard's JSON (field names, order and meaning). Our
//! additions are always optional fields that are left out when empty, so a
//! reference client sees the object it expects.
//!
//! Invariant: this module depends only on serde, serde_json and chrono.

use serde::{Deserialize, Serialize};

/// `GET /api/info`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub version: String,
    pub project_root: String,
    pub attune_home: String,
}

/// `GET /api/session/token`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: String,
}

/// What the top bar and footer need on every page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShellInfo {
    pub version: String,
    pub project_name: String,
    pub project_root: String,
    pub attune_home: String,
    pub allow_run: bool,
    /// Runs that are pending or running right now, newest first.
    pub active_runs: Vec<ActiveRun>,
}

/// One entry of the top bar's running badge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActiveRun {
    pub id: String,
    pub workflow: String,
    pub status: RunStatus,
}

// ---------------------------------------------------------------------------
// Runs

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
}

/// A scope path for display: relative to the project root when inside it
/// (`.` for the root itself), else as is.
pub fn display_scope(path: &str, root: &str) -> String {
    let root = root.trim_end_matches('/');
    if path == root {
        return ".".into();
    }
    match path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
        Some(rel) if !root.is_empty() => rel.to_string(),
        _ => path.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Workflows

/// One stage of a workflow's stage map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    /// `cheap`, `capable` or `premium` (any other value is shown as is).
    #[serde(default)]
    pub tier: Option<String>,
}

/// How a workflow takes a scope on its command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeSpec {
    pub flag: String,
    #[serde(default)]
    pub required: bool,
}

/// A registry workflow as the Workflows page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowInfo {
    pub name: String,
    pub description: String,
    pub stages: Vec<Stage>,
    pub tags: Vec<String>,
    /// `None`: the workflow takes no scope.
    pub scope: Option<ScopeSpec>,
    /// The path of the feature named like the workflow, or "".
    pub default_scope: String,
    /// The registry command (argv), for "copy run command".
    pub command: Vec<String>,
}

/// A feature from `.help/features.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    pub name: String,
    pub description: String,
    pub path: Option<String>,
    pub tags: Vec<String>,
}

/// A problem with the registry file, located precisely.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistryError {
    /// The file, relative to the project root.
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The Workflows page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowsData {
    pub workflows: Vec<WorkflowInfo>,
    pub features: Vec<Feature>,
    /// Where the registry came from, for the page header.
    pub registry_source: String,
    pub registry_errors: Vec<RegistryError>,
    /// Problems reading `.help/features.yaml` (the picker still works).
    pub features_warning: Option<String>,
    pub allow_run: bool,
    pub project_root: String,
    /// Recent runs per workflow (newest first, at most 5 each).
    pub recent: Vec<RunInfo>,
}

/// The label of a stage chip: every `agent-` removed, `-`/`_` to spaces,
/// title case (the reference's rule).
pub fn stage_label(stage: &str) -> String {
    let cleaned = stage.replace("agent-", "").replace(['-', '_'], " ");
    cleaned
        .split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The human label of a tier: cheap → Light, capable → Standard, premium → Deep.
pub fn tier_label(tier: &str) -> String {
    match tier.to_lowercase().as_str() {
        "cheap" => "Light".into(),
        "capable" => "Standard".into(),
        "premium" => "Deep".into(),
        _ => tier.to_string(),
    }
}

/// The tooltip of a tier chip.
pub fn tier_tooltip(tier: &str) -> String {
    match tier.to_lowercase().as_str() {
        "cheap" => "Light tier — fast, lowest cost. Uses Haiku.".into(),
        "capable" => "Standard tier — balanced quality and cost. Uses Sonnet.".into(),
        "premium" => "Deep tier — highest quality, slowest, most expensive. Uses Opus.".into(),
        _ => tier.to_string(),
    }
}

/// `1.5 MB` (decimal units).
pub fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < U.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// POSIX `shlex.quote`, for "copy run command" and the `$ command` log line.
pub fn shell_quote(arg: &str) -> String {
    if arg.is_empty() {
        return "''".into();
    }
    let safe = arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if safe {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\"'\"'"))
    }
}

/// `shell_quote` each element and join with spaces.
pub fn shell_join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter().map(|a| shell_quote(a.as_ref())).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// Run history

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

// ---------------------------------------------------------------------------
// Bulletin

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

/// The Home page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub recent_runs: Vec<RunInfo>,
    pub workflow_count: u32,
    pub registry_errors: u32,
    pub bulletin: Vec<BulletinEntry>,
    pub allow_run: bool,
    pub project_root: String,
    /// Local telemetry, `(day, events, cost)` for today − 6 … today.
    pub week: Vec<(String, u64, f64)>,
    pub today_events: u64,
    pub today_cost: f64,
    pub seven_day_cost: f64,
    /// All-time reported savings (the reference's "7-day savings" tile
    /// shows this too).
    pub total_savings: f64,
    /// The 7-day sparkline (`x,y` points, viewBox 240×40), or "".
    pub sparkline: String,
    /// True when `usage.jsonl` exists.
    pub telemetry_present: bool,
    pub recent_sessions: Vec<SessionInfo>,
    /// Account spend (the Admin API), when a key is configured.
    pub cost: Option<CostSummary>,
    pub cost_error: Option<CostError>,
    /// The account fetch did not finish in time for this page.
    pub cost_pending: bool,
    /// The spend alarm (account data, else local telemetry).
    pub alarm: Option<SpendAlarm>,
    pub budget: Option<Budget>,
}

// ---------------------------------------------------------------------------
// Telemetry

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

// ---------------------------------------------------------------------------
// Claude Code sessions

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

// ---------------------------------------------------------------------------
// Cost

/// Why the cost report could not be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostErrorKind {
    NoKey,
    AuthFailed,
    RateLimited,
    Network,
    Unknown,
}

/// A failed cost fetch: a kind and a message a person can act on (never
/// the key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostError {
    pub kind: CostErrorKind,
    pub message: String,
    /// For `rate_limited`: seconds before the next upstream call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// Anthropic spend (the reference's `CostSummary` fields, amounts in USD;
/// lists are `[name, usd]` / `[day, usd]`), then ours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    pub today_usd: f64,
    pub seven_day_usd: f64,
    pub month_to_date_usd: f64,
    pub thirty_day_usd: f64,
    /// Descending by spend.
    pub by_model: Vec<(String, f64)>,
    /// Ascending by day.
    pub by_day: Vec<(String, f64)>,
    /// Descending by spend.
    pub by_cost_type: Vec<(String, f64)>,
    pub fetched_at: String,
    /// `live` or `cached`.
    pub source: String,
    /// True when this is older data shown because a refresh failed, or
    /// past its cache lifetime.
    pub stale: bool,
    pub age_seconds: u64,
    /// Rows whose amount was not a number (counted as 0).
    pub bad_amounts: u64,
    /// Buckets without a usable date (skipped).
    pub bad_buckets: u64,
}

/// The reference's spend alarm record ("API spend watch").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpendAlarm {
    /// `ok`, `alarm` or `insufficient_data`.
    pub level: String,
    pub triggered_by: Vec<String>,
    pub today_cost: f64,
    pub baseline_mean: f64,
    pub baseline_days: u32,
    /// `zscore`, `multiplier` or `none`.
    pub method: String,
    pub z_score: Option<f64>,
    pub month_to_date: f64,
    pub monthly_ceiling: f64,
    pub ceiling_pct: f64,
    /// `account` (the Admin API) or `local` (usage.jsonl).
    pub source: String,
    pub detail: String,
}

/// A monthly budget and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub monthly_usd: f64,
    /// `flag`, `env` or `setting`.
    pub source: String,
}

/// An upstream cost fetch under way (for the Refresh button's progress).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostProgress {
    pub fetching: bool,
    /// Pages of the cost report read so far.
    pub pages: u32,
    pub elapsed_ms: u64,
}

/// Largest monthly budget accepted (a typo guard).
pub const MAX_BUDGET_USD: f64 = 1e9;

/// Checks a monthly budget: `None` clears it; otherwise a positive,
/// finite number of dollars below [`MAX_BUDGET_USD`], rounded to cents.
pub fn parse_budget(v: Option<f64>) -> Result<Option<f64>, String> {
    match v {
        None => Ok(None),
        Some(v) if v.is_finite() && v > 0.0 && v < MAX_BUDGET_USD => Ok(Some((v * 100.0).round() / 100.0)),
        Some(_) => Err("a monthly budget must be a positive number of dollars (below $1,000,000,000), or empty to clear it".into()),
    }
}

/// A budget typed by a person: `250`, `$1,200.50`, blank (clears).
pub fn parse_budget_text(s: &str) -> Result<Option<f64>, String> {
    let t: String = s.trim().trim_start_matches('$').chars().filter(|c| *c != ',' && *c != '_' && !c.is_whitespace()).collect();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) => parse_budget(Some(v)),
        Err(_) => Err(format!("'{}' is not a number of dollars", s.trim().chars().take(40).collect::<String>())),
    }
}

/// The Cost page (and `GET /api/cost`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostData {
    pub summary: Option<CostSummary>,
    pub error: Option<CostError>,
    pub budget: Option<Budget>,
    /// Average per day over the last 7 days.
    pub burn_rate_usd: Option<f64>,
    /// Month to date plus the burn rate for the rest of the month.
    pub projection_usd: Option<f64>,
    /// Month to date as a percentage of the budget.
    pub budget_pct: Option<f64>,
    pub alarm: Option<SpendAlarm>,
    pub allow_run: bool,
}

// ---------------------------------------------------------------------------
// Bulletin page and health

/// The Bulletin page: active entries, a day's entries, the days archived.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulletinData {
    pub active: Vec<BulletinEntry>,
    /// The day shown (`today` = the active file).
    pub day: String,
    /// That day's runs: the newest entry of each, newest first.
    pub runs: Vec<BulletinEntry>,
    pub archive_days: Vec<String>,
    pub skipped_lines: u32,
    pub project_root: String,
}

/// One check of the Health page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub name: String,
    /// `ok`, `warn` or `missing`.
    pub state: String,
    pub detail: String,
}

/// The Health page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthData {
    pub version: String,
    pub checks: Vec<HealthCheck>,
}

/// A generic JSON error body: `{"detail": ...}` (the reference's shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub detail: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_labels_follow_the_reference() {
        assert_eq!(stage_label("agent-review"), "Review");
        assert_eq!(stage_label("parallel-validation"), "Parallel Validation");
        assert_eq!(stage_label("agent-agent-x_y"), "X Y");
        assert_eq!(tier_label("CAPABLE"), "Standard");
        assert_eq!(tier_label("weird"), "weird");
    }

    #[test]
    fn scopes_display_relative() {
        assert_eq!(display_scope("/p/src/a", "/p"), "src/a");
        assert_eq!(display_scope("/p", "/p/"), ".");
        assert_eq!(display_scope("/p2/x", "/p"), "/p2/x");
        assert_eq!(display_scope("/q/x", "/p"), "/q/x");
    }

    #[test]
    fn shell_quote_matches_python_shlex() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("--path"), "--path");
        assert_eq!(shell_quote("/a/b c"), "'/a/b c'");
        assert_eq!(shell_quote("it's"), "'it'\"'\"'s'");
        assert_eq!(shell_join(&["a", "b c"]), "a 'b c'");
    }

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

// ---------------------------------------------------------------------------
// Specs

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
