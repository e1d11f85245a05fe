//! The compiled site — the main wasm and its lazy chunks, the JS glue and
//! split loader, the stylesheet, the favicon — as the binary serves it.
//!
//! Normally embedded at build time (`build.rs`): the binary alone, from any
//! directory, serves the whole app. Files under `/pkg/` sit in a folder
//! named after the site's content (`site_source`), so they are served
//! `immutable`; release builds
//! carry brotli and gzip copies made once at build time, chosen by the
//! request's `Accept-Encoding`. `$LEPTOS_SITE_ROOT` (development) replaces
//! the embedded site by the one in that directory, read at startup; a
//! binary built without a site looks for one on disk the same way.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::site_source::{self, Role};

impl Role {
    fn content_type(self) -> &'static str {
        match self {
            Role::Glue | Role::Loader => "text/javascript; charset=utf-8",
            Role::MainWasm | Role::Chunk => "application/wasm",
            Role::Style => "text/css; charset=utf-8",
            Role::Manifest => "application/json",
            Role::Icon => "image/x-icon",
        }
    }
}

/// A file embedded by `build.rs`.
struct EmbeddedFile {
    path: &'static str,
    role: Role,
    hash: &'static str,
    identity: &'static [u8],
    br: Option<&'static [u8]>,
    gzip: Option<&'static [u8]>,
}

static EMBEDDED: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/site_files.rs"));

/// One file, ready to serve.
#[derive(Clone, Debug)]
pub struct SiteFile {
    pub path: String,
    pub role: Role,
    /// The content hash (of the identity bytes).
    hash: String,
    identity: Bytes,
    br: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// Where the site came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Embedded,
    Disk(PathBuf),
    /// No site at all: pages render without styles or scripts.
    Missing,
}

#[derive(Clone, Debug)]
pub struct Site {
    files: Vec<SiteFile>,
    pub source: Source,
}

impl Site {
    /// The site to serve: `$LEPTOS_SITE_ROOT` when set, else the embedded
    /// one, else `target/site` under the current directory or `../site`
    /// beside the executable.
    pub fn load() -> Site {
        if let Some(root) = std::env::var_os("LEPTOS_SITE_ROOT").filter(|v| !v.is_empty()) {
            return Site::from_dir(Path::new(&root));
        }
        if !EMBEDDED.is_empty() {
            return Site::embedded();
        }
        let exe_side = std::env::current_exe().ok().and_then(|e| Some(e.parent()?.parent()?.join("site")));
        match [Some(PathBuf::from("target/site")), exe_side].into_iter().flatten().find(|p| p.join("pkg").is_dir()) {
            Some(root) => Site::from_dir(&root),
            None => Site { files: Vec::new(), source: Source::Missing },
        }
    }

    /// Does this binary carry a site?
    pub fn has_embedded() -> bool {
        !EMBEDDED.is_empty()
    }

    /// The site embedded at build time.
    pub fn embedded() -> Site {
        let files = EMBEDDED
            .iter()
            .map(|f| SiteFile {
                path: f.path.to_string(),
                role: f.role,
                hash: f.hash.to_string(),
                identity: Bytes::from_static(f.identity),
                br: f.br.map(Bytes::from_static),
                gzip: f.gzip.map(Bytes::from_static),
            })
            .collect();
        Site { files, source: Source::Embedded }
    }

    /// The site in `root` ([`site_source::site_files`]), read now;
    /// compressed per request, not precompressed. An incomplete site is
    /// left out (and the startup warning says so).
    pub fn from_dir(root: &Path) -> Site {
        let sources = site_source::site_files(root).unwrap_or_else(|e| {
            tracing::warn!(root = %root.display(), "the site on disk is incomplete: {e}");
            Vec::new()
        });
        let files = sources.into_iter().map(|f| SiteFile::plain(f.url, f.role, f.hash, f.bytes)).collect();
        Site { files, source: Source::Disk(root.to_path_buf()) }
    }

    /// A site made of the given files (for tests).
    pub fn of(files: Vec<SiteFile>) -> Site {
        Site { files, source: Source::Embedded }
    }

