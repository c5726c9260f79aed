//! How errors are answered: the JSON envelope under `/api`, an HTML page elsewhere, both for an
//! [`Error`] a handler returns and for the catchers of errors raised before a handler runs (no
//! route, a guard refused, a body too large).

use std::io::Cursor;
use std::sync::OnceLock;

use rocket::futures::future::BoxFuture;
use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder, Response};
use rocket::{Catcher, Request, catch, catchers};
use rocket_dyn_templates::{Template, context};

use super::refusal::GuardFailure;
use super::staff_text::BrowserLang;
use crate::error::{Error, code_for, json_envelope};
use crate::i18n::staff::{StaffCatalog, staff_catalog};

fn message_for(req: &Request<'_>, status: Status) -> (String, Option<String>) {
    if let GuardFailure(Some((message, field))) = req.local_cache(GuardFailure::default) {
        return (message.clone(), field.clone());
    }
    let message = match status.code {
        400 => "the request could not be read",
        401 => "a valid API token is required (Authorization: Bearer <token>)",
        403 => "your role does not allow this",
        404 => "no such resource",
        405 => "this method is not allowed here; the Allow header lists the ones that are",
        413 => "the request body is too large",
        422 => "the request has an invalid value",
        _ if status.code >= 500 => "something went wrong on our side; it has been logged",
        _ => status.reason_lossy(),
    };
    (message.to_string(), None)
}

struct ApiCaught {
    status: Status,
    /// For a 405: the methods the path allows.
    allow: Option<Vec<&'static str>>,
}

impl<'r> Responder<'r, 'static> for ApiCaught {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let (message, field) = message_for(req, self.status);
        let body = json_envelope(
            self.status,
            code_for(self.status),
            &message,
            field.as_deref(),
        );
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if let Some(allow) = self.allow {
            response.header(Header::new("Allow", allow.join(", ")));
        }
        response.ok()
    }
}

#[catch(default)]
fn api_default(status: Status, req: &Request<'_>) -> ApiCaught {
    match super::methods::not_allowed(status, req) {
        Some(allow) => ApiCaught {
            status: Status::MethodNotAllowed,
            allow: Some(allow),
        },
        None => ApiCaught {
            status,
            allow: None,
        },
    }
}

/// How the page catcher learns who is signed in, as the page header wants it (`name`, `role`,
/// `is_admin`): installed by the room that keeps sessions, so an error page keeps a staff
/// member's navigation.
pub type StaffLookup = for<'a> fn(&'a Request<'_>) -> BoxFuture<'a, Option<serde_json::Value>>;

static STAFF_LOOKUP: OnceLock<StaffLookup> = OnceLock::new();

pub fn install_staff_lookup(lookup: StaffLookup) {
    let _ = STAFF_LOOKUP.set(lookup);
}

/// Who is signed in, once a guard or the catcher has found out during this request.
#[derive(Default)]
struct SignedIn(Option<serde_json::Value>);

/// Remembers for this request who is signed in, so an error page that follows shows their
/// navigation without asking the database again.
pub fn remember_signed_in(req: &Request<'_>, me: serde_json::Value) {
    req.local_cache(|| SignedIn(Some(me)));
}

/// An HTML error page: its status, who is signed in, and for a 405 the methods the path has.
struct HtmlCaught(Status, Option<serde_json::Value>, Option<Vec<&'static str>>);

impl<'r> Responder<'r, 'static> for HtmlCaught {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let t = staff_catalog(language(req, self.1.as_ref()));
        // A guard's own reason says more than the status; without one, the status in words.
        let message = match req.local_cache(GuardFailure::default) {
            GuardFailure(Some((message, Some(field)))) => {
                match message.strip_prefix(&format!("{field}: ")) {
                    Some(reason) => t.explain(&Error::invalid(field.as_str(), reason)),
                    None => t.sentence(message),
                }
            }
            GuardFailure(Some((message, None))) => t.sentence(message),
            GuardFailure(None) => generic_message(t, self.0),
        };
        let mut response = page_for(req, self.0, &message, self.1)?;
        if let Some(allow) = self.2 {
            response.set_header(Header::new("Allow", allow.join(", ")));
        }
        Ok(response)
    }
}

