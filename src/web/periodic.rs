//! Work every node does now and then while it runs (prize draws that are due, complaint
//! follow-ups that fell due): started at liftoff, stopped with the server. The work itself is
//! written so that nodes doing it at the same moment do it once.

use std::time::Duration;

use rocket::fairing::AdHoc;

use crate::config::Settings;
use crate::db::{Db, DbConn};
use crate::error::Result;

/// Runs `work` every `interval` from liftoff until shutdown; a failure is logged as `what`
/// failed and tried again at the next turn.
pub fn every(
    name: &'static str,
    what: &'static str,
    interval: Duration,
    work: fn(&mut DbConn, &Settings) -> Result<usize>,
) -> AdHoc {
    AdHoc::on_liftoff(name, move |rocket| {
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
                        _ = rocket::tokio::time::sleep(interval) => {}
                    }
                    let settings = settings.clone();
                    if let Err(e) = db.run(move |conn| work(conn, &settings)).await {
                        log::warn!("{what} failed: {}", e.chain());
                    }
                }
            });
        })
    })
}
