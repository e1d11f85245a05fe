//! The runner against real child processes (`sh` scripts): output capture,
//! side channels, queueing, cancellation of whole process trees, crash
//! recovery.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use attune_ops::runner::{Progress, Run, RunEvent, Runner, RunnerConfig, StartRequest};
use attune_ops::wire::{LogStream, RunStatus};
use attune_ops_test_support::procs;
use attune_ops_test_support::project::TempProject;

struct Fixture {
    _project: TempProject,
    root: PathBuf,
    runs: PathBuf,
    runner: Runner,
}

fn fixture(max_concurrent: usize) -> Fixture {
    let project = TempProject::new();
    project.mkdir("src");
    let root = project.root.clone();
    let runs = project.home.join("ops/runs");
    let mut cfg = RunnerConfig::new(root.clone());
    cfg.runs_dir = Some(runs.clone());
    cfg.max_concurrent = max_concurrent;
    cfg.kill_grace = Duration::from_millis(800);
    Fixture { runner: Runner::new(cfg).unwrap(), _project: project, root, runs }
}

fn req(workflow: &str, script: &str) -> StartRequest {
    StartRequest {
        workflow: workflow.into(),
        argv: vec!["sh".into(), "-c".into(), script.into()],
        path: None,
        trigger: Some("manual".into()),
        source_run_id: None,
        source_workflow: None,
        known_workflows: Arc::new(["code-review".to_string(), "test-audit".to_string()].into_iter().collect::<HashSet<_>>()),
    }
}

async fn wait_done(run: &Arc<Run>) {
    let mut rx = run.subscribe();
    tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|p: &Progress| p.terminal)).await.expect("run did not finish").unwrap();
}

fn texts(run: &Run) -> Vec<(LogStream, String)> {
    run.log().read(1, 1_000_000).unwrap().into_iter().map(|l| (l.s, l.x)).collect()
}

#[tokio::test]
async fn captures_both_streams_side_channels_and_exit_code() {
    let f = fixture(1);
    let script = r#"echo "hello"; echo "oops" >&2; printf 'ATTUNE_REC {"kind":"next-workflow","name":"test-audit","label":"Audit tests","args":{"path":"src"}}\n'; echo 'ATTUNE_REC {broken'; echo 'ATTUNE_RUN_META sdk_error_kind=rate_limit'; printf 'bad \377 utf8\n'; printf 'no newline at end'; exit 3"#;
    let run = f.runner.start(req("code-review", script)).unwrap();
    wait_done(&run).await;
    let info = run.info();
    assert_eq!(info.status, RunStatus::Failed);
    assert_eq!(info.exit_code, Some(3));
    assert_eq!(info.sdk_error_kind.as_deref(), Some("rate_limit"));
    let t = texts(&run);
    assert_eq!(t[0].0, LogStream::Runner);
    assert!(t[0].1.starts_with("$ sh -c "));
    assert!(t.contains(&(LogStream::Stdout, "hello".into())));
    assert!(t.contains(&(LogStream::Stderr, "oops".into())));
    assert!(t.contains(&(LogStream::Stdout, "bad \u{fffd} utf8".into())));
    assert!(t.contains(&(LogStream::Stdout, "no newline at end".into())));
    assert!(!t[1..].iter().any(|(_, x)| x.contains("ATTUNE_")), "side channels leaked: {t:?}");
    let recs = run.recommendations();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].args.as_ref().unwrap().path, f.root.join("src").to_string_lossy());
    assert_eq!(info.stderr_lines, Some(1));
    // Record written in the reference format, complete log beside it.
    let rec_path = f.runs.join("code-review").join(format!("{}.json", run.id));
    let rec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&rec_path).unwrap()).unwrap();
    assert_eq!(rec["status"], "failed");
    assert_eq!(rec["exit_code"], 3);
    assert_eq!(rec["line_count"], t.len() as u64);
    assert!(rec.get("ops_pid").is_none());
    assert!(f.runs.join("code-review").join(format!("{}.log", run.id)).exists());
}

