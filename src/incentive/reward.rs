//! A completion's reward read back for the respondent: the coupon code (or that one is owed,
//! with the claim link that will show it), or the draw ticket and receipt.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::draw_model::{self, DRAWN};
use super::model::{self, GrantRow};
use crate::db::DbConn;
use crate::error::Result;
use crate::survey::incentive::Incentive;

/// What the thank-you page, a used personal link, the claim page and the API show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reward {
    /// A code, with what it is worth.
    Coupon {
        code: String,
        value: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
    },
    /// The pool was empty: a code is owed. `claim` is the claim page's id for respondents
    /// without a personal link (who cannot be emailed).
    Owed {
        #[serde(skip)]
        claim: Option<String>,
        value: String,
    },
    /// A place in the prize draw.
    Ticket {
        ticket: i64,
        receipt: String,
        prize: String,
        draw_at: DateTime<Utc>,
    },
    /// The draw had already run when this completion came in.
    DrawOver { prize: String },
}

/// Where to look the reward up.
pub enum Of<'a> {
    Response(&'a str),
    Invitation(&'a str),
    Claim(&'a str),
}

/// The reward of a completion of the survey `survey_id` (whose incentive is `incentive`), if
/// it has one.
pub fn find(
    conn: &mut DbConn,
    survey_id: &str,
    incentive: &Incentive,
    of: Of<'_>,
) -> Result<Option<Reward>> {
    match incentive {
        Incentive::None => Ok(None),
        Incentive::Coupon { coupon } => {
            let grant = match of {
                Of::Response(id) => model::grant_of_response(conn, id)?,
                Of::Invitation(id) => model::grant_of_invitation(conn, id)?,
                Of::Claim(id) => model::grant(conn, id)?,
            };
            let Some(grant) = grant else {
                return Ok(None);
            };
            Ok(Some(coupon_of(conn, &grant, coupon)?))
        }
        Incentive::Lottery { lottery } => {
            let entry = match of {
                Of::Response(id) => draw_model::entry_of_response(conn, id)?,
                Of::Invitation(id) => draw_model::entry_of_invitation(conn, id)?,
                Of::Claim(_) => None,
            };
            if let Some(entry) = entry {
                return Ok(Some(Reward::Ticket {
                    ticket: entry.ticket,
                    receipt: entry.receipt,
                    prize: lottery.prize.clone(),
                    draw_at: lottery.draw_at,
                }));
            }
            // No entry for a completion: it came after the draw, which the respondent should
            // be told rather than left guessing.
            Ok(draw_over(conn, survey_id)?.then(|| Reward::DrawOver {
                prize: lottery.prize.clone(),
            }))
        }
    }
}

fn coupon_of(
    conn: &mut DbConn,
    grant: &GrantRow,
    spec: &crate::survey::incentive::CouponSpec,
) -> Result<Reward> {
    Ok(match model::coupon_of_grant(conn, &grant.id)? {
        Some(coupon) => Reward::Coupon {
            code: coupon.code,
            value: spec.value.clone(),
            expires_at: spec.expires_at,
        },
        None => Reward::Owed {
            claim: grant.invitation_id.is_none().then(|| grant.id.clone()),
            value: spec.value.clone(),
        },
    })
}

/// Whether the draw of a survey has run.
pub fn draw_over(conn: &mut DbConn, survey_id: &str) -> Result<bool> {
    Ok(draw_model::draw(conn, survey_id)?.is_some_and(|d| d.status == DRAWN))
}
