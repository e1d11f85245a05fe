//! The organisation admin key: where it is looked for, and a type that
//! never shows it.

use std::path::{Path, PathBuf};

/// An admin key. Neither `Debug` nor `Display` shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminKey(String);

impl AdminKey {
    pub fn new(k: impl Into<String>) -> AdminKey {
        AdminKey(k.into())
    }
    /// The key, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// `~/.attune/anthropic-admin.env` (the real home; `ATTUNE_HOME` does not
/// move it, as in the reference).
pub fn admin_key_file() -> PathBuf {
    crate::config::user_home().join(".attune").join("anthropic-admin.env")
}

/// `$ANTHROPIC_ADMIN_API_KEY` (trimmed), else the key file: a
/// `ANTHROPIC_ADMIN_API_KEY=<key>` line (quotes stripped; empty values
/// skipped) or a bare `sk-ant-…` line; `#` comments ignored. Never fails.
pub fn load_admin_key() -> Option<AdminKey> {
    if let Ok(v) = std::env::var("ANTHROPIC_ADMIN_API_KEY") {
        let v = v.trim();
        if !v.is_empty() {
            return Some(AdminKey(v.to_string()));
        }
    }
    load_admin_key_from(&admin_key_file())
}

/// The key-file rules on a given file.
pub fn load_admin_key_from(path: &Path) -> Option<AdminKey> {
    let raw = match std::fs::read_to_string(path) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e.kind(), "anthropic_cost: cannot read the admin key file");
            return None;
        }
    };
    for line in raw.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(v) = line.strip_prefix("ANTHROPIC_ADMIN_API_KEY=") {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
            if !v.is_empty() {
                return Some(AdminKey(v.to_string()));
            }
        } else if line.starts_with("sk-ant-") {
            return Some(AdminKey(line.to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_rules() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.env");
        for (text, want) in [
            ("# comment\nANTHROPIC_ADMIN_API_KEY=\"sk-ant-admin01-abc\"\n", Some("sk-ant-admin01-abc")),
            ("ANTHROPIC_ADMIN_API_KEY=\nANTHROPIC_ADMIN_API_KEY='''k2'''", Some("k2")),
            ("export ANTHROPIC_ADMIN_API_KEY=x\nKEY = v\nsk-ant-bare", Some("sk-ant-bare")),
            ("nothing here\n", None),
        ] {
            std::fs::write(&p, text).unwrap();
            assert_eq!(load_admin_key_from(&p).map(|k| k.expose().to_string()).as_deref(), want, "{text}");
        }
        assert!(load_admin_key_from(&d.path().join("missing")).is_none());
        assert_eq!(format!("{:?}", AdminKey::new("sk-ant-secret")), "AdminKey(<redacted>)");
    }
}
