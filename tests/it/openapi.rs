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

/// One request of `every_error_the_server_answers_with_is_documented`.
struct Probe<'a> {
    what: String,
    /// A query parameter given empty.
    empty: Option<&'a str>,
    body: Option<(rocket::http::ContentType, &'static str)>,
    token: bool,
}

impl Probe<'_> {
    fn new(what: &str, token: bool) -> Self {
        Probe {
            what: what.to_string(),
            empty: None,
            body: None,
            token,
        }
    }
}

/// Requests that draw the errors every operation can answer with (no token, an unknown id,
/// unreadable or mistyped bodies, empty query parameters): each status the server gives must
/// be one the document lists for that operation.
#[test]
fn every_error_the_server_answers_with_is_documented() {
    use rocket::http::{ContentType, Method};

    let app = TestApp::new();
    let (admin, _) = app.user_with_token(hearken::auth::Role::Admin);
    let doc: Value = crate::json(app.client.get("/api/v1/openapi.json").dispatch());
    let mut undocumented = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template
            .replace("{id}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{code}", "NO-SUCH-CODE")
            .replace("{name}", "no-such-tag")
            .replace("{participant}", "no-such-participant");
        for (method, operation) in item.as_object().unwrap() {
            let method: Method = method.parse().unwrap();
            let documented = operation["responses"].as_object().unwrap();
            let mut probes = vec![
                Probe::new("no token", false),
                Probe::new("an unknown id", true),
            ];
            let query = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str());
            for name in query {
                probes.push(Probe {
                    empty: Some(name),
                    ..Probe::new(&format!("empty {name}"), true)
                });
            }
            if operation.get("requestBody").is_some() {
                for (what, body) in [
                    ("malformed JSON", (ContentType::JSON, "{")),
                    ("an array body", (ContentType::JSON, "[1]")),
                    ("a text body", (ContentType::Plain, "x")),
                ] {
                    probes.push(Probe {
                        body: Some(body),
                        ..Probe::new(what, true)
                    });
                }
            }
            for probe in probes {
                let uri = match probe.empty {
                    Some(name) => format!("{path}?{name}="),
                    None => path.clone(),
                };
                let mut request = app.client.req(method, uri);
                if probe.token {
                    request.add_header(crate::bearer(&app.token(&admin)));
                }
                if let Some((content_type, text)) = probe.body {
                    request.add_header(content_type);
                    request.set_body(text);
                }
                let status = request.dispatch().status();
                if !documented.contains_key(&status.code.to_string()) {
                    undocumented.push(format!("{method} {template} with {}: {status}", probe.what));
                }
            }
        }
    }
    assert!(undocumented.is_empty(), "{undocumented:#?}");
}
