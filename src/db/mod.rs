//! The database: one connection type for SQLite and PostgreSQL (Diesel's `MultiConnection`), a
//! pool whose backend is chosen from the URL's scheme at run time, embedded migrations, and the
//! transaction helper every writer uses.

pub mod cached;
pub mod keyset;
pub mod migrate;
pub mod outage;
#[cfg(feature = "postgres")]
mod postgres;
pub mod schema;
pub mod search;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use std::time::Duration;

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};

use crate::config::DatabaseUrl;
use crate::error::{Error, Result};

/// A connection to whichever backend the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    #[cfg(feature = "sqlite")]
    Sqlite(diesel::sqlite::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(diesel::pg::PgConnection),
}

/// The database could not be opened at start; the message says where and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the database {target}: {reason}")]
pub struct OpenError {
    pub target: String,
    pub reason: String,
}

/// Opens connections for the pool; a custom manager so each backend is opened explicitly (no
/// guessing by trying every backend in turn) and SQLite connections get their settings.
#[derive(Debug)]
pub struct Manager {
    target: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.target {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => sqlite::open(path).map(DbConn::Sqlite),
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => postgres::open(url).map(DbConn::Postgres),
            #[allow(unreachable_patterns)]
            _ => Err(r2d2::Error::ConnectionError(
                diesel::ConnectionError::BadConnection(
                    "this build does not include the backend for that database URL".into(),
                ),
            )),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type PooledConn = PooledConnection<Manager>;

/// The shared pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    open: std::sync::Arc<Open>,
}

/// What lives as long as the last handle to the database. Fields drop in order: the pool's idle
/// connections close first, then the checkpointer empties the write-ahead log and closes its
/// own connection (the last one, so SQLite removes the log file), then [`Closing`] is told.
struct Open {
    _pool: Pool<Manager>,
    #[cfg(feature = "sqlite")]
    _checkpointer: Option<sqlite::Checkpointer>,
    _closed: ClosedOnDrop,
}

type ClosedFlag = std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>;

struct ClosedOnDrop(ClosedFlag);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        let (closed, changed) = &*self.0;
        match closed.lock() {
            Ok(mut closed) => *closed = true,
            Err(poisoned) => *poisoned.into_inner() = true,
        }
        changed.notify_all();
    }
}

/// Tells when every handle to the database is gone and its connections are closed, so a
/// stopping server can wait for that before the process exits: an SQLite file closed by its
/// last connection leaves no write-ahead log behind, one abandoned at exit does.
pub struct Closing(ClosedFlag);

impl Closing {
    /// Waits at most `timeout` for the database to close; whether it did.
    pub fn wait(&self, timeout: Duration) -> bool {
        let (closed, changed) = &*self.0;
        let Ok(guard) = closed.lock() else {
            return false;
        };
        match changed.wait_timeout_while(guard, timeout, |closed| !*closed) {
            Ok((closed, _)) => *closed,
            Err(_) => false,
        }
    }
}

impl Db {
    /// Opens the database, failing within seconds with a clear reason when it cannot.
    pub fn open(
        target: &DatabaseUrl,
        pool_size: u32,
        accept_data_loss: bool,
    ) -> Result<Self, OpenError> {
        let fail = |reason: String| OpenError {
            target: target.redacted(),
            reason,
        };
        if let DatabaseUrl::Sqlite(path) = target
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            crate::config::files::create_private_dir(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
            #[cfg(feature = "sqlite")]
            sqlite::refuse_network_filesystem(dir).map_err(fail)?;
        }
        // A file name, not one of SQLite's special names (`:memory:`, `file:` URIs).
        if let DatabaseUrl::Sqlite(path) = target
            && !path.to_string_lossy().starts_with(':')
            && !path.to_string_lossy().starts_with("file:")
        {
            crate::config::files::touch_private(path)
                .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
        }
        let manager = Manager {
            target: target.clone(),
        };
        // One direct attempt first: its error says what is wrong, where a pool would only time out.
        let mut first = manager.connect().map_err(|e| fail(e.to_string()))?;
        check_durability(&mut first, accept_data_loss).map_err(fail)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| fail(e.to_string()))?;
        #[cfg(feature = "sqlite")]
        let _checkpointer = match target {
            DatabaseUrl::Sqlite(path) => {
                Some(sqlite::start_checkpointer(path).map_err(|e| fail(e.to_string()))?)
            }
            _ => None,
        };
        let open = Open {
            _pool: pool.clone(),
            #[cfg(feature = "sqlite")]
            _checkpointer,
            _closed: ClosedOnDrop(Default::default()),
        };
        Ok(Self {
            pool,
            open: std::sync::Arc::new(open),
        })
    }

    /// A way to wait until this and every other handle to the database are dropped.
    pub fn closing(&self) -> Closing {
        Closing(self.open._closed.0.clone())
    }

    /// The pool's connections now: open, idle (open minus idle are in use) and the most it
    /// may open.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (
            state.connections,
            state.idle_connections,
            self.pool.max_size(),
        )
    }

    /// A pooled connection, for blocking code (CLI commands, tests, workers).
    pub fn conn(&self) -> Result<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work off the async executor.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        crate::blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }
}

