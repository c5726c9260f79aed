//! The cookie that carries a personal-link token after the first visit, scoped to the one
//! invitation's token-free address (`/r/i/<invitation id>`), and that address itself.

use rocket::http::{Cookie, SameSite};

use crate::config::Settings;

/// The cookie holding the token; `__Secure-` over https (not `__Host-`, which would force
/// `Path=/` and so send every invitation's token with every request).
pub fn link_cookie_name(settings: &Settings) -> &'static str {
    if settings.is_https() {
        "__Secure-hearken_link"
    } else {
        "hearken_link"
    }
}

/// The token-free address of an invitation's survey.
pub fn home(invitation_id: &str) -> String {
    format!("/r/i/{invitation_id}")
}

pub fn home_saved(invitation_id: &str, saved: bool) -> String {
    let home = home(invitation_id);
    if saved {
        format!("{home}?saved=true")
    } else {
        home
    }
}

/// Session-only (closing the browser forgets it; the email link works again), sent only to this
/// invitation's pages, and on the top-level navigation from a webmail page (Lax, not Strict).
pub fn link_cookie(settings: &Settings, invitation_id: &str, token: &str) -> Cookie<'static> {
    Cookie::build((link_cookie_name(settings), token.to_string()))
        .path(home(invitation_id))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.is_https())
        // Rocket would keep a private cookie for a week; on a shared computer that would leave
        // the survey open to the next person.
        .expires(None::<rocket::time::OffsetDateTime>)
        .build()
}
