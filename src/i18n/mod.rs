//! Respondent-facing strings in every supported language: buttons, errors beside questions,
//! progress, closed / not-yet-open / not-found pages, thank-you, save-and-resume, score bands,
//! unsubscribe pages and every sentence of every email. Each language is a flat JSON object
//! (key → string) in `i18n/<code>.json`, embedded at compile time and parsed once.
//! Placeholders use `{name}` and are filled by [`Catalog::format`]; a phrase with a count has
//! one entry per grammatical form, chosen by [`Catalog::plural`] (see [`plural`]).

pub mod plural;
pub mod staff;
pub mod staff_messages;

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Language codes with a catalogue, English first because it is the fallback.
pub const LANGUAGES: [&str; 8] = ["en", "nl", "de", "fr", "sv", "af", "sk", "sl"];

// Same order as `LANGUAGES`; a test keeps the two in step.
const SOURCES: [(&str, &str); 8] = [
    ("en", include_str!("en.json")),
    ("nl", include_str!("nl.json")),
    ("de", include_str!("de.json")),
    ("fr", include_str!("fr.json")),
    ("sv", include_str!("sv.json")),
    ("af", include_str!("af.json")),
    ("sk", include_str!("sk.json")),
    ("sl", include_str!("sl.json")),
];

/// Whether `code` is one of [`LANGUAGES`] (exact, lower-case match).
pub fn is_supported(code: &str) -> bool {
    LANGUAGES.contains(&code)
}

/// The catalogue language for a stored language tag, by its primary subtag, so `nl-BE` or `DE`
/// still get Dutch or German; `None` when there is no catalogue for it.
pub fn supported(tag: &str) -> Option<&'static str> {
    by_primary_subtag(tag, &LANGUAGES)
}

/// The one of `codes` that `tag`'s primary subtag names, whatever its case (`nl-BE`, `NL`).
fn by_primary_subtag(tag: &str, codes: &[&'static str]) -> Option<&'static str> {
    let primary = tag
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    codes.iter().find(|code| **code == primary).copied()
}

/// The catalogue language for a contact's stored language ([`supported`]); anything else gets
/// English.
pub fn language_of(stored: Option<&str>) -> &'static str {
    stored.and_then(supported).unwrap_or("en")
}

/// The catalogue for a language; unknown codes get English.
pub fn catalog(code: &str) -> &'static Catalog {
    let all = catalogs();
    all.iter()
        .find(|c| c.code == code)
        .unwrap_or_else(|| english(all))
}

/// One language's strings.
#[derive(Debug)]
pub struct Catalog {
    code: &'static str,
    strings: BTreeMap<String, String>,
}

impl Catalog {
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The string for `key`; falls back to English, then to the key itself (never panics).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings
            .get(key)
            .or_else(|| english(catalogs()).strings.get(key))
            .map_or(key, String::as_str)
    }

    /// `get` with `{name}` placeholders filled from `args`.
    ///
    /// A placeholder with no matching argument is left as written, so a missing argument
    /// shows up on the page instead of silently vanishing. Substitution is a single pass
    /// over the template, so braces inside an argument (a section title, say) are never
    /// themselves treated as placeholders.
    pub fn format(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.get(key), args)
    }

    /// [`format`](Self::format) for a phrase with a count: the entry `<key>_<form>` for the form
    /// this language uses for `n` ("1 answer", "2 odpovede", "5 odpovedí"), else `<key>_other`.
    pub fn plural(&self, key: &str, n: u64, args: &[(&str, &str)]) -> String {
        let form = format!("{key}_{}", plural::category(self.code, n));
        if self.strings.contains_key(&form) {
            self.format(&form, args)
        } else {
            self.format(&format!("{key}_other"), args)
        }
    }

    /// Every string, for handing to a template as a map (key → string).
    pub fn strings(&self) -> &BTreeMap<String, String> {
        &self.strings
    }
}

