//! Rough edges a new staff user met, each checked so it cannot come back: contacts in the
//! navigation for those who manage them, least privilege when adding a user, no way to
//! deactivate yourself, a used setup link that says what to do, sentences that start with a
//! capital, and a tab icon on every page instead of a request for a missing `/favicon.ico`.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};

use crate::{PASSWORD, TestApp, form};

fn page(client: &rocket::local::blocking::Client, path: &str) -> (Status, String) {
    let response = client.get(path.to_string()).dispatch();
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

#[test]
fn contacts_are_in_the_navigation_of_designers_and_not_of_analysts() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    app.add_user("analyst@example.com", Role::Analyst);
    assert_eq!(
        app.sign_in("designer@example.com", PASSWORD),
        Status::SeeOther
    );
    let (_, home) = page(&app.client, "/");
    let nav = home
        .split("<nav")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    assert!(nav.contains("href=\"/contacts\""), "{nav}");

    let analyst = TestApp::with_client_of(&app);
    assert_eq!(
        analyst.sign_in("analyst@example.com", PASSWORD),
        Status::SeeOther
    );
    let (_, home) = page(&analyst.client, "/");
    assert!(!home.contains("href=\"/contacts\""));
}

#[test]
fn adding_a_user_preselects_the_narrowest_role_and_nobody_may_deactivate_themselves() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let other = app.add_user("someone@example.com", Role::Designer);
    let (status, users) = page(&app.client, "/admin/users");
    assert_eq!(status, Status::Ok);
    assert!(
        users.contains("<option value=\"analyst\" selected>"),
        "{users}"
    );
    assert!(!users.contains("<option value=\"admin\" selected>"));
    assert!(users.contains(&format!("/admin/users/{}/active", other.id)));
    assert!(
        !users.contains(&format!("/admin/users/{}/active", admin.id)),
        "the admin is offered to deactivate their own account"
    );
    assert!(users.contains("Active · you"));
}

#[test]
fn a_used_setup_link_says_why_and_where_to_go() {
    let app = TestApp::new();
    for status in [
        app.client.get("/setup/no-longer-valid").dispatch(),
        app.client
            .post("/setup/no-longer-valid")
            .header(ContentType::Form)
            .body(form(&[
                ("csrf", &app.csrf()),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ]))
            .dispatch(),
    ]
    .map(|response| {
        let status = response.status();
        let html = response.into_string().unwrap_or_default();
        assert!(html.contains("This setup link no longer works"), "{html}");
        assert!(html.contains("restart the server"), "{html}");
        assert!(html.contains("href=\"/login\""), "{html}");
        status
    }) {
        assert_eq!(status, Status::NotFound);
    }
}

#[test]
fn a_wrong_password_is_told_in_a_sentence() {
    let app = TestApp::new();
    app.add_user("someone@example.com", Role::Designer);
    let csrf = app.csrf();
    let html = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("email", "someone@example.com"),
            ("password", "not the password at all"),
        ]))
        .dispatch()
        .into_string()
        .unwrap_or_default();
    assert!(
        html.contains("The email or password is not correct"),
        "{html}"
    );
}

#[test]
fn every_page_names_a_tab_icon_that_is_served() {
    let app = TestApp::new();
    let (_, login) = page(&app.client, "/login");
    assert!(login.contains("<link rel=\"icon\" href=\"/static/icon.svg\""));
    let (survey_token, id) = crate::surveys::published(&app);
    let _ = survey_token;
    let (_, respondent) = page(&app.client, &format!("/s/{id}"));
    assert!(respondent.contains("<link rel=\"icon\" href=\"/static/icon.svg\""));
    let icon = app.client.get("/static/icon.svg").dispatch();
    assert_eq!(icon.status(), Status::Ok);
    assert_eq!(icon.content_type(), Some(ContentType::SVG));
    assert!(icon.into_string().unwrap().starts_with("<svg"));
}

