//! Exports through the real app: CSV, XLSX and JSON read back by readers that share no code
//! with Hearken (Python's csv and json, openpyxl from PyPI in a virtual environment this test
//! makes once), with every accent intact and no live formula; the columns as specified; a
//! client that leaves mid-export leaves the server healthy; exports running beside a
//! submission load.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Map, Value, json};

use crate::results::submit_all;
use crate::surveys::{all_kinds, get, post};
use crate::{TestApp, bearer};

/// A Python with openpyxl.
fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| crate::python_with("export-readers", "openpyxl==3.1.5"))
}

fn published(app: &TestApp, token: &str, anonymous: bool) -> String {
    let body = json!({
        "title": "Export check",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "anonymous": anonymous,
        "questions": all_kinds(),
    });
    let (status, created) = post(app, token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, _) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok);
    id
}

const HOSTILE: [&str; 6] = [
    "Zoë Kovačič",
    "Öberg",
    "Kaapstad — 5 sterre",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+31 6 1234",
    "@SUM(A1:A9)",
];

fn answers(i: usize) -> Map<String, Value> {
    json!({
        "name": HOSTILE[i % HOSTILE.len()],
        "improve": format!("Answer {i}: {}", HOSTILE[(i + 1) % HOSTILE.len()]),
        "channel": if i.is_multiple_of(2) { "Email" } else { "-5 stars, by pigeon" },
        "topics": ["Billing", "Returns"],
        "speed": 1 + i % 5,
        "recommend": i % 11,
        "priorities": ["Speed", "Price", "Friendliness"],
        "versus": {"Us": {"Price": 4, "Quality": null}, "ShopCo": {"Price": 3, "Quality": 5}, "BuyMart": {"Price": null, "Quality": 2}},
    })
    .as_object()
    .unwrap()
    .clone()
}

fn download(app: &TestApp, token: &str, path: &str) -> (Status, Option<ContentType>, Vec<u8>) {
    let response = app
        .client
        .get(path.to_string())
        .header(bearer(token))
        .dispatch();
    let status = response.status();
    let kind = response.content_type();
    (status, kind, response.into_bytes().unwrap_or_default())
}

#[test]
fn every_format_reads_back_intact_with_independent_readers() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let csv = "email,name\nzoe@example.com,Zoë Kovačič\n";
    let imported = app
        .client
        .post("/api/v1/contacts")
        .header(bearer(&token))
        .header(ContentType::new("text", "csv"))
        .body(csv)
        .dispatch();
    assert_eq!(imported.status(), Status::Ok);
    let zoe = app.texts("SELECT id AS value FROM contacts").remove(0);
    let id = published(&app, &token, false);
    let rows = 250;
    submit_all(
        &app,
        &id,
        (0..rows)
            .map(|i| {
                (
                    answers(i),
                    if i == 0 { "invitation" } else { "api" },
                    (i == 0).then(|| zoe.clone()),
                )
            })
            .collect(),
    );

    let folder = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for format in ["csv", "xlsx", "json"] {
        let (status, kind, body) = download(
            &app,
            &token,
            &format!("/api/v1/surveys/{id}/export?format={format}"),
        );
        assert_eq!(
            status,
            Status::Ok,
            "{format}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(kind.is_some(), "{format} has a content type");
        let path = folder.path().join(format!("export.{format}"));
        std::fs::write(&path, &body).unwrap();
        paths.push(path);
    }
    let csv_text = String::from_utf8(std::fs::read(&paths[0]).unwrap()).unwrap();
    let header = csv_text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.starts_with("response_id,submitted_at,channel,email,What is your first name?,"),
        "{header}"
    );
    for part in [
        "Which topics were you asking about? [Billing]",
        "Rank what matters most to you. [Price]",
        "How do we compare with other shops? [ShopCo / Quality]",
    ] {
        assert!(header.contains(part), "{part} in {header}");
    }
    assert!(
        csv_text.contains("zoe@example.com"),
        "the email of a contact's response"
    );
    assert!(csv_text.contains(",personal,") && csv_text.contains(",api,"));

    let output = Command::new(python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/exports/read_back.py"
        ))
        .args(&paths)
        .arg(rows.to_string())
        .args(&HOSTILE[..3])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Narrowed to a segment.
    let (status, _, body) = download(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/export?format=json&channel=personal"),
    );
    assert_eq!(status, Status::Ok);
    let items: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["contact_id"], json!(zoe));
}

