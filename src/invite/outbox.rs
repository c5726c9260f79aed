//! The transactional outbox: every email is a row written in the same transaction as its cause
//! (an invitation, a reminder), so an email is never lost and never sent for something that was
//! rolled back. The worker (`worker.rs`) claims due rows under a lease, sends them and records
//! the outcome here.
//!
//! Payload convention (JSON text in `outbox.payload`), for the kinds `invite` and `reminder`:
//!
//! ```json
//! {"survey_title": "…", "survey_intro": "…", "language": "en",
//!  "contact_name": "…" (optional), "incentive": "…" (optional)}
//! ```
//!
//! Links are not stored: the personal link and the unsubscribe link are derived at send time
//! from `invitation_id` / `contact_id` with `invite::links` and the link key, so the raw
//! personal token never rests in the database.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::schema::{contacts, invitations, outbox, suppressions};
use crate::db::{self, DbConn};
use crate::error::Result;

/// An email to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// The template folder under `templates/email/` (`invite`, `reminder`).
    pub kind: String,
    pub recipient: String,
    pub contact_id: Option<String>,
    pub invitation_id: Option<String>,
    pub payload: serde_json::Value,
}

/// A row of the outbox as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub contact_id: Option<String>,
    pub invitation_id: Option<String>,
    pub payload: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The domain for Message-IDs: the one of the configured sender, so replies and bounces point
/// at a domain the operator controls.
pub fn message_id_domain(mail_from: &str) -> String {
    let address = match (mail_from.rfind('<'), mail_from.rfind('>')) {
        (Some(start), Some(end)) if start < end => &mail_from[start + 1..end],
        _ => mail_from,
    };
    let domain = address.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let clean: String = domain
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    if clean.is_empty() {
        "localhost".to_string()
    } else {
        clean
    }
}

/// Queues an email. Call it inside the caller's write transaction, so the email is written
/// with its cause; call [`super::worker::Outbox::notify`] after the commit to send it at once.
/// The Message-ID is made here, once, so a retry after a crash reuses it. Returns the row id.
pub fn queue(conn: &mut DbConn, settings: &Settings, mail: NewMail) -> Result<String> {
    let row = new_row(settings, mail, db::now());
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.id)
}

/// Queues many emails with a few multi-row INSERTs (same rules as [`queue`]).
pub fn queue_many(conn: &mut DbConn, settings: &Settings, mails: Vec<NewMail>) -> Result<usize> {
    let now = db::now();
    let rows: Vec<OutboxRow> = mails
        .into_iter()
        .map(|mail| new_row(settings, mail, now))
        .collect();
    // Well under SQLite's 32,766 bound parameters per statement (14 columns a row).
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, outbox::table, chunk)?;
    }
    Ok(rows.len())
}

fn new_row(settings: &Settings, mail: NewMail, now: NaiveDateTime) -> OutboxRow {
    OutboxRow {
        id: crate::ids::new_id(),
        kind: mail.kind,
        recipient: mail.recipient,
        contact_id: mail.contact_id,
        invitation_id: mail.invitation_id,
        payload: mail.payload.to_string(),
        message_id: format!(
            "<{}@{}>",
            crate::ids::new_secret(),
            message_id_domain(&settings.mail_from)
        ),
        status: "queued".into(),
        attempts: 0,
        next_attempt_at: now,
        claimed_until: None,
        last_error: None,
        sent_at: None,
        created_at: now,
    }
}

