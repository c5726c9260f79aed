//! Running Hearken (API.md "Operations"): `/metrics` in Prometheus' text format for admins and
//! the metrics token only, one JSON object per log line with `HEARKEN_LOG_FORMAT=json`, a
//! SIGTERM under load that stores every acknowledged answer and leaves no email claimed, and
//! `hearken backup` during load whose copy, restored into a fresh folder, holds every answer
//! acknowledged before the backup began (security check 42).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hearken::auth::Role;
use hearken::config::DatabaseUrl;
use hearken::db::Db;
use hearken::db::schema::{outbox, responses};
use rocket::http::{ContentType, Header, Status};
use serde_json::json;

use crate::crash::{Server, cli, hearken, http, request, start};
use crate::smtp::{Behaviour, SmtpServer, free_port};
use crate::{PASSWORD, TestApp, TestDatabase, bearer};

fn metrics(app: &TestApp, authorization: Option<String>) -> (Status, Option<String>, String) {
    let mut request = app.client.get("/metrics");
    if let Some(value) = authorization {
        request = request.header(Header::new("Authorization", value));
    }
    let response = request.dispatch();
    let status = response.status();
    let content_type = response.content_type().map(|c| c.to_string());
    (
        status,
        content_type,
        response.into_string().unwrap_or_default(),
    )
}

/// The value of one sample line, e.g. `hearken_submissions_total{outcome="stored"}`.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[test]
fn metrics_are_prometheus_text_for_admins_and_the_metrics_token_only() {
    const METRICS_TOKEN: &str = "scrape-me-with-this-long-token";
    let app = TestApp::with(|figment| figment.merge(("metrics_token", METRICS_TOKEN)));
    let (_, admin) = app.user_with_token(Role::Admin);
    let (_, analyst) = app.user_with_token(Role::Analyst);

    assert_eq!(metrics(&app, None).0, Status::Unauthorized);
    assert_eq!(
        metrics(&app, Some(format!("Bearer {analyst}"))).0,
        Status::Forbidden
    );
    assert_eq!(
        metrics(&app, Some("Bearer not-the-metrics-token".into())).0,
        Status::Unauthorized
    );

    let (status, content_type, before) = metrics(&app, Some(format!("Bearer {admin}")));
    assert_eq!(status, Status::Ok, "{before}");
    let content_type = content_type.unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain") && content_type.contains("version=0.0.4"),
        "{content_type}"
    );
    let stored_before = sample(&before, "hearken_submissions_total{outcome=\"stored\"}");

    // A submission, a refused request and an invitation in the outbox show in the figures.
    let (_, designer) = app.user_with_token(Role::Designer);
    let created = app
        .client
        .post("/api/v1/surveys")
        .header(bearer(&designer))
        .header(ContentType::JSON)
        .body(
            json!({"title": "Metrics", "questions": [{"id": "q", "kind": "text", "prompt": "Anything?"}]})
                .to_string(),
        )
        .dispatch();
    assert_eq!(created.status(), Status::Created);
    let id = crate::json(created)["id"].as_str().unwrap().to_string();
    let published = app
        .client
        .post(format!("/api/v1/surveys/{id}/publish"))
        .header(bearer(&designer))
        .header(ContentType::JSON)
        .body("{}")
        .dispatch();
    assert_eq!(published.status(), Status::Ok);
    let answered = app
        .client
        .post(format!("/api/v1/surveys/{id}/responses"))
        .header(bearer(&designer))
        .header(ContentType::JSON)
        .body(json!({"answers": {"q": "Faster replies"}}).to_string())
        .dispatch();
    assert_eq!(answered.status(), Status::Created);
    for (path, body) in [
        (
            "/api/v1/contacts".to_string(),
            json!([{"email": "metrics@example.com", "name": "Mia"}]),
        ),
        (
            format!("/api/v1/surveys/{id}/invitations"),
            json!({"all_contacts": true}),
        ),
    ] {
        let response = app
            .client
            .post(path.clone())
            .header(bearer(&designer))
            .header(ContentType::JSON)
            .body(body.to_string())
            .dispatch();
        assert!(
            response.status().code < 300,
            "{path}: {}",
            response.status()
        );
    }

    let (status, _, after) = metrics(&app, Some(format!("Bearer {METRICS_TOKEN}")));
    assert_eq!(status, Status::Ok);
    assert!(sample(&after, "hearken_submissions_total{outcome=\"stored\"}") > stored_before);
    assert!(
        sample(
            &after,
            "hearken_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}"
        ) >= 2.0
    );
    assert!(
        sample(
            &after,
            "hearken_http_requests_total{method=\"POST\",route=\"/api/v1/surveys/<id>/responses\",status=\"201\"}"
        ) >= 1.0
    );
    let outbox: f64 = ["queued", "sending", "sent", "failed", "cancelled"]
        .iter()
        .map(|s| sample(&after, &format!("hearken_outbox_emails{{status=\"{s}\"}}")))
        .sum();
    assert_eq!(outbox, 1.0, "{after}");
    assert!(sample(&after, "hearken_db_pool_max_connections") >= 1.0);

    // A strict parser reads every family.
    let python = crate::python_with("prometheus", "prometheus-client==0.21.1");
    let parsed = Command::new(python)
        .args([
            "-c",
            "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\n\
             print(sorted(f.name for f in p(sys.stdin.read())))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(after.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(parsed.status.success(), "{parsed:?}");
    let families = String::from_utf8_lossy(&parsed.stdout);
    for name in [
        "hearken_http_requests",
        "hearken_submissions",
        "hearken_mail",
        "hearken_outbox_emails",
        "hearken_db_pool_connections",
    ] {
        assert!(
            families.contains(&format!("'{name}'")),
            "{name}: {families}"
        );
    }
}

#[test]
fn an_admin_session_reads_metrics_and_a_designer_session_does_not() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        app.sign_in("designer@example.com", PASSWORD),
        Status::SeeOther
    );
    assert_eq!(
        app.client.get("/metrics").dispatch().status(),
        Status::Forbidden
    );
    let admin = TestApp::with_client_of(&app);
    app.add_user("admin@example.com", Role::Admin);
    assert_eq!(
        admin.sign_in("admin@example.com", PASSWORD),
        Status::SeeOther
    );
    assert_eq!(admin.client.get("/metrics").dispatch().status(), Status::Ok);
}

