//! The site's files as `cargo leptos build --split` leaves them, and how
//! they are served. Shared by the build script (which embeds them) and
//! [`crate::site`] (which reads a directory at startup), so both pick the
//! same files.
//!
//! The site is what the page loads, found by following references: the
//! glue (`attune-ops.<h>.js`), the main wasm and the stylesheet; the split
//! loader the glue imports (`__wasm_split.<h>.js`); the chunks that loader
//! fetches; and the manifest saying which chunks each lazy page needs.
//! Anything else in `pkg/` (a stale file from an earlier build, type
//! declarations) is left out.
//!
//! The files refer to each other by name, so they keep cargo-leptos's
//! names, in a folder named after the content of them all:
//! `/pkg/<site hash>/attune-ops.<h>.wasm`. cargo-leptos's own hashes are not
//! enough for caching for good: it names the glue and the wasm before
//! writing the loader's name into them, so one name can carry other bytes
//! after a rebuild. The folder's name changes whenever any byte does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The name cargo-leptos gives the glue, the wasm and the stylesheet
/// (`output-name`).
pub const OUTPUT_NAME: &str = "attune-ops";

/// What a file is to the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The JS glue the page imports.
    Glue,
    /// The wasm the glue instantiates.
    MainWasm,
    /// The stylesheet the page links.
    Style,
    /// The split loader, imported by the glue.
    Loader,
    /// A lazily loaded wasm chunk, fetched by the loader.
    Chunk,
    /// Which chunks each lazy page needs (read by the server, for preloads).
    Manifest,
    /// `favicon.ico`, outside `pkg/`.
    Icon,
}

/// One file of the site: where it is, the URL it is served at, and its
/// bytes with their hash (read once, here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub url: String,
    pub role: Role,
    pub bytes: Vec<u8>,
    /// [`short_hash`] of `bytes` (the file's ETag).
    pub hash: String,
}

/// The site in `root` (normally `target/site`), or nothing when it lacks
/// the glue, the wasm or the stylesheet: half a site would serve pages
/// that never hydrate. A reference the glue or the loader makes to a
/// missing file is an error: the page would fail to load it.
pub fn site_files(root: &Path) -> Result<Vec<SourceFile>, String> {
    let pkg = root.join("pkg");
    let read = |name: &str| std::fs::read(pkg.join(name)).map_err(|e| format!("reading {name}: {e}"));
    let (Some(glue), Some(css)) = (newest(&pkg, "js", |_| true), newest(&pkg, "css", |_| true)) else {
        return Ok(Vec::new());
    };
    let glue_text = String::from_utf8(read(&glue)?).map_err(|_| format!("{glue} is not UTF-8"))?;
    // The glue imports the loader once per import it provides. (It also
    // names `./attune-ops_bg.js`: the key of the wasm's own imports, not a
    // file.) JS snippets of dependencies would be files: none are carried.
    let names = quoted_names(&glue_text);
    if let Some(snippet) = names.iter().find(|n| n.starts_with("snippets/")) {
        return Err(format!("the glue imports {snippet}: JS snippets are not embedded"));
    }
    let loaders: BTreeSet<&str> = names.into_iter().filter(|n| n.starts_with("__wasm_split.") && n.ends_with(".js")).collect();
    let mut named = Vec::new();
    let mut main_wasm_needs = None;
    for loader in loaders {
        let text = String::from_utf8(read(loader).map_err(|e| format!("the glue imports {loader}, which is missing ({e})"))?)
            .map_err(|_| format!("{loader} is not UTF-8"))?;
        named.push((loader.to_string(), Role::Loader));
        let chunks: BTreeSet<&str> = quoted_names(&text).into_iter().filter(|n| n.ends_with(".wasm")).collect();
        for chunk in chunks {
            if !pkg.join(chunk).is_file() {
                return Err(format!("{loader} fetches {chunk}, which is missing"));
            }
            named.push((chunk.to_string(), Role::Chunk));
        }
        main_wasm_needs = Some(loader.to_string());
    }
    // The main wasm of this build imports from this loader by name.
    let imports = |name: &str| match &main_wasm_needs {
        Some(loader) => std::fs::read(pkg.join(name)).is_ok_and(|b| memmem(&b, loader.as_bytes())),
        None => true,
    };
    let wasm = newest(&pkg, "wasm", imports).ok_or_else(|| match &main_wasm_needs {
        Some(loader) => format!("no main wasm imports {loader}"),
        None => "no main wasm".to_string(),
    })?;
    if main_wasm_needs.is_some() {
        match newest_named(&pkg, "__wasm_split_manifest", "json", |_| true) {
            Some(manifest) => named.push((manifest, Role::Manifest)),
            None => return Err("a split site without its __wasm_split_manifest.json".to_string()),
        }
    }
    named.splice(0..0, [(glue, Role::Glue), (wasm, Role::MainWasm), (css, Role::Style)]);
    let mut out = Vec::with_capacity(named.len() + 1);
    for (name, role) in named {
        let bytes = read(&name)?;
        let hash = short_hash(&bytes);
        out.push(SourceFile { path: pkg.join(&name), url: name, role, bytes, hash });
    }
    // The folder: a hash of every file's name and bytes, in this order.
    let all: Vec<u8> = out.iter().flat_map(|f| [f.url.as_bytes(), b"\0", f.hash.as_bytes()].concat()).collect();
    let folder = short_hash(&all);
    for f in &mut out {
        f.url = format!("/pkg/{folder}/{}", f.url);
    }
    let icon = root.join("favicon.ico");
    if let Ok(bytes) = std::fs::read(&icon) {
        let hash = short_hash(&bytes);
        out.push(SourceFile { path: icon, url: "/favicon.ico".to_string(), role: Role::Icon, bytes, hash });
    }
    Ok(out)
}

