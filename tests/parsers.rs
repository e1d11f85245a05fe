//! Property tests for the parsers that read data from outside: usage
//! telemetry, bulletin lines, Claude Code sessions, workflow output side
//! channels, ANSI escapes, ISO timestamps, the registry. They must never
//! panic, and must keep what they promise on arbitrary input.

use std::path::Path;

use proptest::prelude::*;

use attune_ops::wire::LogStream;

/// Lines that look a bit like JSON, with hostile pieces mixed in.
fn jsonish() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        "\\{\"(ts|cost|workflow|total_cost|savings|timestamp|event_type)\": ?(\"[^\"]{0,12}\"|-?[0-9.e+]{1,8}|null|true|false|\\[\\]|\\{\\})\\}",
        "[\\{\\}\\[\\]\":,0-9a-z \\\\]{0,40}",
        Just("{\"cost\": \"1_0\", \"workflow\": [1, {\"a\": null}]}".to_string()),
        Just("\u{a0}{\"cost\": 0.5}\r{\"cost\": 2}".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn telemetry_never_panics_and_counts_objects(lines in proptest::collection::vec(jsonish(), 0..40)) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        std::fs::write(&p, lines.join("\n")).unwrap();
        let s = attune_ops::telemetry::summarize(&p, 7, chrono::NaiveDate::from_ymd_opt(2026, 6, 20).unwrap(), None);
        // Every non-blank line is either counted or skipped.
        let non_blank: usize = lines.iter().flat_map(|l| l.split(['\n', '\r'])).filter(|l| !l.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)).is_empty()).count();
        prop_assert_eq!(s.total_requests + s.skipped_lines, non_blank as u64);
        prop_assert!(s.total_cost.is_finite());
        prop_assert!(s.by_workflow.len() <= 20);
    }

    #[test]
    fn bulletin_lines_never_panic(line in ".*", extra in jsonish()) {
        let _ = attune_ops::bulletin::parse_entry(&line, "2026-01-01T00:00:00+00:00");
        let _ = attune_ops::bulletin::parse_entry(&extra, "2026-01-01T00:00:00+00:00");
    }

    #[test]
    fn session_files_never_panic(lines in proptest::collection::vec(jsonish(), 0..30)) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.jsonl");
        std::fs::write(&p, lines.join("\n")).unwrap();
        let s = attune_ops::sessions::parse_session(&p, chrono::Utc::now()).unwrap();
        prop_assert!(s.duration_seconds >= 0.0);
        prop_assert!(!s.starter_prompt.is_empty());
    }

    #[test]
    fn side_channels_never_panic_nor_leak(payload in jsonish(), raw in ".*") {
        let root = Path::new("/");
        let known = |n: &str| n == "code-review";
        for line in [format!("ATTUNE_REC {payload}"), format!("ATTUNE_RUN_META {raw}"), raw.clone()] {
            match attune_ops::runner::output::route(&line, &known, root) {
                attune_ops::runner::output::Routed::Rec(r) => {
                    prop_assert!(r.kind == "next-workflow" || r.kind == "open-url");
                    if let Some(u) = &r.url {
                        prop_assert!(u.starts_with("http://") || u.starts_with("https://"));
                    }
                    if let Some(n) = &r.name {
                        prop_assert_eq!(n, "code-review");
                    }
                }
                attune_ops::runner::output::Routed::Log => prop_assert!(!line.starts_with("ATTUNE_REC ") && !line.starts_with("ATTUNE_RUN_META")),
                _ => {}
            }
        }
    }

    #[test]
    fn ansi_parsing_keeps_printable_text(s in ".*") {
        let spans = attune_ops::ansi::parse_line(&s);
        let text: String = spans.iter().map(|sp| sp.text.as_str()).collect();
        prop_assert!(!text.contains('\x1b'), "escape left in {:?}", text);
        if !s.chars().any(|c| c.is_control()) {
            prop_assert_eq!(text, s);
        }
    }

    #[test]
    fn iso_parsing_never_panics(s in ".*", t in "[0-9]{4}-[0-9W]{2,3}-[0-9]{1,2}[T ]?[0-9:.]{0,15}[Z+-]?[0-9:]{0,8}") {
        let _ = attune_ops::pyfmt::parse_iso(&s);
        let _ = attune_ops::pyfmt::parse_iso(&t);
    }

    #[test]
    fn registry_parsing_never_panics(s in ".*", t in "\\[\\[workflow\\]\\]\nname = \"[a-z-]{0,8}\"\ncommand = \\[(\"[a-z/.]{0,6}\", ?){0,3}\\]\n") {
        for text in [s.as_str(), t.as_str()] {
            let r = attune_ops::registry::parse_registry(text, Path::new("/p"), Path::new("/p/.attune/workflows.toml"));
            for w in &r.workflows {
                prop_assert!(!w.command.is_empty());
                prop_assert!(attune_ops::ids::is_kebab_id(&w.name));
            }
        }
    }

    #[test]
    fn log_store_reads_back_what_was_written(lines in proptest::collection::vec("[^\n]{0,40}", 1..200), cut in 0usize..200) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("r.log");
        let store = attune_ops::runner::LogStore::create(&path).unwrap();
        store.append(lines.iter().map(|l| (LogStream::Stdout, 1, l.clone())).collect()).unwrap();
        store.close();
        // A crash may tear the last record: the reader keeps every whole one.
        let bytes = std::fs::read(&path).unwrap();
        let keep = bytes.len().saturating_sub(cut.min(bytes.len()));
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let back = attune_ops::runner::LogStore::open(&path).unwrap();
        let got = back.read(1, lines.len()).unwrap();
        prop_assert!(got.len() <= lines.len());
        for (i, l) in got.iter().enumerate() {
            prop_assert_eq!(&l.x, &lines[i]);
            prop_assert_eq!(l.n, i as u64 + 1);
        }
        if cut == 0 {
            prop_assert_eq!(got.len(), lines.len());
        }
    }
}

