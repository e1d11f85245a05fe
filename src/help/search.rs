//! The reference's keyword search over the help corpus (`attune_rag`'s
//! keyword retriever as the Help page drives it), so the same query gives
//! the same hits in the same order.
//!
//! Every `**/*.md` under the templates folder is an entry: its path (a
//! relative POSIX path), its category (the first path segment), its raw text
//! (frontmatter included), a summary (the body's first paragraph) and its
//! frontmatter `aliases:`. The query and each field become token sets
//! ([`tokenize`]); the score is a weighted count of shared tokens times the
//! category's weight; hits under 2.0 are dropped.
//!
//! Where the reference gave up on the whole search — a file that is not
//! UTF-8, an alias two templates declare — this one leaves out that file or
//! that alias and says so ([`Outcome::skipped`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::template;
use crate::pytext;
use crate::wire::{is_help_slug, HelpHit};

const STOPWORDS: [&str; 34] = [
    "a", "an", "the", "how", "do", "does", "i", "to", "with", "for", "is", "are", "of", "in", "on", "at", "and", "or", "but", "can",
    "should", "would", "will", "be", "been", "by", "my", "me", "we", "it", "this", "that", "these", "those",
];

/// Tried in this order; the first that leaves at least three characters.
const SUFFIXES: [&str; 18] =
    ["ations", "ation", "ators", "ator", "ates", "ate", "ings", "ing", "ions", "ion", "ities", "ity", "ies", "ers", "ed", "er", "es", "s"];

const PATH_WEIGHT: f64 = 2.0;
const SUMMARY_WEIGHT: f64 = 1.5;
const ALIAS_WEIGHT: f64 = 2.0;
const CONTENT_WEIGHT: f64 = 1.0;
const MIN_SCORE: f64 = 2.0;
const PATH_HIT_CAP: usize = 3;
const MIN_ALIAS_OVERLAP: usize = 2;
const PREVIEW_CHARS: usize = 500;
const SUMMARY_CHARS: usize = 400;
const SNIPPET_CHARS: usize = 240;

/// Category weights (with their `{:g}` spelling for the match reason).
fn category_weight(category: &str) -> (f64, &'static str) {
    match category {
        "concepts" | "quickstarts" => (1.5, "1.5"),
        "tasks" => (1.2, "1.2"),
        "tips" | "notes" | "troubleshooting" => (0.9, "0.9"),
        "errors" | "warnings" | "faqs" => (0.4, "0.4"),
        _ => (1.0, "1"),
    }
}

/// The first `aliases:` line and its `- item` continuation lines, taken out
/// of the preview (aliases are scored on their own).
static ALIASES_BLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^aliases:.*(?:\r?\n[ \t]+-[ \t].*)*\r?\n?").expect("static regex"));

fn stem(tok: &str) -> &str {
    let n = tok.chars().count();
    for s in SUFFIXES {
        if tok.ends_with(s) && n - s.len() >= 3 {
            return &tok[..tok.len() - s.len()];
        }
    }
    tok
}

/// Lowercased, ASCII punctuation as spaces, split on whitespace, stopwords
/// dropped, each token stemmed.
pub fn tokenize(text: &str) -> HashSet<String> {
    let lowered: String = text.to_lowercase().chars().map(|c| if c.is_ascii_punctuation() { ' ' } else { c }).collect();
    lowered.split(pytext::is_space).filter(|t| !t.is_empty() && !STOPWORDS.contains(t)).map(|t| stem(t).to_string()).collect()
}

/// One corpus entry, tokenised once.
struct Entry {
    path: String,
    category: String,
    content: String,
    path_tokens: HashSet<String>,
    summary_tokens: HashSet<String>,
    content_tokens: HashSet<String>,
    alias_tokens: HashSet<String>,
}

/// The search's answer: hits, and what it left out.
#[derive(Debug, Default)]
pub struct Outcome {
    pub hits: Vec<HelpHit>,
    pub skipped: Vec<String>,
}

