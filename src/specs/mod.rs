//! Specs: directories of phase files (`decisions.md`, `requirements.md`,
//! `design.md`, `tasks.md`) under one or more spec roots.
//!
//! * [`list_specs`]: every spec with its phase statuses, lifecycle bucket,
//!   pipeline stage and next action (the reference's rules, [`lifecycle`]);
//! * [`spec_detail`]: one spec's files;
//! * [`set_status`]: the safe status flip ([`status::rewrite_status_line`]),
//!   written atomically and journalled;
//! * [`candidates`]: "Ready to close?" detection, with the GitHub checks in
//!   [`github`] and dismissals in [`dismiss`].
//!
//! Files are read as the reference reads them: strict UTF-8 with universal
//! newlines. A file that is not UTF-8 counts as unreadable (the reference
//! answered 500 for the whole listing).

pub mod candidates;
pub mod dismiss;
pub mod github;
pub mod lifecycle;
pub mod status;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::config::Config;
use crate::pytext;
use crate::wire::{Candidate, SpecPhase, SpecRecord, StatusFlip};

/// The phase files, in the reference's order.
pub const PHASES: [&str; 4] = ["decisions", "requirements", "design", "tasks"];

/// Like Python's `Path.resolve()` (non-strict): symlinks resolved in the
/// longest existing prefix, the rest appended.
pub fn resolve_lenient(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let mut rest = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        match cur.file_name() {
            Some(n) => rest.push(n.to_os_string()),
            None => return p.to_path_buf(),
        }
        if !cur.pop() {
            return p.to_path_buf();
        }
        if let Ok(c) = cur.canonicalize() {
            let mut out = c;
            for n in rest.iter().rev() {
                out.push(n);
            }
            return out;
        }
    }
}

/// The spec roots: `--specs-root` values, or `<project>/docs/specs`,
/// resolved.
pub fn resolved_roots(cfg: &Config) -> Vec<PathBuf> {
    cfg.effective_specs_roots().iter().map(|r| resolve_lenient(r)).collect()
}

/// The phases of one spec directory, the decisions text (for waivers) and
/// the phases that exist but could not be read as text.
pub fn scan_spec_dir(dir: &Path) -> (Vec<SpecPhase>, Option<String>, Vec<String>) {
    let mut phases = Vec::with_capacity(4);
    let mut decisions = None;
    let mut unreadable = Vec::new();
    for name in PHASES {
        let file = format!("{name}.md");
        let path = dir.join(&file);
        if !path.is_file() {
            phases.push(SpecPhase { name: name.into(), file, exists: false, status: None });
            continue;
        }
        match pytext::read_text(&path) {
            Ok(text) => {
                let status = status::extract_status(&text);
                if name == "decisions" {
                    decisions = Some(text);
                }
                phases.push(SpecPhase { name: name.into(), file, exists: true, status });
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "specs: phase file unreadable");
                unreadable.push(name.to_string());
                phases.push(SpecPhase { name: name.into(), file, exists: true, status: None });
            }
        }
    }
    (phases, decisions, unreadable)
}

/// The newest `st_mtime` over `*.md` entries of `dir` (dotfiles and
/// symlinks included, unreadable entries skipped).
pub fn newest_md_mtime(dir: &Path) -> Option<f64> {
    let mut newest: Option<f64> = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        if !e.file_name().as_encoded_bytes().ends_with(b".md") {
            continue;
        }
        let Ok(meta) = std::fs::metadata(e.path()) else { continue };
        let t = crate::pyfmt::st_mtime(&meta);
        if newest.is_none_or(|n| t > n) {
            newest = Some(t);
        }
    }
    newest
}

/// Phases waived in decisions.md by `PHASE-WAIVED: <phase>` lines at
/// column 0 (whitespace, newlines included, may sit between).
pub fn waived_phases(decisions: Option<&str>) -> Vec<String> {
    static RE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?m)^PHASE-WAIVED:[\s\x1c-\x1f]*([a-z]+)").expect("pattern"));
    let Some(text) = decisions.filter(|t| !t.is_empty()) else { return Vec::new() };
    RE.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()).filter(|p| PHASES.contains(p)).map(str::to_string).collect()
}

/// One spec directory as a record (`None` when it holds no phase file).
pub fn read_spec(root: &Path, dir: &Path, now: DateTime<Utc>) -> Option<SpecRecord> {
    if !PHASES.iter().any(|p| dir.join(format!("{p}.md")).is_file()) {
        return None;
    }
    let slug = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Some(spec_record(root, dir, slug, now))
}

