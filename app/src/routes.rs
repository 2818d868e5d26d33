//! Every console page as a lazily loaded route: the browser bundle holds the frame (layout,
//! router, live sockets, shared widgets) and each page's code is a chunk of its own, fetched
//! when the page is first opened (`scripts/build-site.sh` splits the module with
//! `wasm-split-cli`; ARCHITECTURE.md "The browser bundle"). On the server nothing changes: a
//! lazy route renders its page in place.
//!
//! A page reads its own data when it is drawn, so `data` has nothing to start early.

use crate::pages;
use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute, lazy_route};

/// One lazily loaded route per page component; the component takes no props.
macro_rules! lazy_page {
    ($route:ident => $page:path) => {
        pub struct $route;

        impl $route {
            /// The route's view for `<Route view=…>`.
            pub fn lazy() -> Lazy<Self> {
                Lazy::new()
            }
        }

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(HomeRoute => pages::Home);
lazy_page!(JobsRoute => pages::jobs::JobsPage);
lazy_page!(JobRoute => pages::jobs::JobPage);
lazy_page!(SubmitRoute => pages::jobs::SubmitPage);
lazy_page!(EnvironmentsRoute => pages::admin::EnvironmentsPage);
lazy_page!(QueuesRoute => pages::admin::QueuesPage);
lazy_page!(QueueRoute => pages::admin::QueuePage);
lazy_page!(PoliciesRoute => pages::admin::PoliciesPage);
lazy_page!(DefinitionsRoute => pages::admin::DefinitionsPage);
lazy_page!(SignInRoute => pages::access::SignInPage);
lazy_page!(SetupRoute => pages::access::SetupPage);
lazy_page!(UsersRoute => pages::access::UsersPage);
lazy_page!(AccessKeysRoute => pages::access::AccessKeysPage);
lazy_page!(SecretsRoute => pages::access::SecretsPage);
lazy_page!(AuditRoute => pages::access::AuditPage);
