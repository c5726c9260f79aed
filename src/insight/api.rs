//! JSON routes of the themes: tags (create, list with uses, rename, merge, delete), linking a
//! tag to an answer, a note or a complaint, and the top problems. Analysts code answers, so
//! every reader may use them.

use chrono::{DateTime, Utc};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, get, patch, post, routes};
use serde::{Deserialize, Serialize};

use super::problems::{self, Problem};
use super::{Target, model};
use crate::auth::{ApiUser, Readers};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::web::json::ApiJson;
use crate::web::paging::{self, List};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        create_tag,
        list_tags,
        change_tag,
        merge_tag,
        delete_tag,
        link_tag,
        unlink_tag,
        top_problems
    ]
}

/// A tag as the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Tag)]
pub struct TagView {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Things tagged with it.
    pub uses: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagChange {
    /// A new name (free, whatever its case).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The tag that takes over everything tagged with this one.
    pub into: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRef {
    pub response_id: String,
    pub question_id: String,
}

/// One of `answer`, `note_id` or `complaint_id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    #[serde(default)]
    pub answer: Option<AnswerRef>,
    #[serde(default)]
    pub note_id: Option<String>,
    #[serde(default)]
    pub complaint_id: Option<String>,
}

impl LinkInput {
    fn target(self) -> Result<Target> {
        match (self.answer, self.note_id, self.complaint_id) {
            (Some(a), None, None) => Ok(Target::Answer {
                response_id: a.response_id,
                question_id: a.question_id,
            }),
            (None, Some(id), None) => Ok(Target::Note(id)),
            (None, None, Some(id)) => Ok(Target::Complaint(id)),
            _ => Err(Error::invalid(
                "answer",
                "give exactly one of answer, note_id and complaint_id",
            )),
        }
    }
}

fn view(row: &model::TagRow, uses: i64) -> TagView {
    TagView {
        name: row.name.clone(),
        description: row.description.clone(),
        uses,
    }
}

/// Create a tag
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    request_body = TagInput,
    responses(
        (status = 201, description = "Created", body = TagView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/tags", data = "<body>")]
async fn create_tag(
    db: &State<Db>,
    _user: ApiUser<Readers>,
    body: ApiJson<TagInput>,
) -> Result<(Status, Json<TagView>)> {
    let input = body.0;
    let row = db
        .run(move |conn| super::create(conn, &input.name, input.description.as_deref()))
        .await?;
    Ok((Status::Created, Json(view(&row, 0))))
}

/// Tags, by name, with how many things each tags
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    responses(
        (status = 200, description = "OK", body = List<TagView>),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/tags")]
async fn list_tags(db: &State<Db>, _user: ApiUser<Readers>) -> Result<Json<List<TagView>>> {
    let tags = db.run(model::tags_with_uses).await?;
    Ok(Json(List {
        items: tags.iter().map(|(t, uses)| view(t, *uses)).collect(),
        next: None,
    }))
}

/// Rename a tag or change its description
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    request_body = TagChange,
    params(("name" = String, Path, description = "The tag's name")),
    responses(
        (status = 200, description = "OK", body = TagView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[patch("/tags/<name>", data = "<body>")]
async fn change_tag(
    db: &State<Db>,
    _user: ApiUser<Readers>,
    name: &str,
    body: ApiJson<TagChange>,
) -> Result<Json<TagView>> {
    let (name, input) = (name.to_string(), body.0);
    let row = db
        .run(move |conn| {
            super::rename(
                conn,
                &name,
                input.name.as_deref(),
                input.description.as_deref(),
            )
        })
        .await?;
    Ok(Json(view(&row, 0)))
}

/// Merge a tag into another
///
/// Everything tagged with this tag is tagged with `into` (once), and this tag is deleted.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    request_body = MergeInput,
    params(("name" = String, Path, description = "The tag's name")),
    responses(
        (status = 200, description = "The tag merged into", body = TagView),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/tags/<name>/merge", data = "<body>")]
async fn merge_tag(
    db: &State<Db>,
    _user: ApiUser<Readers>,
    name: &str,
    body: ApiJson<MergeInput>,
) -> Result<Json<TagView>> {
    let (name, into) = (name.to_string(), body.0.into);
    let row = db.run(move |conn| super::merge(conn, &name, &into)).await?;
    Ok(Json(view(&row, 0)))
}

/// Delete a tag and its links
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    params(("name" = String, Path, description = "The tag's name")),
    responses((status = 204, description = "Deleted")),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[delete("/tags/<name>")]
async fn delete_tag(db: &State<Db>, _user: ApiUser<Readers>, name: &str) -> Result<Status> {
    let name = name.to_string();
    db.run(move |conn| super::delete(conn, &name)).await?;
    Ok(Status::NoContent)
}

/// Tag an answer, a note or a complaint
///
/// Linking twice is no error and counts once. An answer in a survey the caller may not see is
/// a 404, the same as one that does not exist.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    request_body = LinkInput,
    params(("name" = String, Path, description = "The tag's name")),
    responses((status = 201, description = "Linked")),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/tags/<name>/links", data = "<body>")]
async fn link_tag(
    db: &State<Db>,
    user: ApiUser<Readers>,
    name: &str,
    body: ApiJson<LinkInput>,
) -> Result<Status> {
    let (name, target) = (name.to_string(), body.0.target()?);
    db.run(move |conn| super::link(conn, &user.user, &name, &target, false))
        .await?;
    Ok(Status::Created)
}

/// Take a tag off an answer, a note or a complaint
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    request_body = LinkInput,
    params(("name" = String, Path, description = "The tag's name")),
    responses((status = 204, description = "Unlinked")),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[delete("/tags/<name>/links", data = "<body>")]
async fn unlink_tag(
    db: &State<Db>,
    user: ApiUser<Readers>,
    name: &str,
    body: ApiJson<LinkInput>,
) -> Result<Status> {
    let (name, target) = (name.to_string(), body.0.target()?);
    db.run(move |conn| super::link(conn, &user.user, &name, &target, true))
        .await?;
    Ok(Status::NoContent)
}

/// The top problems across answers, notes and complaints
///
/// Every tag with the distinct things it tags, most first (ties: more kinds of source, then
/// name), with its sources, whose voice, and a few examples. `from` and `to` bound when the
/// things were said.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "themes",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "3 when left out"),
        ("from" = Option<String>, Query, format = DateTime, description = "From this time"),
        ("to" = Option<String>, Query, format = DateTime, description = "Before this time"),
    ),
    responses((status = 200, description = "OK", body = List<Problem>)),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/insights/problems?<limit>&<from>&<to>")]
async fn top_problems(
    db: &State<Db>,
    user: ApiUser<Readers>,
    limit: Vec<&str>,
    from: Vec<&str>,
    to: Vec<&str>,
) -> Result<Json<List<Problem>>> {
    let (from, to) = (paging::one("from", &from)?, paging::one("to", &to)?);
    let limit = match paging::one("limit", &limit)? {
        None => 3,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(Error::invalid(
                    "limit",
                    "must be a whole number from 1 to 1000",
                ));
            }
        },
    };
    let time = |field: &str, value: Option<&str>| -> Result<Option<chrono::NaiveDateTime>> {
        value
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|at| at.with_timezone(&Utc).naive_utc())
                    .map_err(|_| Error::invalid(field, "must be an RFC 3339 time"))
            })
            .transpose()
    };
    let (from, to) = (time("from", from)?, time("to", to)?);
    let items = db
        .run(move |conn| problems::top(conn, &user.user, limit, from, to))
        .await?;
    Ok(Json(List { items, next: None }))
}
