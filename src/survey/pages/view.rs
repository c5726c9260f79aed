//! What the survey page shows, prepared for its template: the survey's state, the lint hints
//! (survey-wide at the top, each question's beside it), every question with its edit form, and
//! the form that was refused, if one was, with what the designer typed and what is wrong.

use rocket_dyn_templates::{Template, context};
use serde::Serialize;

pub(super) use super::forms::{DetailsForm, QuestionForm, languages};
use crate::auth::session::Me;
use crate::config::Settings;
use crate::i18n::staff::StaffCatalog;
use crate::survey::audience::Audience;
use crate::survey::lint::{self, Hint, Severity};
use crate::survey::model::{Survey, SurveyStatus};
use crate::survey::workspace::Tabs;
use crate::survey::{Kind, Question};

use super::forms::text_lines;
use super::question_form::{FormView, form_view, kind_label};

/// A form the server refused, shown again with what was typed and why.
pub(super) enum Attempt {
    None,
    Details(DetailsForm, String),
    /// Only on the reward page.
    Reward(super::forms::RewardForm, String),
    Add(QuestionForm, String),
    Edit(QuestionForm, String),
    /// A refusal about the survey's state, shown at the top; `true` when the lint errors that
    /// block publishing are the reason, so they are listed with it.
    Conflict(String, bool),
}

#[derive(Serialize)]
struct HintView {
    severity: Severity,
    /// The staff-catalogue key of how much it matters ("Must fix").
    label: &'static str,
    message: String,
    /// The number of the question it concerns, for the list of blocking problems.
    number: Option<usize>,
}

/// Placeholders of lint messages that hold a count, shown as the member's language writes
/// numbers.
const COUNTS: [&str; 6] = [
    "n",
    "ratings",
    "open",
    "minutes",
    "remaining",
    "invitations",
];

/// A hint's message in the member's language: `lint.<key>` filled with its values, a list
/// named by `lint.list.<field>`. A hint the catalogue does not know keeps its own message.
pub(super) fn hint_message(t: &StaffCatalog, hint: &Hint) -> String {
    let key = format!("lint.{}", hint.key);
    if t.get(&key) == key {
        return hint.message.clone();
    }
    let values: Vec<(&str, String)> = hint
        .args
        .iter()
        .map(|(name, value)| {
            let shown = match *name {
                "list" => t.get(&format!("lint.list.{value}")).to_string(),
                name if COUNTS.contains(&name) => value
                    .parse::<i64>()
                    .map_or_else(|_| value.clone(), |n| t.number(n)),
                _ => value.clone(),
            };
            (*name, shown)
        })
        .collect();
    let values: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    t.format(&key, &values)
}

fn hint_view(t: &StaffCatalog, hint: &Hint, number: Option<usize>) -> HintView {
    HintView {
        severity: hint.severity,
        label: match hint.severity {
            Severity::Error => "lint.severity.error",
            Severity::Warning => "lint.severity.warning",
            Severity::Info => "lint.severity.info",
        },
        message: hint_message(t, hint),
        number,
    }
}

#[derive(Serialize)]
struct QuestionView {
    id: String,
    number: usize,
    prompt: String,
    help: Option<String>,
    required: bool,
    /// The staff-catalogue key of the kind's name.
    kind: &'static str,
    scale: Option<String>,
    options: Vec<String>,
    brands: Vec<String>,
    attributes: Vec<String>,
    notes: Vec<String>,
    /// Where a new page starts for respondents: "New page", with its title if it has one.
    page_start: Option<String>,
    hints: Vec<HintView>,
    hints_label: String,
    first: bool,
    last: bool,
    /// The places it can be moved to (1 to the number of questions).
    places: Vec<usize>,
    form: FormView,
}

