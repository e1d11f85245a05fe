//! The Memory and Collab pages and Home's "Memory nodes" tile: Redis reads
//! (async, short timeouts, each page bounded as a whole) and the inbox's
//! files and git.
//!
//! Redis is resolved from the environment on every page, as the reference
//! does (`crate::redis_conn`); a test or a script can give its own lookup
//! ([`Ops::with_env`]).

use std::sync::Arc;
use std::time::Duration;

use super::Ops;
use crate::redis_conn::{self, RedisError, Target, Timeouts};
use crate::wire::{CollabInbox, CollabThreadData, MemoryNodeData, MemoryPageData, MEMORY_PREFIX};
use crate::{collab, memory};

/// A variable lookup (the process environment by default).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The most any Redis-backed page waits for Redis as a whole.
const PAGE_BUDGET: Duration = Duration::from_secs(4);

impl Ops {
    /// Looks Redis and Anthropic settings up in `env` instead of the
    /// process environment.
    pub fn with_env(mut self, env: EnvLookup) -> Ops {
        self.env = env;
        self
    }

    async fn redis(&self, t: Timeouts) -> Result<(Target, redis::aio::MultiplexedConnection), RedisError> {
        let env = self.env.clone();
        let target = redis_conn::resolve(&|k| env(k))?;
        let con = redis_conn::connect(&target, t).await?;
        Ok((target, con))
    }

    /// The Memory page: overview (family, kind, page) and attention header.
    pub async fn memory_page(&self, family: Option<String>, kind: Option<String>, page: u32) -> MemoryPageData {
        let connected = bounded(self.redis(Timeouts::QUICK)).await;
        let (target, mut con) = match connected {
            Ok(c) => c,
            Err(e) => return MemoryPageData { overview: None, attention: None, unreachable: Some(e.to_string()) },
        };
        // The overview and the header have a budget each: a slow header
        // leaves the rows shown.
        let ov = bounded(memory::overview(&mut con, &target, family.as_deref(), kind.as_deref(), page)).await;
        let att = bounded(memory::attention(&mut con, &target, &self.config.project_root, chrono::Utc::now())).await.ok();
        match ov {
            Ok(ov) => MemoryPageData { overview: Some(ov), attention: att, unreachable: None },
            Err(e) => MemoryPageData { overview: None, attention: att, unreachable: Some(e.to_string()) },
        }
    }

    /// One memory node. A key outside `attune:memory:` is refused before
    /// Redis is asked.
    pub async fn memory_node(&self, key: &str) -> MemoryNodeData {
        let mut d = MemoryNodeData { key: key.to_string(), ..Default::default() };
        if key.is_empty() {
            d.reason = Some("No key was given.".into());
            return d;
        }
        if !key.starts_with(MEMORY_PREFIX) {
            d.reason = Some(format!("Only keys under {MEMORY_PREFIX} are shown here."));
            return d;
        }
        let work = async {
            let (target, mut con) = self.redis(Timeouts::QUICK).await?;
            memory::node(&mut con, &target, key).await
        };
        match bounded(work).await {
            Ok(Some(f)) => d.fields = Some(f),
            Ok(None) => d.reason = Some("The key is not in the index (any more): it may have been re-hydrated away.".into()),
            Err(e) => d.reason = Some(format!("The index cannot be read: {e}.")),
        }
        d
    }

    /// Home's tile: the number of memory keys, `None` when Redis cannot be
    /// read (the tile is hidden rather than showing a false zero).
    pub async fn memory_count(&self) -> Option<u64> {
        let work = async {
            let (target, mut con) = self.redis(Timeouts::QUICK).await?;
            memory::count(&mut con, &target).await
        };
        bounded(work).await.ok()
    }

    /// The Collab inbox.
    pub async fn collab_inbox(&self) -> CollabInbox {
        let board = bounded(async {
            let (target, mut con) = self.redis(Timeouts::PATIENT).await?;
            collab::pending_threads(&mut con, &target).await
        })
        .await;
        collab::inbox(board, &self.config.project_root, &self.config.attune_home, chrono::Local::now().naive_local()).await
    }

    /// One thread's messages; an id that could name another key is refused
    /// before Redis is asked.
    pub async fn collab_thread(&self, id: &str) -> CollabThreadData {
        let mut d = CollabThreadData { id: id.to_string(), ..Default::default() };
        if !collab::is_thread_id(id) {
            d.reason = Some("A thread id has no spaces and no colon.".into());
            return d;
        }
        let work = async {
            let (target, mut con) = self.redis(Timeouts::PATIENT).await?;
            collab::thread(&mut con, &target, id).await
        };
        match bounded(work).await {
            Ok(m) => d.messages = Some(m),
            Err(e) => d.reason = Some(format!("The board cannot be read: {e}.")),
        }
        d
    }
}

/// Runs `work` within [`PAGE_BUDGET`].
async fn bounded<T>(work: impl std::future::Future<Output = Result<T, RedisError>>) -> Result<T, RedisError> {
    match tokio::time::timeout(PAGE_BUDGET, work).await {
        Ok(r) => r,
        Err(_) => Err(RedisError::Timeout("the configured address".into())),
    }
}
