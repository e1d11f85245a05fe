//! attune-ops benchmarks, run against the real release binary in its own
//! process (so its memory is measured alone).
//!
//! ```text
//! scripts/bench.sh                  # everything
//! scripts/bench.sh sse              # runner + SSE only
//! ```
//!
//! * `sse`: a workflow prints 1,000,000 lines as fast as it can; lines per
//!   second delivered to 1 and to 50 concurrent SSE viewers (reference
//!   format, and the run page's batched format), lines lost (must be 0),
//!   server RSS at the end and its peak; then latency from a child's line to
//!   a viewer at a low rate (p50, p95).
//! * `telemetry`: `attune-ops telemetry --json` on 100,000 and 1,000,000
//!   line usage files: wall time and the process's peak memory.
//! * `sessions`: `attune-ops sessions --json` over 1,000 session files.
//! * `bounds`: output and memory bounds. A workflow printing empty lines
//!   (`yes ''`) for `BENCH_FLOOD_SECS` (default 60) s: the log on disk
//!   against the output cap (256 MiB by default), lines kept and dropped,
//!   the server's RSS each second and its peak. Then 50 viewers reading a
//!   finished log of 100 lines of 1 MiB each at once: what each received
//!   and the server's RSS while they read.
//! * `pages`: Home, Telemetry and the session listing from the running
//!   server, cold and after the files grew (see `pages.rs`).
//! * `bundle`: what a browser downloads on a first visit of each page, as
//!   the server sends it (identity, gzip, brotli): the wasm (the shared
//!   core and the page's own lazy chunks) against the goal of 300 KB
//!   gzip'd, then the JS glue, the CSS and the Home page's HTML.
//!
//! With the reference installed (a venv at `~/.cache/attune-ref` or
//! `ATTUNE_REF_VENV`; or an unpacked wheel on `ATTUNE_REF_PYTHONPATH` for
//! its readers alone), it runs on the same files and ratios are printed.
//!
//! Figures are printed; nothing is asserted except correctness (no line
//! lost), because machines here are shared and noisy.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures::StreamExt;

mod pages;
mod reference;

use reference::Reference;

/// The registry of the read-side benches (and the names in their usage
/// files, with one that is not registered).
const WORKFLOWS: [&str; 6] = ["code-review", "security-audit", "test-audit", "doc-audit", "release-prep", "dependency-check"];

const LINES: u64 = 1_000_000;

fn main() -> Result<()> {
    let what: Vec<String> = std::env::args().skip(1).collect();
    if what.first().map(String::as_str) == Some(PEAK) {
        return peak_helper(&what[1..]);
    }
    let all = what.is_empty();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if all || what.iter().any(|w| w == "sse") {
        rt.block_on(sse_bench())?;
    }
    if all || what.iter().any(|w| w == "telemetry") {
        telemetry_bench()?;
    }
    if all || what.iter().any(|w| w == "sessions") {
        sessions_bench()?;
    }
    if all || what.iter().any(|w| w == "pages") {
        rt.block_on(pages::pages_bench())?;
    }
    if all || what.iter().any(|w| w == "bounds") {
        rt.block_on(bounds_bench())?;
    }
    if all || what.iter().any(|w| w == "bundle") {
        rt.block_on(bundle_bench())?;
    }
    Ok(())
}

fn binary() -> Result<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/attune-ops");
    if !p.is_file() {
        bail!("{} not found: build it first (scripts/bench.sh does)", p.display());
    }
    Ok(p.canonicalize()?)
}

