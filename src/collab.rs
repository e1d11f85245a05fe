//! The collaboration inbox, read-only: what needs a person's decision.
//! Four sources, each degrading on its own:
//!
//! * round-table threads pending promotion (Redis,
//!   `attune:roundtable:thread:<id>` lists with a `…:meta` hash), soonest
//!   to expire first;
//! * hand-off packets (`docs/handoffs/*.md`) whose branch is gone or already
//!   merged into `origin/main`, asked of git read-only (`rev-parse`,
//!   `merge-base`; argv, no shell, 10 s each);
//! * cross-review ledger rows still `| not-triaged |`;
//! * the docs outbox (`<home>/docs-outbox/`), stale from two days. Unlike
//!   the reference, reading it never creates the folder.
//!
//! Promotion happens in a Claude Code session (`/roundtable promote`):
//! nothing here writes.

use std::path::Path;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::Value;

use crate::memory::{items, pairs, run, scan, text, DIAGNOSTIC_THREADS};
use crate::redis_conn::{classify, RedisError, Target};
use crate::wire::{CollabHandoff, CollabInbox, CollabOutbox, CollabThread, ThreadMessage};

const THREAD_PREFIX: &str = "attune:roundtable:thread:";
const GIT_TIMEOUT: Duration = Duration::from_secs(10);
const NOT_TRIAGED: &str = "| not-triaged |";
const OUTBOX_STALE_DAYS: f64 = 2.0;
/// How many packets are asked of git at once.
const GIT_PARALLEL: usize = 4;

/// Python's `datetime.min` (0001-01-01), the age of an artifact whose name
/// does not parse.
static PY_MIN: std::sync::LazyLock<chrono::NaiveDateTime> =
    std::sync::LazyLock::new(|| chrono::NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default());