#[test]
fn json_logs_are_one_object_per_line_with_secrets_blanked() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let port = free_port();
    let mut child = hearken(dir.path(), &database.url, "smtp://127.0.0.1:1")
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_LOG_LEVEL", "normal")
        .env("HEARKEN_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let lines = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(http(port, "GET", "/health", None, ""), Ok((200, _))) {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let secret = "c2VjcmV0LXRva2VuLWZvci10aGUtbG9nLXRlc3Q";
    let _ = http(port, "GET", &format!("/r/{secret}"), None, "");
    let deadline = Instant::now() + Duration::from_secs(10);
    let logged = |what: &str| lines.lock().unwrap().iter().any(|l| l.contains(what));
    while !(logged("/r/[redacted]") && logged("Hearken is listening on")) {
        assert!(
            Instant::now() < deadline,
            "the request was not logged: {:#?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let lines = lines.lock().unwrap().clone();
    assert!(lines.len() > 5, "{lines:#?}");
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"));
        for field in ["time", "level", "target", "message"] {
            assert!(value[field].is_string(), "{field} in {line}");
        }
        assert!(!line.contains(secret), "{line}");
        assert!(!line.contains('\u{1b}'), "colour codes in {line}");
    }
    assert!(lines.iter().any(|l| l.contains("Hearken is listening on")));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("No staff account exists yet"))
    );

    let refused = hearken(dir.path(), &database.url, "smtp://127.0.0.1:1")
        .env("HEARKEN_LOG_FORMAT", "xml")
        .stderr(Stdio::piped())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("HEARKEN_LOG_FORMAT") && said.contains("text or json"),
        "{said}"
    );
}

/// A published one-question survey on a running server.
fn survey_on(port: u16, token: &str) -> String {
    crate::crash::published(
        port,
        token,
        r#"{"title": "Operations", "questions": [{"id": "q", "kind": "text", "prompt": "Anything?"}]}"#,
    )
}

