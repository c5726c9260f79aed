//! The staff pages with which designers build surveys: creating, adding every kind of question,
//! editing, reordering, deleting, lint hints beside their question, the respondent preview,
//! publishing, the freeze after it, closing; refusals shown again with what was typed; read-only
//! pages for analysts, nothing at all for other designers; and escaping of staff and respondent
//! text (security checks 1 and 2).

use hearken::auth::Role;
use hearken::auth::model::User;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use scraper::{Html, Selector};
use serde_json::Value;

use crate::respond::{open_form, send};
use crate::surveys::get;
use crate::{PASSWORD, SecondBrowser, TestApp, form};

/// Posts a form with the client's CSRF token first; (status, Location, body).
pub(crate) fn post(
    client: &Client,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (Status, String, String) {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    let response = client
        .post(path.to_string())
        .header(ContentType::Form)
        .body(form(&all))
        .dispatch();
    let status = response.status();
    let location = response
        .headers()
        .get_one("Location")
        .unwrap_or_default()
        .to_string();
    (status, location, response.into_string().unwrap_or_default())
}

pub(crate) fn page(client: &Client, path: &str) -> (Status, String) {
    let response = client.get(path.to_string()).dispatch();
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

pub(crate) fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

pub(crate) fn text_of(element: scraper::ElementRef<'_>) -> String {
    element.text().collect::<String>()
}

/// A designer signed in on the app's own client, with an API token to read what was saved.
pub(crate) fn designer(app: &TestApp, email: &str) -> (User, String) {
    let user = app.add_user(email, Role::Designer);
    assert_eq!(app.sign_in(email, PASSWORD), Status::SeeOther);
    let token = app.token(&user);
    (user, token)
}

/// A second browser signed in as a new user of `role`.
pub(crate) fn browser(app: &TestApp, email: &str, role: Role) -> SecondBrowser {
    app.add_user(email, role);
    let browser = TestApp::with_client_of(app);
    assert_eq!(browser.sign_in(email, PASSWORD), Status::SeeOther);
    browser
}

/// Creates a survey through the "New survey" form; its id.
pub(crate) fn create(app: &TestApp, title: &str) -> String {
    let (status, location, _) = post(
        &app.client,
        &app.csrf(),
        "/surveys",
        &[("title", title), ("language", "en")],
    );
    assert_eq!(status, Status::SeeOther);
    let id = location
        .strip_prefix("/surveys/")
        .expect("to the survey page");
    assert!(!id.is_empty() && !id.contains('/'), "{location}");
    id.to_string()
}

/// Adds a question through the add form; (status, body).
fn add(app: &TestApp, id: &str, fields: &[(&str, &str)]) -> (Status, String) {
    let (status, location, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/questions"),
        fields,
    );
    if status == Status::SeeOther {
        assert_eq!(location, format!("/surveys/{id}"));
    }
    (status, body)
}

fn api_survey(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, survey) = get(app, token, &format!("/api/v1/surveys/{id}"));
    assert_eq!(status, Status::Ok, "{survey}");
    survey
}

fn prompts(survey: &Value) -> Vec<String> {
    survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["prompt"].as_str().unwrap().to_string())
        .collect()
}

fn question_id(survey: &Value, prompt: &str) -> String {
    survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["prompt"] == prompt)
        .and_then(|q| q["id"].as_str())
        .unwrap_or_else(|| panic!("no question {prompt}"))
        .to_string()
}

const LEADING: &str = "Don't you agree that our shop is the best?";

