//! The demo's other two ways of listening: a focus group of regular customers on the workshop,
//! with its participants and the notes and quotes taken, and twenty complaints from the last two
//! months. Both are tagged with the themes the survey answers are coded with, so the same
//! problems add up across sources on the top-problems page. Everything goes through the focus
//! and complaint rooms' own checks. Nobody is invited and no follow-up reminder is left to send:
//! the demo emails no one.

use chrono::{Duration, NaiveDateTime, NaiveTime, Timelike};
use serde::Deserialize;

use crate::auth::model::User;
use crate::complaint::fields::{Customer, Fields, Status};
use crate::complaint::model::{self as complaints, Filter};
use crate::complaint::record::{self, Author};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::focus::model as focus;
use crate::focus::sessions::{self, GroupInput, NoteInput, ParticipantInput};
use crate::survey::audience::Audience;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Session {
    title: String,
    topic: String,
    audience: Audience,
    days_ago: i64,
    hour: u32,
    duration_minutes: i32,
    location: String,
    guide: Vec<String>,
    participants: Vec<Participant>,
    notes: Vec<Note>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Participant {
    name: String,
    consent: bool,
}

/// A moderator's note, or a quote when it names a participant (by their place in the list).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    guide_item: i32,
    #[serde(default)]
    participant: Option<usize>,
    text: String,
    tags: Vec<String>,
}

/// A complaint as it happened: when (days before the run, at a time of day), what was agreed,
/// and, counted in days from its receipt, when it was resolved, followed up or is to be.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Complaint {
    days_ago: i64,
    at: NaiveTime,
    customer: Customer,
    received_by: String,
    channel: String,
    category: String,
    nature: String,
    #[serde(default)]
    agreed_solution: Option<String>,
    #[serde(default)]
    solved_on_spot: bool,
    #[serde(default)]
    steps_taken: Option<String>,
    #[serde(default)]
    compensation: Option<String>,
    #[serde(default)]
    prevention: Option<String>,
    #[serde(default)]
    resolved_after_days: Option<i64>,
    #[serde(default)]
    follow_up_after_days: Option<i64>,
    /// A follow-up done this many days after receipt, and whether the customer was satisfied.
    #[serde(default)]
    followed_up_after_days: Option<i64>,
    #[serde(default)]
    satisfied: Option<bool>,
    tags: Vec<String>,
}

const SESSION: &str = include_str!("listening/focus_group.json");
const COMPLAINTS: &str = include_str!("listening/complaints.json");

fn session() -> Result<Session> {
    serde_json::from_str(SESSION).map_err(Error::internal)
}

fn complaint_list() -> Result<Vec<Complaint>> {
    serde_json::from_str(COMPLAINTS).map_err(Error::internal)
}

/// Plans the focus group, adds its participants by name (no email, so no invitation can go
/// out) and takes its notes; a group an earlier run made is left as it is.
pub fn focus_group(conn: &mut DbConn, settings: &crate::Settings, owner: &User) -> Result<()> {
    let session = session()?;
    if focus::owned_with_title(conn, &owner.id, &session.title)?.is_some() {
        return Ok(());
    }
    let day = db::now().date() - Duration::days(session.days_ago);
    let start = day
        .and_hms_opt(session.hour, 0, 0)
        .ok_or_else(|| Error::Internal("the demo session's hour is no time of day".into()))?;
    let input = GroupInput {
        title: Some(session.title),
        topic: Some(session.topic),
        audience: Some(session.audience),
        scheduled_at: Some(start.and_utc()),
        duration_minutes: Some(session.duration_minutes),
        location: Some(session.location),
        guide: Some(session.guide),
    };
    let group = sessions::create(conn, owner, input)?;
    let mut ids = Vec::new();
    for person in session.participants {
        let input = ParticipantInput {
            contact_id: None,
            name: Some(person.name),
            email: None,
            consent: person.consent,
            consent_wording: None,
            invite: Some(false),
        };
        ids.push(sessions::add_participant(conn, settings, &group.id, input)?.id);
    }
    for note in session.notes {
        let participant_id = match note.participant {
            Some(i) => Some(ids.get(i).cloned().ok_or_else(|| {
                Error::Internal(
                    format!("a demo quote names participant {i}, who is not there").into(),
                )
            })?),
            None => None,
        };
        let input = NoteInput {
            text: note.text,
            kind: if participant_id.is_some() {
                "quote"
            } else {
                "note"
            }
            .into(),
            guide_item: Some(note.guide_item),
            participant_id,
            tags: Some(note.tags),
        };
        sessions::add_note(conn, owner, &group.id, input)?;
    }
    Ok(())
}

