//! The load of the crash loop: client threads that answer an open-link survey the way a browser
//! does (fetch the form, post it with its hidden `csrf` and `submission` fields and the CSRF
//! cookie), each sending a form again with the same body until the server acknowledges it with
//! its 303 to the thank-you page, and only then writing it to the client's own fsync'ed log.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::{form, hidden_value};

/// The survey's questions; every answer is `answer_text(submission, question)`.
pub(super) const QUESTIONS: [&str; 3] = ["one", "two", "three"];
/// How long one form may go unacknowledged (servers down, restarting, a database recovering)
/// before the test gives up on it.
const SUBMISSION_DEADLINE: Duration = Duration::from_secs(120);
/// A server that accepted a connection but never answers fails the attempt after this long.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The pause before a failed attempt is made again, so that 64 clients facing a dead port do
/// not spin the two cores the restarting server needs.
const RETRY_PAUSE: Duration = Duration::from_millis(25);

/// The text each question is answered with: it names the form's submission id, so every stored
/// answer can be matched with the form it came from.
pub(super) fn answer_text(submission: &str, question: &str) -> String {
    format!("{submission} answers {question}")
}

/// What the clients and the supervisor share.
pub(super) struct Load {
    /// The current server's port: every restart moves it, and the clients follow.
    pub port: AtomicU16,
    survey: String,
    logs: PathBuf,
    acknowledged: AtomicUsize,
    /// Forms sent more than once before their acknowledgement.
    pub resent: AtomicUsize,
    /// Posts that got no answer (the server was down or died with them), and those answered
    /// with a 5xx (the database could not take them).
    pub unanswered: AtomicUsize,
    pub server_errors: AtomicUsize,
    /// Set when the supervisor is done: each client finishes the form in hand, then leaves.
    stop: AtomicBool,
    /// Set when something failed: every client leaves at once.
    abort: AtomicBool,
    pub problems: Mutex<Vec<String>>,
}

impl Load {
    pub(super) fn new(port: u16, survey: &str, logs: &Path) -> Load {
        std::fs::create_dir_all(logs).unwrap();
        Load {
            port: AtomicU16::new(port),
            survey: survey.to_string(),
            logs: logs.to_path_buf(),
            acknowledged: AtomicUsize::new(0),
            resent: AtomicUsize::new(0),
            unanswered: AtomicUsize::new(0),
            server_errors: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            abort: AtomicBool::new(false),
            problems: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn acknowledged(&self) -> usize {
        self.acknowledged.load(Ordering::SeqCst)
    }

    pub(super) fn aborted(&self) -> bool {
        self.abort.load(Ordering::SeqCst)
    }

    /// Ends the load when dropped: gently when the supervisor finished, at once when it panicked
    /// (then no server may be left to acknowledge anything).
    pub(super) fn stop_when_dropped(&self) -> StopOnDrop<'_> {
        StopOnDrop(self)
    }

    fn fail(&self, problem: String) {
        self.problems.lock().unwrap().push(problem);
        self.abort.store(true, Ordering::SeqCst);
    }

    /// Every acknowledged form as (submission id, response id), read back from the clients' logs.
    pub(super) fn logged(&self) -> Vec<(String, String)> {
        let mut logged = Vec::new();
        for entry in std::fs::read_dir(&self.logs).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                let (submission, response) = line.split_once(' ').unwrap();
                logged.push((submission.to_string(), response.to_string()));
            }
        }
        logged
    }
}

pub(super) struct StopOnDrop<'a>(&'a Load);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
        if std::thread::panicking() {
            self.0.abort.store(true, Ordering::SeqCst);
        }
    }
}

/// One client: forms one after the other until the load stops.
pub(super) fn client(load: &Load, number: usize) {
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(load.logs.join(format!("client-{number:02}.log")))
        .unwrap();
    let mut cookie = None;
    while !load.stop.load(Ordering::SeqCst) {
        let Some((csrf, submission)) = fetch_form(load, &mut cookie) else {
            return;
        };
        let mut fields = vec![
            ("csrf".to_string(), csrf),
            ("submission".to_string(), submission.clone()),
        ];
        fields.extend(
            QUESTIONS.map(|question| (format!("q.{question}"), answer_text(&submission, question))),
        );
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let Some(response) =
            post_until_acknowledged(load, cookie.as_deref(), &form(&fields), &submission)
        else {
            return;
        };
        // Written only now: the log holds exactly what the server acknowledged.
        writeln!(log, "{submission} {response}").unwrap();
        log.sync_data().unwrap();
        load.acknowledged.fetch_add(1, Ordering::SeqCst);
    }
}

