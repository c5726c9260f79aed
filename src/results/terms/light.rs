//! Light stemmers for the survey languages Snowball has no algorithm for: Afrikaans, Slovak and
//! Slovene.
//!
//! Each one removes at most one inflectional ending (after the Afrikaans `'s` plural, one more),
//! and only when at least three letters stay, so short words are left alone. They
//! only undo inflection, never derivation ("-ost", "-heid", "-nje" stay), because here a wrong merge
//! is worse than a missed one: two different words counted as one make a misleading term, while
//! "dostava" and a rare "dostavami" apart only split a count.
//!
//! - **Slovak and Slovene** decline nouns and adjectives by case, number (and in Slovene, dual)
//!   with endings of one to four letters. The stemmer strips the longest ending from the
//!   language's list, e.g. Slovak "doručenie/doručenia/doručeniam/doručeniami" → "doručen",
//!   Slovene "dostava/dostave/dostavo/dostavami" → "dostav". Vowel and consonant alternations in
//!   the stem (Slovak "ulica/ulíc", "zákazník/zákazníci") are not undone, and verbs are not
//!   handled.
//! - **Afrikaans** has hardly any inflection left: plurals in "-e" or "-s" (after "-ing", "-er",
//!   "-el", "-em", "-en", "-ie", "-or", "-aar", "-eur"), "-'s" after a vowel ("foto's"), the
//!   diminutives "-(e)tjie(s)" and "-jie(s)", and the attributive "-e" of adjectives. After an
//!   "-e" is removed a doubled final consonant is made single again ("katte" → "kat",
//!   "sterre" → "ster"). Lengthened or changed stems ("boom/bome", "stad/stede") stay apart.

/// Fewer letters than this left over means the "ending" was probably part of the word.
const MIN_STEM_CHARS: usize = 3;

/// Slovak noun and adjective endings, longest first so that "-iami" wins over "-ami" and "-i".
const SLOVAK_ENDINGS: &[&str] = &[
    "iach", "iami", "ieho", "iemu", "ovia", //
    "ami", "ách", "ach", "ého", "ému", "ými", "ých", "ími", "ích", "och", "ovi", "iam", //
    "ou", "om", "ov", "ej", "ia", "ie", "iu", "ím", "ým", "ám", "mi", //
    "a", "e", "i", "o", "u", "y", "á", "é", "í", "ú", "ý",
];

/// Slovene noun and adjective endings (with the dual's "-ama", "-ema", "-oma"), longest first.
const SLOVENE_ENDINGS: &[&str] = &[
    "ega", "emu", "ama", "ami", "imi", "ima", "oma", "ema", "ovi", "evi", //
    "ah", "ih", "om", "em", "im", "ov", "ev", "mi", "am", //
    "a", "e", "i", "o", "u",
];

/// The word endings before which an Afrikaans "-s" is a plural rather than part of the word
/// ("bestellings", "kopies", "motors"; but "prys", "bus", "huis" keep their "s").
const AFRIKAANS_S_PLURAL_AFTER: &[&str] =
    &["ing", "aar", "eur", "er", "el", "em", "en", "ie", "or"];

/// Afrikaans diminutive endings, longest first.
const AFRIKAANS_DIMINUTIVES: &[&str] = &["etjies", "etjie", "tjies", "tjie", "jies", "jie"];

/// The stem of a lowercased Slovak word.
pub fn slovak(word: &str) -> &str {
    strip_longest_ending(word, SLOVAK_ENDINGS).unwrap_or(word)
}

/// The stem of a lowercased Slovene word.
pub fn slovene(word: &str) -> &str {
    strip_longest_ending(word, SLOVENE_ENDINGS).unwrap_or(word)
}

