//! What the open-link and personal-link pages share: the short message pages (not found,
//! closed, not yet open), rendering the survey form, and checking and storing a posted form.

use rocket::http::Status;
use rocket::response::Redirect;
use rocket_dyn_templates::{Template, context};
use serde_json::{Map, Value};

use super::checking::{self, Origin};
use super::form::AnswerForm;
use super::page_layout::page_of_problems;
use super::view::{self, PageState};
use super::writer::Writer;
use crate::db;
use crate::error::{Error, Result};
use crate::i18n::{self, Catalog};
use crate::invite::model::InvitationRow;
use crate::survey::model::{Availability, Survey};
use crate::web::{Reply, RetryLater};

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
    page: usize,
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
        page,
    };
    render(survey, state, Status::Forbidden)
}

/// Why a posted form is shown again with `Retry-After` instead of being stored.
#[derive(Debug, Clone, Copy)]
pub enum Later {
    /// Too many submissions from the sender's address (429) for this long.
    TooMany(std::time::Duration),
    /// The database cannot take writes just now (503).
    Unavailable,
}

/// The form again with everything that was typed and the same submission key, so sending it
/// again stores it once; 429 or 503 with `Retry-After`, and a notice that nothing was saved.
pub fn again_later(
    survey: &Survey,
    form: &AnswerForm,
    csrf: String,
    action: String,
    submission: String,
    can_save: bool,
    why: Later,
) -> Reply {
    let t = i18n::catalog(survey.language());
    let (status, secs, notice) = match why {
        Later::TooMany(wait) => {
            let secs = wait.as_secs().max(1);
            let notice = t.plural(
                "too_many_submissions",
                secs,
                &[("seconds", &secs.to_string())],
            );
            (Status::TooManyRequests, secs, notice)
        }
        Later::Unavailable => (
            Status::ServiceUnavailable,
            crate::error::UNAVAILABLE_RETRY_SECS,
            t.get("save_failed").to_string(),
        ),
    };
    let given = form.answers(survey.questions());
    let state = PageState {
        answers: &given,
        problems: &[],
        action,
        csrf,
        submission,
        can_save,
        notice: Some(notice),
        preview: false,
        page: form.page().unwrap_or(0),
    };
    Reply::Later(RetryLater {
        status,
        page: Template::render("respond", view::survey_page(survey, state)),
        retry_after_secs: secs,
    })
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
    let page = form.page().unwrap_or(0);
    if form.refused {
        let can_save = invitation.is_some();
        return Ok(expired(survey, &given, csrf, action, can_save, page));
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
            // A problem left on an earlier page (a hidden answer that no longer passes) is
            // shown on its own page, beside its question.
            page: page_of_problems(survey.questions(), problems, page),
        };
        render(survey, state, Status::UnprocessableEntity)
    };
    if !checked.problems.is_empty() {
        return Ok(again(&checked.problems, key, None));
    }
    let origin = Origin {
        channel,
        submission_key: key.clone(),
        invitation_id: invitation.map(|i| i.id.as_str()),
        contact_id: invitation.and_then(|i| i.contact_id.as_deref()),
    };
    let submission = checking::submission(survey, &checked.answers, origin)?;
    let t = i18n::catalog(survey.language());
    match writer.submit(submission).await {
        Ok(stored) => Ok(Reply::Redirect(Redirect::to(match invitation {
            // The personal link's own thank-you page: its cookie shows the reward there.
            Some(invitation) => format!("/r/i/{}/thanks/{}", invitation.id, stored.response_id()),
            None => format!("/s/{}/thanks/{}", survey.id(), stored.response_id()),
        }))),
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
        Err(error) if error.status() == Status::ServiceUnavailable => {
            crate::db::outage::failed(&format_args!(
                "an answer to survey {}: {}",
                survey.id(),
                error.chain()
            ));
            Ok(again_later(
                survey,
                form,
                csrf,
                action,
                key,
                invitation.is_some(),
                Later::Unavailable,
            ))
        }
        Err(other) => Err(other),
    }
}
