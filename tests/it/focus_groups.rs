//! Focus groups: a session planned with its guide, participants by name or from a contact with
//! the consent they gave, notes and quotes under guide items (a quote names its participant by
//! name only with consent), themes on notes counted among the top problems in the group's
//! voice, the notes as Markdown and CSV, the session page without JavaScript, and erasure.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::surveys::{get, patch, post};
use crate::{TestApp, form};

fn planned(app: &TestApp, token: &str) -> (String, Value) {
    let (status, group) = post(
        app,
        token,
        "/api/v1/focus-groups",
        &json!({
            "title": "Counter staff on returns",
            "topic": "What customers bring back, and why",
            "audience": "employees",
            "scheduled_at": "2026-12-10T14:00:00Z",
            "location": "Meeting room 2",
            "guide": ["What do customers return most?", "", "What would stop it?"],
        }),
    );
    assert_eq!(status, Status::Created, "{group}");
    (group["id"].as_str().unwrap().to_string(), group)
}

#[test]
fn a_session_with_participants_notes_and_quotes() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (id, group) = planned(&app, &token);
    assert_eq!(
        group["guide"],
        json!(["What do customers return most?", "What would stop it?"])
    );
    assert_eq!(group["duration_minutes"], 90);
    assert_eq!(group["audience"], "employees");
    assert_eq!(group["participants"], json!([]));

    let add = |body: Value| {
        post(
            &app,
            &token,
            &format!("/api/v1/focus-groups/{id}/participants"),
            &body,
        )
    };
    let (status, ann) = add(json!({"name": "Ann", "consent": true}));
    assert_eq!(status, Status::Created, "{ann}");
    assert!(ann["consent_at"].is_string());
    let (_, bo) = add(json!({"name": "Bo", "email": "bo@example.com", "consent": false}));
    assert!(bo["consent_at"].is_null());
    for (body, field) in [
        (json!({"consent": true}), "name"),
        (
            json!({"name": "Cy", "email": "nope", "consent": true}),
            "email",
        ),
        (
            json!({"name": "Cy", "consent": true, "invite": true}),
            "invite",
        ),
        (
            json!({"contact_id": "nosuchcontact", "consent": true}),
            "contact_id",
        ),
    ] {
        let (status, error) = add(body.clone());
        assert_eq!(status, Status::UnprocessableEntity, "{body}: {error}");
        assert_eq!(error["error"]["field"], field);
    }

    let note = |body: Value| {
        post(
            &app,
            &token,
            &format!("/api/v1/focus-groups/{id}/notes"),
            &body,
        )
    };
    let (status, first) = note(
        json!({"text": "Sizes run small", "kind": "note", "guide_item": 0, "tags": ["Sizing"]}),
    );
    assert_eq!(status, Status::Created, "{first}");
    assert_eq!(first["tags"], json!(["Sizing"]));
    let (_, named) = note(
        json!({"text": "They never read the size chart", "kind": "quote", "guide_item": 0, "participant_id": ann["id"]}),
    );
    assert_eq!(named["quoted_as"], "Ann");
    let (_, unnamed) = note(
        json!({"text": "A fitting room would help", "kind": "quote", "guide_item": 1, "participant_id": bo["id"], "tags": ["sizing"]}),
    );
    assert_eq!(unnamed["quoted_as"], "Participant 2");
    for (body, field) in [
        (json!({"text": "x", "kind": "quote"}), "participant_id"),
        (json!({"text": "x", "kind": "remark"}), "kind"),
        (json!({"text": " ", "kind": "note"}), "text"),
        (
            json!({"text": "x", "kind": "note", "guide_item": 2}),
            "guide_item",
        ),
        (
            json!({"text": "x", "kind": "note", "participant_id": "someone"}),
            "participant_id",
        ),
        (
            json!({"text": "x", "kind": "note", "tags": ["a,b"]}),
            "tags[0]",
        ),
    ] {
        let (status, error) = note(body.clone());
        assert_eq!(status, Status::UnprocessableEntity, "{body}: {error}");
        assert_eq!(error["error"]["field"], field);
    }

    let (status, moved) = patch(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{id}"),
        &json!({"scheduled_at": "2026-12-11T09:30:00Z"}),
    );
    assert_eq!(status, Status::Ok, "{moved}");
    assert_eq!(moved["scheduled_at"], "2026-12-11T09:30:00Z");
    let (_, read) = get(&app, &token, &format!("/api/v1/focus-groups/{id}"));
    assert_eq!(read["notes"].as_array().unwrap().len(), 3);
    assert_eq!(read["participants"].as_array().unwrap().len(), 2);
    let (_, list) = get(&app, &token, "/api/v1/focus-groups");
    assert_eq!(list["items"][0]["id"], id.as_str());

    // The notes count among the top problems, in the employees' voice.
    let (_, top) = get(&app, &token, "/api/v1/insights/problems");
    assert_eq!(top["items"][0]["tag"], "Sizing");
    assert_eq!(
        top["items"][0]["sources"],
        json!({"answers": 0, "notes": 2, "complaints": 0})
    );
    assert_eq!(top["items"][0]["audiences"]["employees"], 2);

    // Analysts do not run focus groups.
    let (_, analyst) = app.user_with_token(Role::Analyst);
    assert_eq!(
        get(&app, &analyst, "/api/v1/focus-groups").0,
        Status::Forbidden
    );
}

