//! rest-json errors as botocore reads them: the type in `x-amzn-ErrorType` and in `__type`,
//! and a message naming the field.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use service::ServiceError;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl ApiError {
    pub fn client(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, kind: "ClientException", message: message.into() }
    }

    /// A refusal of the request (400) with the service's own error type.
    pub fn refused(kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, kind, message: message.into() }
    }

    pub fn auth(kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::FORBIDDEN, kind, message: message.into() }
    }

    pub fn server(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, kind: "ServerException", message: message.into() }
    }

    /// A body that is not the operation's shape: serde's "missing field `jobName`" becomes
    /// "jobName: is required".
    pub fn bad_body(operation: &str, error: serde_json::Error) -> ApiError {
        let text = error.to_string();
        let message = match text.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')) {
            Some((field, _)) => format!("{field}: is required"),
            None => format!("{operation}: the request body is not valid: {text}"),
        };
        ApiError::client(message)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        match error {
            ServiceError::Invalid(_) | ServiceError::NotFound { .. } | ServiceError::Conflict(_) => ApiError::client(error.to_string()),
            ServiceError::Forbidden(_) => ApiError::auth("AccessDeniedException", error.to_string()),
            ServiceError::Unauthenticated(_) => ApiError::auth("UnrecognizedClientException", error.to_string()),
            ServiceError::Store(_) => {
                tracing::error!(%error, "API request failed in the store");
                ApiError::server("the service failed; try again")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.kind, "message": self.message });
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert("x-amzn-errortype", HeaderValue::from_static(self.kind));
        response
    }
}
