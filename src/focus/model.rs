//! Focus groups, their participants and their notes as stored. Only this room writes these
//! tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{focus_groups, focus_notes, focus_participants, focus_volunteers};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = focus_groups, treat_none_as_null = true)]
pub struct GroupRow {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub topic: String,
    pub audience: String,
    pub scheduled_at: NaiveDateTime,
    pub duration_minutes: i32,
    pub location: Option<String>,
    /// JSON list of the guide's items.
    pub guide: String,
    pub sequence: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = focus_participants)]
pub struct ParticipantRow {
    pub id: String,
    pub focus_group_id: String,
    pub number: i32,
    pub name: String,
    pub email: Option<String>,
    pub contact_id: Option<String>,
    pub consent: bool,
    pub consent_at: Option<NaiveDateTime>,
    pub consent_wording: Option<String>,
    pub created_at: NaiveDateTime,
    pub invited_at: Option<NaiveDateTime>,
    pub removed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = focus_notes)]
pub struct NoteRow {
    pub id: String,
    pub focus_group_id: String,
    pub kind: String,
    pub text: String,
    pub guide_item: Option<i32>,
    pub participant_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_group(conn: &mut DbConn, row: &GroupRow) -> Result<()> {
    diesel::insert_into(focus_groups::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update_group(conn: &mut DbConn, row: &GroupRow) -> Result<()> {
    diesel::update(focus_groups::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_group(conn: &mut DbConn, id: &str) -> Result<Option<GroupRow>> {
    Ok(focus_groups::table
        .find(id)
        .select(GroupRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The focus group of `owner_id` with exactly this title, if there is one.
pub fn owned_with_title(
    conn: &mut DbConn,
    owner_id: &str,
    title: &str,
) -> Result<Option<GroupRow>> {
    Ok(focus_groups::table
        .filter(focus_groups::owner_id.eq(owner_id))
        .filter(focus_groups::title.eq(title))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?)
}

/// Focus groups by time, the latest first, after the cursor `(scheduled_at, id)`.
pub fn page(
    conn: &mut DbConn,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<GroupRow>> {
    let mut query = focus_groups::table
        .select(GroupRow::as_select())
        .order((focus_groups::scheduled_at.desc(), focus_groups::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(crate::keyset_before!(
            focus_groups::scheduled_at,
            focus_groups::id,
            at,
            id
        ));
    }
    Ok(query.load(conn)?)
}

/// Marks a participant invited, or taken off the session.
pub fn set_invited(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<()> {
    diesel::update(focus_participants::table.find(id))
        .set(focus_participants::invited_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn set_removed(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<()> {
    diesel::update(focus_participants::table.find(id))
        .set(focus_participants::removed_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Every participant of a group, those taken off it too (their quotes still name them).
pub fn participants(conn: &mut DbConn, group_id: &str) -> Result<Vec<ParticipantRow>> {
    Ok(focus_participants::table
        .filter(focus_participants::focus_group_id.eq(group_id))
        .order(focus_participants::number.asc())
        .select(ParticipantRow::as_select())
        .load(conn)?)
}

pub fn insert_participant(conn: &mut DbConn, row: &ParticipantRow) -> Result<()> {
    diesel::insert_into(focus_participants::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The number the next participant of a group gets.
pub fn next_number(conn: &mut DbConn, group_id: &str) -> Result<i32> {
    let last: Option<i32> = focus_participants::table
        .filter(focus_participants::focus_group_id.eq(group_id))
        .select(diesel::dsl::max(focus_participants::number))
        .get_result(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

pub fn notes(conn: &mut DbConn, group_id: &str) -> Result<Vec<NoteRow>> {
    Ok(focus_notes::table
        .filter(focus_notes::focus_group_id.eq(group_id))
        .order((focus_notes::created_at.asc(), focus_notes::id.asc()))
        .select(NoteRow::as_select())
        .load(conn)?)
}

/// The notes and quotes that name one participant, oldest first.
pub fn notes_of_participant(conn: &mut DbConn, participant_id: &str) -> Result<Vec<NoteRow>> {
    Ok(focus_notes::table
        .filter(focus_notes::participant_id.eq(participant_id))
        .order((focus_notes::created_at.asc(), focus_notes::id.asc()))
        .select(NoteRow::as_select())
        .load(conn)?)
}

pub fn find_note(conn: &mut DbConn, id: &str) -> Result<Option<NoteRow>> {
    Ok(focus_notes::table
        .find(id)
        .select(NoteRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn insert_note(conn: &mut DbConn, row: &NoteRow) -> Result<()> {
    diesel::insert_into(focus_notes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The participations of a contact (linked, or by its email).
pub fn participations_of(
    conn: &mut DbConn,
    contact_id: &str,
    email: &str,
) -> Result<Vec<ParticipantRow>> {
    Ok(focus_participants::table
        .filter(
            focus_participants::contact_id
                .eq(contact_id)
                .or(focus_participants::email.eq(email)),
        )
        .order(focus_participants::created_at.asc())
        .select(ParticipantRow::as_select())
        .load(conn)?)
}

/// The name an erased participant keeps.
pub const ERASED_PARTICIPANT: &str = "Erased participant";

/// Forgets who a contact was in every focus group: the name, the email and the link go, and
/// with them any naming in quotes (the participant is quoted by number from then on).
pub fn forget_contact(conn: &mut DbConn, contact_id: &str, email: &str) -> Result<()> {
    diesel::update(
        focus_participants::table.filter(
            focus_participants::contact_id
                .eq(contact_id)
                .or(focus_participants::email.eq(email)),
        ),
    )
    .set((
        focus_participants::name.eq(ERASED_PARTICIPANT),
        focus_participants::email.eq(None::<String>),
        focus_participants::contact_id.eq(None::<String>),
        focus_participants::consent.eq(false),
    ))
    .execute(conn)?;
    Ok(())
}

/// Keeps that a survey's respondent (a contact) would join a focus group; saying so twice
/// counts once.
pub fn volunteer(
    conn: &mut DbConn,
    survey_id: &str,
    contact_id: &str,
    at: NaiveDateTime,
) -> Result<()> {
    let known = focus_volunteers::table
        .find((survey_id, contact_id))
        .select(focus_volunteers::survey_id)
        .get_result::<String>(conn)
        .optional()?;
    if known.is_none() {
        diesel::insert_into(focus_volunteers::table)
            .values((
                focus_volunteers::survey_id.eq(survey_id),
                focus_volunteers::contact_id.eq(contact_id),
                focus_volunteers::volunteered_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The contacts who volunteered through a survey, in the order they did.
pub fn volunteers(conn: &mut DbConn, survey_id: &str) -> Result<Vec<(String, NaiveDateTime)>> {
    Ok(focus_volunteers::table
        .filter(focus_volunteers::survey_id.eq(survey_id))
        .order((
            focus_volunteers::volunteered_at.asc(),
            focus_volunteers::contact_id.asc(),
        ))
        .select((
            focus_volunteers::contact_id,
            focus_volunteers::volunteered_at,
        ))
        .load(conn)?)
}

/// Whether a contact volunteered through a survey.
pub fn volunteered(conn: &mut DbConn, survey_id: &str, contact_id: &str) -> Result<bool> {
    Ok(focus_volunteers::table
        .find((survey_id, contact_id))
        .select(focus_volunteers::survey_id)
        .get_result::<String>(conn)
        .optional()?
        .is_some())
}

/// The surveys through which a contact volunteered, for the subject-access export.
pub fn volunteered_through(
    conn: &mut DbConn,
    contact_id: &str,
) -> Result<Vec<(String, NaiveDateTime)>> {
    Ok(focus_volunteers::table
        .filter(focus_volunteers::contact_id.eq(contact_id))
        .select((
            focus_volunteers::survey_id,
            focus_volunteers::volunteered_at,
        ))
        .load(conn)?)
}

/// Forgets a contact's offers to join focus groups.
pub fn forget_volunteer(conn: &mut DbConn, contact_id: &str) -> Result<()> {
    diesel::delete(focus_volunteers::table.filter(focus_volunteers::contact_id.eq(contact_id)))
        .execute(conn)?;
    Ok(())
}
