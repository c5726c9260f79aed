//! Incentive pages. Public: a prize draw's page and its JSON document (`/draws/<survey>` and
//! `/draws/<survey>.json`), and the claim page of a coupon owed to an open-link respondent.
//! Staff: a survey's incentive page, with the pool's counts, adding codes, redeeming a code
//! typed at the till, and running the draw.

use rocket::form::FromForm;
use rocket::http::{ContentType, Status};
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::json;

use super::coupons::{self, value_line};
use super::draws::{self, NotDrawn};
use super::model::{self, DRAWN};
use super::reward::{self, Of, Reward};
use super::{CouponGuesses, Plan};
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n;
use crate::survey::editing;
use crate::survey::incentive::{CouponMode, Incentive};
use crate::survey::model::{Survey, SurveyStatus};
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::peer::ClientAddr;
use crate::web::{Reply, rfc3339};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        draw_page,
        claim_page,
        staff_page,
        add_codes,
        redeem_code,
        run_draw
    ]
}

/// A published prize-draw survey, or nothing (the public pages then answer 404).
async fn published_lottery(db: &Db, id: &str) -> Result<Option<Survey>> {
    let id = id.to_string();
    let survey = db.run(move |conn| editing::load(conn, &id)).await?;
    Ok(survey.filter(|s| {
        s.status() != SurveyStatus::Draft && matches!(s.incentive(), Incentive::Lottery { .. })
    }))
}

/// `/draws/<survey>`: the page; `/draws/<survey>.json`: the document a verifier reads.
#[get("/draws/<id>")]
async fn draw_page(db: &State<Db>, id: &str) -> Result<Reply> {
    let (id, as_json) = match id.strip_suffix(".json") {
        Some(id) => (id, true),
        None => (id, false),
    };
    let Some(survey) = published_lottery(db, id).await? else {
        return Err(Error::NotFound);
    };
    let Incentive::Lottery { lottery } = survey.incentive() else {
        return Err(Error::NotFound);
    };
    let sid = survey.id().to_string();
    let (row, entries) = db
        .run(move |conn| {
            let row = crate::db::write(conn, |conn| draws::ensure(conn, &sid))?;
            let entries = if row.status == DRAWN {
                model::entries(conn, &sid, row.entrants.unwrap_or(0))?
            } else {
                Vec::new()
            };
            Ok::<_, Error>((row, entries))
        })
        .await?;
    let drawn = row.status == DRAWN;
    let winners = draws::winners_of(&row);
    let document = json!({
        "survey_id": survey.id(),
        "algorithm": "hearken-draw-v1",
        "commitment": row.commitment,
        "status": row.status,
        "winners_wanted": lottery.winners,
        "entrants": entries.iter().map(|e| json!({"ticket": e.ticket, "receipt": e.receipt})).collect::<Vec<_>>(),
        "seed": drawn.then(|| row.seed.clone()),
        "beacon_value": if drawn { Some(row.beacon_value.clone().unwrap_or_default()) } else { None },
        "entrants_digest": row.entrants_digest,
        "winners": drawn.then(|| winners.clone()),
    });
    if as_json {
        let mut document = document;
        if let Some(map) = document.as_object_mut() {
            map.retain(|_, v| !v.is_null());
        }
        let body = serde_json::to_string_pretty(&document).map_err(Error::internal)?;
        return Ok(Reply::Typed((ContentType::JSON, body)));
    }
    let page = Template::render(
        "draw_public",
        context! {
            lang: "en",
            title: format!("Prize draw: {}", survey.title()),
            survey_title: survey.title(),
            survey_id: survey.id(),
            prize: lottery.prize,
            winners_wanted: lottery.winners,
            rules: lottery.rules,
            beacon: lottery.beacon,
            draw_at: lottery.draw_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            commitment: row.commitment,
            entrants: row.entrants.unwrap_or(row.tickets),
            drawn,
            seed: drawn.then_some(row.seed),
            beacon_value: row.beacon_value,
            entrants_digest: row.entrants_digest,
            winners,
            snippet: include_str!("verify_draw.py"),
        },
    );
    Ok(Reply::Page(page))
}

