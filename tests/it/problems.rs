//! The top-problems page on a data set whose answer is known: the ranking, each problem's
//! counts per source and audience, examples of every source with links to them (the responses
//! browser narrowed to the tag, the focus group's note, the complaint), the period (the last
//! 90 days unless chosen), bad dates refused with what was typed kept, and escaping. Also every
//! required field of the focus-group, complaint and theme APIs, left out, is a 422 naming it.

use hearken::auth::Role;
use rocket::http::Status;
use serde_json::json;

use crate::surveys::post;
use crate::themes::{answer, survey, tag_answer};
use crate::{PASSWORD, TestApp};

fn complaint(app: &TestApp, token: &str, nature: &str, tags: &[&str], days_ago: i64) -> String {
    let received = (chrono::Utc::now() - chrono::TimeDelta::days(days_ago))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (status, created) = post(
        app,
        token,
        "/api/v1/complaints",
        &json!({"customer": {"name": "Pat"}, "received_by": "Sam", "category": "Delivery",
                "nature": nature, "tags": tags, "received_at": received}),
    );
    assert_eq!(status, Status::Created, "{created}");
    created["id"].as_str().unwrap().to_string()
}

fn page(app: &TestApp, query: &str) -> (Status, String) {
    let response = app.client.get(format!("/problems{query}")).dispatch();
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

/// The part of the page about the problem ranked `rank`.
fn card(html: &str, rank: usize) -> &str {
    html.split("<article class=\"problem\"")
        .nth(rank)
        .unwrap_or_else(|| panic!("no problem {rank} in {html}"))
}

/// `text` as handlebars writes it in an attribute.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;").replace('=', "&#x3D;")
}

fn count(label: &str, n: usize) -> String {
    format!("<th scope=\"row\">{label}</th><td>{n}</td>")
}

