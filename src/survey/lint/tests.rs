//! Every hint code in English and Dutch, the fallback to English, and the built-in templates.

use super::*;
use crate::survey::Scale;

fn q(id: &str, kind: Kind, prompt: &str) -> Question {
    Question {
        id: id.to_string(),
        kind,
        prompt: prompt.to_string(),
        help: None,
        required: false,
        section: None,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn text(id: &str, prompt: &str) -> Question {
    q(id, Kind::Text { max_length: None }, prompt)
}

fn long(id: &str, prompt: &str) -> Question {
    q(id, Kind::LongText { max_length: None }, prompt)
}

fn rating(id: &str, prompt: &str) -> Question {
    q(
        id,
        Kind::Rating {
            scale: Scale::default(),
        },
        prompt,
    )
}

fn single(id: &str, prompt: &str, options: &[&str]) -> Question {
    q(
        id,
        Kind::SingleChoice {
            options: strings(options),
            other: false,
        },
        prompt,
    )
}

fn competitor(id: &str, prompt: &str, brands: &[&str], attributes: &[&str]) -> Question {
    q(
        id,
        Kind::Competitor {
            brands: strings(brands),
            attributes: strings(attributes),
            scale: Scale::default(),
        },
        prompt,
    )
}

const INTRO_EN: &str = "Your answers help us decide what to improve first.";
const INTRO_NL: &str = "Uw antwoorden helpen ons te bepalen wat we eerst moeten verbeteren.";

fn survey(language: &str, intro: &str, questions: Vec<Question>) -> SurveyContent {
    SurveyContent {
        title: "Test".to_string(),
        intro: intro.to_string(),
        thank_you: "Thank you.".to_string(),
        language: language.to_string(),
        anonymous: false,
        questions,
    }
}

fn neutral_en() -> SurveyContent {
    survey(
        "en",
        INTRO_EN,
        vec![
            long("improve", "What should we improve first?"),
            rating("overall", "How would you rate our service overall?"),
            single(
                "channel",
                "How did you contact us?",
                &["Phone", "Email", "In person"],
            ),
            text("why", "Why did you give that rating?"),
        ],
    )
}

fn neutral_nl() -> SurveyContent {
    survey(
        "nl",
        INTRO_NL,
        vec![
            long("verbeter", "Wat moeten we als eerste verbeteren?"),
            rating("algemeen", "Hoe beoordeelt u onze service in het algemeen?"),
            single(
                "kanaal",
                "Hoe hebt u contact met ons opgenomen?",
                &["Telefoon", "E-mail", "Persoonlijk"],
            ),
            text("waarom", "Waarom gaf u dat cijfer?"),
        ],
    )
}

/// The survey with one question replaced or added.
fn with(mut content: SurveyContent, question: Question) -> SurveyContent {
    match content.questions.iter_mut().find(|q| q.id == question.id) {
        Some(existing) => *existing = question,
        None => content.questions.push(question),
    }
    content
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.hints.iter().map(|h| h.code).collect()
}

fn only<'a>(report: &'a Report, code: &str) -> &'a Hint {
    let found: Vec<&Hint> = report.hints.iter().filter(|h| h.code == code).collect();
    assert_eq!(found.len(), 1, "{code} in {:#?}", report.hints);
    found[0]
}

fn has(report: &Report, code: &str) -> bool {
    report.hints.iter().any(|h| h.code == code)
}

#[test]
fn every_table_parses_strictly_and_has_every_message() {
    let keys = [
        "no_questions",
        "too_long",
        "no_open_question",
        "rating_heavy",
        "leading_wording",
        "double_barrelled",
        "missing_intro",
        "missing_intro_empty",
        "duplicate_option",
        "empty_option",
        "estimated_time",
        "estimated_time_one",
    ];
    let all = std::iter::once(("en", ENGLISH)).chain(OTHERS.iter().copied());
    for (language, source) in all {
        let raw: RawTable = serde_json::from_str(source).unwrap();
        for key in keys {
            assert!(raw.messages.contains_key(key), "{language}: {key}");
        }
        assert_eq!(
            raw.messages.len(),
            keys.len(),
            "{language}: unused messages"
        );
        for list in ["options", "brands", "attributes"] {
            assert!(raw.lists.contains_key(list), "{language}: {list}");
        }
        for list in [&raw.leading, &raw.question_words, &raw.purpose] {
            assert!(!list.is_empty(), "{language}");
        }
        assert!(!raw.conjunctions.is_empty() && !raw.fixed_pairs.is_empty());
        // Every fixed pair must hold a conjunction, or it could never excuse one.
        let conjunctions: Vec<String> = raw
            .conjunctions
            .iter()
            .map(|c| normalise_word(&c.word))
            .collect();
        for pair in &raw.fixed_pairs {
            let words = tokens(pair);
            assert!(
                words.iter().any(|t| conjunctions.contains(&t.word)),
                "{language}: {pair}"
            );
        }
    }
}

