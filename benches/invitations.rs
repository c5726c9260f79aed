//! Invitation mailing benchmark, over real TCP and real SMTP against the optimised server
//! binary.
//!
//! Starts a small SMTP sink on loopback and `hearken` with `HEARKEN_MAIL_TRANSPORT=smtp` to it
//! (fresh SQLite database, WAL, `synchronous=FULL`), imports the contacts as CSV, publishes a
//! survey, then times `POST /api/v1/surveys/{id}/invitations` with `all_contacts` from the
//! request until the sink has accepted every invitation: the figure covers writing the
//! invitations and their outbox rows, the worker claiming, rendering and sending them, and the
//! relay's replies. Prints invitations per second end to end, the POST's own latency, when the
//! last outcome was recorded, the server's peak resident memory, how long the sink waited for
//! each message body (where a stalled client shows) and the server's CPU time per thread. Then
//! checks that exactly one message reached each contact, that every Message-ID is unique, and
//! that the API shows every invitation as sent.
//!
//! `cargo bench --bench invitations` sends 10,000 and fails under 1,000 per second;
//! `BENCH_INVITATIONS` sets the number. Under `cargo test` it sends 300, as a smoke test.
//!
//! The sink acknowledges every segment at once (`TCP_QUICKACK`), as a busy relay does. lettre
//! 0.11.23 writes the closing dot of a message as a separate small segment on a socket without
//! `TCP_NODELAY`, so against a receiver that delays its ACKs each message waits about 40 ms
//! whatever the sender does; `BENCH_SINK_ACK=delayed` measures that case (about 150 a second
//! over the pool's 8 connections).

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, Server, designer_token, free_port, hearken, published_survey};

/// The goal end to end, checked only when measuring the full default run.
const GOAL_PER_SECOND: f64 = 1_000.0;

/// What the sink accepted: one entry per message, counted separately so waiting on it does not
/// contend with the sessions for the lock.
#[derive(Default)]
struct Accepted {
    count: AtomicUsize,
    /// (recipients, Message-ID) of each accepted message.
    messages: Mutex<Vec<(Vec<String>, String)>>,
    /// From the `354` to the final dot, per message: a few KiB on loopback take microseconds,
    /// so tens of milliseconds here mean the client held its last write back (Nagle's
    /// algorithm waiting for our delayed ACK).
    transfers: Mutex<Vec<Duration>>,
}

/// A minimal SMTP server that accepts everything (RFC 5321: greeting, EHLO/HELO, MAIL, RCPT,
/// DATA with dot-unstuffing, RSET, NOOP, QUIT), a thread per connection. It keeps no bodies,
/// only each message's recipients and Message-ID, so it costs the server under test as little
/// as a relay can.
struct Sink {
    port: u16,
    accepted: Arc<Accepted>,
}

/// Asks the kernel to acknowledge the next segments at once; it lasts only a few segments, so it
/// is asked again before each read. A failure only leaves the ACK delayed.
fn quick_ack(stream: &TcpStream, quick: bool) {
    #[cfg(target_os = "linux")]
    if quick {
        let _ = rustix::net::sockopt::set_tcp_quickack(stream, true);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (stream, quick);
}

impl Sink {
    fn start(quick: bool) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("sink listens");
        let port = listener.local_addr().expect("sink address").port();
        let accepted = Arc::new(Accepted::default());
        let shared = accepted.clone();
        // Detached: it lives as long as the benchmark process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let accepted = shared.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &accepted, quick);
                });
            }
        });
        Sink { port, accepted }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn count(&self) -> usize {
        self.accepted.count.load(Ordering::SeqCst)
    }

    fn messages(&self) -> Vec<(Vec<String>, String)> {
        self.accepted
            .messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The DATA transfer times, sorted.
    fn transfers(&self) -> Vec<Duration> {
        let mut transfers = self
            .accepted
            .transfers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        transfers.sort();
        transfers
    }
}

