//! The staff page of a survey's reward (`/surveys/<id>/incentive`): the pool's counts, adding
//! codes, redeeming a code typed at the till, and running the prize draw.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::json;

use super::CouponGuesses;
use super::coupons;
use super::draw_model::{self, DRAWN};
use super::draws;
use super::model;
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::survey::editing;
use crate::survey::incentive::{CouponMode, Incentive};
use crate::survey::model::SurveyStatus;
use crate::survey::workspace;
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::peer::ClientAddr;

pub fn routes() -> Vec<rocket::Route> {
    routes![staff_page, add_codes, redeem_code, run_draw]
}

/// What the staff page shows after an action.
#[derive(Serialize, Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    codes: String,
}

async fn staff_render(
    db: &Db,
    staff: &Staff<Designers>,
    csrf: String,
    id: &str,
    outcome: Outcome,
) -> Result<Template> {
    let (user, id) = (staff.user.clone(), id.to_string());
    let (survey, counts, remaining, owed, draw) = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user, &id)?;
            let counts = model::coupon_counts(conn, survey.id())?;
            let remaining = model::stock(conn, survey.id())?.map_or(0, |s| s.remaining);
            let owed = model::owed_count(conn, survey.id())?;
            let draw = draw_model::draw(conn, survey.id())?;
            Ok::<_, Error>((survey, counts, remaining, owed, draw))
        })
        .await?;
    let (added, issued, redeemed) = counts;
    let (coupon, lottery) = match survey.incentive() {
        Incentive::Coupon { coupon } => (Some(coupon), None),
        Incentive::Lottery { lottery } => (None, Some(lottery)),
        Incentive::None => (None, None),
    };
    let pool = coupon.as_ref().is_some_and(|c| c.mode == CouponMode::Pool);
    let t = staff.t();
    Ok(Template::render(
        "survey_incentive",
        context! {
            title: t.format("coupons.title", &[("title", survey.title())]),
            tabs: workspace::tabs(&survey, &staff.user, workspace::Page::Coupons),
            me: staff.me(),
            csrf,
            survey_id: survey.id(),
            // Machine names, the same in every language.
            csv_column: "code",
            api_upload: format!("POST /api/v1/surveys/{}/coupons", survey.id()),
            draw_page: format!("/draws/{}", survey.id()),
            survey_title: survey.title(),
            published: survey.status() != SurveyStatus::Draft,
            expires_on: coupon
                .as_ref()
                .and_then(|c| c.expires_at)
                .map(|at| at.format("%Y-%m-%d").to_string()),
            coupon,
            pool,
            lottery: lottery.map(|l| json!({
                "prize": l.prize,
                "winners": l.winners,
                "draw_at": crate::web::to_the_minute(l.draw_at.naive_utc()),
                "beacon": l.beacon,
            })),
            counts: json!({
                "added": t.number(added), "issued": t.number(issued),
                "redeemed": t.number(redeemed), "remaining": t.number(remaining),
                "owed": t.number(owed),
            }),
            draw: draw.map(|d| json!({
                "status": d.status,
                "drawn": d.status == DRAWN,
                "commitment": d.commitment,
                "entrants": d.entrants.unwrap_or(d.tickets),
                "winners": draws::winners_of(&d),
            })),
            outcome,
        },
    ))
}

#[get("/surveys/<id>/incentive")]
async fn staff_page(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: &str,
) -> Result<Template> {
    staff_render(db, &staff, csrf.0, id, Outcome::default()).await
}

#[derive(FromForm)]
struct CodesForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    codes: String,
}

