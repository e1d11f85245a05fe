//! Spend pieces shared by Home and the Cost page: the "API spend watch"
//! panel, a gauge, and the account tiles.

use leptos::prelude::*;

use attune_ops::wire::{CostError, CostErrorKind, CostSummary, SpendAlarm};

use crate::components::charts::{money, Tile};

/// `just now`, `4 min ago`, `2 h ago`.
pub fn age(secs: u64) -> String {
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        _ => format!("{} h {} min ago", secs / 3600, (secs % 3600) / 60),
    }
}

/// `live`, `cached · 4 min ago`, `stale · 2 h ago`.
pub fn freshness(s: &CostSummary) -> String {
    if s.stale {
        format!("stale · {}", age(s.age_seconds))
    } else if s.source == "cached" {
        format!("cached · {}", age(s.age_seconds))
    } else {
        "live".into()
    }
}

/// A horizontal gauge: `pct` filled (capped at 100), `warn` from 80 %,
/// `hot` from 100 % (or when the caller says so).
#[component]
pub fn Gauge(pct: f64, #[prop(optional)] hot: bool, #[prop(into)] label: String) -> impl IntoView {
    let fill = pct.clamp(0.0, 100.0);
    let class = if hot || pct >= 100.0 {
        "gauge gauge-hot"
    } else if pct >= 80.0 {
        "gauge gauge-warn"
    } else {
        "gauge"
    };
    view! {
        <div class=class role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{fill:.0}") aria-label=label>
            <span style=format!("width:{fill:.1}%")></span>
        </div>
    }
}

/// The reference's "API spend watch": today against the recent baseline,
/// month to date against the ceiling (the budget when one is set).
#[component]
pub fn SpendWatch(alarm: SpendAlarm) -> impl IntoView {
    let (chip, class) = match alarm.level.as_str() {
        "alarm" => ("⚠ anomaly", "chip chip-failed"),
        "insufficient_data" => ("building baseline", "chip"),
        _ => ("normal", "chip chip-completed"),
    };
    let hot = alarm.triggered_by.iter().any(|t| t == "ceiling");
    let source =
        if alarm.source == "account" { "Anthropic account billing (includes CI)" } else { "local telemetry only — CI spend not counted" };
    view! {
        <section class="panel spend-watch" data-level=alarm.level.clone()>
            <h2>"API spend watch"</h2>
            <p><span class=class>{chip}</span> " " <span class="spend-detail">{alarm.detail.clone()}</span></p>
            <Gauge pct=alarm.ceiling_pct hot label="Month to date against the monthly ceiling" />
            <p class="gauge-feet">
                <span>{format!("${:.2} MTD", alarm.month_to_date)}</span>
                <span>{format!("{:.0}% of ${:.0}", alarm.ceiling_pct, alarm.monthly_ceiling)}</span>
            </p>
            <p class="muted small">{source}</p>
        </section>
    }
}

/// Home's account cluster: the summary's tiles, or what to do about its
/// absence.
#[component]
pub fn AccountTiles(summary: Option<CostSummary>, error: Option<CostError>, pending: bool) -> impl IntoView {
    if let Some(s) = summary {
        let foot = format!("Anthropic billing · {}", freshness(&s));
        return view! {
            <Tile label="Today (account)" value=money(s.today_usd) foot=foot href="/cost" />
            <Tile label="7d (account)" value=money(s.seven_day_usd) foot=format!("{}/day average", money(s.seven_day_usd / 7.0)) href="/cost" />
            <Tile label="MTD (account)" value=money(s.month_to_date_usd) foot="month to date, UTC" href="/cost" />
        }
        .into_any();
    }
    if pending {
        return view! { <Tile label="Account spend" value="…" foot="still fetching from Anthropic — reload in a moment" href="/cost" /> }
            .into_any();
    }
    match error.map(|e| e.kind) {
        Some(CostErrorKind::NoKey) => {
            view! { <Tile label="Set up cost reporting" value="Connect billing" foot="add an Anthropic admin key to see account spend" href="/cost" /> }.into_any()
        }
        Some(CostErrorKind::AuthFailed) => {
            view! { <Tile label="Account spend" value="Key rejected" foot="Anthropic refused the admin key — see Cost" href="/cost" /> }.into_any()
        }
        Some(_) => view! { <Tile label="Account spend" value="Unavailable" foot="the cost report could not be fetched — see Cost" href="/cost" /> }.into_any(),
        None => ().into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(125), "2 min ago");
        assert_eq!(age(7260), "2 h 1 min ago");
    }
}
