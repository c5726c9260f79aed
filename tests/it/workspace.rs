//! The staff workspace: every page about a survey starts with its tabs (Build · Preview ·
//! Distribute · Results) with the current one marked; question cards show only their kind's
//! fields; rating labels set on the page reach respondents; a question moves to any place in one
//! step; the reward lives on the Distribute tab; the survey list shows progress and the next
//! step; the home page shows what needs doing, per role.

use chrono::{TimeDelta, Utc};
use hearken::auth::Role;
use rocket::http::Status;
use scraper::Html;
use serde_json::json;

use crate::TestApp;
use crate::survey_pages::{browser, create, designer, page, post, select, text_of};
use crate::surveys::{get, post as api_post};

/// The tab labels of a page and the one marked current.
fn tabs_of(body: &str) -> (Vec<String>, Vec<String>) {
    let html = Html::parse_document(body);
    let labels = select(&html, "nav.tabs a")
        .into_iter()
        .map(text_of)
        .collect();
    let current = select(&html, "nav.tabs a[aria-current=page]")
        .into_iter()
        .map(text_of)
        .collect();
    (labels, current)
}

fn add_question(app: &TestApp, id: &str, fields: &[(&str, &str)]) {
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/questions"),
        fields,
    );
    assert_eq!(status, Status::SeeOther, "{body}");
}

#[test]
fn every_page_of_a_survey_starts_with_its_tabs() {
    let app = TestApp::new();
    designer(&app, "dee@example.com");
    let id = create(&app, "Tabs everywhere");
    add_question(
        &app,
        &id,
        &[("kind", "long_text"), ("prompt", "What should we improve?")],
    );
    let all = ["Build", "Preview", "Distribute", "Results"];
    for (path, current, sub) in [
        ("", "Build", None),
        ("/preview", "Preview", None),
        ("/invitations", "Distribute", Some("Invitations")),
        ("/reward", "Distribute", Some("Reward")),
        ("/results", "Results", Some("Results")),
        ("/responses", "Results", Some("Responses")),
    ] {
        let (status, body) = page(&app.client, &format!("/surveys/{id}{path}"));
        assert_eq!(status, Status::Ok, "{path}");
        let (labels, marked) = tabs_of(&body);
        assert_eq!(labels, all, "{path}");
        assert_eq!(marked, [current], "{path}");
        let html = Html::parse_document(&body);
        let sub_marked: Vec<String> = select(&html, "nav.subtabs a[aria-current=page]")
            .into_iter()
            .map(text_of)
            .collect();
        assert_eq!(sub_marked, sub.into_iter().collect::<Vec<_>>(), "{path}");
        assert!(
            body.contains("Tabs everywhere"),
            "{path}: the survey's title"
        );
    }
    // The preview leads back to the editor.
    let (_, preview) = page(&app.client, &format!("/surveys/{id}/preview"));
    assert!(preview.contains(&format!("href=\"/surveys/{id}\"")));

    // An analyst reads the questions and the results; there is nothing to distribute.
    let analyst = browser(&app, "ana@example.com", Role::Analyst);
    let body = analyst
        .client
        .get(format!("/surveys/{id}/results"))
        .dispatch()
        .into_string()
        .unwrap();
    let (labels, marked) = tabs_of(&body);
    assert_eq!(labels, ["Questions", "Preview", "Results"]);
    assert_eq!(marked, ["Results"]);
}

#[test]
fn a_question_card_shows_only_the_fields_of_its_kind() {
    let app = TestApp::new();
    designer(&app, "dee@example.com");
    let id = create(&app, "Kinds");
    add_question(&app, &id, &[("kind", "text"), ("prompt", "Your name?")]);
    add_question(
        &app,
        &id,
        &[("kind", "rating"), ("prompt", "How fast were we?")],
    );
    add_question(
        &app,
        &id,
        &[
            ("kind", "competitor"),
            ("prompt", "How do we compare?"),
            ("options", "Brightspoke\nVelomarkt"),
            ("attributes", "Price"),
        ],
    );
    let (_, body) = page(&app.client, &format!("/surveys/{id}"));
    let html = Html::parse_document(&body);
    let shown = |card: &str| -> Vec<&str> {
        let mut shown = Vec::new();
        for (class, name) in [
            (".for-options", "options"),
            (".for-choices", "choices label"),
            (".for-brands", "brands label"),
            (".for-attributes", "attributes"),
            (".for-scale", "scale"),
        ] {
            let hidden = select(&html, &format!("{card} {class}[hidden]")).len();
            let all = select(&html, &format!("{card} {class}")).len();
            assert_eq!(all, 1, "{card} {class}");
            if hidden == 0 {
                shown.push(name);
            }
        }
        shown
    };
    assert_eq!(shown("#question-1"), Vec::<&str>::new());
    assert_eq!(shown("#question-2"), ["scale"]);
    assert_eq!(
        shown("#question-3"),
        ["options", "brands label", "attributes", "scale"]
    );
    // The add form starts as an open question, with none of the lists.
    assert_eq!(shown(".add-question"), Vec::<&str>::new());
    // Cards are collapsed until opened.
    assert!(select(&html, "details.card-body[open]").is_empty());
}

