//! CSRF protection for every state-changing HTML form. A random token lives in an encrypted,
//! HttpOnly cookie and is repeated in a hidden form field; a cross-site page can neither read
//! the cookie nor guess the token. Requests that a browser marks as cross-site, or whose
//! `Origin` is not ours, are refused before the token is even looked at.

use std::convert::Infallible;

use rocket::data::{Data, FromData, Outcome as DataOutcome, ToByteUnit};
use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, RawStr, Status};
use rocket::request::{FromRequest, Outcome, Request};

use super::cookies::cookie;
use super::refusal::remember;
use crate::config::Settings;
use crate::error::Error;
use crate::ids;

pub fn csrf_cookie_name(settings: &Settings) -> &'static str {
    if settings.is_https() {
        "__Host-hearken_csrf"
    } else {
        "hearken_csrf"
    }
}

/// The token to put in a form's hidden `csrf` field (created when the browser has none).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn current_or_new(settings: &Settings, cookies: &CookieJar<'_>) -> String {
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
    cookies.add_private(cookie(
        settings,
        csrf_cookie_name(settings),
        ids::new_secret(),
    ));
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

/// Implements [`CsrfProtected`] for form structs whose token is their `csrf` field.
#[macro_export]
macro_rules! csrf_protected {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::csrf::CsrfProtected for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}

/// A form body accepted only with a valid CSRF token from a same-origin page; otherwise 403.
pub struct CsrfForm<T>(pub T);

/// Whether the browser's fetch metadata and `Origin` say the form came from our own pages.
fn same_origin(req: &Request<'_>, settings: &Settings) -> bool {
    let site_ok = match req.headers().get_one("Sec-Fetch-Site") {
        None => true,
        Some(site) => site == "same-origin" || site == "none",
    };
    let origin_ok = match req.headers().get_one("Origin") {
        None => true,
        // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for a form on
        // our own page; fetch metadata (checked above) then still says same-origin, and the
        // token below is required either way.
        Some("null") => true,
        Some(origin) => {
            origin.eq_ignore_ascii_case(settings.origin()) || names_this_host(origin, req)
        }
    };
    site_ok && origin_ok
}

/// Whether `origin` is the host the browser addressed (`Host` is set by the browser, not by a
/// page), so forms work whether the server is reached as localhost, 127.0.0.1 or a LAN name.
fn names_this_host(origin: &str, req: &Request<'_>) -> bool {
    let host = match req.headers().get_one("Host") {
        Some(host) => host.to_string(),
        None => match req.host() {
            Some(host) => host.to_string(),
            None => return false,
        },
    };
    ["http://", "https://"].iter().any(|scheme| {
        origin
            .strip_prefix(scheme)
            .is_some_and(|rest| rest.eq_ignore_ascii_case(&host))
    })
}

/// The `csrf` field of a raw urlencoded body (the first one, as the form parser would take).
fn submitted_token(body: &str) -> Option<String> {
    Form::values(body)
        .find(|field| field.name.source().as_str() == "csrf")
        .and_then(|field| {
            RawStr::new(field.value)
                .url_decode()
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Reads a urlencoded form body up to the `form` limit (413 past it).
pub async fn read_body<'r>(
    req: &'r Request<'_>,
    data: Data<'r>,
) -> Result<String, (Status, Error)> {
    let limit = req.limits().get("form").unwrap_or(64.kibibytes());
    match data.open(limit).into_string().await {
        Ok(body) if body.is_complete() => Ok(body.into_inner()),
        Ok(_) => Err(remembered(
            req,
            Error::TooLarge {
                limit: limit.to_string(),
            },
        )),
        Err(e) => Err(remembered(
            req,
            Error::BadRequest(format!("the form could not be read: {e}")),
        )),
    }
}

/// Checks where a form came from and its CSRF token: 403 unless both are right.
pub fn verify(req: &Request<'_>, body: &str) -> Result<(), (Status, Error)> {
    let refuse = |why: &str| {
        let error = Error::Forbidden(format!(
            "{why} Go back, reload the page and send the form again."
        ));
        remember(req, &error);
        (Status::Forbidden, error)
    };
    let Some(settings) = req.rocket().state::<Settings>() else {
        return Err(refuse("The server is not ready."));
    };
    if !same_origin(req, settings) {
        return Err(refuse("This form was sent from another site."));
    }
    let expected = req.cookies().get_private(csrf_cookie_name(settings));
    let valid = match (expected, submitted_token(body)) {
        (Some(cookie), Some(sent)) => ids::secrets_equal(cookie.value(), &sent),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(refuse(
            "This form has expired or did not come from this browser.",
        ))
    }
}

/// Reads a form body and checks it with [`verify`]. Every state-changing form goes through
/// here; the token is checked before anything else in the form is looked at, so a forged
/// request is refused the same way whatever else it sends.
pub async fn checked_body<'r>(
    req: &'r Request<'_>,
    data: Data<'r>,
) -> Result<String, (Status, Error)> {
    let body = read_body(req, data).await?;
    verify(req, &body)?;
    Ok(body)
}

fn remembered(req: &Request<'_>, error: Error) -> (Status, Error) {
    remember(req, &error);
    (error.status(), error)
}

#[rocket::async_trait]
impl<'r, T: for<'a> FromForm<'a> + 'static> FromData<'r> for CsrfForm<T> {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self, Error> {
        let body = match checked_body(req, data).await {
            Ok(body) => body,
            Err(refusal) => return DataOutcome::Error(refusal),
        };
        match Form::<T>::parse_encoded(RawStr::new(&body)) {
            Ok(form) => DataOutcome::Success(CsrfForm(form)),
            Err(errors) => {
                let field = errors
                    .first()
                    .and_then(|e| e.name.as_ref())
                    .map(|n| n.to_string());
                let error = Error::invalid(
                    field.unwrap_or_else(|| "form".into()),
                    "is missing or not valid",
                );
                DataOutcome::Error(remembered(req, error))
            }
        }
    }
}