/// The record of spec directory `dir` (under `root`), named `slug`.
fn spec_record(root: &Path, dir: &Path, slug: String, now: DateTime<Utc>) -> SpecRecord {
    let (phases, decisions, unreadable) = scan_spec_dir(dir);
    let last_modified = newest_md_mtime(dir).and_then(crate::pyfmt::fromtimestamp_utc_iso);
    let waived = waived_phases(decisions.as_deref());
    let lifecycle = lifecycle::derive_lifecycle(&phases, last_modified.as_deref(), now);
    let (stage, next_phase, next_action) = lifecycle::derive_stage(&phases, &waived);
    let next_phase_status = next_phase.and_then(|n| phases.iter().find(|p| p.name == n)).and_then(|p| p.status.clone());
    SpecRecord {
        slug,
        root: root.display().to_string(),
        path: dir.display().to_string(),
        phases,
        lifecycle: lifecycle.into(),
        stage: stage.into(),
        next_phase: next_phase.map(str::to_string),
        next_action: next_action.into(),
        waived_phases: waived,
        last_modified,
        next_phase_status,
        gate: None,
        unreadable,
    }
}

/// Every spec under one root, in name order (a missing root: none).
pub fn list_specs_in_root(root: &Path, now: DateTime<Utc>) -> Vec<SpecRecord> {
    let Ok(rd) = std::fs::read_dir(root) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort_by(|a, b| a.file_name().map(|n| n.as_encoded_bytes().to_vec()).cmp(&b.file_name().map(|n| n.as_encoded_bytes().to_vec())));
    dirs.iter().filter_map(|d| read_spec(root, d, now)).collect()
}

/// All roots and their specs (the same slug in two roots appears twice),
/// with gate verdicts attached.
pub fn list_specs(cfg: &Config, now: DateTime<Utc>) -> (Vec<PathBuf>, Vec<SpecRecord>) {
    let roots = resolved_roots(cfg);
    let verdicts = lifecycle::read_gate_verdicts(&cfg.gate_verdicts_path());
    let mut specs: Vec<SpecRecord> = roots.iter().flat_map(|r| list_specs_in_root(r, now)).collect();
    for s in &mut specs {
        s.gate = verdicts.get(&s.slug).cloned();
    }
    (roots, specs)
}

/// One completion candidate as the reference answers it
/// (`GET /api/specs/completion-candidates`, the CLI's `candidates --json`).
pub fn candidate_json(c: &Candidate) -> Value {
    json!({"slug": c.slug, "path": c.path, "current_status": c.current_status, "evidence": c.evidence, "snapshot_hash": c.snapshot_hash})
}

/// `GET /api/specs`: the reference's fields only.
pub fn listing_json(roots: &[PathBuf], specs: &[SpecRecord]) -> Value {
    json!({
        "roots": roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>(),
        "specs": specs.iter().map(|s| json!({
            "slug": s.slug,
            "root": s.root,
            "path": s.path,
            "phases": s.phases,
            "lifecycle": s.lifecycle,
            "stage": s.stage,
            "next_phase": s.next_phase,
            "next_action": s.next_action,
            "waived_phases": s.waived_phases,
        })).collect::<Vec<_>>(),
    })
}

/// A slug the read routes refuse: `/`, `\` or `..` anywhere.
pub fn is_traversal(slug: &str) -> bool {
    slug.contains('/') || slug.contains('\\') || slug.contains("..")
}

/// One spec's files, from the first root holding `<slug>/`.
pub struct SpecFiles {
    pub record: SpecRecord,
    /// Per phase, in order: the text, or `None` (missing or unreadable).
    pub contents: Vec<(String, Option<String>)>,
}

/// The spec `slug` (traversal slugs must be refused by the caller).
pub fn spec_detail(cfg: &Config, slug: &str, now: DateTime<Utc>) -> Option<SpecFiles> {
    for root in resolved_roots(cfg) {
        let dir = root.join(slug);
        if !dir.is_dir() {
            continue;
        }
        let mut record = spec_record(&root, &dir, slug.to_string(), now);
        let contents = record
            .phases
            .iter()
            .map(|p| (p.name.clone(), if p.exists { pytext::read_text(&dir.join(&p.file)).ok() } else { None }))
            .collect();
        record.gate = lifecycle::read_gate_verdicts(&cfg.gate_verdicts_path()).remove(slug);
        return Some(SpecFiles { record, contents });
    }
    None
}

/// `GET /api/specs/{slug}`: the reference's fields.
pub fn detail_json(f: &SpecFiles) -> Value {
    let mut contents = serde_json::Map::new();
    for (name, text) in &f.contents {
        contents.insert(name.clone(), text.clone().map(Value::String).unwrap_or(Value::Null));
    }
    json!({
        "slug": f.record.slug,
        "root": f.record.root,
        "path": f.record.path,
        "phases": f.record.phases,
        "contents": contents,
    })
}

// ---------------------------------------------------------------------------
// The status flip

