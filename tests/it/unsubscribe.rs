//! The unsubscribe link (checks 51 and 52): the page that only shows a button, the RFC 8058
//! one-click POST without cookies or CSRF token (urlencoded and multipart), repeats, a uniform
//! 404 for every token that leads nowhere, the page in the contact's language, mail already
//! queued cancelled at once and never sent, an opt-out part-way through a slow batch, and the
//! link of a real invitation email followed end to end.

use std::time::{Duration, Instant};

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use hearken::contact::model::{self as contacts_model, ContactRow};
use hearken::db::schema::{outbox as outbox_table, suppressions};
use hearken::db::{self, DbConn};
use hearken::invite::invitations::{self, Invitees};
use hearken::mail::outbox::{self, OutboxRow};
use hearken::mail::worker::Outbox;
use hearken::mail::{Email, Message, SurveyInvitation};
use hearken::web::links;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::{Client, LocalResponse};

use crate::TestApp;
use crate::smtp::{Behaviour, Received, SmtpServer};

const WAIT: Duration = Duration::from_secs(30);
const BASE_URL: &str = "https://surveys.example.org";
const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

fn smtp_app(url: &str) -> TestApp {
    let url = url.to_string();
    TestApp::with(move |f| {
        f.merge(("mail_transport", "smtp"))
            .merge(("smtp_url", url))
            .merge(("mail_from", "Hearken Surveys <surveys@hearken.example>"))
            .merge(("base_url", BASE_URL))
            .merge(("mail_retry_base_ms", 20u64))
    })
}

/// A client that keeps no cookies and sends none, as a mail client's one-click POST arrives.
fn cookieless(app: &TestApp) -> Client {
    Client::untracked(hearken::build(app.client.rocket().figment().clone())).expect("client")
}

fn add_contact(app: &TestApp, email: &str, language: Option<&str>) -> String {
    let now = db::now();
    let row = ContactRow {
        id: hearken::ids::new_id(),
        email: email.to_string(),
        name: None,
        phone: None,
        address: None,
        language: language.map(str::to_string),
        attributes: "{}".into(),
        opted_out_at: None,
        created_at: now,
        updated_at: now,
    };
    let mut conn = app.db().conn().unwrap();
    contacts_model::insert(&mut conn, &row).unwrap();
    row.id
}

fn token(app: &TestApp, contact_id: &str) -> String {
    links::unsubscribe_token(&app.settings().link_key, contact_id)
}

fn path(app: &TestApp, contact_id: &str) -> String {
    format!("/unsubscribe/{}", token(app, contact_id))
}

fn opted_out_at(app: &TestApp, contact_id: &str) -> Option<NaiveDateTime> {
    let mut conn = app.db().conn().unwrap();
    contacts_model::find(&mut conn, contact_id)
        .unwrap()
        .expect("the contact exists")
        .opted_out_at
}

fn suppressed(app: &TestApp, email: &str) -> bool {
    let mut conn = app.db().conn().unwrap();
    contacts_model::is_suppressed(&mut conn, &hearken::ids::digest(email)).unwrap()
}

/// Queues one email for the contact. A `held` row waits an hour, so no worker takes it before
/// the test says so (see [`release`]).
fn queue(app: &TestApp, email: &str, contact_id: &str, held: bool) -> String {
    let settings = app.settings().clone();
    let mut conn = app.db().conn().unwrap();
    let id = db::write(&mut conn, |conn: &mut DbConn| {
        let id = outbox::queue(
            conn,
            &settings,
            Email {
                recipient: email.into(),
                contact_id: Some(contact_id.into()),
                link_id: None,
                message: plain_message(),
            },
        )?;
        if held {
            diesel::update(outbox_table::table.find(&id))
                .set(outbox_table::next_attempt_at.eq(db::now() + chrono::TimeDelta::hours(1)))
                .execute(conn)?;
        }
        Ok::<_, hearken::Error>(id)
    })
    .unwrap();
    notify(app);
    id
}

/// Makes every held row due now and wakes the worker.
fn release(app: &TestApp) {
    let mut conn = app.db().conn().unwrap();
    diesel::update(outbox_table::table.filter(outbox_table::status.eq("queued")))
        .set(outbox_table::next_attempt_at.eq(db::now()))
        .execute(&mut *conn)
        .unwrap();
    notify(app);
}

