//! Which form of a counted phrase a language uses for a whole number: a phrase with a count
//! is stored once per form, as `<key>_one`, `<key>_two`, `<key>_few` and `<key>_other`, and
//! [`Catalog::plural`](super::Catalog::plural) picks the one [`category`] names. The rules are
//! CLDR's for whole numbers in the eight catalogue languages; Slovak's `many` applies only to
//! fractions, which counts never are, so it is left out.

/// The form `code` uses for `n`.
pub fn category(code: &str, n: u64) -> &'static str {
    match code {
        // French treats 0 as singular: "0 réponse".
        "fr" => {
            if n <= 1 {
                "one"
            } else {
                "other"
            }
        }
        "sk" => match n {
            1 => "one",
            2..=4 => "few",
            _ => "other",
        },
        // Slovenian goes by the last two digits and has a dual: 101 takes the singular, 102
        // the dual.
        "sl" => match n % 100 {
            1 => "one",
            2 => "two",
            3 | 4 => "few",
            _ => "other",
        },
        _ => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
    }
}

/// Every form `code` can ask for, so a test can check that each counted phrase has them all.
pub fn forms(code: &str) -> &'static [&'static str] {
    match code {
        "sk" => &["one", "few", "other"],
        "sl" => &["one", "two", "few", "other"],
        _ => &["one", "other"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_picks_its_form() {
        let picks = |code: &str| -> Vec<&str> {
            [0, 1, 2, 3, 4, 5, 11, 21, 101, 102, 103, 111]
                .iter()
                .map(|&n| category(code, n))
                .collect()
        };
        for code in ["en", "nl", "de", "sv", "af"] {
            assert_eq!(
                picks(code),
                [
                    "other", "one", "other", "other", "other", "other", "other", "other", "other",
                    "other", "other", "other"
                ],
                "{code}"
            );
        }
        assert_eq!(&picks("fr")[..3], ["one", "one", "other"]);
        assert_eq!(
            picks("sk"),
            [
                "other", "one", "few", "few", "few", "other", "other", "other", "other", "other",
                "other", "other"
            ]
        );
        assert_eq!(
            picks("sl"),
            [
                "other", "one", "two", "few", "few", "other", "other", "other", "one", "two",
                "few", "other"
            ]
        );
    }

    #[test]
    fn every_form_a_language_picks_is_listed() {
        for code in super::super::LANGUAGES {
            for n in 0..300 {
                assert!(forms(code).contains(&category(code, n)), "{code} {n}");
            }
        }
    }
}
