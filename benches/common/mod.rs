//! What the over-the-wire benchmarks share: a raw HTTP/1.1 keep-alive client, starting the
//! optimised `hearken` binary on a free loopback port with a fresh data folder, running its
//! command-line tools, a designer's API token, a published survey, and the server's peak
//! resident memory and CPU time per thread.
//!
//! Each bench includes this with `mod common;`, so each compiles its own copy.

// Each bench is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One keep-alive HTTP/1.1 connection with a cookie jar of one cookie (the CSRF cookie).
pub struct Client {
    port: u16,
    stream: Option<BufReader<TcpStream>>,
    cookie: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

impl Client {
    pub fn new(port: u16) -> Self {
        Client {
            port,
            stream: None,
            cookie: None,
        }
    }

    /// Carries another connection's cookie over, as a browser does when a balancer sends its
    /// next request to another server.
    pub fn share_cookie(&mut self, other: &Client) {
        self.cookie.clone_from(&other.cookie);
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Reply> {
        let reused = self.stream.is_some();
        let result = self.attempt(method, path, headers, body);
        // The server closes a keep-alive connection left idle past its header timeout; like any
        // HTTP client, try once more on a new connection when a reused one ends before replying.
        match result {
            Err(e) if reused && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                self.attempt(method, path, headers, body)
            }
            other => other,
        }
    }

