//! The compiled site — the wasm, its JS glue, the stylesheet, the favicon
//! — as the binary serves it.
//!
//! Normally embedded at build time (`build.rs`): the binary alone, from any
//! directory, serves the whole app. Files under `/pkg/` carry their content
//! hash in their names, so they are served `immutable`; release builds
//! carry brotli and gzip copies made once at build time, chosen by the
//! request's `Accept-Encoding`. `$LEPTOS_SITE_ROOT` (development) replaces
//! the embedded site by the one in that directory, read at startup; a
//! binary built without a site looks for one on disk the same way.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::site_source::{self, newest_pkg_file, short_hash, PKG_EXTENSIONS};

/// What a site file is (its content type, and whether the page links it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Script,
    Wasm,
    Style,
    Icon,
}

impl Kind {
    fn content_type(self) -> &'static str {
        match self {
            Kind::Script => "text/javascript; charset=utf-8",
            Kind::Wasm => "application/wasm",
            Kind::Style => "text/css; charset=utf-8",
            Kind::Icon => "image/x-icon",
        }
    }
}

/// A file embedded by `build.rs`.
struct EmbeddedFile {
    path: &'static str,
    kind: Kind,
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
    pub kind: Kind,
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
                kind: f.kind,
                hash: f.hash.to_string(),
                identity: Bytes::from_static(f.identity),
                br: f.br.map(Bytes::from_static),
                gzip: f.gzip.map(Bytes::from_static),
            })
            .collect();
        Site { files, source: Source::Embedded }
    }

    /// The site in `root` (`pkg/*.js|wasm|css`, `favicon.ico`), read now;
    /// compressed per request, not precompressed. Missing files are left
    /// out (and the startup warning says so).
    pub fn from_dir(root: &Path) -> Site {
        let mut files = Vec::new();
        for (ext, kind) in PKG_EXTENSIONS.into_iter().zip([Kind::Script, Kind::Wasm, Kind::Style]) {
            if let Some(bytes) = newest_pkg_file(root, ext).and_then(|p| std::fs::read(p).ok()) {
                let hash = short_hash(&bytes);
                files.push(SiteFile::plain(site_source::url(Some(ext), &hash), kind, hash, bytes));
            }
        }
        if let Ok(bytes) = std::fs::read(root.join("favicon.ico")) {
            let hash = short_hash(&bytes);
            files.push(SiteFile::plain(site_source::url(None, &hash), Kind::Icon, hash, bytes));
        }
        Site { files, source: Source::Disk(root.to_path_buf()) }
    }

    /// A site made of the given files (for tests).
    pub fn of(files: Vec<SiteFile>) -> Site {
        Site { files, source: Source::Embedded }
    }

    /// Does it have what a page needs to look right and hydrate?
    pub fn is_complete(&self) -> bool {
        [Kind::Script, Kind::Wasm, Kind::Style].iter().all(|k| self.files.iter().any(|f| f.kind == *k))
    }

    /// The URLs the page links (empty strings for files the site lacks).
    pub fn assets(&self) -> attune_ops_app::SiteAssets {
        let url = |k: Kind| self.files.iter().find(|f| f.kind == k).map(|f| f.path.clone()).unwrap_or_default();
        attune_ops_app::SiteAssets { js: url(Kind::Script), wasm: url(Kind::Wasm), css: url(Kind::Style) }
    }

    pub fn get(&self, path: &str) -> Option<&SiteFile> {
        self.files.iter().find(|f| f.path == path)
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
        let cache = if f.path.starts_with("/pkg/") { "public, max-age=31536000, immutable" } else { "no-cache" };
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
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(f.kind.content_type()));
        if !encoding.is_empty() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(if encoding == "br" { "br" } else { "gzip" }));
        }
        Some((headers, body.clone()).into_response())
    }
}

impl SiteFile {
    /// A file without precompressed copies.
    pub fn plain(path: String, kind: Kind, hash: String, bytes: Vec<u8>) -> SiteFile {
        SiteFile { path, kind, hash, identity: Bytes::from(bytes), br: None, gzip: None }
    }

    /// A file with its precompressed copies (for tests).
    pub fn precompressed(path: String, kind: Kind, hash: String, bytes: Vec<u8>, br: Vec<u8>, gzip: Vec<u8>) -> SiteFile {
        SiteFile { br: Some(Bytes::from(br)), gzip: Some(Bytes::from(gzip)), ..SiteFile::plain(path, kind, hash, bytes) }
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

    fn site() -> Site {
        Site::of(vec![
            SiteFile::precompressed(
                "/pkg/attune-ops.ab.wasm".into(),
                Kind::Wasm,
                "ab".into(),
                b"id".to_vec(),
                b"BR".to_vec(),
                b"GZ".to_vec(),
            ),
            SiteFile::plain("/favicon.ico".into(), Kind::Icon, "cd".into(), b"icon".to_vec()),
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
        let wasm = "/pkg/attune-ops.ab.wasm";
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
                let (_, h, b) = get(&s, "/pkg/attune-ops.ab.wasm", &pairs).await;
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
        let wasm = "/pkg/attune-ops.ab.wasm";
        let (st, h, b) = get(&s, wasm, &[(header::IF_NONE_MATCH, "\"zz\", W/\"ab-gzip\""), (header::ACCEPT_ENCODING, "gzip")]).await;
        assert_eq!((st, b.len()), (StatusCode::NOT_MODIFIED, 0));
        assert_eq!((h[header::ETAG].to_str().unwrap(), h[header::VARY].to_str().unwrap()), ("\"ab-gzip\"", "accept-encoding"));
        // The gzip tag does not validate the brotli body.
        let (st, ..) = get(&s, wasm, &[(header::IF_NONE_MATCH, "\"ab-gzip\""), (header::ACCEPT_ENCODING, "br")]).await;
        assert_eq!(st, StatusCode::OK);
    }

    #[test]
    fn a_directory_site_is_named_by_content() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("pkg")).unwrap();
        for (f, body) in [("attune-ops.js", "js"), ("attune-ops.wasm", "wasm"), ("attune-ops.css", "css"), ("attune-ops.d.ts", "x")] {
            std::fs::write(d.path().join("pkg").join(f), body).unwrap();
        }
        let s = Site::from_dir(d.path());
        assert!(s.is_complete());
        let a = s.assets();
        assert_eq!(a.wasm, format!("/pkg/attune-ops.{}.wasm", short_hash(b"wasm")));
        assert!(a.js.ends_with(".js") && a.css.ends_with(".css"));
        assert!(!Site::from_dir(&d.path().join("nope")).is_complete());
    }
}
