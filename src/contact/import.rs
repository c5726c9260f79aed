//! Importing contacts from a JSON array or a CSV file. Rows are checked and saved as they are
//! read, so memory holds the upload, one batch and a bounded report, never a copy of every
//! row: a 16 MiB file of bad rows costs no more than a 16 MiB file of good ones. One bad row
//! never sinks the good ones. Saving works in batches: one write transaction and one bulk
//! lookup per batch, which is what keeps 100,000 rows within seconds. An email seen before (in
//! the database or earlier in the same file) is updated, never duplicated.
//!
//! Reading an upload lives in `formats`, the check of one row in `row`; saving and the report
//! are here.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use serde::Serialize;

mod formats;
mod row;

use self::row::printable;
pub use self::row::{Candidate, RawContact, Reason, normalize_email};
use super::model::{self, ContactRow};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

/// Rows saved per write transaction: big enough to amortise the commit's fsync, small enough
/// that other writers never wait long.
pub const BATCH: usize = 1000;

/// Rejected rows reported one by one; past these, rejections are only counted by reason, so the
/// answer to a file of a million bad rows stays a few kilobytes.
pub const SHOWN_REJECTIONS: usize = 100;

/// The two upload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// A row that was not imported, and why. `row` is 1-based: the JSON array's position, or the
/// CSV record number counting the header as row 1.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rejected {
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What kind of problem it is, as counted in `rejected_by_reason`.
    #[schema(value_type = String, example = "invalid_email")]
    pub code: &'static str,
    pub reason: String,
}

/// The answer to an import.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = ImportReport)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    /// The first rejected rows in file order, at most 100.
    pub rejected: Vec<Rejected>,
    /// Every rejected row, including those not listed.
    pub rejected_total: usize,
    /// Rejected rows counted by `code`.
    #[schema(value_type = BTreeMap<String, usize>)]
    pub rejected_by_reason: BTreeMap<&'static str, usize>,
}

/// Imports an upload: checks every row, saves the good ones in batches and reports the rest.
/// A body that cannot be read as a whole (not JSON, no header row) is refused before anything
/// is saved.
pub fn import(conn: &mut DbConn, format: Format, body: &[u8]) -> Result<Report> {
    // A contact created at or after this moment was created by this import (or by one running
    // beside it), so a later row with its email does not count as an update.
    let started = db::now();
    let mut importer = Importer::new(|batch| db::write(conn, |c| save_batch(c, batch, started)));
    read(format, body, &mut importer)?;
    importer.finish()
}

fn read(format: Format, body: &[u8], importer: &mut Importer<'_>) -> Result<()> {
    match format {
        Format::Json => formats::read_json(body, importer),
        Format::Csv => formats::read_csv(body, importer),
    }
}

/// Saves one batch of checked rows; answers how many were created and how many updated.
type SaveBatch<'s> = dyn FnMut(&[(usize, Candidate)]) -> Result<(usize, usize)> + 's;

/// Where parsed rows go: checked, batched into storage, rejections into the report.
pub struct Importer<'s> {
    save: Box<SaveBatch<'s>>,
    batch: Vec<(usize, Candidate)>,
    report: Report,
}

impl<'s> Importer<'s> {
    fn new(save: impl FnMut(&[(usize, Candidate)]) -> Result<(usize, usize)> + 's) -> Self {
        Importer {
            save: Box::new(save),
            batch: Vec::with_capacity(BATCH),
            report: Report::default(),
        }
    }

    /// Checks one row; a good one joins the batch, which is saved when full.
    fn push(&mut self, row: usize, raw: RawContact) -> Result<()> {
        let email = raw.email.clone().filter(|e| !e.trim().is_empty());
        match raw.check() {
            Ok(candidate) => {
                self.batch.push((row, candidate));
                if self.batch.len() >= BATCH {
                    self.flush()?;
                }
            }
            Err(reason) => self.reject(row, email.as_deref(), reason),
        }
        Ok(())
    }

    /// Counts a rejected row, and lists it while the list is short.
    fn reject(&mut self, row: usize, email: Option<&str>, reason: Reason) {
        let report = &mut self.report;
        report.rejected_total += 1;
        *report.rejected_by_reason.entry(reason.code).or_default() += 1;
        if report.rejected.len() < SHOWN_REJECTIONS {
            report.rejected.push(Rejected {
                row,
                email: email.map(|e| printable(e.trim())),
                code: reason.code,
                reason: reason.text,
            });
        }
    }

    fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let (created, updated) = (self.save)(&self.batch)?;
        self.report.created += created;
        self.report.updated += updated;
        self.batch.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<Report> {
        self.flush()?;
        Ok(self.report)
    }
}

/// Saves one batch in the caller's write transaction: new emails are inserted, known ones
/// updated (given fields replaced, attributes merged). Emails on the suppression list come in
/// opted out.
fn save_batch(
    conn: &mut DbConn,
    batch: &[(usize, Candidate)],
    started: NaiveDateTime,
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
            if row.created_at < started {
                updated += 1;
            }
        } else {
            model::insert(conn, row)?;
            created += 1;
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
