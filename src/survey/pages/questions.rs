//! Adding, editing, moving and deleting questions. Each change loads the survey, builds the
//! whole new question list and saves it with `editing::change`, exactly what an API client does
//! with `PATCH`, so the same validation and the same freeze on published surveys apply.

use rocket::form::FromForm;
use rocket::{State, post};

use super::edit::Ctx;
use super::view::{Attempt, QuestionForm};
use crate::auth::model::User;
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::{Db, DbConn};
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing::{self, SurveyInput};
use crate::survey::{Question, QuestionInput, Scale};
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};

/// The lines of a textarea that say something, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

fn scale_of(form: &QuestionForm, base: Option<Scale>) -> Result<Scale> {
    let number = |field: &str, text: &str, current: i64| {
        let text = text.trim();
        if text.is_empty() {
            Ok(current)
        } else {
            text.parse::<i64>()
                .map_err(|_| Error::invalid(field, "editor.error.whole_number"))
        }
    };
    let mut scale = base.unwrap_or_default();
    scale.min = number("scale_min", &form.scale_min, scale.min)?;
    scale.max = number("scale_max", &form.scale_max, scale.max)?;
    let label = |text: &str| Some(text.trim().to_string()).filter(|l| !l.is_empty());
    scale.min_label = label(&form.scale_min_label);
    scale.max_label = label(&form.scale_max_label);
    Ok(scale)
}

/// The question as the API would take it, from the form (and the stored question it edits).
fn input_of(form: &QuestionForm, existing: Option<&Question>) -> Result<QuestionInput> {
    let kind = form.kind.trim();
    let mut input = match existing {
        // What the form does not show (an "other" field, a choice limit, scale labels, a
        // section) is kept while the kind stays; a new kind starts from a clean slate, since
        // the old kind's settings would be refused as not belonging to it.
        Some(q) if q.kind.name() == kind => QuestionInput::from(q),
        Some(q) => QuestionInput {
            id: Some(q.id.clone()),
            section: q.section.clone(),
            ..QuestionInput::default()
        },
        None => QuestionInput::default(),
    };
    input.kind = Some(kind.to_string()).filter(|k| !k.is_empty());
    input.prompt = Some(form.prompt.clone());
    input.help = Some(form.help.trim().to_string()).filter(|h| !h.is_empty());
    input.required = Some(form.required);
    // A title is only typed to head a page, so it starts one without the box ticked as well.
    let page_title = form.page_title.trim();
    input.page_break = Some(form.page_break || !page_title.is_empty()).filter(|b| *b);
    input.page_title = Some(page_title.to_string()).filter(|t| !t.is_empty());
    match kind {
        "single_choice" | "multi_choice" | "ranking" => input.options = Some(lines(&form.options)),
        "rating" => input.scale = Some(scale_of(form, input.scale.take())?),
        "competitor" => {
            input.brands = Some(lines(&form.options));
            input.attributes = Some(lines(&form.attributes));
            input.scale = Some(scale_of(form, input.scale.take())?);
        }
        _ => {}
    }
    Ok(input)
}

fn position(questions: &[Question], id: &str) -> Result<usize> {
    questions
        .iter()
        .position(|q| q.id == id)
        .ok_or_else(|| Error::conflict("question_gone", "editor.error.question_gone"))
}

/// A new question list made from the stored one.
type Edit = Box<dyn FnOnce(&[Question]) -> Result<(Vec<QuestionInput>, Option<usize>)> + Send>;

/// Applies `edit` to the survey's questions and saves the list. The outer result is for a
/// survey the user may not change (404); the inner one is the change's own outcome, with the
/// index of the question the form was about, to place a validation message.
async fn change_questions(
    db: &Db,
    user: &User,
    id: &str,
    edit: Edit,
) -> Result<(Option<usize>, Result<()>)> {
    let (user, id) = (user.clone(), id.to_string());
    db.run(move |conn: &mut DbConn| {
        let survey = editing::editable_by(conn, &user, &id)?;
        let (list, own) = match edit(survey.questions()) {
            Ok(made) => made,
            Err(error) => return Ok((None, Err(error))),
        };
        let input = SurveyInput {
            questions: Some(list),
            ..SurveyInput::default()
        };
        Ok((own, editing::change(conn, &user, &id, input).map(|_| ())))
    })
    .await
}

