//! The database layer: durability settings on every pooled connection (check 36), writers that
//! take the lock up front, migration folders that match, and clear start-up errors.

use std::time::{Duration, Instant};

use rocket::local::blocking::Client;

use crate::{TestApp, TestDatabase, test_figment};

#[cfg(feature = "sqlite")]
#[test]
fn every_pooled_sqlite_connection_is_durable_and_enforces_foreign_keys() {
    use hearken::db::sqlite::pragma;
    let app = TestApp::new();
    if app.database.is_postgres() {
        return;
    }
    // Hold every connection of the pool at once, so each one is checked, not just the first.
    let size = app.settings().database_pool_size as usize;
    let mut held = Vec::new();
    for _ in 0..size {
        held.push(app.db().conn().unwrap());
    }
    for conn in &mut held {
        let sqlite = conn.as_sqlite().expect("an SQLite connection");
        assert_eq!(pragma(sqlite, "journal_mode").unwrap(), "wal");
        assert_eq!(pragma(sqlite, "synchronous").unwrap(), "2", "FULL");
        assert_eq!(pragma(sqlite, "foreign_keys").unwrap(), "1");
        // Not a table-valued pragma (it can change state), so it is read with PRAGMA itself.
        #[derive(diesel::QueryableByName)]
        struct AutoCheckpoint {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            wal_autocheckpoint: i32,
        }
        use diesel::RunQueryDsl;
        let auto = diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result::<AutoCheckpoint>(sqlite)
            .unwrap();
        assert_eq!(
            auto.wal_autocheckpoint, 0,
            "checkpoints run in the background"
        );
        let busy: u32 = pragma(sqlite, "busy_timeout").unwrap().parse().unwrap();
        assert!(busy >= 5000, "{busy}");
    }
    assert_eq!(held.len(), size);
}

#[cfg(feature = "sqlite")]
#[test]
fn writers_take_the_write_lock_when_they_begin() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::new();
    if app.database.is_postgres() {
        return;
    }
    let mut writer = app.db().conn().unwrap();
    let mut other = app.db().conn().unwrap();
    hearken::db::write(&mut writer, |_| {
        // Nothing written yet, but the lock is already held: another writer cannot start.
        other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        let blocked = other.batch_execute("BEGIN IMMEDIATE");
        assert!(
            blocked.is_err(),
            "a second immediate transaction must wait for the first"
        );
        Ok::<_, hearken::Error>(())
    })
    .unwrap();
    other
        .batch_execute("BEGIN IMMEDIATE; ROLLBACK; PRAGMA busy_timeout = 10000")
        .unwrap();
}

#[test]
fn foreign_keys_are_enforced() {
    let app = TestApp::new();
    let now = app.minutes_ago(0);
    let mut conn = app.db().conn().unwrap();
    use diesel::connection::SimpleConnection;
    let orphan = conn.batch_execute(&format!(
        "INSERT INTO sessions (token_hash, user_id, credential_version, created_at, last_seen_at) VALUES ('x', 'no-such-user', 0, {now}, {now})"
    ));
    assert!(
        orphan.is_err(),
        "a session for a missing user must be refused"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_durability_is_checked_at_start() {
    use diesel::{Connection, RunQueryDsl};
    let app = TestApp::new();
    if !app.database.is_postgres() {
        return;
    }
    let url = app.database.url.clone();
    let mut conn = app.db().conn().unwrap();
    let pg = conn.as_postgres().expect("a PostgreSQL connection");
    for name in ["fsync", "synchronous_commit", "full_page_writes"] {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            setting: String,
        }
        let value = diesel::sql_query(format!(
            "SELECT setting FROM pg_settings WHERE name = '{name}'"
        ))
        .get_result::<Setting>(pg)
        .unwrap();
        assert_eq!(value.setting, "on", "{name}");
    }
    drop(conn);
    let db_name = url.rsplit('/').next().unwrap().to_string();
    let mut admin = diesel::pg::PgConnection::establish(&url).unwrap();
    diesel::sql_query(format!(
        "ALTER DATABASE {db_name} SET synchronous_commit = off"
    ))
    .execute(&mut admin)
    .unwrap();
    let target = hearken::config::DatabaseUrl::parse(&url).unwrap();
    let refused = hearken::db::Db::open(&target, 1, false)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("synchronous_commit=off"), "{refused}");
    assert!(
        hearken::db::Db::open(&target, 1, true).is_ok(),
        "the explicit flag accepts it"
    );
}

