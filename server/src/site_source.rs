//! The site's files as `cargo leptos build` leaves them, and how they are
//! named when served. Shared by the build script (which embeds them) and
//! [`crate::site`] (which reads a directory at startup), so both pick the
//! same files and give them the same names.

use std::path::{Path, PathBuf};

/// The kinds of `pkg/` file a page needs, by extension.
pub const PKG_EXTENSIONS: [&str; 3] = ["js", "wasm", "css"];

/// The newest `pkg/*.<ext>` of the site (a stale one may remain).
pub fn newest_pkg_file(site: &Path, ext: &str) -> Option<PathBuf> {
    std::fs::read_dir(site.join("pkg"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
}

/// The URL a file is served at: `pkg/` files under their content hash.
pub fn url(ext: Option<&str>, hash: &str) -> String {
    match ext {
        Some(ext) => format!("/pkg/attune-ops.{hash}.{ext}"),
        None => "/favicon.ico".to_string(),
    }
}

/// The first 16 hex digits of the content's SHA-256.
pub fn short_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    sha2::Sha256::digest(bytes).iter().take(8).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
