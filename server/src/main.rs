//! `attune-ops`: start the dashboard (or run one of its read-only commands).
//!
//! Flags follow the reference `attune ops`; differences are documented in
//! the README. Errors are one line on stderr with a non-zero exit code.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgAction, Args, Parser, Subcommand};

use attune_ops::config::{self, ConfigOptions};
use attune_ops_server::Server;

/// The attune ops dashboard: run workflows over a project, watch them live,
/// see run history, spend, sessions, specs, telemetry and the bulletin.
///
/// Without a command, starts the dashboard. The commands print one view and
/// exit, without starting the server.
#[derive(Parser, Debug)]
#[command(name = "attune-ops", version = attune_ops_server::VERSION_LINE, about, long_about = None, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,

    #[command(flatten)]
    common: CommonArgs,

    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Port to bind (default: $PORT if set, else 8765).
    #[arg(long)]
    port: Option<u16>,

    /// Do not open a browser.
    #[arg(long)]
    no_browser: bool,

    /// Enable workflow runs, status flips and dismissals (off by default).
    #[arg(long, conflicts_with = "read_only")]
    allow_run: bool,

    /// Keep execution off (the default; accepted for compatibility).
    #[arg(long)]
    read_only: bool,

    /// Extra accepted Host header value, HOST[:PORT] (repeatable).
    #[arg(long = "trusted-host", value_name = "HOST[:PORT]", action = ArgAction::Append)]
    trusted_hosts: Vec<String>,

    /// Delete persisted runs older than DAYS at startup and daily (0: never).
    #[arg(long, value_name = "DAYS", default_value_t = config::DEFAULT_RETENTION_DAYS)]
    runs_retention_days: u32,

    /// Turn the "Ready to close?" spec candidates on (saved for next time).
    #[arg(long, conflicts_with = "no_specs_candidates")]
    specs_candidates: bool,

    /// Turn the spec candidates off (saved for next time).
    #[arg(long)]
    no_specs_candidates: bool,

    /// How many runs may execute at once; further starts wait in a queue.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    max_concurrent_runs: u32,

    /// The team login's access token, kept in FILE (created with a new
    /// token, mode 0600, when missing) so the login link survives restarts.
    /// Only for binds beyond loopback, where every request needs a login.
    #[arg(long, value_name = "FILE")]
    auth_token_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Summarise <attune home>/telemetry/usage.jsonl (the Telemetry page).
    Telemetry {
        /// Print the summary as JSON (the reference's field names).
        #[arg(long)]
        json: bool,
        /// Days before today in the by-day table (the window is DAYS + 1 days).
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// List the project's recent Claude Code sessions (the Sessions page).
    Sessions {
        /// Print the sessions as JSON (the reference's field names first).
        #[arg(long)]
        json: bool,
        /// Sessions whose file changed in the last DAYS days.
        #[arg(long, default_value_t = 3.0)]
        days: f64,
        /// At most N sessions (0: no limit).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// List the specs under the spec roots (the Specs page).
    Specs {
        /// Print `GET /api/specs` (the reference's fields).
        #[arg(long)]
        json: bool,
    },
    /// Detect specs that look ready to close ("Ready to close?"), without
    /// starting the server. GitHub checks use $GH_TOKEN / $GITHUB_TOKEN or
    /// `gh auth token`.
    Candidates {
        /// Print the candidates as JSON (the reference's field names).
        #[arg(long)]
        json: bool,
        /// Evaluate at this time (seconds since the epoch) instead of now.
        #[arg(long, value_name = "EPOCH", allow_negative_numbers = true)]
        now: Option<f64>,
    },
    /// Anthropic spend from the Admin API cost report (the Cost page).
    ///
    /// Exit codes: 0 ok; 3 no key; 4 key rejected; 5 rate-limited;
    /// 6 network; 7 unexpected answer.
    Cost {
        /// Print the summary as JSON (CostSummary fields; on failure
        /// `{"error": {"kind", "message"}}`).
        #[arg(long)]
        json: bool,
        /// Ask Anthropic even if a cached answer exists (a command has no
        /// cache between runs, so it always does; accepted for symmetry
        /// with the dashboard's `?refresh=1`).
        #[arg(long)]
        refresh: bool,
    },
}

/// Flags shared by the server and its commands.
#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// Project root (default: the current directory, or the main checkout
    /// when inside a git repository or a linked worktree).
    #[arg(long, value_name = "DIR", global = true)]
    project_root: Option<PathBuf>,

    /// Spec root directory (repeatable; default: <project-root>/docs/specs).
    #[arg(long = "specs-root", value_name = "DIR", action = ArgAction::Append, global = true)]
    specs_roots: Vec<PathBuf>,

    /// Monthly Anthropic budget in USD for the Cost page's gauge and the
    /// spend alarm's ceiling (default: $ATTUNE_OPS_MONTHLY_BUDGET_USD, else
    /// the budget saved from the Cost page, else none).
    #[arg(long, value_name = "USD", global = true, value_parser = parse_budget_flag)]
    monthly_budget: Option<f64>,
}

