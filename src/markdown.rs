//! Markdown as HTML (spec files, help templates): CommonMark with tables,
//! strikethrough, task lists and bare URLs linked (`pulldown-cmark` and `linkify`, both well kept).
//!
//! Raw HTML is never passed through: it is shown as text, as the
//! reference's `html=False` did. Links and images keep only safe schemes
//! (http, https, mailto, relative); anything else (`javascript:`, `data:`,
//! `file:`…) becomes `#`.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let lower: String = url.trim().chars().filter(|c| !c.is_control() && !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        // A colon after a slash, `?` or `#` is not a scheme.
        Some(i) if lower[..i].contains(['/', '?', '#']) => true,
        Some(i) => matches!(&lower[..i], "http" | "https" | "mailto"),
    }
}

fn demote(l: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::*;
    match l {
        H1 => H3,
        H2 => H4,
        H3 => H5,
        _ => H6,
    }
}

/// Renders `md` to HTML (safe to insert into a page); headings are
/// demoted by two levels.
pub fn markdown_to_html(md: &str) -> String {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut depth_link = 0usize;
    let mut in_code = false;
    let mut events: Vec<Event> = Vec::new();
    let finder = linkify::LinkFinder::new();
    for ev in Parser::new_ext(md, opts) {
        match ev {
            Event::Html(s) | Event::InlineHtml(s) => events.push(Event::Text(s)),
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                depth_link += 1;
                let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::from("#") };
                events.push(Event::Start(Tag::Link { link_type, dest_url, title, id }));
            }
            Event::End(TagEnd::Link) => {
                depth_link = depth_link.saturating_sub(1);
                events.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::from("#") };
                events.push(Event::Start(Tag::Image { link_type, dest_url, title, id }));
            }
            // The page has its own h1 and h2: file headings start at h3.
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                events.push(Event::Start(Tag::Heading { level: demote(level), id, classes, attrs }));
            }
            Event::End(TagEnd::Heading(level)) => events.push(Event::End(TagEnd::Heading(demote(level)))),
            Event::Start(Tag::CodeBlock(k)) => {
                in_code = true;
                events.push(Event::Start(Tag::CodeBlock(k)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                events.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Text(t) if depth_link == 0 && !in_code => {
                let mut last = 0;
                for l in finder.links(&t) {
                    if l.start() > last {
                        events.push(Event::Text(CowStr::from(t[last..l.start()].to_string())));
                    }
                    let url = l.as_str().to_string();
                    let href = if *l.kind() == linkify::LinkKind::Email { format!("mailto:{url}") } else { url.clone() };
                    if safe_url(&href) {
                        events.push(Event::Start(Tag::Link {
                            link_type: LinkType::Autolink,
                            dest_url: href.into(),
                            title: "".into(),
                            id: "".into(),
                        }));
                        events.push(Event::Text(url.into()));
                        events.push(Event::End(TagEnd::Link));
                    } else {
                        events.push(Event::Text(url.into()));
                    }
                    last = l.end();
                }
                if last < t.len() {
                    events.push(Event::Text(CowStr::from(t[last..].to_string())));
                }
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text_and_urls_are_safe() {
        let h = markdown_to_html("# T\n\n<script>alert(1)</script>\n\nInline <b>x</b> and [a](javascript:alert(1)) and ![i](data:x)\n");
        assert!(!h.contains("<script>") && h.contains("&lt;script&gt;"), "{h}");
        assert!(h.contains("&lt;b&gt;x&lt;/b&gt;"), "{h}");
        assert!(h.contains("href=\"#\"") && h.contains("src=\"#\""), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
    }

    #[test]
    fn tables_strikethrough_tasks_and_bare_links() {
        let h = markdown_to_html("| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n- [x] done\n\nSee https://example.com/x and `https://no.link`.\n");
        assert!(h.contains("<table>") && h.contains("<del>2</del>"), "{h}");
        assert!(h.contains("type=\"checkbox\""), "{h}");
        assert!(h.contains("<a href=\"https://example.com/x\">https://example.com/x</a>"), "{h}");
        assert!(h.contains("<code>https://no.link</code>"), "{h}");
    }
}
