//! Check 58: the real binary at `ROCKET_LOG_LEVEL=normal`, driven over TCP through a whole
//! invitation (staff sign-in, contact import, survey, invitation, the personal link, an answer),
//! prints none of the personal data or secrets it handled.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{TestDatabase, form, hidden_value, test_figment};

const EMAIL: &str = "Fixture.Person.7Q@example.org";
const PHONE: &str = "+44 20 7946 0958";
const PASSWORD: &str = "fixture password Quixotic Lemur 42";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of a cookie this response sets.
    fn cookie(&self, name: &str) -> String {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| {
                v.starts_with(&format!("{name}="))
                    .then(|| v.split(';').next().unwrap_or("").to_string())
            })
            .unwrap_or_else(|| panic!("no {name} cookie in {:?}", self.headers))
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request over a fresh connection.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

fn api(port: u16, token: &str, method: &str, path: &str, body: &Value) -> Reply {
    let bearer = format!("Bearer {token}");
    http(
        port,
        method,
        path,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        &body.to_string(),
    )
}

fn hearken(dir: &std::path::Path, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .env("HEARKEN_DATA_DIR", dir)
        .env("HEARKEN_DATABASE_URL", database_url)
        .env("HEARKEN_MAIL_TRANSPORT", "file")
        .env_remove("HEARKEN_PASSWORD")
        .env_remove("HEARKEN_BASE_URL")
        .env("ROCKET_LOG_LEVEL", "normal")
        .env("ROCKET_CLI_COLORS", "false");
    command
}

/// Collects everything a child writes to one of its pipes.
fn capture(
    pipe: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut pipe = pipe;
        let mut buffer = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    })
}

