//! What a workflow prints: splitting the byte stream into lines, and the two
//! side channels that never reach the log.
//!
//! * `ATTUNE_REC <json>`: a recommendation (chain to the next workflow, or
//!   open a URL), validated exactly as the reference does.
//! * `ATTUNE_RUN_META <key>=<value>`: SDK error details and the structured
//!   report (`sdk_error_kind`, `sdk_stderr_b64`, `report_b64`).
//!
//! Lines are split on `\n` without ever holding more than [`MAX_LINE`]
//! bytes of one line: a workflow printing a 100 MiB line without a newline
//! costs 16 MiB of memory, not 100, and the run goes on (the reference fails
//! the run past 8 MiB). Invalid UTF-8 is replaced, never fatal.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use crate::scope::resolve_scope;
use crate::wire::{RecArgs, Recommendation};

/// Bytes of one line kept for parsing (side-channel lines can be large: a
/// base64 report).
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// Bytes of one line kept for display; the rest is replaced by a marker.
pub const MAX_DISPLAY_LINE: usize = 1024 * 1024;
/// Recommendations kept per run (the reference's cap).
pub const MAX_RECOMMENDATIONS: usize = 50;

/// Splits a byte stream into lines, one trailing `\n` removed (a `\r` stays,
/// as in the reference). Overlong lines are cut at [`MAX_LINE`] bytes and the
/// number of bytes dropped is reported.
#[derive(Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// Bytes of the current line dropped past `MAX_LINE`.
    overflow: u64,
}

/// A complete line and how many of its bytes were not kept.
pub struct RawLine {
    pub bytes: Vec<u8>,
    pub dropped: u64,
}

impl LineSplitter {
    /// Feeds bytes; complete lines are pushed to `out`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<RawLine>) {
        while !data.is_empty() {
            match memchr::memchr(b'\n', data) {
                Some(i) => {
                    self.take(&data[..i]);
                    out.push(RawLine { bytes: std::mem::take(&mut self.buf), dropped: std::mem::take(&mut self.overflow) });
                    data = &data[i + 1..];
                }
                None => {
                    self.take(data);
                    break;
                }
            }
        }
    }

    fn take(&mut self, chunk: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.buf.len());
        let keep = chunk.len().min(room);
        self.buf.extend_from_slice(&chunk[..keep]);
        self.overflow += (chunk.len() - keep) as u64;
    }

    /// At end of stream: the last line if it had no newline.
    pub fn finish(&mut self) -> Option<RawLine> {
        if self.buf.is_empty() && self.overflow == 0 {
            return None;
        }
        Some(RawLine { bytes: std::mem::take(&mut self.buf), dropped: std::mem::take(&mut self.overflow) })
    }
}

/// Decodes a line for display: UTF-8 with replacement, cut at
/// [`MAX_DISPLAY_LINE`] bytes with a visible marker.
pub fn display_text(raw: &RawLine) -> String {
    let mut dropped = raw.dropped;
    let bytes = if raw.bytes.len() > MAX_DISPLAY_LINE {
        dropped += (raw.bytes.len() - MAX_DISPLAY_LINE) as u64;
        &raw.bytes[..MAX_DISPLAY_LINE]
    } else {
        &raw.bytes[..]
    };
    let mut s = String::from_utf8_lossy(bytes).into_owned();
    if dropped > 0 {
        s.push_str(&format!(" … [attune-ops: line cut, {dropped} more bytes not kept]"));
    }
    s
}

/// What one line is.
pub enum Routed {
    /// A visible log line.
    Log,
    /// A valid recommendation.
    Rec(Recommendation),
    /// A run-meta field.
    Meta(MetaField),
    /// A side-channel line that was invalid; dropped (with a reason for the
    /// server log).
    Dropped(String),
}

/// A decoded `ATTUNE_RUN_META` field.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaField {
    ErrorKind(String),
    Stderr(String),
    Report(serde_json::Map<String, Value>),
}

