//! The help corpus: `<root>/.help/templates/<feature>/<kind>.md`, written by
//! attune's template generator and read here as the reference reads it.
//!
//! * features are the folders of `templates/` (every one, sorted), kinds the
//!   eleven expected ones ([`HELP_KINDS`]) whose file exists;
//! * a template is its frontmatter (`generated_at`, `source_hash`) and body,
//!   titled by its first `# ` line ([`template`]);
//! * freshness compares the stored source hash with the sources
//!   ([`staleness`]); a stale feature makes every kind it has stale;
//! * [`search`] is the reference's keyword search.
//!
//! Reads only; nothing here writes.

pub mod search;
pub mod staleness;
pub mod template;

use std::path::{Path, PathBuf};

pub use staleness::Staleness;

use crate::wire::{is_help_slug, Freshness, HelpFeature, HelpGaps, HelpTemplate, HELP_KINDS};

/// `<root>/.help/templates`.
pub fn templates_dir(project_root: &Path) -> PathBuf {
    project_root.join(".help").join("templates")
}

/// Python's `round(100 · n / d)` (half to even), 0 when `d` is 0.
fn pct(n: usize, d: usize) -> u32 {
    if d == 0 {
        return 0;
    }
    let x = 100.0 * n as f64 / d as f64;
    let r = x.round();
    // Halves go to the even neighbour.
    let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 { r - x.signum() } else { r };
    r as u32
}

/// Every feature folder, sorted, with the kinds it has.
pub fn list_features(project_root: &Path, stale: &Staleness) -> Vec<HelpFeature> {
    let root = templates_dir(project_root);
    let Ok(rd) = std::fs::read_dir(&root) else { return Vec::new() };
    let mut names: Vec<String> = rd.flatten().filter(|e| e.path().is_dir()).filter_map(|e| e.file_name().into_string().ok()).collect();
    names.sort();
    names.into_iter().map(|name| summarize(&root.join(&name), name, stale)).collect()
}

fn summarize(dir: &Path, name: String, stale: &Staleness) -> HelpFeature {
    let kinds: Vec<String> = HELP_KINDS.iter().filter(|k| dir.join(format!("{k}.md")).is_file()).map(|k| k.to_string()).collect();
    let missing: Vec<String> = HELP_KINDS.iter().filter(|k| !kinds.iter().any(|h| h == *k)).map(|k| k.to_string()).collect();
    let (freshness, note) = stale.of(&name);
    let stale_count = if freshness == Freshness::Stale { kinds.len() as u32 } else { 0 };
    HelpFeature {
        completeness_pct: pct(kinds.len(), HELP_KINDS.len()),
        is_complete: missing.is_empty(),
        name,
        kinds,
        missing_kinds: missing,
        stale_count,
        has_any_stale: stale_count > 0,
        freshness: Some(freshness),
        freshness_note: note,
    }
}

/// One template (any `<kind>.md` of the feature, not only the eleven), or
/// `None` when a slug is invalid or the file is missing or unreadable.
pub fn get_template(project_root: &Path, feature: &str, kind: &str, stale: &Staleness) -> Option<HelpTemplate> {
    if !is_help_slug(feature) || !is_help_slug(kind) {
        return None;
    }
    let path = templates_dir(project_root).join(feature).join(format!("{kind}.md"));
    if !path.is_file() {
        return None;
    }
    let raw = match std::fs::read(&path) {
        Ok(b) => crate::pytext::universal_newlines(&String::from_utf8_lossy(&b)),
        Err(e) => {
            tracing::warn!(feature, kind, error = %e, "ops.help: cannot read a template");
            return None;
        }
    };
    let (fm, body) = template::split_frontmatter(&raw);
    let freshness = stale.of(feature).0;
    Some(HelpTemplate {
        feature: feature.to_string(),
        kind: kind.to_string(),
        path: format!("templates/{feature}/{kind}.md"),
        title: template::title(body).unwrap_or_else(|| format!("{feature} / {kind}")),
        generated_at: template::frontmatter_field(fm, "generated_at"),
        source_hash: template::frontmatter_field(fm, "source_hash"),
        body: body.to_string(),
        is_stale: freshness == Freshness::Stale,
        freshness: Some(freshness),
    })
}

/// Every template of the eleven kinds, feature by feature.
pub fn all_templates(project_root: &Path, features: &[HelpFeature], stale: &Staleness) -> Vec<HelpTemplate> {
    features.iter().flat_map(|f| f.kinds.iter().filter_map(|k| get_template(project_root, &f.name, k, stale))).collect()
}

