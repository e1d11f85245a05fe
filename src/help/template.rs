//! One template file: frontmatter, fields, title — the reference's rules.

use std::sync::LazyLock;

use regex::Regex;

use crate::pytext;

/// Frontmatter: the file starts with `---` (then whitespace and a newline),
/// and a later line `---` (then whitespace and a newline) closes it. Without
/// both, the whole file is body.
static FRONTMATTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)\A---\s*\n(.*?)\n---\s*\n").expect("static regex"));

/// `(frontmatter, body)`; no frontmatter: `("", raw)`.
pub fn split_frontmatter(raw: &str) -> (&str, &str) {
    match FRONTMATTER.captures(raw) {
        Some(c) => {
            let (Some(all), Some(fm)) = (c.get(0), c.get(1)) else { return ("", raw) };
            (fm.as_str(), &raw[all.end()..])
        }
        None => ("", raw),
    }
}

/// The first line `key: value` of the frontmatter, value trimmed and its
/// surrounding quotes (both `"` or both `'`) removed.
pub fn frontmatter_field(fm: &str, key: &str) -> Option<String> {
    for line in pytext::splitlines(fm) {
        let Some(rest) = line.strip_prefix(key) else { continue };
        let rest = rest.trim_start_matches(pytext::is_space);
        let Some(value) = rest.strip_prefix(':') else { continue };
        // At least one character after the colon (spaces count: the value
        // is then empty).
        if value.is_empty() {
            continue;
        }
        let value = pytext::strip(value);
        let quoted =
            value.len() >= 2 && ((value.starts_with('"') && value.ends_with('"')) || (value.starts_with('\'') && value.ends_with('\'')));
        let single_quote = value.len() == 1 && (value == "\"" || value == "'");
        return Some(if quoted {
            value[1..value.len() - 1].to_string()
        } else if single_quote {
            String::new()
        } else {
            value.to_string()
        });
    }
    None
}

/// The first line that is `# Title` (after trimming), its text trimmed.
pub fn title(content: &str) -> Option<String> {
    pytext::splitlines(content).into_iter().find_map(|l| pytext::strip(l).strip_prefix("# ").map(|t| pytext::strip(t).to_string()))
}

/// `source_hash` as the staleness check reads it from `concept.md`: the
/// text between the leading `---` and the next `---`, the first line
/// starting `source_hash:` once trimmed.
pub fn stored_source_hash(text: &str) -> Option<String> {
    let rest = text.strip_prefix("---")?;
    let end = rest.find("---")?;
    pytext::splitlines(&rest[..end])
        .into_iter()
        .find_map(|l| pytext::strip(l).strip_prefix("source_hash:").map(|v| pytext::strip(v).to_string()))
}

/// The body's first paragraph (blank lines, headings and fences before it
/// skipped; it ends at a blank line, heading or fence), lines joined by
/// spaces; longer than `max` characters: cut at `max − 1`, back to the last
/// space, with `…`.
pub fn first_paragraph(body: &str, max: usize) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in pytext::splitlines(body) {
        let s = pytext::strip(line);
        if s.is_empty() {
            if !lines.is_empty() {
                break;
            }
            continue;
        }
        if s.starts_with('#') || s.starts_with("```") {
            if !lines.is_empty() {
                break;
            }
            continue;
        }
        lines.push(s);
    }
    let text = lines.join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let kept = match cut.rfind(' ') {
        Some(i) => &cut[..i],
        None => &cut[..],
    };
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontmatter_needs_both_fences() {
        assert_eq!(split_frontmatter("---\na: 1\n---\n# T\nbody"), ("a: 1", "# T\nbody"));
        assert_eq!(split_frontmatter("---  \na: 1\n---\t\nb"), ("a: 1", "b"));
        // No closing fence, or the fence is the last line without a newline.
        assert_eq!(split_frontmatter("---\na: 1\n# T"), ("", "---\na: 1\n# T"));
        assert_eq!(split_frontmatter("---\na: 1\n---"), ("", "---\na: 1\n---"));
        assert_eq!(split_frontmatter("# T\n---\na\n---\n"), ("", "# T\n---\na\n---\n"));
    }

    #[test]
    fn fields_lose_quotes_and_titles_their_hash() {
        let fm = "generated_at: \"2026-11-02T10:00:00+00:00\"\nsource_hash:   'abc'  \nempty:\nx : y";
        assert_eq!(frontmatter_field(fm, "generated_at").as_deref(), Some("2026-11-02T10:00:00+00:00"));
        assert_eq!(frontmatter_field(fm, "source_hash").as_deref(), Some("abc"));
        assert_eq!(frontmatter_field(fm, "empty"), None);
        assert_eq!(frontmatter_field("k:  ", "k").as_deref(), Some(""));
        assert_eq!(frontmatter_field(fm, "x").as_deref(), Some("y"));
        assert_eq!(frontmatter_field(fm, "missing"), None);
        assert_eq!(title("intro\n  #not\n  # Real title  \n# second").as_deref(), Some("Real title"));
        assert_eq!(title("#nospace"), None);
    }

    #[test]
    fn stored_hash_is_read_between_the_first_fences() {
        assert_eq!(stored_source_hash("---\nname: x\n  source_hash: ab12 \n---\n").as_deref(), Some("ab12"));
        assert_eq!(stored_source_hash("---\nname: x\n---\nsource_hash: no\n"), None);
        assert_eq!(stored_source_hash("name: x\n"), None);
    }

    #[test]
    fn first_paragraph_skips_headings_and_cuts_at_a_space() {
        // Fences are skipped as lines, not as blocks.
        assert_eq!(first_paragraph("# T\n\n```\ncode\n```\nOne", 400), "code");
        assert_eq!(first_paragraph("# T\n\nOne\n two\n\nNext", 400), "One two");
        assert_eq!(first_paragraph("# Only a heading", 400), "");
        let long = "word ".repeat(100);
        let p = first_paragraph(&long, 400);
        assert!(p.ends_with("word…") && p.chars().count() <= 400, "{p}");
        assert_eq!(first_paragraph(&"x".repeat(500), 400).chars().count(), 400);
    }
}
