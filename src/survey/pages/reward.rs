//! The reward page of a survey's Distribute tab ([`RewardForm`]): none, generated coupon codes,
//! a pool of codes, or a prize draw, checked by the same rules as the API's `incentive`.

use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::{State, get, post};

use super::edit::Ctx;
use super::forms::RewardForm;
use super::view::Attempt;
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::Result;
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing::{self, SurveyInput};
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};

#[post("/surveys/<id>/reward", data = "<form>")]
pub(super) async fn save_reward(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<RewardForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?).on_reward_page();
    let typed = form.0;
    let (user, sid) = (ctx.user.clone(), ctx.id.clone());
    let result = match typed.input() {
        Ok(incentive) => {
            db.run(move |conn| {
                let input = SurveyInput {
                    incentive: Some(incentive),
                    ..SurveyInput::default()
                };
                Ok(editing::change(conn, &user, &sid, input).map(|_| ()))
            })
            .await?
        }
        Err(e) => Err(e),
    };
    let t = ctx.t;
    ctx.finish(result, "reward.saved", |e| {
        Attempt::Reward(typed, t.explain_in(e, None))
    })
    .await
}

#[get("/surveys/<id>/reward")]
pub(super) async fn reward_page(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Reply> {
    let notice = flash.map(|f| f.message().to_string());
    Ctx::new(db, settings, &staff, csrf, id?)
        .on_reward_page()
        .page(Status::Ok, notice, Attempt::None)
        .await
}