fn notify(app: &TestApp) {
    app.client.rocket().state::<Outbox>().unwrap().notify();
}

fn row(app: &TestApp, id: &str) -> OutboxRow {
    let mut conn = app.db().conn().unwrap();
    outbox::find(&mut conn, id).unwrap().unwrap()
}

fn wait_status(app: &TestApp, id: &str, status: &str) -> OutboxRow {
    let start = Instant::now();
    loop {
        let row = row(app, id);
        if row.status == status {
            return row;
        }
        assert!(
            start.elapsed() < WAIT,
            "row stayed {} (wanted {status}): {:?}",
            row.status,
            row.last_error
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn post_urlencoded<'c>(client: &'c Client, path: &str) -> LocalResponse<'c> {
    client
        .post(path.to_string())
        .header(ContentType::Form)
        .body(ONE_CLICK)
        .dispatch()
}

fn post_multipart<'c>(client: &'c Client, path: &str) -> LocalResponse<'c> {
    let boundary = "----hearken-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n\
         One-Click\r\n--{boundary}--\r\n"
    );
    client
        .post(path.to_string())
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", boundary)))
        .body(body)
        .dispatch()
}

/// Status and body of a one-click answer, after checking what RFC 8058 and check 51 ask of
/// every one of them: no redirect, no cookie, the security headers.
fn one_click_answer(response: LocalResponse<'_>) -> (Status, String) {
    let status = response.status();
    let headers = response.headers();
    assert_eq!(headers.get_one("Location"), None, "never a redirect");
    assert_eq!(headers.get_one("Set-Cookie"), None, "no cookie is set");
    assert_secure_page(&response);
    (status, response.into_string().unwrap_or_default())
}

fn assert_secure_page(response: &LocalResponse<'_>) {
    let headers = response.headers();
    let csp = headers.get_one("Content-Security-Policy").expect("a CSP");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'self'"), "{csp}");
    assert_eq!(headers.get_one("X-Frame-Options"), Some("DENY"));
    assert_eq!(headers.get_one("Cache-Control"), Some("no-store"));
    assert!(
        headers
            .get_one("Content-Type")
            .is_some_and(|t| t.starts_with("text/html") && t.contains("charset=utf-8"))
    );
}

fn select(html: &str, css: &str) -> usize {
    let document = scraper::Html::parse_document(html);
    document
        .select(&scraper::Selector::parse(css).unwrap())
        .count()
}

#[test]
fn the_page_shows_one_button_and_changes_nothing() {
    let app = TestApp::new();
    let contact = add_contact(&app, "anna@example.com", None);
    let held = queue(&app, "anna@example.com", &contact, true);
    let path = path(&app, &contact);
    let client = cookieless(&app);
    for _ in 0..3 {
        // A link scanner may fetch the URL any number of times.
        let response = client.get(path.clone()).dispatch();
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.headers().get_one("Set-Cookie"), None);
        assert_secure_page(&response);
        let html = response.into_string().unwrap();
        assert_eq!(
            select(&html, &format!("form[method=post][action=\"{path}\"]")),
            1,
            "{html}"
        );
        assert_eq!(
            select(
                &html,
                "form input[type=hidden][name=List-Unsubscribe][value=One-Click]"
            ),
            1
        );
        assert_eq!(select(&html, "form button[type=submit]"), 1);
        assert_eq!(select(&html, "script"), 0, "no script, inline or not");
        assert_eq!(select(&html, "html[lang=en]"), 1);
        assert!(html.contains("Unsubscribe from survey emails"), "{html}");
    }
    assert_eq!(opted_out_at(&app, &contact), None, "a GET changed nothing");
    assert!(!suppressed(&app, "anna@example.com"));
    assert_eq!(app.count("suppressions"), 0);
    assert_eq!(row(&app, &held).status, "queued");
}

