//! The security perimeter: one middleware in front of every route — pages,
//! server functions, JSON routes, SSE and static files.
//!
//! In order:
//!
//! 1. **Host allowlist** (DNS rebinding): the `Host` header must be one of
//!    the allowed values, exactly as the reference computes them; otherwise
//!    400 `{"detail": "untrusted Host header"}` before any routing.
//! 2. For mutating methods (anything but GET, HEAD, OPTIONS):
//!    * **cross-site refusal** (CSRF): a `Sec-Fetch-Site` other than
//!      `same-origin`/`none`, or an `Origin` whose authority is not the
//!      request's `Host`, gets 403;
//!    * **client token**: `X-Attune-Client` (or, for a plain HTML form, the
//!      `attune_client` field of a urlencoded body) must equal the
//!      per-process token, compared in constant time; else 403 with the
//!      reference's error object;
//!    * **read-only gate**: with runs disabled every mutation gets 403.
//!
//! Before 2, on a dashboard bound beyond loopback: the **team login**
//! ([`crate::access`]) — a session cookie or a bearer token, else 401 (a
//! browser asking for a page: 303 to `/login`).
//!
//! Invariant: every mutation passes through here; nothing mutates on GET.
//! The token is not authentication: it stops drive-by requests from pages
//! that never loaded ours.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;
use subtle::ConstantTimeEq;

use attune_ops_app::urlcode::form_field;

use crate::access::{Proof, Refusal, TeamAccess};
use crate::routes::detail;

/// The per-process client token (43 characters, URL-safe base64 of 32
/// random bytes). `Debug` never prints it.
#[derive(Clone)]
pub struct ClientToken(Arc<str>);

impl ClientToken {
    pub fn generate() -> ClientToken {
        ClientToken(attune_ops::ids::new_client_token().into())
    }
    /// A token chosen elsewhere (a team's `--auth-token-file`).
    pub fn from_secret(s: &str) -> ClientToken {
        ClientToken(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Constant-time comparison over bytes.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        !candidate.is_empty() && bool::from(self.0.as_bytes().ct_eq(candidate))
    }
}

impl std::fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientToken(<redacted>)")
    }
}

/// The header carrying the token.
pub const TOKEN_HEADER: &str = "x-attune-client";
/// The form field carrying the token in plain HTML form posts.
pub const TOKEN_FIELD: &str = "attune_client";
/// Largest urlencoded form body the perimeter reads to find the token.
const FORM_LIMIT: usize = 64 * 1024;

/// The allowed `Host` values (lowercase).
#[derive(Clone, Debug)]
pub struct HostAllowlist(Arc<HashSet<String>>);

impl HostAllowlist {
    /// The reference's rule: `<host>:<port>`; for a bind host of exactly
    /// `127.0.0.1`, `0.0.0.0` or `localhost` also `localhost:<port>` and
    /// `127.0.0.1:<port>`; each trusted host verbatim, plus `:80` and `:443`
    /// variants when it has no port. Ours: `[::1]:<port>` for an IPv6
    /// loopback bind (the reference allowed no IPv6 form at all).
    pub fn new(host: &str, port: u16, trusted: &[String]) -> HostAllowlist {
        let mut s = HashSet::new();
        s.insert(format!("{host}:{port}").to_lowercase());
        if matches!(host, "127.0.0.1" | "0.0.0.0" | "localhost") {
            s.insert(format!("localhost:{port}"));
            s.insert(format!("127.0.0.1:{port}"));
        }
        if matches!(host, "::1" | "[::1]") {
            s.insert(format!("[::1]:{port}"));
        }
        // `::` listens on every address, loopback included (ours: the
        // reference had no IPv6 form).
        if matches!(host, "::" | "[::]") {
            s.insert(format!("localhost:{port}"));
            s.insert(format!("127.0.0.1:{port}"));
            s.insert(format!("[::1]:{port}"));
        }
        for t in trusted {
            let t = t.to_lowercase();
            if !t.contains(':') {
                s.insert(format!("{t}:80"));
                s.insert(format!("{t}:443"));
            }
            s.insert(t);
        }
        HostAllowlist(Arc::new(s))
    }

    pub fn allows(&self, host: &[u8]) -> bool {
        match std::str::from_utf8(host) {
            Ok(h) => self.0.contains(&h.to_lowercase()),
            Err(_) => false,
        }
    }
}

