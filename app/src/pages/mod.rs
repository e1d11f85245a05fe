//! One module per route.

mod bulletin;
mod collab;
mod cost;
mod curator;
mod health;
mod help;
mod home;
pub mod lazy;
mod memory;
mod not_found;
mod run;
mod runs;
mod sessions;
mod specs;
mod sweep;
mod telemetry;
mod workflows;

pub use bulletin::BulletinPage;
pub use collab::{CollabPage, CollabThreadPage};
pub use cost::CostPage;
pub use curator::CuratorPage;
pub use health::HealthPage;
pub use help::{HelpAdminPage, HelpFeaturePage, HelpHomePage, HelpSearchPage, HelpTemplatePage};
pub use home::HomePage;
pub use memory::{MemoryNodePage, MemoryPage};
pub use not_found::NotFound;
pub use run::RunPage;
pub use runs::RunsPage;
pub use sessions::{SessionPage, SessionsPage};
pub use specs::{SpecPage, SpecsPage};
pub use sweep::SweepResultPage;
pub use telemetry::TelemetryPage;
pub use workflows::WorkflowsPage;

/// Sets the HTTP status of the page being rendered (server only).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(ro) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(s) = axum::http::StatusCode::from_u16(code) {
            ro.set_status(s);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
