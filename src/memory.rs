//! The memory index, read-only: `attune:memory:*` keys in Redis, written by
//! attune's hydrator at session start (curated nodes, lessons, file
//! pointers, rules, edges). The reference's layout and rules:
//!
//! * a key's family is the segment after the prefix, its name the rest;
//! * its kind: a hash's `type` field (else the family), `edge list` for a
//!   list, `set`, `marker` for a string, else `unknown`;
//! * the overview scans the namespace once, asks every candidate's `TYPE`
//!   and every hash's `type` in one pipeline each, then fetches only the
//!   50 rows shown, in one more;
//! * a node is read only when its key is inside the namespace, checked
//!   before Redis is touched, so the page never becomes a Redis browser.
//!
//! Nothing here writes. Where the reference gave up on the whole page (a
//! key or value that is not UTF-8, an edge that is not a JSON object), this
//! reads on: keys are skipped and counted, values decoded lossily, odd
//! edges left out of the preview.

use std::collections::BTreeMap;
use std::path::Path;

use redis::aio::MultiplexedConnection;
use redis::Value;

use crate::redis_conn::{classify, RedisError, Target};
use crate::wire::{MemoryAttention, MemoryOverview, MemoryRow, MEMORY_PREFIX};

const PAGE_SIZE: usize = 50;
const SCAN_COUNT: usize = 500;
const HYDRATED_AT: &str = "attune:memory:hydrated_at";
const THREAD_PREFIX: &str = "attune:roundtable:thread:";
/// Suite-canary threads: never counted.
pub const DIAGNOSTIC_THREADS: [&str; 2] = ["test-", "routine-test-"];
const STALE_AFTER_HOURS: f64 = 24.0;

/// The segment after the prefix.
pub fn family_of(key: &str) -> &str {
    let rest = key.strip_prefix(MEMORY_PREFIX).unwrap_or(key);
    rest.split(':').next().unwrap_or("")
}

/// The rest after `<family>:`, or the family itself.
pub fn display_name(key: &str) -> &str {
    let rest = key.strip_prefix(MEMORY_PREFIX).unwrap_or(key);
    match rest.split_once(':') {
        Some((_, name)) => name,
        None => rest,
    }
}

/// Every key matching `pattern`, deduplicated and sorted; keys that are
/// not UTF-8 are counted, not kept.
pub(crate) async fn scan(con: &mut MultiplexedConnection, pattern: &str, shown: &str) -> Result<(Vec<String>, u32), RedisError> {
    let mut cursor: u64 = 0;
    let mut keys = std::collections::BTreeSet::new();
    let mut skipped = 0u32;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query_async(con)
            .await
            .map_err(|e| classify(e, shown))?;
        for k in batch {
            match String::from_utf8(k) {
                Ok(s) => {
                    keys.insert(s);
                }
                Err(_) => skipped += 1,
            }
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    Ok((keys.into_iter().collect(), skipped))
}

/// Runs a pipeline; a command's own error comes back as a
/// `Value::ServerError` in its place rather than failing the others.
pub(crate) async fn run(con: &mut MultiplexedConnection, mut pipe: redis::Pipeline, shown: &str) -> Result<Vec<Value>, RedisError> {
    if pipe.cmd_iter().next().is_none() {
        return Ok(Vec::new());
    }
    pipe.ignore_errors();
    pipe.query_async(con).await.map_err(|e| classify(e, shown))
}

/// A reply as text (lossy), or `None` for nil, errors and aggregates.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Okay => Some("OK".into()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A reply's items (arrays and sets), else none.
pub(crate) fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) | Value::Set(a) => a.iter().collect(),
        _ => Vec::new(),
    }
}

/// A map reply (`HGETALL`, RESP2 arrays or RESP3 maps) as pairs.
pub(crate) fn pairs(v: &Value) -> Vec<(String, String)> {
    match v {
        Value::Map(m) => m.iter().filter_map(|(k, v)| Some((text(k)?, text(v)?))).collect(),
        Value::Array(a) => a.chunks(2).filter_map(|c| Some((text(c.first()?)?, text(c.get(1)?)?))).collect(),
        _ => Vec::new(),
    }
}

fn kind_of(key: &str, key_type: &str, hash_kind: Option<&String>) -> String {
    match key_type {
        "hash" => hash_kind.cloned().unwrap_or_else(|| family_of(key).to_string()),
        "list" => "edge list".into(),
        "set" => "set".into(),
        "string" => "marker".into(),
        _ => "unknown".into(),
    }
}

