//! One log line rendered: ANSI spans, search marks and workflow pills, and
//! the optional timestamp.

use leptos::prelude::*;

use attune_ops::ansi::{parse_line, Span};
use attune_ops::wire::{LogLine, LogStream};

/// A piece of a rendered line.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Text(String),
    Mark(String),
    Pill(String),
}

/// Byte ranges of `query` in `text`, case-insensitively (none when
/// lowercasing would change byte offsets, rather than wrong ones).
pub fn match_ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let lower = text.to_lowercase();
    let q = query.to_lowercase();
    if lower.len() != text.len() || q.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(f) = lower[k..].find(&q) {
        let a = k + f;
        if !text.is_char_boundary(a) || !text.is_char_boundary(a + q.len()) {
            break;
        }
        out.push((a, a + q.len()));
        k = a + q.len();
    }
    out
}

/// Splits `text` into plain text, marked ranges (`marks`, byte ranges in
/// `text`) and workflow pills (whole words equal to a known workflow name
/// that contains a dash, so prose words are left alone).
pub fn segments(text: &str, names: &[String], marks: &[(usize, usize)]) -> Vec<Seg> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut pills: Vec<(usize, usize)> = Vec::new();
    if !names.is_empty() {
        let mut i = 0;
        while i < bytes.len() {
            if is_word(bytes[i]) && (i == 0 || !is_word(bytes[i - 1])) {
                let mut j = i;
                while j < bytes.len() && is_word(bytes[j]) {
                    j += 1;
                }
                let w = &text[i..j];
                if w.contains('-') && names.iter().any(|n| n == w) {
                    pills.push((i, j));
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    let mut out = Vec::new();
    let push_text = |out: &mut Vec<Seg>, a: usize, b: usize| {
        // Plain text from a to b, with the marks that fall inside.
        let mut pos = a;
        for &(ma, mb) in marks {
            let (ma, mb) = (ma.max(a), mb.min(b));
            if ma >= mb || ma < pos {
                continue;
            }
            if ma > pos {
                out.push(Seg::Text(text[pos..ma].to_string()));
            }
            out.push(Seg::Mark(text[ma..mb].to_string()));
            pos = mb;
        }
        if pos < b {
            out.push(Seg::Text(text[pos..b].to_string()));
        }
    };
    let mut pos = 0;
    for (a, b) in pills {
        push_text(&mut out, pos, a);
        out.push(Seg::Pill(text[a..b].to_string()));
        pos = b;
    }
    push_text(&mut out, pos, text.len());
    out
}

pub(super) fn render_spans(spans: Vec<Span>, names: &[String], query: &str, on_pill: Option<Callback<String>>) -> impl IntoView {
    // Search marks are found on the whole visible text, so a match that
    // crosses a colour change is still marked.
    let full: String = spans.iter().map(|s| s.text.as_str()).collect();
    let ranges = match_ranges(&full, query);
    let mut offset = 0;
    spans
        .into_iter()
        .map(|sp| {
            let len = sp.text.len();
            let local: Vec<(usize, usize)> = ranges
                .iter()
                .filter(|(a, b)| *b > offset && *a < offset + len)
                .map(|(a, b)| (a.saturating_sub(offset), (b - offset).min(len)))
                .collect();
            offset += len;
            let class = sp.style.classes();
            let style = sp.style.inline_css();
            let segs = segments(&sp.text, names, &local);
            let inner = segs
                .into_iter()
                .map(|s| match s {
                    Seg::Text(t) => t.into_any(),
                    Seg::Mark(t) => view! { <mark>{t}</mark> }.into_any(),
                    Seg::Pill(name) => match on_pill {
                        Some(cb) => {
                            let n2 = name.clone();
                            view! {
                                <button class="log-pill" title=format!("Run {name} on this run's scope") on:click=move |_| cb.run(n2.clone())>
                                    {name.clone()}
                                </button>
                            }
                            .into_any()
                        }
                        None => view! { <span class="log-pill static">{name}</span> }.into_any(),
                    },
                })
                .collect_view();
            if class.is_empty() && style.is_none() {
                view! { <span>{inner}</span> }.into_any()
            } else {
                view! { <span class=class style=style>{inner}</span> }.into_any()
            }
        })
        .collect_view()
}

/// How the viewer's rows are drawn: what the toolbar and the URL chose.
pub(super) struct RowLook<'a> {
    /// Show each line's time.
    pub timestamps: bool,
    /// The line a permalink or search jump points at.
    pub highlight: Option<u64>,
    /// Workflow names that become pills.
    pub names: &'a [String],
    /// The applied search, marked in the text.
    pub query: &'a str,
    pub on_pill: Option<Callback<String>>,
}

/// Row `n` of the virtual viewer, or its placeholder while the line loads.
pub(super) fn row(n: u64, line: Option<LogLine>, look: &RowLook) -> AnyView {
    match line {
        Some(l) => {
            let err = l.s == LogStream::Stderr;
            let runner = l.s == LogStream::Runner;
            view! {
                <div class="ll" class:ll-err=err class:ll-runner=runner class:ll-hl=look.highlight == Some(n) id=format!("L{n}")>
                    <a class="ln" href=format!("#L{n}") title="Link to this line">{n}</a>
                    {look.timestamps.then(|| view! { <span class="lt">{clock(l.t)}</span> })}
                    <span class="lx">{render_spans(parse_line(&l.x), look.names, look.query, look.on_pill)}</span>
                </div>
            }
            .into_any()
        }
        None => view! { <div class="ll ll-loading"><span class="ln">{n}</span><span class="lx muted">"…"</span></div> }.into_any(),
    }
}

/// `HH:MM:SS.mmm` in the viewer's local time (UTC on the server).
fn clock(ms: i64) -> String {
    if ms <= 0 {
        return "--:--:--.---".into();
    }
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}:{:02}.{:03}", d.get_hours(), d.get_minutes(), d.get_seconds(), d.get_milliseconds())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%H:%M:%S%.3f").to_string()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_mark_and_pill() {
        let names = vec!["test-audit".to_string(), "fix".to_string()];
        let text = "run test-audit to fix ERROR now";
        assert_eq!(
            segments(text, &names, &match_ranges(text, "error")),
            vec![
                Seg::Text("run ".into()),
                Seg::Pill("test-audit".into()),
                Seg::Text(" to fix ".into()),
                Seg::Mark("ERROR".into()),
                Seg::Text(" now".into())
            ]
        );
        assert_eq!(segments("my-test-audit-x", &names, &[]), vec![Seg::Text("my-test-audit-x".into())]);
        assert_eq!(match_ranges("aaa", "a"), vec![(0, 1), (1, 2), (2, 3)]);
        assert_eq!(match_ranges("ÉRROR", "é"), vec![(0, 2)]);
        // Lowercasing that changes byte lengths: no marks rather than wrong ones.
        assert_eq!(match_ranges("İx", "x"), vec![]);
        // A match crossing a span boundary marks both parts.
        assert_eq!(segments("error", &[], &[(3, 5)]), vec![Seg::Text("err".into()), Seg::Mark("or".into())]);
    }
}
