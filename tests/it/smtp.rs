//! A small SMTP server on loopback for the mail tests: speaks enough of RFC 5321 (greeting,
//! EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), records every accepted
//! message with its envelope and the moment it was accepted, and can refuse on purpose (4xx to
//! the first N MAIL, RCPT or DATA commands; 5xx to every sender, recipient or message) or be
//! slow. It also counts, over all its connections, how many transactions were open at once per
//! recipient domain. It can be started on a fixed port later, to play a server that was down.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent, after dot-unstuffing, CRLF line ends kept.
    pub data: Vec<u8>,
    /// When the server accepted it (just before its `250` reply).
    pub at: Instant,
}

impl Received {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// The header block (up to the first empty line), with folded lines joined.
    pub fn headers(&self) -> Vec<(String, String)> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.to_string(), value.trim().to_string()));
            }
        }
        headers
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

/// How the server misbehaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// Answer `451` to the first this many MAIL FROM commands.
    pub temporary_failures: usize,
    /// Answer `450 4.1.1` (an address not verified yet) to the first this many RCPT TO
    /// commands.
    pub temporary_recipient_failures: usize,
    /// Answer `451` after the first this many DATA payloads (the message is not kept).
    pub temporary_data_failures: usize,
    /// Answer `550 5.1.1` (no such user) to every RCPT TO.
    pub reject_recipients: bool,
    /// Answer `550 5.7.1` (sender refused) to every MAIL FROM.
    pub reject_sender: bool,
    /// Answer `554 5.6.0` (message refused) to every DATA payload.
    pub reject_data: bool,
    /// Acknowledge every segment of a DATA payload at once (Linux `TCP_QUICKACK`). lettre
    /// 0.11.23 writes the closing `.` apart from the message and leaves Nagle on, so without
    /// this each message waits for the server's delayed ACK (about 40 ms) and a benchmark
    /// measures that wait rather than Hearken.
    pub quick_ack: bool,
    /// Wait this long before answering each DATA payload: a slow relay, so a test can act while
    /// a batch is part-way through.
    pub data_delay: Duration,
}

/// Transactions open per recipient domain (lower-cased), now and at most.
#[derive(Default)]
struct Load {
    now: HashMap<String, usize>,
    most: HashMap<String, usize>,
}

struct State {
    messages: Mutex<Vec<Received>>,
    mail_commands: AtomicUsize,
    mail_times: Mutex<Vec<Instant>>,
    rcpt_commands: AtomicUsize,
    data_commands: AtomicUsize,
    load: Mutex<Load>,
    stop: AtomicBool,
    behaviour: Behaviour,
}

pub struct SmtpServer {
    pub port: u16,
    state: Arc<State>,
}

