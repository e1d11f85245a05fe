//! The attune ops server: the axum application around the engine.
//!
//! * [`create_app`] builds the complete [`Router`] (pages, server functions,
//!   JSON routes, SSE, static files) behind the [`perimeter`], for embedding
//!   or for in-process tests (`tower::ServiceExt::oneshot`).
//! * [`Server::serve`] runs it on a listener until a shutdown future
//!   resolves, then cancels and records in-flight runs. Tests bind
//!   `127.0.0.1:0` and pass a oneshot channel.
//!
//! Layers, outermost first: panic catcher (a panicking handler answers 500
//! and the server keeps serving) → hardening headers → body size limit →
//! compression (not for SSE) → cache policy → response deadline (408) →
//! perimeter (Host allowlist, cross-site
//! refusal, client token, read-only gate) → server-function error statuses
//! → routes.

pub mod access;
pub mod perimeter;
pub mod routes;
pub mod site;
mod site_source;

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRef, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use attune_ops::config::Config;
use attune_ops::ops::Ops;
use attune_ops_app::api::ssr::TokenCtx;
use attune_ops_app::{shell, App};

pub use access::TeamAccess;
pub use perimeter::{ClientToken, HostAllowlist, Perimeter};
pub use site::Site;

/// `attune-ops --version`: the version and the site the binary carries
/// (`0.1.0 (site 7d89bd0b, embedded, precompressed, 219 lazy chunks)`).
pub const VERSION_LINE: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ATTUNE_OPS_SITE_INFO"), ")");

/// Largest request body accepted (run starts and status flips are tiny).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub ops: Arc<Ops>,
    pub token: ClientToken,
    /// The team login, when bound beyond loopback.
    pub access: Option<Arc<TeamAccess>>,
    /// The compiled site (the login page links its stylesheet).
    pub site: Arc<Site>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos.clone()
    }
}

/// Leptos options for serving: our output name. The site's files are not
/// served by Leptos but by [`site`] (embedded, or read at startup).
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder().output_name("attune-ops").site_pkg_dir("pkg").env(leptos::config::Env::PROD).build()
}

/// Builds the application for `ops`. `port` is the port clients connect to
/// (it enters the Host allowlist).
/// `access`: the team login (see [`access`]), for a dashboard bound
/// beyond loopback. `site`: the compiled site the pages link.
pub fn app_router(ops: Arc<Ops>, site: Arc<Site>, token: ClientToken, port: u16, access: Option<Arc<TeamAccess>>) -> Router {
    let cfg = ops.config();
    let perimeter = Perimeter {
        hosts: HostAllowlist::new(&cfg.host, port, &cfg.trusted_hosts),
        token: token.clone(),
        allow_run: cfg.allow_run,
        access: access.clone(),
    };
    let state = AppState { leptos: leptos_options(), ops: ops.clone(), token: token.clone(), access, site: site.clone() };
    let routes = generate_route_list(App);
    let context = {
        let ops = ops.clone();
        let token = token.clone();
        // Pages preload their lazy chunks (`Site::split_manifest`).
        let split = site.split_manifest();
        move || {
            provide_context(ops.clone());
            provide_context(TokenCtx(token.as_str().to_string()));
            if let Some(split) = split.clone() {
                provide_context(split);
            }
        }
    };
    let assets = site.assets();
    let shell_fn = {
        let token = token.clone();
        move || shell(token.as_str().to_string(), assets.clone())
    };
    // Anything else: the app's own 404 page, complete without JavaScript
    // (or JSON under `/api/`). A path open without the team login gets a
    // bare 404 instead: the page carries the shell's data (and the client
    // token).
    let fallback = {
        let render = leptos_axum::render_app_async_with_context(context.clone(), shell_fn.clone());
        move |uri: axum::http::Uri, req: Request| {
            let render = render.clone();
            async move {
                if uri.path().starts_with("/api/") || perimeter::open_without_login(uri.path()) {
                    return routes::detail(StatusCode::NOT_FOUND, "Not Found");
                }
                render(req).await.into_response()
            }
        }
    };
    // The site's files; a missing one is a bare 404 (see above).
    let site_file = move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
        let site = site.clone();
        async move { site.respond(uri.path(), &headers).unwrap_or_else(|| routes::detail(StatusCode::NOT_FOUND, "Not Found")) }
    };

    let router = Router::new()
        .merge(routes::router())
        .route("/pkg/{*file}", axum::routing::get(site_file.clone()))
        .route("/favicon.ico", axum::routing::get(site_file))
        .leptos_routes_with_context(&state, routes, context, shell_fn)
        .fallback(fallback)
        .with_state(state);
    with_layers(router, perimeter)
}