#[test]
fn the_notes_come_out_as_markdown_and_csv_and_the_session_page_takes_notes() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    let csrf = app.csrf();
    let planned = app
        .client
        .post("/focus-groups")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("title", "Suppliers on late parcels"),
            ("audience", "suppliers"),
            ("scheduled_at", "2026-12-12T10:00"),
            ("duration_minutes", "60"),
            ("location", "Online"),
            ("guide", "Where do parcels wait?\r\nWhat would help?"),
        ]))
        .dispatch();
    assert_eq!(planned.status(), Status::SeeOther);
    let page_path = planned.headers().get_one("Location").unwrap().to_string();
    let id = page_path.rsplit('/').next().unwrap().to_string();
    let page = app
        .client
        .get(page_path.clone())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("Where do parcels wait?"), "{page}");

    let added = app
        .client
        .post(format!("/focus-groups/{id}/participants"))
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Dara"),
            ("consent", "true"),
        ]))
        .dispatch();
    assert_eq!(added.status(), Status::SeeOther);
    let (_, group) = get(&app, &token, &format!("/api/v1/focus-groups/{id}"));
    let dara = group["participants"][0]["id"].as_str().unwrap().to_string();
    let noted = app
        .client
        .post(format!("/focus-groups/{id}/notes"))
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("text", "=Parcels sit a day at the hub"),
            ("kind", "quote"),
            ("guide_item", "0"),
            ("participant_id", &dara),
            ("tags", "Late delivery, Hub"),
        ]))
        .dispatch();
    assert_eq!(noted.status(), Status::SeeOther);
    assert_eq!(
        noted.headers().get_one("Location").unwrap(),
        format!("/focus-groups/{id}?item=0#note-form")
    );
    let page = app
        .client
        .get(format!("/focus-groups/{id}?item=0"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("Parcels sit a day at the hub</q> — Dara"),
        "{page}"
    );
    assert!(
        page.contains("aria-current=\"step\""),
        "the current guide item is marked"
    );

    let markdown = app
        .client
        .get(format!("/focus-groups/{id}/notes.md"))
        .dispatch();
    assert_eq!(markdown.status(), Status::Ok);
    let markdown = markdown.into_string().unwrap();
    assert!(
        markdown.starts_with("# Suppliers on late parcels\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("## 1. Where do parcels wait?"),
        "{markdown}"
    );
    assert!(
        markdown.contains("> “=Parcels sit a day at the hub” — Dara _(Hub, Late delivery)_"),
        "{markdown}"
    );

    let csv = app
        .client
        .get(format!("/focus-groups/{id}/notes.csv"))
        .dispatch();
    assert_eq!(csv.status(), Status::Ok);
    let text = csv.into_string().unwrap();
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "1");
    assert_eq!(
        &rows[0][4], "'=Parcels sit a day at the hub",
        "a formula is made inert"
    );
    assert_eq!(&rows[0][5], "Dara");
}

