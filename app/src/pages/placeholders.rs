//! Pages whose capability has not landed yet. They say so plainly.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::NotBuilt;

#[component]
pub fn CostPage() -> impl IntoView {
    view! { <Title text="Cost" /> <NotBuilt title="Cost" what="It will show Anthropic spend (today, 7 days, month to date, 30 days, per model) from the Admin API." /> }
}

#[component]
pub fn SpecsPage() -> impl IntoView {
    view! { <Title text="Specs" /> <NotBuilt title="Specs" what="It will list specs by lifecycle and show which are ready to close, with evidence." /> }
}
