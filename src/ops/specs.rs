//! Specs: the Specs and spec pages, the reference's spec JSON, status
//! flips (and what follows them) and "Ready to close?" candidates.

use super::Ops;
use crate::wire::{CandidatesData, PhaseView, SpecPageData, SpecsPageData, StatusFlip};

impl Ops {
    /// The Specs page: every spec with gate verdicts, and a GitHub link
    /// per root when its repository is known (resolved at the root, the
    /// reference's Q20 fixed).
    pub fn specs_page(&self) -> SpecsPageData {
        let (roots, specs) = crate::specs::list_specs(&self.config, chrono::Utc::now());
        let repo_urls = roots
            .iter()
            .map(|r| {
                self.detector
                    .repo_for(if r.is_dir() { r } else { &self.config.project_root })
                    .map(|repo| format!("https://github.com/{repo}"))
            })
            .collect();
        SpecsPageData {
            roots: roots.iter().map(|r| r.display().to_string()).collect(),
            specs,
            allow_run: self.config.allow_run,
            candidates_enabled: self.config.allow_run && self.config.specs_candidates_enabled,
            repo_urls,
        }
    }

    /// One spec's page: its record and each phase rendered from markdown.
    /// `None` when no root holds it (traversal slugs must be refused by
    /// the caller).
    pub fn spec_page(&self, slug: &str) -> Option<SpecPageData> {
        let f = crate::specs::spec_detail(&self.config, slug, chrono::Utc::now())?;
        let phases = f
            .record
            .phases
            .iter()
            .zip(&f.contents)
            .map(|(p, (_, text))| PhaseView {
                name: p.name.clone(),
                file: p.file.clone(),
                exists: p.exists,
                status: p.status.clone(),
                html: text.as_deref().map(crate::markdown::markdown_to_html),
            })
            .collect();
        Some(SpecPageData { record: f.record, phases, allow_run: self.config.allow_run })
    }

    /// `GET /api/specs`: the reference's listing JSON (roots and specs).
    pub fn specs_listing_json(&self) -> serde_json::Value {
        let (roots, specs) = crate::specs::list_specs(&self.config, chrono::Utc::now());
        crate::specs::listing_json(&roots, &specs)
    }

    /// `GET /api/specs/{slug}`: the reference's detail JSON, `None` when no
    /// root holds the spec (traversal slugs must be refused by the caller).
    pub fn spec_detail_json(&self, slug: &str) -> Option<serde_json::Value> {
        crate::specs::spec_detail(&self.config, slug, chrono::Utc::now()).map(|f| crate::specs::detail_json(&f))
    }

    /// The status flip, then what follows it: cached candidates are
    /// dropped, and a flip away from complete clears the spec's dismissal.
    pub fn set_spec_status(&self, slug: &str, phase: &str, status: &str) -> Result<StatusFlip, crate::specs::FlipError> {
        let r = crate::specs::set_status(&self.config, slug, phase, status)?;
        self.detector.invalidate();
        if !["complete", "completed", "done"].contains(&status.to_lowercase().as_str()) {
            if let Err(e) = crate::specs::dismiss::clear(&self.config, slug) {
                tracing::warn!(error = %e, slug, "specs: could not clear the dismissal");
            }
        }
        Ok(r)
    }

    /// Dismisses a candidate for 14 days (the slug need not exist).
    pub fn dismiss_candidate(&self, slug: &str, snapshot_hash: &str) -> std::io::Result<()> {
        crate::specs::dismiss::save(&self.config, slug, snapshot_hash, crate::specs::dismiss::DEFAULT_TTL_DAYS, chrono::Utc::now())?;
        self.detector.invalidate();
        Ok(())
    }

    /// "Ready to close?": off (and not run) unless runs and candidates are
    /// both enabled.
    pub async fn candidates(&self, now: chrono::DateTime<chrono::Utc>) -> CandidatesData {
        if !(self.config.allow_run && self.config.specs_candidates_enabled) {
            return CandidatesData::default();
        }
        let d = self.detector.detect(&self.config, now).await;
        CandidatesData { enabled: true, candidates: d.candidates, notes: d.notes, pending: false, checked_at: Some(d.checked_at) }
    }
}

impl Ops {
    /// `GET /api/pending-writes`: the journal, enriched (the reference's
    /// shape).
    pub fn pending_writes(&self) -> serde_json::Value {
        crate::pending_writes::read(&self.config.pending_writes_path, chrono::Utc::now())
    }

    /// The Specs page's panel: this project's writes not yet committed.
    pub fn pending_writes_panel(&self) -> crate::wire::PendingWritesPanel {
        let all = self.pending_writes();
        let root = self.config.project_root.display().to_string();
        let mine: Vec<&serde_json::Value> = all["pending"]
            .as_array()
            .map(|a| a.iter().filter(|e| e["project_root"].as_str() == Some(root.as_str())).collect())
            .unwrap_or_default();
        let text = |e: &serde_json::Value, k: &str| e[k].as_str().unwrap_or("").to_string();
        crate::wire::PendingWritesPanel {
            total: mine.len() as u32,
            uncommitted: mine
                .iter()
                .filter(|e| e["is_committed"] == serde_json::Value::Bool(false))
                .map(|e| crate::wire::PendingWrite {
                    file_path: text(e, "file_path"),
                    action: text(e, "action"),
                    ts: text(e, "ts"),
                    age_seconds: e["age_seconds"].as_i64(),
                    dashboard_still_running: e["dashboard_still_running"] == serde_json::Value::Bool(true),
                    matches_journal: e["matches_journal"] == serde_json::Value::Bool(true),
                    is_committed: e["is_committed"].as_bool(),
                })
                .collect(),
        }
    }
}
