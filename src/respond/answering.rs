//! What the open-link and personal-link pages share: the short message pages (not found,
//! closed, not yet open), rendering the survey form, and checking and storing a posted form.

use rocket::http::Status;
use rocket::response::Redirect;
use rocket_dyn_templates::{Template, context};
use serde_json::{Map, Value};

use super::checking::{self, Origin};
use super::form::AnswerForm;
use super::view::{self, PageState};
use super::writer::Writer;
use crate::db;
use crate::error::{Error, Result};
use crate::i18n::{self, Catalog};
use crate::invite::model::InvitationRow;
use crate::survey::model::{Availability, Survey};
use crate::web::Reply;

/// A page with a title and a sentence, in the survey's language.
pub fn message(t: &Catalog, status: Status, title_key: &str, body: String) -> Reply {
    let page = Template::render(
        "respond_message",
        context! { lang: t.code(), t: t.strings(), title: t.get(title_key), body },
    );
    Reply::Status((status, page))
}

pub fn not_found() -> Reply {
    let t = i18n::catalog("en");
    message(
        t,
        Status::NotFound,
        "not_found_title",
        t.get("not_found_body").to_string(),
    )
}

/// The page for a survey that does not take answers now, if it does not.
pub fn unavailable(survey: &Survey) -> Option<Reply> {
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

pub fn render(survey: &Survey, state: PageState<'_>, status: Status) -> Reply {
    Reply::Status((
        status,
        Template::render("respond", view::survey_page(survey, state)),
    ))
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
pub async fn submit(
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
