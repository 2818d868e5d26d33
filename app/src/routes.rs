//! The console's pages as lazily loaded routes, in five groups. The browser bundle's main module
//! holds the frame (layout, router, live sockets, shared widgets); each group's pages are
//! drawn by one lazy function, which `scripts/build-site.sh` cuts out of the module with
//! `wasm-split-cli` (ARCHITECTURE.md §15, "The browser bundle"). A group's code comes the first
//! time one of its pages opens; code two groups share goes into a chunk of its own.
//!
//! Groups, not a chunk per page: the splitter makes a chunk for every set of split points that
//! share code, and fifteen pages gave 40 to 160 chunks a page, each a request and a module to
//! compile, which made pages hydrate twice as late as one large module did; six groups (the
//! job page alone) took 19-22 chunks and hydrated later than these five (9-11 chunks) for
//! 140 KB less (BENCHMARKS.md, "The console's browser bundle"). Pages in a group are the ones
//! a visit goes between.
//!
//! On the server nothing changes: a lazy route renders its page in place. A page reads its own
//! data when it is drawn, so a route has no data to start early.

use crate::pages;
use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute};

/// A group of pages: an enum naming them, the lazy function that draws one (and the name of the
/// preload function `#[lazy]` makes for it), and a route per page (`<Route
/// view=JobRoute::lazy()>`). Each page component takes no props.
macro_rules! page_group {
    ($group:ident, $draw:ident, $preload:ident { $($route:ident => $page:path),+ $(,)? }) => {
        #[derive(Clone, Copy)]
        #[repr(u8)]
        pub enum $group {
            $($route),+
        }

        #[lazy]
        fn $draw(page: $group) -> AnyView {
            match page {
                $($group::$route => $page().into_any()),+
            }
        }

        $(
            pub struct $route;

            impl $route {
                /// The route's view for `<Route view=…>`.
                pub fn lazy() -> Lazy<Self> {
                    Lazy::new()
                }
            }

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                // Hydration draws the server's page at once, so the router awaits this first:
                // the group's chunk must be in. (`$preload` is what `#[lazy]` makes for `$draw`;
                // it exists in the browser build only.)
                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }

                async fn view(_this: Self) -> AnyView {
                    $draw($group::$route).await
                }
            }
        )+
    };
}

// Where a day with jobs is spent: the dashboard, the lists, a job, the submit form.
page_group!(JobPages, draw_job_page, __preload_draw_job_page {
    HomeRoute => pages::Home,
    JobsRoute => pages::jobs::JobsPage,
    JobRoute => pages::jobs::JobPage,
    SubmitRoute => pages::jobs::SubmitPage,
});

// The definitions editor (forms, the JSON tab, revisions): the largest page on its own.
page_group!(DefinitionPages, draw_definition_page, __preload_draw_definition_page {
    DefinitionsRoute => pages::admin::DefinitionsPage,
});

// Setting up where jobs run.
page_group!(AdminPages, draw_admin_page, __preload_draw_admin_page {
    EnvironmentsRoute => pages::admin::EnvironmentsPage,
    QueuesRoute => pages::admin::QueuesPage,
    QueueRoute => pages::admin::QueuePage,
    PoliciesRoute => pages::admin::PoliciesPage,
});

// Who may do what.
page_group!(AccessPages, draw_access_page, __preload_draw_access_page {
    UsersRoute => pages::access::UsersPage,
    AccessKeysRoute => pages::access::AccessKeysPage,
    SecretsRoute => pages::access::SecretsPage,
    AuditRoute => pages::access::AuditPage,
});

// The first page a visitor sees: it should bring as little as it can.
page_group!(SignInPages, draw_sign_in_page, __preload_draw_sign_in_page {
    SignInRoute => pages::access::SignInPage,
    SetupRoute => pages::access::SetupPage,
});