#[test]
fn one_click_unsubscribes_without_cookies_or_csrf_token_in_either_encoding() {
    let app = TestApp::new();
    let anna = add_contact(&app, "anna@example.com", None);
    let bob = add_contact(&app, "bob@example.com", None);
    let carl = add_contact(&app, "carl@example.com", None);
    let anna_mail = queue(&app, "anna@example.com", &anna, true);
    let bob_mail = queue(&app, "bob@example.com", &bob, true);
    let carl_mail = queue(&app, "carl@example.com", &carl, true);
    let client = cookieless(&app);

    let (status, html) = one_click_answer(post_urlencoded(&client, &path(&app, &anna)));
    assert_eq!(status, Status::Ok, "{html}");
    assert!(html.contains("You are unsubscribed"), "{html}");
    assert_eq!(select(&html, "form"), 0);
    let (status, html) = one_click_answer(post_multipart(&client, &path(&app, &bob)));
    assert_eq!(status, Status::Ok, "{html}");
    assert!(html.contains("You are unsubscribed"), "{html}");

    // At once, in the same transaction as the answer: opted out, suppressed, mail cancelled.
    for (contact, email, mail) in [
        (&anna, "anna@example.com", &anna_mail),
        (&bob, "bob@example.com", &bob_mail),
    ] {
        assert!(opted_out_at(&app, contact).is_some(), "{email}");
        assert!(suppressed(&app, email), "{email}");
        let row = row(&app, mail);
        assert_eq!(row.status, "cancelled", "{email}");
        assert_eq!(
            row.last_error.as_deref(),
            Some("the recipient has opted out")
        );
        assert_eq!(row.attempts, 0);
    }
    assert_eq!(opted_out_at(&app, &carl), None, "only the token's contact");
    assert_eq!(row(&app, &carl_mail).status, "queued");
    assert_eq!(app.count("suppressions"), 2);

    // Repeating, in either encoding, with an empty body or any other: a 200 that changes nothing.
    let first = opted_out_at(&app, &anna);
    let repeats = [
        post_urlencoded(&client, &path(&app, &anna)),
        post_multipart(&client, &path(&app, &anna)),
        client.post(path(&app, &anna)).dispatch(),
        client
            .post(path(&app, &anna))
            .header(ContentType::Plain)
            .body("anything at all")
            .dispatch(),
        client
            .post(path(&app, &anna))
            .header(ContentType::Form)
            .body(format!("{ONE_CLICK}&padding={}", "x".repeat(100_000)))
            .dispatch(),
    ];
    for response in repeats {
        let (status, html) = one_click_answer(response);
        assert_eq!(status, Status::Ok, "{html}");
    }
    assert_eq!(
        opted_out_at(&app, &anna),
        first,
        "the first opt-out time is kept"
    );
    assert_eq!(app.count("suppressions"), 2);

    // The page now says so, and offers no button.
    let response = client.get(path(&app, &anna)).dispatch();
    assert_eq!(response.status(), Status::Ok);
    let html = response.into_string().unwrap();
    assert!(html.contains("already unsubscribed"), "{html}");
    assert_eq!(select(&html, "form"), 0);

    // A browser with cookies of its own (the harness client) is answered the same way.
    let (status, _) = one_click_answer(post_urlencoded(&app.client, &path(&app, &carl)));
    assert_eq!(status, Status::Ok);
    assert!(opted_out_at(&app, &carl).is_some());
}

#[test]
fn the_button_on_the_page_unsubscribes() {
    let app = TestApp::new();
    let contact = add_contact(&app, "dora@example.com", None);
    let client = cookieless(&app);
    let html = client
        .get(path(&app, &contact))
        .dispatch()
        .into_string()
        .unwrap();
    let document = scraper::Html::parse_document(&html);
    let form = document
        .select(&scraper::Selector::parse("form").unwrap())
        .next()
        .expect("a form");
    let action = form.value().attr("action").unwrap().to_string();
    let fields: Vec<(String, String)> = form
        .select(&scraper::Selector::parse("input").unwrap())
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_string(),
                i.value().attr("value").unwrap_or_default().to_string(),
            )
        })
        .collect();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let response = client
        .post(action)
        .header(ContentType::Form)
        .body(crate::form(&fields))
        .dispatch();
    let (status, _) = one_click_answer(response);
    assert_eq!(status, Status::Ok);
    assert!(opted_out_at(&app, &contact).is_some());
}

