//! Live pages: `GET /events` (all jobs) and `GET /events?job=ID` (one job and its output) are
//! server-sent event streams that say "change" whenever what the page shows may have changed.
//! The page then re-reads through its usual server function, so there is one way to render.
//! The browser's EventSource reconnects by itself when the connection drops and returns.

use crate::startup::AppState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::access::Caller;
use serde::Deserialize;
use service::jobs::ChangeCursor;
use std::time::Duration;

/// How often a stream looks for changes: two index lookups per open page per tick.
const POLL_EVERY: Duration = Duration::from_millis(500);

#[derive(Deserialize)]
pub struct EventsQuery {
    job: Option<String>,
}

pub async fn events(State(state): State<AppState>, Extension(caller): Extension<Caller>, Query(query): Query<EventsQuery>) -> Response {
    // Refuse at once (not in the stream) when the caller may not read.
    let first = match state.batch.change_cursor(&caller, query.job.as_deref()).await {
        Ok(cursor) => cursor,
        Err(error) => return (StatusCode::FORBIDDEN, error.to_string()).into_response(),
    };
    let batch = state.batch.clone();
    let stream = futures_util::stream::unfold((first, true), move |(last, first_tick)| {
        let (batch, caller, job) = (batch.clone(), caller.clone(), query.job.clone());
        async move {
            if first_tick {
                // Say where things stand right away: a page that reconnects re-reads once.
                return Some((Ok::<Event, std::convert::Infallible>(change_event(last)), (last, false)));
            }
            loop {
                tokio::time::sleep(POLL_EVERY).await;
                match batch.change_cursor(&caller, job.as_deref()).await {
                    Ok(now) if now != last => return Some((Ok(change_event(now)), (now, false))),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "live change cursor failed; retrying"),
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

fn change_event(cursor: ChangeCursor) -> Event {
    Event::default().event("change").data(format!("{}:{}", cursor.last_status_change, cursor.last_log_line))
}
