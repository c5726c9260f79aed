//! JSON routes of focus groups: plan and change a session, add participants, take notes.
//! Moderators are designers (and admins).

use chrono::{DateTime, Utc};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, get, patch, post, routes};
use serde::Deserialize;

use super::model;
use super::sessions::{self, GroupInput, NoteInput, ParticipantInput};
use super::{GroupView, NoteView, ParticipantView};
use crate::auth::{ApiUser, Designers};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::survey::audience::Audience;
use crate::web::json::ApiJson;
use crate::web::paging::{self, List};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        create_group,
        list_groups,
        get_group,
        patch_group,
        add_participant,
        remove_participant,
        add_note,
        survey_volunteers
    ]
}

/// A focus group as planned: what a change may leave out, a new one must give (the guide may
/// be an empty list, to be written later).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroupInput {
    pub title: String,
    pub topic: String,
    pub audience: Audience,
    pub scheduled_at: DateTime<Utc>,
    /// 15 to 480; 90 when left out.
    #[serde(default)]
    pub duration_minutes: Option<i32>,
    #[serde(default)]
    pub location: Option<String>,
    /// The discussion guide: the questions or themes in the order they are taken.
    pub guide: Vec<String>,
}

impl From<NewGroupInput> for GroupInput {
    fn from(new: NewGroupInput) -> GroupInput {
        GroupInput {
            title: Some(new.title),
            topic: Some(new.topic),
            audience: Some(new.audience),
            scheduled_at: Some(new.scheduled_at),
            duration_minutes: new.duration_minutes,
            location: new.location,
            guide: Some(new.guide),
        }
    }
}