/// Wraps a router in the dashboard's layers (see the module docs). Public
/// so tests can check the layers around routes of their own.
pub fn with_layers(router: Router, perimeter: Perimeter) -> Router {
    router
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn_with_state(perimeter, perimeter::perimeter))
        .layer(middleware::from_fn(response_deadline))
        .layer(middleware::from_fn(cache_policy))
        // Brotli or gzip for pages, JSON and the wasm bundle; the default
        // predicate leaves event streams (SSE) and tiny bodies alone.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        // Pages set their own policy with their script nonce (see
        // `attune_ops_app::shell`); everything else gets it without one.
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, {
            let csp = attune_ops_app::content_security_policy(None);
            HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
        }))
        .layer(CatchPanicLayer::custom(|_panic: Box<dyn std::any::Any + Send>| {
            tracing::error!("ops.server: a request handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Internal Server Error")
                .into_response()
        }))
}

/// How long a request may take to get its answer started (reading its
/// body included). A client that has not finished sending its body by then
/// gets 408; a request whose handler is stuck gets 503. Both close the
/// connection (a browser may retry a 408 on a reused one). Streams (SSE,
/// log downloads) start answering at once and are not limited.
pub const RESPONSE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

async fn response_deadline(req: Request, next: Next) -> Response {
    use futures::StreamExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    let path = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    // Whether the body was read to its end (trivially, when there is none).
    let body_done = Arc::new(AtomicBool::new(axum::body::HttpBody::is_end_stream(&body)));
    let req = if body_done.load(Ordering::Relaxed) {
        Request::from_parts(parts, body)
    } else {
        let flag = body_done.clone();
        let tail = futures::stream::once(async move {
            flag.store(true, Ordering::Relaxed);
            None
        });
        let data = body.into_data_stream().map(Some).chain(tail).filter_map(std::future::ready);
        Request::from_parts(parts, Body::from_stream(data))
    };
    match tokio::time::timeout(RESPONSE_DEADLINE, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            let (status, msg) = if body_done.load(Ordering::Relaxed) {
                (StatusCode::SERVICE_UNAVAILABLE, "the server took too long to answer")
            } else {
                (StatusCode::REQUEST_TIMEOUT, "request timed out: its body did not arrive in time")
            };
            tracing::warn!(%path, status = status.as_u16(), "ops.server: request timed out");
            let mut res = routes::detail(status, msg);
            res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            res
        }
    }
}

