//! The attributes every Hearken cookie carries: HttpOnly, SameSite=Lax, Path=/, and Secure
//! whenever the public address is https.

use rocket::http::{Cookie, SameSite};

use crate::config::Settings;

/// A cookie with the attributes every Hearken cookie has.
pub fn cookie(settings: &Settings, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.is_https())
        .build()
}
