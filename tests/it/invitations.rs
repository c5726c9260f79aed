//! Invitations and reminders through the API and the staff page: one invitation per contact
//! per survey, the skipped reasons, the email queued in the same transaction (and none when the
//! request fails), personal links that work, reminders only to those who have not answered or
//! opted out and never beyond the survey's maximum, and the statuses staff follow.

use std::time::{Duration, Instant};

use hearken::auth::Role;
use hearken::mail::transport::{MemoryMailbox, SentMail};
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use serde_json::{Value, json};

use crate::respond::send;
use crate::surveys::{get, post, published};
use crate::{TestApp, form, hidden_value};

const WAIT: Duration = Duration::from_secs(20);

/// Imports contacts and returns their ids in the order given.
pub fn import(app: &TestApp, token: &str, contacts: &Value) -> Vec<String> {
    let (status, report) = post(app, token, "/api/v1/contacts", contacts);
    assert_eq!(status, Status::Ok, "{report}");
    contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let email = c["email"].as_str().unwrap().to_lowercase();
            let (_, list) = get(app, token, &format!("/api/v1/contacts?q={email}"));
            list["items"][0]["id"].as_str().unwrap().to_string()
        })
        .collect()
}

pub fn invite(app: &TestApp, token: &str, survey: &str, body: &Value) -> (Status, Value) {
    post(
        app,
        token,
        &format!("/api/v1/surveys/{survey}/invitations"),
        body,
    )
}

fn statuses(app: &TestApp, token: &str, survey: &str) -> Vec<Value> {
    let (status, list) = get(app, token, &format!("/api/v1/surveys/{survey}/invitations"));
    assert_eq!(status, Status::Ok, "{list}");
    list["items"].as_array().unwrap().clone()
}

fn status_of(items: &[Value], contact: &str) -> String {
    items
        .iter()
        .find(|i| i["contact_id"] == contact)
        .map(|i| i["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no invitation for {contact}"))
}

pub fn mailbox(app: &TestApp) -> Vec<SentMail> {
    app.client
        .rocket()
        .state::<MemoryMailbox>()
        .unwrap()
        .messages()
}

