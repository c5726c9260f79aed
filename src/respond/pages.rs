//! Respondent pages: the open link `/s/<survey>` and its submission (through the batching
//! writer), the thank-you page, and the polite pages for surveys that are closed, not open yet,
//! unknown or already answered. The personal link `/r/<token>` lives in [`super::personal`] and
//! shares these pieces.

use std::sync::Arc;

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde_json::{Map, Value};

use super::checking::{self, Origin};
use super::form::AnswerForm;
use super::i18n::{self, Catalog};
use super::model::{self, InvitationRow};
use super::published::Published;
use super::view::{self, PageState};
use super::writer::Writer;
use crate::auth::csrf::CsrfToken;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::survey::editing;
use crate::survey::model::{Availability, Survey, SurveyStatus};
use crate::survey::score::{Band, Score};
use crate::web::Reply;

pub fn routes() -> Vec<rocket::Route> {
    let mut routes = routes![open_link, open_link_submit, thanks];
    routes.extend(super::personal::routes());
    routes
}

/// A page with a title and a sentence, in the survey's language.
pub(super) fn message(t: &Catalog, status: Status, title_key: &str, body: String) -> Reply {
    let page = Template::render(
        "respond_message",
        context! { lang: t.code(), t: t.strings(), title: t.get(title_key), body },
    );
    Reply::Status((status, page))
}

pub(super) fn not_found() -> Reply {
    let t = i18n::catalog("en");
    message(
        t,
        Status::NotFound,
        "not_found_title",
        t.get("not_found_body").to_string(),
    )
}

/// The page for a survey that does not take answers now, if it does not.
pub(super) fn unavailable(survey: &Survey) -> Option<Reply> {
    let t = i18n::catalog(survey.language());
    match survey.availability(db::now()) {
        Availability::Open => None,
        Availability::NotYetOpen(opens) => {
            let when = opens.format("%Y-%m-%d %H:%M UTC").to_string();
            Some(message(
                t,
                Status::Ok,
                "not_open_title",
                t.format("not_open_body", &[("opens_at", &when)]),
            ))
        }
        Availability::Closed => Some(message(
            t,
            Status::Ok,
            "closed_title",
            t.get("closed_body").to_string(),
        )),
        Availability::Draft => Some(not_found()),
    }
}

pub(super) fn render(survey: &Survey, state: PageState<'_>, status: Status) -> Reply {
    Reply::Status((
        status,
        Template::render("respond", view::survey_page(survey, state)),
    ))
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
    };
    Ok(render(&survey, state, Status::Ok))
}

/// The form again, with what was typed and a fresh token, when the token was refused (403):
/// nothing is stored.
fn expired(
    survey: &Survey,
    given: &Map<String, Value>,
    csrf: String,
    action: String,
    can_save: bool,
) -> Reply {
    let t = i18n::catalog(survey.language());
    let state = PageState {
        answers: given,
        problems: &[],
        action,
        csrf,
        submission: crate::ids::new_id(),
        can_save,
        notice: Some(t.get("form_expired").to_string()),
        preview: false,
    };
    render(survey, state, Status::Forbidden)
}

/// Checks and stores a posted form, or shows it again with the problems beside the questions.
pub(super) async fn submit(
    writer: &Writer,
    survey: &Survey,
    form: &AnswerForm,
    csrf: String,
    action: String,
    invitation: Option<&InvitationRow>,
    channel: &'static str,
) -> Result<Reply> {
    let given = form.answers(survey.questions());
    if form.refused {
        return Ok(expired(survey, &given, csrf, action, invitation.is_some()));
    }
    let checked = checking::check(survey, &given);
    let key = form
        .submission_key()
        .map_or_else(crate::ids::new_id, str::to_string);
    let again = |problems: &[(String, crate::survey::question::AnswerProblem)],
                 key: String,
                 notice: Option<String>| {
        let state = PageState {
            answers: &given,
            problems,
            action: action.clone(),
            csrf: csrf.clone(),
            submission: key,
            can_save: invitation.is_some(),
            notice,
            preview: false,
        };
        render(survey, state, Status::UnprocessableEntity)
    };
    if !checked.problems.is_empty() {
        return Ok(again(&checked.problems, key, None));
    }
    let origin = Origin {
        channel,
        submission_key: key,
        invitation_id: invitation.map(|i| i.id.as_str()),
        contact_id: invitation.and_then(|i| i.contact_id.as_deref()),
    };
    let submission = checking::submission(survey, &checked.answers, origin)?;
    let t = i18n::catalog(survey.language());
    match writer.submit(submission).await {
        Ok(stored) => Ok(Reply::Redirect(Redirect::to(format!(
            "/s/{}/thanks/{}",
            survey.id(),
            stored.response_id()
        )))),
        Err(Error::Invalid { field, .. }) if field == "submission" => Ok(again(
            &[],
            crate::ids::new_id(),
            Some(t.get("form_expired").to_string()),
        )),
        Err(Error::Conflict {
            code: "already_answered",
            ..
        }) => Ok(message(
            t,
            Status::Ok,
            "already_answered_title",
            t.get("already_answered_body").to_string(),
        )),
        Err(Error::Conflict {
            code: "survey_not_open",
            ..
        }) => Ok(message(
            t,
            Status::Ok,
            "closed_title",
            t.get("closed_body").to_string(),
        )),
        Err(other) => Err(other),
    }
}

#[post("/s/<id>", data = "<form>")]
async fn open_link_submit(
    db: &State<Db>,
    published: &State<Published>,
    writer: &State<Writer>,
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
    submit(writer, &survey, &form, csrf.0, action, None, "link").await
}

fn band_key(band: Band) -> &'static str {
    match band {
        Band::Asset => "band_asset",
        Band::NeedsImprovement => "band_needs_improvement",
        Band::LosingCustomers => "band_losing_customers",
    }
}

/// The thank-you page, with the score of a scored questionnaire.
fn thank_you_page(survey: &Survey, score: Option<Score>) -> Reply {
    let t = i18n::catalog(survey.language());
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
        context! { lang: t.code(), t: t.strings(), title: t.get("thank_you_title"), text, score },
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
            Ok(editing::load(conn, &id)?.map(|survey| (survey, row)))
        })
        .await?;
    let Some((survey, row)) = found else {
        return Ok(not_found());
    };
    let score = row
        .score
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    Ok(thank_you_page(&survey, score))
}
