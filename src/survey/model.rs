//! Surveys and their questions as stored. Questions are JSON in a Text column, typed by serde,
//! kept in order by `position`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::question::Question;
use crate::db::DbConn;
use crate::db::schema::{questions, surveys};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = surveys, treat_none_as_null = true)]
pub struct SurveyRow {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub intro: String,
    pub thank_you: String,
    pub language: String,
    pub status: String,
    pub anonymous: bool,
    pub invitation_only: bool,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub incentive: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Reminders sent at most to an invitee who has not answered.
    pub max_reminders: i32,
}

pub fn insert(conn: &mut DbConn, row: &SurveyRow) -> Result<()> {
    diesel::insert_into(surveys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &SurveyRow) -> Result<()> {
    diesel::update(surveys::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<SurveyRow>> {
    Ok(surveys::table
        .find(id)
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(surveys::table.find(id)).execute(conn)?;
    Ok(())
}

/// One page of surveys in creation order, after the cursor `(created_at, id)`; `owner` limits
/// the list to one owner's surveys.
pub fn page(
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
        query = query.filter(
            surveys::created_at
                .gt(at)
                .or(surveys::created_at.eq(at).and(surveys::id.gt(id))),
        );
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
pub fn replace_questions(conn: &mut DbConn, survey_id: &str, list: &[Question]) -> Result<()> {
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
