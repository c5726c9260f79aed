//! Counting a survey's figures: the kept ones for everyone, or a segment's from each matching
//! response's figures line; and the latest open answers a segment gave, for their terms.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::segment::Segment;
use crate::contact::model as contacts;
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::respond::model::{self as responses, Window};
use crate::respond::tally::{self, Counts};
use crate::survey::model::Survey;

/// Responses read per step of a segment's count.
const PAGE: i64 = 5000;
/// Responses read per step when gathering open answers.
const TEXT_PAGE: i64 = 1000;
/// Open answers the terms of one question are counted from at most: the latest ones.
pub const TERMS_SAMPLE: usize = 20_000;

/// The figures of everyone who answered `survey` or of a segment.
pub fn counts(conn: &mut DbConn, survey: &Survey, segment: &Segment) -> Result<Counts> {
    let everyone = kept(conn, survey)?;
    if segment.is_everyone() {
        return Ok(everyone);
    }
    let questions = survey.questions();
    let mut counts = Counts::default();
    for_each_response(conn, survey, segment, |row| {
        counts.add_line(questions, row.figures.as_deref().unwrap_or_default());
    })?;
    Ok(counts)
}

/// Calls `each` with every response of `survey` in `segment`, oldest first, read a page at a
/// time so a large survey is never held at once.
pub fn for_each_response(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    mut each: impl FnMut(&responses::FiguresRow),
) -> Result<()> {
    let contacts = matching_contacts(conn, survey, segment)?;
    let window = window(segment);
    let mut after: Option<(NaiveDateTime, String)> = None;
    loop {
        let rows = responses::figures_page(conn, survey.id(), &window, after.take(), PAGE)?;
        let Some(last) = rows.last() else { break };
        after = Some((last.submitted_at, last.id.clone()));
        rows.iter()
            .filter(|row| admitted(&contacts, row.contact_id.as_deref()))
            .for_each(&mut each);
        if rows.len() < PAGE as usize {
            break;
        }
    }
    Ok(())
}

/// The kept figures, counted again first when they are stale (responses stored before figures
/// were kept).
fn kept(conn: &mut DbConn, survey: &Survey) -> Result<Counts> {
    if let Some(counts) = tally::kept(conn, survey.id(), survey.questions())? {
        return Ok(counts);
    }
    db::write(conn, |conn| {
        tally::recount(conn, survey.id(), survey.questions())
    })
}

/// Counts the kept figures of `survey_id` (or of every survey with responses) again, each in
/// its own write transaction; returns each survey's id and response count.
pub fn rebuild(conn: &mut DbConn, survey_id: Option<&str>) -> Result<Vec<(String, i64)>> {
    let ids = match survey_id {
        Some(id) => vec![id.to_string()],
        None => tally::counted_surveys(conn)?,
    };
    let mut done = Vec::new();
    for id in ids {
        let survey = crate::survey::editing::load(conn, &id)?.ok_or_else(|| {
            crate::error::Error::invalid("survey", format!("there is no survey {id}"))
        })?;
        let counts = db::write(conn, |conn| {
            tally::recount(conn, survey.id(), survey.questions())
        })?;
        done.push((id, counts.responses));
    }
    Ok(done)
}

/// The contacts a segment's attributes admit; `None` when it names none (or the survey is
/// anonymous, where responses keep no contact and attributes cannot narrow anything).
pub fn matching_contacts(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
) -> Result<Option<HashSet<String>>> {
    if segment.contact.is_empty() || survey.anonymous() {
        return Ok(None);
    }
    contacts::ids_with_attributes(conn, &segment.contact).map(Some)
}

pub fn admitted(contacts: &Option<HashSet<String>>, contact_id: Option<&str>) -> bool {
    match contacts {
        None => true,
        Some(ids) => contact_id.is_some_and(|id| ids.contains(id)),
    }
}

pub fn window(segment: &Segment) -> Window {
    Window {
        from: segment.from,
        to: segment.to,
        channel: segment.channel.clone(),
    }
}

/// The latest answers (newest first, at most [`TERMS_SAMPLE`] each) to the open questions
/// `question_ids` in a segment, and whether there were more. The responses are read newest first
/// a page at a time with their answers to all of `question_ids` at once, which keeps a
/// response's answers (stored together) to one read rather than one per question.
pub fn latest_texts(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    question_ids: &[String],
) -> Result<HashMap<String, (Vec<String>, bool)>> {
    let contacts = matching_contacts(conn, survey, segment)?;
    let window = window(segment);
    let mut texts: HashMap<String, (Vec<String>, bool)> = question_ids
        .iter()
        .map(|id| (id.clone(), (Vec::new(), false)))
        .collect();
    let mut cursor = None;
    loop {
        let rows =
            responses::window_page(conn, survey.id(), &window, cursor.take(), true, TEXT_PAGE)?;
        let Some(last) = rows.last() else {
            return Ok(texts);
        };
        cursor = Some((last.submitted_at, last.id.clone()));
        let ids: Vec<String> = rows
            .iter()
            .filter(|r| admitted(&contacts, r.contact_id.as_deref()))
            .map(|r| r.id.clone())
            .collect();
        let order: foldhash::HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        // Newest first, as the responses came.
        let mut found: Vec<(usize, String, String)> =
            responses::answers_to_questions(conn, &ids, question_ids)?
                .into_iter()
                .map(|(id, question_id, value)| {
                    let at = order.get(id.as_str()).copied().unwrap_or(usize::MAX);
                    (at, question_id, value)
                })
                .collect();
        found.sort_unstable_by_key(|(at, _, _)| *at);
        for (_, question_id, value) in found {
            let Some((list, more)) = texts.get_mut(&question_id) else {
                continue;
            };
            if list.len() == TERMS_SAMPLE {
                *more = true;
                continue;
            }
            if let Ok(serde_json::Value::String(text)) = serde_json::from_str(&value) {
                list.push(text);
            }
        }
        if texts.values().all(|(list, _)| list.len() == TERMS_SAMPLE)
            || rows.len() < TEXT_PAGE as usize
        {
            return Ok(texts);
        }
    }
}
