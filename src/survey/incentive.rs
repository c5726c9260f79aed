//! The reward a survey promises respondents, as the designer declares it: none, a coupon, or a
//! place in a prize draw. Issuing coupons and running draws is the incentive capability's work.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
    pub rules: String,
}

impl Incentive {
    /// The sentence an invitation email gives the reward, if there is one.
    pub fn email_line(&self) -> Option<String> {
        match self {
            Incentive::None => None,
            Incentive::Coupon { coupon } => Some(match coupon.expires_at {
                Some(expires) => format!(
                    "As a thank-you, everyone who answers gets a coupon: {} (valid until {}).",
                    coupon.value.trim(),
                    expires.format("%Y-%m-%d")
                ),
                None => format!(
                    "As a thank-you, everyone who answers gets a coupon: {}.",
                    coupon.value.trim()
                ),
            }),
            Incentive::Lottery { lottery } => Some(format!(
                "Everyone who answers enters a prize draw for {} ({} {}), drawn on {}.",
                lottery.prize.trim(),
                lottery.winners,
                if lottery.winners == 1 {
                    "winner"
                } else {
                    "winners"
                },
                lottery.draw_at.format("%Y-%m-%d")
            )),
        }
    }

    /// Checks the values serde cannot: lengths, counts, the prefix alphabet.
    pub fn validate(&self, field: &str) -> Result<()> {
        let text = |name: &str, value: &str, max: usize| {
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
                text("coupon.value", &coupon.value, 200)?;
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
                text("lottery.prize", &lottery.prize, 200)?;
                text("lottery.rules", &lottery.rules, 5000)?;
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
