//! A Dutch member on the invitations, contacts and staff users pages.

use rocket::http::Status;

use super::{choose, english_left, notice_of};
use crate::TestApp;
use crate::survey_pages::{create, page, post};

#[test]
fn a_dutch_member_sees_no_english_on_distribute_and_users_pages() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    assert_eq!(choose(&app, "nl").0, Status::SeeOther);
    let csrf = app.csrf();
    let dutch = |path: &str, html: &str, expected: &[&str]| {
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
        for words in expected {
            assert!(html.contains(words), "{path}: no {words:?} in {html}");
        }
    };

    // Contacts: empty, an import with rejected rows, a refused file, a search with no match.
    let (_, html) = page(&app.client, "/contacts");
    dutch("/contacts", &html, &["Geen contacten.", "Importeren"]);
    let csv = "email,name\nok@example.com,Ok\nnot-an-email,Bad\nshort@example.com\n";
    let (status, _, html) = post(&app.client, &csrf, "/contacts/import", &[("csv", csv)]);
    assert_eq!(status, Status::Ok);
    dutch(
        "/contacts/import",
        &html,
        &[
            "Geïmporteerd: 1 nieuw contact, 0 contacten bijgewerkt.",
            "2 regels zijn niet geïmporteerd.",
            "e-mailadres is geen geldig e-mailadres",
            "heeft 1 kolommen terwijl de kopregel er 2 heeft",
            "Afgewezen regels",
            "nee",
        ],
    );
    let (status, _, html) = post(
        &app.client,
        &csrf,
        "/contacts/import",
        &[("csv", "name\nx\n")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch("/contacts/import (refused)", &html, &["class=\"error\""]);
    let (_, html) = page(&app.client, "/contacts?q=nobody");
    dutch(
        "/contacts?q=nobody",
        &html,
        &["Geen contacten gevonden.", "‘nobody’"],
    );

    // Invitations: a draft, then an open survey with invitations, reminders and refusals.
    let draft = create(&app, "Concept");
    let path = format!("/surveys/{draft}/invitations");
    let (_, html) = page(&app.client, &path);
    dutch(
        &path,
        &html,
        &[
            "Publiceer de enquête om mensen uit te nodigen.",
            "Er is nog niemand uitgenodigd.",
        ],
    );
    let (status, survey) = crate::surveys::post(
        &app,
        &token,
        "/api/v1/surveys",
        &crate::surveys::survey_body("Tevredenheid"),
    );
    assert_eq!(status, Status::Created);
    let survey = survey["id"].as_str().unwrap().to_string();
    crate::surveys::post(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/publish"),
        &serde_json::json!({}),
    );
    let path = format!("/surveys/{survey}/invitations");
    let (status, _, html) = post(
        &app.client,
        &csrf,
        &path,
        &[
            ("who", "listed"),
            ("emails", "ok@example.com\nnobody@example.com"),
        ],
    );
    assert_eq!(status, Status::Ok);
    dutch(&path, &html, &["Uitgenodigde deelnemers"]);
    assert_eq!(
        notice_of(&html, "notice"),
        "1 uitnodiging in de wachtrij gezet."
    );
    assert!(
        notice_of(&html, "error").starts_with("Dit adres is nog geen contact"),
        "{html}"
    );
    let (_, _, html) = post(
        &app.client,
        &csrf,
        &path,
        &[("who", "listed"), ("emails", "OK@example.com")],
    );
    assert_eq!(
        notice_of(&html, "notice"),
        "0 uitnodigingen in de wachtrij gezet. Overgeslagen: 1 al uitgenodigd."
    );
    let (status, _, html) = post(&app.client, &csrf, &path, &[("who", "all")]);
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(&path, &html, &["Vink het vakje aan om te bevestigen"]);
    let (status, _, html) = post(
        &app.client,
        &csrf,
        &path,
        &[("who", "listed"), ("emails", " ")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(&path, &html, &["Plak minstens één e-mailadres"]);
    let limit = format!("{path}/reminder-limit");
    let (status, _, html) = post(&app.client, &csrf, &limit, &[("max_reminders", "2")]);
    assert_eq!(status, Status::Ok);
    dutch(
        &limit,
        &html,
        &["Elke genodigde krijgt nu hoogstens 2 herinneringen."],
    );
    let (status, _, html) = post(&app.client, &csrf, &limit, &[("max_reminders", "99")]);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        notice_of(&html, "error").starts_with("Maximaal aantal herinneringen per persoon: "),
        "{html}"
    );
    let reminders = format!("/surveys/{survey}/reminders");
    let (status, _, html) = post(&app.client, &csrf, &reminders, &[]);
    assert_eq!(status, Status::Ok);
    dutch(
        &reminders,
        &html,
        &["in de wachtrij gezet.", "class=\"notice\""],
    );
    let (_, html) = page(&app.client, &path);
    dutch(&path, &html, &["Herinneringen versturen", "Laatste fout"]);

    // Staff users: the list, a refused and an accepted new user, and deactivating oneself.
    let (_, html) = page(&app.client, "/admin/users");
    dutch(
        "/admin/users",
        &html,
        &["Actief · jij", "beheerder", "Gebruiker toevoegen"],
    );
    let (status, _, html) = post(
        &app.client,
        &csrf,
        "/admin/users",
        &[
            ("name", "Dirk"),
            ("email", "not-an-email"),
            ("role", "designer"),
            ("password", "a long enough password"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch("/admin/users (refused)", &html, &["class=\"error\""]);
    let (status, _, _) = post(
        &app.client,
        &csrf,
        "/admin/users",
        &[
            ("name", "Dirk"),
            ("email", "dirk@example.com"),
            ("role", "designer"),
            ("password", "a long enough password"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, "/admin/users");
    dutch(
        "/admin/users",
        &html,
        &[
            "Dirk kan nu inloggen als ontwerper.",
            "Actief · deactiveren: Dirk",
        ],
    );
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("/admin/users/{}/active", admin.id),
        &[("active", "false")],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, "/admin/users");
    dutch("/admin/users", &html, &["Je kunt jezelf niet deactiveren."]);
}
