//! First run: the one-time setup link creates the first admin, once.

use hearken::auth::setup;
use rocket::http::{ContentType, Status};

use crate::{PASSWORD, TestApp, form, hidden_value};

fn issue(app: &TestApp) -> Option<String> {
    let mut conn = app.db().conn().unwrap();
    setup::issue_link(&mut conn, app.settings()).unwrap()
}

#[test]
fn setup_link_creates_the_first_admin_once() {
    let app = TestApp::new();
    let link = issue(&app).expect("no user yet, so a link");
    assert!(link.starts_with(&app.settings().base_url));
    let path = link
        .trim_start_matches(&app.settings().base_url)
        .to_string();
    assert_eq!(app.count("setup_tokens"), 1);

    let page = app.client.get(path.as_str()).dispatch();
    assert_eq!(page.status(), Status::Ok);
    let csrf = hidden_value(&page.into_string().unwrap(), "csrf").unwrap();

    let mismatched = app
        .client
        .post(path.as_str())
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Ada Admin"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("password_confirm", "something else entirely"),
        ]))
        .dispatch();
    assert_eq!(mismatched.status(), Status::UnprocessableEntity);
    let body = mismatched.into_string().unwrap();
    assert!(body.contains("Password confirm: does not match"), "{body}");
    assert!(body.contains("ada@example.com"), "what was typed is kept");
    assert_eq!(app.count("users"), 0);

    let created = app
        .client
        .post(path.as_str())
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Ada Admin"),
            ("email", "Ada@Example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ]))
        .dispatch();
    assert_eq!(created.status(), Status::SeeOther);
    assert_eq!(created.headers().get_one("Location"), Some("/"));

    let home = app.client.get("/").dispatch();
    assert_eq!(home.status(), Status::Ok, "the new admin is signed in");
    assert!(home.into_string().unwrap().contains("Welcome, Ada Admin"));

    let mut conn = app.db().conn().unwrap();
    let admin = hearken::auth::model::find_user_by_email(&mut conn, "ada@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, "admin");
    drop(conn);

    assert_eq!(app.count("setup_tokens"), 0, "the link is used up");
    assert_eq!(
        app.client.get(path.as_str()).dispatch().status(),
        Status::NotFound
    );
    assert_eq!(issue(&app), None, "no new link once an admin exists");
}

#[test]
fn a_wrong_or_replaced_setup_token_is_refused() {
    let app = TestApp::new();
    let first = issue(&app).unwrap();
    let second = issue(&app).unwrap();
    assert_ne!(first, second);
    let base = &app.settings().base_url;
    let stale = first.trim_start_matches(base.as_str());
    assert_eq!(
        app.client.get(stale).dispatch().status(),
        Status::NotFound,
        "each start replaces the link"
    );
    assert_eq!(
        app.client.get("/setup/guessed-token").dispatch().status(),
        Status::NotFound
    );

    let csrf = app.csrf();
    let response = app
        .client
        .post(stale)
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Mallory"),
            ("email", "mallory@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ]))
        .dispatch();
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(app.count("users"), 0);
}