/// The claim page of an open-link respondent who was owed a code: it shows the code once one
/// has been added to the pool.
#[get("/coupons/claim/<token>")]
async fn claim_page(db: &State<Db>, token: &str) -> Result<Reply> {
    let grant = token;
    if !crate::ids::is_id(grant) {
        return Err(Error::NotFound);
    }
    let grant = grant.to_string();
    let found = db
        .run(move |conn| {
            let Some(row) = model::grant(conn, &grant)? else {
                return Ok(None);
            };
            let Some(survey) = editing::load(conn, &row.survey_id)? else {
                return Ok(None);
            };
            let reward = reward::find(conn, survey.id(), &survey.incentive(), Of::Claim(&grant))?;
            Ok::<_, Error>(reward.map(|r| (survey, r)))
        })
        .await?;
    let Some((survey, reward)) = found else {
        return Err(Error::NotFound);
    };
    let t = i18n::catalog(survey.language());
    let view = reward_view(t, &survey, &reward);
    let page = Template::render(
        "coupon_claim",
        context! {
            lang: t.code(),
            t: t.strings(),
            title: t.get("claim_title"),
            reward: view,
        },
    );
    Ok(Reply::Page(page))
}

/// A reward as the respondent pages show it, in `t`'s language.
#[derive(Serialize, Default)]
pub struct RewardView {
    pub heading: String,
    pub lines: Vec<String>,
    /// The code or the ticket, shown large.
    pub highlight: Option<String>,
    pub link: Option<(String, String)>,
}

