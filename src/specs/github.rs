//! The GitHub checks behind completion candidates, over GitHub's REST API
//! (the reference shelled out to `gh`, and refused without it).
//!
//! * Token: `$GH_TOKEN`, else `$GITHUB_TOKEN`, else `gh auth token` when
//!   the `gh` binary exists. Never logged, never shown.
//! * Base URL: `$GITHUB_API_URL` (as in GitHub Actions and GitHub
//!   Enterprise), else `https://api.github.com`.
//! * At most four requests at once per client; 10 s per request.
//!
//! Every check fails closed: anything but a clear "yes" keeps a spec off
//! the candidate list. What kept a check from running (no token, a rate
//! limit, a rejected token, the network) comes back as a [`Problem`] so
//! the page can say why.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

/// Requests in flight at most.
pub const CONCURRENCY: usize = 4;
/// Per-request timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a check could not give an answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    /// No token anywhere.
    NoToken,
    /// 401: the token was refused.
    Unauthorized,
    /// 403/429 with the rate limit exhausted; when it resets (epoch s).
    RateLimited(Option<i64>),
    /// Another status (5xx, 403 without a rate limit, 422…).
    Http(u16),
    /// Timeout, refused connection, DNS…
    Network(String),
    /// Not the JSON GitHub sends.
    BadAnswer,
}

impl Problem {
    /// A sentence for the Specs page (`n` specs affected).
    pub fn note(&self, n: usize) -> String {
        let what = format!("{n} spec(s) could not be checked against GitHub and are not shown");
        match self {
            Problem::NoToken => format!("{what}: set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`."),
            Problem::Unauthorized => format!("{what}: GitHub refused the token (HTTP 401)."),
            Problem::RateLimited(Some(reset)) => {
                let at = chrono::DateTime::<chrono::Utc>::from_timestamp(*reset, 0)
                    .map(|t| t.format("%H:%M UTC").to_string())
                    .unwrap_or_default();
                format!("{what}: GitHub's rate limit is exhausted until {at}.")
            }
            Problem::RateLimited(None) => format!("{what}: GitHub's rate limit is exhausted; try again later."),
            Problem::Http(s) => format!("{what}: GitHub answered HTTP {s}."),
            Problem::Network(m) => format!("{what}: GitHub could not be reached ({m})."),
            Problem::BadAnswer => format!("{what}: GitHub's answer was not understood."),
        }
    }
}

