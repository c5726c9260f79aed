//! The role matrix on every route: 401 without credentials, 403 for a role that is not allowed,
//! through for one that is. API routes take their allowed roles from the OpenAPI document;
//! page routes from the table below. A route missing from either fails the test.

use hearken::auth::Role;
use rocket::http::{ContentType, Method, Status};
use serde_json::Value;

use crate::{PASSWORD, TestApp, bearer, fill_path, form, mounted_routes};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Public,
    Staff,
    /// Designers and admins; analysts get 403.
    Designer,
    Admin,
}

const PAGES: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::Staff),
    ("GET", "/health", Access::Public),
    ("GET", "/metrics", Access::Admin),
    ("GET", "/static/app.css", Access::Public),
    ("GET", "/static/icon.svg", Access::Public),
    ("GET", "/login", Access::Public),
    ("POST", "/login", Access::Public),
    ("POST", "/logout", Access::Staff),
    ("GET", "/setup/<token>", Access::Public),
    ("POST", "/setup/<token>", Access::Public),
    ("GET", "/account", Access::Staff),
    ("POST", "/account/password", Access::Staff),
    ("POST", "/account/language", Access::Staff),
    ("GET", "/admin/users", Access::Admin),
    ("POST", "/admin/users", Access::Admin),
    ("POST", "/admin/users/<id>/active", Access::Admin),
    ("GET", "/s/<id>", Access::Public),
    ("POST", "/s/<id>", Access::Public),
    ("GET", "/s/<id>/thanks/<response>", Access::Public),
    ("GET", "/r/i/<id>/thanks/<response>", Access::Public),
    ("GET", "/draws/<id>", Access::Public),
    ("GET", "/coupons/claim/<token>", Access::Public),
    ("GET", "/r/<token>", Access::Public),
    ("POST", "/r/<token>", Access::Public),
    ("GET", "/r/i/<id>", Access::Public),
    ("POST", "/r/i/<id>", Access::Public),
    ("GET", "/unsubscribe/<token>", Access::Public),
    ("POST", "/unsubscribe/<token>", Access::Public),
    ("GET", "/surveys", Access::Staff),
    ("POST", "/surveys", Access::Designer),
    ("POST", "/surveys/from-template", Access::Designer),
    ("GET", "/surveys/<id>", Access::Staff),
    ("POST", "/surveys/<id>/details", Access::Designer),
    ("POST", "/surveys/<id>/reward", Access::Designer),
    ("POST", "/surveys/<id>/questions", Access::Designer),
    ("POST", "/surveys/<id>/questions/edit", Access::Designer),
    ("POST", "/surveys/<id>/questions/move", Access::Designer),
    ("POST", "/surveys/<id>/questions/delete", Access::Designer),
    ("POST", "/surveys/<id>/publish", Access::Designer),
    ("POST", "/surveys/<id>/close", Access::Designer),
    ("POST", "/surveys/<id>/delete", Access::Designer),
    ("GET", "/surveys/<id>/preview", Access::Staff),
    ("POST", "/surveys/<id>/preview", Access::Staff),
    ("GET", "/surveys/<id>/responses", Access::Staff),
    ("GET", "/surveys/<id>/results", Access::Staff),
    ("GET", "/surveys/<id>/export.csv", Access::Staff),
    ("GET", "/surveys/<id>/export.xlsx", Access::Staff),
    ("GET", "/surveys/<id>/export.json", Access::Staff),
    ("GET", "/contacts", Access::Designer),
    ("GET", "/surveys/<id>/coding/<question>", Access::Staff),
    ("POST", "/surveys/<id>/coding/<question>", Access::Staff),
    ("POST", "/r/i/<id>/volunteer", Access::Public),
    ("GET", "/focus-groups", Access::Designer),
    ("POST", "/focus-groups", Access::Designer),
    ("GET", "/focus-groups/<id>", Access::Designer),
    ("POST", "/focus-groups/<id>/participants", Access::Designer),
    ("POST", "/focus-groups/<id>/notes", Access::Designer),
    ("GET", "/focus-groups/<id>/notes.md", Access::Designer),
    ("GET", "/focus-groups/<id>/notes.csv", Access::Designer),
    ("GET", "/complaints", Access::Staff),
    ("GET", "/complaints/goals", Access::Staff),
    ("GET", "/complaints/new", Access::Designer),
    ("POST", "/complaints", Access::Designer),
    ("GET", "/complaints/<id>", Access::Staff),
    ("GET", "/problems", Access::Staff),
    ("POST", "/complaints/<id>", Access::Designer),
    ("POST", "/contacts/import", Access::Designer),
    ("GET", "/surveys/<id>/invitations", Access::Designer),
    ("POST", "/surveys/<id>/invitations", Access::Designer),
    ("POST", "/surveys/<id>/reminders", Access::Designer),
    ("GET", "/surveys/<id>/incentive", Access::Designer),
    ("GET", "/surveys/<id>/reward", Access::Designer),
    ("POST", "/surveys/<id>/incentive/codes", Access::Designer),
    ("POST", "/surveys/<id>/incentive/redeem", Access::Designer),
    ("POST", "/surveys/<id>/incentive/draw", Access::Designer),
    (
        "POST",
        "/surveys/<id>/invitations/reminder-limit",
        Access::Designer,
    ),
];

fn openapi_path(template: &str) -> String {
    template.replace('<', "{").replace('>', "}")
}

