use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The 404 page (inside the normal layout).
#[component]
pub fn NotFound() -> impl IntoView {
    super::set_status(404);
    let path = use_location().pathname;
    view! {
        <Title text="Not found" />
        <section class="panel not-found">
            <h1>"404"</h1>
            <p>"No page at " <code>{move || path.get()}</code> "."</p>
            <p><a href="/">"Back to home"</a></p>
        </section>
    }
}
