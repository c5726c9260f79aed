//! Hints about a survey's shape: how many questions, of which kinds, their options, and the
//! time it takes.

use super::*;

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
        assert!(hint.message.contains("(3)"), "{}", hint.message);
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

/// A scored statement: a 1–5 rating in `section`.
fn statement(id: &str, section: &str) -> Question {
    Question {
        section: Some(section.to_string()),
        ..rating(id, "We answer every complaint within a day.")
    }
}

#[test]
fn a_battery_of_scored_statements_counts_as_one_question() {
    let mut content = neutral_en();
    for s in 0..4 {
        for i in 0..5 {
            content
                .questions
                .push(statement(&format!("s{s}_{i}"), &format!("Section {s}")));
        }
    }
    // 4 questions and four batteries of five statements: 8 asked, 24 stored.
    assert_eq!(questions_asked(&content.questions), 8);
    let report = lint(&content);
    assert!(!has(&report, "too_long"), "{:#?}", report.hints);
    // Scored statements are added into a score; only stand-alone ratings ask for a why.
    assert!(!has(&report, "rating_heavy"), "{:#?}", report.hints);

    // A page break, a different scale or a stand-alone rating starts a new question.
    let mut broken = statement("s0_2", "Section 0");
    broken.page_break = true;
    let mut other_scale = statement("s1_2", "Section 1");
    other_scale.kind = Kind::Rating {
        scale: Scale {
            min: 0,
            max: 10,
            min_label: None,
            max_label: None,
        },
    };
    let content = with(with(content, broken), other_scale);
    assert_eq!(questions_asked(&content.questions), 11);

    // Ratings without a section are each a question, and still want open ones beside them.
    let mut plain = neutral_en();
    for i in 0..12 {
        plain
            .questions
            .push(rating(&format!("r{i}"), "How quick was our reply?"));
    }
    assert_eq!(questions_asked(&plain.questions), 16);
    let report = lint(&plain);
    assert!(has(&report, "too_long") && has(&report, "rating_heavy"));
}

#[test]
fn competitors_a_template_left_unnamed_are_flagged_and_real_names_are_not() {
    let grid = |brands: &[&str]| {
        competitor(
            "versus",
            "How do we compare with other shops?",
            brands,
            &["Price"],
        )
    };
    let report = lint(&with(
        neutral_en(),
        grid(&["Us", "Competitor A", "[Competitor 2]", "brand x", "ShopCo"]),
    ));
    let flagged: Vec<&str> = report
        .hints
        .iter()
        .filter(|h| h.code == "placeholder_brand")
        .map(|h| h.message.as_str())
        .collect();
    assert_eq!(flagged.len(), 3, "{flagged:?}");
    assert!(flagged[0].starts_with("“Competitor A” stands in for a real company"));
    assert!(report.hints.iter().all(|h| h.severity != Severity::Error));

    let real = [
        "Us",
        "Brand Factory Outlet",
        "The Company Store",
        "Rival & Co",
    ];
    assert!(!has(
        &lint(&with(neutral_en(), grid(&real))),
        "placeholder_brand"
    ));

    // A Dutch survey is checked with the Dutch words and the English ones.
    let report = lint(&with(
        neutral_nl(),
        grid(&["Wij", "Concurrent B", "Competitor C", "Bol"]),
    ));
    let flagged: Vec<&Hint> = report
        .hints
        .iter()
        .filter(|h| h.code == "placeholder_brand")
        .collect();
    assert_eq!(flagged.len(), 2, "{flagged:?}");
    assert!(flagged[0].message.starts_with("„Concurrent B” staat voor"));
}