/// Logs the complaints, each unless an earlier run logged it (the same customer and nature).
/// Returns how many were logged now.
pub fn complaints(conn: &mut DbConn, owner: &User) -> Result<usize> {
    let now = db::now();
    let mut logged = 0;
    for complaint in complaint_list()? {
        if already_logged(conn, &complaint)? {
            continue;
        }
        let fields = fields_of(complaint, now)?;
        let row = record::create(conn, &Author { user: owner }, fields)?;
        // The follow-up reminder would email the demo owner, whose address reaches nobody;
        // marked as sent, it stays quiet, and a follow-up time someone sets later earns one.
        if let (Some(due), None) = (row.follow_up_at, row.followed_up_at) {
            db::write(conn, |conn| complaints::mark_reminded(conn, &row.id, due))?;
        }
        logged += 1;
    }
    Ok(logged)
}

fn already_logged(conn: &mut DbConn, complaint: &Complaint) -> Result<bool> {
    let filter = Filter {
        q: Some(complaint.nature.clone()),
        ..Filter::default()
    };
    Ok(complaints::page(conn, &filter, None, 10)?
        .iter()
        .any(|row| row.customer_name == complaint.customer.name && row.nature == complaint.nature))
}

fn fields_of(c: Complaint, now: NaiveDateTime) -> Result<Fields> {
    let received = (now.date() - Duration::days(c.days_ago)).and_time(c.at);
    // Today's complaint cannot have come in later than now.
    let received = received.min(now.with_second(0).unwrap_or(now));
    let after = |days: Option<i64>| days.map(|d| (received + Duration::days(d)).and_utc());
    let followed_up_at = after(c.followed_up_after_days);
    if followed_up_at.is_some_and(|at| at.naive_utc() > now) {
        return Err(Error::Internal(
            format!(
                "a demo complaint is followed up in the future: {}",
                c.nature
            )
            .into(),
        ));
    }
    Ok(Fields {
        customer: c.customer,
        received_by: c.received_by,
        owner_id: None,
        received_at: Some(received.and_utc()),
        channel: Some(c.channel),
        category: c.category,
        nature: c.nature,
        agreed_solution: c.agreed_solution,
        solved_on_spot: c.solved_on_spot,
        promised_at: None,
        steps_taken: c.steps_taken,
        follow_up_at: after(c.follow_up_after_days).or(followed_up_at),
        followed_up_at,
        customer_satisfied: c.satisfied,
        compensation: c.compensation,
        prevention: c.prevention,
        resolved_at: after(c.resolved_after_days),
        // A customer satisfied at the follow-up is done with; the rest follows from the other
        // fields.
        status: (followed_up_at.is_some() && c.satisfied == Some(true)).then_some(Status::Closed),
        tags: Some(c.tags),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_parse_and_hold_what_the_demo_promises() {
        let session = session().expect("the focus group parses");
        assert!((4..=5).contains(&session.guide.len()));
        assert!((5..=6).contains(&session.participants.len()));
        assert!(session.participants.iter().any(|p| !p.consent));
        assert!((10..=15).contains(&session.notes.len()));
        for note in &session.notes {
            assert!(
                (note.guide_item as usize) < session.guide.len(),
                "{}",
                note.text
            );
            assert!(
                note.participant
                    .is_none_or(|p| p < session.participants.len()),
                "{}",
                note.text
            );
        }
        let list = complaint_list().expect("the complaints parse");
        assert_eq!(list.len(), 20);
        let now = db::now();
        for complaint in list {
            assert!((0..=60).contains(&complaint.days_ago));
            fields_of(complaint, now).expect("a complaint the log takes");
        }
    }
}
