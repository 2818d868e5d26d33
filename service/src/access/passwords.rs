//! Password hashing: argon2id with the crate's default (OWASP-recommended) parameters, stored
//! as a PHC string so the parameters travel with the hash.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use domain::FieldError;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// Hashing is deliberately expensive: at most one per core at a time, on the blocking pool, so a
/// flood of sign-ins queues here instead of stalling the console, the API and the scheduler.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)));

async fn off_the_async_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = HASHING.acquire().await.expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work).await.expect("password hashing does not panic")
}

/// `hash_password` without holding an async worker.
pub(crate) async fn hash_in_pool(password: &str) -> String {
    let password = password.to_string();
    off_the_async_workers(move || hash_password(&password)).await
}

/// `verify_password` without holding an async worker.
pub(crate) async fn verify_in_pool(password: &str, phc: String) -> bool {
    let password = password.to_string();
    off_the_async_workers(move || verify_password(&password, &phc)).await
}

pub const MIN_PASSWORD_LEN: usize = 10;
/// Bounds the work an anonymous caller can make the server do.
pub const MAX_PASSWORD_LEN: usize = 256;

pub(crate) fn check_password_rules(field: &str, password: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(FieldError::new(field, format!("must be at least {MIN_PASSWORD_LEN} characters long")));
    }
    if length > MAX_PASSWORD_LEN {
        return Err(FieldError::new(field, format!("must be at most {MAX_PASSWORD_LEN} characters long")));
    }
    Ok(())
}

pub(crate) fn hash_password(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).expect("argon2 hashes any password within the length rules").to_string()
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(_) => false,
    }
}

/// A hash no password matches, verified when the user does not exist so that an unknown user
/// and a wrong password cost the same time.
pub(crate) static DECOY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("decoy password never used"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_a_salt_and_verify() {
        let phc = hash_password("correct horse battery");
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        let hash = PasswordHash::new(&phc).unwrap();
        assert_eq!(hash.algorithm.as_str(), "argon2id");
        assert!(hash.salt.is_some());
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse battery!", &phc));
        assert_ne!(phc, hash_password("correct horse battery"), "a new salt every time");
    }

    #[test]
    fn length_rules_name_the_field() {
        assert_eq!(check_password_rules("password", "short").unwrap_err().field, "password");
        assert!(check_password_rules("password", "long enough!").is_ok());
    }
}
