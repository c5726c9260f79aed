//! Contacts: JSON and CSV import (BOM, semicolons, quoting, CRLF, unknown columns as attributes),
//! case-insensitive re-import, rejected rows with their numbers and reasons, search and paging,
//! the subject-access export, erasure that leaves only anonymous answers and no address in the
//! SQLite files, and the role rule (designers and admins only).

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::respond::{open_form, send};
use crate::surveys::{get, post, published};
use crate::{TestApp, bearer};

fn post_csv(app: &TestApp, token: &str, body: &[u8]) -> (Status, Value) {
    let response = app
        .client
        .post("/api/v1/contacts")
        .header(bearer(token))
        .header(ContentType::new("text", "csv"))
        .body(body)
        .dispatch();
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn designer(app: &TestApp) -> String {
    app.user_with_token(Role::Designer).1
}

/// The one contact whose email contains `q`.
fn find(app: &TestApp, token: &str, q: &str) -> Value {
    let (status, list) = get(app, token, &format!("/api/v1/contacts?q={q}"));
    assert_eq!(status, Status::Ok, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    list["items"][0].clone()
}

#[test]
fn a_json_array_imports_and_reads_back() {
    let app = TestApp::new();
    let token = designer(&app);
    let (status, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([
            {"email": " Anna.Oberg@Example.com ", "name": "Anna Öberg", "phone": "+46 8 123", "language": "sv",
             "attributes": {"segment": "retail"}},
            {"email": "zoe@example.si", "name": "Zoë Kovačič"}
        ]),
    );
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(
        report,
        json!({"created": 2, "updated": 0, "rejected": [], "rejected_total": 0, "rejected_by_reason": {}})
    );
    let anna = find(&app, &token, "anna.oberg");
    assert_eq!(anna["email"], "anna.oberg@example.com");
    assert_eq!(anna["name"], "Anna Öberg");
    assert_eq!(anna["language"], "sv");
    assert_eq!(anna["attributes"], json!({"segment": "retail"}));
    assert_eq!(anna["opted_out"], false);
    let (status, one) = get(
        &app,
        &token,
        &format!("/api/v1/contacts/{}", anna["id"].as_str().unwrap()),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(one, anna);
    let (status, _) = get(&app, &token, "/api/v1/contacts/nope");
    assert_eq!(status, Status::NotFound);

    let (status, body) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!({"email": "a@example.com"}),
    );
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let response = app
        .client
        .post("/api/v1/contacts")
        .header(bearer(&token))
        .header(ContentType::JSON)
        .body("[{\"email\": ")
        .dispatch();
    assert_eq!(response.status(), Status::BadRequest);
}

#[test]
fn csv_with_bom_semicolons_quotes_newlines_and_crlf() {
    let app = TestApp::new();
    let token = designer(&app);
    let csv = "\u{feff} EMAIL ;Name;Address;Favourite Colour\r\n\
               ann@example.com;\"Ann; \"\"the boss\"\"\";\"1 Main St\r\nSpringfield\";blue\r\n\
               bob@example.com;Bob;;green\r\n";
    let (status, report) = post_csv(&app, &token, csv.as_bytes());
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["rejected"], json!([]));
    let ann = find(&app, &token, "ann@");
    assert_eq!(ann["name"], "Ann; \"the boss\"");
    assert_eq!(ann["address"], "1 Main St\r\nSpringfield");
    assert_eq!(ann["attributes"], json!({"Favourite Colour": "blue"}));
    let bob = find(&app, &token, "bob@");
    assert!(
        bob.get("address").is_none(),
        "an empty cell is not a value: {bob}"
    );

    // Comma-separated with LF endings, and a header without an email column is refused.
    let (status, report) = post_csv(&app, &token, b"email,name\ncarl@example.com,Carl\n");
    assert_eq!((status, report["created"].clone()), (Status::Ok, json!(1)));
    let (status, body) = post_csv(&app, &token, b"name,phone\nCarl,1\n");
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["field"], "email");
}