/// Spec files: status-ish lines among prose, in every line-ending style.
fn spec_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        ".{0,30}",
        "[ \t]{0,2}\\*{0,2}[Ss]tatus\\*{0,2}:?\\*{0,2}[ \t]{0,2}(approved|draft|done|in-review|R6 shipped|✅ Resolved \\(x\\)|)[ \u{a0}(—,-]{0,3}[a-z]{0,5}\\*{0,2}",
        "# [A-Za-z ]{0,10}",
        "- \\[[ xX]\\] [a-z]{0,6}",
        "(PR ?|#)[0-9]{1,4}[a-z]?",
    ];
    (proptest::collection::vec(line, 0..12), prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]).prop_map(|(l, nl)| l.join(nl))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn status_flips_are_idempotent_and_never_panic(raw in spec_text(), pick in 0usize..6) {
        use attune_ops::specs::status::{extract_status, rewrite_status_line, VALID_STATUSES};
        let text = attune_ops::pytext::universal_newlines(&raw);
        let status = VALID_STATUSES[pick];
        let _ = extract_status(&text);
        if let Ok(once) = rewrite_status_line(&text, status) {
            let got = extract_status(&once).unwrap_or_default();
            prop_assert!(got.starts_with(status), "{got:?} after flipping to {status}");
            let twice = rewrite_status_line(&once, status);
            prop_assert_eq!(twice.as_ref(), Ok(&once));
        }
    }

    #[test]
    fn spec_directories_never_panic(files in proptest::collection::vec(spec_text(), 4)) {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("s");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in ["decisions.md", "requirements.md", "design.md", "tasks.md"].iter().zip(&files) {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let rec = attune_ops::specs::read_spec(d.path(), &dir, chrono::Utc::now()).unwrap();
        prop_assert_eq!(rec.phases.len(), 4);
        let _ = attune_ops::specs::candidates::tasks_evidence(&dir);
        let _ = attune_ops::specs::candidates::pr_refs(&dir);
        let _ = attune_ops::specs::render::markdown_to_html(&files[0]);
    }
}
