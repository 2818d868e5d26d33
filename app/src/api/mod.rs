//! Server functions: DTOs first, then the thin `#[server]` calls into the service layer.
//! The service (`service::Batch`) is provided as context by the server.

pub mod access;
pub mod console;
pub mod fair_share;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The caller of this request, as the server's session middleware resolved it.
#[cfg(feature = "ssr")]
pub(crate) fn caller() -> domain::access::Caller {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<domain::access::Caller>().cloned())
        .unwrap_or(domain::access::Caller::Anonymous)
}

/// A service error as the console shows it (its message is safe to show), answered with the
/// HTTP status of its kind: a refused field is the caller's to fix (400), not the server's
/// failure (500).
#[cfg(feature = "ssr")]
pub(crate) fn fail(error: service::ServiceError) -> ServerFnError {
    use http::StatusCode;
    use service::ServiceError;
    let status = match &error {
        ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
        ServiceError::NotFound { .. } => StatusCode::NOT_FOUND,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    refuse(status);
    ServerFnError::new(error.to_string())
}

/// Sets the answer's status for an error the console found itself (e.g. a field that is not a
/// number): 400, as the service's own refusals.
#[cfg(feature = "ssr")]
pub(crate) fn bad_input(message: String) -> ServerFnError {
    refuse(http::StatusCode::BAD_REQUEST);
    ServerFnError::new(message)
}

#[cfg(feature = "ssr")]
fn refuse(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// One row of the dashboard: a queue and its jobs by status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueOverview {
    pub name: String,
    pub state: String,
    pub priority: i64,
    pub compute_environments: Vec<String>,
    pub counts: BTreeMap<String, i64>,
    /// Why its RUNNABLE jobs wait, with how many jobs each, most first.
    pub waiting: Vec<(String, i64)>,
}

#[server]
pub async fn dashboard_overview() -> Result<Vec<QueueOverview>, ServerFnError> {
    let batch = expect_context::<service::Batch>();
    let queues = batch.describe_job_queues(&caller(), &[]).await.map_err(fail)?;
    let mut counts = batch.job_counts_by_queue(&caller()).await.map_err(fail)?;
    let mut waiting = batch.waiting_reasons_by_queue(&caller()).await.map_err(fail)?;
    Ok(queues
        .into_iter()
        .map(|q| QueueOverview {
            counts: counts.remove(&q.job_queue_name).unwrap_or_default(),
            waiting: waiting.remove(&q.job_queue_name).unwrap_or_default(),
            compute_environments: q
                .compute_environment_order
                .iter()
                .map(|o| o.compute_environment.rsplit('/').next().unwrap_or_default().to_string())
                .collect(),
            name: q.job_queue_name,
            state: q.state.to_string(),
            priority: q.priority,
        })
        .collect())
}

/// One page of the jobs list, with what is needed to ask for the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    pub jobs: Vec<domain::views::JobSummary>,
    pub next_token: Option<String>,
    pub queues: Vec<String>,
}

#[server]
pub async fn list_jobs(
    queue: Option<String>,
    status: Option<String>,
    name: Option<String>,
    definition: Option<String>,
    after: Option<String>,
    before: Option<String>,
    next_token: Option<String>,
) -> Result<JobList, ServerFnError> {
    let time = |field: &str, text: Option<String>| -> Result<Option<i64>, ServerFnError> {
        match text.filter(|t| !t.is_empty()) {
            Some(text) => crate::pages::time::parse_utc(&text)
                .map(Some)
                .ok_or_else(|| bad_input(format!("{field}: {text:?} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)"))),
            None => Ok(None),
        }
    };
    let (created_after, created_before) = (time("created after", after)?, time("created before", before)?);
    let batch = expect_context::<service::Batch>();
    let queues: Vec<String> =
        batch.describe_job_queues(&caller(), &[]).await.map_err(fail)?.into_iter().map(|q| q.job_queue_name).collect();
    let Some(queue) = queue.filter(|q| !q.is_empty()).or_else(|| queues.first().cloned()) else {
        return Ok(JobList { jobs: vec![], next_token: None, queues });
    };
    let status = match status.filter(|s| !s.is_empty()) {
        Some(raw) => Some(raw.parse::<domain::JobStatus>().map_err(|e| bad_input(e.to_string()))?),
        None => None,
    };
    let request = service::jobs::ListJobs {
        job_queue: Some(queue),
        status,
        name: name.filter(|n| !n.is_empty()).map(|n| service::jobs::NameFilter::parse(&format!("{n}*"))),
        job_definition: definition.filter(|d| !d.is_empty()),
        created_after,
        created_before,
        next_token: next_token.filter(|t| !t.is_empty()),
        max_results: Some(50),
        ..Default::default()
    };
    let page = batch.list_jobs(&caller(), &request).await.map_err(fail)?;
    Ok(JobList { jobs: page.items, next_token: page.next_token, queues })
}

/// A job, the tail of its output, and what its attempts used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobWithLog {
    pub job: domain::views::JobDetail,
    pub log: LogPage,
    pub usage: Vec<domain::resource_use::AttemptUsage>,
}

/// Lines of a job's output, oldest first, and how many come before them (capped: see
/// `service::jobs::EARLIER_CAP`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    pub lines: Vec<LogLineView>,
    pub earlier: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLineView {
    pub id: i64,
    pub attempt: i32,
    pub stream: String,
    /// When the line was read, epoch milliseconds.
    pub at: i64,
    pub line: String,
}