/// Plan a focus group
///
/// `title`, `topic`, `audience`, `scheduled_at` and `guide` are needed; `duration_minutes` is
/// 90 unless given.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    request_body = NewGroupInput,
    responses((status = 201, description = "Created", body = GroupView)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/focus-groups", data = "<body>")]
async fn create_group(
    db: &State<Db>,
    user: ApiUser<Designers>,
    body: ApiJson<NewGroupInput>,
) -> Result<(Status, Json<GroupView>)> {
    let view = db
        .run(move |conn| {
            let row = sessions::create(conn, &user.user, body.0.into())?;
            super::view(conn, &row)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

/// Focus groups, the latest first
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    params(
        (
            "limit" = Option<i64>, Query, minimum = 1, maximum = 1000,
            description = "Page size, 1 to 1000; 50 when left out"
        ),
        (
            "after" = Option<String>, Query, min_length = 1,
            description = "The `next` cursor of the previous page; left out for the first page"
        ),
    ),
    responses((status = 200, description = "OK", body = List<GroupView>)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/focus-groups?<limit>&<after>")]
async fn list_groups(
    db: &State<Db>,
    _user: ApiUser<Designers>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<List<GroupView>>> {
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let rows = db
        .run(move |conn| {
            model::page(conn, after, limit + 1)?
                .into_iter()
                .map(|row| Ok((super::view(conn, &row)?, row)))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(paging::finish(
        rows,
        limit,
        |(_, row)| (row.scheduled_at, row.id.clone()),
        |(view, _)| view.clone(),
    )))
}

/// One focus group with its participants and notes
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    params(("id" = String, Path, description = "The focus group's id")),
    responses((status = 200, description = "OK", body = GroupView)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/focus-groups/<id>")]
async fn get_group(db: &State<Db>, _user: ApiUser<Designers>, id: &str) -> Result<Json<GroupView>> {
    let id = id.to_string();
    let view = db
        .run(move |conn| {
            let row = model::find_group(conn, &id)?.ok_or(Error::NotFound)?;
            super::view(conn, &row)
        })
        .await?;
    Ok(Json(view))
}

/// Change a focus group
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    request_body = GroupInput,
    params(("id" = String, Path, description = "The focus group's id")),
    responses((status = 200, description = "OK", body = GroupView)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[patch("/focus-groups/<id>", data = "<body>")]
async fn patch_group(
    db: &State<Db>,
    settings: &State<Settings>,
    _user: ApiUser<Designers>,
    id: &str,
    body: ApiJson<GroupInput>,
) -> Result<Json<GroupView>> {
    let (id, settings) = (id.to_string(), settings.inner().clone());
    let view = db
        .run(move |conn| {
            let row = sessions::change(conn, &settings, &id, body.0)?;
            super::view(conn, &row)
        })
        .await?;
    Ok(Json(view))
}

/// Add a participant, from a contact or by name, with their consent
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    request_body = ParticipantInput,
    params(("id" = String, Path, description = "The focus group's id")),
    responses((status = 201, description = "Created", body = ParticipantView)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/focus-groups/<id>/participants", data = "<body>")]
async fn add_participant(
    db: &State<Db>,
    settings: &State<Settings>,
    _user: ApiUser<Designers>,
    id: &str,
    body: ApiJson<ParticipantInput>,
) -> Result<(Status, Json<ParticipantView>)> {
    let (id, settings) = (id.to_string(), settings.inner().clone());
    let row = db
        .run(move |conn| sessions::add_participant(conn, &settings, &id, body.0))
        .await?;
    Ok((Status::Created, Json(ParticipantView::of(&row))))
}

/// Take a participant off a session
///
/// One who was invited gets a cancellation of the calendar event; their quotes keep naming
/// them.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    params(
        ("id" = String, Path, description = "The focus group's id"),
        ("participant" = String, Path, description = "The participant's id"),
    ),
    responses((status = 204, description = "Removed")),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[delete("/focus-groups/<id>/participants/<participant>")]
async fn remove_participant(
    db: &State<Db>,
    settings: &State<Settings>,
    _user: ApiUser<Designers>,
    id: &str,
    participant: &str,
) -> Result<Status> {
    let (id, participant) = (id.to_string(), participant.to_string());
    let settings = settings.inner().clone();
    db.run(move |conn| sessions::remove_participant(conn, &settings, &id, &participant))
        .await?;
    Ok(Status::NoContent)
}

/// Take a note or a quote
///
/// A quote names its participant; `guide_item` is the 0-based item of the guide.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    request_body = NoteInput,
    params(("id" = String, Path, description = "The focus group's id")),
    responses((status = 201, description = "Created", body = NoteView)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/focus-groups/<id>/notes", data = "<body>")]
async fn add_note(
    db: &State<Db>,
    user: ApiUser<Designers>,
    id: &str,
    body: ApiJson<NoteInput>,
) -> Result<(Status, Json<NoteView>)> {
    let id = id.to_string();
    let view = db
        .run(move |conn| {
            let note = sessions::add_note(conn, &user.user, &id, body.0)?;
            let people = model::participants(conn, &id)?
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect();
            super::note_view(conn, &note, &people)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

/// A contact who said, on a survey's thank-you page, that they would join a focus group.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Volunteer {
    pub contact_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schema(format = Email)]
    pub email: String,
}

/// The volunteers of a survey that recruits for focus groups
///
/// Contacts who answered through a personal link and said yes on the thank-you page, in the
/// order they did. Anonymous surveys never ask.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "focus groups",
    params(("id" = String, Path, description = "The survey's id")),
    responses((status = 200, description = "OK", body = List<Volunteer>)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/volunteers")]
async fn survey_volunteers(
    db: &State<Db>,
    user: ApiUser<Designers>,
    id: &str,
) -> Result<Json<List<Volunteer>>> {
    let id = id.to_string();
    let items = db
        .run(move |conn| {
            let survey = crate::survey::editing::editable_by(conn, &user.user, &id)?;
            let mut items = Vec::new();
            for (contact_id, _) in model::volunteers(conn, survey.id())? {
                if let Some(contact) = crate::contact::model::find(conn, &contact_id)? {
                    items.push(Volunteer {
                        contact_id,
                        name: contact.name,
                        email: contact.email,
                    });
                }
            }
            Ok::<_, Error>(items)
        })
        .await?;
    Ok(Json(List { items, next: None }))
}
