//! Inviting contacts to a survey and reminding them: one invitation per contact per survey,
//! each with its email queued in the outbox in the same transaction, and the statuses staff
//! follow (queued, sent, failed, opened, started, completed, opted out).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{self, InvitationRow, InvitationStatus};
use crate::config::Settings;
use crate::contact::model::{self as contact_model, ContactRow};
use crate::db::schema::{contacts, invitations};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::i18n;
use crate::mail::{self, Email, Message, SurveyInvitation};
use crate::survey::model::{Survey, SurveyStatus};
use crate::web::links;

/// Rows written per INSERT when inviting many contacts at once.
const CHUNK: usize = 500;

/// Creates an invitation and returns its personal-link token. The token is the HMAC of the
/// invitation's random 128-bit id under the link key, so it can be derived again when the email
/// is rendered and is stored nowhere; the database keeps its SHA-256 digest for the lookup.
pub fn create(
    conn: &mut DbConn,
    link_key: &[u8; 32],
    survey_id: &str,
    contact_id: Option<&str>,
) -> Result<String> {
    let (row, token) = new_row(link_key, survey_id, contact_id, db::now());
    model::insert(conn, &row)?;
    Ok(token)
}

fn new_row(
    link_key: &[u8; 32],
    survey_id: &str,
    contact_id: Option<&str>,
    now: NaiveDateTime,
) -> (InvitationRow, String) {
    let id = crate::ids::new_id();
    let token = links::personal_token(link_key, &id);
    let row = InvitationRow {
        id,
        survey_id: survey_id.to_string(),
        contact_id: contact_id.map(str::to_string),
        token_hash: crate::ids::digest(&token),
        status: InvitationStatus::Queued.as_str().to_string(),
        created_at: now,
        opened_at: None,
        completed_at: None,
    };
    (row, token)
}

/// Who to invite.
#[derive(Debug)]
pub enum Invitees {
    Contacts(Vec<String>),
    AllContacts,
}

/// Why a contact was not invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    OptedOut,
    AlreadyInvited,
    InvalidEmail,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub contact_id: String,
    pub reason: SkipReason,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = InvitationResult)]
pub struct InviteOutcome {
    pub queued: usize,
    pub skipped: Vec<Skipped>,
}

/// Checks that a survey takes invitations: it has been published and is not closed.
fn check_invitable(survey: &Survey) -> Result<()> {
    match survey.status() {
        SurveyStatus::Open => Ok(()),
        SurveyStatus::Draft => Err(Error::conflict(
            "survey_not_open",
            "publish the survey before inviting anyone",
        )),
        SurveyStatus::Closed => Err(Error::conflict(
            "survey_not_open",
            "the survey is closed and takes no more invitations",
        )),
    }
}

/// What an invitation or reminder says to one contact, in their language (else the survey's).
fn survey_invitation(survey: &Survey, contact: &ContactRow) -> SurveyInvitation {
    let language = contact
        .language
        .as_deref()
        .and_then(i18n::supported)
        .unwrap_or(survey.language());
    let t = i18n::catalog(language);
    SurveyInvitation {
        survey_title: survey.title().to_string(),
        survey_intro: survey.intro().to_string(),
        language: t.code().to_string(),
        contact_name: contact
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string),
        incentive: survey.incentive().email_line(t),
    }
}

/// The email of an invitation (or of a reminder of it) to one contact.
fn email(invitation_id: &str, contact: &ContactRow, message: Message) -> Email {
    Email {
        recipient: contact.email.clone(),
        contact_id: Some(contact.id.clone()),
        link_id: Some(invitation_id.to_string()),
        message,
    }
}

/// Whether an address can be written into an email envelope.
fn deliverable(email: &str) -> bool {
    email.parse::<lettre::Address>().is_ok()
}

/// Invites contacts to `survey`: one invitation per contact, its email queued in the same
/// transaction. Unknown contact ids are a 422 naming the entry, and nothing is written.
pub fn invite(
    conn: &mut DbConn,
    settings: &Settings,
    survey: &Survey,
    invitees: Invitees,
) -> Result<InviteOutcome> {
    check_invitable(survey)?;
    db::write(conn, |conn| {
        // Serialises invitations to one survey across nodes, so "already invited" holds.
        db::exclusive(conn, &format!("invite:{}", survey.id()))?;
        let chosen = chosen_contacts(conn, &invitees)?;
        let digests: Vec<String> = chosen
            .iter()
            .map(|c| crate::ids::digest(&c.email))
            .collect();
        let suppressed = contact_model::suppressed_among(conn, &digests)?;
        let invited: HashSet<String> = invitations::table
            .filter(invitations::survey_id.eq(survey.id().as_str()))
            .filter(invitations::contact_id.is_not_null())
            .select(invitations::contact_id.assume_not_null())
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let now = db::now();
        let mut outcome = InviteOutcome::default();
        let mut rows = Vec::new();
        let mut mails = Vec::new();
        let mut seen = HashSet::new();
        for (contact, digest) in chosen.iter().zip(&digests) {
            if !seen.insert(contact.id.as_str()) {
                continue;
            }
            let reason = if contact.opted_out_at.is_some() || suppressed.contains(digest) {
                Some(SkipReason::OptedOut)
            } else if invited.contains(&contact.id) {
                Some(SkipReason::AlreadyInvited)
            } else if !deliverable(&contact.email) {
                Some(SkipReason::InvalidEmail)
            } else {
                None
            };
            if let Some(reason) = reason {
                outcome.skipped.push(Skipped {
                    contact_id: contact.id.clone(),
                    reason,
                });
                continue;
            }
            let (row, _token) = new_row(&settings.link_key, survey.id(), Some(&contact.id), now);
            let message = Message::Invitation(survey_invitation(survey, contact));
            mails.push(email(&row.id, contact, message));
            rows.push(row);
        }
        model::insert_many(conn, &rows)?;
        outcome.queued = rows.len();
        mail::outbox::queue_many(conn, settings, mails)?;
        Ok(outcome)
    })
}

