//! `git-state`: three signals of the project's repository — the branch far
//! behind `origin/main`, a dirty working tree, untracked files named like
//! credentials. Read-only git (no index refresh), argv only, 5 s a call.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{hash_ids, sha_hex, truncate, SourceItem, SourceSummary};

const GIT_TIMEOUT: Duration = Duration::from_secs(5);

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let mut cmd = Command::new("git");
    cmd.current_dir(root).args(args).env("GIT_OPTIONAL_LOCKS", "0").env("GIT_TERMINAL_PROMPT", "0");
    crate::config::run_with_timeout(&mut cmd, GIT_TIMEOUT)
}

fn commit_date(root: &Path, rev: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let out = git(root, &["log", "-1", "--format=%cI", rev, "--"])?;
    Some(crate::pyfmt::parse_iso(out.trim().lines().next()?)?.to_utc())
}

/// Whether a file name looks like it holds a credential.
pub fn credential_shaped(name: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"(?i)^(?:\.env(?:\..+)?|.*\.pem|.*\.key|.*credential.*|.*secret.*|.*token.*\.txt|.*api[_-]?key.*)$")
            .expect("a valid pattern")
    })
    .is_match(name)
}

/// Runs the three checks (each may be absent when git cannot answer).
pub fn git_state(root: &Path) -> SourceSummary {
    let mut items = Vec::new();
    if root.join(".git").exists() {
        items.extend(diverged(root));
        items.extend(uncommitted(root));
        items.extend(secrets(root));
    }
    SourceSummary { source_id: "git-state", state_hash: hash_ids(&items), items }
}

fn diverged(root: &Path) -> Option<SourceItem> {
    let (head, main) = (commit_date(root, "HEAD")?, commit_date(root, "origin/main")?);
    let days = (main - head).num_seconds().div_euclid(86_400);
    if days < 3 {
        return None;
    }
    let detail = format!("HEAD is {days} days behind origin/main (HEAD: {}, main: {}).", head.date_naive(), main.date_naive());
    Some(SourceItem::new(
        format!("git:diverged:{days}d"),
        format!("Branch is {days} days behind origin/main"),
        truncate(&detail, 500),
        String::new(),
        &[("signal", "diverged".into()), ("days_behind", days.to_string())],
    ))
}

fn uncommitted(root: &Path) -> Option<SourceItem> {
    let out = git(root, &["status", "--porcelain"])?;
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() <= 10 {
        return None;
    }
    let n = lines.len();
    let detail = format!("{n} uncommitted entries in working tree. Sample: {}", lines[..5].join("; "));
    Some(SourceItem::new(
        format!("git:uncommitted:{n}"),
        format!("{n} uncommitted files in working tree"),
        truncate(&detail, 500),
        String::new(),
        &[("signal", "uncommitted".into()), ("count", n.to_string())],
    ))
}

fn secrets(root: &Path) -> Vec<SourceItem> {
    let Some(out) = git(root, &["ls-files", "--others", "--exclude-standard"]) else { return Vec::new() };
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| credential_shaped(l.rsplit('/').next().unwrap_or(l)))
        .take(10)
        .map(|path| {
            SourceItem::new(
                format!("git:secret-shape:{}", sha_hex(path, 12)),
                format!("Untracked credential-shaped file: {path}"),
                truncate(
                    &format!("Untracked file '{path}' is named like a credential. Move it out of the working tree, or ignore it in .gitignore after checking it holds no real secret."),
                    500,
                ),
                String::new(),
                &[("signal", "secret_shape".into()), ("path", path.to_string())],
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for yes in [
            ".env",
            ".ENV.local",
            "server.pem",
            "id.key",
            "aws_credentials",
            "my-secret.yaml",
            "gh_token.txt",
            "openai-api-key.json",
            "APIKEY",
        ] {
            assert!(credential_shaped(yes), "{yes}");
        }
        for no in ["env", ".envrc", "token.json", "keys.md", "README.md"] {
            assert!(!credential_shaped(no), "{no}");
        }
    }

    #[test]
    fn a_real_repository() {
        let d = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let ok = Command::new("git").current_dir(d.path()).args(args).env("GIT_CONFIG_GLOBAL", "/dev/null").status().unwrap().success();
            assert!(ok, "{args:?}");
        };
        run(&["init", "-q", "-b", "main"]);
        for i in 0..12 {
            std::fs::write(d.path().join(format!("f{i}.txt")), "x").unwrap();
        }
        std::fs::write(d.path().join("prod.env"), "x").unwrap();
        std::fs::create_dir(d.path().join("conf")).unwrap();
        std::fs::write(d.path().join("conf/.env"), "K=v").unwrap();
        let s = git_state(d.path());
        let ids: Vec<&str> = s.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids[0], "git:uncommitted:14", "{ids:?}");
        assert_eq!(s.items[1].item_id, format!("git:secret-shape:{}", sha_hex("conf/.env", 12)));
        assert_eq!(s.items.len(), 2, "prod.env is not .env.*: {ids:?}");
        assert!(git_state(&d.path().join("nowhere")).items.is_empty());
    }
}
