//! What a respondent page shows, prepared for the template: each question of the page with its
//! inputs in their current state (typed answers kept after an error, or a saved draft), the
//! error beside it in the survey's language, and the page's strings.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::carry::Field;
use super::form::{DONT_KNOW, OTHER};
use super::page_layout::{Nav, layout, section_headings};
use crate::i18n::Catalog;
use crate::survey::model::Survey;
use crate::survey::question::AnswerProblem;
use crate::survey::question::{Kind, Question, Scale};

#[derive(Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub dom_id: String,
}

#[derive(Serialize)]
pub struct RankRow {
    pub label: String,
    pub field: String,
    pub dom_id: String,
    pub places: Vec<Choice>,
}

#[derive(Serialize)]
pub struct GridCell {
    pub attribute: String,
    pub field: String,
    pub dom_id: String,
    pub points: Vec<Choice>,
}

#[derive(Serialize)]
pub struct GridBrand {
    pub brand: String,
    pub cells: Vec<GridCell>,
}

#[derive(Serialize, Default)]
pub struct QuestionView {
    pub id: String,
    pub number: usize,
    /// The section this question opens, shown as a heading above it.
    pub heading: Option<String>,
    pub prompt: String,
    pub help: Option<String>,
    pub required: bool,
    pub error: Option<String>,
    pub field: String,
    pub dom_id: String,
    pub kind: &'static str,
    pub is_text: bool,
    pub is_long_text: bool,
    pub is_single: bool,
    pub is_multi: bool,
    pub is_scale: bool,
    pub is_ranking: bool,
    pub is_competitor: bool,
    pub text: String,
    pub max_length: Option<u32>,
    pub choices: Vec<Choice>,
    pub other: Option<Choice>,
    pub other_text: String,
    pub hint: Option<String>,
    pub min_label: Option<String>,
    pub max_label: Option<String>,
    pub ranks: Vec<RankRow>,
    pub grid: Vec<GridBrand>,
}

fn choice(
    value: impl Into<String>,
    label: impl Into<String>,
    checked: bool,
    dom_id: String,
) -> Choice {
    Choice {
        value: value.into(),
        label: label.into(),
        checked,
        dom_id,
    }
}

fn points(scale: &Scale, selected: Option<i64>, dom_prefix: &str) -> Vec<Choice> {
    (scale.min..=scale.max)
        .map(|n| {
            choice(
                n.to_string(),
                n.to_string(),
                selected == Some(n),
                format!("{dom_prefix}-{n}"),
            )
        })
        .collect()
}

/// Prepares one question: `value` is the answer to show (typed or saved), `problem` the error.
pub fn question(
    number: usize,
    q: &Question,
    value: Option<&Value>,
    problem: Option<AnswerProblem>,
    t: &Catalog,
) -> QuestionView {
    let dom_id = format!("q-{}", q.id);
    let field = format!("q.{}", q.id);
    let mut view = QuestionView {
        id: q.id.clone(),
        number,
        prompt: q.prompt.clone(),
        help: q.help.clone(),
        required: q.required,
        error: problem.map(|p| match (p, &q.kind) {
            (
                AnswerProblem::TooManyChoices,
                Kind::MultiChoice {
                    max_choices: Some(max),
                    ..
                },
            ) => t.format(p.key(), &[("max", &max.to_string())]),
            _ => t.get(p.key()).to_string(),
        }),
        field: field.clone(),
        dom_id: dom_id.clone(),
        kind: q.kind.name(),
        ..QuestionView::default()
    };
    let text = value.and_then(Value::as_str).unwrap_or("").to_string();
    match &q.kind {
        Kind::Text { max_length } => {
            view.is_text = true;
            view.text = text;
            view.max_length = *max_length;
        }
        Kind::LongText { max_length } => {
            view.is_long_text = true;
            view.text = text;
            view.max_length = *max_length;
        }
        Kind::SingleChoice { options, other } => {
            view.is_single = true;
            let is_listed = options.contains(&text);
            view.choices = options
                .iter()
                .enumerate()
                .map(|(i, o)| choice(o.clone(), o.clone(), *o == text, format!("{dom_id}-{i}")))
                .collect();
            if *other {
                let chose_other = !text.is_empty() && !is_listed;
                view.other = Some(choice(
                    OTHER,
                    t.get("other_specify"),
                    chose_other,
                    format!("{dom_id}-other"),
                ));
                view.other_text = if chose_other { text } else { String::new() };
            }
        }
        Kind::MultiChoice {
            options,
            max_choices,
        } => {
            view.is_multi = true;
            let chosen: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            view.choices = options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    choice(
                        o.clone(),
                        o.clone(),
                        chosen.contains(&o.as_str()),
                        format!("{dom_id}-{i}"),
                    )
                })
                .collect();
            view.hint =
                max_choices.map(|max| t.format("choose_up_to", &[("max", &max.to_string())]));
        }
        Kind::Rating { scale } => {
            view.is_scale = true;
            view.choices = points(scale, value.and_then(Value::as_i64), &dom_id);
            view.min_label = scale.min_label.clone();
            view.max_label = scale.max_label.clone();
        }
        Kind::Nps => {
            view.is_scale = true;
            view.choices = points(
                &Scale {
                    min: 0,
                    max: 10,
                    min_label: None,
                    max_label: None,
                },
                value.and_then(Value::as_i64),
                &dom_id,
            );
            view.min_label = Some(t.get("nps_low").to_string());
            view.max_label = Some(t.get("nps_high").to_string());
        }
        Kind::Ranking { options } => {
            view.is_ranking = true;
            view.hint = Some(t.get("rank_instructions").to_string());
            let order: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            view.ranks = options
                .iter()
                .enumerate()
                .map(|(i, option)| {
                    let place = order.iter().position(|o| o == option).map(|p| p + 1);
                    RankRow {
                        label: option.clone(),
                        field: format!("{field}.{i}"),
                        dom_id: format!("{dom_id}-{i}"),
                        places: (1..=options.len())
                            .map(|p| {
                                choice(
                                    p.to_string(),
                                    p.to_string(),
                                    place == Some(p),
                                    String::new(),
                                )
                            })
                            .collect(),
                    }
                })
                .collect();
        }
        Kind::Competitor {
            brands,
            attributes,
            scale,
        } => {
            view.is_competitor = true;
            view.min_label = scale.min_label.clone();
            view.max_label = scale.max_label.clone();
            let grid = value.and_then(Value::as_object);
            view.grid = brands
                .iter()
                .enumerate()
                .map(|(b, brand)| GridBrand {
                    brand: brand.clone(),
                    cells: attributes
                        .iter()
                        .enumerate()
                        .map(|(a, attribute)| {
                            let cell = grid
                                .and_then(|g| g.get(brand))
                                .and_then(|row| row.get(attribute));
                            let prefix = format!("{dom_id}-{b}-{a}");
                            let mut points = points(scale, cell.and_then(Value::as_i64), &prefix);
                            let dont_know = cell.is_some_and(Value::is_null);
                            points.push(choice(
                                DONT_KNOW,
                                t.get("dont_know"),
                                dont_know,
                                format!("{prefix}-dk"),
                            ));
                            GridCell {
                                attribute: attribute.clone(),
                                field: format!("{field}.{b}.{a}"),
                                dom_id: prefix,
                                points,
                            }
                        })
                        .collect(),
                })
                .collect();
        }
    }
    view
}

