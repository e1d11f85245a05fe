//! The Redis the Memory and Collab pages read: which one (the reference's
//! resolution from the environment, on every connect), and a connection
//! with short timeouts so a missing or stuck server costs a page at most a
//! second, never a hang.
//!
//! Resolution, in order:
//! 1. of `REDIS_URL`, `REDIS_PRIVATE_URL`, `REDIS_PUBLIC_URL`, the first
//!    carrying a password, else the first set; a winner without a password
//!    gets `REDIS_PASSWORD` (and `REDIS_USER`, or its own user) merged in;
//! 2. else `REDIS_HOST` with `REDIS_PORT` (6379), `REDIS_DB` (0), and the
//!    password and user;
//! 3. else `redis://127.0.0.1:6379/0`, still merging the password.
//!
//! Schemes `redis`, `rediss` and `unix`. A malformed value is an error the
//! page shows as "unreachable", with the variable named and no secret.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;

const URL_VARS: [&str; 3] = ["REDIS_URL", "REDIS_PRIVATE_URL", "REDIS_PUBLIC_URL"];
const DEFAULT_URL: &str = "redis://127.0.0.1:6379/0";

/// Why the index could not be read. Its text is for the page: it names
/// the setting or the address, never a password.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("{0}")]
    Config(String),
    #[error("Redis at {0} did not answer")]
    Unreachable(String),
    #[error("Redis at {0} refused the request ({1})")]
    Refused(String, String),
    #[error("Redis at {0} took too long to answer")]
    Timeout(String),
}

/// The resolved connection: the URL (with credentials) and its redacted
/// twin for messages and logs.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub url: String,
    pub shown: String,
}

/// Resolves the URL from `env` (a lookup, so tests need not touch the
/// process environment).
pub fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Result<Target, RedisError> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    let password = get("REDIS_PASSWORD");
    let user = get("REDIS_USER");
    let set: Vec<(&str, String)> = URL_VARS.iter().filter_map(|v| get(v).map(|u| (*v, u))).collect();
    let url = if !set.is_empty() {
        let winner = set.iter().find(|(_, u)| url::Url::parse(u).ok().and_then(|p| p.password().map(|s| !s.is_empty())).unwrap_or(false));
        let (var, raw) = winner.unwrap_or(&set[0]);
        let mut parsed = parse(raw, var)?;
        if parsed.password().is_none_or(str::is_empty) {
            if let Some(pw) = &password {
                let merge_user = user.clone().or_else(|| Some(parsed.username().to_string()).filter(|u| !u.is_empty()));
                set_credentials(&mut parsed, merge_user.as_deref(), pw, var)?;
            }
        }
        parsed.to_string()
    } else if let Some(host) = get("REDIS_HOST") {
        // Set but empty is not a number (only unset takes the default).
        let port = env("REDIS_PORT").unwrap_or_else(|| "6379".into());
        let db = env("REDIS_DB").unwrap_or_else(|| "0".into());
        if !port.bytes().all(|b| b.is_ascii_digit()) || port.is_empty() {
            return Err(RedisError::Config("REDIS_PORT is not a number".into()));
        }
        if !db.bytes().all(|b| b.is_ascii_digit()) || db.is_empty() {
            return Err(RedisError::Config("REDIS_DB is not a number".into()));
        }
        let cred = match &password {
            Some(pw) => format!("{}:{}@", user.as_deref().map(encode).unwrap_or_default(), encode(pw)),
            None => String::new(),
        };
        let url = format!("redis://{cred}{host}:{port}/{db}");
        parse(&url, "REDIS_HOST")?.to_string()
    } else {
        let mut parsed = parse(DEFAULT_URL, "the default")?;
        if let Some(pw) = &password {
            set_credentials(&mut parsed, user.as_deref(), pw, "REDIS_PASSWORD")?;
        }
        parsed.to_string()
    };
    let shown = redact(&url);
    Ok(Target { url, shown })
}

/// Resolves from the process environment.
pub fn resolve_env() -> Result<Target, RedisError> {
    resolve(&|k| std::env::var(k).ok())
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

fn parse(raw: &str, var: &str) -> Result<url::Url, RedisError> {
    let u = url::Url::parse(raw).map_err(|_| RedisError::Config(format!("{var} is not a valid Redis URL")))?;
    if !matches!(u.scheme(), "redis" | "rediss" | "unix" | "redis+unix") {
        return Err(RedisError::Config(format!("{var} has the scheme `{}`; expected redis, rediss or unix", u.scheme())));
    }
    if u.scheme().starts_with("redis") && !u.scheme().contains("unix") {
        let db = u.path().trim_start_matches('/');
        if !db.is_empty() && !db.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RedisError::Config(format!("{var} names a database that is not a number")));
        }
    }
    Ok(u)
}

/// Merges credentials, percent-encoded whole (a `%` in a password is a
/// character, not an escape: the client decodes what it is given).
fn set_credentials(u: &mut url::Url, user: Option<&str>, pw: &str, var: &str) -> Result<(), RedisError> {
    let bad = || RedisError::Config(format!("{var}: credentials cannot be added to this URL"));
    u.set_username(&user.map(encode).unwrap_or_default()).map_err(|_| bad())?;
    u.set_password(Some(&encode(pw))).map_err(|_| bad())
}