#[test]
fn a_second_import_updates_and_never_duplicates() {
    let app = TestApp::new();
    let token = designer(&app);
    let (_, first) = post_csv(
        &app,
        &token,
        b"email,name,phone,tier\nDana@Example.com,Dana,111,gold\n",
    );
    assert_eq!(first["created"], 1);
    let (_, second) = post_csv(
        &app,
        &token,
        b"email,name,city\ndana@EXAMPLE.com,Dana Smith,Oslo\nerik@example.com,Erik,Bergen\nERIK@example.com,,Trondheim\n",
    );
    assert_eq!(second["created"], 1, "{second}");
    assert_eq!(second["updated"], 1, "{second}");
    assert_eq!(app.count("contacts"), 2);
    let dana = find(&app, &token, "dana@");
    assert_eq!(dana["name"], "Dana Smith");
    assert_eq!(dana["phone"], "111", "a field not given is kept");
    assert_eq!(dana["attributes"], json!({"tier": "gold", "city": "Oslo"}));
    let erik = find(&app, &token, "erik@");
    assert_eq!(erik["name"], "Erik", "an empty cell does not erase");
    assert_eq!(
        erik["attributes"],
        json!({"city": "Trondheim"}),
        "the later row wins"
    );
}

#[test]
fn bad_rows_are_reported_and_good_rows_kept() {
    let app = TestApp::new();
    let token = designer(&app);
    let mut csv = b"email,name\r\nok1@example.com,One\r\nnot-an-email,Two\r\n,Three\r\n\"x@example.com\r\nBcc: x@y.com\",Four\r\nok2@example.com,Five,extra\r\n".to_vec();
    csv.extend_from_slice(b"bad\xffutf8@example.com,Six\r\nok3@example.com,Seven\r\n");
    let (status, report) = post_csv(&app, &token, &csv);
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    let rejected = report["rejected"].as_array().unwrap();
    let rows: Vec<i64> = rejected
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![3, 4, 5, 6, 7], "{report}");
    assert_eq!(rejected[0]["email"], "not-an-email");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("not a valid email")
    );
    assert!(rejected[1]["reason"].as_str().unwrap().contains("missing"));
    assert!(
        rejected[2]["reason"]
            .as_str()
            .unwrap()
            .contains("not a valid email")
    );
    assert!(
        !rejected[2]["email"].as_str().unwrap().contains('\n'),
        "echoed escaped"
    );
    assert!(rejected[3]["reason"].as_str().unwrap().contains("columns"));
    assert!(rejected[4]["reason"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(app.count("contacts"), 2);

    let (status, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "good@example.com"}, {"email": "a@b"}, {"name": "no email"}, {"email": "c@example.com", "colour": "red"}]),
    );
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["created"], 1);
    let rows: Vec<i64> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![2, 3, 4], "{report}");
    assert!(
        report["rejected"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
}

#[test]
fn search_and_pagination() {
    let app = TestApp::new();
    let token = designer(&app);
    let mut csv = String::from("email,name\n");
    for i in 0..25 {
        csv.push_str(&format!("person{i:02}@example.com,Person {i}\n"));
    }
    csv.push_str("someone@other.org,Greta Garbo\n");
    let (_, report) = post_csv(&app, &token, csv.as_bytes());
    assert_eq!(report["created"], 26);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(c) => format!("/api/v1/contacts?limit=10&after={c}"),
            None => "/api/v1/contacts?limit=10".to_string(),
        };
        let (status, page) = get(&app, &token, &path);
        assert_eq!(status, Status::Ok, "{page}");
        for item in page["items"].as_array().unwrap() {
            seen.push(item["email"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 26);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 26, "no contact twice across pages");
    assert_eq!(find(&app, &token, "GARBO")["email"], "someone@other.org");
    assert_eq!(find(&app, &token, "OTHER.ORG")["name"], "Greta Garbo");
    let (_, none) = get(&app, &token, "/api/v1/contacts?q=%25");
    assert_eq!(none["items"], json!([]), "% is not a wildcard");
    let (status, _) = get(&app, &token, "/api/v1/contacts?after=bogus");
    assert_eq!(status, Status::UnprocessableEntity);
}

/// A published survey, a contact, and that contact's submitted response through their link.
fn answered(app: &TestApp, email: &str) -> (String, String, String) {
    let (token, survey_id) = published(app);
    let (_, report) = post(
        app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": email, "name": "Erin Erasable"}]),
    );
    assert_eq!(report["created"], 1, "{report}");
    let contact_id = find(app, &token, &email[..10])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = app.invite(&survey_id, Some(&contact_id));
    let path = format!("/r/{link}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    let done = send(
        &app.client,
        &path,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Faster delivery please"),
        ],
    );
    assert_eq!(done.0, Status::SeeOther, "{}", done.2);
    (token, survey_id, contact_id)
}

