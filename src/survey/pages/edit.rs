//! The survey page and the changes to the survey as a whole: its texts, publishing, closing and
//! deleting a draft. A refusal shows the page again with its status (422 or 409), the message
//! beside the form and what was typed still in it.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{State, get, post};

use super::view::{self, Attempt, DetailsForm, PageInput};
use super::{CsrfOnly, can_edit};
use crate::auth::model::User;
use crate::auth::session::Me;
use crate::auth::{Designers, Policy, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::ids::{MalformedId, SurveyId};
use crate::respond::model::count_responses;
use crate::survey::editing::{self, SurveyInput};
use crate::survey::model::{Survey, SurveyStatus};
use crate::survey::workspace::{self, Page};
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};

/// A survey the user may see, with its number of responses.
pub(super) async fn load(db: &Db, user: &User, id: &str) -> Result<(Survey, i64)> {
    let (user, id) = (user.clone(), id.to_string());
    db.run(move |conn| {
        let survey = editing::visible_to(conn, &user, &id)?;
        let responses = count_responses(conn, survey.id())?;
        Ok((survey, responses))
    })
    .await
}

/// The hints other rooms have about a survey (its coupon pool, its prize draw).
async fn room_hints(db: &Db, survey: &Survey) -> Result<Vec<crate::survey::lint::Hint>> {
    let survey = survey.clone();
    db.run(move |conn| crate::survey::hooks::installed().hints(conn, &survey))
        .await
}

/// What a handler needs to show the survey page again.
pub(super) struct Ctx<'a> {
    db: &'a Db,
    settings: &'a Settings,
    pub user: User,
    me: Me,
    /// The member's language.
    pub t: &'static StaffCatalog,
    csrf: String,
    pub id: SurveyId,
    /// Which page a change comes from, shown again after a refusal and returned to after
    /// success.
    page: Page,
}

impl<'a> Ctx<'a> {
    pub(super) fn new<P: Policy>(
        db: &'a Db,
        settings: &'a Settings,
        staff: &Staff<P>,
        csrf: CsrfToken,
        id: SurveyId,
    ) -> Self {
        Ctx {
            db,
            settings,
            user: staff.user.clone(),
            me: staff.me(),
            t: staff.t(),
            csrf: csrf.0,
            id,
            page: Page::Build,
        }
    }

    /// The same, for a change made on the reward page.
    pub(super) fn on_reward_page(self) -> Self {
        Ctx {
            page: Page::Reward,
            ..self
        }
    }

    fn path(&self) -> String {
        match self.page {
            Page::Reward => format!("/surveys/{}/reward", self.id),
            _ => format!("/surveys/{}", self.id),
        }
    }

    pub(super) async fn page(
        &self,
        status: Status,
        notice: Option<String>,
        attempt: Attempt,
    ) -> Result<Reply> {
        let (survey, responses) = load(self.db, &self.user, &self.id).await?;
        let tabs = workspace::tabs(&survey, &self.user, self.page);
        if self.page == Page::Reward {
            let page = super::reward_view::page(
                &survey, tabs, &self.user, &self.me, self.t, &self.csrf, notice, attempt,
            );
            return Ok(Reply::Status((status, page)));
        }
        let room_hints = room_hints(self.db, &survey).await?;
        let input = PageInput {
            tabs,
            t: self.t,
            room_hints,
            me: self.me.clone(),
            can_edit: can_edit(&self.user, survey.owner_id()),
            csrf: self.csrf.clone(),
            responses,
            notice,
            attempt,
        };
        let page = view::survey_page(self.settings, &survey, input);
        Ok(Reply::Status((status, page)))
    }

    /// Back to the survey page with `notice` (a staff-catalogue key) after a change; the page
    /// again with the reason after a refusal the designer can act on (`refused` places an
    /// invalid value's message).
    pub(super) async fn finish(
        &self,
        result: Result<()>,
        notice: &str,
        refused: impl FnOnce(&Error) -> Attempt,
    ) -> Result<Reply> {
        match result {
            Ok(()) => Ok(Reply::Flash(Flash::success(
                Redirect::to(self.path()),
                self.t.get(notice).to_string(),
            ))),
            Err(
                error @ (Error::Invalid { .. }
                | Error::Conflict { .. }
                | Error::ConflictWith { .. }),
            ) => {
                let attempt = match &error {
                    Error::Invalid { .. } => refused(&error),
                    Error::ConflictWith { .. } => Attempt::Conflict(self.t.reason(&error), true),
                    _ => Attempt::Conflict(self.t.reason(&error), false),
                };
                self.page(error.status(), None, attempt).await
            }
            Err(other) => Err(other),
        }
    }
}

