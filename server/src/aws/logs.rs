//! CloudWatch Logs, read side, for job output (ARCHITECTURE.md §12). The same endpoint answers
//! the `logs` service as AWS does: awsJson1.1, `POST /` with
//! `X-Amz-Target: Logs_20140328.<Operation>`, SigV4 scoped to `logs`. So
//! `boto3.client("logs", endpoint_url=...).get_log_events(logGroupName="/aws/batch/job",
//! logStreamName=job["container"]["logStreamName"])` reads a job's output unchanged.

use super::authenticate;
use super::errors::ApiError;
use crate::startup::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::Response;
use domain::access::Caller;
use domain::job_logs::{LOG_GROUP, LogToken, TermPattern};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use service::jobs::{FilterEvents, ListStreams, LogEvent, ReadStream};
use service::{Batch, ServiceError};

const TARGET_PREFIX: &str = "Logs_20140328.";
const ANSWERED: &str = "DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents";

/// A request for the `logs` service: it names its operation in `X-Amz-Target`.
pub fn is_logs_request(headers: &HeaderMap) -> bool {
    headers.get("x-amz-target").and_then(|v| v.to_str().ok()).is_some_and(|target| target.starts_with(TARGET_PREFIX))
}

/// `POST /` with a `Logs_20140328.*` target: authenticate, dispatch, answer.
pub async fn handle(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let batch = &state.batch;
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let result = match authenticate::caller_of(batch, batch.region(), "logs", &method, &uri, &headers, &body).await {
        Ok(caller) => match target.strip_prefix(TARGET_PREFIX) {
            Some(operation) => call(batch, &caller, operation, &body).await,
            None => Err(ApiError::refused("UnknownOperationException", format!("{target}: this endpoint answers {ANSWERED} at /"))),
        },
        Err(error) => Err(error),
    };
    let mut response = super::respond(uri.path(), result);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.1"));
    response
}

async fn call(batch: &Batch, caller: &Caller, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    let group = Group::of(batch);
    match operation {
        "DescribeLogGroups" => describe_log_groups(&group, parse(body)?),
        "DescribeLogStreams" => describe_log_streams(batch, caller, &group, parse(body)?).await,
        "GetLogEvents" => get_log_events(batch, caller, &group, parse(body)?).await,
        "FilterLogEvents" => filter_log_events(batch, caller, &group, parse(body)?).await,
        _ => Err(ApiError::refused(
            "UnsupportedOperationException",
            format!("{operation}: job output is read-only here; this endpoint answers {ANSWERED} for the log group {LOG_GROUP}"),
        )),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|e| invalid(format!("the request body is not valid: {e}")))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::refused("InvalidParameterException", message)
}

/// The service's errors as CloudWatch Logs names them.
fn logs_error(error: ServiceError) -> ApiError {
    match error {
        ServiceError::Invalid(_) | ServiceError::Conflict(_) => invalid(error.to_string()),
        ServiceError::NotFound { .. } => ApiError::refused("ResourceNotFoundException", "The specified log stream does not exist."),
        other => ApiError::from(other),
    }
}

/// The one log group, `/aws/batch/job`, and its ARNs.
struct Group {
    /// `arn:aws:logs:<region>:<account>:log-group:/aws/batch/job` (`logGroupArn`).
    arn: String,
}

impl Group {
    fn of(batch: &Batch) -> Group {
        Group { arn: format!("arn:aws:logs:{}:{}:log-group:{LOG_GROUP}", batch.region(), batch.account_id()) }
    }

    /// The group a request names by `logGroupName` or `logGroupIdentifier` (name or ARN).
    fn check(&self, name: Option<&str>, identifier: Option<&str>) -> Result<(), ApiError> {
        let given = name.or(identifier).ok_or_else(|| invalid("logGroupName: is required (the job log group is /aws/batch/job)"))?;
        if [LOG_GROUP, self.arn.as_str(), &format!("{}:*", self.arn)].contains(&given) {
            Ok(())
        } else {
            Err(ApiError::refused(
                "ResourceNotFoundException",
                format!("The specified log group does not exist: job output is in {LOG_GROUP}"),
            ))
        }
    }