/// One row of the outbox by id.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OutboxRow>> {
    Ok(outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// Claims up to `limit` due rows for `lease`: queued rows whose time has come, and rows left
/// `sending` by a worker whose lease ran out (it crashed mid-send). Rows of suppressed
/// recipients are cancelled here instead of claimed, so nothing is sent to someone who opted
/// out after the email was queued. One write transaction; on PostgreSQL the rows are locked
/// with SKIP LOCKED so workers on several nodes never claim the same row.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease: std::time::Duration,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::seconds(60));
    // A plain read first: an idle worker polls often, and must not take the write lock (SQLite)
    // or row locks (PostgreSQL) each time only to find nothing.
    let any_due: i64 = outbox::table
        .filter(
            outbox::status
                .eq("queued")
                .and(outbox::next_attempt_at.le(now))
                .or(outbox::status
                    .eq("sending")
                    .and(outbox::claimed_until.lt(now))),
        )
        .count()
        .get_result(conn)?;
    if any_due == 0 {
        return Ok(Vec::new());
    }
    db::write(conn, |conn| {
        let rows = due(conn, now, limit)?;
        let mut claimed = Vec::with_capacity(rows.len());
        for mut row in rows {
            if suppressed(conn, &row)? {
                diesel::update(outbox::table.find(&row.id))
                    .set((
                        outbox::status.eq("cancelled"),
                        outbox::claimed_until.eq(None::<NaiveDateTime>),
                        outbox::last_error.eq("the recipient has opted out"),
                    ))
                    .execute(conn)?;
                continue;
            }
            diesel::update(outbox::table.find(&row.id))
                .set((
                    outbox::status.eq("sending"),
                    outbox::claimed_until.eq(Some(until)),
                ))
                .execute(conn)?;
            row.status = "sending".into();
            row.claimed_until = Some(until);
            claimed.push(row);
        }
        Ok(claimed)
    })
}

fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<OutboxRow>> {
    // A macro, not a value: the select clause's backend is inferred per connection type.
    macro_rules! query {
        () => {
            outbox::table
                .filter(
                    outbox::status
                        .eq("queued")
                        .and(outbox::next_attempt_at.le(now))
                        .or(outbox::status
                            .eq("sending")
                            .and(outbox::claimed_until.lt(now))),
                )
                .order(outbox::next_attempt_at.asc())
                .limit(limit)
                .select(OutboxRow::as_select())
        };
    }
    Ok(match conn {
        // BEGIN IMMEDIATE already serialises writers on SQLite.
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => query!().load(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => query!().for_update().skip_locked().load(c)?,
    })
}

/// Whether the recipient opted out: their address is on the suppression list, or the contact
/// the row names has opted out.
pub fn suppressed(conn: &mut DbConn, row: &OutboxRow) -> Result<bool> {
    let digest = crate::ids::digest(&row.recipient.trim().to_lowercase());
    let listed: i64 = suppressions::table
        .filter(suppressions::email_digest.eq(&digest))
        .count()
        .get_result(conn)?;
    if listed > 0 {
        return Ok(true);
    }
    if let Some(contact_id) = &row.contact_id {
        let opted_out: i64 = contacts::table
            .filter(contacts::id.eq(contact_id))
            .filter(contacts::opted_out_at.is_not_null())
            .count()
            .get_result(conn)?;
        return Ok(opted_out > 0);
    }
    Ok(false)
}

/// What became of one claimed row.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Try again at this time.
    Retry {
        at: NaiveDateTime,
        error: String,
    },
    Failed {
        error: String,
    },
    /// The recipient's server refused the address for good: failed as [`Outcome::Failed`], and
    /// the address goes on the suppression list, so no later email is sent to it.
    Rejected {
        error: String,
    },
    /// Not sent: the recipient opted out after the row was claimed (checked right before the
    /// send). Cancelled as [`claim`] cancels.
    Cancelled,
    /// Not attempted (the lease ran short, or the opt-out check could not be made): back to the
    /// queue as it was.
    Released,
}

