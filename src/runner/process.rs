//! Child processes: each run is the leader of its own process group, so the
//! whole tree it starts can be signalled at once, and nothing it forks is
//! left behind.
//!
//! The dashboard marks itself a *child subreaper* (Linux): when a run's
//! direct child dies, its orphaned descendants are re-parented to us instead
//! of to PID 1 (which, in containers, often never reaps them). After a run
//! ends we kill what is left of its group and reap every member, so no
//! orphan or zombie outlives the run.

use std::time::Duration;

/// Makes this process the subreaper of its descendants (Linux only; a no-op
/// elsewhere). Called once when the runner starts.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument
    // and has no memory-safety preconditions.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Sends `sig` to every process of group `pgid`. Returns false when the group
/// no longer exists.
pub fn signal_group(pgid: u32, sig: i32) -> bool {
    if pgid == 0 {
        return false;
    }
    // SAFETY: killpg only sends a signal; a negative return means the group
    // is gone or not ours, which we report.
    unsafe { libc::killpg(pgid as libc::pid_t, sig) == 0 }
}

/// True while any process of the group exists (zombies included).
pub fn group_alive(pgid: u32) -> bool {
    signal_group(pgid, 0)
}

/// Reaps members of group `pgid` that are our children (re-parented
/// orphans), without blocking. Returns how many were reaped. Must only be
/// called after the group leader itself has been reaped (by tokio), or it
/// could steal the leader's exit status.
pub fn reap_group(pgid: u32) -> u32 {
    if pgid == 0 {
        // waitpid(0) would mean "our own group": never.
        return 0;
    }
    let mut n = 0;
    loop {
        let mut status = 0;
        // SAFETY: waitpid on a negative pid waits for any child in that
        // process group; WNOHANG makes it non-blocking.
        let r = unsafe { libc::waitpid(-(pgid as libc::pid_t), &mut status, libc::WNOHANG) };
        if r > 0 {
            n += 1;
        } else {
            return n;
        }
    }
}

/// Kills everything left in group `pgid` (SIGTERM, then SIGKILL after
/// `grace`) and reaps the orphans that came to us. Blocking: run it on a
/// blocking thread.
pub fn kill_and_reap_group(pgid: u32, grace: Duration) {
    if pgid == 0 {
        return;
    }
    if !group_alive(pgid) {
        reap_group(pgid);
        return;
    }
    signal_group(pgid, libc::SIGTERM);
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline {
        reap_group(pgid);
        if !group_alive(pgid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal_group(pgid, libc::SIGKILL);
    // Processes killed by SIGKILL exit at once; collect those that are ours.
    for _ in 0..100 {
        reap_group(pgid);
        if !group_alive(pgid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the processes a run left behind when the dashboard that started it
/// died without cleaning up (a `kill -9`, a crash, a power cut). Every
/// process of a run inherits `ATTUNE_RUN_ID=<id>` in its environment; this
/// scans `/proc` for live processes carrying exactly that entry, sends them
/// SIGTERM, and SIGKILL after `grace`. Run ids are random, so a match is
/// the run's own tree (including members that left its process group).
/// Returns how many processes were found. Linux only (0 elsewhere).
/// Blocking.
pub fn stop_run_leftovers(run_id: &str, grace: Duration) -> usize {
    let found = run_processes(run_id);
    if found.is_empty() {
        return 0;
    }
    for &pid in &found {
        // SAFETY: kill only sends a signal to a pid we just matched.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let deadline = std::time::Instant::now() + grace;
    loop {
        let left = run_processes(run_id);
        if left.is_empty() {
            break;
        }
        if std::time::Instant::now() >= deadline {
            for pid in left {
                // SAFETY: as above.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    found.len()
}

/// Live (not zombie) processes whose environment has `ATTUNE_RUN_ID=<id>`.
fn run_processes(run_id: &str) -> Vec<libc::pid_t> {
    let mut out = Vec::new();
    if run_id.is_empty() {
        return out;
    }
    let needle = format!("ATTUNE_RUN_ID={run_id}");
    let me = std::process::id() as libc::pid_t;
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<libc::pid_t>().ok()) else { continue };
        if pid == me {
            continue;
        }
        // Processes we may not read (other users) are not ours to stop.
        let Ok(env) = std::fs::read(e.path().join("environ")) else { continue };
        if !env.split(|&b| b == 0).any(|kv| kv == needle.as_bytes()) {
            continue;
        }
        let zombie = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| s.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next()))
            .is_some_and(|c| c == 'Z' || c == 'X');
        if !zombie {
            out.push(pid);
        }
    }
    out
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn leftovers_of_a_run_are_found_by_their_run_id_and_stopped() {
        let id = format!("t{:x}", std::process::id()) + "leftover";
        // A process that ignores SIGTERM, in its own session (it left the
        // run's group), and an unrelated one with a different id.
        let mut stubborn = std::process::Command::new("sh")
            .args(["-c", "trap '' TERM; sleep 30 & wait"])
            .env("ATTUNE_RUN_ID", &id)
            .process_group(0)
            .spawn()
            .unwrap();
        let mut other = std::process::Command::new("sleep").arg("30").env("ATTUNE_RUN_ID", format!("{id}x")).spawn().unwrap();
        // Give the shell time to start its sleep (same environment).
        let t0 = std::time::Instant::now();
        while run_processes(&id).len() < 2 && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(run_processes(&id).len(), 2);
        assert_eq!(stop_run_leftovers(&id, Duration::from_millis(300)), 2);
        let status = stubborn.wait().unwrap();
        assert!(!status.success());
        let t0 = std::time::Instant::now();
        while !run_processes(&id).is_empty() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(run_processes(&id).is_empty());
        // The unrelated process is untouched.
        assert!(other.try_wait().unwrap().is_none());
        other.kill().unwrap();
        other.wait().unwrap();
        assert_eq!(stop_run_leftovers("", Duration::ZERO), 0);
    }
}
