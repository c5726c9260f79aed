//! The check of an answer value against its question, and why an answer was refused.

use std::collections::HashSet;

use serde_json::Value;

use super::input::{MAX_OPTION, MAX_TEXT_ANSWER};
use super::{Kind, Question};
use crate::web::text::{self, Lines};

/// Why an answer was refused, as a key the respondent pages translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    Required,
    NotAChoice,
    TooLong,
    OutOfRange,
    TooManyChoices,
    RankEveryOption,
    Malformed,
    /// A control character, or a line break in a one-line answer.
    ControlCharacter,
}

impl AnswerProblem {
    /// The translation key of the message shown beside the question.
    pub fn key(self) -> &'static str {
        match self {
            AnswerProblem::Required => "error_required",
            AnswerProblem::NotAChoice => "error_not_a_choice",
            AnswerProblem::TooLong => "error_too_long",
            AnswerProblem::OutOfRange => "error_out_of_range",
            AnswerProblem::TooManyChoices => "error_too_many_choices",
            AnswerProblem::RankEveryOption => "error_rank_every_option",
            AnswerProblem::Malformed => "error_malformed",
            AnswerProblem::ControlCharacter => "error_control_character",
        }
    }
}

/// Whether an answer value says nothing (null, blank text, an empty list, a grid without a
/// cell). A grid cell of null is an answer — "don't know" — so a grid answered entirely "don't
/// know" is stored and counted, told apart from a skipped question.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o
            .values()
            .all(|row| row.is_null() || row.as_object().is_some_and(|m| m.is_empty())),
        _ => false,
    }
}

/// Refuses what no answer may hold (see [`crate::web::text`]).
fn clean(text: &str, lines: Lines) -> std::result::Result<(), AnswerProblem> {
    match text::forbidden(text, lines) {
        Some(_) => Err(AnswerProblem::ControlCharacter),
        None => Ok(()),
    }
}

fn in_scale(value: &Value, min: i64, max: i64) -> std::result::Result<(), AnswerProblem> {
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        Some(_) => Err(AnswerProblem::OutOfRange),
        None => Err(AnswerProblem::Malformed),
    }
}

impl Question {
    /// Checks an answer value (None or blank = not answered). Returns the cleaned value to
    /// store, or None when unanswered and optional.
    pub fn check_answer(
        &self,
        value: Option<&Value>,
    ) -> std::result::Result<Option<Value>, AnswerProblem> {
        let value = match value {
            Some(v) if !is_blank(v) => v,
            _ if self.required => return Err(AnswerProblem::Required),
            _ => return Ok(None),
        };
        match &self.kind {
            Kind::Text { max_length } | Kind::LongText { max_length } => {
                let text = value.as_str().ok_or(AnswerProblem::Malformed)?.trim();
                let lines = match self.kind {
                    Kind::LongText { .. } => Lines::Many,
                    _ => Lines::One,
                };
                clean(text, lines)?;
                let limit = max_length.unwrap_or(MAX_TEXT_ANSWER) as usize;
                if text.chars().count() > limit {
                    return Err(AnswerProblem::TooLong);
                }
                Ok(Some(Value::String(text.to_string())))
            }
            Kind::SingleChoice { options, other } => {
                let choice = value.as_str().ok_or(AnswerProblem::Malformed)?.trim();
                clean(choice, Lines::One)?;
                if options.iter().any(|o| o == choice)
                    || (*other && choice.chars().count() <= MAX_OPTION)
                {
                    Ok(Some(Value::String(choice.to_string())))
                } else if *other {
                    Err(AnswerProblem::TooLong)
                } else {
                    Err(AnswerProblem::NotAChoice)
                }
            }
            Kind::MultiChoice {
                options,
                max_choices,
            } => {
                let chosen = value.as_array().ok_or(AnswerProblem::Malformed)?;
                let mut seen = HashSet::new();
                for choice in chosen {
                    let choice = choice.as_str().ok_or(AnswerProblem::Malformed)?;
                    if !options.iter().any(|o| o == choice) {
                        return Err(AnswerProblem::NotAChoice);
                    }
                    if !seen.insert(choice) {
                        return Err(AnswerProblem::Malformed);
                    }
                }
                if max_choices.is_some_and(|max| chosen.len() > max as usize) {
                    return Err(AnswerProblem::TooManyChoices);
                }
                Ok(Some(value.clone()))
            }
            Kind::Rating { scale } => {
                in_scale(value, scale.min, scale.max).map(|()| Some(value.clone()))
            }
            Kind::Nps => in_scale(value, 0, 10).map(|()| Some(value.clone())),
            Kind::Ranking { options } => {
                let ranked = value.as_array().ok_or(AnswerProblem::Malformed)?;
                let ranked: Vec<&str> = ranked
                    .iter()
                    .map(|v| v.as_str().ok_or(AnswerProblem::Malformed))
                    .collect::<std::result::Result<_, _>>()?;
                let unique: HashSet<&str> = ranked.iter().copied().collect();
                if ranked.len() != options.len()
                    || unique.len() != options.len()
                    || !options.iter().all(|o| unique.contains(o.as_str()))
                {
                    return Err(AnswerProblem::RankEveryOption);
                }
                Ok(Some(value.clone()))
            }
            Kind::Competitor {
                brands,
                attributes,
                scale,
            } => {
                let grid = value.as_object().ok_or(AnswerProblem::Malformed)?;
                let mut cleaned = serde_json::Map::new();
                for (brand, row) in grid {
                    if !brands.contains(brand) {
                        return Err(AnswerProblem::NotAChoice);
                    }
                    let row = row.as_object().ok_or(AnswerProblem::Malformed)?;
                    let mut out = serde_json::Map::new();
                    for (attribute, score) in row {
                        if !attributes.contains(attribute) {
                            return Err(AnswerProblem::NotAChoice);
                        }
                        if !score.is_null() {
                            in_scale(score, scale.min, scale.max)?;
                        }
                        out.insert(attribute.clone(), score.clone());
                    }
                    cleaned.insert(brand.clone(), Value::Object(out));
                }
                Ok(Some(Value::Object(cleaned)))
            }
        }
    }
}
