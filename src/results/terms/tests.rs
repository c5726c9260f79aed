//! What counts as a term, how forms are merged per language, and where a term is found.

use super::*;

fn terms(language: &str, answers: &[&str]) -> Vec<(String, usize)> {
    top_terms(language, answers, 50)
        .into_iter()
        .map(|term| (term.term, term.count))
        .collect()
}

fn count_of(language: &str, answers: &[&str], term: &str) -> Option<usize> {
    terms(language, answers)
        .into_iter()
        .find(|(t, _)| t == term)
        .map(|(_, count)| count)
}

fn highlighted<'a>(language: &str, term: &str, text: &'a str) -> Vec<&'a str> {
    find(language, term, text)
        .into_iter()
        .map(|range| &text[range])
        .collect()
}

fn positions(language: &str, term: &str, text: &str) -> Vec<(usize, usize)> {
    find(language, term, text)
        .into_iter()
        .map(|range| (range.start, range.end))
        .collect()
}

const INFLECTED: &[(&str, &str, &str)] = &[
    ("en", "delivery", "deliveries"),
    ("nl", "bezorging", "bezorgingen"),
    ("de", "Lieferung", "Lieferungen"),
    ("fr", "livraison", "livraisons"),
    ("sv", "leverans", "leveranser"),
    ("af", "aflewering", "aflewerings"),
    ("sk", "doručenie", "doručenia"),
    ("sl", "dostava", "dostave"),
];

#[test]
fn inflected_forms_count_together_in_every_language() {
    for &(language, base, inflected) in INFLECTED {
        // The base form in two answers, so it is the spelling shown.
        let answers = [base, inflected, base];
        let listed = top_terms(language, &answers, 10);
        assert_eq!(listed.len(), 1, "{language}: {listed:?}");
        assert_eq!(listed[0].term, base.to_lowercase(), "{language}");
        assert_eq!(listed[0].count, 3, "{language}");
        assert_eq!(
            highlighted(language, base, inflected),
            [inflected],
            "{language}"
        );
        assert_eq!(highlighted(language, inflected, base), [base], "{language}");
    }
}

#[test]
fn stop_words_are_left_out_in_every_language() {
    let cases = [
        ("en", "the", "the parcel"),
        ("nl", "de", "de pakket"),
        ("de", "der", "der Paket"),
        ("fr", "le", "le colis"),
        ("sv", "och", "paket och brev"),
        ("af", "die", "die pakkie"),
        ("sk", "a", "balík a list"),
        ("sk", "alebo", "balík alebo list"),
        ("sl", "in", "paket in pismo"),
    ];
    for (language, stop_word, answer) in cases {
        let listed = terms(language, &[answer, answer]);
        assert!(!listed.is_empty(), "{language}: nothing left of {answer:?}");
        for (term, _) in &listed {
            assert!(
                !term
                    .split(' ')
                    .any(|word| word.eq_ignore_ascii_case(stop_word)),
                "{language}: {term:?} from {answer:?}"
            );
        }
        assert!(find(language, stop_word, answer).is_empty(), "{language}");
    }
    // The same word is kept in a language where it is not a stop word.
    assert_eq!(count_of("sv", &["die hard"], "die"), Some(1));
    // The lists hold function words only: what people mean stays.
    let answers = ["good service", "a problem with my order", "no help"];
    for word in ["good", "problem", "order", "help"] {
        assert_eq!(count_of("en", &answers, word), Some(1), "{word}");
    }
    assert_eq!(count_of("sl", &["dobro in hitro"], "dobro"), Some(1));
}

#[test]
fn an_unknown_language_is_read_as_english() {
    assert_eq!(
        terms("xx", &["the deliveries"]),
        [("deliveries".to_owned(), 1)]
    );
    assert_eq!(
        terms("", &["the deliveries"]),
        terms("en", &["the deliveries"])
    );
    assert_eq!(
        terms("EN-gb", &["the deliveries"]),
        terms("en", &["the deliveries"])
    );
}

