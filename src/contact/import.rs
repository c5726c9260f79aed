//! Importing contacts from a JSON array or a CSV file. Parsing turns each row into a checked
//! contact or a rejection with its row number and reason, so one bad row never sinks the good
//! ones. Saving works in batches: one write transaction and one bulk lookup per batch, which is
//! what keeps 100,000 rows within seconds. An email seen before (in the database or earlier in
//! the same file) is updated, never duplicated.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{self, ContactRow};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

/// Rows saved per write transaction: big enough to amortise the commit's fsync, small enough
/// that other writers never wait long.
pub const BATCH: usize = 1000;

const MAX_NAME: usize = 200;
const MAX_PHONE: usize = 50;
const MAX_ADDRESS: usize = 500;
const MAX_LANGUAGE: usize = 35;
const MAX_ATTRIBUTES: usize = 50;
const MAX_KEY: usize = 100;
const MAX_VALUE: usize = 1000;

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

/// A row that was not imported, and why. `row` is 1-based: the JSON array's position, or the
/// CSV record number counting the header as row 1.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rejected {
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub reason: String,
}

/// A parsed upload: checked rows (with their row numbers) and rejected ones.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<(usize, Candidate)>,
    pub rejected: Vec<Rejected>,
}

impl Parsed {
    fn push(&mut self, row: usize, raw: RawContact) {
        let email = raw.email.clone().filter(|e| !e.trim().is_empty());
        match raw.check() {
            Ok(candidate) => self.rows.push((row, candidate)),
            Err(reason) => self.rejected.push(Rejected {
                row,
                email: email.map(|e| printable(e.trim())),
                reason,
            }),
        }
    }
}

/// The answer to an import.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = ImportReport)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<Rejected>,
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
    pub fn check(self) -> std::result::Result<Candidate, String> {
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => return Err("email is missing".into()),
            Some(email) => normalize_email(email)
                .ok_or_else(|| "email is not a valid email address".to_string())?,
        };
        let mut attributes = BTreeMap::new();
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err(format!("more than {MAX_ATTRIBUTES} attributes"));
        }
        for (key, value) in self.attributes {
            let key = key.trim().to_string();
            if key.is_empty() {
                continue;
            }
            if key.chars().count() > MAX_KEY || key.chars().any(char::is_control) {
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
    let bad = value
        .chars()
        .any(|c| c.is_control() && !(multi_line && (c == '\n' || c == '\r' || c == '\t')));
    if bad {
        return Err(format!("{field} contains control characters"));
    }
    Ok(Some(value.to_string()))
}

/// A rejected email as echoed back: control characters (a smuggled `\r\nBcc:`) shown escaped.
fn printable(email: &str) -> String {
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

/// Parses a JSON array of contacts. A body that is not JSON is a 400, JSON that is not an array
/// a 422; inside the array, each element that does not fit is a rejected row.
pub fn parse_json(body: &[u8]) -> Result<Parsed> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::BadRequest("the body is not valid UTF-8".into()))?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::BadRequest(format!("malformed JSON: {e}")))?;
    let serde_json::Value::Array(items) = value else {
        return Err(Error::invalid("body", "must be a JSON array of contacts"));
    };
    let mut parsed = Parsed::default();
    for (index, item) in items.into_iter().enumerate() {
        let row = index + 1;
        let email = item
            .get("email")
            .and_then(|e| e.as_str())
            .map(str::to_string);
        match serde_path_to_error::deserialize::<_, RawContact>(item) {
            Ok(raw) => parsed.push(row, raw),
            Err(e) => {
                let path = e.path().to_string();
                let reason = e.into_inner().to_string();
                let reason = if path == "." {
                    reason
                } else {
                    format!("{path}: {reason}")
                };
                parsed.rejected.push(Rejected {
                    row,
                    email: email.map(|e| printable(e.trim())),
                    reason,
                });
            }
        }
    }
    Ok(parsed)
}

/// What a CSV column holds.
#[derive(Debug, Clone)]
enum Column {
    Email,
    Name,
    Phone,
    Address,
    Language,
    Attribute(String),
    Ignored,
}

