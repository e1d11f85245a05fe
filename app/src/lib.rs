//! The attune ops web UI.
//!
//! Server-rendered (every page is readable with JavaScript off) and hydrated
//! in the browser from the same components. Data comes from server functions
//! in [`api`] — thin wrappers over the engine (`attune_ops::ops::Ops`) with
//! stable, documented endpoints under `/api/ui/`.
//!
//! # Layout
//!
//! * [`api`]: server functions, their error type and the mapping from
//!   engine errors (shared with the server's JSON routes);
//! * [`client`]: browser-side helpers — the client token, the server-function
//!   client that sends it, `localStorage`;
//! * [`components`]: shared pieces (layout, chips, the log viewer…);
//! * [`pages`]: one module per route;
//! * [`fmt`]: formatting of times, durations and sizes;
//! * [`urlcode`]: URL and form coding, for both sides.

pub mod api;
pub mod client;
pub mod components;
pub mod fmt;
pub mod pages;
pub mod urlcode;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use components::layout::{Footer, TopBar};
use pages::*;

/// The Content-Security-Policy: scripts from our origin (the wasm bundle and
/// its glue) and, on pages, the inline scripts carrying this response's
/// nonce; no framing, no foreign connections, forms post only to us. Inline
/// `style` attributes stay allowed (bar widths and chart geometry use them).
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(n) => format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_string(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

/// Where a page finds the site's files: the wasm bundle, its JS glue and
/// the stylesheet, under their content-hashed names (the server knows them;
/// see `attune_ops_server::site`). An empty string: the site lacks it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteAssets {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

/// Which wasm chunks each lazy page needs (`cargo leptos build --split`
/// writes the manifest): the server provides it at the root of every
/// render, and a lazy page preloads its own (`pages::lazy`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SplitChunks {
    /// The URL folder of the site's files (`/pkg/<site hash>`).
    pub folder: String,
    /// The loader's file name (`__wasm_split.<hash>.js`).
    pub loader: String,
    /// Lazy function name → its chunks' file names, without `.wasm`.
    pub chunks: std::sync::Arc<std::collections::HashMap<String, Vec<String>>>,
}

/// The document shell: `<head>` (with the client token, the stylesheet and
/// the hydration scripts) and the app. Rendered on the server only; the
/// browser hydrates [`App`].
pub fn shell(token: String, assets: SiteAssets) -> impl IntoView {
    // This page's policy names the nonce Leptos put on its inline scripts
    // (hydration and resource streaming): no other inline script runs.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(v) = axum::http::HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
            res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let nonce = leptos::nonce::use_nonce();
    let has_bundle = !assets.js.is_empty() && !assets.wasm.is_empty();
    // Loads the glue, instantiates the wasm, hydrates the page.
    let start = format!(
        "import({js}).then(m => m.default({{ module_or_path: {wasm} }}).then(() => m.hydrate()));",
        js = serde_json::to_string(&assets.js).unwrap_or_default(),
        wasm = serde_json::to_string(&assets.wasm).unwrap_or_default(),
    );
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="attune-client-token" content=token />
                <meta name="color-scheme" content="dark light" />
                <link rel="icon" href="/favicon.ico" />
                {(!assets.css.is_empty()).then(|| view! { <link rel="stylesheet" href=assets.css.clone() /> })}
                {has_bundle.then(|| view! {
                    <link rel="modulepreload" href=assets.js.clone() />
                    <link rel="preload" href=assets.wasm.clone() r#as="fetch" r#type="application/wasm" crossorigin="" />
                    <script type="module" nonce=nonce>{start}</script>
                })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: top bar, routes, footer.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let shell = components::layout::provide_shell();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "attune ops".to_string() } else { format!("{t} · attune ops") } />
        <Router>
            <TopBar shell />
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view={Lazy::<lazy::Home>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/workflows") view={Lazy::<lazy::Workflows>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/runs") view={Lazy::<lazy::Runs>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/runs/:id/view") view={Lazy::<lazy::Run>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/cost") view={Lazy::<lazy::Cost>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sessions") view={Lazy::<lazy::Sessions>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sessions/:id") view={Lazy::<lazy::Session>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/specs") view={Lazy::<lazy::Specs>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/specs/:slug") view={Lazy::<lazy::Spec>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/telemetry") view={Lazy::<lazy::Telemetry>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/bulletin") view={Lazy::<lazy::Bulletin>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/health") view={Lazy::<lazy::Health>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/memory") view={Lazy::<lazy::Memory>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/memory/node") view={Lazy::<lazy::MemoryNode>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/workflows/discovery-sweep/results/:hash") view={Lazy::<lazy::SweepResult>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/curator") view={Lazy::<lazy::Curator>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/collab") view={Lazy::<lazy::Collab>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/collab/thread") view={Lazy::<lazy::CollabThread>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/help") view={Lazy::<lazy::HelpHome>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/help/search") view={Lazy::<lazy::HelpSearch>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/help/admin") view={Lazy::<lazy::HelpAdmin>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/help/:feature") view={Lazy::<lazy::HelpFeature>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/help/:feature/:kind") view={Lazy::<lazy::HelpTemplate>::new()} ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer shell />
        </Router>
    }
}

/// The wasm entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous: the page being hydrated may first fetch its chunk
    // (pages are lazy routes), as `leptos::mount::hydrate_lazy` does; the
    // marker is set once it is done.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else { return };
        leptos::mount::hydrate_from_async(body, App).await.forget();
        // A marker for end-to-end tests (and curious users): the app is live.
        if let Some(w) = web_sys::window() {
            let _ = js_sys::Reflect::set(&w, &"__attuneHydrated".into(), &true.into());
        }
    });
}
