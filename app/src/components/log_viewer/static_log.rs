//! The server-rendered form of the log (and the viewer's form until it
//! hydrates): the last lines as a `<pre>`, with line anchors.

use leptos::prelude::*;

use attune_ops::ansi::parse_line;
use attune_ops::wire::{LogPage, LogStream};

use super::geometry::gutter_width;
use super::line::render_spans;

/// The server-rendered form: the last lines as a `<pre>`.
#[component]
pub(super) fn StaticLog(run_id: String, page: LogPage, full_log: bool) -> impl IntoView {
    let first = page.lines.first().map(|l| l.n).unwrap_or(0);
    let last = page.lines.last().map(|l| l.n).unwrap_or(0);
    let note = if page.total == 0 {
        "No output yet.".to_string()
    } else if first > 1 {
        format!("Showing lines {first}–{last} of {}.", crate::fmt::count(page.total))
    } else {
        format!("{} lines.", crate::fmt::count(page.total))
    };
    view! {
        <p class="log-note">
            {note} " "
            <a href=format!("/runs/{run_id}/log.txt") download>"Download the raw log"</a>
            {(!full_log).then_some(" (this record kept only the first 200 KB of output)")}
            {(!page.finished).then(|| view! { " · " <a href="">"Refresh"</a> " for new lines." })}
        </p>
        <pre class="log-static" data-log="" style=format!("--ln-w:{}ch", gutter_width(page.total))>
            {page.lines.into_iter().map(|l| {
                let id = format!("L{}", l.n);
                let err = l.s == LogStream::Stderr;
                let runner = l.s == LogStream::Runner;
                view! {
                    <div class="ll" class:ll-err=err class:ll-runner=runner id=id.clone()>
                        <a class="ln" href=format!("#{id}")>{l.n}</a>
                        <span class="lx">{render_spans(parse_line(&l.x), &[], "", None)}</span>
                    </div>
                }
            }).collect_view()}
        </pre>
    }
}
