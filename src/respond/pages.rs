//! Respondent pages: the open link `/s/<survey>`, its pages and its submission (through the
//! batching writer), the thank-you page, and the polite pages for surveys that are closed, not open yet,
//! unknown or already answered. The personal link `/r/<token>` lives in [`super::personal`] and
//! shares these pieces.

use std::sync::Arc;

use rocket::http::Status;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde_json::Map;

use super::answering::{Later, again_later, not_found, render, submit, unavailable};
use super::form::AnswerForm;
use super::model;
use super::paging::{self, Shown};
use super::published::Published;
use super::view::PageState;
use super::writer::Writer;
use crate::db::Db;
use crate::error::Result;
use crate::i18n;
use crate::incentive::{
    self,
    reward::{self, Of, Reward},
};
use crate::survey::editing;
use crate::survey::model::{Survey, SurveyStatus};
use crate::survey::score::{Band, Score};
use crate::web::Reply;
use crate::web::csrf::CsrfToken;
use crate::web::limiter::SubmissionLimiter;
use crate::web::peer::ClientAddr;

pub fn routes() -> Vec<rocket::Route> {
    routes![open_link, open_link_submit, thanks]
}

async fn open_survey(db: &Db, published: &Published, id: &str) -> Result<Option<Arc<Survey>>> {
    let survey = published.get(db, id).await?;
    Ok(survey.filter(|s| !s.invitation_only() && s.status() != SurveyStatus::Draft))
}

#[get("/s/<id>")]
async fn open_link(
    db: &State<Db>,
    published: &State<Published>,
    csrf: CsrfToken,
    id: &str,
) -> Result<Reply> {
    let Some(survey) = open_survey(db, published, id).await? else {
        return Ok(not_found());
    };
    if let Some(page) = unavailable(&survey) {
        return Ok(page);
    }
    let state = PageState {
        answers: &Map::new(),
        problems: &[],
        action: format!("/s/{}", survey.id()),
        csrf: csrf.0,
        submission: crate::ids::new_id(),
        can_save: false,
        notice: None,
        preview: false,
        page: 0,
    };
    Ok(render(&survey, state, Status::Ok))
}

#[allow(clippy::too_many_arguments)] // Rocket hands each guard to the handler separately.
#[post("/s/<id>", data = "<form>")]
async fn open_link_submit(
    db: &State<Db>,
    published: &State<Published>,
    writer: &State<Writer>,
    limiter: &State<SubmissionLimiter>,
    peer: ClientAddr,
    csrf: CsrfToken,
    id: &str,
    form: AnswerForm,
) -> Result<Reply> {
    let Some(survey) = open_survey(db, published, id).await? else {
        return Ok(not_found());
    };
    if let Some(page) = unavailable(&survey) {
        return Ok(page);
    }
    let action = format!("/s/{}", survey.id());
    // Turning a page stores nothing (the answers travel in the form), so it is not counted
    // as a submission; only the last page's send is.
    if let Some(turn) = paging::turn(&survey, &form) {
        let shown = Shown {
            action,
            csrf: csrf.0,
            can_save: false,
            preview: false,
        };
        return Ok(if form.refused {
            paging::refused(&survey, &form, &turn, shown)
        } else {
            paging::show(&survey, &form, &turn, shown)
        });
    }
    // Counted before the answers are checked: a script sending junk costs as much as one
    // sending answers. The form comes back as typed, with its key, so sending it later stores
    // it once.
    if let Err(wait) = limiter.admit(peer.0) {
        let key = form
            .submission_key()
            .map_or_else(crate::ids::new_id, str::to_string);
        let why = Later::TooMany(wait);
        return Ok(again_later(&survey, &form, csrf.0, action, key, false, why));
    }
    submit(writer, &survey, &form, csrf.0, action, None, "link").await
}

fn band_key(band: Band) -> &'static str {
    match band {
        Band::Asset => "band_asset",
        Band::NeedsImprovement => "band_needs_improvement",
        Band::LosingCustomers => "band_losing_customers",
    }
}

/// The thank-you page, with the score of a scored questionnaire and the reward (a coupon code
/// or a draw ticket) if the survey gives one.
pub(super) fn thank_you_page(
    survey: &Survey,
    score: Option<Score>,
    reward: Option<Reward>,
    volunteer: Option<serde_json::Value>,
) -> Reply {
    let t = i18n::catalog(survey.language());
    let reward = reward.map(|r| incentive::pages::reward_view(t, survey, &r));
    let text = if survey.thank_you().trim().is_empty() {
        t.get("thank_you_default").to_string()
    } else {
        survey.thank_you().to_string()
    };
    let score = score.map(|s| {
        let max = s.sections.len() * 5;
        context! {
            total: t.format("score_total", &[("total", &format!("{:.2}", s.total)), ("max", &max.to_string())]),
            band: t.get(band_key(s.band)),
            band_code: s.band.code(),
            sections: s.sections.iter().map(|section| t.format("section_average", &[("section", &section.title), ("average", &format!("{:.2}", section.average))])).collect::<Vec<_>>(),
        }
    });
    Reply::Page(Template::render(
        "respond_thanks",
        context! { lang: t.code(), t: t.strings(), title: t.get("thank_you_title"), text, score, reward, volunteer },
    ))
}

#[get("/s/<id>/thanks/<response>")]
async fn thanks(db: &State<Db>, id: &str, response: &str) -> Result<Reply> {
    let (id, response) = (id.to_string(), response.to_string());
    let found = db
        .run(move |conn| {
            let Some(row) = model::find_response(conn, &response)?.filter(|r| r.survey_id == id)
            else {
                return Ok(None);
            };
            let Some(survey) = editing::load(conn, &id)? else {
                return Ok(None);
            };
            let of = Of::Response(&row.id);
            let reward = reward::find(conn, survey.id(), &survey.incentive(), of)?;
            Ok(Some((survey, row, reward)))
        })
        .await?;
    let Some((survey, row, reward)) = found else {
        return Ok(not_found());
    };
    let score = row
        .score
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    Ok(thank_you_page(&survey, score, reward, None))
}
