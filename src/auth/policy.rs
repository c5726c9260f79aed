//! The rules a new staff password must pass: a length in bounds, and none of the shapes that
//! guessing tools try first — a well-known password (also with digits or symbols around it, or
//! with letters swapped for look-alike digits), one repeated character, a run along the keyboard
//! or the alphabet, or the name part of the user's own email address. No composition rules apply.
//!
//! `common-passwords.txt` beside this file is the 10,000 most common passwords of the public
//! "10k-most-common" list of the SecLists collection (MIT licence), one per line, unchanged.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::error::{Error, Result};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

const COMMON: &str = include_str!("common-passwords.txt");

/// Key rows in the order fingers run along them (a run may go on into the next row), for the
/// QWERTY, QWERTZ and AZERTY layouts, plus the alphabet and the digits.
const RUNS: &[&str] = &[
    "1234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "abcdefghijklmnopqrstuvwxyz",
];

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// Checks a new password against the policy; the error names `field` and says why.
/// `email` is the address of the account the password is for.
pub fn check(field: &str, password: &str, email: &str) -> Result<()> {
    let length = password.chars().count();
    let refusal = if length < MIN_LENGTH {
        format!("must be at least {MIN_LENGTH} characters long")
    } else if length > MAX_LENGTH {
        format!("must be at most {MAX_LENGTH} characters long")
    } else if let Some(reason) = weakness(password, email) {
        reason.to_string()
    } else {
        return Ok(());
    };
    Err(Error::invalid(field, refusal))
}

/// Why a password of an acceptable length is still too easy to guess, if it is.
fn weakness(password: &str, email: &str) -> Option<&'static str> {
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Some("repeats one character");
    }
    if is_run(&lower) {
        return Some("is a keyboard run (like qwerty or 123456)");
    }
    if is_common(&lower) {
        return Some("is one of the most common passwords (or one with digits or symbols added)");
    }
    if contains_email_name(&lower, email) {
        return Some("contains your email name");
    }
    None
}

/// Whether every character follows the one before it along a key row, the alphabet or the
/// digits, forwards or backwards (wrapping around, so `…890123` counts).
fn is_run(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    chars.windows(2).all(|pair| {
        RUNS.iter().any(|run| {
            let (Some(a), Some(b)) = (run.find(pair[0]), run.find(pair[1])) else {
                return false;
            };
            let n = run.len();
            (a + 1) % n == b || (b + 1) % n == a
        })
    })
}

/// Whether the password, with digits, symbols and spaces at either end taken off and
/// look-alike digits read as letters, is a common password or one repeated.
fn is_common(lower: &str) -> bool {
    let set = common();
    if set.contains(lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let plain: String = core.chars().map(unleet).collect();
    [core, plain.as_str()]
        .into_iter()
        .filter(|word| word.chars().count() >= 4)
        .any(|word| set.contains(word) || repeated_unit(word).is_some_and(|u| set.contains(u)))
}

fn unleet(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        other => other,
    }
}

/// The shortest piece that `word` is two or more copies of.
fn repeated_unit(word: &str) -> Option<&str> {
    (1..=word.len() / 2)
        .filter(|&n| word.len().is_multiple_of(n) && word.is_char_boundary(n))
        .map(|n| &word[..n])
        .find(|unit| unit.repeat(word.len() / unit.len()) == word)
}

/// Whether the password contains the part of the email before the `@`, or a piece of it of
/// three characters or more (`anna.berg` gives `anna.berg`, `anna` and `berg`).
fn contains_email_name(lower: &str, email: &str) -> bool {
    let name = email
        .rsplit_once('@')
        .map_or(email, |(name, _)| name)
        .to_lowercase();
    std::iter::once(name.as_str())
        .chain(name.split(|c: char| !c.is_alphanumeric()))
        .any(|piece| piece.chars().count() >= 3 && lower.contains(piece))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(password: &str) -> String {
        match check("password", password, "anna.berg@example.com") {
            Ok(()) => "ok".to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn length_counts_characters() {
        assert!(why("short").contains("at least 12"));
        assert_eq!(why("zoë zoë zoë "), "ok");
        assert_eq!(why(&"Ab3$".repeat(32)), "ok", "128 characters are accepted");
    }

    #[test]
    fn weak_shapes_are_refused_with_the_reason() {
        assert!(why("            ").contains("repeats one character"));
        assert!(why("aaaaaaaaaaaaaaa").contains("repeats one character"));
        assert!(why("qwertyuiopas").contains("keyboard run"));
        assert!(why("123456789012").contains("keyboard run"));
        assert!(why("0987654321").contains("at least"), "length comes first");
        assert!(why("09876543210987").contains("keyboard run"));
        assert!(why("abcdefghijklm").contains("keyboard run"));
        assert!(why("azertyuiopqs").contains("keyboard run"));
        assert!(why("password1234").contains("most common"));
        assert!(why("P@ssw0rd2024!").contains("most common"));
        assert!(why("Football2024!").contains("most common"));
        assert!(why("monkeymonkey").contains("most common"));
        assert!(why("unbelievable").contains("most common"));
        assert!(why("anna-secret-1987").contains("email name"));
        assert!(why("my BERG family tree").contains("email name"));
    }

    #[test]
    fn ordinary_passphrases_pass() {
        for ok in [
            "correct horse battery staple",
            "Lantern-Orbit-Mosaic",
            "tiny frog in a large pond",
            "ab cd ef gh ij kl",
        ] {
            assert_eq!(why(ok), "ok", "{ok}");
        }
    }

    #[test]
    fn the_bundled_list_has_ten_thousand_passwords() {
        assert!(common().len() >= 10_000 - 10);
        assert!(common().contains("password") && common().contains("eyphed"));
    }
}
