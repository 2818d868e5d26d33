//! The console's sign-in at the HTTP edge: the session cookie, who may reach what while signed
//! out, cross-site request forgery checks, and the sign-in / set-up / sign-out form handlers.
//! Who may do what once signed in is the service layer's business, not this module's.

use crate::public_edge::PublicEdge;
use crate::startup::AppState;
use axum::Form;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Caller;
use serde::Deserialize;
use service::access::sessions::SESSION_ABSOLUTE_MS;
use std::net::SocketAddr;

/// The session token of the request, when it carried one (for signing out).
#[derive(Clone)]
pub struct SessionToken(pub String);

/// Paths anyone may reach: the sign-in and set-up pages and their form handlers, the browser
/// bundle, health checks, and the AWS-compatible API (which authenticates each request by its
/// SigV4 signature instead of a cookie; CloudWatch Logs requests, `POST /` with a `Logs_*`
/// target, too).
fn is_public(path: &str) -> bool {
    needs_no_session(path) || matches!(path, "/login" | "/setup" | "/api/whoami") || path.starts_with("/auth/")
}

fn needs_no_session(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/favicon.ico") || path.starts_with("/pkg/") || path.starts_with("/v1/")
}

pub(crate) fn session_token(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie_name)
        .map(|(_, token)| token.to_string())
        .filter(|token| !token.is_empty())
}

/// Resolves the caller of every request and puts it in the request's extensions (server
/// functions read it from there); refuses cross-site state changes; sends a signed-out visitor
/// of a console page to the sign-in page, with the page as the return target.
pub async fn sessions(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    // Health checks and the bundle never need a session: no store round trip for them, and
    // /readyz can report a lost database instead of failing on the session lookup.
    if needs_no_session(&path) || crate::aws::logs::is_logs_request(request.headers()) {
        return next.run(request).await;
    }
    if !state.edge.accepts_host(request.headers()) {
        let message = "this console answers only as its public_url (BATCH_PUBLIC_URL), or, without one, as an address or localhost";
        return (StatusCode::MISDIRECTED_REQUEST, message).into_response();
    }
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && !path.starts_with("/v1/") && !same_origin(&state.edge, request.headers()) {
        return (StatusCode::FORBIDDEN, "forbidden: cross-site request refused").into_response();
    }
    let token = session_token(request.headers(), state.edge.cookie_name());
    let caller = match &token {
        Some(token) => match state.batch.session_caller(token).await {
            Ok(caller) => caller,
            Err(error) => {
                tracing::error!(%error, "session lookup failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "the session store is unavailable").into_response();
            }
        },
        None => Caller::Anonymous,
    };
    if caller == Caller::Anonymous && !changes_state && (path == "/setup" || !is_public(&path)) {
        // Until the first administrator exists the set-up page is the way in; afterwards it is gone.
        let set_up = state.batch.has_users().await.unwrap_or(true);
        if !set_up && path != "/setup" {
            return Redirect::to("/setup").into_response();
        }
        if set_up && path == "/setup" {
            return Redirect::to("/login").into_response();
        }
    }
    if caller == Caller::Anonymous && !is_public(&path) {
        return if changes_state {
            (StatusCode::UNAUTHORIZED, "sign in first").into_response()
        } else {
            Redirect::to(&format!("/login?next={}", encode(&path_and_query(request.uri())))).into_response()
        };
    }
    if let Some(token) = token {
        request.extensions_mut().insert(SessionToken(token));
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// A browser names the page a request comes from: `Sec-Fetch-Site` (all current browsers) or
/// `Origin` compared with `Host`. A request with neither is not from a browser page and is
/// refused too, since a cookie-authenticated state change only ever comes from one.
pub(crate) fn same_origin(edge: &PublicEdge, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    origin.is_some_and(|origin| edge.is_own_origin(origin, host))
}

fn path_and_query(uri: &Uri) -> String {
    uri.path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into())
}

/// Only a path of this console is a return target: never another site (`//evil`, `/\evil`,
/// `https://...`), never the sign-in machinery itself.
pub fn safe_return_target(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && !next.starts_with("/login")
                && !next.starts_with("/auth/")
                && !next.chars().any(|c| c.is_control()) =>
        {
            next.to_string()
        }
        _ => "/".into(),
    }
}

/// A path or message as a query value (`/` kept readable).
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, crate::aws::sigv4::UNRESERVED_AND_SLASH).to_string()
}

