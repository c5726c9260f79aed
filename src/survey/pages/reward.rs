//! The reward form of the survey page: none, generated coupon codes, a pool of codes, or a
//! prize draw, with their settings. Dates are typed as dates (and times in UTC) and become the
//! API's RFC 3339 values, so the page and the API check one incentive the same way.

use rocket::form::FromForm;
use rocket::{State, post};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::describe;
use super::edit::Ctx;
use super::view::Attempt;
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing::{self, SurveyInput};
use crate::survey::incentive::{CouponMode, Incentive, IncentiveInput};
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};

/// The reward form's fields, as posted and as shown again.
#[derive(FromForm, Serialize, Clone, Default)]
pub(super) struct RewardForm {
    #[serde(skip)]
    pub csrf: String,
    /// `none`, `generate`, `pool` or `lottery`.
    #[field(default = String::from("none"))]
    pub kind: String,
    #[field(default = String::new())]
    pub value: String,
    #[field(default = String::new())]
    pub prefix: String,
    /// The last day a coupon is valid (YYYY-MM-DD).
    #[field(default = String::new())]
    pub expires_on: String,
    #[field(default = String::new())]
    pub low_stock_at: String,
    #[field(default = String::new())]
    pub prize: String,
    #[field(default = String::new())]
    pub winners: String,
    /// When the draw runs, in UTC (YYYY-MM-DDTHH:MM, as a datetime-local field sends it).
    #[field(default = String::new())]
    pub draw_at: String,
    #[field(default = String::new())]
    pub rules: String,
    #[field(default = String::new())]
    pub beacon: String,
}

crate::csrf_protected!(RewardForm);

impl RewardForm {
    /// The form filled with a survey's incentive.
    pub(super) fn of(incentive: &Incentive) -> Self {
        match incentive {
            Incentive::None => RewardForm {
                kind: "none".into(),
                winners: "1".into(),
                ..Default::default()
            },
            Incentive::Coupon { coupon } => RewardForm {
                kind: match coupon.mode {
                    CouponMode::Generate => "generate".into(),
                    CouponMode::Pool => "pool".into(),
                },
                value: coupon.value.clone(),
                prefix: coupon.prefix.clone().unwrap_or_default(),
                expires_on: coupon
                    .expires_at
                    .map(|at| at.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                low_stock_at: coupon
                    .low_stock_at
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                winners: "1".into(),
                ..Default::default()
            },
            Incentive::Lottery { lottery } => RewardForm {
                kind: "lottery".into(),
                prize: lottery.prize.clone(),
                winners: lottery.winners.to_string(),
                draw_at: lottery.draw_at.format("%Y-%m-%dT%H:%M").to_string(),
                rules: lottery.rules.clone(),
                beacon: lottery.beacon.clone().unwrap_or_default(),
                ..Default::default()
            },
        }
    }

    /// The incentive as the API would take it; a field that cannot be read is named.
    fn input(&self) -> Result<IncentiveInput> {
        let text = |value: &str| value.trim().replace("\r\n", "\n");
        let mut object = Map::new();
        let kind = self.kind.trim();
        match kind {
            "none" => {}
            "generate" | "pool" => {
                let mut coupon = Map::new();
                coupon.insert("mode".into(), json!(kind));
                coupon.insert("value".into(), json!(text(&self.value)));
                if !self.prefix.trim().is_empty() {
                    coupon.insert("prefix".into(), json!(self.prefix.trim()));
                }
                if !self.expires_on.trim().is_empty() {
                    let day = chrono::NaiveDate::parse_from_str(self.expires_on.trim(), "%Y-%m-%d")
                        .map_err(|_| Error::invalid("expires_on", "must be a date (YYYY-MM-DD)"))?;
                    let end = day.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc();
                    coupon.insert("expires_at".into(), json!(end.to_rfc3339()));
                }
                if kind == "pool" && !self.low_stock_at.trim().is_empty() {
                    let n: u32 = self.low_stock_at.trim().parse().map_err(|_| {
                        Error::invalid("low_stock_at", "must be a whole number of codes")
                    })?;
                    coupon.insert("low_stock_at".into(), json!(n));
                }
                object.insert("coupon".into(), Value::Object(coupon));
            }
            "lottery" => {
                let winners: u32 = self.winners.trim().parse().map_err(|_| {
                    Error::invalid("winners", "must be a whole number from 1 to 1000")
                })?;
                let at =
                    chrono::NaiveDateTime::parse_from_str(self.draw_at.trim(), "%Y-%m-%dT%H:%M")
                        .map_err(|_| Error::invalid("draw_at", "must be a date and time (UTC)"))?;
                let mut lottery = Map::new();
                lottery.insert("prize".into(), json!(text(&self.prize)));
                lottery.insert("winners".into(), json!(winners));
                lottery.insert("draw_at".into(), json!(at.and_utc().to_rfc3339()));
                lottery.insert("rules".into(), json!(text(&self.rules)));
                if !self.beacon.trim().is_empty() {
                    lottery.insert("beacon".into(), json!(text(&self.beacon)));
                }
                object.insert("lottery".into(), Value::Object(lottery));
            }
            _ => return Err(Error::invalid("kind", "choose one of the rewards offered")),
        }
        let kind = if kind == "generate" || kind == "pool" {
            "coupon"
        } else {
            kind
        };
        object.insert("kind".into(), json!(kind));
        serde_json::from_value(Value::Object(object))
            .map_err(|e| Error::invalid("incentive", e.to_string()))
    }
}

#[post("/surveys/<id>/reward", data = "<form>")]
pub(super) async fn save_reward(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<RewardForm>,
) -> Result<Reply> {
    let ctx = Ctx::new(db, settings, &staff, csrf, id?);
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