/// Why a flip did not happen, with the reference's status codes and texts.
#[derive(Debug, thiserror::Error)]
pub enum FlipError {
    #[error("invalid slug: must be lowercase letters/digits/dashes, start with a letter or digit, max 63 chars")]
    InvalidSlug,
    #[error("unknown phase: {}. valid: decisions, requirements, design, tasks", pytext::repr(.0))]
    UnknownPhase(String),
    #[error("invalid status: {}. valid: draft, in-review, approved, complete, completed, done", pytext::repr(.0))]
    InvalidStatus(String),
    #[error("{phase}.md not found for spec '{slug}' in any configured root")]
    NotFound { slug: String, phase: String },
    #[error("read failed: {0}")]
    Read(String),
    #[error("{0}")]
    Unsafe(#[from] status::UnsafeRewrite),
    #[error("write failed: {0}")]
    Write(String),
}

impl FlipError {
    pub fn status(&self) -> u16 {
        match self {
            FlipError::InvalidSlug | FlipError::UnknownPhase(_) | FlipError::InvalidStatus(_) => 400,
            FlipError::NotFound { .. } => 404,
            FlipError::Unsafe(_) => 409,
            FlipError::Read(_) | FlipError::Write(_) => 500,
        }
    }
}

/// An I/O error as a client may see it: its kind, never the path.
fn io_text(e: &std::io::Error) -> String {
    e.kind().to_string()
}

/// Sets `<slug>/<phase>.md`'s status line (see [`status::rewrite_status_line`]),
/// atomically, keeping the file's permissions; journals the write
/// (best effort). The caller invalidates caches and clears dismissals.
pub fn set_status(cfg: &Config, slug: &str, phase: &str, new_status: &str) -> Result<StatusFlip, FlipError> {
    if !crate::ids::is_spec_slug(slug) {
        return Err(FlipError::InvalidSlug);
    }
    if !PHASES.contains(&phase) {
        return Err(FlipError::UnknownPhase(phase.into()));
    }
    if !status::VALID_STATUSES.contains(&new_status) {
        return Err(FlipError::InvalidStatus(new_status.into()));
    }
    let found = resolved_roots(cfg).into_iter().map(|r| (r.join(slug).join(format!("{phase}.md")), r)).find(|(p, _)| p.is_file());
    let Some((target, root)) = found else {
        return Err(FlipError::NotFound { slug: slug.into(), phase: phase.into() });
    };
    let original = pytext::read_text(&target).map_err(|e| match e {
        pytext::ReadTextError::Io(e) => FlipError::Read(io_text(&e)),
        pytext::ReadTextError::NotUtf8 => FlipError::Read("the file is not valid UTF-8".into()),
    })?;
    let new_text = status::rewrite_status_line(&original, new_status)?;
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&target).ok().map(|m| m.permissions().mode())
    };
    crate::fsutil::write_atomic_mode(&target, new_text.as_bytes(), false, mode).map_err(|e| {
        tracing::error!(path = %target.display(), error = %e, "specs: status write failed");
        FlipError::Write(io_text(&e))
    })?;
    journal_write(cfg, &target, &original, &new_text);
    Ok(StatusFlip {
        slug: slug.into(),
        phase: phase.into(),
        file: format!("{phase}.md"),
        status: new_status.into(),
        root: root.display().to_string(),
        path: target.display().to_string(),
    })
}

/// Appends the pending-writes journal entry (shared with other attune
/// tools): sorted-key JSON, one line. Failures are only logged.
fn journal_write(cfg: &Config, target: &Path, before: &str, after: &str) {
    use sha2::{Digest, Sha256};
    let hex = |s: &str| Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let rel = target
        .strip_prefix(&cfg.project_root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| target.to_string_lossy().into_owned());
    let pid = std::process::id();
    let session = std::env::var("CLAUDE_CODE_SESSION_ID").ok().map(|s| pytext::strip(&s).to_string()).filter(|s| !s.is_empty());
    let entry = json!({
        "action": "set_spec_status",
        "after_sha256": hex(after),
        "before_sha256": hex(before),
        "dashboard_pid": pid,
        "endpoint": "PUT /api/specs/{slug}/{phase}/status",
        "file_path": rel,
        "project_root": cfg.project_root.display().to_string(),
        "session_id": session.unwrap_or_else(|| format!("dashboard-{pid}")),
        "ts": crate::pyfmt::now_iso(),
    });
    let mut line = crate::pyfmt::dumps(&entry, crate::pyfmt::Dumps::SORTED);
    line.push('\n');
    let path = &cfg.pending_writes_path;
    let r = path.parent().map(std::fs::create_dir_all).unwrap_or(Ok(())).and_then(|_| crate::fsutil::append_line(path, line.as_bytes()));
    if let Err(e) = r {
        tracing::warn!(journal = %path.display(), error = %e, "pending_writes: journal append failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waivers_and_traversal() {
        assert_eq!(
            waived_phases(Some("PHASE-WAIVED: design (x)\nPHASE-WAIVED:\n  tasks\n PHASE-WAIVED: requirements\nPHASE-WAIVED: bogus")),
            vec!["design", "tasks"]
        );
        assert!(is_traversal("../x") && is_traversal("a/b") && is_traversal("a\\b") && !is_traversal("ok-slug"));
    }

    #[test]
    fn lenient_resolution_keeps_missing_tails() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().canonicalize().unwrap();
        assert_eq!(resolve_lenient(&d.path().join("no/such")), real.join("no/such"));
    }
}
