//! `hearken serve`: launches the application and, once it has stopped, hands back a way to
//! wait until the database is closed.

use rocket::figment::Figment;

use crate::db::{Closing, Db};

/// Runs the server until it is told to stop (SIGTERM, Ctrl-C).
pub async fn run(figment: Figment) -> Result<Option<Closing>, String> {
    let rocket = crate::build(figment)
        .ignite()
        .await
        .map_err(|e| format!("the server did not start: {e}"))?;
    let closing = rocket.state::<Db>().map(Db::closing);
    rocket
        .launch()
        .await
        .map(drop)
        .map_err(|e| format!("the server stopped: {e}"))?;
    Ok(closing)
}
