//! Search over the whole log, on the server (`GET /runs/{id}/search`), and
//! stepping through the matches.

use leptos::prelude::*;

use attune_ops::wire::LogSearch;

use crate::fmt;

/// The search box's state. Cheap to copy.
#[derive(Clone, Copy)]
pub(super) struct LogSearchState {
    /// What is typed in the box.
    pub query: RwSignal<String>,
    /// What was last searched for (marked in the rows).
    pub applied: RwSignal<String>,
    results: RwSignal<Option<LogSearch>>,
    /// Index of the match shown, in `results.lines`.
    current: RwSignal<usize>,
    error: RwSignal<Option<String>>,
}

impl LogSearchState {
    pub fn new() -> LogSearchState {
        LogSearchState {
            query: RwSignal::new(String::new()),
            applied: RwSignal::new(String::new()),
            results: RwSignal::new(None),
            current: RwSignal::new(0),
            error: RwSignal::new(None),
        }
    }

    /// Searches run `run_id`'s log for what is typed; `jump_to` shows the
    /// first match. An empty box clears the search.
    pub fn run(&self, run_id: String, jump_to: impl Fn(u64) + 'static) {
        let this = *self;
        let q = this.query.get_untracked();
        this.applied.set(q.clone());
        this.results.set(None);
        this.error.set(None);
        #[cfg(feature = "hydrate")]
        if !q.is_empty() {
            let url = format!("/runs/{run_id}/search?q={}", crate::urlcode::encode_component(&q));
            leptos::task::spawn_local(async move {
                let answer = crate::client::get_json::<LogSearch>(&url).await;
                // The viewer may be gone by now (its signals disposed).
                if this.current.try_get_untracked().is_none() {
                    return;
                }
                match answer {
                    Ok(r) => {
                        this.current.set(0);
                        if let Some(&n) = r.lines.first() {
                            jump_to(n);
                        }
                        this.results.set(Some(r));
                    }
                    Err(e) => this.error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (run_id, jump_to);
    }

    /// Shows the match `d` steps away (wrapping around) with `jump_to`.
    pub fn step(&self, d: i64, jump_to: impl Fn(u64)) {
        if let Some(r) = self.results.get_untracked().filter(|r| !r.lines.is_empty()) {
            let i = wrap(self.current.get_untracked(), d, r.lines.len());
            self.current.set(i);
            jump_to(r.lines[i]);
        }
    }

    /// Whether there are matches to step through (tracked).
    pub fn has_matches(&self) -> bool {
        self.results.with(|r| r.as_ref().is_some_and(|r| !r.lines.is_empty()))
    }

    /// "3 / 41", "no matches", or the error (tracked).
    pub fn status(&self) -> String {
        match (self.results.get(), self.error.get()) {
            (_, Some(e)) => e,
            (Some(r), _) if r.total == 0 => "no matches".into(),
            (Some(r), _) => format!(
                "{} / {}{}",
                self.current.get() + 1,
                fmt::count(r.total),
                if r.capped { format!(" (first {} navigable)", fmt::count(r.lines.len() as u64)) } else { String::new() }
            ),
            (None, None) => String::new(),
        }
    }
}

/// The index `d` steps from `i` among `len` matches, wrapping around.
fn wrap(i: usize, d: i64, len: usize) -> usize {
    let len = len as i64;
    (((i as i64 + d) % len + len) % len) as usize
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn steps_wrap_around() {
        assert_eq!(wrap(0, 1, 3), 1);
        assert_eq!(wrap(2, 1, 3), 0);
        assert_eq!(wrap(0, -1, 3), 2);
        assert_eq!(wrap(0, -4, 3), 2);
        assert_eq!(wrap(0, 1, 1), 0);
    }
}
