//! Live pages: `GET /events` (all jobs) and `GET /events?job=ID` (one job and its output) are
//! server-sent event streams that say "change" whenever what the page shows may have changed.
//! The page then re-reads through its usual server function, so there is one way to render.
//! The browser's EventSource reconnects by itself when the connection drops and returns.
//!
//! One poller per process watches the store (`LiveHub`) and wakes every open stream; a job
//! page then asks about its own job only when something moved. A session holds at most
//! `MAX_STREAMS_PER_SESSION` streams, and its streams end when it does (sign-out, disable,
//! expiry).

use crate::auth::SessionToken;
use crate::startup::AppState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::access::Caller;
use serde::Deserialize;
use service::Batch;
use service::jobs::ChangeCursor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How often the process's one poller looks for changes (two index lookups).
const POLL_EVERY: Duration = Duration::from_millis(500);
/// Open live pages per session (tabs of one person, with room to spare).
pub const MAX_STREAMS_PER_SESSION: usize = 16;
/// How often a stream checks that its session still stands.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(5);

/// The process's one poller and the streams open per session.
pub struct LiveHub {
    activity: watch::Receiver<ChangeCursor>,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl LiveHub {
    /// Starts the poller; it stops when the hub is dropped.
    pub fn start(batch: Batch) -> LiveHub {
        let (tx, activity) = watch::channel(ChangeCursor::default());
        tokio::spawn(async move {
            // One line when the store goes away and one when it is back, not two a second.
            let mut failing = false;
            while !tx.is_closed() {
                match batch.activity_cursor().await {
                    Ok(now) => {
                        if std::mem::replace(&mut failing, false) {
                            tracing::info!("the live poller reads the store again");
                        }
                        tx.send_if_modified(|last| std::mem::replace(last, now) != now);
                    }
                    Err(error) if !std::mem::replace(&mut failing, true) => {
                        tracing::warn!(%error, "the live poller cannot read the store; retrying every 500 ms")
                    }
                    Err(_) => {}
                }
                tokio::time::sleep(POLL_EVERY).await;
            }
        });
        LiveHub { activity, open: Arc::default() }
    }

    /// A place for one more stream of `session`, or None when it has its fill.
    fn reserve(&self, session: &str) -> Option<StreamSlot> {
        let mut open = self.open.lock().expect("live streams");
        let count = open.entry(session.to_string()).or_default();
        if *count >= MAX_STREAMS_PER_SESSION {
            return None;
        }
        *count += 1;
        Some(StreamSlot { open: self.open.clone(), session: session.to_string() })
    }
}

/// One open stream of a session; freed when the stream is dropped.
struct StreamSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    session: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("live streams");
        if let Some(count) = open.get_mut(&self.session) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.session);
            }
        }
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    job: Option<String>,
}

/// Where one stream is.
struct Stream {
    batch: Batch,
    caller: Caller,
    session: String,
    job: Option<String>,
    activity: watch::Receiver<ChangeCursor>,
    /// What the page last heard: the job's cursor, or the activity's status part.
    last: ChangeCursor,
    first: bool,
    next_session_check: Instant,
    _slot: StreamSlot,
}

pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Option<Extension<SessionToken>>,
    Query(query): Query<EventsQuery>,
) -> Response {
    // Refuse at once (not in the stream) when the caller may not read.
    let first = match state.batch.change_cursor(&caller, query.job.as_deref()).await {
        Ok(cursor) => cursor,
        Err(error) => return (StatusCode::FORBIDDEN, error.to_string()).into_response(),
    };
    let Some(Extension(SessionToken(session))) = session else {
        return (StatusCode::UNAUTHORIZED, "live pages need a signed-in session").into_response();
    };
    let Some(slot) = state.live.reserve(&session) else {
        let message = format!("too many live pages open for this session (at most {MAX_STREAMS_PER_SESSION}); close some tabs");
        return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
    };
    let stream = Stream {
        batch: state.batch.clone(),
        caller,
        session,
        job: query.job,
        activity: state.live.activity.clone(),
        last: first,
        first: true,
        next_session_check: Instant::now() + SESSION_CHECK_EVERY,
        _slot: slot,
    };
    Sse::new(futures_util::stream::unfold(stream, Stream::next_event)).keep_alive(KeepAlive::default()).into_response()
}

impl Stream {
    async fn next_event(mut self) -> Option<(Result<Event, std::convert::Infallible>, Self)> {
        if self.first {
            // Say where things stand right away: a page that reconnects re-reads once.
            self.first = false;
            let event = change_event(self.last);
            return Some((Ok(event), self));
        }
        loop {
            tokio::select! {
                changed = self.activity.changed() => {
                    changed.ok()?;
                    if let Some(now) = self.moved().await {
                        self.last = now;
                        return Some((Ok(change_event(now)), self));
                    }
                }
                () = tokio::time::sleep_until(self.next_session_check) => {
                    self.next_session_check = Instant::now() + SESSION_CHECK_EVERY;
                    if matches!(self.batch.session_caller(&self.session).await, Ok(Caller::Anonymous)) {
                        return None;
                    }
                }
            }
        }
    }

    /// The page's cursor when it moved since the page last heard.
    async fn moved(&self) -> Option<ChangeCursor> {
        let now = match &self.job {
            Some(job) => self.batch.change_cursor(&self.caller, Some(job)).await.ok()?,
            None => ChangeCursor { last_status_change: self.activity.borrow().last_status_change, last_log_line: 0 },
        };
        (now != self.last).then_some(now)
    }
}

fn change_event(cursor: ChangeCursor) -> Event {
    Event::default().event("change").data(format!("{}:{}", cursor.last_status_change, cursor.last_log_line))
}