fn scale_text(
    t: &StaffCatalog,
    min: i64,
    max: i64,
    min_label: Option<&str>,
    max_label: Option<&str>,
) -> String {
    let end = |point: i64, label: Option<&str>| match label {
        Some(label) => t.format(
            "editor.scale_end",
            &[("point", &point.to_string()), ("label", label)],
        ),
        None => point.to_string(),
    };
    t.format(
        "editor.scale",
        &[("min", &end(min, min_label)), ("max", &end(max, max_label))],
    )
}

fn question_view(
    t: &StaffCatalog,
    survey_id: &str,
    index: usize,
    count: usize,
    q: &Question,
    hints: Vec<HintView>,
) -> QuestionView {
    let mut view = QuestionView {
        id: q.id.clone(),
        number: index + 1,
        prompt: q.prompt.clone(),
        help: q.help.clone(),
        required: q.required,
        kind: kind_label(q.kind.name()),
        scale: None,
        options: q.kind.options().to_vec(),
        brands: Vec::new(),
        attributes: Vec::new(),
        notes: Vec::new(),
        hints_label: t.counted("editor.hints", hints.len() as i64),
        page_start: q.page_break.then(|| match &q.page_title {
            Some(title) => t.format("editor.new_page_titled", &[("title", title)]),
            None => t.get("editor.new_page").to_string(),
        }),
        hints,
        first: index == 0,
        last: index + 1 == count,
        places: (1..=count).collect(),
        form: form_view(
            format!("edit-{index}"),
            format!("/surveys/{survey_id}/questions/edit"),
            "editor.form.save",
            QuestionForm::of(q),
        ),
    };
    if let Some(section) = &q.section {
        view.notes
            .push(t.format("editor.section", &[("section", section)]));
    }
    match &q.kind {
        Kind::Text { max_length } | Kind::LongText { max_length } => {
            if let Some(max) = max_length {
                let what = t.counted("editor.characters", i64::from(*max));
                view.notes
                    .push(t.format("editor.at_most", &[("what", &what)]));
            }
        }
        Kind::SingleChoice { other: true, .. } => {
            view.notes
                .push(t.get("editor.offers_other_field").to_string());
        }
        Kind::MultiChoice {
            max_choices: Some(max),
            ..
        } => {
            let what = t.counted("editor.choices", i64::from(*max));
            view.notes
                .push(t.format("editor.at_most", &[("what", &what)]));
        }
        Kind::Rating { scale } => {
            view.scale = Some(scale_text(
                t,
                scale.min,
                scale.max,
                scale.min_label.as_deref(),
                scale.max_label.as_deref(),
            ));
        }
        Kind::Nps => view.scale = Some(scale_text(t, 0, 10, None, None)),
        Kind::Competitor {
            brands,
            attributes,
            scale,
        } => {
            view.brands = brands.clone();
            view.attributes = attributes.clone();
            view.scale = Some(scale_text(
                t,
                scale.min,
                scale.max,
                scale.min_label.as_deref(),
                scale.max_label.as_deref(),
            ));
        }
        _ => {}
    }
    view
}

/// Everything the survey page needs besides the survey: who looks, the token for its forms, a
/// notice from the previous action and a form the server refused.
pub(super) struct PageInput {
    pub tabs: Tabs,
    /// The member's language.
    pub t: &'static StaffCatalog,
    /// Hints from other rooms (a coupon pool, a prize draw), shown with the survey's own.
    pub room_hints: Vec<lint::Hint>,
    pub me: Me,
    pub can_edit: bool,
    pub csrf: String,
    pub responses: i64,
    pub notice: Option<String>,
    pub attempt: Attempt,
}

