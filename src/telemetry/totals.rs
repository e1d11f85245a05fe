//! The aggregates of a usage file, window-free: totals, per workflow and
//! per day, each summed in file order (so every figure is the reference's
//! sequential float sum bit for bit). Any window, any registry filter is
//! derived from them without reading the file again.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use super::line::{parse_block, round4, Parsed};
use crate::pyfmt;
use crate::wire::TelemetrySummary;

/// Running totals of the lines folded so far. Its size grows with the
/// number of distinct workflows and days, never with the file's.
#[derive(Clone, Default)]
pub(super) struct Totals {
    total_requests: u64,
    total_cost: f64,
    total_savings: f64,
    /// Workflow name → index in `wf` (first-seen order).
    wf_index: HashMap<String, usize>,
    wf: Vec<(String, u64, f64)>,
    days: HashMap<NaiveDate, (u64, f64)>,
    last_event_at: Option<String>,
    skipped: u64,
}

impl Totals {
    /// Folds the parsed lines of a block, in file order.
    fn apply_all<'a>(&mut self, lines: impl IntoIterator<Item = Parsed<'a>>) {
        let mut last_ts: Option<std::borrow::Cow<'a, str>> = None;
        for p in lines {
            if let Some(ts) = self.apply(p) {
                last_ts = Some(ts);
            }
        }
        if let Some(ts) = last_ts {
            self.last_event_at = Some(ts.into_owned());
        }
    }

    /// Folds one line; returns its timestamp when non-empty.
    fn apply<'a>(&mut self, p: Parsed<'a>) -> Option<std::borrow::Cow<'a, str>> {
        let (cost, savings, workflow, ts, day) = match p {
            Parsed::Blank => return None,
            Parsed::Skipped => {
                self.skipped += 1;
                return None;
            }
            Parsed::Event { cost, savings, workflow, ts, day } => (cost, savings, workflow, ts, day),
        };
        self.total_requests += 1;
        self.total_cost += cost;
        self.total_savings += savings;
        match self.wf_index.get(workflow.as_ref()) {
            Some(&i) => {
                self.wf[i].1 += 1;
                self.wf[i].2 += cost;
            }
            None => {
                self.wf_index.insert(workflow.to_string(), self.wf.len());
                self.wf.push((workflow.into_owned(), 1, cost));
            }
        }
        if let Some(d) = day {
            let e = self.days.entry(d).or_default();
            e.0 += 1;
            e.1 += cost;
        }
        (!ts.is_empty()).then_some(ts)
    }

    /// Folds a block of whole lines. A large block is parsed on two threads
    /// (split at a line boundary); the halves are folded in order.
    pub(super) fn fold(&mut self, block: &[u8]) {
        let mid = block.len() / 2;
        let split = if block.len() >= 1 << 20 { block[mid..].iter().position(|&b| b == b'\n').map(|p| mid + p + 1) } else { None };
        match split {
            Some(at) => {
                let (a, b) = block.split_at(at);
                let (pa, pb) = std::thread::scope(|sc| {
                    // No thread to be had (or a panic in it): this thread
                    // parses the second half too.
                    let h = std::thread::Builder::new().spawn_scoped(sc, || parse_block(b)).ok();
                    let pa = parse_block(a);
                    (pa, h.and_then(|h| h.join().ok()))
                });
                self.apply_all(pa);
                self.apply_all(pb.unwrap_or_else(|| parse_block(b)));
            }
            None => self.apply_all(parse_block(block)),
        }
    }

    /// The summary over `recent_days` (+ today). `known`: the registry's
    /// workflow names for the by-workflow table (`None`: every name).
    pub(super) fn summary(
        &self,
        recent_days: u32,
        today: NaiveDate,
        known: Option<&HashSet<String>>,
        present: bool,
        path: &Path,
    ) -> TelemetrySummary {
        let mut rows: Vec<(String, u64, f64)> = self
            .wf
            .iter()
            .filter(|(n, _, _)| known.is_none_or(|k| k.contains(n)))
            .map(|(n, c, cost)| (n.clone(), *c, round4(*cost)))
            .collect();
        // Stable: ties keep first-seen order, as heapq.nlargest does.
        rows.sort_by(|a, b| b.2.total_cmp(&a.2));
        rows.truncate(20);
        let epoch = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default();
        let cutoff = pyfmt::days_between(epoch, today) - recent_days as i64;
        let mut days: Vec<(String, u64, f64)> = self
            .days
            .iter()
            .filter(|(d, _)| pyfmt::days_between(epoch, **d) >= cutoff)
            .map(|(d, (c, cost))| (d.format("%Y-%m-%d").to_string(), *c, round4(*cost)))
            .collect();
        days.sort_by(|a, b| a.0.cmp(&b.0));
        TelemetrySummary {
            total_requests: self.total_requests,
            total_cost: round4(self.total_cost),
            total_savings: round4(self.total_savings),
            by_workflow: rows,
            by_day: days,
            last_event_at: self.last_event_at.clone(),
            skipped_lines: self.skipped,
            recent_days,
            file_present: present,
            path: path.display().to_string(),
        }
    }
}
