//! Invitation emails as a mailbox receives them, sent through the API and a real SMTP server on
//! loopback: the headers bulk mail needs on a thousand invitations, names and subjects outside
//! ASCII, the incentive line, and contact fields that try to be HTML or template source.

use std::collections::HashSet;
use std::time::Duration;

use mailparse::{MailHeaderMap, ParsedMail};
use serde_json::json;

use crate::TestApp;
use crate::invitations::{import, invite};
use crate::smtp::{Behaviour, Received, SmtpServer};
use crate::surveys::{patch, post, published};

const WAIT: Duration = Duration::from_secs(60);

fn smtp_app(server: &SmtpServer) -> TestApp {
    let url = server.url();
    TestApp::with(move |f| {
        f.merge(("mail_transport", "smtp"))
            .merge(("smtp_url", url))
            .merge(("mail_from", "Hearken Surveys <surveys@hearken.example>"))
            .merge(("base_url", "https://surveys.example.org"))
    })
}

fn parse(message: &Received) -> ParsedMail<'_> {
    mailparse::parse_mail(&message.data).unwrap()
}

/// The decoded text and HTML parts of a multipart/alternative message.
fn bodies(mail: &ParsedMail<'_>) -> (String, String) {
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    let part = |kind: &str| {
        mail.subparts
            .iter()
            .find(|p| p.ctype.mimetype == kind)
            .unwrap_or_else(|| panic!("a {kind} part"))
            .get_body()
            .unwrap()
    };
    (part("text/plain"), part("text/html"))
}

#[test]
fn a_thousand_invitations_carry_the_headers_bulk_mail_needs() {
    let server = SmtpServer::start(Behaviour::default());
    let app = smtp_app(&server);
    let (token, survey) = published(&app);
    let contacts: Vec<_> = (0..1000)
        .map(|i| json!({"email": format!("person{i}@example.net"), "name": format!("Person {i}")}))
        .collect();
    let (status, report) = post(&app, &token, "/api/v1/contacts", &json!(contacts));
    assert_eq!(status, rocket::http::Status::Ok, "{report}");
    let (_, outcome) = invite(&app, &token, &survey, &json!({"all_contacts": true}));
    assert_eq!(outcome["queued"], 1000, "{outcome}");
    let messages = server.wait_for(1000, WAIT);
    assert_eq!(messages.len(), 1000);

    let mut message_ids = HashSet::new();
    let mut recipients = HashSet::new();
    for message in &messages {
        assert_eq!(message.to.len(), 1);
        let recipient = message.to[0].clone();
        assert!(recipients.insert(recipient.clone()), "{recipient} twice");
        let mail = parse(message);
        let header = |name: &str| {
            mail.headers
                .get_first_value(name)
                .unwrap_or_else(|| panic!("{name} missing"))
        };
        let message_id = header("Message-ID");
        assert!(message_id.ends_with("@hearken.example>"), "{message_id}");
        assert!(message_ids.insert(message_id), "Message-IDs are unique");
        assert!(mailparse::dateparse(&header("Date")).is_ok());
        assert!(header("From").contains("<surveys@hearken.example>"));
        let list_unsubscribe = header("List-Unsubscribe");
        assert!(
            list_unsubscribe.starts_with("<https://surveys.example.org/unsubscribe/")
                && list_unsubscribe.ends_with('>'),
            "{list_unsubscribe}"
        );
        assert_eq!(
            header("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        // Nothing personal in the subject beyond what the survey is called.
        assert_eq!(header("Subject"), "Your invitation: Service check");
        let number = recipient
            .trim_start_matches("person")
            .trim_end_matches("@example.net");
        let (text, html) = bodies(&mail);
        assert!(
            text.contains(&format!("Person {number}")),
            "a personal greeting"
        );
        assert!(text.contains("https://surveys.example.org/r/"));
        assert!(html.contains("https://surveys.example.org/r/"));
        let unsubscribe = &list_unsubscribe[1..list_unsubscribe.len() - 1];
        assert!(
            text.contains(unsubscribe),
            "the unsubscribe link is in the text too"
        );
    }
    assert_eq!(server.messages().len(), 1000, "nothing sent twice");
}

#[test]
fn names_and_subjects_outside_ascii_arrive_intact_with_the_incentive_line() {
    let server = SmtpServer::start(Behaviour::default());
    let app = smtp_app(&server);
    let (token, survey) = published(&app);
    let (status, _) = patch(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}"),
        &json!({
            "title": "Hoe gaat het, Zoë? Ånswer in 2 minutes",
            "incentive": {"kind": "coupon", "coupon": {"mode": "generate", "value": "10 % off your next order"}}
        }),
    );
    assert_eq!(status, rocket::http::Status::Ok);
    let ids = import(
        &app,
        &token,
        &json!([
            {"email": "zoe@example.si", "name": "Zoë Kovačič"},
            {"email": "anna@example.se", "name": "Anna Öberg"}
        ]),
    );
    invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    let messages = server.wait_for(2, WAIT);
    for (message, name) in messages.iter().map(|m| {
        let name = if m.to[0].starts_with("zoe") {
            "Zoë Kovačič"
        } else {
            "Anna Öberg"
        };
        (m, name)
    }) {
        let raw_head = message.text();
        let raw_head = raw_head.split("\r\n\r\n").next().unwrap();
        assert!(raw_head.is_ascii(), "headers are encoded: {raw_head}");
        let mail = parse(message);
        assert_eq!(
            mail.headers.get_first_value("Subject").unwrap(),
            "Your invitation: Hoe gaat het, Zoë? Ånswer in 2 minutes"
        );
        let to = mail.headers.get_first_value("To").unwrap();
        assert!(to.contains(name), "{to}");
        let (text, html) = bodies(&mail);
        assert!(text.contains(name), "{text}");
        assert!(html.contains(name), "{html}");
        assert!(text.contains("10 % off your next order"), "{text}");
        assert!(html.contains("10 % off your next order"));
    }
}

#[test]
fn contact_fields_are_data_never_html_or_template_source() {
    let server = SmtpServer::start(Behaviour::default());
    let app = smtp_app(&server);
    let (token, survey) = published(&app);
    let names = [
        r#"<a href="https://evil.example">Click</a>"#,
        "{{> secret}}",
        r#"{{lookup this "x"}}"#,
        "{{personal_link}}",
    ];
    let contacts: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"email": format!("n{i}@example.com"), "name": name}))
        .collect();
    let ids = import(&app, &token, &json!(contacts));
    invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    let messages = server.wait_for(names.len(), WAIT);
    assert_eq!(messages.len(), names.len());
    for message in &messages {
        let index: usize = message.to[0][1..2].parse().unwrap();
        let name = names[index];
        let mail = parse(message);
        let (text, html) = bodies(&mail);
        assert!(
            text.contains(&format!("Hello {name},")),
            "the text part holds the name literally: {text}"
        );
        let document = scraper::Html::parse_document(&html);
        let links = scraper::Selector::parse("a").unwrap();
        for link in document.select(&links) {
            let href = link.value().attr("href").unwrap_or_default();
            assert!(href.starts_with("https://surveys.example.org/"), "{href}");
        }
        let greeting = scraper::Selector::parse("p").unwrap();
        let first: String = document.select(&greeting).next().unwrap().text().collect();
        assert_eq!(
            first,
            format!("Hello {name},"),
            "escaped, shown as typed, never evaluated"
        );
        assert_eq!(
            text.matches("https://surveys.example.org/r/").count(),
            1,
            "{text}"
        );
    }
}
