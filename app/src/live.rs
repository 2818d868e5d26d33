//! Live pages: a WebSocket to the server's change stream (`/events`, `server::live`), and a
//! re-read whenever it says something changed. Runs only in the browser; the server-rendered
//! page is the first state.

use leptos::prelude::*;

/// Calls `refetch` whenever the stream at `url` reports a change (and once on every
/// reconnect, so a page that lost its connection catches up). A dropped connection is opened
/// again after a pause that grows from 1 to 10 s; it is closed for good when the URL changes or
/// the calling component goes away.
pub fn refetch_on_change(url: impl Fn() -> String + 'static, refetch: impl Fn() + Clone + 'static) {
    let connections = use_context::<LiveConnections>();
    Effect::new(move |_| {
        let url = url();
        #[cfg(feature = "hydrate")]
        {
            let went_down = std::rc::Rc::new(move |down: bool| {
                if let Some(connections) = connections {
                    connections.went(down);
                }
            });
            let live = send_wrapper::SendWrapper::new(socket::Live::open(url, std::rc::Rc::new(refetch.clone()), went_down));
            on_cleanup(move || live.take().close());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&url, &refetch, connections);
    });
}

/// How many of the page's live connections are down: dropped, and not open again yet. While
/// any is, the page says so (`ConnectionLost`): what it shows is what it read last, and a
/// reader watching a job must not take a still page for a still job.
#[derive(Clone, Copy)]
pub struct LiveConnections {
    down: RwSignal<usize>,
}

impl LiveConnections {
    /// Made once for the whole console (its layout), so every live part of a page reports to it.
    pub fn provide() -> LiveConnections {
        let connections = LiveConnections { down: RwSignal::new(0) };
        provide_context(connections);
        connections
    }

    /// One connection went down (`true`) or is back, or gone with its page while down (`false`).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn went(self, down: bool) {
        self.down.try_update(|n| *n = if down { *n + 1 } else { n.saturating_sub(1) });
    }
}

/// "Lost the connection": shown while any of the page's live connections is down.
#[component]
pub fn ConnectionLost(connections: LiveConnections) -> impl IntoView {
    view! {
        <Show when=move || { connections.down.get() > 0 }>
            <p class="connection-lost" role="status">
                "Lost the connection to the server; reconnecting. Until then this page shows what it read last."
            </p>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod socket {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    const FIRST_PAUSE: Duration = Duration::from_secs(1);
    const LONGEST_PAUSE: Duration = Duration::from_secs(10);

    /// One page's connection, opened again when it drops.
    pub struct Live(Rc<RefCell<State>>);

    struct State {
        url: String,
        refetch: Rc<dyn Fn()>,
        /// Told when the connection goes down (`true`) and when it is back (`false`).
        went_down: Rc<dyn Fn(bool)>,
        /// Dropped, and not open again yet.
        down: bool,
        /// The open socket and its handlers (dropped only after they are unhooked).
        socket: Option<(WebSocket, Closure<dyn Fn(MessageEvent)>, Closure<dyn Fn(CloseEvent)>)>,
        pause: Duration,
        closed: bool,
    }

    impl Live {
        pub fn open(url: String, refetch: Rc<dyn Fn()>, went_down: Rc<dyn Fn(bool)>) -> Live {
            let state =
                Rc::new(RefCell::new(State { url, refetch, went_down, down: false, socket: None, pause: FIRST_PAUSE, closed: false }));
            connect(&state);
            Live(state)
        }

        pub fn close(self) {
            let mut state = self.0.borrow_mut();
            state.closed = true;
            unhook(&mut state);
            let went_down = state.went_down.clone();
            if std::mem::take(&mut state.down) {
                drop(state);
                went_down(false);
            }
        }
    }

    /// Unhooks and closes the state's socket. Its handlers are dropped a moment later: this may
    /// run inside one of them, and a closure must not free itself while it runs.
    fn unhook(state: &mut State) {
        if let Some((socket, on_message, on_close)) = state.socket.take() {
            socket.set_onmessage(None);
            socket.set_onclose(None);
            let _ = socket.close();
            leptos::prelude::set_timeout(move || drop((socket, on_message, on_close)), Duration::ZERO);
        }
    }

    /// `ws://host/events?...` for the page's own host (`wss` under https).
    fn socket_url(path: &str) -> Option<String> {
        let location = leptos::prelude::window().location();
        let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
        Some(format!("{scheme}://{}{path}", location.host().ok()?))
    }

    fn connect(state: &Rc<RefCell<State>>) {
        let url = socket_url(&state.borrow().url);
        let Some(socket) = url.and_then(|url| WebSocket::new(&url).ok()) else {
            return again_later(state);
        };
        let on_message = {
            let weak = Rc::downgrade(state);
            Closure::<dyn Fn(MessageEvent)>::new(move |_: MessageEvent| {
                if let Some(state) = weak.upgrade() {
                    let (refetch, went_down, was_down) = {
                        let mut state = state.borrow_mut();
                        state.pause = FIRST_PAUSE;
                        (state.refetch.clone(), state.went_down.clone(), std::mem::take(&mut state.down))
                    };
                    if was_down {
                        went_down(false);
                    }
                    refetch();
                }
            })
        };
        let on_close = {
            let weak = Rc::downgrade(state);
            Closure::<dyn Fn(CloseEvent)>::new(move |_: CloseEvent| {
                if let Some(state) = weak.upgrade() {
                    again_later(&state);
                }
            })
        };
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        state.borrow_mut().socket = Some((socket, on_message, on_close));
    }

    /// Opens the connection again after a pause (unless the page closed it meanwhile); each
    /// failure in a row doubles the pause, up to `LONGEST_PAUSE`.
    fn again_later(state: &Rc<RefCell<State>>) {
        let (pause, newly_down) = {
            let mut state = state.borrow_mut();
            if state.closed {
                return;
            }
            unhook(&mut state);
            let pause = state.pause;
            state.pause = (pause * 2).min(LONGEST_PAUSE);
            let newly_down = !std::mem::replace(&mut state.down, true);
            (pause, newly_down.then(|| state.went_down.clone()))
        };
        // Told outside the borrow: it updates a signal, whose effects may reach this state.
        if let Some(went_down) = newly_down {
            went_down(true);
        }
        let weak = Rc::downgrade(state);
        leptos::prelude::set_timeout(
            move || {
                if let Some(state) = weak.upgrade()
                    && !state.borrow().closed
                {
                    connect(&state);
                }
            },
            pause,
        );
    }
}
