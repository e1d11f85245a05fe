//! Embeds the compiled site (the main wasm and its lazy chunks, the JS
//! glue and split loader, the CSS, the favicon) in the `attune-ops`
//! binary, so the binary alone serves the whole app.
//!
//! The site is what `scripts/build.sh` (`cargo leptos build --split`)
//! wrote (`$LEPTOS_SITE_ROOT`, which cargo-leptos sets while it builds us,
//! else `target/site`); with `hash-files = true` it builds the site before
//! the server, so this script sees this build's site. Which files, and the
//! URLs they get (a folder named after the content of them all, so
//! browsers may cache them for good): `site_source`. Release builds also
//! embed brotli (quality 11) and gzip (level 9) copies, compressed here
//! once rather than per request. Without a site nothing is embedded and
//! the binary looks for one on disk at startup.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

// The server's own module: what serving needs (`is_content_named`) goes unused here.
#[allow(dead_code)]
#[path = "src/site_source.rs"]
mod site_source;

use site_source::Role;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/site_source.rs");
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
    // Watch the site's `pkg/`, or while there is none, the nearest folder
    // that exists (a missing path would rerun this on every build).
    let watched = site.join("pkg").ancestors().find(|p| p.is_dir()).map(Path::to_path_buf).unwrap_or_else(|| site.join("pkg"));
    println!("cargo:rerun-if-changed={}", watched.display());
    // A broken site fails a release build, or one cargo-leptos drives (it
    // sets LEPTOS_SITE_ROOT): the binary would serve pages that never load.
    // A development build (tests, clippy) carries none and says why.
    let strict = release || std::env::var_os("LEPTOS_SITE_ROOT").is_some();
    let files = if skip {
        Vec::new()
    } else {
        site_source::site_files(&site).unwrap_or_else(|e| {
            if strict {
                panic!("the site at {} is incomplete: {e} (rebuild it with scripts/build.sh)", site.display());
            }
            println!(
                "cargo:warning=the site at {} is incomplete ({e}): this build carries none (rebuild it with scripts/build.sh)",
                site.display()
            );
            Vec::new()
        })
    };
    let mut table = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.path.display());
        let (bytes, hash) = (&f.bytes, &f.hash);
        let (br, gz) = if release && bytes.len() > 1024 && f.role != Role::Manifest {
            let br = out.join(format!("{hash}.br"));
            let gz = out.join(format!("{hash}.gz"));
            // Named by content: made once per content, kept across builds.
            if !br.exists() {
                write(&br, &brotli(bytes));
            }
            if !gz.exists() {
                write(&gz, &gzip(bytes));
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
            "    EmbeddedFile {{ path: {url:?}, role: Role::{role:?}, hash: {hash:?}, identity: include_bytes!({src:?}), br: {br}, gzip: {gz} }},",
            url = f.url,
            role = f.role,
            src = f.path.display().to_string(),
            br = opt(&br),
            gz = opt(&gz),
        );
    }
    table.push(']');
    // For `--version`: which site this binary carries.
    let wasm = files.iter().find(|f| f.role == Role::MainWasm).map(|f| &f.hash);
    let chunks = files.iter().filter(|f| f.role == Role::Chunk).count();
    let split = if chunks > 0 { format!(", {chunks} lazy chunks") } else { String::new() };
    let info = match wasm {
        Some(hash) if release => format!("site {}, embedded, precompressed{split}", &hash[..8]),
        Some(hash) => format!("site {}, embedded{split}", &hash[..8]),
        None => "no embedded site".to_string(),
    };
    println!("cargo:rustc-env=ATTUNE_OPS_SITE_INFO={info}");
    if files.is_empty() && !skip {
        println!("cargo:warning=no compiled site at {} (run `scripts/build.sh`): the binary will look for one on disk", site.display());
    }
    write(&out.join("site_files.rs"), table.as_bytes());
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