#[test]
fn a_designer_builds_publishes_and_closes_a_survey_through_the_pages() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "designer@example.com");
    let (status, list) = page(&app.client, "/surveys");
    assert_eq!(status, Status::Ok);
    assert!(list.contains("action=\"/surveys\""), "the New survey form");

    let id = create(&app, "Service check");
    let (status, list) = page(&app.client, "/surveys");
    assert_eq!(status, Status::Ok);
    let html = Html::parse_document(&list);
    assert!(
        select(&html, &format!("a[href=\"/surveys/{id}\"]"))
            .iter()
            .any(|a| text_of(*a) == "Service check"),
        "the list links the new survey"
    );

    // One question of each of several kinds.
    for fields in [
        vec![("kind", "text"), ("prompt", "What is your first name?")],
        vec![("kind", "long_text"), ("prompt", LEADING)],
        vec![
            ("kind", "single_choice"),
            ("prompt", "How did you contact us?"),
            ("options", "Phone\r\nEmail\r\nChat\r\n"),
        ],
        vec![
            ("kind", "rating"),
            ("prompt", "How quickly was your problem solved?"),
            ("scale_min", "1"),
            ("scale_max", "7"),
            ("required", "true"),
        ],
        vec![
            ("kind", "competitor"),
            ("prompt", "How do we compare with other shops?"),
            ("options", "Us\nShopCo\nBuyMart"),
            ("attributes", "Price\nQuality"),
        ],
    ] {
        let (status, body) = add(&app, &id, &fields);
        assert_eq!(status, Status::SeeOther, "{fields:?}: {body}");
    }
    let survey = api_survey(&app, &token, &id);
    let questions = survey["questions"].as_array().unwrap();
    let kinds: Vec<&str> = questions
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["text", "long_text", "single_choice", "rating", "competitor"]
    );
    assert_eq!(
        questions[2]["options"],
        serde_json::json!(["Phone", "Email", "Chat"])
    );
    assert_eq!(questions[3]["scale"]["max"], 7);
    assert_eq!(questions[3]["required"], true);
    assert_eq!(
        questions[4]["brands"],
        serde_json::json!(["Us", "ShopCo", "BuyMart"])
    );
    assert_eq!(
        questions[4]["attributes"],
        serde_json::json!(["Price", "Quality"])
    );
    // Each question's edit form holds its lists one per line, exactly.
    let (_, body) = page(&app.client, &format!("/surveys/{id}"));
    let html = Html::parse_document(&body);
    let competitor_id = questions[4]["id"].as_str().unwrap();
    let item = &select(&html, &format!("li[data-question=\"{competitor_id}\"]"))[0];
    let lists: Vec<String> = item
        .select(&Selector::parse("details.card-body textarea").unwrap())
        .map(text_of)
        .collect();
    assert_eq!(lists, ["Us\nShopCo\nBuyMart", "Price\nQuality"]);

    // Edit the choice question: new wording, one more option, required.
    let choice = question_id(&survey, "How did you contact us?");
    let (status, location, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/questions/edit"),
        &[
            ("question", &choice),
            ("kind", "single_choice"),
            ("prompt", "How did you reach us?"),
            ("options", "Phone\nEmail\nChat\nIn the shop"),
            ("required", "true"),
        ],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    assert_eq!(location, format!("/surveys/{id}"));
    let survey = api_survey(&app, &token, &id);
    let edited = &survey["questions"][2];
    assert_eq!(
        edited["id"],
        choice.as_str(),
        "the same question, changed in place"
    );
    assert_eq!(edited["prompt"], "How did you reach us?");
    assert_eq!(edited["options"][3], "In the shop");
    assert_eq!(edited["required"], true);

    // Reorder: the competitor comparison up one place, the first question down one.
    let competitor = question_id(&survey, "How do we compare with other shops?");
    let first = question_id(&survey, "What is your first name?");
    for (question, direction) in [(&competitor, "up"), (&first, "down")] {
        let (status, _, body) = post(
            &app.client,
            &app.csrf(),
            &format!("/surveys/{id}/questions/move"),
            &[("question", question), ("direction", direction)],
        );
        assert_eq!(status, Status::SeeOther, "{body}");
    }
    let survey = api_survey(&app, &token, &id);
    assert_eq!(
        prompts(&survey),
        [
            LEADING,
            "What is your first name?",
            "How did you reach us?",
            "How do we compare with other shops?",
            "How quickly was your problem solved?",
        ]
    );

    // Delete one.
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/questions/delete"),
        &[("question", &first)],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    let survey = api_survey(&app, &token, &id);
    assert_eq!(survey["questions"].as_array().unwrap().len(), 4);
    assert!(
        !prompts(&survey)
            .iter()
            .any(|p| p == "What is your first name?")
    );

    // The leading-wording hint is drawn inside that question's element, and only there.
    let leading = question_id(&survey, LEADING);
    let (status, body) = page(&app.client, &format!("/surveys/{id}"));
    assert_eq!(status, Status::Ok);
    let html = Html::parse_document(&body);
    let item = select(&html, &format!("li.card[data-question=\"{leading}\"]"));
    assert_eq!(item.len(), 1);
    let hints: Vec<String> = item[0]
        .select(&Selector::parse(".hint").unwrap())
        .map(text_of)
        .collect();
    assert!(
        hints.iter().any(|h| h.contains("steers respondents")),
        "{hints:?}"
    );
    let elsewhere = select(&html, "li.card .hint")
        .into_iter()
        .filter(|h| text_of(*h).contains("steers respondents"))
        .count();
    assert_eq!(elsewhere, 1, "the hint sits beside its own question only");
    // A survey-level hint (no introduction) is shown at the top, not beside a question.
    assert!(
        select(&html, ".survey-hints .hint")
            .iter()
            .any(|h| text_of(*h).contains("no introduction"))
    );

    // The preview is the respondent form, without its buttons.
    let (status, body) = page(&app.client, &format!("/surveys/{id}/preview"));
    assert_eq!(status, Status::Ok);
    let html = Html::parse_document(&body);
    assert_eq!(select(&html, "form.survey").len(), 1);
    assert!(body.contains("Preview: answers are not saved."));
    assert!(select(&html, "button").is_empty(), "no submit button");
    assert_eq!(
        select(&html, &format!("textarea[name=\"q.{leading}\"]")).len(),
        1
    );
    assert_eq!(
        select(&html, &format!("input[type=radio][name=\"q.{choice}\"]")).len(),
        4
    );
    // Sending the preview form checks the answers and stores nothing.
    let (status, _, _) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/preview"),
        &[(&format!("q.{leading}"), "Fine")],
    );
    assert_eq!(status, Status::UnprocessableEntity, "the required rating");
    assert_eq!(app.count("responses"), 0);

    // Publish.
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/publish"),
        &[("confirm", "true")],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    assert_eq!(api_survey(&app, &token, &id)["status"], "open");
    let (_, body) = page(&app.client, &format!("/surveys/{id}"));
    let html = Html::parse_document(&body);
    assert!(body.contains(&format!("/s/{id}")), "the open link is shown");
    assert!(
        select(&html, &format!("form[action=\"/surveys/{id}/questions\"]")).is_empty(),
        "no add form once published"
    );
    assert!(select(&html, "form[action$=\"/questions/edit\"]").is_empty());

    // The questions are frozen now.
    let (status, body) = add(&app, &id, &[("kind", "text"), ("prompt", "One more?")]);
    assert_eq!(status, Status::Conflict);
    assert!(body.contains("can no longer change"), "{body}");
    assert_eq!(
        api_survey(&app, &token, &id)["questions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Close.
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/close"),
        &[],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    assert_eq!(api_survey(&app, &token, &id)["status"], "closed");
}

#[test]
fn survey_texts_templates_and_deleting_a_draft() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "designer@example.com");
    let id = create(&app, "First title");
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/details"),
        &[
            ("title", "Second title"),
            (
                "intro",
                "Your answers help us fix what matters to you.\r\nThank you for your time.",
            ),
            ("thank_you", "Thank you!"),
            ("language", "nl"),
            ("anonymous", "true"),
        ],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    let survey = api_survey(&app, &token, &id);
    assert_eq!(survey["title"], "Second title");
    assert_eq!(survey["language"], "nl");
    assert_eq!(survey["anonymous"], true);
    // A text of several lines comes back from the page's textarea exactly as stored, so saving
    // the form again changes nothing.
    let stored = survey["intro"].as_str().unwrap().to_string();
    assert!(stored.contains('\n'));
    let (_, body) = page(&app.client, &format!("/surveys/{id}"));
    let html = Html::parse_document(&body);
    assert_eq!(text_of(select(&html, "#details-intro")[0]), stored);

    // An empty title is refused by name, with what was typed kept.
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/details"),
        &[("title", " "), ("intro", "Kept intro")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("Title: must not be empty"), "{body}");
    assert!(body.contains("Kept intro"));
    assert_eq!(api_survey(&app, &token, &id)["title"], "Second title");

    // From a template.
    let (status, location, _) = post(
        &app.client,
        &app.csrf(),
        "/surveys/from-template",
        &[("template", "customer-needs")],
    );
    assert_eq!(status, Status::SeeOther);
    let from_template = location.strip_prefix("/surveys/").unwrap();
    let survey = api_survey(&app, &token, from_template);
    assert!(survey["questions"].as_array().unwrap().len() >= 5);
    let (status, _, _) = post(
        &app.client,
        &app.csrf(),
        "/surveys/from-template",
        &[("template", "no-such-template")],
    );
    assert_eq!(status, Status::UnprocessableEntity);

    // Deleting a draft needs the tick.
    let path = format!("/surveys/{id}/delete");
    let (status, _, _) = post(&app.client, &app.csrf(), &path, &[]);
    assert_eq!(status, Status::UnprocessableEntity);
    api_survey(&app, &token, &id);
    let (status, location, _) = post(&app.client, &app.csrf(), &path, &[("confirm", "true")]);
    assert_eq!(status, Status::SeeOther);
    assert_eq!(location, "/surveys");
    let (status, _) = get(&app, &token, &format!("/api/v1/surveys/{id}"));
    assert_eq!(status, Status::NotFound);
}

