//! The real server on a full disk (security checks 38 and 43): its files may not grow past a
//! limit (`RLIMIT_FSIZE`, with `SIGXFSZ` ignored, so a write past it fails the way a full disk
//! does), and answers keep coming. Every answer gets 503 with `Retry-After`, never a success,
//! and the condition is logged once, not once per answer.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::PASSWORD;
use crate::crash::http;
use crate::smtp::free_port;

fn hearken(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .env("HEARKEN_DATA_DIR", dir)
        .env("HEARKEN_DATABASE_URL", "")
        .env("HEARKEN_MAIL_TRANSPORT", "memory")
        .env("HEARKEN_PASSWORD", PASSWORD)
        .env("ROCKET_LOG_LEVEL", "critical")
        .stdin(Stdio::null());
    command
}

fn run(dir: &std::path::Path, args: &[&str]) -> String {
    let output = hearken(dir).args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server, its files capped at `max_file_bytes`; its console lines are collected.
fn start(
    dir: &std::path::Path,
    max_file_bytes: Option<u64>,
) -> (Server, u16, Arc<Mutex<Vec<String>>>) {
    let port = free_port();
    let mut command = hearken(dir);
    command
        .env("ROCKET_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(limit) = max_file_bytes {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let cap = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &cap) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = command.spawn().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(http(port, "GET", "/health", None, ""), Ok((200, _))) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port, lines)
}

/// The responses stored in the SQLite database in `dir`, and its `integrity_check` verdict.
fn stored_and_integrity(dir: &std::path::Path) -> (i64, String) {
    use diesel::{QueryDsl, RunQueryDsl};
    let db = hearken::Db::open(
        &hearken::config::DatabaseUrl::Sqlite(dir.join("hearken.db")),
        1,
        false,
    )
    .unwrap();
    let mut conn = db.conn().unwrap();
    let stored: i64 = hearken::db::schema::responses::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    let verdict =
        hearken::db::sqlite::pragma(conn.as_sqlite().unwrap(), "integrity_check").unwrap();
    (stored, verdict)
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[test]
fn a_full_disk_gets_503_and_a_log_line_not_one_per_answer() {
    if crate::TestDatabase::new(std::path::Path::new("/nonexistent")).is_postgres() {
        return; // A file-size cap fills only an SQLite database.
    }
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "full@example.com",
            "--name",
            "Full",
            "--role",
            "designer",
        ],
    );
    let token = run(
        dir.path(),
        &["token", "create", "--email", "full@example.com"],
    );
    let id = {
        let (_server, port, _) = start(dir.path(), None);
        let body = r#"{"title": "Full disk", "questions": [{"id": "q", "kind": "long_text", "prompt": "Anything?"}]}"#;
        let (status, created) = http(port, "POST", "/api/v1/surveys", Some(&token), body).unwrap();
        assert_eq!(status, 201, "{created}");
        let created: serde_json::Value = serde_json::from_str(&created).unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/surveys/{id}/publish");
        let (status, text) = http(port, "POST", &path, Some(&token), "{}").unwrap();
        assert_eq!(status, 200, "{text}");
        id
    };

    // Room for a few answers more than the files hold now, then the disk is full.
    let db = dir.path().join("hearken.db");
    let wal = dir.path().join("hearken.db-wal");
    let cap = file_size(&db).max(file_size(&wal)) + 256 * 1024;
    let (server, port, lines) = start(dir.path(), Some(cap));
    let answer = format!(r#"{{"answers": {{"q": "{}"}}}}"#, "x".repeat(8000));
    let path = format!("/api/v1/surveys/{id}/responses");
    let mut statuses: Vec<u16> = Vec::new();
    let mut full_since: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let (status, _) = http(port, "POST", &path, Some(&token), &answer).unwrap();
        statuses.push(status);
        if status >= 500 && full_since.is_none() {
            full_since = Some(Instant::now());
        }
        if let Some(since) = full_since
            && since.elapsed() > Duration::from_secs(5)
        {
            break;
        }
    }
    assert!(full_since.is_some(), "the disk filled up");
    let refused: Vec<u16> = statuses.iter().copied().filter(|s| *s >= 500).collect();
    // Errors and warnings (the console's prefixes); nothing else is logged at this level.
    let logged: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("Error:") || l.starts_with("Warning:"))
        .cloned()
        .collect();
    // The write-ahead log fills first; when the checkpointer has copied it into the database
    // file (which still has room), it starts over and writes succeed again for a while. Such
    // flapping still gets one line when it starts and one when it clears, not one per spell.
    let outages = statuses
        .windows(2)
        .filter(|w| w[0] < 500 && w[1] >= 500)
        .count();
    eprintln!(
        "disk full: {} answers refused in {outages} spells (statuses {:?}), {} error/warning lines:\n{}",
        refused.len(),
        refused.iter().collect::<std::collections::BTreeSet<_>>(),
        logged.len(),
        logged.join("\n")
    );
    drop(server);
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "only stored or 503: {statuses:?}"
    );
    assert!(
        refused.len() >= 20,
        "only {} answers while full",
        refused.len()
    );
    assert!(
        logged.len() <= 3,
        "{} lines for {} refused answers in {outages} spells",
        logged.len(),
        refused.len(),
    );
    // Every 201 was stored, nothing else was.
    let (stored, _) = stored_and_integrity(dir.path());
    let created = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(stored, created as i64);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Security check 43 on a real file system: the database on a small tmpfs that a filler file