#[test]
fn every_api_route_enforces_its_declared_roles() {
    let app = TestApp::new();
    let doc: Value = serde_json::from_str(&hearken::openapi::to_json().unwrap()).unwrap();
    let target = app.add_user("target@example.com", Role::Analyst);
    let routes: Vec<(String, String)> = mounted_routes(&app)
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/"))
        .collect();
    assert!(routes.len() >= 6);
    for (method, template) in routes {
        let operation = &doc["paths"][openapi_path(&template)][method.to_lowercase()];
        let roles: Vec<String> = serde_json::from_value(operation["x-hearken-roles"].clone())
            .unwrap_or_else(|_| panic!("{method} {template} declares no x-hearken-roles"));
        let public = roles.iter().any(|r| r == "public");
        let path = fill_path(
            &template,
            &[
                ("id", target.id.as_str()),
                ("code", "NO-SUCH-CODE"),
                ("name", "no-such-tag"),
                ("participant", "no-such-participant"),
            ],
        );
        let method: Method = method.parse().unwrap();
        let call = |token: Option<String>| {
            let mut request = app
                .client
                .req(method, path.clone())
                .header(ContentType::JSON)
                .body("{}");
            if let Some(token) = token {
                request = request.header(bearer(&token));
            }
            request.dispatch().status()
        };
        let anonymous = call(None);
        if public {
            assert!(
                anonymous != Status::Unauthorized && anonymous != Status::Forbidden,
                "{method} {path}: {anonymous}"
            );
            continue;
        }
        assert_eq!(
            anonymous,
            Status::Unauthorized,
            "{method} {path} without a token"
        );
        for role in Role::ALL {
            let (_, token) = app.user_with_token(role);
            let status = call(Some(token));
            let allowed = role == Role::Admin || roles.iter().any(|r| r == role.as_str());
            if allowed {
                assert!(
                    status != Status::Unauthorized && status != Status::Forbidden,
                    "{method} {path} as {role:?}: {status}"
                );
            } else {
                assert_eq!(status, Status::Forbidden, "{method} {path} as {role:?}");
            }
        }
    }
}

#[test]
fn every_page_route_enforces_its_access() {
    let app = TestApp::new();
    let mounted: Vec<(String, String)> = mounted_routes(&app)
        .into_iter()
        .filter(|(_, path)| !path.starts_with("/api/"))
        .collect();
    let listed: Vec<(String, String)> = {
        let mut v: Vec<_> = PAGES
            .iter()
            .map(|(m, p, _)| (m.to_string(), p.to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        mounted, listed,
        "every page route needs an entry in PAGES, and every entry a route"
    );

    let admin = app.add_user("admin@example.com", Role::Admin);
    app.add_user("designer@example.com", Role::Designer);
    app.add_user("analyst@example.com", Role::Analyst);
    let values = [
        ("id", admin.id.as_str()),
        ("token", "no-such-token"),
        ("response", "unknown"),
        ("question", "improve"),
    ];

    for (method, template, access) in PAGES.iter().filter(|(_, _, a)| *a != Access::Public) {
        let path = fill_path(template, &values);
        let method: Method = method.parse().unwrap();
        let anonymous = crate::TestApp::with_client_of(&app);
        let csrf = anonymous.csrf();
        let status = anonymous
            .client
            .req(method, path.clone())
            .header(ContentType::Form)
            .body(form(&[("csrf", &csrf)]))
            .dispatch()
            .status();
        assert_eq!(status, Status::Unauthorized, "{method} {path} signed out");

        for (email, role) in [
            ("designer@example.com", Role::Designer),
            ("analyst@example.com", Role::Analyst),
        ] {
            let browser = crate::TestApp::with_client_of(&app);
            assert_eq!(browser.sign_in(email, PASSWORD), Status::SeeOther);
            let csrf = browser.csrf();
            let status = browser
                .client
                .req(method, path.clone())
                .header(ContentType::Form)
                .body(form(&[("csrf", &csrf)]))
                .dispatch()
                .status();
            let refused = match access {
                Access::Admin => true,
                Access::Designer => role == Role::Analyst,
                _ => false,
            };
            if refused {
                assert_eq!(status, Status::Forbidden, "{method} {path} as {role:?}");
            } else {
                assert!(
                    status != Status::Forbidden && status != Status::Unauthorized,
                    "{method} {path} as {role:?}: {status}"
                );
            }
        }
    }
    for (method, template, _) in PAGES.iter().filter(|(m, _, _)| *m == "GET") {
        let path = fill_path(template, &values);
        let browser = crate::TestApp::with_client_of(&app);
        assert_eq!(
            browser.sign_in("admin@example.com", PASSWORD),
            Status::SeeOther
        );
        let status = browser.client.get(path.clone()).dispatch().status();
        let expected = match *template {
            // `<id>` is a user's id here, so no survey or complaint has it.
            t if t.contains("<token>")
                || t.starts_with("/s/")
                || t.starts_with("/r/")
                || t.starts_with("/draws/")
                || t.starts_with("/surveys/")
                || t == "/complaints/<id>"
                || t.starts_with("/focus-groups/") =>
            {
                Status::NotFound
            }
            "/login" => Status::SeeOther,
            _ => Status::Ok,
        };
        assert_eq!(status, expected, "{method} {path} as admin");
    }
}
