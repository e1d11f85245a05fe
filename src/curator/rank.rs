//! The offline briefing: the sources' items ranked by fixed rules, for when
//! no model writes one (no key, an API error, the spend cap, the model
//! still writing). The same heuristics the model is asked to use, made
//! explicit: security and failures first, then what is ready to close or
//! drifting; one problem seen by two sources is one item citing both;
//! routine rows (a spec in progress, a run that completed) are not
//! attention.

use super::sources::{SourceItem, SourceSummary};
use crate::wire::{CuratorItem, SuggestedAction};

struct Ranked {
    score: u32,
    item: CuratorItem,
}

fn open(url: &str, label: &str) -> Option<SuggestedAction> {
    (!url.is_empty()).then(|| SuggestedAction {
        kind: "open".into(),
        label: Some(label.into()),
        url: Some(url.into()),
        ..Default::default()
    })
}

fn card(i: &SourceItem, severity: &str, rationale: String, action: Option<SuggestedAction>) -> CuratorItem {
    CuratorItem {
        id: i.item_id.clone(),
        title: i.title.clone(),
        severity: severity.into(),
        rationale,
        sources: vec![i.item_id.clone()],
        suggested_action: action,
    }
}

/// One source item's place, or `None` when it is not attention.
fn rank_one(i: &SourceItem) -> Option<Ranked> {
    let id = i.item_id.as_str();
    let (score, item) = if id.starts_with("git:secret-shape:") {
        (100, card(i, "block", format!("{} Nothing ignores it, so one `git add .` commits it. [{id}]", i.detail), None))
    } else if id.starts_with("run:failed:") {
        (80, card(i, "warn", format!("{} [{id}]", i.detail), open(&i.link, "Open the run")))
    } else if id.starts_with("telemetry:error:") {
        (75, card(i, "warn", format!("{} [{id}]", i.detail), open(&i.link, "Open telemetry")))
    } else if id.starts_with("telemetry:cost-spike:") {
        (70, card(i, "warn", format!("{} [{id}]", i.detail), open("/cost", "Open spend")))
    } else if id.starts_with("bulletin:archived:") {
        let status = i.meta("terminal_status").unwrap_or("");
        if !matches!(status, "failed" | "error" | "errored") {
            return None;
        }
        (60, card(i, "warn", format!("{} [{id}]", i.detail), open(&i.link, "Open the run")))
    } else if id.starts_with("sweep:") {
        let high = matches!(i.meta("severity"), Some("critical" | "high"));
        let question = i.meta("bucket") == Some("questions");
        let score = if high {
            65
        } else if question {
            45
        } else {
            40
        };
        (score, card(i, if high { "warn" } else { "nudge" }, format!("{} [{id}]", i.detail), None))
    } else if id.starts_with("spec:") {
        if i.meta("is_completion_candidate") != Some("true") {
            return None;
        }
        (
            50,
            card(
                i,
                "nudge",
                format!("Every check says {} is done: confirm it on the Specs page to close it. [{id}]", i.title),
                open(&i.link, "Review the spec"),
            ),
        )
    } else if id.starts_with("git:diverged:") {
        (45, card(i, "nudge", format!("{} Rebase or merge before the gap grows. [{id}]", i.detail), None))
    } else if id.starts_with("spec-drift:") {
        (35, card(i, "nudge", format!("Its status and its activity disagree: {}. [{id}]", i.detail), open(&i.link, "Open the spec")))
    } else if id.starts_with("git:uncommitted:") {
        (25, card(i, "info", format!("{} [{id}]", i.detail), None))
    } else if id.starts_with("bulletin:active:") {
        (15, card(i, "info", format!("Running now. {} [{id}]", i.detail), open(&i.link, "Watch it")))
    } else {
        return None;
    };
    Some(Ranked { score, item })
}

/// The key two items about the same thing share: a run (our record and the
/// bulletin's) or a spec (its listing and its drift).
fn subject(id: &str) -> Option<String> {
    for (prefix, kind) in [("run:failed:", "run"), ("bulletin:archived:", "run"), ("spec:", "spec"), ("spec-drift:", "spec")] {
        if let Some(rest) = id.strip_prefix(prefix) {
            return Some(format!("{kind}:{rest}"));
        }
    }
    None
}

