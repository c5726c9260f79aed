//! Respondent load benchmark, over real TCP against the optimised server binary.
//!
//! Starts `hearken` on a free loopback port with a fresh SQLite database (WAL,
//! `synchronous=FULL`), publishes a survey, then runs two scenarios at 1, 16 and 64 concurrent
//! clients: fetching the respondent page, and a full open-link submission (GET the form, POST
//! the answers, which is acknowledged only after the commit). The submission runs against three
//! surveys with the same questions: plain, with generated coupon codes, and with a pool of codes
//! topped up before each client count to well over what the runs can take. The three take
//! turns of two seconds in an order that rotates every round, so the machine's changing speed
//! and the growing database are shared alike. Prints requests or submissions per
//! second, p50 and p99 latency, errors, what each coupon mode costs of the plain survey's
//! throughput, and the server's peak resident memory; finally checks that every acknowledged
//! submission is in the database and that no coupon respondent was left owed a code.
//!
//! `cargo bench --bench respond`; `BENCH_SECONDS` (default 10) sets each run's length and
//! `BENCH_CLIENTS` (default `1,16,64`) the concurrency levels. Under `cargo test` it runs for
//! one second at 1 and 4 clients, as a smoke test.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{
    Client, Server, designer_token, free_port, hearken, hidden, published_survey_with, stored,
};
use serde_json::{Value, json};

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

/// The pause after the pool's top-up, for the background checkpointer to fold the upload's log
/// into the database before anything is measured.
const SETTLE: Duration = Duration::from_secs(3);
/// The pause between two turns, for the checkpointer to catch up with the last one.
const BETWEEN_TURNS: Duration = Duration::from_millis(500);
/// The length of one turn, in seconds: the survey variants take turns of this length, in an
/// order that rotates every round, so that a machine that speeds up or slows down during the
/// benchmark (or a database that grows) weighs on every variant alike.
const TURN_SECONDS: u64 = 2;

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

/// The survey a submission run answers: the same questions, with or without a coupon.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Plain,
    Generate,
    Pool,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Plain, Variant::Generate, Variant::Pool];

    fn label(self) -> &'static str {
        match self {
            Variant::Plain => "submission",
            Variant::Generate => "coupon gen",
            Variant::Pool => "coupon pool",
        }
    }

    fn incentive(self) -> Value {
        match self {
            Variant::Plain => Value::Null,
            Variant::Generate => {
                json!({"kind": "coupon", "coupon": {"mode": "generate", "prefix": "B-", "value": "10 % off"}})
            }
            Variant::Pool => {
                json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off"}})
            }
        }
    }
}

/// The figures of a scenario at one client count.
struct Row {
    done: usize,
    per_sec: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

/// Runs `clients` client loops for `seconds` and gathers what they did.
fn measure(
    port: u16,
    path: &Arc<String>,
    scenario: Scenario,
    clients: usize,
    seconds: u64,
) -> Tally {
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
    let mut tally = Tally::default();
    for outcome in threads.into_iter().filter_map(|t| t.join().ok()) {
        tally.done += outcome.done;
        tally.errors += outcome.errors;
        tally.latencies.extend(outcome.latencies);
    }
    tally.seconds = started.elapsed().as_secs_f64();
    tally
}

/// What one or more runs of a scenario did, added up.
#[derive(Default)]
struct Tally {
    done: usize,
    errors: usize,
    latencies: Vec<Duration>,
    seconds: f64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.done += other.done;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
        self.seconds += other.seconds;
    }

    fn row(mut self) -> Row {
        self.latencies.sort();
        Row {
            done: self.done,
            per_sec: self.done as f64 / self.seconds.max(f64::EPSILON),
            p50: percentile(&self.latencies, 0.50),
            p99: percentile(&self.latencies, 0.99),
            errors: self.errors,
        }
    }
}

fn print_row(label: &str, clients: usize, row: &Row) {
    println!(
        "{:<12} {:>7} {:>10.0} {:>9.2} {:>9.2} {:>7}",
        label,
        clients,
        row.per_sec,
        row.p50.as_secs_f64() * 1000.0,
        row.p99.as_secs_f64() * 1000.0,
        row.errors
    );
}

/// A coupon survey's counts from the first page of its codes: (pool codes left, owed).
fn coupon_counts(api: &mut Client, headers: &[(&str, &str)], id: &str) -> (i64, i64) {
    let page = api
        .request(
            "GET",
            &format!("/api/v1/surveys/{id}/coupons?limit=1"),
            headers,
            "",
        )
        .expect("list coupons");
    assert_eq!(page.status, 200, "{}", page.body);
    let counts = page.json();
    (
        counts["remaining"].as_i64().expect("remaining"),
        counts["owed"].as_i64().expect("owed"),
    )
}

