//! The results page through the real app: the counts and every kind's chart (with its
//! caption and its figures as a table) for known answers, segments that narrow the figures,
//! refused filters shown again with a 422, who may read it, escaping of staff and respondent
//! text, the empty states, and the links to it.

use hearken::auth::Role;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value, json};

use crate::results::submit_all;
use crate::surveys::{all_kinds, post};
use crate::{PASSWORD, TestApp, bearer};

/// A published survey owned by a new designer; (designer's email, survey id).
pub fn published(app: &TestApp, title: &str, questions: Value) -> (String, String) {
    let (designer, token) = app.user_with_token(Role::Designer);
    let body = json!({
        "title": title,
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "questions": questions,
    });
    let (status, created) = post(app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, body) = post(
        app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{body}");
    (designer.email, id)
}

fn answers(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// Four responses to [`all_kinds`] whose figures are worked out by hand in the tests.
pub fn four() -> [Map<String, Value>; 4] {
    [
        answers(json!({
            "name": "Ann", "improve": "slow delivery", "channel": "Phone", "topics": ["Billing"],
            "speed": 5, "recommend": 10, "priorities": ["Price", "Speed", "Friendliness"],
            "versus": {"Us": {"Price": 5, "Quality": 4}, "ShopCo": {"Price": 3, "Quality": 4},
                       "BuyMart": {"Price": null, "Quality": 2}},
        })),
        answers(json!({
            "improve": "late deliveries", "channel": "Phone", "topics": ["Billing", "Delivery"],
            "speed": 3, "recommend": 6, "priorities": ["Speed", "Price", "Friendliness"],
            "versus": {"Us": {"Price": 2, "Quality": 5}, "ShopCo": {"Price": 4, "Quality": 5},
                       "BuyMart": {"Price": 1, "Quality": 1}},
        })),
        answers(
            json!({"improve": "friendly staff", "channel": "Carrier pigeon", "speed": 4, "recommend": 8}),
        ),
        answers(json!({"improve": "the delivery was slow", "channel": "Email", "recommend": 9})),
    ]
}

pub fn signed_in(app: &TestApp, role: Role) {
    let email = format!("{}-reader@example.com", role.as_str());
    app.add_user(&email, role);
    assert_eq!(app.sign_in(&email, PASSWORD), Status::SeeOther);
}

pub fn page(client: &Client, path: &str) -> (Status, String) {
    let response = client.get(path.to_string()).dispatch();
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

fn all<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    element.select(&Selector::parse(css).unwrap()).collect()
}

fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The card of question `number` (1-based).
fn card(html: &Html, number: usize) -> ElementRef<'_> {
    all(html, &format!("section.card#question-{number}"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no card for question {number}"))
}

/// A card's figures table (the first, or the one captioned with `caption`) as rows of cells.
fn table(card: ElementRef<'_>, index: usize) -> Vec<Vec<String>> {
    let tables = within(card, "details.figures table");
    let table = tables
        .get(index)
        .unwrap_or_else(|| panic!("no figures table {index} in {}", text(card)));
    within(*table, "tbody tr")
        .into_iter()
        .map(|row| within(row, "th, td").into_iter().map(text).collect())
        .collect()
}

fn responses_figure(html: &Html) -> String {
    text(all(html, ".kpi-figure")[0])
}

#[test]
fn the_page_shows_every_kind_with_its_chart_caption_and_table() {
    let app = TestApp::new();
    let (_, id) = published(&app, "Service check", all_kinds());
    submit_all(
        &app,
        &id,
        four().into_iter().map(|a| (a, "api", None)).collect(),
    );
    signed_in(&app, Role::Analyst);
    let (status, body) = page(&app.client, &format!("/surveys/{id}/results"));
    assert_eq!(status, Status::Ok, "{body}");
    let html = Html::parse_document(&body);
    assert_eq!(text(all(&html, "h1")[0]), "Service check");
    assert_eq!(responses_figure(&html), "4");
    assert!(body.contains("Nobody invited yet"));
    assert_eq!(all(&html, "section.card").len(), 8);

    // Every chart is an image named by its own title, and its card has the figures as a table.
    let charts = all(&html, "svg[role=img]");
    assert_eq!(
        charts.len(),
        6,
        "three bar charts, the rating, the NPS, the head-to-head"
    );
    for chart in &charts {
        let title_id = chart
            .value()
            .attr("aria-labelledby")
            .expect("aria-labelledby");
        let title = all(&html, &format!("svg title#{title_id}"));
        assert_eq!(title.len(), 1, "{title_id}");
        assert!(
            text(title[0]).len() > 20,
            "a caption that says what the chart shows"
        );
    }
    for number in 3..=8 {
        assert!(
            !within(card(&html, number), "details.figures table").is_empty(),
            "question {number}"
        );
    }

    let channel = card(&html, 3);
    assert!(text(channel).contains("Answered by 4"));
    let drawn = text(within(channel, "svg")[0]);
    assert!(
        drawn.contains("Phone") && drawn.contains("2 · 50%") && drawn.contains("1 · 25%"),
        "{drawn}"
    );
    let rows = table(channel, 0);
    assert!(
        rows.contains(&vec!["Phone".into(), "2".into(), "50%".into()]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec!["Chat".into(), "0".into(), "0%".into()]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec!["Other (own answer)".into(), "1".into(), "25%".into()]),
        "{rows:?}"
    );

    let topics = table(card(&html, 4), 0);
    assert!(
        topics.contains(&vec!["Billing".into(), "2".into(), "100%".into()]),
        "{topics:?}"
    );
    assert!(text(card(&html, 4)).contains("more than one"));

    let speed = card(&html, 5);
    let stats = text(within(speed, ".stats")[0]);
    assert!(
        stats.contains("4.0 mean") && stats.contains("4 median"),
        "{stats}"
    );
    assert!(table(speed, 0).contains(&vec!["5".into(), "1".into(), "33%".into()]));

    // NPS: 10 and 9 promote, 8 is passive, 6 detracts: (2 - 1) / 4 = +25.
    let nps = card(&html, 6);
    assert_eq!(text(within(nps, ".stat-big")[0]), "+25");
    assert!(table(nps, 0).contains(&vec!["Promoters (9–10)".into(), "2".into(), "50%".into()]));

    let ranks = table(card(&html, 7), 0);
    assert_eq!(ranks[2], ["Friendliness", "3.0"], "best first: {ranks:?}");
    assert!(text(card(&html, 7)).contains("1 = ranked first"));

    // Competitor: means per brand and attribute, then ours against each brand.
    let versus = card(&html, 8);
    let grid: Vec<String> = within(versus, "table.grid tbody tr")
        .into_iter()
        .map(text)
        .collect();
    assert!(grid[0].starts_with("Us ours 3.5 n=2 4.5 n=2"), "{grid:?}");
    assert!(grid[2].contains("1.0 n=1"), "{grid:?}");
    let duel = table(versus, 0);
    assert_eq!(duel[0], ["ShopCo", "1", "2", "1", "4"], "{duel:?}");

    // Open answers: each term links to the answers that use it.
    let improve = card(&html, 2);
    let links = within(improve, "ol.terms a");
    let delivery = links
        .iter()
        .find(|a| text(**a).starts_with("deliver"))
        .unwrap_or_else(|| panic!("no delivery term in {}", text(improve)));
    let href = delivery.value().attr("href").unwrap();
    assert!(
        href.starts_with(&format!("/surveys/{id}/responses?word=deliver")),
        "{href}"
    );
}

#[test]
fn a_segment_narrows_the_figures_and_the_exports() {
    let app = TestApp::new();
    let (_, admin) = app.user_with_token(Role::Admin);
    let csv = "email,name,store\nann@example.com,Ann,Malmö\nbo@example.com,Bo,Göteborg\n";
    let imported = app
        .client
        .post("/api/v1/contacts")
        .header(bearer(&admin))
        .header(ContentType::new("text", "csv"))
        .body(csv)
        .dispatch();
    assert_eq!(imported.status(), Status::Ok);
    let contact = |email: &str| {
        app.texts(&format!(
            "SELECT id AS value FROM contacts WHERE email = '{email}'"
        ))
        .remove(0)
    };
    let (_, id) = published(&app, "Segments", all_kinds());
    let [a, b, c, d] = four();
    submit_all(
        &app,
        &id,
        vec![
            (a, "invitation", Some(contact("ann@example.com"))),
            (b, "invitation", Some(contact("bo@example.com"))),
            (c, "link", None),
            (d, "link", None),
        ],
    );
    signed_in(&app, Role::Analyst);
    let results = |query: &str| {
        let (status, body) = page(&app.client, &format!("/surveys/{id}/results{query}"));
        assert_eq!(status, Status::Ok, "{query}: {body}");
        Html::parse_document(&body)
    };

    let everyone = results("");
    assert!(all(&everyone, ".segment-note").is_empty());
    let open = results("?from=&to=&channel=open&attribute=&value=");
    assert_eq!(responses_figure(&open), "2");
    let note = text(all(&open, ".segment-note")[0]);
    assert!(
        note.contains("through the open link") && note.contains("Show everyone"),
        "{note}"
    );
    assert_eq!(
        all(&open, ".segment-note a")[0].value().attr("href"),
        Some(format!("/surveys/{id}/results").as_str())
    );
    assert!(text(card(&open, 3)).contains("Answered by 2"));
    assert!(table(card(&open, 3), 0).contains(&vec!["Email".into(), "1".into(), "50%".into()]));
    let exports: Vec<&str> = all(&open, ".exports a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        exports,
        [
            format!("/surveys/{id}/export.csv?channel=open"),
            format!("/surveys/{id}/export.xlsx?channel=open"),
            format!("/surveys/{id}/export.json?channel=open"),
        ]
    );
    assert_eq!(
        all(&open, "#seg-channel option[selected]")[0]
            .value()
            .attr("value"),
        Some("open")
    );

    let malmo = results("?attribute=store&value=Malm%C3%B6");
    assert_eq!(responses_figure(&malmo), "1");
    assert!(text(all(&malmo, ".segment-note")[0]).contains("“store” is “Malmö”"));
    let href = all(&malmo, ".exports a")[0].value().attr("href").unwrap();
    assert!(href.ends_with("?contact.store=Malm%C3%B6"), "{href}");

    // Dates are whole days in UTC: today's responses are in a segment that ends today.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        responses_figure(&results(&format!("?from={today}&to={today}"))),
        "4"
    );
    let later = results(&format!("?from={tomorrow}"));
    assert_eq!(responses_figure(&later), "0");
    assert!(text(all(&later, ".results-empty")[0]).contains("No responses match"));
    let href = all(&later, ".exports a")[0].value().attr("href").unwrap();
    assert!(
        href.ends_with(&format!("?from={tomorrow}T00%3A00%3A00Z")),
        "{href}"
    );
}

#[test]
fn a_wrong_filter_is_shown_again_with_its_message_and_a_422() {
    let app = TestApp::new();
    let (_, id) = published(&app, "Filters", all_kinds());
    submit_all(
        &app,
        &id,
        four().into_iter().map(|a| (a, "api", None)).collect(),
    );
    signed_in(&app, Role::Analyst);
    for (query, field, message) in [
        ("?from=yesterday", "from", "“yesterday” is not a date"),
        ("?from=2026-12-02&to=2026-12-01", "to", "must not be before"),
        ("?channel=fax", "channel", "Choose one of the channels"),
        ("?attribute=store", "value", "Enter the value"),
        (
            "?value=Malm%C3%B6",
            "attribute",
            "Enter the contact attribute",
        ),
    ] {
        let (status, body) = page(&app.client, &format!("/surveys/{id}/results{query}"));
        assert_eq!(status, Status::UnprocessableEntity, "{query}");
        let html = Html::parse_document(&body);
        let error = all(&html, &format!("#seg-{field}-error"));
        assert!(
            !error.is_empty() && text(error[0]).contains(message),
            "{query}: {body}"
        );
        let input = all(&html, &format!("#seg-{field}"));
        assert_eq!(
            input[0].value().attr("aria-describedby"),
            Some(format!("seg-{field}-error").as_str()),
            "{query}"
        );
        assert!(
            all(&html, "section.card").is_empty(),
            "{query}: no figures for a wrong filter"
        );
        assert_eq!(
            responses_figure(&html),
            "4",
            "the count of everyone is still shown"
        );
    }
    let (_, body) = page(
        &app.client,
        &format!("/surveys/{id}/results?to=2026-12-01&from=2026-12-02"),
    );
    let html = Html::parse_document(&body);
    assert_eq!(
        all(&html, "#seg-from")[0].value().attr("value"),
        Some("2026-12-02"),
        "typed values kept"
    );
}

#[test]
fn analysts_and_the_owner_read_it_other_designers_get_404() {
    let app = TestApp::new();
    let (owner, id) = published(&app, "Whose results", all_kinds());
    let path = format!("/surveys/{id}/results");
    assert_eq!(page(&app.client, &path).0, Status::Unauthorized);

    signed_in(&app, Role::Designer);
    assert_eq!(page(&app.client, &path).0, Status::NotFound);
    for (email, role) in [
        ("analyst@example.com", Some(Role::Analyst)),
        ("boss@example.com", Some(Role::Admin)),
        (owner.as_str(), None),
    ] {
        if let Some(role) = role {
            app.add_user(email, role);
        }
        let browser = TestApp::with_client_of(&app);
        assert_eq!(browser.sign_in(email, PASSWORD), Status::SeeOther);
        let (status, body) = page(&browser.client, &path);
        assert_eq!(status, Status::Ok, "{email}");
        assert!(body.contains("No responses yet"), "{email}");
    }
    assert_eq!(
        page(&app.client, "/surveys/nope!/results").0,
        Status::NotFound
    );
}

#[test]
fn staff_and_respondent_text_is_escaped() {
    let app = TestApp::new();
    let questions = json!([
        {"id": "pick", "kind": "single_choice", "prompt": "<script>alert(1)</script>", "options": ["<img src=x onerror=alert(2)>", "B"]},
        {"id": "why", "kind": "long_text", "prompt": "Why \"this\" & that?"},
        {"id": "vs", "kind": "competitor", "prompt": "Compare", "brands": ["Us", "<b>Them</b>"], "attributes": ["<i>Price</i>"]}
    ]);
    let (_, id) = published(&app, "<svg onload=alert(3)>", questions);
    let answer = answers(json!({
        "pick": "<img src=x onerror=alert(2)>",
        "why": "<script>alert(4)</script> <b>bold</b> bold",
        "vs": {"Us": {"<i>Price</i>": 4}, "<b>Them</b>": {"<i>Price</i>": 2}},
    }));
    submit_all(
        &app,
        &id,
        vec![(answer.clone(), "api", None), (answer, "api", None)],
    );
    signed_in(&app, Role::Analyst);
    let (status, body) = page(&app.client, &format!("/surveys/{id}/results"));
    assert_eq!(status, Status::Ok);
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "<b>Them",
        "<i>Price",
        "<b>bold",
    ] {
        assert!(!body.contains(raw), "{raw} is not escaped");
    }
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );
    let html = Html::parse_document(&body);
    assert_eq!(
        text(all(&html, "#q1-title")[0]),
        "<script>alert(1)</script>"
    );
    assert_eq!(text(all(&html, "#q2-title")[0]), "Why \"this\" & that?");
    assert!(all(&html, "script").is_empty(), "no script element at all");
}

