//! Every hint code in English and Dutch, the fallback to English, and the built-in templates:
//! the shared fixtures and the message tables here, the hints about a survey's shape in
//! `structure`, those about its wording in `wording`.

mod structure;
mod wording;

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
        page_break: false,
        page_title: None,
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
        "placeholder_brand",
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
        for list in [
            &raw.leading,
            &raw.question_words,
            &raw.purpose,
            &raw.placeholder_brands,
        ] {
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
    // The customer-needs template is written to the advice; its only warnings are the
    // competitors it leaves for the designer to name.
    let content = crate::survey::templates::build("customer-needs").unwrap();
    let report = lint(&content);
    assert_eq!(
        codes(&report),
        ["placeholder_brand", "placeholder_brand", "estimated_time"],
        "{:#?}",
        report.hints
    );
    // The self-assessment's 25 statements are seven batteries, one a page, and its closing
    // open question asks what to change first: it passes its own lint as well.
    let content = crate::survey::templates::build("self-assessment").unwrap();
    let report = lint(&content);
    assert_eq!(codes(&report), ["estimated_time"], "{:#?}", report.hints);
    assert_eq!(questions_asked(&content.questions), 8);
}
