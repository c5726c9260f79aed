//! Identifiers and secrets made by the application: random, URL-safe, and long enough that
//! nobody guesses them. Secrets are stored only as their SHA-256 digest.
//!
//! Every byte comes straight from the operating system's generator (`getrandom`, which rand
//! 0.10 names `SysRng`; older rand called it `OsRng`), not from a user-space generator seeded
//! once: an id is also the input of the personal-link HMAC, so it must stay unpredictable even
//! to someone who has seen many others.

use std::fmt;

use base64::Engine;
use base64::alphabet::Alphabet;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD, URL_SAFE_NO_PAD};
use rand::TryRng;
use rand::rngs::SysRng;
use rocket::request::FromParam;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// `N` bytes from the operating system's generator.
pub fn os_random<const N: usize>() -> [u8; N] {
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

/// Base64's URL-safe characters in ASCII order, so that encoded bytes sort as the bytes do.
const ORDERED_BASE64: GeneralPurpose = GeneralPurpose::new(
    &match Alphabet::new("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") {
        Ok(alphabet) => alphabet,
        Err(_) => panic!("the ordered alphabet has 64 distinct characters"),
    },
    NO_PAD,
);

/// An id in the shape of [`new_id`] that starts with the time: 48 bits of milliseconds since
/// 1970, then 80 random bits. Ids made one after another sort in the order made, so a table
/// keyed by them grows at its end instead of writing to a random page of its index for every
/// row. Only for rows whose creation time is no secret (never an anonymous survey's).
pub fn new_time_ordered_id() -> String {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&os_random::<10>());
    ORDERED_BASE64.encode(bytes)
}

/// Crockford's base32 alphabet: digits and capitals without I, L, O and U, so a code read
/// aloud or typed from paper is hard to get wrong.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `LEN` characters of Crockford base32 from the operating system's generator, 5 random bits
/// each (a byte's low 5 bits: 256 is a multiple of 32, so every character is equally likely).
pub fn crockford<const LEN: usize>() -> String {
    os_random::<LEN>()
        .iter()
        .map(|b| char::from(CROCKFORD[usize::from(b & 31)]))
        .collect()
}

/// 32 lowercase hex characters (128 bits) from the operating system's generator.
pub fn hex128() -> String {
    os_random::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` has the shape of an id made by [`new_id`]: 22 URL-safe base64 characters.
pub fn is_id(text: &str) -> bool {
    text.len() == 22
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A path segment that cannot be an id. Routes take `Result<XId, MalformedId>` and turn it into
/// the 404 an unknown id gets: a parameter that fails to parse would make Rocket forward the
/// request and answer 422 instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedId;

impl From<MalformedId> for Error {
    fn from(_: MalformedId) -> Self {
        Error::NotFound
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(new_id())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        /// Ids read back from the database were made by the application; they are taken as
        /// they are, so an id of an older shape still loads.
        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = MalformedId;

            fn from_str(text: &str) -> Result<Self, MalformedId> {
                if is_id(text) {
                    Ok(Self(text.to_string()))
                } else {
                    Err(MalformedId)
                }
            }
        }

        impl<'a> FromParam<'a> for $name {
            type Error = MalformedId;

            fn from_param(param: &'a str) -> Result<Self, MalformedId> {
                param.parse()
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// The id of a survey.
    SurveyId
);
id_type!(
    /// The id of a contact.
    ContactId
);
id_type!(
    /// The id of a personal invitation to a survey.
    InvitationId
);
id_type!(
    /// The id of a stored response.
    ResponseId
);
id_type!(
    /// The id of a logged complaint.
    ComplaintId
);
id_type!(
    /// The id of a staff account.
    UserId
);

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
    fn time_ordered_ids_sort_in_the_order_made_and_keep_the_id_shape() {
        let mut made = Vec::new();
        for _ in 0..50 {
            made.push(new_time_ordered_id());
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(made.iter().all(|id| is_id(id)), "{made:?}");
        assert!(made.windows(2).all(|w| w[0] < w[1]), "{made:?}");
        // Within one millisecond the random part differs.
        assert_ne!(new_time_ordered_id(), new_time_ordered_id());
        // It starts with the time in milliseconds.
        let before = chrono::Utc::now().timestamp_millis();
        let bytes = ORDERED_BASE64.decode(new_time_ordered_id()).unwrap();
        let mut millis = [0u8; 8];
        millis[2..].copy_from_slice(&bytes[..6]);
        let made_at = i64::from_be_bytes(millis);
        assert!(
            (before..before + 1000).contains(&made_at),
            "{made_at} vs {before}"
        );
    }

    #[test]
    fn only_ids_of_the_made_shape_are_route_parameters() {
        let id = new_id();
        assert_eq!(SurveyId::from_param(&id).map(String::from), Ok(id.clone()));
        assert_eq!(ContactId::from_param(&id).map(|c| c.to_string()), Ok(id));
        for bad in [
            "",
            "nope",
            "does-not-exist",
            "aaaaaaaaaaaaaaaaaaaaa!",
            &"a".repeat(23),
        ] {
            assert_eq!(SurveyId::from_param(bad), Err(MalformedId), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&UserId::from("abc".to_string())).ok(),
            Some("\"abc\"".to_string())
        );
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