/// fills during load. Answers get 503 (never a thank-you for an answer not stored); once the
/// filler is removed, answers are stored again by the same server, without a restart.
#[test]
fn a_tmpfs_filled_during_load_gets_503_and_recovers_without_a_restart() {
    if crate::TestDatabase::new(std::path::Path::new("/nonexistent")).is_postgres() {
        return; // The database server's disk is not the application's.
    }
    // SAFETY: geteuid only reads the process's user id.
    if unsafe { libc::geteuid() } != 0 {
        // Mounting needs root; CI runs as root, so this check runs there.
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let holder = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=12m,mode=0700", "tmpfs"])
        .arg(holder.path())
        .status()
        .unwrap();
    assert!(mounted.success(), "mount -t tmpfs failed");
    let _tmpfs = Tmpfs(holder.path().to_path_buf());
    let dir = holder.path();
    run(
        dir,
        &[
            "user",
            "add",
            "--email",
            "tmpfs@example.com",
            "--name",
            "Tmpfs",
            "--role",
            "designer",
        ],
    );
    let token = run(dir, &["token", "create", "--email", "tmpfs@example.com"]);
    let (_server, port, lines) = start(dir, None);
    let body = r#"{"title": "Small disk", "questions": [{"id": "q", "kind": "long_text", "prompt": "Anything?"}]}"#;
    let (status, created) = http(port, "POST", "/api/v1/surveys", Some(&token), body).unwrap();
    assert_eq!(status, 201, "{created}");
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let (status, _) = http(
        port,
        "POST",
        &format!("/api/v1/surveys/{id}/publish"),
        Some(&token),
        "{}",
    )
    .unwrap();
    assert_eq!(status, 200);

    let answer = format!(r#"{{"answers": {{"q": "{}"}}}}"#, "x".repeat(4000));
    let path = format!("/api/v1/surveys/{id}/responses");
    let mut statuses: Vec<u16> = Vec::new();
    let send = |statuses: &mut Vec<u16>| {
        let (status, _) = http(port, "POST", &path, Some(&token), &answer).unwrap();
        statuses.push(status);
        status
    };
    for _ in 0..20 {
        assert_eq!(send(&mut statuses), 201);
    }
    // Fill the file system, leaving the database nothing to grow into.
    let filler = dir.join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
    }
    let mut refused = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while refused < 20 {
        assert!(
            Instant::now() < deadline,
            "answers kept being stored on a full disk"
        );
        if send(&mut statuses) == 503 {
            refused += 1;
        }
    }
    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    let recovered = loop {
        if send(&mut statuses) == 201 {
            break freed.elapsed();
        }
        assert!(
            freed.elapsed() < Duration::from_secs(30),
            "no answer stored within 30 s of freeing space"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    for _ in 0..10 {
        assert_eq!(send(&mut statuses), 201, "answers after recovery");
    }
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "only stored or 503: {statuses:?}"
    );
    let logged = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("Error:") || l.starts_with("Warning:"))
        .count();
    assert!(logged >= 1, "the full disk was not logged");
    let created = statuses.iter().filter(|s| **s == 201).count();
    eprintln!(
        "tmpfs full: {created} stored, {} refused with 503, recovered {:.1} s after space was freed, {logged} log lines",
        statuses.iter().filter(|s| **s == 503).count(),
        recovered.as_secs_f64()
    );
    let (stored, verdict) = stored_and_integrity(dir);
    assert_eq!(
        stored, created as i64,
        "stored answers are exactly the 201s"
    );
    assert_eq!(verdict, "ok");
}
