//! What text typed by staff or respondents may hold. Control characters (C0, DEL and C1) are
//! refused everywhere: they have no place in survey text or answers, a NUL is refused by
//! PostgreSQL and cut short by C libraries, and the rest turn into invisible garbage in exports
//! and mail. A tab is allowed anywhere; line breaks only where the field holds several lines.
//! On a single line the Unicode line and paragraph separators count as line breaks too.

use crate::error::{Error, Result};

/// Whether a field holds one line (titles, options, names, short answers) or several
/// (introductions, help, long answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The first character `text` may not hold in a field of this kind.
pub fn forbidden(text: &str, lines: Lines) -> Option<char> {
    text.chars().find(|&c| match c {
        '\t' => false,
        '\n' | '\r' => lines == Lines::One,
        '\u{2028}' | '\u{2029}' => lines == Lines::One,
        c => c.is_control(),
    })
}

/// Refuses text holding a character [`forbidden`] names, with a 422 naming `field`.
pub fn check(field: &str, text: &str, lines: Lines) -> Result<()> {
    match forbidden(text, lines) {
        None => Ok(()),
        Some(c) if !c.is_control() || c == '\n' || c == '\r' => {
            Err(Error::invalid(field, "must be on one line"))
        }
        Some(c) => Err(Error::invalid(
            field,
            format!(
                "must not contain control characters (found U+{:04X})",
                u32::from(c)
            ),
        )),
    }
}

/// [`check`] for an optional field.
pub fn check_opt(field: &str, text: Option<&str>, lines: Lines) -> Result<()> {
    text.map_or(Ok(()), |text| check(field, text, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_refused_and_line_breaks_only_on_one_line() {
        for c in ['\0', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            let text = format!("a{c}b");
            assert_eq!(forbidden(&text, Lines::Many), Some(c), "{c:?}");
            assert_eq!(forbidden(&text, Lines::One), Some(c), "{c:?}");
        }
        for c in ['\n', '\r', '\u{2028}', '\u{2029}'] {
            let text = format!("a{c}b");
            assert_eq!(forbidden(&text, Lines::Many), None, "{c:?}");
            assert_eq!(forbidden(&text, Lines::One), Some(c), "{c:?}");
        }
        assert_eq!(forbidden("a\tb ÿ € 😀 Zoë", Lines::One), None);
        let message = check("title", "a\0b", Lines::One).unwrap_err().to_string();
        assert!(message.contains("U+0000"), "{message}");
        let message = check("title", "a\nb", Lines::One).unwrap_err().to_string();
        assert!(message.contains("one line"), "{message}");
    }
}
