//! Team access: a login for dashboards bound beyond loopback.
//!
//! On `127.0.0.1`/`::1`/`localhost` nothing changes: whoever can reach the
//! port is on this machine. Bound anywhere else (`0.0.0.0`, `::`, a LAN
//! address), every request needs one of:
//!
//! * the **session cookie** `attune_ops_session_<id>` (HttpOnly,
//!   SameSite=Strict; the id is this process's, so two shared dashboards on
//!   one host — cookies ignore ports — keep their own) that `/login` sets
//!   for a browser that shows the access token — the banner prints a login
//!   link, `http://<host>:<port>/login?token=<t>`;
//! * `Authorization: Bearer <t>` (scripts). A bearer request is not a
//!   browser's, so it also stands in for the client token on mutations.
//!
//! The token is 32 random bytes per process, or the contents of
//! `--auth-token-file` (created with a new token, mode 0600, when missing)
//! so a team keeps one link across restarts. Tokens are compared in
//! constant time; wrong ones are counted per client (an IPv6 client by its
//! /64). Past [`MAX_FAILURES_PER_CLIENT`] a minute, that client gets 429
//! for every attempt until the minute has passed (even with the right
//! token: a guesser must not learn when it guessed right); past
//! [`MAX_FAILURES`] from everyone together, every *wrong* token gets 429
//! but the right one still passes, so nobody can lock the team out by
//! failing on purpose. Sessions live in memory (a restart logs everyone
//! out), at most [`MAX_SESSIONS`], for [`SESSION_TTL`].

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

use crate::perimeter::ClientToken;

/// The session cookie's name, before this process's id.
pub const SESSION_COOKIE: &str = "attune_ops_session";
/// How long a browser session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Sessions kept at most (the oldest go first).
pub const MAX_SESSIONS: usize = 10_000;
/// Wrong tokens accepted per client address per minute...
pub const MAX_FAILURES_PER_CLIENT: usize = 5;
/// ...and from everyone together.
pub const MAX_FAILURES: usize = 50;
const WINDOW: Duration = Duration::from_secs(60);

/// Whether a dashboard bound to `host` needs a login: anything but a
/// loopback address.
pub fn needs_login(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return false;
    }
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => !ip.is_loopback(),
        // Not an address we could have bound: be safe.
        Err(_) => true,
    }
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong (or missing) token.
    Wrong,
    /// Too many wrong tokens lately: try again in this many seconds.
    Limited(u64),
}

/// What a request proved.
#[derive(Debug, PartialEq, Eq)]
pub enum Proof {
    Session,
    Bearer,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read the auth token file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("cannot create the auth token file {path}: {source}")]
    Create { path: String, source: std::io::Error },
    #[error("the auth token in {path} is too short (at least 16 characters; delete the file to get a new one)")]
    TooShort { path: String },
}

/// The access token, the sessions, and the failure counts.
pub struct TeamAccess {
    token: ClientToken,
    /// `attune_ops_session_<id>`.
    cookie: String,
    sessions: Mutex<HashMap<String, Instant>>,
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    all: VecDeque<Instant>,
    by_client: HashMap<Option<IpAddr>, VecDeque<Instant>>,
}

/// Whom failures are counted against: the address, an IPv6 one by its
/// /64 (one host usually has the whole prefix).
fn client_key(ip: Option<IpAddr>) -> Option<IpAddr> {
    match ip {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            Some(IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0]))
        }
        Some(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4),
        other => other,
    }
}