/// Waits until the memory transport holds `count` messages.
pub fn wait_for_mail(app: &TestApp, count: usize) -> Vec<SentMail> {
    let started = Instant::now();
    loop {
        let messages = mailbox(app);
        if messages.len() >= count {
            return messages;
        }
        assert!(
            started.elapsed() < WAIT,
            "{} of {count} messages after {WAIT:?}",
            messages.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until no outbox row is queued or being sent.
fn wait_outbox_idle(app: &TestApp) {
    let started = Instant::now();
    while app.count("outbox WHERE status IN ('queued', 'sending')") > 0 {
        assert!(started.elapsed() < WAIT, "the outbox never emptied");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The personal link in a message (`<base>/r/<token>`), as a path.
pub fn personal_path(mail: &SentMail) -> String {
    let parsed = mailparse::parse_mail(&mail.raw).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    let start = text.find("/r/").expect("a personal link in the text part");
    let token: String = text[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("/r/{token}")
}

/// Opens a personal link the way a browser does (following one redirect) and returns the page.
pub fn open_personal(client: &Client, path: &str) -> (Status, String) {
    let response = client.get(path.to_string()).dispatch();
    if response.status() == Status::SeeOther {
        let location = response.headers().get_one("Location").unwrap().to_string();
        let page = client.get(location).dispatch();
        return (page.status(), page.into_string().unwrap_or_default());
    }
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

fn recipients(messages: &[SentMail]) -> Vec<String> {
    let mut to: Vec<String> = messages.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to
}

#[test]
fn contacts_are_invited_once_and_skipped_with_a_reason() {
    let app = TestApp::new();
    let (token, survey) = published(&app);
    let ids = import(
        &app,
        &token,
        &json!([
            {"email": "anna@example.com", "name": "Anna Öberg"},
            {"email": "bert@example.com"},
            {"email": "carl@example.com"},
            {"email": "dora@example.com"}
        ]),
    );
    app.execute(&format!(
        "UPDATE contacts SET opted_out_at = {} WHERE id = '{}'",
        app.minutes_ago(5),
        ids[3]
    ));
    // An address that slipped in before validation (or through SQL) is never mailed.
    app.execute(&format!(
        "UPDATE contacts SET email = 'carl@@example..com' WHERE id = '{}'",
        ids[2]
    ));

    let (status, outcome) = invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    assert_eq!(status, Status::Accepted, "{outcome}");
    assert_eq!(outcome["queued"], 2);
    assert_eq!(
        outcome["skipped"],
        json!([
            {"contact_id": ids[2], "reason": "invalid_email"},
            {"contact_id": ids[3], "reason": "opted_out"}
        ])
    );
    assert_eq!(app.count("invitations"), 2);
    assert_eq!(
        app.count("outbox"),
        2,
        "one email per invitation, queued with it"
    );

    // A second request (and the same id twice) invites nobody again.
    let (status, again) = invite(
        &app,
        &token,
        &survey,
        &json!({"contact_ids": [ids[0], ids[0], ids[1]]}),
    );
    assert_eq!(status, Status::Accepted);
    assert_eq!(again["queued"], 0);
    assert_eq!(
        again["skipped"],
        json!([
            {"contact_id": ids[0], "reason": "already_invited"},
            {"contact_id": ids[1], "reason": "already_invited"}
        ])
    );
    let more = import(&app, &token, &json!([{"email": "eva@example.com"}]));
    let (_, all) = invite(&app, &token, &survey, &json!({"all_contacts": true}));
    assert_eq!(all["queued"], 1, "{all}");
    assert_eq!(app.count("invitations"), 3);

    let messages = wait_for_mail(&app, 3);
    assert_eq!(
        recipients(&messages),
        ["anna@example.com", "bert@example.com", "eva@example.com"]
    );
    wait_outbox_idle(&app);
    let items = statuses(&app, &token, &survey);
    assert_eq!(items.len(), 3);
    for item in &items {
        assert_eq!(item["status"], "sent", "{item}");
        assert!(item["sent_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(item["reminders"], 0);
    }
    assert!(items.iter().any(|i| i["contact_id"] == more[0].as_str()));
    assert_eq!(
        items
            .iter()
            .find(|i| i["contact_id"] == ids[0].as_str())
            .unwrap()["email"],
        "anna@example.com"
    );
}

#[test]
fn a_refused_request_writes_no_invitation_and_no_email() {
    let app = TestApp::new();
    let (token, survey) = published(&app);
    let ids = import(&app, &token, &json!([{"email": "anna@example.com"}]));
    for (body, field) in [
        (
            json!({"contact_ids": [ids[0], "no-such-contact"]}),
            "contact_ids[1]",
        ),
        (json!({"contact_ids": []}), "contact_ids"),
        (json!({}), "contact_ids"),
        (json!({"all_contacts": false}), "all_contacts"),
        (
            json!({"contact_ids": [ids[0]], "all_contacts": true}),
            "all_contacts",
        ),
    ] {
        let (status, error) = invite(&app, &token, &survey, &body);
        assert_eq!(status, Status::UnprocessableEntity, "{body}: {error}");
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    let (status, _) = invite(
        &app,
        &token,
        &survey,
        &json!({"contact_ids": "x", "more": 1}),
    );
    assert_eq!(status, Status::UnprocessableEntity);
    let response = app
        .client
        .post(format!("/api/v1/surveys/{survey}/invitations"))
        .header(crate::bearer(&token))
        .header(ContentType::JSON)
        .body("{\"contact_ids\": [")
        .dispatch();
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(app.count("invitations"), 0);
    assert_eq!(app.count("outbox"), 0);

    // A draft or closed survey takes no invitations; another designer's survey is not found.
    let (_, draft) = post(
        &app,
        &token,
        "/api/v1/surveys",
        &crate::surveys::survey_body("Draft"),
    );
    let draft = draft["id"].as_str().unwrap();
    let (status, error) = invite(&app, &token, draft, &json!({"contact_ids": ids}));
    assert_eq!(status, Status::Conflict, "{error}");
    assert_eq!(error["error"]["code"], "survey_not_open");
    let (_, other) = app.user_with_token(Role::Designer);
    let (status, _) = invite(&app, &other, &survey, &json!({"contact_ids": ids}));
    assert_eq!(status, Status::NotFound);
    let (status, _) = get(
        &app,
        &other,
        &format!("/api/v1/surveys/{survey}/invitations"),
    );
    assert_eq!(status, Status::NotFound);
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/close"),
        &json!({}),
    );
    let (status, _) = invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    assert_eq!(status, Status::Conflict);
    let (status, _) = post(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/reminders"),
        &json!({}),
    );
    assert_eq!(status, Status::Conflict);
    assert_eq!(app.count("invitations"), 0);
    assert_eq!(app.count("outbox"), 0);
}

#[test]
fn the_personal_link_in_the_email_opens_the_survey_and_statuses_follow_the_respondent() {
    let app = TestApp::new();
    let (token, survey) = published(&app);
    let ids = import(
        &app,
        &token,
        &json!([
            {"email": "opens@example.com"},
            {"email": "saves@example.com"},
            {"email": "answers@example.com"},
            {"email": "leaves@example.com"},
            {"email": "bounces@example.com"}
        ]),
    );
    let (_, outcome) = invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    assert_eq!(outcome["queued"], 5);
    let messages = wait_for_mail(&app, 5);
    wait_outbox_idle(&app);
    let link_of = |email: &str| {
        personal_path(
            messages
                .iter()
                .find(|m| m.to == [email.to_string()])
                .unwrap(),
        )
    };
    // No stored value is a working link: the database keeps digests only.
    let opens = link_of("opens@example.com");
    let raw = &opens[3..];
    assert_eq!(
        app.count(&format!("invitations WHERE token_hash = '{raw}'")),
        0
    );
    assert_eq!(
        app.count(&format!(
            "invitations WHERE token_hash = '{}'",
            hearken::ids::digest(raw)
        )),
        1
    );
    assert_eq!(
        app.count(&format!("outbox WHERE payload LIKE '%{raw}%'")),
        0
    );

    let (status, html) = open_personal(&app.client, &opens);
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Service check"));

    let saves = crate::TestApp::with_client_of(&app);
    let (_, html) = open_personal(&saves.client, &link_of("saves@example.com"));
    let action = form_action(&html);
    let csrf = hidden_value(&html, "csrf").unwrap();
    let submission = hidden_value(&html, "submission").unwrap();
    let (status, _, _) = send(
        &saves.client,
        &action,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Faster"),
            ("action", "save"),
        ],
    );
    assert_eq!(status, Status::SeeOther);

    let answers = crate::TestApp::with_client_of(&app);
    let (_, html) = open_personal(&answers.client, &link_of("answers@example.com"));
    let action = form_action(&html);
    let csrf = hidden_value(&html, "csrf").unwrap();
    let submission = hidden_value(&html, "submission").unwrap();
    let (status, location, body) = send(
        &answers.client,
        &action,
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Nothing"),
        ],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    assert!(location.unwrap().contains("/thanks/"));

    app.execute(&format!(
        "UPDATE contacts SET opted_out_at = {} WHERE id = '{}'",
        app.minutes_ago(1),
        ids[3]
    ));
    app.execute(&format!(
        "UPDATE invitations SET status = 'failed', last_error = '550 5.1.1 mailbox unknown' \
         WHERE contact_id = '{}'",
        ids[4]
    ));
    let items = statuses(&app, &token, &survey);
    assert_eq!(status_of(&items, &ids[0]), "opened");
    assert_eq!(status_of(&items, &ids[1]), "started");
    assert_eq!(status_of(&items, &ids[2]), "completed");
    assert_eq!(status_of(&items, &ids[3]), "opted_out");
    assert_eq!(status_of(&items, &ids[4]), "failed");
    let failed = items
        .iter()
        .find(|i| i["contact_id"] == ids[4].as_str())
        .unwrap();
    assert_eq!(failed["last_error"], "550 5.1.1 mailbox unknown");

    // Paging walks the whole list once.
    let (_, first) = get(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/invitations?limit=2"),
    );
    let mut seen: Vec<String> = Vec::new();
    let mut page = first;
    loop {
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        let Some(next) = page["next"].as_str() else {
            break;
        };
        page = get(
            &app,
            &token,
            &format!("/api/v1/surveys/{survey}/invitations?limit=2&after={next}"),
        )
        .1;
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
}

fn form_action(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("form[method=post]").unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("a form")
        .to_string()
}

fn remind(app: &TestApp, token: &str, survey: &str) -> Value {
    let (status, outcome) = post(
        app,
        token,
        &format!("/api/v1/surveys/{survey}/reminders"),
        &json!({}),
    );
    assert_eq!(status, Status::Accepted, "{outcome}");
    outcome
}

#[test]
fn reminders_skip_those_who_answered_or_opted_out_and_stop_at_the_maximum() {
    let app = TestApp::new();
    let (token, survey) = published(&app);
    let (status, _) = crate::surveys::patch(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}"),
        &json!({"max_reminders": 2}),
    );
    assert_eq!(status, Status::Ok);
    let (status, error) = crate::surveys::patch(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}"),
        &json!({"max_reminders": 9}),
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "max_reminders");

    let ids = import(
        &app,
        &token,
        &json!([
            {"email": "slow@example.com"},
            {"email": "done@example.com"},
            {"email": "gone@example.com"}
        ]),
    );
    invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    let messages = wait_for_mail(&app, 3);
    wait_outbox_idle(&app);
    let done = messages
        .iter()
        .find(|m| m.to == ["done@example.com".to_string()])
        .unwrap();
    let respondent = crate::TestApp::with_client_of(&app);
    let (_, html) = open_personal(&respondent.client, &personal_path(done));
    let (status, _, _) = send(
        &respondent.client,
        &form_action(&html),
        &[
            ("csrf", &hidden_value(&html, "csrf").unwrap()),
            ("submission", &hidden_value(&html, "submission").unwrap()),
            ("q.improve", "Done"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    app.execute(&format!(
        "UPDATE contacts SET opted_out_at = {} WHERE id = '{}'",
        app.minutes_ago(1),
        ids[2]
    ));

    let first = remind(&app, &token, &survey);
    assert_eq!(first["queued"], 1, "{first}");
    assert_eq!(first["skipped"]["completed"], 1);
    assert_eq!(first["skipped"]["opted_out"], 1);
    let messages = wait_for_mail(&app, 4);
    let reminder = &messages[3];
    assert_eq!(reminder.to, ["slow@example.com"]);
    let parsed = mailparse::parse_mail(&reminder.raw).unwrap();
    let subject =
        mailparse::MailHeaderMap::get_first_value(&parsed.headers[..], "Subject").unwrap();
    assert!(subject.to_lowercase().contains("remind"), "{subject}");
    // The reminder carries the same personal link as the invitation.
    let invitation = messages
        .iter()
        .find(|m| m.to == ["slow@example.com".to_string()])
        .unwrap();
    assert_eq!(personal_path(reminder), personal_path(invitation));
    wait_outbox_idle(&app);

    assert_eq!(remind(&app, &token, &survey)["queued"], 1);
    wait_for_mail(&app, 5);
    wait_outbox_idle(&app);
    let third = remind(&app, &token, &survey);
    assert_eq!(third["queued"], 0, "{third}");
    assert_eq!(third["skipped"]["limit_reached"], 1);
    let items = statuses(&app, &token, &survey);
    let slow = items
        .iter()
        .find(|i| i["contact_id"] == ids[0].as_str())
        .unwrap();
    assert_eq!(slow["reminders"], 2);
    assert_eq!(slow["status"], "sent");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(mailbox(&app).len(), 5, "nothing beyond the maximum");
}

#[test]
fn a_reminder_waits_for_the_invitation_and_is_never_queued_twice() {
    let app = TestApp::with(|f| {
        f.merge(("mail_transport", "smtp"))
            .merge(("smtp_url", "smtp://127.0.0.1:9"))
    });
    let (token, survey) = published(&app);
    let ids = import(&app, &token, &json!([{"email": "x@example.com"}]));
    invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    // The invitation cannot go out (nothing listens on port 9), so no reminder is due yet.
    let outcome = remind(&app, &token, &survey);
    assert_eq!(outcome["queued"], 0);
    assert_eq!(outcome["skipped"]["not_sent_yet"], 1);
    // Once it was sent, one reminder is queued; a second click while it waits adds nothing.
    app.execute(&format!(
        "UPDATE invitations SET status = 'sent', sent_at = {}",
        app.minutes_ago(60)
    ));
    assert_eq!(remind(&app, &token, &survey)["queued"], 1);
    let again = remind(&app, &token, &survey);
    assert_eq!(again["queued"], 0);
    assert_eq!(again["skipped"]["reminder_pending"], 1);
    assert_eq!(app.count("outbox WHERE kind = 'reminder'"), 1);
}

#[test]
fn the_staff_page_counts_statuses_and_invites_and_reminds() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    let (status, survey) = post(
        &app,
        &token,
        "/api/v1/surveys",
        &crate::surveys::survey_body("Page check"),
    );
    assert_eq!(status, Status::Created);
    let survey = survey["id"].as_str().unwrap().to_string();
    let page = app
        .client
        .get(format!("/surveys/{survey}/invitations"))
        .dispatch();
    assert_eq!(page.status(), Status::Ok);
    assert!(page.into_string().unwrap().contains("Publish the survey"));
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/publish"),
        &json!({}),
    );
    import(
        &app,
        &token,
        &json!([
            {"email": "p1@example.com", "name": "<b>Pia</b>"},
            {"email": "p2@example.com"},
            {"email": "p3@example.com"}
        ]),
    );
    let csrf = app.csrf();
    let post_form = |path: &str, fields: &[(&str, &str)]| {
        let response = app
            .client
            .post(path.to_string())
            .header(ContentType::Form)
            .body(form(fields))
            .dispatch();
        (
            response.status(),
            response.into_string().unwrap_or_default(),
        )
    };
    let path = format!("/surveys/{survey}/invitations");
    let (status, html) = post_form(
        &path,
        &[
            ("csrf", &csrf),
            ("who", "listed"),
            ("emails", "p1@example.com\nnobody@example.com"),
        ],
    );
    // The contact is invited; the address that is no contact is named, apart from the
    // success, and kept in the box to import and invite later.
    assert_eq!(status, Status::Ok);
    assert!(html.contains("1 invitation queued."), "{html}");
    let alert = html
        .split("class=\"error\" role=\"alert\">")
        .nth(1)
        .unwrap_or_default();
    assert!(
        alert.starts_with("This address is not a contact yet, so not invited: nobody@example.com."),
        "{html}"
    );
    assert!(
        html.contains("rows=\"4\">nobody@example.com</textarea>"),
        "{html}"
    );
    assert_eq!(app.count("invitations"), 1);
    let (status, html) = post_form(
        &path,
        &[
            ("csrf", &csrf),
            ("who", "listed"),
            ("emails", "nobody@example.com, nobody.else@example.com"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity, "nobody to invite");
    assert!(
        html.contains("These 2 addresses are not a contact yet"),
        "{html}"
    );
    assert_eq!(app.count("invitations"), 1);
    let (status, html) = post_form(
        &path,
        &[
            ("csrf", &csrf),
            ("who", "listed"),
            ("emails", "P1@example.com"),
        ],
    );
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("0 invitations queued. Skipped: 1 already invited."),
        "{html}"
    );
    let (status, html) = post_form(&path, &[("csrf", &csrf), ("who", "all")]);
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "inviting everyone needs the tick"
    );
    assert!(
        html.contains("Tick the box to confirm that every contact is to be invited"),
        "{html}"
    );
    assert_eq!(app.count("invitations"), 1);
    let (status, html) = post_form(
        &path,
        &[("csrf", &csrf), ("who", "all"), ("confirm", "true")],
    );
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("2 invitations queued. Skipped: 1 already invited."),
        "{html}"
    );
    let (status, _) = post_form(&path, &[("who", "all")]);
    assert_eq!(
        status,
        Status::Forbidden,
        "a form without its token is refused"
    );
    wait_for_mail(&app, 3);
    wait_outbox_idle(&app);

    let (status, html) = post_form(
        &format!("/surveys/{survey}/invitations/reminder-limit"),
        &[("csrf", &csrf), ("max_reminders", "99")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("Reminders per person at most: must be 0 to 5"),
        "{html}"
    );
    let (status, html) = post_form(
        &format!("/surveys/{survey}/invitations/reminder-limit"),
        &[("csrf", &csrf), ("max_reminders", "1")],
    );
    assert_eq!(status, Status::Ok);
    assert!(html.contains("at most 1 reminder."));
    let (status, html) = post_form(&format!("/surveys/{survey}/reminders"), &[("csrf", &csrf)]);
    assert_eq!(status, Status::Ok);
    assert!(html.contains("3 reminders queued."), "{html}");
    wait_for_mail(&app, 6);
    wait_outbox_idle(&app);

    let html = app
        .client
        .get(path.clone())
        .dispatch()
        .into_string()
        .unwrap();
    let document = scraper::Html::parse_document(&html);
    let count = |status: &str| {
        let selector = scraper::Selector::parse(&format!("td[data-status={status}]")).unwrap();
        document
            .select(&selector)
            .next()
            .unwrap()
            .text()
            .collect::<String>()
    };
    assert_eq!(count("sent"), "3");
    assert_eq!(count("queued"), "0");
    assert_eq!(count("completed"), "0");
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    assert_eq!(
        document.select(&rows).count(),
        1 + 3,
        "the counts row and one row a person"
    );
    assert!(html.contains("&lt;b&gt;Pia&lt;/b&gt;"), "names are escaped");
    assert!(!html.contains("<b>Pia</b>"));
}
