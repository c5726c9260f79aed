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
//! from `invitation_id` / `contact_id` with `web::links` and the link key, so the raw
//! personal token never rests in the database.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

pub use super::lookups::{find, links_waiting, of_contact};
pub use super::message::message_id_domain;
pub use super::status::{OutboxStatus, Outcome};
use super::{Delivered, Delivery, Email, Listener, Node};
use crate::config::Settings;
use crate::db::schema::outbox;
use crate::db::{self, DbConn};
use crate::error::Result;

/// A row of the outbox as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub contact_id: Option<String>,
    /// The id behind the personal link the email carries.
    #[diesel(column_name = invitation_id)]
    pub link_id: Option<String>,
    pub payload: String,
    pub message_id: String,
    /// An [`OutboxStatus`] as text.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Queues an email. Call it inside the caller's write transaction, so the email is written
/// with its cause; call [`super::worker::Outbox::notify`] after the commit to send it at once.
/// The Message-ID is made here, once, so a retry after a crash reuses it. Returns the row id.
pub fn queue(conn: &mut DbConn, settings: &Settings, mail: Email) -> Result<String> {
    let row = new_row(settings, mail, db::now())?;
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.id)
}

/// Queues an email whose row must not tell when it was queued to the minute: the row keeps only
/// the day it was made and is first due `delay` from now. Used for mail caused by an anonymous
/// response, so its times cannot be matched with the response's.
pub fn queue_unmatchable(
    conn: &mut DbConn,
    settings: &Settings,
    mail: Email,
    delay: std::time::Duration,
) -> Result<String> {
    let now = db::now();
    let mut row = new_row(settings, mail, now)?;
    row.created_at = db::day_of(now);
    row.next_attempt_at = now + chrono::Duration::from_std(delay).unwrap_or_default();
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.id)
}

/// Queues many emails with a few multi-row INSERTs (same rules as [`queue`]).
pub fn queue_many(conn: &mut DbConn, settings: &Settings, mails: Vec<Email>) -> Result<usize> {
    let now = db::now();
    let rows = mails
        .into_iter()
        .map(|mail| new_row(settings, mail, now))
        .collect::<Result<Vec<OutboxRow>>>()?;
    // Well under SQLite's 32,766 bound parameters per statement (14 columns a row).
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, outbox::table, chunk)?;
    }
    Ok(rows.len())
}

fn new_row(settings: &Settings, mail: Email, now: NaiveDateTime) -> Result<OutboxRow> {
    Ok(OutboxRow {
        id: crate::ids::new_id(),
        kind: mail.message.kind().to_string(),
        payload: mail.message.payload()?,
        recipient: mail.recipient,
        contact_id: mail.contact_id,
        link_id: mail.link_id,
        message_id: format!(
            "<{}@{}>",
            crate::ids::new_secret(),
            message_id_domain(&settings.mail_from)
        ),
        status: OutboxStatus::Queued.as_str().into(),
        attempts: 0,
        next_attempt_at: now,
        claimed_until: None,
        last_error: None,
        sent_at: None,
        created_at: now,
    })
}

/// Rows whose time has come at `now`: queued and due, or left `sending` by a worker whose lease
/// ran out. A macro, so both the count and the locking query use the same condition.
macro_rules! due_at {
    ($now:expr) => {
        outbox::status
            .eq(OutboxStatus::Queued.as_str())
            .and(outbox::next_attempt_at.le($now))
            .or(outbox::status
                .eq(OutboxStatus::Sending.as_str())
                .and(outbox::claimed_until.lt($now)))
    };
}

/// The columns of a lease, cleared.
macro_rules! released {
    () => {
        (
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_by_start.eq(None::<NaiveDateTime>),
        )
    };
}

/// The rows `node` holds: `sending` under its name and start.
macro_rules! held_by {
    ($node:expr) => {
        outbox::status
            .eq(OutboxStatus::Sending.as_str())
            .and(outbox::claimed_by.eq(&$node.name))
            .and(outbox::claimed_by_start.eq($node.started))
    };
}

