//! Recruiting for focus groups: on a survey that recruits (never an anonymous one), the
//! thank-you page of a personal link asks whether the respondent would take part, and a yes is
//! kept for the survey's designers. Open links are not asked: nobody there could be contacted.

use rocket::http::CookieJar;
use rocket::response::Redirect;
use rocket::{State, post};
use serde_json::{Value, json};

use super::link_cookie::home;
use super::link_pages::{LinkReply, reopen};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::Result;
use crate::invite::model::InvitationRow;
use crate::survey::model::Survey;
use crate::web::Reply;
use crate::web::csrf::CsrfForm;

/// The contact a completed personal link of a recruiting survey may volunteer as.
fn volunteer_of(invitation: &InvitationRow, survey: &Survey) -> Option<String> {
    (survey.recruits() && invitation.completed_at.is_some())
        .then(|| invitation.contact_id.clone())
        .flatten()
}

/// The question for the thank-you page (or the thanks once answered); none when not asked.
pub(super) async fn offer(
    db: &Db,
    invitation: &InvitationRow,
    survey: &Survey,
    csrf: &str,
) -> Result<Option<Value>> {
    let Some(contact) = volunteer_of(invitation, survey) else {
        return Ok(None);
    };
    let survey_id = survey.id().to_string();
    let done = db
        .run(move |conn| crate::focus::model::volunteered(conn, &survey_id, &contact))
        .await?;
    Ok(Some(json!({
        "done": done,
        "action": format!("{}/volunteer", home(&invitation.id)),
        "csrf": csrf,
    })))
}

#[derive(rocket::form::FromForm)]
pub(super) struct VolunteerForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[allow(dead_code)]
    csrf: String,
}

crate::csrf_protected!(VolunteerForm);

/// "Yes, I would take part": kept once, then the page says thank you.
#[post("/r/i/<id>/volunteer", data = "<_form>")]
pub(super) async fn volunteer(
    db: &State<Db>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    id: &str,
    _form: CsrfForm<VolunteerForm>,
) -> Result<LinkReply> {
    let Some((invitation, survey)) =
        super::link_lookup::by_cookie(db, settings, cookies, id).await?
    else {
        return Ok(reopen(rocket::http::Status::NotFound));
    };
    let Some(contact) = volunteer_of(&invitation, &survey) else {
        return Ok(reopen(rocket::http::Status::NotFound));
    };
    let survey_id = survey.id().to_string();
    db.run(move |conn| {
        db::write(conn, |conn| {
            crate::focus::model::volunteer(conn, &survey_id, &contact, db::now())
        })
    })
    .await?;
    Ok(Reply::Redirect(Redirect::to(home(&invitation.id))).into())
}
