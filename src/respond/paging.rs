//! Turning the pages of a long survey with plain form posts: "Next" checks the answers of the
//! page being left and stays on it while one has a problem; "Back" keeps what was typed without
//! checking it. Every page's form carries the answers of the others, so the last page sends them
//! all through the same checking and writer as a one-page survey. Saving a personal link's
//! draft on each turn is the personal link's business ([`super::personal`]).

use rocket::http::Status;
use rocket_dyn_templates::Template;
use serde_json::{Map, Value};

use super::answering::render;
use super::checking;
use super::form::AnswerForm;
use super::view::{self, PageState};
use crate::i18n;
use crate::survey::model::Survey;
use crate::survey::paging;
use crate::survey::question::AnswerProblem;
use crate::web::Reply;

/// A move between pages that a posted form asks for.
#[derive(Debug)]
pub struct Turn {
    /// The page the form was shown as (0-based).
    pub from: usize,
    /// The page to show next: the one asked for, or `from` while it has problems.
    pub to: usize,
    pub problems: Vec<(String, AnswerProblem)>,
    /// The answers of every page, as posted (typed text kept, unchecked).
    pub given: Map<String, Value>,
}

/// The page turn `form` asks for, or None when it is no turn: a survey of one page, a form
/// without a page (a client posting every answer at once), "save for later", or the last
/// page's submit (also when Enter sends it without a button).
pub fn turn(survey: &Survey, form: &AnswerForm) -> Option<Turn> {
    let pages = paging::pages(survey.questions());
    let last = pages.len().checked_sub(1).filter(|last| *last > 0)?;
    let from = form.page()?.min(last);
    let forward = match form.action() {
        Some("back") => false,
        Some("next") => true,
        Some("submit" | "save") => return None,
        _ if from == last => return None,
        // Enter in a text field on an earlier page: the first button there is "Next".
        _ => true,
    };
    let given = form.answers(survey.questions());
    if !forward {
        return Some(Turn {
            from,
            to: from.saturating_sub(1),
            problems: Vec::new(),
            given,
        });
    }
    let here = pages.get(from).map_or(0..0, |p| p.questions.clone());
    let ids: Vec<&str> = survey
        .questions()
        .get(here)
        .unwrap_or_default()
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    let problems: Vec<_> = checking::check(survey, &given)
        .problems
        .into_iter()
        .filter(|(id, _)| ids.contains(&id.as_str()))
        .collect();
    let to = if problems.is_empty() { from + 1 } else { from };
    Some(Turn {
        from,
        to,
        problems,
        given,
    })
}

/// Where and how a turned page is shown.
pub struct Shown {
    pub action: String,
    pub csrf: String,
    pub can_save: bool,
    pub preview: bool,
}

/// The page a turn leads to, with the problems of the page left (422) or none (200). The
/// submission key stays the one the first page was given, so the last page's send is stored
/// once however often it is sent.
pub fn show(survey: &Survey, form: &AnswerForm, turn: &Turn, shown: Shown) -> Reply {
    let (page, status) = turned_page(survey, form, turn, shown);
    Reply::Status((status, page))
}

/// The page a turn leads to, and its status, as [`show`] answers it.
pub fn turned_page(
    survey: &Survey,
    form: &AnswerForm,
    turn: &Turn,
    shown: Shown,
) -> (Template, Status) {
    let status = if turn.problems.is_empty() {
        Status::Ok
    } else {
        Status::UnprocessableEntity
    };
    let state = PageState {
        answers: &turn.given,
        problems: &turn.problems,
        action: shown.action,
        csrf: shown.csrf,
        submission: form
            .submission_key()
            .map_or_else(crate::ids::new_id, str::to_string),
        can_save: shown.can_save,
        notice: None,
        preview: shown.preview,
        page: turn.to,
    };
    (
        Template::render("respond", view::survey_page(survey, state)),
        status,
    )
}

/// A turn whose form's token was refused: the same page again with what was typed, a fresh
/// token and a notice (403); nothing is stored and no page is turned.
pub fn refused(survey: &Survey, form: &AnswerForm, turn: &Turn, shown: Shown) -> Reply {
    let t = i18n::catalog(survey.language());
    let state = PageState {
        answers: &turn.given,
        problems: &[],
        action: shown.action,
        csrf: shown.csrf,
        submission: form
            .submission_key()
            .map_or_else(crate::ids::new_id, str::to_string),
        can_save: shown.can_save,
        notice: Some(t.get("form_expired").to_string()),
        preview: shown.preview,
        page: turn.from,
    };
    render(survey, state, Status::Forbidden)
}
