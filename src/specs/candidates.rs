//! "Ready to close?": specs whose work looks finished.
//!
//! A spec is a candidate when every check passes, in the reference's
//! order (the first failure drops it silently — zero false positives,
//! many false negatives accepted):
//!
//! 1. **status**: the first phase status in the order decisions → tasks →
//!    design → requirements is exactly `approved` (lowercased, trimmed);
//! 2. **edit age**: the newest `*.md` edit is at least 24 h old;
//! 3. **tasks**: no `- [ ]` row in tasks.md and at least one done row
//!    (`- [x]`, `**done**`, `**complete**`), or no tasks.md at all;
//! 4. **PRs**: every `#N` / `PR N` in decisions.md and tasks.md is merged
//!    on the project's GitHub repository (no repository: no PR may be
//!    referenced);
//! 5. **issues**: no open issue of that repository mentions the slug;
//! 6. **dismissal**: no active dismissal for the spec's snapshot hash.
//!
//! Differences from the reference, all invisible in the results: the
//! dismissal check runs before the network (the hash needs only local
//! data), specs are checked concurrently (still at most four GitHub
//! requests at once), `now` governs every time-based check (the
//! reference used it for the cache only), and the cache is invalidated by
//! a dismissal or a status flip (its Q15).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, Utc};
use regex::Regex;
use serde_json::json;

use super::github::{GitHub, Problem};
use crate::config::Config;
use crate::pytext;
use crate::wire::{Candidate, SpecRecord};

/// Results are reused for this long.
pub const CACHE_TTL_SECONDS: f64 = 300.0;
/// Specs edited more recently than this are still being worked on.
pub const MIN_EDIT_AGE_HOURS: i64 = 24;
/// PRs listed in the evidence before `…+N more`.
const PR_EVIDENCE_TRUNCATE: usize = 5;
const STATUS_PREFERENCE: [&str; 4] = ["decisions", "tasks", "design", "requirements"];

static PR_REF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(?:\bPR[\s\x1c-\x1f]+|#)(\d+)\b").expect("pattern"));
static TASK_OPEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^[ \t]*- \[ \]").expect("pattern"));
static TASK_CHECKED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^[ \t]*- \[[xX]\]").expect("pattern"));
static TABLE_DONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\*\*(?:done|complete)\*\*").expect("pattern"));

/// A detection run's outcome.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detection {
    pub candidates: Vec<Candidate>,
    /// Why some specs could not be checked (no token, rate limit…).
    pub notes: Vec<String>,
    pub checked_at: String,
}

/// The spec's status for check 1, and the phase it came from.
pub fn preferred_status(spec: &SpecRecord) -> Option<(String, &'static str)> {
    STATUS_PREFERENCE.iter().find_map(|name| {
        let p = spec.phases.iter().find(|p| p.name == *name)?;
        p.status.as_deref().map(|s| (pytext::strip(&s.to_lowercase()).to_string(), *name))
    })
}

/// Check 2: `✓ last edit N day(s) ago`, or `None` when too recent or
/// unknown.
pub fn edit_age_evidence(last_modified: Option<&str>, now: DateTime<Utc>) -> Option<String> {
    let crate::pyfmt::PyDateTime::Aware(last) = crate::pyfmt::parse_iso(last_modified?)? else { return None };
    let age = (now - last.with_timezone(&Utc)).num_microseconds()? as f64 / 1e6;
    if age < (MIN_EDIT_AGE_HOURS * 3600) as f64 {
        return None;
    }
    let days = ((age / 86400.0) as i64).max(1);
    Some(format!("✓ last edit {days} day{} ago", if days != 1 { "s" } else { "" }))
}

/// Check 3 on a spec directory.
pub fn tasks_evidence(dir: &Path) -> Option<String> {
    let path = dir.join("tasks.md");
    if !path.is_file() {
        return Some("✓ no tasks.md (decisions-only spec)".into());
    }
    let text = pytext::read_text(&path).ok()?;
    if TASK_OPEN.is_match(&text) {
        return None;
    }
    let n = TASK_CHECKED.find_iter(&text).count() + TABLE_DONE.find_iter(&text).count();
    (n > 0).then(|| format!("✓ {n} task row{} complete", if n != 1 { "s" } else { "" }))
}