#[test]
fn the_subject_access_export_has_everything() {
    let app = TestApp::new();
    let (token, survey_id, contact_id) = answered(&app, "erin.export@example.com");
    let response = app
        .client
        .get(format!("/api/v1/contacts/{contact_id}/export"))
        .header(bearer(&token))
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.headers().get_one("Content-Disposition"),
        Some(format!("attachment; filename=\"contact-{contact_id}.json\"").as_str())
    );
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    let body: Value = crate::json(response);
    assert_eq!(body["contact"]["email"], "erin.export@example.com");
    assert_eq!(body["contact"]["name"], "Erin Erasable");
    assert_eq!(body["suppressed"], false);
    assert_eq!(body["invitations"][0]["survey_id"], survey_id.as_str());
    assert_eq!(body["invitations"][0]["status"], "completed");
    assert!(body["invitations"][0]["completed_at"].is_string(), "{body}");
    assert_eq!(body["responses"][0]["survey_id"], survey_id.as_str());
    assert_eq!(
        body["responses"][0]["answers"]["improve"],
        "Faster delivery please"
    );
    let (status, _) = get(&app, &token, "/api/v1/contacts/unknown/export");
    assert_eq!(status, Status::NotFound);

    // An invitation sent through the API adds its email; a saved draft and a delivery error
    // are the person's data too.
    let (owner, second) = published(&app);
    let (_, outcome) = post(
        &app,
        &owner,
        &format!("/api/v1/surveys/{second}/invitations"),
        &json!({"contact_ids": [contact_id]}),
    );
    assert_eq!(outcome["queued"], 1, "{outcome}");
    // The worker clears an invitation's last error when it sends: let it finish first.
    let started = std::time::Instant::now();
    while app.count("outbox WHERE status IN ('queued', 'sending')") > 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    app.execute(&format!(
        "INSERT INTO response_drafts (invitation_id, answers, updated_at) \
         SELECT id, '{{\"improve\": \"half typed\"}}', created_at FROM invitations \
         WHERE survey_id = '{second}';
         UPDATE invitations SET last_error = '451 try later' WHERE survey_id = '{second}';"
    ));
    app.execute(&format!(
        "INSERT INTO suppressions (email_digest, created_at) VALUES ('{}', {})",
        hearken::ids::digest("erin.export@example.com"),
        app.minutes_ago(0)
    ));
    let (status, body) = get(
        &app,
        &token,
        &format!("/api/v1/contacts/{contact_id}/export"),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(body["suppressed"], true);
    assert_eq!(body["invitations"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["invitations"][1]["last_error"], "451 try later");
    assert_eq!(body["emails"][0]["kind"], "invite", "{body}");
    assert_eq!(body["emails"][0]["recipient"], "erin.export@example.com");
    assert!(
        body["emails"][0]["message_id"]
            .as_str()
            .unwrap()
            .starts_with('<')
    );
    assert_eq!(
        body["drafts"][0]["answers"]["improve"], "half typed",
        "{body}"
    );
}

/// Every table that can hold a contact's data, from the schema: one with a contact id, an
/// email, phone, address or recipient column. Each must be covered by the export above (or be
/// about staff, not contacts); a new table like that fails here until the export covers it.
#[test]
fn every_table_with_personal_data_is_covered_by_the_export() {
    const COVERED: &[&str] = &[
        "contacts",
        "invitations",
        "responses",
        "answers",
        "response_drafts",
        "outbox",
        "suppressions",
        "complaints",
        "focus_participants",
        "focus_volunteers",
        // Holds no name or address itself, but a note or quote with a `participant_id` is what
        // that person said: exported with their participation, and on erasure it keeps its
        // text while the participant loses their name.
        "focus_notes",
    ];
    // Staff accounts and their sign-in records: not contacts.
    const STAFF: &[&str] = &[
        "users",
        "auth_failures",
        "sessions",
        "api_tokens",
        "setup_tokens",
    ];
    let schema = std::fs::read_to_string("src/db/schema.rs").unwrap();
    let personal = [
        "contact_id",
        "email",
        "email_digest",
        "phone",
        "address",
        "recipient",
        "account",
        // A focus group's participant: what points at one points at a person.
        "participant_id",
    ];
    let mut tables = Vec::new();
    for block in schema.split("diesel::table! {").skip(1) {
        let name = block.trim().split([' ', '(']).next().unwrap().to_string();
        let columns: Vec<&str> = block
            .lines()
            .filter_map(|line| line.trim().split_once(" -> ").map(|(c, _)| c))
            .collect();
        if columns.iter().any(|c| personal.contains(c)) {
            tables.push(name);
        }
    }
    assert!(tables.contains(&"contacts".to_string()), "{tables:?}");
    for table in &tables {
        assert!(
            COVERED.contains(&table.as_str()) || STAFF.contains(&table.as_str()),
            "the table `{table}` holds personal data: cover it in the subject-access export \
             and in erasure, then list it here"
        );
    }
}

#[test]
fn erasure_leaves_anonymous_answers_and_no_address_on_disk() {
    let app = TestApp::new();
    let email = "zz-erasure-canary-7f3a@example.org";
    let (token, survey_id, contact_id) = answered(&app, email);
    // A delivery error that quotes the address is personal data too.
    app.execute(&format!(
        "UPDATE invitations SET last_error = '550 <{email}>: no such user'"
    ));
    let files = [
        app.dir.path().join("hearken.db"),
        app.dir.path().join("hearken.db-wal"),
    ];
    let needle = email.as_bytes();
    let on_disk = || {
        files.iter().any(|file| {
            std::fs::read(file).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        })
    };
    if !app.database.is_postgres() {
        assert!(on_disk(), "the check below would prove nothing");
    }
    let response = app
        .client
        .delete(format!("/api/v1/contacts/{contact_id}"))
        .header(bearer(&token))
        .dispatch();
    assert_eq!(response.status(), Status::NoContent);
    let (status, _) = get(&app, &token, &format!("/api/v1/contacts/{contact_id}"));
    assert_eq!(status, Status::NotFound);
    let response = app
        .client
        .delete(format!("/api/v1/contacts/{contact_id}"))
        .header(bearer(&token))
        .dispatch();
    assert_eq!(response.status(), Status::NotFound);

    let (_, list) = get(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey_id}/responses"),
    );
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the answers stay: {list}");
    assert!(
        items[0].get("contact_id").is_none() || items[0]["contact_id"].is_null(),
        "{list}"
    );
    assert_eq!(items[0]["answers"]["improve"], "Faster delivery please");
    assert_eq!(app.count("contacts"), 0);

    if app.database.is_postgres() {
        return;
    }
    assert!(!on_disk(), "a database file still holds the erased address");
}

