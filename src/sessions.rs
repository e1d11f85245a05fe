//! Claude Code sessions of the project, from
//! `<claude dir>/projects/<encoded root>[-…]/<session id>.jsonl`.
//!
//! `<claude dir>` is `$CLAUDE_CONFIG_DIR`, else `~/.claude`. The encoded
//! root is the resolved project path with `/`, `\` and `:` replaced by `-`;
//! directories named exactly that, or starting with it plus `-` (worktrees),
//! belong to the project.
//!
//! The reference's fields are computed by its rules (first and last
//! `timestamp`, `message_count` = lines with a top-level string `content`,
//! the starter prompt from the first of those) so listings match it. We add
//! what people ask for: models, token totals, git branch, whether the
//! session is still active, and the first typed prompt when the reference
//! finds none. Malformed lines are skipped and counted, never fatal.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::wire::{SessionDetail, SessionInfo, SessionList, SessionTurn};

/// A session whose last activity is this recent counts as active.
pub const ACTIVE_WITHIN: Duration = Duration::from_secs(10 * 60);
/// Text kept per block on the session page.
const MAX_BLOCK_CHARS: usize = 20_000;

/// `/`, `\` and `:` to `-` (Claude Code's directory naming).
pub fn encode_root(root: &Path) -> String {
    root.to_string_lossy().replace(['/', '\\', ':'], "-")
}