#[test]
fn an_erased_contact_is_no_longer_named_in_a_focus_group() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "eli@example.com", "name": "Eli Named"}]),
    );
    assert_eq!(report["created"], 1);
    let (_, list) = get(&app, &token, "/api/v1/contacts?q=eli");
    let contact = list["items"][0]["id"].as_str().unwrap().to_string();
    let (id, _) = planned(&app, &token);
    let (status, eli) = post(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{id}/participants"),
        &json!({"contact_id": contact, "consent": true}),
    );
    assert_eq!(status, Status::Created, "{eli}");
    assert_eq!(eli["name"], "Eli Named");
    let (_, quote) = post(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{id}/notes"),
        &json!({"text": "Returns are slow", "kind": "quote", "participant_id": eli["id"]}),
    );
    assert_eq!(quote["quoted_as"], "Eli Named");
    let (_, export) = get(&app, &token, &format!("/api/v1/contacts/{contact}/export"));
    assert_eq!(
        export["focus_groups"][0]["participant"]["name"], "Eli Named",
        "{export}"
    );
    // What they said, while it is linked to them, is theirs to see.
    assert_eq!(
        export["focus_groups"][0]["notes"][0]["text"], "Returns are slow",
        "{export}"
    );

    let erased = app
        .client
        .delete(format!("/api/v1/contacts/{contact}"))
        .header(crate::bearer(&token))
        .dispatch();
    assert_eq!(erased.status(), Status::NoContent);
    let (_, read) = get(&app, &token, &format!("/api/v1/focus-groups/{id}"));
    assert_eq!(read["participants"][0]["name"], "Erased participant");
    assert!(read["participants"][0]["email"].is_null());
    // The quote keeps its text but no longer names them, in the API and in both exports.
    assert_eq!(read["notes"][0]["text"], "Returns are slow");
    assert_eq!(read["notes"][0]["participant_id"], eli["id"]);
    assert_eq!(read["notes"][0]["quoted_as"], "Participant 1");
    assert!(!read.to_string().contains("Eli Named"));
    app.signed_in_admin();
    for format in ["md", "csv"] {
        let notes = app
            .client
            .get(format!("/focus-groups/{id}/notes.{format}"))
            .dispatch();
        assert_eq!(notes.status(), Status::Ok, "notes.{format}");
        let notes = notes.into_string().unwrap();
        assert!(notes.contains("Returns are slow"), "{notes}");
        assert!(notes.contains("Participant 1"), "{notes}");
        assert!(!notes.contains("Eli Named"), "{notes}");
    }
}

