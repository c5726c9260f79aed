//! The complaint log: every field of the record through the API, defaults (owner, receipt, a
//! follow-up a month later), the link to a contact by email, every change in the history, the
//! list's filters and paging, the owner's one follow-up email per due time (also with several
//! runs at once, and from the running server's own loop), the service goals, the pages (log at
//! the counter, a refused form that keeps what was typed, analysts read only), the roles, and
//! the contact's subject-access export and erasure.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use hearken::auth::Role;
use hearken::mail::transport::MemoryMailbox;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::surveys::{get, patch, post};
use crate::{TestApp, form};

fn at(hours_ago: i64) -> String {
    (Utc::now() - TimeDelta::hours(hours_ago)).to_rfc3339()
}

fn complaint(name: &str, category: &str) -> Value {
    json!({
        "customer": {"name": name, "phone": "+421 900 111 222"},
        "received_by": "Sam at the counter",
        "category": category,
        "nature": "The parcel arrived with a broken lid",
    })
}

fn log(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = post(app, token, "/api/v1/complaints", body);
    assert_eq!(status, Status::Created, "{created}");
    created
}

#[test]
fn every_field_is_kept_and_every_change_is_in_the_history() {
    let app = TestApp::new();
    let (designer, token) = app.user_with_token(Role::Designer);
    let (_, contacts) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "ann@example.com", "name": "Ann"}]),
    );
    assert_eq!(contacts["created"], 1, "{contacts}");
    let body = json!({
        "customer": {"name": "Ann Lee", "address": "1 Main St", "phone": "+421 900", "email": "Ann@Example.com"},
        "received_by": "Sam",
        "received_at": at(3),
        "channel": "phone",
        "category": "Delivery",
        "nature": "Parcel arrived damaged",
        "agreed_solution": "Send a new one",
        "solved_on_spot": false,
        "promised_at": (Utc::now() + TimeDelta::days(2)).to_rfc3339(),
        "steps_taken": "Ordered a replacement",
        "compensation": "10 % voucher",
        "prevention": "Better packing for glass",
    });
    let created = log(&app, &token, &body);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["customer"]["email"], "ann@example.com");
    assert!(
        created["contact_id"].is_string(),
        "linked by email: {created}"
    );
    assert_eq!(created["owner_id"], designer.id.as_str());
    assert_eq!(created["status"], "open");
    assert_eq!(created["tags"], json!([]));
    for field in [
        "channel",
        "agreed_solution",
        "steps_taken",
        "compensation",
        "prevention",
    ] {
        assert_eq!(created[field], body[field], "{field}");
    }
    let received =
        chrono::DateTime::parse_from_rfc3339(created["received_at"].as_str().unwrap()).unwrap();
    let follow_up =
        chrono::DateTime::parse_from_rfc3339(created["follow_up_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        follow_up - received,
        TimeDelta::days(30),
        "a month later by default"
    );

    let path = format!("/api/v1/complaints/{id}");
    let (status, changed) = patch(
        &app,
        &token,
        &path,
        &json!({"customer": {"phone": "+421 999"}, "status": "resolved", "customer_satisfied": true}),
    );
    assert_eq!(status, Status::Ok, "{changed}");
    assert_eq!(changed["customer"]["phone"], "+421 999");
    assert_eq!(
        changed["customer"]["name"], "Ann Lee",
        "the rest of the customer stays"
    );
    assert_eq!(changed["status"], "resolved");
    assert!(
        changed["resolved_at"].is_string(),
        "resolving sets the time: {changed}"
    );

    // Refused changes name the field and change nothing.
    for (bad, field) in [
        (json!({"customer": {"email": "nope"}}), "customer.email"),
        (json!({"colour": "red"}), "colour"),
        (json!({"status": "pending"}), "status"),
        (json!({"resolved_at": at(100)}), "resolved_at"),
        (json!({"owner_id": "nobody"}), "owner_id"),
    ] {
        let (status, error) = patch(&app, &token, &path, &bad);
        assert_eq!(status, Status::UnprocessableEntity, "{bad}: {error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    // A change that changes nothing adds no entry.
    let (status, _) = patch(&app, &token, &path, &json!({"category": "Delivery"}));
    assert_eq!(status, Status::Ok);

    let (status, read) = get(&app, &token, &path);
    assert_eq!(status, Status::Ok);
    assert_eq!(read["customer"]["phone"], "+421 999");
    let history = read["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(
        history[0]["changes"]["nature"]["to"],
        "Parcel arrived damaged"
    );
    assert_eq!(history[1]["by"], designer.name.as_str());
    let second = history[1]["changes"].as_object().unwrap();
    let mut fields: Vec<&str> = second.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "customer.phone",
            "customer_satisfied",
            "resolved_at",
            "status"
        ]
    );
    assert_eq!(second["customer.phone"]["from"], "+421 900");
}

