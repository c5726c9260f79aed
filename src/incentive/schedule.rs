//! Runs each prize draw at its `draw_at` on its own: every node looks now and then, and the
//! draw's single transaction makes sure only the first one draws.

use std::time::Duration;

use super::Plan;
use super::draws;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::survey::editing;
use crate::survey::incentive::{Incentive, LotterySpec};
use crate::survey::model::SurveyStatus;

/// How often a node looks for draws that are due.
const EVERY: Duration = Duration::from_secs(5);

/// The plan and lottery of a published prize-draw survey.
fn plan_of(conn: &mut DbConn, survey_id: &str) -> Result<Option<(Plan, LotterySpec)>> {
    let Some(survey) = editing::load(conn, survey_id)? else {
        return Ok(None);
    };
    if survey.status() == SurveyStatus::Draft {
        return Ok(None);
    }
    let Incentive::Lottery { lottery } = survey.incentive() else {
        return Ok(None);
    };
    Ok(Plan::of(&survey).map(|plan| (plan, lottery)))
}

/// Draws everything due now; how many were drawn by this call.
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<usize> {
    draws::run_due(conn, settings, db::now(), &plan_of)
}

/// Starts the looking at liftoff; it stops with the server.
pub fn fairing() -> rocket::fairing::AdHoc {
    crate::web::periodic::every(
        "Prize draws at their time",
        "looking for prize draws that are due",
        EVERY,
        run_due,
    )
}
