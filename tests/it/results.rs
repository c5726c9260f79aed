//! Results through the real app: every kind's figures checked against figures this test
//! computes itself from the stored answers (for everyone and for segments by time, channel
//! and contact attribute), the kept figures equal to a recount, and the hostile and empty
//! cases that must give sensible figures rather than an error.

use hearken::auth::Role;
use hearken::respond::checking::{self, Origin};
use hearken::respond::writer::Writer;
use rocket::http::{ContentType, Status};
use serde_json::{Map, Value, json};

use crate::surveys::{all_kinds, get, post};
use crate::{TestApp, bearer};

/// A published survey with `questions`; (designer token, survey id).
fn published(app: &TestApp, questions: Value, anonymous: bool) -> (String, String) {
    let (_, token) = app.user_with_token(Role::Designer);
    let body = json!({
        "title": "Results check",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "anonymous": anonymous,
        "questions": questions,
    });
    let (status, created) = post(app, &token, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, published) = post(
        app,
        &token,
        &format!("/api/v1/surveys/{id}/publish"),
        &json!({}),
    );
    assert_eq!(status, Status::Ok, "{published}");
    (token, id)
}

/// Stores responses through the batching writer, all at once, as pages and the API do:
/// (answers, channel, contact id).
pub fn submit_all(
    app: &TestApp,
    survey_id: &str,
    responses: Vec<(Map<String, Value>, &'static str, Option<String>)>,
) {
    let survey = {
        let mut conn = app.db().conn().unwrap();
        hearken::survey::editing::load(&mut conn, survey_id)
            .unwrap()
            .unwrap()
    };
    let writer = app.client.rocket().state::<Writer>().unwrap().clone();
    let runtime = rocket::tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for (answers, channel, contact) in responses {
            let checked = checking::check(&survey, &answers);
            assert!(checked.problems.is_empty(), "{:?}", checked.problems);
            let origin = Origin {
                channel,
                submission_key: hearken::ids::new_id(),
                invitation_id: None,
                contact_id: contact.as_deref(),
            };
            let submission = checking::submission(&survey, &checked.answers, origin).unwrap();
            let writer = writer.clone();
            tasks.push(rocket::tokio::spawn(async move {
                writer.submit(submission).await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
}

/// A small deterministic generator, so a failure can be replayed.
pub struct Dice(pub u64);

impl Dice {
    pub fn roll(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Answers to [`all_kinds`], some questions left out, with "other" and "don't know" answers.
pub fn random_answers(dice: &mut Dice) -> Map<String, Value> {
    let mut answers = Map::new();
    let mut maybe = |dice: &mut Dice, id: &str, value: Value| {
        if dice.roll(6) > 0 {
            answers.insert(id.to_string(), value);
        }
    };
    let words = [
        "slow delivery",
        "friendly staff",
        "late deliveries",
        "price is fine",
        "staff were friendly",
    ];
    maybe(dice, "name", json!("Ann"));
    let word = words[dice.roll(words.len())];
    let channel = ["Phone", "Email", "Chat", "Carrier pigeon"][dice.roll(4)];
    maybe(dice, "channel", json!(channel));
    let topics: Vec<&str> = ["Billing", "Delivery", "Returns"]
        .into_iter()
        .filter(|_| dice.roll(2) == 0)
        .take(2)
        .collect();
    maybe(dice, "topics", json!(topics));
    let speed = 1 + dice.roll(5);
    maybe(dice, "speed", json!(speed));
    let nps = dice.roll(11);
    maybe(dice, "recommend", json!(nps));
    let mut order = vec!["Price", "Speed", "Friendliness"];
    let first = dice.roll(3);
    order.swap(0, first);
    if dice.roll(2) == 0 {
        order.swap(1, 2);
    }
    maybe(dice, "priorities", json!(order));
    let mut versus = Map::new();
    for brand in ["Us", "ShopCo", "BuyMart"] {
        let mut scores = Map::new();
        for attribute in ["Price", "Quality"] {
            let score = match dice.roll(6) {
                0 => Value::Null,
                n => json!(n),
            };
            scores.insert(attribute.to_string(), score);
        }
        versus.insert(brand.to_string(), Value::Object(scores));
    }
    maybe(dice, "versus", Value::Object(versus));
    // Required in the survey, so always answered.
    answers.insert("improve".to_string(), json!(word));
    answers
}

/// Every stored response's answers, through the responses API.
fn stored_answers(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = format!("/api/v1/surveys/{id}/responses?limit=1000");
    loop {
        let (status, page) = get(app, token, &path);
        assert_eq!(status, Status::Ok, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/surveys/{id}/responses?limit=1000&after={next}"),
            None => return items,
        }
    }
}

fn close(actual: &Value, expected: Option<f64>, what: &str) {
    match expected {
        None => assert!(actual.is_null(), "{what}: {actual} where none was expected"),
        Some(expected) => {
            let actual = actual
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
            assert!(
                (actual - expected).abs() < 1e-9,
                "{what}: {actual}, expected {expected}"
            );
        }
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Checks a results document against figures computed here from the stored answers.
fn check_against(results: &Value, answers: &[Value]) {
    assert_eq!(results["responses"], json!(answers.len()), "{results}");
    let question = |id: &str| {
        results["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["question_id"] == id)
            .unwrap_or_else(|| panic!("no figures for {id}"))
            .clone()
    };
    let given =
        |id: &str| -> Vec<Value> { answers.iter().filter_map(|a| a.get(id).cloned()).collect() };
    for id in [
        "name",
        "improve",
        "channel",
        "topics",
        "speed",
        "recommend",
        "priorities",
        "versus",
    ] {
        assert_eq!(
            question(id)["answered"],
            json!(given(id).len()),
            "answered of {id}"
        );
    }

    let channel = question("channel");
    for option in ["Phone", "Email", "Chat"] {
        let n = given("channel").iter().filter(|v| *v == option).count();
        assert_eq!(channel["counts"][option], json!(n), "{option}");
    }
    let others = given("channel")
        .iter()
        .filter(|v| *v == "Carrier pigeon")
        .count();
    assert_eq!(channel["counts"]["other"], json!(others));

    let topics = question("topics");
    for option in ["Billing", "Delivery", "Returns"] {
        let n = given("topics")
            .iter()
            .filter(|v| v.as_array().unwrap().iter().any(|o| o == option))
            .count();
        assert_eq!(topics["counts"][option], json!(n), "{option}");
    }

    let speeds: Vec<f64> = given("speed").iter().map(|v| v.as_f64().unwrap()).collect();
    let speed = question("speed");
    close(&speed["mean"], mean(&speeds), "mean speed");
    close(&speed["median"], median(&speeds), "median speed");
    for value in 1..=5 {
        let n = speeds.iter().filter(|s| **s == value as f64).count();
        assert_eq!(speed["distribution"][value.to_string()], json!(n));
    }

    let scores: Vec<i64> = given("recommend")
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let promoters = scores.iter().filter(|s| **s >= 9).count();
    let detractors = scores.iter().filter(|s| **s <= 6).count();
    let nps = question("recommend");
    assert_eq!(nps["promoters"], json!(promoters));
    assert_eq!(nps["detractors"], json!(detractors));
    assert_eq!(
        nps["passives"],
        json!(scores.len() - promoters - detractors)
    );
    close(
        &nps["score"],
        (!scores.is_empty())
            .then(|| (promoters as f64 - detractors as f64) * 100.0 / scores.len() as f64),
        "NPS",
    );

    let priorities = question("priorities");
    for option in ["Price", "Speed", "Friendliness"] {
        let ranks: Vec<f64> = given("priorities")
            .iter()
            .map(|v| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .position(|o| o == option)
                    .unwrap() as f64
                    + 1.0
            })
            .collect();
        close(&priorities["mean_rank"][option], mean(&ranks), option);
    }

    let versus = question("versus");
    let grids = given("versus");
    for brand in ["Us", "ShopCo", "BuyMart"] {
        for attribute in ["Price", "Quality"] {
            let known: Vec<f64> = grids
                .iter()
                .filter_map(|g| g[brand][attribute].as_f64())
                .collect();
            let cell = &versus["brands"][brand][attribute];
            assert_eq!(cell["n"], json!(known.len()), "{brand} {attribute}");
            close(&cell["mean"], mean(&known), &format!("{brand} {attribute}"));
        }
    }
    for brand in ["ShopCo", "BuyMart"] {
        let (mut wins, mut ties, mut losses) = (0, 0, 0);
        for grid in &grids {
            for attribute in ["Price", "Quality"] {
                if let (Some(ours), Some(theirs)) = (
                    grid["Us"][attribute].as_i64(),
                    grid[brand][attribute].as_i64(),
                ) {
                    match ours.cmp(&theirs) {
                        std::cmp::Ordering::Greater => wins += 1,
                        std::cmp::Ordering::Equal => ties += 1,
                        std::cmp::Ordering::Less => losses += 1,
                    }
                }
            }
        }
        assert_eq!(
            versus["head_to_head"][brand],
            json!({"wins": wins, "ties": ties, "losses": losses}),
            "{brand}"
        );
    }
    assert!(
        versus["head_to_head"].get("Us").is_none(),
        "ours is not compared with itself"
    );
}

fn results(app: &TestApp, token: &str, id: &str, query: &str) -> Value {
    let (status, body) = get(app, token, &format!("/api/v1/surveys/{id}/results{query}"));
    assert_eq!(status, Status::Ok, "{query}: {body}");
    body
}

#[test]
fn every_kind_matches_figures_computed_from_the_stored_answers() {
    let app = TestApp::new();
    let (token, id) = published(&app, all_kinds(), false);
    let mut dice = Dice(7);
    let responses: Vec<_> = (0..120)
        .map(|i| {
            (
                random_answers(&mut dice),
                if i % 3 == 0 { "link" } else { "api" },
                None,
            )
        })
        .collect();
    submit_all(&app, &id, responses);
    let stored = stored_answers(&app, &token, &id);
    let answers: Vec<Value> = stored.iter().map(|r| r["answers"].clone()).collect();
    assert_eq!(answers.len(), 120);

    let everyone = results(&app, &token, &id, "");
    check_against(&everyone, &answers);
    assert_eq!(everyone["invited"], 0);
    assert_eq!(everyone["completion_rate"], 0.0);
    let first = &everyone["questions"][0];
    assert_eq!(
        (first["kind"].as_str(), first["prompt"].as_str()),
        (Some("text"), Some("What is your first name?"))
    );

    // Open answers: words counted per answer, inflected forms together.
    let improve = everyone["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["question_id"] == "improve")
        .unwrap();
    let texts: Vec<&str> = answers
        .iter()
        .filter_map(|a| a["improve"].as_str())
        .collect();
    let delivering = texts.iter().filter(|t| t.contains("deliver")).count();
    let terms = improve["top_terms"].as_array().unwrap();
    let delivery = terms
        .iter()
        .find(|t| t["term"].as_str().is_some_and(|t| t.starts_with("deliver")))
        .unwrap_or_else(|| panic!("no delivery term in {terms:?}"));
    assert_eq!(delivery["count"], json!(delivering));
    assert!(
        !terms.iter().any(|t| t["term"] == "is"),
        "a stop word is listed: {terms:?}"
    );

    // The same figures for the open channel alone.
    let open: Vec<Value> = stored
        .iter()
        .zip(&answers)
        .filter(|(r, _)| {
            // The API does not show the channel; the test stored every third response as open,
            // in submission order, which the writer may have reordered: ask the database.
            let id = r["id"].as_str().unwrap();
            app.texts(&format!(
                "SELECT channel AS value FROM responses WHERE id = '{id}'"
            )) == ["link"]
        })
        .map(|(_, a)| a.clone())
        .collect();
    assert_eq!(open.len(), 40);
    check_against(&results(&app, &token, &id, "?channel=open"), &open);

    // A time window: the responses submitted at or after the 61st.
    let mut times: Vec<String> = stored
        .iter()
        .map(|r| r["submitted_at"].as_str().unwrap().to_string())
        .collect();
    times.sort();
    let from = &times[60];
    let late: Vec<Value> = stored
        .iter()
        .filter(|r| r["submitted_at"].as_str().unwrap() >= from.as_str())
        .map(|r| r["answers"].clone())
        .collect();
    let from_query = format!("?from={}", from.replace('+', "%2B"));
    check_against(&results(&app, &token, &id, &from_query), &late);
    let empty = results(&app, &token, &id, "?to=2000-01-01T00:00:00Z");
    assert_eq!(empty["responses"], 0);
}

#[test]
fn a_contact_attribute_narrows_the_figures_except_on_anonymous_surveys() {
    let app = TestApp::new();
    let (_, admin) = app.user_with_token(Role::Admin);
    let csv = "email,name,store\nann@example.com,Ann,Malmö\nbo@example.com,Bo,Göteborg\ncy@example.com,Cy,Malmö\n";
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
    let rating = json!([{"id": "speed", "kind": "rating", "prompt": "How quickly?"}]);
    for anonymous in [false, true] {
        let (token, id) = published(&app, rating.clone(), anonymous);
        let answer = |n: i64| json!({"speed": n}).as_object().unwrap().clone();
        submit_all(
            &app,
            &id,
            vec![
                (answer(5), "invitation", Some(contact("ann@example.com"))),
                (answer(1), "invitation", Some(contact("bo@example.com"))),
                (answer(4), "invitation", Some(contact("cy@example.com"))),
                (answer(2), "link", None),
            ],
        );
        let malmo = results(&app, &token, &id, "?contact.store=Malm%C3%B6");
        let speed = &malmo["questions"][0];
        if anonymous {
            assert_eq!(malmo["responses"], 4, "{malmo}");
        } else {
            assert_eq!(malmo["responses"], 2, "{malmo}");
            assert_eq!(speed["mean"], 4.5);
            assert_eq!(speed["median"], 4.5);
            let nobody = results(&app, &token, &id, "?contact.store=Oslo");
            assert_eq!(nobody["responses"], 0);
            assert!(nobody["questions"][0]["mean"].is_null());
            let both = results(&app, &token, &id, "?contact.store=Malm%C3%B6&channel=open");
            assert_eq!(both["responses"], 0);
        }
    }
}

#[test]
fn kept_figures_equal_a_recount_and_stale_figures_are_counted_again() {
    let app = TestApp::new();
    let (token, id) = published(&app, all_kinds(), false);
    let mut dice = Dice(11);
    submit_all(
        &app,
        &id,
        (0..80)
            .map(|_| (random_answers(&mut dice), "api", None))
            .collect(),
    );
    let kept = results(&app, &token, &id, "");

    let survey = {
        let mut conn = app.db().conn().unwrap();
        hearken::survey::editing::load(&mut conn, &id)
            .unwrap()
            .unwrap()
    };
    let mut conn = app.db().conn().unwrap();
    let before = hearken::respond::tally::kept(&mut conn, &id, survey.questions())
        .unwrap()
        .unwrap();
    let recounted = hearken::db::write(&mut conn, |c| {
        hearken::respond::tally::recount(c, &id, survey.questions())
    })
    .unwrap();
    assert_eq!(before, recounted);
    drop(conn);

    // As after an upgrade: figures lines gone and the tallies marked stale and wrong.
    app.execute(&format!(
        "UPDATE responses SET figures = NULL WHERE survey_id = '{id}'; \
         UPDATE question_tallies SET n = n + 100 WHERE survey_id = '{id}'; \
         UPDATE survey_tallies SET stale = TRUE WHERE survey_id = '{id}'"
    ));
    let again = results(&app, &token, &id, "");
    assert_eq!(again, kept);
    assert_eq!(app.count("responses WHERE figures IS NULL"), 0);
    assert_eq!(results(&app, &token, &id, "?channel=api"), kept);
}

#[test]
fn empty_and_hostile_surveys_give_sensible_figures() {
    let app = TestApp::new();
    let questions = json!([
        {"id": "why", "kind": "long_text", "prompt": "Why?"},
        {"id": "never", "kind": "text", "prompt": "Nobody answers this"},
        {"id": "score", "kind": "rating", "prompt": "Out of ten", "scale": {"min": 0, "max": 10}},
        {"id": "pick", "kind": "single_choice", "prompt": "Which?", "options": ["A", "B"], "other": true},
        {"id": "vs", "kind": "competitor", "prompt": "Compare", "brands": ["Us", "Them"], "attributes": ["Price"]}
    ]);
    let (token, id) = published(&app, questions, false);
    let none = results(&app, &token, &id, "");
    assert_eq!(none["responses"], 0);
    for question in none["questions"].as_array().unwrap() {
        assert_eq!(question["answered"], 0, "{question}");
    }
    assert!(none["questions"][2]["mean"].is_null() && none["questions"][2]["median"].is_null());
    assert_eq!(
        none["questions"][2]["distribution"]
            .as_object()
            .unwrap()
            .len(),
        11
    );
    assert_eq!(
        none["questions"][3]["counts"],
        json!({"A": 0, "B": 0, "other": 0})
    );

    let long_word = "pneumonia ".repeat(1000);
    let mut batch = Vec::new();
    for i in 0..500 {
        let mut answers = Map::new();
        answers.insert("pick".into(), json!(format!("Something else {i}")));
        answers.insert("score".into(), json!(i % 11));
        answers.insert(
            "vs".into(),
            json!({"Us": {"Price": null}, "Them": {"Price": null}}),
        );
        if i == 0 {
            answers.insert("why".into(), json!(long_word.trim()));
        }
        batch.push((answers, "api", None));
    }
    submit_all(&app, &id, batch);
    let full = results(&app, &token, &id, "");
    assert_eq!(
        full["questions"][3]["counts"],
        json!({"A": 0, "B": 0, "other": 500})
    );
    assert_eq!(full["questions"][2]["distribution"]["0"], 46);
    assert_eq!(full["questions"][2]["median"], 5.0);
    let vs = &full["questions"][4];
    assert_eq!(vs["brands"]["Us"]["Price"], json!({"mean": null, "n": 0}));
    assert_eq!(
        vs["head_to_head"]["Them"],
        json!({"wins": 0, "ties": 0, "losses": 0})
    );
    let terms = full["questions"][0]["top_terms"].as_array().unwrap();
    assert_eq!(terms[0]["term"], "pneumonia");
    assert_eq!(terms[0]["count"], 1, "a word counts once per answer");
    assert!(terms[0]["examples"][0].as_str().unwrap().chars().count() <= 201);
    assert_eq!(full["questions"][1]["top_terms"], json!([]));
}

#[test]
fn results_are_for_readers_and_refuse_unknown_parameters() {
    let app = TestApp::new();
    let (_, id) = published(&app, all_kinds(), false);
    let (_, analyst) = app.user_with_token(Role::Analyst);
    let (_, other_designer) = app.user_with_token(Role::Designer);
    results(&app, &analyst, &id, "");
    let (status, _) = get(
        &app,
        &other_designer,
        &format!("/api/v1/surveys/{id}/results"),
    );
    assert_eq!(status, Status::NotFound);
    let anonymous = app
        .client
        .get(format!("/api/v1/surveys/{id}/results"))
        .dispatch();
    assert_eq!(anonymous.status(), Status::Unauthorized);
    for (query, field) in [
        ("?colour=red", "colour"),
        ("?from=yesterday", "from"),
        ("?channel=fax", "channel"),
        ("?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
        ("?contact.=x", "contact."),
    ] {
        let (status, body) = get(
            &app,
            &analyst,
            &format!("/api/v1/surveys/{id}/results{query}"),
        );
        assert_eq!(status, Status::UnprocessableEntity, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let (status, _) = get(&app, &analyst, "/api/v1/surveys/nope/results");
    assert_eq!(status, Status::NotFound);
}

#[derive(Debug, Clone)]
enum Step {
    /// A response from these dice, by one of three contacts or through the open link.
    Submit(u64, Option<usize>),
    /// Erase one of the three contacts.
    Erase(usize),
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (any::<u64>(), proptest::option::of(0..3usize)).prop_map(|(d, c)| Step::Submit(d, c)),
        1 => (0..3usize).prop_map(Step::Erase),
    ]
}

/// The kept figures equal a recount from the stored answers after any mix of submissions
/// (in batches, as the writer takes them) and contact erasures.
#[test]
fn kept_figures_equal_a_recount_after_random_submissions_and_erasures() {
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    let steps = proptest::collection::vec(step(), 1..40);
    runner
        .run(&steps, |steps| {
            let app = TestApp::new();
            let (_, admin) = app.user_with_token(Role::Admin);
            let csv =
                "email,store\na@example.com,Malmö\nb@example.com,Göteborg\nc@example.com,Malmö\n";
            let imported = app
                .client
                .post("/api/v1/contacts")
                .header(bearer(&admin))
                .header(ContentType::new("text", "csv"))
                .body(csv)
                .dispatch();
            assert_eq!(imported.status(), Status::Ok);
            let contacts = app.texts("SELECT id AS value FROM contacts ORDER BY email");
            let (token, id) = published(&app, all_kinds(), false);
            let mut batch = Vec::new();
            let mut erased = [false; 3];
            for step in steps.iter().chain([&Step::Erase(9)]) {
                match step {
                    Step::Submit(dice, contact) => {
                        let contact = contact.filter(|c| !erased[*c]).map(|c| contacts[c].clone());
                        let channel = if contact.is_some() {
                            "invitation"
                        } else {
                            "link"
                        };
                        batch.push((random_answers(&mut Dice(*dice)), channel, contact));
                    }
                    Step::Erase(c) => {
                        submit_all(&app, &id, std::mem::take(&mut batch));
                        if *c < 3 && !erased[*c] {
                            erased[*c] = true;
                            let gone = app
                                .client
                                .delete(format!("/api/v1/contacts/{}", contacts[*c]))
                                .header(bearer(&admin))
                                .dispatch();
                            assert_eq!(gone.status(), Status::NoContent);
                        }
                    }
                }
            }
            let kept = results(&app, &token, &id, "");
            let malmo = results(&app, &token, &id, "?contact.store=Malm%C3%B6");
            let survey = {
                let mut conn = app.db().conn().unwrap();
                hearken::survey::editing::load(&mut conn, &id)
                    .unwrap()
                    .unwrap()
            };
            let mut conn = app.db().conn().unwrap();
            let before = hearken::respond::tally::kept(&mut conn, &id, survey.questions())
                .unwrap()
                .unwrap();
            let recounted = hearken::db::write(&mut conn, |c| {
                hearken::respond::tally::recount(c, &id, survey.questions())
            })
            .unwrap();
            drop(conn);
            proptest::prop_assert_eq!(&before, &recounted);
            proptest::prop_assert_eq!(kept, results(&app, &token, &id, ""));
            proptest::prop_assert_eq!(
                malmo,
                results(&app, &token, &id, "?contact.store=Malm%C3%B6")
            );
            Ok(())
        })
        .unwrap();
}

/// Terms for everyone are served from the last count, counted again in the background once new
/// responses have come in and the count is a minute old; a segment is always counted afresh.
#[test]
fn everyones_terms_are_kept_and_counted_again_in_the_background() {
    let app = TestApp::new();
    let questions = json!([{"id": "why", "kind": "long_text", "prompt": "Why?"}]);
    let (token, id) = published(&app, questions, false);
    let why = |text: &str| {
        (
            json!({"why": text}).as_object().unwrap().clone(),
            "api",
            None,
        )
    };
    submit_all(
        &app,
        &id,
        vec![why("slow delivery"), why("slow deliveries")],
    );
    let terms = |query: &str| -> Vec<String> {
        results(&app, &token, &id, query)["questions"][0]["top_terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| format!("{} {}", t["term"].as_str().unwrap(), t["count"]))
            .collect()
    };
    let first = terms("");
    assert!(first.contains(&"slow 2".to_string()), "{first:?}");
    assert_eq!(app.count("text_terms"), 1);

    submit_all(
        &app,
        &id,
        vec![why("parking parking"), why("no parking"), why("parking")],
    );
    assert_eq!(terms(""), first, "fresh kept terms are served as they are");
    assert!(
        terms("?channel=api").contains(&"parking 3".to_string()),
        "a segment counts now"
    );

    let old = app.minutes_ago(5);
    app.execute(&format!("UPDATE text_terms SET counted_at = {old}"));
    assert_eq!(
        terms(""),
        first,
        "stale terms are served while they are counted again"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if terms("").contains(&"parking 3".to_string()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the terms were never counted again"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_large_surveys_first_terms_are_counted_in_the_background() {
    let app = TestApp::new();
    let questions = json!([
        {"id": "why", "kind": "long_text", "prompt": "Why?"},
        {"id": "score", "kind": "rating", "prompt": "How was it?"}
    ]);
    let (token, id) = published(&app, questions, false);
    let large = hearken::results::report::TERMS_COUNTED_AT_ONCE as usize + 1;
    let answers = (0..large)
        .map(|i| {
            let text = if i % 2 == 0 {
                "slow delivery"
            } else {
                "kind staff"
            };
            let answers = json!({"why": text, "score": 1 + i % 5});
            (answers.as_object().unwrap().clone(), "api", None)
        })
        .collect();
    submit_all(&app, &id, answers);

    let first = results(&app, &token, &id, "");
    assert_eq!(first["responses"], json!(large));
    let why = &first["questions"][0];
    assert_eq!(why["terms_counting"], json!(true), "{why}");
    assert_eq!(why["top_terms"], json!([]));
    assert_eq!(
        first["questions"][1]["distribution"]["1"],
        json!(large.div_ceil(5)),
        "every other figure is there at once"
    );

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let why = loop {
        let why = results(&app, &token, &id, "")["questions"][0].clone();
        if why["terms_counting"] == json!(false) {
            break why;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the terms were never counted"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let slow = why["top_terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == json!("slow"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(slow["count"], json!(large.div_ceil(2)), "{why}");
    assert_eq!(app.count("text_terms"), 1);

    crate::result_pages::signed_in(&app, hearken::auth::Role::Analyst);
    let (_, page) = crate::result_pages::page(&app.client, &format!("/surveys/{id}/results"));
    assert!(
        page.contains("slow delivery"),
        "the page shows the counted phrase"
    );
    assert!(!page.contains("being counted"));
}
