//! The read-side pages: Home (without its spend tiles, see `cost`),
//! Workflows, Bulletin, and the telemetry and session views they share.

use std::collections::{HashMap, HashSet};

use super::runs::sort_runs;
use super::Ops;
use crate::bulletin;
use crate::registry::{Registry, Workflow};
use crate::wire::{BulletinData, BulletinEntry, HomeData, SessionDetail, SessionList, TelemetrySummary, WorkflowsData};

/// The workflows the dashboard lists: all but `diagnose`, which a failed
/// run's page starts.
fn listed(reg: &Registry) -> impl Iterator<Item = &Workflow> {
    reg.workflows.iter().filter(|w| w.name != crate::diagnosis::WORKFLOW)
}

impl Ops {
    /// The Workflows page.
    pub fn workflows_data(&self) -> WorkflowsData {
        let reg = self.registry.get();
        let feats = self.features.get();
        let (mut runs, _) = self.all_runs();
        sort_runs(&mut runs);
        let mut per: HashMap<String, usize> = HashMap::new();
        let recent = runs
            .into_iter()
            .filter(|r| {
                let n = per.entry(r.workflow.clone()).or_default();
                *n += 1;
                *n <= 5
            })
            .collect();
        WorkflowsData {
            workflows: listed(&reg).map(|w| w.info(feats.default_scope(&w.name))).collect(),
            features: feats.features.clone(),
            registry_source: reg.describe_source(),
            registry_errors: reg.errors.clone(),
            features_warning: feats.warning.clone(),
            allow_run: self.config.allow_run,
            project_root: self.config.project_root.display().to_string(),
            recent,
            sweep_chips: reg.workflows.iter().find(|w| w.name == crate::sweep::WORKFLOW).map(|w| {
                let scope = feats.default_scope(&w.name);
                crate::sweep::chips(&self.config.attune_home, &self.config.project_root, &scope)
            }),
        }
    }

    /// `GET /api/workflows/discovery-sweep/chips?scope=`: the chips of a
    /// scope (`""`: the whole project).
    pub fn sweep_chips(&self, scope: &str) -> crate::wire::SweepChips {
        crate::sweep::chips(&self.config.attune_home, &self.config.project_root, scope)
    }

    /// `GET /api/workflows/discovery-sweep/results/{hash}`: the stored JSON
    /// as it is (`None` when missing or not JSON; the caller checks the
    /// hash's shape).
    pub fn sweep_result(&self, hash: &str) -> Option<serde_json::Value> {
        crate::sweep::read(&self.config.attune_home, hash)
    }

    /// The result's page.
    pub fn sweep_detail(&self, hash: &str, bucket: &str) -> Option<crate::wire::SweepDetailData> {
        crate::sweep::detail(&self.config.attune_home, hash, bucket)
    }

    /// The Home page's data.
    pub fn home_data(&self) -> HomeData {
        let reg = self.registry.get();
        let (mut runs, _) = self.all_runs();
        sort_runs(&mut runs);
        runs.truncate(8);
        let today = crate::pyfmt::today_utc();
        let t = self.telemetry_summary(7);
        let week = crate::telemetry::last_seven_days(&t, today);
        let (today_events, today_cost) = week.last().map(|r| (r.1, r.2)).unwrap_or((0, 0.0));
        let seven_day_cost = crate::telemetry::round4(week.iter().map(|r| r.2).sum());
        let sparkline = crate::telemetry::sparkline_points(&week.iter().map(|r| r.2).collect::<Vec<_>>(), 240.0, 40.0);
        let recent_sessions = self.sessions_redacted(3.0, Some(5)).sessions;
        HomeData {
            recent_runs: runs,
            workflow_count: listed(&reg).count() as u32,
            registry_errors: reg.errors.len() as u32,
            bulletin: bulletin::read_active(&self.config.bulletin_dir()),
            allow_run: self.config.allow_run,
            project_root: self.config.project_root.display().to_string(),
            today_events,
            today_cost: crate::telemetry::round4(today_cost),
            seven_day_cost,
            total_savings: t.total_savings,
            sparkline,
            telemetry_present: t.file_present,
            week,
            recent_sessions,
            cost: None,
            cost_error: None,
            cost_pending: false,
            alarm: None,
            budget: None,
            memory_nodes: None,
        }
    }

    /// The active bulletin entries (`GET /api/bulletin/active`; unreadable
    /// files give none).
    pub fn active_bulletin(&self) -> Vec<BulletinEntry> {
        bulletin::read_active(&self.config.bulletin_dir())
    }

    /// The Bulletin page: active entries, and the runs of `day` (`None`:
    /// today's active file; else `archive/<day>.jsonl`).
    pub fn bulletin_data(&self, day: Option<&str>) -> BulletinData {
        let dir = self.config.bulletin_dir();
        let archive_days = bulletin::archive_days(&dir);
        let (label, file) = match day.filter(|d| archive_days.iter().any(|a| a == d)) {
            Some(d) => (d.to_string(), dir.join("archive").join(format!("{d}.jsonl"))),
            None => ("today".to_string(), dir.join("active.jsonl")),
        };
        let read = bulletin::read_file(&file);
        BulletinData {
            active: bulletin::active_entries(bulletin::read_file(&dir.join("active.jsonl")).entries, chrono::Utc::now()),
            day: label,
            runs: bulletin::latest_per_run(read.entries),
            archive_days,
            skipped_lines: read.skipped,
            project_root: self.config.project_root.display().to_string(),
        }
    }

    /// The telemetry summary over `recent_days` (+ today). Every window
    /// comes from the same totals of `usage.jsonl`, brought up to date by
    /// reading only what was appended since the last call. The by-workflow
    /// table keeps registry workflows when there is a registry, every name
    /// otherwise.
    pub fn telemetry_summary(&self, recent_days: u32) -> TelemetrySummary {
        let reg = self.registry.get();
        let known: Option<HashSet<String>> = (!reg.workflows.is_empty()).then(|| reg.names().into_iter().collect());
        self.telemetry.summary(recent_days, crate::pyfmt::today_utc(), known.as_ref())
    }

    /// How much the telemetry summaries have read so far.
    pub fn telemetry_reads(&self) -> crate::telemetry::ReadStats {
        self.telemetry.stats()
    }

    /// Claude Code sessions of the project (the reference's listing rules).
    pub fn sessions(&self, days: f64, limit: Option<usize>) -> SessionList {
        crate::sessions::list_sessions(&self.config.claude_dir, &self.config.project_root, days, limit, chrono::Utc::now(), &self.sessions)
    }

    /// The same, with every prompt field redacted: what the UI shows.
    pub fn sessions_redacted(&self, days: f64, limit: Option<usize>) -> SessionList {
        let mut l = self.sessions(days, limit);
        l.sessions.iter_mut().for_each(crate::sessions::redact_info);
        l
    }

    /// One session as readable, redacted turns.
    pub fn session(&self, id: &str) -> Option<SessionDetail> {
        crate::sessions::read_session(&self.config.claude_dir, &self.config.project_root, id, chrono::Utc::now())
    }
}
