//! The reward a survey promises respondents, as the designer declares it: none, a coupon, or a
//! place in a prize draw. Issuing coupons and running draws is the incentive room's work.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::i18n::Catalog;
use crate::web::text::{self, Lines};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Incentive {
    #[default]
    None,
    Coupon {
        coupon: CouponSpec,
    },
    Lottery {
        lottery: LotterySpec,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponSpec {
    pub mode: CouponMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Pool mode: the owner is emailed once when this few codes remain (a tenth of the codes
    /// added when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_stock_at: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouponMode {
    Generate,
    Pool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotterySpec {
    pub prize: String,
    pub winners: u32,
    pub draw_at: DateTime<Utc>,
    /// The rules of the draw as the respondent reads them; the lint warns while they are empty.
    #[serde(default)]
    pub rules: String,
    /// A public value nobody knows yet that the owner will enter at the draw, described
    /// (for example "the first number of the national lottery on 24 December").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacon: Option<String>,
}

/// An incentive as the API accepts it: flat, with the kind's object beside `kind`. Read as the
/// internally tagged `Incentive`, serde would first buffer the object, which loses the path of
/// an error inside it (`incentive.lottery.winners` came out as `incentive`) and lets a unit
/// kind (`none`) carry any unknown field; read flat, neither happens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncentiveInput {
    kind: IncentiveKind,
    coupon: Option<CouponSpec>,
    lottery: Option<LotterySpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum IncentiveKind {
    None,
    Coupon,
    Lottery,
}

impl IncentiveKind {
    fn name(self) -> &'static str {
        match self {
            IncentiveKind::None => "none",
            IncentiveKind::Coupon => "coupon",
            IncentiveKind::Lottery => "lottery",
        }
    }
}

impl IncentiveInput {
    /// The typed incentive, checked; `field` is where the input sits (`incentive`).
    pub fn check(self, field: &str) -> Result<Incentive> {
        let kind = self.kind;
        let wrong = |name: &str, problem: &str| {
            Err(Error::invalid(
                format!("{field}.{name}"),
                format!("{problem} with kind `{}`", kind.name()),
            ))
        };
        let incentive = match (kind, self.coupon, self.lottery) {
            (IncentiveKind::None, None, None) => Incentive::None,
            (IncentiveKind::Coupon, Some(coupon), None) => Incentive::Coupon { coupon },
            (IncentiveKind::Lottery, None, Some(lottery)) => Incentive::Lottery { lottery },
            (IncentiveKind::None | IncentiveKind::Lottery, Some(_), _) => {
                return wrong("coupon", "does not go");
            }
            (IncentiveKind::None | IncentiveKind::Coupon, _, Some(_)) => {
                return wrong("lottery", "does not go");
            }
            (IncentiveKind::Coupon, None, _) => return wrong("coupon", "is required"),
            (IncentiveKind::Lottery, _, None) => return wrong("lottery", "is required"),
        };
        incentive.validate(field)?;
        Ok(incentive)
    }
}

impl Incentive {
    /// The sentence an invitation email gives the reward, if there is one, in `t`'s language.
    pub fn email_line(&self, t: &Catalog) -> Option<String> {
        match self {
            Incentive::None => None,
            Incentive::Coupon { coupon } => {
                let value = coupon.value.trim();
                Some(match coupon.expires_at {
                    Some(expires) => {
                        let date = expires.format("%Y-%m-%d").to_string();
                        let args = [("value", value), ("date", date.as_str())];
                        t.format("incentive_coupon_until", &args)
                    }
                    None => t.format("incentive_coupon", &[("value", value)]),
                })
            }
            Incentive::Lottery { lottery } => {
                let date = lottery.draw_at.format("%Y-%m-%d").to_string();
                let winners = lottery.winners.to_string();
                let args = [
                    ("prize", lottery.prize.trim()),
                    ("winners", winners.as_str()),
                    ("date", date.as_str()),
                ];
                Some(t.plural("incentive_lottery", u64::from(lottery.winners), &args))
            }
        }
    }

    /// Checks the values serde cannot: lengths, counts, the prefix alphabet.
    pub fn validate(&self, field: &str) -> Result<()> {
        let text = |name: &str, value: &str, max: usize, lines: Lines| {
            text::check(&format!("{field}.{name}"), value, lines)?;
            let len = value.trim().chars().count();
            if len == 0 || len > max {
                Err(Error::invalid(
                    format!("{field}.{name}"),
                    format!("must be 1 to {max} characters"),
                ))
            } else {
                Ok(())
            }
        };
        match self {
            Incentive::None => Ok(()),
            Incentive::Coupon { coupon } => {
                text("coupon.value", &coupon.value, 200, Lines::One)?;
                if let Some(prefix) = &coupon.prefix
                    && (prefix.len() > 16
                        || !prefix
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-'))
                {
                    return Err(Error::invalid(
                        format!("{field}.coupon.prefix"),
                        "may hold up to 16 letters, digits or -",
                    ));
                }
                Ok(())
            }
            Incentive::Lottery { lottery } => {
                text("lottery.prize", &lottery.prize, 200, Lines::One)?;
                text::check(
                    &format!("{field}.lottery.rules"),
                    &lottery.rules,
                    Lines::Many,
                )?;
                if lottery.rules.chars().count() > 5000 {
                    return Err(Error::invalid(
                        format!("{field}.lottery.rules"),
                        "must be at most 5000 characters",
                    ));
                }
                if let Some(beacon) = &lottery.beacon {
                    text("lottery.beacon", beacon, 500, Lines::One)?;
                }
                if lottery.winners == 0 || lottery.winners > 1000 {
                    return Err(Error::invalid(
                        format!("{field}.lottery.winners"),
                        "must be from 1 to 1000",
                    ));
                }
                Ok(())
            }
        }
    }
}
