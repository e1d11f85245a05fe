//! Property tests for the parsers that read data from outside: usage
//! telemetry, bulletin lines, Claude Code sessions, workflow output side
//! channels, ANSI escapes, ISO timestamps, the registry, the Briefing's
//! sources and model answers. They must never
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
    fn telemetry_followed_through_appends_equals_a_fresh_read(lines in proptest::collection::vec(jsonish(), 0..40),
        ends in proptest::collection::vec(prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], 40),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        // The file is written in pieces split at arbitrary bytes (mid-line,
        // mid-UTF-8, between `\r` and `\n`); after every piece the
        // followed summary is the one a fresh read of the file gives, and
        // no byte is read twice.
        let text: String = lines.iter().zip(&ends).map(|(l, e)| format!("{l}{e}")).collect();
        let bytes = text.as_bytes();
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        at.push(bytes.len());
        at.sort();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("usage.jsonl");
        std::fs::write(&p, b"").unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 20).unwrap();
        let followed = attune_ops::telemetry::UsageFile::new(&p);
        let _ = followed.summary(7, today, None);
        let mut written = 0;
        for end in at {
            use std::io::Write;
            std::fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(&bytes[written..end]).unwrap();
            written = end;
            prop_assert_eq!(followed.summary(7, today, None), attune_ops::telemetry::summarize(&p, 7, today, None));
        }
        prop_assert_eq!(followed.stats().full_reads, 1);
        prop_assert_eq!(followed.stats().bytes_read, bytes.len() as u64);
    }

    #[test]
    fn bulletin_lines_round_trip_and_defaults_hold(line in ".*", extra in jsonish(),
        fields in proptest::collection::vec("[^\u{0}]{0,12}", 6), scope in proptest::option::of(".{0,10}"), status in proptest::option::of("(running|completed|failed|queued|x)")) {
        let now = "2026-01-01T00:00:00+00:00";
        // Anything parsed has every required field and the reference's
        // defaults for the optional ones.
        for raw in [&line, &extra] {
            if let Some(e) = attune_ops::bulletin::parse_entry(raw, now) {
                let v: serde_json::Value = serde_json::from_str(raw).unwrap();
                prop_assert_eq!(v.get("run_id").and_then(|x| x.as_str()), Some(e.run_id.as_str()));
                if v.get("current_status").is_none_or(|x| x.is_null()) {
                    prop_assert_eq!(e.current_status.as_str(), "running");
                }
                if v.get("last_heartbeat").is_none_or(|x| x.is_null()) {
                    prop_assert_eq!(e.last_heartbeat.as_str(), now);
                }
            }
        }
        // What the writer writes, the reader reads back unchanged.
        let e = attune_ops::wire::BulletinEntry {
            actor_id: fields[0].clone(), actor_kind: fields[1].clone(), workflow: fields[2].clone(), run_id: fields[3].clone(),
            started_at: fields[4].clone(), last_heartbeat: fields[5].clone(),
            current_status: status.unwrap_or_else(|| "running".into()), scope, hostname: Some("h".into()),
        };
        let line = attune_ops::bulletin::entry_line(&e);
        prop_assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'), "one line: {:?}", line);
        prop_assert_eq!(attune_ops::bulletin::parse_entry(line.trim_end_matches('\n'), now), Some(e));
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
    fn iso_round_trips_and_parsing_is_stable(s in ".*", t in "[0-9]{4}-[0-9W]{2,3}-[0-9]{1,2}[T ]?[0-9:.]{0,15}[Z+-]?[0-9:]{0,8}",
        secs in 0i64..4_102_444_800, micros in 0u32..1_000_000, offset_min in -1439i32..1440) {
        use attune_ops::pyfmt::{iso_aware, iso_utc, parse_iso, PyDateTime};
        use chrono::{DateTime, Datelike, FixedOffset, Utc};
        // What we write, we (and Python) read back to the same instant.
        let dt = DateTime::<Utc>::from_timestamp(secs, micros * 1000).unwrap();
        prop_assert_eq!(parse_iso(&iso_utc(dt)).map(PyDateTime::to_utc), Some(dt));
        let off = FixedOffset::east_opt(offset_min * 60).unwrap();
        let local = dt.with_timezone(&off);
        // The same instant *and* the same offset (chrono's equality alone
        // compares only instants).
        match parse_iso(&iso_aware(local)) {
            Some(PyDateTime::Aware(back)) => prop_assert_eq!((back, back.offset().local_minus_utc()), (local, offset_min * 60)),
            other => prop_assert!(false, "{:?} read back as {:?}", iso_aware(local), other),
        }
        // Anything accepted re-formats to a string that parses to the same
        // instant (no drift through a write/read cycle) — for instants
        // Python can hold in UTC (year 1 on; it overflows before).
        for text in [&s, &t] {
            if let Some(p) = parse_iso(text) {
                prop_assert!(p.date_as_written().year() >= 1, "{:?} accepted with a year before 1", text);
                let utc = p.to_utc();
                if utc.year() >= 1 {
                    prop_assert_eq!(parse_iso(&iso_utc(utc)).map(PyDateTime::to_utc), Some(utc));
                }
            }
        }
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
        let store = attune_ops::logstore::LogStore::create(&path).unwrap();
        store.append(lines.iter().map(|l| (LogStream::Stdout, 1, l.clone())).collect()).unwrap();
        store.close();
        // A crash may tear the last record: the reader keeps every whole one.
        let bytes = std::fs::read(&path).unwrap();
        let keep = bytes.len().saturating_sub(cut.min(bytes.len()));
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let back = attune_ops::logstore::LogStore::open(&path).unwrap();
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
        // Rendering confines the file's text: no raw HTML survives, and no
        // link can run script.
        let html = attune_ops::markdown::markdown_to_html(&format!("{}\n<script>alert(1)</script>\n[x](javascript:alert(1))\n<img src=x onerror=alert(1)>", files[0]));
        prop_assert!(!html.contains("<script") && !html.contains("<img"), "{}", html);
        prop_assert!(!html.to_ascii_lowercase().contains("href=\"javascript:"), "{}", html);
    }
}

