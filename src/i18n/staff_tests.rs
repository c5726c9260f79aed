//! The staff catalogues: complete in every staff language, placeholders kept, plural forms as
//! each language's rule asks, no key in two areas, and the language a request gets.

use std::collections::BTreeSet;

use super::*;
use crate::i18n::{placeholders, plural};

fn merged(code: &str) -> BTreeMap<String, String> {
    let index = STAFF_LANGUAGES.iter().position(|c| *c == code).unwrap();
    merge(index).unwrap_or_else(|e| panic!("{e}"))
}

/// A counted phrase's base key and its form, for `home.mentions_one` → (`home.mentions`, `one`).
fn counted_form(key: &str) -> Option<(&str, &str)> {
    let (base, form) = key.rsplit_once('_')?;
    ["one", "two", "few", "other"]
        .contains(&form)
        .then_some((base, form))
}

#[test]
fn every_area_reads_and_no_key_is_in_two_areas() {
    check().unwrap();
    assert!(merge(0).unwrap().contains_key("layout.sign_out"));
}

#[test]
fn a_key_in_two_areas_is_refused() {
    let first: BTreeMap<String, String> = serde_json::from_str(AREAS[0].1[0]).unwrap();
    let key = first.keys().next().unwrap();
    // Any other area's keys must not repeat the first area's.
    for (area, sources) in &AREAS[1..] {
        let other: BTreeMap<String, String> = serde_json::from_str(sources[0]).unwrap();
        assert!(!other.contains_key(key), "{area} repeats {key}");
    }
}

#[test]
fn every_language_has_the_same_keys_with_the_same_placeholders() {
    let english = merged("en");
    let plain = |strings: &BTreeMap<String, String>| -> BTreeSet<String> {
        strings
            .keys()
            .filter(|k| counted_form(k).is_none())
            .cloned()
            .collect()
    };
    for code in STAFF_LANGUAGES {
        let strings = merged(code);
        assert_eq!(
            plain(&strings),
            plain(&english),
            "{code}: plain keys differ from English"
        );
        for (key, value) in &strings {
            assert!(!value.trim().is_empty(), "{code}.{key} is empty");
            let source = english.get(key).or_else(|| {
                let (base, _) = counted_form(key)?;
                english.get(&format!("{base}_other"))
            });
            let Some(source) = source else {
                panic!("{code}.{key} has no English counterpart");
            };
            assert_eq!(
                placeholders(value),
                placeholders(source),
                "{code}.{key}: placeholders differ from English"
            );
        }
    }
}

#[test]
fn every_counted_phrase_has_the_forms_its_language_uses() {
    for code in STAFF_LANGUAGES {
        let strings = merged(code);
        let bases: BTreeSet<&str> = strings
            .keys()
            .filter_map(|k| counted_form(k).map(|(base, _)| base))
            .collect();
        for base in bases {
            for form in plural::forms(code) {
                assert!(
                    strings.contains_key(&format!("{base}_{form}")),
                    "{code}: {base}_{form} is missing"
                );
            }
            for key in strings.keys().filter(|k| k.starts_with(base)) {
                if let Some((b, form)) = counted_form(key)
                    && b == base
                {
                    assert!(
                        plural::forms(code).contains(&form),
                        "{code}: {key} is unused"
                    );
                }
            }
        }
    }
}

#[test]
fn the_browser_picks_by_quality_and_a_choice_wins() {
    assert_eq!(from_accept_language("nl-NL,nl;q=0.9,en;q=0.8"), Some("nl"));
    assert_eq!(
        from_accept_language("de-DE, en;q=0.5, nl;q=0.7"),
        Some("nl")
    );
    assert_eq!(from_accept_language("en;q=0.2, NL-be"), Some("nl"));
    assert_eq!(from_accept_language("nl;q=0, en"), Some("en"));
    assert_eq!(from_accept_language("nl;q=zero, en;q=0.1"), Some("en"));
    assert_eq!(from_accept_language("de, fr"), None);
    assert_eq!(from_accept_language(""), None);
    assert_eq!(resolve(Some("en"), Some("nl")), "en");
    assert_eq!(resolve(None, Some("nl")), "nl");
    assert_eq!(resolve(Some("xx"), Some("de")), "en");
    assert_eq!(resolve(None, None), "en");
}

#[test]
fn lookups_fall_back_and_counts_pick_their_form() {
    let nl = staff_catalog("nl");
    assert_eq!(nl.code(), "nl");
    assert_eq!(staff_catalog("de").code(), "en");
    assert_eq!(nl.get("no.such.key"), "no.such.key");
    assert_eq!(nl.counted("surveys.questions", 1), "1 vraag");
    assert_eq!(nl.counted("surveys.questions", 12), "12 vragen");
    assert_eq!(
        staff_catalog("en").counted("progress.responses", 0),
        "0 responses"
    );
}

#[test]
fn numbers_are_written_as_each_language_writes_them() {
    let (en, nl) = (staff_catalog("en"), staff_catalog("nl"));
    assert_eq!(en.number(1_200), "1,200");
    assert_eq!(nl.number(1_200), "1.200");
    assert_eq!(nl.number(-1_234_567), "-1.234.567");
    assert_eq!(en.decimal(4.26, 1), "4.3");
    assert_eq!(nl.decimal(1234.5, 1), "1.234,5");
    assert_eq!(nl.decimal(-0.04, 1), "0,0");
    assert_eq!(en.decimal(-3.0, 0), "-3");
    assert_eq!(nl.counted("surveys.questions", 1200), "1.200 vragen");
}