/// `template` with its `{name}` placeholders filled from `args`, for respondent and staff
/// strings alike.
///
/// A placeholder with no matching argument is left as written, so a missing argument shows up
/// on the page instead of silently vanishing. Substitution is a single pass over the template,
/// so braces inside an argument (a section title, say) are never themselves treated as
/// placeholders.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &after[..close];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn catalogs() -> &'static [Catalog] {
    static CATALOGS: OnceLock<Vec<Catalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        let english = parse("en", SOURCES[0].1).unwrap_or_default();
        SOURCES
            .iter()
            .map(|&(code, source)| Catalog {
                code,
                // A broken file must not take the respondent pages down; English is better
                // than an error page, and the unit tests keep this from ever shipping.
                strings: parse(code, source).unwrap_or_else(|| english.clone()),
            })
            .collect()
    })
}

// `catalogs()` always holds English at index 0, but a lookup by code avoids relying on that
// in the (never-panicking) fallback path.
fn english(all: &'static [Catalog]) -> &'static Catalog {
    static EMPTY: OnceLock<Catalog> = OnceLock::new();
    all.iter().find(|c| c.code == "en").unwrap_or_else(|| {
        EMPTY.get_or_init(|| Catalog {
            code: "en",
            strings: BTreeMap::new(),
        })
    })
}

fn parse(code: &str, source: &str) -> Option<BTreeMap<String, String>> {
    match serde_json::from_str(source) {
        Ok(strings) => Some(strings),
        Err(e) => {
            log::error!("respondent strings for {code:?} could not be read: {e}");
            None
        }
    }
}

/// The `{name}` placeholders a catalogue string holds, for the tests that keep every language's
/// strings in step with English.
#[cfg(test)]
fn placeholders(s: &str) -> std::collections::BTreeSet<&str> {
    let mut found = std::collections::BTreeSet::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        found.insert(&after[..close]);
        rest = &after[close + 1..];
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_contact_language_picks_the_catalogue_by_its_primary_subtag() {
        use super::language_of;
        assert_eq!(language_of(Some("de")), "de");
        assert_eq!(language_of(Some(" nl-BE ")), "nl");
        assert_eq!(language_of(Some("SV_fi")), "sv");
        assert_eq!(language_of(Some("xx")), "en");
        assert_eq!(language_of(Some("")), "en");
        assert_eq!(language_of(None), "en");
    }

    use std::collections::BTreeSet;

    use super::*;

    fn raw(code: &str) -> BTreeMap<String, String> {
        let (_, source) = SOURCES.iter().find(|(c, _)| *c == code).unwrap();
        serde_json::from_str(source).unwrap_or_else(|e| panic!("{code}.json: {e}"))
    }

    #[test]
    fn sources_match_languages() {
        let codes: Vec<&str> = SOURCES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, LANGUAGES);
        assert_eq!(catalogs().len(), LANGUAGES.len());
    }

    #[test]
    fn every_language_parses() {
        for code in LANGUAGES {
            assert!(!raw(code).is_empty(), "{code}.json is empty");
            assert!(is_supported(code));
            assert_eq!(catalog(code).code(), code);
        }
    }

    /// The keys of counted phrases, by the English catalogue's `<key>_other` entries.
    fn counted_phrases() -> BTreeSet<String> {
        raw("en")
            .into_keys()
            .filter_map(|k| k.strip_suffix("_other").map(str::to_string))
            .collect()
    }

    /// The keys a language must have: English's, each counted phrase in this language's forms.
    fn expected_keys(code: &str) -> BTreeSet<String> {
        let counted = counted_phrases();
        let plain = raw("en").into_keys().filter(|key| {
            !counted
                .iter()
                .any(|base| key.strip_prefix(base.as_str()).is_some_and(is_form_suffix))
        });
        let forms = counted.iter().flat_map(|base| {
            plural::forms(code)
                .iter()
                .map(move |form| format!("{base}_{form}"))
        });
        plain.chain(forms).collect()
    }

    fn is_form_suffix(tail: &str) -> bool {
        ["_one", "_two", "_few", "_other"].contains(&tail)
    }

    #[test]
    fn every_language_has_exactly_the_english_keys_and_no_empty_strings() {
        for code in LANGUAGES {
            let expected = expected_keys(code);
            let strings = raw(code);
            let keys: BTreeSet<String> = strings.keys().cloned().collect();
            let missing: Vec<_> = expected.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&expected).collect();
            assert!(missing.is_empty(), "{code} is missing {missing:?}");
            assert!(extra.is_empty(), "{code} has extra keys {extra:?}");
            for (key, value) in &strings {
                assert!(!value.trim().is_empty(), "{code}.{key} is empty");
            }
        }
    }

    #[test]
    fn translations_keep_every_english_placeholder() {
        let english = raw("en");
        for code in LANGUAGES {
            for (key, value) in raw(code) {
                // A form English lacks (Slovak "few") says what English's plural says.
                let source = english.get(&key).or_else(|| {
                    let base = key.rsplit_once('_').map(|(base, _)| base)?;
                    english.get(&format!("{base}_other"))
                });
                let Some(source) = source else { continue };
                let wanted = placeholders(source);
                let got = placeholders(&value);
                assert!(
                    wanted.is_subset(&got),
                    "{code}.{key} lacks {:?}",
                    wanted.difference(&got).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn a_count_picks_the_form_of_its_language() {
        let summary = |code: &str, n: u64| {
            catalog(code).plural("errors_summary", n, &[("count", &n.to_string())])
        };
        assert_eq!(summary("en", 1), "Please check the answer marked below.");
        assert_eq!(summary("en", 3), "Please check the 3 answers marked below.");
        assert!(summary("sk", 3).contains("3 označené odpovede"));
        assert!(summary("sk", 5).contains("5 označených odpovedí"));
        assert!(summary("sl", 2).contains("2 označena odgovora"));
        assert!(summary("sl", 101).contains("101 označeni odgovor"));
        for code in LANGUAGES {
            for n in 1..12 {
                let text = summary(code, n);
                assert!(
                    !text.contains("(s)") && !text.contains('{'),
                    "{code}: {text}"
                );
            }
        }
    }

    #[test]
    fn language_names_are_distinct() {
        let names: BTreeSet<&str> = LANGUAGES
            .iter()
            .map(|c| catalog(c).get("language_name"))
            .collect();
        assert_eq!(names.len(), LANGUAGES.len());
        assert_eq!(catalog("nl").get("language_name"), "Nederlands");
    }

    #[test]
    fn unknown_language_gets_english() {
        for code in ["xx", "", "NL", "en-GB"] {
            assert!(!is_supported(code));
            assert_eq!(catalog(code).code(), "en");
        }
        assert_eq!(catalog("zz").get("submit"), "Send my answers");
    }

    #[test]
    fn format_fills_placeholders() {
        let en = catalog("en");
        assert_eq!(
            en.plural("progress", 10, &[("answered", "3"), ("total", "10")]),
            "3 of 10 questions answered"
        );
        assert_eq!(
            catalog("de").format("score_total", &[("total", "42"), ("max", "50")]),
            "Gesamt: 42 von 50"
        );
        // Braces in a value are not expanded again; missing arguments stay visible.
        assert_eq!(
            en.format("section_average", &[("section", "{average}")]),
            "{average}: {average}"
        );
        assert_eq!(
            en.format(
                "section_average",
                &[("section", "Speed"), ("average", "4.2")]
            ),
            "Speed: 4.2"
        );
    }

    #[test]
    fn format_keeps_a_lone_brace() {
        let t = Catalog {
            code: "xx",
            strings: BTreeMap::from([("k".to_string(), "a {b} c { d".to_string())]),
        };
        assert_eq!(t.format("k", &[("b", "B")]), "a B c { d");
    }

    #[test]
    fn missing_key_falls_back_to_english() {
        let t = Catalog {
            code: "xx",
            strings: BTreeMap::new(),
        };
        assert_eq!(t.get("submit"), "Send my answers");
    }

    #[test]
    fn unreadable_file_is_rejected_not_panicked_on() {
        assert!(parse("xx", "{not json").is_none());
        assert!(parse("xx", r#"{"submit": 3}"#).is_none());
    }

    #[test]
    fn get_unknown_key_returns_the_key() {
        assert_eq!(catalog("fr").get("no_such_key"), "no_such_key");
        assert_eq!(catalog("fr").format("no_such_key", &[]), "no_such_key");
    }

    #[test]
    fn strings_map_is_complete() {
        let sk = catalog("sk").strings();
        assert_eq!(sk.len(), expected_keys("sk").len());
        assert_eq!(
            sk.get("thank_you_title").map(String::as_str),
            Some("Ďakujeme")
        );
    }
}