/// The newest `pkg/attune-ops[.<hash>].<ext>` that `keep` accepts (a
/// stale one may remain).
fn newest(pkg: &Path, ext: &str, keep: impl Fn(&str) -> bool) -> Option<String> {
    newest_named(pkg, OUTPUT_NAME, ext, keep)
}

/// The newest `<pkg>/<stem>[.<hash>].<ext>` that `keep` accepts.
fn newest_named(pkg: &Path, stem: &str, ext: &str, keep: impl Fn(&str) -> bool) -> Option<String> {
    std::fs::read_dir(pkg)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let middle = name.strip_prefix(stem)?.strip_suffix(ext)?.strip_suffix('.')?;
            // `attune-ops.js` or `attune-ops.<hash>.js`, not `attune-ops.d.<hash>.ts`-like names.
            (middle.is_empty() || middle.strip_prefix('.').is_some_and(is_hash)).then_some(())?;
            keep(&name).then_some(())?;
            Some((e.metadata().and_then(|m| m.modified()).ok(), name))
        })
        .max()
        .map(|(_, name)| name)
}

/// The file names in the `"./<name>"` string literals of a JS file (the
/// glue's imports, the loader's fetches). `./dir/name` is refused by the
/// caller's lookup: only names in `pkg/` itself are taken.
fn quoted_names(js: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for quote in ['"', '\''] {
        let open = format!("{quote}./");
        let mut rest = js;
        while let Some(i) = rest.find(&open) {
            rest = &rest[i + open.len()..];
            let Some(end) = rest.find(quote) else { break };
            out.push(&rest[..end]);
            rest = &rest[end + 1..];
        }
    }
    out.retain(|n| n.ends_with(".js") || n.ends_with(".wasm"));
    out
}

/// A cargo-leptos content hash: 22 characters of URL-safe base64 (the
/// unhashed placeholder, all `_`, is not one).
fn is_hash(s: &str) -> bool {
    s.len() == 22 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') && s.bytes().any(|b| b != b'_')
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Is this URL's file in a folder named after the site's content (so it
/// may be cached for good)? `/pkg/<16 hex>/<name>`.
pub fn is_content_named(url: &str) -> bool {
    let Some((folder, name)) = url.strip_prefix("/pkg/").and_then(|r| r.split_once('/')) else { return false };
    folder.len() == 16 && folder.bytes().all(|b| b.is_ascii_hexdigit()) && !name.is_empty() && !name.contains('/')
}

/// The first 16 hex digits of the content's SHA-256 (the files' ETags).
pub fn short_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    sha2::Sha256::digest(bytes).iter().take(8).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
