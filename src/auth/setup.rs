//! The first-run setup link: while no staff user exists, each start prints a one-time link to a
//! page that creates the first admin. The token is kept (as a digest) in the database, so any
//! node can serve the page, and it stops working once an admin exists.

use rocket::fairing::{AdHoc, Fairing};

use super::model;
use crate::config::Settings;
use crate::db::{self, Db, DbConn};
use crate::error::Result;
use crate::ids;

/// When no user exists, makes a new setup token (replacing older ones) and returns its link.
pub fn issue_link(conn: &mut DbConn, settings: &Settings) -> Result<Option<String>> {
    db::write(conn, |conn| {
        if model::user_count(conn)? > 0 {
            model::delete_setup_tokens(conn)?;
            return Ok(None);
        }
        let token = ids::new_secret();
        model::replace_setup_token(conn, &ids::digest(&token), db::now())?;
        Ok(Some(settings.link(&format!("/setup/{token}"))))
    })
}

/// Whether `token` is a live setup token (and no user exists yet).
pub fn is_valid(conn: &mut DbConn, token: &str) -> Result<bool> {
    Ok(model::user_count(conn)? == 0 && model::setup_token_exists(conn, &ids::digest(token))?)
}

/// Prints the setup link on the console once the server listens.
pub fn announce_fairing() -> impl Fairing {
    AdHoc::on_liftoff("First-run setup link", |rocket| {
        Box::pin(async move {
            let (Some(db), Some(settings)) = (rocket.state::<Db>(), rocket.state::<Settings>())
            else {
                return;
            };
            let settings = settings.clone();
            match db.run(move |conn| issue_link(conn, &settings)).await {
                Ok(Some(link)) => crate::web::logging::announce(&format!(
                    "\nNo staff account exists yet. Create the first admin here (the link works once):\n\n    {link}\n"
                )),
                Ok(None) => {}
                Err(e) => log::error!("could not create the setup link: {}", e.chain()),
            }
        })
    })
}
