//! The personal link of an invitation email, `/r/<token>`, and the token-free address the survey
//! is then answered at, `/r/i/<invitation id>`.
//!
//! Opening the link puts the token in an encrypted, HttpOnly cookie scoped to that one
//! invitation's path and redirects (303) to the token-free address, so the token is in exactly
//! one request line: not in the address bar, the history, a bookmark, a `Referer`, or the form's
//! action. `POST /r/<token>` keeps working as the API contract says. Unknown tokens all get one
//! identical 404 and are counted per client address ([`crate::web::limiter`]); a used token still
//! shows "already answered" and a closed survey its polite page, because only the person holding
//! a valid token can see those.

use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{State, get, post, routes};
use serde_json::{Map, Value};

use super::answering::{self, not_found, render, unavailable};
use super::drafts;
use super::form::AnswerForm;
use super::link_cookie::{home, home_saved, link_cookie};
use super::link_lookup::{Found, by_cookie, by_token};
use super::link_pages::{LinkReply, reopen, too_many};
use super::model;
use super::paging;
use super::view::PageState;
use super::writer::Writer;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::Result;
use crate::i18n;
use crate::incentive::reward::{self, Of, Reward};
use crate::invite::model::{self as invitations, InvitationRow, InvitationStatus};
use crate::survey::model::Survey;
use crate::web::Reply;
use crate::web::csrf::CsrfToken;
use crate::web::limiter::LinkLimiter;
use crate::web::peer::ClientAddr;

pub fn routes() -> Vec<rocket::Route> {
    routes![enter, page, answer_by_token, answer_by_cookie, thanks]
}

/// The invitation of a token from the URL, or the answer to give instead (counting the failure).
async fn check_token(
    db: &Db,
    limiter: &LinkLimiter,
    peer: ClientAddr,
    token: &str,
) -> Result<std::result::Result<(InvitationRow, Survey), LinkReply>> {
    if let Some(wait) = limiter.blocked(peer.0) {
        return Ok(Err(too_many(wait)));
    }
    match by_token(db, token).await? {
        Found::Ready(found) => Ok(Ok(*found)),
        Found::Gone => Ok(Err(not_found().into())),
        Found::Unknown => {
            limiter.failed(peer.0);
            Ok(Err(not_found().into()))
        }
    }
}

#[get("/r/<token>?<saved>")]
async fn enter(
    db: &State<Db>,
    settings: &State<Settings>,
    limiter: &State<LinkLimiter>,
    peer: ClientAddr,
    cookies: &CookieJar<'_>,
    token: &str,
    saved: Option<bool>,
) -> Result<LinkReply> {
    let invitation = match check_token(db, limiter, peer, token).await? {
        Ok((invitation, _)) => invitation,
        Err(reply) => return Ok(reply),
    };
    cookies.add_private(link_cookie(settings, &invitation.id, token));
    let to = home_saved(&invitation.id, saved.unwrap_or(false));
    Ok(Reply::Redirect(Redirect::to(to)).into())
}

/// "Already answered", with the reward again (the coupon code, the draw ticket).
async fn already_answered(
    db: &Db,
    invitation: &InvitationRow,
    survey: &Survey,
    csrf: &str,
) -> Result<Reply> {
    let t = i18n::catalog(survey.language());
    let volunteer = super::volunteer::offer(db, invitation, survey, csrf).await?;
    let reward = reward_of(db, invitation, survey).await?;
    let reward = reward.map(|r| crate::incentive::pages::reward_view(t, survey, &r));
    let page = rocket_dyn_templates::Template::render(
        "respond_thanks",
        rocket_dyn_templates::context! {
            lang: t.code(),
            t: t.strings(),
            title: t.get("already_answered_title"),
            text: t.get("already_answered_body"),
            reward,
            volunteer,
        },
    );
    Ok(Reply::Page(page))
}

/// The reward this invitation's completion earned, if any.
async fn reward_of(db: &Db, invitation: &InvitationRow, survey: &Survey) -> Result<Option<Reward>> {
    let (invitation_id, survey_id, incentive) = (
        invitation.id.clone(),
        survey.id().to_string(),
        survey.incentive(),
    );
    db.run(move |conn| reward::find(conn, &survey_id, &incentive, Of::Invitation(&invitation_id)))
        .await
}

/// The page to show instead of the form when a personal link cannot be answered now (already
/// answered, closed or not open yet).
async fn refusal(
    db: &Db,
    invitation: &InvitationRow,
    survey: &Survey,
    csrf: &str,
) -> Result<Option<Reply>> {
    if invitation.completed_at.is_some() {
        return Ok(Some(already_answered(db, invitation, survey, csrf).await?));
    }
    Ok(unavailable(survey))
}

/// The thank-you page after a personal link's submission: the score by the response, the
/// reward by the invitation (on an anonymous survey only the invitation knows it).
#[get("/r/i/<id>/thanks/<response>")]
async fn thanks(
    db: &State<Db>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    csrf: CsrfToken,
    id: &str,
    response: &str,
) -> Result<LinkReply> {
    let Some((invitation, survey)) = by_cookie(db, settings, cookies, id).await? else {
        return Ok(reopen(Status::NotFound));
    };
    let response = response.to_string();
    let row = db
        .run(move |conn| model::find_response(conn, &response))
        .await?
        .filter(|r| r.survey_id.as_str() == survey.id().as_str());
    let score = row
        .and_then(|r| r.score)
        .and_then(|s| serde_json::from_str(&s).ok());
    let reward = reward_of(db, &invitation, &survey).await?;
    let volunteer = super::volunteer::offer(db, &invitation, &survey, &csrf.0).await?;
    Ok(super::pages::thank_you_page(&survey, score, reward, volunteer).into())
}