/// The project's session directories (canonical and worktree keys).
pub fn session_dirs(claude_dir: &Path, root: &Path) -> Vec<PathBuf> {
    let enc = encode_root(root);
    let prefix = format!("{enc}-");
    let mut v: Vec<PathBuf> = std::fs::read_dir(claude_dir.join("projects"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter(|e| e.file_name().to_str().is_some_and(|n| n == enc || n.starts_with(&prefix)))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The reference's starter-prompt heuristic: whitespace collapsed, cut at
/// 200 characters (back to the last space when it is past 180), `…`.
pub fn starter_prompt(content: &str) -> String {
    let s = content.trim().replace('\n', " ");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 200 {
        return s;
    }
    let mut cut: String = chars[..200].iter().collect();
    if let Some(sp) = cut.rfind(' ') {
        if cut[..sp].chars().count() > 180 {
            cut.truncate(sp);
        }
    }
    format!("{}…", cut.trim_end())
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default, borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(default, borrow)]
    content: Option<&'a RawValue>,
    #[serde(default, rename = "type", borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, rename = "gitBranch", borrow)]
    git_branch: Option<&'a RawValue>,
    #[serde(default, borrow)]
    message: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Message<'a> {
    #[serde(default, borrow)]
    model: Option<&'a RawValue>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default, borrow)]
    content: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<serde_json::Value>,
    #[serde(default)]
    output_tokens: Option<serde_json::Value>,
    #[serde(default)]
    cache_read_input_tokens: Option<serde_json::Value>,
    #[serde(default)]
    cache_creation_input_tokens: Option<serde_json::Value>,
}

fn as_str(v: Option<&RawValue>) -> Option<String> {
    v.and_then(|r| serde_json::from_str::<String>(r.get()).ok())
}

fn as_u64(v: &Option<serde_json::Value>) -> u64 {
    v.as_ref().and_then(|x| x.as_u64()).unwrap_or(0)
}

/// Parses one JSON object line tolerantly; `None` for malformed lines.
fn parse_line(line: &str) -> Option<Line<'_>> {
    // Only objects count (the reference skips other JSON values).
    if !line.starts_with('{') {
        return None;
    }
    serde_json::from_str(line).ok()
}

/// Text typed by the user in a `user` message (not tool results).
fn user_text(content: Option<&RawValue>) -> Option<String> {
    let c = content?;
    if let Ok(s) = serde_json::from_str::<String>(c.get()) {
        return (!s.trim().is_empty()).then_some(s);
    }
    let blocks: Vec<serde_json::Value> = serde_json::from_str(c.get()).ok()?;
    let text: Vec<String> = blocks
        .iter()
        .filter(|b| b.get("type").and_then(|t| t.as_str()) == Some("text"))
        .filter_map(|b| b.get("text").and_then(|t| t.as_str()).map(str::to_string))
        .collect();
    (!text.is_empty()).then(|| text.join("\n"))
}

/// Parses a session file. `None` when it cannot be read.
pub fn parse_session(path: &Path, now: DateTime<Utc>) -> Option<SessionInfo> {
    let f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    let mut r = BufReader::with_capacity(256 * 1024, f);
    let mut s = SessionInfo {
        id: path.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default(),
        started_at: String::new(),
        last_activity: String::new(),
        duration_seconds: 0.0,
        message_count: 0,
        starter_prompt: String::new(),
        source: "heuristic".into(),
        models: Vec::new(),
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
        git_branch: None,
        active: false,
        user_messages: 0,
        assistant_messages: 0,
        tool_uses: 0,
        first_prompt: None,
        title: String::new(),
        skipped_lines: 0,
        bytes: meta.len(),
    };
    let mut first: Option<String> = None;
    let mut last: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => return None,
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        let Some(l) = parse_line(line) else {
            s.skipped_lines += 1;
            continue;
        };
        if let Some(ts) = as_str(l.timestamp).filter(|t| !t.is_empty()) {
            if first.is_none() {
                first = Some(ts.clone());
            }
            last = Some(ts);
        }
        if let Some(c) = as_str(l.content).filter(|c| !c.is_empty()) {
            s.message_count += 1;
            if s.starter_prompt.is_empty() {
                s.starter_prompt = starter_prompt(&c);
            }
        }
        if let Some(b) = as_str(l.git_branch).filter(|b| !b.is_empty()) {
            s.git_branch = Some(b);
        }
        let kind = as_str(l.kind).unwrap_or_default();
        if kind == "user" || kind == "assistant" {
            let m: Message = l.message.and_then(|m| serde_json::from_str(m.get()).ok()).unwrap_or_default();
            if kind == "assistant" {
                s.assistant_messages += 1;
                if let Some(model) = as_str(m.model).filter(|x| !x.is_empty() && !x.starts_with('<')) {
                    if !s.models.contains(&model) {
                        s.models.push(model);
                    }
                }
                if let Some(u) = &m.usage {
                    s.input_tokens += as_u64(&u.input_tokens);
                    s.output_tokens += as_u64(&u.output_tokens);
                    s.cache_read_tokens += as_u64(&u.cache_read_input_tokens);
                    s.cache_creation_tokens += as_u64(&u.cache_creation_input_tokens);
                }
                if let Some(c) = m.content {
                    s.tool_uses += c.get().matches("\"tool_use\"").count() as u64;
                }
            } else if let Some(t) = user_text(m.content) {
                s.user_messages += 1;
                if s.first_prompt.is_none() {
                    s.first_prompt = Some(crate::redact::redact(&starter_prompt(&t)).0);
                }
            }
        }
    }
    s.started_at = first.clone().unwrap_or_default();
    s.last_activity = last.clone().or(first).unwrap_or_default();
    s.duration_seconds = match (
        crate::pyfmt::parse_iso(&s.started_at.replace('Z', "+00:00")),
        crate::pyfmt::parse_iso(&s.last_activity.replace('Z', "+00:00")),
    ) {
        (Some(a), Some(b)) if a.is_aware() == b.is_aware() => {
            ((b.to_utc() - a.to_utc()).num_microseconds().unwrap_or(0) as f64 / 1e6).max(0.0)
        }
        _ => 0.0,
    };
    if s.starter_prompt.is_empty() {
        s.starter_prompt = "(no prompt recorded)".into();
    }
    s.title = match (&s.first_prompt, s.message_count) {
        (Some(p), 0) => p.clone(),
        _ => crate::redact::redact(&s.starter_prompt).0,
    };
    s.active = is_active(&s.last_activity, meta.modified().ok(), now);
    Some(s)
}

