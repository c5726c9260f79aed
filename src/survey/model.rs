//! Surveys and their questions as stored, and the `Survey` the rest of the application reads
//! through accessors. Questions are JSON in a Text column, typed by serde, kept in order by
//! `position`; the status is the text `draft`, `open` or `closed`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::SurveyContent;
use super::audience::Audience;
use super::incentive::Incentive;
use super::question::Question;
pub use super::survey_view::SurveyView;
use crate::config::Settings;
use crate::db::DbConn;
use crate::db::schema::{questions, surveys};
use crate::error::{Error, Result};
use crate::ids::{SurveyId, UserId};

/// Where a survey is in its life: designed, answered, then kept for reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SurveyStatus {
    Draft,
    Open,
    Closed,
}

impl SurveyStatus {
    /// The text stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

impl fmt::Display for SurveyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored text that is no survey status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a survey status")]
pub struct UnknownStatus(String);

impl FromStr for SurveyStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> std::result::Result<Self, UnknownStatus> {
        match text {
            "draft" => Ok(Self::Draft),
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            other => Err(UnknownStatus(other.to_string())),
        }
    }
}

impl TryFrom<String> for SurveyStatus {
    type Error = UnknownStatus;

    fn try_from(text: String) -> std::result::Result<Self, UnknownStatus> {
        text.parse()
    }
}

impl From<SurveyStatus> for String {
    fn from(status: SurveyStatus) -> Self {
        status.as_str().to_string()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = surveys, treat_none_as_null = true)]
pub(super) struct SurveyRow {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub(super) id: SurveyId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub(super) owner_id: UserId,
    pub(super) title: String,
    pub(super) intro: String,
    pub(super) thank_you: String,
    pub(super) language: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub(super) status: SurveyStatus,
    pub(super) anonymous: bool,
    pub(super) invitation_only: bool,
    pub(super) opens_at: Option<NaiveDateTime>,
    pub(super) closes_at: Option<NaiveDateTime>,
    pub(super) incentive: String,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
    /// Reminders sent at most to an invitee who has not answered.
    pub(super) max_reminders: i32,
    pub(super) audience: String,
    pub(super) focus_group_opt_in: bool,
}

/// A survey with its questions, loaded. Changes go through `survey::editing`, which keeps the
/// rules about what may change once a survey is published.
#[derive(Debug, Clone)]
pub struct Survey {
    pub(super) row: SurveyRow,
    pub(super) questions: Vec<Question>,
}

impl Survey {
    pub fn id(&self) -> &SurveyId {
        &self.row.id
    }

    pub fn owner_id(&self) -> &UserId {
        &self.row.owner_id
    }

    pub fn title(&self) -> &str {
        &self.row.title
    }

    pub fn intro(&self) -> &str {
        &self.row.intro
    }

    pub fn thank_you(&self) -> &str {
        &self.row.thank_you
    }

    /// A language code: en, nl, de, fr, sv, af, sk or sl.
    pub fn language(&self) -> &str {
        &self.row.language
    }

    pub fn status(&self) -> SurveyStatus {
        self.row.status
    }

    pub fn anonymous(&self) -> bool {
        self.row.anonymous
    }

    /// Whether its personal links' thank-you page asks respondents to join a focus group
    /// (never on an anonymous survey).
    pub fn recruits(&self) -> bool {
        self.row.focus_group_opt_in && !self.row.anonymous
    }

    /// Whether the survey is set to recruit, as the designer set it.
    pub fn view_opt_in(&self) -> bool {
        self.row.focus_group_opt_in
    }

    pub fn audience(&self) -> Audience {
        Audience::parse(&self.row.audience).unwrap_or_default()
    }

    pub fn invitation_only(&self) -> bool {
        self.row.invitation_only
    }

    pub fn opens_at(&self) -> Option<NaiveDateTime> {
        self.row.opens_at
    }

    pub fn closes_at(&self) -> Option<NaiveDateTime> {
        self.row.closes_at
    }

    pub fn max_reminders(&self) -> i32 {
        self.row.max_reminders
    }

    pub fn created_at(&self) -> NaiveDateTime {
        self.row.created_at
    }

    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn incentive(&self) -> Incentive {
        serde_json::from_str(&self.row.incentive).unwrap_or_else(|e| {
            log::error!(
                "survey {} has an unreadable incentive, shown as none: {e}",
                self.row.id
            );
            Incentive::None
        })
    }

    pub fn content(&self) -> SurveyContent {
        SurveyContent {
            title: self.row.title.clone(),
            intro: self.row.intro.clone(),
            thank_you: self.row.thank_you.clone(),
            language: self.row.language.clone(),
            anonymous: self.row.anonymous,
            questions: self.questions.clone(),
        }
    }

    pub fn view(&self, settings: &Settings) -> SurveyView {
        let row = &self.row;
        let open_link = (row.status != SurveyStatus::Draft && !row.invitation_only)
            .then(|| settings.link(&format!("/s/{}", row.id)));
        SurveyView {
            id: row.id.clone(),
            title: row.title.clone(),
            intro: row.intro.clone(),
            thank_you: row.thank_you.clone(),
            language: row.language.clone(),
            status: row.status,
            anonymous: row.anonymous,
            invitation_only: row.invitation_only,
            opens_at: row.opens_at.map(crate::web::rfc3339),
            closes_at: row.closes_at.map(crate::web::rfc3339),
            incentive: self.incentive(),
            max_reminders: row.max_reminders,
            audience: self.audience(),
            focus_group_opt_in: row.focus_group_opt_in,
            questions: self.questions.clone(),
            open_link,
            created_at: crate::web::rfc3339(row.created_at),
        }
    }

