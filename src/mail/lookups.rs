//! Reads of the outbox that other rooms ask for: one row, a person's emails, and which personal
//! links still have an email waiting.

use std::collections::HashSet;

use diesel::prelude::*;

use super::outbox::OutboxRow;
use super::status::OutboxStatus;
use crate::db::DbConn;
use crate::db::schema::outbox;
use crate::error::Result;

/// One row of the outbox by id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OutboxRow>> {
    Ok(outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// The emails written to a contact, oldest first, for a subject-access export.
pub fn of_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::contact_id.eq(contact_id))
        .order(outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Which of these personal links have an email of `kind` still waiting to go (queued, or
/// being sent).
pub fn links_waiting(
    conn: &mut DbConn,
    kind: &str,
    link_ids: &[String],
) -> Result<HashSet<String>> {
    let waiting = [OutboxStatus::Queued, OutboxStatus::Sending].map(OutboxStatus::as_str);
    let mut found = HashSet::new();
    for chunk in link_ids.chunks(500) {
        found.extend(
            outbox::table
                .filter(outbox::kind.eq(kind))
                .filter(outbox::status.eq_any(waiting))
                .filter(outbox::invitation_id.eq_any(chunk))
                .select(outbox::invitation_id.assume_not_null())
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}
