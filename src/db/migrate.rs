//! Embedded migrations, one folder per backend with identical names, applied at start and by
//! `hearken migrate`.

use diesel_migrations::MigrationHarness;

use super::DbConn;
use crate::error::{Error, Result};

#[cfg(feature = "sqlite")]
const SQLITE: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/postgres");

/// Applies every pending migration; returns the names of those applied now.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>> {
    let applied = match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(names),
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => {
            use diesel::RunQueryDsl;
            // Several nodes may start together: only one migrates at a time.
            diesel::sql_query("SELECT pg_advisory_lock(72706)").execute(c)?;
            let result = c.run_pending_migrations(POSTGRES).map(names);
            let unlocked = diesel::sql_query("SELECT pg_advisory_unlock(72706)").execute(c);
            // A failed migration is the error worth reporting, not a failed unlock after it.
            match (result, unlocked) {
                (Ok(_), Err(unlock)) => Err(unlock.into()),
                (result, _) => result,
            }
        }
    };
    applied.map_err(Error::Internal)
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}
