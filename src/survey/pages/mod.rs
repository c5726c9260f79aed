//! HTML pages with which designers build surveys: the list, creating one (blank or from a
//! built-in template), the survey page with every lint hint beside the question it concerns,
//! editing, reordering and deleting questions, publishing and closing, and the respondent preview.
//!
//! Every change goes through the same functions as the JSON API (`editing`), so validation, the
//! freeze on published questions and the lint check before publishing hold here too. Analysts
//! read the same pages without their forms.

mod edit;
mod forms;
mod list;
mod preview;
mod question_form;
mod questions;
mod reward;
mod reward_view;
mod view;

use rocket::form::FromForm;
use rocket::routes;

use crate::auth::Role;
use crate::auth::model::User;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        list::list_page,
        list::create_survey,
        list::create_from_template,
        edit::survey_page,
        edit::save_details,
        reward::save_reward,
        reward::reward_page,
        questions::add_question,
        questions::edit_question,
        questions::move_question,
        questions::delete_question,
        edit::publish_survey,
        edit::close_survey,
        edit::delete_survey,
        preview::preview_page,
        preview::preview_check,
    ]
}

/// A stored time for people to read, e.g. `2026-11-22 10:00 UTC` (the `datetime` attribute
/// beside it carries the exact RFC 3339 form).
fn when(at: chrono::NaiveDateTime) -> String {
    crate::web::to_the_minute(at)
}

/// Whether `user` may change this survey: its owner or an admin (as `editing::editable_by`).
fn can_edit(user: &User, owner_id: &str) -> bool {
    user.role() == Role::Admin || user.id == owner_id
}

/// A form with nothing but its CSRF token (publish, close).
#[derive(FromForm)]
struct CsrfOnly {
    csrf: String,
}

#[cfg(test)]
mod tests {
    use crate::error::Error;

    /// An error as a designer reads it beside a question form, in English.
    fn describe(error: &Error, own: Option<usize>) -> String {
        crate::i18n::staff::staff_catalog("en").explain_in(error, own)
    }

    #[test]
    fn field_paths_are_described_in_words() {
        let e = Error::invalid("questions[2].options[3]", "“Credit card” is listed twice");
        assert_eq!(
            describe(&e, Some(2)),
            "Options: “Credit card” is listed twice."
        );
        assert_eq!(
            describe(&e, Some(0)),
            "Question 3 options: “Credit card” is listed twice."
        );
        let e = Error::invalid("questions[2].options[1]", "must be on one line");
        assert_eq!(
            describe(&e, Some(2)),
            "Options, item 2: must be on one line."
        );
        let e = Error::invalid("thank_you", "must be at most 5000 characters");
        assert_eq!(
            describe(&e, None),
            "Thank you: must be at most 5000 characters."
        );
        let e = Error::invalid("questions[0].scale", "needs 0 ≤ min < max");
        assert_eq!(describe(&e, Some(0)), "Scale: needs 0 ≤ min < max.");
    }

    #[test]
    fn the_pages_own_refusals_are_catalogue_keys() {
        let e = Error::invalid("confirm", "editor.error.confirm_publish");
        assert_eq!(
            describe(&e, None),
            "Confirm: tick the box to confirm that the questions are final: once the survey is \
             published they cannot be changed."
        );
        let dutch = crate::i18n::staff::staff_catalog("nl").explain_in(&e, None);
        assert!(dutch.contains("vink het vakje aan"), "{dutch}");
    }

    #[test]
    fn lint_hints_are_told_in_the_members_language() {
        use crate::survey::lint;
        use crate::survey::{Kind, Question, SurveyContent};
        // Every kind of hint the survey's own lint gives: no open question, no intro, an
        // empty and a repeated option, a leading and a double-barrelled prompt.
        let question = Question {
            id: "q1".into(),
            kind: Kind::SingleChoice {
                options: vec!["Red".into(), "red".into(), " ".into()],
                other: false,
            },
            prompt: "How excellent is our price and delivery?".into(),
            help: None,
            required: false,
            section: None,
            page_break: false,
            page_title: None,
        };
        let content = SurveyContent {
            title: "Colours".into(),
            intro: String::new(),
            thank_you: String::new(),
            language: "en".into(),
            anonymous: false,
            questions: vec![question],
        };
        let report = lint::lint(&content);
        let (en, nl) = (
            crate::i18n::staff::staff_catalog("en"),
            crate::i18n::staff::staff_catalog("nl"),
        );
        assert!(!report.hints.is_empty());
        // The estimated time is not a hint on the page (its header says it).
        for hint in report.hints.iter().filter(|h| h.code != "estimated_time") {
            // English is the survey table's own text, word for word.
            assert_eq!(super::view::hint_message(en, hint), hint.message);
            assert_ne!(
                super::view::hint_message(nl, hint),
                hint.message,
                "{hint:?}"
            );
        }
    }
}

crate::csrf_protected!(CsrfOnly);
