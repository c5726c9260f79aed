//! A survey's results as the API and the results page show them: the response count and
//! completion rate, then every question's figures (open questions with their terms).

use std::collections::HashMap;

use serde::Serialize;

use super::counting::{self, TERMS_SAMPLE};
use super::segment::Segment;
use super::summary::{self, QuestionResult, Summary};
use super::terms::{self, Term};
use crate::db::DbConn;
use crate::error::Result;
use crate::survey::model::Survey;

/// Terms listed per open question.
pub const TERMS_LISTED: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub responses: i64,
    pub invited: i64,
    pub completion_rate: f64,
    pub questions: Vec<QuestionResult>,
}

/// The results of `survey` for `segment`.
pub fn report(conn: &mut DbConn, survey: &Survey, segment: &Segment) -> Result<Report> {
    let counts = counting::counts(conn, survey, segment)?;
    let (invited, completed) = crate::invite::model::completion_of_survey(conn, survey.id())?;
    let mut questions = summary::summarize(survey.questions(), &counts);
    let open: Vec<String> = questions
        .iter()
        .filter(|q| q.answered > 0 && matches!(q.summary, Summary::Text { .. }))
        .map(|q| q.question_id.clone())
        .collect();
    let texts = counting::latest_texts(conn, survey, segment, &open)?;
    // The terms of each open question on their own thread: counting words is the slow part
    // of the results, and the questions share nothing.
    let language = survey.language();
    let terms: HashMap<&str, Vec<Term>> = std::thread::scope(|scope| {
        let running: Vec<_> = texts
            .iter()
            .map(|(id, (list, _))| {
                (
                    id.as_str(),
                    scope.spawn(move || {
                        let borrowed: Vec<&str> = list.iter().map(String::as_str).collect();
                        terms::top_terms(language, &borrowed, TERMS_LISTED)
                    }),
                )
            })
            .collect();
        running
            .into_iter()
            .map(|(id, thread)| (id, thread.join().unwrap_or_default()))
            .collect()
    });
    for result in &mut questions {
        if let Summary::Text {
            top_terms,
            terms_from,
            terms_sampled,
        } = &mut result.summary
            && let Some((list, more)) = texts.get(&result.question_id)
        {
            *top_terms = terms
                .get(result.question_id.as_str())
                .cloned()
                .unwrap_or_default();
            *terms_from = list.len();
            *terms_sampled = *more && list.len() == TERMS_SAMPLE;
        }
    }
    Ok(Report {
        responses: counts.responses,
        invited,
        completion_rate: if invited == 0 {
            0.0
        } else {
            completed as f64 / invited as f64
        },
        questions,
    })
}