#[test]
fn neutral_surveys_have_only_the_time_estimate() {
    for content in [neutral_en(), neutral_nl()] {
        let report = lint(&content);
        assert_eq!(codes(&report), ["estimated_time"], "{:#?}", report.hints);
        assert_eq!(report.hints[0].severity, Severity::Info);
        assert!(!report.has_errors());
    }
}

#[test]
fn no_questions_is_an_error() {
    for (language, intro, text) in [
        ("en", INTRO_EN, "The survey has no questions yet."),
        ("nl", INTRO_NL, "De enquête heeft nog geen vragen."),
    ] {
        let report = lint(&survey(language, intro, vec![]));
        assert_eq!(codes(&report), ["no_questions"]);
        let hint = only(&report, "no_questions");
        assert_eq!(hint.severity, Severity::Error);
        assert_eq!(hint.message, text);
        assert_eq!(hint.question_id, None);
        assert!(report.has_errors());
    }
}

#[test]
fn more_than_fifteen_questions_is_too_long() {
    for (content, words) in [
        (neutral_en(), "10–15"),
        (neutral_nl(), "houd het bij 10–15"),
    ] {
        let mut content = content;
        while content.questions.len() < 15 {
            let n = content.questions.len();
            content
                .questions
                .push(text(&format!("q{n}"), "What else should we know?"));
        }
        assert!(!has(&lint(&content), "too_long"));
        content
            .questions
            .push(text("q16", "What else should we know?"));
        let report = lint(&content);
        let hint = only(&report, "too_long");
        assert_eq!(hint.severity, Severity::Warning);
        assert!(hint.message.contains("16"), "{}", hint.message);
        assert!(hint.message.contains(words), "{}", hint.message);
    }
}

#[test]
fn a_survey_without_open_questions_is_flagged() {
    for (mut content, word) in [
        (neutral_en(), "open question"),
        (neutral_nl(), "open vraag"),
    ] {
        content.questions.retain(|q| !q.kind.is_open());
        let report = lint(&content);
        let hint = only(&report, "no_open_question");
        assert_eq!(hint.severity, Severity::Warning);
        assert!(hint.message.contains(word), "{}", hint.message);
    }
}

#[test]
fn more_ratings_than_open_questions_is_rating_heavy() {
    for (content, word) in [(neutral_en(), "open ones"), (neutral_nl(), "open vragen")] {
        // Two ratings and two open questions: balanced.
        let balanced = with(content.clone(), rating("r2", "How easy was ordering?"));
        assert!(!has(&lint(&balanced), "rating_heavy"));
        let heavy = with(
            balanced,
            q("r3", Kind::Nps, "How likely are you to return?"),
        );
        let report = lint(&heavy);
        let hint = only(&report, "rating_heavy");
        assert_eq!(hint.severity, Severity::Warning);
        assert!(hint.message.starts_with("3 "), "{}", hint.message);
        assert!(hint.message.contains(word), "{}", hint.message);
    }
    // No ratings at all is not rating-heavy, even without open questions.
    let choices = survey(
        "en",
        INTRO_EN,
        vec![single(
            "a",
            "How did you hear of us?",
            &["Radio", "Friends"],
        )],
    );
    let report = lint(&choices);
    assert!(!has(&report, "rating_heavy"));
    assert!(has(&report, "no_open_question"));
}

