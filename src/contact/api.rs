//! JSON routes for contacts: import (a JSON array or a CSV file), list and search, read one, the
//! subject-access export, and erasure. Contacts are personal data: designers and admins only.

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::http::{Header, Status};
use rocket::request::Request;
use rocket::serde::json::Json;
use rocket::{Responder, State, delete, get, post, routes};
use serde_json::{Value, json};

use super::ContactView;
use super::import::{self, Report};
use super::model;
use crate::auth::{ApiUser, Designers};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{ContactId, MalformedId};
use crate::web::paging::{self, List};
use crate::web::refusal::remember;
use crate::web::rfc3339;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        import_contacts,
        list_contacts,
        get_contact,
        export_contact,
        delete_contact
    ]
}

/// An import body: CSV when the content type says `text/csv`, otherwise a JSON array. Read up
/// to the `file` limit (uploads are bigger than ordinary JSON bodies); past it, a 413.
pub struct Upload {
    format: import::Format,
    bytes: Vec<u8>,
}

#[rocket::async_trait]
impl<'r> FromData<'r> for Upload {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, Error> {
        let format = match req.content_type() {
            Some(ct) if ct.top() == "text" && ct.sub() == "csv" => import::Format::Csv,
            Some(ct) if ct.is_json() => import::Format::Json,
            None => import::Format::Json,
            Some(ct) => {
                let error = Error::BadRequest(format!(
                    "expected Content-Type: application/json or text/csv, not {ct}"
                ));
                remember(req, &error);
                return Outcome::Error((Status::UnsupportedMediaType, error));
            }
        };
        let limit = req.limits().get("file").unwrap_or(16.mebibytes());
        // Sized once from the declared length, so a big upload is not copied while it grows.
        let declared = req
            .headers()
            .get_one("Content-Length")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
            .min(limit.as_u64());
        let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        let error = match data.open(limit).stream_to(&mut bytes).await {
            Ok(read) if read.complete => return Outcome::Success(Upload { format, bytes }),
            Ok(_) => Error::TooLarge {
                limit: limit.to_string(),
            },
            Err(e) => Error::BadRequest(format!("the body could not be read: {e}")),
        };
        remember(req, &error);
        Outcome::Error((error.status(), error))
    }
}

