//! The client's view of a run's log: the line count, and the chunks of
//! lines fetched so far from the server's log store.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use attune_ops::wire::{LogLine, LogPage};

/// Lines per cached chunk.
const CHUNK: u64 = 256;
/// Chunks kept in memory at most (≈ 50k lines).
const MAX_CHUNKS: usize = 200;

/// The client's view of a run's log: how many lines exist, and the chunks
/// loaded so far. Cheap to copy.
#[derive(Clone, Copy)]
pub struct LogModel {
    run_id: StoredValue<String>,
    pub total: RwSignal<u64>,
    pub finished: RwSignal<bool>,
    chunks: StoredValue<HashMap<u64, Vec<Option<LogLine>>>>,
    loading: StoredValue<HashSet<u64>>,
    /// Bumped whenever loaded lines change, to re-render.
    pub(super) version: RwSignal<u64>,
    /// Set when a chunk could not be loaded.
    pub error: RwSignal<Option<String>>,
}

impl LogModel {
    pub fn new(run_id: String, initial: &LogPage) -> LogModel {
        let m = LogModel {
            run_id: StoredValue::new(run_id),
            total: RwSignal::new(initial.total),
            finished: RwSignal::new(initial.finished),
            chunks: StoredValue::new(HashMap::new()),
            loading: StoredValue::new(HashSet::new()),
            version: RwSignal::new(0),
            error: RwSignal::new(None),
        };
        m.insert(initial.lines.clone());
        m
    }

    fn insert(&self, lines: Vec<LogLine>) {
        if lines.is_empty() {
            return;
        }
        let max_n = lines.iter().map(|l| l.n).max().unwrap_or(0);
        self.chunks.update_value(|c| {
            for l in lines {
                let id = (l.n - 1) / CHUNK;
                let slot = ((l.n - 1) % CHUNK) as usize;
                let v = c.entry(id).or_insert_with(|| vec![None; CHUNK as usize]);
                v[slot] = Some(l);
            }
        });
        if max_n > self.total.get_untracked() {
            self.total.set(max_n);
        }
        self.version.update(|v| *v += 1);
    }

    /// New lines from the live stream.
    pub fn push(&self, lines: Vec<LogLine>) {
        // Lines far above the view need not be kept: only the tail chunk
        // and chunks already loaded are filled.
        let tail_id = self.total.get_untracked().saturating_sub(1) / CHUNK;
        let keep: Vec<LogLine> = lines
            .into_iter()
            .filter(|l| {
                let id = (l.n - 1) / CHUNK;
                id + 1 >= tail_id || self.chunks.with_value(|c| c.contains_key(&id))
            })
            .collect();
        let max_n = keep.last().map(|l| l.n).unwrap_or(0);
        if max_n > self.total.get_untracked() {
            self.total.set(max_n);
        }
        self.insert(keep);
    }

    pub fn line(&self, n: u64) -> Option<LogLine> {
        if n == 0 {
            return None;
        }
        self.chunks.with_value(|c| c.get(&((n - 1) / CHUNK)).and_then(|v| v[((n - 1) % CHUNK) as usize].clone()))
    }

    /// Loads the chunks covering lines `from..=to` that are missing, and
    /// forgets chunks far from them.
    pub fn ensure(&self, from: u64, to: u64) {
        let total = self.total.get_untracked();
        if total == 0 {
            return;
        }
        let to = to.min(total);
        if from > to {
            return;
        }
        let (a, b) = ((from.max(1) - 1) / CHUNK, (to - 1) / CHUNK);
        for id in a..=b {
            let complete = self.first_missing(id).is_none();
            if complete || self.loading.with_value(|l| l.contains(&id)) {
                continue;
            }
            self.loading.update_value(|l| {
                l.insert(id);
            });
            self.fetch_chunk(id);
        }
        // Evict chunks farthest from the view (never the tail one).
        let tail_id = (total - 1) / CHUNK;
        self.chunks.update_value(|c| {
            if c.len() > MAX_CHUNKS {
                let mut ids: Vec<u64> = c.keys().copied().filter(|&k| k != tail_id).collect();
                let center = (a + b) / 2;
                ids.sort_by_key(|&k| std::cmp::Reverse(k.abs_diff(center)));
                for k in ids.into_iter().take(c.len() - MAX_CHUNKS) {
                    c.remove(&k);
                }
            }
        });
    }

    /// The first line of chunk `id` not loaded yet, if any (up to `total`).
    fn first_missing(&self, id: u64) -> Option<u64> {
        let last = ((id + 1) * CHUNK).min(self.total.get_untracked());
        self.chunks.with_value(|c| {
            let v = c.get(&id);
            (id * CHUNK + 1..=last).find(|&n| v.is_none_or(|v| v[((n - 1) % CHUNK) as usize].is_none()))
        })
    }

    /// Loads what chunk `id` lacks. The server answers a window with a
    /// byte budget (a page of very long lines comes in parts): the rest is
    /// asked for until the chunk is complete.
    #[cfg(feature = "hydrate")]
    fn fetch_chunk(&self, id: u64) {
        let this = *self;
        let Some(from) = self.first_missing(id) else {
            self.loading.update_value(|l| {
                l.remove(&id);
            });
            return;
        };
        let url = format!("/runs/{}/log?from={from}&limit={}", self.run_id.get_value(), (id + 1) * CHUNK + 1 - from);
        leptos::task::spawn_local(async move {
            let res = crate::client::get_json::<LogPage>(&url).await;
            // The viewer may be gone by now (its values disposed).
            if this
                .loading
                .try_update_value(|l| {
                    l.remove(&id);
                })
                .is_none()
            {
                return;
            }
            match res {
                Ok(page) => {
                    this.finished.set(page.finished);
                    let got = !page.lines.is_empty();
                    this.insert(page.lines);
                    if got && this.first_missing(id).is_some() {
                        this.loading.update_value(|l| {
                            l.insert(id);
                        });
                        this.fetch_chunk(id);
                    }
                }
                Err(e) => this.error.set(Some(format!("could not load lines: {e}"))),
            }
        });
    }

    #[cfg(not(feature = "hydrate"))]
    fn fetch_chunk(&self, _id: u64) {}

    pub fn run_id(&self) -> String {
        self.run_id.get_value()
    }
}
