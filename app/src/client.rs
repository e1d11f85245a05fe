//! Browser-side helpers: the client token, the server-function client that
//! sends it, `localStorage`, and small fetch wrappers.

use std::future::Future;

use futures::{Sink, Stream};
use leptos::prelude::*;
use server_fn::client::{browser::BrowserClient, Client};
use server_fn::error::FromServerFnError;
use server_fn::request::browser::BrowserRequest;
use server_fn::response::browser::BrowserResponse;

/// The per-process client token: on the server from context, in the
/// browser from `<meta name="attune-client-token">`.
pub fn token() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::api::ssr::TokenCtx>().map(|t| t.0).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        meta_token().unwrap_or_default()
    }
}

/// Reads the token from the page's meta tag (browser only).
pub fn meta_token() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let doc = web_sys::window()?.document()?;
        let el = doc.query_selector("meta[name='attune-client-token']").ok()??;
        el.get_attribute("content")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// A server-function client that adds `X-Attune-Client` to every request
/// (the perimeter requires it on every mutation).
pub struct TokenClient;

impl<E, IS, OS> Client<E, IS, OS> for TokenClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        if let Some(t) = meta_token() {
            req.headers().append("X-Attune-Client", &t);
        }
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (impl Stream<Item = Result<server_fn::Bytes, server_fn::Bytes>> + Send + 'static, impl Sink<server_fn::Bytes> + Send + 'static),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

/// `localStorage` get (browser only; `None` elsewhere or on error).
pub fn local_get(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

/// `localStorage` set; errors (private mode, quota) are ignored.
pub fn local_set(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

/// Copies text to the clipboard (browser only). Returns false when the
/// clipboard is unavailable.
pub fn copy_text(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(text);
            return true;
        }
        false
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// `GET url` and decode JSON (browser only).
#[cfg(feature = "hydrate")]
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let resp = gloo_net::http::Request::get(url).send().await.map_err(|e| e.to_string())?;
    if !resp.ok() {
        let body = resp.text().await.unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("detail").map(|d| d.as_str().map(str::to_string).unwrap_or_else(|| d.to_string())))
            .unwrap_or_else(|| format!("HTTP {}", resp.status()));
        return Err(detail);
    }
    resp.json::<T>().await.map_err(|e| e.to_string())
}
