//! Every page as a lazy route: in the browser bundle each page's code is
//! its own set of wasm chunks, fetched the first time the page is shown
//! (`cargo leptos build --split`, which `scripts/build.sh` runs; an unsplit
//! build would import a loader that does not exist). The first visit then
//! downloads the shared core and one page, not all of them; the server
//! renders `<link rel="preload">` for the page's chunks ([`preload_chunks`]).
//! On the server a lazy route renders like any other.
//!
//! One `impl` per page, written out: `#[lazy_route]` names each chunk after
//! where it is invoked, so a macro making them all would give them one name.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::*;

/// On the server, as a lazy page renders: `<link rel="preload">` for the
/// wasm chunks it needs and the loader that fetches them, so the browser
/// downloads them beside the main wasm rather than after it. The page's
/// name is the one the `#[lazy]` expansion has just recorded for it
/// (`leptos::PrefetchLazyFn`, hidden API of the pinned Leptos); the
/// chunks come from the build's manifest, which the server provides at the
/// root of every render (`SplitChunks`; none without `--split`). Leptos's
/// own injection of these links reads its manifest outside the render,
/// from whichever owner the thread last had, and mostly found none.
fn preload_chunks() {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::GetValue;
        use leptos_meta::Link;
        let (Some(rendered), Some(split)) = (use_context::<leptos::PrefetchLazyFn>(), use_context::<crate::SplitChunks>()) else {
            return;
        };
        let crate::SplitChunks { folder, loader, chunks } = split;
        let mut names: Vec<&str> = rendered.0.get_value().into_iter().collect();
        names.sort_unstable();
        for chunk in names.iter().filter_map(|n| chunks.get(*n)).flatten() {
            let _ =
                view! { <Link rel="preload" href=format!("{folder}/{chunk}.wasm") as_="fetch" type_="application/wasm" crossorigin="" /> }
                    .to_html();
        }
        let _ = view! { <Link rel="modulepreload" href=format!("{folder}/{loader}") /> }.to_html();
    }
}

#[derive(Debug)]
pub struct Home;

#[lazy_route]
impl LazyRoute for Home {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HomePage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Workflows;

#[lazy_route]
impl LazyRoute for Workflows {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <WorkflowsPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Runs;

#[lazy_route]
impl LazyRoute for Runs {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <RunsPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Run;

#[lazy_route]
impl LazyRoute for Run {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <RunPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Cost;

#[lazy_route]
impl LazyRoute for Cost {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <CostPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Sessions;

#[lazy_route]
impl LazyRoute for Sessions {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <SessionsPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Session;

#[lazy_route]
impl LazyRoute for Session {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <SessionPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Specs;

#[lazy_route]
impl LazyRoute for Specs {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <SpecsPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Spec;

#[lazy_route]
impl LazyRoute for Spec {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <SpecPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Telemetry;

#[lazy_route]
impl LazyRoute for Telemetry {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <TelemetryPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Bulletin;

#[lazy_route]
impl LazyRoute for Bulletin {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <BulletinPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Health;

#[lazy_route]
impl LazyRoute for Health {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HealthPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct HelpHome;

#[lazy_route]
impl LazyRoute for HelpHome {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HelpHomePage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct HelpSearch;

#[lazy_route]
impl LazyRoute for HelpSearch {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HelpSearchPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct HelpAdmin;

#[lazy_route]
impl LazyRoute for HelpAdmin {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HelpAdminPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct HelpFeature;

#[lazy_route]
impl LazyRoute for HelpFeature {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HelpFeaturePage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct HelpTemplate;

#[lazy_route]
impl LazyRoute for HelpTemplate {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <HelpTemplatePage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Memory;

#[lazy_route]
impl LazyRoute for Memory {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <MemoryPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct MemoryNode;

#[lazy_route]
impl LazyRoute for MemoryNode {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <MemoryNodePage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Collab;

#[lazy_route]
impl LazyRoute for Collab {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <CollabPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct CollabThread;

#[lazy_route]
impl LazyRoute for CollabThread {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <CollabThreadPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct Curator;

#[lazy_route]
impl LazyRoute for Curator {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <CuratorPage /> }.into_any()
    }
}

#[derive(Debug)]
pub struct SweepResult;

#[lazy_route]
impl LazyRoute for SweepResult {
    fn data() -> Self {
        Self
    }
    fn view(this: Self) -> AnyView {
        let _ = this;
        preload_chunks();
        view! { <SweepResultPage /> }.into_any()
    }
}
