//! The `attune-ops` binary as a user runs it: flags, errors, the read-only
//! commands, graceful shutdown.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use attune_ops_test_support::http::{Answer, Imitation};
use attune_ops_test_support::procs;
use attune_ops_test_support::project::TempProject;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_attune-ops"));
    c.env_remove("PORT").env("ATTUNE_OPS_LOG", "warn");
    c
}

/// A project with one workflow and a telemetry file (with a bad line), in
/// a temporary directory: `(guard, project root, attune home)`.
fn fixture() -> (TempProject, PathBuf, PathBuf) {
    let p = TempProject::with_registry("[[workflow]]\nname = \"code-review\"\ncommand = [\"true\"]\n");
    p.write_home(
        "telemetry/usage.jsonl",
        "{\"ts\":\"2026-01-02T10:00:00Z\",\"workflow\":\"code-review\",\"cost\":0.5}\n{\"ts\":\"2026-01-02T11:00:00Z\",\"workflow\":\"other\",\"cost\":1.25,\"savings\":0.1}\nnot json\n",
    );
    let (root, home) = (p.root.clone(), p.home.clone());
    (p, root, home)
}

#[test]
fn telemetry_command_prints_the_reference_fields() {
    let (_d, root, home) = fixture();
    let out = bin().args(["telemetry", "--json", "--project-root"]).arg(&root).env("ATTUNE_HOME", &home).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total_requests"], 2);
    assert_eq!(v["total_cost"], 1.75);
    assert_eq!(v["total_savings"], 0.1);
    assert_eq!(v["by_workflow"], serde_json::json!([["code-review", 1, 0.5]]));
    assert_eq!(v["last_event_at"], "2026-01-02T11:00:00Z");
    assert_eq!(v["skipped_lines"], 1);
    let human = bin().args(["telemetry", "--project-root"]).arg(&root).env("ATTUNE_HOME", &home).output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("2 events · $1.75 spent"));
}

#[test]
fn sessions_command_lists_json() {
    let (d, root, _home) = fixture();
    let claude = d.path().join("claude");
    let dir = claude.join("projects").join(root.to_string_lossy().replace('/', "-"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("abc.jsonl"), "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"content\":\"hello there\"}\n").unwrap();
    let out = bin()
        .args(["sessions", "--json", "--days", "36500", "--project-root"])
        .arg(&root)
        .env("CLAUDE_CONFIG_DIR", &claude)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], "abc");
    assert_eq!(v[0]["message_count"], 1);
    assert_eq!(v[0]["starter_prompt"], "hello there");
    assert_eq!(v[0]["source"], "heuristic");
}