#[test]
fn every_token_that_leads_nowhere_gets_the_same_404() {
    let app = TestApp::new();
    let contact = add_contact(&app, "anna@example.com", Some("de"));
    let erased = add_contact(&app, "erased@example.com", Some("nl"));
    let erased_token = token(&app, &erased);
    {
        let mut conn = app.db().conn().unwrap();
        hearken::privacy::erase(&mut conn, &erased).unwrap();
    }
    let good = token(&app, &contact);
    let (id, signature) = good.rsplit_once('.').unwrap();
    let flipped: String = {
        let mut chars: Vec<char> = signature.chars().collect();
        chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    };
    let other_contact = add_contact(&app, "other@example.com", None);
    let forged = [
        ("an altered signature", format!("{id}.{flipped}")),
        ("a truncated token", good[..good.len() - 1].to_string()),
        ("the contact id alone", id.to_string()),
        ("a signature and no id", format!(".{signature}")),
        (
            "a token made with another key",
            links::unsubscribe_token(&[9u8; 32], &contact),
        ),
        (
            "another contact's id with this signature",
            format!("{other_contact}.{signature}"),
        ),
        (
            "a well-signed token of an unknown contact",
            token(&app, "no-such-contact"),
        ),
        ("a well-signed token of an erased contact", erased_token),
        ("garbage", "not-a-token".to_string()),
    ];
    let client = cookieless(&app);
    let mut bodies = Vec::new();
    for (case, token) in &forged {
        let path = format!("/unsubscribe/{token}");
        let response = client.get(path.clone()).dispatch();
        assert_eq!(response.status(), Status::NotFound, "GET with {case}");
        assert_secure_page(&response);
        bodies.push((format!("GET with {case}"), response.into_string().unwrap()));
        for response in [
            post_urlencoded(&client, &path),
            post_multipart(&client, &path),
        ] {
            let (status, body) = one_click_answer(response);
            assert_eq!(status, Status::NotFound, "POST with {case}");
            bodies.push((format!("POST with {case}"), body));
        }
    }
    let (_, first) = &bodies[0];
    assert!(first.contains("This link is not valid"), "{first}");
    assert!(first.contains("lang=\"en\""), "{first}");
    for (case, body) in &bodies {
        assert_eq!(body, first, "{case} must look like every other refusal");
    }
    assert_eq!(opted_out_at(&app, &contact), None);
    assert_eq!(opted_out_at(&app, &other_contact), None);
    assert_eq!(app.count("suppressions"), 0);
}

#[test]
fn the_page_speaks_the_contacts_language() {
    let app = TestApp::new();
    let client = cookieless(&app);
    for (language, lang, text) in [
        (Some("de"), "de", "Von Umfrage-E-Mails abmelden"),
        (Some("nl-BE"), "nl", "Afmelden voor e-mails over enquêtes"),
        (Some("SL"), "sl", "Odjava od e-poštnih sporočil o anketah"),
        (Some("xx"), "en", "Unsubscribe from survey emails"),
        (None, "en", "Unsubscribe from survey emails"),
    ] {
        let email = format!("{}@example.com", hearken::ids::new_id().to_lowercase());
        let contact = add_contact(&app, &email, language);
        let html = client
            .get(path(&app, &contact))
            .dispatch()
            .into_string()
            .unwrap();
        assert_eq!(
            select(&html, &format!("html[lang={lang}]")),
            1,
            "{language:?}"
        );
        assert!(html.contains(text), "{language:?}: {html}");
    }
    let contact = add_contact(&app, "sv@example.com", Some("sv"));
    let (_, html) = one_click_answer(post_urlencoded(&client, &path(&app, &contact)));
    assert!(html.contains("Du är avregistrerad"), "{html}");
    let html = client
        .get(path(&app, &contact))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        html.contains("Den här adressen är redan avregistrerad"),
        "{html}"
    );
}

#[test]
fn mail_queued_before_the_opt_out_is_never_sent_and_others_still_are() {
    let server = SmtpServer::start(Behaviour::default());
    let app = smtp_app(&server.url());
    let anna = add_contact(&app, "anna@example.com", None);
    let bob = add_contact(&app, "bob@example.com", None);
    let anna_mail = queue(&app, "anna@example.com", &anna, true);
    let bob_mail = queue(&app, "bob@example.com", &bob, true);
    let client = cookieless(&app);
    let (status, _) = one_click_answer(post_multipart(&client, &path(&app, &anna)));
    assert_eq!(status, Status::Ok);
    assert_eq!(row(&app, &anna_mail).status, "cancelled");

    release(&app);
    wait_status(&app, &bob_mail, "sent");
    // The next send after the opt-out: mail queued for her now is cancelled by the worker.
    let later = queue(&app, "anna@example.com", &anna, false);
    let third = queue(&app, "bob@example.com", &bob, false);
    wait_status(&app, &third, "sent");
    let later = wait_status(&app, &later, "cancelled");
    assert_eq!(later.attempts, 0);
    assert_eq!(row(&app, &anna_mail).status, "cancelled");
    std::thread::sleep(Duration::from_millis(300));
    let messages = server.messages();
    assert_eq!(messages.len(), 2, "bob's two emails and nothing else");
    assert!(
        messages
            .iter()
            .all(|m| m.to == vec!["bob@example.com".to_string()])
    );
}