/// The ranked items (all of them; the caller shows the first few) and the
/// number of items read.
pub fn offline(sources: &[SourceSummary]) -> (Vec<CuratorItem>, usize) {
    let all: Vec<&SourceItem> = sources.iter().flat_map(|s| &s.items).collect();
    let mut ranked: Vec<Ranked> = Vec::new();
    for i in &all {
        let Some(r) = rank_one(i) else { continue };
        let subj = subject(&r.item.id);
        match subj.and_then(|s| ranked.iter().position(|x| subject(&x.item.id).as_ref() == Some(&s))) {
            Some(ix) => {
                // Seen by two sources: one item, the stronger first, both
                // cited, a little higher than either.
                let t = &mut ranked[ix];
                if r.score > t.score {
                    let weaker = std::mem::replace(t, r);
                    merge(t, weaker);
                } else {
                    merge(t, r);
                }
            }
            None => ranked.push(r),
        }
    }
    // Stable: equal scores keep the sources' order.
    ranked.sort_by_key(|r| std::cmp::Reverse(r.score));
    (ranked.into_iter().map(|r| r.item).collect(), all.len())
}

fn merge(keep: &mut Ranked, other: Ranked) {
    keep.item.sources.extend(other.item.sources);
    keep.item.rationale.push_str(&format!(" Also: {}", other.item.rationale));
    keep.score += 5;
}

/// The offline briefing's summary, citing what it leads with.
pub fn summary(ranked: &[CuratorItem], shown: usize, read: usize, sources: usize) -> String {
    if ranked.is_empty() {
        return format!("Nothing pressing: none of the {read} items the {sources} sources gave ranks above routine.");
    }
    let lead = &ranked[0];
    let more = ranked.len().saturating_sub(1);
    let mut s = format!("Most urgent: {} [{}].", lead.title, lead.sources.join("] ["));
    if more > 0 {
        s.push_str(&format!(" {more} more item(s) stand out of the {read} the {sources} sources gave"));
        if ranked.len() > shown {
            s.push_str(&format!("; the first {shown} are below, the rest in the sources list"));
        }
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, meta: &[(&str, &str)]) -> SourceItem {
        let meta: Vec<(&str, String)> = meta.iter().map(|(k, v)| (*k, v.to_string())).collect();
        SourceItem::new(id.into(), format!("title of {id}"), "Detail.".into(), "/x".into(), &meta)
    }

    fn src(id: &'static str, items: Vec<SourceItem>) -> SourceSummary {
        SourceSummary { source_id: id, state_hash: String::new(), items }
    }

    #[test]
    fn urgent_first_routine_left_out_twins_folded() {
        let sources = [
            src(
                "bulletin",
                vec![
                    item("bulletin:archived:r1", &[("terminal_status", "failed")]),
                    item("bulletin:archived:r2", &[("terminal_status", "completed")]),
                ],
            ),
            src(
                "specs",
                vec![item("spec:a", &[("is_completion_candidate", "true")]), item("spec:b", &[("is_completion_candidate", "false")])],
            ),
            src("spec_drift", vec![item("spec-drift:b", &[])]),
            src("runs", vec![item("run:failed:r1", &[])]),
            src("git-state", vec![item("git:secret-shape:abc", &[])]),
        ];
        let (ranked, read) = offline(&sources);
        assert_eq!(read, 7);
        let ids: Vec<&str> = ranked.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["git:secret-shape:abc", "run:failed:r1", "spec:a", "spec-drift:b"]);
        assert_eq!(ranked[0].severity, "block");
        assert_eq!(ranked[1].sources, ["run:failed:r1", "bulletin:archived:r1"]);
        assert_eq!(ranked[3].sources, ["spec-drift:b"]);
        let s = summary(&ranked, 2, read, 5);
        assert_eq!(s, "Most urgent: title of git:secret-shape:abc [git:secret-shape:abc]. 3 more item(s) stand out of the 7 the 5 sources gave; the first 2 are below, the rest in the sources list.");
        assert!(summary(&[], 5, 7, 5).starts_with("Nothing pressing"));
    }
}
