//! Importing contacts from a JSON array or a CSV file. Parsing turns each row into a checked
//! contact or a rejection with its row number and reason, so one bad row never sinks the good
//! ones. Saving works in batches: one write transaction and one bulk lookup per batch, which is
//! what keeps 100,000 rows within seconds. An email seen before (in the database or earlier in
//! the same file) is updated, never duplicated.
//!
//! Reading an upload lives in `formats`, the check of one row in `row`; saving is here.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

mod formats;
mod row;

pub use self::formats::{parse_csv, parse_json};
use self::row::printable;
pub use self::row::{Candidate, RawContact, normalize_email};
use super::model::{self, ContactRow};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

/// Rows saved per write transaction: big enough to amortise the commit's fsync, small enough
/// that other writers never wait long.
pub const BATCH: usize = 1000;

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
