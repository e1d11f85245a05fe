//! `/login`: the team login of a dashboard bound beyond loopback (see
//! [`crate::access`]). `GET /login?token=…` (the banner's link) or the
//! form's `POST /login` (`token=…`) checks the token and sets the session
//! cookie; `GET /login` alone shows the form. On a loopback dashboard
//! there is nothing to log into: 303 to `/`.

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use attune_ops_app::urlcode::form_field;

use crate::access::Refusal;
use crate::perimeter::{client_ip, with_retry_after};
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    token: Option<String>,
}

/// `GET /login[?token=]`.
pub(super) async fn login_get(State(s): State<AppState>, Query(q): Query<LoginQuery>, req: Request) -> Response {
    let ip = client_ip(&req);
    // Another site's page may load `/login?token=x` as an image or a
    // script, in a teammate's browser: not a login, and not a failure to
    // count against them. Following a link (a document) is fine.
    let h = req.headers();
    let from_elsewhere = h.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
        && h.get("sec-fetch-dest").is_some_and(|v| v.as_bytes() != b"document");
    match q.token {
        Some(_) if from_elsewhere => page(&s, StatusCode::FORBIDDEN, Some("A login must be opened as a page.")),
        Some(t) => attempt(&s, t.trim().as_bytes(), ip),
        None if s.access.is_some() => page(&s, StatusCode::OK, None),
        None => super::see_other("/"),
    }
}

/// `POST /login` (form field `token`).
pub(super) async fn login_post(State(s): State<AppState>, req: Request) -> Response {
    let ip = client_ip(&req);
    let body: Bytes = match axum::body::to_bytes(req.into_body(), 16 * 1024).await {
        Ok(b) => b,
        Err(_) => return page(&s, StatusCode::PAYLOAD_TOO_LARGE, Some("That was not a token.")),
    };
    let token = form_field(&body, "token").unwrap_or_default();
    attempt(&s, token.trim().as_bytes(), ip)
}

fn attempt(s: &AppState, token: &[u8], ip: Option<std::net::IpAddr>) -> Response {
    let Some(access) = &s.access else { return super::see_other("/") };
    match access.check(token, ip) {
        Ok(()) => {
            let id = access.open_session();
            // A page that moves on by itself, not a redirect: a link
            // followed from another site (a chat message) would not carry
            // a SameSite=Strict cookie through a redirect, but does on the
            // next navigation, which starts from our own page.
            let html = shell(
                s,
                "Signed in",
                r#"<p>Signed in. <a href="/">Continue to the dashboard</a>.</p><meta http-equiv="refresh" content="0;url=/">"#,
            );
            ([(header::SET_COOKIE, access.set_cookie(&id))], Html(html)).into_response()
        }
        Err(Refusal::Wrong) => page(s, StatusCode::UNAUTHORIZED, Some("That token is not this dashboard's.")),
        Err(Refusal::Limited(secs)) => {
            with_retry_after(page(s, StatusCode::TOO_MANY_REQUESTS, Some(&format!("Too many wrong tokens: try again in {secs} s."))), secs)
        }
    }
}

/// The login form, with a problem to show (our own text, never input).
fn page(s: &AppState, status: StatusCode, problem: Option<&str>) -> Response {
    let problem = problem.map(|p| format!(r#"<p class="notice" role="alert">{p}</p>"#)).unwrap_or_default();
    let body = format!(
        r#"{problem}<p>This dashboard is shared: open the login link it printed when it started, or paste its access token.</p>
<form method="post" action="/login" class="login-form">
<label>Access token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button class="btn" type="submit">Sign in</button>
</form>"#
    );
    (status, Html(shell(s, "Sign in", &body))).into_response()
}

/// The page around a login form or notice: the site's stylesheet (under
/// its content-hashed name), no script.
fn shell(s: &AppState, title: &str, body: &str) -> String {
    let css = s.site.assets().css;
    let style = if css.is_empty() { String::new() } else { format!(r#"<link rel="stylesheet" href="{css}">"#) };
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · attune ops</title>{style}</head>
<body><main class="page login"><h1>attune ops — {title}</h1>{body}</main></body></html>"#
    )
}
