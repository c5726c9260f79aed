//! Planning a focus group and taking its notes: the session's details and discussion guide,
//! participants (from a contact or by name) with the consent they gave, and notes and quotes
//! under a guide item, tagged with the themes every source shares. Each input is checked with
//! errors that name the field; the API and the pages share these checks.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;

use super::invitations::{self, Occasion};
use super::model::{self, GroupRow, NoteRow, ParticipantRow};
use crate::auth::model::User;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::insight::{self, Target};
use crate::survey::audience::Audience;
use crate::web::text::{self, Lines};

/// A session's length unless given, in minutes.
pub const DEFAULT_MINUTES: i32 = 90;
/// Items a discussion guide may hold.
pub const MAX_GUIDE: usize = 50;
/// What a participant is shown when asked for consent, unless the moderator words it.
pub const CONSENT_WORDING: &str = "I agree to take part in this focus group, and that what I \
    say may be noted and quoted with my name in its findings.";

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub title: Option<String>,
    pub topic: Option<String>,
    pub audience: Option<Audience>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// 15 to 480; 90 when left out.
    pub duration_minutes: Option<i32>,
    pub location: Option<String>,
    /// The discussion guide: the questions or themes in the order they are taken.
    pub guide: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// A contact to add; or `name` (and `email`) for someone who is not one.
    #[serde(default)]
    pub contact_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Whether they agreed to be noted and quoted by name.
    pub consent: bool,
    /// The words they were shown; the standard wording when left out.
    #[serde(default)]
    pub consent_wording: Option<String>,
    /// Email an invitation with the session's calendar event (needs an email address).
    #[serde(default)]
    pub invite: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub text: String,
    /// `note` or `quote`; a quote names its participant.
    pub kind: String,
    /// The guide item it belongs to (0-based).
    #[serde(default)]
    pub guide_item: Option<i32>,
    #[serde(default)]
    pub participant_id: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

fn one_line(field: &str, value: &str, max: usize, required: bool) -> Result<Option<String>> {
    let value = value.trim();
    if value.is_empty() {
        return if required {
            Err(Error::invalid(field, "is required"))
        } else {
            Ok(None)
        };
    }
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    text::check(field, value, Lines::One)?;
    Ok(Some(value.to_string()))
}

fn guide_of(items: &[String]) -> Result<Vec<String>> {
    if items.len() > MAX_GUIDE {
        return Err(Error::invalid(
            "guide",
            format!("at most {MAX_GUIDE} items"),
        ));
    }
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| !item.trim().is_empty())
        .map(|(i, item)| {
            one_line(&format!("guide[{i}]"), item, 300, true).map(Option::unwrap_or_default)
        })
        .collect()
}

/// The guide of a stored group.
pub fn guide(row: &GroupRow) -> Vec<String> {
    serde_json::from_str(&row.guide).unwrap_or_default()
}

/// Applies `input` to `row`, checking each value; whether the time or place changed.
fn apply(row: &mut GroupRow, input: GroupInput) -> Result<bool> {
    let (when, place) = (row.scheduled_at, row.location.clone());
    if let Some(title) = input.title {
        row.title = one_line("title", &title, 200, true)?.unwrap_or_default();
    }
    if let Some(topic) = input.topic {
        let topic = topic.trim().to_string();
        if topic.chars().count() > 2000 {
            return Err(Error::invalid("topic", "must be at most 2000 characters"));
        }
        text::check("topic", &topic, Lines::Many)?;
        row.topic = topic;
    }
    if let Some(audience) = input.audience {
        row.audience = audience.as_str().to_string();
    }
    if let Some(at) = input.scheduled_at {
        row.scheduled_at = at.naive_utc().trunc_subsecs(6);
    }
    if let Some(minutes) = input.duration_minutes {
        if !(15..=480).contains(&minutes) {
            return Err(Error::invalid("duration_minutes", "must be 15 to 480"));
        }
        row.duration_minutes = minutes;
    }
    if let Some(location) = input.location {
        row.location = one_line("location", &location, 300, false)?;
    }
    if let Some(items) = input.guide {
        row.guide = serde_json::to_string(&guide_of(&items)?).map_err(Error::internal)?;
    }
    Ok(row.scheduled_at != when || row.location != place)
}

