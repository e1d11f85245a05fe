//! Status lines in spec phase files: reading them (listing) and rewriting
//! them safely (the status flip), with the reference's exact patterns.
//!
//! * **Strict**: `**Status:** value` or `**Status**: value` at a line start
//!   (spaces or tabs before), the value running to the end of the line.
//! * **Wrapped**: `**Status: value**` (then optional prose). Listed, never
//!   rewritten.
//! * **Status-like**: any `Status:` label at a line start, bold or not, any
//!   case. The writer refuses to touch a file whose first status-like line
//!   it cannot parse, so it never inserts a duplicate above it.
//!
//! Texts here are already newline-translated (`pytext::read_text`), as the
//! reference reads them.

use std::sync::LazyLock;

use regex::Regex;

use crate::pytext;

static STRICT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^[ \t]*\*\*Status(?::\*\*|\*\*:)[ \t]*(.+?)[ \t]*$").expect("pattern"));
static WRAPPED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^[ \t]*\*\*Status:[ \t]*([^*\n]+?)[ \t]*\*\*").expect("pattern"));
static STATUS_LIKE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?mi)^[ \t]*\**[ \t]*Status\**[ \t]*:").expect("pattern"));
static LEADING_TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z-]*").expect("pattern"));

/// The statuses the flip accepts (case-sensitive), in the reference's order.
pub const VALID_STATUSES: [&str; 6] = ["draft", "in-review", "approved", "complete", "completed", "done"];

/// Leading words of a status value that may be replaced; anything else is
/// prose the flip would destroy.
const FLIPPABLE: [&str; 24] = [
    "draft",
    "in-review",
    "approved",
    "in-progress",
    "implemented",
    "complete",
    "completed",
    "done",
    "shipped",
    "closed",
    "retired",
    "superseded",
    "parked",
    "paused",
    "blocked",
    "deferred",
    "pending",
    "open",
    "not",
    "active",
    "stale",
    "living",
    "ongoing",
    "resolved",
];

/// The phase status: the first strict match anywhere, else the first
/// wrapped match; trimmed (possibly to an empty string, as in Python).
pub fn extract_status(text: &str) -> Option<String> {
    let m = STRICT.captures(text).or_else(|| WRAPPED.captures(text))?;
    Some(pytext::strip(m.get(1).map_or("", |g| g.as_str())).to_string())
}

/// Why a flip was refused (a 409: the file is left alone).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnsafeRewrite(pub String);

fn leading_token(value: &str) -> String {
    let stripped = pytext::strip(value).trim_start_matches(['*', '_', '`', '✓', '✅', ' ', '\t']);
    LEADING_TOKEN.find(stripped).map(|m| m.as_str().to_ascii_lowercase()).unwrap_or_default()
}

/// Everything from the earliest of ` — `, ` (`, ` - `, `, ` in the old
/// value, if it is not blank.
fn annotation(old: &str) -> &str {
    let earliest = [" — ", " (", " - ", ", "].iter().filter_map(|d| old.find(d)).min();
    match earliest {
        Some(i) if !pytext::strip(&old[i..]).is_empty() => &old[i..],
        _ => "",
    }
}