/// Submits answers from `clients` threads until `stop`; every acknowledged response id (201,
/// or 200 for a replay) is recorded, with whether the backup had begun when it was acknowledged.
struct Load {
    port: std::sync::atomic::AtomicU16,
    next: AtomicUsize,
    acknowledged: Mutex<Vec<(String, bool)>>,
    stop: AtomicBool,
    backup_began: AtomicBool,
}

impl Load {
    fn new(port: u16) -> Load {
        Load {
            port: port.into(),
            next: AtomicUsize::new(0),
            acknowledged: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            backup_began: AtomicBool::new(false),
        }
    }

    fn client(&self, token: &str, survey: &str) {
        let auth = format!("Bearer {token}");
        let path = format!("/api/v1/surveys/{survey}/responses");
        while !self.stop.load(Ordering::SeqCst) {
            let n = self.next.fetch_add(1, Ordering::SeqCst);
            let key = format!("operations-{n}");
            let body = json!({"answers": {"q": format!("answer {n}")}}).to_string();
            let headers = [("Authorization", auth.as_str()), ("Idempotency-Key", &key)];
            let port = self.port.load(Ordering::SeqCst);
            if let Ok((200 | 201, text)) = request(port, "POST", &path, &headers, &body) {
                // Read once the acknowledgement is in hand: a request sent before the backup
                // began may still commit after the backup's snapshot, and only answers
                // acknowledged before it began are owed to the copy.
                let began = self.backup_began.load(Ordering::SeqCst);
                let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
                let id = answer["id"].as_str().unwrap().to_string();
                self.acknowledged.lock().unwrap().push((id, began));
            }
        }
    }

    fn count(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }
}

fn stored_ids(db: &Db) -> HashSet<String> {
    let mut conn = db.conn().unwrap();
    responses::table
        .select(responses::id)
        .load::<String>(&mut *conn)
        .unwrap()
        .into_iter()
        .collect()
}

fn add_designer(dir: &Path, url: &str, smtp: &str) -> String {
    let run = |args: &[&str]| cli(dir, url, smtp, args);
    run(&[
        "user",
        "add",
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--role",
        "designer",
    ]);
    run(&["token", "create", "--email", "ops@example.com"])
}

#[test]
fn sigterm_under_load_stores_every_acknowledged_answer_and_leaves_no_email_claimed() {
    const CONTACTS: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    // A slow relay, so sends are under way when the signal comes.
    let sink = SmtpServer::start(Behaviour {
        data_delay: Duration::from_millis(20),
        ..Behaviour::default()
    });
    let token = add_designer(dir.path(), &database.url, &sink.url());
    let (mut server, port) = start(dir.path(), &database.url, &sink.url());
    let survey = survey_on(port, &token);
    crate::crash::invite_contacts(port, &token, &survey, "drain", CONTACTS);

    let load = Load::new(port);
    let exit = std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| load.client(&token, &survey));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while load.count() < 200 || sink.messages().len() < 20 {
            assert!(Instant::now() < deadline, "the load did not get going");
            std::thread::sleep(Duration::from_millis(5));
        }
        let pid = server.0.id() as i32;
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let stopped = Instant::now();
        let status = loop {
            if let Some(status) = server.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                stopped.elapsed() < Duration::from_secs(30),
                "the server did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        load.stop.store(true, Ordering::SeqCst);
        (status, stopped.elapsed())
    });
    let (status, took) = exit;
    assert!(status.success(), "exit after SIGTERM: {status:?}");
    drop(server);

    let db = Db::open(&DatabaseUrl::parse(&database.url).unwrap(), 1, false).unwrap();
    let stored = stored_ids(&db);
    let acknowledged = load.acknowledged.lock().unwrap().clone();
    let lost: Vec<&String> = acknowledged
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !stored.contains(*id))
        .collect();
    let mut conn = db.conn().unwrap();
    let rows: Vec<(String, String)> = outbox::table
        .select((outbox::status, outbox::message_id))
        .load(&mut *conn)
        .unwrap();
    let claimed = rows
        .iter()
        .filter(|(status, _)| status == "sending")
        .count();
    let recorded_sent: HashSet<&str> = rows
        .iter()
        .filter(|(status, _)| status == "sent")
        .map(|(_, id)| id.as_str())
        .collect();
    // The sink finishes a message whose DATA it had whole only after its delay.
    std::thread::sleep(Duration::from_millis(200));
    let delivered = sink.messages();
    let unrecorded = delivered
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .filter(|id| !recorded_sent.contains(id.trim()))
        .count();
    println!(
        "SIGTERM under load: stopped in {:.2} s; {} answers acknowledged, {} lost; {} emails delivered, {} recorded sent, {} delivered but not recorded, {} left claimed",
        took.as_secs_f64(),
        acknowledged.len(),
        lost.len(),
        delivered.len(),
        recorded_sent.len(),
        unrecorded,
        claimed
    );
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert_eq!(claimed, 0, "emails left claimed after SIGTERM");
    assert_eq!(unrecorded, 0, "sends finished but not recorded");
    assert!(
        delivered.len() < CONTACTS,
        "the signal came after every email was sent"
    );
}

