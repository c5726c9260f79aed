//! The password policy (security check 14) wherever a password is set: the users API (create
//! and change), the first-run setup page, the add-user page and the account page. Weak shapes
//! are refused with the reason; length bounds, Unicode and spaces behave as the check says.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::{PASSWORD, TestApp, bearer, form, hidden_value};

/// Weak passwords and the reason each must be refused with (for maria.lind@example.com).
pub const WEAK: [(&str, &str); 7] = [
    ("password1234", "is one of the most common passwords"),
    ("unbelievable", "is one of the most common passwords"),
    ("123456789012", "is a keyboard run"),
    ("qwertyuiopas", "is a keyboard run"),
    ("            ", "repeats one character"),
    ("Maria-Spring-Garden", "contains your email name"),
    ("ab-lind-cd-ef", "contains your email name"),
];

fn create(app: &TestApp, token: &str, email: &str, password: &str) -> (Status, Value) {
    let response = app
        .client
        .post("/api/v1/users")
        .header(bearer(token))
        .header(ContentType::JSON)
        .body(
            json!({"email": email, "name": "Maria Lind", "role": "analyst", "password": password})
                .to_string(),
        )
        .dispatch();
    (response.status(), crate::json(response))
}

#[test]
fn the_users_api_refuses_weak_passwords_and_says_why() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let users = app.count("users");
    for (password, reason) in WEAK {
        let (status, body) = create(&app, &token, "maria.lind@example.com", password);
        assert_eq!(status, Status::UnprocessableEntity, "{password:?}: {body}");
        assert_eq!(body["error"]["field"], "password");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{password:?}: {message}");
    }
    let (status, body) = create(&app, &token, "maria.lind@example.com", "tb7-Kq2m!xZ");
    assert_eq!(status, Status::UnprocessableEntity, "11 characters: {body}");
    assert_eq!(app.count("users"), users, "nothing was created");

    // No composition rules: twelve characters, Unicode, spaces and 128 characters all pass.
    let long = "Lantern orbit mosaic ".repeat(7);
    let long: String = long.chars().take(128).collect();
    for (i, password) in [
        "tb7-Kq2m!xZp",
        "zoë zoë zoë ",
        "tiny frog in a large pond",
        &long,
    ]
    .into_iter()
    .enumerate()
    {
        let (status, body) = create(&app, &token, &format!("ok{i}@example.com"), password);
        assert_eq!(status, Status::Created, "{password:?}: {body}");
    }

    // Changing a password goes through the same policy, with the user's own email.
    let (_, maria) = create(&app, &token, "maria.lind@example.com", PASSWORD);
    let id = maria["id"].as_str().unwrap();
    let change = |password: &str| {
        let response = app
            .client
            .patch(format!("/api/v1/users/{id}"))
            .header(bearer(&token))
            .header(ContentType::JSON)
            .body(json!({ "password": password }).to_string())
            .dispatch();
        (response.status(), crate::json(response))
    };
    let (status, body) = change("maria.lind 2025");
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("contains your email name"),
        "{body}"
    );
    assert_eq!(change("a brand new passphrase").0, Status::Ok);
}

#[test]
fn the_setup_page_refuses_a_keyboard_run_and_keeps_what_was_typed() {
    let app = TestApp::new();
    let mut conn = app.db().conn().unwrap();
    let link = hearken::auth::setup::issue_link(&mut conn, app.settings())
        .unwrap()
        .unwrap();
    drop(conn);
    let path = link
        .trim_start_matches(&app.settings().base_url)
        .to_string();
    let page = app.client.get(path.as_str()).dispatch();
    let csrf = hidden_value(&page.into_string().unwrap(), "csrf").unwrap();
    let refused = app
        .client
        .post(path.as_str())
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Ada Admin"),
            ("email", "ada@example.com"),
            ("password", "qwertyuiopas"),
            ("password_confirm", "qwertyuiopas"),
        ]))
        .dispatch();
    assert_eq!(refused.status(), Status::UnprocessableEntity);
    let body = refused.into_string().unwrap();
    assert!(body.contains("is a keyboard run"), "{body}");
    assert!(body.contains("ada@example.com"), "what was typed is kept");
    assert_eq!(app.count("users"), 0);
}

#[test]
fn staff_pages_refuse_weak_passwords_with_the_reason() {
    let app = TestApp::new();
    app.signed_in_admin();
    let csrf = app.csrf();
    let added = app
        .client
        .post("/admin/users")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Maria Lind"),
            ("email", "maria.lind@example.com"),
            ("role", "analyst"),
            ("password", "password1234"),
        ]))
        .dispatch();
    assert_eq!(added.status(), Status::UnprocessableEntity);
    let body = added.into_string().unwrap();
    assert!(
        body.contains("is one of the most common passwords"),
        "{body}"
    );
    assert_eq!(app.count("users"), 1);

    let changed = app
        .client
        .post("/account/password")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "            "),
            ("new_password_confirm", "            "),
        ]))
        .dispatch();
    assert_eq!(changed.status(), Status::UnprocessableEntity);
    let body = changed.into_string().unwrap();
    assert!(body.contains("repeats one character"), "{body}");
    assert_eq!(app.sign_in("admin@example.com", PASSWORD), Status::SeeOther);
}
