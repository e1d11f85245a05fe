//! The seed's direct API for spend: `attune_ops::cost::{fetch_summary,
//! clear_cache}` over one process-wide client configured from the
//! environment. In a file of its own: its tests set `ANTHROPIC_BASE_URL`
//! and the key for the whole process, which no other test may see (under
//! nextest each test is a process of its own).

use attune_ops_test_support::http::{Answer, Imitation};
use chrono::Utc;
use serde_json::json;

const KEY: &str = "sk-ant-admin01-GLOBAL-TEST-KEY";

/// An Admin API imitation answering every request that carries the key with
/// one page of today's spend ($1.23). It keeps connections open, so a
/// pooling client would reuse one across runtimes (and fail if it did so
/// from a runtime that is gone).
fn fake() -> Imitation {
    let body = json!({"data": [{"starting_at": format!("{}T00:00:00Z", Utc::now().format("%Y-%m-%d")),
        "results": [{"amount": "123", "model": "claude-opus-4-1", "cost_type": "tokens"}]}], "has_more": false})
    .to_string();
    Imitation::start(move |req| match req.header("x-api-key") {
        Some(KEY) => Answer::json(200, body.clone()),
        _ => Answer::json(401, "{}"),
    })
}

/// One test (the client is process-wide): cached and refreshed answers,
/// and calls from one runtime after another, as a script might make.
#[test]
fn module_functions_use_one_process_wide_client() {
    let api = fake();
    std::env::set_var("ANTHROPIC_BASE_URL", api.url());
    std::env::set_var("ANTHROPIC_ADMIN_API_KEY", KEY);
    let rt = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let r = rt().block_on(attune_ops::cost::fetch_summary(false));
    assert!(r.error.is_none(), "{:?}", r.error);
    let s = r.summary.unwrap();
    assert_eq!((s.today_usd, s.source.as_str()), (1.23, "live"));
    assert_eq!(rt().block_on(attune_ops::cost::fetch_summary(false)).summary.unwrap().source, "cached");
    assert_eq!(api.requests(), 1);
    for n in 2..5 {
        attune_ops::cost::clear_cache();
        let r = rt().block_on(attune_ops::cost::fetch_summary(false));
        assert!(r.error.is_none(), "a call from a new runtime failed: {:?}", r.error);
        assert_eq!(r.summary.unwrap().source, "live");
        assert_eq!(api.requests(), n);
    }
}
