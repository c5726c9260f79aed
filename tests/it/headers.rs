//! Security headers on every response (check 33): CSP without inline script and with
//! frame-ancestors 'none', nosniff, no referrer, no caching of pages.

use rocket::http::{ContentType, Status};

use crate::{TestApp, bearer, fill_path, form, mounted_routes};

fn assert_secure(path: &str, response: &rocket::local::blocking::LocalResponse<'_>) {
    let headers = response.headers();
    let csp = headers
        .get_one("Content-Security-Policy")
        .unwrap_or_else(|| panic!("{path}: no CSP"));
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{path}: CSP lacks {directive}: {csp}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{path}: {csp}"
    );
    assert_eq!(
        headers.get_one("X-Content-Type-Options"),
        Some("nosniff"),
        "{path}"
    );
    assert_eq!(
        headers.get_one("Referrer-Policy"),
        Some("no-referrer"),
        "{path}"
    );
    assert_eq!(headers.get_one("X-Frame-Options"), Some("DENY"), "{path}");
    let cache = headers.get_one("Cache-Control").unwrap_or_default();
    if path.starts_with("/static/") {
        assert!(cache.starts_with("public"), "{path}: {cache}");
    } else {
        assert_eq!(cache, "no-store", "{path}");
    }
    if let Some(content_type) = headers.get_one("Content-Type")
        && content_type.starts_with("text/")
    {
        assert!(
            content_type.contains("charset=utf-8"),
            "{path}: {content_type}"
        );
    }
}

#[test]
fn every_get_route_and_error_page_carries_the_security_headers() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    let mut paths: Vec<String> = mounted_routes(&app)
        .into_iter()
        .filter(|(method, _)| method == "GET")
        .map(|(_, path)| {
            fill_path(
                &path,
                &[
                    ("id", admin.id.as_str()),
                    ("token", "unknown"),
                    ("response", "unknown"),
                    ("question", "improve"),
                    ("participant", "nobody"),
                ],
            )
        })
        .collect();
    paths.push("/no/such/page".into());
    paths.push("/api/v1/no/such/thing".into());
    for path in &paths {
        let response = app
            .client
            .get(path.as_str())
            .header(bearer(&token))
            .dispatch();
        assert_secure(path, &response);
    }

    let signed_out = crate::TestApp::with_client_of(&app);
    let response = signed_out.client.get("/").dispatch();
    assert_eq!(response.status(), Status::Unauthorized);
    assert_secure("/ (signed out)", &response);

    let csrf = app.csrf();
    let invalid = app
        .client
        .post("/admin/users")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("name", "x"),
            ("email", "not-an-email"),
            ("role", "analyst"),
            ("password", "long enough password"),
        ]))
        .dispatch();
    assert_eq!(invalid.status(), Status::UnprocessableEntity);
    assert_secure("/admin/users (422)", &invalid);
}
