//! Who signed an API request: SigV4 over what was received, with the secret of the access key
//! named in the credential, scoped to the service the request is for (`batch` or `logs`).

use super::errors::ApiError;
use super::sigv4::{self, Received, SignatureError};
use axum::http::{HeaderMap, Method, Uri};
use domain::access::Caller;
use service::Batch;
use service::access::job_credentials::SESSION_KEY_PREFIX;

pub async fn caller_of(
    batch: &Batch,
    region: &str,
    service: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::auth("MissingAuthenticationTokenException", "Missing Authentication Token"))?;
    let authorization = sigv4::parse_authorization(header).map_err(signature_error)?;
    // A job's temporary key comes with its session token (job credentials, ARCHITECTURE.md §17).
    let session = authorization.access_key_id.starts_with(SESSION_KEY_PREFIX);
    let credentials = if session {
        let token = headers.get("x-amz-security-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        batch.session_credentials(&authorization.access_key_id, token).await?
    } else {
        batch.access_key_credentials(&authorization.access_key_id).await?
    }
    .ok_or_else(|| ApiError::auth("UnrecognizedClientException", "The security token included in the request is invalid."))?;
    let header_pairs: Vec<(String, String)> =
        headers.iter().map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned())).collect();
    let received =
        Received { method: method.as_str(), raw_path: uri.path(), raw_query: uri.query().unwrap_or(""), headers: &header_pairs, body };
    let now = chrono::Utc::now().timestamp();
    sigv4::verify(&received, &authorization, &credentials.secret_access_key, region, service, now).map_err(signature_error)?;
    if !session {
        batch.access_key_used(&authorization.access_key_id).await?;
    }
    Ok(credentials.caller)
}

fn signature_error(error: SignatureError) -> ApiError {
    match error {
        SignatureError::Missing(message) => ApiError::auth("MissingAuthenticationTokenException", message),
        SignatureError::Invalid(message) => ApiError::auth("InvalidSignatureException", message),
    }
}
