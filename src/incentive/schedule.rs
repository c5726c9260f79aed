//! Runs each prize draw at its `draw_at` on its own: every node looks now and then, and the
//! draw's single transaction makes sure only the first one draws.

use std::time::Duration;

use rocket::fairing::AdHoc;

use super::Plan;
use super::draws;
use crate::config::Settings;
use crate::db::{self, Db, DbConn};
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
pub fn fairing() -> AdHoc {
    AdHoc::on_liftoff("Prize draws at their time", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(settings)) = (
                rocket.state::<Db>().cloned(),
                rocket.state::<Settings>().cloned(),
            ) else {
                return;
            };
            let mut shutdown = rocket.shutdown();
            rocket::tokio::spawn(async move {
                loop {
                    rocket::tokio::select! {
                        _ = &mut shutdown => return,
                        _ = rocket::tokio::time::sleep(EVERY) => {}
                    }
                    let settings = settings.clone();
                    let result = db.run(move |conn| run_due(conn, &settings)).await;
                    if let Err(e) = result {
                        log::warn!("looking for prize draws that are due failed: {}", e.chain());
                    }
                }
            });
        })
    })
}
