//! The error contract: the JSON envelope under /api (400 malformed, 422 naming the field, 413
//! too large, 404), HTML pages elsewhere, and server errors that show no internals (check 34).

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::json;

use crate::{PASSWORD, TestApp, bearer, form};

fn post_user(app: &TestApp, token: &str, body: &str) -> (Status, serde_json::Value) {
    let response = app
        .client
        .post("/api/v1/users")
        .header(bearer(token))
        .header(ContentType::JSON)
        .body(body)
        .dispatch();
    (response.status(), crate::json(response))
}

#[test]
fn api_errors_use_the_envelope_and_name_the_field() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);

    let (status, body) = post_user(&app, &token, "{\"email\": ");
    assert_eq!(status, Status::BadRequest);
    assert_eq!(body["error"]["status"], 400);
    assert_eq!(body["error"]["code"], "malformed_request");

    let valid =
        json!({"email": "new@example.com", "name": "New", "role": "analyst", "password": PASSWORD});
    let mut unknown = valid.clone();
    unknown["is_admin"] = json!(true);
    let (status, body) = post_user(&app, &token, &unknown.to_string());
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["code"], "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is_admin"),
        "{body}"
    );

    let mut wrong_type = valid.clone();
    wrong_type["role"] = json!(5);
    let (status, body) = post_user(&app, &token, &wrong_type.to_string());
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["field"], "role");

    let mut bad_role = valid.clone();
    bad_role["role"] = json!("owner");
    let (status, body) = post_user(&app, &token, &bad_role.to_string());
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["field"], "role");

    let mut short = valid.clone();
    short["password"] = json!("short");
    let (status, body) = post_user(&app, &token, &short.to_string());
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["field"], "password");

    assert_eq!(app.count("users"), 1, "nothing half-written");
    let (status, body) = post_user(&app, &token, &valid.to_string());
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["email"], "new@example.com");
    assert!(body.get("password_hash").is_none());
    let (status, body) = post_user(&app, &token, &valid.to_string());
    assert_eq!(status, Status::Conflict);
    assert_eq!(body["error"]["code"], "email_taken");

    let missing = app
        .client
        .get("/api/v1/nothing-here")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(missing.status(), Status::NotFound);
    assert_eq!(crate::json(missing)["error"]["code"], "not_found");

    let patch = app
        .client
        .patch("/api/v1/users/no-such-user")
        .header(bearer(&token))
        .header(ContentType::JSON)
        .body("{}")
        .dispatch();
    assert_eq!(patch.status(), Status::NotFound);
}

#[test]
fn bodies_over_the_limit_are_413() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let huge = json!({"email": "x@example.com", "name": "x".repeat(2 * 1024 * 1024), "role": "analyst", "password": PASSWORD});
    let (status, body) = post_user(&app, &token, &huge.to_string());
    assert_eq!(status, Status::PayloadTooLarge);
    assert_eq!(body["error"]["code"], "too_large");

    let csrf = app.csrf();
    let response = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("email", &"a".repeat(600 * 1024)),
            ("password", "x"),
        ]))
        .dispatch();
    assert_eq!(response.status(), Status::PayloadTooLarge);
    assert!(response.into_string().unwrap().contains("<html"));
}

#[test]
fn hearkens_limits_apply_without_a_rocket_toml() {
    // The test figment starts from Rocket's defaults (form 32 KiB), as a server started
    // outside the repository would.
    let app = TestApp::new();
    let limits = app.client.rocket().config().limits.clone();
    use rocket::data::ToByteUnit;
    assert_eq!(limits.get("form"), Some(512.kibibytes()));
    assert_eq!(limits.get("file"), Some(16.mebibytes()));
    let configured = TestApp::with(|f| {
        f.merge((
            "limits",
            rocket::data::Limits::default().limit("form", 100.kibibytes()),
        ))
    });
    assert_eq!(
        configured.client.rocket().config().limits.get("form"),
        Some(100.kibibytes()),
        "an explicit setting wins"
    );
}

#[test]
fn html_error_pages_show_no_internals() {
    let app = TestApp::new();
    let missing = app.client.get("/no/such/page").dispatch();
    assert_eq!(missing.status(), Status::NotFound);
    assert_eq!(missing.content_type(), Some(ContentType::HTML));
    assert!(missing.into_string().unwrap().contains("Page not found"));

    // Break the database under a signed-in session: a plain apology, no SQL, no table names.
    app.add_user("a@example.com", Role::Analyst);
    assert_eq!(app.sign_in("a@example.com", PASSWORD), Status::SeeOther);
    let token = app.token(&app.add_user("b@example.com", Role::Analyst));
    app.execute("DROP TABLE sessions");
    let page = app.client.get("/").dispatch();
    assert_eq!(page.status(), Status::InternalServerError);
    let body = page.into_string().unwrap();
    assert!(body.contains("Sorry"), "{body}");
    for leak in [
        "sessions",
        "no such table",
        "relation",
        "diesel",
        "SELECT",
        "panicked",
    ] {
        assert!(!body.contains(leak), "the page shows `{leak}`: {body}");
    }

    app.execute("DROP TABLE api_tokens");
    let api = app
        .client
        .get("/api/v1/me")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(api.status(), Status::InternalServerError);
    let server = api.headers().get_one("Server").map(str::to_string);
    let text = api.into_string().unwrap();
    assert!(
        !text.contains("api_tokens")
            && !text.contains("no such table")
            && !text.contains("relation"),
        "{text}"
    );
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "internal");
    assert_eq!(
        server.as_deref(),
        Some("Hearken"),
        "no version in the Server header"
    );
}

#[test]
fn a_malformed_id_is_the_same_404_as_an_unknown_one() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let unknown = hearken::ids::new_id();
    for (path, expected) in [
        ("/api/v1/surveys/{}", Status::NotFound),
        ("/api/v1/surveys/{}/lint", Status::NotFound),
        ("/api/v1/surveys/{}/responses", Status::NotFound),
        ("/api/v1/contacts/{}", Status::NotFound),
        ("/api/v1/contacts/{}/export", Status::NotFound),
    ] {
        let get = |id: &str| {
            let response = app
                .client
                .get(path.replace("{}", id))
                .header(bearer(&token))
                .dispatch();
            (response.status(), crate::json(response))
        };
        let (status, body) = get("not-an-id");
        assert_eq!(status, expected, "{path}");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
        assert_eq!((status, body), get(&unknown), "{path}");
    }
    let patch = |id: &str| {
        let response = app
            .client
            .patch(format!("/api/v1/users/{id}"))
            .header(bearer(&token))
            .header(ContentType::JSON)
            .body("{}")
            .dispatch();
        (response.status(), crate::json(response))
    };
    assert_eq!(patch("x"), patch(&unknown));
    assert_eq!(patch("x").0, Status::NotFound);

    app.add_user("a@example.com", Role::Admin);
    assert_eq!(app.sign_in("a@example.com", PASSWORD), Status::SeeOther);
    for id in ["x", unknown.as_str()] {
        let page = app.client.get(format!("/surveys/{id}")).dispatch();
        assert_eq!(page.status(), Status::NotFound);
        assert!(page.into_string().unwrap().contains("Page not found"));
    }
}