/// Incomplete sets and stale templates.
pub fn gaps(features: &[HelpFeature], templates: &[HelpTemplate]) -> HelpGaps {
    if features.is_empty() {
        return HelpGaps::default();
    }
    let incomplete: Vec<HelpFeature> = features.iter().filter(|f| !f.is_complete).cloned().collect();
    let complete = features.len() - incomplete.len();
    let total_templates: usize = features.iter().map(|f| f.kinds.len()).sum();
    let mut stale: Vec<HelpTemplate> = templates.iter().filter(|t| t.is_stale).cloned().collect();
    stale.sort_by(|a, b| a.generated_at.as_deref().unwrap_or("").cmp(b.generated_at.as_deref().unwrap_or("")));
    HelpGaps {
        total_features: features.len() as u32,
        total_templates: total_templates as u32,
        complete_features: complete as u32,
        completeness_pct: pct(complete, features.len()),
        fresh_pct: pct(total_templates.saturating_sub(stale.len()), total_templates),
        incomplete,
        stale,
    }
}

/// The curated features the Help home leads with, when at least three
/// exist; else the first five.
pub fn featured(features: &[HelpFeature]) -> Vec<HelpFeature> {
    const CURATED: [&str; 5] = ["security-audit", "smart-test", "bug-predict", "deep-review", "release-prep"];
    let picked: Vec<HelpFeature> = CURATED.iter().filter_map(|c| features.iter().find(|f| f.name == *c)).cloned().collect();
    if picked.len() >= 3 {
        picked
    } else {
        features.iter().take(5).cloned().collect()
    }
}

/// The `limit` most recently generated templates (`generated_at`, as
/// written, descending; the order of equal stamps is the corpus order).
pub fn recent(templates: &[HelpTemplate], limit: usize) -> Vec<HelpTemplate> {
    let mut r: Vec<HelpTemplate> = templates.iter().filter(|t| t.generated_at.is_some()).cloned().collect();
    r.sort_by(|a, b| b.generated_at.cmp(&a.generated_at));
    r.truncate(limit);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_to_even() {
        assert_eq!(pct(1, 8), 12); // 12.5
        assert_eq!(pct(3, 8), 38); // 37.5
        assert_eq!(pct(1, 11), 9);
        assert_eq!(pct(11, 11), 100);
        assert_eq!(pct(0, 0), 0);
    }

    #[test]
    fn features_kinds_and_templates_follow_the_files() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = templates_dir(d.path());
        for (p, s) in [
            ("alpha/concept.md", "---\ngenerated_at: '2026-01-02T00:00:00+00:00'\n---\n# Alpha\nBody\n"),
            ("alpha/task.md", "no title\r\n"),
            ("alpha/extra.md", "# Extra\n"),
            ("Beta/tip.md", "# B\n"),
        ] {
            std::fs::create_dir_all(t.join(p).parent().expect("parent")).expect("mkdir");
            std::fs::write(t.join(p), s).expect("write");
        }
        let st = Staleness::default();
        let f = list_features(d.path(), &st);
        assert_eq!(f.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["Beta", "alpha"]);
        assert_eq!(f[1].kinds, ["concept", "task"]);
        assert_eq!(f[1].completeness_pct, 18);
        assert_eq!(f[1].freshness, Some(Freshness::Untracked));
        let c = get_template(d.path(), "alpha", "concept", &st).expect("concept");
        assert_eq!((c.title.as_str(), c.body.as_str()), ("Alpha", "# Alpha\nBody\n"));
        assert_eq!(c.generated_at.as_deref(), Some("2026-01-02T00:00:00+00:00"));
        assert_eq!(get_template(d.path(), "alpha", "task", &st).expect("task").title, "alpha / task");
        assert!(get_template(d.path(), "alpha", "extra", &st).is_some());
        assert!(get_template(d.path(), "Beta", "tip", &st).is_none(), "invalid slug");
        assert!(get_template(d.path(), "alpha", "..", &st).is_none());
        let all = all_templates(d.path(), &f, &st);
        assert_eq!(recent(&all, 5).len(), 1);
        let g = gaps(&f, &all);
        assert_eq!((g.total_features, g.total_templates, g.complete_features, g.fresh_pct), (2, 3, 0, 100));
    }
}
