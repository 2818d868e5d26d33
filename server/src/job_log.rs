//! `GET /jobs/{id}/log`: a job's whole output as a text file to download, attempt by attempt.

use crate::startup::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::access::Caller;

const PAGE: u64 = 10_000;

pub async fn download(State(state): State<AppState>, Extension(caller): Extension<Caller>, Path(id): Path<String>) -> Response {
    let mut text = String::new();
    let mut after = 0;
    loop {
        let lines = match state.batch.job_log(&caller, &id, None, after, PAGE).await {
            Ok(lines) => lines,
            Err(error) => return (StatusCode::FORBIDDEN, error.to_string()).into_response(),
        };
        for line in &lines {
            text.push_str(&format!("[attempt {}] [{}] {}\n", line.attempt, line.stream, line.line));
        }
        match lines.last() {
            Some(last) if lines.len() as u64 == PAGE => after = last.id,
            _ => break,
        }
    }
    let disposition =
        format!("attachment; filename=\"job-{}.log\"", id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != ':', "_"));
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], text).into_response()
}
