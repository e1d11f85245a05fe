//! [`ApiError`] and the one mapping from engine errors to HTTP statuses and
//! messages, shared by the server functions (here) and the server's JSON
//! routes (`attune-ops-server`).
//!
//! On the wire an `ApiError` is either a server function's
//! `{"status": 404, "detail": "..."}` (the server then sets the HTTP status
//! from `status`) or, through its `IntoResponse` (server side), a JSON
//! route's `{"detail": "..."}` with the status. The messages are written
//! for people and never carry paths, OS errors or error chains; those go to
//! the log.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// An error from a server function: an HTTP status and a safe message.
/// Serialised as `{"status": 404, "detail": "..."}`; the server sets the
/// response status from `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    pub status: u16,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<String>) -> ApiError {
        ApiError { status, detail: detail.into() }
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(404, what)
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => ApiError::new(400, format!("invalid arguments: {m}")),
            ServerFnErrorErr::Request(m) => ApiError::new(503, format!("the dashboard could not be reached: {m}")),
            ServerFnErrorErr::Response(m) => ApiError::new(502, format!("unexpected answer from the dashboard: {m}")),
            ServerFnErrorErr::Registration(_) => ApiError::new(404, "no such endpoint"),
            _ => ApiError::new(500, "internal error (see the dashboard's log)"),
        }
    }
}

#[cfg(feature = "ssr")]
mod engine {
    //! The engine's errors and the checks both web surfaces make.

    use attune_ops::logsearch::SearchError;
    use attune_ops::ops::{DiagnoseError, StartError};
    use attune_ops::runner::RunnerError;
    use attune_ops::specs::FlipError;
    use axum::response::{IntoResponse, Response};

    use super::ApiError;

    /// The shared failures and refusals.
    impl ApiError {
        /// Something failed that the client cannot help (a worker thread
        /// died, the engine is missing); the details are in the log.
        pub fn internal() -> ApiError {
            ApiError::new(500, "internal error (see the dashboard's log)")
        }
        pub fn invalid_run_id() -> ApiError {
            ApiError::new(400, "invalid run_id")
        }
        pub fn run_not_found() -> ApiError {
            ApiError::not_found("run not found")
        }
        pub fn invalid_session_id() -> ApiError {
            ApiError::new(400, "invalid session id")
        }
        pub fn session_not_found() -> ApiError {
            ApiError::not_found("session not found")
        }
        pub fn invalid_slug() -> ApiError {
            ApiError::new(400, "invalid slug")
        }
        pub fn spec_not_found(slug: &str) -> ApiError {
            ApiError::not_found(format!("spec '{slug}' not found in any configured root"))
        }
        /// The budget setting could not be written (logged here).
        pub fn budget_not_saved(e: &std::io::Error) -> ApiError {
            tracing::error!(error = %e, "ops.api: cannot save the budget");
            ApiError::new(500, "could not save the setting (see the dashboard's log)")
        }
        /// A dismissal could not be written (logged here). The JSON route
        /// names the I/O error kind, as the reference did
        /// (`dismiss persist failed: permission denied`); the server
        /// function and the HTML form say only `dismiss persist failed`.
        pub fn dismiss_not_saved(e: &std::io::Error, name_the_kind: bool) -> ApiError {
            tracing::error!(error = %e, "ops.api: dismiss persist failed");
            if name_the_kind {
                ApiError::new(500, format!("dismiss persist failed: {}", e.kind()))
            } else {
                ApiError::new(500, "dismiss persist failed")
            }
        }
    }

    /// Cancelling a run.
    impl From<RunnerError> for ApiError {
        fn from(e: RunnerError) -> ApiError {
            match e {
                RunnerError::NotFound => ApiError::not_found("run not found (only live runs can be cancelled)"),
                RunnerError::AlreadyFinished => ApiError::new(409, "run already finished"),
                RunnerError::ShuttingDown => ApiError::new(503, "the dashboard is shutting down"),
            }
        }
    }

    /// Searching a run's log: a bad query is the client's (400); an
    /// unreadable log is ours (500, the reason logged).
    impl From<SearchError> for ApiError {
        fn from(e: SearchError) -> ApiError {
            match e {
                SearchError::Unreadable(io) => {
                    tracing::warn!(error = %io, "ops.api: cannot read a run's log for a search");
                    ApiError::new(500, SearchError::Unreadable(io).to_string())
                }
                e => ApiError::new(400, e.to_string()),
            }
        }
    }

    /// Asking for a diagnosis: the reference's statuses and texts.
    impl From<DiagnoseError> for ApiError {
        fn from(e: DiagnoseError) -> ApiError {
            ApiError::new(e.status(), e.to_string())
        }
    }

    /// Starting a run: the reference's statuses and texts.
    impl From<StartError> for ApiError {
        fn from(e: StartError) -> ApiError {
            ApiError::new(e.status(), e.to_string())
        }
    }

