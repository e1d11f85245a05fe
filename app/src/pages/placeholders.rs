//! Pages whose capability has not landed yet. They say so plainly.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::NotBuilt;

#[component]
pub fn CostPage() -> impl IntoView {
    view! { <Title text="Cost" /> <NotBuilt title="Cost" what="It will show Anthropic spend (today, 7 days, month to date, 30 days, per model) from the Admin API." /> }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! { <Title text="Sessions" /> <NotBuilt title="Sessions" what="It will list this project's recent Claude Code sessions." /> }
}

#[component]
pub fn SpecsPage() -> impl IntoView {
    view! { <Title text="Specs" /> <NotBuilt title="Specs" what="It will list specs by lifecycle and show which are ready to close, with evidence." /> }
}

#[component]
pub fn TelemetryPage() -> impl IntoView {
    view! { <Title text="Telemetry" /> <NotBuilt title="Telemetry" what="It will summarise usage.jsonl by workflow and by day." /> }
}

#[component]
pub fn BulletinPage() -> impl IntoView {
    view! { <Title text="Bulletin" /> <NotBuilt title="Bulletin" what="It will show today's bulletin entries and the archive by day. The live strip on Home and Workflows already works." /> }
}

#[component]
pub fn HealthPage() -> impl IntoView {
    view! { <Title text="Health" /> <NotBuilt title="Health" what="It will check attune home, telemetry, Claude sessions, the admin key and the attune CLI." /> }
}
