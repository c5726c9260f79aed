//! Themes: tags created, renamed, merged and deleted; linked to survey answers and complaints
//! (twice counts once), given with a complaint and changed with it (in its history); and the top
//! problems across sources, with whose voice each is and examples, in the contract's order.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::surveys::{get, patch, post};
use crate::{TestApp, bearer};

fn delete(app: &TestApp, token: &str, path: &str, body: Option<&Value>) -> Status {
    let mut request = app.client.delete(path.to_string()).header(bearer(token));
    if let Some(body) = body {
        request = request.header(ContentType::JSON).body(body.to_string());
    }
    request.dispatch().status()
}

/// An open survey with one long-text question, of `audience`; returns its id.
pub fn survey(app: &TestApp, token: &str, audience: &str) -> String {
    let (status, survey) = post(
        app,
        token,
        "/api/v1/surveys",
        &json!({
            "title": format!("Voice of {audience}"),
            "intro": "Your answers tell us what to fix first.",
            "audience": audience,
            "questions": [{"id": "improve", "kind": "long_text", "prompt": "What should we improve first?"}],
        }),
    );
    assert_eq!(status, Status::Created, "{survey}");
    let id = survey["id"].as_str().unwrap().to_string();
    let (status, body) = post(
        app,
        token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    id
}

pub fn answer(app: &TestApp, token: &str, survey: &str, text: &str) -> String {
    let (status, created) = post(
        app,
        token,
        &format!("/api/v1/surveys/{survey}/responses"),
        &json!({"answers": {"improve": text}}),
    );
    assert_eq!(status, Status::Created, "{created}");
    created["id"].as_str().unwrap().to_string()
}

pub fn tag_answer(app: &TestApp, token: &str, tag: &str, response: &str) -> Status {
    post(
        app,
        token,
        &format!("/api/v1/tags/{}/links", tag.replace(' ', "%20")),
        &json!({"answer": {"response_id": response, "question_id": "improve"}}),
    )
    .0
}

fn complaint(app: &TestApp, token: &str, nature: &str, tags: &[&str]) -> String {
    let (status, created) = post(
        app,
        token,
        "/api/v1/complaints",
        &json!({"customer": {"name": "Pat"}, "received_by": "Sam", "category": "Delivery",
                "nature": nature, "tags": tags}),
    );
    assert_eq!(status, Status::Created, "{created}");
    created["id"].as_str().unwrap().to_string()
}

fn uses(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let (status, list) = get(app, token, "/api/v1/tags");
    assert_eq!(status, Status::Ok, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["uses"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn tags_are_created_renamed_merged_and_deleted() {
    let app = TestApp::new();
    let (_, designer) = app.user_with_token(Role::Designer);
    let (_, analyst) = app.user_with_token(Role::Analyst);
    let survey = survey(&app, &designer, "customers");
    let first = answer(&app, &designer, &survey, "The parcel came late");
    let second = answer(&app, &designer, &survey, "Delivery took a week");

    let (status, tag) = post(
        &app,
        &analyst,
        "/api/v1/tags",
        &json!({"name": "Late delivery", "description": "Parcels after the promised day"}),
    );
    assert_eq!(status, Status::Created, "{tag}");
    assert_eq!(tag["uses"], 0);
    let (status, error) = post(
        &app,
        &analyst,
        "/api/v1/tags",
        &json!({"name": " late DELIVERY "}),
    );
    assert_eq!(
        status,
        Status::Conflict,
        "names are unique whatever their case: {error}"
    );
    let (status, error) = post(&app, &analyst, "/api/v1/tags", &json!({"name": ""}));
    assert_eq!(
        (status, error["error"]["field"].clone()),
        (Status::UnprocessableEntity, json!("name"))
    );
    post(
        &app,
        &analyst,
        "/api/v1/tags",
        &json!({"name": "Slow shipping"}),
    );

    assert_eq!(
        tag_answer(&app, &analyst, "Late delivery", &first),
        Status::Created
    );
    assert_eq!(
        tag_answer(&app, &analyst, "late delivery", &first),
        Status::Created,
        "twice is no error"
    );
    assert_eq!(
        tag_answer(&app, &analyst, "Slow shipping", &first),
        Status::Created
    );
    assert_eq!(
        tag_answer(&app, &analyst, "Slow shipping", &second),
        Status::Created
    );
    assert_eq!(
        tag_answer(&app, &analyst, "Nobody made me", &first),
        Status::NotFound
    );
    let (status, error) = post(
        &app,
        &analyst,
        "/api/v1/tags/Slow%20shipping/links",
        &json!({"answer": {"response_id": first, "question_id": "nosuchquestion"}}),
    );
    assert_eq!(status, Status::NotFound, "{error}");
    let (status, error) = post(
        &app,
        &analyst,
        "/api/v1/tags/Slow%20shipping/links",
        &json!({"answer": {"response_id": "nosuchresponse", "question_id": "improve"}}),
    );
    assert_eq!(status, Status::NotFound, "{error}");
    assert_eq!(
        uses(&app, &analyst),
        [("Late delivery".into(), 1), ("Slow shipping".into(), 2)]
    );

    // Rename, then merge: the answer tagged with both counts once.
    let (status, renamed) = patch(
        &app,
        &analyst,
        "/api/v1/tags/Slow%20shipping",
        &json!({"name": "Slow delivery"}),
    );
    assert_eq!(status, Status::Ok, "{renamed}");
    let (status, merged) = post(
        &app,
        &analyst,
        "/api/v1/tags/Slow%20delivery/merge",
        &json!({"into": "Late delivery"}),
    );
    assert_eq!(status, Status::Ok, "{merged}");
    assert_eq!(uses(&app, &analyst), [("Late delivery".into(), 2)]);

    let link = json!({"answer": {"response_id": second, "question_id": "improve"}});
    assert_eq!(
        delete(
            &app,
            &analyst,
            "/api/v1/tags/Late%20delivery/links",
            Some(&link)
        ),
        Status::NoContent
    );
    assert_eq!(uses(&app, &analyst), [("Late delivery".into(), 1)]);
    assert_eq!(
        delete(&app, &analyst, "/api/v1/tags/Late%20delivery", None),
        Status::NoContent
    );
    assert!(uses(&app, &analyst).is_empty());
    assert_eq!(app.count("tag_links"), 0);
}

#[test]
fn a_complaints_tags_are_kept_changed_and_in_its_history() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let id = complaint(
        &app,
        &token,
        "Box crushed",
        &["Packaging", "packaging", "Late delivery"],
    );
    let path = format!("/api/v1/complaints/{id}");
    assert_eq!(
        get(&app, &token, &path).1["tags"],
        json!(["Late delivery", "Packaging"])
    );
    let (status, changed) = patch(
        &app,
        &token,
        &path,
        &json!({"tags": ["Late delivery", "Rude staff"]}),
    );
    assert_eq!(status, Status::Ok, "{changed}");
    assert_eq!(changed["tags"], json!(["Late delivery", "Rude staff"]));
    let (_, read) = get(&app, &token, &path);
    let history = read["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[1]["changes"]["tags"]["to"],
        json!(["Late delivery", "Rude staff"])
    );
    // A change that leaves the tags out keeps them.
    let (_, kept) = patch(&app, &token, &path, &json!({"steps_taken": "Called"}));
    assert_eq!(kept["tags"], json!(["Late delivery", "Rude staff"]));
    let (status, error) = patch(&app, &token, &path, &json!({"tags": ["ok", "a\nb"]}));
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "tags[1]");
    let (_, list) = get(&app, &token, "/api/v1/complaints");
    assert_eq!(
        list["items"][0]["tags"],
        json!(["Late delivery", "Rude staff"])
    );
}

#[test]
fn the_top_problems_count_every_source_and_voice() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let customers = survey(&app, &token, "customers");
    let employees = survey(&app, &token, "employees");
    // Late delivery: two customer answers, one employee answer, one complaint = 4.
    post(
        &app,
        &token,
        "/api/v1/tags",
        &json!({"name": "Late delivery"}),
    );
    for (survey, text) in [
        (&customers, "The parcel came three days late"),
        (&customers, "Delivery is always late"),
        (&employees, "Couriers miss the afternoon pickup"),
    ] {
        let response = answer(&app, &token, survey, text);
        assert_eq!(
            tag_answer(&app, &token, "Late delivery", &response),
            Status::Created
        );
    }
    complaint(&app, &token, "Parcel a week late", &["Late delivery"]);
    // Rude staff: two complaints = 2; Prices: two answers = 2. One kind of source each, so the
    // name settles it.
    complaint(&app, &token, "The cashier shouted", &["Rude staff"]);
    complaint(&app, &token, "Nobody greeted me", &["Rude staff"]);
    post(&app, &token, "/api/v1/tags", &json!({"name": "Prices"}));
    for text in ["Too expensive", "Prices went up"] {
        let response = answer(&app, &token, &customers, text);
        tag_answer(&app, &token, "Prices", &response);
    }
    // Returns: one answer and one complaint = 2 from two kinds of source: ranks before the
    // other two with 2.
    post(&app, &token, "/api/v1/tags", &json!({"name": "Returns"}));
    let response = answer(&app, &token, &employees, "Returns pile up in the back");
    tag_answer(&app, &token, "Returns", &response);
    complaint(&app, &token, "Refund took a month", &["Returns"]);

    let (status, top) = get(&app, &token, "/api/v1/insights/problems");
    assert_eq!(status, Status::Ok, "{top}");
    let items = top["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|p| p["tag"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Late delivery", "Returns", "Prices"],
        "three by default"
    );
    let late = &items[0];
    assert_eq!(late["total"], 4);
    assert_eq!(
        late["sources"],
        json!({"answers": 3, "notes": 0, "complaints": 1})
    );
    assert_eq!(
        late["audiences"],
        json!({"customers": 3, "employees": 1, "suppliers": 0})
    );
    let examples = late["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3);
    assert!(
        examples.contains(&json!("Parcel a week late")),
        "{examples:?}"
    );
    assert_eq!(
        items[1]["audiences"],
        json!({"customers": 1, "employees": 1, "suppliers": 0})
    );

    let (_, all) = get(&app, &token, "/api/v1/insights/problems?limit=10");
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tag"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Late delivery", "Returns", "Prices", "Rude staff"]);

    let future = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    let (status, none) = get(
        &app,
        &token,
        &format!(
            "/api/v1/insights/problems?from={}",
            future.replace('+', "%2B")
        ),
    );
    assert_eq!(status, Status::Ok, "{none}");
    assert_eq!(none["items"], json!([]));
    for (query, field) in [("limit=0", "limit"), ("from=yesterday", "from")] {
        let (status, error) = get(&app, &token, &format!("/api/v1/insights/problems?{query}"));
        assert_eq!(status, Status::UnprocessableEntity, "{query}");
        assert_eq!(error["error"]["field"], field);
    }
}

