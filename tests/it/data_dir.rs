//! The data directory over the real binary: who may read it (security check 59) and what the
//! SQLite write-ahead log leaves on disk after a load and after a clean stop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::smtp::free_port;

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Sends SIGTERM and waits for a clean exit.
    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "the server exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn hearken(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .env("HEARKEN_DATA_DIR", data_dir)
        .env_remove("HEARKEN_DATABASE_URL")
        .env("HEARKEN_PASSWORD", crate::PASSWORD)
        // The load below comes from one loopback address.
        .env("HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE", "0")
        .env("ROCKET_LOG_LEVEL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn run(data_dir: &Path, args: &[&str]) -> String {
    let output = hearken(data_dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Starts `command` on a fresh port and waits until it answers.
fn start(command: &mut Command) -> (Server, u16) {
    let port = free_port();
    let server = Server(
        command
            .env("ROCKET_PORT", port.to_string())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(http(port, "GET", "/health", &[], ""), Ok((200, _))) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

/// One request on its own connection; the status and the whole response (head and body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    write!(stream, "{head}\r\n{body}")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, response))
}

fn api(port: u16, token: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, response) = http(port, method, path, &headers, body).unwrap();
    assert!((200..300).contains(&status), "{method} {path}: {response}");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap()
}

/// A designer's token (made with the command-line tools) and a published survey's id.
fn published_survey(data_dir: &Path, port: u16) -> (String, String) {
    run(
        data_dir,
        &[
            "user",
            "add",
            "--email",
            "files@example.com",
            "--name",
            "Files",
            "--role",
            "designer",
        ],
    );
    let token = run(
        data_dir,
        &["token", "create", "--email", "files@example.com"],
    );
    let survey = api(
        port,
        &token,
        "POST",
        "/api/v1/surveys",
        r#"{"title": "Files", "questions": [{"id": "q", "kind": "text", "prompt": "Anything?"}]}"#,
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        port,
        &token,
        "POST",
        &format!("/api/v1/surveys/{survey}/publish"),
        "{}",
    );
    (token, survey)
}

/// Every path under `root` (itself included) with its permission bits.
fn modes(root: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = vec![];
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
        found.push((path, meta.permissions().mode() & 0o777));
    }
    found
}

fn assert_private(root: &Path) {
    for (path, mode) in modes(root) {
        let wanted = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{} is {mode:o}", path.display());
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn the_data_directory_and_every_file_in_it_are_private_and_loose_ones_are_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, port) = start(hearken(&data).env("HEARKEN_MAIL_TRANSPORT", "file"));
    let (token, survey) = published_survey(&data, port);
    api(
        port,
        &token,
        "POST",
        "/api/v1/contacts",
        r#"[{"email": "reader@example.com", "name": "Reader"}]"#,
    );
    api(
        port,
        &token,
        "POST",
        &format!("/api/v1/surveys/{survey}/invitations"),
        r#"{"all_contacts": true}"#,
    );
    let outbox = data.join("outbox");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(&outbox).map_or(0, |d| d.count()) == 0 {
        assert!(Instant::now() < deadline, "no email was written");
        std::thread::sleep(Duration::from_millis(50));
    }
    let names: Vec<_> = modes(&data).into_iter().map(|(p, _)| p).collect();
    for expected in ["hearken.db", "hearken.db-wal", "secret_key", "outbox"] {
        assert!(
            names.contains(&data.join(expected)),
            "{expected}: {names:?}"
        );
    }
    assert_private(&data);
    server.terminate();

    // As an older version left them: readable by everyone.
    for (path, _) in modes(&data) {
        set_mode(&path, if path.is_dir() { 0o755 } else { 0o644 });
    }
    let log = dir.path().join("log");
    let (server, _) = start(
        hearken(&data)
            .env("HEARKEN_MAIL_TRANSPORT", "file")
            .env("ROCKET_LOG_LEVEL", "critical")
            .stdout(std::fs::File::create(&log).unwrap()),
    );
    assert_private(&data);
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("was readable by other users"), "{said}");
    server.terminate();
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn wal_size(data: &Path) -> Option<u64> {
    std::fs::metadata(data.join("hearken.db-wal"))
        .ok()
        .map(|m| m.len())
}

#[test]
fn the_write_ahead_log_is_emptied_after_a_load_and_removed_at_a_clean_stop() {
    if crate::TestDatabase::new(Path::new("")).is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, port) = start(hearken(&data).env("HEARKEN_MAIL_TRANSPORT", "memory"));
    let (_, survey) = published_survey(&data, port);
    let path = Arc::new(format!("/s/{survey}"));

    // Eight respondents for a few seconds, each answering as fast as the server takes it.
    let stop = Arc::new(AtomicBool::new(false));
    let stored = Arc::new(AtomicUsize::new(0));
    let largest = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (path, stop, stored) = (path.clone(), stop.clone(), stored.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (_, page) = http(port, "GET", &path, &[], "").unwrap();
                    let cookie = page
                        .lines()
                        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: "))
                        .map(|l| &l["set-cookie: ".len()..])
                        .and_then(|c| c.split(';').next())
                        .unwrap()
                        .to_string();
                    let body = format!(
                        "csrf={}&submission={}&q.q=Something+to+say+about+the+service",
                        hidden(&page, "csrf"),
                        hidden(&page, "submission")
                    );
                    let headers = [
                        ("Content-Type", "application/x-www-form-urlencoded"),
                        ("Cookie", cookie.as_str()),
                    ];
                    let (status, _) = http(port, "POST", &path, &headers, &body).unwrap();
                    assert_eq!(status, 303);
                    stored.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        let size = wal_size(&data).unwrap_or(0) as usize;
        largest.fetch_max(size, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    assert!(stored.load(Ordering::Relaxed) > 50, "too little load");

    // The writer is idle now: within a few checkpoint ticks the log is emptied.
    let deadline = Instant::now() + Duration::from_secs(5);
    while wal_size(&data).unwrap_or(0) > 0 {
        assert!(
            Instant::now() < deadline,
            "the log stayed at {:?} bytes after the load ({} submissions, at most {} bytes)",
            wal_size(&data),
            stored.load(Ordering::Relaxed),
            largest.load(Ordering::Relaxed)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "{} submissions; log at most {} bytes during the load, 0 after it",
        stored.load(Ordering::Relaxed),
        largest.load(Ordering::Relaxed)
    );

    server.terminate();
    assert_eq!(
        wal_size(&data),
        None,
        "the log is still there after SIGTERM"
    );
    assert!(data.join("hearken.db").exists());
}
