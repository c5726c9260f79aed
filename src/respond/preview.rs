//! The respondent preview for staff: the respondent page itself, drafts included, with its
//! submit buttons hidden but its pages turning; posted answers are checked as a respondent's
//! would be and shown again with their problems, never stored.

use rocket::http::Status;
use rocket_dyn_templates::Template;
use serde_json::Map;

use super::checking;
use super::form::AnswerForm;
use super::page_layout::page_of_problems;
use super::paging::{self, Shown};
use super::view::{self, PageState};
use crate::survey::model::Survey;
use crate::survey::workspace::Tabs;

/// The preview page of `survey`, blank or with the answers of a posted preview form checked,
/// and the status to answer it with (422 while a posted answer has a problem). The staff tab
/// bar is drawn in `staff_lang`, the member's language.
pub fn page(
    survey: &Survey,
    tabs: Tabs,
    staff_lang: &'static str,
    csrf: String,
    posted: Option<&AnswerForm>,
) -> (Template, Status) {
    let action = format!("/surveys/{}/preview", survey.id());
    if let Some((form, turn)) = posted.and_then(|f| Some((f, paging::turn(survey, f)?))) {
        let shown = Shown {
            action,
            csrf,
            can_save: false,
            preview: true,
        };
        return paging::turned_page(survey, form, &turn, shown);
    }
    let given = match posted {
        Some(form) => form.answers(survey.questions()),
        None => Map::new(),
    };
    let problems = match posted {
        Some(_) => checking::check(survey, &given).problems,
        None => Vec::new(),
    };
    let status = if problems.is_empty() {
        Status::Ok
    } else {
        Status::UnprocessableEntity
    };
    let state = PageState {
        answers: &given,
        problems: &problems,
        // Without a submit button a browser can still send the form (Enter in a lone text
        // field); it comes back here and is checked, never stored.
        action,
        csrf,
        submission: crate::ids::new_id(),
        can_save: false,
        notice: None,
        preview: true,
        page: page_of_problems(
            survey.questions(),
            &problems,
            posted.and_then(AnswerForm::page).unwrap_or(0),
        ),
    };
    // The staff tab bar goes with the respondent page, so the preview leads back to the rest
    // of the survey's workspace.
    let mut context = serde_json::to_value(view::survey_page(survey, state)).unwrap_or_default();
    if let (Some(map), Ok(tabs)) = (context.as_object_mut(), serde_json::to_value(tabs)) {
        map.insert("tabs".into(), tabs);
        map.insert("staff_lang".into(), staff_lang.into());
    }
    (Template::render("respond", context), status)
}