#[test]
fn the_page_ranks_a_known_data_set_with_counts_examples_and_links() {
    let app = TestApp::new();
    let (designer, token) = app.user_with_token(Role::Designer);
    let customers = survey(&app, &token, "customers");
    let employees = survey(&app, &token, "employees");
    for name in ["Late delivery", "Prices", "Returns"] {
        post(&app, &token, "/api/v1/tags", &json!({"name": name}));
    }
    // Late delivery: two customer answers, one employee answer, one complaint, one supplier
    // quote = 5 from three kinds of source.
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
    let late_complaint = complaint(&app, &token, "Parcel a week late", &["Late delivery"], 2);
    let (status, group) = post(
        &app,
        &token,
        "/api/v1/focus-groups",
        &json!({"title": "Carriers round table", "topic": "Pickups", "audience": "suppliers",
                "scheduled_at": "2026-12-10T14:00:00Z", "guide": ["Where do parcels wait?"]}),
    );
    assert_eq!(status, Status::Created, "{group}");
    let group_id = group["id"].as_str().unwrap();
    let (_, who) = post(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{group_id}/participants"),
        &json!({"name": "Ola", "consent": true}),
    );
    let (status, quote) = post(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{group_id}/notes"),
        &json!({"text": "We wait an hour at the loading dock", "kind": "quote", "guide_item": 0,
                "participant_id": who["id"], "tags": ["Late delivery"]}),
    );
    assert_eq!(status, Status::Created, "{quote}");
    // Returns: an employee answer, a complaint and a note = 3 from three kinds; Prices: three
    // customer answers = 3 from one kind, so Returns ranks first; Rude staff: 2 complaints.
    let response = answer(&app, &token, &employees, "Returns pile up in the back");
    tag_answer(&app, &token, "Returns", &response);
    complaint(&app, &token, "Refund took a month", &["Returns"], 3);
    post(
        &app,
        &token,
        &format!("/api/v1/focus-groups/{group_id}/notes"),
        &json!({"text": "Returned parcels go back on the wrong van", "kind": "note", "tags": ["Returns"]}),
    );
    for text in ["Too expensive", "Prices went up", "Dearer than the market"] {
        let response = answer(&app, &token, &customers, text);
        tag_answer(&app, &token, "Prices", &response);
    }
    complaint(&app, &token, "The cashier shouted", &["Rude staff"], 4);
    complaint(&app, &token, "Nobody greeted me", &["Rude staff"], 5);

    assert_eq!(app.sign_in(&designer.email, PASSWORD), Status::SeeOther);
    let (status, html) = page(&app, "");
    assert_eq!(status, Status::Ok, "{html}");
    assert!(
        html.contains("<a href=\"/problems\">Problems</a>"),
        "in the navigation"
    );
    assert!(
        html.contains("a tie goes to the tag heard from more kinds of source"),
        "the ranking is explained"
    );
    assert!(html.contains("The last 90 days"), "{html}");
    let names: Vec<&str> = (1..=3)
        .map(|rank| {
            let card = card(&html, rank);
            ["Late delivery", "Returns", "Prices"]
                .into_iter()
                .find(|n| card.contains(&format!("</span>{n}</h2>")))
                .unwrap_or("?")
        })
        .collect();
    assert_eq!(names, ["Late delivery", "Returns", "Prices"]);
    assert!(!html.contains("Rude staff"), "three by default");

    let late = card(&html, 1);
    assert!(
        late.contains("5 things tagged, from 3 kinds of source"),
        "{late}"
    );
    for (label, n) in [
        ("Survey answers", 3),
        ("Focus-group notes", 1),
        ("Complaints", 1),
        ("Customers", 3),
        ("Employees", 1),
        ("Suppliers", 1),
    ] {
        assert!(late.contains(&count(label, n)), "{label} {n}: {late}");
    }
    // Examples of each source, linked to where they were said.
    assert!(late.contains("Delivery is always late"), "{late}");
    assert!(
        late.contains("<q>We wait an hour at the loading dock</q>"),
        "{late}"
    );
    assert!(late.contains("Parcel a week late"), "{late}");
    assert!(late.contains(&format!("href=\"/complaints/{late_complaint}\"")));
    let note_id = quote["id"].as_str().unwrap();
    assert!(late.contains(&format!("href=\"/focus-groups/{group_id}#note-{note_id}\"")));
    // All the answers: each survey's responses narrowed to the tag and the period.
    let today = chrono::Utc::now().date_naive();
    let period = format!("from={}&to={today}", today - chrono::TimeDelta::days(90));
    let narrowed = format!("/surveys/{customers}/responses?tag=Late+delivery&{period}");
    let employees_link = format!("/surveys/{employees}/responses?tag=Late+delivery&{period}");
    assert!(
        late.contains(&format!(
            "href=\"{}\">2 in Voice of customers</a>",
            attr(&narrowed)
        )),
        "{late}"
    );
    assert!(late.contains(&format!(
        "href=\"{}\">1 in Voice of employees</a>",
        attr(&employees_link)
    )));
    let browser = app.client.get(narrowed).dispatch().into_string().unwrap();
    assert!(browser.contains("Delivery is always late"), "{browser}");
    assert!(browser.contains("The parcel came three days late"));
    assert!(
        !browser.contains("Too expensive"),
        "only the tagged answers"
    );
    assert!(
        browser.contains("name=\"tag\" value=\"Late delivery\""),
        "kept by the form"
    );

    let returns = card(&html, 2);
    assert!(returns.contains("3 things tagged, from 3 kinds of source"));
    let prices = card(&html, 3);
    assert!(prices.contains("3 things tagged, from 1 kind of source"));
    assert!(prices.contains(&count("Customers", 3)));

    let (_, ten) = page(&app, "?limit=10");
    assert!(card(&ten, 4).contains("Rude staff"));
    assert!(card(&ten, 4).contains(&count("Complaints", 2)));

    // An analyst reads the notes but cannot open focus groups: no link to one.
    let analyst = app.add_user("analyst@example.com", Role::Analyst);
    let reader = TestApp::with_client_of(&app);
    assert_eq!(reader.sign_in(&analyst.email, PASSWORD), Status::SeeOther);
    let html = reader
        .client
        .get("/problems")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(html.contains("We wait an hour at the loading dock"));
    assert!(!html.contains("/focus-groups/"), "{html}");
    assert!(html.contains(&format!("href=\"/complaints/{late_complaint}\"")));
}

