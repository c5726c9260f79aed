//! Long surveys in pages, as respondents meet them: pages turned with plain form posts, answers
//! kept both ways and checked when a page is left forward, errors on their own page; a personal
//! link resumes at the page left; the last page stores every page's answers once; a survey
//! without breaks is one page as before. How designers make pages is in `page_design`.

use hearken::auth::Role;
use rocket::http::Status;
use rocket::local::blocking::Client;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::respond::{follow, open_form, send};
use crate::surveys::{get, post, published};
use crate::{TestApp, hidden_value};

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

pub fn count(html: &str, css: &str) -> usize {
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
pub fn turn(
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