#[test]
fn migration_folders_have_the_same_names_for_both_backends() {
    let names = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!("migrations/{backend}"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for backend in ["sqlite", "postgres"] {
        for name in &sqlite {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    std::path::Path::new(&format!("migrations/{backend}/{name}/{file}")).is_file(),
                    "{backend}/{name}/{file}"
                );
            }
        }
    }
}

fn start_error(database_url: &str) -> (bool, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let figment = test_figment(dir.path(), database_url);
    let started = Instant::now();
    let failed = match Client::tracked(hearken::build(figment)) {
        Ok(_) => false,
        Err(error) => {
            // Looking at the error marks it handled (Rocket panics on an unhandled one).
            let _ = error.kind();
            true
        }
    };
    (failed, started.elapsed())
}

#[test]
fn a_bad_database_url_stops_the_start_within_seconds() {
    let (failed, took) = start_error("mysql://root@localhost/hearken");
    assert!(failed);
    assert!(took < Duration::from_secs(5), "{took:?}");

    // Nothing listens on port 1: the error comes at once, not after a pool timeout.
    let (failed, took) = start_error("postgres://hearken:secret@127.0.0.1:1/hearken");
    assert!(failed);
    assert!(took < Duration::from_secs(10), "{took:?}");

    let opened =
        hearken::config::DatabaseUrl::parse("postgres://hearken:secret@127.0.0.1:1/hearken")
            .map_err(|e| e.to_string())
            .and_then(|url| {
                hearken::db::Db::open(&url, 1, false)
                    .map(drop)
                    .map_err(|e| e.to_string())
            });
    let message = opened.err().unwrap_or_default();
    if cfg!(feature = "postgres") {
        assert!(
            message.contains("postgres://hearken:***@127.0.0.1:1/hearken"),
            "{message}"
        );
        assert!(
            !message.contains("secret"),
            "the password is not shown: {message}"
        );
    } else {
        assert!(message.contains("--features postgres"), "{message}");
    }
}

#[test]
fn a_fresh_database_is_migrated_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let app = Client::tracked(hearken::build(test_figment(dir.path(), &database.url))).unwrap();
    let db = app.rocket().state::<hearken::Db>().unwrap();
    let mut conn = db.conn().unwrap();
    assert!(
        hearken::db::migrate::run_pending(&mut conn)
            .unwrap()
            .is_empty(),
        "start-up applied them all"
    );
    assert_eq!(hearken::auth::model::user_count(&mut conn).unwrap(), 0);
}

#[cfg(feature = "sqlite")]
#[test]
fn the_background_checkpointer_keeps_the_log_short() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::new();
    if app.database.is_postgres() {
        return;
    }
    let wal = app.dir.path().join("hearken.db-wal");
    {
        let mut conn = app.db().conn().unwrap();
        conn.batch_execute("CREATE TABLE filler (x TEXT)").unwrap();
        for _ in 0..200 {
            conn.batch_execute(&format!(
                "INSERT INTO filler VALUES ('{}')",
                "x".repeat(4000)
            ))
            .unwrap();
        }
    }
    let frames = |conn: &mut hearken::db::PooledConn| {
        #[derive(diesel::QueryableByName)]
        struct Checkpoint {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            log: i32,
            #[diesel(sql_type = diesel::sql_types::Integer)]
            checkpointed: i32,
        }
        use diesel::RunQueryDsl;
        // A no-op checkpoint that only reports: frames in the log, and how many are copied.
        let row = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
            .get_result::<Checkpoint>(&mut **conn)
            .unwrap();
        (row.log, row.checkpointed)
    };
    assert!(wal.exists());
    // Within a couple of intervals the checkpointer has copied every frame to the database.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        std::thread::sleep(Duration::from_millis(600));
        let (log, checkpointed) = frames(&mut app.db().conn().unwrap());
        // Every frame copied; an idle writer's log may already be truncated to none.
        if log == checkpointed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the log was not checkpointed: {log} frames, {checkpointed} copied"
        );
    }
}
