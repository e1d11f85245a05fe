//! The Help pages and `/api/help/…`: the corpus under `.help/templates/`,
//! read on each call (a corpus is a few hundred small files), with the
//! source-hash check cached for 5 s as the reference does (it hashes every
//! tracked feature's sources).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Ops;
use crate::help::{self, Staleness};
use crate::wire::{Freshness, HelpFeature, HelpGaps, HelpHomeData, HelpIndex, HelpSearch, HelpTemplate, HelpTemplatePage};

const STALENESS_TTL: Duration = Duration::from_secs(5);

impl Ops {
    fn help_staleness(&self) -> Arc<Staleness> {
        let mut cached = self.help_staleness.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, s)) = cached.as_ref() {
            if at.elapsed() < STALENESS_TTL {
                return s.clone();
            }
        }
        let s = Arc::new(help::staleness::check(&self.config.project_root));
        *cached = Some((Instant::now(), s.clone()));
        s
    }

    fn help_features(&self) -> (Vec<HelpFeature>, Arc<Staleness>) {
        let st = self.help_staleness();
        (help::list_features(&self.config.project_root, &st), st)
    }

    /// `GET /api/help/`.
    pub fn help_index(&self) -> HelpIndex {
        let (features, _) = self.help_features();
        index(features)
    }

    /// `GET /api/help/feature/{slug}` (the slug already checked).
    pub fn help_feature(&self, slug: &str) -> Option<HelpFeature> {
        self.help_features().0.into_iter().find(|f| f.name == slug)
    }

    /// `GET /api/help/template/{feature}/{kind}`.
    pub fn help_template(&self, feature: &str, kind: &str) -> Option<HelpTemplate> {
        help::get_template(&self.config.project_root, feature, kind, &self.help_staleness())
    }

    /// `GET /api/help/search?q=&limit=` (`limit` already clamped).
    pub fn help_search(&self, query: &str, limit: u32) -> HelpSearch {
        let out = help::search::search(&help::templates_dir(&self.config.project_root), query, limit as usize);
        HelpSearch { query: query.to_string(), limit, hits: out.hits, skipped: out.skipped }
    }

    /// `GET /api/help/gaps`.
    pub fn help_gaps(&self) -> HelpGaps {
        let (features, st) = self.help_features();
        let all = help::all_templates(&self.config.project_root, &features, &st);
        help::gaps(&features, &all)
    }

    /// `GET /api/help/featured`.
    pub fn help_featured(&self) -> Vec<HelpFeature> {
        help::featured(&self.help_features().0)
    }

    /// `GET /api/help/recent?limit=` (`limit` already clamped).
    pub fn help_recent(&self, limit: u32) -> Vec<HelpTemplate> {
        let (features, st) = self.help_features();
        help::recent(&help::all_templates(&self.config.project_root, &features, &st), limit as usize)
    }

    /// The Help home: the index, featured topics, recently generated.
    pub fn help_home(&self) -> HelpHomeData {
        let (features, st) = self.help_features();
        let all = help::all_templates(&self.config.project_root, &features, &st);
        let recent = help::recent(&all, 5).into_iter().map(|t| HelpTemplate { body: String::new(), ..t }).collect();
        HelpHomeData {
            featured: help::featured(&features),
            recent,
            unknown_count: features.iter().filter(|f| f.freshness == Some(Freshness::Unknown)).count() as u32,
            corpus_present: help::templates_dir(&self.config.project_root).is_dir(),
            index: index(features),
        }
    }

    /// One template's page: the record, its body as HTML, its siblings.
    pub fn help_template_page(&self, feature: &str, kind: &str) -> Option<HelpTemplatePage> {
        let st = self.help_staleness();
        let t = help::get_template(&self.config.project_root, feature, kind, &st)?;
        let siblings = help::list_features(&self.config.project_root, &st)
            .into_iter()
            .find(|f| f.name == feature)
            .map(|f| f.kinds)
            .unwrap_or_default();
        Some(HelpTemplatePage {
            html: crate::markdown::markdown_to_html(without_title(&t.body)),
            freshness_note: st.of(feature).1,
            siblings,
            template: t,
        })
    }
}

fn index(features: Vec<HelpFeature>) -> HelpIndex {
    HelpIndex {
        total_features: features.len() as u32,
        total_templates: features.iter().map(|f| f.kinds.len() as u32).sum(),
        stale_count: features.iter().map(|f| f.stale_count).sum(),
        incomplete_count: features.iter().filter(|f| !f.is_complete).count() as u32,
        features,
    }
}

/// The body without its leading `# Title` line (the page shows the title
/// as its own heading).
fn without_title(body: &str) -> &str {
    let start = body.len() - body.trim_start_matches(['\n', ' ', '\t']).len();
    let rest = &body[start..];
    if !rest.starts_with("# ") {
        return body;
    }
    match rest.find('\n') {
        Some(i) => &rest[i + 1..],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_title_line_leaves_the_body() {
        assert_eq!(super::without_title("\n# T\nbody\n"), "body\n");
        assert_eq!(super::without_title("# T"), "");
        assert_eq!(super::without_title("intro\n# T\n"), "intro\n# T\n");
    }
}
