//! The incentive's quality hints, shown with the survey's lint: a pool with fewer codes than
//! there are invitations, and a prize draw without rules.

use super::model;
use crate::db::DbConn;
use crate::error::Result;
use crate::survey::incentive::{CouponMode, Incentive};
use crate::survey::lint::{Hint, Severity};
use crate::survey::model::Survey;

pub fn hints(conn: &mut DbConn, survey: &Survey, invitations: i64) -> Result<Vec<Hint>> {
    let mut hints = Vec::new();
    match survey.incentive() {
        Incentive::Coupon { coupon } if coupon.mode == CouponMode::Pool => {
            let remaining = model::stock(conn, survey.id())?.map_or(0, |s| s.remaining);
            if remaining < invitations {
                hints.push(Hint {
                    severity: Severity::Warning,
                    code: "coupon_pool_short",
                    question_id: None,
                    message: format!(
                        "The coupon pool holds {remaining} unused codes for {invitations} \
                         invitations; add codes so nobody has to wait for theirs."
                    ),
                    key: "coupon_pool_short",
                    args: vec![
                        ("remaining", remaining.to_string()),
                        ("invitations", invitations.to_string()),
                    ],
                });
            }
        }
        Incentive::Lottery { lottery } if lottery.rules.trim().is_empty() => {
            hints.push(Hint {
                severity: Severity::Warning,
                code: "draw_without_rules",
                question_id: None,
                message: "The prize draw has no rules; say who may enter, how the winners are \
                          picked and told, and how to claim the prize."
                    .into(),
                key: "draw_without_rules",
                args: Vec::new(),
            });
        }
        _ => {}
    }
    Ok(hints)
}
