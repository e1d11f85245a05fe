//! Pages whose capability has not landed yet. They say so plainly.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::NotBuilt;

#[component]
pub fn SpecsPage() -> impl IntoView {
    view! { <Title text="Specs" /> <NotBuilt title="Specs" what="It will list specs by lifecycle and show which are ready to close, with evidence." /> }
}
