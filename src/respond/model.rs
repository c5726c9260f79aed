//! Responses, their answers, invitations (as respondents use them) and saved drafts, as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{answers, response_drafts, responses};
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
    /// The response in short (see the figures module); empty until counted for old responses.
    pub figures: Option<String>,
}

pub fn insert_response(conn: &mut DbConn, row: &ResponseRow) -> Result<()> {
    diesel::insert_into(responses::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

#[cfg(feature = "postgres")]
/// Answers one multi-row insert takes: three parameters each, well under PostgreSQL's 65,535.
const ANSWERS_PER_INSERT: usize = 1000;

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
    #[cfg(feature = "postgres")]
    if let Some(pg) = conn.as_postgres() {
        // One round trip per response rather than per answer: on a server across a socket the
        // trips, not the rows, are the cost. Chunks stay far inside the parameter limit.
        for chunk in rows.chunks(ANSWERS_PER_INSERT) {
            diesel::insert_into(answers::table)
                .values(chunk.to_vec())
                .execute(pg)?;
        }
        return Ok(());
    }
    // In-process SQLite keeps each one-row statement prepared; a many-row statement would be
    // prepared again for every response.
    for row in rows {
        diesel::insert_into(answers::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The stored responses among these submission keys: (key, response id, payload digest,
/// survey id).
pub fn find_by_submission_keys(
    conn: &mut DbConn,
    keys: &[&str],
) -> Result<Vec<(String, String, String, String)>> {
    Ok(responses::table
        .filter(responses::submission_key.eq_any(keys))
        .select((
            responses::submission_key,
            responses::id,
            responses::payload_digest,
            responses::survey_id,
        ))
        .load(conn)?)
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
        query = query.filter(crate::keyset_after!(
            responses::submitted_at,
            responses::id,
            at,
            id
        ));
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

/// A survey's responses submitted at or after `since`.
pub fn count_responses_since(
    conn: &mut DbConn,
    survey_id: &str,
    since: NaiveDateTime,
) -> Result<i64> {
    Ok(responses::table
        .filter(responses::survey_id.eq(survey_id))
        .filter(responses::submitted_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// A saved draft: the answers as JSON, and the page (0-based) the respondent was on.
pub fn find_draft(conn: &mut DbConn, invitation_id: &str) -> Result<Option<(String, i32)>> {
    Ok(response_drafts::table
        .find(invitation_id)
        .select((response_drafts::answers, response_drafts::page))
        .first(conn)
        .optional()?)
}

/// Saves a draft with the page it resumes at (find-then-write: upserts do not compile through
/// the multi-backend connection).
pub fn save_draft(
    conn: &mut DbConn,
    invitation_id: &str,
    answers_json: &str,
    page: i32,
    at: NaiveDateTime,
) -> Result<()> {
    let updated = diesel::update(response_drafts::table.find(invitation_id))
        .set((
            response_drafts::answers.eq(answers_json),
            response_drafts::page.eq(page),
            response_drafts::updated_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(response_drafts::table)
            .values((
                response_drafts::invitation_id.eq(invitation_id),
                response_drafts::answers.eq(answers_json),
                response_drafts::page.eq(page),
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

/// A response of the person with its answers (question id → stored JSON text).
#[derive(Debug)]
pub struct ResponseOfContact {
    pub id: String,
    pub survey_id: String,
    pub channel: String,
    pub submitted_at: NaiveDateTime,
    pub answers: Vec<(String, String)>,
}

/// A contact's responses with their answers, oldest first, for the subject-access export.
pub fn of_contact(conn: &mut DbConn, contact_id: &str) -> Result<Vec<ResponseOfContact>> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = responses::table
        .filter(responses::contact_id.eq(contact_id))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .select((
            responses::id,
            responses::survey_id,
            responses::channel,
            responses::submitted_at,
        ))
        .load(conn)?;
    let mut of_contact = Vec::with_capacity(rows.len());
    for (id, survey_id, channel, submitted_at) in rows {
        let answers = answers::table
            .filter(answers::response_id.eq(&id))
            .order(answers::question_id.asc())
            .select((answers::question_id, answers::value))
            .load(conn)?;
        of_contact.push(ResponseOfContact {
            id,
            survey_id,
            channel,
            submitted_at,
            answers,
        });
    }
    Ok(of_contact)
}

/// Answers saved behind these invitations but not yet submitted: (invitation id, answers as
/// JSON text, saved at), oldest first.
pub fn drafts_of(
    conn: &mut DbConn,
    invitation_ids: &[String],
) -> Result<Vec<(String, String, NaiveDateTime)>> {
    Ok(response_drafts::table
        .filter(response_drafts::invitation_id.eq_any(invitation_ids))
        .order(response_drafts::updated_at.asc())
        .select((
            response_drafts::invitation_id,
            response_drafts::answers,
            response_drafts::updated_at,
        ))
        .load(conn)?)
}

/// This room's part of an erasure: the person's responses keep their answers but lose every
/// link to the person, and their drafts go (a draft is a half-typed answer behind the person's
/// own link, not an anonymous answer).
pub fn forget_contact(
    conn: &mut DbConn,
    contact_id: &str,
    invitation_ids: &[String],
) -> Result<()> {
    diesel::update(
        responses::table.filter(
            responses::contact_id
                .eq(contact_id)
                .or(responses::invitation_id.eq_any(invitation_ids)),
        ),
    )
    .set((
        responses::contact_id.eq(None::<String>),
        responses::invitation_id.eq(None::<String>),
    ))
    .execute(conn)?;
    diesel::delete(
        response_drafts::table.filter(response_drafts::invitation_id.eq_any(invitation_ids)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn parse_json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(Error::internal)
}

/// Writes a response's figures line again (after a recount from its answers).
pub fn set_figures(conn: &mut DbConn, id: &str, line: &str) -> Result<()> {
    diesel::update(responses::table.find(id))
        .set(responses::figures.eq(line))
        .execute(conn)?;
    Ok(())
}

/// Which responses of a survey a reader wants: a time window and a channel (contact attributes
/// are matched by the reader, against the contacts it finds).
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub channel: Option<String>,
}

impl Window {
    /// The window for the page that follows a cursor at `at`, read oldest first (or newest
    /// first): without the window's edge that the cursor has passed, which the cursor's own
    /// bound makes redundant. With both bounds in one query SQLite cannot tell, from bound
    /// parameters, which is tighter, and may seek to the window's edge and read from there on
    /// every page.
    fn past(&self, at: Option<NaiveDateTime>, newest_first: bool) -> Window {
        let mut window = self.clone();
        if let Some(at) = at {
            if newest_first && window.to.is_some_and(|to| at <= to) {
                window.to = None;
            }
            if !newest_first && window.from.is_some_and(|from| at >= from) {
                window.from = None;
            }
        }
        window
    }
}

/// Narrows a boxed query of responses to a window (a macro: the two readers below select
/// different columns, so their boxed query types differ).
macro_rules! within {
    ($query:expr, $window:expr) => {{
        let mut query = $query;
        let window: &Window = &$window;
        if let Some(from) = window.from {
            query = query.filter(responses::submitted_at.ge(from));
        }
        if let Some(to) = window.to {
            query = query.filter(responses::submitted_at.le(to));
        }
        if let Some(channel) = &window.channel {
            query = query.filter(responses::channel.eq(channel.clone()));
        }
        query
    }};
}

/// A response as segment figures are counted from it.
#[derive(Debug, Clone, Queryable)]
pub struct FiguresRow {
    pub id: String,
    pub submitted_at: NaiveDateTime,
    pub contact_id: Option<String>,
    pub figures: Option<String>,
    /// The response's score, for scored questionnaires (JSON, see `survey::score`).
    pub score: Option<String>,
}

/// One page of a survey's responses in a window, oldest first, after the cursor, as figures.
pub fn figures_page(
    conn: &mut DbConn,
    survey_id: &str,
    window: &Window,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<FiguresRow>> {
    let mut query = responses::table
        .filter(responses::survey_id.eq(survey_id.to_string()))
        .select((
            responses::id,
            responses::submitted_at,
            responses::contact_id,
            responses::figures,
            responses::score,
        ))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .limit(limit)
        .into_boxed();
    query = within!(query, window.past(after.as_ref().map(|(at, _)| *at), false));
    if let Some((at, id)) = after {
        query = query.filter(crate::keyset_after!(
            responses::submitted_at,
            responses::id,
            at,
            id
        ));
    }
    Ok(query.load(conn)?)
}

/// One page of a survey's responses in a window, in either order, before or after the cursor.
pub fn window_page(
    conn: &mut DbConn,
    survey_id: &str,
    window: &Window,
    cursor: Option<(NaiveDateTime, String)>,
    newest_first: bool,
    limit: i64,
) -> Result<Vec<ResponseRow>> {
    let mut query = responses::table
        .filter(responses::survey_id.eq(survey_id.to_string()))
        .select(ResponseRow::as_select())
        .limit(limit)
        .into_boxed();
    query = if newest_first {
        query.order((responses::submitted_at.desc(), responses::id.desc()))
    } else {
        query.order((responses::submitted_at.asc(), responses::id.asc()))
    };
    query = within!(
        query,
        window.past(cursor.as_ref().map(|(at, _)| *at), newest_first)
    );
    if let Some((at, id)) = cursor {
        query = if newest_first {
            query.filter(crate::keyset_before!(
                responses::submitted_at,
                responses::id,
                at,
                id
            ))
        } else {
            query.filter(crate::keyset_after!(
                responses::submitted_at,
                responses::id,
                at,
                id
            ))
        };
    }
    Ok(query.load(conn)?)
}

/// The answers of several responses to some of the questions, as (response id, question id,
/// JSON value).
pub fn answers_to_questions(
    conn: &mut DbConn,
    response_ids: &[String],
    question_ids: &[String],
) -> Result<Vec<(String, String, String)>> {
    Ok(answers::table
        .filter(answers::response_id.eq_any(response_ids))
        .filter(answers::question_id.eq_any(question_ids))
        .select((answers::response_id, answers::question_id, answers::value))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::Window;

    #[test]
    fn a_page_after_a_cursor_keeps_only_the_edges_not_yet_passed() {
        let at = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap()
        };
        let window = Window {
            from: Some(at(8)),
            to: Some(at(18)),
            channel: Some("link".into()),
        };
        let oldest_first = window.past(Some(at(9)), false);
        assert_eq!((oldest_first.from, oldest_first.to), (None, Some(at(18))));
        let newest_first = window.past(Some(at(17)), true);
        assert_eq!((newest_first.from, newest_first.to), (Some(at(8)), None));
        let first_page = window.past(None, false);
        assert_eq!(
            (first_page.from, first_page.to),
            (Some(at(8)), Some(at(18)))
        );
        // A cursor outside the window (a hand-made link) leaves the window as it is.
        let before = window.past(Some(at(7)), false);
        assert_eq!(before.from, Some(at(8)));
        assert_eq!(oldest_first.channel.as_deref(), Some("link"));
    }
}
