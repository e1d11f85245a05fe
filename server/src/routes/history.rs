//! Run history: every run, filtered (`/api/runs`, the Runs page's data),
//! and the reference's per-workflow listing and records.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use attune_ops::ids::{is_run_id, is_workflow_dir_name};
use attune_ops::wire::RunsQuery;

use super::{json_blocking, ApiError};
use crate::AppState;

/// `GET /api/runs?workflow=&status=&scope=&since=&until=&limit=`.
pub(super) async fn all_runs(State(s): State<AppState>, Query(q): Query<RunsQuery>) -> Response {
    json_blocking(move || Ok(s.ops.runs_data(&q))).await
}

fn invalid_workflow_name() -> Response {
    ApiError::new(400, "invalid workflow name").into_response()
}

/// `GET /api/runs/{workflow}`.
pub(super) async fn workflow_runs(State(s): State<AppState>, Path(workflow): Path<String>) -> Response {
    if !is_workflow_dir_name(&workflow) {
        return invalid_workflow_name();
    }
    json_blocking(move || {
        let runs = s.ops.runs_of_workflow(&workflow);
        Ok(json!({"workflow": workflow, "runs": runs}))
    })
    .await
}

/// `GET /api/runs/{workflow}/{run_id}`.
pub(super) async fn workflow_run(State(s): State<AppState>, Path((workflow, run_id)): Path<(String, String)>) -> Response {
    if !is_workflow_dir_name(&workflow) {
        return invalid_workflow_name();
    }
    if !is_run_id(&run_id) {
        return ApiError::new(400, "invalid run id").into_response();
    }
    json_blocking(move || s.ops.run_record(&workflow, &run_id).ok_or_else(ApiError::run_not_found)).await
}