/// How the respondent pages show `reward`.
pub fn reward_view(t: &i18n::Catalog, survey: &Survey, reward: &Reward) -> RewardView {
    let coupon_spec = match survey.incentive() {
        Incentive::Coupon { coupon } => Some(coupon),
        _ => None,
    };
    match reward {
        Reward::Coupon { code, .. } => RewardView {
            heading: t.get("reward_coupon_heading").to_string(),
            lines: coupon_spec.iter().map(|s| value_line(t, s)).collect(),
            highlight: Some(code.clone()),
            link: None,
        },
        Reward::Owed { claim, .. } => RewardView {
            heading: t.get("reward_owed_heading").to_string(),
            lines: vec![
                t.get(if claim.is_some() {
                    "reward_owed_claim"
                } else {
                    "reward_owed_email"
                })
                .to_string(),
            ],
            highlight: None,
            link: claim.as_ref().map(|c| {
                (
                    format!("/coupons/claim/{c}"),
                    t.get("reward_claim_link").to_string(),
                )
            }),
        },
        Reward::Ticket {
            ticket,
            receipt,
            prize,
            draw_at,
        } => RewardView {
            heading: t.get("reward_ticket_heading").to_string(),
            lines: vec![
                t.format(
                    "reward_ticket_line",
                    &[
                        ("prize", prize.trim()),
                        ("date", &draw_at.format("%Y-%m-%d").to_string()),
                    ],
                ),
                t.format("reward_receipt_line", &[("receipt", receipt)]),
            ],
            highlight: Some(format!("#{ticket}")),
            link: Some((
                format!("/draws/{}", survey.id()),
                t.get("draw_page_link").to_string(),
            )),
        },
        Reward::DrawOver { prize } => RewardView {
            heading: t.get("reward_draw_over_heading").to_string(),
            lines: vec![t.format("reward_draw_over", &[("prize", prize.trim())])],
            highlight: None,
            link: Some((
                format!("/draws/{}", survey.id()),
                t.get("draw_page_link").to_string(),
            )),
        },
    }
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
            let draw = model::draw(conn, survey.id())?;
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
    Ok(Template::render(
        "survey_incentive",
        context! {
            title: format!("Reward: {}", survey.title()),
            me: staff.me(),
            csrf,
            survey_id: survey.id(),
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
                "draw_at": rfc3339(l.draw_at.naive_utc()),
                "beacon": l.beacon,
            })),
            counts: json!({
                "added": added, "issued": issued, "redeemed": redeemed,
                "remaining": remaining, "owed": owed,
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
    let parsed = typed
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("code"))
        .enumerate()
        .map(|(i, c)| coupons::check_code(&format!("line {}", i + 1), c))
        .collect::<Result<Vec<_>>>();
    let (user, sid, settings) = (staff.user.clone(), id.to_string(), settings.inner().clone());
    let result = match parsed {
        Ok(codes) if codes.is_empty() => {
            Err(Error::invalid("codes", "type or paste at least one code"))
        }
        Ok(codes) if codes.len() > coupons::MAX_CODES => Err(Error::invalid(
            "codes",
            format!("at most {} codes at a time", coupons::MAX_CODES),
        )),
        Ok(codes) => {
            db.run(move |conn| {
                let survey = editing::editable_by(conn, &user, &sid)?;
                let plan = Plan::of(&survey).ok_or(Error::NotFound)?;
                let Incentive::Coupon { coupon } = &plan.incentive else {
                    return Err(Error::conflict(
                        "not_a_coupon_pool",
                        "this survey has no coupon pool",
                    ));
                };
                if coupon.mode != CouponMode::Pool {
                    return Err(Error::conflict(
                        "not_a_coupon_pool",
                        "this survey makes its own codes",
                    ));
                }
                let spec = coupon.clone();
                coupons::add_codes(conn, &settings, &plan, &spec, codes)
            })
            .await
        }
        Err(e) => Err(e),
    };
    let (status, outcome) = match result {
        Ok(added) => (
            Status::Ok,
            Outcome {
                notice: Some(format!(
                    "{} codes added, {} duplicates skipped, {} waiting respondents served.",
                    added.added, added.duplicates, added.served
                )),
                ..Outcome::default()
            },
        ),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => (
            e.status(),
            Outcome {
                error: Some(e.to_string()),
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
    let result = super::redeem_as(db, guesses, peer, &staff.user, &code).await;
    let (status, outcome) = match result {
        Ok(done) => (
            Status::Ok,
            Outcome {
                notice: Some(format!("{} redeemed: {}.", done.code, done.value)),
                ..Outcome::default()
            },
        ),
        Err(Error::NotFound) => (
            Status::NotFound,
            Outcome {
                error: Some(format!(
                    "No coupon was given out with the code “{}”.",
                    code.trim()
                )),
                ..Outcome::default()
            },
        ),
        Err(e @ (Error::Conflict { .. } | Error::Gone(_) | Error::TooMany { .. })) => (
            e.status(),
            Outcome {
                error: Some(format!("{}: {e}.", code.trim())),
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
    let (user, sid, settings) = (staff.user.clone(), id.to_string(), settings.inner().clone());
    let result = db
        .run(move |conn| {
            crate::web::text::check("beacon_value", &beacon, crate::web::text::Lines::One)?;
            let survey = editing::editable_by(conn, &user, &sid)?;
            let Incentive::Lottery { lottery } = survey.incentive() else {
                return Err(Error::conflict(
                    "not_a_prize_draw",
                    "this survey has no prize draw",
                ));
            };
            if survey.status() == SurveyStatus::Draft {
                return Err(Error::conflict("survey_draft", "publish the survey first"));
            }
            let plan = Plan::of(&survey).ok_or(Error::NotFound)?;
            let beacon = (!beacon.is_empty()).then_some(beacon.as_str());
            match draws::run(conn, &settings, &plan, &lottery, beacon)? {
                Ok(_) => Ok(()),
                Err(NotDrawn::AlreadyDrawn(_)) => Err(Error::conflict(
                    "draw_already_run",
                    "the draw has already been run; its result stands",
                )),
            }
        })
        .await;
    let (status, outcome) = match result {
        Ok(()) => (
            Status::Ok,
            Outcome {
                notice: Some("The draw has been run; winners who came through a personal link are being emailed.".into()),
                ..Outcome::default()
            },
        ),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => (
            e.status(),
            Outcome {
                error: Some(e.to_string()),
                ..Outcome::default()
            },
        ),
        Err(other) => return Err(other),
    };
    let page = staff_render(db, &staff, csrf.0, id, outcome).await?;
    Ok(Reply::Status((status, page)))
}
