//! Focus groups with customers, employees or suppliers: the session (topic, time, place,
//! discussion guide), its participants and the consent each gave, and the notes and quotes
//! taken during it, tagged with the themes every source shares and exported as Markdown and CSV.

pub mod api;
pub mod calendar;
pub mod export;
pub mod invitations;
pub mod model;
pub mod pages;
pub mod sessions;

use std::collections::HashMap;

use rocket::{Build, Rocket};
use serde::Serialize;

use self::model::{GroupRow, NoteRow, ParticipantRow};
use crate::db::DbConn;
use crate::error::Result;
use crate::insight::{self, Target};
use crate::survey::audience::Audience;
use crate::web::rfc3339;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FocusGroup)]
pub struct GroupView {
    pub id: String,
    pub title: String,
    pub topic: String,
    pub audience: Audience,
    pub scheduled_at: String,
    pub duration_minutes: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub guide: Vec<String>,
    pub participants: Vec<ParticipantView>,
    pub notes: Vec<NoteView>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FocusGroupParticipant)]
pub struct ParticipantView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    pub consent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_at: Option<String>,
    /// Whether an invitation was emailed.
    pub invited: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FocusGroupNote)]
pub struct NoteView {
    pub id: String,
    pub kind: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guide_item: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// How a quote names its participant: their name with consent, else "Participant 3".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted_as: Option<String>,
    pub tags: Vec<String>,
    pub by: String,
    pub created_at: String,
}

impl ParticipantView {
    pub fn of(row: &ParticipantRow) -> ParticipantView {
        ParticipantView {
            id: row.id.clone(),
            name: row.name.clone(),
            email: row.email.clone(),
            contact_id: row.contact_id.clone(),
            consent: row.consent,
            consent_at: row.consent_at.map(rfc3339),
            invited: row.invited_at.is_some(),
        }
    }
}

/// A note as shown, with its tags and how it names its participant.
pub fn note_view(
    conn: &mut DbConn,
    note: &NoteRow,
    people: &HashMap<String, ParticipantRow>,
) -> Result<NoteView> {
    Ok(NoteView {
        id: note.id.clone(),
        kind: note.kind.clone(),
        text: note.text.clone(),
        guide_item: note.guide_item,
        participant_id: note.participant_id.clone(),
        quoted_as: note
            .participant_id
            .as_ref()
            .and_then(|p| people.get(p))
            .map(sessions::quoted_as),
        tags: insight::tags_of(conn, &Target::Note(note.id.clone()))?,
        by: note.created_by.clone(),
        created_at: rfc3339(note.created_at),
    })
}

/// A focus group with its participants and notes.
pub fn view(conn: &mut DbConn, group: &GroupRow) -> Result<GroupView> {
    let participants = model::participants(conn, &group.id)?;
    let people: HashMap<String, ParticipantRow> = participants
        .iter()
        .map(|p| (p.id.clone(), p.clone()))
        .collect();
    let notes = model::notes(conn, &group.id)?
        .iter()
        .map(|n| note_view(conn, n, &people))
        .collect::<Result<Vec<_>>>()?;
    Ok(GroupView {
        id: group.id.clone(),
        title: group.title.clone(),
        topic: group.topic.clone(),
        audience: Audience::parse(&group.audience).unwrap_or_default(),
        scheduled_at: rfc3339(group.scheduled_at),
        duration_minutes: group.duration_minutes,
        location: group.location.clone(),
        guide: sessions::guide(group),
        participants: participants
            .iter()
            .filter(|p| p.removed_at.is_none())
            .map(ParticipantView::of)
            .collect(),
        notes,
        created_at: rfc3339(group.created_at),
    })
}

/// What a note said, when, and in whose voice: for the themes' problems ranking.
pub fn said_in_note(conn: &mut DbConn, id: &str) -> Result<Option<insight::Said>> {
    let Some(note) = model::find_note(conn, id)? else {
        return Ok(None);
    };
    let group = model::find_group(conn, &note.focus_group_id)?;
    let audience = group
        .as_ref()
        .and_then(|g| Audience::parse(&g.audience))
        .unwrap_or_default();
    Ok(Some(insight::Said {
        survey_id: None,
        audience,
        at: note.created_at,
        quote: note.kind == "quote",
        place: group.map(|g| insight::Place {
            href: format!("/focus-groups/{}#note-{}", g.id, note.id),
            name: g.title,
        }),
        text: note.text,
    }))
}

/// A contact's focus-group participations, with the notes and quotes that name them, and
/// offers to take part, for the subject-access export. What they said is theirs while it is
/// linked to them; erasure keeps the text but takes the name off (see `model::forget_contact`).
pub fn of_contact(
    conn: &mut DbConn,
    contact_id: &str,
    email: &str,
) -> Result<Vec<serde_json::Value>> {
    let offers: Vec<serde_json::Value> = model::volunteered_through(conn, contact_id)?
        .into_iter()
        .map(|(survey, at)| {
            serde_json::json!({"volunteered_through_survey": survey, "at": rfc3339(at)})
        })
        .collect();
    let mut out = Vec::new();
    for p in model::participations_of(conn, contact_id, email)? {
        let notes: Vec<serde_json::Value> = model::notes_of_participant(conn, &p.id)?
            .iter()
            .map(|n| {
                serde_json::json!({
                    "id": n.id,
                    "kind": n.kind,
                    "text": n.text,
                    "guide_item": n.guide_item,
                    "created_at": rfc3339(n.created_at),
                })
            })
            .collect();
        out.push(serde_json::json!({
            "focus_group_id": p.focus_group_id,
            "participant": ParticipantView::of(&p),
            "consent_wording": p.consent_wording,
            "notes": notes,
        }));
    }
    out.extend(offers);
    Ok(out)
}
