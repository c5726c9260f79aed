//! The coding page of one open question (`/surveys/<id>/coding/<question>`): one answer at a
//! time, in the order they came in, with its tags and the tags to suggest (the question's most
//! used words, and the tags already used on it and elsewhere). Saving moves on to the next
//! answer, so an analyst codes with the keyboard alone: type, Enter, next. No JavaScript.

use std::collections::BTreeSet;

use rocket::form::FromForm;
use rocket::response::Redirect;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};

use crate::auth::{Readers, Staff};
use crate::db::{Db, DbConn};
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::insight::{self, Target};
use crate::respond::model as responses;
use crate::survey::editing;
use crate::survey::model::Survey;
use crate::survey::workspace;
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::{Reply, paging};

pub fn routes() -> Vec<rocket::Route> {
    routes![coding_page, save_coding]
}

/// Responses read per step while looking for the next answer to the question.
const STEP: i64 = 200;
/// Suggestions shown at most.
const SUGGESTIONS: usize = 12;

/// The open question `question` of a survey the user may read.
fn open_question(
    conn: &mut DbConn,
    staff: &Staff<Readers>,
    id: &str,
    question: &str,
) -> Result<(Survey, String)> {
    let survey = editing::visible_to(conn, &staff.user, id)?;
    let prompt = survey
        .questions()
        .iter()
        .find(|q| q.id == question && q.kind.is_open())
        .map(|q| q.prompt.clone())
        .ok_or(Error::NotFound)?;
    Ok((survey, prompt))
}

/// The next answer to `question` after the cursor: (response, its cursor, the text).
fn next_answer(
    conn: &mut DbConn,
    survey_id: &str,
    question: &str,
    mut after: Option<(chrono::NaiveDateTime, String)>,
) -> Result<Option<(responses::ResponseRow, String)>> {
    loop {
        let page = responses::page(conn, survey_id, after.clone(), STEP)?;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        after = Some((last.submitted_at, last.id.clone()));
        let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
        let answers = responses::answers_to_questions(
            conn,
            &ids,
            std::slice::from_ref(&question.to_string()),
        )?;
        for response in page {
            let text = answers
                .iter()
                .find(|(rid, _, _)| *rid == response.id)
                .and_then(|(_, _, value)| serde_json::from_str::<String>(value).ok())
                .filter(|text| !text.trim().is_empty());
            if let Some(text) = text {
                return Ok(Some((response, text)));
            }
        }
        if (ids.len() as i64) < STEP {
            return Ok(None);
        }
    }
}

/// The tags to suggest: the question's tags by use, then the question's most used words, then
/// every other tag, without the ones the answer has.
fn suggestions(
    conn: &mut DbConn,
    survey: &Survey,
    question: &str,
    has: &[String],
) -> Result<Vec<String>> {
    let mut seen: BTreeSet<String> = has.iter().map(|t| t.to_lowercase()).collect();
    let mut out = Vec::new();
    let mut offer = |name: String, out: &mut Vec<String>| {
        if out.len() < SUGGESTIONS && seen.insert(name.to_lowercase()) {
            out.push(name);
        }
    };
    for (name, _) in insight::model::counts_for_question(conn, survey.id(), question)? {
        offer(name, &mut out);
    }
    for term in super::report::kept_terms(conn, survey.id(), question)? {
        offer(term, &mut out);
    }
    for (tag, _) in insight::model::tags_with_uses(conn)? {
        offer(tag.name, &mut out);
    }
    Ok(out)
}

#[get("/surveys/<id>/coding/<question>?<after>")]
async fn coding_page(
    db: &State<Db>,
    staff: Staff<Readers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    question: &str,
    after: Option<String>,
) -> Result<Template> {
    let (id, question) = (id?, question.to_string());
    let cursor = paging::decode(after.as_deref())?;
    let started = cursor.is_some();
    let me = staff.me();
    let title = staff.t().get("coding.title");
    let user = staff.user.clone();
    let view = db
        .run(move |conn| {
            let (survey, prompt) = open_question(conn, &staff, &id, &question)?;
            let coded = insight::model::counts_for_question(conn, survey.id(), &question)?;
            let tagged = insight::model::answers_tagged(conn, survey.id(), &question)?;
            let answer = match next_answer(conn, survey.id(), &question, cursor)? {
                Some((response, text)) => {
                    let target = Target::Answer {
                        response_id: response.id.clone(),
                        question_id: question.clone(),
                    };
                    let tags = insight::tags_of(conn, &target)?;
                    let suggested = suggestions(conn, &survey, &question, &tags)?;
                    Some(context! {
                        response: response.id.clone(),
                        cursor: paging::encode(response.submitted_at, &response.id),
                        skip: format!(
                            "/surveys/{}/coding/{}?after={}",
                            survey.id(),
                            rocket::http::RawStr::new(&question).percent_encode(),
                            paging::encode(response.submitted_at, &response.id)
                        ),
                        received: crate::web::to_the_minute(response.submitted_at),
                        text,
                        tags: tags.join(", "),
                        suggested,
                    })
                }
                None => None,
            };
            Ok::<_, Error>(context! {
                tabs: workspace::tabs(&survey, &user, workspace::Page::Coding),
                survey: context! { id: survey.id().to_string(), title: survey.title().to_string() },
                question: context! { id: question.clone(), prompt },
                answer,
                coded,
                tagged,
                started,
            })
        })
        .await?;
    Ok(Template::render(
        "coding",
        context! { title, me, csrf: csrf.0, view },
    ))
}

#[derive(FromForm)]
struct CodingForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    response: String,
    #[field(default = String::new())]
    cursor: String,
    #[field(default = String::new())]
    tags: String,
    /// A suggestion picked: added to the typed tags.
    #[field(default = String::new())]
    add: String,
}

crate::csrf_protected!(CodingForm);

#[post("/surveys/<id>/coding/<question>", data = "<form>")]
async fn save_coding(
    db: &State<Db>,
    staff: Staff<Readers>,
    id: Result<SurveyId, MalformedId>,
    question: &str,
    form: CsrfForm<CodingForm>,
) -> Result<Reply> {
    let (id, question, form) = (id?, question.to_string(), form.0);
    // The cursor goes back into the next page's address: only one this app made.
    paging::decode(Some(form.cursor.as_str()).filter(|c| !c.is_empty()))?;
    let mut names: Vec<String> = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    if !form.add.trim().is_empty() {
        names.push(form.add.trim().to_string());
    }
    let names = insight::check_names("tags", &names)?;
    let (sid, q) = (id.clone(), question.clone());
    db.run(move |conn| {
        let (survey, _) = open_question(conn, &staff, &sid, &q)?;
        let target = Target::Answer {
            response_id: form.response.clone(),
            question_id: q.clone(),
        };
        crate::db::write(conn, |conn| {
            if responses::find_response(conn, &form.response)?
                .is_none_or(|r| r.survey_id != survey.id().as_str())
            {
                return Err(Error::invalid(
                    "response",
                    "is not an answer of this survey",
                ));
            }
            insight::set_tags(conn, &target, &names)
        })
    })
    .await?;
    let next = if form.cursor.is_empty() {
        String::new()
    } else {
        format!("?after={}", form.cursor)
    };
    Ok(Reply::Redirect(Redirect::to(format!(
        "/surveys/{id}/coding/{}{next}",
        rocket::http::RawStr::new(&question).percent_encode()
    ))))
}