/// What the perimeter needs.
#[derive(Clone)]
pub struct Perimeter {
    pub hosts: HostAllowlist,
    pub token: ClientToken,
    pub allow_run: bool,
    /// The team login, for dashboards bound beyond loopback.
    pub access: Option<Arc<TeamAccess>>,
}

/// Paths open without a login: the login itself and the site's files
/// (the login page's styles).
pub(crate) fn open_without_login(path: &str) -> bool {
    path == "/login" || path.starts_with("/pkg/") || path == "/favicon.ico"
}

/// The answer to a request without a login: a browser asking for a page
/// goes to the login page; anything else gets 401.
fn login_required(req: &Request) -> Response {
    let page = req.method() == Method::GET
        && !req.uri().path().starts_with("/api/")
        && req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if page {
        return crate::routes::see_other("/login");
    }
    let mut r = detail(
        StatusCode::UNAUTHORIZED,
        json!("login required: open the login link the dashboard printed, or send Authorization: Bearer <token>"),
    );
    r.headers_mut().insert(header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer realm=\"attune-ops\""));
    r
}

/// 429 with `Retry-After`.
pub fn too_many_attempts(secs: u64) -> Response {
    with_retry_after(detail(StatusCode::TOO_MANY_REQUESTS, json!(format!("too many wrong tokens: try again in {secs} s"))), secs)
}

/// The answer with `Retry-After: secs`.
pub fn with_retry_after(mut r: Response, secs: u64) -> Response {
    r.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    r
}

/// The client's address, when the server recorded it.
pub fn client_ip(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// The reference's token error.
pub fn invalid_client() -> Response {
    detail(StatusCode::FORBIDDEN, json!({"code": "invalid_client", "message": "Missing or invalid X-Attune-Client header."}))
}

fn cross_site() -> Response {
    detail(
        StatusCode::FORBIDDEN,
        json!({"code": "cross_site", "message": "Cross-site request refused: mutations must come from the dashboard's own pages."}),
    )
}

/// The read-only message for a path (the reference's texts, with its Q3
/// fixed: the remedy is `--allow-run`, which now really exists).
pub fn read_only_message(path: &str) -> &'static str {
    if path.ends_with("/status") {
        "server is read-only; status flip is disabled"
    } else if path == "/curator/answer" || path == "/api/ui/answer_briefing_item" {
        "server is read-only; answers are not recorded"
    } else if path.contains("/dismiss") {
        "server is read-only; dismiss is disabled"
    } else if path.contains("budget") {
        "server is read-only; settings are disabled (set --monthly-budget or ATTUNE_OPS_MONTHLY_BUDGET_USD instead, or restart with --allow-run)"
    } else {
        "workflow execution is disabled; restart attune-ops with --allow-run"
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Is this mutating request cross-site?
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        match site.as_bytes() {
            b"same-origin" | b"none" => {}
            _ => return true,
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).map(|h| h.as_bytes()).unwrap_or(b"");
        let origin = origin.as_bytes();
        let authority =
            origin.strip_prefix(b"http://").or_else(|| origin.strip_prefix(b"https://")).map(|a| a.strip_suffix(b"/").unwrap_or(a));
        match authority {
            Some(a) if a.eq_ignore_ascii_case(host) => {}
            _ => return true,
        }
    }
    false
}

/// The middleware.
pub async fn perimeter(State(p): State<Perimeter>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).map(|h| h.as_bytes()).unwrap_or(b"");
    if !p.hosts.allows(host) {
        let shown: String = String::from_utf8_lossy(host).chars().take(200).collect();
        tracing::warn!(
            host = if shown.is_empty() { "<empty>" } else { shown.as_str() },
            path = %req.uri().path(),
            "ops.middleware: rejected untrusted Host header"
        );
        return detail(StatusCode::BAD_REQUEST, json!("untrusted Host header"));
    }
    let mut bearer = false;
    if let Some(access) = &p.access {
        if open_without_login(req.uri().path()) {
            // The login form posts without a client token (it has none
            // yet), but never from another site.
            if !is_safe(req.method()) && is_cross_site(req.headers()) {
                return cross_site();
            }
            return next.run(req).await;
        }
        match access.authenticate(req.headers(), client_ip(&req)) {
            Ok(Some(proof)) => bearer = proof == Proof::Bearer,
            Ok(None) | Err(Refusal::Wrong) => return login_required(&req),
            Err(Refusal::Limited(secs)) => return too_many_attempts(secs),
        }
    }
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    if is_cross_site(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "ops.middleware: refused a cross-site mutation");
        return cross_site();
    }
    let req = match req.headers().get(TOKEN_HEADER) {
        // A bearer request is a script's, never a browser's (no page can
        // make a browser send that header to us): it needs no client token.
        _ if bearer => req,
        Some(v) => {
            if !p.token.matches(v.as_bytes()) {
                return invalid_client();
            }
            req
        }
        None => match token_from_form(req, &p.token).await {
            Ok(req) => req,
            Err(resp) => return resp,
        },
    };
    if !p.allow_run && !writes_nothing(req.uri().path()) {
        return detail(StatusCode::FORBIDDEN, json!(read_only_message(req.uri().path())));
    }
    next.run(req).await
}

