//! The `invitations` table and its one writer: invitations are created by the invite room,
//! marked opened, started and completed by the respondent pages, told of their email's
//! delivery by the mail worker, and detached from an erased contact, all through here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::invitations;
use crate::error::Result;
use crate::mail::Delivered;

/// Where an invitation stands, as staff follow it. Every status but `OptedOut` is stored (as
/// its text); opting out is the contact's, so it is derived when invitations are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Queued,
    Sent,
    Failed,
    Opened,
    Started,
    Completed,
    OptedOut,
}

impl InvitationStatus {
    /// In the order an invitation moves through them, for counts and filters.
    pub const ALL: [InvitationStatus; 7] = [
        Self::Queued,
        Self::Sent,
        Self::Failed,
        Self::Opened,
        Self::Started,
        Self::Completed,
        Self::OptedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Opened => "opened",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::OptedOut => "opted_out",
        }
    }

    /// The status a stored text names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: String,
    pub survey_id: String,
    pub contact_id: Option<String>,
    pub token_hash: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &InvitationRow) -> Result<()> {
    diesel::insert_into(invitations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_token(conn: &mut DbConn, token_hash: &str) -> Result<Option<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}

/// How many invitations a survey has.
pub fn count_of_survey(conn: &mut DbConn, survey_id: &str) -> Result<i64> {
    Ok(invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?)
}

/// The contact an invitation was sent to, while it still names one (erasure removes it).
pub fn contact_of(conn: &mut DbConn, id: &str) -> Result<Option<String>> {
    Ok(invitations::table
        .find(id)
        .select(invitations::contact_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Marks the invitation answered; false when it already was (the caller then stores nothing).
pub fn complete(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<bool> {
    let updated = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::completed_at.is_null()),
    )
    .set((
        invitations::completed_at.eq(at),
        invitations::status.eq(InvitationStatus::Completed.as_str()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records that the respondent opened or started the survey; `opened_at` keeps the first time.
pub fn mark(
    conn: &mut DbConn,
    id: &str,
    status: InvitationStatus,
    at: NaiveDateTime,
) -> Result<()> {
    let open = invitations::table
        .filter(invitations::id.eq(id))
        .filter(invitations::completed_at.is_null());
    diesel::update(open)
        .set(invitations::status.eq(status.as_str()))
        .execute(conn)?;
    diesel::update(open.filter(invitations::opened_at.is_null()))
        .set(invitations::opened_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Writes many new invitations with a few multi-row INSERTs.
pub fn insert_many(conn: &mut DbConn, rows: &[InvitationRow]) -> Result<()> {
    // Well under SQLite's 32,766 bound parameters per statement (8 columns a row).
    for chunk in rows.chunks(500) {
        crate::insert_all!(conn, invitations::table, chunk)?;
    }
    Ok(())
}

/// Counts one more reminder for each of these invitations.
pub fn add_reminder(conn: &mut DbConn, ids: &[String]) -> Result<()> {
    for chunk in ids.chunks(500) {
        diesel::update(invitations::table.filter(invitations::id.eq_any(chunk)))
            .set(invitations::reminders.eq(invitations::reminders + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// What the mail worker reports of an invitation's email (or a reminder's): a delivery sets
/// when the invitation went out (a reminder keeps the first time) and moves a queued or failed
/// invitation to sent; a failure is shown as the last error, and a final one marks a queued
/// invitation failed.
pub fn record_delivery(
    conn: &mut DbConn,
    id: &str,
    reminder: bool,
    outcome: Delivered<'_>,
    at: NaiveDateTime,
) -> Result<()> {
    let this = invitations::table.find(id);
    match outcome {
        Delivered::Sent => {
            diesel::update(this)
                .set(invitations::last_error.eq(None::<String>))
                .execute(conn)?;
            if reminder {
                diesel::update(this.filter(invitations::sent_at.is_null()))
                    .set(invitations::sent_at.eq(Some(at)))
                    .execute(conn)?;
            } else {
                diesel::update(this)
                    .set(invitations::sent_at.eq(Some(at)))
                    .execute(conn)?;
            }
            let before = [InvitationStatus::Queued, InvitationStatus::Failed].map(|s| s.as_str());
            diesel::update(this.filter(invitations::status.eq_any(before)))
                .set(invitations::status.eq(InvitationStatus::Sent.as_str()))
                .execute(conn)?;
        }
        Delivered::WillRetry { error } => {
            diesel::update(this)
                .set(invitations::last_error.eq(Some(error)))
                .execute(conn)?;
        }
        Delivered::Failed { error } => {
            diesel::update(this)
                .set(invitations::last_error.eq(Some(error)))
                .execute(conn)?;
            let queued = invitations::status.eq(InvitationStatus::Queued.as_str());
            diesel::update(this.filter(queued))
                .set(invitations::status.eq(InvitationStatus::Failed.as_str()))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// An invitation of the person, as the subject-access export shows it.
#[derive(Debug, Queryable)]
pub struct InvitationOfContact {
    pub id: String,
    pub survey_id: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub opened_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub reminders: i32,
    pub last_error: Option<String>,
}

/// A contact's invitations, oldest first, for the subject-access export.
pub fn of_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<InvitationOfContact>> {
    Ok(invitations::table
        .filter(invitations::contact_id.eq(contact_id))
        .order((invitations::created_at.asc(), invitations::id.asc()))
        .select((
            invitations::id,
            invitations::survey_id,
            invitations::status,
            invitations::created_at,
            invitations::sent_at,
            invitations::opened_at,
            invitations::completed_at,
            invitations::reminders,
            invitations::last_error,
        ))
        .load(conn)?)
}

/// The ids of a contact's invitations.
pub fn ids_of_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<String>> {
    Ok(invitations::table
        .filter(invitations::contact_id.eq(contact_id))
        .select(invitations::id)
        .load(conn)?)
}

/// Detaches invitations from an erased contact: they stay, counted, but name nobody. A delivery
/// error can quote the address ("550 <anna@…>: no such user"), so it goes; and the personal
/// links die too: someone who asked to be forgotten gets no survey page that still knows them.
/// Each token digest becomes the digest of a fresh secret.
pub fn forget_contact(conn: &mut DbConn, ids: &[String]) -> Result<()> {
    for invitation in ids {
        diesel::update(invitations::table.find(invitation))
            .set((
                invitations::contact_id.eq(None::<String>),
                invitations::last_error.eq(None::<String>),
                invitations::token_hash.eq(crate::ids::digest(&crate::ids::new_secret())),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A survey's invitations and how many of them were answered.
pub fn completion_of_survey(conn: &mut DbConn, survey_id: &str) -> Result<(i64, i64)> {
    let invited = count_of_survey(conn, survey_id)?;
    let completed = invitations::table
        .filter(invitations::survey_id.eq(survey_id))
        .filter(invitations::completed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((invited, completed))
}