/// Adds codes to the pool until it holds at least `wanted` free ones, in uploads of at most
/// the API's 100,000; `next` numbers the codes so that every one is new.
fn top_up(api: &mut Client, headers: &[(&str, &str)], id: &str, wanted: i64, next: &mut u64) {
    let (mut remaining, _) = coupon_counts(api, headers, id);
    while remaining < wanted {
        let n = (wanted - remaining).min(100_000) as u64;
        let codes: Vec<String> = (*next..*next + n).map(|i| format!("P-{i:010}")).collect();
        *next += n;
        let added = api
            .request(
                "POST",
                &format!("/api/v1/surveys/{id}/coupons"),
                headers,
                &json!({ "codes": codes }).to_string(),
            )
            .expect("add codes");
        assert_eq!(added.status, 200, "{}", added.body);
        remaining += n as i64;
    }
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
    let ids: Vec<String> = Variant::ALL
        .iter()
        .map(|v| published_survey_with(&mut api, &headers, v.incentive()))
        .collect();
    let paths: Vec<Arc<String>> = ids.iter().map(|id| Arc::new(format!("/s/{id}"))).collect();
    let pool = Variant::ALL
        .iter()
        .position(|&v| v == Variant::Pool)
        .expect("pool");
    let mut next_code = 0u64;

    println!(
        "hearken respondent benchmark: {seconds} s per run, SQLite WAL synchronous=FULL, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<12} {:>7} {:>10} {:>9} {:>9} {:>7}",
        "scenario", "clients", "per sec", "p50 ms", "p99 ms", "errors"
    );
    for &clients in &levels {
        let row = measure(port, &paths[0], Scenario::Page, clients, seconds).row();
        print_row("page GET", clients, &row);
    }
    // acknowledged[variant], and per_sec[variant][level] for the relative costs.
    let mut acknowledged = [0usize; 3];
    let mut per_sec = vec![Vec::new(); 3];
    let rounds = (seconds / TURN_SECONDS).max(1);
    let turn = seconds / rounds;
    for &clients in &levels {
        // A pool that ran dry would leave grants owed, a cheaper path than issuing: the pool
        // gets twice what the plain survey took per second at the last level (at least 3,000)
        // for the whole run, and the owed count is checked at the end.
        let plain = per_sec[0].last().copied().unwrap_or(0.0f64).max(3000.0);
        let wanted = (plain * seconds as f64 * 2.0) as i64 + 1000;
        top_up(&mut api, &headers, &ids[pool], wanted, &mut next_code);
        std::thread::sleep(SETTLE);
        let mut tallies: [Tally; 3] = Default::default();
        for round in 0..rounds as usize {
            for k in 0..Variant::ALL.len() {
                let v = (round + k) % Variant::ALL.len();
                std::thread::sleep(BETWEEN_TURNS);
                tallies[v].add(measure(
                    port,
                    &paths[v],
                    Scenario::Submission,
                    clients,
                    turn,
                ));
            }
        }
        for (v, tally) in tallies.into_iter().enumerate() {
            let row = tally.row();
            print_row(Variant::ALL[v].label(), clients, &row);
            acknowledged[v] += row.done;
            per_sec[v].push(row.per_sec);
        }
    }
    let clients = levels
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" / ");
    for (v, variant) in Variant::ALL.into_iter().enumerate().skip(1) {
        let costs = per_sec[v]
            .iter()
            .zip(&per_sec[0])
            .map(|(coupon, plain)| format!("{:.1}", (1.0 - coupon / plain) * 100.0))
            .collect::<Vec<_>>()
            .join(" / ");
        println!(
            "{} costs {costs} % of throughput at {clients} clients",
            variant.label()
        );
    }
    println!(
        "server peak RSS: {:.1} MiB",
        server.peak_rss_kib() as f64 / 1024.0
    );

    // Every acknowledged submission must be stored (a few more may have been stored by
    // requests still in flight when a run stopped), and every coupon respondent got a code.
    let stored: Vec<usize> = ids
        .iter()
        .map(|id| stored(&mut api, &headers, id))
        .collect();
    println!(
        "acknowledged submissions: {}, stored: {} (plain / coupon gen / coupon pool: {} / {} / {})",
        acknowledged.iter().sum::<usize>(),
        stored.iter().sum::<usize>(),
        stored[0],
        stored[1],
        stored[2]
    );
    for (v, variant) in Variant::ALL.into_iter().enumerate() {
        assert!(
            stored[v] >= acknowledged[v],
            "an acknowledged {} is missing",
            variant.label()
        );
        if variant != Variant::Plain {
            let (_, owed) = coupon_counts(&mut api, &headers, &ids[v]);
            assert_eq!(owed, 0, "{} left respondents owed a code", variant.label());
        }
    }
}
