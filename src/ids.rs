//! Identifiers and validation patterns shared by the runner, the history
//! store and the HTTP layer.
//!
//! The patterns are the reference's (§3.4 of the behaviour document), matched
//! against the *whole* string: unlike Python's `$`, a trailing newline never
//! passes.

/// A new run id: 12 lowercase hex characters (the reference uses the first 12
/// of a UUID4, i.e. 48 random bits).
#[cfg(feature = "engine")]
pub fn new_run_id() -> String {
    let mut b = [0u8; 6];
    fill_random(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new client token: URL-safe base64 of 32 random bytes, 43 characters.
#[cfg(feature = "engine")]
pub fn new_client_token() -> String {
    use base64::Engine as _;
    let mut b = [0u8; 32];
    fill_random(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Random bytes from the OS. The OS source failing is not recoverable: a
/// predictable token would be worse than not starting.
#[cfg(feature = "engine")]
pub fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

/// `[a-f0-9]{1,64}`: run ids accepted by the history store and APIs.
pub fn is_run_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9'))
}

/// `[A-Za-z0-9_-]{1,64}`: run ids accepted by the run view.
pub fn is_view_run_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `[a-z][a-z0-9-]+`: workflow names used as directory names.
pub fn is_workflow_dir_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_lowercase() && b[1..].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Kebab-case workflow ids in the registry: `[a-z][a-z0-9]*(-[a-z0-9]+)*`.
pub fn is_kebab_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && !s.ends_with('-')
        && !s.contains("--")
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `[a-z0-9][a-z0-9-]{0,62}`: spec slugs on write routes.
pub fn is_spec_slug(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "engine")]
    fn ids_have_the_reference_shape() {
        let id = new_run_id();
        assert_eq!(id.len(), 12);
        assert!(is_run_id(&id));
        let t = new_client_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_client_token());
    }

    #[test]
    fn patterns_match_whole_strings() {
        assert!(is_run_id("3fa9c04b1e7d"));
        assert!(!is_run_id("3fa9c04b1e7d\n"));
        assert!(!is_run_id("ABC"));
        assert!(!is_run_id(""));
        assert!(is_workflow_dir_name("code-review"));
        assert!(!is_workflow_dir_name("c"));
        assert!(!is_workflow_dir_name("../x"));
        assert!(is_kebab_id("code-review"));
        assert!(!is_kebab_id("code--review"));
        assert!(!is_kebab_id("Code"));
        assert!(is_spec_slug("0-fast"));
        assert!(!is_spec_slug("-x"));
        assert!(is_view_run_id("abc_DEF-1"));
    }
}
