//! Memory ceilings over real TCP (security check 32): the biggest bodies each route accepts,
//! sent to the real server, must not raise its peak RSS by more than four times their size plus
//! a fixed margin, and its RSS must come back near where it was once they are answered.
//!
//! The figures are read from `/proc/<pid>/status`: `VmHWM` (the peak) and `VmRSS` (now).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::TestDatabase;
use crate::smtp::free_port;

/// What a request may cost beyond four times its body: buffers, a batch of rows, a page.
const MARGIN_KIB: u64 = 48 * 1024;

/// How far above its starting point the RSS may stay once the big bodies are answered.
const SETTLED_KIB: u64 = 24 * 1024;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hearken(dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .env("HEARKEN_DATA_DIR", dir)
        .env("HEARKEN_DATABASE_URL", database_url)
        .env("HEARKEN_MAIL_TRANSPORT", "memory")
        .env("HEARKEN_PASSWORD", crate::PASSWORD)
        .env("ROCKET_LOG_LEVEL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Starts the peak over: later reads of `VmHWM` show the peak since this call.
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// One request on its own connection: the status and the body (status 0 when nothing listens).
fn send(port: u16, head: &str, body: &[u8]) -> (u16, String) {
    let (status, _, body) = exchange(port, head, body);
    (status, body)
}

/// One request on its own connection: the status, the response head and the body.
fn exchange(port: u16, head: &str, body: &[u8]) -> (u16, String, String) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new(), String::new());
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (status, head.to_string(), body.to_string())
}

fn api(port: u16, token: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    send(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}"
        ),
        body,
    )
}

/// A big body and what the server must answer to it.
struct Case {
    name: &'static str,
    path: String,
    content_type: &'static str,
    /// Extra header lines, each ending in CRLF.
    headers: String,
    body: Vec<u8>,
    status: u16,
}

fn contacts_csv_of_bad_rows() -> Case {
    // The probe's body: a header and 8,388,600 one-letter rows, 16 MiB in all.
    let mut body = b"email\n".to_vec();
    body.extend(b"a\n".repeat(8_388_600));
    Case {
        name: "16 MiB CSV of bad rows",
        path: "/api/v1/contacts".into(),
        content_type: "text/csv",
        headers: String::new(),
        body,
        status: 200,
    }
}

