//! Rewards for completing a survey: coupons (generated or pooled) and the verifiable prize
//! draw. The respond room calls [`on_completion`] inside the transaction that stores a
//! response; pages and the API read the reward back with [`reward`].

pub mod algorithm;
pub mod api;
pub mod coupons;
pub mod draw_api;
pub mod draw_model;
pub mod draws;
pub mod lint;
pub mod model;
pub mod pages;
pub mod reward;
pub mod schedule;
pub mod staff;
pub mod verify;

use rocket::{Build, Rocket};

use crate::auth::model::User;
use crate::config::Settings;
use crate::db::{Db, DbConn};
use crate::error::{Error, Result};
use crate::survey::editing;
use crate::survey::incentive::{CouponMode, CouponSpec, Incentive, LotterySpec};
use crate::survey::model::{Survey, SurveyStatus};
use crate::web::limiter::{CAPACITY, LinkLimiter, MAX_FAILURES, WINDOW};
use crate::web::peer::ClientAddr;

pub use self::coupons::Completion;

/// What the incentive room needs to know of a survey, taken when the submission is checked.
#[derive(Debug, Clone)]
pub struct Plan {
    pub survey_id: String,
    pub title: String,
    pub language: String,
    pub owner_id: String,
    pub anonymous: bool,
    pub incentive: Incentive,
}

impl Plan {
    /// The plan of a survey that rewards completions; `None` when it promises nothing.
    pub fn of(survey: &Survey) -> Option<Plan> {
        let incentive = survey.incentive();
        if incentive == Incentive::None {
            return None;
        }
        Some(Plan {
            survey_id: survey.id().to_string(),
            title: survey.title().to_string(),
            language: survey.language().to_string(),
            owner_id: survey.owner_id().to_string(),
            anonymous: survey.anonymous(),
            incentive,
        })
    }
}

/// Gives a completion its reward: a coupon grant (with its code when there is one) or a draw
/// entry. Runs in the transaction that stores the response, so neither exists without the
/// other.
pub fn on_completion(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    completion: &Completion<'_>,
) -> Result<()> {
    match &plan.incentive {
        Incentive::None => Ok(()),
        Incentive::Coupon { coupon } => coupons::grant(conn, settings, plan, coupon, completion),
        Incentive::Lottery { .. } => draws::enter(conn, plan, completion),
    }
}

/// At publish: a prize-draw survey gets its seed and commitment now.
pub fn on_publish(conn: &mut DbConn, survey: &Survey) -> Result<()> {
    if matches!(survey.incentive(), Incentive::Lottery { .. }) {
        draws::ensure(conn, survey.id())?;
    }
    Ok(())
}

/// The pool of a survey's coupon incentive, or a 409 saying it has none.
pub fn pool_of(survey: &Survey) -> Result<CouponSpec> {
    match survey.incentive() {
        Incentive::Coupon { coupon } if coupon.mode == CouponMode::Pool => Ok(coupon),
        _ => Err(Error::conflict(
            "not_a_coupon_pool",
            "this survey's incentive is not a pool of coupon codes",
        )),
    }
}

/// The prize draw of a published survey, or a 409 saying why there is none to use.
pub fn lottery_of(survey: &Survey) -> Result<LotterySpec> {
    let Incentive::Lottery { lottery } = survey.incentive() else {
        return Err(Error::conflict(
            "not_a_prize_draw",
            "this survey's incentive is not a prize draw",
        ));
    };
    if survey.status() == SurveyStatus::Draft {
        return Err(Error::conflict(
            "survey_draft",
            "the draw exists once the survey is published",
        ));
    }
    Ok(lottery)
}

/// Adds checked codes to the pool of a survey `user` may change (the API and the staff page).
pub fn add_codes_as(
    conn: &mut DbConn,
    settings: &Settings,
    user: &User,
    survey_id: &str,
    codes: Vec<String>,
) -> Result<coupons::Added> {
    let survey = editing::editable_by(conn, user, survey_id)?;
    let spec = pool_of(&survey)?;
    let plan = Plan::of(&survey).ok_or(Error::NotFound)?;
    coupons::add_codes(conn, settings, &plan, &spec, codes)
}