/// `N chars`, or `X.Y KB` from 1024 characters.
pub fn human_size(chars: usize) -> String {
    if chars >= 1024 {
        format!("{:.1} KB", chars as f64 / 1024.0)
    } else {
        format!("{chars} chars")
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn first_line(text: &str) -> String {
    crate::pytext::splitlines(text).into_iter().map(crate::pytext::strip).find(|l| !l.is_empty()).unwrap_or("").to_string()
}

/// `→ target (type)` for the first two edges that are JSON objects (the
/// type only when it is truthy, as Python tests it).
pub fn edge_preview(edges: &[String]) -> String {
    use serde_json::Value as J;
    let show = crate::pyfmt::str_of;
    let mut parts = Vec::new();
    for raw in edges.iter().take(2) {
        let Ok(J::Object(edge)) = serde_json::from_str::<J>(raw) else { continue };
        let target = edge.get("target").map(show).unwrap_or_else(|| "?".into());
        let kind = edge.get("type").filter(|t| crate::pyfmt::truthy(t)).map(|t| format!(" ({})", show(t))).unwrap_or_default();
        parts.push(format!("→ {target}{kind}"));
    }
    parts.join("; ")
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn build_row(key: &str, key_type: &str, reply: &Value, hash_kind: Option<&String>) -> MemoryRow {
    let (mut description, mut size) = (String::new(), String::new());
    match key_type {
        "hash" => {
            let f: Vec<Option<String>> = items(reply).into_iter().map(text).collect();
            let desc = f.get(1).cloned().flatten().filter(|s| !s.is_empty());
            let body = f.get(2).cloned().flatten().filter(|s| !s.is_empty());
            if !items(reply).is_empty() {
                description = desc.clone().unwrap_or_else(|| first_line(body.as_deref().unwrap_or("")));
                size = human_size(body.or(desc).map(|s| s.chars().count()).unwrap_or(0));
            }
        }
        "list" => {
            if matches!(reply, Value::Array(_)) {
                let edges: Vec<String> = items(reply).into_iter().filter_map(text).collect();
                description = edge_preview(&edges);
                size = plural(items(reply).len(), "edge");
            }
        }
        "string" => {
            description = text(reply).unwrap_or_default();
            size = human_size(description.chars().count());
        }
        "set" => {
            if matches!(reply, Value::Array(_) | Value::Set(_)) {
                let mut m: Vec<String> = items(reply).into_iter().filter_map(text).collect();
                m.sort();
                description = m.iter().take(5).cloned().collect::<Vec<_>>().join(", ") + if m.len() > 5 { "…" } else { "" };
                size = plural(m.len(), "member");
            }
        }
        _ => {}
    }
    MemoryRow {
        key: key.to_string(),
        family: family_of(key).to_string(),
        name: display_name(key).to_string(),
        kind: kind_of(key, key_type, hash_kind),
        description: truncate(&description, 300),
        size,
    }
}

/// Family counts, kind counts and page `page` (clamped) of the rows of
/// `family` and `kind` (`None`: all).
pub async fn overview(
    con: &mut MultiplexedConnection,
    target: &Target,
    family: Option<&str>,
    kind: Option<&str>,
    page: u32,
) -> Result<MemoryOverview, RedisError> {
    let shown = target.shown.as_str();
    let (keys, skipped_keys) = scan(con, &format!("{MEMORY_PREFIX}*"), shown).await?;
    let mut families: BTreeMap<String, u64> = BTreeMap::new();
    for k in &keys {
        *families.entry(family_of(k).to_string()).or_default() += 1;
    }
    let candidates: Vec<&String> = keys.iter().filter(|k| family.is_none_or(|f| family_of(k) == f)).collect();
    let mut p = redis::pipe();
    for k in &candidates {
        p.cmd("TYPE").arg(k.as_str());
    }
    let types: Vec<String> = run(con, p, shown).await?.iter().map(|v| text(v).unwrap_or_else(|| "none".into())).collect();
    let hashes: Vec<&String> = candidates.iter().zip(&types).filter(|(_, t)| *t == "hash").map(|(k, _)| *k).collect();
    let mut p = redis::pipe();
    for k in &hashes {
        p.cmd("HMGET").arg(k.as_str()).arg("type");
    }
    let hash_kinds: std::collections::HashMap<&str, String> = hashes
        .iter()
        .zip(run(con, p, shown).await?)
        .map(|(k, v)| {
            let t = items(&v).first().and_then(|x| text(x)).filter(|s| !s.is_empty());
            (k.as_str(), t.unwrap_or_else(|| family_of(k).to_string()))
        })
        .collect();
    let kinds: Vec<String> = candidates.iter().zip(&types).map(|(k, t)| kind_of(k, t, hash_kinds.get(k.as_str()))).collect();
    let mut kind_counts: BTreeMap<String, u64> = BTreeMap::new();
    for k in &kinds {
        *kind_counts.entry(k.clone()).or_default() += 1;
    }
    let selected: Vec<(&String, &String)> = candidates
        .iter()
        .zip(&types)
        .zip(&kinds)
        .filter(|(_, k)| kind.is_none_or(|want| *k == want))
        .map(|((key, t), _)| (*key, t))
        .collect();
    let pages = selected.len().div_ceil(PAGE_SIZE).max(1) as u32;
    let page = page.clamp(1, pages);
    let start = (page as usize - 1) * PAGE_SIZE;
    let window = &selected[start.min(selected.len())..(start + PAGE_SIZE).min(selected.len())];
    let mut p = redis::pipe();
    for (k, t) in window {
        match t.as_str() {
            "hash" => p.cmd("HMGET").arg(k.as_str()).arg("type").arg("description").arg("text"),
            "list" => p.cmd("LRANGE").arg(k.as_str()).arg(0).arg(-1),
            "string" => p.cmd("GET").arg(k.as_str()),
            "set" => p.cmd("SMEMBERS").arg(k.as_str()),
            _ => p.cmd("EXISTS").arg(k.as_str()),
        };
    }
    let replies = run(con, p, shown).await?;
    let rows = window.iter().zip(&replies).map(|((k, t), v)| build_row(k, t, v, hash_kinds.get(k.as_str()))).collect();
    Ok(MemoryOverview {
        total: keys.len() as u64,
        family_counts: families.into_iter().collect(),
        kind_counts: kind_counts.into_iter().collect(),
        rows,
        family: family.map(str::to_string),
        kind: kind.map(str::to_string),
        page,
        pages,
        skipped_keys,
    })
}

/// One node's fields (sorted as strings), `None` when the key is missing;
/// the caller has checked the namespace.
pub async fn node(con: &mut MultiplexedConnection, target: &Target, key: &str) -> Result<Option<Vec<(String, String)>>, RedisError> {
    let shown = target.shown.as_str();
    let t: String = redis::cmd("TYPE").arg(key).query_async(con).await.map_err(|e| classify(e, shown))?;
    let q = |c: &mut redis::Cmd| c.clone();
    let mut fields: Vec<(String, String)> = match t.as_str() {
        "hash" => pairs(&q(redis::cmd("HGETALL").arg(key)).query_async::<Value>(con).await.map_err(|e| classify(e, shown))?),
        "list" => {
            let v: Value = redis::cmd("LRANGE").arg(key).arg(0).arg(199).query_async(con).await.map_err(|e| classify(e, shown))?;
            items(&v).into_iter().enumerate().filter_map(|(i, x)| Some((format!("edge {}", i + 1), text(x)?))).collect()
        }
        "set" => {
            let v: Value = redis::cmd("SMEMBERS").arg(key).query_async(con).await.map_err(|e| classify(e, shown))?;
            let mut m: Vec<String> = items(&v).into_iter().filter_map(text).collect();
            m.sort();
            vec![("members".into(), m.join("\n"))]
        }
        "string" => {
            let v: Value = redis::cmd("GET").arg(key).query_async(con).await.map_err(|e| classify(e, shown))?;
            text(&v).map(|s| vec![("value".into(), s)]).unwrap_or_default()
        }
        "none" => Vec::new(),
        other => vec![("type".into(), other.to_string()), ("note".into(), "unsupported value type for display".into())],
    };
    fields.sort();
    Ok((!fields.is_empty()).then_some(fields))
}

/// How many keys the namespace holds (Home's tile).
pub async fn count(con: &mut MultiplexedConnection, target: &Target) -> Result<u64, RedisError> {
    Ok(scan(con, &format!("{MEMORY_PREFIX}*"), &target.shown).await?.0.len() as u64)
}

/// The attention header: the hydration stamp and its age, corpus files
/// changed since, threads pending promotion. `now` in UTC.
pub async fn attention(
    con: &mut MultiplexedConnection,
    target: &Target,
    project_root: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<MemoryAttention, RedisError> {
    let raw: Value = redis::cmd("GET").arg(HYDRATED_AT).query_async(con).await.map_err(|e| classify(e, &target.shown))?;
    let stamp = text(&raw);
    let mut a = MemoryAttention { hydrated_at: stamp.clone(), ..Default::default() };
    match stamp.as_deref().and_then(crate::pyfmt::parse_iso).map(|t| t.to_utc()) {
        None => a.stale = true,
        Some(t) => {
            let age = (now - t).num_microseconds().map_or(f64::INFINITY, |us| us as f64 / 3_600_000_000.0);
            a.age_hours = Some(crate::pyfmt::round(age, 1));
            a.stale = age > STALE_AFTER_HOURS;
            let root = project_root.to_path_buf();
            a.changed_since = tokio::task::spawn_blocking(move || changed_since(&root, t)).await.unwrap_or_default();
        }
    }
    a.pending_threads = pending_threads(con, &target.shown).await;
    Ok(a)
}

/// `.claude/lessons.md` and `.claude/rules-tail/**/*.md` modified after `t`.
fn changed_since(root: &Path, t: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let stamp = t.timestamp_micros() as f64 / 1_000_000.0;
    let mut files = vec![root.join(".claude/lessons.md")];
    let tail = root.join(".claude/rules-tail");
    let mut stack = vec![tail];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if e.file_name().to_string_lossy().ends_with(".md") {
                files.push(e.path());
            }
        }
    }
    let mut out: Vec<String> = files
        .into_iter()
        .filter(|p| std::fs::metadata(p).map(|m| crate::pyfmt::st_mtime(&m) > stamp).unwrap_or(false))
        .filter_map(|p| p.strip_prefix(root).ok().map(|r| r.to_string_lossy().into_owned()))
        .collect();
    out.sort();
    out
}

/// Threads whose meta is not `promoted` (test threads left out); 0 when
/// the board cannot be read.
async fn pending_threads(con: &mut MultiplexedConnection, shown: &str) -> u32 {
    let Ok((keys, _)) = scan(con, &format!("{THREAD_PREFIX}*"), shown).await else { return 0 };
    // `attune:roundtable:thread:meta` is a thread named `meta`, not a meta
    // key: the id is what lies between the prefix and the suffix.
    let metas: Vec<&String> = keys
        .iter()
        .filter(|k| {
            k.strip_prefix(THREAD_PREFIX)
                .and_then(|r| r.strip_suffix(":meta"))
                .is_some_and(|id| !DIAGNOSTIC_THREADS.iter().any(|p| id.starts_with(p)))
        })
        .collect();
    let mut p = redis::pipe();
    for k in &metas {
        p.cmd("HGETALL").arg(k.as_str());
    }
    match run(con, p, shown).await {
        Ok(replies) => replies
            .iter()
            .filter(|v| !matches!(v, Value::ServerError(_)))
            .filter(|v| !pairs(v).iter().any(|(k, s)| k == "status" && s == "promoted"))
            .count() as u32,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_names_and_sizes() {
        assert_eq!((family_of("attune:memory:node:a:b"), display_name("attune:memory:node:a:b")), ("node", "a:b"));
        assert_eq!((family_of("attune:memory:marker"), display_name("attune:memory:marker")), ("marker", "marker"));
        assert_eq!(human_size(1023), "1023 chars");
        assert_eq!(human_size(1024), "1.0 KB");
        assert_eq!(human_size(1587), "1.5 KB");
    }

    #[test]
    fn edge_previews_skip_what_is_not_an_object() {
        let e = |s: &str| s.to_string();
        assert_eq!(
            edge_preview(&[e("{\"target\":\"attune:memory:node:x\",\"type\":\"cites\"}"), e("{\"type\":\"\"}"), e("{\"target\":\"y\"}")]),
            "→ attune:memory:node:x (cites); → ?"
        );
        assert_eq!(edge_preview(&[e("5"), e("not json"), e("{\"target\":7}")]), "");
        assert_eq!(edge_preview(&[e("{\"target\":7,\"type\":\"0\"}"), e("{\"target\":null,\"type\":0}")]), "→ 7 (0); → None");
    }

    #[test]
    fn rows_by_type() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let r = build_row(
            "attune:memory:lesson:l1",
            "hash",
            &Value::Array(vec![Value::Nil, Value::Nil, bulk("\n  First line  \nsecond")]),
            None,
        );
        assert_eq!((r.kind.as_str(), r.description.as_str(), r.size.as_str()), ("lesson", "First line", "22 chars"));
        let r = build_row("attune:memory:edges:a", "list", &Value::Array(vec![bulk("{\"target\":\"b\"}")]), None);
        assert_eq!((r.kind.as_str(), r.size.as_str()), ("edge list", "1 edge"));
        let r = build_row("attune:memory:rule:s", "set", &Value::Set((0..7).map(|i| bulk(&format!("m{i}"))).collect()), None);
        assert_eq!((r.description.as_str(), r.size.as_str()), ("m0, m1, m2, m3, m4…", "7 members"));
        let r = build_row("attune:memory:hydrated_at", "string", &bulk("2026-01-01T00:00:00+00:00"), None);
        assert_eq!((r.kind.as_str(), r.size.as_str()), ("marker", "25 chars"));
        let r = build_row("attune:memory:x", "zset", &Value::Int(1), None);
        assert_eq!((r.kind.as_str(), r.size.as_str()), ("unknown", ""));
    }
}
