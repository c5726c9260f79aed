//! The `hearken` binary itself: the commands of the API contract, the first-run setup link on
//! the console, and start-up errors a person can act on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rocket::http::Status;
use rocket::local::blocking::Client;

use crate::{TestDatabase, bearer, test_figment};

pub fn hearken(dir: &std::path::Path, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hearken"));
    command
        .env("HEARKEN_DATA_DIR", dir)
        .env("HEARKEN_DATABASE_URL", database_url)
        .env("HEARKEN_MAIL_TRANSPORT", "memory")
        .env_remove("HEARKEN_PASSWORD")
        .env("ROCKET_LOG_LEVEL", "off");
    command
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("the binary runs")
}

#[test]
fn user_add_token_create_and_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());

    let migrated = run(hearken(dir.path(), &database.url).arg("migrate"));
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    assert!(
        text(&migrated.stderr).contains("applied"),
        "{}",
        text(&migrated.stderr)
    );
    let again = run(hearken(dir.path(), &database.url).arg("migrate"));
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("up to date"));

    let added = run(hearken(dir.path(), &database.url)
        .args([
            "user",
            "add",
            "--email",
            "Dee@Example.com",
            "--name",
            "Dee Designer",
            "--role",
            "designer",
        ])
        .env("HEARKEN_PASSWORD", crate::PASSWORD));
    assert!(added.status.success(), "{}", text(&added.stderr));
    let id = text(&added.stdout).trim().to_string();
    assert_eq!(id.len(), 22, "prints the new user's id: {id}");

    let duplicate = run(hearken(dir.path(), &database.url)
        .args([
            "user",
            "add",
            "--email",
            "dee@example.com",
            "--name",
            "Dee",
            "--role",
            "designer",
        ])
        .env("HEARKEN_PASSWORD", crate::PASSWORD));
    assert!(!duplicate.status.success());
    assert!(text(&duplicate.stderr).contains("already exists"));

    let weak = run(hearken(dir.path(), &database.url)
        .args([
            "user",
            "add",
            "--email",
            "weak@example.com",
            "--name",
            "Weak",
            "--role",
            "analyst",
        ])
        .env("HEARKEN_PASSWORD", "short"));
    assert!(!weak.status.success());
    assert!(
        text(&weak.stderr).contains("password"),
        "{}",
        text(&weak.stderr)
    );
    let common = run(hearken(dir.path(), &database.url)
        .args([
            "user",
            "add",
            "--email",
            "weak@example.com",
            "--name",
            "Weak",
            "--role",
            "analyst",
        ])
        .env("HEARKEN_PASSWORD", "password1234"));
    assert!(!common.status.success());
    assert!(
        text(&common.stderr).contains("is one of the most common passwords"),
        "{}",
        text(&common.stderr)
    );

    let bad_role = run(hearken(dir.path(), &database.url).args([
        "user",
        "add",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--role",
        "owner",
    ]));
    assert!(!bad_role.status.success());

    let created = run(hearken(dir.path(), &database.url).args([
        "token",
        "create",
        "--email",
        "dee@example.com",
    ]));
    assert!(created.status.success(), "{}", text(&created.stderr));
    let stdout = text(&created.stdout);
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "only the token: {stdout}");

    let unknown = run(hearken(dir.path(), &database.url).args([
        "token",
        "create",
        "--email",
        "nobody@example.com",
    ]));
    assert!(!unknown.status.success());
    assert!(unknown.stdout.is_empty());

    let client = Client::tracked(hearken::build(test_figment(dir.path(), &database.url))).unwrap();
    let me = client.get("/api/v1/me").header(bearer(token)).dispatch();
    assert_eq!(me.status(), Status::Ok);
    let me = crate::json(me);
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["role"], "designer");
}