    /// The status flip: the reference's statuses (400/404/409/500) and
    /// texts.
    impl From<FlipError> for ApiError {
        fn from(e: FlipError) -> ApiError {
            ApiError::new(e.status(), e.to_string())
        }
    }

    /// A run id as the run view accepts it (`[A-Za-z0-9_-]{1,64}`), else
    /// 400 `invalid run_id`.
    pub fn check_run_id(id: &str) -> Result<(), ApiError> {
        attune_ops::ids::is_view_run_id(id).then_some(()).ok_or_else(ApiError::invalid_run_id)
    }

    /// A Claude Code session id, else 400.
    pub fn check_session_id(id: &str) -> Result<(), ApiError> {
        attune_ops::sessions::is_session_id(id).then_some(()).ok_or_else(ApiError::invalid_session_id)
    }

    /// A spec slug to look up (not empty, no traversal), else 400.
    pub fn check_spec_lookup(slug: &str) -> Result<(), ApiError> {
        (!slug.is_empty() && !attune_ops::specs::is_traversal(slug)).then_some(()).ok_or_else(ApiError::invalid_slug)
    }

    /// A help feature or kind slug (`[a-z][a-z0-9-]*`), else 400 with
    /// `what` (the reference's `invalid feature slug` / `invalid kind slug`).
    pub fn check_help_slug(slug: &str, what: &str) -> Result<(), ApiError> {
        attune_ops::wire::is_help_slug(slug).then_some(()).ok_or_else(|| ApiError::new(400, what))
    }

    /// A dismissal's arguments, in the reference's order: the slug (400),
    /// then the snapshot hash, which must be present and 64 hex characters
    /// (422). Answers the hash.
    pub fn check_dismissal<'a>(slug: &str, snapshot_hash: Option<&'a str>) -> Result<&'a str, ApiError> {
        if !attune_ops::ids::is_spec_slug(slug) {
            return Err(FlipError::InvalidSlug.into());
        }
        snapshot_hash
            .filter(|h| attune_ops::specs::dismiss::is_snapshot_hash(h))
            .ok_or_else(|| ApiError::new(422, "body must include `snapshot_hash` (64-char hex string)"))
    }

    /// A JSON route's error: `{"detail": …}` with the status.
    impl IntoResponse for ApiError {
        fn into_response(self) -> Response {
            let status = axum::http::StatusCode::from_u16(self.status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            (status, axum::Json(serde_json::json!({ "detail": self.detail }))).into_response()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn engine_errors_map_to_the_reference_statuses() {
            assert_eq!(ApiError::from(RunnerError::NotFound).status, 404);
            assert_eq!(ApiError::from(RunnerError::AlreadyFinished), ApiError::new(409, "run already finished"));
            assert_eq!(ApiError::from(RunnerError::ShuttingDown).status, 503);
            assert_eq!(ApiError::from(StartError::UnknownWorkflow("x".into())), ApiError::new(404, "unknown workflow 'x'"));
            assert_eq!(ApiError::from(StartError::Disabled).status, 403);
            assert_eq!(ApiError::from(FlipError::NotFound { slug: "s".into(), phase: "tasks".into() }).status, 404);
            assert_eq!(ApiError::from(SearchError::Empty), ApiError::new(400, "q must not be empty"));
            assert_eq!(
                ApiError::from(SearchError::Unreadable(std::io::Error::other("x"))),
                ApiError::new(500, "the run's log could not be read")
            );
        }

        #[test]
        fn dismissal_checks() {
            let hash = "a".repeat(64);
            assert_eq!(check_dismissal("my-spec", Some(&hash)), Ok(hash.as_str()));
            assert_eq!(check_dismissal("../x", Some(&hash)).unwrap_err().status, 400);
            assert_eq!(check_dismissal("../x", None).unwrap_err().status, 400);
            assert_eq!(check_dismissal("my-spec", None).unwrap_err().status, 422);
            assert_eq!(check_dismissal("my-spec", Some("abc")).unwrap_err().status, 422);
        }

        #[test]
        fn request_checks() {
            assert_eq!(check_run_id("a1b2_C-3"), Ok(()));
            assert_eq!(check_run_id("../etc"), Err(ApiError::new(400, "invalid run_id")));
            assert_eq!(check_run_id(""), Err(ApiError::new(400, "invalid run_id")));
            assert_eq!(check_session_id("not a session").unwrap_err().status, 400);
            assert_eq!(check_spec_lookup("my-spec"), Ok(()));
            assert_eq!(check_spec_lookup(""), Err(ApiError::new(400, "invalid slug")));
            assert_eq!(check_spec_lookup("../x").unwrap_err().status, 400);
        }
    }
}

#[cfg(feature = "ssr")]
pub use engine::{check_dismissal, check_help_slug, check_run_id, check_session_id, check_spec_lookup};
