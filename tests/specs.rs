//! Specs against the reference: status parsing and the status flip on a
//! corpus whose expected outputs were computed by the Python dashboard
//! (attune-ai 16.4.0; `tests/fixtures/gen_spec_status_golden.py`), then
//! the listing, detail, flip and candidate detection on real directories.

use attune_ops::pytext::universal_newlines;
use attune_ops::specs::lifecycle::normalize;
use attune_ops::specs::status::{extract_status, rewrite_status_line};
use serde_json::Value;

#[test]
fn status_lines_match_the_reference_byte_for_byte() {
    let cases: Vec<Value> = serde_json::from_str(include_str!("fixtures/spec_status_golden.json")).unwrap();
    assert!(cases.len() > 500);
    let mut failures = Vec::new();
    for c in &cases {
        let raw = c["raw"].as_str().unwrap();
        let text = universal_newlines(raw);
        let status = c["status"].as_str().unwrap();
        let want_extract = c["extract"].as_str();
        let got_extract = extract_status(&text);
        if got_extract.as_deref() != want_extract {
            failures.push(format!("extract {raw:?}: got {got_extract:?}, want {want_extract:?}"));
        }
        if let Some(e) = got_extract.as_deref() {
            if Some(normalize(e).as_str()) != c["normalize"].as_str() {
                failures.push(format!("normalize {e:?}: got {:?}, want {:?}", normalize(e), c["normalize"]));
            }
        }
        let got = rewrite_status_line(&text, status);
        match (&got, c["rewrite"].get("ok").and_then(Value::as_str), c["rewrite"].get("err").and_then(Value::as_str)) {
            (Ok(g), Some(w), _) if g == w => {}
            (Err(g), _, Some(w)) if g.0 == w => {}
            _ => failures.push(format!("rewrite {raw:?} → {status}: got {got:?}, want {}", c["rewrite"])),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures[..failures.len().min(15)].join("\n"));
}

// ---------------------------------------------------------------------------
// Candidates against an imitation of GitHub's REST API on loopback

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use attune_ops::config::{build_config, Config, ConfigOptions};
use attune_ops::specs::candidates::Detector;
use attune_ops::specs::github::GitHub;
use attune_ops_test_support::http::{self, Imitation};
use attune_ops_test_support::project::TempProject;

const TOKEN: &str = "ghp_TEST_TOKEN_NEVER_SHOWN";

/// A scripted answer: `(status, headers, body, delay)`.
type Answer = (u16, Vec<(String, String)>, String, Duration);
/// Answers by path prefix (the longest prefix wins).
type Script = HashMap<String, Answer>;

/// GitHub's REST API on loopback: checks the token, then answers by the
/// script.
fn fake_github(script: Script) -> Imitation {
    Imitation::start(move |req| {
        let authed = req.header("authorization").is_some_and(|v| v.eq_ignore_ascii_case(&format!("bearer {TOKEN}")));
        let (status, headers, body, delay) = if !authed {
            (401, vec![], "{\"message\":\"Bad credentials\"}".to_string(), Duration::ZERO)
        } else {
            script
                .iter()
                .filter(|(k, _)| req.target.starts_with(k.as_str()))
                .max_by_key(|(k, _)| k.len())
                .map(|(_, v)| v.clone())
                .unwrap_or((404, vec![], "{\"message\":\"Not Found\"}".into(), Duration::ZERO))
        };
        let mut a = http::Answer::json(status, body).after(delay);
        a.headers.extend(headers);
        a
    })
}

fn ok(body: &str) -> Answer {
    (200, vec![], body.to_string(), Duration::ZERO)
}

fn merged(n: u32) -> (String, Answer) {
    (format!("/repos/acme/shop/pulls/{n}"), ok(&format!(r#"{{"number":{n},"state":"closed","merged_at":"2026-01-02T00:00:00Z"}}"#)))
}

const NO_ISSUES: &str = r#"{"total_count":0,"incomplete_results":false,"items":[]}"#;

/// A project in a git repository whose origin is on GitHub, with specs
/// edited three days before `now`.
fn project(specs: &[(&str, &[(&str, &str)])]) -> (TempProject, Config) {
    let d = TempProject::new();
    d.mkdir("docs/specs");
    let root = d.root.clone();
    let git = |args: &[&str]| {
        std::process::Command::new("git").args(args).current_dir(&root).output().map(|o| o.status.success()).unwrap_or(false)
    };
    assert!(git(&["init", "-q"]) && git(&["remote", "add", "origin", "git@github.com:acme/shop.git"]), "git is needed");
    let three_days_ago = SystemTime::now() - Duration::from_secs(3 * 86400);
    for (slug, files) in specs {
        let dir = root.join("docs/specs").join(slug);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in *files {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            std::fs::File::options().write(true).open(&p).unwrap().set_modified(three_days_ago).unwrap();
        }
    }
    let cfg = build_config(ConfigOptions {
        project_root: Some(root),
        attune_home: Some(d.home.clone()),
        allow_run: true,
        specs_candidates_enabled: true,
        ..ConfigOptions::default()
    })
    .unwrap();
    (d, cfg)
}

fn detector(url: &str, token: Option<&'static str>) -> Detector {
    Detector::with_github(GitHub::with(url, Box::new(move || token.map(str::to_string)), Duration::from_millis(700)))
}

fn slugs(d: &attune_ops::specs::candidates::Detection) -> Vec<&str> {
    d.candidates.iter().map(|c| c.slug.as_str()).collect()
}

const APPROVED: &str = "# X\n\n**Status:** approved\n";

#[tokio::test]
async fn github_checks_decide_and_fail_closed() {
    let (_d, cfg) = project(&[
        ("merged", &[("decisions.md", "**Status:** approved\nLanded in PR 1 and #2.\n"), ("tasks.md", "- [x] a\n")]),
        ("open-pr", &[("decisions.md", "**Status:** approved\n#3\n")]),
        ("closed-unmerged", &[("decisions.md", "**Status:** approved\n#4\n")]),
        ("missing-pr", &[("decisions.md", "**Status:** approved\n#5\n")]),
        ("has-issue", &[("decisions.md", APPROVED)]),
        ("no-prs", &[("decisions.md", APPROVED)]),
        ("draft", &[("decisions.md", "**Status:** draft\n")]),
    ]);
    let mut script: Script = [merged(1), merged(2)].into_iter().collect();
    script.insert("/repos/acme/shop/pulls/3".into(), ok(r#"{"state":"open","merged_at":null}"#));
    script.insert("/repos/acme/shop/pulls/4".into(), ok(r#"{"state":"closed","merged_at":null}"#));
    script.insert("/search/issues".into(), ok(NO_ISSUES));
    script.insert("/search/issues?q=has-issue".into(), ok(r#"{"total_count":1,"items":[{"number":9,"title":"has-issue follow-up"}]}"#));
    let gh = fake_github(script);
    let det = detector(gh.url(), Some(TOKEN));
    let now = chrono::Utc::now();
    let d = det.detect(&cfg, now).await;
    assert_eq!(slugs(&d), vec!["merged", "no-prs"], "{:?}", d.notes);
    assert_eq!(
        d.candidates[0].evidence,
        vec!["✓ 1 task row complete", "✓ PRs merged: #1, #2", "✓ no open issues reference this spec", "✓ last edit 3 days ago"]
    );
    assert_eq!(
        d.candidates[1].evidence,
        vec!["✓ no tasks.md (decisions-only spec)", "✓ no open issues reference this spec", "✓ last edit 3 days ago"]
    );
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    assert!(gh.in_flight_max() <= 4, "at most four requests at once");
    let seen: Vec<String> = gh.seen().into_iter().map(|r| r.target).collect();
    assert!(seen.iter().any(|t| t.starts_with("/search/issues?q=no-prs+repo%3Aacme%2Fshop+state%3Aopen+type%3Aissue")), "{seen:?}");
    // Cached for five minutes…
    let before = gh.requests();
    assert_eq!(det.detect(&cfg, now + chrono::Duration::seconds(299)).await, d);
    assert_eq!(gh.requests(), before);
    // …then asked again.
    det.detect(&cfg, now + chrono::Duration::seconds(301)).await;
    assert!(gh.requests() > before);
}

#[tokio::test]
async fn without_a_token_rate_limit_or_network_nothing_is_proposed_and_the_page_says_why() {
    let (_d, cfg) = project(&[("a", &[("decisions.md", APPROVED)]), ("b", &[("decisions.md", "**Status:** approved\n#7\n")])]);
    let now = chrono::Utc::now();
    // No token: no request at all.
    let gh = fake_github(Script::new());
    let d = detector(gh.url(), None).detect(&cfg, now).await;
    assert!(d.candidates.is_empty());
    assert_eq!(gh.requests(), 0);
    assert_eq!(d.notes, vec!["2 spec(s) could not be checked against GitHub and are not shown: set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`."]);
    // Rate limited.
    let mut script = Script::new();
    let limited = (
        403,
        vec![("x-ratelimit-remaining".to_string(), "0".to_string()), ("x-ratelimit-reset".to_string(), "1893456000".to_string())],
        r#"{"message":"API rate limit exceeded"}"#.to_string(),
        Duration::ZERO,
    );
    script.insert("/".into(), limited);
    let gh = fake_github(script);
    let d = detector(gh.url(), Some(TOKEN)).detect(&cfg, now).await;
    assert!(d.candidates.is_empty());
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("rate limit is exhausted until 00:00 UTC"), "{:?}", d.notes);
    // A rejected token.
    let gh = fake_github(Script::new());
    let d = detector(gh.url(), Some("wrong")).detect(&cfg, now).await;
    assert!(d.candidates.is_empty() && d.notes[0].contains("refused the token"), "{:?}", d.notes);
    // Too slow: timeouts.
    let mut script = Script::new();
    script.insert("/".into(), (200, vec![], NO_ISSUES.into(), Duration::from_secs(3)));
    let gh = fake_github(script);
    let d = detector(gh.url(), Some(TOKEN)).detect(&cfg, now).await;
    assert!(d.candidates.is_empty() && d.notes[0].contains("timed out"), "{:?}", d.notes);
    // Nothing listening.
    let d = detector("http://127.0.0.1:9", Some(TOKEN)).detect(&cfg, now).await;
    assert!(d.candidates.is_empty() && d.notes[0].contains("could not be reached"), "{:?}", d.notes);
    // A redirect to another origin: not followed (the token stays here),
    // and the check fails closed.
    let elsewhere = Imitation::start(|_| http::Answer::json(200, NO_ISSUES));
    let mut script = Script::new();
    script.insert(
        "/".into(),
        (307, vec![("location".to_string(), format!("{}/search/issues", elsewhere.url()))], "{}".into(), Duration::ZERO),
    );
    let gh = fake_github(script);
    let d = detector(gh.url(), Some(TOKEN)).detect(&cfg, now).await;
    assert!(d.candidates.is_empty() && !d.notes.is_empty(), "{:?}", d);
    assert!(gh.requests() > 0);
    assert_eq!(elsewhere.requests(), 0, "the other origin never saw the token");
}

#[tokio::test]
async fn dismissals_hide_until_the_snapshot_changes() {
    let (_d, cfg) = project(&[("a", &[("decisions.md", APPROVED), ("tasks.md", "- [x] one\n")])]);
    let mut script = Script::new();
    script.insert("/search/issues".into(), ok(NO_ISSUES));
    let gh = fake_github(script);
    let det = detector(gh.url(), Some(TOKEN));
    let now = chrono::Utc::now();
    let d = det.detect(&cfg, now).await;
    let c = d.candidates[0].clone();
    attune_ops::specs::dismiss::save(&cfg, "a", &c.snapshot_hash, 14, now).unwrap();
    det.invalidate();
    assert!(det.detect(&cfg, now).await.candidates.is_empty());
    // 14 days later it is back.
    det.invalidate();
    assert_eq!(slugs(&det.detect(&cfg, now + chrono::Duration::days(14)).await), vec!["a"]);
    // New signal (tasks.md touched three days ago again, but later) brings it back at once.
    let tasks = cfg.project_root.join("docs/specs/a/tasks.md");
    std::fs::File::options().write(true).open(&tasks).unwrap().set_modified(SystemTime::now() - Duration::from_secs(2 * 86400)).unwrap();
    det.invalidate();
    assert_eq!(slugs(&det.detect(&cfg, now).await), vec!["a"]);
}

#[test]
fn status_flip_writes_journals_and_refuses() {
    let (d, mut cfg) = project(&[(
        "s",
        &[("requirements.md", "# Req\r\n\r\n**Status**: draft (x)\r\nBody\r\n"), ("design.md", "**Status:** R6 shipped\n")],
    )]);
    cfg.pending_writes_path = d.path().join("journal.jsonl");
    let f = attune_ops::specs::set_status(&cfg, "s", "requirements", "approved").unwrap();
    assert_eq!((f.file.as_str(), f.status.as_str()), ("requirements.md", "approved"));
    let p = cfg.project_root.join("docs/specs/s/requirements.md");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "# Req\n\n**Status:** approved (x)\nBody\n");
    let line = std::fs::read_to_string(&cfg.pending_writes_path).unwrap();
    let v: Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["action"], "set_spec_status");
    assert_eq!(v["endpoint"], "PUT /api/specs/{slug}/{phase}/status");
    assert_eq!(v["file_path"], "docs/specs/s/requirements.md");
    assert!(line.starts_with("{\"action\": "), "sorted keys, Python separators: {line}");
    use attune_ops::specs::FlipError;
    assert!(matches!(attune_ops::specs::set_status(&cfg, "s", "design", "done"), Err(FlipError::Unsafe(_))));
    assert_eq!(
        std::fs::read_to_string(cfg.project_root.join("docs/specs/s/design.md")).unwrap(),
        "**Status:** R6 shipped\n",
        "refused: untouched"
    );
    assert_eq!(attune_ops::specs::set_status(&cfg, "s", "tasks", "done").unwrap_err().status(), 404);
    assert_eq!(attune_ops::specs::set_status(&cfg, "S", "tasks", "done").unwrap_err().status(), 400);
    assert_eq!(
        attune_ops::specs::set_status(&cfg, "s", "plan", "done").unwrap_err().to_string(),
        "unknown phase: 'plan'. valid: decisions, requirements, design, tasks"
    );
    assert_eq!(
        attune_ops::specs::set_status(&cfg, "s", "requirements", "Done").unwrap_err().to_string(),
        "invalid status: 'Done'. valid: draft, in-review, approved, complete, completed, done"
    );
}