#[test]
fn a_bad_database_url_is_a_clear_error_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = run(hearken(dir.path(), "mysql://root@localhost/hearken").arg("migrate"));
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("HEARKEN_DATABASE_URL") && stderr.contains("unknown database scheme"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let started = Instant::now();
    let output = run(&mut hearken(
        dir.path(),
        "postgres://hk:secret@127.0.0.1:1/hearken",
    ));
    assert!(!output.status.success(), "serve must not start");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("hearken: cannot start"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );

    let output = run(hearken(dir.path(), "sqlite://").arg("migrate"));
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("HEARKEN_DATABASE_URL"));

    let output = run(hearken(
        dir.path(),
        &format!("sqlite://{}/x.db", dir.path().display()),
    )
    .arg("migrate")
    .env("HEARKEN_MAIL_TRANSPORT", "carrier-pigeon"));
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("HEARKEN_MAIL_TRANSPORT"),
        "{}",
        text(&output.stderr)
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> String {
    http_get_with(port, path, "")
}

/// A GET over a fresh connection with `headers` (each line ending in CRLF) added, read until
/// the server closes it, whatever the bytes; a connection cut short gives what came.
pub fn http_get_with(port: u16, path: &str, headers: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// Kills the server even when an assertion fails.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn first_start_prints_a_working_setup_link_and_keeps_a_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let port = free_port();
    let mut child = hearken(dir.path(), &database.url)
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_LOG_LEVEL", "normal")
        .env_remove("HEARKEN_MAIL_TRANSPORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut link = None;
    let mut launched = false;
    while Instant::now() < deadline && !(link.is_some() && launched) {
        if let Ok(line) = receiver.recv_timeout(Duration::from_millis(200)) {
            if let Some(start) = line.find("http://")
                && line.contains("/setup/")
            {
                link = Some(line[start..].trim().to_string());
            }
            launched |= line.contains("launched");
        }
    }
    let link = link.expect("a setup link on the console");
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/setup/")),
        "{link}"
    );
    let path = &link[link.find("/setup/").unwrap()..];

    let response = http_get(port, path);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("Create the first admin"));
    assert!(http_get(port, "/setup/wrong").starts_with("HTTP/1.1 404"));
    assert!(http_get(port, "/health").starts_with("HTTP/1.1 200"));
    drop(server);

    assert!(
        dir.path().join("outbox").is_dir(),
        "mail goes to files under <data dir>/outbox by default"
    );
    let key_path = dir.path().join("secret_key");
    let key = std::fs::read_to_string(&key_path).expect("a secret key kept in the data folder");
    assert!(key.trim().len() >= 80);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let other = tempfile::tempdir().unwrap();
    let _client = Client::tracked(hearken::build(test_figment(
        other.path(),
        &format!("sqlite://{}/x.db", other.path().display()),
    )))
    .unwrap();
    let other_key = std::fs::read_to_string(other.path().join("secret_key")).unwrap();
    assert_ne!(key, other_key, "each installation makes its own key");
}