#[tokio::test]
async fn events_resume_without_gap_or_duplicate() {
    let f = fixture(1);
    let run = f.runner.start(req("code-review", r#"i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done; printf 'ATTUNE_REC {"kind":"open-url","url":"https://example.test"}\n'; echo tail"#)).unwrap();
    wait_done(&run).await;
    let all = run.events_after(0, 100_000).unwrap();
    assert_eq!(all.len() as u64, run.progress().seq);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.seq(), i as u64 + 1);
    }
    assert!(matches!(all[all.len() - 2], RunEvent::Rec(..)));
    // Read in uneven slices, as a viewer that reconnects does.
    let mut got = Vec::new();
    let mut after = 0;
    for step in [1usize, 7, 50, 3, 1000] {
        let chunk = run.events_after(after, step).unwrap();
        if let Some(last) = chunk.last() {
            after = last.seq();
        }
        got.extend(chunk);
    }
    assert_eq!(got, all);
}

#[tokio::test]
async fn second_run_is_queued_then_runs() {
    let f = fixture(1);
    let a = f.runner.start(req("code-review", "sleep 0.5; echo a")).unwrap();
    let b = f.runner.start(req("code-review", "echo b")).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(a.info().status, RunStatus::Running);
    let bi = b.info();
    assert_eq!(bi.status, RunStatus::Pending);
    assert_eq!(bi.queue_position, Some(1));
    assert_eq!(f.runner.active().len(), 2);
    wait_done(&b).await;
    assert_eq!(a.info().status, RunStatus::Completed);
    assert_eq!(b.info().status, RunStatus::Completed);
    // b started only after a ended.
    let a_end = a.info().completed_at.unwrap();
    let b_start = b.info().started_at.unwrap();
    assert!(b_start >= a_end, "{b_start} < {a_end}");
}

#[tokio::test]
async fn concurrency_limit_is_respected() {
    let f = fixture(2);
    let runs: Vec<_> = (0..3).map(|_| f.runner.start(req("code-review", "sleep 0.4")).unwrap()).collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let running = runs.iter().filter(|r| r.status() == RunStatus::Running).count();
    assert_eq!(running, 2);
    for r in &runs {
        wait_done(r).await;
    }
}

