//! An export that fails part-way reaches the client cut off, never looking whole: over real
//! TCP through the front, the connection closes before the last chunk of a chunked body.

use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::TestDatabase;
use crate::cli::{Server, free_port, hearken, http_get_with, run, text};

fn raw_get(port: u16, path: &str, token: &str) -> String {
    http_get_with(port, path, &format!("Authorization: Bearer {token}\r\n"))
}

#[test]
fn an_export_that_fails_is_cut_off_not_ended_as_if_whole() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let loaded = run(hearken(dir.path(), &database.url).arg("demo"));
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    let added = run(hearken(dir.path(), &database.url)
        .args(["user", "add", "--email", "cut@example.com", "--name", "Cut"])
        .args(["--role", "analyst"])
        .env("HEARKEN_PASSWORD", crate::PASSWORD));
    assert!(added.status.success(), "{}", text(&added.stderr));
    let created = run(hearken(dir.path(), &database.url).args([
        "token",
        "create",
        "--email",
        "cut@example.com",
    ]));
    let token = text(&created.stdout).trim().to_string();

    // The spreadsheet writer needs a temporary file; a temporary folder that does not exist
    // makes every XLSX export fail after its response has begun.
    let port = free_port();
    let _server = Server(
        hearken(dir.path(), &database.url)
            .env("ROCKET_PORT", port.to_string())
            .env("TMPDIR", dir.path().join("no-such-folder"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let surveys = loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let listed = raw_get(port, "/api/v1/surveys", &token);
            if listed.starts_with("HTTP/1.1 200") {
                break listed;
            }
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (_, body) = surveys.split_once("\r\n\r\n").unwrap();
    let listed: serde_json::Value = serde_json::from_str(body).unwrap();
    let id = listed["items"][0]["id"].as_str().unwrap();

    let csv = raw_get(
        port,
        &format!("/api/v1/surveys/{id}/export?format=csv"),
        &token,
    );
    assert!(csv.starts_with("HTTP/1.1 200"), "{csv}");
    assert!(
        csv.to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
    );
    assert!(
        csv.ends_with("\r\n0\r\n\r\n"),
        "a whole export ends with its last chunk"
    );
    assert!(!csv.to_ascii_lowercase().contains("x-hearken-unfinished"));

    let xlsx = raw_get(
        port,
        &format!("/api/v1/surveys/{id}/export?format=xlsx"),
        &token,
    );
    // The connection is closed before the last chunk; when the failure comes before the
    // headers have left, it is closed before anything at all was sent.
    if !xlsx.is_empty() {
        assert!(xlsx.starts_with("HTTP/1.1 200"), "{xlsx}");
        assert!(
            xlsx.to_ascii_lowercase()
                .contains("transfer-encoding: chunked")
        );
    }
    assert!(
        !xlsx.ends_with("0\r\n\r\n"),
        "a failed export must not end like a whole one: {xlsx}"
    );
    assert!(!xlsx.to_ascii_lowercase().contains("x-hearken-unfinished"));

    // The server is still healthy afterwards.
    let again = raw_get(
        port,
        &format!("/api/v1/surveys/{id}/export?format=csv"),
        &token,
    );
    assert!(again.ends_with("\r\n0\r\n\r\n"));
}
