//! The tokens in the links of emails, and the links themselves. A personal-link token is an HMAC of the
//! invitation's id under the link key, so the outbox never stores it: the mail worker derives it
//! when it renders the email, and the database keeps only its digest for the lookup. An
//! unsubscribe token names the contact and carries an HMAC, so it cannot be forged for anyone
//! else and needs no table of its own.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Settings;

type Signer = Hmac<Sha256>;

fn sign(key: &[u8; 32], purpose: &str, id: &str) -> [u8; 32] {
    let Ok(mut mac) = Signer::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of any length")
    };
    mac.update(purpose.as_bytes());
    mac.update(b"\n");
    mac.update(id.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The token of an invitation's personal link (256 bits, URL-safe).
pub fn personal_token(key: &[u8; 32], invitation_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(sign(key, "invitation", invitation_id))
}

/// The token of a contact's unsubscribe link: `<contact id>.<signature>`.
pub fn unsubscribe_token(key: &[u8; 32], contact_id: &str) -> String {
    let signature = sign(key, "unsubscribe", contact_id);
    format!("{contact_id}.{}", URL_SAFE_NO_PAD.encode(&signature[..16]))
}

/// The full address of an invitation's personal link.
pub fn personal_link(settings: &Settings, invitation_id: &str) -> String {
    settings.link(&format!(
        "/r/{}",
        personal_token(&settings.link_key, invitation_id)
    ))
}

/// The full address of a contact's unsubscribe link.
pub fn unsubscribe_link(settings: &Settings, contact_id: &str) -> String {
    settings.link(&format!(
        "/unsubscribe/{}",
        unsubscribe_token(&settings.link_key, contact_id)
    ))
}

/// The contact an unsubscribe token names, if its signature is right.
pub fn unsubscribe_contact(key: &[u8; 32], token: &str) -> Option<String> {
    let (contact_id, _) = token.rsplit_once('.')?;
    let expected = unsubscribe_token(key, contact_id);
    crate::ids::secrets_equal(&expected, token).then(|| contact_id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_per_key_and_unforgeable() {
        let key = [7u8; 32];
        let other = [8u8; 32];
        let token = personal_token(&key, "inv-1");
        assert_eq!(token, personal_token(&key, "inv-1"));
        assert_ne!(token, personal_token(&key, "inv-2"));
        assert_ne!(token, personal_token(&other, "inv-1"));
        assert_eq!(token.len(), 43);

        let unsubscribe = unsubscribe_token(&key, "contact-1");
        assert_eq!(
            unsubscribe_contact(&key, &unsubscribe).as_deref(),
            Some("contact-1")
        );
        assert_eq!(unsubscribe_contact(&other, &unsubscribe), None);
        assert_eq!(
            unsubscribe_contact(&key, "contact-2.AAAAAAAAAAAAAAAAAAAAAA"),
            None
        );
        assert_eq!(unsubscribe_contact(&key, "no-dot"), None);
    }
}