#[test]
fn empty_states_and_links_to_the_page() {
    let app = TestApp::new();
    let (owner, id) = published(&app, "Quiet survey", all_kinds());
    assert_eq!(app.sign_in(&owner, PASSWORD), Status::SeeOther);
    let (_, list) = page(&app.client, "/surveys");
    assert!(
        list.contains(&format!("href=\"/surveys/{id}/results\"")),
        "linked from the list"
    );
    let (_, survey) = page(&app.client, &format!("/surveys/{id}"));
    assert!(
        survey.contains(&format!("href=\"/surveys/{id}/results\"")),
        "linked from the survey page"
    );

    let (status, body) = page(&app.client, &format!("/surveys/{id}/results"));
    assert_eq!(status, Status::Ok);
    let html = Html::parse_document(&body);
    assert!(text(all(&html, ".results-empty")[0]).contains("No responses yet"));
    assert!(all(&html, "svg").is_empty());

    // One answer: the questions nobody answered say so instead of drawing an empty chart.
    submit_all(
        &app,
        &id,
        vec![(answers(json!({"improve": "Nothing"})), "link", None)],
    );
    let (_, body) = page(&app.client, &format!("/surveys/{id}/results"));
    let html = Html::parse_document(&body);
    assert_eq!(all(&html, "section.card").len(), 8);
    for number in [1, 3, 4, 5, 6, 7, 8] {
        let card = card(&html, number);
        assert!(text(card).contains("No answers yet"), "question {number}");
        assert!(within(card, "svg").is_empty(), "question {number}");
    }
}

#[test]
fn large_counts_are_grouped_in_threes() {
    let app = TestApp::new();
    let (designer, id) = published(
        &app,
        "Big",
        json!([{"id": "score", "kind": "rating", "prompt": "How was it?"}]),
    );
    let many = (0..1234)
        .map(|i| (answers(json!({"score": 1 + i % 5})), "api", None))
        .collect();
    submit_all(&app, &id, many);
    assert_eq!(app.sign_in(&designer, PASSWORD), Status::SeeOther);
    let (status, html) = page(&app.client, &format!("/surveys/{id}/results"));
    assert_eq!(status, Status::Ok);
    assert!(html.contains(">1,234</dd>"), "the headline figure");
    assert!(html.contains("Answered by 1,234"));
    assert!(html.contains("<td>247</td>"), "the table's counts");
}