#[test]
fn bad_complaints_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let mut cases = vec![];
    for (field, value) in [
        ("received_by", json!("")),
        ("category", json!("   ")),
        ("nature", json!("")),
        ("received_at", json!("yesterday")),
        (
            "received_at",
            json!((Utc::now() + TimeDelta::days(3)).to_rfc3339()),
        ),
        ("follow_up_at", json!(12)),
        ("channel", json!("a\u{0}b")),
    ] {
        let mut body = complaint("Bo", "Billing");
        body[field] = value;
        cases.push((body, field.to_string()));
    }
    let mut nameless = complaint("Bo", "Billing");
    nameless["customer"]["name"] = json!("");
    cases.push((nameless, "customer.name".into()));
    let mut missing = complaint("Bo", "Billing");
    missing.as_object_mut().unwrap().remove("nature");
    cases.push((missing, "nature".into()));
    for (body, field) in cases {
        let (status, error) = post(&app, &token, "/api/v1/complaints", &body);
        assert_eq!(status, Status::UnprocessableEntity, "{body}: {error}");
        assert_eq!(error["error"]["field"], field.as_str(), "{error}");
    }
    assert_eq!(app.count("complaints"), 0);
    assert_eq!(app.count("complaint_changes"), 0);
}

#[test]
fn analysts_read_complaints_and_only_designers_log_them() {
    let app = TestApp::new();
    let (_, designer) = app.user_with_token(Role::Designer);
    let (_, analyst) = app.user_with_token(Role::Analyst);
    let id = log(&app, &designer, &complaint("Cy", "Staff"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = post(
        &app,
        &analyst,
        "/api/v1/complaints",
        &complaint("Di", "Staff"),
    );
    assert_eq!(status, Status::Forbidden);
    let (status, _) = patch(
        &app,
        &analyst,
        &format!("/api/v1/complaints/{id}"),
        &json!({"status": "closed"}),
    );
    assert_eq!(status, Status::Forbidden);
    for path in [
        "/api/v1/complaints".to_string(),
        format!("/api/v1/complaints/{id}"),
        "/api/v1/complaints/goals".into(),
    ] {
        let (status, body) = get(&app, &analyst, &path);
        assert_eq!(status, Status::Ok, "{path}: {body}");
    }
    let goals = app
        .client
        .req(rocket::http::Method::Options, "/api/v1/complaints/goals")
        .header(crate::bearer(&analyst))
        .dispatch();
    assert_eq!(
        goals.headers().get_one("Allow"),
        Some("GET, HEAD"),
        "goals is a path of its own"
    );
    let (status, _) = get(&app, &analyst, "/api/v1/complaints/nosuchcomplaintid000000");
    assert_eq!(status, Status::NotFound);
}

#[test]
fn the_list_filters_and_pages() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let mut due = complaint("Eve Due", "Delivery");
    due["received_at"] = json!(at(60 * 24));
    due["follow_up_at"] = json!(at(1));
    log(&app, &token, &due);
    let mut done = complaint("Finn Done", "Billing");
    done["solved_on_spot"] = json!(true);
    done["nature"] = json!("Charged twice for 100% of the order");
    log(&app, &token, &done);
    log(&app, &token, &complaint("Gus Open", "Delivery"));

    let names = |query: &str| -> Vec<String> {
        let (status, list) = get(&app, &token, &format!("/api/v1/complaints{query}"));
        assert_eq!(status, Status::Ok, "{query}: {list}");
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["customer"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(""),
        ["Gus Open", "Finn Done", "Eve Due"],
        "newest first"
    );
    assert_eq!(names("?status=resolved"), ["Finn Done"]);
    assert_eq!(names("?category=Delivery"), ["Gus Open", "Eve Due"]);
    assert_eq!(names("?follow_up_due=true"), ["Eve Due"]);
    assert_eq!(names("?q=CHARGED"), ["Finn Done"]);
    assert_eq!(names("?q=100%25"), ["Finn Done"], "% is a character");
    assert_eq!(names("?q=eve"), ["Eve Due"]);
    assert!(names("?q=_").is_empty(), "_ is a character");

    let (_, first) = get(&app, &token, "/api/v1/complaints?limit=2");
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_str().unwrap();
    let (_, second) = get(
        &app,
        &token,
        &format!("/api/v1/complaints?limit=2&after={next}"),
    );
    assert_eq!(second["items"][0]["customer"]["name"], "Eve Due");
    assert!(second["next"].is_null());

    for (query, field) in [
        ("?status=pending", "status"),
        ("?follow_up_due=maybe", "follow_up_due"),
        ("?limit=0", "limit"),
        ("?follow_up_due=true&follow_up_due=true", "follow_up_due"),
        ("?status=open&status=closed", "status"),
    ] {
        let (status, error) = get(&app, &token, &format!("/api/v1/complaints{query}"));
        assert_eq!(status, Status::UnprocessableEntity, "{query}");
        assert_eq!(error["error"]["field"], field);
    }
}

fn follow_up_mails(app: &TestApp) -> Vec<String> {
    app.texts("SELECT recipient AS value FROM outbox WHERE kind = 'notice' ORDER BY created_at")
}

#[test]
fn the_owner_is_emailed_once_per_follow_up_time_even_by_racing_runs() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let owner = app.add_user("owner@example.com", Role::Designer);
    let mut due = complaint("Hal", "Delivery");
    due["received_at"] = json!(at(24 * 40));
    due["follow_up_at"] = json!(at(2));
    due["owner_id"] = json!(owner.id);
    let id = log(&app, &token, &due)["id"].as_str().unwrap().to_string();
    let mut later = complaint("Ida", "Delivery");
    later["follow_up_at"] = json!((Utc::now() + TimeDelta::days(5)).to_rfc3339());
    log(&app, &token, &later);

    let (db, settings) = (app.db(), app.settings());
    let run = || {
        let mut conn = db.conn().unwrap();
        hearken::complaint::followup::run_due(&mut conn, settings, hearken::db::now()).unwrap()
    };
    let sent: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4).map(|_| scope.spawn(run)).collect();
        runs.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert_eq!(sent, 1, "four runs at once send one email");
    assert_eq!(run(), 0, "and a later run none");
    assert_eq!(follow_up_mails(&app), ["owner@example.com"]);

    // A new follow-up time is a new reminder; a follow-up done is never reminded.
    let path = format!("/api/v1/complaints/{id}");
    let (status, _) = patch(&app, &token, &path, &json!({"follow_up_at": at(1)}));
    assert_eq!(status, Status::Ok);
    assert_eq!(run(), 1);
    let (status, _) = patch(
        &app,
        &token,
        &path,
        &json!({"follow_up_at": at(0), "followed_up_at": at(0)}),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(run(), 0);
    assert_eq!(follow_up_mails(&app).len(), 2);
}

#[test]
fn the_running_server_sends_the_reminder_within_a_minute_without_the_customers_details() {
    let app = TestApp::new();
    let (user, token) = app.user_with_token(Role::Designer);
    let mut due = complaint("Jo Private", "Returns");
    due["customer"]["email"] = json!("jo.private@example.org");
    due["follow_up_at"] = json!(Utc::now().to_rfc3339());
    log(&app, &token, &due);
    let mailbox = app.client.rocket().state::<MemoryMailbox>().unwrap();
    let started = Instant::now();
    let mail = loop {
        if let Some(mail) = mailbox.messages().into_iter().next() {
            break mail;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no reminder within a minute"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = format!("{:?} {}", mail.to, String::from_utf8_lossy(&mail.raw));
    assert!(text.contains(&user.email), "{text}");
    assert!(text.contains("Follow-up due"), "{text}");
    assert!(text.contains("/complaints/"), "{text}");
    for private in ["Jo Private", "jo.private", "900 111"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
}

#[test]
fn the_goals_count_resolution_time_satisfaction_and_overdue_follow_ups() {
    let app = TestApp::with(|f| f.merge(("complaint_target_hours", 8)));
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, empty) = get(&app, &token, "/api/v1/complaints/goals");
    assert_eq!(empty["complaints"], 0);
    assert!(empty["median_hours_to_resolve"].is_null());
    let resolved = |received: i64, resolved: i64, satisfied: Option<bool>| {
        let mut body = complaint("K", "Billing");
        body["received_at"] = json!(at(received));
        body["resolved_at"] = json!(at(resolved));
        if let Some(s) = satisfied {
            body["followed_up_at"] = json!(at(0));
            body["customer_satisfied"] = json!(s);
        }
        log(&app, &token, &body);
    };
    resolved(50, 46, Some(true)); // 4 h
    resolved(50, 38, Some(false)); // 12 h
    resolved(50, 44, Some(true)); // 6 h
    let mut overdue = complaint("L", "Billing");
    overdue["received_at"] = json!(at(40 * 24));
    overdue["follow_up_at"] = json!(at(24));
    log(&app, &token, &overdue);
    let (status, goals) = get(&app, &token, "/api/v1/complaints/goals");
    assert_eq!(status, Status::Ok, "{goals}");
    assert_eq!(goals["complaints"], 4);
    assert_eq!(goals["resolved"], 3);
    assert_eq!(goals["median_hours_to_resolve"], 6.0);
    // Two of the three resolved in time; the open one is past its 8 hours.
    assert_eq!(goals["resolved_within_target_share"], 0.5);
    assert_eq!(goals["satisfied_share"], 0.667);
    assert_eq!(goals["follow_ups_overdue"], 1);
    assert_eq!(goals["target_hours"], 8);
}

#[test]
fn a_complaint_is_logged_and_changed_through_the_pages() {
    let app = TestApp::new();
    app.signed_in_admin();
    let page = app.client.get("/complaints/new").dispatch();
    assert_eq!(page.status(), Status::Ok);
    let html = page.into_string().unwrap();
    assert!(html.contains("Log a complaint"), "{html}");
    let csrf = app.csrf();
    let typed = [
        ("csrf", csrf.as_str()),
        ("customer_name", "Mia Counter"),
        ("customer_email", "not-an-address"),
        ("received_by", "Sam"),
        ("category", "Staff"),
        ("nature", "Waited 40 minutes\r\nat the till"),
    ];
    let refused = app
        .client
        .post("/complaints")
        .header(ContentType::Form)
        .body(form(&typed))
        .dispatch();
    assert_eq!(refused.status(), Status::UnprocessableEntity);
    let html = refused.into_string().unwrap();
    assert!(html.contains("id=\"customer_email-error\""), "{html}");
    assert!(html.contains("Waited 40 minutes"), "what was typed is kept");
    assert_eq!(app.count("complaints"), 0);

    let mut fixed = typed.to_vec();
    fixed[2] = ("customer_email", "mia@example.com");
    let logged = app
        .client
        .post("/complaints")
        .header(ContentType::Form)
        .body(form(&fixed))
        .dispatch();
    assert_eq!(logged.status(), Status::SeeOther);
    let location = logged.headers().get_one("Location").unwrap().to_string();
    let page = app
        .client
        .get(location.clone())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("The complaint from Mia Counter is logged."),
        "{page}"
    );
    assert!(page.contains("Waited 40 minutes\nat the till"), "{page}");
    let stored = app.texts("SELECT nature AS value FROM complaints");
    assert_eq!(stored, ["Waited 40 minutes\nat the till"]);

    let mut edit: Vec<(&str, &str)> = fixed.clone();
    edit.push(("steps_taken", "Second till opens at noon"));
    edit.push(("status", "resolved"));
    let saved = app
        .client
        .post(location.clone())
        .header(ContentType::Form)
        .body(form(&edit))
        .dispatch();
    assert_eq!(saved.status(), Status::SeeOther);
    let page = app
        .client
        .get(location.clone())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("Steps being taken: (empty) → Second till opens at noon"),
        "{page}"
    );
    assert!(page.contains("state-resolved"), "{page}");

    let list = app.client.get("/complaints?status=resolved").dispatch();
    assert_eq!(list.status(), Status::Ok);
    assert!(list.into_string().unwrap().contains("Mia Counter"));
    let goals = app.client.get("/complaints/goals").dispatch();
    assert_eq!(goals.status(), Status::Ok);
    assert!(
        goals
            .into_string()
            .unwrap()
            .contains("Resolved within 10 hours")
    );

    // An analyst reads the same page with nothing to change.
    let analyst = TestApp::with_client_of(&app);
    let user = app.add_user("analyst@example.com", Role::Analyst);
    assert_eq!(
        analyst.sign_in(&user.email, crate::PASSWORD),
        Status::SeeOther
    );
    let read = analyst
        .client
        .get(location)
        .dispatch()
        .into_string()
        .unwrap();
    assert!(read.contains("disabled"), "{read}");
    assert!(!read.contains("Save changes"), "{read}");
    assert_eq!(
        analyst.client.get("/complaints/new").dispatch().status(),
        Status::Forbidden
    );
}

#[test]
fn a_contacts_complaints_are_in_their_export_and_forgotten_on_erasure() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, report) = post(
        &app,
        &token,
        "/api/v1/contacts",
        &json!([{"email": "nia@example.com", "name": "Nia"}]),
    );
    assert_eq!(report["created"], 1);
    let (_, list) = get(&app, &token, "/api/v1/contacts?q=nia");
    let contact_id = list["items"][0]["id"].as_str().unwrap().to_string();
    let mut body = complaint("Nia Secret", "Delivery");
    body["customer"]["email"] = json!("nia@example.com");
    body["customer"]["address"] = json!("7 Hidden Lane");
    let id = log(&app, &token, &body)["id"].as_str().unwrap().to_string();
    let (_, changed) = patch(
        &app,
        &token,
        &format!("/api/v1/complaints/{id}"),
        &json!({"customer": {"phone": "+421 555 000"}}),
    );
    assert_eq!(changed["customer"]["phone"], "+421 555 000");

    let (status, export) = get(
        &app,
        &token,
        &format!("/api/v1/contacts/{contact_id}/export"),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(
        export["complaints"][0]["customer"]["name"], "Nia Secret",
        "{export}"
    );
    assert_eq!(
        export["complaints"][0]["history"].as_array().unwrap().len(),
        2
    );

    let erased = app
        .client
        .delete(format!("/api/v1/contacts/{contact_id}"))
        .header(crate::bearer(&token))
        .dispatch();
    assert_eq!(erased.status(), Status::NoContent);
    let (_, read) = get(&app, &token, &format!("/api/v1/complaints/{id}"));
    assert_eq!(
        read["customer"],
        json!({"name": "Erased customer"}),
        "{read}"
    );
    assert!(read["contact_id"].is_null());
    assert_eq!(
        read["nature"], "The parcel arrived with a broken lid",
        "the facts stay"
    );
    let text = read.to_string();
    for private in ["Nia Secret", "Hidden Lane", "555 000", "nia@example.com"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
}

#[test]
fn a_deactivated_owner_keeps_the_complaint_until_another_is_named() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let owner = app.add_user("leaver@example.com", Role::Designer);
    let mut body = complaint("Ola", "Billing");
    body["owner_id"] = json!(owner.id);
    let id = log(&app, &token, &body)["id"].as_str().unwrap().to_string();
    app.execute(&format!(
        "UPDATE users SET active = FALSE WHERE id = '{}'",
        owner.id
    ));
    let path = format!("/api/v1/complaints/{id}");
    let (status, changed) = patch(&app, &token, &path, &json!({"steps_taken": "Refund sent"}));
    assert_eq!(status, Status::Ok, "{changed}");
    assert_eq!(changed["owner_id"], owner.id.as_str());
    let (status, error) = patch(
        &app,
        &token,
        &path,
        &json!({"owner_id": owner.id, "category": "Other"}),
    );
    assert_eq!(
        status,
        Status::Ok,
        "naming the same owner again is no change: {error}"
    );
}