/// The contacts an invitation request names, in the order given; an unknown id is a 422.
fn chosen_contacts(conn: &mut DbConn, invitees: &Invitees) -> Result<Vec<ContactRow>> {
    match invitees {
        Invitees::AllContacts => Ok(contacts::table
            .order((contacts::created_at.asc(), contacts::id.asc()))
            .select(ContactRow::as_select())
            .load(conn)?),
        Invitees::Contacts(ids) => {
            let mut found: HashMap<String, ContactRow> = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(CHUNK) {
                for row in contacts::table
                    .filter(contacts::id.eq_any(chunk))
                    .select(ContactRow::as_select())
                    .load(conn)?
                {
                    found.insert(row.id.clone(), row);
                }
            }
            ids.iter()
                .enumerate()
                .map(|(i, id)| {
                    found.get(id).cloned().ok_or_else(|| {
                        Error::invalid(format!("contact_ids[{i}]"), "no contact has this id")
                    })
                })
                .collect()
        }
    }
}

/// What a reminder round did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = ReminderResult)]
pub struct ReminderOutcome {
    pub queued: usize,
    /// Invitees left out, by reason: completed, opted_out, limit_reached, not_sent_yet,
    /// reminder_pending.
    pub skipped: std::collections::BTreeMap<&'static str, usize>,
}

/// Queues a reminder for every invitee who has not completed, has not opted out, has had the
/// invitation delivered, has no reminder waiting in the outbox, and has had fewer reminders
/// than the survey's maximum.
pub fn remind(conn: &mut DbConn, settings: &Settings, survey: &Survey) -> Result<ReminderOutcome> {
    check_invitable(survey)?;
    let max = survey.max_reminders();
    db::write(conn, |conn| {
        db::exclusive(conn, &format!("invite:{}", survey.id()))?;
        let rows: Vec<(InvitationRow, i32, Option<NaiveDateTime>, ContactRow)> = invitations::table
            .inner_join(contacts::table.on(invitations::contact_id.eq(contacts::id.nullable())))
            .filter(invitations::survey_id.eq(survey.id().as_str()))
            .order(invitations::created_at.asc())
            .select((
                InvitationRow::as_select(),
                invitations::reminders,
                invitations::sent_at,
                ContactRow::as_select(),
            ))
            .load(conn)?;
        let ids: Vec<String> = rows.iter().map(|(i, ..)| i.id.clone()).collect();
        let pending = mail::outbox::links_waiting(conn, Message::REMINDER, &ids)?;
        let digests: Vec<String> = rows
            .iter()
            .map(|(_, _, _, c)| crate::ids::digest(&c.email))
            .collect();
        let suppressed = contact_model::suppressed_among(conn, &digests)?;
        let mut outcome = ReminderOutcome::default();
        let mut reminded = Vec::new();
        let mut mails = Vec::new();
        for ((invitation, reminders, sent_at, contact), digest) in rows.iter().zip(&digests) {
            let skip = if invitation.completed_at.is_some() {
                Some("completed")
            } else if contact.opted_out_at.is_some() || suppressed.contains(digest) {
                Some("opted_out")
            } else if *reminders >= max {
                Some("limit_reached")
            } else if sent_at.is_none() {
                Some("not_sent_yet")
            } else if pending.contains(&invitation.id) {
                Some("reminder_pending")
            } else {
                None
            };
            if let Some(reason) = skip {
                *outcome.skipped.entry(reason).or_default() += 1;
                continue;
            }
            reminded.push(invitation.id.clone());
            let message = Message::Reminder(survey_invitation(survey, contact));
            mails.push(email(&invitation.id, contact, message));
        }
        model::add_reminder(conn, &reminded)?;
        outcome.queued = mails.len();
        mail::outbox::queue_many(conn, settings, mails)?;
        Ok(outcome)
    })
}
