//! The seed's direct API for spend: `attune_ops::cost::{fetch_summary,
//! clear_cache}` over one process-wide client configured from the
//! environment. In a file of its own: its tests set `ANTHROPIC_BASE_URL`
//! and the key for the whole process, which no other test may see (under
//! nextest each test is a process of its own).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk-ant-admin01-GLOBAL-TEST-KEY";

/// An Admin API imitation answering every request with one page of today's
/// spend ($1.23); counts requests.
async fn fake() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let body = json!({"data": [{"starting_at": format!("{}T00:00:00Z", Utc::now().format("%Y-%m-%d")),
        "results": [{"amount": "123", "model": "claude-opus-4-1", "cost_type": "tokens"}]}], "has_more": false})
    .to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let (c, body) = (c.clone(), body.clone());
            tokio::spawn(async move {
                // Keep-alive: answer requests on this connection until the
                // client closes it (so a pooling client would reuse it).
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    assert!(String::from_utf8_lossy(&buf).contains(KEY));
                    buf.clear();
                    c.fetch_add(1, Ordering::SeqCst);
                    let resp = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

/// One test (the client is process-wide): cached and refreshed answers,
/// and calls from one runtime after another, as a script might make.
#[test]
fn module_functions_use_one_process_wide_client() {
    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (url, requests) = server.block_on(fake());
    std::env::set_var("ANTHROPIC_BASE_URL", &url);
    std::env::set_var("ANTHROPIC_ADMIN_API_KEY", KEY);
    let rt = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let r = rt().block_on(attune_ops::cost::fetch_summary(false));
    assert!(r.error.is_none(), "{:?}", r.error);
    let s = r.summary.unwrap();
    assert_eq!((s.today_usd, s.source.as_str()), (1.23, "live"));
    assert_eq!(rt().block_on(attune_ops::cost::fetch_summary(false)).summary.unwrap().source, "cached");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    for n in 2..5 {
        attune_ops::cost::clear_cache();
        let r = rt().block_on(attune_ops::cost::fetch_summary(false));
        assert!(r.error.is_none(), "a call from a new runtime failed: {:?}", r.error);
        assert_eq!(r.summary.unwrap().source, "live");
        assert_eq!(requests.load(Ordering::SeqCst), n);
    }
}