#[test]
fn a_backup_during_load_holds_every_answer_acknowledged_before_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    if database.is_postgres() {
        // PostgreSQL's own tool backs it up; `hearken backup` says so.
        let said = hearken(dir.path(), &database.url, "smtp://127.0.0.1:1")
            .args(["backup", dir.path().join("copy.db").to_str().unwrap()])
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(!said.status.success());
        assert!(String::from_utf8_lossy(&said.stderr).contains("pg_dump"));
        return;
    }
    let token = add_designer(dir.path(), &database.url, "smtp://127.0.0.1:1");
    let (_server, port) = start(dir.path(), &database.url, "smtp://127.0.0.1:1");
    let survey = survey_on(port, &token);
    let load = Load::new(port);
    let backups = tempfile::tempdir().unwrap();
    let copy = backups.path().join("hearken-backup.db");
    let output = std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| load.client(&token, &survey));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while load.count() < 300 {
            assert!(Instant::now() < deadline, "the load did not get going");
            std::thread::sleep(Duration::from_millis(5));
        }
        load.backup_began.store(true, Ordering::SeqCst);
        let output = hearken(dir.path(), &database.url, "smtp://127.0.0.1:1")
            .args(["backup", copy.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        // Load goes on a little after the backup, so it ran among writes.
        let after = load.count() + 100;
        while load.count() < after && deadline > Instant::now() {
            std::thread::sleep(Duration::from_millis(5));
        }
        load.stop.store(true, Ordering::SeqCst);
        output
    });
    assert!(output.status.success(), "{output:?}");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("integrity check ok"), "{report}");
    let refused = hearken(dir.path(), &database.url, "smtp://127.0.0.1:1")
        .args(["backup", copy.to_str().unwrap()])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a backup overwrote an existing file"
    );

    // Restored into a fresh folder, as an operator would: the copy becomes the database.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&copy, restored.path().join("hearken.db")).unwrap();
    let db = Db::open(
        &DatabaseUrl::Sqlite(restored.path().join("hearken.db")),
        1,
        false,
    )
    .unwrap();
    let mut conn = db.conn().unwrap();
    let verdict =
        hearken::db::sqlite::pragma(conn.as_sqlite().unwrap(), "integrity_check").unwrap();
    assert_eq!(verdict, "ok");
    drop(conn);
    let stored = stored_ids(&db);
    let acknowledged = load.acknowledged.lock().unwrap().clone();
    let before: Vec<&String> = acknowledged
        .iter()
        .filter(|(_, b)| !b)
        .map(|(id, _)| id)
        .collect();
    let missing = before.iter().filter(|id| !stored.contains(**id)).count();
    println!(
        "backup during load: {} answers acknowledged before it began, {} in the copy ({} acknowledged in all), {} missing; {report}",
        before.len(),
        stored.len(),
        acknowledged.len(),
        missing
    );
    assert_eq!(missing, 0, "acknowledged before the backup but not in it");
    // A restored copy starts as a server and serves the survey.
    let started = Command::new(env!("CARGO_BIN_EXE_hearken"))
        .env("HEARKEN_DATA_DIR", restored.path())
        .env("HEARKEN_DATABASE_URL", "")
        .env("HEARKEN_MAIL_TRANSPORT", "memory")
        .env("ROCKET_LOG_LEVEL", "off")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(started.status.success(), "{started:?}");
}