/// Routes a decoded line. `known` says whether a workflow name is in the
/// registry; `root` is the canonical project root (recommendation paths must
/// stay inside it; relative ones are anchored there — the reference resolved
/// them against its working directory, its Q6).
pub fn route(line: &str, known: &dyn Fn(&str) -> bool, root: &Path) -> Routed {
    if let Some(rest) = line.strip_prefix("ATTUNE_REC ") {
        return match serde_json::from_str::<Value>(rest) {
            Ok(v) => match validate_rec(&v, known, root) {
                Ok(r) => Routed::Rec(r),
                Err(e) => Routed::Dropped(format!("recommendation rejected: {e}")),
            },
            Err(_) => Routed::Dropped("recommendation marker had malformed JSON".into()),
        };
    }
    if line.starts_with("ATTUNE_RUN_META") {
        return match parse_meta(line) {
            Some(f) => Routed::Meta(f),
            None => Routed::Dropped("run-meta line ignored".into()),
        };
    }
    Routed::Log
}

/// Python's `s[:n]` on code points.
fn take_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Validates an `ATTUNE_REC` payload (the reference's rules, in order).
pub fn validate_rec(v: &Value, known: &dyn Fn(&str) -> bool, root: &Path) -> Result<Recommendation, String> {
    let obj = v.as_object().ok_or("payload not a JSON object")?;
    let kind = match obj.get("kind") {
        Some(Value::String(k)) if k == "next-workflow" || k == "open-url" => k.clone(),
        other => return Err(format!("bad kind {other:?}")),
    };
    let mut rec = Recommendation { kind: kind.clone(), label: None, severity: None, name: None, args: None, url: None };
    if let Some(Value::String(l)) = obj.get("label") {
        rec.label = Some(take_chars(l, 200));
    }
    if let Some(Value::String(s)) = obj.get("severity") {
        rec.severity = Some(take_chars(&s.to_lowercase(), 20));
    }
    if kind == "next-workflow" {
        let name = match obj.get("name") {
            Some(Value::String(n)) if !n.is_empty() => n.clone(),
            _ => return Err("next-workflow name missing".into()),
        };
        if !known(&name) {
            return Err(format!("unknown workflow {name:?}"));
        }
        rec.name = Some(name);
        match obj.get("args") {
            None | Some(Value::Null) => {}
            Some(Value::Object(args)) => {
                if let Some(p) = args.get("path") {
                    let Value::String(p) = p else { return Err("bad args.path".into()) };
                    let resolved = resolve_scope(root, p, false).map_err(|e| format!("args.path failed validation ({e})"))?;
                    rec.args = Some(RecArgs { path: resolved.to_string_lossy().into_owned() });
                }
            }
            Some(_) => return Err("args not an object".into()),
        }
    } else {
        match obj.get("url") {
            Some(Value::String(u)) if u.starts_with("http://") || u.starts_with("https://") => rec.url = Some(u.clone()),
            other => return Err(format!("bad open-url url {other:?}")),
        }
    }
    Ok(rec)
}

/// Parses an `ATTUNE_RUN_META` line. `None` for the version line, malformed
/// lines, unknown keys, empty values and failed decodes.
pub fn parse_meta(line: &str) -> Option<MetaField> {
    let s = line.trim_end_matches(['\r', '\n']);
    let rest = s.strip_prefix("ATTUNE_RUN_META ")?;
    let (key, value) = rest.split_once('=')?;
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return None;
    }
    if value.chars().any(char::is_whitespace) || value.is_empty() {
        return None;
    }
    let b64 = || base64::engine::general_purpose::STANDARD.decode(value).ok();
    match key {
        "sdk_error_kind" => Some(MetaField::ErrorKind(value.to_string())),
        "sdk_stderr_b64" => {
            let text = String::from_utf8_lossy(&b64()?).into_owned();
            (!text.is_empty()).then_some(MetaField::Stderr(text))
        }
        "report_b64" => {
            let text = String::from_utf8(b64()?).ok()?;
            match serde_json::from_str::<Value>(&text).ok()? {
                Value::Object(m) => Some(MetaField::Report(m)),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known(n: &str) -> bool {
        ["test-audit", "code-review"].contains(&n)
    }

    #[test]
    fn splitter_handles_chunks_crlf_and_overlong_lines() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.feed(b"ab", &mut out);
        s.feed(b"c\r\nde\n\nf", &mut out);
        assert_eq!(out.iter().map(|l| l.bytes.clone()).collect::<Vec<_>>(), [b"abc\r".to_vec(), b"de".to_vec(), b"".to_vec()]);
        assert_eq!(s.finish().unwrap().bytes, b"f");
        assert!(s.finish().is_none());
        let big = vec![b'x'; MAX_LINE + 10];
        let mut out = Vec::new();
        s.feed(&big, &mut out);
        s.feed(b"yy\nz\n", &mut out);
        assert_eq!(out[0].bytes.len(), MAX_LINE);
        assert_eq!(out[0].dropped, 12);
        assert_eq!(out[1].bytes, b"z");
        let shown = display_text(&out[0]);
        assert!(shown.ends_with(&format!("[attune-ops: line cut, {} more bytes not kept]", MAX_LINE - MAX_DISPLAY_LINE + 12)));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let l = RawLine { bytes: vec![b'a', 0xff, b'b'], dropped: 0 };
        assert_eq!(display_text(&l), "a\u{fffd}b");
    }

    #[test]
    fn recommendations_follow_the_reference() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        let r = |v: Value| validate_rec(&v, &known, &root);
        let ok = r(json!({"kind": "next-workflow", "name": "test-audit", "label": "x".repeat(300), "severity": "HIGH-ish-and-very-long-severity", "args": {"path": "src", "other": 1}, "junk": 1})).unwrap();
        assert_eq!(ok.label.as_ref().unwrap().chars().count(), 200);
        assert_eq!(ok.severity.as_deref(), Some("high-ish-and-very-lo"));
        assert_eq!(ok.args.unwrap().path, root.join("src").to_string_lossy());
        let v = serde_json::to_value(r(json!({"kind": "next-workflow", "name": "code-review", "args": {}})).unwrap()).unwrap();
        assert_eq!(v, json!({"kind": "next-workflow", "name": "code-review"}));
        assert!(r(json!({"kind": "next-workflow", "name": "nope"})).is_err());
        assert!(r(json!({"kind": "next-workflow", "name": "code-review", "args": [1]})).is_err());
        assert!(r(json!({"kind": "next-workflow", "name": "code-review", "args": {"path": "../x"}})).is_err());
        assert!(r(json!({"kind": "next-workflow", "name": "code-review", "args": {"path": ""}})).is_err());
        assert!(r(json!({"kind": "open-url", "url": "javascript:alert(1)"})).is_err());
        assert!(r(json!({"kind": "run-shell"})).is_err());
        assert!(r(json!([1])).is_err());
        let u = r(json!({"kind": "open-url", "url": "https://x.test/a", "label": 5})).unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), r#"{"kind":"open-url","url":"https://x.test/a"}"#);
    }

    #[test]
    fn routing_hides_side_channels() {
        let root = Path::new("/");
        assert!(matches!(route("hello", &known, root), Routed::Log));
        assert!(matches!(route("ATTUNE_REC {bad", &known, root), Routed::Dropped(_)));
        assert!(matches!(route("ATTUNE_RECX", &known, root), Routed::Log));
        assert!(matches!(route("ATTUNE_RUN_METAX whatever", &known, root), Routed::Dropped(_)));
        assert!(matches!(route("ATTUNE_RUN_META_VERSION 1", &known, root), Routed::Dropped(_)));
    }

    #[test]
    fn run_meta_fields() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(parse_meta("ATTUNE_RUN_META sdk_error_kind=auth\r"), Some(MetaField::ErrorKind("auth".into())));
        assert_eq!(parse_meta(&format!("ATTUNE_RUN_META sdk_stderr_b64={}", b64("oops\n"))), Some(MetaField::Stderr("oops\n".into())));
        let rep = parse_meta(&format!("ATTUNE_RUN_META report_b64={}", b64(r#"{"_type":"WorkflowReport","a":1}"#))).unwrap();
        assert!(matches!(rep, MetaField::Report(m) if m["a"] == 1));
        for bad in [
            "ATTUNE_RUN_META sdk_error_kind=".to_string(),
            "ATTUNE_RUN_META Bad=1".into(),
            "ATTUNE_RUN_META unknown=1".into(),
            "ATTUNE_RUN_META sdk_error_kind=a b".into(),
            "ATTUNE_RUN_META report_b64=!!!".into(),
            format!("ATTUNE_RUN_META report_b64={}", b64("[1]")),
            "ATTUNE_RUN_META_VERSION 1".into(),
        ] {
            assert_eq!(parse_meta(&bad), None, "{bad}");
        }
    }
}
