//! JSON routes for surveys: create (also from a built-in template), list, read, change,
//! delete drafts, lint, publish and close.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, get, patch, post, routes};

use super::editing::{self, SurveyInput, SurveyView};
use super::hooks;
use super::lint::{self, Report};
use super::model;
use super::templates::{self, TemplateInfo};
use crate::auth::{ApiUser, Designers, Readers, Role};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::web::json::ApiJson;
use crate::web::paging::{self, List};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        list_templates,
        create_survey,
        list_surveys,
        get_survey,
        patch_survey,
        delete_survey,
        lint_survey,
        publish_survey,
        close_survey
    ]
}

/// Built-in questionnaires
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    responses(
        (status = 200, description = "OK", body = List<TemplateInfo>),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/templates")]
fn list_templates(_user: ApiUser<Readers>) -> Json<List<TemplateInfo>> {
    Json(List {
        items: templates::list(),
        next: None,
    })
}

/// Create a draft survey, optionally from a built-in template
///
/// With `template`, the body holds overrides of the template and may be empty.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    params(("template" = Option<String>, Query, description = "A name from GET /api/v1/templates")),
    request_body(content = Option<SurveyInput>, description = "Optional with a template"),
    responses(
        (status = 201, description = "Created", body = SurveyView),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys?<template>", data = "<body>")]
async fn create_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Designers>,
    template: Option<String>,
    body: ApiJson<Option<SurveyInput>>,
) -> Result<(Status, Json<SurveyView>)> {
    let base = match template.as_deref() {
        Some(name) => Some(templates::build(name).ok_or_else(|| {
            Error::invalid(
                "template",
                format!("no built-in template is called `{name}`"),
            )
        })?),
        None => None,
    };
    let input = body.0.unwrap_or_default();
    let owner = user.user;
    let survey = db
        .run(move |conn| editing::create(conn, &owner, base, input))
        .await?;
    Ok((Status::Created, Json(survey.view(settings))))
}

/// List surveys (designers see their own)
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
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
    responses(
        (status = 200, description = "OK", body = List<SurveyView>),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys?<limit>&<after>")]
async fn list_surveys(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Readers>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<List<SurveyView>>> {
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let owner = (user.role() == Role::Designer).then(|| user.user.id.clone());
    let surveys = db
        .run(move |conn| {
            let rows = model::page(conn, owner.as_deref(), after, limit + 1)?;
            rows.into_iter()
                .map(|row| {
                    let questions = model::questions_of(conn, &row.id)?;
                    Ok(model::Survey { row, questions })
                })
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(paging::finish(
        surveys,
        limit,
        |s| (s.created_at(), s.id().to_string()),
        |s| s.view(settings),
    )))
}

/// One survey
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 200, description = "OK", body = SurveyView),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>")]
async fn get_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Readers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<Json<SurveyView>> {
    let id = id?;
    let survey = db
        .run(move |conn| editing::visible_to(conn, &user.user, &id))
        .await?;
    Ok(Json(survey.view(settings)))
}

/// Change a survey
///
/// Questions, language and anonymity are frozen once published (409).
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    request_body = SurveyInput,
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 200, description = "OK", body = SurveyView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[patch("/surveys/<id>", data = "<body>")]
async fn patch_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
    body: ApiJson<SurveyInput>,
) -> Result<Json<SurveyView>> {
    let id = id?;
    let survey = db
        .run(move |conn| editing::change(conn, &user.user, &id, body.0))
        .await?;
    Ok(Json(survey.view(settings)))
}

/// Delete a draft
///
/// An open or closed survey is a 409: close it instead.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[delete("/surveys/<id>")]
async fn delete_survey(
    db: &State<Db>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<Status> {
    let id = id?;
    db.run(move |conn| editing::delete(conn, &user.user, &id))
        .await?;
    Ok(Status::NoContent)
}

/// Quality hints
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 200, description = "OK", body = Report),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/lint")]
async fn lint_survey(
    db: &State<Db>,
    user: ApiUser<Readers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<Json<Report>> {
    let id = id?;
    let report = db
        .run(move |conn| {
            let survey = editing::visible_to(conn, &user.user, &id)?;
            let mut report = lint::lint(&survey.content());
            report
                .hints
                .extend(hooks::installed().hints(conn, &survey)?);
            Ok::<_, Error>(report)
        })
        .await?;
    Ok(Json(report))
}

/// Open the survey for answers
///
/// A 409 carries the `hints` beside the error while an error-level hint remains.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 200, description = "OK", body = SurveyView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/publish")]
async fn publish_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<Json<SurveyView>> {
    let id = id?;
    let survey = db
        .run(move |conn| editing::publish(conn, &user.user, &id))
        .await?;
    Ok(Json(survey.view(settings)))
}

/// Stop accepting answers; responses are kept
#[utoipa::path(
    context_path = "/api/v1",
    tag = "surveys",
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 200, description = "OK", body = SurveyView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/close")]
async fn close_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<Json<SurveyView>> {
    let id = id?;
    let survey = db
        .run(move |conn| editing::close(conn, &user.user, &id))
        .await?;
    Ok(Json(survey.view(settings)))
}
