//! `hearken backup <file>`: a consistent copy of the SQLite database taken while the server
//! runs, with SQLite's online backup API. The copy is read in one read transaction, so it holds
//! every response committed before it began and none half-written; in write-ahead-log mode the
//! server's writers are not held up meanwhile. The copy is checked (`integrity_check`), synced
//! to disk and only then given its name, so a file under that name is always a whole backup.
//!
//! On PostgreSQL the database server owns its files; `pg_dump` is the tool for that.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rocket::figment::Figment;

use crate::config::{DatabaseUrl, Settings};

/// What a finished backup holds.
#[derive(Debug)]
pub struct Report {
    pub source: PathBuf,
    pub target: PathBuf,
    pub bytes: u64,
    pub took: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "backed up {} to {} ({:.1} MiB in {:.2} s); integrity check ok",
            self.source.display(),
            self.target.display(),
            self.bytes as f64 / (1024.0 * 1024.0),
            self.took.as_secs_f64()
        )
    }
}

/// Backs up the configured database into `target`, which must not exist yet.
pub fn run(figment: &Figment, target: &Path) -> Result<Report, String> {
    let settings = Settings::from_figment(figment).map_err(|e| e.to_string())?;
    let source = match settings.database {
        DatabaseUrl::Sqlite(path) => path,
        DatabaseUrl::Postgres(_) => {
            return Err(
                "the database is PostgreSQL: back it up with pg_dump, for example \
                 `pg_dump --format=custom --file=hearken.dump \"$HEARKEN_DATABASE_URL\"`, \
                 and restore it with pg_restore"
                    .into(),
            );
        }
    };
    if !source.is_file() {
        return Err(format!("there is no database at {}", source.display()));
    }
    if target.exists() {
        return Err(format!(
            "{} exists already; name a new file for the backup",
            target.display()
        ));
    }
    let started = Instant::now();
    let partial = partial_name(target);
    let _ = std::fs::remove_file(&partial);
    let copied = copy(&source, &partial).and_then(|()| finish(&partial, target));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    Ok(Report {
        source,
        target: target.to_path_buf(),
        bytes,
        took: started.elapsed(),
    })
}

/// Where the copy is written until it is whole: beside the target, so the rename stays on one
/// file system.
fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    target.with_file_name(name)
}

/// Checks the copy, syncs it and gives it its name.
fn finish(partial: &Path, target: &Path) -> Result<(), String> {
    check(partial)?;
    let file = std::fs::File::open(partial).map_err(|e| format!("cannot reopen the copy: {e}"))?;
    file.sync_all()
        .map_err(|e| format!("cannot sync the copy to disk: {e}"))?;
    std::fs::rename(partial, target)
        .map_err(|e| format!("cannot name the copy {}: {e}", target.display()))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn check(path: &Path) -> Result<(), String> {
    use diesel::Connection;
    let url = path.to_str().ok_or("the backup path is not valid UTF-8")?;
    let mut conn = diesel::sqlite::SqliteConnection::establish(url)
        .map_err(|e| format!("cannot open the copy: {e}"))?;
    let verdict = crate::db::sqlite::pragma(&mut conn, "integrity_check")
        .map_err(|e| format!("cannot check the copy: {e}"))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(format!("the copy failed its integrity check: {verdict}"))
    }
}

/// Copies `source` into a new file at `target` with the online backup API, in one step (one
/// read transaction), retrying while another connection holds a lock the backup must wait for.
fn copy(source: &Path, target: &Path) -> Result<(), String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    use libsqlite3_sys as ffi;

    let c_path = |path: &Path| {
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| format!("{} holds a NUL byte", path.display()))
    };
    let (source_path, target_path) = (c_path(source)?, c_path(target)?);
    let main = c"main";
    let mut from = Handle::default();
    let mut to = Handle::default();
    // SAFETY: every pointer passed is either a valid NUL-terminated string that outlives the
    // call or a handle opened here; handles are closed by `Handle`'s drop, after the backup
    // object that uses them has been finished.
    unsafe {
        let rc = ffi::sqlite3_open_v2(
            source_path.as_ptr(),
            &mut from.0,
            ffi::SQLITE_OPEN_READWRITE,
            std::ptr::null(),
        );
        from.check(rc, "cannot open the database")?;
        ffi::sqlite3_busy_timeout(from.0, 10_000);
        let rc = ffi::sqlite3_open_v2(
            target_path.as_ptr(),
            &mut to.0,
            ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
            std::ptr::null(),
        );
        to.check(rc, "cannot create the copy")?;
        let backup = ffi::sqlite3_backup_init(to.0, main.as_ptr(), from.0, main.as_ptr());
        if backup.is_null() {
            return Err(format!("cannot start the backup: {}", to.message()));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut step = ffi::sqlite3_backup_step(backup, -1);
        while matches!(step, ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            step = ffi::sqlite3_backup_step(backup, -1);
        }
        let finished = ffi::sqlite3_backup_finish(backup);
        if step != ffi::SQLITE_DONE {
            return Err(format!(
                "the backup stopped: {}",
                error_text(if step == ffi::SQLITE_OK {
                    finished
                } else {
                    step
                })
            ));
        }
        to.check(finished, "the backup failed")?;
    }
    Ok(())
}

/// An open SQLite handle, closed when dropped.
struct Handle(*mut libsqlite3_sys::sqlite3);

impl Default for Handle {
    fn default() -> Self {
        Handle(std::ptr::null_mut())
    }
}

impl Handle {
    fn check(&self, rc: i32, what: &str) -> Result<(), String> {
        if rc == libsqlite3_sys::SQLITE_OK {
            Ok(())
        } else {
            Err(format!("{what}: {}", self.message()))
        }
    }

    fn message(&self) -> String {
        if self.0.is_null() {
            return "out of memory".into();
        }
        // SAFETY: the handle is open; SQLite owns the returned string until the next call.
        unsafe {
            std::ffi::CStr::from_ptr(libsqlite3_sys::sqlite3_errmsg(self.0))
                .to_string_lossy()
                .into_owned()
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the handle was opened by sqlite3_open_v2 and is closed once.
            unsafe {
                libsqlite3_sys::sqlite3_close(self.0);
            }
        }
    }
}

fn error_text(rc: i32) -> String {
    // SAFETY: sqlite3_errstr returns a static string for any code.
    unsafe {
        std::ffi::CStr::from_ptr(libsqlite3_sys::sqlite3_errstr(rc))
            .to_string_lossy()
            .into_owned()
    }
}