#[test]
fn leading_wording_in_english() {
    for prompt in [
        "Don't you agree that our service is fast?",
        "Our staff was quick, wouldn’t you agree?",
        "HOW GREAT was your visit?",
        "How much did you enjoy the new menu?",
        "How satisfied were you with our excellent support?",
        "Isn't it true that delivery is quick?",
        "Dont you agree we are fast?",
    ] {
        let report = lint(&with(neutral_en(), text("lead", prompt)));
        let hint = only(&report, "leading_wording");
        assert_eq!(hint.severity, Severity::Warning);
        assert_eq!(hint.question_id.as_deref(), Some("lead"), "{prompt}");
        assert!(hint.message.contains("favourable"), "{}", hint.message);
    }
    let hint_for = |prompt: &str| {
        let report = lint(&with(neutral_en(), text("lead", prompt)));
        only(&report, "leading_wording").message.clone()
    };
    // The respondent-facing words are quoted as written.
    assert!(hint_for("Wouldn’t you agree?").contains("“Wouldn’t you agree”"));
    // Whole words only.
    for prompt in [
        "How greatly did the delay affect you?",
        "Somehow great things happen; what happened to you?",
    ] {
        let report = lint(&with(neutral_en(), text("lead", prompt)));
        assert!(!has(&report, "leading_wording"), "{prompt}");
    }
}

#[test]
fn leading_wording_in_dutch_and_english_in_a_dutch_survey() {
    for prompt in [
        "Bent u het er niet mee eens dat wij snel leveren?",
        "Vindt u ook niet dat de winkel mooi is?",
        "Hoe geweldig was uw bezoek?",
        "Hoe fantastisch vond u de service?",
        "Vind je niet dat de prijs goed is?",
        "Don’t you agree that we are fast?",
    ] {
        let report = lint(&with(neutral_nl(), text("stuur", prompt)));
        let hint = only(&report, "leading_wording");
        assert_eq!(hint.question_id.as_deref(), Some("stuur"), "{prompt}");
        assert!(hint.message.contains("neutraal"), "{}", hint.message);
    }
    // Dutch phrases are not looked for in English surveys.
    let report = lint(&with(neutral_en(), text("x", "Hoe geweldig was it?")));
    assert!(!has(&report, "leading_wording"));
}

#[test]
fn double_barrelled_questions_in_english() {
    for (prompt, pair) in [
        (
            "How satisfied are you with the price and quality of our products?",
            "price and quality",
        ),
        (
            "Was the staff friendly and helpful?",
            "friendly and helpful",
        ),
        (
            "How do you rate the speed and the friendliness of our staff",
            "speed and the friendliness",
        ),
        (
            "Did you find our shop or website easy to use?",
            "shop or website",
        ),
    ] {
        let report = lint(&with(neutral_en(), text("two", prompt)));
        let hint = only(&report, "double_barrelled");
        assert_eq!(hint.severity, Severity::Warning);
        assert_eq!(hint.question_id.as_deref(), Some("two"));
        assert!(
            hint.message.contains(&format!("“{pair}”")),
            "{}",
            hint.message
        );
    }
    for prompt in [
        // Not a question.
        "Rate the price and quality of our products.",
        "We know the features and benefits that matter most to our customers.",
        "When we sell products and services, we aim for a partnership.",
        // Fixed pairs.
        "Did you read the terms and conditions?",
        "What are the pros and cons of our app?",
        "Is the price more or less what you expected?",
        // A choice or a range, not two subjects.
        "Do you prefer tea or coffee?",
        "How many times did you call between Monday and Friday?",
        // A conjunction that joins clauses, not subjects.
        "What did you buy and why?",
        "Did you call us, and did we answer?",
    ] {
        let report = lint(&with(neutral_en(), text("one", prompt)));
        assert!(!has(&report, "double_barrelled"), "{prompt}");
    }
    // Options are lists by nature; only the prompt is read.
    let report = lint(&with(
        neutral_en(),
        single(
            "channel",
            "How did you contact us?",
            &["Phone and email", "Chat or social media"],
        ),
    ));
    assert!(!has(&report, "double_barrelled"));
}

#[test]
fn double_barrelled_questions_in_dutch() {
    for (prompt, pair) in [
        (
            "Hoe tevreden bent u over de prijs en de kwaliteit?",
            "prijs en de kwaliteit",
        ),
        (
            "Was het personeel snel en vriendelijk",
            "snel en vriendelijk",
        ),
        ("Gebruikt u de app of de website?", "app of de website"),
        // English conjunctions are checked in every language.
        ("How do you rate price and quality?", "price and quality"),
    ] {
        let report = lint(&with(neutral_nl(), text("twee", prompt)));
        let hint = only(&report, "double_barrelled");
        assert_eq!(hint.question_id.as_deref(), Some("twee"));
        assert!(
            hint.message.contains(&format!("„{pair}”")),
            "{}",
            hint.message
        );
        assert!(hint.message.contains("twee dingen"), "{}", hint.message);
    }
    for prompt in [
        "Beoordeel de prijs en de kwaliteit.",
        "Weet u of het product werkt?",
        "Is de prijs min of meer wat u verwachtte?",
        "Wat vindt u de voor- en nadelen van de app?",
        "Hebt u liever thee of koffie?",
        "Hoe vaak belde u tussen maandag en vrijdag?",
        "Kunt u aangeven of u tevreden bent?",
    ] {
        let report = lint(&with(neutral_nl(), text("een", prompt)));
        assert!(!has(&report, "double_barrelled"), "{prompt}");
    }
}

