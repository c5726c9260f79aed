//! The respondent preview (the respondent page itself, drafts included, with its submit buttons
//! hidden) and a read-only list of a survey's latest responses.

use std::collections::HashMap;

use rocket::{State, get, post};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::Value;

use super::edit::load;
use crate::auth::Staff;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::respond::form::AnswerForm;
use crate::respond::{self, model};
use crate::survey::score::Score;
use crate::survey::{Kind, Question};
use crate::web::csrf::CsrfToken;
use crate::web::{Reply, rfc3339};

#[get("/surveys/<id>/preview")]
pub(super) async fn preview_page(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
) -> Result<Template> {
    let (survey, _) = load(db, &staff.user, &id?).await?;
    Ok(respond::preview::page(&survey, csrf.0, None).0)
}

/// The preview's answers checked as a respondent's would be, shown again with any problems
/// beside their questions; nothing is stored.
#[post("/surveys/<id>/preview", data = "<form>")]
pub(super) async fn preview_check(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: AnswerForm,
) -> Result<Reply> {
    // Staff get the plain refusal: the preview stores nothing, so nothing typed is at stake.
    if form.refused {
        return Err(Error::Forbidden(
            "This form has expired or did not come from this browser. Reload the page.".into(),
        ));
    }
    let (survey, _) = load(db, &staff.user, &id?).await?;
    let (page, status) = respond::preview::page(&survey, csrf.0, Some(&form));
    Ok(Reply::Status((status, page)))
}

/// How many of the latest responses the list shows.
const LATEST: i64 = 50;

#[derive(Serialize)]
struct AnswerView {
    prompt: String,
    lines: Vec<String>,
}

#[derive(Serialize)]
struct ResponseView {
    id: String,
    submitted_at: String,
    submitted_label: String,
    channel: String,
    score: Option<String>,
    answers: Vec<AnswerView>,
}

/// An answer value as plain lines of text.
fn answer_lines(question: Option<&Question>, value: &Value) -> Vec<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "don't know".to_string(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => {
            let joined = items.iter().map(scalar).collect::<Vec<_>>().join(", ");
            match question.map(|q| &q.kind) {
                Some(Kind::Ranking { .. }) => vec![format!("In this order: {joined}")],
                _ => vec![joined],
            }
        }
        Value::Object(grid) => grid
            .iter()
            .map(|(brand, row)| {
                let cells = match row {
                    Value::Object(cells) => cells
                        .iter()
                        .map(|(attribute, score)| format!("{attribute}={}", scalar(score)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => scalar(other),
                };
                format!("{brand}: {cells}")
            })
            .collect(),
        other => vec![scalar(other)],
    }
}

fn score_text(stored: Option<&str>) -> Option<String> {
    let score: Score = serde_json::from_str(stored?).ok()?;
    Some(format!(
        "{:.2} ({})",
        score.total,
        score.band.code().replace('_', " ")
    ))
}

#[get("/surveys/<id>/responses")]
pub(super) async fn responses_page(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
) -> Result<Template> {
    let (survey, total) = load(db, &staff.user, &id?).await?;
    let survey_id = survey.id().to_string();
    let (rows, answers) = db
        .run(move |conn| {
            let rows = model::latest(conn, &survey_id, LATEST)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let answers = model::answers_of(conn, &ids)?;
            Ok((rows, answers))
        })
        .await?;
    let mut by_response: HashMap<String, HashMap<String, String>> = HashMap::new();
    for (response, question, value) in answers {
        by_response
            .entry(response)
            .or_default()
            .insert(question, value);
    }
    let responses: Vec<ResponseView> = rows
        .into_iter()
        .map(|row| {
            let given = by_response.remove(&row.id).unwrap_or_default();
            // In the survey's order; an answer to a question no longer in it (none should
            // be, questions are frozen once published) is still shown, under its id.
            let mut answers: Vec<AnswerView> = survey
                .questions()
                .iter()
                .filter_map(|q| {
                    let value = model::parse_json(given.get(&q.id)?).ok()?;
                    Some(AnswerView {
                        prompt: q.prompt.clone(),
                        lines: answer_lines(Some(q), &value),
                    })
                })
                .collect();
            let mut orphans: Vec<(&String, &String)> = given
                .iter()
                .filter(|(qid, _)| !survey.questions().iter().any(|q| &q.id == *qid))
                .collect();
            orphans.sort();
            for (qid, text) in orphans {
                let value = model::parse_json(text).unwrap_or(Value::String(text.clone()));
                answers.push(AnswerView {
                    prompt: format!("Question {qid}"),
                    lines: answer_lines(None, &value),
                });
            }
            ResponseView {
                submitted_at: rfc3339(row.submitted_at),
                submitted_label: super::when(row.submitted_at),
                channel: row.channel,
                score: score_text(row.score.as_deref()),
                answers,
                id: row.id,
            }
        })
        .collect();
    Ok(Template::render(
        "survey_responses",
        context! {
            title: format!("Responses · {}", survey.title()),
            me: staff.me(),
            csrf: csrf.0,
            survey: context! { id: survey.id(), title: survey.title() },
            total,
            shown: responses.len(),
            responses,
        },
    ))
}
