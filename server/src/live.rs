//! Live pages: `GET /events` (all jobs), `GET /events?job=ID` (one job and its output) and
//! `GET /events?graph=ID` (the jobs of one job's dependency graph) are WebSockets on which the
//! server says where things stand (`A:B`) at once and whenever what the page shows may have
//! changed.
//!
//! WebSockets, not server-sent events: a browser keeps at most six HTTP/1.1 connections to one
//! host across all its tabs, and an event stream holds one for as long as the page is open, so
//! three job pages (a stream for the job, one for its graph, one for its place in the queue)
//! left no connection for anything else and the fourth tab never loaded. WebSockets are not
//! counted in those six.
//! The page then re-reads through its usual server function, so there is one way to render.
//! The page reconnects by itself when the connection drops (`app::live`).
//!
//! One poller per process watches the store (`LiveHub`) and wakes every open stream; a job
//! page then asks about its own job only when something moved. A session holds at most
//! `MAX_STREAMS_PER_SESSION` streams, and its streams end when it does (sign-out, disable,
//! expiry).

use crate::auth::SessionToken;
use crate::startup::AppState;
use axum::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::Caller;
use serde::Deserialize;
use service::Batch;
use service::jobs::{ChangeCursor, GraphCursor};
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
    graph: Option<String>,
}

/// What a stream watches.
enum Watched {
    /// Every job's status (the dashboard, the lists).
    All,
    /// One job: its status (an array's, its children's too) and its output.
    Job(String),
    /// The jobs of one job's dependency graph, as last read: their states and their links.
    Graph { job: String, members: Vec<String> },
}

/// Two numbers that change when what a page shows may have: where a stream is.
type Position = (i64, i64);

fn of_job(cursor: ChangeCursor) -> Position {
    (cursor.last_status_change, cursor.last_log_line)
}

fn of_graph(cursor: GraphCursor) -> Position {
    (cursor.last_status_change, i64::try_from(cursor.links).unwrap_or(i64::MAX))
}

/// Where one stream is.
struct Stream {
    batch: Batch,
    caller: Caller,
    session: String,
    watched: Watched,
    activity: watch::Receiver<ChangeCursor>,
    /// What the page last heard.
    last: Position,
    next_session_check: Instant,
    _slot: StreamSlot,
}

pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Option<Extension<SessionToken>>,
    headers: HeaderMap,
    Query(query): Query<EventsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A page of another site may open a WebSocket here with the reader's cookies: refuse it.
    if !crate::auth::same_origin(&state.edge, &headers) {
        return (StatusCode::FORBIDDEN, "forbidden: cross-site request refused").into_response();
    }
    let mut watched = match (query.job, query.graph) {
        (Some(job), _) => Watched::Job(job),
        (None, Some(job)) => Watched::Graph { members: vec![job.clone()], job },
        (None, None) => Watched::All,
    };
    // Refuse at once (before the upgrade) when the caller may not read.
    let first = match watched.position(&state.batch, &caller).await {
        Ok(position) => position,
        Err(error) => return (StatusCode::FORBIDDEN, error.to_string()).into_response(),
    };
    let Some(Extension(SessionToken(session))) = session else {
        return (StatusCode::UNAUTHORIZED, "live pages need a signed-in session").into_response();
    };
    let Some(slot) = state.live.reserve(&session) else {
        let message = format!("too many live pages open for this session (at most {MAX_STREAMS_PER_SESSION}); close some tabs");
        return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
    };
    // The graph's jobs, so the stream watches them (not just the one job asked for).
    let first = match watched.read_members(&state.batch, &caller).await {
        Some(position) => position,
        None => first,
    };
    let stream = Stream {
        batch: state.batch.clone(),
        caller,
        session,
        watched,
        activity: state.live.activity.clone(),
        last: first,
        next_session_check: Instant::now() + SESSION_CHECK_EVERY,
        _slot: slot,
    };
    upgrade.on_upgrade(|socket| stream.run(socket))
}

impl Watched {
    async fn position(&self, batch: &Batch, caller: &Caller) -> service::ServiceResult<Position> {
        match self {
            Watched::All => Ok((batch.change_cursor(caller, None).await?.last_status_change, 0)),
            Watched::Job(job) => Ok(of_job(batch.change_cursor(caller, Some(job)).await?)),
            Watched::Graph { members, .. } => Ok(of_graph(batch.graph_cursor(caller, members).await?)),
        }
    }

    /// Reads the graph again and watches its jobs from now on: their position, or None when
    /// this watches no graph (or it could not be read, and the jobs watched stay as they were).
    async fn read_members(&mut self, batch: &Batch, caller: &Caller) -> Option<Position> {
        let Watched::Graph { job, members } = self else { return None };
        let graph = batch.dependency_graph(caller, job).await.ok()?;
        *members = graph.nodes.into_iter().map(|node| node.job_id).collect();
        Some(of_graph(batch.graph_cursor(caller, members).await.ok()?))
    }
}

impl Stream {
    /// Says where things stand at once (a page that reconnects re-reads once), then whenever
    /// that moves, until the page goes or its session ends.
    async fn run(mut self, mut socket: WebSocket) {
        if socket.send(position_message(self.last)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                changed = self.activity.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if let Some(now) = self.moved().await {
                        self.last = now;
                        if socket.send(position_message(now)).await.is_err() {
                            return;
                        }
                    }
                }
                () = tokio::time::sleep_until(self.next_session_check) => {
                    self.next_session_check = Instant::now() + SESSION_CHECK_EVERY;
                    if matches!(self.batch.session_caller(&self.session).await, Ok(Caller::Anonymous)) {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                // The page went (or said something, which it never does): free the place now,
                // not at the next write.
                heard = socket.recv() => match heard {
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Text(_) | Message::Binary(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                },
            }
        }
    }

    /// The page's position when it moved since the page last heard. A graph that moved is read
    /// again, so a job that joined it (one that started waiting on it) is watched too.
    async fn moved(&mut self) -> Option<Position> {
        let now = match &self.watched {
            Watched::All => (self.activity.borrow().last_status_change, 0),
            watched => watched.position(&self.batch, &self.caller).await.ok()?,
        };
        if now == self.last {
            return None;
        }
        Some(self.watched.read_members(&self.batch, &self.caller).await.unwrap_or(now))
    }
}

fn position_message((first, second): Position) -> Message {
    Message::Text(format!("{first}:{second}").into())
}
