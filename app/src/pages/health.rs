//! The Health page: what the dashboard can see.

use leptos::prelude::*;
use leptos_meta::Title;

use attune_ops::wire::HealthData;

use crate::api::get_health;
use crate::components::page_data::PageData;

#[component]
pub fn HealthPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_health());
    view! {
        <Title text="Health" />
        <h1>"Health"</h1>
        <PageData resource=data loading="Checking…" let:h>
            <HealthView h />
        </PageData>
    }
}

#[component]
fn HealthView(h: HealthData) -> impl IntoView {
    view! {
        <p class="lede">{format!("attune ops v{}", h.version)}</p>
        <section class="panel">
            <table class="table health">
                <tbody>
                    {h.checks.into_iter().map(|c| {
                        let icon = match c.state.as_str() { "ok" => "✓", "warn" => "!", _ => "✗" };
                        view! {
                            <tr class=format!("health-{}", c.state)>
                                <td class="health-icon" aria-label=c.state.clone()>{icon}</td>
                                <th scope="row">{c.name}</th>
                                <td>{c.detail}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