#[test]
fn the_period_is_chosen_and_bad_dates_are_refused_with_what_was_typed() {
    let app = TestApp::new();
    let (designer, token) = app.user_with_token(Role::Designer);
    assert_eq!(app.sign_in(&designer.email, PASSWORD), Status::SeeOther);
    let (status, empty) = page(&app, "");
    assert_eq!(status, Status::Ok);
    assert!(
        empty.contains("Nothing tagged was said in this period"),
        "{empty}"
    );
    assert!(
        empty.contains("Code these answers"),
        "says how to get problems here"
    );

    complaint(&app, &token, "Late again", &["Late delivery"], 10);
    complaint(&app, &token, "Late in summer", &["Late delivery"], 120);
    complaint(
        &app,
        &token,
        "Old <b>news</b> & \"more\"",
        &["Fish & <chips>"],
        130,
    );
    let (_, recent) = page(&app, "");
    assert!(recent.contains("1 thing tagged"), "{recent}");
    assert!(!recent.contains("Late in summer"));
    let from = chrono::Utc::now().date_naive() - chrono::TimeDelta::days(200);
    let (status, longer) = page(&app, &format!("?from={from}"));
    assert_eq!(status, Status::Ok);
    assert!(card(&longer, 1).contains("2 things tagged"), "{longer}");
    assert!(longer.contains("Late in summer"));
    // Tag names and what people said are escaped.
    assert!(longer.contains("Fish &amp; &lt;chips&gt;</h2>"), "{longer}");
    assert!(longer.contains("Old &lt;b&gt;news&lt;/b&gt; &amp; &quot;more&quot;"));
    assert!(!longer.contains("<chips>") && !longer.contains("<b>news"));
    let to = chrono::Utc::now().date_naive() - chrono::TimeDelta::days(100);
    let (_, before) = page(&app, &format!("?from={from}&to={to}"));
    assert!(before.contains("Late in summer") && !before.contains("Late again"));

    for (query, field, typed) in [
        ("?from=2026-13-45", "From", "2026-13-45"),
        ("?to=yesterday&from=2026-01-01", "To", "yesterday"),
    ] {
        let (status, html) = page(&app, query);
        assert_eq!(status, Status::UnprocessableEntity, "{query}");
        assert!(
            html.contains(&format!("{field} “{typed}” is not a date")),
            "{html}"
        );
        assert!(html.contains(&format!("value=\"{typed}\"")), "kept: {html}");
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(!html.contains("things tagged"));
    }
    let (status, html) = page(&app, "?from=2026-12-01&to=2026-11-01");
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("To must not be before From"), "{html}");
    let (status, html) = page(&app, "?limit=0");
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("How many must be a whole number"), "{html}");
}

/// Every required field of the three API sections, left out of an otherwise good body, is a 422
/// naming it.
#[test]
fn every_required_field_left_out_is_named() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Designer);
    let group = json!({"title": "Round table", "topic": "Pickups", "audience": "suppliers",
                       "scheduled_at": "2026-12-10T14:00:00Z", "guide": ["Where?"]});
    let (status, created) = post(&app, &token, "/api/v1/focus-groups", &group);
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap();
    let complaint = json!({"customer": {"name": "Pat"}, "received_by": "Sam",
                           "category": "Delivery", "nature": "Late"});
    post(&app, &token, "/api/v1/tags", &json!({"name": "Late"}));
    let cases = [
        (
            "/api/v1/focus-groups".to_string(),
            group.clone(),
            vec!["title", "topic", "audience", "scheduled_at", "guide"],
        ),
        (
            format!("/api/v1/focus-groups/{id}/participants"),
            json!({"name": "Ola", "consent": true}),
            vec!["name", "consent"],
        ),
        (
            format!("/api/v1/focus-groups/{id}/notes"),
            json!({"text": "Slow", "kind": "note"}),
            vec!["text", "kind"],
        ),
        (
            "/api/v1/complaints".to_string(),
            complaint.clone(),
            vec!["customer", "received_by", "category", "nature"],
        ),
        (
            "/api/v1/tags".to_string(),
            json!({"name": "Prices"}),
            vec!["name"],
        ),
        (
            "/api/v1/tags/Late/merge".to_string(),
            json!({"into": "Prices"}),
            vec!["into"],
        ),
    ];
    for (path, body, fields) in cases {
        for field in fields {
            let mut partial = body.clone();
            partial.as_object_mut().unwrap().remove(field);
            let (status, error) = post(&app, &token, &path, &partial);
            assert_eq!(
                status,
                Status::UnprocessableEntity,
                "{path} without {field}: {error}"
            );
            assert_eq!(
                error["error"]["field"], field,
                "{path} without {field}: {error}"
            );
        }
    }
    let (status, error) = post(
        &app,
        &token,
        "/api/v1/complaints",
        &json!({"customer": {}, "received_by": "Sam", "category": "Delivery", "nature": "Late"}),
    );
    assert_eq!(status, Status::UnprocessableEntity, "{error}");
    assert_eq!(error["error"]["field"], "customer.name");
    let (status, error) = post(&app, &token, "/api/v1/tags/Late/links", &json!({}));
    assert_eq!(status, Status::UnprocessableEntity, "{error}");
    assert_eq!(error["error"]["field"], "answer");
}
