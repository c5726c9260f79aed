//! Hints about wording: leading and double-barrelled questions, and an intro that says why
//! answers matter.

use super::*;

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
    // Intros that say why in other words than "help us" or "improve".
    for (intro, base) in [
        (
            "Tell us about your last visit, so we know what to fix next.",
            neutral_en(),
        ),
        (
            "Three questions about your order, to learn where we fall short.",
            neutral_en(),
        ),
        (
            "Vertel ons over uw laatste bezoek, zodat we weten wat we moeten aanpakken.",
            neutral_nl(),
        ),
    ] {
        let report = lint(&SurveyContent {
            intro: intro.to_string(),
            ..base
        });
        assert!(!has(&report, "missing_intro"), "{intro}");
    }
}
