//! Processes, as the engine sees them: the process groups runs live in,
//! and whether some other process is still alive.
//!
//! * Each run is the leader of its own process group, so the whole tree it
//!   starts can be signalled at once, and nothing it forks is left behind
//!   ([`signal_group`], [`kill_and_reap_group`]).
//! * The dashboard marks itself a *child subreaper* (Linux,
//!   [`become_subreaper`]): when a run's direct child dies, its orphaned
//!   descendants are re-parented to us instead of to PID 1 (which, in
//!   containers, often never reaps them). After a run ends we kill what is
//!   left of its group and reap every member; processes that left the
//!   group (`setsid`) but carry the run's `ATTUNE_RUN_ID` are stopped too
//!   ([`stop_leftovers`]); and every zombie we adopt is reaped
//!   ([`reap_adopted`], on SIGCHLD), never one whose status tokio waits for
//!   (the run leaders registered by [`spawn_leader`]).
//! * Liveness, for records left in flight by another dashboard:
//!   [`process_gone`], [`live_process_named`], [`pid_namespace`]; and
//!   [`stop_leftovers`], which finds a dead dashboard's run processes by
//!   their `ATTUNE_RUN_ID` environment entry.
//!
//! This is the only place that reads `/proc/<pid>/stat` or probes a pid.
//! It sits below both the runner and the history and imports neither.

use std::collections::HashMap;
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

/// The run commands we spawned (each the leader of its own group) that
/// are not reaped yet: tokio reaps those, so [`reap_adopted`] must not.
static LEADERS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

fn leaders() -> std::sync::MutexGuard<'static, Vec<u32>> {
    LEADERS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A registered group leader; unregistered when dropped (once its exit
/// status has been collected).
pub struct Leader(u32);

impl Drop for Leader {
    fn drop(&mut self) {
        let mut l = leaders();
        if let Some(i) = l.iter().position(|&p| p == self.0) {
            l.swap_remove(i);
        }
    }
}

/// Spawns a run command (`spawn`, which must put it in a process group of
/// its own) and registers it as a leader whose exit status is not ours to
/// collect. The registry is locked across the spawn, so a sweep can never
/// see the new child unregistered.
pub fn spawn_leader<T>(
    spawn: impl FnOnce() -> std::io::Result<T>,
    pid_of: impl Fn(&T) -> Option<u32>,
) -> std::io::Result<(T, Option<Leader>)> {
    let mut l = leaders();
    let child = spawn()?;
    let leader = pid_of(&child).map(|pid| {
        l.push(pid);
        Leader(pid)
    });
    Ok((child, leader))
}

/// Reaps every zombie we adopted as subreaper: our children that are
/// neither a registered run leader nor in our own process group (the short
/// commands we run ourselves, `git` and the like, stay there and are
/// waited for by their callers). They are the descendants of runs whose
/// parents died: a `setsid` escapee, a daemon that exited after its run.
/// Returns how many were reaped. Blocking: reads our children from
/// `/proc/self/task/*/children` (a scan of `/proc` where the kernel does
/// not provide it), then holds the leader lock only to re-check and reap.
pub fn reap_adopted() -> u32 {
    let me = std::process::id() as libc::pid_t;
    // SAFETY: getpgrp has no preconditions.
    let our_group = unsafe { libc::getpgrp() };
    let zombie_child = |pid: libc::pid_t| proc_stat(pid).is_some_and(|st| st.ppid == me && st.state == 'Z' && st.pgrp != our_group);
    let candidates: Vec<libc::pid_t> = children().into_iter().filter(|&p| zombie_child(p)).collect();
    if candidates.is_empty() {
        return 0;
    }
    let l = leaders();
    let mut n = 0;
    for pid in candidates {
        if l.contains(&(pid as u32)) {
            continue;
        }
        let mut status = 0;
        // SAFETY: waitpid on one pid that is our zombie child (a zombie
        // stays ours until reaped), not one anybody else waits for:
        // checked under the leader lock, which every leader's spawn holds.
        if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
            n += 1;
        }
    }
    n
}

/// Our children's pids: from every thread's `children` file, else every
/// process of `/proc` (the caller checks the parent).
fn children() -> Vec<libc::pid_t> {
    let parse = |text: &str| text.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<libc::pid_t>>();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        let mut out = Vec::new();
        let mut found = false;
        for t in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(t.path().join("children")) {
                found = true;
                out.extend(parse(&text));
            }
        }
        if found {
            return out;
        }
    }
    std::fs::read_dir("/proc")
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok())).collect())
        .unwrap_or_default()
}