/// Help templates: frontmatter-ish text with hostile pieces.
fn help_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        "(---\n(aliases: \\[[a-z \"',]{0,20}\\]\n|aliases:\n(  - [a-zé ]{0,10}\n){0,3}|generated_at: [0-9T:+-]{0,25}\n|[a-z]{1,6}: .{0,10}\n){0,4}---\n)?(# .{0,20}\n)?([a-zA-Zéİß .,!?`\\-]{0,60}\n{1,2}){0,5}",
        Just("---\naliases: [a, a]\n---\n# T\r\n\r\nİstanbul ß tests\u{2028}more".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn help_search_keeps_its_promises(files in proptest::collection::vec(help_text(), 1..8), query in ".{0,30}", limit in 1usize..6) {
        let d = tempfile::tempdir().unwrap();
        let templates = attune_ops::help::templates_dir(d.path());
        let kinds = ["task", "concept", "tip", "faq"];
        for (i, text) in files.iter().enumerate() {
            let dir = templates.join(["alpha", "tasks", "errors", "b-2"][i % 4]);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{}.md", kinds[i / 4 % 4])), text).unwrap();
        }
        let out = attune_ops::help::search::search(&templates, &query, limit);
        prop_assert!(out.hits.len() <= limit);
        for w in out.hits.windows(2) {
            prop_assert!(w[0].score >= w[1].score);
        }
        for h in &out.hits {
            prop_assert!(h.score >= 2.0 && h.score.is_finite());
            prop_assert!(attune_ops::wire::is_help_slug(&h.feature) && attune_ops::wire::is_help_slug(&h.kind));
            prop_assert!(h.snippet.chars().count() <= 242);
            prop_assert!(!h.match_reason.is_empty());
        }
        // Tokens never keep ASCII punctuation, whitespace or a stopword.
        for t in attune_ops::help::search::tokenize(&query) {
            prop_assert!(!t.is_empty() && !t.chars().any(|c| c.is_ascii_punctuation() || c.is_whitespace()));
            prop_assert!(!["the", "and", "to", "of"].contains(&t.as_str()));
        }
        // Templates and listings never panic on the same files.
        let st = attune_ops::help::Staleness::default();
        let features = attune_ops::help::list_features(d.path(), &st);
        prop_assert!(features.len() <= 4);
        let all = attune_ops::help::all_templates(d.path(), &features, &st);
        prop_assert_eq!(all.len(), features.iter().map(|f| f.kinds.len()).sum::<usize>());
        for text in &files {
            let (fm, body) = attune_ops::help::template::split_frontmatter(text);
            prop_assert!(text.ends_with(body) && fm.len() <= text.len());
            let _ = attune_ops::help::template::first_paragraph(body, 400);
        }
    }
}

