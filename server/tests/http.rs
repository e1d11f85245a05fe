//! The dashboard over real HTTP: a server on `127.0.0.1:0`, driven with
//! reqwest. Covers the security perimeter (hosts × tokens × origins ×
//! read-only), the run lifecycle, SSE replay and resume, and error shapes.

use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

use attune_ops::config::{build_config, ConfigOptions};
use attune_ops_server::Server;
use attune_ops_test_support::http::{Answer, Imitation};
use attune_ops_test_support::project::TempProject;

/// A running dashboard on a temporary project.
struct Dash {
    base: String,
    port: u16,
    token: String,
    /// The team login's token, on a dashboard that needs one.
    access: Option<String>,
    root: PathBuf,
    home: PathBuf,
    project: TempProject,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

const REGISTRY: &str = r#"
[[workflow]]
name = "quick"
description = "prints and exits"
command = ["sh", "-c", "echo one; echo two >&2; echo 'ATTUNE_REC {\"kind\":\"next-workflow\",\"name\":\"slow\",\"label\":\"then slow\"}'; echo three"]
scope = { flag = "--path" }
stages = [{ name = "agent-review", tier = "capable" }]
tags = ["t"]

[[workflow]]
name = "slow"
description = "takes a while"
command = ["sh", "-c", "echo start; sleep 30; echo end"]

[[workflow]]
name = "counted"
description = "prints many lines"
command = ["sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"]
"#;

async fn start(allow_run: bool) -> Dash {
    start_with(allow_run, None).await
}

/// A dashboard whose cost client is `cost` (default: no key at all).
async fn start_with(allow_run: bool, cost: Option<attune_ops::cost::CostClient>) -> Dash {
    start_on("127.0.0.1", allow_run, cost).await
}

/// A dashboard whose Redis settings are `vars` (none of the process's: a
/// developer's own Redis is never read). Without `REDIS_URL` among them, a
/// port nothing listens on.
async fn start_with_redis(vars: &[(&str, &str)]) -> Dash {
    let mut env: std::collections::HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.entry("REDIS_URL".into()).or_insert_with(|| format!("redis://127.0.0.1:{}/0", attune_ops_test_support::redis::free_port()));
    start_full("127.0.0.1", false, None, Some(std::sync::Arc::new(move |k: &str| env.get(k).cloned())), |_| {}).await
}

/// A dashboard configured for bind address `host` (it listens on loopback
/// all the same: the configuration decides the allowlist and the login).
async fn start_on(host: &str, allow_run: bool, cost: Option<attune_ops::cost::CostClient>) -> Dash {
    start_full(host, allow_run, cost, None, |_| {}).await
}

async fn start_full(
    host: &str,
    allow_run: bool,
    cost: Option<attune_ops::cost::CostClient>,
    redis: Option<attune_ops::ops::EnvLookup>,
    more: impl FnOnce(&mut ConfigOptions),
) -> Dash {
    // Never the machine's own Redis: a closed port unless the test gives one.
    let redis = redis.unwrap_or_else(|| {
        let url = format!("redis://127.0.0.1:{}/0", attune_ops_test_support::redis::free_port());
        std::sync::Arc::new(move |k: &str| (k == "REDIS_URL").then(|| url.clone()))
    });
    let project = TempProject::with_registry(REGISTRY);
    project.mkdir("src/auth");
    let (root, home) = (project.root.clone(), project.home.clone());
    let mut opts = ConfigOptions {
        project_root: Some(root.clone()),
        attune_home: Some(home.clone()),
        allow_run,
        host: host.to_string(),
        port: 0,
        claude_dir: Some(project.path().join("claude")),
        pending_writes_path: Some(project.path().join("pending_writes.jsonl")),
        ..ConfigOptions::default()
    };
    more(&mut opts);
    let cfg = build_config(opts).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let cost =
        cost.unwrap_or_else(|| attune_ops::cost::CostClient::with("http://127.0.0.1:9", Box::new(|| None), Duration::from_secs(900)));
    let server = Server::from_ops(attune_ops::ops::Ops::new(cfg).unwrap().with_cost_client(cost).with_env(redis));
    let token = server.token.as_str().to_string();
    let access = server.access.as_ref().map(|a| a.token().to_string());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .serve(listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Dash { base: format!("http://127.0.0.1:{port}"), port, token, access, root, home, project, stop: Some(tx), done: Some(done) }
}

impl Dash {
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }
    fn url(&self, p: &str) -> String {
        format!("{}{}", self.base, p)
    }
    async fn start_run(&self, wf: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client()
            .post(self.url(&format!("/workflows/{wf}/run")))
            .header("X-Attune-Client", &self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn wait_terminal(&self, id: &str) -> Value {
        for _ in 0..200 {
            let v: Value = self.client().get(self.url(&format!("/runs/{id}"))).send().await.unwrap().json().await.unwrap();
            if ["completed", "failed", "cancelled"].contains(&v["status"].as_str().unwrap_or("")) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("run {id} did not finish");
    }
    /// Stops the server (cancelling in-flight runs); the temporary
    /// directory lives as long as the returned guard.
    async fn stop(mut self) -> TempProject {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(d) = self.done.take() {
            tokio::time::timeout(Duration::from_secs(20), d).await.unwrap().unwrap();
        }
        self.project
    }
}

#[tokio::test]
async fn host_allowlist_guards_every_path() {
    let d = start(true).await;
    let c = d.client();
    for path in ["/", "/api/info", "/pkg/attune-ops.js", "/runs/abc/stream", "/no/such/page", "/api/ui/shell"] {
        for host in ["evil.example", "localhost", "127.0.0.1", "localhost.evil.com", "127.0.0.1.nip.io:1", ""] {
            let r = c.get(d.url(path)).header("Host", host).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path} with Host {host:?}");
            assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "untrusted Host header"}));
        }
    }
    for host in [format!("localhost:{}", d.port), format!("127.0.0.1:{}", d.port), format!("LOCALHOST:{}", d.port)] {
        let r = c.get(d.url("/api/info")).header("Host", &host).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{host}");
    }
    // Garbage Host bytes never crash the server.
    let r = c.get(d.url("/api/info")).header("Host", reqwest::header::HeaderValue::from_bytes(b"\xff\xfe").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(c.get(d.url("/api/info")).send().await.unwrap().status(), StatusCode::OK);
    d.stop().await;
}

#[tokio::test]
async fn mutations_need_the_token() {
    let d = start(true).await;
    let c = d.client();
    let url = d.url("/workflows/quick/run");
    let invalid = json!({"detail": {"code": "invalid_client", "message": "Missing or invalid X-Attune-Client header."}});
    let wrong_same_len = "x".repeat(d.token.len());
    let prefix = d.token[..10].to_string();
    let cases: Vec<Option<&str>> = vec![None, Some(""), Some(&wrong_same_len), Some(&prefix)];
    for tok in cases {
        let mut rb = c.post(&url).json(&json!({}));
        if let Some(t) = tok {
            rb = rb.header("X-Attune-Client", t);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{tok:?}");
        assert_eq!(r.json::<Value>().await.unwrap(), invalid);
    }
    // Non-ASCII and NUL-ish header bytes: 403, not 500.
    let r =
        c.post(&url).header("X-Attune-Client", reqwest::header::HeaderValue::from_bytes(b"\xc3\xa9\xff").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Other mutating routes are gated too, including server functions.
    for (m, p) in [
        ("POST", "/runs/abcdef/cancel"),
        ("POST", "/api/ui/start_run"),
        ("POST", "/api/ui/cancel_run"),
        ("PUT", "/api/anything"),
        ("DELETE", "/"),
    ] {
        let r = c.request(m.parse().unwrap(), d.url(p)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{m} {p}");
    }
    let (s, v) = d.start_run("quick", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    d.stop().await;
}

#[tokio::test]
async fn cross_site_mutations_are_refused() {
    let d = start(true).await;
    let c = d.client();
    let url = d.url("/workflows/quick/run");
    for (h, v) in [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Origin", "http://localhost:1"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ] {
        let r = c.post(&url).header("X-Attune-Client", &d.token).header(h, v).json(&json!({})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{h}: {v}");
        assert_eq!(r.json::<Value>().await.unwrap()["detail"]["code"], "cross_site");
    }
    let own = format!("http://127.0.0.1:{}", d.port);
    let r = c
        .post(&url)
        .header("X-Attune-Client", &d.token)
        .header("Origin", &own)
        .header("Sec-Fetch-Site", "same-origin")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // No CORS, ever.
    let r = c.get(d.url("/api/info")).header("Origin", "http://evil.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    d.stop().await;
}

#[tokio::test]
async fn read_only_refuses_every_mutation() {
    let d = start(false).await;
    let (s, v) = d.start_run("quick", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v, json!({"detail": "workflow execution is disabled; restart attune-ops with --allow-run"}));
    let r = d
        .client()
        .post(d.url("/api/ui/start_run"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"workflow": "quick"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The token is still checked first.
    let r = d.client().post(d.url("/workflows/quick/run")).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["detail"]["code"], "invalid_client");
    // Reads work, and nothing was written.
    assert_eq!(d.client().get(d.url("/api/runs")).send().await.unwrap().status(), StatusCode::OK);
    assert!(!d.home.join("ops/runs").exists());
    d.stop().await;
}

#[tokio::test]
async fn hardening_headers_limits_and_error_shapes() {
    let d = start(true).await;
    let c = d.client();
    let r = c.get(d.url("/api/info")).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let api_csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(api_csp.contains("frame-ancestors 'none'"));
    assert!(api_csp.contains("script-src 'self' 'wasm-unsafe-eval';"), "{api_csp}");
    let info: Value = r.json().await.unwrap();
    // A page's policy allows exactly its own inline scripts, by nonce.
    let page = c.get(d.url("/")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    let html = page.text().await.unwrap();
    let nonce = html.split("<script nonce=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(csp.contains(&format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval';")), "{csp}");
    assert!(!csp.contains("unsafe-inline'; style") && !csp.split(';').any(|d| d.contains("script-src") && d.contains("unsafe-inline")));
    let scripts = html.matches("<script").count();
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every inline script carries the nonce");
    // A fresh nonce per response.
    let again = c.get(d.url("/")).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"].to_str().unwrap().contains(&nonce));
    assert_eq!(info["project_root"], d.root.display().to_string());
    assert_eq!(info["attune_home"], d.home.display().to_string());
    // Unknown API path: JSON; unknown page: the styled HTML 404.
    let r = c.get(d.url("/api/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}));
    let r = c.get(d.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(html.contains("No page at"), "{html}");
    assert!(html.contains("attune-client-token"));
    // Wrong method: JSON 405.
    let r = c.put(d.url("/api/info")).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "Method Not Allowed"}));
    // Bodies are capped.
    let big = vec![b'a'; 2 * 1024 * 1024];
    let r = c.post(d.url("/workflows/quick/run")).header("X-Attune-Client", &d.token).body(big).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // The token endpoint answers the token, which is also in every page.
    let t: Value = c.get(d.url("/api/session/token")).send().await.unwrap().json().await.unwrap();
    assert_eq!(t["token"], d.token);
    assert_eq!(d.token.len(), 43);
    d.stop().await;
}

#[tokio::test]
async fn panicking_handler_answers_500_and_the_server_keeps_serving() {
    use attune_ops_server::{with_layers, ClientToken, HostAllowlist, Perimeter};
    let router = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                panic!("boom");
                #[allow(unreachable_code)]
                ""
            }),
        )
        .route("/ok", axum::routing::get(|| async { "ok" }));
    let p = Perimeter { hosts: HostAllowlist::new("127.0.0.1", 0, &[]), token: ClientToken::generate(), allow_run: true, access: None };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let p = Perimeter { hosts: HostAllowlist::new("127.0.0.1", port, &[]), ..p };
    tokio::spawn(async move { axum::serve(listener, with_layers(router, p)).await.unwrap() });
    let c = reqwest::Client::new();
    let r = c.get(format!("http://127.0.0.1:{port}/boom")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text().await.unwrap(), "Internal Server Error");
    assert_eq!(c.get(format!("http://127.0.0.1:{port}/ok")).send().await.unwrap().text().await.unwrap(), "ok");
}

#[tokio::test(start_paused = true)]
async fn stuck_handlers_get_503_and_trickled_bodies_408() {
    use attune_ops_server::{with_layers, ClientToken, HostAllowlist, Perimeter, RESPONSE_DEADLINE};
    use tower::ServiceExt;
    let router = axum::Router::new()
        .route(
            "/stuck",
            axum::routing::get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                "late"
            }),
        )
        .route("/upload", axum::routing::post(|body: String| async move { body }))
        .route("/quick", axum::routing::get(|| async { "ok" }));
    let token = ClientToken::generate();
    let p = Perimeter { hosts: HostAllowlist::new("127.0.0.1", 8765, &[]), token: token.clone(), allow_run: true, access: None };
    let app = with_layers(router, p);
    let req = |method: &str, path: &str, body: axum::body::Body| {
        axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8765")
            .header("x-attune-client", token.as_str())
            .body(body)
            .unwrap()
    };
    let t0 = tokio::time::Instant::now();
    let r = app.clone().oneshot(req("GET", "/stuck", axum::body::Body::empty())).await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(t0.elapsed(), RESPONSE_DEADLINE);
    assert_eq!(r.headers()["connection"], "close");
    let bytes = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), json!({"detail": "the server took too long to answer"}));
    // A complete body passes through the deadline's wrapper intact.
    let r = app.clone().oneshot(req("POST", "/upload", axum::body::Body::from("complete"))).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(axum::body::to_bytes(r.into_body(), 1024).await.unwrap(), "complete");
    // A body that sends one byte and then nothing.
    let trickle =
        futures::stream::once(async { Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"a")) }).chain(futures::stream::pending());
    let r = app.clone().oneshot(req("POST", "/upload", axum::body::Body::from_stream(trickle))).await.unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(r.headers()["connection"], "close");
    // Prompt answers are untouched, and data is not cached.
    let r = app.clone().oneshot(req("GET", "/quick", axum::body::Body::empty())).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn run_start_validation_follows_the_reference() {
    let d = start(true).await;
    let cases = [
        ("nope", json!({}), 404, json!("unknown workflow 'nope'")),
        ("quick", json!([1]), 400, json!("body must be a JSON object")),
        ("quick", json!({"path": 5}), 400, json!("path must be a string")),
        ("quick", json!({"trigger": "cron"}), 400, json!("trigger must be 'manual', 'attune-rec', or 'attune-heal'")),
        ("slow", json!({"path": "src"}), 400, json!("workflow 'slow' does not accept a path argument")),
        ("quick", json!({"path": "src\u{0}x"}), 400, json!("invalid path: path contains null bytes")),
        ("quick", json!({"path": "src/missing"}), 400, json!("invalid path: Path 'src/missing' does not exist")),
    ];
    for (wf, body, status, detail) in cases {
        let (s, v) = d.start_run(wf, body.clone()).await;
        assert_eq!(s.as_u16(), status, "{wf} {body}: {v}");
        assert_eq!(v["detail"], detail, "{wf} {body}");
    }
    for escape in ["../x", "/etc", "src/../../x"] {
        let (s, v) = d.start_run("quick", json!({"path": escape})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let m = v["detail"].as_str().unwrap();
        assert!(m.starts_with("invalid path: Path '") && m.ends_with("Operations are restricted to the workspace."), "{m}");
    }
    // A symlink pointing out of the project is an escape too.
    std::os::unix::fs::symlink("/tmp", d.root.join("src/out")).unwrap();
    let (s, _) = d.start_run("quick", json!({"path": "src/out"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Invalid UTF-8: 400, not 500.
    let r = d
        .client()
        .post(d.url("/workflows/quick/run"))
        .header("X-Attune-Client", &d.token)
        .header("content-type", "application/json")
        .body(vec![0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    d.stop().await;
}

#[tokio::test]
async fn a_run_streams_persists_and_chains() {
    let d = start(true).await;
    let (s, v) = d.start_run("quick", json!({"path": "src/auth", "trigger": "manual"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["run_id"].as_str().unwrap().to_string();
    assert_eq!(v["stream_url"], format!("/runs/{id}/stream"));
    assert_eq!(v["status_url"], format!("/runs/{id}"));
    let run = d.wait_terminal(&id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(run["path"], d.root.join("src/auth").display().to_string());
    assert_eq!(run["stderr_lines"], 1);
    // The reference stream: every line, the recommendation, done; ids 1..n.
    let body = d.client().get(d.url(&format!("/runs/{id}/stream"))).send().await.unwrap();
    assert_eq!(body.headers()["content-type"], "text/event-stream");
    let events: Vec<_> = eventsource_stream::EventStream::new(body.bytes_stream()).map(|e| e.unwrap()).collect().await;
    // stdout and stderr are separate pipes: their relative order is the
    // arrival order; within stdout the order is the child's.
    let ids: Vec<u64> = events.iter().map(|e| e.id.parse().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    assert!(serde_json::from_str::<String>(&events[0].data).unwrap().starts_with("$ sh -c"));
    let stdout: Vec<String> = events
        .iter()
        .filter(|e| e.event == "line")
        .map(|e| serde_json::from_str::<String>(&e.data).unwrap())
        .filter(|l| l != "two" && !l.starts_with('$'))
        .collect();
    assert_eq!(stdout, ["one", "three"]);
    let rec_ev = events.iter().find(|e| e.event == "recommendation").unwrap();
    let rec: Value = serde_json::from_str(&rec_ev.data).unwrap();
    assert_eq!(rec, json!({"kind": "next-workflow", "label": "then slow", "name": "slow"}));
    assert_eq!(events.iter().filter(|e| e.event == "line").count(), 4);
    assert_eq!(events[5].event, "done");
    let done: Value = serde_json::from_str(&events[5].data).unwrap();
    assert_eq!(done, json!({"exit_code": 0, "status": "completed", "sdk_error_kind": null, "sdk_stderr": null, "has_report": false}));
    // History APIs in the reference's shapes.
    let list: Value = d.client().get(d.url("/api/runs/quick")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["workflow"], "quick");
    assert_eq!(list["runs"][0]["id"], id);
    assert!(list["runs"][0].get("lines").is_none());
    let one: Value = d.client().get(d.url(&format!("/api/runs/quick/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(one["lines"].as_array().unwrap().len(), 4);
    for (p, code) in [("/api/runs/Bad_Name", 400), ("/api/runs/quick/NOTHEX", 400), ("/api/runs/quick/abcdef", 404)] {
        assert_eq!(d.client().get(d.url(p)).send().await.unwrap().status().as_u16(), code, "{p}");
    }
    // The record on disk is the reference's format.
    let rec: Value = serde_json::from_str(&std::fs::read_to_string(d.home.join(format!("ops/runs/quick/{id}.json"))).unwrap()).unwrap();
    assert_eq!(rec["status"], "completed");
    assert_eq!(rec["lines"].as_array().unwrap().len(), 4);
    // Chaining: a run started from a recommendation records its source.
    let (s, v) = d.start_run("quick", json!({"trigger": "attune-rec", "source_run_id": id})).await;
    assert_eq!(s, StatusCode::CREATED);
    let chained = d.wait_terminal(v["run_id"].as_str().unwrap()).await;
    assert_eq!(chained["source_workflow"], "quick");
    assert_eq!(chained["trigger"], "attune-rec");
    d.stop().await;
}

#[tokio::test]
async fn sse_resumes_without_gap_or_duplicate() {
    let d = start(true).await;
    let (_, v) = d.start_run("counted", json!({})).await;
    let id = v["run_id"].as_str().unwrap().to_string();
    d.wait_terminal(&id).await;
    let all = collect(&d, &format!("/runs/{id}/stream"), None).await;
    assert_eq!(all.len(), 2002); // "$ …" + 2000 lines + done
    for cut in [1usize, 7, 999, 2000] {
        let last = &all[cut - 1].id;
        let via_header = collect(&d, &format!("/runs/{id}/stream"), Some(last)).await;
        let via_query = collect(&d, &format!("/runs/{id}/stream?after={last}"), None).await;
        assert_eq!(via_header, all[cut..].to_vec(), "cut {cut}");
        assert_eq!(via_query, all[cut..].to_vec(), "cut {cut}");
    }
    // An id past the end (up to the largest u64) means "seen everything":
    // only `done`, with the id that follows the last event, never a wrap.
    for past in ["2001", "2002", "99999", "18446744073709551615"] {
        let tail = collect(&d, &format!("/runs/{id}/stream"), Some(past)).await;
        assert_eq!(tail, all[2001..].to_vec(), "Last-Event-ID {past}");
        assert_eq!(collect(&d, &format!("/runs/{id}/stream?after={past}"), None).await, all[2001..].to_vec(), "after={past}");
    }
    assert_eq!(all[2001].id, "2002");
    // The rich format batches lines and carries streams.
    let rich = collect(&d, &format!("/runs/{id}/stream?format=rich"), None).await;
    let lines: usize = rich.iter().filter(|e| e.event == "lines").map(|e| serde_json::from_str::<Vec<Value>>(&e.data).unwrap().len()).sum();
    assert_eq!(lines, 2001);
    assert!(rich.len() < 20);
    // Its `done` also carries the final duration (the reference's does not).
    let done: Value = serde_json::from_str(&rich.last().unwrap().data).unwrap();
    assert!(done["duration_seconds"].as_f64().is_some_and(|s| s > 0.0), "{done}");
    d.stop().await;
}

async fn collect(d: &Dash, path: &str, last_id: Option<&str>) -> Vec<eventsource_stream::Event> {
    let mut rb = d.client().get(d.url(path));
    if let Some(l) = last_id {
        rb = rb.header("Last-Event-ID", l);
    }
    let body = rb.send().await.unwrap();
    eventsource_stream::EventStream::new(body.bytes_stream()).map(|e| e.unwrap()).collect().await
}

#[tokio::test]
async fn live_viewers_get_every_line_while_the_run_is_in_flight() {
    let d = start(true).await;
    let (_, v) = d.start_run("counted", json!({})).await;
    let id = v["run_id"].as_str().unwrap().to_string();
    // Several viewers join at once, before and during the run.
    let mut viewers = Vec::new();
    for _ in 0..5 {
        let url = d.url(&format!("/runs/{id}/stream"));
        viewers.push(tokio::spawn(async move {
            let body = reqwest::get(url).await.unwrap();
            eventsource_stream::EventStream::new(body.bytes_stream()).map(|e| e.unwrap()).collect::<Vec<_>>().await
        }));
    }
    for v in viewers {
        let evs = v.await.unwrap();
        assert_eq!(evs.len(), 2002);
        assert_eq!(evs.last().unwrap().event, "done");
    }
    d.stop().await;
}

#[tokio::test]
async fn queue_cancel_and_shutdown() {
    let d = start(true).await;
    let (_, a) = d.start_run("slow", json!({})).await;
    let (s, b) = d.start_run("slow", json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(b["status"], "pending");
    assert_eq!(b["queue_position"], 1);
    let a_id = a["run_id"].as_str().unwrap().to_string();
    let b_id = b["run_id"].as_str().unwrap().to_string();
    // Cancel the queued one, then the running one, over HTTP.
    let c = d.client();
    let r = c.post(d.url(&format!("/runs/{b_id}/cancel"))).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "cancelled");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = c.post(d.url(&format!("/runs/{a_id}/cancel"))).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "cancelled");
    let r = c.post(d.url(&format!("/runs/{a_id}/cancel"))).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A run in flight at shutdown is recorded as cancelled.
    let (_, x) = d.start_run("slow", json!({})).await;
    let x_id = x["run_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let home = d.home.clone();
    let _keep = d.stop().await;
    let rec: Value = serde_json::from_str(&std::fs::read_to_string(home.join(format!("ops/runs/slow/{x_id}.json"))).unwrap()).unwrap();
    assert_eq!(rec["status"], "cancelled");
}

#[tokio::test]
async fn plain_html_forms_start_runs_without_javascript() {
    let d = start(true).await;
    let c = d.client();
    let form = format!("attune_client={}&scope=__custom__&custom_path=src%2Fauth", d.token);
    let r =
        c.post(d.url("/workflows/quick/run")).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/runs/") && loc.ends_with("/view"), "{loc}");
    // Without the token field: refused.
    let r = c
        .post(d.url("/workflows/quick/run"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("scope=")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A bad scope sends the browser back with the message.
    let form = format!("attune_client={}&scope=__custom__&custom_path=..%2F..", d.token);
    let r =
        c.post(d.url("/workflows/quick/run")).header("content-type", "application/x-www-form-urlencoded").body(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/workflows?error=invalid%20path"));
    d.stop().await;
}

#[tokio::test]
async fn api_clients_get_json_whatever_the_body_encoding() {
    let d = start(true).await;
    let c = d.client();
    let form = "application/x-www-form-urlencoded";
    let post = |body: &'static str| c.post(d.url("/workflows/quick/run")).header("content-type", form).body(body);
    // What urllib and `curl -d ''` send: the token header, an empty form body.
    let r = post("").header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert!(v["run_id"].is_string() && v["stream_url"].is_string(), "{v}");
    // Form fields from a script are read as fields, answered as JSON.
    let r = post("scope=__custom__&custom_path=src%2Fauth").header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["run_id"].as_str().unwrap().to_string();
    assert!(d.wait_terminal(&id).await["path"].as_str().unwrap().ends_with("src/auth"));
    // `curl -d '{…}'` labels JSON as a form: read as JSON.
    let r = post(r#"{"path": "src/auth"}"#).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // Errors too are JSON for an API call, not a redirect.
    let r = post("scope=__custom__&custom_path=..%2F..").header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().starts_with("invalid path"));
    let r = c.post(d.url("/workflows/nope/run")).header("content-type", form).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Asking for JSON counts too, with the token in the form.
    let r = c
        .post(d.url("/workflows/quick/run"))
        .header("content-type", form)
        .header("accept", "application/json")
        .body(format!("attune_client={}", d.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    d.stop().await;
}

#[tokio::test]
async fn server_functions_are_http_apis() {
    let d = start(true).await;
    let c = d.client();
    let shell: Value = c.get(d.url("/api/ui/shell")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shell["project_name"], "proj");
    assert_eq!(shell["allow_run"], true);
    let wf: Value = c.get(d.url("/api/ui/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(wf["workflows"].as_array().unwrap().len(), 3);
    let r = c.post(d.url("/api/ui/start_run")).header("X-Attune-Client", &d.token).json(&json!({"workflow": "nope"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": 404, "detail": "unknown workflow 'nope'"}));
    let r = c
        .post(d.url("/api/ui/start_run"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"workflow": "quick", "path": "src/auth"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let id = v["run_id"].as_str().unwrap();
    let page: Value = c.get(d.url(&format!("/api/ui/run?id={id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["run"]["id"], id);
    let r = c.get(d.url("/api/ui/run?id=../../etc")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    d.stop().await;
}

#[tokio::test]
async fn read_side_routes() {
    let d = start(false).await;
    std::fs::create_dir_all(d.home.join("telemetry")).unwrap();
    std::fs::write(d.home.join("telemetry/usage.jsonl"), "{\"ts\":\"2026-01-01T00:00:00Z\",\"workflow\":\"quick\",\"cost\":2}\n").unwrap();
    let c = d.client();
    let t: Value = c.get(d.url("/api/telemetry?days=7")).send().await.unwrap().json().await.unwrap();
    assert_eq!(t["total_requests"], 1);
    assert_eq!(t["by_workflow"], json!([["quick", 1, 2.0]]));
    // The running server follows the file: appends (one still without its
    // newline), then a rotation.
    let usage = d.home.join("telemetry/usage.jsonl");
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&usage).unwrap();
        f.write_all(b"{\"workflow\":\"quick\",\"cost\":0.5}\n{\"workflow\":\"quick\",\"cost\":0.25}").unwrap();
    }
    let t: Value = c.get(d.url("/api/telemetry?days=7")).send().await.unwrap().json().await.unwrap();
    assert_eq!((t["total_requests"].as_u64(), t["total_cost"].as_f64()), (Some(3), Some(2.75)));
    std::fs::rename(&usage, d.home.join("telemetry/usage.jsonl.1")).unwrap();
    std::fs::write(&usage, "{\"workflow\":\"quick\",\"cost\":7}\n").unwrap();
    let t: Value = c.get(d.url("/api/telemetry?days=7")).send().await.unwrap().json().await.unwrap();
    assert_eq!(t["by_workflow"], json!([["quick", 1, 7.0]]));
    // Sessions: the claude dir of the fixture has none yet.
    let s: Value = c.get(d.url("/api/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["sessions"], json!([]));
    assert_eq!(c.get(d.url("/api/sessions/..%2Fetc")).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(c.get(d.url("/api/sessions/nope")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // Bulletin: active and a day; a bad line skipped on its own.
    std::fs::create_dir_all(d.home.join("bulletin")).unwrap();
    let hb = attune_ops::pyfmt::now_iso();
    std::fs::write(
        d.home.join("bulletin/active.jsonl"),
        format!("{{\"actor_id\":\"cli-x\",\"actor_kind\":\"cli\",\"workflow\":\"quick\",\"run_id\":\"r1\",\"last_heartbeat\":\"{hb}\"}}\n{{\"actor_id\":\"a\",\"actor_kind\":\"cli\",\"workflow\":\"w\",\"run_id\":\"r2\",\"last_heartbeat\":\"2026-01-01T00:00:00\"}}\nbad\n"),
    )
    .unwrap();
    let a: Value = c.get(d.url("/api/bulletin/active")).send().await.unwrap().json().await.unwrap();
    assert_eq!(a["entries"].as_array().unwrap().len(), 1);
    assert_eq!(a["entries"][0]["run_id"], "r1");
    let day: Value = c.get(d.url("/api/bulletin")).send().await.unwrap().json().await.unwrap();
    assert_eq!(day["runs"].as_array().unwrap().len(), 2);
    assert_eq!(day["skipped_lines"], 1);
    let h: Value = c.get(d.url("/api/health")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = h["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Anthropic admin key") && names.contains(&"telemetry"));
    assert!(!serde_json::to_string(&h).unwrap().contains("sk-ant"));
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Cost

const ADMIN_KEY: &str = "sk-ant-admin01-HTTP-TEST-SECRET";

/// An imitation of the Admin API's cost report: two pages, today's date
/// (and three days before), the key checked.
fn fake_admin_api() -> Imitation {
    let today = chrono::Utc::now().date_naive();
    Imitation::start(move |req| {
        if req.path() != "/v1/organizations/cost_report" {
            return Answer::json(404, "{}");
        }
        if req.header("x-api-key") != Some(ADMIN_KEY) {
            return Answer::json(401, json!({"error": {"type": "authentication_error"}}).to_string());
        }
        let body = match req.query("page") {
            None => json!({"data": [{"starting_at": format!("{today}T00:00:00Z"), "results": [
                {"amount": "1234.5", "model": "claude-opus-4-1", "cost_type": "tokens"}]}], "has_more": true, "next_page": "two"}),
            Some("two") => json!({"data": [{"starting_at": format!("{}T00:00:00Z", today - chrono::Duration::days(3)), "results": [
                {"amount": "100.25", "model": "claude-haiku-4-5", "cost_type": "tokens"}]}], "has_more": false}),
            _ => json!({"data": []}),
        };
        Answer::json(200, body.to_string())
    })
}

#[tokio::test]
async fn cost_route_follows_pages_caches_and_never_shows_the_key() {
    let api = fake_admin_api();
    let client = attune_ops::cost::CostClient::with(
        api.url(),
        Box::new(|| Some(attune_ops::cost::AdminKey::new(ADMIN_KEY))),
        Duration::from_secs(900),
    );
    let d = start_with(true, Some(client)).await;
    let c = d.client();
    let r = c.get(d.url("/api/cost")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(!text.contains(ADMIN_KEY));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["summary"]["today_usd"], 12.35);
    assert_eq!(v["summary"]["seven_day_usd"], 13.35);
    assert_eq!(v["summary"]["by_model"], json!([["claude-opus-4-1", 12.345], ["claude-haiku-4-5", 1.0025]]));
    assert_eq!(v["summary"]["source"], "live");
    assert_eq!(v["error"], Value::Null);
    assert_eq!(v["alarm"]["source"], "account");
    assert_eq!(api.requests(), 2, "both pages");
    // Cached, through both the JSON route and the server function.
    let v: Value = c.get(d.url("/api/cost")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["summary"]["source"], "cached");
    let v: Value = c.get(d.url("/api/ui/cost")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["summary"]["source"], "cached");
    assert_eq!(api.requests(), 2);
    // Twenty `?refresh=1` (any web page can make a browser send them) right
    // after a fetch: none goes upstream; each says when one can.
    let many = (0..20).map(|_| c.get(d.url("/api/cost?refresh=1")).send());
    for r in futures::future::join_all(many).await {
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["summary"]["source"], "cached");
        assert!(v["summary"]["refresh_in_seconds"].as_u64().is_some_and(|n| (1..=30).contains(&n)), "{v}");
    }
    assert_eq!(api.requests(), 2, "forced refreshes within 30 s of a fetch went upstream");
    // The page says so, without JavaScript too.
    let html = c.get(d.url("/cost?refresh=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("from the cache until a live refresh is possible again in"), "{html}");
    assert_eq!(api.requests(), 2);
    // The page renders the figures without JavaScript.
    let html = c.get(d.url("/cost")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("$12.35") && html.contains("claude-opus-4-1"), "{html}");
    assert!(!html.contains(ADMIN_KEY));
    // Home shows the account tiles.
    let html = c.get(d.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Today (account)") && html.contains("$12.35"));
    d.stop().await;
}

#[tokio::test]
async fn cost_without_a_key_is_an_answer_not_a_failure() {
    let d = start(false).await;
    let c = d.client();
    let r = c.get(d.url("/api/cost")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["kind"], "no_key");
    assert!(v["error"]["message"].as_str().unwrap().contains("ANTHROPIC_ADMIN_API_KEY"));
    assert_eq!(v["summary"], Value::Null);
    assert_eq!(v["alarm"]["source"], "local");
    let html = c.get(d.url("/cost")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Set up cost reporting"));
    d.stop().await;
}

#[tokio::test]
async fn budget_is_a_gated_mutation() {
    let ro = start(false).await;
    let c = ro.client();
    let r = c
        .post(ro.url("/api/ui/set_budget"))
        .header("X-Attune-Client", &ro.token)
        .json(&json!({"monthly_usd": 100.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("read-only"));
    ro.stop().await;

    let d = start(true).await;
    let c = d.client();
    // No token: refused.
    let r = c.post(d.url("/api/ui/set_budget")).json(&json!({"monthly_usd": 100.0})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Bad values: 400 with a reason.
    for bad in [json!({"monthly_usd": -1.0}), json!({"monthly_usd": 0}), json!({"monthly_usd": "lots"})] {
        let r = c.post(d.url("/api/ui/set_budget")).header("X-Attune-Client", &d.token).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let r =
        c.post(d.url("/api/ui/set_budget")).header("X-Attune-Client", &d.token).json(&json!({"monthly_usd": 250.0})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"monthly_usd": 250.0, "source": "setting"}));
    let saved = std::fs::read_to_string(d.home.join("ops/config.json")).unwrap();
    assert!(saved.contains("\"monthly_budget_usd\": 250.0"), "{saved}");
    let v: Value = c.get(d.url("/api/cost")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["budget"], json!({"monthly_usd": 250.0, "source": "setting"}));
    assert_eq!(v["alarm"]["monthly_ceiling"], 250.0);
    // The plain form: 303 back to the page; a bad value says why.
    let form = |body: String| c.post(d.url("/cost/budget")).header("Content-Type", "application/x-www-form-urlencoded").body(body).send();
    let r = form(format!("attune_client={}&monthly_usd=%241%2C200", d.token)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/cost#budget");
    let v: Value = c.get(d.url("/api/cost")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["budget"]["monthly_usd"], 1200.0);
    let r = form(format!("attune_client={}&monthly_usd=abc", d.token)).await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/cost?budget_error="));
    let r = form("monthly_usd=5".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Blank clears it.
    form(format!("attune_client={}&monthly_usd=", d.token)).await.unwrap();
    let v: Value = c.get(d.url("/api/cost")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["budget"], Value::Null);
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Specs

fn write_spec(d: &Dash, slug: &str, file: &str, text: &str) {
    let dir = d.root.join("docs/specs").join(slug);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(file), text).unwrap();
}

#[tokio::test]
async fn specs_routes_follow_the_reference() {
    let d = start(true).await;
    write_spec(&d, "refunds", "requirements.md", "# Refunds\n\n**Status:** approved\n");
    write_spec(&d, "refunds", "decisions.md", "# D\n**Status**: approved (2026-05-09) — Phase A\n");
    write_spec(&d, "prose", "design.md", "**Status:** R6 spend alarm shipped\n");
    let c = d.client();
    let v: Value = c.get(d.url("/api/specs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["roots"], json!([d.root.join("docs/specs").display().to_string()]));
    let refunds = v["specs"].as_array().unwrap().iter().find(|s| s["slug"] == "refunds").unwrap();
    let keys: std::collections::BTreeSet<&str> = refunds.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["lifecycle", "next_action", "next_phase", "path", "phases", "root", "slug", "stage", "waived_phases"].into_iter().collect()
    );
    assert_eq!(
        refunds["phases"][0],
        json!({"name": "decisions", "file": "decisions.md", "exists": true, "status": "approved (2026-05-09) — Phase A"})
    );
    assert_eq!(refunds["stage"], "design");
    // Detail, traversal, unknown.
    let v: Value = c.get(d.url("/api/specs/refunds")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["contents"]["design"], Value::Null);
    assert!(v["contents"]["requirements"].as_str().unwrap().starts_with("# Refunds"));
    let r = c.get(d.url("/api/specs/a..b")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "invalid slug"}));
    let r = c.get(d.url("/api/specs/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "spec 'nope' not found in any configured root"}));
    // The flip.
    let put = |path: &str, body: Value, token: bool| {
        let mut rb = c.put(d.url(path)).json(&body);
        if token {
            rb = rb.header("X-Attune-Client", &d.token);
        }
        rb.send()
    };
    assert_eq!(put("/api/specs/refunds/decisions/status", json!({"status": "done"}), false).await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = put("/api/specs/refunds/decisions/status", json!({"status": "in-review"}), true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["file"], "decisions.md");
    assert_eq!(v["status"], "in-review");
    let file = d.root.join("docs/specs/refunds/decisions.md");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# D\n**Status:** in-review (2026-05-09) — Phase A\n");
    for (path, body, code, msg) in [
        ("/api/specs/Bad/decisions/status", json!({"status": "done"}), 400, json!("invalid slug: must be lowercase letters/digits/dashes, start with a letter or digit, max 63 chars")),
        ("/api/specs/refunds/plan/status", json!({"status": "done"}), 400, json!("unknown phase: 'plan'. valid: decisions, requirements, design, tasks")),
        ("/api/specs/refunds/decisions/status", json!({"status": 3}), 422, json!("body must include `status` (string)")),
        ("/api/specs/refunds/decisions/status", json!({"status": "shipped"}), 400, json!("invalid status: 'shipped'. valid: draft, in-review, approved, complete, completed, done")),
        ("/api/specs/refunds/tasks/status", json!({"status": "done"}), 404, json!("tasks.md not found for spec 'refunds' in any configured root")),
        ("/api/specs/prose/design/status", json!({"status": "done"}), 409, json!("existing status value 'R6 spend alarm shipped' is descriptive, not a status token — flipping it would destroy information; edit the file directly")),
    ] {
        let r = put(path, body.clone(), true).await.unwrap();
        assert_eq!(r.status().as_u16(), code, "{path} {body}");
        assert_eq!(r.json::<Value>().await.unwrap()["detail"], msg, "{path}");
    }
    let r = put("/api/specs/refunds/decisions/status", json!(["not", "an", "object"]), true).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Candidates are off unless enabled.
    let v: Value = c.get(d.url("/api/specs/completion-candidates")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({"enabled": false, "candidates": []}));
    // Dismiss: validated and stored in the reference's format.
    let post = |path: &str, body: Value| c.post(d.url(path)).header("X-Attune-Client", &d.token).json(&body).send();
    let r = post("/api/specs/refunds/completion-candidates/dismiss", json!({"snapshot_hash": "XYZ"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let hash = "ab".repeat(32);
    let r = post("/api/specs/refunds/completion-candidates/dismiss", json!({"snapshot_hash": hash})).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ok": true}));
    let store: Value = serde_json::from_str(&std::fs::read_to_string(d.home.join("ops/spec_completion_dismissed.json")).unwrap()).unwrap();
    assert_eq!(store["dismissed"]["refunds"]["ttl_days"], 14);
    assert_eq!(store["dismissed"]["refunds"]["snapshot_hash"], hash);
    // Flipping away from complete clears the dismissal.
    put("/api/specs/refunds/decisions/status", json!({"status": "draft"}), true).await.unwrap();
    let store: Value = serde_json::from_str(&std::fs::read_to_string(d.home.join("ops/spec_completion_dismissed.json")).unwrap()).unwrap();
    assert_eq!(store["dismissed"], json!({}));
    // The plain forms: 303 back with a message.
    let form = |path: &str, body: String| c.post(d.url(path)).header("Content-Type", "application/x-www-form-urlencoded").body(body).send();
    let r = form("/specs/refunds/decisions/status", format!("attune_client={}&status=approved&back=%2Fspecs%3Fq%3Dref", d.token))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/specs?q=ref&flash=Set%20refunds"), "{:?}", r.headers()["location"]);
    let r =
        form("/specs/prose/design/status", format!("attune_client={}&status=done&back=https%3A%2F%2Fevil.example", d.token)).await.unwrap();
    assert!(
        r.headers()["location"].to_str().unwrap().starts_with("/specs?error=existing%20status%20value"),
        "{:?}",
        r.headers()["location"]
    );
    // The pages render without JavaScript.
    let html = c.get(d.url("/specs/refunds")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("decisions.md")
            && (html.contains("design.md doesn&#x27;t exist yet") || html.contains("design.md doesn't exist yet")),
        "{html}"
    );
    let r = c.get(d.url("/specs/zzz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    d.stop().await;
}

#[tokio::test]
async fn specs_mutations_are_read_only_gated() {
    let d = start(false).await;
    write_spec(&d, "x", "decisions.md", "**Status:** draft\n");
    let c = d.client();
    let r = c
        .put(d.url("/api/specs/x/decisions/status"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "server is read-only; status flip is disabled"}));
    let r = c
        .post(d.url("/api/specs/x/completion-candidates/dismiss"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"snapshot_hash": "ab".repeat(32)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "server is read-only; dismiss is disabled"}));
    assert_eq!(std::fs::read_to_string(d.root.join("docs/specs/x/decisions.md")).unwrap(), "**Status:** draft\n");
    d.stop().await;
}

/// Bound beyond loopback, every request needs the login: pages send a
/// browser to `/login`, everything else gets 401 — the client token too,
/// so no one on the network can fetch it and start runs.
#[tokio::test]
async fn team_binds_need_a_login_and_loopback_binds_do_not() {
    let d = start_on("0.0.0.0", true, None).await;
    let secret = d.access.clone().expect("a login on 0.0.0.0");
    let c = d.client();
    // A session file with a secret in its prompt.
    let enc = d.root.to_string_lossy().replace(['/', '\\', ':'], "-");
    let dir = d.project.path().join("claude/projects").join(enc);
    std::fs::create_dir_all(&dir).unwrap();
    let ts = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
    std::fs::write(
        dir.join("s1.jsonl"),
        format!("{{\"type\":\"user\",\"timestamp\":\"{ts}\",\"message\":{{\"role\":\"user\",\"content\":\"deploy with sk-ant-api03-abcdefghijklmnopqrstuv please\"}}}}\n"),
    )
    .unwrap();

    for path in ["/api/session/token", "/api/info", "/api/runs", "/runs/abc/stream", "/api/ui/home"] {
        let r = c.get(d.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(r.headers().get("www-authenticate").is_some());
    }
    let r = c.get(d.url("/")).header("Accept", "text/html").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    let r = c.post(d.url("/workflows/quick/run")).header("X-Attune-Client", &d.token).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the client token is not a login");
    // The login page and the site's files are open; a missing site file
    // is a bare 404, not the app's page (which carries the client token).
    let r = c.get(d.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("name=\"token\""));
    for path in ["/pkg/nope.js", "/pkg/attune-ops.wasm", "/pkg/", "/favicon.ico"] {
        let r = c.get(d.url(path)).header("Accept", "text/html").send().await.unwrap();
        // The favicon is there when the build embedded a site.
        if path != "/favicon.ico" || r.status() != StatusCode::OK {
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let body = r.text().await.unwrap();
        assert!(!body.contains(&d.token) && !body.contains("attune-client-token"), "{path}: {body}");
    }
    // Another site loading the login link as an image is no attempt at all
    // (nothing counted against the teammate whose browser it was).
    for _ in 0..10 {
        let r =
            c.get(d.url("/login?token=x")).header("Sec-Fetch-Site", "cross-site").header("Sec-Fetch-Dest", "image").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }

    // Scripts: a bearer token, which also stands in for the client token.
    let bearer = format!("Bearer {secret}");
    let r = c.get(d.url("/api/session/token")).header("Authorization", &bearer).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.post(d.url("/workflows/quick/run")).header("Authorization", &bearer).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // The sessions API carries the redacted prompts the pages show.
    let text = c.get(d.url("/api/sessions")).header("Authorization", &bearer).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("deploy with") && !text.contains("sk-ant-api03-abcdefghijklmnopqrstuv"), "{text}");

    // Browsers: the login link sets an HttpOnly, SameSite=Strict cookie.
    let r = c.get(d.url(&format!("/login?token={secret}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    let r = c.get(d.url("/")).header("Cookie", &pair).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.get(d.url("/api/session/token")).header("Cookie", &pair).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A cookie still needs the client token to mutate (it is a browser's).
    let r = c.post(d.url("/workflows/quick/run")).header("Cookie", &pair).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The form logs in too, and not from another site.
    let r = c
        .post(d.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("token={secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(d.url("/login"))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("token={secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Wrong tokens: refused, then rate-limited — even the right one, for
    // a while, so a guesser cannot tell when it guessed right.
    for _ in 0..5 {
        let r = c.get(d.url("/login?token=guess")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = c.get(d.url("/api/info")).header("Authorization", "Bearer guess").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = c.get(d.url(&format!("/login?token={secret}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    // The browser already signed in is not locked out.
    assert_eq!(c.get(d.url("/api/info")).header("Cookie", &pair).send().await.unwrap().status(), StatusCode::OK);
    d.stop().await;

    // Loopback: as before, no login at all.
    let d = start(false).await;
    assert!(d.access.is_none());
    let c = d.client();
    assert_eq!(c.get(d.url("/api/session/token")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.get(d.url("/login")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Help

fn write_template(d: &Dash, rel: &str, text: &[u8]) {
    let p = d.root.join(".help/templates").join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[tokio::test]
async fn help_routes_follow_the_reference() {
    let d = start(false).await;
    let c = d.client();
    // No corpus: empty answers, not errors.
    let ix: Value = c.get(d.url("/api/help/")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ix, json!({"features": [], "total_features": 0, "total_templates": 0, "stale_count": 0, "incomplete_count": 0}));
    write_template(
        &d,
        "testing/task.md",
        b"---\ngenerated_at: \"2026-11-02T10:00:00+00:00\"\naliases:\n  - run the suite\n---\n# Run the tests\n\nTo run the tests, call pytest.\n",
    );
    write_template(
        &d,
        "testing/concept.md",
        b"---\ngenerated_at: 2026-11-01T10:00:00+00:00\n---\n# Testing\n\nWhat the tests cover.\n\n<script>alert(1)</script>\n",
    );
    write_template(&d, "other/tip.md", b"---\naliases: [run the suite]\n---\n# A tip\n\nrun things\n");
    write_template(&d, "broken/note.md", b"# Latin-1 \xe9t\xe9 tests\n");
    let ix: Value = c.get(d.url("/api/help")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (ix["total_features"].as_u64(), ix["total_templates"].as_u64(), ix["incomplete_count"].as_u64()),
        (Some(3), Some(4), Some(3))
    );
    let testing = &ix["features"][2];
    assert_eq!(testing["name"], "testing");
    assert_eq!(testing["kinds"], json!(["concept", "task"]));
    assert_eq!(testing["completeness_pct"], 18);
    // No features.yaml here: freshness cannot be told, and says why.
    assert_eq!(testing["freshness"], "unknown");
    assert_eq!(testing["stale_count"], 0);

    // Search: the reference's scores and reasons; what it left out is said.
    let s: Value = c.get(d.url("/api/help/search?q=run+the+tests")).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["limit"], 20);
    let hits = s["hits"].as_array().unwrap();
    assert_eq!(hits[0]["feature"], "testing");
    assert_eq!(hits[0]["kind"], "task");
    assert_eq!(hits[0]["title"], "Run the tests");
    assert_eq!(hits[0]["match_reason"], "path:1+summary:2+content:2");
    assert_eq!(hits[0]["score"], 7.0);
    let skipped = serde_json::to_string(&s["skipped"]).unwrap();
    assert!(skipped.contains("broken/note.md is not UTF-8"), "{skipped}");
    assert!(skipped.contains("\\\"run the suite\\\" of testing/task.md is already declared by other/tip.md"), "{skipped}");
    assert!(!skipped.contains(&d.root.display().to_string()), "no absolute paths: {skipped}");
    let s: Value = c.get(d.url("/api/help/search?q=run&limit=0")).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["limit"], 1);
    let s: Value = c.get(d.url("/api/help/search?q=&limit=999")).send().await.unwrap().json().await.unwrap();
    assert_eq!((s["limit"].as_u64(), s["hits"].as_array().map(Vec::len)), (Some(50), Some(0)));
    let r = c.get(d.url("/api/help/search?q=x&limit=ten")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["detail"][0]["loc"], json!(["query", "limit"]));

    // One feature, one template; slugs checked before any file is read.
    let f: Value = c.get(d.url("/api/help/feature/testing")).send().await.unwrap().json().await.unwrap();
    assert_eq!(f["missing_kinds"].as_array().unwrap().len(), 9);
    for (path, status, detail) in [
        ("/api/help/feature/Nope", 400, "invalid feature slug"),
        ("/api/help/feature/nope", 404, "feature not found: nope"),
        ("/api/help/template/testing/Bad", 400, "invalid kind slug"),
        ("/api/help/template/..%2F..%2Fetc/passwd", 400, "invalid feature slug"),
        ("/api/help/template/testing/faq", 404, "template not found: testing/faq"),
    ] {
        let r = c.get(d.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": detail}), "{path}");
    }
    let t: Value = c.get(d.url("/api/help/template/testing/task")).send().await.unwrap().json().await.unwrap();
    assert_eq!(t["path"], "templates/testing/task.md");
    assert_eq!(t["generated_at"], "2026-11-02T10:00:00+00:00");
    assert_eq!(t["body"], "# Run the tests\n\nTo run the tests, call pytest.\n");
    assert_eq!(t["is_stale"], false);

    // Gaps, featured (fewer than three curated: the first five), recent.
    let g: Value = c.get(d.url("/api/help/gaps")).send().await.unwrap().json().await.unwrap();
    assert_eq!((g["complete_features"].as_u64(), g["completeness_pct"].as_u64(), g["fresh_pct"].as_u64()), (Some(0), Some(0), Some(100)));
    let fe: Value = c.get(d.url("/api/help/featured")).send().await.unwrap().json().await.unwrap();
    assert_eq!(fe["featured"].as_array().unwrap().len(), 3);
    let re: Value = c.get(d.url("/api/help/recent?limit=1")).send().await.unwrap().json().await.unwrap();
    assert_eq!(re["recent"].as_array().unwrap().len(), 1);
    assert_eq!(re["recent"][0]["kind"], "task");
    assert_eq!(c.get(d.url("/api/help/recent?limit=x")).send().await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The pages: statuses, and a template's raw HTML shown as text.
    assert_eq!(c.get(d.url("/help/Nope")).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(c.get(d.url("/help/nope")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(c.get(d.url("/help/testing/faq")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let page = c.get(d.url("/help/testing/concept")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert(1)"), "raw HTML escaped");
    let page = c.get(d.url("/help/search?q=run+the+tests")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Run the tests") && page.contains("is not UTF-8"), "results and what was left out");
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Memory and Collab, over a real redis-server

use attune_ops_test_support::redis::RedisServer;

async fn ui(d: &Dash, path: &str) -> Value {
    let r = d.client().get(d.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn memory_reads_a_real_redis_and_degrades_when_it_goes() {
    let mut redis = RedisServer::start();
    let stamp = (chrono::Utc::now() - chrono::Duration::hours(30)).format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let mut script = String::from(
        "HSET attune:memory:node:overview type project description \"The project\" text \"long text\"\n\
         HSET attune:memory:node:fb type feedback text \"\\n  first line\\nsecond\"\n\
         RPUSH attune:memory:edges:node:overview \"{\\\"target\\\": \\\"attune:memory:node:fb\\\", \\\"type\\\": \\\"cites\\\"}\" \"not json\"\n\
         SADD attune:memory:sources a.md b.md\n\
         SET other:secret do-not-show\n\
         SET \"attune:memory:node:bin\\xff\" binary-key\n\
         RPUSH attune:roundtable:thread:q-1 \"{}\"\n\
         HSET attune:roundtable:thread:q-1:meta seq 1\n\
         HSET attune:roundtable:thread:test-x:meta seq 1\n",
    );
    for i in 0..55 {
        script.push_str(&format!("HSET attune:memory:lesson:l{i:02} text \"lesson {i}\"\n"));
    }
    script.push_str(&format!("SET attune:memory:hydrated_at {stamp}\n"));
    redis.cli_stdin(&script);
    let d = start_with_redis(&[("REDIS_URL", &redis.url())]).await;
    std::fs::create_dir_all(d.root.join(".claude")).unwrap();
    std::fs::write(d.root.join(".claude/lessons.md"), "# new lesson\n").unwrap();

    let m = ui(&d, "/api/ui/memory?page=1").await;
    let o = &m["overview"];
    assert_eq!(o["total"], 60, "the namespace only, the binary key left out: {o}");
    assert_eq!(o["skipped_keys"], 1);
    assert_eq!(o["family_counts"], json!([["edges", 1], ["hydrated_at", 1], ["lesson", 55], ["node", 2], ["sources", 1]]));
    assert_eq!(o["kind_counts"], json!([["edge list", 1], ["feedback", 1], ["lesson", 55], ["marker", 1], ["project", 1], ["set", 1]]));
    assert_eq!((o["page"].as_u64(), o["pages"].as_u64(), o["rows"].as_array().unwrap().len()), (Some(1), Some(2), 50));
    let edges = &o["rows"][0];
    assert_eq!((edges["name"].as_str(), edges["kind"].as_str()), (Some("node:overview"), Some("edge list")));
    assert_eq!(edges["description"], "→ attune:memory:node:fb (cites)");
    assert_eq!(edges["size"], "2 edges");
    let a = &m["attention"];
    assert_eq!(a["stale"], true);
    assert_eq!(a["age_hours"], 30.0);
    assert_eq!(a["changed_since"], json!([".claude/lessons.md"]));
    assert_eq!(a["pending_threads"], 1, "test- threads are not counted");
    // A family, a kind, a page past the end (clamped).
    let m = ui(&d, "/api/ui/memory?family=node&kind=feedback&page=9").await;
    let rows = m["overview"]["rows"].as_array().unwrap();
    assert_eq!((rows.len(), m["overview"]["page"].as_u64()), (1, Some(1)));
    assert_eq!(rows[0]["description"], "first line");
    assert_eq!(m["overview"]["kind_counts"], json!([["feedback", 1], ["project", 1]]));
    let m = ui(&d, "/api/ui/memory?family=lesson&page=2").await;
    assert_eq!(m["overview"]["rows"].as_array().unwrap().len(), 5);

    // One node; a key outside the namespace is refused without asking Redis.
    let n = ui(&d, "/api/ui/memory_node?key=attune:memory:node:overview").await;
    assert_eq!(n["fields"], json!([["description", "The project"], ["text", "long text"], ["type", "project"]]));
    let before = redis.connections();
    let n = ui(&d, "/api/ui/memory_node?key=other:secret").await;
    assert!(n["fields"].is_null() && !n.to_string().contains("do-not-show"));
    assert_eq!(redis.connections(), before + 1, "no connection for a key outside the namespace (the one more is this count's own)");
    let c = d.client();
    assert_eq!(c.get(d.url("/memory/node?key=other:secret")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(c.get(d.url("/memory/node?key=attune%3Amemory%3Anode%3Agone")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let page = c.get(d.url("/memory/node?key=attune%3Amemory%3Aedges%3Anode%3Aoverview")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("edge 1"));
    let page = c.get(d.url("/memory?family=node")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Curated nodes") && page.contains("Hydration stale") && page.contains("Corpus changed since hydration"),
        "tiles and header"
    );
    let home = ui(&d, "/api/ui/home").await;
    assert_eq!(home["memory_nodes"], 60, "Home counts what the page counts");

    // Redis gone: the page still answers, quickly, and says so.
    redis.stop();
    let t0 = std::time::Instant::now();
    let m = ui(&d, "/api/ui/memory").await;
    assert!(m["overview"].is_null());
    assert!(m["unreachable"].as_str().unwrap().contains("did not answer"), "{m}");
    assert!(t0.elapsed() < Duration::from_secs(3), "took {:?}", t0.elapsed());
    let page = c.get(d.url("/memory")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Memory index unreachable"));
    assert!(ui(&d, "/api/ui/home").await.get("memory_nodes").is_none(), "the tile hides rather than showing 0");
    assert_eq!(c.get(d.url("/memory/node?key=attune:memory:node:overview")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    d.stop().await;
}

#[tokio::test]
async fn memory_says_which_setting_is_wrong_and_never_shows_a_password() {
    let d = start_with_redis(&[("REDIS_URL", "http://example.test/0")]).await;
    let m = ui(&d, "/api/ui/memory").await;
    assert!(m["unreachable"].as_str().unwrap().contains("REDIS_URL has the scheme `http`"), "{m}");
    d.stop().await;
    let port = attune_ops_test_support::redis::free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let d = start_with_redis(&[("REDIS_URL", &url)]).await;
    let m = ui(&d, "/api/ui/memory").await;
    let text = m.to_string();
    assert!(text.contains("***") && !text.contains("hunter2"), "{text}");
    d.stop().await;
    // A server that accepts and never answers: the page still answers, in
    // about the reply timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}/0", silent.local_addr().unwrap().port());
    let held = std::thread::spawn(move || {
        let conn = silent.accept();
        std::thread::sleep(Duration::from_secs(5));
        drop(conn);
    });
    let d = start_with_redis(&[("REDIS_URL", &url)]).await;
    let t0 = std::time::Instant::now();
    let m = ui(&d, "/api/ui/memory").await;
    assert!(m["unreachable"].as_str().unwrap().contains("took too long"), "{m}");
    assert!(t0.elapsed() < Duration::from_secs(3), "took {:?}", t0.elapsed());
    d.stop().await;
    let _ = held.join();
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn collab_inbox_over_redis_files_and_git() {
    let mut redis = RedisServer::start();
    redis.cli_stdin(
        "RPUSH attune:roundtable:thread:q-late \"{\\\"id\\\": 1, \\\"kind\\\": \\\"question\\\", \\\"author\\\": \\\"claude\\\", \\\"body\\\": \\\"Which?\\\", \\\"round\\\": 2}\" \"[1]\" \"nope\"\n\
         EXPIRE attune:roundtable:thread:q-late 90000\n\
         RPUSH attune:roundtable:thread:q-soon \"{}\"\n\
         EXPIRE attune:roundtable:thread:q-soon 3600\n\
         RPUSH attune:roundtable:thread:q-forever \"{}\"\n\
         RPUSH attune:roundtable:thread:q-done \"{}\"\n\
         HSET attune:roundtable:thread:q-done:meta status promoted\n\
         RPUSH attune:roundtable:thread:routine-test-1 \"{}\"\n\
         SET attune:roundtable:thread:not-a-list x\n",
    );
    let d = start_with_redis(&[("REDIS_URL", &redis.url())]).await;
    // A repository with origin/main: `done` is merged, `wip` is not, `gone`
    // does not exist; a packet without a branch line is not listed.
    git(&d.root, &["init", "-q"]);
    git(&d.root, &["commit", "-q", "--allow-empty", "-m", "base"]);
    git(&d.root, &["branch", "done"]);
    git(&d.root, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(&d.root, &["checkout", "-q", "-b", "wip"]);
    git(&d.root, &["commit", "-q", "--allow-empty", "-m", "more"]);
    let handoffs = d.root.join("docs/handoffs");
    std::fs::create_dir_all(&handoffs).unwrap();
    for (slug, branch) in [("a-done", "\"done\""), ("b-wip", "\"wip\""), ("c-gone", "\"gone\""), ("d-none", "")] {
        let line = if branch.is_empty() { String::new() } else { format!("branch: {branch}\n") };
        std::fs::write(handoffs.join(format!("{slug}.md")), format!("---\nbase_ref: \"main\"\n{line}---\n# Agent work handoff\n")).unwrap();
    }
    std::fs::create_dir_all(d.root.join("docs/specs/cross-review")).unwrap();
    std::fs::write(d.root.join("docs/specs/cross-review/receipts.md"), "| r1 | not-triaged |\n| r2 | not-triaged |\n").unwrap();

    let i = ui(&d, "/api/ui/collab").await;
    assert_eq!(i["board_reachable"], true);
    let threads: Vec<(&str, Value)> =
        i["threads"].as_array().unwrap().iter().map(|t| (t["thread"].as_str().unwrap(), t["ttl_hours"].clone())).collect();
    assert_eq!(threads, vec![("q-soon", json!(1.0)), ("q-late", json!(25.0)), ("q-forever", Value::Null)], "soonest first, no expiry last");
    assert_eq!(i["threads"][1]["messages"], 3);
    assert_eq!(
        i["stale_handoffs"],
        json!([
            {"slug": "a-done", "branch": "done", "reason": "branch merged — packet should be deleted"},
            {"slug": "c-gone", "branch": "gone", "reason": "branch missing"}
        ])
    );
    assert_eq!(i["untriaged_reviews"], 2);
    assert!(i["docs_outbox"].is_null());
    assert!(!d.home.join("docs-outbox").exists(), "reading the inbox creates nothing");
    assert_eq!(i["action_count"], 3 + 2 + 1);

    // The outbox turns stale at two days (names are local time).
    std::fs::create_dir_all(d.home.join("docs-outbox")).unwrap();
    let old = (chrono::Local::now() - chrono::Duration::days(3)).format("%Y%m%d-%H%M").to_string();
    std::fs::write(d.home.join(format!("docs-outbox/{old}-faq-install.md")), "---\nkind: faq\n---\n").unwrap();
    let i = ui(&d, "/api/ui/collab").await;
    assert_eq!((i["docs_outbox"]["count"].as_u64(), i["docs_outbox"]["stale"].as_bool()), (Some(1), Some(true)));
    assert_eq!(i["action_count"], 7);
    let page = d.client().get(d.url("/collab")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Threads pending promotion (3)") && page.contains("/roundtable promote q-soon") && page.contains("sweep overdue")
    );

    // A thread: messages that are JSON objects; a refused id; an unknown one.
    let t = ui(&d, "/api/ui/collab_thread?id=q-late").await;
    assert_eq!(t["messages"], json!([{"id": "1", "kind": "question", "author": "claude", "round": "2", "body": "Which?"}]));
    let c = d.client();
    let before = redis.connections();
    assert_eq!(c.get(d.url("/collab/thread?id=q-late:meta")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(c.get(d.url("/collab/thread?id=a%20b")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(redis.connections(), before + 1, "refused ids never reach Redis (the one more is this count's own)");
    let r = c.get(d.url("/collab/thread?id=unknown")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Empty thread"));

    // Redis gone: the files and git still answer.
    redis.stop();
    let i = ui(&d, "/api/ui/collab").await;
    assert_eq!((i["board_reachable"].as_bool(), i["threads"].as_array().map(Vec::len)), (Some(false), Some(0)));
    assert_eq!(i["stale_handoffs"].as_array().unwrap().len(), 2);
    let page = c.get(d.url("/collab")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Board unreachable"));
    assert_eq!(c.get(d.url("/collab/thread?id=q-late")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Pending writes

#[tokio::test]
async fn pending_writes_route_answers_the_journal_read_back() {
    // The enrichment itself is the engine's test (`pending_writes`): here
    // the route, its shape, and the reference's rule that projects in
    // temporary folders (this test's) are left out.
    let d = start(false).await;
    let root = d.root.display().to_string();
    let journal = [
        json!({"action": "set_spec_status", "file_path": "docs/a.md", "project_root": root, "dashboard_pid": 1, "ts": "2026-01-01T00:00:00+00:00"})
            .to_string(),
        "[1, 2]".to_string(),
    ]
    .join("\n");
    std::fs::write(d.project.path().join("pending_writes.jsonl"), journal).unwrap();
    let v = ui(&d, "/api/pending-writes").await;
    assert_eq!(v["pending"], json!([]));
    assert_eq!(v["summary"], json!({"total_entries": 0, "uncommitted_count": 0, "stale_dashboard_count": 0, "drifted_count": 0}));
    assert_eq!(v["skipped_lines"], 1);
    let p = ui(&d, "/api/ui/pending_writes").await;
    assert_eq!(p, json!({"uncommitted": [], "total": 0}));
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Interaction counters

#[tokio::test]
async fn interaction_counters_take_the_token_work_read_only_and_validate_the_body() {
    let d = start(false).await;
    let c = d.client();
    let post = |body: &str, ct: Option<&str>, token: bool| {
        let mut r = c.post(d.url("/api/telemetry/interaction")).body(body.to_string());
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        if token {
            r = r.header("X-Attune-Client", &d.token);
        }
        r.send()
    };
    let json = Some("application/json");
    for (body, want) in [
        (r#"{"event": "pill_click", "target": "code-review"}"#, 204),
        (r#"{"event": "pill_click", "target": "code-review", "extra": 1}"#, 204),
        (r#"{"event": "pill_click", "target": "has space"}"#, 204),
        (r#"{"event": "rec_card_click", "target": null}"#, 204),
        (r#"{"event": "something_else"}"#, 204),
        (r#"{"event": ""}"#, 422),
        (r#"{"target": "x"}"#, 422),
        (r#"{"event": 5}"#, 422),
        (r#"{"event": "pill_click", "target": 5}"#, 422),
        ("[1]", 422),
        ("not json", 422),
    ] {
        assert_eq!(post(body, json, true).await.unwrap().status().as_u16(), want, "{body}");
    }
    let long = format!(r#"{{"event": "{}"}}"#, "e".repeat(65));
    assert_eq!(post(&long, json, true).await.unwrap().status().as_u16(), 422);
    assert_eq!(post(r#"{"event": "pill_click"}"#, None, true).await.unwrap().status().as_u16(), 422, "no JSON content type");
    assert_eq!(post(r#"{"event": "pill_click"}"#, json, false).await.unwrap().status().as_u16(), 403, "the token is required");
    let r = c
        .post(d.url("/api/telemetry/interaction"))
        .header("content-type", "application/json")
        .header("X-Attune-Client", &d.token)
        .header("Origin", "http://evil.example")
        .body(r#"{"event": "pill_click"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "cross-site refused");
    let v = ui(&d, "/api/telemetry/interactions").await;
    assert_eq!(v["totals"], json!({"pill_clicks": 3, "rec_card_clicks": 1, "scope_picker_changes": 0}));
    assert_eq!(serde_json::to_string(&v["pill_clicks"]).unwrap(), r#"{"code-review":2,"(unknown)":1}"#);
    // The UI's server function counts the same counters.
    let r = c
        .post(d.url("/api/ui/record_interaction"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"event": "scope_picker_change", "target": "test-audit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(ui(&d, "/api/ui/interactions").await["top_scope_pickers"], json!([["test-audit", 1]]));
    d.stop().await;
}

// ---------------------------------------------------------------------------
// The Briefing: its page and its two actions

#[tokio::test]
async fn briefing_page_and_actions() {
    let d = start(true).await;
    d.project.write_home(
        "ops/sweep-results/abc.json",
        r#"{"queue":[{"title":"SQL built by concatenation","source":"security","severity":"high","description":"d","file":"a.py"}]}"#,
    );
    // Offline (no key among the test's settings): the page still ranks the
    // finding, and says why.
    let html = d.client().get(d.url("/curator")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("No ANTHROPIC_API_KEY is set"), "{html}");
    assert!(html.contains("SQL built by concatenation"));
    assert!(html.contains(r#"action="/curator/dismiss""#));
    let b = ui(&d, "/api/ui/briefing?refresh=false").await;
    let item = b["result"]["items"][0]["id"].as_str().unwrap().to_string();
    assert!(item.starts_with("sweep:queue:"), "{b}");
    assert_eq!(d.client().get(d.url("/curator?refresh=x")).send().await.unwrap().status(), StatusCode::OK, "a bad refresh is not forced");

    let c = d.client();
    let post = |path: &'static str, body: String, ct: &'static str, token: bool| {
        let mut r = c.post(d.url(path)).header("content-type", ct).body(body);
        if token {
            r = r.header("X-Attune-Client", &d.token);
        }
        r.send()
    };
    const JSON: &str = "application/json";
    // The reference's answers.
    let r = post("/curator/dismiss", json!({"item_id": item}).to_string(), JSON, true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["ok"].clone(), v["item_id"].clone()), (json!(true), json!(item)));
    let until = chrono::DateTime::parse_from_rfc3339(v["snoozed_until"].as_str().unwrap()).unwrap();
    assert!((until.with_timezone(&chrono::Utc) - chrono::Utc::now() - chrono::Duration::days(14)).num_seconds().abs() < 60);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(d.home.join("curator/dismissals.json")).unwrap()).unwrap();
    assert_eq!(file[&item]["snoozed_until"], v["snoozed_until"]);
    let b = ui(&d, "/api/ui/briefing?refresh=false").await;
    assert_eq!((b["snoozed"].clone(), b["result"]["items"].as_array().unwrap().len()), (json!(1), 0));
    for (body, want, err) in [
        (json!({}), 400, "item_id required"),
        (json!({"item_id": 0}), 400, "item_id required"),
        (json!({"item_id": "  "}), 400, "item_id required"),
        (json!({"item_id": "x".repeat(501)}), 400, "item_id too long"),
    ] {
        let r = post("/curator/dismiss", body.to_string(), JSON, true).await.unwrap();
        assert_eq!(r.status().as_u16(), want, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"ok": false, "error": err}));
    }
    assert_eq!(post("/curator/dismiss", "[1]".into(), JSON, true).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(post("/curator/dismiss", "nope".into(), JSON, true).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(post("/curator/dismiss", json!({"item_id": "a"}).to_string(), JSON, false).await.unwrap().status(), StatusCode::FORBIDDEN);

    let r = post("/curator/answer", json!({"item_id": item, "choice": 5}).to_string(), JSON, true).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ok": true, "item_id": item, "choice": "5"}));
    let r = post("/curator/answer", json!({"item_id": item}).to_string(), JSON, true).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ok": false, "error": "item_id and choice required"}));
    let journal = std::fs::read_to_string(d.home.join("curator/answers.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 1);
    assert!(journal.contains(r#""choice": "5""#));

    // A plain form: 303 back with a message.
    let form = format!("attune_client={}&item_id=spec%3Ax", d.token);
    let r = post("/curator/dismiss", form, "application/x-www-form-urlencoded", false).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/curator?flash=Snoozed"));
    let r = post("/curator/answer", format!("attune_client={}&item_id=spec%3Ax", d.token), "application/x-www-form-urlencoded", false)
        .await
        .unwrap();
    assert_eq!(r.headers()["location"].to_str().unwrap(), "/curator?error=item_id%20and%20choice%20required");
    // The server functions.
    let r = c
        .post(d.url("/api/ui/dismiss_briefing_item"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"item_id": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(d.url("/api/ui/answer_briefing_item"))
        .header("X-Attune-Client", &d.token)
        .json(&json!({"item_id": "a", "choice": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    d.stop().await;
}

#[tokio::test]
async fn briefing_actions_are_refused_read_only() {
    let d = start(false).await;
    for (path, msg) in [
        ("/curator/dismiss", "server is read-only; dismiss is disabled"),
        ("/curator/answer", "server is read-only; answers are not recorded"),
    ] {
        let r = d
            .client()
            .post(d.url(path))
            .header("X-Attune-Client", &d.token)
            .json(&json!({"item_id": "a", "choice": "b"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json::<Value>().await.unwrap()["detail"], msg);
    }
    assert!(!d.home.join("curator").exists(), "nothing written");
    let html = d.client().get(d.url("/curator")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Read-only: no snoozing") || html.contains("Nothing pressing right now."), "{html}");
    d.stop().await;
}

// ---------------------------------------------------------------------------
// Discovery-sweep results: kept from a run, read back by the chips, the JSON
// and the page

const SWEEP: &str = r#"
[[workflow]]
name = "discovery-sweep"
description = "sweeps"
command = ["sh", "-c", "echo start; [ -n \"$ATTUNE_DS_EMIT\" ] || exit 0; echo 'ATTUNE_DS_VERSION 1'; echo 'ATTUNE_DS source_started lint ts=2026-11-20T10:00:00Z'; echo 'ATTUNE_DS final {\"queue\": [{\"source\": \"lint\", \"severity\": \"High\", \"title\": \"t\", \"file\": \"a.py\", \"line\": 3}], \"questions\": [], \"rejected\": [{\"finding\": {\"title\": \"r\"}, \"rule\": \"SEVERITY_BELOW_THRESHOLD\"}], \"metadata\": {\"spent_usd\": 0.5}}'"]
scope = { flag = "--path" }
"#;

#[tokio::test]
async fn a_sweep_run_keeps_its_result_for_its_scope() {
    let d = start_full("127.0.0.1", true, None, None, |o| o.sweep_results = true).await;
    d.project.write(".attune/workflows.toml", SWEEP);
    let before = ui(&d, "/api/workflows/discovery-sweep/chips?scope=src/auth").await;
    assert_eq!(before["has_result"], false);
    assert!(!d.home.join("ops/sweep-results").exists(), "reading creates nothing");
    let (s, v) = d.start_run("discovery-sweep", json!({"path": "src/auth"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let done = d.wait_terminal(v["run_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    // The scope's hash: its absolute path, as the reference takes it.
    let abs = std::fs::canonicalize(d.root.join("src/auth")).unwrap();
    let chips = ui(&d, "/api/workflows/discovery-sweep/chips?scope=src/auth").await;
    assert_eq!(
        chips,
        ui(&d, &format!("/api/workflows/discovery-sweep/chips?scope={}", abs.display()))
            .await
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert("scope_path".into(), json!("src/auth"));
                Value::Object(o)
            })
            .unwrap()
    );
    assert_eq!((chips["queue"].clone(), chips["rejected"].clone(), chips["has_result"].clone()), (json!(1), json!(1), json!(true)));
    let hash = chips["scope_hash"].as_str().unwrap().to_string();
    let file = std::fs::read_to_string(d.home.join(format!("ops/sweep-results/{hash}.json"))).unwrap();
    assert!(file.starts_with("{\n  \"queue\": [\n    {\n      \"source\": \"lint\""), "json.dump(indent=2): {file}");
    let stored = ui(&d, &format!("/api/workflows/discovery-sweep/results/{hash}")).await;
    assert_eq!(stored["metadata"]["spent_usd"], 0.5);
    // The page, and its refusals.
    let page = d.client().get(d.url(&format!("/workflows/discovery-sweep/results/{hash}?bucket=queue"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("queue: 1") && html.contains("spend") && html.contains("a.py:3") && html.contains(">high<"), "{html}");
    for (path, status) in [
        ("/api/workflows/discovery-sweep/results/ABCDEF0123456789", 400),
        ("/api/workflows/discovery-sweep/results/0123456789abcdef", 404),
        ("/workflows/discovery-sweep/results/..%2f..%2fetc", 400),
        ("/workflows/discovery-sweep/results/0123456789abcdef", 404),
    ] {
        assert_eq!(d.client().get(d.url(path)).send().await.unwrap().status().as_u16(), status, "{path}");
    }
    // The Workflows page's row has the project's chips (no result there).
    let w = ui(&d, "/api/workflows").await;
    assert_eq!(w["sweep_chips"]["has_result"], false);
    assert_eq!(w["sweep_chips"]["scope_path"], d.root.display().to_string());
    d.stop().await;
}

#[tokio::test]
async fn sweep_results_are_not_kept_unless_asked() {
    let d = start(true).await;
    d.project.write(".attune/workflows.toml", SWEEP);
    let (_, v) = d.start_run("discovery-sweep", json!({"path": "src/auth"})).await;
    let done = d.wait_terminal(v["run_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    assert!(!d.home.join("ops/sweep-results").exists());
    d.stop().await;
}

// ---------------------------------------------------------------------------
// "Why did this fail?": POST /runs/{id}/diagnose

const DIAGNOSE: &str = r#"
[[workflow]]
name = "fails"
description = "fails"
command = ["sh", "-c", "echo oops; exit 3"]

[[workflow]]
name = "works"
description = "works"
command = ["sh", "-c", "echo fine"]

[[workflow]]
name = "diagnose"
description = "diagnoses"
command = ["sh", "-c", "mkdir -p \"$ATTUNE_HOME/telemetry\" && printf '{\"diagnosis_id\": \"d00000000001\", \"source_run_id\": \"%s\", \"workflow_name\": \"fails\", \"created_at\": \"2026-11-20T10:00:00+00:00\", \"status\": \"open\", \"synthesis\": \"it said oops\", \"hypotheses\": [{\"statement\": \"oops\", \"rank\": 1, \"confidence\": \"high\"}]}\\n' \"$0\" >> \"$ATTUNE_HOME/telemetry/diagnosis_records.jsonl\"; echo diagnosed \"$0\""]
"#;

#[tokio::test]
async fn diagnose_a_failed_run_once() {
    let d = start(true).await;
    d.project.write(".attune/workflows.toml", DIAGNOSE);
    let post = |id: String| {
        let c = d.client();
        let url = d.url(&format!("/runs/{id}/diagnose"));
        let token = d.token.clone();
        async move { c.post(url).header("X-Attune-Client", token).send().await.unwrap() }
    };
    let (_, v) = d.start_run("fails", json!({})).await;
    let failed = v["run_id"].as_str().unwrap().to_string();
    assert_eq!(d.wait_terminal(&failed).await["status"], "failed");
    let (_, v) = d.start_run("works", json!({})).await;
    let ok = v["run_id"].as_str().unwrap().to_string();
    d.wait_terminal(&ok).await;

    let r = post(ok.clone()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["detail"], "only terminal FAILED runs can be diagnosed");
    assert_eq!(post("0123456789ab".into()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(post("../etc".into()).await.status(), StatusCode::NOT_FOUND);
    let r = d.client().post(d.url(&format!("/runs/{failed}/diagnose"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the token is required");

    // The page offers it; the route starts a `diagnose` run with the id last.
    let page = ui(&d, &format!("/api/ui/run?id={failed}")).await;
    assert_eq!(page["diagnose_available"], true);
    let r = post(failed.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let diag = v["run_id"].as_str().unwrap().to_string();
    assert_eq!(v["stream_url"], format!("/runs/{diag}/stream"));
    let done = d.wait_terminal(&diag).await;
    assert_eq!(
        (done["workflow"].clone(), done["status"].clone(), done["trigger"].clone()),
        (json!("diagnose"), json!("completed"), json!("attune-heal"))
    );
    assert_eq!(done["source_run_id"], failed);
    // Once diagnosed, the id comes back instead of a second run.
    let r = post(failed.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"existing": true, "diagnosis_id": "d00000000001", "source_run_id": failed}));
    let page = ui(&d, &format!("/api/ui/run?id={failed}")).await;
    assert_eq!(page["diagnoses"][0]["synthesis"], "it said oops");
    // A diagnosis is not itself diagnosable, nor startable by name.
    let r = post(diag.clone()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "it completed");
    let (s, v) = d.start_run("diagnose", json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let w = ui(&d, "/api/workflows").await;
    assert!(w["workflows"].as_array().unwrap().iter().all(|w| w["name"] != "diagnose"));
    d.stop().await;
}

#[tokio::test]
async fn diagnose_needs_runs_allowed_and_a_command() {
    let d = start(false).await;
    let r = d.client().post(d.url("/runs/0123456789ab/diagnose")).header("X-Attune-Client", &d.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    d.stop().await;
    if attune_ops::diagnosis::on_path("attune").is_none() {
        let d = start(true).await;
        let (_, v) = d.start_run("quick", json!({})).await;
        let id = v["run_id"].as_str().unwrap().to_string();
        d.wait_terminal(&id).await;
        // A completed run: 400 before the command matters.
        assert_eq!(
            d.client().post(d.url(&format!("/runs/{id}/diagnose"))).header("X-Attune-Client", &d.token).send().await.unwrap().status(),
            400
        );
        d.project.write(".attune/workflows.toml", "[[workflow]]\nname = \"fails\"\ndescription = \"f\"\ncommand = [\"false\"]\n");
        let (_, v) = d.start_run("fails", json!({})).await;
        let id = v["run_id"].as_str().unwrap().to_string();
        d.wait_terminal(&id).await;
        let r = d.client().post(d.url(&format!("/runs/{id}/diagnose"))).header("X-Attune-Client", &d.token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("install the attune CLI"));
        assert_eq!(ui(&d, &format!("/api/ui/run?id={id}")).await["diagnose_available"], false);
        d.stop().await;
    }
}