/// The page of a survey: its questions (all, or one page's) with `answers` shown and `problems`
/// marked, and on a paged survey the other pages' answers in hidden fields.
#[derive(Serialize)]
pub struct SurveyPage {
    pub lang: &'static str,
    pub title: String,
    pub intro: String,
    /// The reward for completing, as a sentence ("Everyone who answers gets a coupon: …").
    pub incentive: Option<String>,
    pub questions: Vec<QuestionView>,
    pub t: &'static BTreeMap<String, String>,
    pub errors_summary: Option<String>,
    pub progress: String,
    pub questions_count: String,
    pub action: String,
    pub csrf: String,
    pub submission: String,
    pub can_save: bool,
    pub notice: Option<String>,
    pub preview: bool,
    /// Where a paged survey's page stands; none on a survey of one page.
    pub paged: Option<Nav>,
    /// The intro and the length are said once, on the first page.
    pub first_page: bool,
    pub carried: Vec<Field>,
}

pub struct PageState<'a> {
    pub answers: &'a Map<String, Value>,
    pub problems: &'a [(String, AnswerProblem)],
    pub action: String,
    pub csrf: String,
    pub submission: String,
    pub can_save: bool,
    pub notice: Option<String>,
    pub preview: bool,
    /// The page to show (0-based); any number on a survey of one page.
    pub page: usize,
}

pub fn survey_page(survey: &Survey, state: PageState<'_>) -> SurveyPage {
    let t = crate::i18n::catalog(survey.language());
    let all = survey.questions();
    let shown = layout(all, state.page, state.answers, t);
    let title = shown.nav.as_ref().and_then(|n| n.title.as_deref());
    let headings = section_headings(all, shown.questions.clone(), title);
    let questions: Vec<QuestionView> = shown
        .questions
        .clone()
        .zip(headings)
        .filter_map(|(i, heading)| Some((i, all.get(i)?, heading)))
        .map(|(i, q, heading)| {
            let problem = state
                .problems
                .iter()
                .find(|(id, _)| *id == q.id)
                .map(|(_, p)| *p);
            let mut view = question(i + 1, q, state.answers.get(&q.id), problem, t);
            view.heading = heading.map(str::to_string);
            view
        })
        .collect();
    // Problems on other pages are shown when their page is.
    let problems_here = questions.iter().filter(|q| q.error.is_some()).count();
    let total = all.len();
    let answered = all
        .iter()
        .filter(|q| {
            state
                .answers
                .get(&q.id)
                .is_some_and(|v| !crate::survey::question::is_blank(v))
        })
        .count();
    let minutes = crate::survey::lint::estimated_seconds(all)
        .div_ceil(60)
        .max(1);
    SurveyPage {
        lang: t.code(),
        title: survey.title().to_string(),
        intro: survey.intro().to_string(),
        incentive: survey.incentive().email_line(t),
        errors_summary: (problems_here > 0).then(|| {
            t.plural(
                "errors_summary",
                problems_here as u64,
                &[("count", &problems_here.to_string())],
            )
        }),
        progress: t.plural(
            "progress",
            total as u64,
            &[
                ("answered", &answered.to_string()),
                ("total", &total.to_string()),
            ],
        ),
        questions_count: t.plural(
            "questions_count",
            total as u64,
            &[
                ("total", &total.to_string()),
                ("minutes", &minutes.to_string()),
            ],
        ),
        questions,
        t: t.strings(),
        action: state.action,
        csrf: state.csrf,
        submission: state.submission,
        can_save: state.can_save,
        notice: state.notice,
        preview: state.preview,
        first_page: shown.nav.as_ref().is_none_or(|n| n.is_first),
        paged: shown.nav,
        carried: shown.carried,
    }
}