#[get("/surveys/<id>")]
pub(super) async fn survey_page(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Reply> {
    let notice = flash.map(|f| f.message().to_string());
    Ctx::new(db, settings, &staff, csrf, id?)
        .page(Status::Ok, notice, Attempt::None)
        .await
}

#[post("/surveys/<id>/details", data = "<form>")]
pub(super) async fn save_details(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<DetailsForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let typed = form.0;
    let sent = typed.clone();
    let (user, sid) = (ctx.user.clone(), ctx.id.clone());
    let result = db
        .run(move |conn| {
            let draft = editing::editable_by(conn, &user, &sid)?.status() == SurveyStatus::Draft;
            // Language and anonymity are frozen once published; the page offers them only for
            // drafts, so a published survey's form simply does not carry them.
            // Browsers send a textarea's line breaks as CRLF; stored text uses LF throughout.
            let input = SurveyInput {
                audience: super::forms::audience_of(sent.audience.as_deref())?,
                focus_group_opt_in: Some(sent.focus_group_opt_in),
                title: Some(sent.title),
                intro: Some(sent.intro.replace("\r\n", "\n")),
                thank_you: Some(sent.thank_you.replace("\r\n", "\n")),
                language: sent.language.filter(|_| draft),
                anonymous: draft.then_some(sent.anonymous),
                ..SurveyInput::default()
            };
            Ok(editing::change(conn, &user, &sid, input).map(|_| ()))
        })
        .await?;
    let t = ctx.t;
    ctx.finish(result, "editor.saved_texts", |e| {
        Attempt::Details(typed, t.explain_in(e, None))
    })
    .await
}

#[derive(FromForm)]
pub(super) struct PublishForm {
    csrf: String,
    /// Publishing a draft freezes its questions: its form asks for a tick first. Opening a
    /// closed survey again changes nothing of that, and needs none.
    #[field(default = false)]
    confirm: bool,
}

#[post("/surveys/<id>/publish", data = "<form>")]
pub(super) async fn publish_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<PublishForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let (user, sid) = (ctx.user.clone(), ctx.id.clone());
    let confirmed = form.0.confirm;
    let result = db
        .run(move |conn| {
            let draft = editing::editable_by(conn, &user, &sid)?.status() == SurveyStatus::Draft;
            if draft && !confirmed {
                return Ok(Err(Error::invalid(
                    "confirm",
                    "editor.error.confirm_publish",
                )));
            }
            Ok(editing::publish(conn, &user, &sid).map(|_| ()))
        })
        .await?;
    let t = ctx.t;
    ctx.finish(result, "editor.published", |e| {
        Attempt::Conflict(t.explain_in(e, None), false)
    })
    .await
}

#[post("/surveys/<id>/close", data = "<_form>")]
pub(super) async fn close_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    _form: CsrfForm<CsrfOnly>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let (user, sid) = (ctx.user.clone(), ctx.id.clone());
    let result = db
        .run(move |conn| editing::close(conn, &user, &sid).map(|_| ()))
        .await;
    let t = ctx.t;
    ctx.finish(result, "editor.closed", |e| {
        Attempt::Conflict(t.explain_in(e, None), false)
    })
    .await
}

#[derive(FromForm)]
pub(super) struct DeleteForm {
    csrf: String,
    confirm: bool,
}

#[post("/surveys/<id>/delete", data = "<form>")]
pub(super) async fn delete_survey(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<DeleteForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
    let (user, sid) = (ctx.user.clone(), ctx.id.clone());
    // Without JavaScript there is no confirmation dialog, so the form asks for a tick instead.
    let confirmed = form.0.confirm;
    let result = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user, &sid)?;
            if !confirmed {
                return Ok(Err(Error::invalid(
                    "confirm",
                    "editor.error.confirm_delete",
                )));
            }
            Ok(editing::delete(conn, &user, &sid).map(|()| survey.title().to_string()))
        })
        .await?;
    match result {
        Ok(title) => Ok(Reply::Flash(Flash::success(
            Redirect::to("/surveys"),
            ctx.t.format("editor.deleted", &[("title", &title)]),
        ))),
        Err(error) => {
            let t = ctx.t;
            ctx.finish(Err(error), "", |e| {
                Attempt::Conflict(t.explain_in(e, None), false)
            })
            .await
        }
    }
}

crate::csrf_protected!(DeleteForm, PublishForm);
