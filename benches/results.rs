//! Results and export benchmark, over real TCP against the optimised server binary.
//!
//! Builds a survey shaped like the one LimeSurvey's statistics were measured on (12 questions:
//! 8 long texts of 60 to 120 words, 2 single choices, 2 five-point ratings), stores responses
//! straight into a fresh SQLite database through the library's submission path (the same
//! function the writer uses, so the kept figures and figures lines are made as in production),
//! then starts the server and measures: results for everyone and for a segment (median and
//! slowest of several calls, the first call reported on its own), and each export's time,
//! bytes and rate, with the server's peak resident memory after each step.
//!
//! `cargo bench --bench results`; `BENCH_RESPONSES` (default `100000,1000000`) sets the sizes,
//! each built on top of the last; `BENCH_EXPORTS` (default `csv,json,xlsx`) the exports measured.
//! Under `cargo test` it runs at 300 responses as a smoke test.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Client, Server, designer_token, free_port, hearken};
use serde_json::{Map, Value, json};

/// A small deterministic generator: the same data on every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Words for the open answers: a service vocabulary with inflected forms and stop words.
const WORDS: &[&str] = &[
    "the",
    "staff",
    "was",
    "friendly",
    "but",
    "delivery",
    "deliveries",
    "took",
    "too",
    "long",
    "and",
    "price",
    "prices",
    "were",
    "higher",
    "than",
    "expected",
    "I",
    "would",
    "like",
    "faster",
    "replies",
    "to",
    "my",
    "emails",
    "phone",
    "queue",
    "waiting",
    "waited",
    "shop",
    "shops",
    "product",
    "products",
    "quality",
    "broken",
    "returned",
    "refund",
    "refunds",
    "helpful",
    "helped",
    "manager",
    "store",
    "opening",
    "hours",
    "parking",
    "website",
    "order",
    "ordered",
    "ordering",
    "package",
    "packaging",
    "late",
    "early",
    "cheap",
    "expensive",
    "service",
    "services",
    "call",
    "called",
    "calling",
    "answer",
    "answered",
    "please",
    "more",
    "less",
    "choice",
    "choices",
    "size",
    "sizes",
    "colour",
    "stock",
    "out",
    "of",
    "again",
    "always",
    "never",
    "sometimes",
    "a",
    "an",
    "it",
    "is",
    "on",
    "at",
    "with",
    "for",
    "in",
    "we",
    "they",
];

fn sentence(dice: &mut Dice) -> String {
    let n = 60 + dice.roll(61);
    let mut text = String::with_capacity(n * 7);
    for i in 0..n {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(WORDS[dice.roll(WORDS.len())]);
    }
    text
}

fn survey_body() -> Value {
    let mut questions: Vec<Value> = (1..=8)
        .map(|i| json!({"id": format!("t{i}"), "kind": "long_text", "prompt": format!("Open question {i}"), "max_length": 5000}))
        .collect();
    questions.push(json!({"id": "c1", "kind": "single_choice", "prompt": "Which shop?", "options": ["North", "South", "East", "West"]}));
    questions.push(json!({"id": "c2", "kind": "single_choice", "prompt": "How did you pay?", "options": ["Card", "Cash", "Phone"], "other": true}));
    questions.push(json!({"id": "r1", "kind": "rating", "prompt": "How friendly were we?"}));
    questions.push(json!({"id": "r2", "kind": "rating", "prompt": "How quick were we?"}));
    json!({
        "title": "Results benchmark",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "questions": questions,
    })
}

fn answers(dice: &mut Dice) -> Map<String, Value> {
    let mut answers = Map::new();
    for i in 1..=8 {
        answers.insert(format!("t{i}"), json!(sentence(dice)));
    }
    answers.insert(
        "c1".into(),
        json!(["North", "South", "East", "West"][dice.roll(4)]),
    );
    answers.insert(
        "c2".into(),
        json!(["Card", "Cash", "Phone", "Voucher"][dice.roll(4)]),
    );
    answers.insert("r1".into(), json!(1 + dice.roll(5)));
    answers.insert("r2".into(), json!(1 + dice.roll(5)));
    answers
}

/// Stores `count` more responses, in transactions of a few thousand, straight into the
/// database at `data_dir` (the server is not running); half come through the open link.
fn load(data_dir: &Path, survey_id: &str, count: usize, dice: &mut Dice) {
    use hearken::respond::checking::{self, Origin};
    use hearken::respond::writer;
    let figment = hearken::figment().merge(("data_dir", data_dir.display().to_string()));
    let settings = hearken::Settings::from_figment(&figment).expect("settings");
    let db = hearken::open_blocking(&settings).expect("database");
    let mut conn = db.conn().expect("connection");
    let survey = hearken::survey::editing::load(&mut conn, survey_id)
        .expect("survey")
        .expect("survey exists");
    let mut left = count;
    while left > 0 {
        let n = left.min(5000);
        left -= n;
        let submissions: Vec<_> = (0..n)
            .map(|i| {
                let given = answers(dice);
                let checked = checking::check(&survey, &given);
                assert!(checked.problems.is_empty(), "{:?}", checked.problems);
                let origin = Origin {
                    channel: if i % 2 == 0 { "api" } else { "link" },
                    submission_key: hearken::ids::new_id(),
                    invitation_id: None,
                    contact_id: None,
                };
                checking::submission(&survey, &checked.answers, origin).expect("submission")
            })
            .collect();
        hearken::db::write(&mut conn, |conn| {
            for submission in &submissions {
                writer::store(conn, &settings, submission)?;
            }
            Ok::<_, hearken::Error>(())
        })
        .expect("stored");
    }
}

