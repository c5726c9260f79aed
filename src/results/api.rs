//! JSON routes for results: every question's figures, for everyone or a segment.

use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::json::Json;
use rocket::{State, get, routes};
use serde::Serialize;

use super::export::{self, Download, Format};
use super::report::{self, Report};
use super::segment::Segment;
use crate::auth::{ApiUser, Readers};
use crate::db::Db;
use crate::error::Result;
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing;

pub fn routes() -> Vec<rocket::Route> {
    routes![results, export_responses]
}

/// The raw query string, for routes whose parameter names are not fixed (`contact.<attribute>`).
pub struct RawQuery(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RawQuery {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(RawQuery(req.uri().query().map(|q| q.as_str().to_string())))
    }
}

/// The results document, as OpenAPI describes it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Results)]
#[allow(dead_code)]
struct ResultsDoc {
    /// Responses in the segment.
    responses: i64,
    /// Invitations sent for the survey.
    invited: i64,
    /// Completed invitations ÷ invitations; 0 when nobody was invited.
    completion_rate: f64,
    /// Per question: `question_id`, `kind`, `prompt`, `answered` and the kind's summary fields
    /// (`counts`; `mean`, `median`, `distribution`; `score`, `promoters`, `passives`,
    /// `detractors`; `mean_rank`; `top_terms`; `brands` and `head_to_head`). Open questions
    /// also carry `terms_from` (the answers their terms were counted from), `terms_sampled`
    /// (true when those were the latest 20,000 of more) and `terms_counting` (true while a
    /// large survey's terms are counted for the first time, in the background).
    #[schema(value_type = Vec<Object>)]
    questions: Vec<serde_json::Value>,
}

/// Results of a survey, for everyone or a segment
///
/// Segment parameters narrow every figure: `from` and `to` (RFC 3339, on `submitted_at`),
/// `channel` (`personal`, `open`, `api`) and `contact.<attribute>=<value>` (a contact attribute
/// from the import; no effect on anonymous surveys). Any other parameter is a 422.
#[utoipa::path(
    get,
    context_path = "/api/v1",
    tag = "results",
    params(
        ("id" = String, Path, description = "The survey's id"),
        ("from" = Option<String>, Query, format = DateTime, description = "Responses submitted at or after this time"),
        ("to" = Option<String>, Query, format = DateTime, description = "Responses submitted at or before this time"),
        ("channel" = Option<String>, Query, description = "`personal`, `open` or `api`"),
    ),
    responses(
        (status = 200, description = "OK", body = ResultsDoc),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/results")]
pub async fn results(
    db: &State<Db>,
    user: ApiUser<Readers>,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Json<Report>> {
    let id = id?;
    let (segment, _) = Segment::from_query(query.0.as_deref(), &[])?;
    let handle = db.inner().clone();
    let report = db
        .run(move |conn| {
            let survey = editing::visible_to(conn, &user.user, &id)?;
            report::report(&handle, conn, &survey, &segment)
        })
        .await?;
    Ok(Json(report))
}

/// Export every response, one row each, oldest first
///
/// `format` is `csv` (the default), `xlsx` or `json`; the segment parameters of the results
/// narrow the rows. Columns: `response_id`, `submitted_at`, `channel`, `email` (not on anonymous
/// surveys), `score_total` and `score_band` (scored surveys), then the questions in order, one
/// column per part for multiple choice, ranking and competitor questions.
#[utoipa::path(
    get,
    context_path = "/api/v1",
    tag = "results",
    params(
        ("id" = String, Path, description = "The survey's id"),
        ("format" = Option<String>, Query, description = "`csv` (default), `xlsx` or `json`"),
        ("from" = Option<String>, Query, format = DateTime, description = "Responses submitted at or after this time"),
        ("to" = Option<String>, Query, format = DateTime, description = "Responses submitted at or before this time"),
        ("channel" = Option<String>, Query, description = "`personal`, `open` or `api`"),
    ),
    responses(
        (status = 200, description = "The export, streamed", content(
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<Object> = "application/json"),
        )),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/export")]
pub async fn export_responses(
    db: &State<Db>,
    user: ApiUser<Readers>,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Download> {
    let id = id?;
    let (segment, others) = Segment::from_query(query.0.as_deref(), &["format"])?;
    let format = match others.as_slice() {
        [] => Format::Csv,
        [(_, value)] => Format::parse(value)?,
        _ => {
            return Err(crate::error::Error::invalid(
                "format",
                "is given more than once",
            ));
        }
    };
    let survey = db
        .run(move |conn| editing::visible_to(conn, &user.user, &id))
        .await?;
    export::start(db.inner().clone(), survey, segment, format)
}