/// Reads an email's calendar with Python's email package and the `icalendar` parser (strict
/// about RFC 5545), and tells what it found.
fn read_calendar(raw: &[u8]) -> Value {
    use std::io::Write;
    use std::sync::OnceLock;
    static PYTHON: OnceLock<std::path::PathBuf> = OnceLock::new();
    let python = PYTHON.get_or_init(|| crate::python_with("calendar-readers", "icalendar==6.1.0"));
    let script = r#"
import email, json, sys
from email import policy
from icalendar import Calendar
message = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
attachments = [p.get_filename() for p in parts if p.get_filename()]
calendar = Calendar.from_ical(parts[0].get_payload(decode=True))
events = [c for c in calendar.walk("VEVENT")]
event = events[0]
print(json.dumps({
    "parts": len(parts),
    "attachments": attachments,
    "content_type": parts[0]["Content-Type"],
    "method": str(calendar["METHOD"]),
    "events": len(events),
    "uid": str(event["UID"]),
    "sequence": int(event["SEQUENCE"]),
    "start": event["DTSTART"].dt.isoformat(),
    "end": event["DTEND"].dt.isoformat(),
    "summary": str(event["SUMMARY"]),
    "location": str(event["LOCATION"]),
    "status": str(event["STATUS"]),
    "attendee": str(event["ATTENDEE"]),
}))
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the calendar did not parse");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The emails to `recipient` the memory transport has sent, waiting until there are `count`.
fn mails_to(app: &TestApp, recipient: &str, count: usize) -> Vec<Vec<u8>> {
    let mailbox = app
        .client
        .rocket()
        .state::<hearken::mail::transport::MemoryMailbox>()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let mails: Vec<Vec<u8>> = mailbox
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to == recipient))
            .map(|m| m.raw)
            .collect();
        if mails.len() >= count {
            return mails;
        }
        assert!(
            started.elapsed().as_secs() < 30,
            "{} of {count} emails",
            mails.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn invitations_carry_the_event_and_changes_update_or_cancel_it() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (id, _) = planned(&app, &token);
    let add = |body: Value| {
        post(
            &app,
            &token,
            &format!("/api/v1/focus-groups/{id}/participants"),
            &body,
        )
    };
    let (status, error) = add(json!({"name": "No Mail", "consent": true, "invite": true}));
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "invite");
    let (status, fay) =
        add(json!({"name": "Fay", "email": "fay@example.com", "consent": true, "invite": true}));
    assert_eq!(status, Status::Created, "{fay}");
    assert_eq!(fay["invited"], true);

    let first = read_calendar(&mails_to(&app, "fay@example.com", 1)[0]);
    assert_eq!(first["method"], "REQUEST");
    assert_eq!(first["events"], 1);
    assert_eq!(
        first["parts"], 2,
        "the event as an alternative and as an attachment"
    );
    assert_eq!(first["attachments"], json!(["invite.ics"]));
    // MIME parameter values may be quoted and the method is matched without regard to case.
    let content_type = first["content_type"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .replace('"', "");
    assert!(content_type.contains("method=request"), "{content_type}");
    assert_eq!(first["sequence"], 0);
    assert_eq!(first["start"], "2026-12-10T14:00:00+00:00");
    assert_eq!(first["end"], "2026-12-10T15:30:00+00:00");
    assert_eq!(first["summary"], "Counter staff on returns");
    assert_eq!(first["location"], "Meeting room 2");
    assert_eq!(first["attendee"], "mailto:fay@example.com");

    // A new title is no new event; a new time is the same event with a higher SEQUENCE.
    let path = format!("/api/v1/focus-groups/{id}");
    let (status, _) = patch(
        &app,
        &token,
        &path,
        &json!({"title": "Counter staff on returns (2)"}),
    );
    assert_eq!(status, Status::Ok);
    let (status, _) = patch(
        &app,
        &token,
        &path,
        &json!({"scheduled_at": "2026-12-11T09:00:00Z"}),
    );
    assert_eq!(status, Status::Ok);
    let mails = mails_to(&app, "fay@example.com", 2);
    assert_eq!(mails.len(), 2, "one update, for the time only");
    let moved = read_calendar(&mails[1]);
    assert_eq!(moved["uid"], first["uid"]);
    assert_eq!(moved["sequence"], 1);
    assert_eq!(moved["start"], "2026-12-11T09:00:00+00:00");

    // Taking her off cancels the same event; she is no longer listed.
    let removed = app
        .client
        .delete(format!(
            "/api/v1/focus-groups/{id}/participants/{}",
            fay["id"].as_str().unwrap()
        ))
        .header(crate::bearer(&token))
        .dispatch();
    assert_eq!(removed.status(), Status::NoContent);
    let cancel = read_calendar(&mails_to(&app, "fay@example.com", 3)[2]);
    assert_eq!(cancel["method"], "CANCEL");
    assert_eq!(cancel["status"], "CANCELLED");
    assert_eq!(cancel["uid"], first["uid"]);
    assert_eq!(cancel["sequence"], 2);
    assert_eq!(cancel["attachments"], json!(["cancel.ics"]));
    let (_, group) = get(&app, &token, &path);
    assert_eq!(group["participants"], json!([]));
}

