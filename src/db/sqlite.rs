//! SQLite connections: the pragmas that make an acknowledged write survive a crash or power loss
//! (WAL, `synchronous=FULL`), referential integrity, a busy timeout for concurrent writers, and
//! the background checkpointer that keeps the write-ahead log small.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::r2d2;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

/// How long a writer waits for the lock before giving up.
pub const BUSY_TIMEOUT_MS: u32 = 10_000;

pub(super) fn open(path: &Path) -> Result<SqliteConnection, r2d2::Error> {
    let path = path.to_str().ok_or_else(|| {
        r2d2::Error::ConnectionError(diesel::ConnectionError::InvalidConnectionUrl(
            "the SQLite path is not valid UTF-8".into(),
        ))
    })?;
    let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
    // busy_timeout comes first: switching to WAL needs the lock another connection may hold.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA wal_autocheckpoint = 0;
         PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};"
    ))
    .map_err(r2d2::Error::QueryError)?;
    // Asking for WAL reports the mode actually in force; anything else is not durable enough.
    let mode = pragma(&mut conn, "journal_mode").map_err(r2d2::Error::QueryError)?;
    if mode != "wal" {
        return Err(r2d2::Error::ConnectionError(
            diesel::ConnectionError::BadConnection(format!(
                "SQLite refused write-ahead logging (journal_mode is `{mode}`)"
            )),
        ));
    }
    Ok(conn)
}

/// How often the background checkpointer copies the write-ahead log into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// What a reset write-ahead log is cut back to. Under steady load readers keep the log from
/// restarting, so it grows; once it can restart, anything beyond this is given back to the disk.
pub const JOURNAL_SIZE_LIMIT: u64 = 4 * 1024 * 1024;

/// How long the checkpointer's truncating checkpoint waits for readers and writers. It runs only
/// when the writer is idle; a short wait means a request arriving meanwhile is never held up long.
const TRUNCATE_WAIT_MS: u32 = 100;

/// Copies the write-ahead log into the database file from a thread of its own. SQLite would
/// otherwise checkpoint inside whichever commit crosses its threshold, and every writer queued
/// behind that commit would wait for the checkpoint's fsyncs. A PASSIVE checkpoint never blocks
/// readers or writers. When a tick finds no new frames since the last one (the writer is idle),
/// a TRUNCATE checkpoint empties the log file. Dropping the returned guard stops the thread after
/// a last truncating checkpoint and waits for it, so its connection is closed when drop returns.
pub(super) fn start_checkpointer(path: &Path) -> Result<Checkpointer, r2d2::Error> {
    let mut conn = open(path)?;
    conn.batch_execute(&format!("PRAGMA busy_timeout = {TRUNCATE_WAIT_MS};"))
        .map_err(r2d2::Error::QueryError)?;
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("hearken-checkpoint".into())
        .spawn(move || {
            let mut last_frames = 0;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(CHECKPOINT_EVERY)
            {
                match checkpoint(&mut conn, "PASSIVE") {
                    Ok(Some(frames)) if frames > 0 && frames == last_frames => {
                        // Busy means a reader or writer came along; the next idle tick tries again.
                        if let Ok(Some(left)) = checkpoint(&mut conn, "TRUNCATE") {
                            last_frames = left;
                        }
                    }
                    Ok(Some(frames)) => last_frames = frames,
                    Ok(None) => {}
                    // A full disk is logged once for all writers, not twice a second here.
                    Err(e) if crate::error::cannot_write_now(&e) => {
                        super::outage::failed(&format_args!("checkpoint: {e}"));
                    }
                    Err(e) => log::warn!("checkpoint failed (retried shortly): {e}"),
                }
            }
            let _ = checkpoint(&mut conn, "TRUNCATE");
        })
        .map_err(|e| {
            r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e.to_string()))
        })?;
    Ok(Checkpointer {
        stop: Some(stop),
        thread: Some(thread),
    })
}

#[derive(QueryableByName)]
struct CheckpointResult {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

/// Runs one checkpoint in `mode`: the frames in the log afterwards (0 once it was emptied), or
/// `None` when readers or a writer kept it from finishing.
fn checkpoint(conn: &mut SqliteConnection, mode: &str) -> diesel::QueryResult<Option<i32>> {
    let result = diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})"))
        .get_result::<CheckpointResult>(conn)?;
    Ok((result.busy == 0).then_some(result.log.max(0)))
}

/// Stops the checkpointer thread when the last handle to the database goes.
pub struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[derive(QueryableByName)]
struct PragmaValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Reads a pragma's current value on this connection, e.g. `journal_mode` → `wal`.
pub fn pragma(conn: &mut SqliteConnection, name: &str) -> diesel::QueryResult<String> {
    if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return Err(diesel::result::Error::NotFound);
    }
    // Each pragma's table-valued function names its column; busy_timeout's is `timeout`.
    let column = if name == "busy_timeout" {
        "timeout"
    } else {
        name
    };
    diesel::sql_query(format!(
        "SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"
    ))
    .get_result::<PragmaValue>(conn)
    .map(|row| row.value)
}

/// File systems whose locking SQLite cannot trust: a database there can be corrupted.
const NETWORK_FILESYSTEMS: &[(i64, &str)] = &[
    (0x6969, "NFS"),
    (0xFF53_4D42, "CIFS"),
    (0xFE53_4D42, "SMB2"),
    (0x517B, "SMB"),
    (0x6573_5546, "FUSE"),
];

/// Names the network file system `magic` identifies, if any.
pub fn network_filesystem_name(magic: i64) -> Option<&'static str> {
    NETWORK_FILESYSTEMS
        .iter()
        .find(|(m, _)| *m == magic)
        .map(|(_, name)| *name)
}

pub(super) fn refuse_network_filesystem(dir: &Path) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let stat = rustix::fs::statfs(dir)
            .map_err(|e| format!("cannot inspect {}: {e}", dir.display()))?;
        #[allow(clippy::unnecessary_cast)]
        if let Some(name) = network_filesystem_name(stat.f_type as i64) {
            return Err(format!(
                "{} is on {name}, where SQLite's locking is unreliable; use a local disk or PostgreSQL",
                dir.display()
            ));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_filesystems_are_recognised() {
        assert_eq!(network_filesystem_name(0x6969), Some("NFS"));
        assert_eq!(network_filesystem_name(0xFF53_4D42), Some("CIFS"));
        assert_eq!(network_filesystem_name(0xEF53), None, "ext4 is local");
    }

    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        used: i32,
    }

    /// The bundled SQLite is built with the query planner stability guarantee (set in the
    /// package's cargo config), so a cached statement with a bound LIMIT is not compiled again
    /// on every call. Without it every `first()` pays a parse and a plan.
    #[test]
    fn bound_values_never_recompile_a_statement() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut conn = open(&dir.path().join("t.db")).expect("open");
        let used: Used =
            diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
                .get_result(&mut conn)
                .expect("compile option");
        assert_eq!(used.used, 1, "SQLite was built without SQLITE_ENABLE_QPSG");
    }
}