#[test]
fn an_invalid_question_is_shown_again_with_its_field_and_nothing_is_saved() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "designer@example.com");
    let id = create(&app, "Colours");
    let (status, body) = add(
        &app,
        &id,
        &[
            ("kind", "single_choice"),
            ("prompt", "Which colour do you like?"),
            ("options", "Red\nBlue\nred"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    let html = Html::parse_document(&body);
    let error = select(&html, "#add-error");
    assert_eq!(error.len(), 1, "the message sits in the add form");
    let message = text_of(error[0]);
    assert!(
        message.contains("Options: “red” is listed twice."),
        "{message}"
    );
    let prompt = select(&html, "#add-prompt");
    assert_eq!(
        prompt[0].value().attr("value"),
        Some("Which colour do you like?")
    );
    assert_eq!(text_of(select(&html, "#add-options")[0]), "Red\nBlue\nred");
    assert!(
        select(&html, "#add-kind option[selected]")
            .iter()
            .any(|o| o.value().attr("value") == Some("single_choice"))
    );
    assert!(
        api_survey(&app, &token, &id)["questions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing saved"
    );

    // An invalid edit opens that question's form again with the message in it.
    let (status, _) = add(
        &app,
        &id,
        &[
            ("kind", "single_choice"),
            ("prompt", "Which colour do you like?"),
            ("options", "Red\nBlue"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let question = api_survey(&app, &token, &id)["questions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/questions/edit"),
        &[
            ("question", &question),
            ("kind", "rating"),
            ("prompt", "How much do you like red?"),
            ("scale_min", "5"),
            ("scale_max", "1"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    let html = Html::parse_document(&body);
    let open = select(&html, "details.card-body[open]");
    assert_eq!(open.len(), 1);
    let inside = text_of(open[0]);
    assert!(inside.contains("Scale: needs"), "{inside}");
    assert_eq!(
        api_survey(&app, &token, &id)["questions"][0]["kind"],
        "single_choice"
    );

    // Publishing an empty survey is refused with the hint that blocks it.
    let empty = create(&app, "Empty");
    let (status, _, body) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{empty}/publish"),
        &[("confirm", "true")],
    );
    assert_eq!(status, Status::Conflict);
    let html = Html::parse_document(&body);
    let alert = text_of(select(&html, "#conflict")[0]);
    assert!(
        alert.contains("The survey has no questions yet."),
        "{alert}"
    );
    assert_eq!(api_survey(&app, &token, &empty)["status"], "draft");
}

#[test]
fn analysts_read_without_forms_and_other_designers_see_nothing() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "owner@example.com");
    let id = create(&app, "Owned survey");
    let (status, _) = add(
        &app,
        &id,
        &[("kind", "text"), ("prompt", "What should we improve?")],
    );
    assert_eq!(status, Status::SeeOther);
    let question = question_id(&api_survey(&app, &token, &id), "What should we improve?");

    let analyst = browser(&app, "analyst@example.com", Role::Analyst);
    let (status, body) = page(&analyst.client, &format!("/surveys/{id}"));
    assert_eq!(status, Status::Ok);
    assert!(body.contains("What should we improve?"));
    let html = Html::parse_document(&body);
    let forms: Vec<String> = select(&html, "form")
        .iter()
        .filter_map(|f| f.value().attr("action").map(str::to_string))
        .collect();
    assert_eq!(forms, ["/logout"], "no forms but signing out");
    let (status, body) = page(&analyst.client, "/surveys");
    assert_eq!(status, Status::Ok);
    assert!(body.contains("Owned survey"));
    assert!(!body.contains("action=\"/surveys\""), "no New survey form");
    let csrf = analyst.csrf();
    for (path, fields) in [
        (
            format!("/surveys/{id}/questions"),
            vec![("kind", "text"), ("prompt", "Sneaky?")],
        ),
        (
            format!("/surveys/{id}/questions/delete"),
            vec![("question", question.as_str())],
        ),
        (format!("/surveys/{id}/publish"), vec![("confirm", "true")]),
        (
            format!("/surveys/{id}/details"),
            vec![("title", "Taken over")],
        ),
        (
            "/surveys".to_string(),
            vec![("title", "Mine now"), ("language", "en")],
        ),
    ] {
        let (status, _, _) = post(&analyst.client, &csrf, &path, &fields);
        assert_eq!(status, Status::Forbidden, "{path}");
    }
    let survey = api_survey(&app, &token, &id);
    assert_eq!(survey["title"], "Owned survey");
    assert_eq!(survey["status"], "draft");
    assert_eq!(prompts(&survey), ["What should we improve?"]);

    let other = browser(&app, "other@example.com", Role::Designer);
    for path in [
        format!("/surveys/{id}"),
        format!("/surveys/{id}/preview"),
        format!("/surveys/{id}/responses"),
    ] {
        assert_eq!(page(&other.client, &path).0, Status::NotFound, "{path}");
    }
    let (_, body) = page(&other.client, "/surveys");
    assert!(
        !body.contains("Owned survey"),
        "not in another designer's list"
    );
    let csrf = other.csrf();
    for (path, fields) in [
        (
            format!("/surveys/{id}/questions"),
            vec![("kind", "text"), ("prompt", "Sneaky?")],
        ),
        (
            format!("/surveys/{id}/questions/delete"),
            vec![("question", question.as_str())],
        ),
        (format!("/surveys/{id}/publish"), vec![("confirm", "true")]),
        (format!("/surveys/{id}/delete"), vec![("confirm", "true")]),
    ] {
        let (status, _, _) = post(&other.client, &csrf, &path, &fields);
        assert_eq!(status, Status::NotFound, "{path}");
    }
    let survey = api_survey(&app, &token, &id);
    assert_eq!(survey["status"], "draft");
    assert_eq!(prompts(&survey), ["What should we improve?"]);
}

#[test]
fn staff_and_respondent_text_is_escaped_on_the_design_pages() {
    let app = TestApp::new();
    let (_, token) = designer(&app, "designer@example.com");
    let payload = "\"><img src=x onerror=alert(1)>{{7*7}}";
    let id = create(&app, payload);
    let (status, body) = add(
        &app,
        &id,
        &[
            ("kind", "single_choice"),
            ("prompt", payload),
            ("help", payload),
            ("options", &format!("{payload}\nB")),
        ],
    );
    assert_eq!(status, Status::SeeOther, "{body}");
    let (status, body) = add(&app, &id, &[("kind", "long_text"), ("prompt", "Why?")]);
    assert_eq!(status, Status::SeeOther, "{body}");
    let (status, _, _) = post(
        &app.client,
        &app.csrf(),
        &format!("/surveys/{id}/publish"),
        &[("confirm", "true")],
    );
    assert_eq!(status, Status::SeeOther);
    let survey = api_survey(&app, &token, &id);
    let choice = question_id(&survey, payload);
    let why = question_id(&survey, "Why?");

    // A respondent answers with the payload through the open link.
    let respondent = TestApp::with_client_of(&app);
    let (_, csrf, submission) = open_form(&respondent.client, &format!("/s/{id}"));
    let (status, _, _) = send(
        &respondent.client,
        &format!("/s/{id}"),
        &[
            ("csrf", &csrf),
            ("submission", &submission),
            (&format!("q.{choice}"), payload),
            (&format!("q.{why}"), payload),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    assert_eq!(app.count("responses"), 1);

    for path in [
        "/surveys".to_string(),
        format!("/surveys/{id}"),
        format!("/surveys/{id}/preview"),
        format!("/surveys/{id}/responses"),
    ] {
        let (status, body) = page(&app.client, &path);
        assert_eq!(status, Status::Ok, "{path}");
        let html = Html::parse_document(&body);
        assert!(select(&html, "img").is_empty(), "{path} has an <img>");
        assert!(
            select(&html, "*")
                .iter()
                .all(|e| e.value().attrs().all(|(name, _)| !name.starts_with("on"))),
            "{path} has an event handler attribute"
        );
        assert!(
            body.contains("{{7*7}}"),
            "{path} evaluated a template expression from data"
        );
        assert!(body.contains("&lt;img"), "{path} shows the text, escaped");
    }
    // The answer is there as text, under its question.
    let (_, body) = page(&app.client, &format!("/surveys/{id}/responses"));
    let html = Html::parse_document(&body);
    let answers: Vec<String> = select(&html, ".answer").into_iter().map(text_of).collect();
    assert_eq!(answers, [payload, payload]);
}

#[test]
fn the_list_shows_only_what_the_user_may_see_a_page_at_a_time() {
    let app = TestApp::new();
    let (owner, _) = designer(&app, "designer@example.com");
    let other = app.add_user("other@example.com", Role::Designer);
    {
        let mut conn = app.db().conn().unwrap();
        for (user, title) in [(&owner, "Mine"), (&other, "Theirs")] {
            for n in 0..60 {
                let input = hearken::survey::editing::SurveyInput {
                    title: Some(format!("{title} {n:03}")),
                    ..Default::default()
                };
                hearken::survey::editing::create(&mut conn, user, None, input).unwrap();
            }
        }
    }
    // The designer sees their own 60, on one page.
    let (_, body) = page(&app.client, "/surveys");
    assert!(body.contains("Mine 059") && !body.contains("Theirs"));
    assert!(!body.contains("/surveys?after"));

    // An admin sees all 120, the first hundred and then a link to the rest.
    let admin = browser(&app, "admin@example.com", Role::Admin);
    let (_, body) = page(&admin.client, "/surveys");
    let html = Html::parse_document(&body);
    assert_eq!(select(&html, "tbody tr").len(), 100);
    let next = select(&html, "a[href^=\"/surveys?after=\"]");
    assert_eq!(next.len(), 1);
    let (status, body) = page(&admin.client, next[0].value().attr("href").unwrap());
    assert_eq!(status, Status::Ok);
    let html = Html::parse_document(&body);
    assert_eq!(select(&html, "tbody tr").len(), 20);
    assert!(body.contains("Theirs 059"));
    assert_eq!(
        page(&admin.client, "/surveys?after=not-a-cursor").0,
        Status::UnprocessableEntity
    );
}