#[test]
fn intro_must_say_why_answers_matter() {
    for (language, base, empty, plain, purposeful) in [
        (
            "en",
            neutral_en(),
            "There is no introduction",
            "Welcome to our survey.",
            "We would like your feedback on our shop.",
        ),
        (
            "nl",
            neutral_nl(),
            "Er is geen inleiding",
            "Welkom bij onze enquête.",
            "Uw mening is voor ons belangrijk.",
        ),
    ] {
        for intro in ["", "   ", " … "] {
            let report = lint(&SurveyContent {
                intro: intro.to_string(),
                ..base.clone()
            });
            let hint = only(&report, "missing_intro");
            assert_eq!(hint.severity, Severity::Warning);
            assert!(
                hint.message.starts_with(empty),
                "{language}: {}",
                hint.message
            );
        }
        let report = lint(&SurveyContent {
            intro: plain.to_string(),
            ..base.clone()
        });
        let hint = only(&report, "missing_intro");
        assert!(!hint.message.starts_with(empty), "{language}");
        let report = lint(&SurveyContent {
            intro: purposeful.to_string(),
            ..base
        });
        assert!(!has(&report, "missing_intro"), "{language}");
    }
    // A trailing * in the table matches any ending.
    let report = lint(&SurveyContent {
        intro: "Tell us about the improvements you would like to see.".to_string(),
        ..neutral_en()
    });
    assert!(!has(&report, "missing_intro"));
}

#[test]
fn duplicate_options_are_errors() {
    let report = lint(&with(
        neutral_en(),
        single(
            "channel",
            "How did you contact us?",
            &["Phone", " phone ", "PHONE", "Email"],
        ),
    ));
    let hint = only(&report, "duplicate_option");
    assert_eq!(hint.severity, Severity::Error);
    assert_eq!(hint.question_id.as_deref(), Some("channel"));
    assert_eq!(
        hint.message,
        "“phone” appears more than once in the option list."
    );
    assert!(report.has_errors());

    // Brands and attributes are separate lists: the same word in both is fine.
    let grid = competitor(
        "grid",
        "How would you rate each company?",
        &["Us", "Them", "us"],
        &["Price", "Us"],
    );
    let report = lint(&with(neutral_en(), grid));
    let hint = only(&report, "duplicate_option");
    assert!(hint.message.contains("brand list"), "{}", hint.message);

    let report = lint(&with(
        neutral_nl(),
        single(
            "kanaal",
            "Hoe hebt u contact opgenomen?",
            &["Telefoon", "telefoon"],
        ),
    ));
    assert_eq!(
        only(&report, "duplicate_option").message,
        "„telefoon” staat meer dan eens in de opties."
    );
}

#[test]
fn empty_options_are_errors() {
    let report = lint(&with(
        neutral_en(),
        single(
            "channel",
            "How did you contact us?",
            &["Phone", "  ", "Email"],
        ),
    ));
    let hint = only(&report, "empty_option");
    assert_eq!(hint.severity, Severity::Error);
    assert_eq!(hint.question_id.as_deref(), Some("channel"));
    assert_eq!(
        hint.message,
        "Item 2 in the option list is empty; fill it in or remove it."
    );

    let grid = competitor("grid", "Hoe scoort elk bedrijf?", &["Wij", "Zij"], &[""]);
    let report = lint(&with(neutral_nl(), grid));
    let hint = only(&report, "empty_option");
    assert_eq!(
        hint.message,
        "Nummer 1 in de kenmerken is leeg; vul het in of verwijder het."
    );
    assert!(report.has_errors());
    // Errors come before warnings and info.
    assert_eq!(report.hints[0].severity, Severity::Error);
}

