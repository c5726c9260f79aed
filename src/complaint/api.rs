//! JSON routes of the complaint log: log, list with filters, read with history, change, and the
//! service goals. Designers (and admins) log and change complaints; analysts read them.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, get, patch, post, routes};
use serde_json::{Map, Value};

use super::fields::{Fields, Status as ComplaintStatus};
use super::goals::{self, Goals};
use super::model::{self, Filter};
use super::record::{self, Author};
use super::{Change, ComplaintView};
use crate::auth::{ApiUser, Designers, Readers};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::ids::{ComplaintId, MalformedId};
use crate::web::json::ApiJson;
use crate::web::paging::{self, List};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        create_complaint,
        list_complaints,
        complaint_goals,
        get_complaint,
        patch_complaint
    ]
}

/// Log a complaint
///
/// `received_at` defaults to now, `owner_id` to the caller, `follow_up_at` to 30 days after
/// `received_at`; a customer email that belongs to a contact links the complaint to it.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "complaints",
    request_body = Fields,
    responses(
        (status = 201, description = "Created", body = ComplaintView),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/complaints", data = "<body>")]
async fn create_complaint(
    db: &State<Db>,
    user: ApiUser<Designers>,
    body: ApiJson<Fields>,
) -> Result<(Status, Json<ComplaintView>)> {
    let (row, tags) = db
        .run(move |conn| {
            let row = record::create(conn, &Author { user: &user.user }, body.0)?;
            let tags = super::tags_of(conn, &row.id)?;
            Ok::<_, Error>((row, tags))
        })
        .await?;
    Ok((Status::Created, Json(ComplaintView::of(&row, tags))))
}

/// The list's filters as given, checked.
pub fn filter_of(
    status: Option<&str>,
    category: Option<&str>,
    follow_up_due: Option<&str>,
    q: Option<&str>,
) -> Result<Filter> {
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            ComplaintStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "must be open, resolved or closed"))?
                .as_str()
                .to_string(),
        ),
    };
    let follow_up_due = match follow_up_due.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("false") => None,
        Some("true") => Some(db::now()),
        Some(_) => return Err(Error::invalid("follow_up_due", "must be true or false")),
    };
    let text = |field: &str, value: Option<&str>, max: usize| -> Result<Option<String>> {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        match value {
            Some(v) if v.chars().count() > max => Err(Error::invalid(
                field,
                format!("must be at most {max} characters"),
            )),
            Some(v) => {
                crate::web::text::check(field, v, crate::web::text::Lines::One)?;
                Ok(Some(v.to_string()))
            }
            None => Ok(None),
        }
    };
    Ok(Filter {
        status,
        category: text("category", category, 100)?,
        follow_up_due,
        q: text("q", q, 200)?,
    })
}

/// Complaints, newest first
///
/// `follow_up_due=true` keeps those whose follow-up time has passed and that are not followed
/// up; `q` searches the customer, the category, the nature and the steps taken.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "complaints",
    params(
        ("status" = Option<String>, Query, description = "open, resolved or closed"),
        ("category" = Option<String>, Query, max_length = 100, description = "Exactly this category"),
        ("follow_up_due" = Option<bool>, Query, description = "Only follow-ups due and not done"),
        ("q" = Option<String>, Query, max_length = 200, description = "Text to find"),
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
        (status = 200, description = "OK", body = List<ComplaintView>),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/complaints?<status>&<category>&<follow_up_due>&<q>&<limit>&<after>")]
#[allow(clippy::too_many_arguments)]
async fn list_complaints(
    db: &State<Db>,
    _user: ApiUser<Readers>,
    status: Vec<&str>,
    category: Vec<&str>,
    follow_up_due: Vec<&str>,
    q: Vec<&str>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<List<ComplaintView>>> {
    let filter = filter_of(
        paging::one("status", &status)?,
        paging::one("category", &category)?,
        paging::one("follow_up_due", &follow_up_due)?,
        paging::one("q", &q)?,
    )?;
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let rows = db
        .run(move |conn| {
            let mut rows = model::page(conn, &filter, after, limit + 1)?;
            rows.truncate(limit as usize + 1);
            rows.into_iter()
                .map(|row| Ok((super::tags_of(conn, &row.id)?, row)))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(paging::finish(
        rows,
        limit,
        |(_, row)| (row.received_at, row.id.clone()),
        |(tags, row)| ComplaintView::of(row, tags.clone()),
    )))
}

/// The service goals
///
/// Time to resolve, the share resolved within `target_hours` (`HEARKEN_COMPLAINT_TARGET_HOURS`,
/// 10 by default), the share of customers satisfied at follow-up, and the follow-ups overdue.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "complaints",
    responses(
        (status = 200, description = "OK", body = Goals),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/complaints/goals")]
async fn complaint_goals(
    db: &State<Db>,
    settings: &State<Settings>,
    _user: ApiUser<Readers>,
) -> Result<Json<Goals>> {
    let target = settings.complaint_target_hours;
    let timings = db.run(model::timings).await?;
    Ok(Json(goals::compute(&timings, target, db::now())))
}

/// One complaint with its history
#[utoipa::path(
    context_path = "/api/v1",
    tag = "complaints",
    params(
        ("id" = String, Path, description = "The complaint's id"),
    ),
    responses(
        (status = 200, description = "OK", body = ComplaintView),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/complaints/<id>")]
async fn get_complaint(
    db: &State<Db>,
    _user: ApiUser<Readers>,
    id: Result<ComplaintId, MalformedId>,
) -> Result<Json<ComplaintView>> {
    let id = id?;
    let (row, history, tags) = db
        .run(move |conn| {
            let row = model::find(conn, &id)?.ok_or(Error::NotFound)?;
            let history = model::history(conn, &id)?;
            Ok::<_, Error>((row, history, super::tags_of(conn, &id)?))
        })
        .await?;
    let mut view = ComplaintView::of(&row, tags);
    view.history = Some(history.iter().map(Change::from).collect());
    Ok(Json(view))
}

/// Change a complaint
///
/// Any field of the complaint; `customer` is merged field by field, and a field set to null is
/// cleared. Every change is kept in the history with who made it and when.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "complaints",
    request_body(content = Object, description = "Any of the fields of a logged complaint"),
    params(
        ("id" = String, Path, description = "The complaint's id"),
    ),
    responses(
        (status = 200, description = "OK", body = ComplaintView),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[patch("/complaints/<id>", data = "<body>")]
async fn patch_complaint(
    db: &State<Db>,
    user: ApiUser<Designers>,
    id: Result<ComplaintId, MalformedId>,
    body: ApiJson<Map<String, Value>>,
) -> Result<Json<ComplaintView>> {
    let id = id?;
    let (row, tags) = db
        .run(move |conn| {
            let row = record::change(conn, &Author { user: &user.user }, &id, body.0)?;
            Ok::<_, Error>((super::tags_of(conn, &row.id)?, row))
        })
        .await
        .map(|(tags, row)| (row, tags))?;
    Ok(Json(ComplaintView::of(&row, tags)))
}