/// The open-link form's `csrf` and `submission` fields; the CSRF cookie goes into `cookie`
/// (kept across forms, as a browser keeps it). `None` when the load ended or failed.
fn fetch_form(load: &Load, cookie: &mut Option<String>) -> Option<(String, String)> {
    let path = format!("/s/{}", load.survey);
    let deadline = Instant::now() + SUBMISSION_DEADLINE;
    while !load.aborted() {
        match exchange(load, "GET", &path, cookie.as_deref(), "") {
            Ok(reply) if reply.status == 200 => {
                if let Some(set) = reply.header("set-cookie") {
                    *cookie = set.split(';').next().map(str::to_string);
                }
                let fields = (
                    hidden_value(&reply.body, "csrf"),
                    hidden_value(&reply.body, "submission"),
                );
                let (Some(csrf), Some(submission)) = fields else {
                    load.fail(format!("GET {path}: a form without its hidden fields"));
                    return None;
                };
                return Some((csrf, submission));
            }
            Ok(reply) if !reply.is_failure() => {
                load.fail(format!("GET {path}: {} {}", reply.status, reply.body));
                return None;
            }
            _ if Instant::now() > deadline => {
                load.fail(format!("GET {path} failed for {SUBMISSION_DEADLINE:?}"));
                return None;
            }
            _ => std::thread::sleep(RETRY_PAUSE),
        }
    }
    None
}

/// Posts `body` until the server answers 303; the response id its thank-you address names.
fn post_until_acknowledged(
    load: &Load,
    cookie: Option<&str>,
    body: &str,
    submission: &str,
) -> Option<String> {
    let path = format!("/s/{}", load.survey);
    let thanks = format!("/s/{}/thanks/", load.survey);
    let deadline = Instant::now() + SUBMISSION_DEADLINE;
    let mut sent_before = false;
    while !load.aborted() {
        let outcome = exchange(load, "POST", &path, cookie, body);
        match &outcome {
            Ok(reply) if reply.status == 303 => {
                if sent_before {
                    load.resent.fetch_add(1, Ordering::SeqCst);
                }
                let location = reply.header("location").unwrap_or_default();
                return match location.strip_prefix(&thanks) {
                    Some(response) => Some(response.to_string()),
                    None => {
                        load.fail(format!("{submission}: 303 to {location}"));
                        None
                    }
                };
            }
            Ok(reply) if !reply.is_failure() => {
                load.fail(format!("{submission}: {} {}", reply.status, reply.body));
                return None;
            }
            _ if Instant::now() > deadline => {
                load.fail(format!(
                    "{submission} was not acknowledged within {SUBMISSION_DEADLINE:?}"
                ));
                return None;
            }
            // No answer (the server was killed) or a 5xx (it could not store the form): neither
            // acknowledges anything, so the same form goes again.
            _ => {
                let counter = match &outcome {
                    Ok(reply) if reply.status >= 500 => &load.server_errors,
                    _ => &load.unanswered,
                };
                counter.fetch_add(1, Ordering::SeqCst);
                sent_before = true;
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    }
    None
}

/// What the server answered: the status (0 when the connection closed before a status line,
/// as when the server was killed), the header lines and the body.
pub(super) struct Reply {
    pub status: u16,
    head: String,
    pub body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// An answer that acknowledges nothing and refuses nothing: send the form again.
    fn is_failure(&self) -> bool {
        self.status == 0 || self.status >= 500
    }
}

/// One request on its own connection to the current server, with a form body.
fn exchange(
    load: &Load,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> std::io::Result<Reply> {
    let port = load.port.load(Ordering::SeqCst);
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{cookie}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}
