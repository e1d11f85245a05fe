//! Properties of the parsers that face the outside — whatever a client
//! sends: the Host allowlist and the cross-site check, form decoding, scope
//! resolution, SSE resume ids, and the markdown renderer. Each asserts what
//! must hold (no panic, confinement, no raw HTML or `javascript:` links),
//! not particular outputs.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;

use attune_ops::markdown::markdown_to_html;
use attune_ops::scope::resolve_scope;
use attune_ops_app::urlcode::{encode_component, form_field};
use attune_ops_server::perimeter::is_cross_site;
use attune_ops_server::routes::resume_after;
use attune_ops_server::HostAllowlist;

fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut m = HeaderMap::new();
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_bytes(v) {
            m.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), v);
        }
    }
    m
}

fn host_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "(localhost|127\\.0\\.0\\.1|LOCALHOST|\\[::1\\]|evil\\.example|ops\\.example)(:[0-9]{1,5})?",
        "[a-zA-Z0-9.:\\[\\]-]{0,30}",
        ".{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Only the allowlist's exact values pass (case aside): no prefix,
    /// suffix or look-alike gets through; arbitrary bytes never panic.
    #[test]
    fn the_host_allowlist_admits_exactly_its_values(host in host_like(), raw in proptest::collection::vec(any::<u8>(), 0..40), port in 1u16..) {
        let a = HostAllowlist::new("127.0.0.1", port, &["ops.example".into()]);
        let allowed = [format!("127.0.0.1:{port}"), format!("localhost:{port}"), "ops.example".into(), "ops.example:80".into(), "ops.example:443".into()];
        prop_assert_eq!(a.allows(host.as_bytes()), allowed.contains(&host.to_lowercase()));
        let _ = a.allows(&raw);
    }

    /// A mutation is same-site only when its Origin names exactly the
    /// Host it was sent to (scheme http or https) and Sec-Fetch-Site, if
    /// any, says same-origin or none.
    #[test]
    fn cross_site_means_any_origin_but_our_own(host in host_like(), origin in prop_oneof![
        host_like().prop_map(|h| format!("http://{h}")),
        host_like().prop_map(|h| format!("https://{h}/")),
        ".{0,40}",
    ], site in prop_oneof![Just(None), Just(Some("same-origin")), Just(Some("none")), Just(Some("cross-site")), Just(Some("same-site"))]) {
        let mut pairs: Vec<(&str, &[u8])> = vec![("host", host.as_bytes()), ("origin", origin.as_bytes())];
        if let Some(s) = site {
            pairs.push(("sec-fetch-site", s.as_bytes()));
        }
        let h = headers(&pairs);
        let sent_host = h.get("host").map(|v| v.as_bytes().to_vec()).unwrap_or_default();
        let sent_origin = h.get("origin").map(|v| v.as_bytes().to_vec());
        let authority = sent_origin.as_deref().map(|o| {
            let a = o.strip_prefix(b"http://").or_else(|| o.strip_prefix(b"https://"));
            a.map(|a| a.strip_suffix(b"/").unwrap_or(a).to_vec())
        });
        let own_origin = match authority {
            None => true,
            Some(Some(a)) => a.eq_ignore_ascii_case(&sent_host),
            Some(None) => false,
        };
        let own_site = !matches!(site, Some("cross-site" | "same-site"));
        prop_assert_eq!(is_cross_site(&h), !(own_origin && own_site));
    }

    /// What the browser encodes, the form decoder reads back; any body
    /// decodes without panicking.
    #[test]
    fn form_fields_round_trip(value in ".{0,60}", other in ".{0,20}", junk in proptest::collection::vec(any::<u8>(), 0..80)) {
        let body = format!("a={}&attune_client={}&b={}", encode_component(&other), encode_component(&value), encode_component(&other));
        prop_assert_eq!(form_field(body.as_bytes(), "attune_client"), Some(value));
        let _ = form_field(&junk, "attune_client");
    }

    /// A resumed stream starts within the run's own sequence, after the
    /// header's id when it is a number, else `?after=`.
    #[test]
    fn resume_ids_stay_within_the_sequence(raw in proptest::collection::vec(any::<u8>(), 0..24), n in any::<u64>(), pad in " {0,2}", after in proptest::option::of(any::<u64>()), last in any::<u64>()) {
        let got = resume_after(Some(&raw), after, last);
        prop_assert!(got <= last);
        let text = format!("{pad}{n}{pad}");
        prop_assert_eq!(resume_after(Some(text.as_bytes()), after, last), n.min(last));
        prop_assert_eq!(resume_after(None, after, last), after.unwrap_or(0).min(last));
    }

    /// Whatever the scope text, a resolved scope is inside the project.
    #[test]
    fn scopes_resolve_inside_the_project_or_not_at_all(parts in proptest::collection::vec(prop_oneof![
        Just("..".to_string()), Just(".".to_string()), Just("src".to_string()), Just("/".to_string()), Just("/etc".to_string()),
        Just("link".to_string()), Just("~".to_string()), "[a-z\\x00%]{1,6}",
    ], 1..6), sep in prop_oneof![Just("/"), Just("//"), Just("\\\\")]) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("proj");
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        let _ = std::os::unix::fs::symlink("/etc", root.join("link"));
        let root = root.canonicalize().unwrap();
        let input = parts.join(sep);
        for must_exist in [true, false] {
            if let Ok(p) = resolve_scope(&root, &input, must_exist) {
                prop_assert!(p.starts_with(&root), "{input:?} resolved to {p:?}");
                if must_exist {
                    prop_assert!(p.canonicalize().unwrap().starts_with(&root), "{input:?} escapes through a link");
                }
            }
        }
    }

    /// Markdown from disk renders without raw HTML and without links of
    /// any scheme but http, https, mailto and relative ones.
    #[test]
    fn markdown_never_carries_raw_html_or_script_links(md in prop_oneof![
        ".{0,200}",
        proptest::collection::vec(prop_oneof![
            Just("<script>alert(1)</script>".to_string()), Just("<img src=x onerror=alert(1)>".to_string()),
            Just("[a](javascript:alert(1))".to_string()), Just("[b](JaVaScRiPt:x)".to_string()), Just("![i](data:text/html,x)".to_string()),
            Just("<a href=\"javascript:x\">y</a>".to_string()), Just("[c]( javascript:x )".to_string()), Just("[d](vbscript:x)".to_string()),
            Just("\n\n```\n<b>code</b>\n```\n".to_string()), Just("`<i>`".to_string()), Just("| a | <b> |\n|---|---|\n".to_string()),
            "[a-z <>\\[\\]()#*`|:/-]{0,30}",
        ], 0..8).prop_map(|v| v.join(" ")),
    ]) {
        let html = markdown_to_html(&md).to_ascii_lowercase();
        prop_assert!(!html.contains("<script"), "{}", html);
        prop_assert!(!html.contains("<img src=x"), "{}", html);
        // Every `<` left is a tag the renderer made (text ones are
        // `&lt;`): none has an event handler or a link of another scheme.
        for tag in html.split('<').skip(1).filter_map(|t| t.split_once('>').map(|(t, _)| t)) {
            prop_assert!(!tag.split_whitespace().skip(1).any(|a| a.starts_with("on")), "<{}> in {}", tag, html);
            for scheme in ["javascript:", "vbscript:", "data:"] {
                prop_assert!(!tag.contains(&format!("href=\"{scheme}")) && !tag.contains(&format!("src=\"{scheme}")), "<{}> in {}", tag, html);
            }
        }
    }
}