#[tokio::test]
async fn cancel_kills_the_whole_tree_and_reaps_it() {
    let f = fixture(1);
    let pids = f.root.join("pids");
    // The child starts a grandchild and a great-grandchild that ignore
    // nothing, records their pids, and waits.
    let script = format!(
        "sh -c 'sleep 300 & echo $! >> {p}; wait' & echo $! >> {p}; sleep 300 & echo $! >> {p}; echo started; wait",
        p = pids.display()
    );
    let run = f.runner.start(req("code-review", &script)).unwrap();
    for _ in 0..100 {
        if texts(&run).iter().any(|(_, x)| x == "started")
            && std::fs::read_to_string(&pids).map(|s| s.lines().count() >= 3).unwrap_or(false)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid_list: Vec<i32> = std::fs::read_to_string(&pids).unwrap().lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(pid_list.len(), 3);
    assert!(pid_list.iter().all(|p| procs::running(*p)));
    let info = f.runner.cancel(&run.id).await.unwrap();
    assert_eq!(info.status, RunStatus::Cancelled);
    assert!(texts(&run).iter().any(|(_, x)| x.contains("SIGTERM")));
    // Everything is gone: not running, and not left as a zombie of ours.
    for _ in 0..50 {
        if pid_list.iter().all(|p| !procs::exists(*p)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for p in &pid_list {
        assert!(!procs::running(*p), "pid {p} still running");
        assert!(!procs::exists(*p), "pid {p} left as a zombie");
    }
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.runs.join("code-review").join(format!("{}.json", run.id))).unwrap()).unwrap();
    assert_eq!(rec["status"], "cancelled");
}

#[tokio::test]
async fn sigterm_ignoring_child_is_killed_after_grace() {
    let f = fixture(1);
    let run = f.runner.start(req("code-review", "trap '' TERM; echo ready; while true; do sleep 0.1; done")).unwrap();
    for _ in 0..100 {
        if texts(&run).iter().any(|(_, x)| x == "ready") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let info = f.runner.cancel(&run.id).await.unwrap();
    assert_eq!(info.status, RunStatus::Cancelled);
    assert!(texts(&run).iter().any(|(_, x)| x.contains("SIGKILL")));
}

#[tokio::test]
async fn queued_run_can_be_cancelled() {
    let f = fixture(1);
    let a = f.runner.start(req("code-review", "sleep 0.3")).unwrap();
    let b = f.runner.start(req("code-review", "echo never")).unwrap();
    let info = f.runner.cancel(&b.id).await.unwrap();
    assert_eq!(info.status, RunStatus::Cancelled);
    assert_eq!(info.started_at, None);
    wait_done(&a).await;
    assert!(!texts(&b).iter().any(|(_, x)| x == "never"));
    assert_eq!(f.runner.cancel(&b.id).await.unwrap_err(), attune_ops::runner::RunnerError::AlreadyFinished);
}

#[tokio::test]
async fn background_process_holding_the_pipe_does_not_hang_the_run() {
    let f = fixture(1);
    let run = f.runner.start(req("code-review", "sleep 300 & echo parent done")).unwrap();
    tokio::time::timeout(Duration::from_secs(15), wait_done(&run)).await.unwrap();
    assert_eq!(run.info().status, RunStatus::Completed);
}

#[tokio::test]
async fn huge_line_does_not_break_the_run() {
    let f = fixture(1);
    // A 20 MiB line, then a normal one.
    let run = f.runner.start(req("code-review", "head -c 20971520 /dev/zero | tr '\\0' x; echo; echo after")).unwrap();
    wait_done(&run).await;
    let info = run.info();
    assert_eq!(info.status, RunStatus::Completed);
    let t = texts(&run);
    assert!(t[1].1.contains("line cut"));
    assert!(t[1].1.len() < 2 * 1024 * 1024);
    assert_eq!(t[2].1, "after");
}

#[tokio::test]
async fn missing_program_fails_the_run_with_a_message() {
    let f = fixture(1);
    let mut r = req("code-review", "");
    r.argv = vec!["/definitely/not/a/program".into()];
    let run = f.runner.start(r).unwrap();
    wait_done(&run).await;
    assert_eq!(run.info().status, RunStatus::Failed);
    assert_eq!(run.info().exit_code, Some(-1));
    assert!(texts(&run).iter().any(|(_, x)| x.starts_with("[runner error] command not found")));
}

#[tokio::test]
async fn child_environment_and_working_directory() {
    let f = fixture(1);
    std::env::set_var("ANTHROPIC_ADMIN_API_KEY", "sk-ant-admin-secret");
    let run = f
        .runner
        .start(req("code-review", "pwd; echo meta=$ATTUNE_RUN_META_EMIT trig=$ATTUNE_RUN_TRIGGER admin=${ANTHROPIC_ADMIN_API_KEY:-unset}"))
        .unwrap();
    wait_done(&run).await;
    let t = texts(&run);
    assert_eq!(t[1].1, f.root.display().to_string());
    assert_eq!(t[2].1, "meta=1 trig=manual admin=unset");
}

#[tokio::test]
async fn shutdown_cancels_and_records_everything() {
    let f = fixture(1);
    let a = f.runner.start(req("code-review", "sleep 300")).unwrap();
    let b = f.runner.start(req("code-review", "sleep 300")).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    f.runner.shutdown().await;
    assert_eq!(a.info().status, RunStatus::Cancelled);
    assert_eq!(b.info().status, RunStatus::Cancelled);
    for r in [&a, &b] {
        let rec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f.runs.join("code-review").join(format!("{}.json", r.id))).unwrap()).unwrap();
        assert_eq!(rec["status"], "cancelled");
    }
    assert!(f.runner.start(req("code-review", "true")).is_err());
}

