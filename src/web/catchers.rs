//! How errors are answered: the JSON envelope under `/api`, an HTML page elsewhere, both for an
//! [`Error`] a handler returns and for the catchers of errors raised before a handler runs (no
//! route, a guard refused, a body too large).

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder, Response};
use rocket::{Catcher, Request, catch, catchers};
use rocket_dyn_templates::{Template, context};

use super::refusal::GuardFailure;
use crate::error::{Error, code_for, json_envelope};

fn message_for(req: &Request<'_>, status: Status) -> (String, Option<String>) {
    if let GuardFailure(Some((message, field))) = req.local_cache(GuardFailure::default) {
        return (message.clone(), field.clone());
    }
    let message = match status.code {
        400 => "the request could not be read",
        401 => "a valid API token is required (Authorization: Bearer <token>)",
        403 => "your role does not allow this",
        404 => "no such resource",
        413 => "the request body is too large",
        422 => "the request has an invalid value",
        _ if status.code >= 500 => "something went wrong on our side; it has been logged",
        _ => status.reason_lossy(),
    };
    (message.to_string(), None)
}

struct ApiCaught(Status);

impl<'r> Responder<'r, 'static> for ApiCaught {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let (message, field) = message_for(req, self.0);
        let body = json_envelope(self.0, code_for(self.0), &message, field.as_deref());
        Response::build()
            .status(self.0)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body))
            .ok()
    }
}

#[catch(default)]
fn api_default(status: Status, _req: &Request<'_>) -> ApiCaught {
    ApiCaught(status)
}

struct HtmlCaught(Status);

impl<'r> Responder<'r, 'static> for HtmlCaught {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let (message, _) = message_for(req, self.0);
        let message = match self.0.code {
            404 => "There is nothing at this address.".to_string(),
            _ => message,
        };
        html_page(req, self.0, &message)
    }
}

#[catch(default)]
fn html_default(status: Status, _req: &Request<'_>) -> HtmlCaught {
    HtmlCaught(status)
}

pub fn api() -> Vec<Catcher> {
    catchers![api_default]
}

pub fn html() -> Vec<Catcher> {
    catchers![html_default]
}

pub fn is_api_path(req: &Request<'_>) -> bool {
    let path = req.uri().path();
    path == "/api" || path.starts_with("/api/")
}

/// The HTML error page; `message` is already safe to show.
pub fn html_page(req: &Request<'_>, status: Status, message: &str) -> response::Result<'static> {
    let title = match status.code {
        404 => "Page not found",
        403 => "Not allowed",
        401 => "Please sign in",
        413 => "Too much data",
        422 => "Something is not right",
        429 => "Too many attempts",
        s if s >= 500 => "Sorry",
        _ => "Something went wrong",
    };
    // A 401 page offers the sign-in form right there, so it needs the form's CSRF token.
    let csrf = match (status.code, req.rocket().state::<crate::Settings>()) {
        (401, Some(settings)) => super::csrf::current_or_new(settings, req.cookies()),
        _ => String::new(),
    };
    let mut response = Template::render(
        "error",
        context! { title, status: status.code, message, signed_out: status.code == 401, csrf },
    )
    .respond_to(req)?;
    response.set_status(status);
    Ok(response)
}

impl<'r> Responder<'r, 'static> for Error {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let status = self.status();
        if status.code >= 500 {
            log::error!(
                "{} {} failed: {}",
                req.method(),
                req.uri().path(),
                self.chain()
            );
        }
        let message = self.public_message();
        let mut response = if is_api_path(req) {
            let mut body = json_envelope(status, self.code(), &message, self.field());
            if let Self::ConflictWith { key, details, .. } = &self
                && let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str(&body)
            {
                map.insert((*key).to_string(), details.clone());
                body = serde_json::Value::Object(map).to_string();
            }
            Response::build()
                .status(status)
                .header(ContentType::JSON)
                .sized_body(body.len(), Cursor::new(body))
                .finalize()
        } else {
            html_page(req, status, &message)?
        };
        if let Some(secs) = self.retry_after() {
            response.set_header(Header::new("Retry-After", secs.to_string()));
        }
        Ok(response)
    }
}
