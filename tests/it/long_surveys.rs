//! Long surveys in pages: a designer marks where pages start (API and editor); respondents turn
//! them with plain form posts, answers kept both ways and checked when a page is left forward,
//! errors on their own page; a personal link resumes at the page left; the last page stores
//! every page's answers once; the preview pages too; the self-assessment pages by section and
//! passes its own lint; a survey without breaks is one page as before.

use hearken::auth::Role;
use rocket::http::Status;
use rocket::local::blocking::Client;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::respond::{follow, open_form, send};
use crate::surveys::{get, post, published};
use crate::{PASSWORD, TestApp, hidden_value};

/// Three pages: a required name; a page titled "Your visit" with a choice (with "other") and
/// several choices; a rating, a ranking and a required open question.
fn paged_questions() -> Value {
    json!([
        {"id": "name", "kind": "text", "prompt": "What is your first name?", "required": true},
        {"id": "channel", "kind": "single_choice", "prompt": "How did you contact us?", "options": ["Phone", "Email"], "other": true, "page_break": true, "page_title": "Your visit"},
        {"id": "topics", "kind": "multi_choice", "prompt": "Which topics did you ask about?", "options": ["Billing", "Delivery", "Returns"]},
        {"id": "speed", "kind": "rating", "prompt": "How quickly was your problem solved?", "page_break": true},
        {"id": "order", "kind": "ranking", "prompt": "Rank what matters most to you.", "options": ["Price", "Speed"]},
        {"id": "improve", "kind": "long_text", "prompt": "What should we improve first?", "required": true}
    ])
}

