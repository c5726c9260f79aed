//! Catchers for errors raised before a handler runs (no route, a guard refused, a body too
//! large): the JSON envelope under `/api`, an HTML page elsewhere.

use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder, Response};
use rocket::{Catcher, Request, catch, catchers};

use crate::error::{Error, code_for, html_page, json_envelope};

/// The error a guard met, kept for the catcher so it can say which field was wrong.
#[derive(Default)]
pub struct GuardFailure(pub Option<(String, Option<String>)>);

/// Records why a guard refused the request, for the catcher to report.
pub fn remember(req: &Request<'_>, error: &Error) {
    let field = match error {
        Error::Invalid { field, .. } => Some(field.clone()),
        _ => None,
    };
    req.local_cache(|| GuardFailure(Some((error.public_message(), field))));
}

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