impl Failures {
    fn prune(&mut self, now: Instant) {
        let old = |q: &mut VecDeque<Instant>| {
            while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                q.pop_front();
            }
        };
        old(&mut self.all);
        self.by_client.retain(|_, q| {
            old(q);
            !q.is_empty()
        });
    }

    /// Seconds until the queue's oldest failure leaves the window.
    fn wait(q: &VecDeque<Instant>, now: Instant) -> Option<u64> {
        q.front().map(|t| (WINDOW - now.duration_since(*t)).as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Seconds until `client` may try again, if it is over its own limit.
    fn client_limited(&mut self, client: Option<IpAddr>, now: Instant) -> Option<u64> {
        self.prune(now);
        self.by_client.get(&client).filter(|q| q.len() >= MAX_FAILURES_PER_CLIENT).and_then(|q| Failures::wait(q, now))
    }

    /// Seconds until wrong tokens are answered again, if everyone together
    /// is over the limit.
    fn all_limited(&self, now: Instant) -> Option<u64> {
        (self.all.len() >= MAX_FAILURES).then(|| Failures::wait(&self.all, now)).flatten()
    }

    fn record(&mut self, client: Option<IpAddr>, now: Instant) {
        self.all.push_back(now);
        self.by_client.entry(client).or_default().push_back(now);
    }
}

impl TeamAccess {
    pub fn new(token: ClientToken) -> TeamAccess {
        let id = attune_ops::ids::new_client_token();
        let cookie = format!("{SESSION_COOKIE}_{}", id.get(..8).unwrap_or("0"));
        TeamAccess { token, cookie, sessions: Mutex::new(HashMap::new()), failures: Mutex::new(Failures::default()) }
    }

    /// The session cookie's name for this process.
    pub fn cookie_name(&self) -> &str {
        &self.cookie
    }

    /// A new random token.
    pub fn generate() -> TeamAccess {
        TeamAccess::new(ClientToken::generate())
    }

    /// The token in `path` (surrounding whitespace ignored); a missing file
    /// is created, readable by its owner only, with a new token.
    pub fn from_file(path: &Path) -> Result<TeamAccess, TokenFileError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let t = attune_ops::ids::new_client_token();
                attune_ops::fsutil::write_atomic_mode(path, format!("{t}\n").as_bytes(), true, Some(0o600))
                    .map_err(|source| TokenFileError::Create { path: shown.clone(), source })?;
                t
            }
            Err(source) => return Err(TokenFileError::Read { path: shown, source }),
        };
        let t = text.trim();
        if t.chars().count() < 16 {
            return Err(TokenFileError::TooShort { path: shown });
        }
        Ok(TeamAccess::new(ClientToken::from_secret(t)))
    }

    /// The token, for the banner's login link.
    pub fn token(&self) -> &str {
        self.token.as_str()
    }

    /// Checks a presented token, counting failures. A client over its own
    /// limit is refused even with the right token (a guesser must not
    /// learn when it found it); over the limit of everyone together, only
    /// wrong tokens are refused (see the module docs).
    pub fn check(&self, candidate: &[u8], client: Option<IpAddr>) -> Result<(), Refusal> {
        let now = Instant::now();
        let client = client_key(client);
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(secs) = f.client_limited(client, now) {
            return Err(Refusal::Limited(secs));
        }
        if self.token.matches(candidate) {
            return Ok(());
        }
        if let Some(secs) = f.all_limited(now) {
            return Err(Refusal::Limited(secs));
        }
        f.record(client, now);
        tracing::warn!(client = ?client, "ops.access: wrong access token");
        Err(Refusal::Wrong)
    }

    /// A new browser session for a checked token: its cookie value.
    pub fn open_session(&self) -> String {
        let id = attune_ops::ids::new_client_token();
        let now = Instant::now();
        let mut s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        s.retain(|_, t| now.duration_since(*t) < SESSION_TTL);
        if s.len() >= MAX_SESSIONS {
            if let Some(oldest) = s.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone()) {
                s.remove(&oldest);
            }
        }
        s.insert(id.clone(), now);
        id
    }

    fn session_valid(&self, id: &str) -> bool {
        let s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        // A map lookup hashes the id first: its timing says nothing about
        // how much of a guess was right.
        s.get(id).is_some_and(|t| t.elapsed() < SESSION_TTL)
    }

    /// What the request proves: a live session cookie, or a bearer token
    /// (checked, so wrong ones count against the limit). `Ok(None)`:
    /// neither was presented.
    pub fn authenticate(&self, headers: &HeaderMap, client: Option<IpAddr>) -> Result<Option<Proof>, Refusal> {
        if session_cookies(headers, &self.cookie).any(|id| self.session_valid(id)) {
            return Ok(Some(Proof::Session));
        }
        match bearer(headers) {
            Some(t) => self.check(t, client).map(|()| Some(Proof::Bearer)),
            None => Ok(None),
        }
    }
}

impl TeamAccess {
    /// The `Set-Cookie` value for a session.
    pub fn set_cookie(&self, id: &str) -> String {
        format!("{}={id}; Path=/; HttpOnly; SameSite=Strict", self.cookie)
    }
}