#[test]
fn error_pages_keep_a_signed_in_members_navigation() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        app.sign_in("designer@example.com", PASSWORD),
        Status::SeeOther
    );
    // No route at all; a route whose handler finds nothing; a page the role may not see.
    for (path, expected) in [
        ("/no-such-page", Status::NotFound),
        ("/surveys/no-such-survey", Status::NotFound),
        ("/admin/users", Status::Forbidden),
    ] {
        let (status, html) = page(&app.client, path);
        assert_eq!(status, expected, "{path}");
        assert!(html.contains("<nav aria-label=\"Main\">"), "{path}: {html}");
        assert!(html.contains("designer user"), "{path}: the member's name");
        assert!(html.contains("action=\"/logout\""), "{path}: sign out");
    }
    // Signed out, the same pages show no navigation.
    let stranger = TestApp::with_client_of(&app);
    let (_, html) = page(&stranger.client, "/no-such-page");
    assert!(!html.contains("<nav aria-label=\"Main\">"));
}

#[test]
fn publishing_a_draft_asks_for_a_tick_first() {
    let app = TestApp::new();
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        app.sign_in("designer@example.com", PASSWORD),
        Status::SeeOther
    );
    let csrf = app.csrf();
    let created = app
        .client
        .post("/surveys")
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf), ("title", "Tick first")]))
        .dispatch();
    assert_eq!(created.status(), Status::SeeOther);
    let at = created.headers().get_one("Location").unwrap().to_string();
    let (_, html) = page(&app.client, &at);
    assert!(html.contains("id=\"publish-confirm\" name=\"confirm\" value=\"true\" required"));
    let refused = app
        .client
        .post(format!("{at}/publish"))
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf)]))
        .dispatch();
    assert_eq!(refused.status(), Status::UnprocessableEntity);
    let html = refused.into_string().unwrap();
    assert!(
        html.contains("tick the box to confirm that the questions are final"),
        "{html}"
    );
    let (_, html) = page(&app.client, &at);
    assert!(html.contains("id=\"publish-confirm\""), "still a draft");
}

#[test]
fn the_home_page_speaks_to_the_role_and_a_question_is_deleted_in_two_steps() {
    let app = TestApp::new();
    app.add_user("analyst@example.com", Role::Analyst);
    assert_eq!(
        app.sign_in("analyst@example.com", PASSWORD),
        Status::SeeOther
    );
    let (_, home) = page(&app.client, "/");
    let main = home.split("<main").nth(1).unwrap();
    assert!(
        !main.contains("build"),
        "an analyst does not build surveys: {main}"
    );
    assert!(main.contains("Designers publish surveys"), "{main}");
    assert!(!main.contains("href=\"/contacts\""));

    let designer = TestApp::with_client_of(&app);
    app.add_user("designer@example.com", Role::Designer);
    assert_eq!(
        designer.sign_in("designer@example.com", PASSWORD),
        Status::SeeOther
    );
    let (_, home) = page(&designer.client, "/");
    let main = home.split("<main").nth(1).unwrap();
    assert!(main.contains("href=\"/contacts\""), "{main}");
    assert!(main.contains("Create your first survey"), "{main}");

    let csrf = designer.csrf();
    let created = designer
        .client
        .post("/surveys")
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf), ("title", "Two steps")]))
        .dispatch();
    let at = created.headers().get_one("Location").unwrap().to_string();
    let added = designer
        .client
        .post(format!("{at}/questions"))
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("kind", "text"),
            ("prompt", "What should we fix first?"),
        ]))
        .dispatch();
    assert_eq!(added.status(), Status::SeeOther);
    let (_, editor) = page(&designer.client, &at);
    let confirm = editor
        .split("<details class=\"confirm\">")
        .nth(1)
        .expect("the delete button sits behind a disclosure");
    let confirm = confirm.split("</details>").next().unwrap();
    assert!(confirm.contains("questions/delete"));
    assert!(confirm.contains("Yes, delete question 1"), "{confirm}");
}