#[post("/surveys/<id>/incentive/codes", data = "<form>")]
async fn add_codes(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: &str,
    form: CsrfForm<CodesForm>,
) -> Result<Reply> {
    let typed = form.0.codes;
    let t = staff.t();
    let parsed = typed
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("code"))
        .enumerate()
        .map(|(i, c)| {
            coupons::check_code(
                &t.format("coupons.line", &[("n", &t.number(i as i64 + 1))]),
                c,
            )
        })
        .collect::<Result<Vec<_>>>();
    let (user, sid, settings) = (staff.user.clone(), id.to_string(), settings.inner().clone());
    let result = match parsed {
        Ok(codes) if codes.is_empty() => Err(Error::invalid("codes", "coupons.error.no_codes")),
        Ok(codes) if codes.len() > coupons::MAX_CODES => Err(Error::invalid(
            "codes",
            format!("at most {} codes at a time", coupons::MAX_CODES),
        )),
        Ok(codes) => {
            db.run(move |conn| super::add_codes_as(conn, &settings, &user, &sid, codes))
                .await
        }
        Err(e) => Err(e),
    };
    let (status, outcome) = match result {
        Ok(added) => (
            Status::Ok,
            Outcome {
                notice: Some(t.format(
                    "coupons.codes_added",
                    &[
                        (
                            "added",
                            &t.counted("coupons.added_codes", added.added as i64),
                        ),
                        (
                            "duplicates",
                            &t.counted("coupons.duplicates", added.duplicates as i64),
                        ),
                        ("served", &t.counted("coupons.served", added.served as i64)),
                    ],
                )),
                ..Outcome::default()
            },
        ),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => (
            e.status(),
            Outcome {
                error: Some(t.explain(&e)),
                codes: typed,
                ..Outcome::default()
            },
        ),
        Err(other) => return Err(other),
    };
    let page = staff_render(db, &staff, csrf.0, id, outcome).await?;
    Ok(Reply::Status((status, page)))
}

#[derive(FromForm)]
struct RedeemForm {
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    code: String,
}

#[post("/surveys/<id>/incentive/redeem", data = "<form>")]
async fn redeem_code(
    db: &State<Db>,
    guesses: &State<CouponGuesses>,
    peer: ClientAddr,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: &str,
    form: CsrfForm<RedeemForm>,
) -> Result<Reply> {
    let code = form.0.code;
    let t = staff.t();
    let result = super::redeem_as(db, guesses, peer, &staff.user, &code).await;
    let (status, outcome) = match result {
        Ok(done) => (
            Status::Ok,
            Outcome {
                notice: Some(t.format(
                    "coupons.redeemed_notice",
                    &[("code", &done.code), ("value", &done.value)],
                )),
                ..Outcome::default()
            },
        ),
        Err(Error::NotFound) => (
            Status::NotFound,
            Outcome {
                error: Some(t.format("coupons.unknown_code", &[("code", code.trim())])),
                ..Outcome::default()
            },
        ),
        Err(e @ (Error::Conflict { .. } | Error::Gone(_) | Error::TooMany { .. })) => (
            e.status(),
            Outcome {
                error: Some(t.format(
                    "coupons.refused",
                    &[("code", code.trim()), ("reason", &t.reason(&e))],
                )),
                ..Outcome::default()
            },
        ),
        Err(other) => return Err(other),
    };
    let page = staff_render(db, &staff, csrf.0, id, outcome).await?;
    Ok(Reply::Status((status, page)))
}

#[derive(FromForm)]
struct DrawForm {
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    beacon_value: String,
}

#[post("/surveys/<id>/incentive/draw", data = "<form>")]
async fn run_draw(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: &str,
    form: CsrfForm<DrawForm>,
) -> Result<Reply> {
    let beacon = form.0.beacon_value.trim().to_string();
    let t = staff.t();
    let (user, sid, settings) = (staff.user.clone(), id.to_string(), settings.inner().clone());
    let result = db
        .run(move |conn| {
            let beacon = (!beacon.is_empty()).then_some(beacon.as_str());
            super::draw_as(conn, &settings, &user, &sid, beacon).map(|_| ())
        })
        .await;
    let (status, outcome) = match result {
        Ok(()) => (
            Status::Ok,
            Outcome {
                notice: Some(t.get("coupons.draw_run").to_string()),
                ..Outcome::default()
            },
        ),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => (
            e.status(),
            Outcome {
                error: Some(t.explain(&e)),
                ..Outcome::default()
            },
        ),
        Err(other) => return Err(other),
    };
    let page = staff_render(db, &staff, csrf.0, id, outcome).await?;
    Ok(Reply::Status((status, page)))
}
