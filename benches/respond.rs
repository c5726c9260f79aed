//! Respondent load benchmark, over real TCP against the optimised server binary.
//!
//! Starts `hearken` on a free loopback port with a fresh SQLite database (WAL,
//! `synchronous=FULL`), publishes a survey, then runs two scenarios at 1, 16 and 64 concurrent
//! clients: fetching the respondent page, and a full open-link submission (GET the form, POST
//! the answers, which is acknowledged only after the commit). Prints requests or submissions
//! per second, p50 and p99 latency, errors, and the server's peak resident memory; finally
//! checks that every acknowledged submission is in the database.
//!
//! `cargo bench --bench respond`; `BENCH_SECONDS` (default 10) sets each run's length and
//! `BENCH_CLIENTS` (default `1,16,64`) the concurrency levels. Under `cargo test` it runs for
//! one second at 1 and 4 clients, as a smoke test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One keep-alive HTTP/1.1 connection with a cookie jar of one cookie (the CSRF cookie).
struct Client {
    port: u16,
    stream: Option<BufReader<TcpStream>>,
    cookie: Option<String>,
}

struct Reply {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Client {
    fn new(port: u16) -> Self {
        Client {
            port,
            stream: None,
            cookie: None,
        }
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Reply> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(("127.0.0.1", self.port))?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
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
        reader.read_line(&mut line)?;
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

fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18080)
}

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

fn hearken(data_dir: &std::path::Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HEARKEN_DATA_DIR", data_dir)
        .env_remove("HEARKEN_DATABASE_URL")
        .env("HEARKEN_MAIL_TRANSPORT", "memory")
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_LOG_LEVEL", "off")
        .env("HEARKEN_PASSWORD", "benchmark password 1");
    command
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("the hearken binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

const SURVEY: &str = r#"{
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

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    Page,
    Submission,
}

struct Outcome {
    done: usize,
    errors: usize,
    latencies: Vec<Duration>,
}

fn client_loop(port: u16, path: &str, scenario: Scenario, stop: &AtomicBool) -> Outcome {
    let mut client = Client::new(port);
    let mut outcome = Outcome {
        done: 0,
        errors: 0,
        latencies: Vec::new(),
    };
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let started = Instant::now();
        let ok = match client.request("GET", path, &[], "") {
            Ok(page) if page.status == 200 => match scenario {
                Scenario::Page => true,
                Scenario::Submission => {
                    let (Some(csrf), Some(key)) =
                        (hidden(&page.body, "csrf"), hidden(&page.body, "submission"))
                    else {
                        outcome.errors += 1;
                        continue;
                    };
                    let body = format!(
                        "csrf={csrf}&submission={key}&q.improve=Answer+the+phone+sooner+{n}&q.name=Ann&q.channel=Email&q.speed=4&q.recommend=9"
                    );
                    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
                    matches!(client.request("POST", path, &headers, &body), Ok(r) if r.status == 303 && r.location.is_some())
                }
            },
            _ => false,
        };
        if ok {
            outcome.done += 1;
            outcome.latencies.push(started.elapsed());
        } else {
            outcome.errors += 1;
        }
    }
    outcome
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, as a short smoke
    // test that the benchmark still works, not as a measurement.
    let measuring = std::env::args().any(|a| a == "--bench");
    let (default_seconds, default_clients) = if measuring {
        (10, "1,16,64")
    } else {
        (1, "1,4")
    };
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_seconds);
    let levels: Vec<usize> = std::env::var("BENCH_CLIENTS")
        .unwrap_or_else(|_| default_clients.into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let data = tempfile::tempdir().expect("temporary data folder");
    let port = free_port();
    run(hearken(data.path(), port).args([
        "user",
        "add",
        "--email",
        "bench@example.com",
        "--name",
        "Bench",
        "--role",
        "designer",
    ]));
    let token =
        run(hearken(data.path(), port).args(["token", "create", "--email", "bench@example.com"]));
    let server = Server {
        child: hearken(data.path(), port)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts"),
    };
    let mut api = Client::new(port);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(api.request("GET", "/health", &[], ""), Ok(r) if r.status == 200) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let created = api
        .request("POST", "/api/v1/surveys", &headers, SURVEY)
        .expect("create survey");
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created
        .body
        .split("\"id\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("survey id")
        .to_string();
    let published = api
        .request(
            "POST",
            &format!("/api/v1/surveys/{id}/publish"),
            &headers,
            "",
        )
        .expect("publish");
    assert_eq!(published.status, 200, "{}", published.body);
    let path = Arc::new(format!("/s/{id}"));

    println!(
        "hearken respondent benchmark: {seconds} s per run, SQLite WAL synchronous=FULL, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<12} {:>7} {:>10} {:>9} {:>9} {:>7}",
        "scenario", "clients", "per sec", "p50 ms", "p99 ms", "errors"
    );
    let mut acknowledged = 0usize;
    for scenario in [Scenario::Page, Scenario::Submission] {
        for &clients in &levels {
            let stop = Arc::new(AtomicBool::new(false));
            let threads: Vec<_> = (0..clients)
                .map(|_| {
                    let (stop, path) = (stop.clone(), path.clone());
                    std::thread::spawn(move || client_loop(port, &path, scenario, &stop))
                })
                .collect();
            let started = Instant::now();
            std::thread::sleep(Duration::from_secs(seconds));
            stop.store(true, Ordering::Relaxed);
            let outcomes: Vec<Outcome> =
                threads.into_iter().filter_map(|t| t.join().ok()).collect();
            let elapsed = started.elapsed().as_secs_f64();
            let done: usize = outcomes.iter().map(|o| o.done).sum();
            let errors: usize = outcomes.iter().map(|o| o.errors).sum();
            let mut latencies: Vec<Duration> =
                outcomes.into_iter().flat_map(|o| o.latencies).collect();
            latencies.sort();
            if scenario == Scenario::Submission {
                acknowledged += done;
            }
            println!(
                "{:<12} {:>7} {:>10.0} {:>9.2} {:>9.2} {:>7}",
                if scenario == Scenario::Page {
                    "page GET"
                } else {
                    "submission"
                },
                clients,
                done as f64 / elapsed,
                percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
                percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
                errors
            );
        }
    }
    println!(
        "server peak RSS: {:.1} MiB",
        server.peak_rss_kib() as f64 / 1024.0
    );

    // Every acknowledged submission must be stored (a few more may have been stored by
    // requests still in flight when a run stopped).
    let stored = {
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
                    &headers,
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
    };
    println!("acknowledged submissions: {acknowledged}, stored: {stored}");
    assert!(
        stored >= acknowledged,
        "an acknowledged submission is missing"
    );
}