fn contacts_json_of_bad_rows() -> Case {
    let mut body = b"[".to_vec();
    let row = br#"{"email":"a"},"#;
    while body.len() + row.len() < 16 * 1024 * 1024 - 32 {
        body.extend_from_slice(row);
    }
    body.extend_from_slice(br#"{"email":"a"}]"#);
    Case {
        name: "16 MiB JSON array of bad rows",
        path: "/api/v1/contacts".into(),
        content_type: "application/json",
        headers: String::new(),
        body,
        status: 200,
    }
}

fn contacts_csv_of_good_rows() -> Case {
    let mut body = b"email,name,city\n".to_vec();
    let mut n = 0;
    while body.len() < 2 * 1024 * 1024 {
        body.extend_from_slice(format!("p{n:07}@example.com,Person {n},Ghent\n").as_bytes());
        n += 1;
    }
    Case {
        name: "2 MiB CSV of new contacts",
        path: "/api/v1/contacts".into(),
        content_type: "text/csv",
        headers: String::new(),
        body,
        status: 200,
    }
}

fn survey_json_of_many_questions() -> Case {
    let mut body = br#"{"title":"Big","questions":["#.to_vec();
    let question = br#"{"kind":"text","prompt":"Why?"},"#;
    while body.len() + question.len() < 1024 * 1024 - 64 {
        body.extend_from_slice(question);
    }
    body.extend_from_slice(br#"{"kind":"text","prompt":"Why?"}]}"#);
    Case {
        name: "1 MiB survey of 30,000 small question objects",
        path: "/api/v1/surveys".into(),
        content_type: "application/json",
        headers: String::new(),
        body,
        status: 413,
    }
}

/// A form as a respondent's browser would send it (its cookie and hidden fields) followed by
/// about half a megabyte of empty fields.
fn survey_json_of_many_options() -> Case {
    // Within the JSON budget: one question with 190,000 one-letter options.
    let mut body =
        br#"{"title":"Big","questions":[{"kind":"choice","prompt":"Which?","options":["#.to_vec();
    for _ in 0..190_000 {
        body.extend_from_slice(br#""a","#);
    }
    body.extend_from_slice(br#""b"]}]}"#);
    Case {
        name: "1 MiB survey of 190,000 options",
        path: "/api/v1/surveys".into(),
        content_type: "application/json",
        headers: String::new(),
        body,
        status: 422,
    }
}

fn open_link_form_of_many_fields(port: u16, survey: &str) -> Case {
    let (status, head, page) = exchange(port, &format!("GET /s/{survey} HTTP/1.1"), b"");
    assert_eq!(status, 200, "{page}");
    let cookies: Vec<&str> = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|c| c.split(';').next())
        .collect();
    let mut body = Vec::new();
    for name in ["csrf", "submission"] {
        let value = crate::hidden_value(&page, name).unwrap();
        body.extend_from_slice(format!("{name}={value}&").as_bytes());
    }
    while body.len() < 500 * 1024 {
        body.extend_from_slice(b"q=&");
    }
    Case {
        name: "500 KiB respondent form of empty fields",
        path: format!("/s/{survey}"),
        content_type: "application/x-www-form-urlencoded",
        headers: format!("Cookie: {}\r\n", cookies.join("; ")),
        body,
        status: 422,
    }
}

#[test]
fn big_bodies_cost_at_most_four_times_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let run = |args: &[&str]| {
        let output = hearken(dir.path(), &database.url)
            .args(args)
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    run(&[
        "user",
        "add",
        "--email",
        "d@example.com",
        "--name",
        "D",
        "--role",
        "designer",
    ]);
    let token = run(&["token", "create", "--email", "d@example.com"]);

    let port = free_port();
    let server = Server(
        hearken(dir.path(), &database.url)
            .env("ROCKET_PORT", port.to_string())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while send(port, "GET /health HTTP/1.1", b"").0 != 200 {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = server.0.id();

    let (status, survey) = api(
        port,
        &token,
        "/api/v1/surveys",
        "application/json",
        br#"{"title":"Open","anonymous":true,"questions":[{"kind":"text","prompt":"Why?","required":true}]}"#,
    );
    assert_eq!(status, 201, "{survey}");
    let survey: serde_json::Value = serde_json::from_str(&survey).unwrap();
    let survey = survey["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/surveys/{survey}/publish");
    assert_eq!(api(port, &token, &path, "application/json", b"").0, 200);

    // Warm up every path once with a small body, so what is measured is the body's cost and not
    // the first use of a code path or a pool connection.
    for (path, content_type, body) in [
        (
            "/api/v1/contacts",
            "text/csv",
            &b"email\nw@example.com\n"[..],
        ),
        ("/api/v1/contacts", "application/json", &b"[]"[..]),
        ("/api/v1/surveys", "application/json", &b"{}"[..]),
    ] {
        api(port, &token, path, content_type, body);
    }
    let baseline = status_kib(pid, "VmRSS:");

    let mut figures = Vec::new();
    for case in [
        contacts_csv_of_bad_rows(),
        contacts_json_of_bad_rows(),
        contacts_csv_of_good_rows(),
        survey_json_of_many_questions(),
        survey_json_of_many_options(),
        open_link_form_of_many_fields(port, &survey),
    ] {
        let before = status_kib(pid, "VmRSS:");
        reset_peak(pid);
        let started = Instant::now();
        let head = format!(
            "POST {} HTTP/1.1\r\n{}Authorization: Bearer {token}\r\nContent-Type: {}",
            case.path, case.headers, case.content_type
        );
        let (status, answer) = send(port, &head, &case.body);
        let took = started.elapsed();
        let peak = status_kib(pid, "VmHWM:");
        assert_eq!(
            status,
            case.status,
            "{}: {}",
            case.name,
            &answer[..answer.len().min(500)]
        );
        assert!(
            answer.len() < 64 * 1024,
            "{}: the answer is {} bytes",
            case.name,
            answer.len()
        );
        let size_kib = case.body.len() as u64 / 1024;
        let grown = peak.saturating_sub(before);
        figures.push(format!(
            "{}: {} KiB body, peak +{} KiB, {:?}",
            case.name, size_kib, grown, took
        ));
        eprintln!("{}", figures[figures.len() - 1]);
        assert!(
            grown <= 4 * size_kib + MARGIN_KIB,
            "{}: peak RSS grew by {grown} KiB for a {size_kib} KiB body\n{}",
            case.name,
            figures.join("\n")
        );
    }
    let settled = status_kib(pid, "VmRSS:");
    println!(
        "{}\nRSS {baseline} KiB before, {settled} KiB after",
        figures.join("\n")
    );
    assert!(
        settled <= baseline + SETTLED_KIB,
        "RSS stayed at {settled} KiB after starting at {baseline} KiB\n{}",
        figures.join("\n")
    );
}