/// Is a session active at `now`: its last activity (else its file's
/// modification time) within `ACTIVE_WITHIN`.
fn is_active(last_activity: &str, mtime: Option<SystemTime>, now: DateTime<Utc>) -> bool {
    let last = crate::pyfmt::parse_iso(last_activity).map(|d| d.to_utc()).or(mtime.map(Into::into));
    last.is_some_and(|t| (now - t).num_seconds() <= ACTIVE_WITHIN.as_secs() as i64)
}

/// Redacts the prompt fields of a session's metadata (everything the UI
/// shows; the reference's `starter_prompt` is otherwise kept verbatim for
/// scripts comparing with it).
pub fn redact_info(s: &mut SessionInfo) {
    s.starter_prompt = crate::redact::redact(&s.starter_prompt).0;
}

/// Caches parsed sessions by file (path, modification time and size): a
/// listing after one session changed parses that one file again.
#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<HashMap<PathBuf, (SystemTime, u64, SessionInfo)>>,
    parsed: std::sync::atomic::AtomicU64,
}

impl SessionCache {
    /// Session files parsed so far (cache misses).
    pub fn files_parsed(&self) -> u64 {
        self.parsed.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn get(&self, path: &Path, mtime: SystemTime, size: u64, now: DateTime<Utc>) -> Option<SessionInfo> {
        {
            let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((m, sz, s)) = g.get(path) {
                if *m == mtime && *sz == size {
                    let mut s = s.clone();
                    // "Active" depends on the clock, not just the file.
                    s.active = is_active(&s.last_activity, Some(mtime), now);
                    return Some(s);
                }
            }
        }
        self.parsed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = parse_session(path, now)?;
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.len() > 20_000 {
            g.clear();
        }
        g.insert(path.to_path_buf(), (mtime, size, s.clone()));
        Some(s)
    }
}

/// The reference's listing: files modified within `days` of `now`,
/// de-duplicated by id (newer file wins), newest first, parsed until
/// `limit` sessions parsed (`None`: all), sorted by last activity.
pub fn list_sessions(
    claude_dir: &Path,
    root: &Path,
    days: f64,
    limit: Option<usize>,
    now: DateTime<Utc>,
    cache: &SessionCache,
) -> SessionList {
    let dirs = session_dirs(claude_dir, root);
    let cutoff = now - chrono::Duration::milliseconds((days * 86_400_000.0) as i64);
    let mut by_id: HashMap<String, (SystemTime, u64, PathBuf)> = HashMap::new();
    let mut total_files = 0usize;
    for d in &dirs {
        let Ok(rd) = std::fs::read_dir(d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) != Some("jsonl") {
                continue;
            }
            let Ok(m) = e.metadata() else { continue };
            if !m.is_file() {
                continue;
            }
            total_files += 1;
            let Ok(mtime) = m.modified() else { continue };
            let mt: DateTime<Utc> = mtime.into();
            if mt < cutoff {
                continue;
            }
            let id = p.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
            match by_id.get(&id) {
                Some((old, _, old_p)) if *old >= mtime => {
                    tracing::warn!(id = %id, kept = %old_p.display(), dropped = %p.display(), "ops.sessions: duplicate session id");
                }
                _ => {
                    by_id.insert(id, (mtime, m.len(), p));
                }
            }
        }
    }
    let in_window = by_id.len();
    let mut cands: Vec<(SystemTime, u64, PathBuf)> = by_id.into_values().collect();
    cands.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut out = Vec::new();
    let mut unreadable = 0;
    for (mtime, size, p) in cands {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        match cache.get(&p, mtime, size, now) {
            Some(s) => out.push(s),
            None => unreadable += 1,
        }
    }
    out.sort_by(|a, b| b.last_activity.cmp(&a.last_activity));
    let skipped_lines = out.iter().map(|s| s.skipped_lines).sum();
    SessionList {
        sessions: out,
        days,
        limit,
        dirs: dirs.iter().map(|d| d.display().to_string()).collect(),
        files_total: total_files as u64,
        files_in_window: in_window as u64,
        unreadable: unreadable as u64,
        skipped_lines,
    }
}