impl SmtpServer {
    pub fn start(behaviour: Behaviour) -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap(), behaviour)
    }

    /// On a port chosen earlier (see [`free_port`]).
    pub fn start_on(port: u16, behaviour: Behaviour) -> Self {
        Self::on(TcpListener::bind(("127.0.0.1", port)).unwrap(), behaviour)
    }

    fn on(listener: TcpListener, behaviour: Behaviour) -> Self {
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(State {
            messages: Mutex::new(Vec::new()),
            mail_commands: AtomicUsize::new(0),
            mail_times: Mutex::new(Vec::new()),
            rcpt_commands: AtomicUsize::new(0),
            data_commands: AtomicUsize::new(0),
            load: Mutex::new(Load::default()),
            stop: AtomicBool::new(false),
            behaviour,
        });
        let accepting = state.clone();
        std::thread::spawn(move || {
            while !accepting.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let state = accepting.clone();
                        std::thread::spawn(move || {
                            let _ = session(stream, &state);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        SmtpServer { port, state }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.state.messages.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived (or `timeout` passed); returns them all.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        while self.messages().len() < count && start.elapsed() < timeout {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.messages()
    }

    pub fn mail_commands(&self) -> usize {
        self.state.mail_commands.load(Ordering::SeqCst)
    }

    /// When each MAIL FROM arrived (answered or refused), in order: the start of each attempt.
    pub fn mail_command_times(&self) -> Vec<Instant> {
        self.state.mail_times.lock().unwrap().clone()
    }

    /// The most transactions that were open at once, per recipient domain (lower-cased). A
    /// transaction counts from its first accepted recipient of the domain until its DATA is
    /// answered (or it is reset or dropped), so the count is never more than the client had in
    /// flight.
    pub fn most_concurrent_per_domain(&self) -> HashMap<String, usize> {
        self.state.load.lock().unwrap().most.clone()
    }
}

/// The recipient domains of the transaction one session has open, counted in [`Load`] until
/// it ends; dropping it (the connection went away) ends it too.
struct Open<'a> {
    state: &'a State,
    domains: Vec<String>,
}

impl Open<'_> {
    fn add(&mut self, address: &str) {
        let domain = address
            .rsplit_once('@')
            .map_or(address, |(_, d)| d)
            .to_lowercase();
        if self.domains.contains(&domain) {
            return;
        }
        let mut load = self.state.load.lock().unwrap();
        let now = load.now.entry(domain.clone()).or_default();
        *now += 1;
        let now = *now;
        let most = load.most.entry(domain.clone()).or_default();
        *most = (*most).max(now);
        self.domains.push(domain);
    }

    fn end(&mut self) {
        if self.domains.is_empty() {
            return;
        }
        let mut load = self.state.load.lock().unwrap_or_else(|p| p.into_inner());
        for domain in self.domains.drain(..) {
            if let Some(now) = load.now.get_mut(&domain) {
                *now -= 1;
            }
        }
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
    }
}

/// A port with nothing listening on it (free a moment ago).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn session(stream: TcpStream, state: &State) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut reply = |text: &str| writer.write_all(format!("{text}\r\n").as_bytes());
    reply("220 hearken-test ESMTP")?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut open = Open {
        state,
        domains: Vec::new(),
    };
    loop {
        if state.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            reply("250-hearken-test\r\n250-8BITMIME\r\n250 SMTPUTF8")?;
        } else if upper.starts_with("HELO") {
            reply("250 hearken-test")?;
        } else if upper.starts_with("MAIL FROM:") {
            state.mail_times.lock().unwrap().push(Instant::now());
            let n = state.mail_commands.fetch_add(1, Ordering::SeqCst);
            open.end();
            if n < state.behaviour.temporary_failures {
                reply("451 4.3.0 try again later")?;
                continue;
            }
            if state.behaviour.reject_sender {
                reply("550 5.7.1 sender refused")?;
                continue;
            }
            from = Some(angle(&line[10..]));
            to.clear();
            reply("250 2.1.0 ok")?;
        } else if upper.starts_with("RCPT TO:") {
            let n = state.rcpt_commands.fetch_add(1, Ordering::SeqCst);
            if state.behaviour.reject_recipients {
                reply("550 5.1.1 no such user")?;
            } else if from.is_none() {
                reply("503 5.5.1 MAIL first")?;
            } else if n < state.behaviour.temporary_recipient_failures {
                reply("450 4.1.1 recipient address not verified yet, try again later")?;
            } else {
                let address = angle(&line[8..]);
                open.add(&address);
                to.push(address);
                reply("250 2.1.5 ok")?;
            }
        } else if upper == "DATA" {
            if from.is_none() || to.is_empty() {
                reply("503 5.5.1 no recipients")?;
                continue;
            }
            reply("354 end with <CRLF>.<CRLF>")?;
            let mut data = Vec::new();
            loop {
                if state.behaviour.quick_ack {
                    quick_ack(reader.get_ref());
                }
                let mut raw = Vec::new();
                if reader.read_until(b'\n', &mut raw)? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" {
                    break;
                }
                // Dot-unstuffing (RFC 5321 4.5.2).
                if raw.starts_with(b"..") {
                    raw.remove(0);
                }
                data.extend_from_slice(&raw);
            }
            std::thread::sleep(state.behaviour.data_delay);
            let n = state.data_commands.fetch_add(1, Ordering::SeqCst);
            // Over before the client hears the answer, so never counted longer than it is.
            open.end();
            if n < state.behaviour.temporary_data_failures {
                reply("451 4.3.0 try again later")?;
            } else if state.behaviour.reject_data {
                reply("554 5.6.0 message refused")?;
            } else {
                state.messages.lock().unwrap().push(Received {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                    at: Instant::now(),
                });
                reply("250 2.0.0 queued")?;
            }
            from = None;
            to.clear();
        } else if upper == "RSET" {
            open.end();
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

/// Asks the kernel to acknowledge what arrives next at once rather than after its delayed-ACK
/// timer; it lasts only a few segments, so it is asked again before each read. A failure only
/// leaves the ACK delayed.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    let _ = rustix::net::sockopt::set_tcp_quickack(stream, true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}
