//! A survey's results as the API and the results page show them: the response count and
//! completion rate, then every question's figures (open questions with their terms).

use serde::Serialize;

use super::counting::{self, TERMS_SAMPLE};
use super::segment::Segment;
use super::summary::{self, QuestionResult, Summary};
use super::terms;
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
    for result in &mut questions {
        if let Summary::Text {
            top_terms,
            terms_from,
            terms_sampled,
        } = &mut result.summary
        {
            if result.answered == 0 {
                continue;
            }
            let (texts, more) = counting::latest_texts(conn, survey, segment, &result.question_id)?;
            let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
            *top_terms = terms::top_terms(survey.language(), &borrowed, TERMS_LISTED);
            *terms_from = texts.len();
            *terms_sampled = more && texts.len() == TERMS_SAMPLE;
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