/// PR numbers referenced in decisions.md and tasks.md, sorted, unique.
pub fn pr_refs(dir: &Path) -> Vec<u64> {
    let mut found = std::collections::BTreeSet::new();
    for f in ["decisions.md", "tasks.md"] {
        let p = dir.join(f);
        if !p.is_file() {
            continue;
        }
        let Ok(text) = pytext::read_text(&p) else { continue };
        for c in PR_REF.captures_iter(&text) {
            if let Some(n) = c.get(1).and_then(|m| pytext::parse_decimal(m.as_str())) {
                found.insert(n);
            }
        }
    }
    found.into_iter().collect()
}

/// `✓ PRs merged: #1, #2, …+N more`.
pub fn pr_evidence(numbers: &[u64]) -> String {
    if numbers.is_empty() {
        return "✓ no PR refs to verify".into();
    }
    let head: Vec<String> = numbers.iter().take(PR_EVIDENCE_TRUNCATE).map(|n| format!("#{n}")).collect();
    let mut listed = head.join(", ");
    if numbers.len() > PR_EVIDENCE_TRUNCATE {
        listed.push_str(&format!(", …+{} more", numbers.len() - PR_EVIDENCE_TRUNCATE));
    }
    format!("✓ PRs merged: {listed}")
}

/// The dismissal key: SHA-256 of Python's
/// `json.dumps({"prs", "tasks_mtime", "last_modified"}, sort_keys=True)`.
pub fn snapshot_hash(dir: &Path, prs: &[u64], last_modified: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let tasks = dir.join("tasks.md");
    let tasks_mtime = if tasks.is_file() { std::fs::metadata(&tasks).ok().map(|m| crate::pyfmt::st_mtime(&m)) } else { None };
    let payload = json!({"last_modified": last_modified, "prs": prs, "tasks_mtime": tasks_mtime});
    let s = crate::pyfmt::dumps(&payload, crate::pyfmt::Dumps::SORTED);
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// `owner/name` of the GitHub repository around `dir`: from
/// `$ATTUNE_OPS_GITHUB_REPO` when set, else `git remote get-url origin`
/// run in `dir` (5 s).
pub fn repo_at(dir: &Path) -> Option<String> {
    if let Ok(r) = std::env::var("ATTUNE_OPS_GITHUB_REPO") {
        let r = r.trim();
        if !r.is_empty() {
            return Some(r.to_string());
        }
    }
    let mut cmd = std::process::Command::new("git");
    cmd.args(["remote", "get-url", "origin"]).current_dir(dir);
    let url = crate::config::run_with_timeout(&mut cmd, std::time::Duration::from_secs(5))?;
    super::github::repo_from_remote(url.trim())
}

/// A spec that passed the local checks and waits for GitHub.
struct Pending {
    spec: SpecRecord,
    repo: Option<String>,
    prs: Vec<u64>,
    tasks_ev: String,
    edit_ev: String,
    hash: String,
    status_phase: &'static str,
}

/// The detector: GitHub client, repository memo and result cache. Share
/// one per process.
pub struct Detector {
    github: GitHub,
    repos: Mutex<HashMap<PathBuf, Option<String>>>,
    cache: Mutex<HashMap<Vec<String>, (f64, Detection)>>,
    flight: tokio::sync::Mutex<()>,
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}

impl Detector {
    pub fn new() -> Detector {
        Detector::with_github(GitHub::new())
    }

    pub fn with_github(github: GitHub) -> Detector {
        Detector { github, repos: Mutex::new(HashMap::new()), cache: Mutex::new(HashMap::new()), flight: tokio::sync::Mutex::new(()) }
    }

    /// Forgets cached results and repositories.
    pub fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.repos.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Forgets cached results (after a dismissal or a status flip).
    pub fn invalidate(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The repository for `dir`, memoised for the process.
    pub fn repo_for(&self, dir: &Path) -> Option<String> {
        if let Some(r) = self.repos.lock().unwrap_or_else(|p| p.into_inner()).get(dir) {
            return r.clone();
        }
        let r = repo_at(dir);
        self.repos.lock().unwrap_or_else(|p| p.into_inner()).insert(dir.to_path_buf(), r.clone());
        r
    }

    /// The candidates at `now` (cached for 5 minutes per set of roots).
    pub async fn detect(&self, cfg: &Config, now: DateTime<Utc>) -> Detection {
        let epoch = now.timestamp_micros() as f64 / 1e6;
        let roots = super::resolved_roots(cfg);
        let mut key: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        key.sort();
        let cached = |this: &Detector| {
            let g = this.cache.lock().unwrap_or_else(|p| p.into_inner());
            g.get(&key).filter(|(t, _)| epoch - *t < CACHE_TTL_SECONDS).map(|(_, d)| d.clone())
        };
        if let Some(d) = cached(self) {
            return d;
        }
        let _flight = self.flight.lock().await;
        if let Some(d) = cached(self) {
            return d;
        }
        let d = self.detect_uncached(cfg, &roots, now).await;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, (epoch, d.clone()));
        d
    }

    async fn detect_uncached(&self, cfg: &Config, roots: &[PathBuf], now: DateTime<Utc>) -> Detection {
        // Local checks (files and git): off the async threads.
        let repos: Vec<Option<String>> = {
            let dirs: Vec<PathBuf> =
                roots.iter().map(|r| if r.is_dir() { r.parent().unwrap_or(r).to_path_buf() } else { r.clone() }).collect();
            let mut out = Vec::new();
            for d in dirs {
                if let Some(r) = self.repos.lock().unwrap_or_else(|p| p.into_inner()).get(&d).cloned() {
                    out.push(r);
                    continue;
                }
                let d2 = d.clone();
                let r = tokio::task::spawn_blocking(move || repo_at(&d2)).await.unwrap_or(None);
                self.repos.lock().unwrap_or_else(|p| p.into_inner()).insert(d, r.clone());
                out.push(r);
            }
            out
        };
        let cfg2 = cfg.clone();
        let roots2 = roots.to_vec();
        let pending = tokio::task::spawn_blocking(move || local_checks(&cfg2, &roots2, &repos, now)).await.unwrap_or_default();

        let needs_github = pending.iter().any(|p| p.repo.is_some());
        let token = if needs_github { self.github.token().await } else { None };
        let checks = pending.iter().map(|p| self.github_checks(p, token.as_deref()));
        let results = futures::future::join_all(checks).await;

        let mut problems: BTreeMap<Problem, usize> = BTreeMap::new();
        let mut candidates = Vec::new();
        for (p, r) in pending.into_iter().zip(results) {
            match r {
                Ok(Some((prs_ev, iss_ev))) => {
                    let evidence = [Some(p.tasks_ev), prs_ev, iss_ev, Some(p.edit_ev)].into_iter().flatten().collect();
                    candidates.push(Candidate {
                        slug: p.spec.slug,
                        path: p.spec.path,
                        current_status: "approved".into(),
                        evidence,
                        snapshot_hash: p.hash,
                        status_phase: p.status_phase.into(),
                    });
                }
                Ok(None) => {}
                Err(problem) => *problems.entry(problem).or_default() += 1,
            }
        }
        Detection { candidates, notes: problems.into_iter().map(|(p, n)| p.note(n)).collect(), checked_at: crate::pyfmt::iso_utc(now) }
    }

    /// Checks 4 and 5: `Ok(Some(evidence))` passes, `Ok(None)` fails, `Err`
    /// could not tell.
    async fn github_checks(&self, p: &Pending, token: Option<&str>) -> Result<Option<(Option<String>, Option<String>)>, Problem> {
        let Some(repo) = p.repo.as_deref() else { return Ok(Some((None, None))) };
        let Some(token) = token else { return Err(Problem::NoToken) };
        let prs_ev = if p.prs.is_empty() {
            None
        } else {
            let checks = p.prs.iter().map(|n| self.github.pr_merged(token, repo, *n));
            for r in futures::future::join_all(checks).await {
                if !r? {
                    return Ok(None);
                }
            }
            Some(pr_evidence(&p.prs))
        };
        if !self.github.no_open_issues(token, repo, &p.spec.slug).await? {
            return Ok(None);
        }
        Ok(Some((prs_ev, Some("✓ no open issues reference this spec".into()))))
    }
}

/// Checks 1–3, the no-repository rule and the dismissal, for every spec.
fn local_checks(cfg: &Config, roots: &[PathBuf], repos: &[Option<String>], now: DateTime<Utc>) -> Vec<Pending> {
    let dismissed = super::dismiss::load(cfg);
    let mut out = Vec::new();
    for (root, repo) in roots.iter().zip(repos) {
        for spec in super::list_specs_in_root(root, now) {
            let Some((status, phase)) = preferred_status(&spec) else { continue };
            if status != "approved" {
                continue;
            }
            let Some(edit_ev) = edit_age_evidence(spec.last_modified.as_deref(), now) else { continue };
            let dir = PathBuf::from(&spec.path);
            let Some(tasks_ev) = tasks_evidence(&dir) else { continue };
            let prs = pr_refs(&dir);
            if repo.is_none() && !prs.is_empty() {
                continue;
            }
            let hash = snapshot_hash(&dir, &prs, spec.last_modified.as_deref());
            if dismissed.get(&spec.slug).is_some_and(|d| d.is_active(&hash, now)) {
                continue;
            }
            out.push(Pending { spec, repo: repo.clone(), prs, tasks_ev, edit_ev, hash, status_phase: phase });
        }
    }
    out
}

/// The process-wide detector behind [`detect_candidates`].
pub static DETECTOR: LazyLock<Detector> = LazyLock::new(Detector::new);

/// The candidates across `cfg`'s spec roots at `now` (the seed's direct
/// API; cached 5 minutes).
pub async fn detect_candidates(cfg: &Config, now: DateTime<Utc>) -> Vec<Candidate> {
    DETECTOR.detect(cfg, now).await.candidates
}

/// Resets the process-wide detector's caches.
pub fn clear_cache() {
    DETECTOR.clear_cache();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_rules() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(tasks_evidence(d.path()).as_deref(), Some("✓ no tasks.md (decisions-only spec)"));
        let t = d.path().join("tasks.md");
        std::fs::write(&t, "- [x] one\n  - [X] two\n| a | **Done** |\n").unwrap();
        assert_eq!(tasks_evidence(d.path()).as_deref(), Some("✓ 3 task rows complete"));
        std::fs::write(&t, "- [x] one\n\t- [ ] two\n").unwrap();
        assert_eq!(tasks_evidence(d.path()), None);
        std::fs::write(&t, "# nothing\n").unwrap();
        assert_eq!(tasks_evidence(d.path()), None);
        std::fs::write(&t, "- [x] one\n").unwrap();
        assert_eq!(tasks_evidence(d.path()).as_deref(), Some("✓ 1 task row complete"));
    }

    #[test]
    fn pr_references() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("decisions.md"), "Merged in PR 12 and #7; see pr\n 40. Not #12abc, not issue#9x.\n").unwrap();
        std::fs::write(d.path().join("tasks.md"), "- [x] #7 again, #\u{0664}\u{0662}\n").unwrap();
        std::fs::write(d.path().join("design.md"), "#99\n").unwrap();
        assert_eq!(pr_refs(d.path()), vec![7, 12, 40, 42]);
        assert_eq!(pr_evidence(&[1, 2, 3, 4, 5, 6, 7]), "✓ PRs merged: #1, #2, #3, #4, #5, …+2 more");
    }

    #[test]
    fn edit_age() {
        let now = DateTime::parse_from_rfc3339("2026-06-10T00:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(edit_age_evidence(Some("2026-06-09T00:00:00+00:00"), now).as_deref(), Some("✓ last edit 1 day ago"));
        assert_eq!(edit_age_evidence(Some("2026-06-09T00:00:01+00:00"), now), None);
        assert_eq!(edit_age_evidence(Some("2026-06-01T12:00:00+00:00"), now).as_deref(), Some("✓ last edit 8 days ago"));
        assert_eq!(edit_age_evidence(Some("2026-06-01T12:00:00"), now), None, "naive times fail");
    }
}
