//! How numbers and times read on staff pages: digits grouped, a count with its noun in the right number
//! ("1 question", "3 questions") and a stored time to the minute ("2026-11-22 10:00 UTC")
//! rather than the machine form with seconds and fractions.

/// A whole number as people read it, its digits grouped in threes: "1,000,000".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `n` with `one` or `other` after it, its digits grouped: "1 response", "1,200 responses".
/// Zero takes the plural, as English does ("0 responses").
pub fn counted(n: impl TryInto<i64>, one: &str, other: &str) -> String {
    // Counts of rows and items never come near the limit; saturate rather than wrap.
    let n = n.try_into().unwrap_or(i64::MAX);
    let noun = if n == 1 { one } else { other };
    format!("{} {noun}", grouped(n))
}

/// A time given as RFC 3339 (as the API and the views built on it carry it) shown
/// [to the minute](super::to_the_minute); text that is not such a time is shown as it is, so a
/// page never loses what it was given.
pub fn minute_of(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_string(),
        |at| super::to_the_minute(at.naive_utc()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_takes_the_singular_and_every_other_count_the_plural() {
        assert_eq!(counted(1, "question", "questions"), "1 question");
        assert_eq!(counted(0, "question", "questions"), "0 questions");
        assert_eq!(counted(2, "entry", "entries"), "2 entries");
        assert_eq!(counted(1200, "response", "responses"), "1,200 responses");
    }

    #[test]
    fn a_machine_time_is_shown_to_the_minute_and_anything_else_as_given() {
        assert_eq!(
            minute_of("2026-12-02T02:08:46.881053Z"),
            "2026-12-02 02:08 UTC"
        );
        assert_eq!(
            minute_of("2026-12-02T03:08:46+01:00"),
            "2026-12-02 02:08 UTC"
        );
        assert_eq!(minute_of("soon"), "soon");
    }
}