#[test]
fn bad_input_gives_one_line_errors_and_nonzero_exits() {
    let (_d, root, _home) = fixture();
    // A bad flag value: usage error, exit 2.
    let out = bin().args(["--port", "notaport"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["--runs-retention-days", "-3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Conflicting flags.
    let out = bin().args(["--specs-candidates", "--no-specs-candidates"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A missing project root: one line, exit 1.
    let out = bin().args(["--project-root", "/definitely/not/here", "--no-browser"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/definitely/not/here does not exist"), "{err}");
    // An invalid $PORT is an error for this command only.
    let out = bin().env("PORT", "eighty").args(["--no-browser", "--project-root"]).arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PORT=\"eighty\" is not a valid port number"));
}

#[test]
fn port_in_use_is_a_clear_error() {
    let (_d, root, home) = fixture();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = bin().args(["--no-browser", "--port", &port, "--project-root"]).arg(&root).env("ATTUNE_HOME", &home).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("port {port} is already in use")), "{err}");
}

#[test]
fn banner_then_clean_exit_on_sigterm() {
    let (_d, root, home) = fixture();
    let port = free_port();
    let mut child = bin()
        .args(["--no-browser", "--port", &port, "--project-root"])
        .arg(&root)
        .env("ATTUNE_HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_port(&port);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(stdout.contains(&format!("attune ops → http://127.0.0.1:{port}")), "{stdout}");
    assert!(stdout.contains(&format!(" project: {}", root.display())));
    assert!(stdout.contains(&format!(" attune-home: {}", home.display())));
    assert!(stdout.contains(" allow-run: off (read-only"));
    assert!(stdout.contains(" specs-candidates: off"));
}

/// `0.0.0.0` and `::` warn about the Host allowlist and turn the team
/// login on: the banner prints the login link; `--auth-token-file` keeps
/// the token across restarts, and the link works.
#[test]
fn binding_everywhere_warns_and_prints_a_login_link() {
    let (d, root, home) = fixture();
    let token_file = d.path().join("team-token");
    let run = |host: &str, extra: &[&str]| -> (String, String, String) {
        let port = free_port();
        let mut child = bin()
            .args(["--no-browser", "--host", host, "--port", &port, "--project-root"])
            .arg(&root)
            .args(extra)
            .env("ATTUNE_HOME", &home)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_port(&port);
        let (mut out, mut err) = (String::new(), String::new());
        // The login link is in the banner: reading stdout up to it.
        let mut stdout = child.stdout.take().unwrap();
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(10);
        // The banner ends with the login lines, or with specs-candidates.
        let complete =
            |o: &str| o.contains("scripts:") || (o.contains(" specs-candidates:") && !host.contains(':') && host.starts_with("127."));
        while !complete(&out) && Instant::now() < deadline {
            let n = stdout.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        let link = out.lines().find_map(|l| l.split("→ ").nth(1).filter(|u| u.contains("/login?token="))).unwrap_or("").to_string();
        if !link.is_empty() {
            let path = link.trim().trim_start_matches(&format!("http://127.0.0.1:{port}")).to_string();
            let page = http(&port, "GET", &path, &[], "");
            assert!(page.contains("Signed in"), "{page}");
        }
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        assert_eq!(child.wait().unwrap().code(), Some(0));
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        (out, err, link)
    };
    let (out, err, link) = run("0.0.0.0", &[]);
    assert!(err.contains("WARNING: Binding to 0.0.0.0 without --trusted-host"), "{err}");
    assert!(out.contains(" login: on (not a loopback address)"), "{out}");
    assert!(link.starts_with("http://127.0.0.1:") && link.contains("/login?token="), "{out}");
    let (_, err, _) = run("::", &[]);
    assert!(err.contains("WARNING: Binding to :: without --trusted-host"), "{err}");
    // A team's file: created on first use, the same token next time.
    let (_, _, first) = run("0.0.0.0", &["--auth-token-file", token_file.to_str().unwrap()]);
    let saved = std::fs::read_to_string(&token_file).unwrap();
    assert!(first.ends_with(saved.trim()), "{first} vs {saved}");
    let (_, _, second) = run("0.0.0.0", &["--auth-token-file", token_file.to_str().unwrap()]);
    assert_eq!(first.split("token=").nth(1), second.split("token=").nth(1));
    // Loopback: no login, and the file is not needed.
    let (out, err, _) = run("127.0.0.1", &["--auth-token-file", token_file.to_str().unwrap()]);
    assert!(!out.contains("login:"), "{out}");
    assert!(err.contains("--auth-token-file is ignored on a loopback address"), "{err}");
}

/// An imitation of the Admin API on loopback answering every request with
/// `status` and `body`; returns the base URL (the imitation's threads live
/// as long as the test process).
fn fake_cost_api(status: u16, body: &'static str) -> String {
    Imitation::start(move |_| Answer::json(status, body)).url().to_string()
}

#[test]
fn cost_command_json_and_exit_codes() {
    let (d, root, home) = fixture();
    let key = "sk-ant-admin01-CLI-SECRET";
    let run = |url: &str, key: Option<&str>, json: bool| {
        let mut c = bin();
        c.arg("cost")
            .args(json.then_some("--json"))
            .arg("--project-root")
            .arg(&root)
            .env("ATTUNE_HOME", &home)
            .env("HOME", d.path())
            .env("ANTHROPIC_BASE_URL", url);
        match key {
            Some(k) => c.env("ANTHROPIC_ADMIN_API_KEY", k),
            None => c.env_remove("ANTHROPIC_ADMIN_API_KEY"),
        };
        c.output().unwrap()
    };
    // No key anywhere: exit 3, the kind and a message.
    let out = run("http://127.0.0.1:9", None, true);
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "no_key");
    // A good answer.
    let today = chrono::Utc::now().date_naive();
    let body: &'static str = Box::leak(
        format!(r#"{{"data":[{{"starting_at":"{today}T00:00:00Z","results":[{{"amount":"250.004","model":"claude-sonnet-4-5","cost_type":"tokens"}}]}}],"has_more":false}}"#)
            .into_boxed_str(),
    );
    let out = run(&fake_cost_api(200, body), Some(key), true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["today_usd"], 2.5);
    assert_eq!(v["month_to_date_usd"], 2.5);
    assert_eq!(v["by_model"], serde_json::json!([["claude-sonnet-4-5", 2.50004]]));
    assert_eq!(v["source"], "live");
    let human = run(&fake_cost_api(200, body), Some(key), false);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("today") && text.contains("2.50") && text.contains("claude-sonnet-4-5"), "{text}");
    // Rejected key: exit 4, and the key is nowhere in the output.
    let out = run(&fake_cost_api(401, "{}"), Some(key), true);
    assert_eq!(out.status.code(), Some(4));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("auth_failed") && !all.contains(key), "{all}");
    // Rate limited (5), server error (6), garbage (7); text mode on stderr.
    assert_eq!(run(&fake_cost_api(429, "{}"), Some(key), true).status.code(), Some(5));
    assert_eq!(run(&fake_cost_api(503, "{}"), Some(key), true).status.code(), Some(6));
    let out = run(&fake_cost_api(200, "<html>"), Some(key), false);
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown"));
}

#[test]
fn specs_and_candidates_commands() {
    let (d, root, home) = fixture();
    let spec = root.join("docs/specs/done-thing");
    std::fs::create_dir_all(&spec).unwrap();
    std::fs::write(spec.join("decisions.md"), "**Status:** approved\n").unwrap();
    std::fs::write(spec.join("tasks.md"), "- [x] a\n").unwrap();
    let run = |args: &[&str]| {
        bin()
            .args(args)
            .arg("--project-root")
            .arg(&root)
            .env("ATTUNE_HOME", &home)
            .env("HOME", d.path())
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap()
    };
    let out = run(&["specs", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["specs"][0]["slug"], "done-thing");
    assert_eq!(v["specs"][0]["stage"], "requirements");
    // Edited just now: too recent at the real time, a candidate three days later
    // (no GitHub repository around the temporary project, and no PR referenced).
    let out = run(&["candidates", "--json"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!([]));
    let later = (chrono::Utc::now() + chrono::Duration::days(3) + chrono::Duration::minutes(1)).timestamp().to_string();
    let out = run(&["candidates", "--json", "--now", &later]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["slug"], "done-thing");
    assert_eq!(v[0]["current_status"], "approved");
    assert_eq!(v[0]["evidence"], serde_json::json!(["✓ 1 task row complete", "✓ last edit 3 days ago"]));
    assert_eq!(v[0]["snapshot_hash"].as_str().unwrap().len(), 64);
    let keys: Vec<&str> = v[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "the reference's fields only: {keys:?}");
}

/// A minimal HTTP/1.1 exchange over loopback (the binary under test has its
/// own runtime; plain sockets keep this test synchronous). Returns the body.
fn http(port: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

fn wait_port(port: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port nobody listens on (at the time of asking).
fn free_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string()
}

#[test]
fn a_dashboard_killed_mid_run_leaves_nothing_running_after_restart() {
    let (d, root, home) = fixture();
    let pidfile = d.path().join("sleeper.pid");
    std::fs::write(
        root.join(".attune/workflows.toml"),
        format!(
            "[[workflow]]\nname = \"hang\"\ncommand = [\"sh\", \"-c\", \"echo started; sleep 120 & echo $! > '{}'; wait\"]\n",
            pidfile.display()
        ),
    )
    .unwrap();
    let start = |port: &str| {
        bin()
            .args(["--no-browser", "--allow-run", "--port", port, "--project-root"])
            .arg(&root)
            .env("ATTUNE_HOME", &home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let port = free_port();
    let mut first = start(&port);
    wait_port(&port);
    let token: serde_json::Value = serde_json::from_str(&http(&port, "GET", "/api/session/token", &[], "")).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let started = http(&port, "POST", "/workflows/hang/run", &[("X-Attune-Client", &token), ("Content-Type", "application/json")], "{}");
    let started: serde_json::Value = serde_json::from_str(&started).unwrap();
    let run_id = started["run_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let sleeper: i32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse().ok()) {
            break pid;
        }
        assert!(Instant::now() < deadline, "the workflow did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    // The dashboard dies without any chance to clean up.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(procs::running(sleeper), "the run's process outlives a kill -9'd dashboard");

    let port2 = free_port();
    let mut second = start(&port2);
    wait_port(&port2);
    let deadline = Instant::now() + Duration::from_secs(10);
    while procs::running(sleeper) {
        assert!(Instant::now() < deadline, "the interrupted run's leftover {sleeper} still runs after a restart");
        std::thread::sleep(Duration::from_millis(50));
    }
    let record = http(&port2, "GET", &format!("/api/runs/hang/{run_id}"), &[], "");
    let record: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["status"], "failed");
    assert_eq!(record["interrupted"], true);
    let lines = record["lines"].as_array().unwrap();
    let note = lines.last().unwrap().as_str().unwrap();
    assert!(note.contains("marked failed (interrupted); 2 process(es) it left running were stopped"), "{note}");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(second.id() as i32, libc::SIGTERM) };
    assert_eq!(second.wait().unwrap().code(), Some(0));
}

/// A workflow whose whole process group ignores SIGTERM and prints a line
/// every 0.2 s, writing its shell's pid to `pidfile` first.
fn stubborn_registry(root: &std::path::Path, pidfile: &std::path::Path) {
    std::fs::write(
        root.join(".attune/workflows.toml"),
        format!(
            "[[workflow]]\nname = \"stubborn\"\ncommand = [\"sh\", \"-c\", \"trap '' TERM; echo $$ > '{}'; while :; do echo tick; sleep 0.2; done\"]\n",
            pidfile.display()
        ),
    )
    .unwrap();
}

/// Starts the stubborn workflow on a dashboard at `port`; its run id and
/// its shell's pid once it runs.
fn start_stubborn(port: &str, pidfile: &std::path::Path) -> (String, i32) {
    let token: serde_json::Value = serde_json::from_str(&http(port, "GET", "/api/session/token", &[], "")).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let started = http(port, "POST", "/workflows/stubborn/run", &[("X-Attune-Client", &token), ("Content-Type", "application/json")], "{}");
    let started: serde_json::Value = serde_json::from_str(&started).unwrap();
    let run_id = started["run_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(pid) = std::fs::read_to_string(pidfile).ok().and_then(|s| s.trim().parse().ok()) {
            return (run_id, pid);
        }
        assert!(Instant::now() < deadline, "the workflow did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A viewer of the run's event stream on its own thread: everything it
/// received until the server closed the stream. The receiver yields once
/// the first `tick` line has arrived, then the whole text at the end.
fn attach_viewer(port: &str, run_id: &str) -> (std::sync::mpsc::Receiver<String>, std::thread::JoinHandle<String>) {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    write!(s, "GET /runs/{run_id}/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let h = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        let mut told = false;
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
            if !told && String::from_utf8_lossy(&all).contains("tick") {
                told = true;
                let _ = tx.send(String::new());
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    (rx, h)
}

/// Waits for the child to exit; past `limit` it is killed and the test
/// fails (instead of hanging).
fn wait_at_most(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the dashboard was still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn record_status(home: &std::path::Path, workflow: &str, run_id: &str) -> String {
    let path = home.join("ops/runs").join(workflow).join(format!("{run_id}.json"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["status"].as_str().unwrap_or_default().to_string()
}

/// A dashboard (stderr piped) running the stubborn workflow, with a viewer
/// that has seen its first line.
struct Watched {
    _project: TempProject,
    home: PathBuf,
    server: std::process::Child,
    run_id: String,
    shell: i32,
    viewer: std::thread::JoinHandle<String>,
}

fn watched_stubborn_run() -> Watched {
    let (d, root, home) = fixture();
    let pidfile = d.path().join("stubborn.pid");
    stubborn_registry(&root, &pidfile);
    let port = free_port();
    let server = bin()
        .args(["--no-browser", "--allow-run", "--port", &port, "--project-root"])
        .arg(&root)
        .env("ATTUNE_HOME", &home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_port(&port);
    let (run_id, shell) = start_stubborn(&port, &pidfile);
    let (first_line, viewer) = attach_viewer(&port, &run_id);
    first_line.recv_timeout(Duration::from_secs(20)).expect("the viewer sees the run's output");
    Watched { _project: d, home, server, run_id, shell, viewer }
}

#[test]
fn sigterm_with_a_viewer_attached_cancels_the_run_ends_the_stream_and_exits_in_time() {
    let Watched { _project, home, mut server, run_id, shell, viewer } = watched_stubborn_run();

    let t0 = Instant::now();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let status = wait_at_most(&mut server, Duration::from_secs(15));
    let took = t0.elapsed();
    assert_eq!(status.code(), Some(0), "a clean exit");
    assert!(took < Duration::from_secs(10), "exited {took:?} after SIGTERM, with a viewer attached and a run ignoring SIGTERM");
    // The viewer's stream ended with the run's `done`, cancelled.
    let seen = viewer.join().unwrap();
    let done = seen.split("event: done").nth(1).unwrap_or_else(|| panic!("no done event in {seen}"));
    assert!(done.contains("cancelled"), "{done}");
    // The run's processes are gone, and it is recorded as cancelled.
    assert!(!procs::running(shell), "the run's shell {shell} outlived the dashboard");
    assert_eq!(record_status(&home, "stubborn", &run_id), "cancelled");
    let mut stderr = String::new();
    server.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("press Ctrl-C again to quit at once"), "{stderr}");
}

#[test]
fn a_second_signal_exits_at_once_and_kills_the_runs() {
    let Watched { _project, mut server, shell, .. } = watched_stubborn_run();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    // The first signal's graceful stop waits for the stubborn run (it
    // ignores SIGTERM): a second one does not.
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    // SAFETY: as above.
    unsafe { libc::kill(server.id() as i32, libc::SIGINT) };
    let status = wait_at_most(&mut server, Duration::from_secs(5));
    assert!(t0.elapsed() < Duration::from_secs(2), "the second signal took {:?}", t0.elapsed());
    assert_eq!(status.code(), Some(130));
    let deadline = Instant::now() + Duration::from_secs(3);
    while procs::running(shell) {
        assert!(Instant::now() < deadline, "the run's shell {shell} outlived a second Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
}
