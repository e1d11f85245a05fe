//! Rules for the engine's outbound HTTP clients (the Anthropic Admin API,
//! GitHub's REST API): a redirect is followed only within the origin the
//! request was sent to, so a secret header (`x-api-key`, `Authorization`)
//! never reaches another host, whatever a proxy or a compromised endpoint
//! answers. A redirect elsewhere comes back to the caller as the 3xx it is.
//! (reqwest drops `Authorization` across origins by itself, but not
//! `x-api-key`.)

use std::time::Duration;

/// At most this many redirects within one origin.
const MAX_REDIRECTS: usize = 5;

/// Same-origin redirects only (scheme, host and port), at most
/// [`MAX_REDIRECTS`].
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// A client builder with `timeout` and [`redirect_policy`].
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(timeout).redirect(redirect_policy())
}

/// Whether a status is a redirect the policy left unfollowed.
pub fn is_redirect(status: u16) -> bool {
    (300..400).contains(&status)
}