#[allow(clippy::too_many_arguments)] // Rocket hands each guard to the handler separately.
#[get("/r/i/<id>?<saved>")]
async fn page(
    db: &State<Db>,
    settings: &State<Settings>,
    limiter: &State<LinkLimiter>,
    peer: ClientAddr,
    cookies: &CookieJar<'_>,
    csrf: CsrfToken,
    id: &str,
    saved: Option<bool>,
) -> Result<LinkReply> {
    if let Some(wait) = limiter.blocked(peer.0) {
        return Ok(too_many(wait));
    }
    let Some((invitation, survey)) = by_cookie(db, settings, cookies, id).await? else {
        return Ok(reopen(Status::NotFound));
    };
    if let Some(page) = refusal(db, &invitation, &survey, &csrf.0).await? {
        return Ok(page.into());
    }
    let action = home(&invitation.id);
    let draft = db
        .run(move |conn| {
            let id = &invitation.id;
            if invitation.opened_at.is_none() {
                db::write(conn, |conn| {
                    invitations::mark(conn, id, InvitationStatus::Opened, db::now())
                })?;
            }
            model::find_draft(conn, id)
        })
        .await?;
    let (answers, resume_at) = match draft {
        Some((answers, page)) => match serde_json::from_str::<Map<String, Value>>(&answers) {
            Ok(answers) => (answers, usize::try_from(page).unwrap_or(0)),
            Err(e) => {
                log::error!(
                    "an unreadable draft for survey {} was ignored: {e}",
                    survey.id()
                );
                (Map::new(), 0)
            }
        },
        None => (Map::new(), 0),
    };
    let t = i18n::catalog(survey.language());
    let state = PageState {
        answers: &answers,
        problems: &[],
        action,
        csrf: csrf.0,
        submission: crate::ids::new_id(),
        can_save: true,
        notice: saved
            .filter(|s| *s)
            .map(|_| t.get("saved_notice").to_string()),
        preview: false,
        // The page left last; one the survey no longer has shows its last page.
        page: resume_at,
    };
    Ok(render(&survey, state, Status::Ok).into())
}

/// A second send of the form that completed this invitation (a double click, a retry) gets
/// the same thank-you page as the first.
async fn replayed(
    db: &Db,
    invitation: &InvitationRow,
    survey: &Survey,
    form: &AnswerForm,
) -> Result<Option<Reply>> {
    let (Some(key), false) = (form.submission_key(), form.refused) else {
        return Ok(None);
    };
    let (key, survey_id) = (key.to_string(), survey.id().to_string());
    let earlier = db
        .run(move |conn| model::find_by_submission_key(conn, &key))
        .await?;
    Ok(earlier.filter(|r| r.survey_id == survey_id).map(|r| {
        Reply::Redirect(Redirect::to(format!(
            "/r/i/{}/thanks/{}",
            invitation.id, r.id
        )))
    }))
}

/// Saves or submits a posted form for an invitation; the page it shows again posts to the
/// token-free address.
async fn answer(
    db: &Db,
    writer: &Writer,
    csrf: CsrfToken,
    invitation: &InvitationRow,
    survey: &Survey,
    form: &AnswerForm,
) -> Result<Reply> {
    if let Some(page) = refusal(db, invitation, survey, &csrf.0).await? {
        return Ok(replayed(db, invitation, survey, form)
            .await?
            .unwrap_or(page));
    }
    if let Some(turn) = paging::turn(survey, form) {
        return drafts::turn(db, csrf.0, invitation, survey, form, turn).await;
    }
    if form.wants_save() && !form.refused {
        return drafts::save(db, csrf.0, invitation, survey, form).await;
    }
    answering::submit(
        writer,
        survey,
        form,
        csrf.0,
        home(&invitation.id),
        Some(invitation),
        "invitation",
    )
    .await
}

#[allow(clippy::too_many_arguments)] // Rocket hands each guard to the handler separately.
#[post("/r/<token>", data = "<form>")]
async fn answer_by_token(
    db: &State<Db>,
    settings: &State<Settings>,
    limiter: &State<LinkLimiter>,
    writer: &State<Writer>,
    peer: ClientAddr,
    cookies: &CookieJar<'_>,
    csrf: CsrfToken,
    token: &str,
    form: AnswerForm,
) -> Result<LinkReply> {
    let (invitation, survey) = match check_token(db, limiter, peer, token).await? {
        Ok(found) => found,
        Err(reply) => return Ok(reply),
    };
    // The page shown next (saved, or the form again with errors) is the token-free one.
    cookies.add_private(link_cookie(settings, &invitation.id, token));
    Ok(answer(db, writer, csrf, &invitation, &survey, &form)
        .await?
        .into())
}

#[allow(clippy::too_many_arguments)] // Rocket hands each guard to the handler separately.
#[post("/r/i/<id>", data = "<form>")]
async fn answer_by_cookie(
    db: &State<Db>,
    settings: &State<Settings>,
    limiter: &State<LinkLimiter>,
    writer: &State<Writer>,
    peer: ClientAddr,
    cookies: &CookieJar<'_>,
    csrf: CsrfToken,
    id: &str,
    form: AnswerForm,
) -> Result<LinkReply> {
    if let Some(wait) = limiter.blocked(peer.0) {
        return Ok(too_many(wait));
    }
    let Some((invitation, survey)) = by_cookie(db, settings, cookies, id).await? else {
        // A forged form is refused as such (403) even where there is nothing to forge.
        let status = if form.refused {
            Status::Forbidden
        } else {
            Status::NotFound
        };
        return Ok(reopen(status));
    };
    Ok(answer(db, writer, csrf, &invitation, &survey, &form)
        .await?
        .into())
}