#[test]
fn estimated_time_in_both_languages() {
    // 15 (intro) + 60 + 60 + 60 + 30 = 225 s: rounded up to 4 minutes.
    let questions = vec![
        long("a", "What should we improve?"),
        long("b", "What went wrong?"),
        long("c", "What went well?"),
        text("d", "Why?"),
    ];
    let report = lint(&survey("en", INTRO_EN, questions.clone()));
    assert_eq!(report.estimated_seconds, 225);
    let hint = only(&report, "estimated_time");
    assert_eq!(hint.severity, Severity::Info);
    assert_eq!(hint.message, "About 4 minutes to complete.");
    let report = lint(&survey("nl", INTRO_NL, questions));
    assert_eq!(
        only(&report, "estimated_time").message,
        "Ongeveer 4 minuten om in te vullen."
    );

    let short = vec![text("a", "What should we improve?")];
    let report = lint(&survey("en", INTRO_EN, short.clone()));
    assert_eq!(
        only(&report, "estimated_time").message,
        "About 1 minute to complete."
    );
    let report = lint(&survey("nl", INTRO_NL, short));
    assert_eq!(
        only(&report, "estimated_time").message,
        "Ongeveer 1 minuut om in te vullen."
    );
}

#[test]
fn estimated_seconds_per_kind() {
    let questions = vec![
        text("a", "?"),
        long("b", "?"),
        single("c", "?", &["x", "y"]),
        q(
            "d",
            Kind::MultiChoice {
                options: strings(&["x", "y"]),
                max_choices: None,
            },
            "?",
        ),
        rating("e", "?"),
        q("f", Kind::Nps, "?"),
        q(
            "g",
            Kind::Ranking {
                options: strings(&["x", "y", "z"]),
            },
            "?",
        ),
        competitor("h", "?", &["x", "y", "z"], &["p", "q", "r", "s"]),
    ];
    // The intro, then each kind in order: ranking 3 options × 5 s, competitor 3 × 4 cells × 4 s.
    assert_eq!(
        estimated_seconds(&questions),
        15 + 30 + 60 + 8 + 12 + 6 + 6 + 15 + 48
    );
    assert_eq!(estimated_seconds(&[]), 15);
}

#[test]
fn unknown_languages_fall_back_to_english() {
    for language in ["de", "sv", "", "xx"] {
        let content = SurveyContent {
            language: language.to_string(),
            intro: String::new(),
            ..neutral_en()
        };
        let content = with(content, text("lead", "Don't you agree we are fast?"));
        let report = lint(&content);
        assert!(
            only(&report, "missing_intro")
                .message
                .starts_with("There is no introduction"),
            "{language}"
        );
        assert!(has(&report, "leading_wording"), "{language}");
        // 15 + 60 + 6 + 8 + 30 + 30 = 149 s.
        assert_eq!(
            only(&report, "estimated_time").message,
            "About 3 minutes to complete.",
            "{language}"
        );
    }
    // Region and case do not matter.
    for language in ["NL", "nl-BE", "nl_NL"] {
        let content = SurveyContent {
            language: language.to_string(),
            ..neutral_nl()
        };
        let report = lint(&content);
        assert!(
            only(&report, "estimated_time")
                .message
                .starts_with("Ongeveer"),
            "{language}"
        );
    }
}

#[test]
fn hints_serialize_as_the_api_shows_them() {
    let report = lint(&with(
        neutral_en(),
        single("channel", "How did you contact us?", &["Phone", ""]),
    ));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["estimated_seconds"], report.estimated_seconds);
    assert_eq!(json["hints"][0]["severity"], "error");
    assert_eq!(json["hints"][0]["code"], "empty_option");
    assert_eq!(json["hints"][0]["question_id"], "channel");
    let last = json["hints"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["severity"], "info");
    assert!(last.get("question_id").is_none());
}

#[test]
fn placeholders_are_filled_once() {
    assert_eq!(
        fill(
            "{value} in {list}",
            &[("value", "{list}"), ("list", "options")]
        ),
        "{list} in options"
    );
    assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
}

#[test]
fn built_in_templates_lint_without_errors() {
    // The customer-needs template is written to the advice, so it gets no warnings either.
    let content = crate::survey::templates::build("customer-needs").unwrap();
    let report = lint(&content);
    assert_eq!(codes(&report), ["estimated_time"], "{:#?}", report.hints);
    // The self-assessment is all ratings by design: warned about, but publishable.
    let content = crate::survey::templates::build("self-assessment").unwrap();
    let report = lint(&content);
    assert!(!report.has_errors(), "{:#?}", report.hints);
    assert!(has(&report, "too_long") && has(&report, "rating_heavy"));
    assert!(!has(&report, "double_barrelled") && !has(&report, "leading_wording"));
}
