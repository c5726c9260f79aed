//! CSRF on every state-changing HTML route (check 18): without the token, with another
//! browser's token, or from another site, the answer is 403 and nothing changes. And no GET
//! changes anything.

use hearken::auth::setup;
use rocket::http::{ContentType, Header, Status};

use crate::{PASSWORD, TestApp, bearer, fill_path, fingerprint, form, mounted_routes};

#[test]
fn every_state_changing_page_route_refuses_forged_forms() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let setup_token = {
        // A live setup token needs an empty user table; the route must refuse before it looks.
        let mut conn = app.db().conn().unwrap();
        setup::issue_link(&mut conn, app.settings()).unwrap();
        "any-token".to_string()
    };
    let csrf = app.csrf();
    let foreign = crate::TestApp::with_client_of(&app).csrf();
    assert_ne!(csrf, foreign);

    let targets: Vec<(String, String)> = mounted_routes(&app)
        .into_iter()
        // The one-click unsubscribe of RFC 8058 is exempt by design: mail clients POST it with
        // no cookie or token, and its HMAC-signed link is the authority (see unsubscribe.rs).
        .filter(|(method, path)| {
            method != "GET" && !path.starts_with("/api/") && path != "/unsubscribe/<token>"
        })
        .collect();
    assert!(
        targets.len() >= 6,
        "expected the page forms to be mounted: {targets:?}"
    );

    let values = [
        ("id", admin.id.as_str()),
        ("token", setup_token.as_str()),
        ("response", "unknown"),
        ("question", "improve"),
        ("participant", "nobody"),
    ];
    // Respondent forms get a real survey and invitation, so the refusal is the token's doing.
    let (_, survey_id) = crate::surveys::published(&app);
    let invitation = app.invite(&survey_id, None);
    let respondent_values = [
        ("id", survey_id.as_str()),
        ("token", invitation.as_str()),
        ("response", "unknown"),
        ("question", "improve"),
        ("participant", "nobody"),
    ];
    let fields = |token: Option<&str>| {
        let mut pairs = vec![
            ("name", "Forged"),
            ("email", "forged@example.com"),
            ("role", "admin"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("current_password", PASSWORD),
            ("new_password", "forged new password"),
            ("new_password_confirm", "forged new password"),
            ("active", "false"),
        ];
        if let Some(token) = token {
            pairs.insert(0, ("csrf", token));
        }
        form(&pairs)
    };
    let before = fingerprint(&app);
    for (method, template) in &targets {
        let respondent = template.starts_with("/s/") || template.starts_with("/r/");
        let path = fill_path(
            template,
            if respondent {
                &respondent_values
            } else {
                &values
            },
        );
        let method: rocket::http::Method = method.parse().unwrap();
        let cases: Vec<(&str, String, Vec<Header<'static>>)> = vec![
            ("no token", fields(None), vec![]),
            ("another browser's token", fields(Some(&foreign)), vec![]),
            (
                "evil origin",
                fields(Some(&csrf)),
                vec![Header::new("Origin", "https://evil.example")],
            ),
            (
                "cross-site fetch",
                fields(Some(&csrf)),
                vec![Header::new("Sec-Fetch-Site", "cross-site")],
            ),
            (
                "a null origin from a cross-site frame",
                fields(Some(&csrf)),
                vec![
                    Header::new("Origin", "null"),
                    Header::new("Sec-Fetch-Site", "cross-site"),
                ],
            ),
        ];
        for (case, body, headers) in cases {
            let mut request = app
                .client
                .req(method, path.clone())
                .header(ContentType::Form)
                .body(body);
            for header in headers {
                request = request.header(header);
            }
            let response = request.dispatch();
            assert_eq!(
                response.status(),
                Status::Forbidden,
                "{method} {path} with {case}"
            );
        }
        assert_eq!(
            fingerprint(&app),
            before,
            "{method} {path} changed the database"
        );
    }

    // The same form with the right token goes through, so the 403s above are the token's doing.
    let users = app.count("users");
    let accepted = app
        .client
        .post("/admin/users")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "Real User"),
            ("email", "real@example.com"),
            ("role", "analyst"),
            ("password", PASSWORD),
        ]))
        .dispatch();
    assert_eq!(accepted.status(), Status::SeeOther);
    assert_eq!(app.count("users"), users + 1);
}

#[test]
fn no_get_route_changes_anything() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    let setup_token = "not-a-live-token";
    let before = fingerprint(&app);
    let gets: Vec<String> = mounted_routes(&app)
        .into_iter()
        .filter(|(method, _)| method == "GET")
        .map(|(_, path)| {
            fill_path(
                &path,
                &[
                    ("id", admin.id.as_str()),
                    ("token", setup_token),
                    ("response", "unknown"),
                    ("question", "improve"),
                    ("participant", "nobody"),
                ],
            )
        })
        .collect();
    for path in &gets {
        let status = app
            .client
            .get(path.as_str())
            .header(bearer(&token))
            .dispatch()
            .status();
        assert!(status.code < 500, "GET {path} failed with {status}");
    }
    assert_eq!(fingerprint(&app), before, "a GET changed the database");
}

#[test]
fn forms_work_from_whatever_host_name_the_browser_used() {
    let app = TestApp::new();
    app.add_user("a@example.com", hearken::auth::Role::Analyst);
    let post = |origin: &str| {
        // Signing in rotates the token, so each attempt reads the current one.
        let csrf = app.csrf();
        app.client
            .post("/login")
            .header(ContentType::Form)
            .header(Header::new("Host", "localhost:8000"))
            .header(Header::new("Origin", origin.to_string()))
            .header(Header::new("Sec-Fetch-Site", "same-origin"))
            .body(form(&[
                ("csrf", &csrf),
                ("email", "a@example.com"),
                ("password", PASSWORD),
            ]))
            .dispatch()
            .status()
    };
    assert_eq!(post("https://evil.example"), Status::Forbidden);
    // What a real browser sends under `Referrer-Policy: no-referrer` from our own page.
    assert_eq!(
        post("null"),
        Status::SeeOther,
        "a real browser's same-origin post under no-referrer is accepted"
    );
    assert_eq!(post("http://localhost:8001"), Status::Forbidden);
    assert_eq!(post("http://LOCALHOST:8000"), Status::SeeOther);
}
