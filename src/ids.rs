//! Identifiers and secrets made by the application: random, URL-safe, and long enough that
//! nobody guesses them. Secrets are stored only as their SHA-256 digest.
//!
//! Every byte comes straight from the operating system's generator (`getrandom`, which rand
//! 0.10 names `SysRng`; older rand called it `OsRng`), not from a user-space generator seeded
//! once: an id is also the input of the personal-link HMAC, so it must stay unpredictable even
//! to someone who has seen many others.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRng;
use rand::rngs::SysRng;
use sha2::{Digest, Sha256};

/// `N` bytes from the operating system's generator.
fn os_random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if let Err(e) = SysRng.try_fill_bytes(&mut bytes) {
        // Handing out an id that is not random would be worse than failing the request: a
        // guessable id means a guessable link. Rocket turns the panic into a 500.
        panic!("the operating system's random number generator failed: {e}");
    }
    bytes
}

/// An opaque object id: 128 random bits, 22 URL-safe characters.
pub fn new_id() -> String {
    URL_SAFE_NO_PAD.encode(os_random::<16>())
}

/// A secret token (session, API token, link): 256 random bits, 43 URL-safe characters.
pub fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(os_random::<32>())
}

/// The digest under which a secret is stored and looked up.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets without leaking where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_are_url_safe_and_distinct() {
        let a = new_secret();
        let b = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(new_id().len(), 22);
    }

    #[test]
    fn digest_is_hex_sha256() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(secrets_equal("same", "same"));
        assert!(!secrets_equal("same", "sane"));
        assert!(!secrets_equal("same", "same!"));
    }
}