/// This process's pid namespace (`pid:[inode]`), recorded in in-flight run
/// records: a pid or a `/proc` entry means something only inside the
/// namespace it came from. `None` when unknown (not Linux).
pub fn pid_namespace() -> Option<String> {
    std::fs::read_link("/proc/self/ns/pid").ok().map(|p| p.to_string_lossy().into_owned())
}

/// Whether process `pid` is provably gone: no such process, or a zombie.
/// A live process of any kind (even a reused pid) is not "gone".
pub fn process_gone(pid: u32) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    if r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return true;
    }
    proc_stat(pid as libc::pid_t).is_some_and(|st| st.state == 'Z' || st.state == 'X')
}

/// Whether `pid` is a live (not zombie) process whose command line contains
/// `needle`: e.g. whether the dashboard that wrote an in-flight record is
/// still running. A reused pid running something else, or a killed process
/// not yet reaped, does not count. When the command line cannot be read
/// (not Linux; a process of another user on a hardened `/proc`) a live pid
/// counts: callers would rather leave a record in flight than take over a
/// live dashboard's run.
pub fn live_process_named(pid: u32, needle: &str) -> bool {
    if pid == 0 || pid > i32::MAX as u32 || process_gone(pid) {
        return false;
    }
    std::fs::read(format!("/proc/{pid}/cmdline")).map(|c| String::from_utf8_lossy(&c).contains(needle)).unwrap_or(true)
}

/// An interrupted run whose leftovers may be stopped: its id and when it
/// started (seconds since the epoch).
pub struct Interrupted {
    pub run_id: String,
    pub started_at: f64,
}

/// Stops the processes interrupted runs left behind when the dashboard that
/// started them died without cleaning up (a `kill -9`, a crash, a power
/// cut). Every process of a run inherits `ATTUNE_RUN_ID=<id>`; one scan of
/// `/proc` finds the live processes that carry exactly that entry, belong
/// to our user, started after the run did, and are not our own ancestors
/// (a dashboard restarted from inside a run must not stop its parent). They
/// get SIGTERM, and SIGKILL after `grace` if the same process (same start
/// time: not a reused pid) is still there. The caller decides which runs
/// qualify (their dashboard provably gone, same pid namespace). Returns how
/// many processes each run had. Linux only (nothing found elsewhere).
/// Blocking.
pub fn stop_leftovers(runs: &[Interrupted], grace: Duration) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let found = scan_leftovers(runs);
    if found.is_empty() {
        return counts;
    }
    for (id, pid, _) in &found {
        *counts.entry(id.clone()).or_insert(0) += 1;
        // SAFETY: kill only sends a signal to a pid we just matched.
        unsafe { libc::kill(*pid, libc::SIGTERM) };
    }
    let deadline = std::time::Instant::now() + grace;
    let still_there =
        |pid: libc::pid_t, start: u64| proc_stat(pid).is_some_and(|st| st.start_ticks == start && st.state != 'Z' && st.state != 'X');
    loop {
        let left: Vec<_> = found.iter().filter(|(_, pid, start)| still_there(*pid, *start)).collect();
        if left.is_empty() {
            break;
        }
        if std::time::Instant::now() >= deadline {
            for (_, pid, _) in left {
                // SAFETY: as above; the start time was checked just now.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    counts
}

/// What we need from `/proc/<pid>/stat`.
struct ProcStat {
    state: char,
    ppid: libc::pid_t,
    pgrp: libc::pid_t,
    /// Start time in clock ticks after boot.
    start_ticks: u64,
}

fn proc_stat(pid: libc::pid_t) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: fields
    // after it follow the last ')'.
    let rest: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    // rest[0] is field 3 (state), so field N is rest[N - 3].
    Some(ProcStat {
        state: rest.first()?.chars().next()?,
        ppid: rest.get(1)?.parse().ok()?,
        pgrp: rest.get(2)?.parse().ok()?,
        start_ticks: rest.get(19)?.parse().ok()?,
    })
}

/// Seconds since the epoch at boot, and clock ticks per second.
fn boot_clock() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let btime: f64 = stat.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then_some((btime, hz as f64))
}

