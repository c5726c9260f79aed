//! The unsubscribe link of every email: a page with one button, and the one-click POST of
//! RFC 8058 that mail clients send without cookies.
//!
//! The signed token in the URL is the whole authority: it names the contact and carries an
//! HMAC under the link key (`web::links`), so the POST needs no session, no CSRF token and
//! no Origin check, and must not have them (a mail client sends none). The GET only shows the
//! page, because link scanners fetch every URL in an email. A token that is forged, altered,
//! or names a contact that no longer exists gets one and the same 404 page.

use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};

use crate::config::Settings;
use crate::contact::model as contacts_model;
use crate::db::{self, Db, DbConn};
use crate::error::Result;
use crate::i18n::{self, Catalog};
use crate::web::Reply;
use crate::web::links;

pub fn routes() -> Vec<rocket::Route> {
    routes![page, one_click]
}

/// What the token leads to.
enum Found {
    /// Forged, altered, or a contact that is gone: all get the same page.
    Nothing,
    Contact {
        language: &'static str,
        opted_out: bool,
    },
}

fn render(
    t: &Catalog,
    status: Status,
    title_key: &str,
    body_key: &str,
    action: Option<String>,
) -> Reply {
    let page = Template::render(
        "unsubscribe",
        context! {
            lang: t.code(),
            title: t.get(title_key),
            body: t.get(body_key),
            button: t.get("unsubscribe_button"),
            action,
        },
    );
    Reply::Status((status, page))
}

/// The same page for every token that leads nowhere, always in English: which language to use
/// would say whose the token is.
fn not_found() -> Reply {
    render(
        i18n::catalog("en"),
        Status::NotFound,
        "unsubscribe_invalid_title",
        "unsubscribe_invalid_body",
        None,
    )
}

async fn lookup(db: &Db, settings: &Settings, token: &str) -> Result<Found> {
    let Some(contact_id) = links::unsubscribe_contact(&settings.link_key, token) else {
        return Ok(Found::Nothing);
    };
    let contact = db
        .run(move |conn| contacts_model::find(conn, &contact_id))
        .await?;
    Ok(match contact {
        Some(contact) => Found::Contact {
            language: i18n::language_of(contact.language.as_deref()),
            opted_out: contact.opted_out_at.is_some(),
        },
        None => Found::Nothing,
    })
}

#[get("/unsubscribe/<token>")]
async fn page(db: &State<Db>, settings: &State<Settings>, token: &str) -> Result<Reply> {
    Ok(match lookup(db, settings, token).await? {
        Found::Nothing => not_found(),
        Found::Contact {
            language,
            opted_out: true,
        } => render(
            i18n::catalog(language),
            Status::Ok,
            "unsubscribed_title",
            "already_unsubscribed_body",
            None,
        ),
        Found::Contact {
            language,
            opted_out: false,
        } => render(
            i18n::catalog(language),
            Status::Ok,
            "unsubscribe_title",
            "unsubscribe_body",
            // Only tokens that verified reach here, and they are URL-safe by construction.
            Some(format!("/unsubscribe/{token}")),
        ),
    })
}

/// The one-click unsubscribe (RFC 8058), also the target of the page's button. Always 200 with
/// a page, never a redirect (the RFC forbids one), and the same 200 when repeated.
#[post("/unsubscribe/<token>", data = "<body>")]
async fn one_click(
    db: &State<Db>,
    settings: &State<Settings>,
    token: &str,
    body: Data<'_>,
) -> Result<Reply> {
    // Mail clients send `List-Unsubscribe=One-Click` urlencoded or as multipart/form-data, and
    // some send nothing at all; the token alone decides, so the body is read (a little of it,
    // whatever its type) and not parsed. A read error is as good as an empty body here.
    let _ = body.open(4.kibibytes()).into_bytes().await;
    let Some(contact_id) = links::unsubscribe_contact(&settings.link_key, token) else {
        return Ok(not_found());
    };
    let language = db.run(move |conn| opt_out(conn, &contact_id)).await?;
    Ok(match language {
        Some(language) => render(
            i18n::catalog(language),
            Status::Ok,
            "unsubscribed_title",
            "unsubscribed_body",
            None,
        ),
        None => not_found(),
    })
}

/// Opts the contact out in one write transaction: the contact is marked, their address goes on
/// the suppression list (by digest, so it outlives an erasure), and their mail still waiting
/// in the outbox is cancelled. Rows a worker already holds are left to it: it checks
/// suppression itself, and its record of what it sent must stay true. Returns the contact's
/// page language, or `None` when there is no such contact.
fn opt_out(conn: &mut DbConn, contact_id: &str) -> Result<Option<&'static str>> {
    db::write(conn, |conn| {
        let Some(contact) = contacts_model::find(conn, contact_id)? else {
            return Ok(None);
        };
        contacts_model::opt_out(conn, &contact, db::now())?;
        crate::mail::outbox::cancel_waiting(conn, contact_id, &contact.email)?;
        Ok(Some(i18n::language_of(contact.language.as_deref())))
    })
}