    /// Does it have what a page needs to look right and hydrate?
    pub fn is_complete(&self) -> bool {
        [Role::Glue, Role::MainWasm, Role::Style].iter().all(|r| self.files.iter().any(|f| f.role == *r))
    }

    /// The URLs the page links (empty strings for files the site lacks).
    pub fn assets(&self) -> attune_ops_app::SiteAssets {
        let url = |r: Role| self.files.iter().find(|f| f.role == r).map(|f| f.path.clone()).unwrap_or_default();
        attune_ops_app::SiteAssets { js: url(Role::Glue), wasm: url(Role::MainWasm), css: url(Role::Style) }
    }

    /// Which chunks each lazy page needs (file names without `.wasm`, as
    /// `cargo leptos build --split` writes them), where they are and the
    /// loader that fetches them: provided at the root of every render, so
    /// a page preloads its own chunks, which then download beside the main
    /// wasm rather than after it. Made once; every page shares it. `None` for a site without a manifest, or one that does
    /// not parse (pages then fetch their chunks when they start, one round
    /// trip later).
    pub fn split_manifest(&self) -> Option<attune_ops_app::SplitChunks> {
        let loader = self.files.iter().find(|f| f.role == Role::Loader)?;
        let manifest = self.files.iter().find(|f| f.role == Role::Manifest)?;
        let chunks: std::collections::HashMap<String, Vec<String>> =
            serde_json::from_slice(&manifest.identity).map_err(|e| tracing::warn!("the site's split manifest does not parse: {e}")).ok()?;
        // The loader, the chunks and the manifest come from one folder.
        let (folder, loader) = loader.path.rsplit_once('/')?;
        if let Some(unknown) = chunks.values().flatten().find(|c| self.get(&format!("{folder}/{c}.wasm")).is_none()) {
            tracing::warn!("the site's split manifest names a chunk it does not carry ({unknown}): no preloads");
            return None;
        }
        Some(attune_ops_app::SplitChunks { folder: folder.to_string(), loader: loader.to_string(), chunks: std::sync::Arc::new(chunks) })
    }

    /// The file served at `path` (the manifest is for the server alone).
    pub fn get(&self, path: &str) -> Option<&SiteFile> {
        self.files.iter().find(|f| f.path == path && f.role != Role::Manifest)
    }

    /// The answer to a request for `path`: the file in the encoding the
    /// client prefers among those it accepts, `304` when its
    /// `If-None-Match` has that encoding's tag; `None` when there is no
    /// such file.
    pub fn respond(&self, path: &str, request: &HeaderMap) -> Option<Response> {
        let f = self.get(path)?;
        let accepted = Accepted::from(request);
        // Brotli before gzip before identity at equal preference.
        let mut choice: (&str, &Bytes, f32) = ("", &f.identity, accepted.identity);
        if let Some(gz) = f.gzip.as_ref().filter(|_| accepted.gzip > 0.0 && accepted.gzip >= choice.2) {
            choice = ("gzip", gz, accepted.gzip);
        }
        if let Some(br) = f.br.as_ref().filter(|_| accepted.br > 0.0 && accepted.br >= choice.2) {
            choice = ("br", br, accepted.br);
        }
        let (encoding, body, _) = choice;
        let cache = if site_source::is_content_named(&f.path) { "public, max-age=31536000, immutable" } else { "no-cache" };
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        // One tag per encoding: the bodies differ.
        let etag = match encoding {
            "" => format!("\"{}\"", f.hash),
            e => format!("\"{}-{e}\"", f.hash),
        };
        if let Ok(tag) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, tag);
        }
        let tags = request.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
        if tags.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*") {
            return Some((StatusCode::NOT_MODIFIED, headers).into_response());
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(f.role.content_type()));
        if !encoding.is_empty() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(if encoding == "br" { "br" } else { "gzip" }));
        }
        Some((headers, body.clone()).into_response())
    }
}

impl SiteFile {
    /// A file without precompressed copies.
    pub fn plain(path: String, role: Role, hash: String, bytes: Vec<u8>) -> SiteFile {
        SiteFile { path, role, hash, identity: Bytes::from(bytes), br: None, gzip: None }
    }

