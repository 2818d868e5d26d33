//! `/healthz`: the process is up. `/readyz`: the database and the Docker engine answer now
//! (which check failed; why is in the server's log, and shown to a signed-in administrator).

use crate::startup::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::access::Action;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub status: &'static str,
    pub checks: Checks,
}

#[derive(Debug, Serialize)]
pub struct Checks {
    pub database: Check,
    pub docker: Check,
}

/// Whether one dependency answered. The error itself (addresses, user names, engine versions)
/// goes to the log, and to a signed-in administrator; an anonymous probe learns only which.
#[derive(Debug, Serialize)]
pub struct Check {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Check {
    fn from_result<E: std::fmt::Display>(result: Result<(), E>) -> Self {
        match result {
            Ok(()) => Check { ok: true, error: None },
            Err(error) => Check { ok: false, error: Some(error.to_string()) },
        }
    }
}

/// Whether the request comes from a signed-in administrator (false when the store cannot say).
async fn from_an_admin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(token) = crate::auth::session_token(headers, state.edge.cookie_name()) else { return false };
    match tokio::time::timeout(Duration::from_secs(2), state.batch.session_caller(&token)).await {
        Ok(Ok(caller)) => caller.may(Action::ManageUsers),
        _ => false,
    }
}

#[tracing::instrument(skip_all)]
pub async fn readyz(State(state): State<AppState>, headers: HeaderMap) -> (StatusCode, Json<Readiness>) {
    let database = async {
        match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
            Ok(result) => result.map_err(|error| format!("database unreachable: {error}")),
            Err(_) => Err("database did not answer within 2 s".to_string()),
        }
    };
    let (database, docker) = tokio::join!(database, state.docker.ping());
    let mut checks = Checks { database: Check::from_result(database), docker: Check::from_result(docker) };
    let ready = checks.database.ok && checks.docker.ok;
    // One line when readiness changes, not one per probe: a load balancer probing every second
    // during an outage must not bury the log.
    static WAS_READY: AtomicBool = AtomicBool::new(true);
    match (WAS_READY.swap(ready, Ordering::Relaxed), ready) {
        (true, false) => tracing::warn!(?checks, "not ready"),
        (false, true) => tracing::info!("ready again"),
        (false, false) => tracing::debug!(?checks, "still not ready"),
        (true, true) => {}
    }
    if !ready && !from_an_admin(&state, &headers).await {
        checks.database.error = None;
        checks.docker.error = None;
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { status: if ready { "ok" } else { "unavailable" }, checks }))
}