/// Claims up to `limit` due rows for `node` for `lease`: queued rows whose time has come, and
/// rows left `sending` by a worker whose lease ran out (it crashed mid-send). Rows of suppressed
/// recipients (as the listener says) are cancelled here instead of claimed, so nothing is sent
/// to someone who opted out after the email was queued. One write transaction; on PostgreSQL the rows are locked
/// with SKIP LOCKED so workers on several nodes never claim the same row.
pub fn claim(
    conn: &mut DbConn,
    node: &Node,
    now: NaiveDateTime,
    lease: std::time::Duration,
    limit: i64,
    listener: &dyn Listener,
) -> Result<Vec<OutboxRow>> {
    let until = lease_end(now, lease);
    // A plain read first: an idle worker polls often, and must not take the write lock (SQLite)
    // or row locks (PostgreSQL) each time only to find nothing.
    let any_due: i64 = outbox::table
        .filter(due_at!(now))
        .count()
        .get_result(conn)?;
    if any_due == 0 {
        return Ok(Vec::new());
    }
    db::write(conn, |conn| {
        let rows = due(conn, now, limit)?;
        let mut claimed = Vec::with_capacity(rows.len());
        for mut row in rows {
            if opted_out(conn, &row, listener)? {
                diesel::update(outbox::table.find(&row.id))
                    .set((
                        outbox::status.eq(OutboxStatus::Cancelled.as_str()),
                        released!(),
                        outbox::last_error.eq(OPTED_OUT),
                    ))
                    .execute(conn)?;
                continue;
            }
            diesel::update(outbox::table.find(&row.id))
                .set((
                    outbox::status.eq(OutboxStatus::Sending.as_str()),
                    outbox::claimed_until.eq(Some(until)),
                    outbox::claimed_by.eq(Some(&node.name)),
                    outbox::claimed_by_start.eq(Some(node.started)),
                ))
                .execute(conn)?;
            row.status = OutboxStatus::Sending.as_str().into();
            row.claimed_until = Some(until);
            claimed.push(row);
        }
        Ok(claimed)
    })
}

fn lease_end(now: NaiveDateTime, lease: std::time::Duration) -> NaiveDateTime {
    now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::seconds(60))
}

/// Extends `node`'s lease on those of `ids` it still holds to `now + lease`; returns the ids
/// extended (a row another node took after a lapse is not among them).
pub fn renew(
    conn: &mut DbConn,
    node: &Node,
    ids: &[String],
    now: NaiveDateTime,
    lease: std::time::Duration,
) -> Result<Vec<String>> {
    let until = lease_end(now, lease);
    db::write(conn, |conn| {
        let mut renewed = Vec::with_capacity(ids.len());
        // Well under SQLite's bound on parameters per statement.
        for chunk in ids.chunks(500) {
            let changed = diesel::update(
                outbox::table
                    .filter(outbox::id.eq_any(chunk))
                    .filter(held_by!(node)),
            )
            .set(outbox::claimed_until.eq(Some(until)))
            .execute(conn)?;
            if changed == chunk.len() {
                renewed.extend_from_slice(chunk);
            } else {
                let kept: Vec<String> = outbox::table
                    .filter(outbox::id.eq_any(chunk))
                    .filter(held_by!(node))
                    .select(outbox::id)
                    .load(conn)?;
                renewed.extend(kept);
            }
        }
        Ok(renewed)
    })
}

/// Puts back in the queue, at once, the rows an earlier run of this node still held: it
/// stopped (a crash, a kill) before recording them, and nobody else will, so they need not
/// wait for their lease to run out. Returns how many.
pub fn reclaim(conn: &mut DbConn, node: &Node) -> Result<usize> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::status.eq(OutboxStatus::Sending.as_str()))
            .filter(outbox::claimed_by.eq(&node.name))
            .filter(outbox::claimed_by_start.lt(node.started)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Queued.as_str()),
        released!(),
    ))
    .execute(conn)?)
}

fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<OutboxRow>> {
    // A macro, not a value: the select clause's backend is inferred per connection type.
    macro_rules! query {
        () => {
            outbox::table
                .filter(due_at!(now))
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

/// How many emails the outbox holds in each status, for `/metrics`.
pub fn count_by_status(conn: &mut DbConn) -> Result<Vec<(String, i64)>> {
    use diesel::dsl::count_star;
    Ok(outbox::table
        .group_by(outbox::status)
        .select((outbox::status, count_star()))
        .order(outbox::status)
        .load(conn)?)
}

/// Whether the recipient of a row has opted out, as the listener tells.
pub fn opted_out(conn: &mut DbConn, row: &OutboxRow, listener: &dyn Listener) -> Result<bool> {
    listener.opted_out(conn, &row.recipient, row.contact_id.as_deref())
}

/// Records the outcomes of a batch in one write transaction and tells the listener of each.
/// Only rows `node` still holds are changed (and told); a refused address is told either way,
/// in the same transaction. Every outcome ends the lease.
pub fn record(
    conn: &mut DbConn,
    node: &Node,
    outcomes: &[(OutboxRow, Outcome)],
    listener: &dyn Listener,
) -> Result<()> {
    let now = db::now();
    db::write(conn, |conn| {
        for (row, outcome) in outcomes {
            let held = outbox::table.find(&row.id).filter(held_by!(node));
            let told = match outcome {
                Outcome::Sent => {
                    let changed = diesel::update(held)
                        .set((
                            outbox::status.eq(OutboxStatus::Sent.as_str()),
                            outbox::sent_at.eq(Some(now)),
                            released!(),
                            outbox::attempts.eq(row.attempts + 1),
                            outbox::last_error.eq(None::<String>),
                        ))
                        .execute(conn)?;
                    (changed > 0).then_some(Delivered::Sent)
                }
                Outcome::Retry { at, error } => {
                    let changed = diesel::update(held)
                        .set((
                            outbox::status.eq(OutboxStatus::Queued.as_str()),
                            outbox::next_attempt_at.eq(*at),
                            released!(),
                            outbox::attempts.eq(row.attempts + 1),
                            outbox::last_error.eq(Some(error)),
                        ))
                        .execute(conn)?;
                    (changed > 0).then_some(Delivered::WillRetry { error })
                }
                Outcome::Failed { error } | Outcome::Rejected { error } => {
                    if let Outcome::Rejected { .. } = outcome {
                        // What the receiving server said about the address holds whoever holds
                        // the row now.
                        listener.address_refused(conn, &row.recipient, now)?;
                    }
                    let changed = diesel::update(held)
                        .set((
                            outbox::status.eq(OutboxStatus::Failed.as_str()),
                            released!(),
                            outbox::attempts.eq(row.attempts + 1),
                            outbox::last_error.eq(Some(error)),
                        ))
                        .execute(conn)?;
                    (changed > 0).then_some(Delivered::Failed { error })
                }
                Outcome::Cancelled => {
                    diesel::update(held)
                        .set((
                            outbox::status.eq(OutboxStatus::Cancelled.as_str()),
                            released!(),
                            outbox::last_error.eq(OPTED_OUT),
                        ))
                        .execute(conn)?;
                    None
                }
                Outcome::Released => {
                    diesel::update(held)
                        .set((
                            outbox::status.eq(OutboxStatus::Queued.as_str()),
                            released!(),
                        ))
                        .execute(conn)?;
                    None
                }
            };
            if let Some(result) = told {
                let delivery = Delivery {
                    kind: &row.kind,
                    link_id: row.link_id.as_deref(),
                    result,
                    at: now,
                };
                listener.delivered(conn, &delivery)?;
            }
        }
        Ok(())
    })
}

/// What `last_error` says of a row cancelled because its recipient opted out.
pub const OPTED_OUT: &str = "the recipient has opted out";

/// Cancels the emails still waiting for a person who opted out, by contact or by address. Rows
/// a worker already holds are left to it: it asks again right before the send, and its record
/// of what it sent must stay true.
pub fn cancel_waiting(conn: &mut DbConn, contact_id: &str, email: &str) -> Result<usize> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::status.eq(OutboxStatus::Queued.as_str()))
            .filter(
                outbox::contact_id
                    .eq(contact_id)
                    .or(outbox::recipient.eq(email)),
            ),
    )
    .set((
        outbox::status.eq(OutboxStatus::Cancelled.as_str()),
        outbox::last_error.eq(Some(OPTED_OUT)),
    ))
    .execute(conn)?)
}

/// Deletes every email written to a person, for an erasure: by contact, by one of their
/// personal links, or by address.
pub fn forget(
    conn: &mut DbConn,
    contact_id: &str,
    link_ids: &[String],
    email: &str,
) -> Result<usize> {
    Ok(diesel::delete(
        outbox::table.filter(
            outbox::contact_id
                .eq(contact_id)
                .or(outbox::invitation_id.eq_any(link_ids))
                .or(outbox::recipient.eq(email)),
        ),
    )
    .execute(conn)?)
}