fn session_cookie(edge: &PublicEdge, headers: &HeaderMap, value: &str, max_age_seconds: i64) -> HeaderValue {
    // Over https (the public URL says so, or a TLS-terminating proxy does) the cookie only
    // travels over https.
    let secure = edge.https() || headers.get("x-forwarded-proto").is_some_and(|v| v == "https");
    let cookie = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}",
        edge.cookie_name(),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).expect("a token is a valid header value")
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn with_error(page: &str, message: &str, next: &str) -> Response {
    Redirect::to(&format!("{page}?error={}&next={}", encode(message), encode(next))).into_response()
}

fn signed_in(edge: &PublicEdge, headers: &HeaderMap, token: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(edge, headers, token, SESSION_ABSOLUTE_MS / 1000));
    response
}

/// `POST /auth/login`: a plain form post, so signing in works before (and without) the WASM.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_return_target(form.next.as_deref());
    let client = state.edge.client_address(peer.ip(), &headers).to_string();
    match state.batch.sign_in(&form.username, &form.password, Some(&client)).await {
        Ok(session) => signed_in(&state.edge, &headers, &session.token, &next),
        Err(error) => with_error("/login", &error.to_string(), &next),
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    username: String,
    password: String,
    confirm: String,
    #[serde(default)]
    token: String,
}

/// `POST /auth/setup`: creates the first administrator (only while no user exists, and only
/// for whoever holds the set-up token from the server's log) and signs them in.
pub async fn setup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    if !service::access::same_token(form.token.trim(), &state.setup_token) {
        return with_error("/setup", "token: not this server's set-up token (it is printed in the server's log at start)", "/");
    }
    if form.password != form.confirm {
        return with_error("/setup", "confirm: the two passwords differ", "/");
    }
    let client = state.edge.client_address(peer.ip(), &headers).to_string();
    if let Err(error) = state.batch.create_first_admin(&form.username, &form.password, Some(&client)).await {
        return with_error("/setup", &error.to_string(), "/");
    }
    match state.batch.sign_in(&form.username, &form.password, Some(&client)).await {
        Ok(session) => signed_in(&state.edge, &headers, &session.token, "/"),
        Err(error) => with_error("/login", &error.to_string(), "/"),
    }
}

/// `POST /auth/logout`: ends the session server-side and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, request: Request) -> Response {
    let caller = request.extensions().get::<Caller>().cloned().unwrap_or(Caller::Anonymous);
    if let Some(token) = session_token(&headers, state.edge.cookie_name())
        && let Err(error) = state.batch.sign_out(&caller, &token).await
    {
        tracing::error!(%error, "sign-out failed");
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&state.edge, &headers, "", 0));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_paths_are_return_targets() {
        assert_eq!(safe_return_target(Some("/jobs/abc?x=1")), "/jobs/abc?x=1");
        for hostile in ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "/login?next=/x", "/a\r\nSet-Cookie: x"] {
            assert_eq!(safe_return_target(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_return_target(None), "/");
    }

    #[test]
    fn cross_site_requests_are_told_apart_from_same_site_ones() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        assert!(same_origin(&PublicEdge::default(), &headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&PublicEdge::default(), &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(same_origin(&PublicEdge::default(), &headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!same_origin(&PublicEdge::default(), &headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!same_origin(&PublicEdge::default(), &headers(&[("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; batch_session=tok; b=2"));
        assert_eq!(session_token(&headers, "batch_session").as_deref(), Some("tok"));
    }
}