    /// A file with its precompressed copies (for tests).
    pub fn precompressed(path: String, role: Role, hash: String, bytes: Vec<u8>, br: Vec<u8>, gzip: Vec<u8>) -> SiteFile {
        SiteFile { br: Some(Bytes::from(br)), gzip: Some(Bytes::from(gzip)), ..SiteFile::plain(path, role, hash, bytes) }
    }
}

/// How much a request wants each encoding (its `q`; 0: refused), by RFC
/// 9110: a listed encoding has its own `q`, `*` stands for the others, and
/// identity is acceptable unless refused.
struct Accepted {
    br: f32,
    gzip: f32,
    identity: f32,
}

impl From<&HeaderMap> for Accepted {
    fn from(h: &HeaderMap) -> Accepted {
        let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
        for v in h.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
            for item in v.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| {
                        let (k, v) = p.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("q").then(|| v.trim().parse::<f32>().ok()).flatten()
                    })
                    .next()
                    .unwrap_or(1.0)
                    .clamp(0.0, 1.0);
                match name.as_str() {
                    "br" => br = Some(q),
                    "gzip" | "x-gzip" => gzip = Some(q),
                    "identity" => identity = Some(q),
                    "*" => star = Some(q),
                    _ => {}
                }
            }
        }
        Accepted {
            br: br.or(star).unwrap_or(0.0),
            gzip: gzip.or(star).unwrap_or(0.0),
            // Identity: acceptable unless refused, by name or by `*;q=0`.
            identity: identity.or(star.filter(|q| *q == 0.0)).unwrap_or(0.001),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WASM: &str = "/pkg/0123456789abcdef/attune-ops.32TD3m9cPGm-YiJMTg9nYg.wasm";

    fn site() -> Site {
        Site::of(vec![
            SiteFile::precompressed(WASM.into(), Role::MainWasm, "ab".into(), b"id".to_vec(), b"BR".to_vec(), b"GZ".to_vec()),
            SiteFile::plain("/favicon.ico".into(), Role::Icon, "cd".into(), b"icon".to_vec()),
        ])
    }

    async fn get(s: &Site, path: &str, pairs: &[(header::HeaderName, &str)]) -> (StatusCode, HeaderMap, Bytes) {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        let r = s.respond(path, &h).unwrap();
        let (parts, body) = r.into_parts();
        (parts.status, parts.headers, axum::body::to_bytes(body, 1 << 20).await.unwrap())
    }

    #[tokio::test]
    async fn the_preferred_accepted_encoding_and_cache_headers() {
        let s = site();
        let wasm = WASM;
        let (st, h, b) = get(&s, wasm, &[(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")]).await;
        assert_eq!((st, &b[..], h[header::CONTENT_ENCODING].to_str().unwrap()), (StatusCode::OK, &b"BR"[..], "br"));
        assert_eq!(h[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(h[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(h[header::VARY], "accept-encoding");
        assert_eq!(h[header::ETAG], "\"ab-br\"");
        let body = |pairs: &'static [(&'static str, &'static str)]| {
            let s = s.clone();
            async move {
                let pairs: Vec<(header::HeaderName, &str)> = pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), *v)).collect();
                let (_, h, b) = get(&s, WASM, &pairs).await;
                (String::from_utf8_lossy(&b).into_owned(), h.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_string()))
            }
        };
        let gz = ("GZ".to_string(), Some("gzip".to_string()));
        let br = ("BR".to_string(), Some("br".to_string()));
        let id = ("id".to_string(), None);
        assert_eq!(body(&[("accept-encoding", "br;q=0, gzip")]).await, gz);
        assert_eq!(body(&[("accept-encoding", "gzip;q=1, br;q=0.5")]).await, gz);
        assert_eq!(body(&[("accept-encoding", "gzip; q = 0, br;Q=0.1")]).await, br);
        // `*` stands for what is not listed: br stays refused.
        assert_eq!(body(&[("accept-encoding", "br;q=0, *")]).await, gz);
        assert_eq!(body(&[("accept-encoding", "GZIP")]).await, gz);
        assert_eq!(body(&[]).await, id);
        assert_eq!(body(&[("accept-encoding", "*;q=0, identity")]).await, id);
        assert_eq!(body(&[("accept-encoding", "deflate")]).await, id);
        // The favicon keeps its name: revalidated, not immutable.
        let (_, h, b) = get(&s, "/favicon.ico", &[(header::ACCEPT_ENCODING, "br")]).await;
        assert_eq!((&b[..], h[header::CACHE_CONTROL].to_str().unwrap()), (&b"icon"[..], "no-cache"));
        assert!(s.respond("/pkg/attune-ops.wasm", &HeaderMap::new()).is_none());
    }

    #[tokio::test]
    async fn a_known_tag_is_not_sent_again() {
        let s = site();
        let wasm = WASM;
        let (st, h, b) = get(&s, wasm, &[(header::IF_NONE_MATCH, "\"zz\", W/\"ab-gzip\""), (header::ACCEPT_ENCODING, "gzip")]).await;
        assert_eq!((st, b.len()), (StatusCode::NOT_MODIFIED, 0));
        assert_eq!((h[header::ETAG].to_str().unwrap(), h[header::VARY].to_str().unwrap()), ("\"ab-gzip\"", "accept-encoding"));
        // The gzip tag does not validate the brotli body.
        let (st, ..) = get(&s, wasm, &[(header::IF_NONE_MATCH, "\"ab-gzip\""), (header::ACCEPT_ENCODING, "br")]).await;
        assert_eq!(st, StatusCode::OK);
    }

    /// A `pkg/` as `cargo leptos build --split` leaves it, plus leftovers.
    fn split_site(dir: &Path) {
        let pkg = dir.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let files = [
            ("attune-ops.0000000000000000000001.js", "import*as n from\"./__wasm_split.0000000000000000000002.js\";import*as t from\"./__wasm_split.0000000000000000000002.js\";const i={\"./attune-ops_bg.js\":o};"),
            ("attune-ops.0000000000000000000003.wasm", "wasm importing ./__wasm_split.0000000000000000000002.js"),
            ("attune-ops.0000000000000000000004.css", "css"),
            ("__wasm_split.0000000000000000000002.js", "import { initSync } from \"./attune-ops.0000000000000000000001.js\"; fetch(new URL('./chunk_1.0000000000000000000005.wasm', import.meta.url)); \"./split_home.0000000000000000000006.wasm\""),
            ("chunk_1.0000000000000000000005.wasm", "c1"),
            ("split_home.0000000000000000000006.wasm", "home"),
            ("__wasm_split_manifest.0000000000000000000007.json", r#"{"__home_view_1":["chunk_1.0000000000000000000005","split_home.0000000000000000000006"]}"#),
            // Not part of the site: declarations, a chunk nothing fetches.
            ("attune-ops.d.0000000000000000000008.ts", "x"),
            ("chunk_9.0000000000000000000009.wasm", "stale"),
        ];
        for (name, body) in files {
            std::fs::write(pkg.join(name), body).unwrap();
        }
    }

    #[test]
    fn a_directory_site_is_what_the_page_loads() {
        let d = tempfile::tempdir().unwrap();
        split_site(d.path());
        let s = Site::from_dir(d.path());
        assert!(s.is_complete());
        let a = s.assets();
        let folder = a.wasm.strip_prefix("/pkg/").and_then(|r| r.split_once('/')).map(|(f, _)| f.to_string()).unwrap();
        assert_eq!(a.wasm, format!("/pkg/{folder}/attune-ops.0000000000000000000003.wasm"));
        assert_eq!(a.js, format!("/pkg/{folder}/attune-ops.0000000000000000000001.js"));
        assert_eq!(a.css, format!("/pkg/{folder}/attune-ops.0000000000000000000004.css"));
        let split = s.split_manifest().expect("a split site has a manifest");
        assert_eq!((split.folder, split.loader.as_str()), (format!("/pkg/{folder}"), "__wasm_split.0000000000000000000002.js"));
        assert_eq!(split.chunks["__home_view_1"], ["chunk_1.0000000000000000000005", "split_home.0000000000000000000006"]);
        let mut served: Vec<&str> =
            s.files.iter().filter(|f| s.get(&f.path).is_some()).map(|f| f.path.strip_prefix(&format!("/pkg/{folder}/")).unwrap()).collect();
        served.sort();
        assert_eq!(
            served,
            [
                "__wasm_split.0000000000000000000002.js",
                "attune-ops.0000000000000000000001.js",
                "attune-ops.0000000000000000000003.wasm",
                "attune-ops.0000000000000000000004.css",
                "chunk_1.0000000000000000000005.wasm",
                "split_home.0000000000000000000006.wasm",
            ]
        );
        let chunk = s.respond(&format!("/pkg/{folder}/chunk_1.0000000000000000000005.wasm"), &HeaderMap::new()).unwrap();
        assert_eq!(chunk.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(chunk.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert!(s.respond(&format!("/pkg/{folder}/__wasm_split_manifest.0000000000000000000007.json"), &HeaderMap::new()).is_none());
        assert!(!Site::from_dir(&d.path().join("nope")).is_complete());
        // Any byte changed, in any file: every URL changes.
        std::fs::write(d.path().join("pkg/chunk_1.0000000000000000000005.wasm"), "c2").unwrap();
        let b = Site::from_dir(d.path()).assets();
        assert!(b.wasm != a.wasm && b.js != a.js && b.css != a.css);
    }

    #[test]
    fn a_site_missing_what_it_loads_is_refused() {
        let d = tempfile::tempdir().unwrap();
        split_site(d.path());
        std::fs::remove_file(d.path().join("pkg/chunk_1.0000000000000000000005.wasm")).unwrap();
        let e = site_source::site_files(d.path()).unwrap_err();
        assert!(e.contains("chunk_1.0000000000000000000005.wasm"), "{e}");
        assert!(!Site::from_dir(d.path()).is_complete());
        // An unsplit build of split code imports a loader that is not there.
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("pkg")).unwrap();
        for (f, body) in [
            ("attune-ops.js", "import * as x from './__wasm_split.______________________.js';"),
            ("attune-ops.wasm", "w"),
            ("attune-ops.css", "c"),
        ] {
            std::fs::write(d.path().join("pkg").join(f), body).unwrap();
        }
        assert!(site_source::site_files(d.path()).unwrap_err().contains("__wasm_split.______________________.js"));
        // JS snippets would be files the binary does not carry.
        std::fs::write(d.path().join("pkg/attune-ops.js"), "import { f } from './snippets/dep-1/inline0.js';").unwrap();
        assert!(site_source::site_files(d.path()).unwrap_err().contains("snippets/dep-1/inline0.js"));
    }

    #[test]
    fn the_main_wasm_is_the_one_of_this_build() {
        let d = tempfile::tempdir().unwrap();
        split_site(d.path());
        // A newer wasm from another build (it imports another loader) is not taken.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.path().join("pkg/attune-ops.0000000000000000000010.wasm"), "./__wasm_split.0000000000000000000099.js").unwrap();
        let a = Site::from_dir(d.path()).assets();
        assert!(a.wasm.ends_with("/attune-ops.0000000000000000000003.wasm"), "{}", a.wasm);
        // Without one that imports this build's loader, there is no site.
        std::fs::remove_file(d.path().join("pkg/attune-ops.0000000000000000000003.wasm")).unwrap();
        assert!(site_source::site_files(d.path()).unwrap_err().contains("__wasm_split.0000000000000000000002.js"));
    }

    #[test]
    fn only_files_in_a_content_named_folder_are_immutable() {
        assert!(site_source::is_content_named("/pkg/0123456789abcdef/attune-ops.32TD3m9cPGm-YiJMTg9nYg.wasm"));
        assert!(!site_source::is_content_named("/pkg/attune-ops.32TD3m9cPGm-YiJMTg9nYg.wasm"));
        assert!(!site_source::is_content_named("/pkg/0123456789abcdeg/attune-ops.wasm"));
        assert!(!site_source::is_content_named("/pkg/0123456789abcdef/"));
        assert!(!site_source::is_content_named("/favicon.ico"));
        let s = Site::of(vec![SiteFile::plain("/pkg/attune-ops.js".into(), Role::Glue, "ab".into(), b"js".to_vec())]);
        assert_eq!(s.respond("/pkg/attune-ops.js", &HeaderMap::new()).unwrap().headers()[header::CACHE_CONTROL], "no-cache");
    }
}