/// A dashboard process on a scratch project.
struct Dash {
    child: Child,
    base: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Dash {
    fn drop(&mut self) {
        // SAFETY: sending SIGTERM to our own child.
        unsafe { libc_kill(self.child.id() as i32, 15) };
        let _ = self.child.wait();
    }
}

unsafe fn libc_kill(pid: i32, sig: i32) -> i32 {
    libc::kill(pid, sig)
}

const REGISTRY: &str = r#"
[[workflow]]
name = "flood"
description = "1,000,000 lines as fast as possible"
command = ["awk", "BEGIN { for (i = 1; i <= 1000000; i++) print \"line \" i \" of the flood: lorem ipsum dolor sit amet\" }"]

[[workflow]]
name = "empty-lines"
description = "yes '' for BENCH_FLOOD_SECS seconds"
command = ["sh", "-c", "timeout ${BENCH_FLOOD_SECS:-60} yes ''; exit 0"]

[[workflow]]
name = "mib-lines"
description = "100 lines of 1 MiB"
command = ["python3", "-c", "import sys\nl = 'x' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(l + '\\n')"]

[[workflow]]
name = "ticks"
description = "a line every 20 ms carrying its send time"
command = ["python3", "-c", "import time\nfor i in range(300):\n    print(time.time_ns(), flush=True)\n    time.sleep(0.02)"]
"#;

async fn start_dash() -> Result<Dash> {
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("proj");
    std::fs::create_dir_all(root.join(".attune"))?;
    std::fs::write(root.join(".attune/workflows.toml"), REGISTRY)?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let child = Command::new(binary()?)
        .args(["--project-root", root.to_str().unwrap_or("."), "--port", &port.to_string(), "--no-browser", "--allow-run"])
        .env("ATTUNE_HOME", dir.path().join("home"))
        .env("ATTUNE_OPS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting attune-ops")?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut token = None;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/api/session/token")).send().await {
            let v: serde_json::Value = r.json().await?;
            token = v["token"].as_str().map(str::to_string);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = token.context("the dashboard did not start")?;
    Ok(Dash { child, base, token, _dir: dir })
}

/// A run's record as the dashboard reports it, once it is over; with the
/// highest RSS (MiB) seen while waiting, sampled every 200 ms.
async fn wait_run(d: &Dash, id: &str, mut each_second: impl FnMut(u64, f64)) -> Result<(serde_json::Value, f64)> {
    let client = reqwest::Client::new();
    let t0 = Instant::now();
    let mut peak: f64 = 0.0;
    let mut last_report = 0;
    loop {
        let (rss, _) = d.rss();
        peak = peak.max(rss);
        let secs = t0.elapsed().as_secs();
        if secs > last_report {
            last_report = secs;
            each_second(secs, rss);
        }
        let v: serde_json::Value = client.get(format!("{}/runs/{id}", d.base)).send().await?.json().await?;
        if matches!(v["status"].as_str(), Some("completed" | "failed" | "cancelled")) {
            return Ok((v, peak));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Dash {
    async fn start(&self, wf: &str) -> Result<String> {
        let r = reqwest::Client::new()
            .post(format!("{}/workflows/{wf}/run", self.base))
            .header("X-Attune-Client", &self.token)
            .json(&serde_json::json!({}))
            .send()
            .await?;
        let v: serde_json::Value = r.json().await?;
        v["run_id"].as_str().map(str::to_string).context("no run id")
    }

    /// (VmRSS, VmHWM) in MiB.
    fn rss(&self) -> (f64, f64) {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let get = |k: &str| {
            s.lines()
                .find(|l| l.starts_with(k))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
                .unwrap_or(0.0)
        };
        (get("VmRSS:"), get("VmHWM:"))
    }
}

/// What one viewer saw.
#[derive(Default, Debug)]
struct Seen {
    lines: u64,
    gaps: u64,
    done: bool,
}

/// Reads a stream to `done`, counting lines and checking ids are
/// contiguous. A light parser: counting must not be the bottleneck.
async fn view(url: String) -> Result<Seen> {
    let resp = reqwest::Client::new().get(url).send().await?;
    let mut body = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut seen = Seen::default();
    let mut last_id = 0u64;
    while let Some(chunk) = body.next().await {
        buf.extend_from_slice(&chunk?);
        let mut start = 0;
        while let Some(end) = memchr::memmem::find(&buf[start..], b"\n\n") {
            let ev = &buf[start..start + end];
            start += end + 2;
            let mut kind: &[u8] = b"";
            let mut id = None;
            let mut data: &[u8] = b"";
            for line in ev.split(|&b| b == b'\n') {
                if let Some(k) = line.strip_prefix(b"event: ") {
                    kind = k;
                } else if let Some(i) = line.strip_prefix(b"id: ") {
                    id = std::str::from_utf8(i).ok().and_then(|s| s.parse::<u64>().ok());
                } else if let Some(d) = line.strip_prefix(b"data: ") {
                    data = d;
                }
            }
            match kind {
                b"line" => {
                    seen.lines += 1;
                    if let Some(i) = id {
                        if i != last_id + 1 {
                            seen.gaps += 1;
                        }
                        last_id = i;
                    }
                }
                b"lines" => {
                    let n = memchr::memmem::find_iter(data, b"{\"n\":").count() as u64;
                    seen.lines += n;
                    if let Some(i) = id {
                        if i != last_id + n {
                            seen.gaps += 1;
                        }
                        last_id = i;
                    }
                }
                b"done" => seen.done = true,
                _ => {}
            }
        }
        buf.drain(..start);
        if seen.done {
            break;
        }
    }
    Ok(seen)
}

async fn flood(viewers: usize, rich: bool) -> Result<()> {
    let d = start_dash().await?;
    let (rss0, _) = d.rss();
    let t0 = Instant::now();
    let id = d.start("flood").await?;
    let fmt = if rich { "?format=rich" } else { "" };
    let tasks: Vec<_> = (0..viewers).map(|_| tokio::spawn(view(format!("{}/runs/{id}/stream{fmt}", d.base)))).collect();
    let mut total = 0u64;
    let mut lost = 0u64;
    let mut gaps = 0u64;
    for t in tasks {
        let s = t.await??;
        total += s.lines;
        // The log holds the "$ awk …" line plus the 1,000,000 printed.
        lost += (LINES + 1).saturating_sub(s.lines);
        gaps += s.gaps;
        if !s.done {
            bail!("a viewer did not see `done`");
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let (rss, peak) = d.rss();
    println!(
        "  {:>2} viewer(s), {:<9} {:>10.0} lines/s per viewer, {:>11.0} lines/s delivered in all, {:.2} s, lost {}, id gaps {}, server RSS {:.0} MiB at the end (peak {:.0}, idle {:.0})",
        viewers,
        if rich { "batched" } else { "reference" },
        (LINES + 1) as f64 / secs,
        total as f64 / secs,
        secs,
        lost,
        gaps,
        rss,
        peak,
        rss0
    );
    Ok(())
}

async fn latency() -> Result<()> {
    let d = start_dash().await?;
    let id = d.start("ticks").await?;
    let resp = reqwest::Client::new().get(format!("{}/runs/{id}/stream", d.base)).send().await?;
    let mut events = resp.bytes_stream();
    let mut buf = Vec::new();
    let mut lat_ms: Vec<f64> = Vec::new();
    'outer: while let Some(chunk) = events.next().await {
        buf.extend_from_slice(&chunk?);
        let now_ns = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos() as f64;
        let mut start = 0;
        while let Some(end) = memchr::memmem::find(&buf[start..], b"\n\n") {
            let ev = std::str::from_utf8(&buf[start..start + end]).unwrap_or("").to_string();
            start += end + 2;
            if ev.contains("event: done") {
                break 'outer;
            }
            if let Some(data) = ev.lines().find_map(|l| l.strip_prefix("data: ")) {
                if let Ok(s) = serde_json::from_str::<String>(data) {
                    if let Ok(sent) = s.trim().parse::<f64>() {
                        lat_ms.push((now_ns - sent) / 1e6);
                    }
                }
            }
        }
        buf.drain(..start);
    }
    lat_ms.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat_ms.get(((p / 100.0) * lat_ms.len() as f64) as usize).copied().unwrap_or(f64::NAN);
    println!(
        "  latency child line → SSE viewer, {} lines at 50/s: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        lat_ms.len(),
        pct(50.0),
        pct(95.0),
        lat_ms.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}

async fn sse_bench() -> Result<()> {
    println!(
        "runner + SSE ({} lines from `awk`, release binary, {} CPU(s))",
        LINES,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    flood(1, false).await?;
    flood(1, true).await?;
    flood(50, false).await?;
    flood(50, true).await?;
    latency().await?;
    Ok(())
}

async fn bounds_bench() -> Result<()> {
    let secs: u64 = std::env::var("BENCH_FLOOD_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    println!("output and memory bounds (release binary, output cap 256 MiB)");
    {
        let d = start_dash().await?;
        let (idle, _) = d.rss();
        let id = d.start("empty-lines").await?;
        let mut samples = Vec::new();
        let (info, peak) = wait_run(&d, &id, |s, rss| {
            if s % 10 == 0 {
                samples.push(format!("{s} s: {rss:.0}"));
            }
        })
        .await?;
        let log = d._dir.path().join(format!("home/ops/runs/empty-lines/{id}.log"));
        let disk = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        println!(
            "  `yes ''` for {secs} s: log on disk {:.1} MiB ({:.1}% of the cap), {} lines kept, {:.1} MiB of output dropped; server RSS idle {idle:.0} MiB, peak {peak:.0} MiB (MiB at {})",
            disk as f64 / 1048576.0,
            100.0 * disk as f64 / (256.0 * 1048576.0),
            info["line_count"],
            info["dropped_bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
            samples.join(", ")
        );
    }
    {
        let d = start_dash().await?;
        let id = d.start("mib-lines").await?;
        wait_run(&d, &id, |_, _| {}).await?;
        let (before, _) = d.rss();
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..50).map(|_| tokio::spawn(view(format!("{}/runs/{id}/stream", d.base)))).collect();
        let mut peak: f64 = before;
        let mut pending = tasks;
        let mut seen = Vec::new();
        while !pending.is_empty() {
            peak = peak.max(d.rss().0);
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (done, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|t| t.is_finished());
            pending = rest;
            for t in done {
                seen.push(t.await??);
            }
        }
        let short = seen.iter().filter(|s| s.lines != 101 || !s.done).count();
        println!(
            "  50 viewers of a finished log of 100 lines of 1 MiB: {:.1} GiB delivered in {:.1} s, {short} viewer(s) short; server RSS {before:.0} MiB before, peak {peak:.0} MiB while they read",
            seen.iter().map(|s| s.lines).sum::<u64>() as f64 / 1024.0,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The first-visit goal for a page's wasm, gzip'd (issue: "≤ 300 KB").
const WASM_GOAL_GZIP: usize = 300_000;

/// Every route, as a first visit opens it (ids that do not exist still
/// open their page, which says so).
const BUNDLE_PAGES: [&str; 12] = [
    "/",
    "/workflows",
    "/runs",
    "/runs/bench/view",
    "/cost",
    "/sessions",
    "/sessions/bench",
    "/specs",
    "/specs/bench",
    "/telemetry",
    "/bulletin",
    "/health",
];

/// The first-visit download of each page, in bytes on the wire per
/// content encoding.
async fn bundle_bench() -> Result<()> {
    let dash = start_dash().await?;
    // No decompression features in this reqwest: the body is what was sent.
    let client = reqwest::Client::new();
    let mut sizes: std::collections::HashMap<String, [usize; 3]> = std::collections::HashMap::new();
    let mut size_of = async |path: &str| -> Result<[usize; 3]> {
        if let Some(s) = sizes.get(path) {
            return Ok(*s);
        }
        let mut s = [0usize; 3];
        for (i, enc) in ["identity", "gzip", "br"].iter().enumerate() {
            let r = client.get(format!("{}{path}", dash.base)).header("Accept-Encoding", *enc).send().await?;
            if !r.status().is_success() {
                bail!("GET {path}: {}", r.status());
            }
            s[i] = r.bytes().await?.len();
        }
        sizes.insert(path.to_string(), s);
        Ok(s)
    };
    println!("first visit: the wasm each page loads (the shared core and its own chunks), bytes on the wire");
    println!("  {:<18} {:>6} {:>10} {:>9} {:>9} {:>14}", "page", "files", "identity", "gzip", "br", "gzip / goal");
    let mut shared = Vec::new();
    for page in BUNDLE_PAGES {
        let html = client.get(format!("{}{page}", dash.base)).send().await?.text().await?;
        let linked: Vec<&str> = html.split('"').filter(|s| s.starts_with("/pkg/")).collect();
        let file = |s: &&str| s.rsplit('/').next().unwrap_or_default().to_string();
        let main = linked
            .iter()
            .find(|s| file(s).starts_with("attune-ops.") && s.ends_with(".wasm"))
            .with_context(|| format!("{page} links no wasm"))?;
        if shared.is_empty() {
            // The glue (linked twice: preloaded and imported), the loader, the CSS.
            for s in linked.iter().filter(|s| !s.ends_with(".wasm")) {
                if !shared.iter().any(|x| x == s) {
                    shared.push(s.to_string());
                }
            }
        }
        // The main wasm once, then the chunks the page preloads.
        let mut wasm = vec![main.to_string()];
        for s in &linked {
            if s.ends_with(".wasm") && !wasm.iter().any(|w| w == s) {
                wasm.push(s.to_string());
            }
        }
        let mut t = [0usize; 3];
        for w in &wasm {
            let s = size_of(w).await?;
            (0..3).for_each(|i| t[i] += s[i]);
        }
        println!(
            "  {page:<18} {:>6} {:>10} {:>9} {:>9} {:>13.2}×{}",
            wasm.len(),
            t[0],
            t[1],
            t[2],
            t[1] as f64 / WASM_GOAL_GZIP as f64,
            if t[1] <= WASM_GOAL_GZIP { " ✓" } else { "" }
        );
    }
    println!("  goal: {WASM_GOAL_GZIP} bytes of wasm gzip'd per first visit");
    println!("shared by every page (JS glue and loader, CSS), identity / gzip / br");
    for path in &shared {
        let s = size_of(path).await?;
        println!("  {path:<52} {:>9} {:>9} {:>9}", s[0], s[1], s[2]);
    }
    let home = size_of("/").await?;
    println!("  {:<52} {:>9} {:>9} {:>9}", "the Home page's HTML", home[0], home[1], home[2]);
    Ok(())
}

/// Runs a command to completion: (wall seconds, peak RSS in MiB, stdout).
///
/// The peak comes from `wait4` in a small helper process (this binary
/// re-executed as `__peak`): Linux starts a child's `ru_maxrss` from its
/// parent's high-water mark at fork, so measured from this (large, after
/// the SSE benchmarks) process every command would seem to peak at least
/// at our own size.
fn measure(cmd: &mut Command) -> Result<(f64, f64, Vec<u8>)> {
    use std::io::Read;
    let mut helper = Command::new(std::env::current_exe()?);
    helper.arg(PEAK).arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => helper.env(k, v),
            None => helper.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        helper.current_dir(d);
    }
    let t0 = Instant::now();
    let mut child = helper.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let mut err = String::new();
    child.stderr.take().context("no stderr")?.read_to_string(&mut err)?;
    let status = child.wait()?;
    let secs = t0.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{:?} failed ({status}); figures from a failed command would mislead", cmd.get_program());
    }
    let out = reader.join().map_err(|_| anyhow::anyhow!("reader thread"))?;
    let kb: f64 = err
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kb "))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no peak from the helper: {err}"))?;
    Ok((secs, kb / 1024.0, out))
}

/// The helper's argument that selects it.
const PEAK: &str = "__peak";

/// `__peak PROGRAM ARGS…`: runs the program (stdout inherited, stderr
/// discarded), reaps it with `wait4` and prints `peak_rss_kb N` on stderr.
/// Nothing else happens in this process, so its own high-water mark (which
/// the child inherits) stays small.
fn peak_helper(argv: &[String]) -> Result<()> {
    let (prog, args) = argv.split_first().context("__peak needs a program")?;
    let child = Command::new(prog).args(args).stderr(Stdio::null()).spawn()?;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter for wait4; we reap
    // our own child (the `Child` is never waited on).
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    if r < 0 {
        bail!("wait4 failed");
    }
    eprintln!("peak_rss_kb {}", ru.ru_maxrss);
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        std::process::exit(1);
    }
    Ok(())
}

fn write_usage(path: &Path, lines: usize) -> Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let wfs: Vec<&str> = WORKFLOWS.iter().copied().chain(["stub-wf"]).collect();
    for i in 0..lines {
        let day = 1 + (i * 30 / lines.max(1));
        writeln!(
            f,
            "{{\"v\":\"1.0\",\"ts\":\"2026-11-{day:02}T{:02}:{:02}:{:02}.{:06}Z\",\"workflow\":\"{}\",\"stage\":\"triage\",\"tier\":\"CAPABLE\",\"model\":\"claude-sonnet-4-5\",\"provider\":\"anthropic\",\"cost\":0.{:06},\"tokens\":{{\"input\":{},\"output\":{}}},\"cache\":{{\"hit\":false}},\"duration_ms\":{},\"user_id\":\"5e1c0b9a77d2f3aa\",\"seq\":{}}}",
            i % 24,
            i % 60,
            (i * 7) % 60,
            i % 1_000_000,
            wfs[i % wfs.len()],
            (i * 37) % 999_999,
            1000 + i % 9000,
            100 + i % 900,
            300 + i % 5000,
            i
        )?;
    }
    Ok(())
}

fn telemetry_bench() -> Result<()> {
    let bin = binary()?;
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("proj");
    std::fs::create_dir_all(root.join(".attune"))?;
    let reg: String = WORKFLOWS.iter().map(|n| format!("[[workflow]]\nname = \"{n}\"\ncommand = [\"true\"]\n")).collect();
    std::fs::write(root.join(".attune/workflows.toml"), reg)?;
    println!("telemetry summary (fresh process each time, page cache warm)");
    for n in [100_000usize, 1_000_000] {
        let home = dir.path().join(format!("home{n}"));
        std::fs::create_dir_all(home.join("telemetry"))?;
        let file = home.join("telemetry/usage.jsonl");
        write_usage(&file, n)?;
        let size = std::fs::metadata(&file)?.len();
        let run = || {
            measure(Command::new(&bin).args(["telemetry", "--json", "--days", "14", "--project-root"]).arg(&root).env("ATTUNE_HOME", &home))
        };
        let _ = run()?; // warm the page cache
        let mut best = f64::MAX;
        let mut rss = 0.0;
        let mut out = Vec::new();
        for _ in 0..3 {
            let (t, m, o) = run()?;
            best = best.min(t);
            rss = f64::max(rss, m);
            out = o;
        }
        let v: serde_json::Value = serde_json::from_slice(&out)?;
        print!(
            "  {:>9} lines ({:>5.1} MB): {:>7.3} s, peak RSS {:>5.1} MiB, {} events",
            n,
            size as f64 / 1e6,
            best,
            rss,
            v["total_requests"]
        );
        if let Some(r) = Reference::find() {
            let script = format!(
                "import os;os.environ['ATTUNE_HOME']={home:?}\nfrom pathlib import Path\nfrom attune.ops import data\nfrom attune.ops.config import build_config\nclass W:\n  def __init__(s,n): s.name=n\ndata.list_workflows=lambda include_hidden=False:[W(n) for n in {names:?}]\nimport time;t=time.perf_counter();s=data.read_telemetry_summary(build_config(Path({root:?})),recent_days=14);print(time.perf_counter()-t, s.total_requests)",
                home = home.display().to_string(),
                root = root.display().to_string(),
                names = WORKFLOWS,
            );
            let (t_all, rss_py, out) = measure(&mut r.python(&script))?;
            let txt = String::from_utf8_lossy(&out);
            let t_py: f64 = txt.split_whitespace().next().and_then(|x| x.parse().ok()).unwrap_or(t_all);
            print!(" | reference {:.3} s (+ {:.2} s import), peak {:.1} MiB → {:.1}× faster", t_py, t_all - t_py, rss_py, t_py / best);
        }
        println!();
    }
    Ok(())
}

/// 1,000 session files of 61 lines in 4 directories of `root`'s project
/// (the main one and three worktrees), modified a minute apart.
fn write_sessions(root: &Path, claude: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let enc = root.to_string_lossy().replace('/', "-");
    let now = std::time::SystemTime::now();
    for k in 0..4 {
        let d = claude.join("projects").join(if k == 0 { enc.clone() } else { format!("{enc}-wt{k}") });
        std::fs::create_dir_all(&d)?;
        for i in 0..250 {
            let mut body = String::new();
            for j in 0..30 {
                body.push_str(&format!(
                    "{{\"type\":\"user\",\"timestamp\":\"2026-11-2{}T1{}:{:02}:00.000Z\",\"message\":{{\"role\":\"user\",\"content\":\"please look at file {i} turn {j}\"}},\"gitBranch\":\"main\"}}\n",
                    i % 3,
                    j % 10,
                    j
                ));
                body.push_str(&format!(
                    "{{\"type\":\"assistant\",\"timestamp\":\"2026-11-2{}T1{}:{:02}:30.000Z\",\"message\":{{\"model\":\"claude-sonnet-4-5\",\"content\":[{{\"type\":\"text\",\"text\":\"{}\"}}],\"usage\":{{\"input_tokens\":100,\"output_tokens\":20}}}}}}\n",
                    i % 3,
                    j % 10,
                    j,
                    "lorem ipsum ".repeat(40)
                ));
            }
            body.push_str(&format!(
                "{{\"type\":\"queue-operation\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"content\":\"fix bug {i}\"}}\n"
            ));
            let p = d.join(format!("s{k}-{i:04}.jsonl"));
            std::fs::write(&p, body)?;
            std::fs::File::options().write(true).open(&p)?.set_modified(now - Duration::from_secs((i * 60) as u64))?;
            files.push(p);
        }
    }
    Ok(files)
}

fn sessions_bench() -> Result<()> {
    let bin = binary()?;
    let dir = tempfile::tempdir()?;
    let root = dir.path().canonicalize()?.join("proj");
    std::fs::create_dir_all(&root)?;
    let claude = dir.path().join("home/.claude");
    write_sessions(&root, &claude)?;
    println!("session listing (1,000 files of 61 lines, 4 directories; fresh process, page cache warm)");
    for (limit, label) in [("20", "newest 20 (the reference's default)"), ("0", "all 1,000")] {
        let run = || {
            measure(
                Command::new(&bin)
                    .args(["sessions", "--json", "--days", "30", "--limit", limit, "--project-root"])
                    .arg(&root)
                    .env("CLAUDE_CONFIG_DIR", &claude),
            )
        };
        let _ = run()?;
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..3 {
            let (t, _, out) = run()?;
            best = best.min(t);
            n = serde_json::from_slice::<serde_json::Value>(&out)?.as_array().map(|a| a.len()).unwrap_or(0);
        }
        print!("  {label:<38} {best:>7.3} s ({n} sessions)");
        if let Some(r) = Reference::find() {
            let lim = if limit == "0" { "None".to_string() } else { limit.to_string() };
            let script = format!(
                "import os;os.environ['HOME']={home:?}\nfrom attune.ops import data\nimport time;t=time.perf_counter();s=data.list_recent_sessions({root:?},days=30,limit={lim});print(time.perf_counter()-t,len(s))",
                home = dir.path().join("home").display().to_string(),
                root = root.display().to_string()
            );
            let (_, _, out) = measure(&mut r.python(&script))?;
            let txt = String::from_utf8_lossy(&out);
            let t_py: f64 = txt.split_whitespace().next().and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
            print!(" | reference {t_py:.3} s → {:.1}× faster", t_py / best);
        }
        println!();
    }
    Ok(())
}