/// Check 52: 100 emails queued, the relay slow, recipient #50 unsubscribes while the worker
/// is part-way through the batch that holds their email. Nothing reaches #50 after the
/// opt-out committed, and the 99 others are delivered.
#[test]
fn an_opt_out_part_way_through_a_batch_stops_the_email_not_yet_sent() {
    let server = SmtpServer::start(Behaviour {
        data_delay: Duration::from_millis(250),
        ..Behaviour::default()
    });
    let app = smtp_app(&server.url());
    let emails: Vec<String> = (1..=100)
        .map(|n| format!("person{n:03}@example.com"))
        .collect();
    let ids: Vec<String> = emails.iter().map(|e| add_contact(&app, e, None)).collect();
    let (fiftieth, fiftieth_id) = (&emails[49], &ids[49]);
    let settings = app.settings().clone();
    {
        // One transaction, due one microsecond apart in recipient order, so the worker claims
        // and sends them in that order and #50 is in the first batch it claims.
        let base = db::now() - chrono::TimeDelta::seconds(1);
        let mut conn = app.db().conn().unwrap();
        db::write(&mut conn, |conn: &mut DbConn| {
            for (n, (email, contact)) in emails.iter().zip(&ids).enumerate() {
                let id = outbox::queue(
                    conn,
                    &settings,
                    Email {
                        recipient: email.clone(),
                        contact_id: Some(contact.clone()),
                        link_id: None,
                        message: plain_message(),
                    },
                )?;
                diesel::update(outbox_table::table.find(&id))
                    .set(
                        outbox_table::next_attempt_at
                            .eq(base + chrono::TimeDelta::microseconds(n as i64)),
                    )
                    .execute(conn)?;
            }
            Ok::<_, hearken::Error>(())
        })
        .unwrap();
    }
    notify(&app);
    // Part-way: the first emails have arrived; #50's cannot have (a few at a time, each slow).
    let arrived = server.wait_for(1, WAIT);
    assert!(!arrived.is_empty(), "the worker started sending");
    let fiftieth_row = || -> OutboxRow {
        let mut conn = app.db().conn().unwrap();
        outbox_table::table
            .filter(outbox_table::contact_id.eq(fiftieth_id))
            .select(OutboxRow::as_select())
            .first(&mut *conn)
            .unwrap()
    };
    let (status, _) = one_click_answer(post_urlencoded(&app.client, &path(&app, fiftieth_id)));
    assert_eq!(status, Status::Ok);
    // The opt-out has committed (the answer came after the commit).
    let at_opt_out = fiftieth_row().status;
    assert_eq!(
        at_opt_out, "sending",
        "#50 should have been claimed in the batch under way, so that only the worker's own \
         check before the send can stop it"
    );
    let received_before = server.messages();
    assert!(
        received_before.len() < 40,
        "the relay was not slow enough to catch the batch part-way ({} sent)",
        received_before.len()
    );
    assert!(
        !received_before.iter().any(|m| m.to.contains(fiftieth)),
        "#50 was sent to before the opt-out; the test did not catch the batch in time"
    );

    let start = Instant::now();
    loop {
        let mut conn = app.db().conn().unwrap();
        let pending: i64 = outbox_table::table
            .filter(outbox_table::status.eq_any(["queued", "sending"]))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(start.elapsed() < WAIT, "{pending} emails still pending");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let messages = server.messages();
    let to_fiftieth = messages.iter().filter(|m| m.to.contains(fiftieth)).count();
    let last = fiftieth_row();
    assert_eq!(
        to_fiftieth, 0,
        "#50 got an email after their opt-out committed (their row was `{at_opt_out}` at the \
         opt-out, and ended `{}`): suppression must be checked right before each send, not only \
         when the batch was claimed",
        last.status
    );
    assert_eq!(last.status, "cancelled");
    assert_eq!(
        last.last_error.as_deref(),
        Some("the recipient has opted out")
    );
    assert_eq!(messages.len(), 99, "everyone else got their email, once");
    let mut conn = app.db().conn().unwrap();
    let sent: i64 = outbox_table::table
        .filter(outbox_table::status.eq("sent"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(sent, 99);
    let listed: i64 = suppressions::table
        .filter(suppressions::email_digest.eq(hearken::ids::digest(fiftieth)))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(listed, 1);
}

/// The text/plain part of a captured message, decoded.
fn text_part(message: &Received) -> String {
    let content_type = message.header("Content-Type").unwrap();
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let text = message.text();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, body)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let head = head.to_ascii_lowercase();
        if !head.contains("content-type: text/plain") {
            continue;
        }
        let body = body.trim_end_matches("\r\n");
        return if head.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(body)
        } else {
            body.to_string()
        };
    }
    panic!("no text part in {text}");
}