#[test]
fn rating_labels_set_on_the_page_reach_the_respondent() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "dee@example.com");
    let id = create(&app, "Labels");
    add_question(
        &app,
        &id,
        &[
            ("kind", "rating"),
            ("prompt", "How friendly were we?"),
            ("scale_min", "1"),
            ("scale_max", "5"),
            ("scale_min_label", "Not at all"),
            ("scale_max_label", "Very friendly"),
        ],
    );
    let (_, survey) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    let scale = &survey["questions"][0]["scale"];
    assert_eq!(scale["min_label"], "Not at all", "{survey}");
    assert_eq!(scale["max_label"], "Very friendly");
    let (_, preview) = page(&app.client, &format!("/surveys/{id}/preview"));
    assert!(preview.contains("Not at all") && preview.contains("Very friendly"));
    let (_, build) = page(&app.client, &format!("/surveys/{id}"));
    assert!(build.contains("scale 1 (Not at all) to 5 (Very friendly)"));

    // Emptied on the page, a label is gone.
    let question = survey["questions"][0]["id"].as_str().unwrap();
    let (status, _, _) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/questions/edit"),
        &[
            ("question", question),
            ("kind", "rating"),
            ("prompt", "How friendly were we?"),
            ("scale_min", "1"),
            ("scale_max", "5"),
            ("scale_max_label", "Very friendly"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, survey) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    assert!(survey["questions"][0]["scale"].get("min_label").is_none());
}

#[test]
fn a_question_moves_to_any_place_in_one_step() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "dee@example.com");
    let id = create(&app, "Order");
    for prompt in ["One?", "Two?", "Three?", "Four?"] {
        add_question(&app, &id, &[("kind", "text"), ("prompt", prompt)]);
    }
    let prompts = || -> Vec<String> {
        let (_, survey) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
        survey["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["prompt"].as_str().unwrap().to_string())
            .collect()
    };
    let ids: Vec<String> = {
        let (_, survey) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
        survey["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mv = |question: &str, fields: &[(&str, &str)]| {
        let mut all = vec![("question", question)];
        all.extend_from_slice(fields);
        post(
            &app.client,
            &app.csrf(),
            &format!("/surveys/{id}/questions/move"),
            &all,
        )
    };
    let (status, location, _) = mv(&ids[3], &[("direction", "to"), ("to", "1")]);
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location, format!("/surveys/{id}"));
    assert_eq!(prompts(), ["Four?", "One?", "Two?", "Three?"]);
    let (status, _, _) = mv(&ids[3], &[("direction", "down")]);
    assert_eq!(status, Status::SeeOther);
    assert_eq!(prompts(), ["One?", "Four?", "Two?", "Three?"]);
    let (status, _, body) = mv(&ids[0], &[("direction", "to"), ("to", "9")]);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("place from 1 to 4"), "{body}");
    assert_eq!(prompts(), ["One?", "Four?", "Two?", "Three?"]);
}

#[test]
fn the_reward_is_set_on_the_distribute_tab() {
    let app = TestApp::new();
    designer(&app, "dee@example.com");
    let id = create(&app, "Reward");
    let (_, build) = page(&app.client, &format!("/surveys/{id}"));
    assert!(
        !build.contains("value=\"lottery\""),
        "no reward form on Build"
    );
    let (status, reward) = page(&app.client, &format!("/surveys/{id}/reward"));
    assert_eq!(status, Status::Ok);
    assert!(reward.contains("value=\"lottery\""));
    let (status, location, _) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/reward"),
        &[("kind", "generate"), ("value", "10 % off")],
    );
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location, format!("/surveys/{id}/reward"));
    // With a reward, the tab links its codes and draw page.
    let (_, reward) = page(&app.client, &format!("/surveys/{id}/reward"));
    let (_, sub) = {
        let html = Html::parse_document(&reward);
        let links: Vec<String> = select(&html, "nav.subtabs a")
            .into_iter()
            .map(text_of)
            .collect();
        ((), links)
    };
    assert_eq!(sub, ["Invitations", "Reward", "Coupons and prize draw"]);
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/reward"),
        &[("kind", "generate"), ("value", "")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        body.contains("nav class=\"tabs\""),
        "refused on its own page"
    );
}

