//! What every response carries and every request is held to at the HTTP edge: security headers
//! (a Content-Security-Policy whose per-response nonce the console's inline scripts carry; HSTS
//! when the public URL is https), and
//! one request body limit for every route, server functions included, answered with a clear 413.

use crate::startup::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;

/// The largest request body any route accepts: the biggest legitimate ones (a job definition
/// with its container properties, a SubmitJob with overrides) are a few KiB.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Puts a fresh nonce where the console's renderer finds it (`nonce_context`) and sets the
/// security headers on the response.
pub async fn security_headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        &*nonce
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).expect("a nonce is base64url"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if state.edge.https() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// For the renderer: the nonce `security_headers` made for this request, so the hydration
/// scripts it writes carry the one the header allows.
pub fn nonce_context() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(parts) = use_context::<axum::http::request::Parts>()
        && let Some(nonce) = parts.extensions.get::<Nonce>()
    {
        provide_context(nonce.clone());
    }
}

/// A request over `MAX_REQUEST_BODY` gets a 413 that says what the limit is (the limit layer's
/// own answer is a bare "length limit exceeded", and a body cut mid-stream surfaces as 413 from
/// whichever extractor read it).
pub async fn explain_too_large(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    let message = format!("request body too large: the limit is {} KiB\n", MAX_REQUEST_BODY / 1024);
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(message)).into_response()
}