#[test]
fn anonymous_surveys_export_no_email_and_bad_parameters_are_refused() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let id = published(&app, &token, true);
    submit_all(
        &app,
        &id,
        (0..3).map(|i| (answers(i), "api", None)).collect(),
    );
    let (status, _, body) = download(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/export?format=csv"),
    );
    assert_eq!(status, Status::Ok);
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("\u{feff}response_id,submitted_at,channel,What is your first name?"),
        "{text}"
    );
    assert_eq!(text.matches("\r\n").count(), 4);
    let (status, _, body) = download(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/export?format=json"),
    );
    assert_eq!(status, Status::Ok);
    let items: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert!(items.iter().all(|i| i.get("contact_id").is_none()));

    for (query, field) in [
        ("?format=pdf", "format"),
        ("?format=csv&format=json", "format"),
        ("?colour=red", "colour"),
    ] {
        let (status, body) = get(&app, &token, &format!("/api/v1/surveys/{id}/export{query}"));
        assert_eq!(status, Status::UnprocessableEntity, "{query}");
        assert_eq!(body["error"]["field"], field);
    }
    let (_, other) = app.user_with_token(Role::Designer);
    let (status, _) = get(&app, &other, &format!("/api/v1/surveys/{id}/export"));
    assert_eq!(status, Status::NotFound);
}

fn export_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.trim() == "hearken-export")
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_client_that_leaves_mid_export_leaves_the_server_healthy() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let id = published(&app, &token, false);
    let long = |i| {
        let mut answers = answers(i);
        answers.insert(
            "improve".into(),
            json!("Shorter queues at the till, please. ".repeat(20)),
        );
        (answers, "api", None)
    };
    submit_all(&app, &id, (0..3000).map(long).collect());
    for _ in 0..3 {
        let response = app
            .client
            .get(format!("/api/v1/surveys/{id}/export?format=csv"))
            .header(bearer(&token))
            .dispatch();
        assert_eq!(response.status(), Status::Ok);
        // The export (about 2.5 MB) waits for the client to read it: its producer is still
        // there, held up by the bounded channel, until the client goes.
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(export_threads() >= 1, "the export was not streamed");
        drop(response);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while export_threads() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        export_threads(),
        0,
        "an export kept reading after its client left"
    );
    let (status, _, body) = download(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/export?format=csv"),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(
        String::from_utf8(body).unwrap().matches("\r\n").count(),
        3001
    );
}

/// Check 37: two exports and a submission load at once: no "database is locked", no 5xx.
#[test]
fn exports_run_beside_a_submission_load() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let id = published(&app, &token, false);
    submit_all(
        &app,
        &id,
        (0..2000).map(|i| (answers(i), "api", None)).collect(),
    );
    // Each export through its own client of the same server and database, on its own thread.
    let exports: Vec<_> = ["csv", "xlsx"]
        .into_iter()
        .map(|format| {
            let browser = TestApp::with_client_of(&app);
            let path = format!("/api/v1/surveys/{id}/export?format={format}");
            let token = token.clone();
            std::thread::spawn(move || {
                let response = browser.client.get(path).header(bearer(&token)).dispatch();
                (response.status(), response.into_bytes().unwrap_or_default())
            })
        })
        .collect();
    submit_all(
        &app,
        &id,
        (0..1000).map(|i| (answers(i), "api", None)).collect(),
    );
    for export in exports {
        let (status, body) = export.join().unwrap();
        assert_eq!(status, Status::Ok);
        assert!(body.len() > 100_000, "{}", String::from_utf8_lossy(&body));
    }
    let (status, body) = get(&app, &token, &format!("/api/v1/surveys/{id}/results"));
    assert_eq!(status, Status::Ok);
    assert_eq!(body["responses"], 3000);
}