#[test]
fn an_opted_out_person_stays_suppressed_after_erasure_and_reimport() {
    let app = TestApp::new();
    let token = designer(&app);
    let email = "quiet@example.com";
    app.execute(&format!(
        "INSERT INTO suppressions (email_digest, created_at) VALUES ('{}', {})",
        hearken::ids::digest(email),
        app.minutes_ago(5)
    ));
    let (_, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "Quiet@Example.com"}]),
    );
    assert_eq!(report["created"], 1);
    let contact = find(&app, &token, "quiet@");
    assert_eq!(contact["opted_out"], true);
    let response = app
        .client
        .delete(format!(
            "/api/v1/contacts/{}",
            contact["id"].as_str().unwrap()
        ))
        .header(bearer(&token))
        .dispatch();
    assert_eq!(response.status(), Status::NoContent);
    assert_eq!(app.count("suppressions"), 1, "the digest stays");
    post(&app, &token, "/api/v1/contacts", &json!([{"email": email}]));
    assert_eq!(find(&app, &token, "quiet@")["opted_out"], true);
}

#[test]
fn analysts_cannot_touch_contacts() {
    let app = TestApp::new();
    let (_, analyst) = app.user_with_token(Role::Analyst);
    let (status, _) = post(
        &app,
        &analyst,
        "/api/v1/contacts",
        &json!([{"email": "a@example.com"}]),
    );
    assert_eq!(status, Status::Forbidden);
    let (status, _) = get(&app, &analyst, "/api/v1/contacts");
    assert_eq!(status, Status::Forbidden);
    assert_eq!(app.count("contacts"), 0);
    let (_, admin) = app.user_with_token(Role::Admin);
    let (status, _) = get(&app, &admin, "/api/v1/contacts");
    assert_eq!(status, Status::Ok);
}