/// (run id, pid, start ticks) of every qualifying leftover.
fn scan_leftovers(runs: &[Interrupted]) -> Vec<(String, libc::pid_t, u64)> {
    let mut out = Vec::new();
    let Some((btime, hz)) = boot_clock() else { return out };
    // Start times are whole seconds in records and ticks in /proc: allow a
    // little slack.
    const SLACK: f64 = 2.0;
    let Some(earliest) = runs.iter().map(|r| r.started_at).reduce(f64::min) else { return out };
    let me = std::process::id() as libc::pid_t;
    let mut ancestors = std::collections::HashSet::from([me]);
    let mut p = me;
    while let Some(st) = proc_stat(p) {
        if st.ppid <= 1 || !ancestors.insert(st.ppid) {
            break;
        }
        p = st.ppid;
    }
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        use std::os::unix::fs::MetadataExt;
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<libc::pid_t>().ok()) else { continue };
        if ancestors.contains(&pid) || e.metadata().map(|m| m.uid() != uid).unwrap_or(true) {
            continue;
        }
        // Cheap checks first: reading `environ` takes the process's memory
        // lock, so only recent, live processes get that far.
        let Some(st) = proc_stat(pid) else { continue };
        let started = btime + st.start_ticks as f64 / hz;
        if st.state == 'Z' || st.state == 'X' || started < earliest - SLACK {
            continue;
        }
        let Ok(env) = std::fs::read(e.path().join("environ")) else { continue };
        let Some(id) = env.split(|&b| b == 0).find_map(|kv| kv.strip_prefix(b"ATTUNE_RUN_ID=")) else { continue };
        if let Some(run) = runs.iter().find(|r| r.run_id.as_bytes() == id && !r.run_id.is_empty()) {
            if started >= run.started_at - SLACK {
                out.push((run.run_id.clone(), pid, st.start_ticks));
            }
        }
    }
    out
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    fn now() -> f64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
    }

    fn matching(id: &str, started_at: f64) -> usize {
        scan_leftovers(&[Interrupted { run_id: id.into(), started_at }]).len()
    }

    #[test]
    fn leftovers_of_a_run_are_found_by_their_run_id_and_stopped() {
        let id = format!("t{:x}", std::process::id()) + "leftover";
        let t0 = now();
        // A process that ignores SIGTERM, in its own process group (it left
        // the run's group), with a child of its own; and an unrelated
        // process with a different id.
        let mut stubborn = std::process::Command::new("sh")
            .args(["-c", "trap '' TERM; sleep 30 & wait"])
            .env("ATTUNE_RUN_ID", &id)
            .process_group(0)
            .spawn()
            .unwrap();
        let mut other = std::process::Command::new("sleep").arg("30").env("ATTUNE_RUN_ID", format!("{id}x")).spawn().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while matching(&id, t0) < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(matching(&id, t0), 2);
        // A run that started after these processes did is not theirs.
        assert_eq!(matching(&id, now() + 60.0), 0);
        let runs = [Interrupted { run_id: id.clone(), started_at: t0 }];
        assert_eq!(stop_leftovers(&runs, Duration::from_millis(300)).get(&id), Some(&2));
        assert!(!stubborn.wait().unwrap().success());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while matching(&id, t0) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(matching(&id, t0), 0);
        // The unrelated process is untouched.
        assert!(other.try_wait().unwrap().is_none());
        other.kill().unwrap();
        other.wait().unwrap();
        assert!(stop_leftovers(&[], Duration::ZERO).is_empty());
    }

    #[test]
    fn gone_means_no_such_process_or_a_zombie() {
        let me = std::process::id();
        assert!(!process_gone(me));
        assert!(!process_gone(0));
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        std::thread::sleep(Duration::from_millis(200));
        // Exited but not reaped: a zombie counts as gone.
        assert!(process_gone(pid));
        c.wait().unwrap();
        assert!(process_gone(pid));
        assert!(pid_namespace().is_some_and(|n| n.starts_with("pid:[")));
    }

    #[test]
    fn live_and_named_means_running_that_command() {
        // This test binary: alive, and its command line names it.
        let me = std::process::id();
        let exe = std::env::current_exe().unwrap();
        let name = exe.file_name().unwrap().to_string_lossy().into_owned();
        assert!(live_process_named(me, &name));
        // A live pid running something else is not the process we look for.
        assert!(!live_process_named(me, "no-such-program-anywhere"));
        // Liveness alone (every command line contains ""): a freshly
        // spawned child may not show its own command line yet.
        let mut c = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = c.id();
        assert!(live_process_named(pid, ""));
        c.kill().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !process_gone(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        // Killed, not yet reaped: a zombie is not alive.
        assert!(!live_process_named(pid, ""));
        c.wait().unwrap();
        assert!(!live_process_named(0, ""));
    }
}