/// Every value sent for cookie `name` (a browser may send several).
pub fn session_cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |kv| kv.trim().strip_prefix(name)?.strip_prefix('='))
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let v = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = v.split_at(v.iter().position(|b| *b == b' ')?);
    scheme.eq_ignore_ascii_case(b"bearer").then(|| rest.trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        m
    }

    #[test]
    fn loopback_binds_need_no_login() {
        for h in ["127.0.0.1", "localhost", "LOCALHOST", "::1", "[::1]", "127.0.0.2"] {
            assert!(!needs_login(h), "{h}");
        }
        for h in ["0.0.0.0", "::", "[::]", "192.168.1.5", "10.0.0.1", "fe80::1", "example.com"] {
            assert!(needs_login(h), "{h}");
        }
    }

    #[test]
    fn cookies_and_bearer_are_parsed_strictly() {
        let all = |h: &HeaderMap| session_cookies(h, "s_1").map(str::to_string).collect::<Vec<_>>();
        assert_eq!(all(&headers(&[("cookie", "a=1; s_1=abc; b=2")])), ["abc"]);
        assert!(all(&headers(&[("cookie", "s_1X=abc; s_2=x")])).is_empty());
        assert_eq!(all(&headers(&[("cookie", "s_1=old; x=1"), ("cookie", "s_1=z")])), ["old", "z"]);
        assert_eq!(bearer(&headers(&[("authorization", "Bearer tok")])), Some(&b"tok"[..]));
        assert_eq!(bearer(&headers(&[("authorization", "bearer  tok ")])), Some(&b"tok"[..]));
        assert_eq!(bearer(&headers(&[("authorization", "Basic dXNlcg==")])), None);
        assert_eq!(bearer(&headers(&[("authorization", "Bearer")])), None);
    }

    #[test]
    fn sessions_and_bearer_authenticate_and_wrong_tokens_are_limited() {
        let a = TeamAccess::generate();
        let t = a.token().to_string();
        let ip: Option<IpAddr> = Some("10.1.2.3".parse().unwrap());
        assert_eq!(a.authenticate(&headers(&[]), ip), Ok(None));
        assert_eq!(a.authenticate(&headers(&[("authorization", &format!("Bearer {t}"))]), ip), Ok(Some(Proof::Bearer)));
        let id = a.open_session();
        let name = a.cookie_name().to_string();
        assert!(name.starts_with("attune_ops_session_") && name != TeamAccess::generate().cookie_name());
        assert!(a.set_cookie(&id).starts_with(&format!("{name}={id}; ")));
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{name}={id}"))]), ip), Ok(Some(Proof::Session)));
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{name}={id}x"))]), ip), Ok(None));
        // A stale value first does not hide the live one.
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{name}=gone; {name}={id}"))]), ip), Ok(Some(Proof::Session)));
        for _ in 0..MAX_FAILURES_PER_CLIENT {
            assert_eq!(a.check(b"wrong", ip), Err(Refusal::Wrong));
        }
        // Over the limit: refused even with the right token, so a guesser
        // cannot tell when it guessed right.
        assert!(matches!(a.check(t.as_bytes(), ip), Err(Refusal::Limited(s)) if (1..=60).contains(&s)));
        // Another client is not held up by this one.
        assert_eq!(a.check(t.as_bytes(), Some("10.9.9.9".parse().unwrap())), Ok(()));
        // A session already open still works.
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{name}={id}"))]), ip), Ok(Some(Proof::Session)));
        // An IPv6 client is one client across its /64.
        let v6 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        for i in 0..MAX_FAILURES_PER_CLIENT {
            assert_eq!(a.check(b"wrong", v6(&format!("2001:db8:1:2::{i:x}"))), Err(Refusal::Wrong));
        }
        assert!(matches!(a.check(t.as_bytes(), v6("2001:db8:1:2:ffff::1")), Err(Refusal::Limited(_))));
        assert_eq!(a.check(t.as_bytes(), v6("2001:db8:1:3::1")), Ok(()));
    }

    /// Past the limit of everyone together wrong tokens are refused
    /// unanswered, but the team is not locked out: the right token passes.
    #[test]
    fn everyone_together_is_limited_but_not_locked_out() {
        let a = TeamAccess::generate();
        for i in 0..MAX_FAILURES {
            let ip = Some(IpAddr::from([10, 0, (i / 200) as u8, (i % 200) as u8]));
            assert_eq!(a.check(b"nope", ip), Err(Refusal::Wrong));
        }
        let fresh = Some("10.200.0.1".parse().unwrap());
        assert!(matches!(a.check(b"nope", fresh), Err(Refusal::Limited(_))));
        assert_eq!(a.check(a.token().as_bytes(), fresh), Ok(()));
    }

    #[test]
    fn the_token_file_is_created_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("team/token");
        let first = TeamAccess::from_file(&p).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        let again = TeamAccess::from_file(&p).unwrap();
        assert_eq!(first.token(), again.token());
        std::fs::write(&p, "  a-team-secret-of-some-length \n").unwrap();
        assert_eq!(TeamAccess::from_file(&p).unwrap().token(), "a-team-secret-of-some-length");
        std::fs::write(&p, "short").unwrap();
        assert!(matches!(TeamAccess::from_file(&p), Err(TokenFileError::TooShort { .. })));
    }
}