/// Import contacts from a JSON array or a CSV file
///
/// CSV: a header row `email,name,phone,address,language,…` (other columns become attributes),
/// comma or semicolon, UTF-8 with or without BOM. Known emails are updated, never duplicated;
/// bad rows are reported with their row number and reason and never sink the good ones. The
/// first 100 rejected rows are listed; all of them are counted by reason.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "contacts",
    request_body(content(
        (Vec<import::RawContact> = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "Imported", body = Report),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/contacts", data = "<body>")]
async fn import_contacts(
    db: &State<Db>,
    _user: ApiUser<Designers>,
    body: Upload,
) -> Result<Json<Report>> {
    let report = db
        .run(move |conn| import::import(conn, body.format, &body.bytes))
        .await?;
    Ok(Json(report))
}

/// Contacts in creation order
///
/// `q` searches email and name (case-insensitive).
#[utoipa::path(
    context_path = "/api/v1",
    tag = "contacts",
    params(
        ("q" = Option<String>, Query, max_length = 254, description = "Part of an email or name"),
        (
            "limit" = Option<i64>, Query, minimum = 1, maximum = 1000,
            description = "Page size, 1 to 1000; 50 when left out"
        ),
        (
            "after" = Option<String>, Query, min_length = 1,
            description = "The `next` cursor of the previous page; left out for the first page"
        ),
    ),
    responses(
        (status = 200, description = "OK", body = List<ContactView>),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/contacts?<q>&<limit>&<after>")]
async fn list_contacts(
    db: &State<Db>,
    _user: ApiUser<Designers>,
    q: Option<String>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<List<ContactView>>> {
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let q = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.chars().count() > 254) {
        return Err(Error::invalid("q", "must be at most 254 characters"));
    }
    let rows = db
        .run(move |conn| model::page(conn, q.as_deref(), after, limit + 1))
        .await?;
    Ok(Json(paging::finish(
        rows,
        limit,
        |row| (row.created_at, row.id.clone()),
        |row| ContactView::from(row),
    )))
}

/// One contact
#[utoipa::path(
    context_path = "/api/v1",
    tag = "contacts",
    params(
        ("id" = String, Path, description = "The contact's id"),
    ),
    responses(
        (status = 200, description = "OK", body = ContactView),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/contacts/<id>")]
async fn get_contact(
    db: &State<Db>,
    _user: ApiUser<Designers>,
    id: Result<ContactId, MalformedId>,
) -> Result<Json<ContactView>> {
    let id = id?;
    let row = db
        .run(move |conn| model::find(conn, &id)?.ok_or(Error::NotFound))
        .await?;
    Ok(Json(ContactView::from(&row)))
}

/// The subject-access export, offered as a file download.
#[derive(Responder)]
pub struct Export {
    body: Json<Value>,
    disposition: Header<'static>,
}

/// Subject-access export
///
/// Everything stored about the person (contact, invitations, responses with answers, emails,
/// suppression), as a JSON download.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "contacts",
    params(
        ("id" = String, Path, description = "The contact's id"),
    ),
    responses(
        (
            status = 200,
            description = "OK",
            body = Object,
            headers(("Content-Disposition" = String, description = "An attachment"))
        ),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/contacts/<id>/export")]
async fn export_contact(
    db: &State<Db>,
    _user: ApiUser<Designers>,
    id: Result<ContactId, MalformedId>,
) -> Result<Export> {
    let id = id?;
    let dossier = db
        .run(move |conn| crate::privacy::dossier(conn, &id)?.ok_or(Error::NotFound))
        .await?;
    let contact = &dossier.contact;
    let invitations: Vec<Value> = dossier
        .invitations
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "survey_id": i.survey_id,
                "status": i.status,
                "created_at": rfc3339(i.created_at),
                "sent_at": i.sent_at.map(rfc3339),
                "opened_at": i.opened_at.map(rfc3339),
                "completed_at": i.completed_at.map(rfc3339),
                "reminders": i.reminders,
                "last_error": i.last_error,
            })
        })
        .collect();
    let responses: Vec<Value> = dossier
        .responses
        .iter()
        .map(|r| {
            let answers: serde_json::Map<String, Value> = r
                .answers
                .iter()
                .map(|(question, value)| {
                    let value = serde_json::from_str(value)
                        .unwrap_or_else(|_| Value::String(value.clone()));
                    (question.clone(), value)
                })
                .collect();
            json!({
                "id": r.id,
                "survey_id": r.survey_id,
                "channel": r.channel,
                "submitted_at": rfc3339(r.submitted_at),
                "answers": answers,
            })
        })
        .collect();
    let emails: Vec<Value> = dossier
        .mail
        .iter()
        .map(|m| {
            json!({
                "kind": m.kind,
                "status": m.status,
                "recipient": m.recipient,
                "message_id": m.message_id,
                "created_at": rfc3339(m.created_at),
                "sent_at": m.sent_at.map(rfc3339),
                "last_error": m.last_error,
            })
        })
        .collect();
    let drafts: Vec<Value> = dossier
        .drafts
        .iter()
        .map(|(invitation_id, answers, saved_at)| {
            json!({
                "invitation_id": invitation_id,
                "answers": serde_json::from_str::<Value>(answers)
                    .unwrap_or_else(|_| Value::String(answers.clone())),
                "saved_at": rfc3339(*saved_at),
            })
        })
        .collect();
    let body = json!({
        "contact": ContactView::from(contact),
        "created_at": rfc3339(contact.created_at),
        "updated_at": rfc3339(contact.updated_at),
        "opted_out_at": contact.opted_out_at.map(rfc3339),
        "suppressed": dossier.suppressed,
        "invitations": invitations,
        "responses": responses,
        "emails": emails,
        "drafts": drafts,
        "complaints": dossier.complaints,
        "focus_groups": dossier.focus_groups,
        "exported_at": rfc3339(crate::db::now()),
    });
    Ok(Export {
        body: Json(body),
        // The id is made by the app (URL-safe characters only), so it is safe in the header.
        disposition: Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"contact-{}.json\"", contact.id),
        ),
    })
}

/// Erase a contact
///
/// The person's data is removed from every table (and, on SQLite, from the write-ahead log);
/// their answers stay only as anonymous answers; someone who opted out stays suppressed by email
/// digest.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "contacts",
    params(
        ("id" = String, Path, description = "The contact's id"),
    ),
    responses(
        (status = 204, description = "Erased"),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[delete("/contacts/<id>")]
async fn delete_contact(
    db: &State<Db>,
    _user: ApiUser<Designers>,
    id: Result<ContactId, MalformedId>,
) -> Result<Status> {
    let id = id?;
    db.run(move |conn| crate::privacy::erase(conn, &id)).await?;
    Ok(Status::NoContent)
}
