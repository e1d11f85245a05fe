//! The page frame: top bar (navigation, project chip, running badge) and
//! footer.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use attune_ops::wire::{RunStatus, ShellInfo};

use crate::api::{get_shell, ApiError};

/// Every page the mission needs, in menu order.
pub const NAV: [(&str, &str); 13] = [
    ("/", "Home"),
    ("/curator", "Briefing"),
    ("/workflows", "Workflows"),
    ("/runs", "Runs"),
    ("/cost", "Cost"),
    ("/sessions", "Sessions"),
    ("/specs", "Specs"),
    ("/memory", "Memory"),
    ("/collab", "Collab"),
    ("/telemetry", "Telemetry"),
    ("/bulletin", "Bulletin"),
    ("/health", "Health"),
    ("/help", "Help"),
];

/// The shell data, refreshed every 5 s in the browser so the running badge
/// follows runs started elsewhere.
pub type ShellResource = Resource<Result<ShellInfo, ApiError>>;

/// Creates the shell resource and provides it as context.
pub fn provide_shell() -> ShellResource {
    let tick = RwSignal::new(0u32);
    let shell = Resource::new(move || tick.get(), |_| get_shell());
    Effect::new(move |_| {
        if let Ok(h) = set_interval_with_handle(move || tick.update(|t| *t += 1), Duration::from_secs(5)) {
            on_cleanup(move || h.clear());
        }
    });
    provide_context(shell);
    // Pages that start or cancel runs bump this to refresh the badge now.
    provide_context(ShellRefresh(tick));
    shell
}

/// Refreshes the shell (running badge) at once.
#[derive(Clone, Copy)]
pub struct ShellRefresh(pub RwSignal<u32>);

impl ShellRefresh {
    pub fn bump(&self) {
        self.0.update(|t| *t += 1);
    }
}

#[component]
pub fn TopBar(shell: ShellResource) -> impl IntoView {
    let location = use_location();
    let path = move || location.pathname.get();
    let links = NAV
        .iter()
        .map(|(href, label)| {
            let href = *href;
            let active = move || {
                let p = path();
                if href == "/" {
                    p == "/"
                } else {
                    p == href || p.starts_with(&format!("{href}/"))
                }
            };
            view! {
                <a href=href class="nav-link" class:is-active=active aria-current=move || active().then_some("page")>
                    {*label}
                </a>
            }
        })
        .collect_view();
    view! {
        <header class="topbar">
            <a href="/" class="brand">
                <span class="brand-attune">"attune"</span>
                <span class="brand-ops">"ops"</span>
            </a>
            <nav class="nav" aria-label="Main">{links}</nav>
            <div class="topbar-right">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        shell.await.ok().map(|s| view! { <RunningBadge shell=s.clone() /> <ProjectChip shell=s /> })
                    })}
                </Transition>
            </div>
        </header>
    }
}

/// "running <workflow>" (and how many more are active), linking to the run.
#[component]
fn RunningBadge(shell: ShellInfo) -> impl IntoView {
    let active = shell.active_runs;
    let running = active.iter().filter(|r| r.status == RunStatus::Running).count();
    let queued = active.len() - running;
    active.first().cloned().map(|first| {
        let label = match (running, queued) {
            (0, q) => format!("{q} queued"),
            (1, 0) => format!("running {}", first.workflow),
            (r, 0) => format!("{r} running"),
            (r, q) => format!("{r} running · {q} queued"),
        };
        view! {
            <a class="running-badge" href=format!("/runs/{}/view", first.id) title="Active runs">
                <span class="pulse" aria-hidden="true"></span>
                {label}
            </a>
        }
    })
}

#[component]
fn ProjectChip(shell: ShellInfo) -> impl IntoView {
    view! {
        <span class="project-chip" title=shell.project_root.clone() aria-label=format!("Project {}", shell.project_root)>
            {shell.project_name}
        </span>
    }
}

#[component]
pub fn Footer(shell: ShellResource) -> impl IntoView {
    view! {
        <footer class="footer">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    shell.await.ok().map(|s| view! {
                        <span>"attune ops v" {s.version} " · reads from " <code>{s.attune_home}</code></span>
                        <span class="footer-mode">{if s.allow_run { "runs enabled" } else { "read-only: runs disabled" }}</span>
                    })
                })}
            </Transition>
        </footer>
    }
}
