//! Searching a run's whole log, the way the run page's search box does:
//! escape codes ignored, plain text (case-insensitive unless asked) or a
//! regular expression, every match counted and the first
//! [`SEARCH_CAP`] line numbers returned.

use std::borrow::Cow;

use crate::logstore::LogStore;
use crate::wire::LogSearch;

/// How many matching line numbers a search returns (the count is exact).
pub const SEARCH_CAP: usize = 10_000;
/// The longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1000;
/// The compiled size a regular expression may take (a hostile pattern is
/// refused instead of eating memory).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("q must not be empty")]
    Empty,
    #[error("q is too long (1000 bytes at most)")]
    TooLong,
    #[error("invalid regular expression: {0}")]
    BadRegex(String),
    #[error("the run's log could not be read")]
    Unreadable(#[source] std::io::Error),
}

/// What to look for, validated.
pub struct Query {
    needle: String,
    lower: String,
    case_sensitive: bool,
    regex: Option<regex::Regex>,
}

impl Query {
    /// `needle` as plain text, or as a regular expression when `regex`.
    pub fn new(needle: &str, case_sensitive: bool, regex: bool) -> Result<Query, SearchError> {
        if needle.is_empty() {
            return Err(SearchError::Empty);
        }
        if needle.len() > MAX_QUERY_BYTES {
            return Err(SearchError::TooLong);
        }
        let regex = if regex {
            let r = regex::RegexBuilder::new(needle)
                .case_insensitive(!case_sensitive)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| SearchError::BadRegex(e.to_string()))?;
            Some(r)
        } else {
            None
        };
        Ok(Query { needle: needle.to_string(), lower: needle.to_lowercase(), case_sensitive, regex })
    }

    /// Whether one line's text (escape codes and all) matches.
    pub fn matches(&self, line: &str) -> bool {
        let text = if line.contains('\u{1b}') { Cow::Owned(crate::ansi::strip(line)) } else { Cow::Borrowed(line) };
        match &self.regex {
            Some(r) => r.is_match(&text),
            None if self.case_sensitive => text.contains(self.needle.as_str()),
            None => text.to_lowercase().contains(&self.lower),
        }
    }
}

/// Every line of `log` that `q` matches: the exact count and the first
/// [`SEARCH_CAP`] line numbers. Reads the log from disk, a block at a time.
pub fn search(log: &LogStore, q: &Query) -> Result<LogSearch, SearchError> {
    let mut out = LogSearch { total: 0, lines: Vec::new(), capped: false };
    log.for_each(|l| {
        if q.matches(&l.x) {
            out.total += 1;
            if out.lines.len() < SEARCH_CAP {
                out.lines.push(l.n);
            } else {
                out.capped = true;
            }
        }
        true
    })
    .map_err(SearchError::Unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::LogStream;

    #[test]
    fn plain_case_and_regex_queries_over_coloured_lines() {
        let d = tempfile::tempdir().unwrap();
        let log = LogStore::create(&d.path().join("r.log")).unwrap();
        log.append(
            ["Error one", "\u{1b}[31mERR\u{1b}[0mor two", "fine", "error three"]
                .into_iter()
                .map(|l| (LogStream::Stdout, 1, l.to_string()))
                .collect(),
        )
        .unwrap();
        let hits = |q: Query| search(&log, &q).unwrap().lines;
        // Escape codes are not text: "ERR" + "or" reads "ERRor".
        assert_eq!(hits(Query::new("error", false, false).unwrap()), vec![1, 2, 4]);
        assert_eq!(hits(Query::new("Error", true, false).unwrap()), vec![1]);
        assert_eq!(hits(Query::new("^e.*e$", false, true).unwrap()), vec![1, 4]);
        assert!(matches!(Query::new("", false, false), Err(SearchError::Empty)));
        assert!(matches!(Query::new(&"x".repeat(1001), false, false), Err(SearchError::TooLong)));
        assert!(matches!(Query::new("(", false, true), Err(SearchError::BadRegex(_))));
    }

    #[test]
    fn counts_past_the_cap() {
        let d = tempfile::tempdir().unwrap();
        let log = LogStore::create(&d.path().join("r.log")).unwrap();
        log.append((0..SEARCH_CAP + 5).map(|i| (LogStream::Stdout, 1, format!("hit {i}"))).collect()).unwrap();
        let r = search(&log, &Query::new("hit", false, false).unwrap()).unwrap();
        assert_eq!((r.total, r.lines.len(), r.capped), (SEARCH_CAP as u64 + 5, SEARCH_CAP, true));
        assert_eq!(r.lines.first(), Some(&1));
    }
}