/// A published paged survey; (designer token, survey id).
fn paged_survey(app: &TestApp) -> (String, String) {
    let (_, token) = app.user_with_token(Role::Designer);
    let body = json!({
        "title": "Visit check",
        "intro": "Your answers help us improve our service.",
        "language": "en",
        "questions": paged_questions(),
    });
    let (status, survey) = post(app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{survey}");
    assert_eq!(survey["questions"][1]["page_break"], true);
    assert_eq!(survey["questions"][1]["page_title"], "Your visit");
    assert!(survey["questions"][0].get("page_break").is_none());
    let id = survey["id"].as_str().unwrap().to_string();
    let (status, body) = post(
        app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    (token, id)
}

fn count(html: &str, css: &str) -> usize {
    Html::parse_document(html)
        .select(&Selector::parse(css).unwrap())
        .count()
}

/// Every value posted under `name` (hidden or shown).
fn values(html: &str, name: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let css = format!(
        "input[name=\"{name}\"][type=hidden], textarea[name=\"{name}\"], input[name=\"{name}\"][type=text]"
    );
    doc.select(&Selector::parse(&css).unwrap())
        .map(|e| {
            e.value()
                .attr("value")
                .map_or_else(|| e.text().collect(), str::to_string)
        })
        .collect()
}

/// Posts the page as a browser would (its hidden fields, the text it shows, what is checked or
/// selected), with `fields` in place of the shown fields of the same name.
fn turn(
    client: &Client,
    path: &str,
    html: &str,
    fields: &[(&str, &str)],
) -> (Status, Option<String>, String) {
    let doc = Html::parse_document(html);
    let css = "form.survey input[type=hidden], form.survey input[type=text], \
        form.survey input[checked], form.survey textarea, form.survey option[selected]";
    let given: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    let shown: Vec<(String, String)> = doc
        .select(&Selector::parse(css).unwrap())
        .filter_map(|e| {
            let (name, value) = match e.value().name() {
                "textarea" => (e.value().attr("name")?, e.text().collect()),
                "option" => {
                    let select = scraper::ElementRef::wrap(e.parent()?)?;
                    let value = e.value().attr("value")?.to_string();
                    (select.value().attr("name")?, value)
                }
                _ => (
                    e.value().attr("name")?,
                    e.value().attr("value")?.to_string(),
                ),
            };
            let hidden = e.value().attr("type") == Some("hidden");
            (hidden || !given.contains(&name)).then(|| (name.to_string(), value))
        })
        .collect();
    let mut all: Vec<(&str, &str)> = shown
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    all.extend_from_slice(fields);
    send(client, path, &all)
}

#[test]
fn pages_turn_both_ways_keeping_answers_and_errors_stay_on_their_page() {
    let app = TestApp::new();
    let (token, id) = paged_survey(&app);
    let path = format!("/s/{id}");
    let (page1, _, submission) = open_form(&app.client, &path);
    assert!(page1.contains("Page 1 of 3"), "{page1}");
    assert!(
        page1.contains("Your answers help us improve"),
        "the intro opens page 1"
    );
    assert_eq!(hidden_value(&page1, "page").as_deref(), Some("1"));
    assert_eq!(
        count(&page1, "[name=\"q.channel\"]"),
        0,
        "page 2 is not on page 1"
    );
    assert_eq!(count(&page1, "button[value=next]"), 1);
    assert_eq!(count(&page1, "button[value=submit]"), 0);
    assert_eq!(count(&page1, "button[value=back]"), 0);

    // Leaving forward checks the page: the error is beside its question, on this page.
    let (status, _, again) = turn(&app.client, &path, &page1, &[("action", "next")]);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(again.contains("Page 1 of 3"));
    assert_eq!(count(&again, "#q-name .field-error"), 1, "{again}");

    let (status, _, page2) = turn(
        &app.client,
        &path,
        &again,
        &[("action", "next"), ("q.name", "Ana & Bo")],
    );
    assert_eq!(status, Status::Ok, "{page2}");
    assert!(
        page2.contains("Page 2 of 3") && page2.contains("Your visit"),
        "{page2}"
    );
    assert!(
        !page2.contains("Your answers help us improve"),
        "the intro is said once"
    );
    assert_eq!(
        values(&page2, "q.name"),
        ["Ana & Bo"],
        "page 1's answer travels along"
    );
    assert_eq!(hidden_value(&page2, "submission"), Some(submission.clone()));

    // Back keeps what was typed on page 2 (unchecked), and shows page 1's answer in its field.
    let (status, _, back) = turn(
        &app.client,
        &path,
        &page2,
        &[
            ("action", "back"),
            ("q.channel", "__other__"),
            ("q.channel.other", "A letter"),
            ("q.topics", "Billing"),
            ("q.topics", "Returns"),
        ],
    );
    assert_eq!(status, Status::Ok);
    assert!(back.contains("Page 1 of 3"));
    assert_eq!(
        count(
            &back,
            "input[type=text][name=\"q.name\"][value=\"Ana & Bo\"]"
        ),
        1,
        "{back}"
    );
    assert_eq!(values(&back, "q.topics"), ["Billing", "Returns"]);

    let (_, _, page2) = turn(&app.client, &path, &back, &[("action", "next")]);
    assert_eq!(count(&page2, "#q-channel-other[checked]"), 1, "{page2}");
    assert_eq!(count(&page2, "input[name=\"q.topics\"][checked]"), 2);
    let (status, _, page3) = turn(&app.client, &path, &page2, &[]);
    assert_eq!(status, Status::Ok, "Enter on a middle page means Next");
    assert!(page3.contains("Page 3 of 3"));
    assert_eq!(count(&page3, "button[value=submit]"), 1);
    assert_eq!(count(&page3, "button[value=back]"), 1);
    assert_eq!(
        app.count("responses"),
        0,
        "nothing is stored before the last page"
    );

    // An earlier page's answer that no longer passes is shown on its own page.
    let tampered = page3.replace("value=\"Ana &amp; Bo\"", "value=\"\"");
    let last = [
        ("action", "submit"),
        ("q.speed", "4"),
        ("q.order.0", "2"),
        ("q.order.1", "1"),
        ("q.improve", "Call back sooner"),
    ];
    let (status, _, shown) = turn(&app.client, &path, &tampered, &last);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(shown.contains("Page 1 of 3"), "{shown}");
    assert_eq!(count(&shown, "#q-name .field-error"), 1);
    assert_eq!(values(&shown, "q.improve"), ["Call back sooner"]);

    let (status, location, _) = turn(&app.client, &path, &page3, &last);
    assert_eq!(status, Status::SeeOther);
    assert!(location.unwrap().starts_with(&format!("/s/{id}/thanks/")));
    // A second send of the last page (a double click) stores nothing more.
    turn(&app.client, &path, &page3, &last);
    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(
        items[0]["answers"],
        json!({"name": "Ana & Bo", "channel": "A letter", "topics": ["Billing", "Returns"], "speed": 4, "order": ["Speed", "Price"], "improve": "Call back sooner"})
    );
}

#[test]
fn a_personal_link_saves_each_page_and_resumes_where_it_was_left() {
    let app = TestApp::new();
    let (token, id) = paged_survey(&app);
    let link = format!("/r/{}", app.invite(&id, None));
    let (page1, _, _) = open_form(&app.client, &link);
    assert_eq!(count(&page1, "button[value=save]"), 1);
    let (status, location, _) = turn(
        &app.client,
        &link,
        &page1,
        &[("action", "next"), ("q.name", "Ana")],
    );
    assert_eq!(
        status,
        Status::SeeOther,
        "a personal link's turn is saved, then shown"
    );
    let home = location.unwrap();
    assert!(home.starts_with("/r/i/"), "{home}");
    assert_eq!(app.count("response_drafts"), 1);

    // Opening the link again, from the email, resumes on page 2 with page 1's answer.
    let (page2, _, _) = open_form(&app.client, &link);
    assert!(page2.contains("Page 2 of 3"), "{page2}");
    assert_eq!(values(&page2, "q.name"), ["Ana"]);
    let (status, _, _) = turn(
        &app.client,
        &home,
        &page2,
        &[("action", "next"), ("q.channel", "Email")],
    );
    assert_eq!(status, Status::SeeOther);
    let (page3, _, _) = open_form(&app.client, &home);
    assert!(page3.contains("Page 3 of 3"));
    // Save for later on the last page keeps it there.
    let (status, _, _) = turn(
        &app.client,
        &home,
        &page3,
        &[("action", "save"), ("q.improve", "Faster")],
    );
    assert_eq!(status, Status::SeeOther);
    let (page3, _, _) = open_form(&app.client, &link);
    assert!(page3.contains("Page 3 of 3"));
    assert_eq!(values(&page3, "q.improve"), ["Faster"]);

    let (status, location, _) = turn(
        &app.client,
        &home,
        &page3,
        &[("action", "submit"), ("q.improve", "Faster replies")],
    );
    assert_eq!(status, Status::SeeOther);
    assert!(location.unwrap().contains("/thanks/"));
    let (_, list) = get(&app, &token, &format!("/api/v1/surveys/{id}/responses"));
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["items"][0]["answers"],
        json!({"name": "Ana", "channel": "Email", "improve": "Faster replies"})
    );
    let again = follow(&app.client, &link).into_string().unwrap();
    assert!(
        !again.contains("Page 1 of 3"),
        "a used link shows no form: {again}"
    );
}

#[test]
fn a_survey_without_breaks_is_one_page_as_before() {
    let app = TestApp::new();
    let (_, id) = published(&app);
    let (html, _, _) = open_form(&app.client, &format!("/s/{id}"));
    assert!(hidden_value(&html, "page").is_none());
    assert!(!html.contains("Page 1 of"));
    assert_eq!(count(&html, "fieldset.question, div.question"), 8);
    assert_eq!(count(&html, "button[value=submit]"), 1);
    assert_eq!(count(&html, "button[value=next], button[value=back]"), 0);
}

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