/// Threads not promoted, the soonest to expire first (no expiry last).
pub async fn pending_threads(con: &mut MultiplexedConnection, target: &Target) -> Result<Vec<CollabThread>, RedisError> {
    let shown = target.shown.as_str();
    let (keys, _) = scan(con, &format!("{THREAD_PREFIX}*"), shown).await?;
    let threads: Vec<&String> = keys
        .iter()
        .filter(|k| !k.ends_with(":meta"))
        .filter(|k| !DIAGNOSTIC_THREADS.iter().any(|p| k[THREAD_PREFIX.len()..].starts_with(p)))
        .collect();
    let mut p = redis::pipe();
    for k in &threads {
        p.cmd("HGETALL").arg(format!("{k}:meta")).cmd("LLEN").arg(k.as_str()).cmd("TTL").arg(k.as_str());
    }
    let replies = run(con, p, shown).await?;
    let mut rows = Vec::new();
    for (k, r) in threads.iter().zip(replies.chunks(3)) {
        let [meta, len, ttl] = r else { continue };
        let meta = pairs(meta);
        let status = meta.iter().find(|(f, _)| f == "status").map(|(_, v)| v.clone());
        if status.as_deref() == Some("promoted") {
            continue;
        }
        // Not a list (LLEN refused it): not a thread.
        let Value::Int(messages) = len else { continue };
        let ttl_hours = match ttl {
            Value::Int(t) if *t > 0 => Some(crate::pyfmt::round(*t as f64 / 3600.0, 1)),
            _ => None,
        };
        rows.push(CollabThread {
            thread: k[THREAD_PREFIX.len()..].to_string(),
            messages: (*messages).max(0) as u64,
            ttl_hours,
            status: status.unwrap_or_else(|| "open".into()),
        });
    }
    rows.sort_by(|a, b| match (a.ttl_hours, b.ttl_hours) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(rows)
}

/// A thread id the page may read: not empty, no whitespace, no `:` (so
/// no other key can be named).
pub fn is_thread_id(id: &str) -> bool {
    !id.is_empty() && !id.chars().any(crate::pytext::is_space) && !id.contains(':')
}

/// The first 200 messages of a thread (items that are not JSON objects
/// skipped); an unknown id is an empty thread.
pub async fn thread(con: &mut MultiplexedConnection, target: &Target, id: &str) -> Result<Vec<ThreadMessage>, RedisError> {
    let v: Value = redis::cmd("LRANGE")
        .arg(format!("{THREAD_PREFIX}{id}"))
        .arg(0)
        .arg(199)
        .query_async(con)
        .await
        .map_err(|e| classify(e, &target.shown))?;
    Ok(items(&v).into_iter().filter_map(text).filter_map(|raw| message(&raw)).collect())
}

fn message(raw: &str) -> Option<ThreadMessage> {
    use serde_json::Value as J;
    let J::Object(m) = serde_json::from_str::<J>(raw).ok()? else { return None };
    let field = |k: &str| m.get(k).map(crate::pyfmt::str_of).unwrap_or_default();
    let round = match m.get("round") {
        None | Some(J::Null) | Some(J::Bool(false)) => String::new(),
        Some(J::Number(n)) if n.as_f64() == Some(0.0) => String::new(),
        Some(J::String(s)) if s.is_empty() => String::new(),
        Some(_) => field("round"),
    };
    Some(ThreadMessage { id: field("id"), kind: field("kind"), author: field("author"), round, body: field("body") })
}

/// `branch: <JSON>` among lines 2–40 of a packet's frontmatter.
fn packet_branch(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    for line in crate::pytext::splitlines(&text).into_iter().skip(1).take(39) {
        if line == "---" {
            break;
        }
        if let Some(rest) = line.strip_prefix("branch: ") {
            return Some(crate::pyfmt::str_of(&serde_json::from_str::<serde_json::Value>(rest).ok()?)).filter(|b| !b.is_empty());
        }
    }
    None
}

/// `git -C <root> <args>`: read-only subcommands only; `Some(stdout)` on
/// exit 0, `None` on any failure or after 10 s (the process is killed).
async fn git(root: &Path, args: &[&str]) -> Option<String> {
    if !matches!(args.first(), Some(&"rev-parse") | Some(&"merge-base")) {
        return None;
    }
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("-C").arg(root).args(args).env("GIT_TERMINAL_PROMPT", "0").env("GIT_OPTIONAL_LOCKS", "0");
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).kill_on_drop(true);
    let out = tokio::time::timeout(GIT_TIMEOUT, cmd.output()).await.ok()?.ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Packets whose branch no longer exists, or is merged into `origin/main`,
/// in name order; a few packets are asked of git at once, so a page waits
/// at most about 20 s per four packets even when git hangs.
pub async fn stale_handoffs(root: &Path) -> Vec<CollabHandoff> {
    use futures::StreamExt;
    let dir = root.join("docs/handoffs");
    let packets = tokio::task::spawn_blocking(move || {
        let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
        let mut paths: Vec<std::path::PathBuf> =
            rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "md")).collect();
        paths.sort();
        paths.into_iter().filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), packet_branch(&p)?))).collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    futures::stream::iter(packets)
        .map(|(slug, branch)| async move {
            let head = format!("refs/heads/{branch}");
            let reason = if git(root, &["rev-parse", "--verify", "--quiet", &head]).await.is_none() {
                "branch missing"
            } else if git(root, &["merge-base", "--is-ancestor", &head, "origin/main"]).await.is_some() {
                "branch merged — packet should be deleted"
            } else {
                return None;
            };
            Some(CollabHandoff { slug, branch, reason: reason.into() })
        })
        .buffered(GIT_PARALLEL)
        .filter_map(|r| async move { r })
        .collect()
        .await
}

/// `| not-triaged |` rows of the cross-review ledger (0 if unreadable).
pub fn untriaged_reviews(root: &Path) -> u64 {
    std::fs::read(root.join("docs/specs/cross-review/receipts.md"))
        .map(|b| String::from_utf8_lossy(&b).matches(NOT_TRIAGED).count() as u64)
        .unwrap_or(0)
}

/// The outbox's pending artifacts (`[0-9]*.md`, named
/// `YYYYMMDD-HHMM-<kind>-<slug>[-NNN].md`, local time); `None` when there
/// are none or the folder does not exist. A name that does not parse
/// counts as the oldest possible, so it still turns stale.
pub fn outbox(home: &Path, now_local: chrono::NaiveDateTime) -> Option<CollabOutbox> {
    let rd = std::fs::read_dir(home.join("docs-outbox")).ok()?;
    let mut oldest: Option<chrono::NaiveDateTime> = None;
    let mut count = 0u64;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(|c: char| c.is_ascii_digit()) || !name.ends_with(".md") || !e.path().is_file() {
            continue;
        }
        count += 1;
        let created = created_of(&name).unwrap_or(*PY_MIN);
        oldest = Some(oldest.map_or(created, |o| o.min(created)));
    }
    let oldest = oldest?;
    let days = ((now_local - oldest).num_seconds() as f64 / 86_400.0).max(0.0);
    Some(CollabOutbox { count, oldest_days: crate::pyfmt::round(days, 1), stale: days >= OUTBOX_STALE_DAYS })
}

