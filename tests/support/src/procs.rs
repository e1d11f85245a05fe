//! Process probes read from `/proc`, for tests that check that a run's
//! processes are gone (and reaped).
//!
//! Deliberately not the engine's own liveness rule (`attune_ops::procs`):
//! a test's oracle must not be the code under test.

use std::path::Path;

/// A process's one-letter state from `/proc/<pid>/stat` (`R`, `S`, `Z`…),
/// or `None` when there is no such process.
///
/// The state follows the command name, which is in parentheses and may
/// itself contain `)` or spaces: it is the first field after the *last* `)`.
pub fn state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_state(&stat)
}

fn parse_state(stat: &str) -> Option<char> {
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Alive and not a zombie: a zombie still answers `kill(pid, 0)`, so the
/// state is what tells.
pub fn running(pid: i32) -> bool {
    state(pid).is_some_and(|s| !matches!(s, 'Z' | 'X'))
}

/// Any trace of the process at all (a zombie counts: it is not reaped yet).
pub fn exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_follows_the_last_parenthesis() {
        assert_eq!(parse_state("42 (sh) S 1 42 42 0"), Some('S'));
        assert_eq!(parse_state("42 (evil) Z (name) R 1 2"), Some('R'));
        assert_eq!(parse_state("42 (a b) Z 1"), Some('Z'));
        assert_eq!(parse_state("garbage"), None);
    }

    #[test]
    fn a_live_child_runs_a_zombie_does_not_and_a_reaped_one_is_gone() {
        assert!(running(std::process::id() as i32));
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        assert!(running(pid) && exists(pid));
        child.kill().unwrap();
        // Killed but not yet waited for: a zombie, still in /proc.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while running(pid) {
            assert!(std::time::Instant::now() < deadline, "the killed child never became a zombie");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(state(pid), Some('Z'));
        child.wait().unwrap();
        assert!(!running(pid) && !exists(pid));
    }
}
