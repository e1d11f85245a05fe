//! `pages`: the dashboard's read-side pages as a browser gets them, from
//! the running server — cold (the first request of a fresh process) and
//! warm (after the files grew) — beside the reference's server on the same
//! files when its venv is present.
//!
//! * Home (`/`) and Telemetry (`/telemetry`) cold on 100,000 and 1,000,000
//!   line `usage.jsonl` files;
//! * then, in one process: Telemetry again with nothing changed, and
//!   Telemetry and Home after 1,000 lines were appended — whose numbers
//!   must be those a fresh process reads (`/api/telemetry`), else the bench
//!   fails;
//! * the session listing over 1,000 files (`/api/sessions`, all of them):
//!   cold, and after one file changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::reference::Reference;

/// Page requests timed per figure (the best is printed).
const TRIES: usize = 3;

/// A dashboard server, ours or the reference, on a free port.
struct Served {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Drop for Served {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        for _ in 0..100 {
            if self.child.try_wait().is_ok_and(|s| s.is_some()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    async fn start(mut cmd: Command) -> Result<Served> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        cmd.args(["--port", &port.to_string(), "--no-browser"]).stdout(Stdio::null()).stderr(Stdio::null());
        let child = cmd.spawn().with_context(|| format!("starting {:?}", cmd.get_program()))?;
        let s = Served { child, base: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new() };
        for _ in 0..300 {
            if s.client.get(format!("{}/api/info", s.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(s);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("{:?} did not start", cmd.get_program())
    }

    /// Seconds to get `path` in full (status 200 required).
    async fn time(&self, path: &str) -> Result<f64> {
        let t0 = Instant::now();
        let r = self.client.get(format!("{}{path}", self.base)).send().await?;
        if !r.status().is_success() {
            bail!("GET {path}: {}", r.status());
        }
        r.bytes().await?;
        Ok(t0.elapsed().as_secs_f64())
    }

    async fn json(&self, path: &str) -> Result<serde_json::Value> {
        Ok(self.client.get(format!("{}{path}", self.base)).send().await?.error_for_status()?.json().await?)
    }

    /// The server's peak RSS so far, MiB.
    fn peak_rss(&self) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// One world: a project with a registry, an attune home, a Claude dir.
struct World {
    bin: PathBuf,
    root: PathBuf,
    home: PathBuf,
    claude: PathBuf,
    /// `HOME` for the servers (the reference reads `~/.claude`).
    user_home: PathBuf,
}

impl World {
    fn ours(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--project-root")
            .arg(&self.root)
            .env("ATTUNE_HOME", &self.home)
            .env("CLAUDE_CONFIG_DIR", &self.claude)
            .env("HOME", &self.user_home)
            .env("ATTUNE_OPS_LOG", "warn");
        // No Admin key reaches either server: both pages are local reads.
        c.env_remove("ANTHROPIC_ADMIN_API_KEY");
        c
    }

    fn reference(&self, attune: &Path) -> Command {
        let mut c = Command::new(attune);
        c.args(["ops", "--project-root"]).arg(&self.root).env("ATTUNE_HOME", &self.home).env("HOME", &self.user_home);
        // No Admin key reaches either server: both pages are local reads.
        c.env_remove("ANTHROPIC_ADMIN_API_KEY");
        c
    }
}

fn world(dir: &Path, name: &str) -> Result<World> {
    let base = dir.join(name);
    let root = base.join("proj");
    std::fs::create_dir_all(root.join(".attune"))?;
    let reg: String = crate::WORKFLOWS.iter().map(|n| format!("[[workflow]]\nname = \"{n}\"\ncommand = [\"true\"]\n")).collect();
    std::fs::write(root.join(".attune/workflows.toml"), reg)?;
    let home = base.join("attune-home");
    std::fs::create_dir_all(home.join("telemetry"))?;
    let user_home = base.join("user");
    let claude = user_home.join(".claude");
    std::fs::create_dir_all(&claude)?;
    Ok(World { bin: crate::binary()?, root, home, claude, user_home })
}

async fn best(s: &Served, path: &str) -> Result<f64> {
    let mut b = f64::MAX;
    for _ in 0..TRIES {
        b = b.min(s.time(path).await?);
    }
    Ok(b)
}

fn ms(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn ratio(ours: f64, theirs: Option<f64>) -> String {
    match theirs {
        Some(t) => format!(" | reference {} → {:.0}× faster", ms(t), t / ours),
        None => String::new(),
    }
}

pub async fn pages_bench() -> Result<()> {
    let reference = Reference::find();
    if reference.as_ref().and_then(|r| r.server()).is_none() {
        println!("(no reference venv: set ATTUNE_REF_VENV or create ~/.cache/attune-ref to compare)");
    }
    let dir = tempfile::tempdir()?;
    println!("pages from the running server (release binary; cold = first request of a fresh process, best of {TRIES}; the reference: one run each)");
    for n in [100_000usize, 1_000_000] {
        let w = world(dir.path(), &format!("usage{n}"))?;
        let usage = w.home.join("telemetry/usage.jsonl");
        crate::write_usage(&usage, n)?;
        let mb = std::fs::metadata(&usage)?.len() as f64 / 1e6;
        for page in ["/", "/telemetry"] {
            let mut cold = f64::MAX;
            let mut peak: f64 = 0.0;
            for _ in 0..TRIES {
                let s = Served::start(w.ours()).await?;
                cold = cold.min(s.time(page).await?);
                peak = peak.max(s.peak_rss());
            }
            let theirs = match reference.as_ref().and_then(|r| r.server()) {
                Some(r) => {
                    let s = Served::start(w.reference(r)).await?;
                    Some(s.time(page).await?)
                }
                None => None,
            };
            println!(
                "  {page:<10} cold, {n:>9} lines ({mb:>5.1} MB): {:>9}, server peak RSS {peak:.0} MiB{}",
                ms(cold),
                ratio(cold, theirs)
            );
        }
        // Warm, in one process: unchanged, then 1,000 lines appended.
        let s = Served::start(w.ours()).await?;
        s.time("/telemetry").await?;
        let unchanged = best(&s, "/telemetry").await?;
        // The reference, also past its first request (it keeps no summary:
        // every request reads the file again).
        let theirs_start = match reference.as_ref().and_then(|r| r.server()) {
            Some(r) => {
                let t = Served::start(w.reference(r)).await?;
                t.time("/telemetry").await?;
                Some(t)
            }
            None => None,
        };
        let mut after = f64::MAX;
        let mut after_home = f64::MAX;
        let mut theirs_after = None;
        let mut next = n;
        for round in 0..TRIES {
            append_usage(&usage, &mut next, 1000)?;
            after = after.min(s.time("/telemetry").await?);
            append_usage(&usage, &mut next, 1000)?;
            after_home = after_home.min(s.time("/").await?);
            if round == 0 {
                if let Some(r) = &theirs_start {
                    theirs_after = Some(r.time("/telemetry").await?);
                }
            }
        }
        drop(theirs_start);
        let followed = s.json("/api/telemetry?days=14").await?;
        let fresh = Served::start(w.ours()).await?.json("/api/telemetry?days=14").await?;
        if followed != fresh {
            bail!("after appends the running server's numbers differ from a fresh process's:\n{followed}\n{fresh}");
        }
        println!("  /telemetry warm, nothing changed: {:>9}", ms(unchanged));
        println!("  /telemetry after 1,000 appended lines: {:>9}{}", ms(after), ratio(after, theirs_after));
        println!(
            "  /          after 1,000 appended lines: {:>9} (numbers identical to a fresh process: {} events)",
            ms(after_home),
            fresh["total_requests"]
        );
    }
    sessions_pages(dir.path(), reference.as_ref()).await
}

/// `count` more lines, numbered on from `next`.
fn append_usage(path: &Path, next: &mut usize, count: usize) -> Result<()> {
    let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
    let mut text = String::new();
    let from = std::mem::replace(next, *next + count);
    for i in from..from + count {
        text.push_str(&format!(
            "{{\"v\":\"1.0\",\"ts\":\"2026-11-30T12:00:00.{:06}Z\",\"workflow\":\"{}\",\"cost\":0.{:06},\"seq\":{i}}}\n",
            i % 1_000_000,
            crate::WORKFLOWS[i % crate::WORKFLOWS.len()],
            (i * 37) % 999_999
        ));
    }
    f.write_all(text.as_bytes())?;
    Ok(())
}

async fn sessions_pages(dir: &Path, reference: Option<&Reference>) -> Result<()> {
    let w = world(dir, "sessions")?;
    let files = crate::write_sessions(&w.root.canonicalize()?, &w.claude)?;
    let changed = &files[files.len() / 2];
    let list = "/api/sessions?days=30&limit=0";
    let mut cold = f64::MAX;
    for _ in 0..TRIES {
        let s = Served::start(w.ours()).await?;
        cold = cold.min(s.time(list).await?);
    }
    let s = Served::start(w.ours()).await?;
    let n = s.json(list).await?["sessions"].as_array().map_or(0, |a| a.len());
    let mut after = f64::MAX;
    for _ in 0..TRIES {
        std::fs::OpenOptions::new()
            .append(true)
            .open(changed)?
            .write_all(b"{\"type\":\"user\",\"timestamp\":\"2026-11-30T10:00:00Z\",\"content\":\"one more\"}\n")?;
        after = after.min(s.time(list).await?);
    }
    let (theirs_cold, theirs_after) = match reference {
        Some(r) => r.sessions_twice(&w.root.canonicalize()?, &w.user_home, changed)?,
        None => (None, None),
    };
    println!("  sessions, {} files ({n} listed), cold: {:>9}{}", files.len(), ms(cold), ratio(cold, theirs_cold));
    println!("  sessions after one file changed:      {:>9}{}", ms(after), ratio(after, theirs_after));
    Ok(())
}
