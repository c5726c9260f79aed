//! Making long surveys in pages: a page break and its title through the API (a title without a
//! break is refused naming the field) and the editor, the preview paging as respondents will,
//! and the self-assessment template paged by its sections and passing its own lint.

use hearken::auth::Role;
use rocket::http::Status;
use scraper::{Html, Selector};
use serde_json::json;

use crate::long_surveys::{count, turn};
use crate::respond::{open_form, send};
use crate::surveys::{get, post};
use crate::{PASSWORD, TestApp};

#[test]
fn page_titles_need_a_page_break() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let body = json!({"title": "T", "intro": "Why", "language": "en", "questions": [
        {"kind": "text", "prompt": "What else?", "page_title": "Orphan"}
    ]});
    let (status, error) = post(&app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(error["error"]["field"], "questions[0].page_title");
}

#[test]
fn the_self_assessment_pages_by_section_and_passes_its_lint() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let (_, survey) = post(
        &app,
        &token,
        "/api/v1/surveys?template=self-assessment",
        &json!({}),
    );
    let id = survey["id"].as_str().unwrap();
    let (_, lint) = get(&app, &token, &format!("/api/v1/surveys/{id}/lint"));
    let codes: Vec<&str> = lint["hints"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["code"].as_str())
        .collect();
    assert_eq!(codes, ["estimated_time"], "{lint}");
    post(
        &app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );

    let path = format!("/s/{id}");
    let (mut html, _, _) = open_form(&app.client, &path);
    let headings = [
        "Customer focus",
        "Products and sales material",
        "Responding to feedback",
        "Knowing our customers",
        "Being easy to reach",
        "Our staff",
        "Continuous improvement",
        "Where to start",
    ];
    for (n, heading) in headings.iter().enumerate() {
        assert!(html.contains(&format!("Page {} of 8", n + 1)), "{html}");
        let shown: Vec<String> = Html::parse_document(&html)
            .select(&Selector::parse("h2.page-title").unwrap())
            .map(|e| e.text().collect())
            .collect();
        assert_eq!(shown, [heading.to_string()]);
        let names: Vec<String> = Html::parse_document(&html)
            .select(&Selector::parse("input[type=radio]").unwrap())
            .filter_map(|e| e.value().attr("name").map(str::to_string))
            .collect();
        let mut fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "4")).collect();
        fields.dedup();
        if n + 1 == headings.len() {
            fields.push(("action", "submit"));
            fields.push(("q.first_change", "Answer the phone faster"));
            let (status, location, _) = turn(&app.client, &path, &html, &fields);
            assert_eq!(status, Status::SeeOther);
            let thanks = app
                .client
                .get(location.unwrap())
                .dispatch()
                .into_string()
                .unwrap();
            assert!(thanks.contains("28.00"), "{thanks}");
        } else {
            fields.push(("action", "next"));
            let (status, _, next) = turn(&app.client, &path, &html, &fields);
            assert_eq!(status, Status::Ok, "{next}");
            html = next;
        }
    }
    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    assert_eq!(list["items"][0]["answers"].as_object().unwrap().len(), 26);
    assert_eq!(list["items"][0]["score"]["band"], "asset");
}

#[test]
fn designers_start_pages_in_the_editor_and_the_preview_pages() {
    let app = TestApp::new();
    let user = app.add_user("pages@example.com", Role::Designer);
    assert_eq!(app.sign_in("pages@example.com", PASSWORD), Status::SeeOther);
    let token = app.token(&user);
    let body = json!({"title": "T", "intro": "Your answers help us improve.", "language": "en", "questions": [
        {"id": "a", "kind": "text", "prompt": "What went well?", "required": true}
    ]});
    let (_, survey) = post(&app, &token, "/api/v1/surveys", &body);
    let id = survey["id"].as_str().unwrap();
    let csrf = app.csrf();
    let (status, _, _) = send(
        &app.client,
        &format!("/surveys/{id}/questions"),
        &[
            ("csrf", &csrf),
            ("kind", "long_text"),
            ("prompt", "What should we improve?"),
            ("page_title", "Next steps"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, stored) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    assert_eq!(
        stored["questions"][1]["page_break"], true,
        "a title starts a page: {stored}"
    );
    assert_eq!(stored["questions"][1]["page_title"], "Next steps");
    let editor = app
        .client
        .get(format!("/surveys/{id}"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(editor.contains("New page: Next steps"), "{editor}");

    let preview_path = format!("/surveys/{id}/preview");
    let preview = app
        .client
        .get(preview_path.clone())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(preview.contains("Page 1 of 2"));
    let (status, _, shown) = turn(&app.client, &preview_path, &preview, &[("action", "next")]);
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "the preview checks the page left"
    );
    let (status, _, page2) = turn(
        &app.client,
        &preview_path,
        &shown,
        &[("action", "next"), ("q.a", "Quick")],
    );
    assert_eq!(status, Status::Ok);
    assert!(page2.contains("Page 2 of 2") && page2.contains("Next steps"));
    assert_eq!(
        count(&page2, "button[value=submit]"),
        0,
        "the preview sends nothing"
    );
    assert_eq!(count(&page2, "button[value=back]"), 1);
}
