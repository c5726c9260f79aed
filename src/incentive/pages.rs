//! The public incentive pages: a prize draw's page and its JSON document (`/draws/<survey>` and
//! `/draws/<survey>.json`), the claim page of a coupon owed to an open-link respondent, and how
//! the respondent pages show a reward. The staff page is in [`super::staff`].

use rocket::http::ContentType;
use rocket::{State, get, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::json;

use super::coupons::value_line;
use super::draw_model::{self, DRAWN};
use super::draws;
use super::model;
use super::reward::{self, Of, Reward};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n;
use crate::survey::editing;
use crate::survey::incentive::Incentive;
use crate::survey::model::{Survey, SurveyStatus};
use crate::web::Reply;

pub fn routes() -> Vec<rocket::Route> {
    routes![draw_page, claim_page]
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
                draw_model::entries(conn, &sid, row.entrants.unwrap_or(0))?
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
