//! Responses, their answers, invitations (as respondents use them) and saved drafts, as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{answers, invitations, response_drafts, responses};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct ResponseRow {
    pub id: String,
    pub survey_id: String,
    pub invitation_id: Option<String>,
    pub contact_id: Option<String>,
    pub submission_key: String,
    pub payload_digest: String,
    pub channel: String,
    pub submitted_at: NaiveDateTime,
    pub score: Option<String>,
}

pub fn insert_response(conn: &mut DbConn, row: &ResponseRow) -> Result<()> {
    diesel::insert_into(responses::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_answers(
    conn: &mut DbConn,
    response_id: &str,
    values: &[(String, String)],
) -> Result<()> {
    let rows: Vec<_> = values
        .iter()
        .map(|(question_id, value)| {
            (
                answers::response_id.eq(response_id),
                answers::question_id.eq(question_id),
                answers::value.eq(value),
            )
        })
        .collect();
    // One statement per answer keeps the SQL within both backends' parameter limits.
    for row in rows {
        diesel::insert_into(answers::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_by_submission_key(conn: &mut DbConn, key: &str) -> Result<Option<ResponseRow>> {
    Ok(responses::table
        .filter(responses::submission_key.eq(key))
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_response(conn: &mut DbConn, id: &str) -> Result<Option<ResponseRow>> {
    Ok(responses::table
        .find(id)
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn response_of_invitation(
    conn: &mut DbConn,
    invitation_id: &str,
) -> Result<Option<ResponseRow>> {
    Ok(responses::table
        .filter(responses::invitation_id.eq(invitation_id))
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?)
}

/// One page of a survey's responses in submission order, after the cursor.
pub fn page(
    conn: &mut DbConn,
    survey_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<ResponseRow>> {
    let mut query = responses::table
        .filter(responses::survey_id.eq(survey_id.to_string()))
        .select(ResponseRow::as_select())
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            responses::submitted_at
                .gt(at)
                .or(responses::submitted_at.eq(at).and(responses::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// The latest `limit` responses of a survey, newest first.
pub fn latest(conn: &mut DbConn, survey_id: &str, limit: i64) -> Result<Vec<ResponseRow>> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .select(ResponseRow::as_select())
        .order((responses::submitted_at.desc(), responses::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// The answers of several responses, as (response id, question id, JSON value).
pub fn answers_of(
    conn: &mut DbConn,
    response_ids: &[String],
) -> Result<Vec<(String, String, String)>> {
    Ok(answers::table
        .filter(answers::response_id.eq_any(response_ids))
        .select((answers::response_id, answers::question_id, answers::value))
        .load(conn)?)
}

pub fn count_responses(conn: &mut DbConn, survey_id: &str) -> Result<i64> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .count()
        .get_result(conn)?)
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

pub fn insert_invitation(conn: &mut DbConn, row: &InvitationRow) -> Result<()> {
    diesel::insert_into(invitations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_invitation_by_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the invitation answered; false when it already was (the caller then stores nothing).
pub fn complete_invitation(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<bool> {
    let updated = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::completed_at.is_null()),
    )
    .set((
        invitations::completed_at.eq(at),
        invitations::status.eq("completed"),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records that the respondent opened or started the survey; `opened_at` keeps the first time.
pub fn mark_invitation(conn: &mut DbConn, id: &str, status: &str, at: NaiveDateTime) -> Result<()> {
    let open = invitations::table
        .filter(invitations::id.eq(id))
        .filter(invitations::completed_at.is_null());
    diesel::update(open)
        .set(invitations::status.eq(status))
        .execute(conn)?;
    diesel::update(open.filter(invitations::opened_at.is_null()))
        .set(invitations::opened_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn find_draft(conn: &mut DbConn, invitation_id: &str) -> Result<Option<String>> {
    Ok(response_drafts::table
        .find(invitation_id)
        .select(response_drafts::answers)
        .first(conn)
        .optional()?)
}

/// Saves a draft (find-then-write: upserts do not compile through the multi-backend connection).
pub fn save_draft(
    conn: &mut DbConn,
    invitation_id: &str,
    answers_json: &str,
    at: NaiveDateTime,
) -> Result<()> {
    let updated = diesel::update(response_drafts::table.find(invitation_id))
        .set((
            response_drafts::answers.eq(answers_json),
            response_drafts::updated_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(response_drafts::table)
            .values((
                response_drafts::invitation_id.eq(invitation_id),
                response_drafts::answers.eq(answers_json),
                response_drafts::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_draft(conn: &mut DbConn, invitation_id: &str) -> Result<()> {
    diesel::delete(response_drafts::table.find(invitation_id)).execute(conn)?;
    Ok(())
}

pub fn parse_json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(Error::internal)
}
