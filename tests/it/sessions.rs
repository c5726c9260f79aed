//! Session cookies (check 16) and their lifecycle (check 17): a stolen copy of the cookie stops
//! working after sign-out, deactivation, a password change or idle time.

use hearken::auth::Role;
use hearken::auth::session::session_cookie_name;
use rocket::http::{ContentType, Cookie, Status};

use crate::{PASSWORD, TestApp, bearer, form};

fn session_value(app: &TestApp) -> String {
    let name = session_cookie_name(app.settings());
    app.client
        .cookies()
        .get_private(name)
        .expect("a session cookie")
        .value()
        .to_string()
}

/// Requests the home page with only the given session token (an attacker's replay).
fn replay(app: &TestApp, token: &str) -> Status {
    let name = session_cookie_name(app.settings());
    app.client
        .get("/")
        .private_cookie(Cookie::new(name, token.to_string()))
        .dispatch()
        .status()
}

fn set_cookie_headers(app: &TestApp, email: &str) -> Vec<String> {
    let csrf = app.csrf();
    let response = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("email", email),
            ("password", PASSWORD),
        ]))
        .dispatch();
    assert_eq!(response.status(), Status::SeeOther);
    response
        .headers()
        .get("Set-Cookie")
        .map(str::to_string)
        .collect()
}

#[test]
fn session_cookie_is_httponly_lax_and_not_secure_on_plain_http() {
    let app = TestApp::new();
    app.add_user("a@example.com", Role::Analyst);
    let cookies = set_cookie_headers(&app, "a@example.com");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("hearken_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    assert!(!session.contains("Secure"), "{session}");
}

#[test]
fn behind_https_the_cookie_is_host_prefixed_and_secure() {
    let app = TestApp::with(|f| f.merge(("base_url", "https://surveys.example.com")));
    app.add_user("a@example.com", Role::Analyst);
    let cookies = set_cookie_headers(&app, "a@example.com");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-hearken_session="))
        .expect("a __Host- session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(
            session.contains(attribute),
            "{attribute} missing: {session}"
        );
    }
    assert!(!session.contains("Domain"), "{session}");
    let response = app.client.get("/login").dispatch();
    let hsts = response
        .headers()
        .get_one("Strict-Transport-Security")
        .unwrap();
    assert!(hsts.contains("max-age=31536000") && hsts.contains("includeSubDomains"));
}

#[test]
fn each_sign_in_gets_a_new_session_token_and_ends_the_old_one() {
    let app = TestApp::new();
    app.add_user("a@example.com", Role::Analyst);
    assert_eq!(app.sign_in("a@example.com", PASSWORD), Status::SeeOther);
    let first = session_value(&app);
    assert_eq!(app.sign_in("a@example.com", PASSWORD), Status::SeeOther);
    let second = session_value(&app);
    assert_ne!(first, second);
    assert_eq!(app.count("sessions"), 1);
    assert_eq!(replay(&app, &first), Status::Unauthorized);
    assert_eq!(replay(&app, &second), Status::Ok);
}

#[test]
fn a_copied_cookie_dies_with_sign_out() {
    let app = TestApp::new();
    app.add_user("a@example.com", Role::Analyst);
    app.sign_in("a@example.com", PASSWORD);
    let stolen = session_value(&app);
    assert_eq!(replay(&app, &stolen), Status::Ok);

    let csrf = crate::hidden_value(
        &app.client.get("/").dispatch().into_string().unwrap(),
        "csrf",
    )
    .unwrap();
    let out = app
        .client
        .post("/logout")
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf)]))
        .dispatch();
    assert_eq!(out.status(), Status::SeeOther);
    assert_eq!(
        app.client.get("/").dispatch().status(),
        Status::Unauthorized
    );
    assert_eq!(replay(&app, &stolen), Status::Unauthorized);
    assert_eq!(app.count("sessions"), 0);
}

#[test]
fn a_copied_cookie_dies_when_the_user_is_deactivated() {
    let app = TestApp::new();
    let (_, admin_token) = app.user_with_token(Role::Admin);
    let user = app.add_user("a@example.com", Role::Designer);
    app.sign_in("a@example.com", PASSWORD);
    let stolen = session_value(&app);
    let patch = app
        .client
        .patch(format!("/api/v1/users/{}", user.id))
        .header(bearer(&admin_token))
        .header(ContentType::JSON)
        .body(r#"{"active": false}"#)
        .dispatch();
    assert_eq!(patch.status(), Status::Ok);
    assert_eq!(replay(&app, &stolen), Status::Unauthorized);
    assert_eq!(
        app.sign_in("a@example.com", PASSWORD),
        Status::Unauthorized,
        "deactivated users cannot sign in"
    );
}

#[test]
fn a_copied_cookie_dies_when_the_password_changes_elsewhere() {
    let app = TestApp::new();
    app.add_user("a@example.com", Role::Designer);
    app.sign_in("a@example.com", PASSWORD);
    let stolen = session_value(&app);

    // The owner changes the password in another browser.
    let other = TestApp::with_client_of(&app);
    assert_eq!(other.sign_in("a@example.com", PASSWORD), Status::SeeOther);
    let csrf = other.csrf();
    let changed = other
        .client
        .post("/account/password")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "a brand new passphrase"),
            ("new_password_confirm", "a brand new passphrase"),
        ]))
        .dispatch();
    assert_eq!(changed.status(), Status::SeeOther);
    assert_eq!(
        other.client.get("/").dispatch().status(),
        Status::Ok,
        "the changing browser stays signed in"
    );

    assert_eq!(replay(&app, &stolen), Status::Unauthorized);
    assert_eq!(app.sign_in("a@example.com", PASSWORD), Status::Unauthorized);
    assert_eq!(
        app.sign_in("a@example.com", "a brand new passphrase"),
        Status::SeeOther
    );
}

#[test]
fn an_idle_session_expires() {
    let app = TestApp::new();
    app.add_user("a@example.com", Role::Analyst);
    app.sign_in("a@example.com", PASSWORD);
    let stolen = session_value(&app);
    app.execute(&format!(
        "UPDATE sessions SET last_seen_at = {}",
        app.minutes_ago(7 * 60)
    ));
    assert_eq!(
        replay(&app, &stolen),
        Status::Ok,
        "within the 8-hour idle limit"
    );
    app.execute(&format!(
        "UPDATE sessions SET last_seen_at = {}",
        app.minutes_ago(9 * 60)
    ));
    assert_eq!(replay(&app, &stolen), Status::Unauthorized);
    assert_eq!(app.count("sessions"), 0, "the expired session is removed");
}
