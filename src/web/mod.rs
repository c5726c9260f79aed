//! What every page and endpoint shares: page templates, security headers, CSRF and cookies,
//! error pages and catchers (with the 405 for a wrong method), the JSON body guard, paging, the
//! client's address, the links in emails, what typed text may hold, how counts and times read,
//! and static assets.

pub mod catchers;
pub mod cookies;
pub mod counting;
pub mod csrf;
pub mod front;
pub mod headers;
pub mod json;
pub mod limiter;
pub mod links;
pub mod logging;
pub mod methods;
pub mod paging;
pub mod peer;
pub mod periodic;
pub mod refusal;
pub mod staff_text;
pub mod template;
pub mod text;
pub mod unfinished;
pub mod wording;

use rocket::data::{Limits, ToByteUnit};
use rocket::http::{ContentType, Status};
use rocket::response::{Flash, Redirect, Responder};
use rocket::shield::{Frame, NoSniff, Referrer, Shield};
use rocket::{Build, Rocket, State, get, routes};
use rocket_dyn_templates::Template;

use crate::db::Db;
use crate::error::Result;

/// What an HTML handler answers: a page, a page with an error status (the form again, with
/// what was typed and what is wrong), or a redirect.
#[derive(Responder)]
pub enum Reply {
    Page(Template),
    Status((Status, Template)),
    Redirect(Redirect),
    Flash(Flash<Redirect>),
    Later(RetryLater),
    /// A body that is not a page (a public JSON document).
    Typed((rocket::http::ContentType, String)),
}

/// The `name=value` pairs of a query string, decoded, in the order written.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}

impl Reply {
    /// A form page shown again after `error` refused it: with the error's status, and with
    /// `Retry-After` when the error says when to come back (too many attempts, a database
    /// that cannot write just now).
    pub fn refused(error: &crate::error::Error, page: Template) -> Reply {
        match error.retry_after() {
            Some(secs) => Reply::Later(RetryLater {
                status: error.status(),
                page,
                retry_after_secs: secs,
            }),
            None => Reply::Status((error.status(), page)),
        }
    }
}

/// A page with a status that asks the client to come back (429, 503) and says when, in
/// `Retry-After`: the form again with what was typed, nothing of it stored.
pub struct RetryLater {
    pub status: Status,
    pub page: Template,
    pub retry_after_secs: u64,
}

impl<'r> Responder<'r, 'static> for RetryLater {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let mut response = (self.status, self.page).respond_to(req)?;
        let secs = self.retry_after_secs.max(1);
        response.set_header(rocket::http::Header::new("Retry-After", secs.to_string()));
        Ok(response)
    }
}

/// `text` with its first letter in capitals, for a message that starts a sentence.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A stored time as staff pages and emails show it: `2026-11-22 10:00 UTC`.
pub fn to_the_minute(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A stored time as RFC 3339 in UTC, e.g. `2026-11-22T10:00:00Z`.
pub fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The limits to run with: Hearken's where the figment still has Rocket's built-in value (a
/// figment always carries those, so "unset" cannot be told apart), the configured value
/// elsewhere.
pub fn limits(figment: &rocket::figment::Figment) -> Limits {
    let configured: Limits = figment.extract_inner("limits").unwrap_or_default();
    let built_in = Limits::default();
    let ours = default_limits();
    let mut limits = configured.clone();
    for name in ["form", "data-form", "json", "string", "bytes", "file"] {
        if configured.get(name) == built_in.get(name)
            && let Some(value) = ours.get(name)
        {
            limits = limits.limit(name, value);
        }
    }
    limits
}

/// Request body limits; past them the answer is 413.
pub fn default_limits() -> Limits {
    Limits::default()
        // A 10,000-character answer in a non-Latin script is about 90 KB once urlencoded.
        .limit("form", 512.kibibytes())
        .limit("data-form", 2.mebibytes())
        .limit("json", 1.mebibytes())
        .limit("string", 64.kibibytes())
        .limit("bytes", 64.kibibytes())
        .limit("file", 16.mebibytes())
}

/// The page template fairing is attached at start by [`template::attach`], once the pages it
/// reads are in place.
pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .attach(
            Shield::new()
                .enable(NoSniff::Enable)
                .enable(Frame::Deny)
                .enable(Referrer::NoReferrer),
        )
        .attach(headers::SecurityHeaders)
        .attach(counting::RequestCounter)
        .mount("/", routes![stylesheet, icon, health])
        .register("/", catchers::html())
        .register("/api", catchers::api())
}

#[get("/static/app.css")]
fn stylesheet() -> (ContentType, &'static str) {
    (ContentType::CSS, include_str!("assets/app.css"))
}

/// The tab icon every page names, so no browser asks for a missing `/favicon.ico`.
#[get("/static/icon.svg")]
fn icon() -> (ContentType, &'static str) {
    (ContentType::SVG, include_str!("assets/icon.svg"))
}

/// For load balancers and monitoring: 200 when the database answers.
#[get("/health")]
async fn health(db: &State<Db>) -> Result<&'static str> {
    db.run(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1")?;
        Ok("ok")
    })
    .await
}
