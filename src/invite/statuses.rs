//! The statuses staff follow for a survey's invitations (queued, sent, failed, opened,
//! started, completed, opted out): one page of invitations with their contact, and the counts
//! per status.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{InvitationRow, InvitationStatus};
use crate::db::DbConn;
use crate::db::schema::{contacts, invitations};
use crate::error::Result;

/// One invitation as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Invitation)]
pub struct InvitationView {
    pub id: String,
    /// Null once the contact has been erased.
    #[schema(required = true)]
    pub contact_id: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    pub status: InvitationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    pub reminders: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

type ListedRow = (
    InvitationRow,
    Option<NaiveDateTime>,
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// The status staff see: answering wins over opting out, which wins over the stored status.
fn status_of(stored: &str, completed: bool, opted_out: bool) -> InvitationStatus {
    if completed {
        return InvitationStatus::Completed;
    }
    if opted_out {
        return InvitationStatus::OptedOut;
    }
    InvitationStatus::parse(stored).unwrap_or(InvitationStatus::Queued)
}

fn view(row: ListedRow) -> InvitationView {
    let (invitation, sent_at, reminders, last_error, email, name, opted_out_at) = row;
    InvitationView {
        status: status_of(
            &invitation.status,
            invitation.completed_at.is_some(),
            opted_out_at.is_some(),
        ),
        id: invitation.id,
        contact_id: invitation.contact_id,
        email,
        name,
        sent_at: sent_at.map(crate::web::rfc3339),
        reminders,
        last_error,
        created_at: crate::web::rfc3339(invitation.created_at),
    }
}

/// A page of a survey's invitations, oldest first, after the cursor `(created_at, id)`.
pub fn page(
    conn: &mut DbConn,
    survey_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<(InvitationView, (NaiveDateTime, String))>> {
    let mut query = invitations::table
        .left_join(contacts::table.on(invitations::contact_id.eq(contacts::id.nullable())))
        .filter(invitations::survey_id.eq(survey_id))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(crate::keyset_after!(
            invitations::created_at,
            invitations::id,
            at,
            id
        ));
    }
    let rows: Vec<ListedRow> = query
        .order((invitations::created_at.asc(), invitations::id.asc()))
        .limit(limit)
        .select((
            InvitationRow::as_select(),
            invitations::sent_at,
            invitations::reminders,
            invitations::last_error,
            contacts::email.nullable(),
            contacts::name.nullable(),
            contacts::opted_out_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let key = (row.0.created_at, row.0.id.clone());
            (view(row), key)
        })
        .collect())
}

/// How many of a survey's invitations are in each status (every status present, zero or not).
pub fn counts(conn: &mut DbConn, survey_id: &str) -> Result<Vec<(InvitationStatus, i64)>> {
    let rows: Vec<(String, Option<NaiveDateTime>, Option<NaiveDateTime>)> = invitations::table
        .left_join(contacts::table.on(invitations::contact_id.eq(contacts::id.nullable())))
        .filter(invitations::survey_id.eq(survey_id))
        .select((
            invitations::status,
            invitations::completed_at,
            contacts::opted_out_at.nullable(),
        ))
        .load(conn)?;
    let mut counts: HashMap<InvitationStatus, i64> = HashMap::new();
    for (status, completed_at, opted_out_at) in rows {
        let status = status_of(&status, completed_at.is_some(), opted_out_at.is_some());
        *counts.entry(status).or_default() += 1;
    }
    Ok(InvitationStatus::ALL
        .into_iter()
        .map(|s| (s, counts.get(&s).copied().unwrap_or(0)))
        .collect())
}