fn location(response: &rocket::local::blocking::LocalResponse<'_>) -> String {
    response.headers().get_one("Location").unwrap().to_string()
}

#[test]
fn an_analyst_codes_answers_one_after_another_and_the_results_show_the_themes() {
    let app = TestApp::new();
    let (_, designer) = app.user_with_token(Role::Designer);
    let survey_id = survey(&app, &designer, "customers");
    for text in [
        "The parcel came late",
        "Box was crushed",
        "Late and crushed",
    ] {
        answer(&app, &designer, &survey_id, text);
    }
    let analyst = app.add_user("analyst@example.com", Role::Analyst);
    assert_eq!(
        app.sign_in(&analyst.email, crate::PASSWORD),
        Status::SeeOther
    );
    let first_path = format!("/surveys/{survey_id}/coding/improve");
    let page = app
        .client
        .get(first_path.clone())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("The parcel came late"), "{page}");
    assert!(
        page.contains("autofocus"),
        "the tags field takes the keyboard at once"
    );

    let code = |page: &str, tags: &str, add: &str| {
        let csrf = app.csrf();
        let response = crate::hidden_value(page, "response").unwrap();
        let cursor = crate::hidden_value(page, "cursor").unwrap();
        let saved = app
            .client
            .post(first_path.clone())
            .header(ContentType::Form)
            .body(crate::form(&[
                ("csrf", &csrf),
                ("response", &response),
                ("cursor", &cursor),
                ("tags", tags),
                ("add", add),
            ]))
            .dispatch();
        assert_eq!(saved.status(), Status::SeeOther);
        app.client
            .get(location(&saved))
            .dispatch()
            .into_string()
            .unwrap()
    };
    let second = code(&page, "Late delivery", "");
    assert!(second.contains("Box was crushed"), "{second}");
    assert!(
        second.contains("value=\"Late delivery\""),
        "used tags are suggested: {second}"
    );
    let third = code(&second, "", "Packaging");
    assert!(third.contains("Late and crushed"), "{third}");
    let done = code(&third, "Late delivery, packaging", "");
    assert!(done.contains("That was the last answer"), "{done}");
    assert_eq!(
        uses(&app, &designer),
        [("Late delivery".into(), 2), ("Packaging".into(), 2)],
        "a typed name in another case is the same tag"
    );

    let results = app
        .client
        .get(format!("/surveys/{survey_id}/results"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(results.contains("Code these answers"), "{results}");
    assert!(results.contains(">Late delivery</span>"), "{results}");

    // Only open questions are coded, and only answers of this survey.
    let other = survey(&app, &designer, "employees");
    let foreign = answer(&app, &designer, &other, "Not from here");
    let csrf = app.csrf();
    let refused = app
        .client
        .post(first_path.clone())
        .header(ContentType::Form)
        .body(crate::form(&[
            ("csrf", &csrf),
            ("response", &foreign),
            ("tags", "x"),
        ]))
        .dispatch();
    assert_eq!(refused.status(), Status::UnprocessableEntity);
    assert_eq!(
        app.client
            .get(format!("/surveys/{survey_id}/coding/nosuch"))
            .dispatch()
            .status(),
        Status::NotFound
    );
}

#[test]
fn who_may_tag_what() {
    let app = TestApp::new();
    let (_, owner) = app.user_with_token(Role::Designer);
    let (_, other) = app.user_with_token(Role::Designer);
    let (_, analyst) = app.user_with_token(Role::Analyst);
    let survey_id = survey(&app, &owner, "customers");
    let response = answer(&app, &owner, &survey_id, "Late again");
    let complaint_id = complaint(&app, &owner, "Late", &[]);
    post(&app, &owner, "/api/v1/tags", &json!({"name": "Late"}));
    // Another designer cannot see the survey: a 404, the same as an answer that is not there.
    let hidden = json!({"answer": {"response_id": response, "question_id": "improve"}});
    let (status, error) = post(&app, &other, "/api/v1/tags/Late/links", &hidden);
    assert_eq!(status, Status::NotFound, "{error}");
    let (status, missing) = post(
        &app,
        &other,
        "/api/v1/tags/Late/links",
        &json!({"answer": {"response_id": "nosuchresponse", "question_id": "improve"}}),
    );
    assert_eq!(status, Status::NotFound, "{missing}");
    assert_eq!(missing, error, "the two refusals tell nothing apart");
    // Analysts code answers, but complaints are changed by designers only.
    assert_eq!(
        tag_answer(&app, &analyst, "Late", &response),
        Status::Created
    );
    let (status, _) = post(
        &app,
        &analyst,
        "/api/v1/tags/Late/links",
        &json!({"complaint_id": complaint_id}),
    );
    assert_eq!(status, Status::Forbidden);
    // A complaint or note that does not exist is a 404, as a missing answer is.
    for body in [
        json!({"complaint_id": "nosuchcomplaint"}),
        json!({"note_id": "nosuchnote"}),
    ] {
        let (status, error) = post(&app, &owner, "/api/v1/tags/Late/links", &body);
        assert_eq!(status, Status::NotFound, "{body}: {error}");
    }
    // Nor can they take a tag off it.
    assert_eq!(
        delete(&app, &other, "/api/v1/tags/Late/links", Some(&hidden)),
        Status::NotFound
    );
    let (status, error) = post(&app, &owner, "/api/v1/tags", &json!({"name": "Late, slow"}));
    assert_eq!(status, Status::UnprocessableEntity, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("comma")
    );
    // The other designer counts the theme but reads no answer of a survey they cannot see.
    let (_, top) = get(&app, &other, "/api/v1/insights/problems");
    assert_eq!(top["items"][0]["total"], 1);
    assert_eq!(top["items"][0]["examples"], json!([]));
}
