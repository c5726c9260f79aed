//! The OpenAPI document describes exactly the mounted `/api/v1` routes.

use rocket::http::Status;
use serde_json::Value;

use crate::{TestApp, mounted_routes};

#[test]
fn openapi_lists_every_mounted_api_route_and_nothing_else() {
    let app = TestApp::new();
    let response = app.client.get("/api/v1/openapi.json").dispatch();
    assert_eq!(response.status(), Status::Ok, "served without a token");
    let doc: Value = crate::json(response);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let mounted: Vec<(String, String)> = mounted_routes(&app)
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/"))
        .map(|(method, path)| {
            (
                method.to_lowercase(),
                path.replace('<', "{").replace('>', "}"),
            )
        })
        .collect();
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut mounted_sorted = mounted.clone();
    mounted_sorted.sort();
    for route in &mounted_sorted {
        assert!(
            documented.contains(route),
            "{route:?} is mounted but not in openapi.json"
        );
    }
    for route in &documented {
        assert!(
            mounted_sorted.contains(route),
            "{route:?} is in openapi.json but not mounted"
        );
    }
}

#[test]
fn every_path_template_names_its_path_parameters() {
    let app = TestApp::new();
    let doc: Value = crate::json(app.client.get("/api/v1/openapi.json").dispatch());
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let mut given: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            given.sort();
            let mut wanted = names.clone();
            wanted.sort();
            if given != wanted {
                missing.push(format!("{method} {path}: {given:?} for {wanted:?}"));
            }
        }
    }
    assert!(missing.is_empty(), "path parameters: {missing:#?}");
}
