//! Sign-in attempts in flight in this process, and the turn every attempt takes to decide whether
//! it may go ahead: the check and the reservation happen under one lock, so parallel wrong
//! guesses are counted before any of them is verified.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub(crate) struct SignInGate {
    turn: tokio::sync::Mutex<()>,
    in_flight: Arc<Mutex<HashMap<String, u64>>>,
}

fn account_key(username: &str) -> String {
    format!("account:{username}")
}

fn client_key(client: &str) -> String {
    format!("client:{client}")
}

impl SignInGate {
    /// Held while an attempt checks the throttle and reserves its place.
    pub(crate) async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    /// Attempts being verified now for this account and for this client.
    pub(crate) fn in_flight(&self, username: &str, client: Option<&str>) -> (u64, u64) {
        let counts = self.in_flight.lock().expect("sign-ins in flight");
        let of = |key: String| counts.get(&key).copied().unwrap_or(0);
        (of(account_key(username)), client.map_or(0, |c| of(client_key(c))))
    }
}

/// One attempt being verified; it stops counting when dropped (after its failure is stored).
pub(crate) struct Attempt {
    in_flight: Arc<Mutex<HashMap<String, u64>>>,
    keys: Vec<String>,
}

impl Attempt {
    pub(crate) fn begin(gate: &SignInGate, username: &str, client: Option<&str>) -> Self {
        let keys: Vec<String> = std::iter::once(account_key(username)).chain(client.map(client_key)).collect();
        let mut counts = gate.in_flight.lock().expect("sign-ins in flight");
        for key in &keys {
            *counts.entry(key.clone()).or_default() += 1;
        }
        Attempt { in_flight: gate.in_flight.clone(), keys }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let mut counts = self.in_flight.lock().expect("sign-ins in flight");
        for key in &self.keys {
            if let Some(count) = counts.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(key);
                }
            }
        }
    }
}
