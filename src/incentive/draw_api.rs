//! JSON routes for the prize draw: read it (commitment, and after the draw the seed and the
//! winners) and run it once.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use serde::{Deserialize, Serialize};

use super::draw_model::{DRAWN, DrawRow};
use super::draws;
use crate::auth::{ApiUser, Designers, Readers};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing;
use crate::web::json::ApiJson;

pub fn routes() -> Vec<rocket::Route> {
    routes![get_draw, run_draw]
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WinnerView {
    ticket: i64,
    /// Absent on anonymous surveys and for entries without a personal link.
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DrawView {
    commitment: String,
    /// Entries so far; after the draw, the entries it took.
    entrants: i64,
    /// `pending` or `drawn`.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    beacon_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entrants_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    winners: Option<Vec<WinnerView>>,
}

fn draw_view(conn: &mut crate::db::DbConn, row: &DrawRow, anonymous: bool) -> Result<DrawView> {
    let drawn = row.status == DRAWN;
    let winners = if drawn {
        let mut out = Vec::new();
        for ticket in draws::winners_of(row) {
            let contact_id = if anonymous {
                None
            } else {
                super::contact_of_ticket(conn, &row.survey_id, ticket)?
            };
            out.push(WinnerView { ticket, contact_id });
        }
        Some(out)
    } else {
        None
    };
    Ok(DrawView {
        commitment: row.commitment.clone(),
        entrants: row.entrants.unwrap_or(row.tickets),
        status: row.status.clone(),
        seed: drawn.then(|| row.seed.clone()),
        beacon_value: row.beacon_value.clone().filter(|_| drawn),
        entrants_digest: row.entrants_digest.clone(),
        winners,
    })
}

/// The survey's prize draw: its commitment, and after the draw the seed and winners
#[utoipa::path(
    context_path = "/api/v1",
    tag = "incentives",
    params(("id" = String, Path, description = "The survey's id")),
    responses(
        (status = 200, description = "OK", body = DrawView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Readers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/draw")]
async fn get_draw(
    db: &State<Db>,
    user: ApiUser<Readers>,
    id: Result<SurveyId, MalformedId>,
) -> Result<Json<DrawView>> {
    let id = id?;
    let view = db
        .run(move |conn| {
            let survey = editing::visible_to(conn, &user.user, &id)?;
            super::lottery_of(&survey)?;
            let row = crate::db::write(conn, |conn| draws::ensure(conn, survey.id()))?;
            draw_view(conn, &row, survey.anonymous())
        })
        .await?;
    Ok(Json(view))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    /// The public value the survey's `beacon` described, now known.
    beacon_value: Option<String>,
}

/// Run the prize draw now (once)
///
/// Entries committed before the draw starts are in it. A second request is a 409; the draw
/// also runs on its own at `draw_at`.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "incentives",
    params(("id" = String, Path, description = "The survey's id")),
    request_body(content = DrawInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Drawn now", body = DrawView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/draw", data = "<body>")]
async fn run_draw(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
    body: Option<ApiJson<DrawInput>>,
) -> Result<(Status, Json<DrawView>)> {
    let id = id?;
    let beacon = body.and_then(|b| b.0.beacon_value);
    let settings = settings.inner().clone();
    let view = db
        .run(move |conn| {
            let (survey, row) =
                super::draw_as(conn, &settings, &user.user, &id, beacon.as_deref())?;
            draw_view(conn, &row, survey.anonymous())
        })
        .await?;
    Ok((Status::Ok, Json(view)))
}