/// A run the pump already took off the queue, whose executor has not run
/// yet (on this one-thread runtime nothing else runs until we await), is
/// neither queued nor running when shutdown comes: it must still never
/// start its command.
#[tokio::test(flavor = "current_thread")]
async fn a_run_taken_off_the_queue_does_not_start_once_shutdown_began() {
    let f = fixture(1);
    let marker = f.root.join("started");
    let run = f.runner.start(req("code-review", &format!("touch '{}'; sleep 300", marker.display()))).unwrap();
    assert_eq!(run.status(), RunStatus::Pending);
    f.runner.shutdown().await;
    wait_done(&run).await;
    assert_eq!(run.info().status, RunStatus::Cancelled);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!marker.exists(), "the command started after shutdown");
}

/// Shutdown does not wait for the configured kill grace of a run that
/// ignores SIGTERM: a few seconds at most.
#[tokio::test]
async fn shutdown_is_bounded_for_commands_that_ignore_sigterm() {
    let project = TempProject::new();
    let mut cfg = RunnerConfig::new(project.root.clone());
    cfg.runs_dir = Some(project.home.join("ops/runs"));
    cfg.kill_grace = Duration::from_secs(60);
    let runner = Runner::new(cfg).unwrap();
    let run = runner.start(req("code-review", "trap '' TERM; echo up; while :; do sleep 0.1; done")).unwrap();
    let mut rx = run.subscribe();
    tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|p| p.seq >= 2)).await.unwrap().unwrap();
    let t0 = std::time::Instant::now();
    runner.shutdown().await;
    let took = t0.elapsed();
    assert!(took < attune_ops::runner::SHUTDOWN_WAIT, "shutdown took {took:?}");
    assert_eq!(run.info().status, RunStatus::Cancelled);
    assert!(texts(&run).iter().any(|(_, x)| x.contains("still running at shutdown: sending SIGKILL")));
}

/// Reads a pid a script wrote, waiting for it.
async fn read_pid(path: &std::path::Path) -> i32 {
    for _ in 0..200 {
        if let Some(pid) = std::fs::read_to_string(path).ok().and_then(|s| s.trim().parse().ok()) {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no pid in {}", path.display());
}

async fn wait_gone(pid: i32, what: &str) {
    for _ in 0..200 {
        if !procs::exists(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} ({pid}) is still there: {:?}", procs::state(pid));
}

/// A descendant that calls `setsid` leaves the run's process group, so
/// killing the group misses it; it still carries `ATTUNE_RUN_ID`, so the
/// run's end finds and stops it, and the zombie it becomes (ours, as
/// subreaper, once its parent is gone) is reaped.
#[tokio::test]
async fn a_setsid_escapee_is_stopped_at_run_end_and_reaped() {
    let f = fixture(1);
    let pidfile = f.root.join("escapee.pid");
    let script = format!("setsid sh -c 'echo $$ > \"{}\"; trap \"\" TERM; sleep 300' & sleep 0.5; echo parent done", pidfile.display());
    let run = f.runner.start(req("code-review", &script)).unwrap();
    let escapee = read_pid(&pidfile).await;
    wait_done(&run).await;
    assert_eq!(run.info().status, RunStatus::Completed);
    wait_gone(escapee, "the setsid escapee").await;
    assert!(texts(&run).iter().any(|(_, x)| x.contains("process(es) of this run that had left its process group")), "{:?}", texts(&run));
}

/// An orphan that also dropped the run's id cannot be found at the run's
/// end; when it exits later, the zombie we adopted is reaped all the same.
#[tokio::test]
async fn an_adopted_orphan_that_exits_later_is_reaped() {
    let f = fixture(1);
    let pidfile = f.root.join("orphan.pid");
    let script = format!("env -u ATTUNE_RUN_ID setsid sh -c 'echo $$ > \"{}\"; sleep 2' >/dev/null 2>&1 & sleep 0.3", pidfile.display());
    let run = f.runner.start(req("code-review", &script)).unwrap();
    let orphan = read_pid(&pidfile).await;
    wait_done(&run).await;
    assert!(procs::running(orphan), "the orphan lives on after its run");
    wait_gone(orphan, "the adopted orphan").await;
}
