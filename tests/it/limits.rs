//! Size and slowness limits over real TCP (security check 32): many connections that send a
//! byte at a time must not stall the server or grow its memory, and an oversized form is
//! refused at once, and a stalled connection is closed once its header or body timeout passes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn get(port: u16, path: &str) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    (response, started.elapsed())
}

/// Starts the server with `settings` on a free port and waits until it answers.
fn start(dir: &std::path::Path, database_url: &str, settings: &[(&str, &str)]) -> (Server, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_hearken"))
            .env("HEARKEN_DATA_DIR", dir)
            .env("HEARKEN_DATABASE_URL", database_url)
            .env("HEARKEN_MAIL_TRANSPORT", "memory")
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_LOG_LEVEL", "off")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !TcpStream::connect(("127.0.0.1", port))
        .is_ok_and(|_| get(port, "/health").0.starts_with("HTTP/1.1 200"))
    {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, port)
}

#[test]
fn slow_clients_and_oversized_forms_do_not_hurt_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::TestDatabase::new(dir.path());
    let (server, port) = start(dir.path(), &database.url, &[]);
    let pid = server.0.id();
    let before = rss_kib(pid);

    // 200 connections that start a form post and then send one byte a second.
    let mut slow: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let _ = write!(stream, "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n");
            stream
        })
        .collect();
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        for stream in &mut slow {
            let _ = stream.write_all(b"a");
        }
        let (response, took) = get(port, "/health");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        worst = worst.max(took);
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(
        worst < Duration::from_millis(200),
        "health took {worst:?} while slow clients were connected"
    );

    // A 10 MB form is refused quickly, without reading it all into memory.
    let mut big = TcpStream::connect(("127.0.0.1", port)).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let _ = write!(
        big,
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10485760\r\nConnection: close\r\n\r\n"
    );
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..160 {
        if big.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut head = [0u8; 12];
    let _ = big.read_exact(&mut head);
    assert_eq!(&head, b"HTTP/1.1 413", "an oversized form is a 413");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    let grown = rss_kib(pid).saturating_sub(before);
    assert!(grown < 100 * 1024, "memory grew by {grown} KiB");
    drop(slow);
}

/// Whether the server has closed `stream`: whatever it answered, then the end of the stream.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn stalled_connections_are_closed_after_their_timeouts_and_health_stays_fast() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::TestDatabase::new(dir.path());
    let (_server, port) = start(
        dir.path(),
        &database.url,
        &[
            ("HEARKEN_HEADER_TIMEOUT_SECONDS", "1"),
            ("HEARKEN_BODY_TIMEOUT_SECONDS", "2"),
        ],
    );
    let connect = |sent: &str| {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(sent.as_bytes()).unwrap();
        stream
    };
    let mut stalled = Vec::new();
    for _ in 0..50 {
        // Says nothing at all.
        stalled.push(("silent", connect("")));
        // Stops in the middle of its headers.
        stalled.push((
            "headers",
            connect("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
        ));
        // Sends its headers and then only part of the body it announced.
        stalled.push((
            "body",
            connect("POST /api/v1/surveys HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"title\""),
        ));
    }
    // Keeps its connection open after a complete request and never sends another.
    for _ in 0..50 {
        let mut stream = connect("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
        stalled.push(("idle", stream));
    }

    let started = Instant::now();
    let mut worst = Duration::ZERO;
    while started.elapsed() < Duration::from_millis(3500) {
        let (response, took) = get(port, "/health");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        worst = worst.max(took);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        worst < Duration::from_millis(500),
        "health took {worst:?} while stalled clients were connected"
    );
    let open: Vec<&str> = stalled
        .iter_mut()
        .filter_map(|(kind, stream)| (!closed_by_server(stream)).then_some(*kind))
        .collect();
    assert!(
        open.is_empty(),
        "{} of {} stalled connections still open after {:?}: {open:?}",
        open.len(),
        stalled.len(),
        started.elapsed()
    );
}