#[test]
fn markup_in_every_cell_and_header_is_stored_as_text() {
    let app = TestApp::new();
    let token = designer(&app);
    let x = "\"\"\"><img src=x onerror=alert(1)>\"";
    let csv = format!("email,name,{x}\nxss@example.com,{x},{x}\n{x},{x},{x}\n");
    let (status, report) = post_csv(&app, &token, csv.as_bytes());
    assert_eq!(status, Status::Ok, "{report}");
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["rejected"][0]["row"], 3);
    let contact = find(&app, &token, "xss@");
    let markup = "\"><img src=x onerror=alert(1)>";
    assert_eq!(contact["name"], markup);
    assert_eq!(contact["attributes"][markup], markup);
}

#[test]
fn an_upload_past_the_file_limit_is_413() {
    let app = TestApp::with(|f| f.merge(("limits.file", "1 KiB")));
    let token = designer(&app);
    let mut csv = String::from("email\n");
    for i in 0..200 {
        csv.push_str(&format!("big{i}@example.com\n"));
    }
    let (status, body) = post_csv(&app, &token, csv.as_bytes());
    assert_eq!(status, Status::PayloadTooLarge, "{body}");
    assert_eq!(app.count("contacts"), 0);
}

#[test]
fn the_staff_page_imports_searches_and_escapes_markup() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        app.sign_in("designer@example.com", crate::PASSWORD),
        Status::SeeOther
    );
    let x = "\"\"\"><img src=x onerror=alert(1)>\"";
    let csv = format!(
        "email,name,{x}\r\nxss@example.com,{x},{x}\r\n{x},{x},{x}\r\nplain@example.com,Paula,\r\n"
    );
    let csrf = app.csrf();
    let response = app
        .client
        .post("/contacts/import")
        .header(ContentType::Form)
        .body(crate::form(&[("csrf", &csrf), ("csv", &csv)]))
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    let html = response.into_string().unwrap();
    assert!(
        html.contains("Imported: 2 new contacts, 0 contacts updated."),
        "{html}"
    );
    assert!(html.contains("1 row was not imported."), "{html}");
    let no_img = |html: &str| {
        let document = scraper::Html::parse_document(html);
        let img = scraper::Selector::parse("img").unwrap();
        document.select(&img).next().is_none()
    };
    assert!(
        no_img(&html),
        "markup from the file became an element: {html}"
    );

    let page = app
        .client
        .get("/contacts")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("xss@example.com") && page.contains("plain@example.com"));
    assert!(no_img(&page), "{page}");
    let found = app
        .client
        .get("/contacts?q=PAULA")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(found.contains("plain@example.com") && !found.contains("xss@example.com"));

    let response = app
        .client
        .post("/contacts/import")
        .header(ContentType::Form)
        .body(crate::form(&[
            ("csrf", &csrf),
            ("csv", "name\nNo email column\n"),
        ]))
        .dispatch();
    assert_eq!(response.status(), Status::UnprocessableEntity);
    assert!(
        response
            .into_string()
            .unwrap()
            .contains("The header row has no")
    );
}

#[test]
fn an_erased_persons_personal_link_stops_working() {
    let app = TestApp::new();
    let (token, survey_id) = published(&app);
    let (_, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "gone@example.com"}]),
    );
    assert_eq!(report["created"], 1);
    let contact_id = find(&app, &token, "gone@")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = format!("/r/{}", app.invite(&survey_id, Some(&contact_id)));
    let before = app.client.get(link.clone()).dispatch().status();
    assert!(
        before == Status::Ok || before == Status::SeeOther,
        "{before}"
    );
    let erased = app
        .client
        .delete(format!("/api/v1/contacts/{contact_id}"))
        .header(bearer(&token))
        .dispatch();
    assert_eq!(erased.status(), Status::NoContent);
    let fresh = crate::TestApp::with_client_of(&app);
    assert_eq!(fresh.client.get(link).dispatch().status(), Status::NotFound);
    assert_eq!(
        app.count("invitations"),
        1,
        "the invitation stays, unlinked, for the counts"
    );
}
