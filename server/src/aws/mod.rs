//! The AWS-Batch-compatible API: `POST /v1/<operation>` and `/v1/tags/{resourceArn}`, rest-json
//! as in the AWS Batch model, SigV4-signed with a user's access key. Every operation calls the
//! same service use case as the console, with the key owner as the caller, so the two can
//! never disagree about who may do what. The same endpoint answers CloudWatch Logs reads of
//! job output (`logs`).

mod authenticate;
mod consumable_resources;
pub mod errors;
pub mod logs;
mod model;
mod operations;
pub mod sigv4;

use crate::startup::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use errors::ApiError;
use serde::Deserialize;
use serde_json::json;

/// Every `/v1/...` request: authenticate, dispatch, answer; `x-amzn-RequestId` on all answers.
pub async fn handle(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let region = state.batch.region().to_string();
    let result = match authenticate::caller_of(&state.batch, &region, "batch", &method, &uri, &headers, &body).await {
        Ok(caller) => dispatch(&state, &caller, &method, &uri, &body).await,
        Err(error) => Err(error),
    };
    respond(uri.path(), result)
}

/// The answer to an API request: the value as JSON, or the error; `x-amzn-RequestId` on all.
fn respond(path: &str, result: Result<serde_json::Value, ApiError>) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response = match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => {
            tracing::info!(%request_id, path, ?error, "API request refused");
            error.into_response()
        }
    };
    response.headers_mut().insert("x-amzn-requestid", HeaderValue::from_str(&request_id).expect("a uuid is a header value"));
    response
}

async fn dispatch(state: &AppState, caller: &domain::access::Caller, method: &Method, uri: &Uri, body: &[u8]) -> operations::ApiResult {
    let batch = &state.batch;
    if let Some(encoded_arn) = uri.path().strip_prefix("/v1/tags/") {
        let arn = sigv4::percent_decode(encoded_arn);
        return match *method {
            Method::GET => Ok(json!({ "tags": batch.list_tags_for_resource(caller, &arn).await? })),
            Method::POST => {
                #[derive(Deserialize)]
                struct TagRequest {
                    tags: domain::tags::Tags,
                }
                let request: TagRequest = serde_json::from_slice(body).map_err(|e| ApiError::bad_body("TagResource", e))?;
                batch.tag_resource(caller, &arn, request.tags).await?;
                Ok(json!({}))
            }
            Method::DELETE => {
                let query = uri.query().unwrap_or("").as_bytes();
                let keys: Vec<String> =
                    form_urlencoded::parse(query).filter(|(name, _)| name == "tagKeys").map(|(_, value)| value.into_owned()).collect();
                batch.untag_resource(caller, &arn, keys).await?;
                Ok(json!({}))
            }
            _ => Err(ApiError::client(format!("{method} is not an operation on tags"))),
        };
    }
    let operation = uri.path().strip_prefix("/v1/").unwrap_or_default().to_ascii_lowercase();
    if *method != Method::POST {
        return Err(ApiError::client(format!("{operation}: AWS Batch operations are POST requests")));
    }
    operations::call(batch, caller, &operation, body).await
}