    fn view(&self) -> Value {
        json!({
            "logGroupName": LOG_GROUP,
            "arn": format!("{}:*", self.arn),
            "logGroupArn": self.arn,
            "storedBytes": 0,
            "metricFilterCount": 0,
            "logGroupClass": "STANDARD",
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeLogGroups {
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
}

fn describe_log_groups(group: &Group, request: DescribeLogGroups) -> Result<Value, ApiError> {
    if request.log_group_name_prefix.is_some() && request.log_group_name_pattern.is_some() {
        return Err(invalid("logGroupNamePattern: give logGroupNamePrefix or logGroupNamePattern, not both"));
    }
    let listed = request.log_group_name_prefix.is_none_or(|prefix| LOG_GROUP.starts_with(&prefix))
        && request.log_group_name_pattern.is_none_or(|pattern| LOG_GROUP.to_lowercase().contains(&pattern.to_lowercase()));
    Ok(json!({ "logGroups": if listed { vec![group.view()] } else { Vec::new() } }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeLogStreams {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    descending: Option<bool>,
    next_token: Option<String>,
    limit: Option<u64>,
}

async fn describe_log_streams(batch: &Batch, caller: &Caller, group: &Group, request: DescribeLogStreams) -> Result<Value, ApiError> {
    group.check(request.log_group_name.as_deref(), request.log_group_identifier.as_deref())?;
    let by_opening = match request.order_by.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") if request.log_stream_name_prefix.is_some() => {
            return Err(invalid("orderBy: cannot order by LastEventTime with a logStreamNamePrefix"));
        }
        Some("LastEventTime") => true,
        Some(other) => return Err(invalid(format!("orderBy: {other} is not LogStreamName or LastEventTime"))),
    };
    let list = ListStreams {
        prefix: request.log_stream_name_prefix.unwrap_or_default(),
        by_opening,
        descending: request.descending.unwrap_or(false),
        token: request.next_token,
        limit: request.limit,
    };
    let (streams, token) = batch.log_streams(caller, list).await.map_err(logs_error)?;
    let streams: Vec<Value> = streams
        .into_iter()
        .map(|stream| {
            json!({
                "logStreamName": stream.name,
                "creationTime": stream.created_at,
                "arn": format!("{}:log-stream:{}", group.arn, stream.name),
                "storedBytes": 0,
            })
        })
        .collect();
    Ok(json!({ "logStreams": streams, "nextToken": token }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GetLogEvents {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    next_token: Option<String>,
    limit: Option<u64>,
    start_from_head: Option<bool>,
}

async fn get_log_events(batch: &Batch, caller: &Caller, group: &Group, request: GetLogEvents) -> Result<Value, ApiError> {
    group.check(request.log_group_name.as_deref(), request.log_group_identifier.as_deref())?;
    let token = match &request.next_token {
        None => None,
        Some(text) => Some(LogToken::parse(text).ok_or_else(|| invalid("nextToken: The specified nextToken is invalid."))?),
    };
    let read = ReadStream {
        stream: request.log_stream_name.ok_or_else(|| invalid("logStreamName: is required"))?,
        token,
        start_from_head: request.start_from_head.unwrap_or(false),
        start: request.start_time,
        end: request.end_time,
        limit: request.limit,
    };
    let page = batch.log_events(caller, read).await.map_err(logs_error)?;
    let events: Vec<Value> =
        page.events.into_iter().map(|e| json!({ "timestamp": e.at, "message": e.message, "ingestionTime": e.at })).collect();
    Ok(json!({ "events": events, "nextForwardToken": page.forward.as_text(), "nextBackwardToken": page.backward.as_text() }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FilterLogEvents {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Vec<String>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<u64>,
}

async fn filter_log_events(batch: &Batch, caller: &Caller, group: &Group, request: FilterLogEvents) -> Result<Value, ApiError> {
    group.check(request.log_group_name.as_deref(), request.log_group_identifier.as_deref())?;
    let after = match &request.next_token {
        None => 0,
        Some(text) => text.parse().map_err(|_| invalid("nextToken: The specified nextToken is invalid."))?,
    };
    let filter = FilterEvents {
        streams: request.log_stream_names,
        stream_prefix: request.log_stream_name_prefix,
        start: request.start_time,
        end: request.end_time,
        pattern: TermPattern::parse(request.filter_pattern.as_deref().unwrap_or_default()).map_err(invalid)?,
        after,
        limit: request.limit,
    };
    let found = batch.filter_log_events(caller, filter).await.map_err(logs_error)?;
    let events: Vec<Value> = found.events.into_iter().map(filtered_event).collect();
    Ok(json!({ "events": events, "searchedLogStreams": [], "nextToken": found.after.map(|id| id.to_string()) }))
}

fn filtered_event(event: LogEvent) -> Value {
    json!({
        "logStreamName": event.stream,
        "timestamp": event.at,
        "message": event.message,
        "ingestionTime": event.at,
        "eventId": event.id.to_string(),
    })
}
