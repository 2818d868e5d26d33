//! `GET /jobs/{id}/log`: a job's whole output as a text file to download, attempt by attempt.
//! Streamed a page at a time from the store: memory stays one page whatever the log's size.

use crate::startup::AppState;
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::access::Caller;
use futures_util::stream;
use service::jobs::LogLine;
use service::{Batch, ServiceError};

const PAGE: u64 = 5_000;

pub async fn download(State(state): State<AppState>, Extension(caller): Extension<Caller>, Path(id): Path<String>) -> Response {
    // The first page is read before answering, so a refusal is a status code, not a cut file.
    let first = match state.batch.job_log(&caller, &id, None, 0, PAGE).await {
        Ok(lines) => lines,
        Err(error) => return (StatusCode::FORBIDDEN, error.to_string()).into_response(),
    };
    let pages = Pages { batch: state.batch.clone(), caller, id: id.clone(), next: Some(first) };
    let body = stream::unfold(pages, Pages::next_page);
    let disposition =
        format!("attachment; filename=\"job-{}.log\"", id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != ':', "_"));
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], Body::from_stream(body))
        .into_response()
}

/// Where the download is: the page read but not yet sent, or `None` once the last is sent.
struct Pages {
    batch: Batch,
    caller: Caller,
    id: String,
    next: Option<Vec<LogLine>>,
}

impl Pages {
    async fn next_page(mut self) -> Option<(Result<Bytes, ServiceError>, Self)> {
        let lines = self.next.take()?;
        if lines.len() as u64 == PAGE {
            let after = lines.last().map_or(0, |l| l.id);
            match self.batch.job_log(&self.caller, &self.id, None, after, PAGE).await {
                Ok(more) => self.next = Some(more),
                // Ends the response with an error: the client sees a cut transfer, not a whole file.
                Err(error) => return Some((Err(error), self)),
            }
        }
        let mut text = String::with_capacity(lines.iter().map(|l| l.line.len() + 24).sum());
        for line in &lines {
            text.push_str(&format!("[attempt {}] [{}] {}\n", line.attempt, line.stream, line.line));
        }
        Some((Ok(Bytes::from(text)), self))
    }
}