pub(super) fn survey_page(settings: &Settings, survey: &Survey, input: PageInput) -> Template {
    let t = input.t;
    let mut report = lint::lint(&survey.content());
    report.hints.extend(input.room_hints.iter().cloned());
    let number_of = |id: &str| survey.questions().iter().position(|q| q.id == id);
    let count = survey.questions().len();
    let mut questions: Vec<QuestionView> = survey
        .questions()
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let hints = report
                .hints
                .iter()
                .filter(|h| h.question_id.as_deref() == Some(q.id.as_str()))
                .map(|h| hint_view(t, h, Some(i + 1)))
                .collect();
            question_view(t, survey.id(), i, count, q, hints)
        })
        .collect();
    // The estimated time is shown in the header; a hint about a question that is not there
    // (none should be) stays visible at the top rather than vanishing.
    let survey_hints: Vec<HintView> = report
        .hints
        .iter()
        .filter(|h| h.code != "estimated_time")
        .filter(|h| h.question_id.as_deref().and_then(number_of).is_none())
        .map(|h| hint_view(t, h, None))
        .collect();
    let blocking: Vec<HintView> = report
        .hints
        .iter()
        .filter(|h| h.severity == Severity::Error)
        .map(|h| {
            hint_view(
                t,
                h,
                h.question_id.as_deref().and_then(number_of).map(|i| i + 1),
            )
        })
        .collect();

    let is_draft = survey.status() == SurveyStatus::Draft;
    let mut details = DetailsForm {
        title: survey.title().to_string(),
        intro: survey.intro().to_string(),
        thank_you: survey.thank_you().to_string(),
        language: Some(survey.language().to_string()),
        anonymous: survey.anonymous(),
        audience: Some(survey.audience().as_str().to_string()),
        focus_group_opt_in: survey.view_opt_in(),
        ..Default::default()
    };
    let mut details_error = None;
    let mut add = form_view(
        "add".into(),
        format!("/surveys/{}/questions", survey.id()),
        "editor.form.add",
        QuestionForm::blank(),
    );
    let mut conflict = None;
    let mut show_blocking = false;
    match input.attempt {
        Attempt::None | Attempt::Reward(..) => {}
        Attempt::Details(typed, error) => {
            details = DetailsForm {
                language: typed.language.or(details.language),
                ..typed
            };
            details_error = Some(error);
        }
        Attempt::Add(typed, error) => {
            add = form_view(add.prefix, add.action, add.button, typed);
            add.error = Some(error);
        }
        Attempt::Edit(typed, error) => {
            match questions.iter_mut().find(|q| q.id == typed.question) {
                Some(q) => {
                    let form = &mut q.form;
                    *form = form_view(form.prefix.clone(), form.action.clone(), form.button, typed);
                    form.error = Some(error);
                    form.open = true;
                }
                None => conflict = Some(error),
            }
        }
        Attempt::Conflict(message, blocked) => {
            conflict = Some(message);
            show_blocking = blocked;
        }
    }
    let minutes = report.estimated_seconds.div_ceil(60).max(1);
    let languages = languages(details.language.as_deref().unwrap_or("en"));
    let audiences = super::forms::audiences(
        t,
        details
            .audience
            .as_deref()
            .and_then(Audience::parse)
            .unwrap_or_default(),
    );
    Template::render(
        "survey_page",
        context! {
            title: survey.title(),
            tabs: input.tabs,
            me: input.me,
            csrf: input.csrf,
            notice: input.notice,
            conflict,
            blocking: if show_blocking { blocking } else { Vec::new() },
            survey: context! {
                id: survey.id(),
                title: survey.title(),
                intro: survey.intro(),
                thank_you: survey.thank_you(),
                language_name: crate::i18n::catalog(survey.language()).get("language_name"),
                anonymous: survey.anonymous(),
                audience: t.get(super::forms::audience_key(survey.audience())),
                open_link: survey.view(settings).open_link,
                responses_label: t.counted("progress.responses", input.responses),
                questions_label: t.counted("surveys.questions", count as i64),
                minutes,
            },
            can_edit: input.can_edit,
            edit_questions: input.can_edit && is_draft,
            is_draft,
            is_open: survey.status() == SurveyStatus::Open,
            is_closed: survey.status() == SurveyStatus::Closed,
            survey_hints,
            question_count: count,
            questions,
            add,
            intro_lines: text_lines(&details.intro),
            thank_you_lines: text_lines(&details.thank_you),
            details,
            details_error,
            languages,
            audiences,
        },
    )
}
