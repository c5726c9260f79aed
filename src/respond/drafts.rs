//! A personal link's draft: saved when the respondent presses "save for later" and each time
//! they leave a page of a paged survey, with the page reached, so that opening the link again
//! resumes there. A draft holds answers as typed (unchecked); they are checked when sent.

use rocket::http::Status;
use rocket::response::Redirect;
use serde_json::{Map, Value};

use super::answering::{self, Later};
use super::form::AnswerForm;
use super::link_cookie::{home, home_saved};
use super::model;
use super::paging::{self, Shown, Turn};
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::invite::model::{self as invitations, InvitationRow, InvitationStatus};
use crate::survey::model::Survey;
use crate::web::Reply;

/// Stores `answers` as the invitation's draft, to resume at `page`, and marks it started.
async fn store(
    db: &Db,
    invitation_id: &str,
    answers: &Map<String, Value>,
    page: usize,
) -> Result<()> {
    let answers = serde_json::to_string(answers).map_err(Error::internal)?;
    let page = i32::try_from(page).unwrap_or(0);
    let id = invitation_id.to_string();
    db.run(move |conn| {
        db::write(conn, |conn| {
            model::save_draft(conn, &id, &answers, page, db::now())?;
            invitations::mark(conn, &id, InvitationStatus::Started, db::now())
        })
    })
    .await
}

/// The form again with a notice that nothing was saved (503), when the database cannot take
/// the draft just now; any other failure is the caller's error.
fn unsaved(
    error: Error,
    survey: &Survey,
    form: &AnswerForm,
    csrf: String,
    invitation: &InvitationRow,
) -> Result<Reply> {
    if error.status() != Status::ServiceUnavailable {
        return Err(error);
    }
    crate::db::outage::failed(&format_args!("saving a draft: {}", error.chain()));
    let key = form
        .submission_key()
        .map_or_else(crate::ids::new_id, str::to_string);
    let action = home(&invitation.id);
    Ok(answering::again_later(
        survey,
        form,
        csrf,
        action,
        key,
        true,
        Later::Unavailable,
    ))
}

/// "Save for later": the answers of every page, at the page shown; then the link's page with
/// the saved notice.
pub async fn save(
    db: &Db,
    csrf: String,
    invitation: &InvitationRow,
    survey: &Survey,
    form: &AnswerForm,
) -> Result<Reply> {
    let answers = form.answers(survey.questions());
    let page = form.page().unwrap_or(0);
    if let Err(error) = store(db, &invitation.id, &answers, page).await {
        return unsaved(error, survey, form, csrf, invitation);
    }
    Ok(Reply::Redirect(Redirect::to(home_saved(
        &invitation.id,
        true,
    ))))
}

/// A page turn on a personal link: the draft is saved at the page reached, then that page is
/// shown by the link's own address (so reloading it posts nothing again). A page with problems
/// is shown at once, beside its questions, what was typed saved as well.
pub async fn turn(
    db: &Db,
    csrf: String,
    invitation: &InvitationRow,
    survey: &Survey,
    form: &AnswerForm,
    turn: Turn,
) -> Result<Reply> {
    let shown = Shown {
        action: home(&invitation.id),
        csrf,
        can_save: true,
        preview: false,
    };
    if form.refused {
        return Ok(paging::refused(survey, form, &turn, shown));
    }
    if let Err(error) = store(db, &invitation.id, &turn.given, turn.to).await {
        return unsaved(error, survey, form, shown.csrf, invitation);
    }
    if turn.problems.is_empty() {
        return Ok(Reply::Redirect(Redirect::to(home(&invitation.id))));
    }
    Ok(paging::show(survey, form, &turn, shown))
}
