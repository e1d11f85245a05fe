//! attune-ops engine: everything the ops dashboard knows, usable without it.
//!
//! The dashboard (the `attune-ops-app` and `attune-ops-server` crates) is a thin
//! web layer over this library. A script can use the same functions directly:
//! build a [`config::Config`], then call [`telemetry::summarize`],
//! [`cost::CostClient::fetch_summary`], [`runner::Runner::start`] and friends.
//!
//! # Layout
//!
//! * [`wire`]: the types that cross the HTTP boundary (JSON routes, server
//!   functions, SSE payloads). They compile for wasm32 without the engine, so
//!   the browser bundle shares them.
//! * [`ansi`]: ANSI SGR escape sequences to styled spans, for the log viewer
//!   (used by the browser and by server-side rendering).
//! * Everything else needs the `engine` feature (on by default):
//!   - [`config`]: `Config`, `ATTUNE_HOME`, the default project root, the
//!     persisted settings file `<home>/ops/config.json`;
//!   - [`registry`]: the workflow registry (`.attune/workflows.toml`, or the
//!     `attune` CLI); [`features`]: `.help/features.yaml` scopes;
//!   - [`scope`]: validating a scope path against the project root;
//!   - [`runner`]: spawning workflows, queueing, cancelling, live logs;
//!   - [`history`]: persisted run records under `<home>/ops/runs`;
//!   - [`bulletin`], [`telemetry`], [`sessions`] (with [`redact`]), [`cost`]:
//!     the read-side views;
//!   - [`specs`]: spec listing, status flips and completion candidates;
//!   - [`pyfmt`]: byte-compatible Python `json.dumps` / `isoformat` so files
//!     written here are identical to the reference dashboard's; [`pytext`]:
//!     Python's string rules (`strip`, `splitlines`, `repr`, text reads).
//!
//! Invariant: nothing in this crate depends on leptos or axum.

pub mod ansi;
pub mod ids;
pub mod wire;

#[cfg(feature = "engine")]
pub mod bulletin;
#[cfg(feature = "engine")]
pub mod config;
#[cfg(feature = "engine")]
pub mod cost;
#[cfg(feature = "engine")]
pub mod features;
#[cfg(feature = "engine")]
pub mod fsutil;
#[cfg(feature = "engine")]
pub mod history;
#[cfg(feature = "engine")]
pub mod ops;
#[cfg(feature = "engine")]
pub mod project;
#[cfg(feature = "engine")]
pub mod pyfmt;
#[cfg(feature = "engine")]
pub mod pytext;
#[cfg(feature = "engine")]
pub mod redact;
#[cfg(feature = "engine")]
pub mod registry;
#[cfg(feature = "engine")]
pub mod report;
#[cfg(feature = "engine")]
pub mod runner;
#[cfg(feature = "engine")]
pub mod scope;
#[cfg(feature = "engine")]
pub mod sessions;
#[cfg(feature = "engine")]
pub mod specs;
#[cfg(feature = "engine")]
pub mod telemetry;

/// The dashboard's version, shown in the top bar and `GET /api/info`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
