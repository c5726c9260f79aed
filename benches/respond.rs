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

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Client, Server, designer_token, free_port, hearken, published_survey};

fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

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
    let token = designer_token(data.path(), port);
    let server = Server::start(&mut hearken(data.path(), port), port);
    let mut api = Client::new(port);
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let id = published_survey(&mut api, &headers);
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
