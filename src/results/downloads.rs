//! The exports as staff pages offer them: `/surveys/<id>/export.csv`, `.xlsx` and `.json`, with
//! the same segment parameters as the API, for a signed-in analyst (or any staff user who may
//! see the survey).

use rocket::{State, get, routes};

use super::api::RawQuery;
use super::export::{self, Download, Format};
use super::segment::Segment;
use crate::auth::Staff;
use crate::db::Db;
use crate::error::Result;
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing;

pub fn routes() -> Vec<rocket::Route> {
    routes![csv, xlsx, json]
}

async fn download(
    db: &State<Db>,
    staff: Staff,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
    format: Format,
) -> Result<Download> {
    let id = id?;
    let (segment, _) = Segment::from_query(query.0.as_deref(), &[])?;
    let survey = db
        .run(move |conn| editing::visible_to(conn, &staff.user, &id))
        .await?;
    export::start(db.inner().clone(), survey, segment, format)
}

#[get("/surveys/<id>/export.csv")]
async fn csv(
    db: &State<Db>,
    staff: Staff,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Download> {
    download(db, staff, id, query, Format::Csv).await
}

#[get("/surveys/<id>/export.xlsx")]
async fn xlsx(
    db: &State<Db>,
    staff: Staff,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Download> {
    download(db, staff, id, query, Format::Xlsx).await
}

#[get("/surveys/<id>/export.json")]
async fn json(
    db: &State<Db>,
    staff: Staff,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Download> {
    download(db, staff, id, query, Format::Json).await
}