/// `original` with its status set to `status`, byte for byte as the
/// reference writes it. Idempotent: a second identical flip changes
/// nothing.
pub fn rewrite_status_line(original: &str, status: &str) -> Result<String, UnsafeRewrite> {
    let strict = STRICT.captures(original);
    let like = STATUS_LIKE.find(original);
    let Some(m) = strict else {
        if let Some(l) = like {
            return Err(UnsafeRewrite(format!(
                "existing status line is in a shape this endpoint cannot safely rewrite: {} — edit the file directly",
                pytext::repr(pytext::strip(l.as_str()))
            )));
        }
        let mut lines: Vec<&str> = pytext::splitlines(original);
        let stamp = format!("**Status:** {status}");
        let insert_at = usize::from(lines.first().is_some_and(|l| l.starts_with("# ")));
        let mut block: Vec<&str> = Vec::new();
        if insert_at == 1 {
            block.push("");
        }
        block.push(&stamp);
        if lines.len() > insert_at && !pytext::strip(lines[insert_at]).is_empty() {
            block.push("");
        }
        lines.splice(insert_at..insert_at, block);
        let mut text = lines.join("\n");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        return Ok(text);
    };
    let whole = m.get(0).expect("group 0");
    if let Some(l) = like.filter(|l| l.start() < whole.start()) {
        return Err(UnsafeRewrite(format!(
            "first status line is in a shape this endpoint cannot safely rewrite: {} — edit the file directly",
            pytext::repr(pytext::strip(l.as_str()))
        )));
    }
    let old = m.get(1).map_or("", |g| g.as_str());
    if !FLIPPABLE.contains(&leading_token(old).as_str()) {
        return Err(UnsafeRewrite(format!(
            "existing status value {} is descriptive, not a status token — flipping it would destroy information; edit the file directly",
            pytext::repr(old)
        )));
    }
    let ann = annotation(old);
    Ok(format!("{}**Status:** {status}{ann}{}", &original[..whole.start()], &original[whole.end()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_shapes() {
        assert_eq!(extract_status("# T\n\n**Status:** approved (2026-05-09)  \n").as_deref(), Some("approved (2026-05-09)"));
        assert_eq!(extract_status("  **Status**:\tdraft\n").as_deref(), Some("draft"));
        assert_eq!(extract_status("**Status: chair-ruled per item** and more\n").as_deref(), Some("chair-ruled per item"));
        // A later strict line beats an earlier wrapped one.
        assert_eq!(extract_status("**Status: wrapped**\n**Status:** strict\n").as_deref(), Some("strict"));
        assert_eq!(extract_status("Status: plain\n"), None);
        assert_eq!(extract_status("**Status:**    \n").as_deref(), Some(""), "a blank value backtracks into the group");
        // Python keeps an all-whitespace value as "".
        assert_eq!(extract_status("**Status:** \u{a0}\n").as_deref(), Some(""));
    }

    #[test]
    fn rewrites_keep_annotation_and_bytes() {
        let t = "# Spec\n\n  **Status**: approved (2026-05-09) — Phase A\n\nBody\n\n";
        let r = rewrite_status_line(t, "in-review").unwrap();
        assert_eq!(r, "# Spec\n\n**Status:** in-review (2026-05-09) — Phase A\n\nBody\n\n");
        assert_eq!(rewrite_status_line(&r, "in-review").unwrap(), r);
        assert_eq!(rewrite_status_line("**Status:** draft\n", "done").unwrap(), "**Status:** done\n");
        assert_eq!(rewrite_status_line("**Status:** ✅ resolved, see below\n", "done").unwrap(), "**Status:** done, see below\n");
    }

    #[test]
    fn inserts_when_there_is_none() {
        assert_eq!(rewrite_status_line("# Title\nBody\n", "draft").unwrap(), "# Title\n\n**Status:** draft\n\nBody\n");
        assert_eq!(rewrite_status_line("# Title\n\nBody", "draft").unwrap(), "# Title\n\n**Status:** draft\n\nBody\n");
        assert_eq!(rewrite_status_line("Body\n", "draft").unwrap(), "**Status:** draft\n\nBody\n");
        assert_eq!(rewrite_status_line("", "draft").unwrap(), "**Status:** draft\n");
        assert_eq!(rewrite_status_line("# Only\n", "draft").unwrap(), "# Only\n\n**Status:** draft\n");
        let once = rewrite_status_line("# T\nx\n", "approved").unwrap();
        assert_eq!(rewrite_status_line(&once, "approved").unwrap(), once);
    }

    #[test]
    fn refuses_what_it_cannot_rewrite() {
        let e = rewrite_status_line("**Status: chair-ruled per item**\n", "draft").unwrap_err();
        assert_eq!(e.0, "existing status line is in a shape this endpoint cannot safely rewrite: '**Status:' — edit the file directly");
        let e = rewrite_status_line("status: x\n**Status:** draft\n", "done").unwrap_err();
        assert_eq!(e.0, "first status line is in a shape this endpoint cannot safely rewrite: 'status:' — edit the file directly");
        let e = rewrite_status_line("**Status:** R6 spend alarm shipped\n", "done").unwrap_err();
        assert_eq!(
            e.0,
            "existing status value 'R6 spend alarm shipped' is descriptive, not a status token — flipping it would destroy information; edit the file directly"
        );
    }
}