#[test]
fn demo_loads_published_surveys_with_responses() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let loaded = run(hearken(dir.path(), &database.url).arg("demo"));
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    let links: Vec<String> = text(&loaded.stdout).lines().map(str::to_string).collect();
    assert_eq!(links.len(), 4, "{links:?}");
    assert!(links.iter().all(|l| l.contains("/s/")));
    assert_eq!(text(&loaded.stderr).matches("demo survey made").count(), 4);
    // Run again, it makes no duplicates and says the surveys are there already.
    let again = run(hearken(dir.path(), &database.url).arg("demo"));
    assert!(again.status.success(), "{}", text(&again.stderr));
    let links_again: Vec<String> = text(&again.stdout).lines().map(str::to_string).collect();
    assert_eq!(links_again, links);
    assert_eq!(
        text(&again.stderr)
            .matches("already there from an earlier run")
            .count(),
        4,
        "{}",
        text(&again.stderr)
    );

    let added = run(hearken(dir.path(), &database.url)
        .args([
            "user",
            "add",
            "--email",
            "boss@example.com",
            "--name",
            "Boss",
            "--role",
            "analyst",
        ])
        .env("HEARKEN_PASSWORD", crate::PASSWORD));
    assert!(added.status.success(), "{}", text(&added.stderr));
    let token = text(
        &run(hearken(dir.path(), &database.url).args([
            "token",
            "create",
            "--email",
            "boss@example.com",
        ]))
        .stdout,
    )
    .trim()
    .to_string();
    let client = Client::tracked(hearken::build(test_figment(dir.path(), &database.url))).unwrap();
    let surveys = crate::json(
        client
            .get("/api/v1/surveys")
            .header(bearer(&token))
            .dispatch(),
    );
    let items = surveys["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for survey in items {
        assert_eq!(survey["status"], "open");
        let id = survey["id"].as_str().unwrap();
        let responses = crate::json(
            client
                .get(format!("/api/v1/surveys/{id}/responses?limit=1000"))
                .header(bearer(&token))
                .dispatch(),
        );
        let responses = responses["items"].as_array().unwrap();
        assert!(responses.len() >= 40, "{}", responses.len());
        if survey["questions"][0]["section"].is_string() {
            assert!(
                responses.iter().all(|r| r["score"]["band"].is_string()),
                "self-assessment responses are scored"
            );
        }
    }
}

#[test]
fn openapi_prints_the_served_document_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = "postgres://nobody@127.0.0.1:1/none";
    let printed = run(hearken(dir.path(), unreachable).arg("openapi"));
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();

    let app = crate::TestApp::new();
    let served = crate::json(app.client.get("/api/v1/openapi.json").dispatch());
    assert_eq!(printed, served);
    assert_eq!(printed["info"]["title"], "Hearken API");
}

#[test]
fn results_rebuild_counts_the_kept_figures_again() {
    use diesel::connection::SimpleConnection;
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let demo = run(hearken(dir.path(), &database.url).arg("demo"));
    assert!(demo.status.success(), "{}", text(&demo.stderr));

    let client = Client::tracked(hearken::build(test_figment(dir.path(), &database.url))).unwrap();
    let db = client.rocket().state::<hearken::Db>().unwrap();
    let surveys: Vec<String> = {
        use diesel::prelude::*;
        use hearken::db::schema::surveys;
        let mut conn = db.conn().unwrap();
        surveys::table
            .select(surveys::id)
            .order(surveys::id)
            .load(&mut *conn)
            .unwrap()
    };
    let kept = |id: &str| {
        let mut conn = db.conn().unwrap();
        let survey = hearken::survey::editing::load(&mut conn, id)
            .unwrap()
            .unwrap();
        hearken::respond::tally::kept(&mut conn, id, survey.questions()).unwrap()
    };
    let before: Vec<_> = surveys.iter().map(|id| kept(id)).collect();
    db.conn()
        .unwrap()
        .batch_execute(
            "UPDATE question_tallies SET n = n + 7; UPDATE survey_tallies SET responses = 1",
        )
        .unwrap();
    assert_ne!(
        surveys.iter().map(|id| kept(id)).collect::<Vec<_>>(),
        before
    );

    let rebuilt = run(hearken(dir.path(), &database.url).args(["results", "rebuild"]));
    assert!(rebuilt.status.success(), "{}", text(&rebuilt.stderr));
    let printed = text(&rebuilt.stdout);
    for id in &surveys {
        let n: i64 = {
            use diesel::prelude::*;
            use hearken::db::schema::responses;
            responses::table
                .filter(responses::survey_id.eq(id))
                .count()
                .get_result(&mut *db.conn().unwrap())
                .unwrap()
        };
        assert!(
            n > 0 && printed.contains(&format!("{id}\t{n}")),
            "{printed}"
        );
    }
    assert_eq!(
        surveys.iter().map(|id| kept(id)).collect::<Vec<_>>(),
        before
    );

    let unknown =
        run(hearken(dir.path(), &database.url).args(["results", "rebuild", "--survey", "nope"]));
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("nope"),
        "{}",
        text(&unknown.stderr)
    );
}