fn quoted_printable(text: &str) -> String {
    let bytes = text.replace("=\r\n", "").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_link_in_a_real_invitation_email_unsubscribes() {
    let server = SmtpServer::start(Behaviour::default());
    let app = smtp_app(&server.url());
    let (_, survey_id) = crate::surveys::published(&app);
    let anna = add_contact(&app, "anna@example.com", Some("sv"));
    let bob = add_contact(&app, "bob@example.com", None);
    let settings = app.settings().clone();
    let survey = {
        let mut conn = app.db().conn().unwrap();
        hearken::survey::editing::load(&mut conn, &survey_id)
            .unwrap()
            .unwrap()
    };
    {
        let mut conn = app.db().conn().unwrap();
        let outcome = invitations::invite(
            &mut conn,
            &settings,
            &survey,
            Invitees::Contacts(vec![anna.clone(), bob.clone()]),
        )
        .unwrap();
        assert_eq!(outcome.queued, 2);
    }
    notify(&app);
    let messages = server.wait_for(2, WAIT);
    assert_eq!(messages.len(), 2);
    let to_anna = messages
        .iter()
        .find(|m| m.to == vec!["anna@example.com".to_string()])
        .expect("anna's invitation");
    assert_eq!(
        to_anna.header("List-Unsubscribe-Post").as_deref(),
        Some(ONE_CLICK)
    );
    let header = to_anna.header("List-Unsubscribe").unwrap();
    let link = header
        .strip_prefix('<')
        .and_then(|h| h.strip_suffix('>'))
        .unwrap()
        .to_string();
    assert!(
        text_part(to_anna).contains(&link),
        "the same link is in the text of the email"
    );
    let path = link.strip_prefix(BASE_URL).expect("a link to this server");
    assert!(path.starts_with("/unsubscribe/"), "{path}");

    // What a mail client does with the headers: a cookieless POST to the link.
    let client = cookieless(&app);
    let (status, html) = one_click_answer(post_urlencoded(&client, path));
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Du är avregistrerad"), "{html}");
    assert!(opted_out_at(&app, &anna).is_some());
    assert!(suppressed(&app, "anna@example.com"));
    assert_eq!(opted_out_at(&app, &bob), None);

    // A new survey's invitations skip her, and nothing more reaches her.
    let (_, second_survey) = crate::surveys::published(&app);
    let mut conn = app.db().conn().unwrap();
    let second = hearken::survey::editing::load(&mut conn, &second_survey)
        .unwrap()
        .unwrap();
    let outcome = invitations::invite(
        &mut conn,
        &settings,
        &second,
        Invitees::Contacts(vec![anna.clone(), bob.clone()]),
    )
    .unwrap();
    assert_eq!(outcome.queued, 1);
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].contact_id, anna);
    drop(conn);
    notify(&app);
    let messages = server.wait_for(3, WAIT);
    std::thread::sleep(Duration::from_millis(300));
    let messages_now = server.messages();
    assert_eq!(messages_now.len(), 3, "{:?}", messages.len());
    assert_eq!(
        messages_now
            .iter()
            .filter(|m| m.to.contains(&"anna@example.com".to_string()))
            .count(),
        1,
        "only the invitation from before her opt-out"
    );
}

fn plain_message() -> Message {
    Message::Invitation(SurveyInvitation {
        survey_title: "T".into(),
        survey_intro: String::new(),
        language: "en".into(),
        contact_name: None,
        incentive: None,
    })
}
