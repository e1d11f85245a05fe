//! Collab: the action inbox — round-table threads pending promotion,
//! stale hand-off packets, the cross-review ledger, the docs outbox — and
//! one thread's messages.

use serde::{Deserialize, Serialize};

/// One round-table thread not yet promoted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollabThread {
    pub thread: String,
    pub messages: u64,
    pub ttl_hours: Option<f64>,
    pub status: String,
}

/// A hand-off packet whose branch is gone or merged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollabHandoff {
    pub slug: String,
    pub branch: String,
    pub reason: String,
}

/// The docs outbox: pending artifacts under `<home>/docs-outbox/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollabOutbox {
    pub count: u64,
    pub oldest_days: f64,
    /// Two days or older.
    pub stale: bool,
}

/// The inbox; each source degrades on its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CollabInbox {
    pub board_reachable: bool,
    /// Why the board could not be read.
    pub board_error: Option<String>,
    pub threads: Vec<CollabThread>,
    pub stale_handoffs: Vec<CollabHandoff>,
    pub untriaged_reviews: u64,
    pub docs_outbox: Option<CollabOutbox>,
    pub action_count: u32,
}

/// One message of a thread; missing fields are empty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadMessage {
    pub id: String,
    pub kind: String,
    pub author: String,
    /// Empty unless the message has a truthy `round`.
    pub round: String,
    pub body: String,
}

/// `/collab/thread?id=`: `messages` is `None` when the thread cannot be
/// read (a refused id, Redis down).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CollabThreadData {
    pub id: String,
    pub messages: Option<Vec<ThreadMessage>>,
    pub reason: Option<String>,
}