/// Records the outcomes of a batch in one write transaction, and copies them to the
/// invitations the rows belong to. Only rows still held under this worker's lease are changed;
/// a rejected address is suppressed either way, in the same transaction.
pub fn record(conn: &mut DbConn, outcomes: &[(OutboxRow, Outcome)]) -> Result<()> {
    let now = db::now();
    db::write(conn, |conn| {
        for (row, outcome) in outcomes {
            let held = outbox::table
                .find(&row.id)
                .filter(outbox::status.eq("sending"))
                .filter(outbox::claimed_until.eq(row.claimed_until));
            match outcome {
                Outcome::Sent => {
                    let changed = diesel::update(held)
                        .set((
                            outbox::status.eq("sent"),
                            outbox::sent_at.eq(Some(now)),
                            outbox::claimed_until.eq(None::<NaiveDateTime>),
                            outbox::attempts.eq(row.attempts + 1),
                            outbox::last_error.eq(None::<String>),
                        ))
                        .execute(conn)?;
                    if changed > 0
                        && let Some(invitation) = &row.invitation_id
                    {
                        diesel::update(invitations::table.find(invitation))
                            .set(invitations::last_error.eq(None::<String>))
                            .execute(conn)?;
                        // `sent_at` is when the invitation itself went out; a reminder keeps it.
                        let this_invitation = invitations::table.find(invitation);
                        if row.kind == "invite" {
                            diesel::update(this_invitation)
                                .set(invitations::sent_at.eq(Some(now)))
                                .execute(conn)?;
                        } else {
                            diesel::update(this_invitation.filter(invitations::sent_at.is_null()))
                                .set(invitations::sent_at.eq(Some(now)))
                                .execute(conn)?;
                        }
                        diesel::update(
                            invitations::table
                                .find(invitation)
                                .filter(invitations::status.eq_any(["queued", "failed"])),
                        )
                        .set(invitations::status.eq("sent"))
                        .execute(conn)?;
                    }
                }
                Outcome::Retry { at, error } => {
                    let changed = diesel::update(held)
                        .set((
                            outbox::status.eq("queued"),
                            outbox::next_attempt_at.eq(*at),
                            outbox::claimed_until.eq(None::<NaiveDateTime>),
                            outbox::attempts.eq(row.attempts + 1),
                            outbox::last_error.eq(Some(error)),
                        ))
                        .execute(conn)?;
                    if changed > 0
                        && let Some(invitation) = &row.invitation_id
                    {
                        diesel::update(invitations::table.find(invitation))
                            .set(invitations::last_error.eq(Some(error)))
                            .execute(conn)?;
                    }
                }
                Outcome::Failed { error } | Outcome::Rejected { error } => {
                    if let Outcome::Rejected { .. } = outcome {
                        // What the receiving server said about the address holds whoever holds
                        // the row now. Another node may list it at the same moment (a bounce,
                        // an opt-out), so a row already there is no error.
                        let digest = crate::ids::digest(&row.recipient.trim().to_lowercase());
                        let entry = (
                            suppressions::email_digest.eq(digest),
                            suppressions::created_at.eq(now),
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
                    }
                    let changed = diesel::update(held)
                        .set((
                            outbox::status.eq("failed"),
                            outbox::claimed_until.eq(None::<NaiveDateTime>),
                            outbox::attempts.eq(row.attempts + 1),
                            outbox::last_error.eq(Some(error)),
                        ))
                        .execute(conn)?;
                    if changed > 0
                        && let Some(invitation) = &row.invitation_id
                    {
                        diesel::update(invitations::table.find(invitation))
                            .set(invitations::last_error.eq(Some(error)))
                            .execute(conn)?;
                        diesel::update(
                            invitations::table
                                .find(invitation)
                                .filter(invitations::status.eq("queued")),
                        )
                        .set(invitations::status.eq("failed"))
                        .execute(conn)?;
                    }
                }
                Outcome::Cancelled => {
                    diesel::update(held)
                        .set((
                            outbox::status.eq("cancelled"),
                            outbox::claimed_until.eq(None::<NaiveDateTime>),
                            outbox::last_error.eq("the recipient has opted out"),
                        ))
                        .execute(conn)?;
                }
                Outcome::Released => {
                    diesel::update(held)
                        .set((
                            outbox::status.eq("queued"),
                            outbox::claimed_until.eq(None::<NaiveDateTime>),
                        ))
                        .execute(conn)?;
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_domain_comes_from_the_sender() {
        assert_eq!(
            message_id_domain("Hearken <surveys@example.org>"),
            "example.org"
        );
        assert_eq!(message_id_domain("a@b.example"), "b.example");
        assert_eq!(message_id_domain("nobody"), "localhost");
    }
}
