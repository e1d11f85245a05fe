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
//!
//! Figures are printed; nothing is asserted except correctness (no line
//! lost), because machines here are shared and noisy.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures::StreamExt;

const LINES: u64 = 1_000_000;

fn main() -> Result<()> {
    let what: Vec<String> = std::env::args().skip(1).collect();
    let all = what.is_empty();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if all || what.iter().any(|w| w == "sse") {
        rt.block_on(sse_bench())?;
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

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

const REGISTRY: &str = r#"
[[workflow]]
name = "flood"
description = "1,000,000 lines as fast as possible"
command = ["awk", "BEGIN { for (i = 1; i <= 1000000; i++) print \"line \" i \" of the flood: lorem ipsum dolor sit amet\" }"]

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
