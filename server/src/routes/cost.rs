//! Anthropic spend: `GET /api/cost` and the Cost page's budget form.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use attune_ops_app::urlcode::{encode_component, form_field};

use super::{json_blocking, off_thread, see_other, ApiError};
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct CostQuery {
    refresh: Option<String>,
}

/// `GET /api/cost?refresh=1`: always 200 — a failed fetch is data (`error`
/// with its kind and message, and the last good summary marked stale).
pub(super) async fn cost(State(s): State<AppState>, Query(q): Query<CostQuery>) -> Response {
    let refresh = matches!(q.refresh.as_deref(), Some("1" | "true"));
    let r = s.ops.fetch_cost(refresh).await;
    json_blocking(move || Ok(s.ops.cost_data_from(r))).await
}

/// `POST /cost/budget` (HTML form: `monthly_usd`, blank clears) → 303 to
/// `/cost`, or to `/cost?budget_error=…` with the reason.
pub(super) async fn cost_budget_form(State(s): State<AppState>, body: Bytes) -> Response {
    let text = form_field(&body, "monthly_usd").unwrap_or_default();
    let v = match attune_ops::cost::parse_budget_text(&text) {
        Ok(v) => v,
        Err(m) => return see_other(&format!("/cost?budget_error={}#budget", encode_component(&m))),
    };
    match off_thread(move || s.ops.set_budget(v)).await {
        Ok(Ok(())) => see_other("/cost#budget"),
        Ok(Err(e)) => see_other(&format!("/cost?budget_error={}#budget", encode_component(&ApiError::budget_not_saved(&e).detail))),
        Err(e) => e.into_response(),
    }
}