#[test]
fn the_most_used_spelling_is_shown() {
    let answers = [
        "deliveries late",
        "Deliveries slow",
        "delivery",
        "deliveries",
    ];
    assert_eq!(count_of("en", &answers, "deliveries"), Some(4));
    assert_eq!(count_of("en", &answers, "delivery"), None);
    // Counted per answer: one answer repeating a spelling does not make it win.
    let answers = ["delivery", "delivery", "deliveries deliveries deliveries"];
    assert_eq!(count_of("en", &answers, "delivery"), Some(3));
}

#[test]
fn capitals_used_inside_sentences_are_kept() {
    let answers = [
        "Die Lieferung kam spät",
        "Wo bleibt meine Lieferung?",
        "lieferung",
    ];
    assert_eq!(count_of("de", &answers, "Lieferung"), Some(3));
    // A capital only at the start of a sentence is not the word's spelling.
    let answers = ["Delivery was late. Delivery again.", "late delivery"];
    assert_eq!(count_of("en", &answers, "delivery"), Some(2));
    assert_eq!(count_of("en", &answers, "Delivery"), None);
}

#[test]
fn a_count_is_the_number_of_answers_not_of_occurrences() {
    let answers = ["coffee coffee coffee, more coffee", "coffee", "tea"];
    assert_eq!(count_of("en", &answers, "coffee"), Some(2));
    assert_eq!(count_of("en", &answers, "tea"), Some(1));
    let repeated = "refund ".repeat(10_000 / 7);
    let answers = [repeated.as_str(), "refund please"];
    assert_eq!(count_of("en", &answers, "refund"), Some(2));
}

#[test]
fn phrases_join_neighbouring_words_only() {
    let answers = [
        "long phone queue",
        "Long phone queue again",
        "answer the phone",
    ];
    let listed = terms("en", &answers);
    assert!(listed.contains(&("long phone".to_owned(), 2)), "{listed:?}");
    assert!(
        listed.contains(&("phone queue".to_owned(), 2)),
        "{listed:?}"
    );
    assert!(
        !listed.iter().any(|(t, _)| t == "answer phone"),
        "{listed:?}"
    );
    assert!(!listed.iter().any(|(t, _)| t == "long queue"), "{listed:?}");
    // Punctuation and line breaks part words; a phrase in one answer is not listed.
    let answers = [
        "phone, queue",
        "phone\nqueue",
        "phone. queue",
        "queue again",
    ];
    let listed = terms("en", &answers);
    assert!(listed.iter().all(|(t, _)| !t.contains(' ')), "{listed:?}");
}

#[test]
fn phrases_count_inflected_forms_together_and_show_their_most_used_spelling() {
    let answers = [
        "long queues at noon",
        "the long queues",
        "a long queue",
        "queue",
        "queue",
        "queue",
    ];
    let listed = terms("en", &answers);
    assert!(
        listed.contains(&("long queues".to_owned(), 3)),
        "{listed:?}"
    );
    assert!(listed.contains(&("queue".to_owned(), 6)), "{listed:?}");
    assert_eq!(
        highlighted("en", "long queues", "A long queue, long queues."),
        ["long queue", "long queues"]
    );
}

#[test]
fn terms_are_ordered_by_count_then_text_and_limited() {
    let answers = [
        "pear banana",
        "cherry apple",
        "banana split",
        "apple",
        "zebra",
    ];
    let listed = terms("en", &answers);
    assert_eq!(
        listed,
        [
            ("apple".to_owned(), 2),
            ("banana".to_owned(), 2),
            ("cherry".to_owned(), 1),
            ("pear".to_owned(), 1),
            ("split".to_owned(), 1),
            ("zebra".to_owned(), 1),
        ]
    );
    let first_three: Vec<String> = top_terms("en", &answers, 3)
        .into_iter()
        .map(|term| term.term)
        .collect();
    assert_eq!(first_three, ["apple", "banana", "cherry"]);
    assert!(top_terms("en", &answers, 0).is_empty());
    // A phrase used as often as the last word that makes the list is not left out.
    let answers = ["cold coffee", "cold coffee", "cold coffee", "tea"];
    let first_two: Vec<String> = top_terms("en", &answers, 2)
        .into_iter()
        .map(|term| term.term)
        .collect();
    assert_eq!(first_two, ["coffee", "cold"]);
    let answers = ["bad coffee", "bad coffee", "bad coffee", "coffee"];
    let first_two: Vec<(String, usize)> = top_terms("en", &answers, 2)
        .into_iter()
        .map(|term| (term.term, term.count))
        .collect();
    assert_eq!(first_two, [("coffee".to_owned(), 4), ("bad".to_owned(), 3)]);
    let first_three: Vec<(String, usize)> = top_terms("en", &answers, 3)
        .into_iter()
        .map(|term| (term.term, term.count))
        .collect();
    assert_eq!(
        first_three,
        [
            ("coffee".to_owned(), 4),
            ("bad".to_owned(), 3),
            ("bad coffee".to_owned(), 3)
        ]
    );
    // Words and phrases share one list; a phrase sorts by its text like any term.
    let answers = ["cold coffee", "cold coffee", "cold", "coffee"];
    assert_eq!(
        terms("en", &answers),
        [
            ("coffee".to_owned(), 3),
            ("cold".to_owned(), 3),
            ("cold coffee".to_owned(), 2),
        ]
    );
}

