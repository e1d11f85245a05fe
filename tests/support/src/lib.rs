//! What the integration tests of the engine (`tests/`) and of the server
//! (`server/tests/`) share:
//!
//! * [`http::Imitation`]: a scripted HTTP/1.1 server on loopback, standing in
//!   for the Anthropic Admin API, GitHub's REST API and the like;
//! * [`project::TempProject`]: a temporary project root and attune home;
//! * [`procs`]: what `/proc` says about a process (running, zombie, gone);
//! * [`redis::RedisServer`]: a real `redis-server` on a free port.
//!
//! Plain threads and `std::net`, no async runtime: the same helpers serve
//! `#[tokio::test]`s, synchronous tests that drive the release binary, and
//! tests that start and stop runtimes of their own.

pub mod http;
pub mod procs;
pub mod project;
pub mod redis;
