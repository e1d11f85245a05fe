//! The loading and error skeleton every page puts around its data.

use std::sync::Arc;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::ErrorBox;

/// Waits for `resource` (a page's server function), then renders the
/// children with its value:
///
/// ```ignore
/// <PageData resource=data loading="Checking…" let:health>
///     <HealthView health />
/// </PageData>
/// ```
///
/// While it loads: `<p class="loading">{loading}</p>`. A failed load shows
/// an [`ErrorBox`]; a page about one thing gives its own `error_page`
/// instead (the error *is* the page: title, heading, the box), and the
/// response gets the error's HTTP status.
#[component]
pub fn PageData<T, V, F>(
    resource: Resource<Result<T, ApiError>>,
    /// The loading text.
    loading: &'static str,
    /// Keep showing the last value while the resource reloads (a
    /// `Transition` rather than a `Suspense`).
    #[prop(optional)]
    transition: bool,
    /// With `transition`: told when a reload starts and ends.
    #[prop(optional, into)]
    set_pending: Option<SignalSetter<bool>>,
    /// The page for a failed load; set, the response also gets the error's
    /// status.
    #[prop(optional, into)]
    error_page: Option<ErrorPage>,
    children: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    let children = Arc::new(children);
    let body = move || {
        let children = children.clone();
        let error_page = error_page.clone();
        Suspend::new(async move {
            match resource.await {
                Ok(data) => children(data).into_any(),
                Err(e) => match error_page {
                    Some(page) => {
                        crate::pages::set_status(e.status);
                        (page.0)(e)
                    }
                    None => view! { <ErrorBox error=e /> }.into_any(),
                },
            }
        })
    };
    let fallback = move || view! { <p class="loading">{loading}</p> };
    if transition {
        let set_pending = set_pending.unwrap_or_else(|| SignalSetter::map(|_| {}));
        view! { <Transition fallback set_pending>{body}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{body}</Suspense> }.into_any()
    }
}

/// What a page shows when its data failed to load, from a closure
/// `|e: ApiError| view! { … <ErrorBox error=e /> }`.
#[derive(Clone)]
pub struct ErrorPage(Arc<dyn Fn(ApiError) -> AnyView + Send + Sync>);

impl<F, V> From<F> for ErrorPage
where
    F: Fn(ApiError) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    fn from(f: F) -> ErrorPage {
        ErrorPage(Arc::new(move |e| f(e).into_any()))
    }
}