fn created_of(name: &str) -> Option<chrono::NaiveDateTime> {
    let stem = name.strip_suffix(".md")?;
    let (ts, rest) = (stem.get(..13)?, stem.get(13..)?);
    let rest = rest.strip_prefix('-')?;
    let (kind, slug) = rest.split_once('-')?;
    let ok_kind = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase());
    let ok_slug = !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_ts = ts.bytes().enumerate().all(|(i, b)| if i == 8 { b == b'-' } else { b.is_ascii_digit() });
    if !(ok_kind && ok_slug && ok_ts) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(ts, "%Y%m%d-%H%M").ok()
}

/// The whole inbox: the board through `con` (when Redis answered), the
/// files, git.
pub async fn inbox(
    board: Result<Vec<CollabThread>, RedisError>,
    root: &Path,
    home: &Path,
    now_local: chrono::NaiveDateTime,
) -> CollabInbox {
    let mut i = CollabInbox::default();
    match board {
        Ok(t) => {
            i.board_reachable = true;
            i.threads = t;
        }
        Err(e) => i.board_error = Some(e.to_string()),
    }
    i.stale_handoffs = stale_handoffs(root).await;
    let (r, h) = (root.to_path_buf(), home.to_path_buf());
    let (untriaged, docs_outbox) =
        tokio::task::spawn_blocking(move || (untriaged_reviews(&r), outbox(&h, now_local))).await.unwrap_or((0, None));
    i.untriaged_reviews = untriaged;
    i.docs_outbox = docs_outbox;
    i.action_count = (i.threads.len()
        + i.stale_handoffs.len()
        + usize::from(i.untriaged_reviews > 0)
        + usize::from(i.docs_outbox.as_ref().is_some_and(|o| o.stale))) as u32;
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_cannot_name_other_keys() {
        assert!(is_thread_id("q-ops-001"));
        for bad in ["", "a b", "a:meta", "x\u{a0}y", "\n"] {
            assert!(!is_thread_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn messages_keep_what_they_have() {
        let m = message(r#"{"id": 3, "kind": "position", "author": "claude", "body": "yes", "round": 2}"#).unwrap();
        assert_eq!((m.id.as_str(), m.round.as_str(), m.body.as_str()), ("3", "2", "yes"));
        assert_eq!(message(r#"{"round": 0}"#).unwrap().round, "");
        assert_eq!(message(r#"{"author": null}"#).unwrap().author, "None");
        assert!(message("[1]").is_none() && message("nope").is_none());
    }

    #[test]
    fn outbox_names_and_ages() {
        let d = tempfile::tempdir().unwrap();
        assert!(outbox(d.path(), chrono::NaiveDateTime::MIN).is_none());
        assert!(!d.path().join("docs-outbox").exists(), "reading never creates the folder");
        std::fs::create_dir_all(d.path().join("docs-outbox")).unwrap();
        std::fs::write(d.path().join("docs-outbox/20261101-0930-faq-install-002.md"), "x").unwrap();
        std::fs::write(d.path().join("docs-outbox/digest.md"), "x").unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(21, 30, 0).unwrap();
        let o = outbox(d.path(), now).unwrap();
        assert_eq!((o.count, o.oldest_days, o.stale), (1, 1.5, false));
        std::fs::write(d.path().join("docs-outbox/9-hand-dropped.md"), "x").unwrap();
        let o = outbox(d.path(), now).unwrap();
        assert_eq!(o.count, 2);
        assert!(o.stale && (739_000.0..741_000.0).contains(&o.oldest_days), "datetime.min: {}", o.oldest_days);
        assert_eq!(created_of("20261301-0930-faq-x.md"), None);
    }

    #[test]
    fn packets_name_their_branch_in_the_frontmatter() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("p.md");
        std::fs::write(&p, "---\nbase_ref: \"main\"\nbranch: \"feat/x\"\n---\n# Agent work handoff\n").unwrap();
        assert_eq!(packet_branch(&p).as_deref(), Some("feat/x"));
        std::fs::write(&p, "---\n---\nbranch: \"late\"\n").unwrap();
        assert_eq!(packet_branch(&p), None);
        std::fs::write(&p, "branch: \"first line is not read\"\n").unwrap();
        assert_eq!(packet_branch(&p), None);
    }

    #[test]
    fn the_ledger_counts_untriaged_rows() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(untriaged_reviews(d.path()), 0);
        std::fs::create_dir_all(d.path().join("docs/specs/cross-review")).unwrap();
        std::fs::write(d.path().join("docs/specs/cross-review/receipts.md"), "| a | not-triaged |\n| b | real |\n| c | not-triaged |\n")
            .unwrap();
        assert_eq!(untriaged_reviews(d.path()), 2);
    }
}