/// Is `id` a safe session file stem?
pub fn is_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && !id.starts_with('.')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn cut(s: &str) -> String {
    let n = s.chars().count();
    if n <= MAX_BLOCK_CHARS {
        return s.to_string();
    }
    let head: String = s.chars().take(MAX_BLOCK_CHARS).collect();
    format!("{head}\n… ({} more characters)", n - MAX_BLOCK_CHARS)
}

/// One session as readable turns, secrets redacted.
pub fn read_session(claude_dir: &Path, root: &Path, id: &str, now: DateTime<Utc>) -> Option<SessionDetail> {
    if !is_session_id(id) {
        return None;
    }
    let path = session_dirs(claude_dir, root).into_iter().map(|d| d.join(format!("{id}.jsonl"))).find(|p| p.is_file())?;
    let mut info = parse_session(&path, now)?;
    redact_info(&mut info);
    let f = std::fs::File::open(&path).ok()?;
    let mut turns = Vec::new();
    let mut redactions = 0usize;
    let mut red = |t: &str| {
        let (s, n) = crate::redact::redact(t);
        redactions += n;
        cut(&s)
    };
    for raw in BufReader::new(f).split(b'\n').map_while(Result::ok) {
        let text = String::from_utf8_lossy(&raw);
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text.trim()) else { continue };
        let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
        if kind != "user" && kind != "assistant" {
            continue;
        }
        let ts = v.get("timestamp").and_then(|t| t.as_str()).unwrap_or("").to_string();
        let msg = v.get("message");
        let model = msg.and_then(|m| m.get("model")).and_then(|m| m.as_str()).map(str::to_string);
        let content = msg.and_then(|m| m.get("content"));
        let mut turn =
            SessionTurn { role: kind.to_string(), timestamp: ts, model, text: Vec::new(), tools: Vec::new(), results: Vec::new() };
        match content {
            Some(serde_json::Value::String(s)) => turn.text.push(red(s)),
            Some(serde_json::Value::Array(blocks)) => {
                for b in blocks {
                    match b.get("type").and_then(|t| t.as_str()) {
                        Some("text") => {
                            if let Some(t) = b.get("text").and_then(|t| t.as_str()) {
                                turn.text.push(red(t));
                            }
                        }
                        Some("tool_use") => {
                            let name = b.get("name").and_then(|n| n.as_str()).unwrap_or("tool");
                            let input = b.get("input").map(|i| i.to_string()).unwrap_or_default();
                            let input: String = input.chars().take(400).collect();
                            turn.tools.push(red(&format!("{name} {input}")));
                        }
                        Some("tool_result") => {
                            let c = match b.get("content") {
                                Some(serde_json::Value::String(s)) => s.clone(),
                                Some(other) => other.to_string(),
                                None => String::new(),
                            };
                            let c: String = c.chars().take(2000).collect();
                            turn.results.push(red(&c));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if !turn.text.is_empty() || !turn.tools.is_empty() || !turn.results.is_empty() {
            turns.push(turn);
        }
    }
    Some(SessionDetail { session: info, turns, redactions: redactions as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_prompt_rules() {
        assert_eq!(starter_prompt("  fix\nthe   bug "), "fix the bug");
        let long = format!("{} tail", "word ".repeat(50));
        let s = starter_prompt(&long);
        assert!(s.ends_with('…'));
        assert!(s.chars().count() <= 201);
        let nospace = "x".repeat(300);
        assert_eq!(starter_prompt(&nospace).chars().count(), 201);
    }

    #[test]
    fn directories_and_parsing() {
        let d = tempfile::tempdir().unwrap();
        let claude = d.path().join("claude");
        let root = Path::new("/home/ana/shop");
        let enc = encode_root(root);
        assert_eq!(enc, "-home-ana-shop");
        for name in [enc.clone(), format!("{enc}-wt1"), format!("{enc}x"), "-home-other".into()] {
            std::fs::create_dir_all(claude.join("projects").join(name)).unwrap();
        }
        let dirs = session_dirs(&claude, root);
        assert_eq!(dirs.len(), 2);
        let now = Utc::now();
        let t0 = (now - chrono::Duration::minutes(3)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let t1 = (now - chrono::Duration::minutes(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let body = format!(
            "{{\"type\":\"summary\",\"summary\":\"x\"}}\n\
             {{\"type\":\"queue-operation\",\"timestamp\":\"{t0}\",\"content\":\"Fix   the\\nflaky test\"}}\n\
             {{\"type\":\"user\",\"timestamp\":\"{t0}\",\"gitBranch\":\"main\",\"message\":{{\"role\":\"user\",\"content\":\"Fix the flaky test\"}}}}\n\
             not json\n\
             [1,2]\n\
             {{\"type\":\"assistant\",\"timestamp\":\"{t1}\",\"message\":{{\"model\":\"claude-sonnet-4-5\",\"content\":[{{\"type\":\"text\",\"text\":\"key sk-ant-api03-abcdefghijklmnopqrstuv\"}},{{\"type\":\"tool_use\",\"name\":\"Bash\",\"input\":{{}}}}],\"usage\":{{\"input_tokens\":10,\"output_tokens\":5,\"cache_read_input_tokens\":7}}}}}}\n\
             {{\"type\":\"user\",\"timestamp\":\"{t1}\",\"message\":{{\"role\":\"user\",\"content\":[{{\"type\":\"tool_result\",\"content\":\"ok\"}}]}}}}\n"
        );
        std::fs::write(claude.join("projects").join(&enc).join("s1.jsonl"), &body).unwrap();
        std::fs::write(claude.join("projects").join(format!("{enc}-wt1")).join("s2.jsonl"), "").unwrap();
        let cache = SessionCache::default();
        let l = list_sessions(&claude, root, 3.0, Some(20), now, &cache);
        assert_eq!(l.sessions.len(), 2);
        let s = l.sessions.iter().find(|s| s.id == "s1").unwrap();
        assert_eq!(s.message_count, 1);
        assert_eq!(s.starter_prompt, "Fix the flaky test");
        assert_eq!(s.models, ["claude-sonnet-4-5"]);
        assert_eq!((s.input_tokens, s.output_tokens, s.cache_read_tokens), (10, 5, 7));
        assert_eq!(s.git_branch.as_deref(), Some("main"));
        assert_eq!(s.skipped_lines, 2);
        assert_eq!(s.user_messages, 1);
        assert_eq!(s.tool_uses, 1);
        assert!(s.active);
        assert!((s.duration_seconds - 120.0).abs() < 1.0);
        let empty = l.sessions.iter().find(|s| s.id == "s2").unwrap();
        assert_eq!(empty.starter_prompt, "(no prompt recorded)");
        // Listed again: nothing parsed; after one file changed: that file.
        assert_eq!(cache.files_parsed(), 2);
        assert_eq!(list_sessions(&claude, root, 3.0, Some(20), now, &cache).sessions, l.sessions);
        assert_eq!(cache.files_parsed(), 2);
        let line = format!("{{\"type\":\"queue-operation\",\"timestamp\":\"{t1}\",\"content\":\"hi\"}}\n");
        std::fs::write(claude.join("projects").join(format!("{enc}-wt1")).join("s2.jsonl"), line).unwrap();
        let again = list_sessions(&claude, root, 3.0, Some(20), now, &cache);
        assert_eq!(cache.files_parsed(), 3);
        assert_eq!(again.sessions.iter().find(|s| s.id == "s2").unwrap().starter_prompt, "hi");
        let detail = read_session(&claude, root, "s1", now).unwrap();
        assert_eq!(detail.turns.len(), 3);
        assert!(detail.turns[1].text[0].contains("<redacted>"));
        assert_eq!(detail.redactions, 1);
        assert!(read_session(&claude, root, "../x", now).is_none());
    }
}
