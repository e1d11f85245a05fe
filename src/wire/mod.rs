//! Wire types: everything that crosses the HTTP boundary.
//!
//! These types are a contract. They are serialised by the JSON routes and the
//! server functions, parsed by the browser bundle (which compiles this module
//! for wasm32 without the engine), and several of them must stay identical to
//! the reference Python dashboard's JSON (field names, order and meaning). Our
//! additions are always optional fields that are left out when empty, so a
//! reference client sees the object it expects.
//!
//! The types are grouped by domain, one private file each, and all named
//! from here (`attune_ops::wire::RunInfo`): `runs` (runs, logs, the run and
//! Runs pages), `workflows` (the registry and the Workflows page), `cost`,
//! `specs`, `help`, `memory`, `collab`, `curator` (the Briefing), `sweep` (discovery-sweep results), `readside` (bulletin entries, telemetry, sessions), `pages`
//! (Home, Bulletin and Health pages), and `text` (display and quoting rules
//! shared by the server and the browser). This file holds the
//! dashboard-wide ones (info, the shell, error bodies).
//!
//! Invariant: this module depends only on serde, serde_json and chrono, and
//! compiles for wasm32 without the `engine` feature.

use serde::{Deserialize, Serialize};

mod collab;
mod cost;
mod curator;
mod help;
mod memory;
mod pages;
mod readside;
mod runs;
mod specs;
mod sweep;
mod text;
mod workflows;

pub use collab::*;
pub use cost::*;
pub use curator::*;
pub use help::*;
pub use memory::*;
pub use pages::*;
pub use readside::*;
pub use runs::*;
pub use specs::*;
pub use sweep::*;
pub use text::*;
pub use workflows::*;

/// `GET /api/info`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub version: String,
    pub project_root: String,
    pub attune_home: String,
}

/// `GET /api/session/token`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: String,
}

/// What the top bar and footer need on every page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShellInfo {
    pub version: String,
    pub project_name: String,
    pub project_root: String,
    pub attune_home: String,
    pub allow_run: bool,
    /// Runs that are pending or running right now, newest first.
    pub active_runs: Vec<ActiveRun>,
}

/// One entry of the top bar's running badge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActiveRun {
    pub id: String,
    pub workflow: String,
    pub status: RunStatus,
}

/// A generic JSON error body: `{"detail": ...}` (the reference's shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub detail: serde_json::Value,
}
