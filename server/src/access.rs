//! Team access: a login for dashboards bound beyond loopback.
//!
//! On `127.0.0.1`/`::1`/`localhost` nothing changes: whoever can reach the
//! port is on this machine. Bound anywhere else (`0.0.0.0`, `::`, a LAN
//! address), every request needs one of:
//!
//! * the **session cookie** `attune_ops_session` (HttpOnly, SameSite=Strict)
//!   that `/login` sets for a browser that shows the access token — the
//!   banner prints a login link, `http://<host>:<port>/login?token=<t>`;
//! * `Authorization: Bearer <t>` (scripts). A bearer request is not a
//!   browser's, so it also stands in for the client token on mutations.
//!
//! The token is 32 random bytes per process, or the contents of
//! `--auth-token-file` (created with a new token, mode 0600, when missing)
//! so a team keeps one link across restarts. Tokens are compared in
//! constant time; wrong ones are counted per client address and in all, and
//! past [`MAX_FAILURES_PER_CLIENT`] / [`MAX_FAILURES`] a minute every
//! attempt gets 429 until the minute has passed — a guess costs a minute
//! per handful, against 2²⁵⁶ tokens. Sessions live in memory (a restart
//! logs everyone out), at most [`MAX_SESSIONS`], for [`SESSION_TTL`].

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

use crate::perimeter::ClientToken;

/// The session cookie's name.
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
    sessions: Mutex<HashMap<String, Instant>>,
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    all: VecDeque<Instant>,
    by_client: HashMap<Option<IpAddr>, VecDeque<Instant>>,
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

    /// Seconds until `client` may try again, if it is over a limit.
    fn limited(&mut self, client: Option<IpAddr>, now: Instant) -> Option<u64> {
        self.prune(now);
        let wait = |q: &VecDeque<Instant>| q.front().map(|t| (WINDOW - now.duration_since(*t)).as_secs().max(1));
        if let Some(q) = self.by_client.get(&client).filter(|q| q.len() >= MAX_FAILURES_PER_CLIENT) {
            return wait(q);
        }
        (self.all.len() >= MAX_FAILURES).then(|| wait(&self.all)).flatten()
    }

    fn record(&mut self, client: Option<IpAddr>, now: Instant) {
        self.all.push_back(now);
        self.by_client.entry(client).or_default().push_back(now);
    }
}

impl TeamAccess {
    pub fn new(token: ClientToken) -> TeamAccess {
        TeamAccess { token, sessions: Mutex::new(HashMap::new()), failures: Mutex::new(Failures::default()) }
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
                write_private(path, &format!("{t}\n")).map_err(|source| TokenFileError::Create { path: shown.clone(), source })?;
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

    /// Checks a presented token, counting failures and refusing everyone
    /// over the limit (even with the right token: a guesser must not learn
    /// when it found it).
    pub fn check(&self, candidate: &[u8], client: Option<IpAddr>) -> Result<(), Refusal> {
        let now = Instant::now();
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(secs) = f.limited(client, now) {
            return Err(Refusal::Limited(secs));
        }
        if self.token.matches(candidate) {
            return Ok(());
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
        if session_cookie(headers).is_some_and(|id| self.session_valid(id)) {
            return Ok(Some(Proof::Session));
        }
        match bearer(headers) {
            Some(t) => self.check(t, client).map(|()| Some(Proof::Bearer)),
            None => Ok(None),
        }
    }
}

/// The `Set-Cookie` value for a session.
pub fn session_set_cookie(id: &str) -> String {
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict")
}

/// The session cookie's value, if sent.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let v = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = v.split_at(v.iter().position(|b| *b == b' ')?);
    scheme.eq_ignore_ascii_case(b"bearer").then(|| rest.trim_ascii())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
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
        let h = headers(&[("cookie", "a=1; attune_ops_session=abc; b=2")]);
        assert_eq!(session_cookie(&h), Some("abc"));
        assert_eq!(session_cookie(&headers(&[("cookie", "attune_ops_sessionX=abc")])), None);
        assert_eq!(session_cookie(&headers(&[("cookie", "x=1"), ("cookie", "attune_ops_session=z")])), Some("z"));
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
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{SESSION_COOKIE}={id}"))]), ip), Ok(Some(Proof::Session)));
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{SESSION_COOKIE}={id}x"))]), ip), Ok(None));
        for _ in 0..MAX_FAILURES_PER_CLIENT {
            assert_eq!(a.check(b"wrong", ip), Err(Refusal::Wrong));
        }
        // Over the limit: refused even with the right token, so a guesser
        // cannot tell when it guessed right.
        assert!(matches!(a.check(t.as_bytes(), ip), Err(Refusal::Limited(s)) if (1..=60).contains(&s)));
        // Another client is not held up by this one.
        assert_eq!(a.check(t.as_bytes(), Some("10.9.9.9".parse().unwrap())), Ok(()));
        // A session already open still works.
        assert_eq!(a.authenticate(&headers(&[("cookie", &format!("{SESSION_COOKIE}={id}"))]), ip), Ok(Some(Proof::Session)));
    }

    #[test]
    fn everyone_together_is_limited_too() {
        let a = TeamAccess::generate();
        for i in 0..MAX_FAILURES {
            let ip = Some(IpAddr::from([10, 0, (i / 200) as u8, (i % 200) as u8]));
            assert_eq!(a.check(b"nope", ip), Err(Refusal::Wrong));
        }
        assert!(matches!(a.check(a.token().as_bytes(), Some("10.200.0.1".parse().unwrap())), Err(Refusal::Limited(_))));
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