/// The URL with its password (and a `password`/`pass` query value, as
/// unix-socket URLs carry it) replaced by `***`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if u.query_pairs().any(|(k, _)| k == "password" || k == "pass") {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == "password" || k == "pass" { "***".to_string() } else { v.into_owned() };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) => "(an invalid URL)".into(),
    }
}

/// Connect and read timeouts.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    pub response: Duration,
}

impl Timeouts {
    /// The Memory page and Home's tile: 0.5 s to connect, 1 s per reply.
    pub const QUICK: Timeouts = Timeouts { connect: Duration::from_millis(500), response: Duration::from_secs(1) };
    /// The Collab page: 2 s and 5 s.
    pub const PATIENT: Timeouts = Timeouts { connect: Duration::from_secs(2), response: Duration::from_secs(5) };
}

/// A connection to `target` that has answered `PING`.
pub async fn connect(target: &Target, t: Timeouts) -> Result<MultiplexedConnection, RedisError> {
    let client =
        redis::Client::open(target.url.as_str()).map_err(|_| RedisError::Config(format!("{} is not a usable Redis URL", target.shown)))?;
    let cfg = AsyncConnectionConfig::new().set_connection_timeout(Some(t.connect)).set_response_timeout(Some(t.response));
    let fut = client.get_multiplexed_async_connection_with_config(&cfg);
    let mut con = match tokio::time::timeout(t.connect + t.response, fut).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(classify(e, &target.shown)),
        Err(_) => return Err(RedisError::Timeout(target.shown.clone())),
    };
    let pong: Result<String, _> = redis::cmd("PING").query_async(&mut con).await;
    pong.map_err(|e| classify(e, &target.shown))?;
    Ok(con)
}

/// A client error as the page says it (logged in full here).
pub fn classify(e: redis::RedisError, shown: &str) -> RedisError {
    tracing::debug!(error = %e, target = shown, "ops.redis: request failed");
    if e.is_timeout() {
        RedisError::Timeout(shown.to_string())
    } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
        RedisError::Unreachable(shown.to_string())
    } else {
        let code = e.code().unwrap_or("error").to_string();
        RedisError::Refused(shown.to_string(), code)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn res(vars: &[(&str, &str)]) -> Result<Target, RedisError> {
        let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        resolve(&|k| m.get(k).cloned())
    }

    #[test]
    fn urls_win_in_order_and_a_password_wins_first() {
        assert_eq!(res(&[]).unwrap().url, "redis://127.0.0.1:6379/0");
        assert_eq!(res(&[("REDIS_PUBLIC_URL", "redis://pub:1/0"), ("REDIS_URL", "redis://a:2/1")]).unwrap().url, "redis://a:2/1");
        let t = res(&[("REDIS_URL", "redis://a:2/1"), ("REDIS_PRIVATE_URL", "redis://u:s3cret@b:3/0")]).unwrap();
        assert_eq!(t.url, "redis://u:s3cret@b:3/0");
        assert_eq!(t.shown, "redis://u:***@b:3/0");
    }

    #[test]
    fn the_password_is_merged_encoded_and_never_shown() {
        let t = res(&[("REDIS_URL", "redis://h:7/2"), ("REDIS_PASSWORD", "p@ss word")]).unwrap();
        assert_eq!(t.url, "redis://:p%40ss%20word@h:7/2");
        assert!(!t.shown.contains("p%40ss"));
        let t = res(&[("REDIS_URL", "redis://bob@h:7/2"), ("REDIS_PASSWORD", "x")]).unwrap();
        assert_eq!(t.url, "redis://bob:x@h:7/2");
        // A `%` is a character of the password, not an escape.
        assert_eq!(res(&[("REDIS_PASSWORD", "ab%41")]).unwrap().url, "redis://:ab%2541@127.0.0.1:6379/0");
        assert_eq!(redact("redis+unix:///tmp/r.sock?db=1&pass=s3cret"), "redis+unix:///tmp/r.sock?db=1&pass=***");
        let t =
            res(&[("REDIS_HOST", "db.local"), ("REDIS_PORT", "6380"), ("REDIS_DB", "3"), ("REDIS_USER", "al"), ("REDIS_PASSWORD", "pw")])
                .unwrap();
        assert_eq!(t.url, "redis://al:pw@db.local:6380/3");
        assert_eq!(res(&[("REDIS_PASSWORD", "pw")]).unwrap().url, "redis://:pw@127.0.0.1:6379/0");
    }

    #[test]
    fn malformed_settings_are_named() {
        for (vars, says) in [
            (vec![("REDIS_URL", "http://h/0")], "scheme `http`"),
            (vec![("REDIS_URL", "not a url")], "REDIS_URL is not a valid"),
            (vec![("REDIS_URL", "redis://h:6379/zero")], "not a number"),
            (vec![("REDIS_HOST", "h"), ("REDIS_PORT", "66x")], "REDIS_PORT"),
            (vec![("REDIS_HOST", "h"), ("REDIS_DB", "-1")], "REDIS_DB"),
            (vec![("REDIS_HOST", "h"), ("REDIS_PORT", "")], "REDIS_PORT"),
        ] {
            let e = res(&vars).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
