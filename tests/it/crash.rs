//! Crash tests: the real server killed with SIGKILL while it sends a batch of invitations, then
//! restarted.
//!
//! Security check 47 (b) and (e): a relay killed after the sink accepted DATA but before the
//! row was recorded as sent sends that message again after the restart, with the same
//! Message-ID, and nothing else twice; nothing is lost; and the restarted server sends what the
//! killed one held at once, not after its lease.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hearken::config::DatabaseUrl;
use hearken::db::Db;
use hearken::db::schema::outbox;

use crate::TestDatabase;
use crate::smtp::{Behaviour, SmtpServer, free_port};

const CONTACTS: usize = 500;

/// The outbox worker's messages in flight at once (`CONCURRENT_SENDS` in the worker): the most
/// a kill can catch between the relay's `250` and the row's update.
pub(crate) const IN_FLIGHT: usize = 8;

pub(crate) fn hearken(dir: &Path, database_url: &str, smtp_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .env("HEARKEN_DATA_DIR", dir)
        .env("HEARKEN_DATABASE_URL", database_url)
        .env("HEARKEN_MAIL_TRANSPORT", "smtp")
        .env("HEARKEN_SMTP_URL", smtp_url)
        .env(
            "HEARKEN_MAIL_FROM",
            "Hearken Surveys <surveys@hearken.example>",
        )
        .env("HEARKEN_PASSWORD", crate::PASSWORD)
        .env("ROCKET_LOG_LEVEL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Runs a console command of the binary to its end; its trimmed output.
pub(crate) fn cli(dir: &Path, database_url: &str, smtp_url: &str, args: &[&str]) -> String {
    let output = hearken(dir, database_url, smtp_url)
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

/// Kills the server even when an assertion fails.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server on a fresh port and waits until it answers.
pub(crate) fn start(dir: &Path, database_url: &str, smtp_url: &str) -> (Server, u16) {
    let port = free_port();
    let server = Server(
        hearken(dir, database_url, smtp_url)
            .env("ROCKET_PORT", port.to_string())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((200, _)) = http(port, "GET", "/health", None, "") {
            return (server, port);
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One request on its own connection (JSON body, optional bearer token); the status and the body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    request(port, method, path, &headers, body)
}

/// One request on its own connection with a JSON body and extra headers; the status (0 when
/// the answer had no status line, as when the server died) and the body.
pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    Ok((status, body))
}

/// Creates the survey `body` describes through the API of a running server and publishes it;
/// its id.
pub(crate) fn published(port: u16, token: &str, body: &str) -> String {
    let survey = api(port, token, "POST", "/api/v1/surveys", body)["id"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        port,
        token,
        "POST",
        &format!("/api/v1/surveys/{survey}/publish"),
        "{}",
    );
    survey
}

/// Adds `count` contacts (`{prefix}.{i}@example.com`) and invites them all to `survey`.
pub(crate) fn invite_contacts(port: u16, token: &str, survey: &str, prefix: &str, count: usize) {
    let contacts: Vec<serde_json::Value> = (0..count)
        .map(|i| serde_json::json!({"email": format!("{prefix}.{i}@example.com"), "name": format!("Invitee {i}")}))
        .collect();
    let imported = api(
        port,
        token,
        "POST",
        "/api/v1/contacts",
        &serde_json::Value::from(contacts).to_string(),
    );
    assert_eq!(imported["created"], count);
    let invited = api(
        port,
        token,
        "POST",
        &format!("/api/v1/surveys/{survey}/invitations"),
        r#"{"all_contacts": true}"#,
    );
    assert_eq!(invited["queued"], count);
}

pub(crate) fn api(
    port: u16,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> serde_json::Value {
    let (status, text) = http(port, method, path, Some(token), body).unwrap();
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Every outbox row as (recipient, Message-ID, status).
fn outbox_rows(db: &Db) -> Vec<(String, String, String)> {
    let mut conn = db.conn().unwrap();
    outbox::table
        .select((outbox::recipient, outbox::message_id, outbox::status))
        .load(&mut *conn)
        .unwrap()
}

#[test]
fn a_killed_sender_resends_only_what_was_in_flight_with_the_same_message_ids() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    // A slow relay, so the batch is still going when the kill comes.
    let sink = SmtpServer::start(Behaviour {
        data_delay: Duration::from_millis(15),
        ..Behaviour::default()
    });
    let run = |args: &[&str]| cli(dir.path(), &database.url, &sink.url(), args);
    run(&[
        "user",
        "add",
        "--email",
        "crash@example.com",
        "--name",
        "Crash",
        "--role",
        "designer",
    ]);
    let token = run(&["token", "create", "--email", "crash@example.com"]);

    let (mut first, port) = start(dir.path(), &database.url, &sink.url());
    let survey = published(
        port,
        &token,
        r#"{"title": "Crash survey", "questions": [{"id": "q", "kind": "text", "prompt": "Anything?"}]}"#,
    );
    invite_contacts(port, &token, &survey, "invitee", CONTACTS);

    // Past the first batch of 64, into the second.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.messages().len() < 100 {
        assert!(Instant::now() < deadline, "the sink received too little");
        std::thread::sleep(Duration::from_millis(2));
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    // The sink finishes the messages whose DATA it had whole (the in-flight ones) after its delay.
    std::thread::sleep(Duration::from_millis(200));
    let before_restart = sink.messages().len();
    assert!(
        before_restart < CONTACTS,
        "the kill came after every message was sent"
    );

    // The restarted server (the same host and data directory, so the same node) takes back at
    // once what its killed run held, rather than after the lease.
    let db = Db::open(&DatabaseUrl::parse(&database.url).unwrap(), 1, false).unwrap();
    let held = outbox_rows(&db)
        .iter()
        .filter(|(_, _, status)| status == "sending")
        .count();
    assert!(held > 0, "the kill left no email sending");
    let (_second, _) = start(dir.path(), &database.url, &sink.url());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = outbox_rows(&db);
        if rows.iter().all(|(_, _, status)| status == "sent") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not everything was sent after the restart: {:?}",
            rows.iter()
                .filter(|r| r.2 != "sent")
                .take(5)
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows = outbox_rows(&db);
    assert_eq!(rows.len(), CONTACTS);
    let queued_id: HashMap<&str, &str> = rows
        .iter()
        .map(|(to, id, _)| (to.as_str(), id.as_str()))
        .collect();

    let messages = sink.messages();
    let mut copies: HashMap<String, Vec<String>> = HashMap::new();
    for message in &messages {
        assert_eq!(message.to.len(), 1, "one recipient per message");
        copies
            .entry(message.to[0].to_lowercase())
            .or_default()
            .push(message.header("Message-ID").unwrap_or_default());
    }
    let expected: HashSet<String> = (0..CONTACTS)
        .map(|i| format!("invitee.{i}@example.com"))
        .collect();
    let received: HashSet<String> = copies.keys().cloned().collect();
    let missing: Vec<&String> = expected.difference(&received).collect();
    assert!(missing.is_empty(), "never received: {missing:?}");
    assert_eq!(copies.len(), CONTACTS, "nobody else received anything");
    for (recipient, ids) in &copies {
        assert!(ids.len() <= 2, "{recipient} received {} copies", ids.len());
        assert!(
            ids.iter()
                .all(|id| Some(&id.as_str()) == queued_id.get(recipient.as_str())),
            "{recipient}: every copy carries the Message-ID queued for it: {ids:?}"
        );
    }
    let duplicated = copies.values().filter(|ids| ids.len() > 1).count();
    assert!(
        duplicated <= IN_FLIGHT,
        "{duplicated} recipients received a second copy (the sink had {before_restart} messages \
         at the kill, {held} rows were left sending); only the {IN_FLIGHT} in flight may be"
    );
    assert_eq!(messages.len(), CONTACTS + duplicated);
}