#[test]
fn a_whole_invitation_leaves_no_personal_data_or_secrets_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let mut console = String::new();

    let added = hearken(dir.path(), &database.url)
        .args([
            "user",
            "add",
            "--email",
            "owner@example.com",
            "--name",
            "Owner",
            "--role",
            "admin",
        ])
        .env("HEARKEN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    console.push_str(&String::from_utf8_lossy(&added.stdout));
    console.push_str(&String::from_utf8_lossy(&added.stderr));
    // `token create` prints the token by design; only its stderr belongs to the log.
    let created = hearken(dir.path(), &database.url)
        .args(["token", "create", "--email", "owner@example.com"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let api_token = String::from_utf8_lossy(&created.stdout).trim().to_string();
    console.push_str(&String::from_utf8_lossy(&created.stderr));

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = hearken(dir.path(), &database.url)
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(String::new()));
    let readers = [
        capture(child.stdout.take().unwrap(), output.clone()),
        capture(child.stderr.take().unwrap(), output.clone()),
    ];
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err()
        || http(port, "GET", "/health", &[], "").status != 200
    {
        assert!(
            Instant::now() < deadline,
            "no start: {}",
            output.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Staff sign in through the page.
    let login = http(port, "GET", "/login", &[], "");
    let csrf_cookie = login.cookie("hearken_csrf");
    let csrf = hidden_value(&login.body, "csrf").unwrap();
    let signed_in = http(
        port,
        "POST",
        "/login",
        &[
            ("Cookie", &csrf_cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form(&[
            ("csrf", &csrf),
            ("email", "owner@example.com"),
            ("password", PASSWORD),
        ]),
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = signed_in.cookie("hearken_session");
    assert_eq!(
        http(port, "GET", "/contacts", &[("Cookie", &session)], "").status,
        200
    );

    // A contact, a survey, an invitation.
    let imported = api(
        port,
        &api_token,
        "POST",
        "/api/v1/contacts",
        &json!([{"email": EMAIL, "name": "Fixture Person", "phone": PHONE}]),
    );
    assert_eq!(imported.status, 200, "{}", imported.body);
    let contacts = api(
        port,
        &api_token,
        "GET",
        "/api/v1/contacts?q=fixture",
        &Value::Null,
    )
    .json();
    let contact_id = contacts["items"][0]["id"].as_str().unwrap().to_string();
    let survey = api(
        port,
        &api_token,
        "POST",
        "/api/v1/surveys",
        &crate::surveys::survey_body("Logs"),
    )
    .json();
    let survey_id = survey["id"].as_str().unwrap().to_string();
    let published = api(
        port,
        &api_token,
        "POST",
        &format!("/api/v1/surveys/{survey_id}/publish"),
        &json!({}),
    );
    assert_eq!(published.status, 200, "{}", published.body);
    let invited = api(
        port,
        &api_token,
        "POST",
        &format!("/api/v1/surveys/{survey_id}/invitations"),
        &json!({"contact_ids": [contact_id]}),
    );
    assert_eq!(invited.status, 202, "{}", invited.body);
    let listed = api(
        port,
        &api_token,
        "GET",
        &format!("/api/v1/surveys/{survey_id}/invitations"),
        &Value::Null,
    )
    .json();
    let invitation_id = listed["items"][0]["id"].as_str().unwrap().to_string();

    // The token the email carries, derived as the mail worker does.
    let secret_key = std::fs::read_to_string(dir.path().join("secret_key")).unwrap();
    let figment = test_figment(dir.path(), &database.url).merge(("secret_key", secret_key.trim()));
    let settings = hearken::Settings::from_figment(&figment).unwrap();
    let token = hearken::web::links::personal_token(&settings.link_key, &invitation_id);

    // The respondent: the link, the token-free page, an answer; and a stranger's guess.
    let entered = http(port, "GET", &format!("/r/{token}"), &[], "");
    assert_eq!(entered.status, 303, "{}", entered.body);
    let link_cookie = entered.cookie("hearken_link");
    let home = entered.header("Location").unwrap().to_string();
    let page = http(port, "GET", &home, &[("Cookie", &link_cookie)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let respondent_csrf = page.cookie("hearken_csrf");
    let cookies = format!("{link_cookie}; {respondent_csrf}");
    let answered = http(
        port,
        "POST",
        &home,
        &[
            ("Cookie", &cookies),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form(&[
            ("csrf", &hidden_value(&page.body, "csrf").unwrap()),
            (
                "submission",
                &hidden_value(&page.body, "submission").unwrap(),
            ),
            ("q.improve", "Call me back"),
        ]),
    );
    assert_eq!(answered.status, 303, "{}", answered.body);
    let replay = http(
        port,
        "POST",
        &format!("/r/{token}"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "q.improve=again",
    );
    assert!(replay.body.contains("already answered"), "{}", replay.body);
    assert_eq!(
        http(
            port,
            "GET",
            &format!("/r/{}", hearken::ids::new_secret()),
            &[],
            ""
        )
        .status,
        404
    );

    // Give the outbox worker its turn, so what it prints is in the log too.
    let outbox = dir.path().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && std::fs::read_dir(&outbox).map_or(0, |d| d.count()) == 0 {
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);
    for reader in readers {
        reader.join().unwrap();
    }
    console.push_str(&output.lock().unwrap());

    assert!(
        console.contains("GET /r/[redacted]"),
        "request lines are logged at this level, with the token blanked:\n{console}"
    );
    let secrets = [
        ("fixture email", EMAIL.to_lowercase()),
        ("fixture phone", PHONE.to_string()),
        ("fixture phone digits", PHONE.replace(' ', "")),
        ("personal token", token.clone()),
        ("password", PASSWORD.to_string()),
        (
            "session cookie",
            session.split_once('=').unwrap().1.to_string(),
        ),
        (
            "link cookie",
            link_cookie.split_once('=').unwrap().1.to_string(),
        ),
        ("API token", api_token.clone()),
        ("secret key", secret_key.trim().to_string()),
    ];
    let lower = console.to_lowercase();
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "{what}");
        assert!(
            !lower.contains(&secret.to_lowercase()),
            "the {what} is in the log:\n{console}"
        );
    }
}
