//! Checking a set of answers against a survey's questions, and turning checked answers into a
//! submission for the writer (with its score and the digest that recognises a replay).

use serde_json::{Map, Value};

use super::writer::Submission;
use super::{figures, tally};
use crate::error::{Error, Result};
use crate::survey::model::Survey;
use crate::survey::question::AnswerProblem;
use crate::survey::score;

/// Answers that passed, and the questions whose answer did not (with why).
#[derive(Debug, Default)]
pub struct Checked {
    pub answers: Map<String, Value>,
    pub problems: Vec<(String, AnswerProblem)>,
}

/// Checks every question's answer; answers to questions the survey does not have are ignored
/// by the page (they cannot come from its form) and refused by the API (see [`unknown`]).
pub fn check(survey: &Survey, given: &Map<String, Value>) -> Checked {
    let mut checked = Checked::default();
    for question in survey.questions() {
        match question.check_answer(given.get(&question.id)) {
            Ok(Some(value)) => {
                checked.answers.insert(question.id.clone(), value);
            }
            Ok(None) => {}
            Err(problem) => checked.problems.push((question.id.clone(), problem)),
        }
    }
    checked
}

/// The first answer key that is not a question of the survey.
pub fn unknown<'a>(survey: &Survey, given: &'a Map<String, Value>) -> Option<&'a str> {
    given
        .keys()
        .find(|id| !survey.questions().iter().any(|q| &q.id == *id))
        .map(String::as_str)
}

/// Where the submission came from, and under which key a replay is recognised.
pub struct Origin<'a> {
    pub channel: &'static str,
    pub submission_key: String,
    pub invitation_id: Option<&'a str>,
    pub contact_id: Option<&'a str>,
}

/// A submission of answers that passed [`check`].
pub fn submission(
    survey: &Survey,
    answers: &Map<String, Value>,
    origin: Origin<'_>,
) -> Result<Submission> {
    let score = score::score(survey.questions(), answers)
        .map(|s| serde_json::to_string(&s))
        .transpose()
        .map_err(Error::internal)?;
    let payload = serde_json::to_string(answers).map_err(Error::internal)?;
    let stored = answers
        .iter()
        .map(|(id, value)| {
            Ok((
                id.clone(),
                serde_json::to_string(value).map_err(Error::internal)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let figures = figures::line(survey.questions(), answers);
    let facts = tally::stored_facts(survey.questions(), &figures);
    Ok(Submission {
        survey_id: survey.id().to_string(),
        invitation_id: origin.invitation_id.map(str::to_string),
        contact_id: origin.contact_id.map(str::to_string),
        anonymous: survey.anonymous(),
        submission_key: origin.submission_key,
        payload_digest: crate::ids::digest(&payload),
        channel: origin.channel,
        answers: stored,
        score,
        figures,
        facts,
        reward: crate::incentive::Plan::of(survey),
    })
}