/// Plans a focus group; `title`, `topic`, `audience`, `scheduled_at` and `guide` are needed.
pub fn create(conn: &mut DbConn, owner: &User, input: GroupInput) -> Result<GroupRow> {
    for (field, given) in [
        ("title", input.title.is_some()),
        ("topic", input.topic.is_some()),
        ("audience", input.audience.is_some()),
        ("scheduled_at", input.scheduled_at.is_some()),
        ("guide", input.guide.is_some()),
    ] {
        if !given {
            return Err(Error::invalid(field, "is required"));
        }
    }
    let Some(scheduled_at) = input.scheduled_at else {
        return Err(Error::invalid("scheduled_at", "is required"));
    };
    let now = db::now();
    let mut row = GroupRow {
        id: crate::ids::new_id(),
        owner_id: owner.id.clone(),
        title: String::new(),
        topic: String::new(),
        audience: Audience::default().as_str().to_string(),
        scheduled_at: scheduled_at.naive_utc().trunc_subsecs(6),
        duration_minutes: DEFAULT_MINUTES,
        location: None,
        guide: "[]".into(),
        sequence: 0,
        created_at: now,
        updated_at: now,
    };
    apply(&mut row, input)?;
    db::write(conn, |conn| model::insert_group(conn, &row))?;
    Ok(row)
}

/// Changes a focus group; a new time or place raises its calendar sequence and sends the
/// updated event to everyone invited.
pub fn change(
    conn: &mut DbConn,
    settings: &Settings,
    id: &str,
    input: GroupInput,
) -> Result<GroupRow> {
    db::write(conn, |conn| {
        db::exclusive(conn, &format!("focus:{id}"))?;
        let mut row = model::find_group(conn, id)?.ok_or(Error::NotFound)?;
        let moved = apply(&mut row, input)?;
        if moved {
            row.sequence += 1;
        }
        row.updated_at = db::now();
        model::update_group(conn, &row)?;
        if moved {
            for participant in model::participants(conn, id)? {
                if participant.invited_at.is_some() && participant.removed_at.is_none() {
                    invitations::send(conn, settings, &row, &participant, Occasion::Moved)?;
                }
            }
        }
        Ok(row)
    })
}

/// Takes a participant off a session; one who was invited gets the event's cancellation.
/// Their quotes keep naming them as before.
pub fn remove_participant(
    conn: &mut DbConn,
    settings: &Settings,
    group_id: &str,
    participant_id: &str,
) -> Result<()> {
    db::write(conn, |conn| {
        db::exclusive(conn, &format!("focus:{group_id}"))?;
        let mut group = model::find_group(conn, group_id)?.ok_or(Error::NotFound)?;
        let participant = model::participants(conn, group_id)?
            .into_iter()
            .find(|p| p.id == participant_id && p.removed_at.is_none())
            .ok_or(Error::NotFound)?;
        model::set_removed(conn, participant_id, db::now())?;
        if participant.invited_at.is_some() && participant.email.is_some() {
            group.sequence += 1;
            group.updated_at = db::now();
            model::update_group(conn, &group)?;
            invitations::send(conn, settings, &group, &participant, Occasion::Removed)?;
        }
        Ok(())
    })
}

