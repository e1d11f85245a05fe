//! Small server-rendered charts (plain SVG and CSS: no JavaScript needed).

use leptos::prelude::*;

/// A vertical bar chart. `bars`: `(label, value, tooltip)`; labels are
/// shown under every `label_every`-th bar.
#[component]
pub fn BarChart(
    bars: Vec<(String, f64, String)>,
    #[prop(optional)] label_every: Option<usize>,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let n = bars.len().max(1);
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let w = 600.0;
    let h = 160.0;
    let slot = w / n as f64;
    let bw = (slot * 0.72).max(1.0);
    let every = label_every.unwrap_or(if n > 16 { 5 } else { 1 });
    let body = bars
        .into_iter()
        .enumerate()
        .map(|(i, (label, v, tip))| {
            let bh = if max > 0.0 { (v / max) * (h - 4.0) } else { 0.0 };
            let x = i as f64 * slot + (slot - bw) / 2.0;
            let y = h - bh;
            let show = i % every == 0 || i + 1 == n;
            view! {
                <g class="bar">
                    <title>{tip}</title>
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bw:.1}") height=format!("{:.1}", bh.max(if v > 0.0 { 1.0 } else { 0.0 })) rx="2" />
                    {show.then(|| view! { <text x=format!("{:.1}", x + bw / 2.0) y=format!("{}", h + 14.0) text-anchor="middle">{label}</text> })}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class=format!("chart {class}") viewBox=format!("0 0 {w} {}", h + 20.0) preserveAspectRatio="none" role="img">
            <line x1="0" y1=h.to_string() x2=w.to_string() y2=h.to_string() class="axis" />
            {body}
        </svg>
    }
}

/// An inline horizontal bar for table cells: `value` of `max`.
#[component]
pub fn InlineBar(value: f64, max: f64) -> impl IntoView {
    let pct = if max > 0.0 { (value / max * 100.0).clamp(0.0, 100.0) } else { 0.0 };
    view! { <span class="inline-bar" aria-hidden="true"><span style=format!("width:{pct:.1}%")></span></span> }
}

/// A KPI tile.
#[component]
pub fn Tile(
    label: &'static str,
    #[prop(into)] value: String,
    #[prop(into, optional)] foot: String,
    #[prop(optional)] href: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let inner = view! {
        <span class="tile-label">{label}</span>
        <span class="tile-value">{value}</span>
        {children.map(|c| c())}
        {(!foot.is_empty()).then(|| view! { <span class="tile-foot">{foot}</span> })}
    };
    match href {
        Some(h) => view! { <a class="tile" href=h>{inner}</a> }.into_any(),
        None => view! { <div class="tile">{inner}</div> }.into_any(),
    }
}

/// `$1.23` (or `$0.0042` for small amounts).
pub fn money(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("${v:.4}")
    } else {
        format!("${v:.2}")
    }
}