#[test]
fn examples_are_the_first_answers_using_the_term_cut_at_a_word() {
    let long = format!("{} delivery {}", "word ".repeat(30), "tail ".repeat(60));
    let answers = [
        "  late delivery  ",
        "no",
        long.as_str(),
        "delivery again",
        "delivery once more",
    ];
    let listed = top_terms("en", &answers, 1);
    assert_eq!(listed[0].term, "delivery");
    assert_eq!(listed[0].count, 4);
    let examples = &listed[0].examples;
    assert_eq!(examples.len(), 3);
    assert_eq!(examples[0], "late delivery");
    assert_eq!(examples[2], "delivery again");
    let cut = &examples[1];
    assert!(cut.chars().count() <= 200, "{}", cut.chars().count());
    assert!(cut.ends_with("tail…"), "{cut}");
    assert!(long.starts_with(cut.trim_end_matches('…')));

    // One endless word is cut inside it, never inside a letter and its accent.
    let endless = "e\u{301}".repeat(300);
    let cut = example(&endless);
    assert!(cut.chars().count() <= 200);
    assert!(cut.ends_with("\u{301}…"), "{cut:?}");
    assert_eq!(example(&"ab ".repeat(60)), "ab ".repeat(60).trim());
    // Nothing but punctuation before the last space: cut inside the word instead.
    let dashes = format!("{} {}", "-".repeat(150), "x".repeat(100));
    assert_eq!(
        example(&dashes),
        format!("{} {}…", "-".repeat(150), "x".repeat(48))
    );
}

#[test]
fn find_gives_the_bytes_to_highlight() {
    let text = "Deliveries were late; the delivery man was kind.";
    assert_eq!(positions("en", "delivery", text), [(0, 10), (26, 34)]);
    assert_eq!(
        highlighted("en", "Delivery", text),
        ["Deliveries", "delivery"]
    );
    assert_eq!(highlighted("en", "delivery man", text), ["delivery man"]);
    assert!(
        find("en", "late delivery", text).is_empty(),
        "split by a stop word"
    );
    assert!(find("en", "the", text).is_empty());
    assert!(find("en", "", text).is_empty());
    assert!(find("en", "delivery man kind", text).is_empty());
    assert!(find("en", "delivery", "").is_empty());

    let text = "Kaapstad — 5 sterre";
    assert_eq!(highlighted("af", "Kaapstad", text), ["Kaapstad"]);
    assert_eq!(highlighted("af", "ster", text), ["sterre"]);
    assert_eq!(positions("af", "sterre", text), [(15, 21)]);

    let composed = "Zoë Kovačič";
    let decomposed = "Zoe\u{308} Kovac\u{30C}ic\u{30C}";
    assert_eq!(
        positions("sl", "Zoë Kovačič", composed),
        [(0, composed.len())]
    );
    assert_eq!(
        positions("sl", "Zoë Kovačič", decomposed),
        [(0, decomposed.len())]
    );
    assert_eq!(
        highlighted("sl", "Kovačič", decomposed),
        ["Kovac\u{30C}ic\u{30C}"]
    );

    assert_eq!(
        highlighted("fr", "application", "Je n’aime pas l'application."),
        ["application"]
    );
    assert_eq!(
        highlighted("en", "queue queue", "queue queue queue"),
        ["queue queue"]
    );
}

