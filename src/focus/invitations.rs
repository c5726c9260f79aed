//! Emailing a focus group's participants through the outbox, each email carrying the session's
//! iCalendar event: an invitation when they are added, the same event with a higher SEQUENCE to
//! everyone invited when its time or place changes, and a cancellation when they are taken off.
//! Each email is queued in the transaction that makes the change.

use super::calendar::{self, Method, People};
use super::model::{GroupRow, ParticipantRow};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::mail::{CalendarPart, Email, Message, Notice, outbox};

/// What the email says, by what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    Invited,
    Moved,
    Removed,
}

/// The sender's address and name, from the configured `From`.
fn organizer(settings: &Settings) -> (String, String) {
    match settings.mail_from.parse::<lettre::message::Mailbox>() {
        Ok(mailbox) => (
            mailbox.name.unwrap_or_else(|| "Hearken".into()),
            mailbox.email.to_string(),
        ),
        Err(_) => ("Hearken".into(), "surveys@localhost".into()),
    }
}

/// The host the event's UID is made unique under: the base URL's.
fn host(settings: &Settings) -> String {
    let after_scheme = settings
        .base_url
        .split_once("://")
        .map_or(settings.base_url.as_str(), |(_, rest)| rest);
    after_scheme
        .split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .unwrap_or("hearken")
        .to_string()
}

fn when(group: &GroupRow) -> String {
    let mut text = group
        .scheduled_at
        .format("%A %-d %B %Y, %H:%M UTC")
        .to_string();
    text.push_str(&format!(", {} minutes", group.duration_minutes));
    if let Some(place) = &group.location {
        text.push_str(&format!(", {place}"));
    }
    text
}

/// Queues the email for `occasion` to `participant`, who must have an email address.
pub fn send(
    conn: &mut DbConn,
    settings: &Settings,
    group: &GroupRow,
    participant: &ParticipantRow,
    occasion: Occasion,
) -> Result<()> {
    let Some(email) = participant.email.clone() else {
        return Err(Error::invalid(
            "invite",
            "the participant has no email address",
        ));
    };
    let (organizer_name, organizer_email) = organizer(settings);
    let method = match occasion {
        Occasion::Removed => Method::Cancel,
        _ => Method::Request,
    };
    let ics = calendar::event(
        group,
        method,
        &People {
            organizer_name: &organizer_name,
            organizer_email: &organizer_email,
            attendee_name: &participant.name,
            attendee_email: &email,
        },
        &host(settings),
        db::now(),
    );
    let (subject, lead) = match occasion {
        Occasion::Invited => (
            format!("Invitation: {}", group.title),
            format!("You are invited to a focus group: {}.", group.title),
        ),
        Occasion::Moved => (
            format!("Changed: {}", group.title),
            format!("The focus group “{}” has a new time or place.", group.title),
        ),
        Occasion::Removed => (
            format!("Cancelled: {}", group.title),
            format!(
                "You are no longer expected at the focus group “{}”.",
                group.title
            ),
        ),
    };
    let mut paragraphs = vec![lead, when(group)];
    if occasion != Occasion::Removed && !group.topic.is_empty() {
        paragraphs.push(group.topic.clone());
    }
    outbox::queue(
        conn,
        settings,
        Email {
            recipient: email,
            contact_id: participant.contact_id.clone(),
            link_id: None,
            message: Message::Notice(Notice {
                language: "en".into(),
                subject,
                contact_name: Some(participant.name.clone()),
                paragraphs,
                highlight: None,
                link: None,
                calendar: Some(CalendarPart {
                    method: method.as_str().to_string(),
                    ics,
                }),
            }),
        },
    )?;
    Ok(())
}