/// Caching: answers carrying data (JSON, event streams, everything under
/// `/api/`) are `no-store`; pages are `no-cache`, so the browser
/// revalidates them (the back button keeps working, and a new build is
/// picked up at once). The site's files set their own (`site`): their
/// folder's name changes with any byte of the site, so they are
/// `immutable`.
async fn cache_policy(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    if res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let site_file = path.starts_with("/pkg/") || path == "/favicon.ico";
    let value = if !path.starts_with("/api/") && (html || site_file) { "no-cache" } else { "no-store" };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// Server functions answer errors with status 500 and a JSON body that
/// carries the intended status (`{"status": 404, "detail": …}`); this sets
/// the HTTP status from it. Also gives empty 405 answers the reference's
/// JSON body.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        let (parts, _) = res.into_parts();
        let mut r = routes::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        if let Some(allow) = parts.headers.get(header::ALLOW) {
            r.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return r;
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Some(code) = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("status").and_then(|s| s.as_u64()))
        .and_then(|c| StatusCode::from_u16(c as u16).ok())
    {
        parts.status = code;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `create_app(config)`: the engine and the router for a configuration.
/// The engine (and its runner) lives as long as the router.
pub fn create_app(config: Config) -> std::io::Result<Router> {
    Ok(Server::new(config)?.router())
}

/// The dashboard: engine, token and site, ready to serve.
pub struct Server {
    pub ops: Arc<Ops>,
    pub token: ClientToken,
    /// The compiled site ([`Site::load`]: embedded, unless
    /// `$LEPTOS_SITE_ROOT` names another).
    pub site: Arc<Site>,
    /// The team login: a new random token when the configured bind
    /// address is not loopback ([`access::needs_login`]); replace it to
    /// use a team's stable token ([`TeamAccess::from_file`]).
    pub access: Option<Arc<TeamAccess>>,
}

impl Server {
    pub fn new(config: Config) -> std::io::Result<Server> {
        Ok(Server::from_ops(Ops::new(config)?))
    }

    /// A dashboard over an engine built by the caller (e.g. with another
    /// cost client).
    pub fn from_ops(ops: Ops) -> Server {
        let access = access::needs_login(&ops.config().host).then(|| Arc::new(TeamAccess::generate()));
        Server { ops: Arc::new(ops), token: ClientToken::generate(), site: Arc::new(Site::load()), access }
    }

    pub fn router(&self) -> Router {
        app_router(self.ops.clone(), self.site.clone(), self.token.clone(), self.ops.config().port, self.access.clone())
    }

    /// Serves on `listener` until `shutdown` resolves; then stops: no new
    /// connections, queued and running runs cancelled and recorded
    /// ([`Ops::shutdown`]), so viewers of a live run get its `done` and
    /// their streams end; then the open connections are let finish. All of
    /// it within [`SHUTDOWN_DEADLINE`]: a connection still open then is
    /// dropped. The Host allowlist uses the listener's actual port (so
    /// binding port 0 works).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let port = listener.local_addr()?.port();
        let ops = self.ops.clone();
        let router = app_router(ops.clone(), self.site.clone(), self.token.clone(), port, self.access.clone());
        spawn_daily_prune(ops.clone());
        // Graceful shutdown starts when `shutdown` resolves, but waits for
        // every open answer, and a viewer's event stream lasts as long as
        // its run: so the runs are stopped right away, beside it, not after.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let graceful = {
            let mut rx = stop_rx.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        };
        // With the peer's address: the team login counts wrong tokens per
        // client.
        let serving = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(graceful)
            .into_future();
        tokio::pin!(serving);
        let result = tokio::select! {
            r = &mut serving => r,
            () = shutdown => {
                let _ = stop_tx.send(true);
                let stopping = async {
                    ops.shutdown().await;
                    (&mut serving).await
                };
                match tokio::time::timeout(SHUTDOWN_DEADLINE, stopping).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::warn!("ops.server: connections still open at the shutdown deadline were dropped");
                        Ok(())
                    }
                }
            }
        };
        // Idempotent: after a listener error, the runs still get stopped.
        ops.shutdown().await;
        result
    }
}

/// From the shutdown signal to `serve` returning, at most this long
/// (runs get SIGTERM, then SIGKILL; records are written; streams end).
pub const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_millis(9_500);

/// Prunes old run records once a day (startup pruning happens in
/// `Ops::new`).
fn spawn_daily_prune(ops: Arc<Ops>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        tick.tick().await;
        loop {
            tick.tick().await;
            let o = ops.clone();
            let n = tokio::task::spawn_blocking(move || o.prune_now()).await.unwrap_or(0);
            if n > 0 {
                tracing::info!(count = n, "ops.runs: pruned old run records");
            }
        }
    });
}