/// The token from the environment, else `gh auth token` (5 s).
pub fn discover_token() -> Option<String> {
    for var in ["GH_TOKEN", "GITHUB_TOKEN"] {
        if let Ok(v) = std::env::var(var) {
            let v = v.trim();
            if !v.is_empty() {
                return Some(v.to_string());
            }
        }
    }
    let mut cmd = std::process::Command::new("gh");
    cmd.args(["auth", "token"]);
    let out = crate::config::run_with_timeout(&mut cmd, Duration::from_secs(5))?;
    let t = out.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A GitHub REST client for the candidate checks.
pub struct GitHub {
    base: String,
    http: reqwest::Client,
    sem: Arc<Semaphore>,
    token: Arc<dyn Fn() -> Option<String> + Send + Sync>,
}

impl Default for GitHub {
    fn default() -> Self {
        GitHub::new()
    }
}

impl GitHub {
    /// `$GITHUB_API_URL` (or api.github.com) with [`discover_token`].
    pub fn new() -> GitHub {
        let base = std::env::var("GITHUB_API_URL").ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "https://api.github.com".into());
        GitHub::with(base, Box::new(discover_token), TIMEOUT)
    }

    /// Another base URL, token source and timeout (tests, embedding).
    pub fn with(base: impl Into<String>, token: Box<dyn Fn() -> Option<String> + Send + Sync>, timeout: Duration) -> GitHub {
        let http = crate::outbound::client_builder(timeout)
            .user_agent(concat!("attune-ops/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        GitHub {
            base: base.into().trim_end_matches('/').to_string(),
            http,
            sem: Arc::new(Semaphore::new(CONCURRENCY)),
            token: Arc::from(token),
        }
    }

    /// The token now (looked up per detection run; `gh auth token` may
    /// run, so off the async threads).
    pub async fn token(&self) -> Option<String> {
        let f = self.token.clone();
        tokio::task::spawn_blocking(move || f()).await.unwrap_or(None)
    }

    async fn get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> Result<Value, GetError> {
        let _permit = self.sem.acquire().await.map_err(|_| GetError::Problem(Problem::Network("shutting down".into())))?;
        let resp = self
            .http
            .get(format!("{}{}", self.base, path))
            .query(query)
            .bearer_auth(token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .send()
            .await
            .map_err(|e| GetError::Problem(Problem::Network(transport(&e))))?;
        let status = resp.status().as_u16();
        let remaining =
            resp.headers().get("x-ratelimit-remaining").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
        let reset = resp.headers().get("x-ratelimit-reset").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
        let body = resp.bytes().await.map_err(|e| GetError::Problem(Problem::Network(transport(&e))))?;
        match status {
            200 => serde_json::from_slice(&body).map_err(|_| GetError::Problem(Problem::BadAnswer)),
            404 => Err(GetError::NotFound),
            401 => Err(GetError::Problem(Problem::Unauthorized)),
            429 => Err(GetError::Problem(Problem::RateLimited(reset))),
            403 if remaining == Some(0) || String::from_utf8_lossy(&body).to_ascii_lowercase().contains("rate limit") => {
                Err(GetError::Problem(Problem::RateLimited(reset)))
            }
            s => Err(GetError::Problem(Problem::Http(s))),
        }
    }

    /// Is PR `n` of `repo` closed and merged? `Ok(false)` for a PR that is
    /// open, closed unmerged or missing.
    pub async fn pr_merged(&self, token: &str, repo: &str, n: u64) -> Result<bool, Problem> {
        match self.get(token, &format!("/repos/{repo}/pulls/{n}"), &[]).await {
            Ok(Value::Object(pr)) => Ok(pr.get("state").and_then(Value::as_str) == Some("closed") && truthy(pr.get("merged_at"))),
            Ok(_) | Err(GetError::NotFound) => Ok(false),
            Err(GetError::Problem(p)) => Err(p),
        }
    }

    /// Does no open issue of `repo` mention `slug`? (The reference's
    /// `gh search issues <slug> --repo R --state open`.)
    pub async fn no_open_issues(&self, token: &str, repo: &str, slug: &str) -> Result<bool, Problem> {
        let q = format!("{slug} repo:{repo} state:open type:issue");
        match self.get(token, "/search/issues", &[("q", q.as_str()), ("per_page", "1")]).await {
            Ok(Value::Object(r)) => match (r.get("items").and_then(Value::as_array), r.get("total_count").and_then(Value::as_u64)) {
                (Some(items), total) => Ok(items.is_empty() && total.unwrap_or(0) == 0),
                _ => Err(Problem::BadAnswer),
            },
            Ok(_) => Err(Problem::BadAnswer),
            Err(GetError::NotFound) => Ok(false),
            Err(GetError::Problem(p)) => Err(p),
        }
    }
}

enum GetError {
    NotFound,
    Problem(Problem),
}

fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        "network error".into()
    }
}

/// Python truthiness of a field that may be missing.
fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(crate::pyfmt::truthy)
}

/// `owner/name` from a `git@github.com:` or `http(s)://github.com/` remote.
pub fn repo_from_remote(url: &str) -> Option<String> {
    use std::sync::LazyLock;
    static PATTERNS: LazyLock<[regex::Regex; 2]> = LazyLock::new(|| {
        [
            regex::Regex::new(r"^git@github\.com:([^/\s]+/[^/\s]+?)(?:\.git)?$").expect("pattern"),
            regex::Regex::new(r"^https?://github\.com/([^/\s]+/[^/\s]+?)(?:\.git)?/?$").expect("pattern"),
        ]
    });
    PATTERNS.iter().find_map(|p| p.captures(url)).and_then(|c| c.get(1)).map(|m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes() {
        assert_eq!(repo_from_remote("git@github.com:acme/shop.git").as_deref(), Some("acme/shop"));
        assert_eq!(repo_from_remote("https://github.com/acme/shop/").as_deref(), Some("acme/shop"));
        assert_eq!(repo_from_remote("http://github.com/acme/shop").as_deref(), Some("acme/shop"));
        assert_eq!(repo_from_remote("https://gitlab.com/acme/shop"), None);
        assert_eq!(repo_from_remote("ssh://git@github.com/acme/shop"), None);
        assert_eq!(repo_from_remote("https://github.com/acme/shop/tree/main"), None);
    }

    #[test]
    fn truthiness() {
        assert!(
            !truthy(Some(&Value::Null))
                && !truthy(Some(&Value::String(String::new())))
                && truthy(Some(&Value::String("2026-01-01".into())))
        );
    }
}