#[cfg(feature = "ssr")]
impl From<service::jobs::LogLine> for LogLineView {
    fn from(l: service::jobs::LogLine) -> LogLineView {
        LogLineView { id: l.id, attempt: l.attempt, stream: l.stream, at: l.at, line: l.line }
    }
}

/// How many lines the job page shows at first (the newest) and loads per "earlier" click.
pub const LOG_PAGE: u64 = 1000;

#[cfg(feature = "ssr")]
async fn log_page(id: &str, before: Option<i64>) -> Result<LogPage, ServerFnError> {
    let batch = expect_context::<service::Batch>();
    let (lines, earlier) = batch.job_log_tail(&caller(), id, None, before, LOG_PAGE).await.map_err(fail)?;
    let lines = lines.into_iter().map(LogLineView::from).collect();
    Ok(LogPage { lines, earlier })
}

#[server]
pub async fn job_view(id: String) -> Result<Option<JobWithLog>, ServerFnError> {
    let batch = expect_context::<service::Batch>();
    let Some(job) = batch.describe_jobs(&caller(), std::slice::from_ref(&id)).await.map_err(fail)?.pop() else {
        return Ok(None);
    };
    let usage = batch.attempt_usage(&caller(), &id).await.map_err(fail)?;
    Ok(Some(JobWithLog { job, log: log_page(&id, None).await?, usage }))
}

/// The page of output before line `before`: what "load earlier lines" adds above.
#[server]
pub async fn earlier_log(id: String, before: i64) -> Result<LogPage, ServerFnError> {
    log_page(&id, Some(before)).await
}

/// Lines of a job's whole output holding `term` (any case), oldest first: the first
/// `SEARCH_MATCHES`, read through at most `SEARCH_SCAN` lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSearch {
    pub matches: Vec<LogLineView>,
    pub scanned: u64,
    /// Every line was read (otherwise the search stopped at a limit).
    pub complete: bool,
}

pub const SEARCH_MATCHES: usize = 500;
pub const SEARCH_SCAN: u64 = 2_000_000;

#[server]
pub async fn search_log(id: String, term: String) -> Result<LogSearch, ServerFnError> {
    const PAGE: u64 = 10_000;
    let batch = expect_context::<service::Batch>();
    let needle = term.to_lowercase();
    let (mut matches, mut scanned, mut after) = (Vec::new(), 0, 0);
    loop {
        let lines = batch.job_log(&caller(), &id, None, after, PAGE).await.map_err(fail)?;
        let read = lines.len() as u64;
        scanned += read;
        after = lines.last().map_or(after, |l| l.id);
        matches.extend(lines.into_iter().filter(|l| l.line.to_lowercase().contains(&needle)).map(LogLineView::from));
        if read < PAGE || matches.len() >= SEARCH_MATCHES || scanned >= SEARCH_SCAN {
            let complete = read < PAGE && matches.len() <= SEARCH_MATCHES;
            matches.truncate(SEARCH_MATCHES);
            return Ok(LogSearch { matches, scanned, complete });
        }
    }
}

/// An array's children as the heat map draws them, small enough for 10,000: child `i`'s state
/// is `states[i]` (a place in `JobStatus::ALL`), and only exit codes other than 0 are listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrayMap {
    pub states: Vec<u8>,
    pub exit_codes: BTreeMap<i64, i64>,
}

impl ArrayMap {
    pub fn status(&self, index: usize) -> domain::JobStatus {
        domain::JobStatus::ALL[usize::from(self.states[index]).min(domain::JobStatus::ALL.len() - 1)]
    }
}

/// The children of an array job, by index (the first 10,000: an array's largest size).
#[server]
pub async fn array_children(parent_id: String) -> Result<ArrayMap, ServerFnError> {
    let children = expect_context::<service::Batch>().array_map(&caller(), &parent_id).await.map_err(fail)?;
    let mut map = ArrayMap::default();
    for child in children {
        map.states.push(domain::JobStatus::ALL.iter().position(|s| *s == child.status).unwrap_or_default() as u8);
        if let Some(code) = child.exit_code.filter(|code| *code != 0) {
            map.exit_codes.insert(child.index, code);
        }
    }
    Ok(map)
}

/// The jobs `id` waits on and the jobs waiting on it (`domain::dependency_graph`).
#[server]
pub async fn dependency_graph(id: String) -> Result<domain::dependency_graph::JobGraph, ServerFnError> {
    expect_context::<service::Batch>().dependency_graph(&caller(), &id).await.map_err(fail)
}

#[server]
pub async fn recent_failures() -> Result<Vec<domain::views::JobSummary>, ServerFnError> {
    expect_context::<service::Batch>().recent_failures(&caller(), 10).await.map_err(fail)
}

/// Jobs that entered a state in one five-minute bucket of the last hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartBucket {
    pub at: i64,
    pub status: String,
    pub count: i64,
}

/// The chart's data and the start of its newest bucket (from the server's clock, so the page
/// renders the same on the server and in the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartData {
    pub newest: i64,
    pub buckets: Vec<ChartBucket>,
}

#[server]
pub async fn state_chart() -> Result<ChartData, ServerFnError> {
    let changes = expect_context::<service::Batch>().state_changes_last_hour(&caller()).await.map_err(fail)?;
    let newest = service::batch::now_ms() / service::jobs::BUCKET_MS * service::jobs::BUCKET_MS;
    let buckets = changes.into_iter().map(|c| ChartBucket { at: c.at, status: c.status, count: c.count }).collect();
    Ok(ChartData { newest, buckets })
}