    fn attempt(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Reply> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(("127.0.0.1", self.port))?;
            stream.set_nodelay(true)?;
            // Long enough for the biggest single request a bench makes (inviting every contact).
            stream.set_read_timeout(Some(Duration::from_secs(120)))?;
            self.stream = Some(BufReader::new(stream));
        }
        let result = self.exchange(method, path, headers, body);
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Reply> {
        let Some(reader) = self.stream.as_mut() else {
            return Err(std::io::Error::other("not connected"));
        };
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(cookie) = &self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        head.push_str("\r\n");
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let (mut length, mut chunked, mut location, mut close) = (0usize, false, None, false);
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(0),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "location" => location = Some(value.to_string()),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "set-cookie" => {
                    if let Some(pair) = value.split(';').next() {
                        self.cookie = Some(pair.to_string());
                    }
                }
                _ => {}
            }
        }
        let mut bytes = Vec::new();
        if chunked {
            loop {
                line.clear();
                reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                bytes.extend_from_slice(&chunk[..size]);
            }
        } else {
            bytes.resize(length, 0);
            reader.read_exact(&mut bytes)?;
        }
        if close {
            self.stream = None;
        }
        Ok(Reply {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18080)
}

/// The running server; killed when dropped, so a failed assertion does not leave it behind.
pub struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server `command` describes (see [`hearken`]) and waits until it answers.
    pub fn start(command: &mut Command, port: u16) -> Server {
        let server = Server {
            child: command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("server starts"),
        };
        let mut probe = Client::new(port);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(probe.request("GET", "/health", &[], ""), Ok(r) if r.status == 200) {
            assert!(Instant::now() < deadline, "the server did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The most resident memory the server has used so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// CPU time (user and system) each thread name has used so far, summed over the threads of
    /// that name that are still alive; a rough profile of where the server spends its time.
    pub fn cpu_by_thread(&self) -> BTreeMap<String, Duration> {
        let mut used = BTreeMap::new();
        let tasks = format!("/proc/{}/task", self.child.id());
        let Ok(entries) = std::fs::read_dir(tasks) else {
            return used;
        };
        for entry in entries.flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // The name is in parentheses and may hold spaces; the numbers follow the last one.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = stat[open + 1..close].to_string();
            let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            // utime and stime, fields 14 and 15 of the line, in clock ticks (100 a second on
            // Linux unless the kernel was built otherwise).
            let ticks: u64 = fields
                .get(11..13)
                .map_or(0, |f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum());
            *used.entry(name).or_default() += Duration::from_millis(ticks * 10);
        }
        used
    }
}

/// The optimised binary on `port` with `data_dir`, its own SQLite database, mail kept in memory
/// and logging off; a bench adds or overrides settings with `.env`.
pub fn hearken(data_dir: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HEARKEN_DATA_DIR", data_dir)
        .env_remove("HEARKEN_DATABASE_URL")
        .env("HEARKEN_MAIL_TRANSPORT", "memory")
        // Every simulated respondent comes from one loopback address.
        .env("HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE", "0")
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_LOG_LEVEL", "off")
        .env("HEARKEN_PASSWORD", "rising tide lifts all boats");
    command
}

/// Runs a command-line tool to completion; its standard output, trimmed.
pub fn run(command: &mut Command) -> String {
    let output = command.output().expect("the hearken binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Adds a designer with the command-line tools (before the server starts, as an operator
/// would) and returns an API token for them.
pub fn designer_token(data_dir: &Path, port: u16) -> String {
    designer_token_with(|| hearken(data_dir, port))
}

/// [`designer_token`] with the tools run as `command` makes them (another database, say).
pub fn designer_token_with(command: impl Fn() -> Command) -> String {
    run(command().args([
        "user",
        "add",
        "--email",
        "bench@example.com",
        "--name",
        "Bench",
        "--role",
        "designer",
    ]));
    run(command().args(["token", "create", "--email", "bench@example.com"]))
}

pub const SURVEY: &str = r#"{
  "title": "Benchmark survey",
  "intro": "Your answers help us improve our service.",
  "questions": [
    {"id": "improve", "kind": "long_text", "prompt": "What should we improve first?", "required": true},
    {"id": "name", "kind": "text", "prompt": "Your first name"},
    {"id": "channel", "kind": "single_choice", "prompt": "How did you contact us?", "options": ["Phone", "Email", "Chat"], "other": true},
    {"id": "speed", "kind": "rating", "prompt": "How quickly was your problem solved?"},
    {"id": "recommend", "kind": "nps", "prompt": "How likely are you to recommend us?"}
  ]
}"#;

/// Creates [`SURVEY`] and publishes it; returns its id. `headers` carry the token and the JSON
/// content type.
pub fn published_survey(api: &mut Client, headers: &[(&str, &str)]) -> String {
    published_survey_with(api, headers, serde_json::Value::Null)
}

/// Like [`published_survey`], with `incentive` (a survey's `incentive` object) unless it is
/// `Null`, so a bench can compare a rewarded survey with the same survey unrewarded.
pub fn published_survey_with(
    api: &mut Client,
    headers: &[(&str, &str)],
    incentive: serde_json::Value,
) -> String {
    let mut body: serde_json::Value = serde_json::from_str(SURVEY).expect("SURVEY is JSON");
    if !incentive.is_null() {
        body["incentive"] = incentive;
    }
    let created = api
        .request("POST", "/api/v1/surveys", headers, &body.to_string())
        .expect("create survey");
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"]
        .as_str()
        .expect("survey id")
        .to_string();
    let published = api
        .request(
            "POST",
            &format!("/api/v1/surveys/{id}/publish"),
            headers,
            "{}",
        )
        .expect("publish");
    assert_eq!(published.status, 200, "{}", published.body);
    id
}

/// The value of the hidden form field `name` in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// Responses stored for a survey, counted through the API.
pub fn stored(api: &mut Client, headers: &[(&str, &str)], id: &str) -> usize {
    let mut n = 0usize;
    let mut after: Option<String> = None;
    loop {
        let query = after
            .as_deref()
            .map_or(String::new(), |a| format!("&after={a}"));
        let page = api
            .request(
                "GET",
                &format!("/api/v1/surveys/{id}/responses?limit=1000{query}"),
                headers,
                "",
            )
            .expect("list responses");
        n += page.body.matches("\"submitted_at\"").count();
        match page
            .body
            .split("\"next\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    n
}
