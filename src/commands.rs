//! What the command-line tools do, apart from serving: add a staff user, create an API token,
//! apply migrations, load demo data, count results again. `main` parses the arguments and calls these.

use rocket::figment::Figment;

use crate::auth::model;
use crate::auth::users::{self, NewUserInput};
use crate::auth::{password, token};
use crate::config::Settings;
use crate::db::{self, Db};

/// The database for a command: one connection, used one step at a time. A larger pool would
/// open a replacement connection in the background whenever the command takes its one, and on
/// PostgreSQL that connection attempt can still be inside libpq (and its Kerberos library) when
/// the process exits, which aborts the process after the work was done.
fn open(figment: &Figment) -> Result<Db, String> {
    let mut settings = Settings::from_figment(figment).map_err(|e| e.to_string())?;
    settings.database_pool_size = 1;
    crate::open_blocking(&settings)
}

/// Creates a staff user and returns its id.
pub fn user_add(
    figment: &Figment,
    email: &str,
    name: &str,
    role: &str,
    password: &str,
) -> Result<String, String> {
    let input = NewUserInput::check(email, name, role, password).map_err(|e| e.to_string())?;
    let hash = password::hash(password).map_err(|e| e.chain())?;
    let db = open(figment)?;
    let mut conn = db.conn().map_err(|e| e.chain())?;
    let user = db::write(&mut conn, |conn| users::create(conn, &input, &hash))
        .map_err(|e| e.to_string())?;
    Ok(user.id)
}

/// Creates an API token for the user with this email and returns it.
pub fn token_create(figment: &Figment, email: &str, label: &str) -> Result<String, String> {
    let db = open(figment)?;
    let mut conn = db.conn().map_err(|e| e.chain())?;
    db::write(&mut conn, |conn| {
        let user = model::find_user_by_email(conn, email)?
            .filter(|u| u.active)
            .ok_or_else(|| {
                crate::Error::invalid("email", format!("no active user has the email {email}"))
            })?;
        token::issue(conn, &user.id, label)
    })
    .map_err(|e| e.to_string())
}

/// Applies pending migrations; returns the names of those applied.
pub fn migrate(figment: &Figment) -> Result<Vec<String>, String> {
    let settings = Settings::from_figment(figment).map_err(|e| e.to_string())?;
    let db =
        Db::open(&settings.database, 1, settings.accept_data_loss).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.chain())?;
    db::migrate::run_pending(&mut conn).map_err(|e| e.chain())
}

/// Loads the demo surveys with responses; returns their ids.
pub fn demo(figment: &Figment) -> Result<Vec<crate::demo::Loaded>, String> {
    let settings = Settings::from_figment(figment).map_err(|e| e.to_string())?;
    let db = open(figment)?;
    crate::demo::load(&db, &settings).map_err(|e| e.chain())
}

/// Counts the kept figures of one survey, or of every survey with responses, again from the
/// stored answers; returns each survey's id and response count.
pub fn results_rebuild(
    figment: &Figment,
    survey: Option<&str>,
) -> Result<Vec<(String, i64)>, String> {
    let db = open(figment)?;
    let mut conn = db.conn().map_err(|e| e.chain())?;
    crate::results::counting::rebuild(&mut conn, survey).map_err(|e| e.to_string())
}