fn session(stream: TcpStream, accepted: &Accepted, quick: bool) -> std::io::Result<()> {
    // Every reply is awaited by the client before its next command: send each at once.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut writer = stream.try_clone()?;
    let acker = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut reply = |text: &str| writer.write_all(format!("{text}\r\n").as_bytes());
    reply("220 hearken-bench ESMTP")?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            reply("250-hearken-bench\r\n250-8BITMIME\r\n250 SMTPUTF8")?;
        } else if upper.starts_with("HELO") {
            reply("250 hearken-bench")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = Some(angle(&command[10..]));
            to.clear();
            reply("250 2.1.0 ok")?;
        } else if upper.starts_with("RCPT TO:") {
            if from.is_none() {
                reply("503 5.5.1 MAIL first")?;
            } else {
                to.push(angle(&command[8..]));
                reply("250 2.1.5 ok")?;
            }
        } else if upper == "DATA" {
            if from.is_none() || to.is_empty() {
                reply("503 5.5.1 no recipients")?;
                continue;
            }
            reply("354 end with <CRLF>.<CRLF>")?;
            let asked = Instant::now();
            let Some(message_id) = read_data(&mut reader, &mut line, || quick_ack(&acker, quick))?
            else {
                return Ok(());
            };
            let transfer = asked.elapsed();
            accepted
                .messages
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((std::mem::take(&mut to), message_id));
            accepted
                .transfers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(transfer);
            // Counted only once recorded, so a reader that sees the count sees the message.
            accepted.count.fetch_add(1, Ordering::SeqCst);
            from = None;
            reply("250 2.0.0 queued")?;
        } else if upper == "RSET" {
            from = None;
            to.clear();
            reply("250 2.0.0 ok")?;
        } else if upper == "NOOP" {
            reply("250 2.0.0 ok")?;
        } else if upper == "QUIT" {
            reply("221 2.0.0 bye")?;
            return Ok(());
        } else {
            reply("502 5.5.2 not implemented")?;
        }
    }
}

/// Reads a DATA payload up to the lone dot and returns its Message-ID header (empty when it
/// has none); None when the connection ended first.
fn read_data(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    before_read: impl Fn(),
) -> std::io::Result<Option<String>> {
    let mut message_id = String::new();
    let (mut in_header, mut in_message_id) = (true, false);
    loop {
        line.clear();
        before_read();
        if reader.read_until(b'\n', line)? == 0 {
            return Ok(None);
        }
        if line.as_slice() == b".\r\n" || line.as_slice() == b".\n" {
            return Ok(Some(message_id.trim().to_string()));
        }
        if !in_header {
            continue;
        }
        // Dot-unstuffing (RFC 5321 4.5.2).
        let text = match line.strip_prefix(b".") {
            Some(rest) => rest,
            None => line.as_slice(),
        };
        let text = String::from_utf8_lossy(text);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            in_header = false;
        } else if text.starts_with([' ', '\t']) {
            // A folded header line continues the one before.
            if in_message_id {
                message_id.push_str(text.trim());
            }
        } else {
            in_message_id = false;
            if let Some((name, value)) = text.split_once(':')
                && name.eq_ignore_ascii_case("message-id")
            {
                in_message_id = true;
                message_id = value.trim().to_string();
            }
        }
    }
}

