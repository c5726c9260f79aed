//! A survey's audience: customers unless chosen, employees or suppliers when a survey is
//! created (API and page) or changed, shown in the survey list and on the survey's page, and
//! anything else refused naming the field.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::json;

use crate::surveys::{get, patch, post};
use crate::{TestApp, form};

#[test]
fn the_api_keeps_the_audience_and_defaults_to_customers() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (status, plain) = post(&app, &token, "/api/v1/surveys", &json!({"title": "Plain"}));
    assert_eq!(status, Status::Created, "{plain}");
    assert_eq!(plain["audience"], "customers");
    let (status, staff) = post(
        &app,
        &token,
        "/api/v1/surveys",
        &json!({"title": "Staff voice", "audience": "employees"}),
    );
    assert_eq!(status, Status::Created, "{staff}");
    assert_eq!(staff["audience"], "employees");
    let id = staff["id"].as_str().unwrap();
    let path = format!("/api/v1/surveys/{id}");
    let (status, changed) = patch(&app, &token, &path, &json!({"audience": "suppliers"}));
    assert_eq!(status, Status::Ok, "{changed}");
    assert_eq!(get(&app, &token, &path).1["audience"], "suppliers");
    for bad in [json!("staff"), json!(3), json!(null)] {
        let (status, error) = patch(&app, &token, &path, &json!({"audience": bad}));
        if bad.is_null() {
            // Null is "not given", as for every optional field of a change.
            assert_eq!(status, Status::Ok, "{error}");
            continue;
        }
        assert_eq!(status, Status::UnprocessableEntity, "{bad}: {error}");
        assert_eq!(error["error"]["field"], "audience", "{error}");
    }
    assert_eq!(get(&app, &token, &path).1["audience"], "suppliers");
}

#[test]
fn the_pages_choose_and_show_the_audience() {
    let app = TestApp::new();
    app.signed_in_admin();
    let list = app.client.get("/surveys").dispatch().into_string().unwrap();
    assert!(
        list.contains("name=\"audience\""),
        "the new-survey form asks: {list}"
    );
    let csrf = app.csrf();
    let made = app
        .client
        .post("/surveys")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("title", "Supplier check"),
            ("language", "en"),
            ("audience", "suppliers"),
        ]))
        .dispatch();
    assert_eq!(made.status(), Status::SeeOther);
    let page = app
        .client
        .get(made.headers().get_one("Location").unwrap().to_string())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("· Suppliers"), "{page}");
    assert!(
        page.contains("<option value=\"suppliers\" selected>"),
        "{page}"
    );
    let list = app.client.get("/surveys").dispatch().into_string().unwrap();
    assert!(list.contains(" · Suppliers · created"), "{list}");

    let refused = app
        .client
        .post("/surveys")
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("title", "Odd"),
            ("language", "en"),
            ("audience", "robots"),
        ]))
        .dispatch();
    assert_eq!(refused.status(), Status::UnprocessableEntity);
    let html = refused.into_string().unwrap();
    assert!(html.contains("customers, employees or suppliers"), "{html}");
    assert!(html.contains("value=\"Odd\""), "the title typed is kept");
    assert_eq!(app.count("surveys"), 1);
}