#[test]
fn every_listed_term_is_found_in_its_examples() {
    let answers = [
        "Die Lieferung kam zu spät, die Lieferungen sind immer zu spät.",
        "Schnelle Lieferung, freundlicher Fahrer",
        "Der Fahrer war freundlich",
        "Lieferung spät",
    ];
    for term in top_terms("de", &answers, 20) {
        for example in &term.examples {
            assert!(!find("de", &term.term, example).is_empty(), "{term:?}");
        }
    }
}

#[test]
fn french_elisions_are_taken_off() {
    let answers = [
        "L'application plante",
        "une application lente",
        "l’application",
    ];
    assert_eq!(count_of("fr", &answers, "application"), Some(3));
    assert!(terms("fr", &answers).iter().all(|(t, _)| !t.contains('\'')));
}

#[test]
fn hostile_input_is_handled() {
    assert!(top_terms("en", &[], 20).is_empty());
    assert!(top_terms("en", &["", "   ", "\n\n", "!!!", "12 345 6.5"], 20).is_empty());
    assert!(top_terms("en", &["😀🎉👍🏽 ❤️ 🇿🇦", "👩‍👩‍👧"], 20).is_empty());
    let listed = terms("en", &["great 😀 service", "great😀service"]);
    assert_eq!(
        count_of("en", &["great 😀 service", "great😀service"], "service"),
        Some(2)
    );
    assert!(
        listed.iter().all(|(t, _)| t != "great service"),
        "{listed:?}"
    );

    let rtl = [
        "\u{200F}الخدمة ممتازة\u{200F}",
        "الخدمة بطيئة",
        "שירות מצוין",
    ];
    assert_eq!(count_of("en", &rtl, "الخدمة"), Some(2));

    let one_word = "a".repeat(10_000);
    let mashed = "e\u{301}".repeat(5_000);
    let elisions = "l'".repeat(5_000) + "avis";
    let answers = [one_word.as_str(), mashed.as_str(), elisions.as_str()];
    assert!(top_terms("fr", &answers, 20).is_empty());
    assert!(find("fr", "avis", &elisions).is_empty());
}

#[test]
fn inner_apostrophes_and_hyphens_stay_in_the_word() {
    let answers = [
        "my e-mail address",
        "E-mail",
        "the customer's view",
        "customers",
    ];
    let listed = terms("en", &answers);
    assert!(listed.contains(&("e-mail".to_owned(), 2)), "{listed:?}");
    assert!(
        listed
            .iter()
            .any(|(t, c)| t.starts_with("customer") && *c == 2),
        "{listed:?}"
    );
    assert_eq!(
        count_of("nl", &["auto's", "auto", "de auto"], "auto"),
        Some(3)
    );
}

#[test]
fn a_term_ending_in_a_modifier_apostrophe_is_found_in_its_example() {
    for listed in top_terms("en", &["Aʼ "], 10) {
        for example in &listed.examples {
            assert!(!find("en", &listed.term, example).is_empty(), "{listed:?}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics_and_ranges_are_valid(
        answers in proptest::collection::vec("\\PC{0,80}", 0..8),
        term in "\\PC{0,20}",
        language in proptest::sample::select(vec!["en", "nl", "de", "fr", "sv", "af", "sk", "sl", "??"]),
    ) {
        let borrowed: Vec<&str> = answers.iter().map(String::as_str).collect();
        let listed = top_terms(language, &borrowed, 10);
        proptest::prop_assert!(listed.len() <= 10);
        for listed_term in &listed {
            proptest::prop_assert!(listed_term.count >= 1);
            proptest::prop_assert!(listed_term.examples.len() <= 3);
            for example in &listed_term.examples {
                proptest::prop_assert!(!find(language, &listed_term.term, example).is_empty());
            }
        }
        for text in answers.iter().chain([&term]) {
            for range in find(language, &term, text) {
                proptest::prop_assert!(text.get(range.clone()).is_some(), "{range:?} in {text:?}");
            }
        }
    }
}