/// A survey with one long-text question, published; `recruits` and `anonymous` as given.
fn recruiting_survey(app: &TestApp, token: &str, recruits: bool, anonymous: bool) -> String {
    let (status, survey) = post(
        app,
        token,
        "/api/v1/surveys",
        &json!({
            "title": "After your visit",
            "intro": "Your answers tell us what to fix first.",
            "anonymous": anonymous,
            "focus_group_opt_in": recruits,
            "questions": [{"id": "improve", "kind": "long_text", "prompt": "What should we improve first?"}],
        }),
    );
    assert_eq!(status, Status::Created, "{survey}");
    assert_eq!(survey["focus_group_opt_in"], recruits);
    let id = survey["id"].as_str().unwrap().to_string();
    let (status, _) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok);
    id
}

#[test]
fn personal_link_respondents_volunteer_on_the_thank_you_page_and_join_a_session() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "gil@example.com", "name": "Gil"}, {"email": "hal@example.com"}]),
    );
    assert_eq!(report["created"], 2);
    let (_, list) = get(&app, &token, "/api/v1/contacts");
    let contact = |email: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (gil, hal) = (contact("gil@example.com"), contact("hal@example.com"));
    let survey = recruiting_survey(&app, &token, true, false);

    let thanks = crate::respond::answer_by_link(&app, &survey, "improve", &gil, "Faster tills");
    let page = app.client.get(thanks).dispatch().into_string().unwrap();
    assert!(
        page.contains("Would you talk it through with us?"),
        "{page}"
    );
    let action = page
        .split("<form method=\"post\" action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let csrf = crate::hidden_value(&page, "csrf").unwrap();
    let said_yes = app
        .client
        .post(action.clone())
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf)]))
        .dispatch();
    assert_eq!(said_yes.status(), Status::SeeOther);
    let again = app
        .client
        .get(said_yes.headers().get_one("Location").unwrap().to_string())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        again.contains("We will contact you about the focus group."),
        "{again}"
    );
    // Saying yes twice counts once; a forged form is refused.
    let twice = app
        .client
        .post(action.clone())
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf)]))
        .dispatch();
    assert_eq!(twice.status(), Status::SeeOther);
    let forged = app
        .client
        .post(action)
        .header(ContentType::Form)
        .body(form(&[("csrf", "forged")]))
        .dispatch();
    assert_eq!(forged.status(), Status::Forbidden);
    // Hal answers without volunteering.
    crate::respond::answer_by_link(&app, &survey, "improve", &hal, "Cheaper delivery");

    let (status, volunteers) = get(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/volunteers"),
    );
    assert_eq!(status, Status::Ok, "{volunteers}");
    assert_eq!(
        volunteers["items"],
        json!([{"contact_id": gil, "name": "Gil", "email": "gil@example.com"}])
    );
    let (_, export) = get(&app, &token, &format!("/api/v1/contacts/{gil}/export"));
    assert_eq!(
        export["focus_groups"][0]["volunteered_through_survey"],
        survey.as_str()
    );

    // The volunteer joins a session as a contact.
    let (id, _) = planned(&app, &token);
    let (status, joined) = post(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{id}/participants"),
        &json!({"contact_id": gil, "consent": true}),
    );
    assert_eq!(status, Status::Created, "{joined}");
    assert_eq!(joined["name"], "Gil");
    assert_eq!(joined["email"], "gil@example.com");

    // Anonymous surveys never ask, even when set to recruit; surveys that do not recruit
    // never ask either.
    for (recruits, anonymous) in [(true, true), (false, false)] {
        let other = recruiting_survey(&app, &token, recruits, anonymous);
        let thanks = crate::respond::answer_by_link(&app, &other, "improve", &hal, "Nothing");
        let page = app.client.get(thanks).dispatch().into_string().unwrap();
        assert!(
            !page.contains("Would you talk it through"),
            "{recruits} {anonymous}: {page}"
        );
    }
}
