//! Embeds the compiled site (the wasm, its JS glue, the CSS, the favicon)
//! in the `attune-ops` binary, so the binary alone serves the whole app.
//!
//! The site is what `cargo leptos build` wrote (`$LEPTOS_SITE_ROOT`, which
//! cargo-leptos sets while it builds us, else `target/site`); with
//! `hash-files = true` it builds the site before the server, so this
//! script sees this build's site. Each `pkg/` file is served under a name
//! carrying its content hash (`/pkg/attune-ops.<hash>.wasm`), so browsers
//! may cache it for good. Release builds also embed brotli (quality 11)
//! and gzip (level 9) copies, compressed here once rather than per
//! request. Without a site nothing is embedded and the binary looks for
//! one on disk at startup.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/site_source.rs"]
mod site_source;

use site_source::{newest_pkg_file, short_hash, PKG_EXTENSIONS};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=LEPTOS_SITE_ROOT");
    println!("cargo:rerun-if-env-changed=ATTUNE_OPS_EMBED_SITE");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().map(Path::to_path_buf).unwrap_or_else(|| manifest.clone());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let site = match std::env::var_os("LEPTOS_SITE_ROOT").filter(|v| !v.is_empty()) {
        Some(p) if Path::new(&p).is_absolute() => PathBuf::from(p),
        Some(p) => workspace.join(p),
        None => workspace.join("target/site"),
    };
    let skip = std::env::var("ATTUNE_OPS_EMBED_SITE").is_ok_and(|v| v == "0");
    let files = if skip { Vec::new() } else { site_files(&site) };
    let mut table = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.source.display());
        let bytes = std::fs::read(&f.source).unwrap_or_else(|e| panic!("reading {}: {e}", f.source.display()));
        let hash = short_hash(&bytes);
        let url = site_source::url(f.ext, &hash);
        let (br, gz) = if release && bytes.len() > 1024 {
            let br = out.join(format!("{hash}.br"));
            let gz = out.join(format!("{hash}.gz"));
            // Named by content: made once per content, kept across builds.
            if !br.exists() {
                write(&br, &brotli(&bytes));
            }
            if !gz.exists() {
                write(&gz, &gzip(&bytes));
            }
            (Some(br), Some(gz))
        } else {
            (None, None)
        };
        let opt = |p: &Option<PathBuf>| match p {
            Some(p) => format!("Some(include_bytes!({:?}))", p.display().to_string()),
            None => "None".to_string(),
        };
        let _ = writeln!(
            table,
            "    EmbeddedFile {{ path: {url:?}, kind: {kind}, hash: {hash:?}, identity: include_bytes!({src:?}), br: {br}, gzip: {gz} }},",
            kind = f.kind,
            src = f.source.display().to_string(),
            br = opt(&br),
            gz = opt(&gz),
        );
    }
    table.push(']');
    // For `--version`: which site this binary carries.
    let wasm = files.iter().find(|f| f.ext == Some("wasm")).and_then(|f| std::fs::read(&f.source).ok());
    let info = match wasm {
        Some(bytes) if release => format!("site {}, embedded, precompressed", &short_hash(&bytes)[..8]),
        Some(bytes) => format!("site {}, embedded", &short_hash(&bytes)[..8]),
        None => "no embedded site".to_string(),
    };
    println!("cargo:rustc-env=ATTUNE_OPS_SITE_INFO={info}");
    if files.is_empty() && !skip {
        println!(
            "cargo:warning=no compiled site at {} (run `cargo leptos build --release`): the binary will look for one on disk",
            site.display()
        );
    }
    write(&out.join("site_files.rs"), table.as_bytes());
}

struct Source {
    source: PathBuf,
    /// `pkg/` files: their extension; `None`: the favicon.
    ext: Option<&'static str>,
    kind: &'static str,
}

/// The site's files: one `.js`, `.wasm` and `.css` in `pkg/` (the newest
/// of each, should a stale one remain), and `favicon.ico`.
fn site_files(site: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    // Watch the site's `pkg/`, or while there is none, the nearest folder
    // that exists (a missing path would rerun this on every build).
    let watched = site.join("pkg").ancestors().find(|p| p.is_dir()).map(Path::to_path_buf).unwrap_or_else(|| site.join("pkg"));
    println!("cargo:rerun-if-changed={}", watched.display());
    for (ext, kind) in PKG_EXTENSIONS.into_iter().zip(["Kind::Script", "Kind::Wasm", "Kind::Style"]) {
        if let Some(p) = newest_pkg_file(site, ext) {
            out.push(Source { source: p, ext: Some(ext), kind });
        }
    }
    // A site is all three or nothing: half a site would serve pages that
    // never hydrate.
    if out.len() < 3 {
        return Vec::new();
    }
    let icon = site.join("favicon.ico");
    if icon.is_file() {
        out.push(Source { source: icon, ext: None, kind: "Kind::Icon" });
    }
    out
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli into memory");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// Writes beside, then renames: an interrupted build leaves no half file
/// that a later one would take for done.
fn write(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
