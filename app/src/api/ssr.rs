//! Server-side access to the engine, for the server functions (and, for
//! [`off_thread`], the server's JSON routes).

use std::sync::Arc;

use attune_ops::ops::Ops;

use super::ApiError;

/// The engine, provided as context by the server for every request.
pub fn ops() -> Result<Arc<Ops>, ApiError> {
    leptos::prelude::use_context::<Arc<Ops>>().ok_or_else(ApiError::internal)
}

/// Runs blocking work (file reads, the engine's synchronous calls) on
/// tokio's blocking pool; a worker that panics is logged and answers
/// [`ApiError::internal`].
pub async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "ops.api: worker failed");
        ApiError::internal()
    })
}

/// Runs blocking engine work off the async threads, with the engine of
/// this request.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce(Arc<Ops>) -> T + Send + 'static) -> Result<T, ApiError> {
    let ops = ops()?;
    off_thread(move || f(ops)).await
}

/// The client token of this process (for hidden form fields).
#[derive(Clone)]
pub struct TokenCtx(pub String);
