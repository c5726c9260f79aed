//! The reward page as drawn: the form with the survey's incentive (or what was typed and why it
//! was refused), or the reward in words for those who may not change it.

use rocket_dyn_templates::{Template, context};

use super::forms::RewardForm;
use super::forms::text_lines;
use super::view::Attempt;
use crate::auth::model::User;
use crate::auth::session::Me;
use crate::i18n::staff::StaffCatalog;
use crate::survey::incentive::{CouponMode, Incentive};
use crate::survey::model::Survey;
use crate::survey::workspace::{self, Tabs};

/// What a survey's reward is, in words, for those who may not change it.
fn summary(t: &StaffCatalog, incentive: &Incentive) -> String {
    match incentive {
        Incentive::None => t.get("reward.summary_none").to_string(),
        Incentive::Coupon { coupon } => {
            let key = match coupon.mode {
                CouponMode::Generate => "reward.summary_generate",
                CouponMode::Pool => "reward.summary_pool",
            };
            t.format(key, &[("value", &coupon.value)])
        }
        Incentive::Lottery { lottery } => t.format(
            "reward.summary_lottery",
            &[
                ("prize", &lottery.prize),
                (
                    "winners",
                    &t.counted("reward.winners", i64::from(lottery.winners)),
                ),
            ],
        ),
    }
}

/// The reward page, blank or with a refused form and its reason.
#[allow(clippy::too_many_arguments)]
pub(super) fn page(
    survey: &Survey,
    tabs: Tabs,
    user: &User,
    me: &Me,
    t: &StaffCatalog,
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
            title: t.format("reward.title", &[("title", survey.title())]),
            tabs,
            me,
            csrf,
            notice,
            conflict,
            survey: context! { id: survey.id() },
            can_edit: workspace::can_distribute(user, survey),
            has_incentive: !matches!(incentive, Incentive::None),
            reward_summary: summary(t, &incentive),
            rules_lines: text_lines(&reward.rules),
            reward,
            reward_error,
        },
    )
}
