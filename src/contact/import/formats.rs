//! Reading an upload row by row into the importer: a JSON array, or a CSV file with a header
//! row whose delimiter is sniffed. Neither keeps more than one row in memory besides the body.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, SeqAccess, Visitor};

use super::{Importer, RawContact, Reason};
use crate::error::{Error, Result};

/// Reads a JSON array of contacts. A body that is not JSON is a 400, JSON that is not an array
/// a 422, both before any row is saved; inside the array, each element that does not fit is a
/// rejected row.
pub(super) fn read_json(body: &[u8], importer: &mut Importer<'_>) -> Result<()> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::BadRequest("the body is not valid UTF-8".into()))?;
    // A first pass that allocates nothing, so a syntax error at the end of a big file is found
    // before its first rows are saved.
    serde_json::from_str::<IgnoredAny>(text)
        .map_err(|e| Error::BadRequest(format!("malformed JSON: {e}")))?;
    if !text.trim_start().starts_with('[') {
        return Err(Error::invalid("body", "must be a JSON array of contacts"));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut failure = None;
    let seed = Rows {
        importer,
        failure: &mut failure,
    };
    let outcome = seed.deserialize(&mut deserializer);
    if let Some(error) = failure {
        return Err(error);
    }
    outcome.map_err(|e| Error::BadRequest(format!("malformed JSON: {e}")))
}

/// Feeds the array's elements to the importer one at a time. A failure to save is kept aside
/// and the walk stopped, so it comes back as itself rather than as a JSON error.
struct Rows<'a, 'c> {
    importer: &'a mut Importer<'c>,
    failure: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for Rows<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of contacts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut row = 0;
        while let Some(item) = items.next_element::<serde_json::Value>()? {
            row += 1;
            if let Err(error) = json_row(self.importer, row, item) {
                *self.failure = Some(error);
                return Err(de::Error::custom("the import stopped"));
            }
        }
        Ok(())
    }
}

fn json_row(importer: &mut Importer<'_>, row: usize, item: serde_json::Value) -> Result<()> {
    let email = item
        .get("email")
        .and_then(|e| e.as_str())
        .map(str::to_string);
    match crate::web::json::read::<RawContact>(&item) {
        Ok(raw) => importer.push(row, raw),
        Err(e) => {
            let path = e.path().to_string();
            let text = e.into_inner().to_string();
            let text = if path == "." {
                text
            } else {
                format!("{path}: {text}")
            };
            importer.reject(
                row,
                email.as_deref(),
                Reason::new(Reason::WRONG_SHAPE, text),
            );
            Ok(())
        }
    }
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
pub(super) fn read_csv(body: &[u8], importer: &mut Importer<'_>) -> Result<()> {
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
    let email_at = columns.iter().position(|c| matches!(c, Column::Email));
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let reason = Reason::new(Reason::UNREADABLE, format!("unreadable CSV row: {e}"));
                importer.reject(row, None, reason);
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
        let raw_email = email_at
            .and_then(|i| record.get(i))
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .filter(|e| !e.is_empty());
        if record.len() != columns.len() {
            let text = format!(
                "has {} columns where the header has {}",
                record.len(),
                columns.len()
            );
            importer.reject(
                row,
                raw_email.as_deref(),
                Reason::new(Reason::WRONG_COLUMNS, text),
            );
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
            let reason = Reason::new(Reason::NOT_UTF8, "is not valid UTF-8");
            importer.reject(row, raw_email.as_deref(), reason);
            continue;
        }
        importer.push(row, raw)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Candidate, Format, Report, read};
    use super::*;

    /// Reads an upload into memory instead of a database: the rows kept and the report.
    fn read_all(format: Format, body: &[u8]) -> Result<(Vec<(usize, Candidate)>, Report)> {
        let mut kept = Vec::new();
        let mut importer = Importer::new(|batch: &[(usize, Candidate)]| {
            kept.extend_from_slice(batch);
            Ok((batch.len(), 0))
        });
        read(format, body, &mut importer)?;
        let report = importer.finish()?;
        Ok((kept, report))
    }

    #[test]
    fn the_delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"email;name\na,b;c"), b';');
        assert_eq!(sniff_delimiter(b"email,name\n"), b',');
        assert_eq!(sniff_delimiter(b"\"e;mail\",name\n"), b',');
    }

    #[test]
    fn csv_rows_are_checked_one_by_one() {
        let (rows, report) = read_all(
            Format::Csv,
            b"\xEF\xBB\xBFEmail ; Address;Colour\r\na@example.com;\"Ann; \"\"A\"\"\r\nB\";red\r\nnope;x;y\r\nb@example.com;too;many;cols\r\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 1, "{:?}", report.rejected);
        let (row, c) = &rows[0];
        assert_eq!(*row, 2);
        assert_eq!(c.address.as_deref(), Some("Ann; \"A\"\r\nB"));
        assert_eq!(c.attributes.get("Colour").map(String::as_str), Some("red"));
        assert_eq!(report.rejected.len(), 2);
        assert_eq!(report.rejected[0].row, 3);
        assert_eq!(report.rejected[0].code, Reason::INVALID_EMAIL);
        assert_eq!(report.rejected[1].row, 4);
        assert_eq!(report.rejected[1].code, Reason::WRONG_COLUMNS);
    }

    #[test]
    fn a_flood_of_bad_rows_is_counted_not_listed() {
        let mut body = b"email\n".to_vec();
        for _ in 0..5000 {
            body.extend_from_slice(b"a\n");
        }
        body.extend_from_slice(b"good@example.com\n");
        let (rows, report) = read_all(Format::Csv, &body).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(report.created, 1);
        assert_eq!(report.rejected.len(), super::super::SHOWN_REJECTIONS);
        assert_eq!(report.rejected_total, 5000);
        assert_eq!(
            report.rejected_by_reason.get(Reason::INVALID_EMAIL),
            Some(&5000)
        );
        assert_eq!(report.rejected[0].row, 2);
        assert_eq!(report.rejected[99].row, 101);
    }

    #[test]
    fn json_elements_are_read_one_at_a_time() {
        let (rows, report) = read_all(
            Format::Json,
            br#"[{"email":"a@example.com"}, 7, {"email":"b"}, {"email":"c@example.com","x":1}]"#,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        let codes: Vec<_> = report.rejected.iter().map(|r| (r.row, r.code)).collect();
        assert_eq!(
            codes,
            [
                (2, Reason::WRONG_SHAPE),
                (3, Reason::INVALID_EMAIL),
                (4, Reason::WRONG_SHAPE)
            ]
        );
    }

    #[test]
    fn a_broken_json_file_saves_nothing() {
        let mut saved = 0;
        let mut importer = Importer::new(|batch: &[(usize, Candidate)]| {
            saved += batch.len();
            Ok((batch.len(), 0))
        });
        let mut body = String::from("[");
        for i in 0..2500 {
            body.push_str(&format!("{{\"email\":\"p{i}@example.com\"}},"));
        }
        body.push_str("{\"email\":");
        let error = read(Format::Json, body.as_bytes(), &mut importer).unwrap_err();
        assert!(matches!(error, Error::BadRequest(_)), "{error:?}");
        drop(importer);
        assert_eq!(saved, 0);
        let error = read_all(Format::Json, br#"{"email":"a@example.com"}"#).unwrap_err();
        assert!(matches!(error, Error::Invalid { .. }), "{error:?}");
    }
}