/// The next-step link of the survey list's row for `title`.
fn next_step(app: &TestApp, title: &str) -> String {
    let (_, body) = page(&app.client, "/surveys");
    let html = Html::parse_document(&body);
    let row = select(&html, ".survey-table tbody tr")
        .into_iter()
        .find(|row| text_of(*row).contains(title))
        .unwrap_or_else(|| panic!("no row for {title}: {body}"));
    text_of(row)
}

#[test]
fn the_survey_list_shows_progress_and_the_next_step() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "dee@example.com");
    let id = create(&app, "Empty draft");
    assert!(next_step(&app, "Empty draft").contains("Add the first question"));
    add_question(
        &app,
        &id,
        &[("kind", "long_text"), ("prompt", "What should we improve?")],
    );
    assert!(next_step(&app, "Empty draft").contains("Preview, then publish"));
    let (status, _) = api_post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok);
    let row = next_step(&app, "Empty draft");
    assert!(row.contains("Invite people"), "{row}");
    assert!(row.contains("nobody invited"), "{row}");
    let question = get(&app, &token, &format!("/api/v1/surveys/{id}")).1["questions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = api_post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/responses"),
        &json!({"answers": {question: "Faster replies"}}),
    );
    assert_eq!(status, Status::Created);
    for _ in 0..2 {
        app.invite(&id, None);
    }
    app.execute(&format!(
        "UPDATE invitations SET completed_at = created_at WHERE id IN \
         (SELECT id FROM invitations WHERE survey_id = '{id}' ORDER BY id LIMIT 1)"
    ));
    let row = next_step(&app, "Empty draft");
    assert!(row.contains("Read the results"), "{row}");
    assert!(row.contains("1 today"), "{row}");
    assert!(
        row.contains("50%") && row.contains("1 of 2 invited"),
        "{row}"
    );
    assert!(row.contains("1 question "), "singular: {row}");
}

#[test]
fn the_home_page_shows_what_needs_doing() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "dee@example.com");
    let (_, home) = page(&app.client, "/");
    assert!(home.contains("First steps"));
    assert!(home.contains("Create your first survey") && home.contains("Import contacts"));
    assert!(home.contains("No survey is open for answers"));

    let id = create(&app, "Shop visit");
    add_question(
        &app,
        &id,
        &[("kind", "long_text"), ("prompt", "What should we improve?")],
    );
    api_post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    let question = get(&app, &token, &format!("/api/v1/surveys/{id}")).1["questions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, response) = api_post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/responses"),
        &json!({"answers": {question.clone(): "The queue at the till"}}),
    );
    assert_eq!(status, Status::Created);
    app.invite(&id, None);
    app.execute(&format!(
        "UPDATE invitations SET status = 'failed' WHERE survey_id = '{id}'"
    ));
    let due = (Utc::now() - TimeDelta::hours(2)).to_rfc3339();
    let (status, complaint) = api_post(
        &app,
        &token,
        "/api/v1/complaints",
        &json!({"customer": {"name": "Pat Jansen"}, "received_by": "Sam", "category": "Waiting",
                "nature": "Waited twenty minutes", "follow_up_at": due, "tags": ["Queues"]}),
    );
    assert_eq!(status, Status::Created, "{complaint}");
    let (status, _) = api_post(
        &app,
        &token,
        "/api/v1/tags/Queues/links",
        &json!({"answer": {"response_id": response["id"], "question_id": question}}),
    );
    assert_eq!(status, Status::Created);

    let (_, home) = page(&app.client, "/");
    let html = Html::parse_document(&home);
    let open = text_of(select(&html, "section[aria-labelledby=open-heading]")[0]);
    assert!(open.contains("Shop visit"), "{open}");
    let today: Vec<String> = select(&html, "td[data-label=Today]")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(today, ["1"]);
    assert!(
        open.contains("0%") && open.contains("0 of 1 invited"),
        "{open}"
    );
    let attention = text_of(select(&html, "section[aria-labelledby=attention-heading]")[0]);
    assert!(attention.contains("1 invitation failed"), "{attention}");
    assert!(attention.contains("1 follow-up is due"), "{attention}");
    assert!(attention.contains("Pat Jansen"), "{attention}");
    let problems = text_of(select(&html, "ol.problems-top")[0]);
    assert!(problems.contains("Queues"), "{problems}");
    assert!(problems.contains("2 mentions"), "{problems}");
    let done: Vec<String> = select(&html, ".steps li.done")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(
        done[0].contains("Create your first survey"),
        "a survey exists"
    );

    // An analyst sees the same survey and problems, and no invitations to mend.
    let analyst = browser(&app, "ana@example.com", Role::Analyst);
    let home = analyst.client.get("/").dispatch().into_string().unwrap();
    assert!(home.contains("Shop visit") && home.contains("Queues"));
    assert!(!home.contains("invitation failed"));
    assert!(!home.contains("First steps"));
}