#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
fn check_durability(conn: &mut DbConn, accept_data_loss: bool) -> Result<(), String> {
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(_) => Ok(()),
        #[cfg(feature = "postgres")]
        DbConn::Postgres(pg) => postgres::check_durability(pg, accept_data_loss),
    }
}

/// Runs `work` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so a writer takes the lock
/// up front and waits on the busy timeout instead of failing half-way; a plain transaction on
/// PostgreSQL. Commits when `work` succeeds, rolls back when it fails.
pub fn write<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    type Manager = <DbConn as diesel::Connection>::TransactionManager;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            outage::cleared();
            Ok(value)
        }
        // SQLite ends the whole transaction itself on some errors (a full disk, an I/O error):
        // then there is nothing left to roll back, and the error that ended it is the one to
        // report.
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(())
            | Err(
                diesel::result::Error::BrokenTransactionManager
                | diesel::result::Error::NotInTransaction,
            ) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Inside a write transaction, makes transactions that name the same lock run one after the
/// other, for check-then-insert logic (login limits, first-run setup). SQLite writers are
/// already serialised by `BEGIN IMMEDIATE`; PostgreSQL takes a transaction-scoped advisory lock.
#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
pub fn exclusive(conn: &mut DbConn, lock: &str) -> Result<()> {
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(_) => Ok(()),
        #[cfg(feature = "postgres")]
        DbConn::Postgres(pg) => {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(lock)
                .execute(pg)?;
            Ok(())
        }
    }
}

/// The current time as stored: UTC, whole microseconds (what both backends keep exactly).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// The day of `at`, as a time at midnight: what rows keep instead of the time where the time
/// could be matched with an anonymous response's.
pub fn day_of(at: NaiveDateTime) -> NaiveDateTime {
    at.date().and_time(chrono::NaiveTime::MIN)
}

impl DbConn {
    /// The SQLite connection inside, for SQLite-only checks.
    #[cfg(feature = "sqlite")]
    pub fn as_sqlite(&mut self) -> Option<&mut diesel::sqlite::SqliteConnection> {
        match self {
            DbConn::Sqlite(c) => Some(c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The PostgreSQL connection inside, for PostgreSQL-only checks.
    #[cfg(feature = "postgres")]
    pub fn as_postgres(&mut self) -> Option<&mut diesel::pg::PgConnection> {
        match self {
            DbConn::Postgres(c) => Some(c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// Which backend a connection talks to, for the few places that differ.
pub fn backend_name(conn: &DbConn) -> &'static str {
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(_) => "sqlite",
        #[cfg(feature = "postgres")]
        DbConn::Postgres(_) => "postgres",
    }
}

impl From<Error> for r2d2::Error {
    fn from(e: Error) -> Self {
        r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e.to_string()))
    }
}

/// A multi-row INSERT of `$rows` into `$table`. A macro, because Diesel's batch insert is not
/// available through the multi-backend connection: each backend's connection runs it itself.
#[macro_export]
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            #[cfg(feature = "sqlite")]
            $crate::db::DbConn::Sqlite(c) => {
                ::diesel::RunQueryDsl::execute(::diesel::insert_into($table).values($rows), c)
            }
            #[cfg(feature = "postgres")]
            $crate::db::DbConn::Postgres(c) => {
                ::diesel::RunQueryDsl::execute(::diesel::insert_into($table).values($rows), c)
            }
        }
    };
}

/// Runs CPU-heavy or blocking work (database calls, password hashing) off the async executor.
pub async fn blocking<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    rocket::tokio::task::spawn_blocking(work)
        .await
        .map_err(crate::error::Error::internal)
}
