//! Every email in every language the respondent pages speak: each kind rendered in each
//! language carries no English sentence (the survey's own title and texts aside), and an
//! invitation goes out in the contact's language, else the survey's.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hearken::i18n::{self, LANGUAGES};
use hearken::mail::render::{Rendered, Templates, template_data};
use hearken::mail::transport::MemoryMailbox;
use hearken::mail::{Message, SurveyInvitation};
use hearken::survey::incentive::{CouponMode, CouponSpec, Incentive, LotterySpec};
use serde_json::json;

use crate::TestApp;
use crate::invitations::{import, invite};
use crate::surveys::{post, survey_body};

/// The incentives whose sentence an email can carry: one of each form.
fn incentives() -> Vec<Incentive> {
    let draw_at = Utc.with_ymd_and_hms(2027, 3, 1, 12, 0, 0).unwrap();
    let coupon = |expires_at| Incentive::Coupon {
        coupon: CouponSpec {
            mode: CouponMode::Generate,
            prefix: None,
            value: "SAVE-10".into(),
            expires_at,
            low_stock_at: None,
        },
    };
    let lottery = |winners| Incentive::Lottery {
        lottery: LotterySpec {
            prize: "ACME-PRIZE".into(),
            winners,
            draw_at,
            rules: "Rules".into(),
            beacon: None,
        },
    };
    vec![coupon(None), coupon(Some(draw_at)), lottery(1), lottery(3)]
}

fn message(kind: &str, language: &str, incentive: &Incentive) -> Message {
    let invitation = SurveyInvitation {
        survey_title: "QX-TITLE".into(),
        survey_intro: "QX-INTRO".into(),
        language: language.into(),
        contact_name: Some("Zoë Kovačič".into()),
        incentive: incentive.email_line(i18n::catalog(language)),
    };
    match kind {
        Message::REMINDER => Message::Reminder(invitation),
        _ => Message::Invitation(invitation),
    }
}

fn render(templates: &Templates, message: &Message, unsubscribe: &str) -> Rendered {
    let data = template_data(message, "https://h.example/r/TOKEN", unsubscribe);
    templates.render(message.kind(), data).unwrap()
}

/// The English words an email may show, as fragments between placeholders: every email and
/// incentive string of the English catalogue, cut at each `{placeholder}`.
fn english_fragments() -> Vec<String> {
    let english = i18n::catalog("en");
    let mut fragments = Vec::new();
    for (key, text) in english.strings() {
        if !(key.starts_with("email_") || key.starts_with("incentive_")) {
            continue;
        }
        let mut rest = text.as_str();
        loop {
            let (before, after) = match rest.find('{') {
                Some(open) => (&rest[..open], rest[open..].find('}').map(|c| open + c + 1)),
                None => (rest, None),
            };
            let fragment = before.trim_matches(|c: char| !c.is_alphanumeric());
            // A word or two ("Hello", "winner") can be the same in another language.
            if fragment.split_whitespace().count() >= 3 {
                fragments.push(fragment.to_string());
            }
            match after {
                Some(next) => rest = &rest[next..],
                None => break,
            }
        }
    }
    fragments
}

#[test]
fn every_kind_in_every_language_leaves_no_english_sentence() {
    let templates = Templates::new().unwrap();
    let fragments = english_fragments();
    assert!(fragments.len() >= 12, "{fragments:?}");
    let mut checked = 0;
    for kind in Message::KINDS {
        for incentive in incentives() {
            let english = render(&templates, &message(kind, "en", &incentive), "https://u");
            // The check would see an English string that had stayed English.
            assert!(
                fragments.iter().any(|f| english.text.contains(f.as_str())),
                "{}",
                english.text
            );
            for language in LANGUAGES.iter().filter(|l| **l != "en") {
                let rendered = render(
                    &templates,
                    &message(kind, language, &incentive),
                    "https://u",
                );
                for part in [&rendered.subject, &rendered.text, &rendered.html] {
                    for fragment in &fragments {
                        assert!(
                            !part.contains(fragment.as_str()),
                            "{kind} in {language} still says {fragment:?}:\n{part}"
                        );
                    }
                    assert!(part.contains("QX-TITLE"), "{kind}/{language}: {part}");
                }
                assert!(rendered.text.contains("QX-INTRO"));
                assert!(rendered.text.contains("https://h.example/r/TOKEN"));
                assert!(rendered.text.contains("https://u"), "the unsubscribe line");
                assert!(rendered.text.contains("Zoë Kovačič"), "greeted by name");
                assert!(rendered.text.contains("SAVE-10") || rendered.text.contains("ACME-PRIZE"));
                assert!(
                    rendered
                        .html
                        .contains(&format!("<html lang=\"{language}\"")),
                    "{}",
                    rendered.html
                );
                assert_ne!(rendered.subject, english.subject);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, Message::KINDS.len() * 4 * (LANGUAGES.len() - 1));
}

#[test]
fn an_unknown_language_falls_back_to_english() {
    let templates = Templates::new().unwrap();
    let incentive = Incentive::None;
    let english = render(
        &templates,
        &message(Message::INVITATION, "en", &incentive),
        "",
    );
    let unknown = render(
        &templates,
        &message(Message::INVITATION, "xx", &incentive),
        "",
    );
    assert_eq!(english, unknown);
    assert!(english.subject.starts_with("Your invitation: "));
}

fn wait_for(mailbox: &MemoryMailbox, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let messages = mailbox.messages();
        if messages.len() >= count {
            return messages
                .into_iter()
                .map(|m| {
                    let mail = mailparse::parse_mail(&m.raw).unwrap();
                    let text = mail
                        .subparts
                        .iter()
                        .find(|p| p.ctype.mimetype == "text/plain")
                        .unwrap()
                        .get_body()
                        .unwrap();
                    format!("{}\n{text}", m.to.join(","))
                })
                .collect();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "mail not sent");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_invitation_speaks_the_contacts_language_else_the_surveys() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(hearken::auth::Role::Designer);
    let mut body = survey_body("Dienstcheck");
    body["language"] = json!("nl");
    let (status, created) = post(&app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, rocket::http::Status::Created, "{created}");
    let survey = created["id"].as_str().unwrap().to_string();
    let publish = format!("/api/v1/surveys/{survey}/publish");
    let (status, body) = post(&app, &token, &publish, &json!({}));
    assert_eq!(status, rocket::http::Status::Ok, "{body}");
    let ids = import(
        &app,
        &token,
        &json!([
            {"email": "de@example.com", "name": "Dora", "language": "de-AT"},
            {"email": "none@example.com", "name": "Noor"},
            {"email": "xx@example.com", "name": "Xavier", "language": "tlh"}
        ]),
    );
    invite(&app, &token, &survey, &json!({"contact_ids": ids}));
    let mailbox = app.client.rocket().state::<MemoryMailbox>().unwrap();
    let messages = wait_for(mailbox, 3);
    let button = |language: &str| {
        i18n::catalog(language)
            .get("email_personal_link")
            .to_string()
    };
    for message in messages {
        let expected = if message.starts_with("de@") {
            "de"
        } else {
            "nl"
        };
        assert!(
            message.contains(&button(expected)),
            "{expected} expected:\n{message}"
        );
        assert!(!message.contains(&button("en")), "{message}");
    }
}
