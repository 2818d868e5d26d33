//! Random tokens, one-way token hashes, and the server key that seals access-key secrets.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use sha2::{Digest, Sha256};

/// Fills a buffer from the operating system's generator. Without it nothing here is safe, so
/// its failure is fatal.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    bytes
}

/// A new unguessable token (256 bits), URL-safe.
pub(crate) fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// What the store keeps instead of a token: a leaked table does not leak working sessions.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The key that encrypts access-key secrets at rest. SigV4 needs the secret itself to check a
/// signature, so the secret cannot be hashed like a password; it is sealed with this key, which
/// lives in the settings (or a file in the data directory), never in the database.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

pub const SERVER_KEY_MIN_LEN: usize = 32;

impl ServerKey {
    /// A key from a passphrase of at least 32 characters (the settings' `secret_key`).
    pub fn from_text(text: &str) -> Result<ServerKey, String> {
        if text.trim().len() < SERVER_KEY_MIN_LEN {
            return Err(format!("secret_key must be at least {SERVER_KEY_MIN_LEN} characters long"));
        }
        Ok(ServerKey(Sha256::digest(text.trim().as_bytes()).into()))
    }

    pub fn random() -> ServerKey {
        ServerKey(random_bytes())
    }

    /// A fresh random passphrase, for writing a new key file.
    pub fn new_passphrase() -> String {
        new_token()
    }

    /// base64(nonce || ciphertext-with-tag).
    pub(crate) fn seal(&self, plaintext: &str) -> String {
        let cipher = ChaCha20Poly1305::new(&self.0.into());
        let nonce_bytes = random_bytes::<12>();
        let nonce = Nonce::from(nonce_bytes);
        let sealed = cipher.encrypt(&nonce, plaintext.as_bytes()).expect("a short secret always encrypts");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    /// None when the text was sealed with another key or was altered.
    pub(crate) fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce_bytes, ciphertext) = bytes.split_at(12);
        let nonce = Nonce::try_from(nonce_bytes).ok()?;
        let cipher = ChaCha20Poly1305::new(&self.0.into());
        String::from_utf8(cipher.decrypt(&nonce, ciphertext).ok()?).ok()
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key() {
        let key = ServerKey::from_text("a passphrase that is long enough to be a key").unwrap();
        let sealed = key.seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert!(!sealed.contains("wJalr"));
        assert_eq!(key.open(&sealed).as_deref(), Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert_eq!(ServerKey::random().open(&sealed), None);
        assert_ne!(key.seal("same"), key.seal("same"), "every seal uses a new nonce");
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(ServerKey::from_text("short").unwrap_err().contains("secret_key"));
    }

    #[test]
    fn tokens_are_unique_and_hashes_are_stable() {
        assert_ne!(new_token(), new_token());
        assert_eq!(token_hash("x"), token_hash("x"));
        assert_eq!(token_hash("x").len(), 64);
    }
}
