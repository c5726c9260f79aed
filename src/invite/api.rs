//! JSON routes for invitations: invite contacts to a survey, send reminders, and list the
//! invitations with their statuses. Invitations carry personal data: designers (their own
//! surveys) and admins only.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use serde::Deserialize;

use super::invitations::{self, InviteOutcome, Invitees, ReminderOutcome};
use super::statuses::{self, InvitationView};
use crate::auth::{ApiUser, Designers};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::mail::worker::Outbox;
use crate::survey::editing;
use crate::web::json::ApiJson;
use crate::web::paging::{self, List};

/// Contact ids one request may name; larger mailings use `all_contacts`.
pub const MAX_CONTACT_IDS: usize = 10_000;

pub fn routes() -> Vec<rocket::Route> {
    routes![invite, remind, list]
}

/// Either `contact_ids` or `all_contacts: true`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = InvitationRequest)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    #[schema(min_items = 1, max_items = 10_000)]
    pub contact_ids: Option<Vec<String>>,
    pub all_contacts: Option<bool>,
}

impl InviteInput {
    /// Who the request names: a list of ids, or every contact; never both, never neither.
    pub fn invitees(self) -> Result<Invitees> {
        match (self.contact_ids, self.all_contacts) {
            (Some(_), Some(true)) => Err(Error::invalid(
                "all_contacts",
                "give either contact_ids or all_contacts, not both",
            )),
            (Some(ids), _) if ids.is_empty() => Err(Error::invalid(
                "contact_ids",
                "must name at least one contact",
            )),
            (Some(ids), _) if ids.len() > MAX_CONTACT_IDS => Err(Error::invalid(
                "contact_ids",
                format!("must name at most {MAX_CONTACT_IDS} contacts; use all_contacts"),
            )),
            (Some(ids), _) => Ok(Invitees::Contacts(ids)),
            (None, Some(true)) => Ok(Invitees::AllContacts),
            (None, Some(false)) => Err(Error::invalid(
                "all_contacts",
                "must be true, or give contact_ids",
            )),
            (None, None) => Err(Error::invalid(
                "contact_ids",
                "give contact_ids or all_contacts: true",
            )),
        }
    }
}

/// Invite contacts to a published survey
///
/// One invitation per contact per survey, each email queued in the outbox in the same
/// transaction and sent by the mail worker. Contacts who opted out, were already invited or have
/// an undeliverable address are skipped with the reason.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "invitations",
    operation_id = "invite_contacts",
    request_body = InviteInput,
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 202, description = "Queued", body = InviteOutcome),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/invitations", data = "<body>")]
async fn invite(
    db: &State<Db>,
    settings: &State<Settings>,
    outbox: &State<Outbox>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
    body: ApiJson<InviteInput>,
) -> Result<(Status, Json<InviteOutcome>)> {
    let id = id?;
    let invitees = body.0.invitees()?;
    let (id, settings_owned) = (id.to_string(), settings.inner().clone());
    let outcome = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user.user, &id)?;
            invitations::invite(conn, &settings_owned, &survey, invitees)
        })
        .await?;
    if outcome.queued > 0 {
        outbox.notify();
    }
    Ok((Status::Accepted, Json(outcome)))
}

/// Queue reminders
///
/// A reminder for every invitee who has not completed, has not opted out, has had the invitation
/// delivered, has no reminder waiting and has had fewer reminders than the survey's
/// `max_reminders`.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "invitations",
    operation_id = "send_reminders",
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 202, description = "Queued", body = ReminderOutcome),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/reminders")]
async fn remind(
    db: &State<Db>,
    settings: &State<Settings>,
    outbox: &State<Outbox>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<(Status, Json<ReminderOutcome>)> {
    let id = id?;
    let (id, settings_owned) = (id.to_string(), settings.inner().clone());
    let outcome = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user.user, &id)?;
            invitations::remind(conn, &settings_owned, &survey)
        })
        .await?;
    if outcome.queued > 0 {
        outbox.notify();
    }
    Ok((Status::Accepted, Json(outcome)))
}

/// The survey's invitations with their statuses, oldest first
#[utoipa::path(
    context_path = "/api/v1",
    tag = "invitations",
    operation_id = "list_invitations",
    params(
        ("id" = String, Path, description = "The survey's id"),
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
        (status = 200, description = "OK", body = List<InvitationView>),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/invitations?<limit>&<after>")]
async fn list(
    db: &State<Db>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<List<InvitationView>>> {
    let id = id?;
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let id = id.to_string();
    let rows = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user.user, &id)?;
            statuses::page(conn, survey.id(), after, limit + 1)
        })
        .await?;
    Ok(Json(paging::finish(
        rows,
        limit,
        |(_, key)| key.clone(),
        |(view, _)| view.clone(),
    )))
}