/// Runs the draw of a survey `user` may change, once (the API and the staff page): the survey
/// and the drawn row, or a 409 when it has run already.
pub fn draw_as(
    conn: &mut DbConn,
    settings: &Settings,
    user: &User,
    survey_id: &str,
    beacon_value: Option<&str>,
) -> Result<(Survey, draw_model::DrawRow)> {
    if let Some(value) = beacon_value {
        crate::web::text::check("beacon_value", value, crate::web::text::Lines::One)?;
        if value.chars().count() > draws::MAX_BEACON {
            return Err(Error::invalid(
                "beacon_value",
                format!("must be at most {} characters", draws::MAX_BEACON),
            ));
        }
    }
    let survey = editing::editable_by(conn, user, survey_id)?;
    let spec = lottery_of(&survey)?;
    let plan = Plan::of(&survey).ok_or(Error::NotFound)?;
    match draws::run(conn, settings, &plan, &spec, beacon_value)? {
        Ok(row) => Ok((survey, row)),
        Err(draws::NotDrawn::AlreadyDrawn(_)) => Err(Error::conflict(
            "draw_already_run",
            "the draw has already been run; its result stands",
        )),
    }
}

/// The contact behind a winning ticket, when the entry came through a personal link that still
/// names one.
pub fn contact_of_ticket(
    conn: &mut DbConn,
    survey_id: &str,
    ticket: i64,
) -> Result<Option<String>> {
    let Some(entry) = draw_model::entry(conn, survey_id, ticket)? else {
        return Ok(None);
    };
    match entry.invitation_id {
        Some(invitation) => crate::invite::model::contact_of(conn, &invitation),
        None => Ok(None),
    }
}

/// Unknown codes typed at the till, counted per client address with the same brake as unknown
/// personal links: nobody finds a valid code by trying many.
pub struct CouponGuesses(LinkLimiter);

impl Default for CouponGuesses {
    fn default() -> Self {
        CouponGuesses(LinkLimiter::new(MAX_FAILURES, WINDOW, CAPACITY))
    }
}

/// Redeems `code` for `user` (the API and the staff page): the contract's 404, 409, 410 and
/// 429 as errors.
pub async fn redeem_as(
    db: &Db,
    guesses: &CouponGuesses,
    peer: ClientAddr,
    user: &User,
    code: &str,
) -> Result<coupons::Redeemed> {
    if let Some(wait) = guesses.0.blocked(peer.0) {
        return Err(Error::TooMany {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let code = code.trim().to_string();
    if code.is_empty() || code.len() > coupons::MAX_CODE {
        guesses.0.failed(peer.0);
        return Err(Error::NotFound);
    }
    let user = user.clone();
    let outcome = db
        .run(move |conn| {
            coupons::redeem(conn, &code, &|conn, survey_id| match editing::editable_by(
                conn, &user, survey_id,
            ) {
                Ok(survey) => Ok(match survey.incentive() {
                    Incentive::Coupon { coupon } => Some(coupon),
                    _ => None,
                }),
                Err(Error::NotFound | Error::Forbidden(_)) => Ok(None),
                Err(e) => Err(e),
            })
        })
        .await?;
    match outcome {
        Ok(redeemed) => Ok(redeemed),
        Err(coupons::NotRedeemed::Unknown) => {
            guesses.0.failed(peer.0);
            Err(Error::NotFound)
        }
        Err(other) => Err(api::refusal(other)),
    }
}

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .attach(schedule::fairing())
        .mount("/api/v1", api::routes())
        .mount("/api/v1", draw_api::routes())
        .mount("/", pages::routes())
        .mount("/", staff::routes())
}
