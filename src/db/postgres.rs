//! PostgreSQL connections, and the start-up check that the server will not drop acknowledged
//! commits (`fsync`, `synchronous_commit` and `full_page_writes` all on).

use diesel::pg::PgConnection;
use diesel::r2d2;
use diesel::{Connection, QueryableByName, RunQueryDsl};

pub(super) fn open(url: &str) -> Result<PgConnection, r2d2::Error> {
    // An unreachable host must fail in seconds, not hang on the operating system's TCP timeout.
    let url = if url.contains("connect_timeout=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=5")
    } else {
        format!("{url}?connect_timeout=5")
    };
    PgConnection::establish(&url).map_err(r2d2::Error::ConnectionError)
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    setting: String,
}

/// Reads a server setting, e.g. `fsync` → `on`.
pub fn show(conn: &mut PgConnection, name: &str) -> diesel::QueryResult<String> {
    diesel::sql_query("SELECT setting FROM pg_settings WHERE name = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Setting>(conn)
        .map(|row| row.setting)
}

pub(super) fn check_durability(
    conn: &mut PgConnection,
    accept_data_loss: bool,
) -> Result<(), String> {
    for name in ["fsync", "synchronous_commit", "full_page_writes"] {
        let value = show(conn, name).map_err(|e| format!("cannot read `{name}`: {e}"))?;
        if value == "off" && !accept_data_loss {
            return Err(format!(
                "the server runs with {name}=off, so acknowledged answers could be lost; turn it on, \
                 or set HEARKEN_ACCEPT_DATA_LOSS=true to start anyway"
            ));
        }
    }
    Ok(())
}