/// GET `path` and read the whole body without keeping it: (status, body bytes, time).
fn fetch(port: u16, path: &str, token: &str) -> (u16, u64, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if line
            .to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
        {
            chunked = true;
        }
    }
    let mut bytes = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).expect("chunk size");
            let size = u64::from_str_radix(line.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut left = size;
            while left > 0 {
                let want = left.min(buffer.len() as u64) as usize;
                reader.read_exact(&mut buffer[..want]).expect("chunk");
                left -= want as u64;
            }
            bytes += size;
            line.clear();
            reader.read_line(&mut line).expect("chunk end");
        }
    } else {
        loop {
            let n = reader.read(&mut buffer).expect("body");
            if n == 0 {
                break;
            }
            bytes += n as u64;
        }
    }
    (status, bytes, started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The first call, then the median and slowest of `runs` more.
fn timed(port: u16, path: &str, token: &str, runs: usize) -> (Duration, Duration, Duration) {
    let (status, _, first) = fetch(port, path, token);
    assert_eq!(status, 200, "{path}");
    let mut times: Vec<Duration> = (0..runs).map(|_| fetch(port, path, token).2).collect();
    times.sort();
    (first, times[times.len() / 2], times[times.len() - 1])
}

/// Waits until the open questions' terms are no longer being counted; whether they were.
fn terms_counted(port: u16, path: &str, token: &str) -> bool {
    let started = Instant::now();
    let auth = format!("Bearer {token}");
    let mut waited = false;
    loop {
        let response = Client::new(port)
            .request("GET", path, &[("Authorization", auth.as_str())], "")
            .expect("results");
        let counting = response.json()["questions"]
            .as_array()
            .expect("questions")
            .iter()
            .any(|q| q["terms_counting"] == json!(true));
        if !counting {
            return waited;
        }
        waited = true;
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "terms never counted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("BENCH_RESPONSES")
        .unwrap_or_else(|_| if measuring { "100000,1000000" } else { "300" }.into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let exports: Vec<String> = std::env::var("BENCH_EXPORTS")
        .unwrap_or_else(|_| "csv,json,xlsx".into())
        .split(',')
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();
    let data = tempfile::tempdir().expect("temporary data folder");
    let port = free_port();
    let token = designer_token(data.path(), port);
    let survey_id = {
        let _server = Server::start(&mut hearken(data.path(), port), port);
        let mut api = Client::new(port);
        let auth = format!("Bearer {token}");
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        let created = api
            .request(
                "POST",
                "/api/v1/surveys",
                &headers,
                &survey_body().to_string(),
            )
            .expect("create survey");
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.json()["id"].as_str().expect("id").to_string();
        let published = api
            .request(
                "POST",
                &format!("/api/v1/surveys/{id}/publish"),
                &headers,
                "{}",
            )
            .expect("publish");
        assert_eq!(published.status, 200, "{}", published.body);
        id
    };
    println!(
        "hearken results benchmark: 12 questions (8 long texts of 60-120 words, 2 choices, 2 ratings), SQLite, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut dice = Dice(2026);
    let mut stored = 0usize;
    for size in sizes {
        let started = Instant::now();
        load(data.path(), &survey_id, size - stored, &mut dice);
        stored = size;
        let database: u64 = ["hearken.db", "hearken.db-wal"]
            .iter()
            .map(|f| std::fs::metadata(data.path().join(f)).map_or(0, |m| m.len()))
            .sum();
        println!(
            "\n{size} responses: loaded in {:.0} s, database {:.2} GB",
            started.elapsed().as_secs_f64(),
            database as f64 / 1e9
        );
        let server = Server::start(&mut hearken(data.path(), port), port);
        let results = format!("/api/v1/surveys/{survey_id}/results");
        let asked = Instant::now();
        let (first, median, slowest) = timed(port, &results, &token, 5);
        println!(
            "results, everyone:      first {:>8.1} ms, then median {:>8.1} ms, slowest {:>8.1} ms",
            ms(first),
            ms(median),
            ms(slowest)
        );
        if terms_counted(port, &results, &token) {
            println!(
                "terms of everyone's answers counted in the background within {:.1} s of the first call",
                asked.elapsed().as_secs_f64()
            );
        } else {
            println!("terms of everyone's answers served from the last count");
        }
        let segment = format!("{results}?channel=open");
        let (first, median, slowest) = timed(port, &segment, &token, 3);
        println!(
            "results, channel=open:  first {:>8.1} ms, then median {:>8.1} ms, slowest {:>8.1} ms",
            ms(first),
            ms(median),
            ms(slowest)
        );
        println!(
            "server peak RSS after results: {:.1} MiB",
            server.peak_rss_kib() as f64 / 1024.0
        );
        for format in exports.iter().map(String::as_str) {
            if format == "xlsx" && size > 1_048_575 {
                continue;
            }
            let path = format!("/api/v1/surveys/{survey_id}/export?format={format}");
            let (status, bytes, took) = fetch(port, &path, &token);
            assert_eq!(status, 200, "{path}");
            println!(
                "export {format:<5} {:>8.1} s {:>9.1} MB {:>7.1} MB/s   server peak RSS {:.1} MiB",
                took.as_secs_f64(),
                bytes as f64 / 1e6,
                bytes as f64 / 1e6 / took.as_secs_f64(),
                server.peak_rss_kib() as f64 / 1024.0
            );
        }
        drop(server);
    }
}
