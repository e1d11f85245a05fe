//! The Briefing against an imitation of the Messages API on loopback: a
//! written briefing (checked, cached, shared), every failure kind (401,
//! 429, a timeout, a malformed answer, the spend cap, no key), and what the
//! request carries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use attune_ops::config::{build_config, ConfigOptions};
use attune_ops::ops::{CuratorTimings, Ops};
use attune_ops::wire::{BriefingData, BriefingOrigin};
use attune_ops_test_support::http::{Answer, Imitation};
use attune_ops_test_support::project::TempProject;
use serde_json::{json, Value};

const KEY: &str = "sk-ant-api03-TOPSECRET";

/// A project whose sources give items: a sweep finding, a failed run in the
/// bulletin's archive, telemetry errors.
fn world() -> TempProject {
    let p = TempProject::new();
    p.write_home(
        "ops/sweep-results/abc123.json",
        r#"{"queue":[{"title":"SQL built by concatenation","source":"security","severity":"high","description":"input reaches execute()","file":"app/db.py","line":42}]}"#,
    );
    let now = chrono::Utc::now();
    let hb = (now - chrono::Duration::minutes(30)).to_rfc3339();
    let day = now.date_naive();
    p.write_home(
        &format!("bulletin/archive/{day}.jsonl"),
        &format!(r#"{{"actor_id":"ci@runner","actor_kind":"ci","workflow":"release-prep","run_id":"r42","started_at":"{hb}","last_heartbeat":"{hb}","current_status":"failed"}}"#),
    );
    p
}

fn ops(p: &TempProject, vars: &[(&str, String)], t: CuratorTimings) -> Ops {
    let cfg = build_config(ConfigOptions {
        project_root: Some(p.path().to_path_buf()),
        attune_home: Some(p.home.clone()),
        pending_writes_path: Some(p.path().join("pw.jsonl")),
        ..ConfigOptions::default()
    })
    .unwrap();
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    Ops::new(cfg).unwrap().with_env(Arc::new(move |k| env.get(k).cloned())).with_curator_timings(t)
}

fn keyed(api: &Imitation) -> Vec<(&'static str, String)> {
    vec![("ANTHROPIC_API_KEY", KEY.to_string()), ("ANTHROPIC_BASE_URL", api.url().to_string())]
}

const FAST: CuratorTimings = CuratorTimings { call_timeout: Duration::from_secs(10), page_wait: Duration::from_secs(10) };

/// The id the sweep finding gets (the reference's rule).
fn sweep_id(d: &BriefingData) -> String {
    d.sources.iter().find(|s| s.id == "sweep").unwrap().items[0].item_id.clone()
}

/// A Messages API answer whose tool call cites `cite` (and one invented
/// id, in a second item), with an unsafe and a safe link.
fn tool_answer(cite: &str) -> Answer {
    let input = json!({
        "summary": format!("A high finding waits in the sweep queue [{cite}]."),
        "items": [
            {"id": "fix-sql", "title": "Fix the SQL concatenation", "severity": "warn", "rationale": format!("High severity [{cite}]."),
             "sources": [cite], "suggested_action": {"kind": "open", "url": "javascript:alert(1)", "label": "Open"}},
            {"id": "invented", "title": "Invented", "severity": "block", "rationale": "x", "sources": ["spec:does-not-exist"]},
            {"id": "ask-sql", "title": "Who owns db.py?", "severity": "nudge", "rationale": format!("[{cite}]"), "sources": [cite],
             "suggested_action": {"kind": "ask", "question": "Assign it?", "choices": ["me", "later"]}}
        ]
    });
    let body = json!({"id": "msg_1", "type": "message", "model": "claude-fable-5-1", "stop_reason": "tool_use",
        "usage": {"input_tokens": 2000, "output_tokens": 500},
        "content": [{"type": "thinking", "thinking": "…"}, {"type": "tool_use", "id": "t1", "name": "emit_curation", "input": input}]});
    Answer::json(200, body.to_string())
}

#[tokio::test]
async fn a_written_briefing_is_checked_cached_and_shared() {
    let p = world();
    // First learn the finding's id offline, then serve an answer citing it.
    let offline = ops(&p, &[], FAST).briefing(false).await;
    assert_eq!(offline.origin, BriefingOrigin::Offline);
    let cite = sweep_id(&offline);
    let c2 = cite.clone();
    let api = Imitation::start(move |_| tool_answer(&c2));
    let o = ops(&p, &keyed(&api), FAST);
    // Five tabs at once: one call.
    let all = futures::future::join_all((0..5).map(|_| o.briefing(false))).await;
    assert_eq!(api.requests(), 1);
    let d = &all[0];
    assert_eq!(d.origin, BriefingOrigin::Model, "{:?}", d.offline_reason);
    let ids: Vec<&str> = d.result.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["fix-sql", "ask-sql"], "the invented item is dropped");
    assert_eq!(d.result.items[0].suggested_action.as_ref().unwrap().url, None, "a javascript: URL is removed");
    assert_eq!(d.result.items[1].suggested_action.as_ref().unwrap().choices, ["me", "later"]);
    assert!((d.result.cost_usd - (2000.0 * 10.0 + 500.0 * 50.0) / 1e6).abs() < 1e-12);
    assert_eq!(d.result.model, "claude-fable-5-1");
    assert_eq!(d.result.sources_consulted, ["bulletin", "specs", "spec_drift", "sweep", "telemetry", "runs", "git-state"]);

    // What was sent.
    let req = &api.seen()[0];
    assert_eq!(req.target, "/v1/messages?beta=true");
    assert_eq!(req.header("x-api-key"), Some(KEY));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(req.header("anthropic-beta"), Some("server-side-fallback-2026-06-01"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["tool_choice"], json!({"type": "auto"}));
    assert_eq!(body["tools"][0]["name"], "emit_curation");
    let user = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        user.contains(&format!(
            "<source name=\"sweep\">\n- [{cite}] SQL built by concatenation | \n  [security/high] input reaches execute() at app/db.py:42"
        )),
        "{user}"
    );
    assert!(user.contains("- [bulletin:archived:r42] release-prep — failed (ci) | /runs/r42/view"), "{user}");
    assert!(body["max_tokens"].as_u64().unwrap() <= 10_000, "cut to the $0.50 cap");

    // Cached for the same state: no second call, and the file is there.
    let again = o.briefing(false).await;
    assert_eq!(again.origin, BriefingOrigin::Cache);
    assert_eq!(again.result.items, d.result.items);
    assert_eq!(api.requests(), 1);
    let files: Vec<_> = std::fs::read_dir(p.home.join("curator-cache")).unwrap().collect();
    assert_eq!(files.len(), 1);
    // Refresh asks again.
    o.briefing(true).await;
    assert_eq!(api.requests(), 2);

    // A snoozed item is hidden and counted.
    o.curator_dismiss("fix-sql").unwrap();
    let s = o.briefing(false).await;
    assert_eq!((s.result.items.len(), s.snoozed), (1, 1));
}