/// The stem of a lowercased Afrikaans word.
pub fn afrikaans(word: &str) -> &str {
    let word = word
        .strip_suffix("'s")
        .filter(|rest| long_enough(rest))
        .unwrap_or(word);
    if let Some(stem) = strip_longest_ending(word, AFRIKAANS_DIMINUTIVES) {
        return stem;
    }
    if let Some(rest) = word.strip_suffix('s')
        && long_enough(rest)
        && AFRIKAANS_S_PLURAL_AFTER
            .iter()
            .any(|ending| rest.ends_with(ending))
    {
        return rest;
    }
    if let Some(rest) = word.strip_suffix('e')
        && long_enough(rest)
        // "koffie", "idee": the "e" belongs to the word.
        && !rest.ends_with(['i', 'e'])
    {
        return undouble_final_consonant(rest);
    }
    word
}

fn long_enough(stem: &str) -> bool {
    stem.chars().nth(MIN_STEM_CHARS - 1).is_some()
}

fn strip_longest_ending<'w>(word: &'w str, endings_longest_first: &[&str]) -> Option<&'w str> {
    endings_longest_first
        .iter()
        .filter_map(|ending| word.strip_suffix(ending))
        .find(|stem| long_enough(stem))
}

/// Afrikaans doubles a consonant after a short vowel before "-e" ("kat" → "katte").
fn undouble_final_consonant(stem: &str) -> &str {
    let mut letters = stem.chars().rev();
    match (letters.next(), letters.next()) {
        (Some(last), Some(before))
            if last == before && last.is_alphabetic() && !"aeiouy".contains(last) =>
        {
            &stem[..stem.len() - last.len_utf8()]
        }
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_lists_are_longest_first() {
        for endings in [SLOVAK_ENDINGS, SLOVENE_ENDINGS, AFRIKAANS_DIMINUTIVES] {
            let lengths: Vec<usize> = endings.iter().map(|e| e.chars().count()).collect();
            let mut sorted = lengths.clone();
            sorted.sort_by(|a, b| b.cmp(a));
            assert_eq!(lengths, sorted, "{endings:?}");
        }
    }

    #[test]
    fn slovak_case_forms_share_a_stem() {
        for form in [
            "doručenie",
            "doručenia",
            "doručeniu",
            "doručení",
            "doručením",
            "doručeniam",
            "doručeniach",
            "doručeniami",
        ] {
            assert_eq!(slovak(form), "doručen", "{form}");
        }
        for form in [
            "zákazník",
            "zákazníka",
            "zákazníkovi",
            "zákazníkom",
            "zákazníkov",
        ] {
            assert_eq!(slovak(form), "zákazník", "{form}");
        }
        for form in [
            "služba",
            "služby",
            "službe",
            "službu",
            "službou",
            "službami",
        ] {
            assert_eq!(slovak(form), "služb", "{form}");
        }
    }

    #[test]
    fn slovene_case_forms_share_a_stem() {
        for form in [
            "dostava",
            "dostave",
            "dostavi",
            "dostavo",
            "dostav",
            "dostavama",
            "dostavah",
            "dostavami",
        ] {
            assert_eq!(slovene(form), "dostav", "{form}");
        }
        for form in [
            "paket", "paketa", "paketu", "paketom", "paketi", "paketov", "paketih",
        ] {
            assert_eq!(slovene(form), "paket", "{form}");
        }
    }

    #[test]
    fn afrikaans_plurals_and_diminutives_share_a_stem() {
        let same = [
            ("aflewering", "aflewerings"),
            ("kopie", "kopies"),
            ("prys", "pryse"),
            ("kat", "katte"),
            ("ster", "sterre"),
            ("foto", "foto's"),
            ("hond", "hondjie"),
            ("vinnig", "vinnige"),
        ];
        for (base, inflected) in same {
            assert_eq!(
                afrikaans(base),
                afrikaans(inflected),
                "{base} / {inflected}"
            );
        }
        // An "s" that belongs to the word stays.
        assert_eq!(afrikaans("prys"), "prys");
        assert_eq!(afrikaans("huis"), "huis");
    }

    #[test]
    fn short_words_are_left_alone() {
        assert_eq!(slovak("dom"), "dom");
        assert_eq!(slovak("domu"), "dom");
        assert_eq!(slovene("ura"), "ura");
        assert_eq!(afrikaans("see"), "see");
        assert_eq!(afrikaans("es"), "es");
        assert_eq!(slovak(""), "");
    }
}
