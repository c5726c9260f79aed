//! Contacts and the suppression list as stored, and their one writer: the bulk lookups the
//! import needs, opting out, and this room's part of an erasure.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{contacts, suppressions};
use crate::db::search::lower;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactRow {
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub language: Option<String>,
    /// A JSON object of strings.
    pub attributes: String,
    pub opted_out_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ContactRow>> {
    Ok(contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?)
}

/// The contacts with any of these (lower-cased) emails: one query for a whole import batch.
pub fn find_by_emails(conn: &mut DbConn, emails: &[String]) -> Result<Vec<ContactRow>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    Ok(contacts::table
        .filter(contacts::email.eq_any(emails))
        .select(ContactRow::as_select())
        .load(conn)?)
}

/// Which of these email digests are on the suppression list. Asked a few hundred at a time, so
/// a mailing to every contact stays within the database's limit on bound parameters.
pub fn suppressed_among(
    conn: &mut DbConn,
    digests: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut listed = std::collections::HashSet::new();
    for chunk in digests.chunks(500) {
        listed.extend(
            suppressions::table
                .filter(suppressions::email_digest.eq_any(chunk))
                .select(suppressions::email_digest)
                .load::<String>(conn)?,
        );
    }
    Ok(listed)
}

pub fn is_suppressed(conn: &mut DbConn, digest: &str) -> Result<bool> {
    Ok(suppressions::table
        .find(digest)
        .select(suppressions::email_digest)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Puts an email digest on the suppression list. Another writer may list the address at the
/// same moment (a second click, a mail client's POST beside the person's, a bounce), so a row
/// already there is no error.
pub fn suppress(conn: &mut DbConn, digest: &str, at: NaiveDateTime) -> Result<()> {
    let entry = (
        suppressions::email_digest.eq(digest),
        suppressions::created_at.eq(at),
    );
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => diesel::insert_into(suppressions::table)
            .values(entry)
            .on_conflict_do_nothing()
            .execute(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => diesel::insert_into(suppressions::table)
            .values(entry)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(())
}

/// Opts a contact out: marked (the first time counts) and their address on the suppression
/// list by digest, so it outlives an erasure.
pub fn opt_out(conn: &mut DbConn, contact: &ContactRow, at: NaiveDateTime) -> Result<()> {
    if contact.opted_out_at.is_none() {
        diesel::update(
            contacts::table
                .find(&contact.id)
                .filter(contacts::opted_out_at.is_null()),
        )
        .set((
            contacts::opted_out_at.eq(Some(at)),
            contacts::updated_at.eq(at),
        ))
        .execute(conn)?;
    }
    // Stored emails are already lower-cased; the same digest as import and erasure use.
    suppress(conn, &crate::ids::digest(&contact.email), at)
}

/// The digest an address is suppressed under: trimmed and lower-cased, as stored emails are.
pub fn address_digest(email: &str) -> String {
    crate::ids::digest(&email.trim().to_lowercase())
}

/// Whether a recipient has opted out: their address is on the suppression list, or the
/// contact named has opted out.
pub fn opted_out(conn: &mut DbConn, recipient: &str, contact_id: Option<&str>) -> Result<bool> {
    if is_suppressed(conn, &address_digest(recipient))? {
        return Ok(true);
    }
    let Some(contact_id) = contact_id else {
        return Ok(false);
    };
    let opted_out: i64 = contacts::table
        .filter(contacts::id.eq(contact_id))
        .filter(contacts::opted_out_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(opted_out > 0)
}

/// Whether any contact is kept at all (the home page's first steps ask for some).
pub fn any(conn: &mut DbConn) -> Result<bool> {
    Ok(!contacts::table
        .select(contacts::id)
        .limit(1)
        .load::<String>(conn)?
        .is_empty())
}

pub fn insert(conn: &mut DbConn, row: &ContactRow) -> Result<()> {
    diesel::insert_into(contacts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &ContactRow) -> Result<()> {
    diesel::update(contacts::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// One page of contacts in creation order after the cursor `(created_at, id)`; `q` (already
/// lower-cased) matches part of the email or the name.
pub fn page(
    conn: &mut DbConn,
    q: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<ContactRow>> {
    let mut query = contacts::table
        .select(ContactRow::as_select())
        .order((contacts::created_at.asc(), contacts::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(q) = q.filter(|q| !q.is_empty()) {
        let pattern = crate::db::search::containing(q);
        query = query.filter(
            contacts::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(contacts::name).like(pattern).escape('\\')),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(crate::keyset_after!(
            contacts::created_at,
            contacts::id,
            at,
            id
        ));
    }
    Ok(query.load(conn)?)
}

/// Deletes a contact's row for an erasure. Someone who opted out stays suppressed (by digest
/// only), so erasing them never lets an email through again.
pub fn delete(conn: &mut DbConn, contact: &ContactRow) -> Result<()> {
    diesel::delete(contacts::table.find(&contact.id)).execute(conn)?;
    if let Some(opted_out_at) = contact.opted_out_at {
        suppress(conn, &crate::ids::digest(&contact.email), opted_out_at)?;
    }
    Ok(())
}

/// The ids of the contacts whose attributes hold every (attribute, value) pair exactly.
pub fn ids_with_attributes(
    conn: &mut DbConn,
    wanted: &[(String, String)],
) -> Result<std::collections::HashSet<String>> {
    let mut query = contacts::table
        .select((contacts::id, contacts::attributes))
        .into_boxed();
    // The stored JSON holds each value as a string, so a LIKE on it narrows the contacts to
    // parse; the exact match is made on the parsed attributes below.
    for (_, value) in wanted {
        let needle = serde_json::to_string(value).unwrap_or_default();
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(
            contacts::attributes
                .like(format!("%{escaped}%"))
                .escape('\\'),
        );
    }
    let rows: Vec<(String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, attributes)| {
            serde_json::from_str::<std::collections::HashMap<String, String>>(attributes).is_ok_and(
                |a| {
                    wanted
                        .iter()
                        .all(|(k, v)| a.get(k).is_some_and(|have| have == v))
                },
            )
        })
        .map(|(id, _)| id)
        .collect())
}

/// The emails of these contacts, by id (erased contacts are simply absent).
pub fn emails_of(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    Ok(contacts::table
        .filter(contacts::id.eq_any(ids))
        .select((contacts::id, contacts::email))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