fn inputs(questions: &[Question]) -> Vec<QuestionInput> {
    questions.iter().map(QuestionInput::from).collect()
}

#[post("/surveys/<id>/questions", data = "<form>")]
pub(super) async fn add_question(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<QuestionForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let typed = form.0;
    let sent = typed.clone();
    let edit: Edit = Box::new(move |questions| {
        let mut list = inputs(questions);
        list.push(input_of(&sent, None)?);
        Ok((list, Some(questions.len())))
    });
    let (own, result) = change_questions(db, &ctx.user, &ctx.id, edit).await?;
    let t = ctx.t;
    ctx.finish(result, "editor.question_added", |e| {
        Attempt::Add(typed, t.explain_in(e, own))
    })
    .await
}

#[post("/surveys/<id>/questions/edit", data = "<form>")]
pub(super) async fn edit_question(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<QuestionForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let typed = form.0;
    let sent = typed.clone();
    let edit: Edit = Box::new(move |questions| {
        let index = position(questions, &sent.question)?;
        let mut list = inputs(questions);
        let changed = input_of(&sent, questions.get(index))?;
        if let Some(slot) = list.get_mut(index) {
            *slot = changed;
        }
        Ok((list, Some(index)))
    });
    let (own, result) = change_questions(db, &ctx.user, &ctx.id, edit).await?;
    let t = ctx.t;
    ctx.finish(result, "editor.question_saved", |e| {
        Attempt::Edit(typed, t.explain_in(e, own))
    })
    .await
}

#[derive(FromForm)]
pub(super) struct MoveForm {
    csrf: String,
    #[field(default = String::new())]
    question: String,
    /// `up`, `down`, or `to` with the place in `to` (1 is first).
    #[field(default = String::new())]
    direction: String,
    #[field(default = String::new())]
    to: String,
}

#[post("/surveys/<id>/questions/move", data = "<form>")]
pub(super) async fn move_question(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<MoveForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let MoveForm {
        question,
        direction,
        to,
        ..
    } = form.0;
    let edit: Edit = Box::new(move |questions| {
        let index = position(questions, &question)?;
        let mut list = inputs(questions);
        let target = match direction.as_str() {
            "up" => index.saturating_sub(1),
            "down" => (index + 1).min(list.len() - 1),
            "to" => match to.trim().parse::<usize>() {
                Ok(place) if (1..=list.len()).contains(&place) => place - 1,
                _ => {
                    return Err(Error::invalid(
                        "to",
                        format!("must be a place from 1 to {}", list.len()),
                    ));
                }
            },
            _ => return Err(Error::invalid("direction", "editor.error.direction")),
        };
        let moved = list.remove(index);
        list.insert(target, moved);
        Ok((list, None))
    });
    let (_, result) = change_questions(db, &ctx.user, &ctx.id, edit).await?;
    let t = ctx.t;
    ctx.finish(result, "editor.question_moved", |e| {
        Attempt::Conflict(t.explain_in(e, None), false)
    })
    .await
}

#[derive(FromForm)]
pub(super) struct PickForm {
    csrf: String,
    #[field(default = String::new())]
    question: String,
}

#[post("/surveys/<id>/questions/delete", data = "<form>")]
pub(super) async fn delete_question(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<PickForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let question = form.0.question;
    let edit: Edit = Box::new(move |questions| {
        let index = position(questions, &question)?;
        let mut list = inputs(questions);
        list.remove(index);
        Ok((list, None))
    });
    let (_, result) = change_questions(db, &ctx.user, &ctx.id, edit).await?;
    let t = ctx.t;
    ctx.finish(result, "editor.question_deleted", |e| {
        Attempt::Conflict(t.explain_in(e, None), false)
    })
    .await
}

crate::csrf_protected!(MoveForm, PickForm);
