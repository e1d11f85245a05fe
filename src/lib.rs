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
//!   functions, SSE payloads), one file per domain (runs, workflows, cost,
//!   specs, read-side records, pages, text rules) and all named
//!   `wire::X`. They compile for wasm32 without the engine, so the browser
//!   bundle shares them.
//! * [`ansi`]: ANSI SGR escape sequences to styled spans, for the log viewer
//!   (used by the browser and by server-side rendering). [`ids`]: id, slug
//!   and name validation.
//! * Everything else needs the `engine` feature (on by default):
//!   - [`config`]: `Config`, `ATTUNE_HOME`, the default project root, the
//!     persisted settings file `<home>/ops/config.json`;
//!   - [`registry`]: the workflow registry (`.attune/workflows.toml`, or the
//!     `attune` CLI); [`features`]: `.help/features.yaml` scopes;
//!   - [`scope`]: validating a scope path against the project root;
//!   - [`logstore`]: a run's append-only log (file + offset index + recent
//!     window), searched by [`logsearch`]; [`procs`]: process groups,
//!     reaping, and whether a process is alive. Both sit below the runner
//!     and the history;
//!   - [`history`]: persisted run records under `<home>/ops/runs` (the
//!     reference's bytes, tolerant reading, the one walk of the store,
//!     pruning, the Runs page index). It never imports the runner;
//!   - [`runner`]: spawning workflows, queueing, cancelling, live logs
//!     (`runner::run`, `runner::output`), and crash recovery of runs a dead
//!     dashboard left in flight (`runner::recovery`);
//!   - [`ops`]: [`ops::Ops`], the engine behind one object with the
//!     operations the pages and routes need (one file per domain: runs,
//!     pages, health, cost, specs); its parts are private;
//!   - [`interactions`]: the in-memory dashboard interaction counters;
//!   - [`bulletin`], [`telemetry`], [`sessions`] (with [`redact`]), [`cost`]
//!     (key, client, report, alarm): the read-side views;
//!   - [`specs`]: spec listing, status flips and completion candidates;
//!     [`pending_writes`]: the journal of dashboard writes read back;
//!   - [`help`]: the help corpus under `.help/templates/` (features, kinds,
//!     staleness, the reference's keyword search); [`markdown`]: markdown
//!     to safe HTML (specs, help);
//!   - [`memory`] and [`collab`]: the Redis-derived memory index and the
//!     collaboration inbox (round-table threads, hand-off packets, the
//!     cross-review ledger, the docs outbox), read-only, over
//!     [`redis_conn`] (the reference's Redis resolution, short timeouts);
//!   - [`outbound`]: the outbound HTTP clients' rules (no secret header
//!     across a redirect to another origin);
//!   - [`pyfmt`]: byte-compatible Python `json.dumps` / `isoformat` so files
//!     written here are identical to the reference dashboard's; [`pytext`]:
//!     Python's string rules (`strip`, `splitlines`, `repr`, text reads);
//!     [`fsutil`]: atomic writes and appends.
//!
//! Invariants: nothing in this crate depends on leptos or axum. The
//! dependency order inside it is `logstore`, `procs` → `history` →
//! `runner` → `ops`: the history never imports the runner, and the log
//! store and process primitives import neither.

pub mod ansi;
pub mod ids;
pub mod wire;

#[cfg(feature = "engine")]
pub mod bulletin;
#[cfg(feature = "engine")]
pub mod collab;
#[cfg(feature = "engine")]
pub mod config;
#[cfg(feature = "engine")]
pub mod cost;
#[cfg(feature = "engine")]
pub mod curator;
#[cfg(feature = "engine")]
pub mod diagnosis;
#[cfg(feature = "engine")]
pub mod features;
#[cfg(feature = "engine")]
pub mod fsutil;
#[cfg(feature = "engine")]
pub mod help;
#[cfg(feature = "engine")]
pub mod history;
#[cfg(feature = "engine")]
pub mod interactions;
#[cfg(feature = "engine")]
pub mod logsearch;
#[cfg(feature = "engine")]
pub mod logstore;
#[cfg(feature = "engine")]
pub mod markdown;
#[cfg(feature = "engine")]
pub mod memory;
#[cfg(feature = "engine")]
pub mod ops;
#[cfg(feature = "engine")]
pub mod outbound;
#[cfg(feature = "engine")]
pub mod pending_writes;
#[cfg(feature = "engine")]
pub mod procs;
#[cfg(feature = "engine")]
pub mod project;
#[cfg(feature = "engine")]
pub mod pyfmt;
#[cfg(feature = "engine")]
pub mod pytext;
#[cfg(feature = "engine")]
pub mod redact;
#[cfg(feature = "engine")]
pub mod redis_conn;
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
pub mod sweep;
#[cfg(feature = "engine")]
pub mod telemetry;

/// The dashboard's version, shown in the top bar and `GET /api/info`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
