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