fn parse_budget_flag(s: &str) -> Result<f64, String> {
    match attune_ops::cost::parse_budget_text(s)? {
        Some(v) => Ok(v),
        None => Err("expected a number of dollars".into()),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 2.
            let code = e.exit_code();
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("attune-ops: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("ATTUNE_OPS_LOG").unwrap_or_else(|_| EnvFilter::new("info,attune_ops=info,tower_http=warn,leptos=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

/// `$PORT` when set and non-empty; an invalid value is an error for this
/// command only (the reference crashed every `attune` command, its Q4).
fn port_from_env() -> anyhow::Result<Option<u16>> {
    match std::env::var("PORT") {
        Ok(v) if !v.trim().is_empty() => {
            v.trim().parse::<u16>().map(Some).with_context(|| format!("PORT={v:?} is not a valid port number"))
        }
        _ => Ok(None),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(cmd) = &cli.command {
        return commands::run(cmd, &cli.common);
    }
    let port = match cli.port {
        Some(p) => p,
        None => port_from_env()?.unwrap_or(config::DEFAULT_PORT),
    };
    let flag = if cli.specs_candidates {
        Some(true)
    } else if cli.no_specs_candidates {
        Some(false)
    } else {
        None
    };
    let specs_candidates_enabled = config::resolve_specs_candidates(flag, &config::attune_home());
    let allow_run = cli.allow_run && !cli.read_only;
    let cfg = config::build_config(ConfigOptions {
        project_root: cli.common.project_root.clone(),
        host: cli.host.clone(),
        port,
        allow_run,
        specs_roots: cli.common.specs_roots.clone(),
        trusted_hosts: cli.trusted_hosts.clone(),
        runs_retention_days: cli.runs_retention_days,
        specs_candidates_enabled,
        max_concurrent_runs: cli.max_concurrent_runs as usize,
        monthly_budget: cli.common.monthly_budget,
        sweep_results: std::env::var_os("ATTUNE_OPS_SWEEP_RESULTS").is_some_and(|v| !v.is_empty()),
        ..ConfigOptions::default()
    })?;

    let everywhere = matches!(cli.host.as_str(), "0.0.0.0" | "::" | "[::]");
    if everywhere && cli.trusted_hosts.is_empty() {
        eprintln!(
            "WARNING: Binding to {} without --trusted-host means any external hostname will be rejected by the security middleware.",
            cli.host
        );
        eprintln!("  Pass --trusted-host <external-hostname> for each hostname clients use to reach this dashboard.");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let ip: IpAddr = resolve_host(&cli.host)?;
        let addr = SocketAddr::new(ip, port);
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                anyhow::bail!("port {port} is already in use on {} (choose another with --port)", cli.host)
            }
            Err(e) => anyhow::bail!("cannot listen on {addr}: {e}"),
        };
        let mut server = Server::new(cfg.clone()).context("cannot start the engine")?;
        match (&cli.auth_token_file, server.access.is_some()) {
            (Some(f), true) => server.access = Some(std::sync::Arc::new(attune_ops_server::TeamAccess::from_file(f)?)),
            (Some(_), false) => eprintln!("note: --auth-token-file is ignored on a loopback address (no login is needed there)"),
            (None, _) => {}
        }
        match &server.site.source {
            attune_ops_server::site::Source::Missing => tracing::warn!(
                "this binary was built without its site and none was found on disk: pages will render without styles and scripts. Build with `scripts/build.sh`, or set LEPTOS_SITE_ROOT."
            ),
            attune_ops_server::site::Source::Disk(root) if !server.site.is_complete() => {
                tracing::warn!(root = %root.display(), "the site on disk lacks its script, wasm or stylesheet: pages may not look right or come alive")
            }
            attune_ops_server::site::Source::Disk(root) if attune_ops_server::Site::has_embedded() => tracing::warn!(
                root = %root.display(),
                "LEPTOS_SITE_ROOT is set: serving the site from that directory instead of the one this binary carries"
            ),
            attune_ops_server::site::Source::Disk(root) => tracing::info!(root = %root.display(), "serving the site from disk"),
            attune_ops_server::site::Source::Embedded => {}
        }
        let actual = listener.local_addr()?.port();
        let url = format!("http://{}:{}", if cli.host.contains(':') { format!("[{}]", cli.host) } else { cli.host.clone() }, actual);
        println!("attune ops → {url}");
        println!(" project: {}", cfg.project_root.display());
        println!(" attune-home: {}", cfg.attune_home.display());
        if cfg.allow_run {
            println!(" allow-run: on (max {} concurrent)", cfg.max_concurrent_runs);
        } else {
            println!(" allow-run: off (read-only; start with --allow-run to enable runs)");
        }
        println!(" specs-candidates: {}", if cfg.specs_candidates_enabled { "on" } else { "off" });
        if let Some(access) = &server.access {
            // The bind address is not one a browser can open for 0.0.0.0
            // or `::`: the first trusted host is what the team uses.
            let link_host = match cli.trusted_hosts.first() {
                Some(t) if t.contains(':') => t.clone(),
                Some(t) => format!("{t}:{actual}"),
                None if everywhere => format!("127.0.0.1:{actual}"),
                None => url.trim_start_matches("http://").to_string(),
            };
            println!(
                " login: on (not a loopback address) → http://{link_host}/login?token={}",
                attune_ops_app::urlcode::encode_component(access.token())
            );
            println!("        scripts: Authorization: Bearer <token>");
        }
        if !cli.no_browser {
            open_browser(&url);
        }
        let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(watch_signals(server.ops.clone(), first_tx));
        server
            .serve(listener, async move {
                let _ = first_rx.await;
            })
            .await
            .context("server error")?;
        println!("attune ops stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// `localhost` and IP literals.
fn resolve_host(host: &str) -> anyhow::Result<IpAddr> {
    if host == "localhost" {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .with_context(|| format!("--host {host:?} is not an IP address or localhost"))
}

/// The first signal starts the graceful shutdown (`first`); a second one
/// means "now": the run commands are killed and the process exits at once
/// (their records are recovered on the next start). The listeners are
/// registered once, so a second signal right after the first is not lost.
async fn watch_signals(ops: std::sync::Arc<attune_ops::ops::Ops>, first: tokio::sync::oneshot::Sender<()>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut int, mut term) = match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(i), Ok(t)) => (i, t),
        _ => {
            eprintln!("attune ops: cannot listen for Ctrl-C/SIGTERM; stop it with SIGKILL");
            return std::future::pending().await;
        }
    };
    tokio::select! {
        _ = int.recv() => {},
        _ = term.recv() => {},
    }
    eprintln!("attune ops: shutting down (cancelling in-flight runs; press Ctrl-C again to quit at once)…");
    let _ = first.send(());
    tokio::select! {
        _ = int.recv() => {},
        _ = term.recv() => {},
    }
    eprintln!("attune ops: stopping now");
    ops.kill_now();
    std::process::exit(130);
}

/// Best effort; failures are ignored.
fn open_browser(url: &str) {
    for prog in ["xdg-open", "open"] {
        if std::process::Command::new(prog)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
}

/// The read-only commands: one view, printed, no server.
mod commands {
    use std::process::ExitCode;

    use anyhow::Context;
    use attune_ops::config::{self, ConfigOptions};
    use attune_ops::wire::CostErrorKind;

    use super::{Cmd, CommonArgs};

    fn config(common: &CommonArgs) -> anyhow::Result<config::Config> {
        Ok(config::build_config(ConfigOptions {
            project_root: common.project_root.clone(),
            specs_roots: common.specs_roots.clone(),
            monthly_budget: common.monthly_budget,
            ..ConfigOptions::default()
        })?)
    }

    pub fn run(cmd: &Cmd, common: &CommonArgs) -> anyhow::Result<ExitCode> {
        // Like any Unix filter: `attune-ops telemetry | head` ends quietly
        // when the reader goes away. (The server keeps Rust's default of
        // ignoring SIGPIPE.)
        // SAFETY: resetting a signal disposition before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
        let cfg = config(common)?;
        match cmd {
            Cmd::Telemetry { json, days } => telemetry(&cfg, *json, *days).map(|_| ExitCode::SUCCESS),
            Cmd::Sessions { json, days, limit } => sessions(&cfg, *json, *days, *limit).map(|_| ExitCode::SUCCESS),
            Cmd::Cost { json, refresh } => cost(&cfg, *json, *refresh),
            Cmd::Specs { json } => specs(&cfg, *json).map(|_| ExitCode::SUCCESS),
            Cmd::Candidates { json, now } => candidates(&cfg, *json, *now),
        }
    }

    fn specs(cfg: &config::Config, json: bool) -> anyhow::Result<()> {
        let (roots, specs) = attune_ops::specs::list_specs(cfg, chrono::Utc::now());
        if json {
            println!("{}", serde_json::to_string_pretty(&attune_ops::specs::listing_json(&roots, &specs)).context("encoding the specs")?);
            return Ok(());
        }
        let roots: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        println!("{} spec(s) across {} root(s): {}", specs.len(), roots.len(), roots.join(", "));
        for s in &specs {
            println!("  {:<32} {:<22} {:<12} {}", s.slug, s.lifecycle, s.stage, s.next_action);
        }
        Ok(())
    }

    fn candidates(cfg: &config::Config, json: bool, now: Option<f64>) -> anyhow::Result<ExitCode> {
        let now = match now {
            Some(t) if t.is_finite() => chrono::DateTime::<chrono::Utc>::from_timestamp_micros((t * 1e6).round() as i64)
                .ok_or_else(|| anyhow::anyhow!("--now {t} is out of range"))?,
            Some(t) => anyhow::bail!("--now {t} is not a time"),
            None => chrono::Utc::now(),
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
        let detector = attune_ops::specs::candidates::Detector::new();
        let d = rt.block_on(detector.detect(cfg, now));
        for n in &d.notes {
            eprintln!("attune-ops: candidates: {n}");
        }
        if json {
            let list: Vec<serde_json::Value> = d.candidates.iter().map(attune_ops::specs::candidate_json).collect();
            println!("{}", serde_json::to_string_pretty(&list).context("encoding the candidates")?);
            return Ok(ExitCode::SUCCESS);
        }
        if d.candidates.is_empty() {
            println!("No spec looks ready to close.");
        }
        for c in &d.candidates {
            println!("{}  (status from {}.md; snapshot {})", c.slug, c.status_phase, &c.snapshot_hash[..12]);
            for e in &c.evidence {
                println!("    {e}");
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The exit code for a cost error kind (documented in `--help`).
    fn cost_exit(kind: CostErrorKind) -> ExitCode {
        ExitCode::from(match kind {
            CostErrorKind::NoKey => 3,
            CostErrorKind::AuthFailed => 4,
            CostErrorKind::RateLimited => 5,
            CostErrorKind::Network => 6,
            CostErrorKind::Unknown => 7,
        })
    }

    fn cost(cfg: &config::Config, json: bool, refresh: bool) -> anyhow::Result<ExitCode> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
        let client = attune_ops::cost::CostClient::new();
        let r = rt.block_on(client.fetch_summary(refresh));
        let s = match (r.summary, r.error) {
            (Some(s), None) => s,
            (_, Some(e)) => {
                if json {
                    println!("{}", serde_json::json!({"error": {"kind": e.kind, "message": e.message}}));
                } else {
                    let kind = serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                    eprintln!("attune-ops: cost: {kind}: {}", e.message);
                }
                return Ok(cost_exit(e.kind));
            }
            (None, None) => anyhow::bail!("no cost summary and no error (a bug)"),
        };
        if json {
            println!("{}", serde_json::to_string_pretty(&s).context("encoding the summary")?);
            return Ok(ExitCode::SUCCESS);
        }
        let today = attune_ops::pyfmt::today_utc();
        println!("Anthropic spend ({}, fetched {})", s.source, s.fetched_at);
        println!("  today          ${:>12.2}", s.today_usd);
        println!("  7 days         ${:>12.2}", s.seven_day_usd);
        println!("  month to date  ${:>12.2}", s.month_to_date_usd);
        println!("  30 days        ${:>12.2}", s.thirty_day_usd);
        println!(
            "  burn rate      ${:>12.2}/day (last 7 days) · month-end projection ${:.2}",
            attune_ops::cost::burn_rate(&s),
            attune_ops::cost::month_end_projection(&s, today)
        );
        if let Some(b) = config::monthly_budget(cfg) {
            println!(
                "  budget         ${:>12.2}/month ({}) · {:.0}% used",
                b.monthly_usd,
                b.source,
                s.month_to_date_usd / b.monthly_usd * 100.0
            );
        }
        let total: f64 = s.by_model.iter().map(|m| m.1).sum();
        println!("\nBy model:");
        for (name, usd) in &s.by_model {
            println!("  {name:<32} ${usd:>12.2}  {:>5.1}%", if total > 0.0 { usd / total * 100.0 } else { 0.0 });
        }
        println!("\nBy cost type:");
        for (name, usd) in &s.by_cost_type {
            println!("  {name:<32} ${usd:>12.2}");
        }
        if s.bad_amounts > 0 || s.bad_buckets > 0 {
            println!(
                "\n({} row(s) had no usable amount and counted as $0; {} bucket(s) had no date and were skipped)",
                s.bad_amounts, s.bad_buckets
            );
        }
        Ok(ExitCode::SUCCESS)
    }

    fn telemetry(cfg: &config::Config, json: bool, days: u32) -> anyhow::Result<()> {
        let reg = attune_ops::registry::Registry::load(&cfg.project_root);
        let known: Option<std::collections::HashSet<String>> = (!reg.workflows.is_empty()).then(|| reg.names().into_iter().collect());
        let s = attune_ops::telemetry::summarize(&cfg.telemetry_path(), days, attune_ops::pyfmt::today_utc(), known.as_ref());
        if json {
            println!("{}", serde_json::to_string_pretty(&s).context("encoding the summary")?);
            return Ok(());
        }
        println!("Telemetry from {}", s.path);
        if !s.file_present {
            println!("  (no such file: nothing recorded yet)");
            return Ok(());
        }
        println!(
            "  {} events · ${:.2} spent · ${:.2} reported savings · last event {}",
            s.total_requests,
            s.total_cost,
            s.total_savings,
            s.last_event_at.as_deref().unwrap_or("—")
        );
        if s.skipped_lines > 0 {
            println!("  {} line(s) were not JSON objects and were skipped", s.skipped_lines);
        }
        println!("\nBy workflow (top 20{}):", if known.is_some() { ", registry workflows" } else { "" });
        for (name, n, cost) in &s.by_workflow {
            println!("  {name:<28} {n:>8}  ${cost:.4}");
        }
        println!("\nLast {} days (and today):", days);
        for (day, n, cost) in &s.by_day {
            println!("  {day}  {n:>8}  ${cost:.4}");
        }
        Ok(())
    }

    fn sessions(cfg: &config::Config, json: bool, days: f64, limit: usize) -> anyhow::Result<()> {
        let cache = attune_ops::sessions::SessionCache::default();
        let limit = (limit > 0).then_some(limit);
        let l = attune_ops::sessions::list_sessions(&cfg.claude_dir, &cfg.project_root, days, limit, chrono::Utc::now(), &cache);
        if json {
            println!("{}", serde_json::to_string_pretty(&l.sessions).context("encoding the sessions")?);
            return Ok(());
        }
        if l.dirs.is_empty() {
            println!("No Claude Code sessions for {} under {}/projects.", cfg.project_root.display(), cfg.claude_dir.display());
            return Ok(());
        }
        println!("{} session(s) active in the last {} day(s) ({} file(s) in all):", l.sessions.len(), days, l.files_total);
        for s in &l.sessions {
            let prompt = s.first_prompt.clone().filter(|_| s.message_count == 0).unwrap_or_else(|| s.starter_prompt.clone());
            let (red, _) = attune_ops::redact::redact(&prompt);
            let short: String = red.chars().take(70).collect();
            println!(
                "  {}  {}  {:>6.0} min  {:>3} msg  {}{}  {}",
                s.id.chars().take(8).collect::<String>(),
                s.last_activity.chars().take(19).collect::<String>(),
                s.duration_seconds / 60.0,
                s.message_count.max(s.user_messages),
                s.git_branch.as_deref().unwrap_or("-"),
                if s.active { " (active)" } else { "" },
                short
            );
        }
        Ok(())
    }
}