/// Mutations that change nothing on disk or in any run, allowed read-only
/// (still with the client token, still same-site): the in-memory
/// interaction counters.
fn writes_nothing(path: &str) -> bool {
    matches!(path, "/api/telemetry/interaction" | "/api/ui/record_interaction")
}

/// Is the body an `application/x-www-form-urlencoded` form (a plain HTML
/// form post)?
pub fn is_urlencoded_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

/// For a urlencoded form without the header, reads the body (bounded) and
/// checks its `attune_client` field; the request is rebuilt with the same
/// bytes. Anything else without the header is refused.
async fn token_from_form(req: Request, token: &ClientToken) -> Result<Request, Response> {
    if !is_urlencoded_form(req.headers()) {
        return Err(invalid_client());
    }
    let (parts, body) = req.into_parts();
    let bytes =
        axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| detail(StatusCode::PAYLOAD_TOO_LARGE, json!("request body too large")))?;
    let found = form_field(&bytes, TOKEN_FIELD);
    if !found.is_some_and(|v| token.matches(v.as_bytes())) {
        return Err(invalid_client());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_matches_the_reference() {
        let a = HostAllowlist::new("127.0.0.1", 8765, &["ops.example".into(), "box:9000".into()]);
        for ok in ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765", "ops.example", "ops.example:80", "ops.example:443", "box:9000"] {
            assert!(a.allows(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "localhost",
            "127.0.0.1",
            "evil.example:8765",
            "localhost.evil.com:8765",
            "127.0.0.1.nip.io:8765",
            "[::1]:8765",
            "box:9001",
            "localhost:8765\n",
        ] {
            assert!(!a.allows(bad.as_bytes()), "{bad}");
        }
        assert!(!a.allows(&[0xff, 0xfe]));
        let v6 = HostAllowlist::new("::1", 9, &[]);
        assert!(v6.allows(b"[::1]:9"));
        let other = HostAllowlist::new("192.168.1.5", 80, &[]);
        assert!(other.allows(b"192.168.1.5:80"));
        assert!(!other.allows(b"localhost:80"));
    }

    #[test]
    fn token_compare() {
        let t = ClientToken::generate();
        assert!(t.matches(t.as_str().as_bytes()));
        assert!(!t.matches(b""));
        assert!(!t.matches(&t.as_str().as_bytes()[..10]));
        assert!(!t.matches(format!("{}x", t.as_str()).as_bytes()));
        assert!(!format!("{t:?}").contains(t.as_str()));
    }

    #[test]
    fn cross_site_rules() {
        let h = |pairs: &[(&str, &str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
            }
            m
        };
        assert!(!is_cross_site(&h(&[("host", "localhost:1")])));
        assert!(!is_cross_site(&h(&[("host", "localhost:1"), ("origin", "http://localhost:1"), ("sec-fetch-site", "same-origin")])));
        assert!(is_cross_site(&h(&[("host", "localhost:1"), ("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&h(&[("host", "localhost:1"), ("sec-fetch-site", "same-site")])));
        assert!(is_cross_site(&h(&[("host", "localhost:1"), ("origin", "http://evil.example")])));
        assert!(is_cross_site(&h(&[("host", "localhost:1"), ("origin", "null")])));
        assert!(is_cross_site(&h(&[("host", "localhost:1"), ("origin", "http://localhost:2")])));
    }
}
