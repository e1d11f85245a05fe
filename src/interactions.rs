//! Dashboard interaction counters (the reference's "Dashboard interactions
//! (this session)"): chain-pill clicks by workflow, recommendation-card
//! clicks by kind, scope-picker changes by workflow. In memory only, reset
//! on restart, never written to disk; no personal data (targets are
//! workflow names and kinds, anything else counts as `(unknown)`).
//!
//! Bounded: at most [`MAX_KEYS`] distinct targets per counter; beyond
//! that, new ones count under `(other)`, so a client posting endless
//! names cannot grow the process.

use std::sync::Mutex;

use serde_json::{json, Map, Value};

/// Distinct targets kept per counter.
pub const MAX_KEYS: usize = 500;

/// The three counters, each in first-seen order.
#[derive(Default)]
pub struct Interactions {
    inner: Mutex<[Vec<(String, u64)>; 3]>,
}

/// Which counter an event feeds, if any.
fn slot(event: &str) -> Option<usize> {
    match event {
        "pill_click" => Some(0),
        "rec_card_click" => Some(1),
        "scope_picker_change" => Some(2),
        _ => None,
    }
}

const NAMES: [&str; 3] = ["pill_clicks", "rec_card_clicks", "scope_picker_changes"];

/// A target as counted: `[A-Za-z0-9_./-]{1,64}`, else `(unknown)`.
pub fn target_key(target: Option<&str>) -> String {
    match target {
        Some(t) if (1..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b)) => t.to_string(),
        _ => "(unknown)".into(),
    }
}

impl Interactions {
    /// Counts one event (unknown events are ignored).
    pub fn record(&self, event: &str, target: Option<&str>) {
        let Some(i) = slot(event) else { return };
        let key = target_key(target);
        let mut all = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let map = &mut all[i];
        if let Some(e) = map.iter_mut().find(|(k, _)| *k == key) {
            e.1 += 1;
            return;
        }
        let key = if map.len() >= MAX_KEYS { "(other)".to_string() } else { key };
        match map.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 += 1,
            None => map.push((key, 1)),
        }
    }

    /// `GET /api/telemetry/interactions`: totals, then each counter.
    pub fn snapshot(&self) -> Value {
        let all = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Map::new();
        let totals: Map<String, Value> =
            NAMES.iter().zip(all.iter()).map(|(n, m)| (n.to_string(), json!(m.iter().map(|(_, c)| c).sum::<u64>()))).collect();
        out.insert("totals".into(), Value::Object(totals));
        for (n, m) in NAMES.iter().zip(all.iter()) {
            out.insert(n.to_string(), Value::Object(m.iter().map(|(k, c)| (k.clone(), json!(c))).collect()));
        }
        Value::Object(out)
    }

    /// The Telemetry panel: totals and the top ten of each counter (count
    /// descending, ties in first-seen order).
    pub fn top(&self, n: usize) -> crate::wire::Interactions {
        let all = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let top = |m: &Vec<(String, u64)>| {
            let mut v = m.clone();
            v.sort_by_key(|e| std::cmp::Reverse(e.1));
            v.truncate(n);
            v
        };
        crate::wire::Interactions {
            pill_clicks: all[0].iter().map(|e| e.1).sum(),
            rec_card_clicks: all[1].iter().map(|e| e.1).sum(),
            scope_picker_changes: all[2].iter().map(|e| e.1).sum(),
            top_pills: top(&all[0]),
            top_rec_cards: top(&all[1]),
            top_scope_pickers: top(&all[2]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_first_seen_order_with_unknown_targets() {
        let c = Interactions::default();
        c.record("pill_click", Some("test-audit"));
        c.record("pill_click", Some("code-review"));
        c.record("pill_click", Some("code-review"));
        c.record("pill_click", Some("has space"));
        c.record("pill_click", None);
        c.record("rec_card_click", Some("next-workflow"));
        c.record("nonsense", Some("x"));
        let s = c.snapshot();
        assert_eq!(s["totals"], json!({"pill_clicks": 5, "rec_card_clicks": 1, "scope_picker_changes": 0}));
        assert_eq!(serde_json::to_string(&s["pill_clicks"]).unwrap(), r#"{"test-audit":1,"code-review":2,"(unknown)":2}"#);
        let t = c.top(10);
        assert_eq!(t.top_pills[0], ("code-review".to_string(), 2));
        assert_eq!(t.top_pills[1], ("(unknown)".to_string(), 2), "ties keep first-seen order");
    }

    #[test]
    fn distinct_targets_are_bounded() {
        let c = Interactions::default();
        for i in 0..(MAX_KEYS + 50) {
            c.record("scope_picker_change", Some(&format!("wf-{i}")));
        }
        let t = c.top(usize::MAX);
        assert_eq!(t.top_scope_pickers.len(), MAX_KEYS + 1);
        assert_eq!(t.scope_picker_changes, (MAX_KEYS + 50) as u64);
        assert!(t.top_scope_pickers.contains(&("(other)".to_string(), 50)));
    }
}
