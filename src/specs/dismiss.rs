//! Dismissed completion candidates: `<home>/ops/spec_completion_dismissed.json`,
//! shared with the reference dashboard.
//!
//! `{"dismissed": {"<slug>": {"dismissed_at": ISO, "snapshot_hash": hex,
//! "ttl_days": int}}, "version": 1}`, written with indent 2, sorted keys and
//! a trailing newline, atomically. A dismissal hides a candidate while its
//! snapshot hash is unchanged and `now < dismissed_at + ttl_days`.
//!
//! Reading is tolerant, with the reference's rules: a missing file is empty;
//! an unreadable or malformed one is empty with a warning; a bad entry is
//! skipped with a warning (and dropped by the next save).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{json, Value};

use crate::config::Config;
use crate::pyfmt::{self, Dumps, PyDateTime};

/// How long a dismissal lasts unless said otherwise.
pub const DEFAULT_TTL_DAYS: i64 = 14;

/// One dismissal.
#[derive(Clone, Debug, PartialEq)]
pub struct DismissEntry {
    pub dismissed_at: DateTime<FixedOffset>,
    pub snapshot_hash: String,
    pub ttl_days: i64,
}

impl DismissEntry {
    /// Hides a candidate with `hash` at `now`?
    pub fn is_active(&self, hash: &str, now: DateTime<Utc>) -> bool {
        if self.snapshot_hash != hash {
            return false;
        }
        match self.dismissed_at.checked_add_signed(chrono::Duration::days(self.ttl_days.min(3_000_000))) {
            Some(expires) => now < expires,
            None => true,
        }
    }
}

fn parse_entry(v: &Value) -> Option<DismissEntry> {
    let o = v.as_object()?;
    let at = o.get("dismissed_at")?.as_str()?;
    let hash = o.get("snapshot_hash")?.as_str()?;
    // An int (not a bool, not a float), non-negative.
    let ttl = match o.get("ttl_days")? {
        Value::Number(n) if n.is_i64() || n.is_u64() => n.as_i64().unwrap_or(i64::MAX),
        _ => return None,
    };
    if ttl < 0 {
        return None;
    }
    let PyDateTime::Aware(at) = pyfmt::parse_iso(at)? else { return None };
    Some(DismissEntry { dismissed_at: at, snapshot_hash: hash.to_string(), ttl_days: ttl })
}

/// The dismissals in `path`.
pub fn load_from(path: &Path) -> BTreeMap<String, DismissEntry> {
    let mut out = BTreeMap::new();
    let text = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "dismiss store unreadable");
            return out;
        }
    };
    let root: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "dismiss store has invalid JSON");
            return out;
        }
    };
    let Some(o) = root.as_object() else {
        tracing::warn!(path = %path.display(), "dismiss store is not a JSON object");
        return out;
    };
    // Python's `version != 1`: 1, 1.0 and true all equal 1.
    let v1 = match o.get("version") {
        Some(Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(Value::Bool(b)) => *b,
        _ => false,
    };
    if !v1 {
        tracing::warn!(path = %path.display(), "dismiss store has an unsupported version");
        return out;
    }
    let Some(d) = o.get("dismissed").and_then(Value::as_object) else {
        tracing::warn!(path = %path.display(), "dismiss store has no 'dismissed' object");
        return out;
    };
    for (slug, v) in d {
        match parse_entry(v) {
            Some(e) => {
                out.insert(slug.clone(), e);
            }
            None => tracing::warn!(slug = %slug, "dismiss store entry is malformed; skipped"),
        }
    }
    out
}

/// The configured store's dismissals.
pub fn load(cfg: &Config) -> BTreeMap<String, DismissEntry> {
    load_from(&cfg.dismissed_path())
}