/// A JSON value of a few levels, with the Briefing's field names about.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        prop_oneof![
            Just("spec:a".to_string()),
            Just("run:failed:r1".to_string()),
            Just("javascript:alert(1)".to_string()),
            Just("//evil.example".to_string()),
            Just("/specs/a".to_string()),
            Just("https://example.com/x".to_string()),
            "[a-z:/\\[\\]]{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![
            Just("summary"),
            Just("items"),
            Just("id"),
            Just("title"),
            Just("severity"),
            Just("rationale"),
            Just("sources"),
            Just("suggested_action"),
            Just("kind"),
            Just("url"),
            Just("choices"),
            Just("content"),
            Just("type"),
            Just("input"),
            Just("text"),
            Just("stop_reason"),
            Just("usage"),
            Just("queue"),
            Just("finding"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            proptest::collection::vec((key, inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the model answers: no panic, every kept item cites only ids
    /// the sources gave, and no link but http(s) or a same-origin path.
    #[test]
    fn briefing_answers_keep_only_cited_items_and_safe_links(v in any_json()) {
        use attune_ops::curator;
        let known: std::collections::HashSet<&str> = ["spec:a", "run:failed:r1"].into();
        let _ = curator::messages::read_reply(&v, "claude-fable-5-1");
        if let serde_json::Value::Object(o) = &v {
            let c = curator::check(o, &known);
            prop_assert!(c.items.len() <= curator::MAX_ITEMS);
            for i in &c.items {
                prop_assert!(!i.sources.is_empty() && i.sources.iter().all(|s| known.contains(s.as_str())));
                prop_assert!(["info", "nudge", "warn", "block"].contains(&i.severity.as_str()));
                if let Some(u) = i.suggested_action.as_ref().and_then(|a| a.url.as_deref()) {
                    prop_assert!(u.starts_with("https://") || u.starts_with("http://") || (u.starts_with('/') && !u.starts_with("//")), "{}", u);
                }
            }
        }
    }

    /// Sweep results and usage lines of any shape: the Briefing's readers
    /// never panic, and their ids keep the reference's shapes.
    #[test]
    fn briefing_sources_read_anything(v in any_json(), lines in proptest::collection::vec(jsonish(), 0..20)) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("0123456789abcdef.json"), v.to_string()).unwrap();
        let s = attune_ops::curator::sources::sweep(d.path());
        for i in &s.items {
            prop_assert!(i.item_id.starts_with("sweep:queue:") || i.item_id.starts_with("sweep:questions:"));
            prop_assert!(i.title.chars().count() <= 150 && i.detail.chars().count() <= 500);
        }
        let p = d.path().join("usage.jsonl");
        std::fs::write(&p, lines.join("\n")).unwrap();
        let t = attune_ops::curator::sources::telemetry(&p, chrono::Utc::now());
        prop_assert!(t.items.len() <= 10);
    }
}
