//! The Health page: what the dashboard can see of its surroundings (the
//! attune home, telemetry, Claude Code sessions, the registry, keys and
//! tokens, the attune CLI, run mode), each with a state and a sentence.

use super::Ops;
use crate::wire::{human_bytes, HealthCheck, HealthData};

impl Ops {
    /// The Health page's checks.
    pub fn health(&self) -> HealthData {
        let c = &self.config;
        let mut checks = Vec::new();
        let mut add = |name: &str, state: &str, detail: String| checks.push(HealthCheck { name: name.into(), state: state.into(), detail });
        let home_ok = c.attune_home.is_dir();
        add(
            "attune home",
            if home_ok { "ok" } else { "missing" },
            format!("{}{}", c.attune_home.display(), if home_ok { "" } else { " does not exist yet (it is created on first write)" }),
        );
        let tp = c.telemetry_path();
        match std::fs::metadata(&tp) {
            Ok(m) => {
                let age = m.modified().ok().and_then(|t| t.elapsed().ok()).map(|d| d.as_secs() / 3600).unwrap_or(0);
                add(
                    "telemetry",
                    if age > 48 { "warn" } else { "ok" },
                    format!("{} ({}; last written {} h ago)", tp.display(), human_bytes(m.len()), age),
                )
            }
            Err(_) => add("telemetry", "missing", format!("{} not found: no workflow has recorded usage yet", tp.display())),
        }
        let dirs = crate::sessions::session_dirs(&c.claude_dir, &c.project_root);
        if dirs.is_empty() {
            add(
                "Claude Code sessions",
                "missing",
                format!("no session directory for this project under {}/projects", c.claude_dir.display()),
            );
        } else {
            add(
                "Claude Code sessions",
                "ok",
                format!("{} director{} under {}/projects", dirs.len(), if dirs.len() == 1 { "y" } else { "ies" }, c.claude_dir.display()),
            );
        }
        add("project root", "ok", format!("{} ({})", c.project_root.display(), self.project_name));
        let reg = self.registry.get();
        add(
            "workflow registry",
            if reg.errors.is_empty() && !reg.workflows.is_empty() {
                "ok"
            } else if reg.workflows.is_empty() {
                "missing"
            } else {
                "warn"
            },
            format!(
                "{} workflow(s) from {}{}",
                reg.workflows.len(),
                reg.describe_source(),
                if reg.errors.is_empty() { String::new() } else { format!("; {} problem(s)", reg.errors.len()) }
            ),
        );
        let key = crate::config::admin_key_source();
        add(
            "Anthropic admin key",
            if key.is_some() { "ok" } else { "missing" },
            key.map(|s| format!("configured ({s})"))
                .unwrap_or_else(|| "not configured: set ANTHROPIC_ADMIN_API_KEY or ~/.attune/anthropic-admin.env".into()),
        );
        let gh_source = ["GH_TOKEN", "GITHUB_TOKEN"]
            .into_iter()
            .find(|v| std::env::var(v).is_ok_and(|t| !t.trim().is_empty()))
            .map(str::to_string)
            .or_else(|| crate::registry::find_on_path("gh").map(|_| "`gh auth token`, if logged in".to_string()));
        let candidates_on = c.specs_candidates_enabled && c.allow_run;
        add(
            "GitHub token (spec candidates)",
            match (&gh_source, candidates_on) {
                (Some(_), _) => "ok",
                (None, true) => "missing",
                (None, false) => "warn",
            },
            match gh_source {
                Some(s) => format!("from {s}; candidates {}", if candidates_on { "on" } else { "off" }),
                None => format!(
                    "none: set GH_TOKEN or GITHUB_TOKEN (or install gh and log in); specs that reference a GitHub repository cannot be proposed{}",
                    if candidates_on { "" } else { " (candidates are off)" }
                ),
            },
        );
        match crate::registry::find_on_path("attune") {
            Some(p) => {
                let v = crate::config::run_with_timeout(std::process::Command::new(&p).arg("--version"), std::time::Duration::from_secs(5));
                add(
                    "attune CLI",
                    "ok",
                    format!("{} {}", p.display(), v.map(|v| v.trim().to_string()).unwrap_or_else(|| "(version unknown)".into())),
                );
            }
            None if c.project_root.join(crate::registry::REGISTRY_FILE).is_file() => {
                add("attune CLI", "warn", "not on PATH (not needed: the registry is .attune/workflows.toml)".into())
            }
            None => add("attune CLI", "missing", "not on PATH, and no .attune/workflows.toml: there are no workflows to run".into()),
        }
        add(
            "runs",
            if c.allow_run { "ok" } else { "warn" },
            if c.allow_run {
                format!("enabled, {} at a time", c.max_concurrent_runs)
            } else {
                "disabled (read-only): start with --allow-run".into()
            },
        );
        HealthData { version: crate::VERSION.into(), checks }
    }
}
