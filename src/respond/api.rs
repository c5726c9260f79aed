//! JSON routes for responses: submitting one (kiosks, imports) and reading them page by page.

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checking::{self, Origin};
use super::model;
use super::writer::Writer;
use crate::auth::{ApiUser, Designers, Readers};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{ContactId, MalformedId, ResponseId, SurveyId};
use crate::survey::editing;
use crate::survey::model::Availability;
use crate::web::json::ApiJson;
use crate::web::paging::{self, List};

pub fn routes() -> Vec<rocket::Route> {
    routes![create_response, list_responses]
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResponseInput {
    /// Answers by question id.
    #[schema(value_type = Object)]
    answers: Map<String, Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Created {
    #[schema(value_type = String)]
    id: ResponseId,
}

/// The `Idempotency-Key` header: a retry with the same key returns the first result.
struct IdempotencyKey(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IdempotencyKey {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let key = req
            .headers()
            .get_one("Idempotency-Key")
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty() && k.len() <= 64);
        Outcome::Success(IdempotencyKey(key))
    }
}

/// Submit a response (open surveys; kiosks and imports)
///
/// An `Idempotency-Key` header makes retries safe: the same key returns the first result with 200.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "responses",
    params(("Idempotency-Key" = Option<String>, Header, max_length = 64)),
    request_body = ResponseInput,
    params(
        ("id" = String, Path, description = "The survey's id"),
    ),
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 200, description = "A replay of an earlier request", body = Created),
        (status = 409, response = Error),
        (status = 503, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/responses", data = "<body>")]
async fn create_response(
    db: &State<Db>,
    writer: &State<Writer>,
    user: ApiUser<Designers>,
    key: IdempotencyKey,
    id: Result<SurveyId, MalformedId>,
    body: ApiJson<ResponseInput>,
) -> Result<(Status, Json<Created>)> {
    let id = id?;
    let survey = db
        .run(move |conn| editing::editable_by(conn, &user.user, &id))
        .await?;
    if survey.availability(crate::db::now()) != Availability::Open {
        return Err(Error::conflict(
            "survey_not_open",
            "the survey does not accept answers now",
        ));
    }
    let given = body.0.answers;
    if let Some(unknown) = checking::unknown(&survey, &given) {
        return Err(Error::invalid(
            format!("answers.{unknown}"),
            "is not a question of this survey",
        ));
    }
    let checked = checking::check(&survey, &given);
    if let Some((question, problem)) = checked.problems.first() {
        let english = crate::i18n::catalog("en");
        return Err(Error::invalid(
            format!("answers.{question}"),
            english.get(problem.key()).to_string(),
        ));
    }
    // Scoped to the user, so two clients cannot collide on a key they chose.
    let submission_key = match key.0 {
        Some(key) => crate::ids::digest(&format!("{}:{key}", survey.owner_id())),
        None => crate::ids::new_id(),
    };
    let origin = Origin {
        channel: "api",
        submission_key,
        invitation_id: None,
        contact_id: None,
    };
    let submission = checking::submission(&survey, &checked.answers, origin)?;
    let stored = writer.submit(submission).await?;
    let status = match stored {
        super::writer::Stored::New(_) => Status::Created,
        super::writer::Stored::Replayed(_) => Status::Ok,
    };
    Ok((
        status,
        Json(Created {
            id: ResponseId::from(stored.response_id().to_string()),
        }),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Response)]
struct ResponseView {
    #[schema(value_type = String)]
    id: ResponseId,
    #[schema(format = DateTime)]
    submitted_at: String,
    /// Absent when the survey is anonymous or the answer came from no known contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    contact_id: Option<ContactId>,
    /// Answers by question id.
    #[schema(value_type = Object)]
    answers: Map<String, Value>,
    /// Only for scored questionnaires.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::survey::score::Score>)]
    score: Option<Value>,
}

/// Responses, oldest first
#[utoipa::path(
    context_path = "/api/v1",
    tag = "responses",
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
        (status = 200, description = "OK", body = List<ResponseView>),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/responses?<limit>&<after>")]
async fn list_responses(
    db: &State<Db>,
    user: ApiUser<Readers>,
    id: Result<SurveyId, MalformedId>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<List<ResponseView>>> {
    let id = id?;
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let (rows, answers, anonymous) = db
        .run(move |conn| {
            let survey = editing::visible_to(conn, &user.user, &id)?;
            let rows = model::page(conn, &id, after, limit + 1)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let answers = model::answers_of(conn, &ids)?;
            Ok((rows, answers, survey.anonymous()))
        })
        .await?;
    let mut by_response: std::collections::HashMap<String, Map<String, Value>> =
        std::collections::HashMap::new();
    for (response_id, question_id, value) in answers {
        let value = model::parse_json(&value)?;
        by_response
            .entry(response_id)
            .or_default()
            .insert(question_id, value);
    }
    Ok(Json(paging::finish(
        rows,
        limit,
        |r| (r.submitted_at, r.id.clone()),
        |r| ResponseView {
            id: ResponseId::from(r.id.clone()),
            submitted_at: crate::web::rfc3339(r.submitted_at),
            contact_id: r
                .contact_id
                .clone()
                .filter(|_| !anonymous)
                .map(ContactId::from),
            answers: by_response.get(&r.id).cloned().unwrap_or_default(),
            score: r
                .score
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
        },
    )))
}
