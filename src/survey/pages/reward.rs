//! The reward page of a survey's Distribute tab ([`RewardForm`]): none, generated coupon codes,
//! a pool of codes, or a prize draw, checked by the same rules as the API's `incentive`.

use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::{State, get, post};
use rocket_dyn_templates::{Template, context};

use super::describe;
use super::edit::Ctx;
use super::forms::RewardForm;
use super::view::{Attempt, text_lines};
use crate::auth::model::User;
use crate::auth::session::Me;
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::Result;
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing::{self, SurveyInput};
use crate::survey::incentive::{CouponMode, Incentive};
use crate::survey::model::Survey;
use crate::survey::workspace::{self, Tabs};
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
    ctx.finish(result, "The reward is saved.", |e| {
        Attempt::Reward(typed, describe(e, None))
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

/// What a survey's reward is, in words, for those who may not change it.
fn summary(incentive: &Incentive) -> String {
    match incentive {
        Incentive::None => "Respondents get no reward for completing.".into(),
        Incentive::Coupon { coupon } => match coupon.mode {
            CouponMode::Generate => format!("A coupon made for each respondent: {}.", coupon.value),
            CouponMode::Pool => format!("A coupon from a pool of codes: {}.", coupon.value),
        },
        Incentive::Lottery { lottery } => format!(
            "A prize draw for {} ({} to win).",
            lottery.prize,
            crate::web::counted(i64::from(lottery.winners), "winner", "winners")
        ),
    }
}

/// The reward page, blank or with a refused form and its reason.
pub(super) fn page(
    survey: &Survey,
    tabs: Tabs,
    user: &User,
    csrf: &str,
    notice: Option<String>,
    attempt: Attempt,
) -> Template {
    let incentive = survey.incentive();
    let (reward, reward_error, conflict) = match attempt {
        Attempt::Reward(typed, error) => (typed, Some(error), None),
        Attempt::Conflict(message, _) => (RewardForm::of(&incentive), None, Some(message)),
        _ => (RewardForm::of(&incentive), None, None),
    };
    Template::render(
        "survey_reward",
        context! {
            title: format!("Reward · {}", survey.title()),
            tabs,
            me: Me::of(user),
            csrf,
            notice,
            conflict,
            survey: context! { id: survey.id() },
            can_edit: workspace::can_distribute(user, survey),
            has_incentive: !matches!(incentive, Incentive::None),
            reward_summary: summary(&incentive),
            rules_lines: text_lines(&reward.rules),
            reward,
            reward_error,
        },
    )
}