fn write(path: &Path, entries: &BTreeMap<String, DismissEntry>) -> std::io::Result<()> {
    let mut d = serde_json::Map::new();
    for (slug, e) in entries {
        d.insert(
            slug.clone(),
            json!({"dismissed_at": pyfmt::iso_aware(e.dismissed_at), "snapshot_hash": e.snapshot_hash, "ttl_days": e.ttl_days}),
        );
    }
    let mut text = pyfmt::dumps(&json!({"dismissed": Value::Object(d), "version": 1}), Dumps::INDENT2_SORTED);
    text.push('\n');
    crate::fsutil::write_atomic(path, text.as_bytes(), true)
}

/// Dismisses `slug` at `hash` for `ttl_days` from `now` (replacing any
/// earlier dismissal of it).
pub fn save(cfg: &Config, slug: &str, hash: &str, ttl_days: i64, now: DateTime<Utc>) -> std::io::Result<()> {
    let path = cfg.dismissed_path();
    let mut all = load_from(&path);
    all.insert(slug.to_string(), DismissEntry { dismissed_at: now.fixed_offset(), snapshot_hash: hash.to_string(), ttl_days });
    write(&path, &all)
}

/// Forgets `slug`'s dismissal (nothing is written when there is none).
pub fn clear(cfg: &Config, slug: &str) -> std::io::Result<()> {
    let path = cfg.dismissed_path();
    let mut all = load_from(&path);
    if all.remove(slug).is_none() {
        return Ok(());
    }
    write(&path, &all)
}

/// Is a 64-character lowercase hex string (the dismiss route's rule)?
pub fn is_snapshot_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_in_the_reference_format() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ops/spec_completion_dismissed.json");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            &p,
            r#"{"version": 1, "dismissed": {
                "a": {"dismissed_at": "2026-05-15T18:30:00+02:00", "snapshot_hash": "h", "ttl_days": 14},
                "naive": {"dismissed_at": "2026-05-15T18:30:00", "snapshot_hash": "h", "ttl_days": 14},
                "bool": {"dismissed_at": "2026-05-15T18:30:00Z", "snapshot_hash": "h", "ttl_days": true},
                "float": {"dismissed_at": "2026-05-15T18:30:00Z", "snapshot_hash": "h", "ttl_days": 14.0},
                "neg": {"dismissed_at": "2026-05-15T18:30:00Z", "snapshot_hash": "h", "ttl_days": -1},
                "z": {"dismissed_at": "2026-05-15T18:30:00.5Z", "snapshot_hash": "h2", "ttl_days": 0}
            }}"#,
        )
        .unwrap();
        let all = load_from(&p);
        assert_eq!(all.keys().collect::<Vec<_>>(), vec!["a", "z"]);
        let now = chrono::DateTime::parse_from_rfc3339("2026-05-20T00:00:00Z").unwrap().with_timezone(&Utc);
        assert!(all["a"].is_active("h", now));
        assert!(!all["a"].is_active("other", now));
        assert!(!all["z"].is_active("h2", now), "ttl 0 is never active");
        let late = chrono::DateTime::parse_from_rfc3339("2026-05-29T16:30:00Z").unwrap().with_timezone(&Utc);
        assert!(!all["a"].is_active("h", late), "expiry is strict");
        write(&p, &all).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\n  \"dismissed\": {\n    \"a\": {\n      \"dismissed_at\": \"2026-05-15T18:30:00+02:00\",\n      \"snapshot_hash\": \"h\",\n      \"ttl_days\": 14\n    },\n    \"z\": {\n      \"dismissed_at\": \"2026-05-15T18:30:00.500000+00:00\",\n      \"snapshot_hash\": \"h2\",\n      \"ttl_days\": 0\n    }\n  },\n  \"version\": 1\n}\n"
        );
        for bad in ["", "not json", "[]", "{\"version\": 2, \"dismissed\": {}}", "{\"version\": 1}"] {
            std::fs::write(&p, bad).unwrap();
            assert!(load_from(&p).is_empty(), "{bad}");
        }
    }

    #[test]
    fn hashes() {
        assert!(is_snapshot_hash(&"a".repeat(64)));
        assert!(!is_snapshot_hash(&"A".repeat(64)));
        assert!(!is_snapshot_hash(&"a".repeat(63)));
    }
}