    /// Whether respondents can answer now.
    pub fn availability(&self, now: NaiveDateTime) -> Availability {
        availability(&self.row, now)
    }

    /// Moves the survey to `status`; `editing` decides which moves are allowed.
    pub(super) fn set_status(&mut self, status: SurveyStatus, now: NaiveDateTime) {
        self.row.status = status;
        self.row.updated_at = now;
    }
}

/// Whether respondents can answer a survey now, from its stored row alone.
fn availability(row: &SurveyRow, now: NaiveDateTime) -> Availability {
    match row.status {
        SurveyStatus::Open => match (row.opens_at, row.closes_at) {
            (Some(opens), _) if now < opens => Availability::NotYetOpen(opens),
            (_, Some(closes)) if now >= closes => Availability::Closed,
            _ => Availability::Open,
        },
        SurveyStatus::Closed => Availability::Closed,
        SurveyStatus::Draft => Availability::Draft,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Open,
    NotYetOpen(NaiveDateTime),
    Closed,
    Draft,
}

/// Whether the survey `id` accepts answers at `now`, read without its questions (404 when there
/// is no such survey).
pub fn stored_availability(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
) -> Result<Availability> {
    let row = find(conn, id)?.ok_or(Error::NotFound)?;
    Ok(availability(&row, now))
}

pub(super) fn insert(conn: &mut DbConn, row: &SurveyRow) -> Result<()> {
    diesel::insert_into(surveys::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub(super) fn update(conn: &mut DbConn, row: &SurveyRow) -> Result<()> {
    diesel::update(surveys::table.find(row.id.as_str()))
        .set(row.clone())
        .execute(conn)?;
    Ok(())
}

pub(super) fn find(conn: &mut DbConn, id: &str) -> Result<Option<SurveyRow>> {
    Ok(surveys::table
        .find(id)
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?)
}

pub(super) fn delete(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(surveys::table.find(id)).execute(conn)?;
    Ok(())
}

/// One page of surveys in creation order, after the cursor `(created_at, id)`; `owner` limits
/// the list to one owner's surveys.
/// The ids of open surveys, newest first: `owner`'s only, or everyone's.
pub(super) fn open_ids(conn: &mut DbConn, owner: Option<&str>, limit: i64) -> Result<Vec<String>> {
    let mut query = surveys::table
        .filter(surveys::status.eq(SurveyStatus::Open.as_str()))
        .select(surveys::id)
        .order((surveys::created_at.desc(), surveys::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(owner) = owner {
        query = query.filter(surveys::owner_id.eq(owner.to_string()));
    }
    Ok(query.load(conn)?)
}

/// Whether any survey exists: `owner`'s, or anyone's.
pub(super) fn any(conn: &mut DbConn, owner: Option<&str>) -> Result<bool> {
    let mut query = surveys::table.select(surveys::id).limit(1).into_boxed();
    if let Some(owner) = owner {
        query = query.filter(surveys::owner_id.eq(owner.to_string()));
    }
    Ok(!query.load::<String>(conn)?.is_empty())
}

pub(super) fn page(
    conn: &mut DbConn,
    owner: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<SurveyRow>> {
    let mut query = surveys::table
        .select(SurveyRow::as_select())
        .order((surveys::created_at.asc(), surveys::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(owner) = owner {
        query = query.filter(surveys::owner_id.eq(owner.to_string()));
    }
    if let Some((at, id)) = after {
        query = query.filter(crate::keyset_after!(
            surveys::created_at,
            surveys::id,
            at,
            id
        ));
    }
    Ok(query.load(conn)?)
}

/// The questions of a survey, in order.
pub fn questions_of(conn: &mut DbConn, survey_id: &str) -> Result<Vec<Question>> {
    let specs: Vec<String> = questions::table
        .filter(questions::survey_id.eq(survey_id))
        .order(questions::position.asc())
        .select(questions::spec)
        .load(conn)?;
    specs
        .iter()
        .map(|spec| serde_json::from_str(spec).map_err(Error::internal))
        .collect()
}

/// Replaces the questions of a survey with `list`, in that order.
pub(super) fn replace_questions(
    conn: &mut DbConn,
    survey_id: &str,
    list: &[Question],
) -> Result<()> {
    diesel::delete(questions::table.filter(questions::survey_id.eq(survey_id))).execute(conn)?;
    for (position, question) in list.iter().enumerate() {
        let spec = serde_json::to_string(question).map_err(Error::internal)?;
        diesel::insert_into(questions::table)
            .values((
                questions::survey_id.eq(survey_id),
                questions::id.eq(&question.id),
                questions::position.eq(position as i32),
                questions::spec.eq(spec),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_stored_as_their_text() {
        for status in [
            SurveyStatus::Draft,
            SurveyStatus::Open,
            SurveyStatus::Closed,
        ] {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(String::from(status), status.to_string());
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(serde_json::Value::from(status.as_str()))
            );
        }
        assert_eq!(
            "published".parse::<SurveyStatus>(),
            Err(UnknownStatus("published".into()))
        );
        assert_eq!(SurveyStatus::Open.as_str(), "open");
    }
}