/// Every `*.md` file under `root` (hidden ones included), as relative POSIX
/// paths in the reference's order (path components compared one by one).
/// Symbolic links to folders are not followed; links to files are kept
/// when they stay inside `root`.
pub(super) fn markdown_files(root: &Path) -> Vec<String> {
    let canon = root.canonicalize().ok();
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let Ok(name) = e.file_name().into_string() else { continue };
            let Ok(ft) = e.file_type() else { continue };
            let r = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if ft.is_dir() {
                stack.push((e.path(), r));
            } else if name.ends_with(".md") {
                let inside = if ft.is_symlink() {
                    match (e.path().canonicalize(), &canon) {
                        (Ok(p), Some(c)) => p.starts_with(c) && p.is_file(),
                        _ => false,
                    }
                } else {
                    ft.is_file()
                };
                if inside {
                    out.push(r);
                }
            }
        }
    }
    out.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    out
}

/// YAML frontmatter `aliases:` (a list of non-empty strings), else none.
fn aliases(raw: &str) -> Vec<String> {
    let (fm, _) = template::split_frontmatter(raw);
    let Ok(docs) = yaml_rust2::YamlLoader::load_from_str(fm) else { return Vec::new() };
    let Some(doc) = docs.into_iter().next() else { return Vec::new() };
    match &doc["aliases"] {
        yaml_rust2::Yaml::Array(items) => items.iter().filter_map(|y| y.as_str().filter(|s| !s.is_empty()).map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn load(root: &Path, skipped: &mut Vec<String>) -> Vec<Entry> {
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut entries = Vec::new();
    for path in markdown_files(root) {
        let content = match pytext::read_text(&root.join(&path)) {
            Ok(c) => c,
            Err(pytext::ReadTextError::NotUtf8) => {
                skipped.push(format!("{path} is not UTF-8 text: it is left out of the search"));
                continue;
            }
            Err(e) => {
                tracing::warn!(path = %path, error = %e, "ops.help: cannot read a template");
                skipped.push(format!("{path} could not be read: it is left out of the search"));
                continue;
            }
        };
        let mut kept = Vec::new();
        for a in aliases(&content) {
            match owners.get(&a) {
                Some(first) => {
                    skipped.push(format!("the alias \"{a}\" of {path} is already declared by {first}: it counts for {first} only"))
                }
                None => {
                    owners.insert(a.clone(), path.clone());
                    kept.push(a);
                }
            }
        }
        let (_, body) = template::split_frontmatter(&content);
        let summary = template::first_paragraph(body, SUMMARY_CHARS);
        let preview: String = ALIASES_BLOCK.replacen(&content, 1, "").chars().take(PREVIEW_CHARS).collect();
        let category = match path.split_once('/') {
            Some((first, _)) => first.to_string(),
            None => String::new(),
        };
        entries.push(Entry {
            path_tokens: tokenize(&path),
            summary_tokens: tokenize(&summary),
            content_tokens: tokenize(&preview),
            alias_tokens: tokenize(&kept.join(" ")),
            category,
            content,
            path,
        });
    }
    entries
}

/// The snippet: around the first query word of three characters or more
/// found in the text (60 characters before, 180 after), newlines as spaces,
/// `…` where cut; no such word: the first 240 characters.
pub fn snippet(content: &str, query: &str) -> String {
    if content.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = content.chars().collect();
    let lower = content.to_lowercase();
    let lower_query = query.to_lowercase();
    let hit = lower_query
        .split(pytext::is_space)
        .filter(|t| t.chars().count() >= 3)
        .find_map(|t| lower.find(t).map(|b| lower[..b].chars().count()));
    let Some(pos) = hit else {
        let head: String = chars.iter().take(SNIPPET_CHARS).collect();
        return pytext::strip(&head).replace('\n', " ");
    };
    let start = pos.saturating_sub(60).min(chars.len());
    let end = (pos + SNIPPET_CHARS - 60).min(chars.len());
    let piece: String = chars[start..end.max(start)].iter().collect();
    let mut out = pytext::strip(&piece.replace('\n', " ")).to_string();
    if start > 0 {
        out.insert(0, '…');
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// Searches the corpus under `root` (`.help/templates/`): at most `limit`
/// hits, best first (ties by path), only those naming a valid feature and
/// kind (`<feature>/<kind>.md`).
pub fn search(root: &Path, query: &str, limit: usize) -> Outcome {
    let mut out = Outcome::default();
    if pytext::strip(query).is_empty() || !root.is_dir() {
        return out;
    }
    let q = tokenize(query);
    if q.is_empty() {
        return out;
    }
    let entries = load(root, &mut out.skipped);
    let mut scored: Vec<(f64, String, &Entry)> = Vec::new();
    for e in &entries {
        let path_hits = q.intersection(&e.path_tokens).count().min(PATH_HIT_CAP);
        let summary_hits = q.intersection(&e.summary_tokens).count();
        let alias_overlap = q.intersection(&e.alias_tokens).count();
        let alias_hits = if alias_overlap >= MIN_ALIAS_OVERLAP { alias_overlap } else { 0 };
        let content_hits = q.intersection(&e.content_tokens).count();
        let base = PATH_WEIGHT * path_hits as f64
            + SUMMARY_WEIGHT * summary_hits as f64
            + ALIAS_WEIGHT * alias_hits as f64
            + CONTENT_WEIGHT * content_hits as f64;
        let (w, w_text) = category_weight(&e.category);
        let score = base * w;
        if score < MIN_SCORE {
            continue;
        }
        let mut reasons = Vec::new();
        for (label, n) in [("path", path_hits), ("summary", summary_hits), ("aliases", alias_hits), ("content", content_hits)] {
            if n > 0 {
                reasons.push(format!("{label}:{n}"));
            }
        }
        if w != 1.0 && base > 0.0 {
            reasons.push(format!("cat:{}×{w_text}", e.category));
        }
        scored.push((score, reasons.join("+"), e));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.2.path.cmp(&b.2.path)));
    scored.truncate(limit);
    for (score, reason, e) in scored {
        let mut parts: Vec<&str> = e.path.split('/').collect();
        let Some(file) = parts.pop() else { continue };
        let (Some(feature), Some(kind)) = (parts.last(), file.strip_suffix(".md")) else { continue };
        if !is_help_slug(feature) || !is_help_slug(kind) {
            continue;
        }
        out.hits.push(HelpHit {
            feature: feature.to_string(),
            kind: kind.to_string(),
            title: template::title(&e.content).unwrap_or_else(|| format!("{feature} / {kind}")),
            snippet: snippet(&e.content, query),
            score,
            match_reason: reason,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let mut v: Vec<String> = tokenize(s).into_iter().collect();
        v.sort();
        v
    }

    #[test]
    fn tokens_are_lowercased_stemmed_and_without_stopwords() {
        assert_eq!(toks("How do I run the Security-Audit?"), ["audit", "run", "secur"]);
        assert_eq!(toks("vulnerabilities vulnerability"), ["vulnerabil"]);
        // Three characters must remain: "city" stays, "uses" loses its "s" only.
        assert_eq!(toks("city uses tests"), ["city", "test", "use"]);
        assert_eq!(toks("auth/task.md"), ["auth", "md", "task"]);
        assert!(tokenize("the of and").is_empty());
    }

    #[test]
    fn snippets_centre_on_the_first_long_query_word() {
        let text = format!("{}needle here\nand more{}", "x".repeat(100), "y".repeat(300));
        let s = snippet(&text, "an needle");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("needle here and more"), "{s}");
        assert_eq!(s.chars().count(), 240 + 2);
        assert_eq!(snippet("short\ntext", "zzz"), "short text");
        assert_eq!(snippet("Needle first", "NEEDLE"), "Needle first");
    }

    #[test]
    fn aliases_come_from_yaml_frontmatter() {
        assert_eq!(aliases("---\naliases: [\"run tests\", '', 3]\n---\nbody"), ["run tests"]);
        assert_eq!(aliases("---\naliases:\n  - fix ci\n  - broken build\n---\n"), ["fix ci", "broken build"]);
        assert!(aliases("---\naliases: [unclosed\n---\n").is_empty());
        assert!(aliases("no frontmatter").is_empty());
    }

    #[test]
    fn the_aliases_block_leaves_the_preview() {
        let raw = "---\nname: x\naliases:\n  - one two\n  - three\ntags: [a]\n---\n# T\n";
        assert_eq!(ALIASES_BLOCK.replacen(raw, 1, ""), "---\nname: x\ntags: [a]\n---\n# T\n");
    }
}