/// The delimiter of a CSV file, sniffed from its header line: whichever of `;` and `,` occurs
/// more often outside quotes (a comma wins a tie, as the common case).
fn sniff_delimiter(body: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for &b in body {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Parses a CSV file with a header row: UTF-8 with or without a BOM, comma or semicolon
/// separated, RFC 4180 quoting, CRLF or LF. Columns other than the five known ones become
/// attributes named as in the header.
pub fn parse_csv(body: &[u8]) -> Result<Parsed> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(body))
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(Error::invalid("body", format!("unreadable CSV: {e}"))),
        None => return Err(Error::invalid("body", "the CSV file is empty")),
    };
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    for (i, name) in header.iter().enumerate() {
        let name = std::str::from_utf8(name)
            .map_err(|_| {
                Error::invalid(
                    "body",
                    format!("header column {} is not valid UTF-8", i + 1),
                )
            })?
            .trim();
        let key = name.to_lowercase();
        if !key.is_empty() && !seen.insert(key.clone()) {
            return Err(Error::invalid(
                "body",
                format!("the header names the column `{name}` twice"),
            ));
        }
        columns.push(match key.as_str() {
            "email" => Column::Email,
            "name" => Column::Name,
            "phone" => Column::Phone,
            "address" => Column::Address,
            "language" => Column::Language,
            "" => Column::Ignored,
            _ => Column::Attribute(name.to_string()),
        });
    }
    if !columns.iter().any(|c| matches!(c, Column::Email)) {
        return Err(Error::invalid(
            "email",
            "the header row has no `email` column",
        ));
    }
    let mut parsed = Parsed::default();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                parsed.rejected.push(Rejected {
                    row,
                    email: None,
                    reason: format!("unreadable CSV row: {e}"),
                });
                // An I/O error cannot happen on a slice; a parse error leaves the reader usable.
                continue;
            }
        };
        // A blank line between rows is not a contact.
        if record.len() == 1
            && record
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        let email_at = columns.iter().position(|c| matches!(c, Column::Email));
        let raw_email = email_at
            .and_then(|i| record.get(i))
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .filter(|e| !e.is_empty());
        if record.len() != columns.len() {
            parsed.rejected.push(Rejected {
                row,
                email: raw_email.as_deref().map(printable),
                reason: format!(
                    "has {} columns where the header has {}",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        let mut raw = RawContact::default();
        let mut bad_utf8 = None;
        for (column, field) in columns.iter().zip(record.iter()) {
            let Ok(value) = std::str::from_utf8(field) else {
                bad_utf8 = Some(column);
                break;
            };
            let value = value.to_string();
            match column {
                Column::Email => raw.email = Some(value),
                Column::Name => raw.name = Some(value),
                Column::Phone => raw.phone = Some(value),
                Column::Address => raw.address = Some(value),
                Column::Language => raw.language = Some(value),
                Column::Attribute(key) => {
                    raw.attributes.insert(key.clone(), value);
                }
                Column::Ignored => {}
            }
        }
        if bad_utf8.is_some() {
            parsed.rejected.push(Rejected {
                row,
                email: raw_email.as_deref().map(printable),
                reason: "is not valid UTF-8".into(),
            });
            continue;
        }
        parsed.push(row, raw);
    }
    Ok(parsed)
}

/// Saves parsed rows in batches of [`BATCH`], each in its own write transaction: new emails are
/// inserted, known ones updated (given fields replaced, attributes merged). Emails on the
/// suppression list come in opted out.
pub fn save(conn: &mut DbConn, parsed: Parsed) -> Result<Report> {
    let mut report = Report {
        rejected: parsed.rejected,
        ..Report::default()
    };
    // Emails created by this import: a later row with the same email updates the contact but
    // the person is counted once, as created.
    let mut created_here: HashSet<String> = HashSet::new();
    for batch in parsed.rows.chunks(BATCH) {
        let (created, updated) =
            db::write(conn, |conn| save_batch(conn, batch, &mut created_here))?;
        report.created += created;
        report.updated += updated;
    }
    report.rejected.sort_by_key(|r| r.row);
    Ok(report)
}

fn save_batch(
    conn: &mut DbConn,
    batch: &[(usize, Candidate)],
    created_here: &mut HashSet<String>,
) -> Result<(usize, usize)> {
    let now = db::now();
    let emails: Vec<String> = batch.iter().map(|(_, c)| c.email.clone()).collect();
    let digests: Vec<String> = emails.iter().map(|e| crate::ids::digest(e)).collect();
    let suppressed = model::suppressed_among(conn, &digests)?;
    // The rows as they will be after this batch, and whether each was in the database before.
    let mut rows: HashMap<String, (ContactRow, bool, bool)> = model::find_by_emails(conn, &emails)?
        .into_iter()
        .map(|row| (row.email.clone(), (row, true, false)))
        .collect();
    let mut order = Vec::new();
    for ((_, candidate), digest) in batch.iter().zip(&digests) {
        let entry = rows.entry(candidate.email.clone()).or_insert_with(|| {
            (
                ContactRow {
                    id: crate::ids::new_id(),
                    email: candidate.email.clone(),
                    name: None,
                    phone: None,
                    address: None,
                    language: None,
                    attributes: "{}".into(),
                    opted_out_at: None,
                    created_at: now,
                    updated_at: now,
                },
                false,
                false,
            )
        });
        let (row, _, touched) = entry;
        if !*touched {
            *touched = true;
            order.push(candidate.email.clone());
        }
        merge(row, candidate, now)?;
        if row.opted_out_at.is_none() && suppressed.contains(digest) {
            row.opted_out_at = Some(now);
        }
    }
    let (mut created, mut updated) = (0, 0);
    for email in order {
        let Some((row, existed, _)) = rows.get(&email) else {
            continue;
        };
        if *existed {
            model::update(conn, row)?;
            if !created_here.contains(&email) {
                updated += 1;
            }
        } else {
            model::insert(conn, row)?;
            created += 1;
            created_here.insert(email);
        }
    }
    Ok((created, updated))
}

/// Applies an import row to a contact: given fields replace, attributes merge.
fn merge(row: &mut ContactRow, candidate: &Candidate, now: chrono::NaiveDateTime) -> Result<()> {
    let replace = |slot: &mut Option<String>, value: &Option<String>| {
        if value.is_some() {
            slot.clone_from(value);
        }
    };
    replace(&mut row.name, &candidate.name);
    replace(&mut row.phone, &candidate.phone);
    replace(&mut row.address, &candidate.address);
    replace(&mut row.language, &candidate.language);
    if !candidate.attributes.is_empty() {
        let mut attributes = attributes_of(row);
        attributes.extend(candidate.attributes.clone());
        row.attributes = serde_json::to_string(&attributes).map_err(Error::internal)?;
    }
    row.updated_at = now;
    Ok(())
}

/// A contact's attributes; an unreadable value (never written by this code) reads as none.
pub fn attributes_of(row: &ContactRow) -> BTreeMap<String, String> {
    serde_json::from_str(&row.attributes).unwrap_or_else(|e| {
        log::error!("contact {} has unreadable attributes: {e}", row.id);
        BTreeMap::new()
    })
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

    #[test]
    fn the_delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"email;name\na,b;c"), b';');
        assert_eq!(sniff_delimiter(b"email,name\n"), b',');
        assert_eq!(sniff_delimiter(b"\"e;mail\",name\n"), b',');
    }

    #[test]
    fn csv_rows_are_checked_one_by_one() {
        let parsed = parse_csv(
            b"\xEF\xBB\xBFEmail ; Address;Colour\r\na@example.com;\"Ann; \"\"A\"\"\r\nB\";red\r\nnope;x;y\r\nb@example.com;too;many;cols\r\n",
        )
        .unwrap();
        assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.rejected);
        let (row, c) = &parsed.rows[0];
        assert_eq!(*row, 2);
        assert_eq!(c.address.as_deref(), Some("Ann; \"A\"\r\nB"));
        assert_eq!(c.attributes.get("Colour").map(String::as_str), Some("red"));
        assert_eq!(parsed.rejected.len(), 2);
        assert_eq!(parsed.rejected[0].row, 3);
        assert_eq!(parsed.rejected[1].row, 4);
    }
}