/// The address inside `<…>`, without parameters such as `SIZE=` or `BODY=`.
fn angle(text: &str) -> String {
    let text = text.trim();
    match (text.find('<'), text.find('>')) {
        (Some(a), Some(b)) if a < b => text[a + 1..b].to_string(),
        _ => text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn contacts_csv(count: usize) -> String {
    let mut csv = String::with_capacity(count * 48 + 16);
    csv.push_str("email,name\r\n");
    for i in 0..count {
        csv.push_str(&format!("contact.{i}@example.com,Contact {i}\r\n"));
    }
    csv
}

/// How many of the survey's invitations the API lists as sent, over every page.
fn invitations_sent(api: &mut Client, headers: &[(&str, &str)], survey: &str) -> usize {
    let mut sent = 0;
    let mut after = String::new();
    loop {
        let page = api
            .request(
                "GET",
                &format!("/api/v1/surveys/{survey}/invitations?limit=1000{after}"),
                headers,
                "",
            )
            .expect("list invitations");
        assert_eq!(page.status, 200, "{}", page.body);
        let page = page.json();
        sent += page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|item| item["status"] == "sent")
            .count();
        match page["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => return sent,
        }
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, as a short smoke
    // test that the benchmark still works, not as a measurement.
    let measuring = std::env::args().any(|a| a == "--bench");
    let count: usize = std::env::var("BENCH_INVITATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if measuring { 10_000 } else { 300 });
    let quick = std::env::var("BENCH_SINK_ACK").map_or(true, |v| v != "delayed");
    let sink = Sink::start(quick);
    println!(
        "sink acknowledges {}",
        if quick {
            "at once (TCP_QUICKACK)"
        } else {
            "with the kernel's delayed ACK"
        }
    );
    let data = tempfile::tempdir().expect("temporary data folder");
    let port = free_port();
    let token = designer_token(data.path(), port);
    let server = Server::start(
        hearken(data.path(), port)
            .env("HEARKEN_MAIL_TRANSPORT", "smtp")
            .env("HEARKEN_SMTP_URL", sink.url()),
        port,
    );
    let mut api = Client::new(port);
    let auth = format!("Bearer {token}");
    let json = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let csv = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "text/csv"),
    ];
    let imported = api
        .request("POST", "/api/v1/contacts", &csv, &contacts_csv(count))
        .expect("import contacts");
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(imported.json()["created"], count, "{}", imported.body);
    let survey = published_survey(&mut api, &json);

    println!(
        "hearken invitation benchmark: {count} invitations over SMTP to a loopback sink, SQLite WAL synchronous=FULL, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let cpu_before = server.cpu_by_thread();
    let started = Instant::now();
    let invited = api
        .request(
            "POST",
            &format!("/api/v1/surveys/{survey}/invitations"),
            &json,
            r#"{"all_contacts": true}"#,
        )
        .expect("invite");
    let post_latency = started.elapsed();
    assert_eq!(invited.status, 202, "{}", invited.body);
    assert_eq!(invited.json()["queued"], count, "{}", invited.body);
    // Generous: a tenth of the goal rate still finishes, so a slow run reports its figures.
    let deadline = started + Duration::from_secs(60) + Duration::from_millis(count as u64 * 10);
    let mut first: Option<Duration> = None;
    while sink.count() < count {
        if first.is_none() && sink.count() > 0 {
            first = Some(started.elapsed());
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {count} messages arrived",
            sink.count()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let delivered = started.elapsed();
    let first = first.unwrap_or(delivered);
    // The sink accepts each message before the worker records it, so this lags a little.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut sent = invitations_sent(&mut api, &json, &survey);
    while sent < count {
        assert!(
            Instant::now() < deadline,
            "only {sent} of {count} invitations recorded as sent"
        );
        std::thread::sleep(Duration::from_millis(20));
        sent = invitations_sent(&mut api, &json, &survey);
    }
    let recorded = started.elapsed();
    let cpu_after = server.cpu_by_thread();
    let rate = count as f64 / delivered.as_secs_f64();
    println!(
        "end to end:        {rate:>9.0} invitations/s ({:.2} s for {count})",
        delivered.as_secs_f64()
    );
    println!(
        "POST latency:      {:>9.1} ms (invitations and outbox rows committed)",
        post_latency.as_secs_f64() * 1000.0
    );
    println!(
        "first delivery:    {:>9.1} ms after the POST started",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "sending only:      {:>9.0} messages/s (first to last delivery)",
        (count.saturating_sub(1)) as f64 / (delivered - first).as_secs_f64().max(1e-9)
    );
    println!(
        "all recorded sent: {:>9.2} s after the POST started",
        recorded.as_secs_f64()
    );
    println!(
        "server peak RSS:   {:>9.1} MiB",
        server.peak_rss_kib() as f64 / 1024.0
    );
    let transfers = sink.transfers();
    println!(
        "DATA transfer:     {:>9.2} ms p50, {:.2} ms p99 (sink, from 354 to the final dot)",
        percentile(&transfers, 0.50).as_secs_f64() * 1000.0,
        percentile(&transfers, 0.99).as_secs_f64() * 1000.0
    );
    // Threads that ended meanwhile (idle blocking threads) are missing, so this is a floor.
    let mut cpu: Vec<(String, Duration)> = cpu_after
        .into_iter()
        .map(|(name, after)| {
            let before = cpu_before.get(&name).copied().unwrap_or_default();
            (name, after.saturating_sub(before))
        })
        .filter(|(_, used)| !used.is_zero())
        .collect();
    cpu.sort_by_key(|(_, used)| std::cmp::Reverse(*used));
    let total: Duration = cpu.iter().map(|(_, used)| *used).sum();
    println!(
        "server CPU:        {:>9.2} s in all, {:.0} µs per invitation; by thread: {}",
        total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / count as f64,
        cpu.iter()
            .map(|(name, used)| format!("{name} {:.2} s", used.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Every outcome is recorded, so nothing more is coming: the sink's list is final.
    let messages = sink.messages();
    assert_eq!(messages.len(), count, "one message per invitation");
    let ids: HashSet<&str> = messages.iter().map(|(_, id)| id.as_str()).collect();
    assert!(!ids.contains(""), "every message has a Message-ID");
    assert_eq!(ids.len(), count, "every Message-ID is unique");
    let recipients: HashSet<String> = messages
        .iter()
        .flat_map(|(to, _)| to.iter().map(|r| r.to_lowercase()))
        .collect();
    let expected: HashSet<String> = (0..count)
        .map(|i| format!("contact.{i}@example.com"))
        .collect();
    assert_eq!(recipients, expected, "each contact got their invitation");
    println!("checked: {count} messages, {count} unique Message-IDs, {sent} invitations sent");
    if measuring && count >= 10_000 && quick {
        assert!(
            rate >= GOAL_PER_SECOND,
            "{rate:.0} invitations/s is under the goal of {GOAL_PER_SECOND:.0}/s"
        );
    }
}
