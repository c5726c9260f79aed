//! Checking one import row: each field trimmed and bounded, the email a plain address.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::web::text::{self, Lines};

const MAX_NAME: usize = 200;
const MAX_PHONE: usize = 50;
const MAX_ADDRESS: usize = 500;
const MAX_LANGUAGE: usize = 35;
const MAX_ATTRIBUTES: usize = 50;
const MAX_KEY: usize = 100;
const MAX_VALUE: usize = 1000;

/// Why a row was not imported: a stable code that rejections are counted by, and the sentence
/// shown for the row.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: &'static str,
    pub text: String,
}

impl Reason {
    pub const MISSING_EMAIL: &'static str = "missing_email";
    pub const INVALID_EMAIL: &'static str = "invalid_email";
    pub const INVALID_FIELD: &'static str = "invalid_field";
    pub const WRONG_SHAPE: &'static str = "wrong_shape";
    pub const WRONG_COLUMNS: &'static str = "wrong_column_count";
    pub const UNREADABLE: &'static str = "unreadable_row";
    pub const NOT_UTF8: &'static str = "not_utf8";

    pub fn new(code: &'static str, text: impl Into<String>) -> Self {
        Reason {
            code,
            text: text.into(),
        }
    }
}

/// One contact as given, checked: what an import row becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub language: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// A contact as an import row gives it, before checking.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ContactInput)]
#[serde(deny_unknown_fields)]
pub struct RawContact {
    // Every row needs one; `check` gives the reason for a row without it.
    #[schema(required = true)]
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl RawContact {
    /// Checks every field; the error is the reason shown for the row.
    pub fn check(self) -> std::result::Result<Candidate, Reason> {
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => return Err(Reason::new(Reason::MISSING_EMAIL, "email is missing")),
            Some(email) => normalize_email(email).ok_or_else(|| {
                Reason::new(Reason::INVALID_EMAIL, "email is not a valid email address")
            })?,
        };
        self.check_fields(email)
            .map_err(|text| Reason::new(Reason::INVALID_FIELD, text))
    }

    fn check_fields(self, email: String) -> std::result::Result<Candidate, String> {
        let mut attributes = BTreeMap::new();
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err(format!("more than {MAX_ATTRIBUTES} attributes"));
        }
        for (key, value) in self.attributes {
            let key = key.trim().to_string();
            if key.is_empty() {
                continue;
            }
            if key.chars().count() > MAX_KEY || text::forbidden(&key, Lines::One).is_some() {
                return Err(format!(
                    "attribute names must be at most {MAX_KEY} characters on one line"
                ));
            }
            if let Some(value) = optional(&format!("attribute `{key}`"), &value, MAX_VALUE, true)? {
                attributes.insert(key, value);
            }
        }
        Ok(Candidate {
            email,
            name: opt(self.name, "name", MAX_NAME, false)?,
            phone: opt(self.phone, "phone", MAX_PHONE, false)?,
            address: opt(self.address, "address", MAX_ADDRESS, true)?,
            language: opt(self.language, "language", MAX_LANGUAGE, false)?,
            attributes,
        })
    }
}

fn opt(
    value: Option<String>,
    field: &str,
    max: usize,
    multi_line: bool,
) -> std::result::Result<Option<String>, String> {
    match value {
        None => Ok(None),
        Some(value) => optional(field, &value, max, multi_line),
    }
}

/// A trimmed text field; empty means "not given".
fn optional(
    field: &str,
    value: &str,
    max: usize,
    multi_line: bool,
) -> std::result::Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
    }
    let lines = if multi_line { Lines::Many } else { Lines::One };
    if text::forbidden(value, lines).is_some() {
        return Err(format!(
            "{field} contains control characters{}",
            if multi_line { "" } else { " or line breaks" }
        ));
    }
    Ok(Some(value.to_string()))
}

/// A rejected email as echoed back: control characters (a smuggled `\r\nBcc:`) shown escaped.
pub(super) fn printable(email: &str) -> String {
    email
        .chars()
        .take(254)
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The email, trimmed and lower-cased, when it is a plain RFC 5322 addr-spec: a dot-atom local
/// part and a domain of at least two labels. No display names, comments, quoted local parts,
/// address literals, whitespace or control characters: nothing a mail header could be smuggled
/// through. Non-ASCII letters are allowed (internationalised addresses).
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    // lettre must accept it too, or the outbox could not address the email later.
    (local_ok && domain_ok && email.parse::<lettre::Address>().is_ok()).then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_plain_addr_specs() {
        assert_eq!(
            normalize_email("  Anna.Oberg@Example.COM "),
            Some("anna.oberg@example.com".into())
        );
        assert!(normalize_email("zoë@kovačič.si").is_some());
        for bad in [
            "not-an-email",
            "",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "Anna <anna@example.com>",
            "a@example.com\r\nBcc: x@y.com",
            "\"quoted\"@example.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example.123",
            "a@[127.0.0.1]",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }
}