/// The language of an error page: the signed-in member's, else the browser's.
fn language(req: &Request<'_>, me: Option<&serde_json::Value>) -> &'static str {
    me.and_then(|me| me.get("language"))
        .and_then(serde_json::Value::as_str)
        .and_then(crate::i18n::staff::supported)
        .unwrap_or_else(|| BrowserLang::of(req).0)
}

/// What a status means, for an error page with nothing more specific to say.
fn generic_message(t: &StaffCatalog, status: Status) -> String {
    let key = match status.code {
        400 | 401 | 403 | 404 | 405 | 413 | 422 => format!("error.message.{}", status.code),
        s if s >= 500 => "error.message.500".to_string(),
        _ => return capitalized_reason(status),
    };
    t.get(&key).to_string()
}

fn capitalized_reason(status: Status) -> String {
    super::capitalized(status.reason_lossy())
}

#[catch(default)]
async fn html_default(status: Status, req: &Request<'_>) -> HtmlCaught {
    // A 401 shows the sign-in form instead; nobody is signed in then. No guard may have run
    // (no route matched), so the catcher asks.
    let mut me = None;
    if status != Status::Unauthorized
        && let Some(lookup) = STAFF_LOOKUP.get()
    {
        me = lookup(req).await;
    }
    // A path that exists for other methods only is a 405, as under the API.
    match super::methods::not_allowed(status, req) {
        Some(allow) => HtmlCaught(Status::MethodNotAllowed, me, Some(allow)),
        None => HtmlCaught(status, me, None),
    }
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
    let me = req.local_cache(SignedIn::default).0.clone();
    page_for(req, status, message, me)
}

/// The HTML error page, with `me` (who is signed in) for its header.
fn page_for(
    req: &Request<'_>,
    status: Status,
    message: &str,
    me: Option<serde_json::Value>,
) -> response::Result<'static> {
    let lang = language(req, me.as_ref());
    let title = staff_catalog(lang).get(match status.code {
        404 => "error.title.404",
        405 => "error.title.405",
        403 => "error.title.403",
        401 => "error.title.401",
        413 => "error.title.413",
        422 => "error.title.422",
        429 => "error.title.429",
        503 => "error.title.503",
        s if s >= 500 => "error.title.500",
        _ => "error.title.other",
    });
    let me = me.filter(|_| status.code != 401);
    // A 401 page offers the sign-in form right there, and a signed-in member's header the
    // sign-out button: both need the form's CSRF token.
    let csrf = match (
        status.code == 401 || me.is_some(),
        req.rocket().state::<crate::Settings>(),
    ) {
        (true, Some(settings)) => super::csrf::current_or_new(settings, req.cookies()),
        _ => String::new(),
    };
    let mut response = Template::render(
        "error",
        context! {
            title, status: status.code, message, signed_out: status.code == 401, csrf, me,
            staff_lang: lang,
        },
    )
    .respond_to(req)?;
    response.set_status(status);
    Ok(response)
}

impl<'r> Responder<'r, 'static> for Error {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let status = self.status();
        if status == Status::ServiceUnavailable {
            crate::db::outage::failed(&format_args!(
                "{} {}: {}",
                req.method(),
                req.uri().path(),
                self.chain()
            ));
        } else if status.code >= 500 {
            log::error!(
                "{} {} failed: {}",
                req.method(),
                req.uri().path(),
                self.chain()
            );
        }
        // A page's own refusal may name its sentence by a staff catalogue key; the API answers
        // in English words whatever reaches it.
        let message = match &self {
            Self::Invalid { field, message } => {
                format!("{field}: {}", staff_catalog("en").message_text(message))
            }
            other => staff_catalog("en").message_text(&other.public_message()),
        };
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
            let me = req.local_cache(SignedIn::default).0.clone();
            let t = staff_catalog(language(req, me.as_ref()));
            // Errors that only name the status are said by the status; the rest are explained.
            let message = match self {
                Self::NotFound | Self::Unauthorized => generic_message(t, status),
                _ if status.code >= 500 && status != Status::ServiceUnavailable => {
                    generic_message(t, status)
                }
                _ => t.explain(&self),
            };
            html_page(req, status, &message)?
        };
        if let Some(secs) = self.retry_after() {
            response.set_header(Header::new("Retry-After", secs.to_string()));
        }
        Ok(response)
    }
}
