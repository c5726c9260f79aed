//! Reading an upload into rows: a JSON array, or a CSV file with a header row whose delimiter
//! is sniffed.

use std::collections::HashSet;

use super::row::printable;
use super::{Parsed, RawContact, Rejected};
use crate::error::{Error, Result};

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
        match crate::web::json::read::<RawContact>(&item) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