/// Adds a participant, numbered after the last, with their consent.
pub fn add_participant(
    conn: &mut DbConn,
    settings: &Settings,
    group_id: &str,
    input: ParticipantInput,
) -> Result<ParticipantRow> {
    let invite = input.invite == Some(true);
    let wording = match input.consent_wording.as_deref().map(str::trim) {
        Some(w) if !w.is_empty() => {
            if w.chars().count() > 1000 {
                return Err(Error::invalid(
                    "consent_wording",
                    "must be at most 1000 characters",
                ));
            }
            text::check("consent_wording", w, Lines::Many)?;
            w.to_string()
        }
        _ => CONSENT_WORDING.to_string(),
    };
    db::write(conn, |conn| {
        let group = model::find_group(conn, group_id)?.ok_or(Error::NotFound)?;
        let (name, email, contact_id) = match input.contact_id.as_deref() {
            Some(contact_id) => {
                let contact = crate::contact::model::find(conn, contact_id)?
                    .ok_or_else(|| Error::invalid("contact_id", "no contact has this id"))?;
                let name = contact
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| contact.email.split('@').next().unwrap_or("").to_string());
                (name, Some(contact.email), Some(contact.id))
            }
            None => {
                let name = one_line("name", input.name.as_deref().unwrap_or(""), 200, true)?
                    .unwrap_or_default();
                let email = match input
                    .email
                    .as_deref()
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                {
                    Some(e) => {
                        Some(crate::contact::import::normalize_email(e).ok_or_else(|| {
                            Error::invalid("email", "is not a valid email address")
                        })?)
                    }
                    None => None,
                };
                (name, email, None)
            }
        };
        if invite && email.is_none() {
            return Err(Error::invalid(
                "invite",
                "an invitation needs an email address",
            ));
        }
        let now = db::now();
        let mut row = ParticipantRow {
            id: crate::ids::new_id(),
            focus_group_id: group_id.to_string(),
            number: model::next_number(conn, group_id)?,
            name,
            email,
            contact_id,
            consent: input.consent,
            consent_at: input.consent.then_some(now),
            consent_wording: Some(wording.clone()),
            created_at: now,
            invited_at: None,
            removed_at: None,
        };
        model::insert_participant(conn, &row)?;
        if invite {
            invitations::send(conn, settings, &group, &row, Occasion::Invited)?;
            model::set_invited(conn, &row.id, now)?;
            row.invited_at = Some(now);
        }
        Ok(row)
    })
}

/// Takes a note or a quote; tags are made when they do not exist yet.
pub fn add_note(
    conn: &mut DbConn,
    author: &User,
    group_id: &str,
    input: NoteInput,
) -> Result<NoteRow> {
    let text = input.text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Err(Error::invalid("text", "is required"));
    }
    if text.chars().count() > 10_000 {
        return Err(Error::invalid("text", "must be at most 10000 characters"));
    }
    text::check("text", &text, Lines::Many)?;
    if input.kind != "note" && input.kind != "quote" {
        return Err(Error::invalid("kind", "must be note or quote"));
    }
    if input.kind == "quote" && input.participant_id.is_none() {
        return Err(Error::invalid(
            "participant_id",
            "a quote names its participant",
        ));
    }
    let tags = insight::check_names("tags", input.tags.as_deref().unwrap_or_default())?;
    db::write(conn, |conn| {
        let group = model::find_group(conn, group_id)?.ok_or(Error::NotFound)?;
        if let Some(item) = input.guide_item
            && (item < 0 || item as usize >= guide(&group).len())
        {
            return Err(Error::invalid("guide_item", "is not an item of the guide"));
        }
        if let Some(participant) = &input.participant_id
            && !model::participants(conn, group_id)?
                .iter()
                .any(|p| &p.id == participant)
        {
            return Err(Error::invalid(
                "participant_id",
                "is not a participant of this group",
            ));
        }
        let row = NoteRow {
            id: crate::ids::new_time_ordered_id(),
            focus_group_id: group_id.to_string(),
            kind: input.kind.clone(),
            text: text.clone(),
            guide_item: input.guide_item,
            participant_id: input.participant_id.clone(),
            created_by: author.name.clone(),
            created_at: db::now(),
        };
        model::insert_note(conn, &row)?;
        if !tags.is_empty() {
            insight::set_tags(conn, &Target::Note(row.id.clone()), &tags)?;
        }
        Ok(row)
    })
}

/// How a quote names its participant: by name with consent, else "Participant 3".
pub fn quoted_as(participant: &ParticipantRow) -> String {
    if participant.consent {
        participant.name.clone()
    } else {
        format!("Participant {}", participant.number)
    }
}
