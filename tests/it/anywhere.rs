//! One binary that runs anywhere: copied alone into an empty folder and started there with no
//! Rocket.toml and no settings but the port, it prints the setup link, serves the setup page
//! with its stylesheet, a survey, and writes an invitation rendered from the templates compiled
//! into it. An operator's template folder replaces a built-in page or email template.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hearken::db;
use hearken::mail::outbox;
use hearken::mail::transport::MemoryMailbox;
use hearken::mail::worker::Outbox;
use hearken::mail::{Email, Message, SurveyInvitation};
use rocket::http::{ContentType, Status};

use crate::TestApp;
use crate::smtp::free_port;

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binary with a clean environment: nothing from the test's own (no `HEARKEN_*`, no
/// `ROCKET_*`), run inside `dir`.
fn hearken(binary: &Path, dir: &Path) -> Command {
    let mut command = Command::new(binary);
    command.env_clear().current_dir(dir);
    command
}

/// One request on its own connection: status, headers and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), body.to_string())
}

fn api(port: u16, token: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let (status, _, text) = http(port, method, path, Some(token), body);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Runs a command-line tool in `dir`; its standard output.
fn tool(binary: &Path, dir: &Path, args: &[&str]) -> String {
    let output = hearken(binary, dir)
        .env("HEARKEN_PASSWORD", crate::PASSWORD)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn the_binary_alone_in_an_empty_folder_serves_pages_a_survey_and_email() {
    let dir = tempfile::tempdir().unwrap();
    let binary: PathBuf = dir.path().join("hearken");
    std::fs::copy(env!("CARGO_BIN_EXE_hearken"), &binary).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let port = free_port();
    let mut child = hearken(&binary, dir.path())
        .env("ROCKET_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (lines, heard) = mpsc::channel();
    for stream in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut said = Vec::new();
    let setup_link = loop {
        let line = heard
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no setup link; the server said: {said:#?}"));
        // Rocket's own launch line names the internal loopback port; the setup link is the one.
        if let Some(at) = line.find("http://").filter(|_| line.contains("/setup/")) {
            break line[at..].trim().to_string();
        }
        said.push(line);
    };
    assert!(
        setup_link.starts_with(&format!("http://127.0.0.1:{port}/setup/")),
        "{setup_link}"
    );
    let setup_path = &setup_link[format!("http://127.0.0.1:{port}").len()..];

    let (status, head, page) = http(port, "GET", setup_path, None, "");
    assert_eq!(status, 200, "{page}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(page.contains("Create the first admin"), "{page}");
    assert!(page.contains("href=\"/static/app.css\""), "{page}");
    let (status, head, css) = http(port, "GET", "/static/app.css", None, "");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/css"), "{head}");
    assert!(css.contains('{'), "{css}");

    tool(
        &binary,
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--role",
            "admin",
        ],
    );
    let token = tool(
        &binary,
        dir.path(),
        &["token", "create", "--email", "ada@example.com"],
    );
    let survey = api(
        port,
        &token,
        "POST",
        "/api/v1/surveys",
        r#"{"title": "Portable survey", "questions": [{"id": "q", "kind": "text", "prompt": "Where do you run it?"}]}"#,
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        port,
        &token,
        "POST",
        &format!("/api/v1/surveys/{survey}/publish"),
        "{}",
    );
    let (status, head, page) = http(port, "GET", &format!("/s/{survey}"), None, "");
    assert_eq!(status, 200, "{page}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(page.contains("Where do you run it?"), "{page}");

    api(
        port,
        &token,
        "POST",
        "/api/v1/contacts",
        r#"[{"email": "grace@example.com", "name": "Grace"}]"#,
    );
    let invited = api(
        port,
        &token,
        "POST",
        &format!("/api/v1/surveys/{survey}/invitations"),
        r#"{"all_contacts": true}"#,
    );
    assert_eq!(invited["queued"], 1);
    let outbox = dir.path().join("data").join("outbox");
    let deadline = Instant::now() + Duration::from_secs(20);
    let email = loop {
        let written = std::fs::read_dir(&outbox)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if let Some(path) = written.first() {
            break std::fs::read_to_string(path).unwrap();
        }
        assert!(Instant::now() < deadline, "no .eml in {}", outbox.display());
        std::thread::sleep(Duration::from_millis(50));
    };
    let parsed = mailparse::parse_mail(email.as_bytes()).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case("subject"))
        .map(|h| h.get_value())
        .unwrap_or_default();
    assert!(subject.contains("Portable survey"), "{subject}");
    let parts: Vec<String> = parsed
        .subparts
        .iter()
        .map(|part| part.get_body().unwrap())
        .collect();
    assert_eq!(parts.len(), 2, "a text and an HTML part: {email}");
    assert!(
        parts[0].contains("Grace") && parts[0].contains("/unsubscribe/"),
        "{}",
        parts[0]
    );
    assert!(
        parts[1].contains("<a href=\"http://127.0.0.1"),
        "{}",
        parts[1]
    );
    drop(server);
}

/// A folder holding one page and one email template in the places of the built-in ones.
fn override_folder() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let web = folder.path().join("web");
    let email = folder.path().join("email").join("invite");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::create_dir_all(&email).unwrap();
    std::fs::write(
        web.join("error.html.hbs"),
        "<!doctype html><p>Our own error page: {{message}}</p>",
    )
    .unwrap();
    std::fs::write(
        email.join("subject.txt.hbs"),
        "Our own subject for {{survey_title}}",
    )
    .unwrap();
    folder
}

#[test]
fn a_template_folder_replaces_the_built_in_template_of_the_same_name() {
    let folder = override_folder();
    let path = folder.path().display().to_string();
    let app = TestApp::with(|f| f.merge(("template_dir", path)));

    let response = app.client.get("/no-such-page").dispatch();
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    let page = response.into_string().unwrap();
    assert!(
        page.starts_with("<!doctype html><p>Our own error page: There is nothing"),
        "{page}"
    );
    // The other pages are still the built-in ones.
    let login = app.client.get("/login").dispatch().into_string().unwrap();
    assert!(login.contains("href=\"/static/app.css\""), "{login}");

    let settings = app.settings().clone();
    let mut conn = app.db().conn().unwrap();
    db::write(&mut conn, |conn| {
        outbox::queue(
            conn,
            &settings,
            Email {
                recipient: "grace@example.com".into(),
                contact_id: None,
                link_id: None,
                message: Message::Invitation(SurveyInvitation {
                    survey_title: "Coffee".into(),
                    survey_intro: String::new(),
                    language: "en".into(),
                    contact_name: None,
                    incentive: None,
                }),
            },
        )
    })
    .unwrap();
    app.client.rocket().state::<Outbox>().unwrap().notify();
    let mailbox = app.client.rocket().state::<MemoryMailbox>().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while mailbox.messages().is_empty() {
        assert!(Instant::now() < deadline, "nothing was sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    let raw = String::from_utf8(mailbox.messages()[0].raw.clone()).unwrap();
    assert!(raw.contains("Subject: Our own subject for Coffee"), "{raw}");
}

/// Whether the application refuses to start with this template folder.
fn refuses_to_start(folder: &Path) -> bool {
    let data = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", data.path().join("hearken.db").display());
    let figment = crate::test_figment(data.path(), &database)
        .merge(("template_dir", folder.display().to_string()));
    match rocket::local::blocking::Client::tracked(hearken::build(figment)) {
        Ok(_) => false,
        Err(error) => {
            // Looking at the error marks it handled (Rocket panics on an unhandled one).
            let _ = error.kind();
            true
        }
    }
}

#[test]
fn a_template_folder_with_a_stray_or_broken_file_stops_the_start() {
    use hearken::web::template::Pages;
    let folder = override_folder();
    assert!(Pages::load(Some(folder.path())).is_ok());
    assert!(!refuses_to_start(folder.path()));

    // The layout of an older version: pages directly in the folder.
    std::fs::write(folder.path().join("setup.html.hbs"), "misplaced").unwrap();
    let error = Pages::load(Some(folder.path())).err().unwrap().to_string();
    assert!(
        error.starts_with("HEARKEN_TEMPLATE_DIR: setup.html.hbs replaces no built-in template"),
        "{error}"
    );
    assert!(refuses_to_start(folder.path()));
    std::fs::remove_file(folder.path().join("setup.html.hbs")).unwrap();

    std::fs::write(folder.path().join("web").join("error.html.hbs"), "{{#if}}").unwrap();
    let error = Pages::load(Some(folder.path())).err().unwrap().to_string();
    assert!(error.contains("web/error.html.hbs"), "{error}");
    assert!(refuses_to_start(folder.path()));
    std::fs::remove_file(folder.path().join("web").join("error.html.hbs")).unwrap();

    let subject = folder
        .path()
        .join("email")
        .join("invite")
        .join("subject.txt.hbs");
    std::fs::write(&subject, "{{#each}}").unwrap();
    assert!(refuses_to_start(folder.path()));

    assert!(refuses_to_start(&folder.path().join("missing")));
}

#[test]
fn every_built_in_page_template_compiles() {
    assert!(hearken::web::template::Pages::load(None).is_ok());
}

/// The pages are written to the data directory at each start for the template engine to read:
/// a page left there by an earlier version, changed or no longer built in, is never served.
#[test]
fn each_start_writes_the_pages_afresh() {
    let data = tempfile::tempdir().unwrap();
    let pages = data.path().join("templates").join("web");
    std::fs::create_dir_all(pages.join("old")).unwrap();
    std::fs::write(pages.join("login.html.hbs"), "an older login page").unwrap();
    // One that no longer compiles would stop the start if it were still read.
    std::fs::write(pages.join("gone.html.hbs"), "{{#if}}").unwrap();
    std::fs::write(pages.join("old").join("page.html.hbs"), "{{#each}}").unwrap();

    let database = format!("sqlite://{}", data.path().join("hearken.db").display());
    let figment = crate::test_figment(data.path(), &database);
    let client = rocket::local::blocking::Client::tracked(hearken::build(figment)).unwrap();
    let response = client.get("/login").dispatch();
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    let login = response.into_string().unwrap();
    assert!(login.contains("href=\"/static/app.css\""), "{login}");
    assert!(!pages.join("gone.html.hbs").exists());
    assert!(!pages.join("old").exists());
    assert!(pages.join("setup.html.hbs").is_file());
    // The folder is the template engine's alone: the configuration still holds no template
    // folder, so a server built again from it starts the same way.
    assert!(
        client
            .rocket()
            .figment()
            .find_value("template_dir")
            .is_err()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let folder = data.path().join("templates");
        let mode = std::fs::metadata(folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}