async fn offline_with(answer: Answer, t: CuratorTimings) -> (BriefingData, Imitation, Ops, TempProject) {
    let p = world();
    let api = Imitation::start(move |_| answer.clone());
    let o = ops(&p, &keyed(&api), t);
    let d = o.briefing(false).await;
    (d, api, o, p)
}

fn reason(d: &BriefingData) -> &str {
    assert_eq!(d.origin, BriefingOrigin::Offline);
    d.offline_reason.as_deref().unwrap()
}

#[tokio::test]
async fn a_rejected_key_gives_the_offline_briefing_and_no_hammering() {
    let (d, api, o, p) =
        offline_with(Answer::json(401, r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#), FAST)
            .await;
    assert!(reason(&d).contains("ANTHROPIC_API_KEY"), "{d:?}");
    assert!(!reason(&d).contains("invalid x-api-key"), "the API's text is not shown");
    // The offline rules still rank the items: the high finding and the
    // other actor's failed run.
    let ids: Vec<&str> = d.result.items.iter().map(|i| i.id.as_str()).collect();
    assert!(ids.contains(&"bulletin:archived:r42"), "{ids:?}");
    assert_eq!(ids[0], sweep_id(&d));
    assert!(d.result.summary.starts_with("Most urgent: SQL built by concatenation"), "{}", d.result.summary);
    // Not cached; a reload within the minute does not call again; Refresh does.
    assert!(!p.home.join("curator-cache").exists());
    o.briefing(false).await;
    assert_eq!(api.requests(), 1);
    o.briefing(true).await;
    assert_eq!(api.requests(), 2);
}

#[tokio::test]
async fn rate_limits_timeouts_and_malformed_answers() {
    let (d, ..) = offline_with(Answer::json(429, r#"{"error":{"message":"rate_limit_error"}}"#), FAST).await;
    assert!(reason(&d).contains("rate limit"), "{d:?}");
    let t = CuratorTimings { call_timeout: Duration::from_secs(1), page_wait: Duration::from_secs(10) };
    let (d, ..) = offline_with(tool_answer("x").after(Duration::from_secs(3)), t).await;
    assert!(reason(&d).contains("did not answer within 1 s"), "{d:?}");
    let (d, ..) = offline_with(Answer::json(200, "{not json"), FAST).await;
    assert!(reason(&d).contains("could not be read"), "{d:?}");
    let (d, ..) = offline_with(Answer::json(200, r#"{"content":[{"type":"text","text":"Here is your briefing!"}]}"#), FAST).await;
    assert!(reason(&d).contains("could not be read"), "{d:?}");
    let (d, ..) = offline_with(Answer::json(529, r#"{"error":{"message":"overloaded"}}"#), FAST).await;
    assert!(reason(&d).starts_with("The curator is offline: a temporary error"), "{d:?}");
    let (d, ..) = offline_with(Answer::json(200, r#"{"stop_reason":"refusal","content":[]}"#), FAST).await;
    assert!(reason(&d).contains("declined") && reason(&d).contains("unspecified"), "{d:?}");
}

#[tokio::test]
async fn the_spend_cap_and_a_missing_key_make_no_call() {
    let p = world();
    let api = Imitation::start(|_| tool_answer("x"));
    let mut vars = keyed(&api);
    vars.push(("ATTUNE_CURATOR_MAX_BUDGET_USD", "0.01".into()));
    let d = ops(&p, &vars, FAST).briefing(false).await;
    assert!(reason(&d).contains("over the $0.01 cap"), "{d:?}");
    assert_eq!(d.budget_usd, 0.01);
    let d = ops(&p, &[("ANTHROPIC_BASE_URL", api.url().to_string())], FAST).briefing(false).await;
    assert!(reason(&d).starts_with("No ANTHROPIC_API_KEY"), "{d:?}");
    assert_eq!(api.requests(), 0);
}

#[tokio::test]
async fn other_models_are_forced_and_a_slow_call_finishes_behind_the_page() {
    let p = world();
    let api = Imitation::start(|_| tool_answer("x").after(Duration::from_millis(1500)));
    let mut vars = keyed(&api);
    vars.push(("ATTUNE_MODEL_PREMIUM", "claude-sonnet-5".into()));
    let t = CuratorTimings { call_timeout: Duration::from_secs(10), page_wait: Duration::from_millis(200) };
    let o = ops(&p, &vars, t);
    let d = o.briefing(false).await;
    assert!(d.pending && d.origin == BriefingOrigin::Offline, "{d:?}");
    assert!(!d.result.items.is_empty(), "the offline items meanwhile");
    // The call finishes on its own: poll for its cache file (a loaded
    // machine may take longer than the imitation's delay).
    let cache = p.home.join("curator-cache");
    for _ in 0..200 {
        let saved = std::fs::read_dir(&cache)
            .map(|d| d.flatten().any(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".json") && !n.starts_with('.'))))
            .unwrap_or(false);
        // The in-flight entry goes just after the file is saved.
        if saved {
            tokio::time::sleep(Duration::from_millis(50)).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = o.briefing(false).await;
    assert_eq!(d.origin, BriefingOrigin::Cache, "{d:?}");
    assert!(!d.pending);
    assert_eq!(api.requests(), 1);
    let req = &api.seen()[0];
    assert_eq!(req.target, "/v1/messages");
    assert_eq!(req.header("anthropic-beta"), None);
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "emit_curation"}));
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(d.result.model, "claude-sonnet-5");
}
