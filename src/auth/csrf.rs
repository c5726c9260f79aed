//! CSRF protection for every state-changing HTML form. A random token lives in an encrypted,
//! HttpOnly cookie and is repeated in a hidden form field; a cross-site page can neither read
//! the cookie nor guess the token. Requests that a browser marks as cross-site, or whose
//! `Origin` is not ours, are refused before the token is even looked at.

use std::convert::Infallible;

use rocket::data::{Data, FromData, Outcome as DataOutcome};
use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::request::{FromRequest, Outcome, Request};

use super::session::cookie;
use crate::config::Settings;
use crate::error::Error;
use crate::ids;

pub fn csrf_cookie_name(settings: &Settings) -> &'static str {
    if settings.is_https() { "__Host-hearken_csrf" } else { "hearken_csrf" }
}

/// The token to put in a form's hidden `csrf` field (created when the browser has none).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn current_or_new(settings: &Settings, cookies: &CookieJar<'_>) -> String {
    let name = csrf_cookie_name(settings);
    if let Some(existing) = cookies.get_private(name) {
        return existing.value().to_string();
    }
    let token = ids::new_secret();
    cookies.add_private(cookie(settings, name, token.clone()));
    token
}

/// Replaces the token, at sign-in and sign-out, so one from before no longer works.
pub fn rotate(settings: &Settings, cookies: &CookieJar<'_>) {
    cookies.add_private(cookie(settings, csrf_cookie_name(settings), ids::new_secret()));
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Infallible> {
        let token = match req.rocket().state::<Settings>() {
            Some(settings) => current_or_new(settings, req.cookies()),
            None => String::new(),
        };
        Outcome::Success(CsrfToken(token))
    }
}

/// A form that carries the CSRF token in its `csrf` field.
pub trait CsrfProtected {
    fn csrf(&self) -> &str;
}

/// A form body accepted only with a valid CSRF token from a same-origin page; otherwise 403.
pub struct CsrfForm<T>(pub T);

fn refused<'r, T>(req: &Request<'_>, why: &str) -> DataOutcome<'r, T, Error> {
    let error = Error::Forbidden(format!(
        "{why} Go back, reload the page and send the form again."
    ));
    super::super::web::catchers::remember(req, &error);
    DataOutcome::Error((Status::Forbidden, error))
}

/// Whether the browser's fetch metadata and `Origin` say the form came from our own pages.
fn same_origin(req: &Request<'_>, settings: &Settings) -> bool {
    let site_ok = match req.headers().get_one("Sec-Fetch-Site") {
        None => true,
        Some(site) => site == "same-origin" || site == "none",
    };
    let origin_ok = match req.headers().get_one("Origin") {
        None => true,
        Some(origin) => origin == settings.origin(),
    };
    site_ok && origin_ok
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r> + CsrfProtected> FromData<'r> for CsrfForm<T> {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self, Error> {
        let Some(settings) = req.rocket().state::<Settings>() else {
            return refused(req, "The server is not ready.");
        };
        if !same_origin(req, settings) {
            return refused(req, "This form was sent from another site.");
        }
        let form = match Form::<T>::from_data(req, data).await {
            DataOutcome::Success(form) => form.into_inner(),
            DataOutcome::Forward(f) => return DataOutcome::Forward(f),
            DataOutcome::Error((status, errors)) => {
                let error = if status == Status::PayloadTooLarge {
                    Error::TooLarge { limit: "the form limit".into() }
                } else {
                    let field = errors.first().and_then(|e| e.name.as_ref()).map(|n| n.to_string());
                    Error::invalid(field.unwrap_or_else(|| "form".into()), "is missing or not valid")
                };
                super::super::web::catchers::remember(req, &error);
                return DataOutcome::Error((status, error));
            }
        };
        let expected = req.cookies().get_private(csrf_cookie_name(settings));
        match expected {
            Some(cookie) if ids::secrets_equal(cookie.value(), form.csrf()) => DataOutcome::Success(CsrfForm(form)),
            _ => refused(req, "This form has expired or did not come from this browser."),
        }
    }
}