#[test]
fn search_finds_names_with_accents_as_typed() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    log(&app, &token, &complaint("Čestmír Čapek", "Delivery"));
    log(&app, &token, &complaint("Zoë Ångström", "Delivery"));
    for (q, name) in [
        ("%C4%8Cape", "Čestmír Čapek"),
        ("capek", ""),
        ("%C3%85ngstr", "Zoë Ångström"),
        ("zo%C3%AB", "Zoë Ångström"),
    ] {
        let (status, list) = get(&app, &token, &format!("/api/v1/complaints?q={q}"));
        assert_eq!(status, Status::Ok);
        let names: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["customer"]["name"].as_str().unwrap())
            .collect();
        if name.is_empty() {
            assert!(names.is_empty(), "{q}: {names:?}");
        } else {
            assert_eq!(names, [name], "{q}");
        }
    }
}

#[test]
fn a_dutch_owner_is_reminded_in_dutch() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let owner = app.add_user("eigenaar@example.com", Role::Designer);
    app.execute(&format!(
        "UPDATE users SET language = 'nl' WHERE id = '{}'",
        owner.id
    ));
    let mut due = complaint("Hal", "Bezorging");
    due["follow_up_at"] = json!(at(2));
    due["owner_id"] = json!(owner.id);
    log(&app, &token, &due);
    let mut conn = app.db().conn().unwrap();
    let sent = hearken::complaint::followup::run_due(&mut conn, app.settings(), hearken::db::now())
        .unwrap();
    assert_eq!(sent, 1);
    let payload = app.texts("SELECT payload AS value FROM outbox WHERE kind = 'notice'");
    let payload = payload.first().expect("the reminder");
    assert!(
        payload.contains("Opvolging nodig: een klacht over Bezorging"),
        "{payload}"
    );
    assert!(payload.contains("Klacht openen"), "{payload}");
    assert!(payload.contains("\"language\":\"nl\""), "{payload}");
}
