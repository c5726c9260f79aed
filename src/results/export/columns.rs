//! The columns of an export and each response's cells: `response_id`, `submitted_at`,
//! `channel`, `email` (not on anonymous surveys), `score_total` and `score_band` (scored
//! surveys), then the questions in order, a question that spans several columns getting one
//! per part headed `<prompt> [<part>]`.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::survey::question::{Kind, Question};
use crate::survey::score::{self, Score};

/// One cell's value, typed so that XLSX keeps numbers as numbers and times as dates.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Time(NaiveDateTime),
}

/// Where a column's value comes from.
#[derive(Debug, Clone)]
enum Source {
    ResponseId,
    SubmittedAt,
    Channel,
    Email,
    ScoreTotal,
    ScoreBand,
    /// The whole answer of question `q` (text, a choice, a number).
    Answer(usize),
    /// 1 when option `o` of multiple-choice question `q` was chosen.
    Chosen(usize, String),
    /// The rank given to an option of ranking question `q`.
    Rank(usize, String),
    /// A competitor score: question, brand, attribute.
    Score(usize, String, String),
}

/// A column: its header and, for the codebook, the question it belongs to.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub question: Option<usize>,
    source: Source,
}

/// The columns of a survey's export.
#[derive(Debug, Clone)]
pub struct Columns {
    pub columns: Vec<Column>,
}

impl Columns {
    pub fn of(questions: &[Question], anonymous: bool) -> Columns {
        let fixed = |header: &str, source| Column {
            header: header.to_string(),
            question: None,
            source,
        };
        let mut columns = vec![
            fixed("response_id", Source::ResponseId),
            fixed("submitted_at", Source::SubmittedAt),
            fixed("channel", Source::Channel),
        ];
        if !anonymous {
            columns.push(fixed("email", Source::Email));
        }
        if score::is_scored(questions) {
            columns.push(fixed("score_total", Source::ScoreTotal));
            columns.push(fixed("score_band", Source::ScoreBand));
        }
        for (q, question) in questions.iter().enumerate() {
            let part = |name: &str, source| Column {
                header: format!("{} [{name}]", question.prompt),
                question: Some(q),
                source,
            };
            match &question.kind {
                Kind::MultiChoice { options, .. } => {
                    for option in options {
                        columns.push(part(option, Source::Chosen(q, option.clone())));
                    }
                }
                Kind::Ranking { options } => {
                    for option in options {
                        columns.push(part(option, Source::Rank(q, option.clone())));
                    }
                }
                Kind::Competitor {
                    brands, attributes, ..
                } => {
                    for brand in brands {
                        for attribute in attributes {
                            columns.push(part(
                                &format!("{brand} / {attribute}"),
                                Source::Score(q, brand.clone(), attribute.clone()),
                            ));
                        }
                    }
                }
                _ => columns.push(Column {
                    header: question.prompt.clone(),
                    question: Some(q),
                    source: Source::Answer(q),
                }),
            }
        }
        Columns { columns }
    }

    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.header.as_str())
    }

    /// One response's cells, column by column.
    pub fn cells(&self, questions: &[Question], response: &ExportRow<'_>) -> Vec<Cell> {
        let score: Option<Score> = response.score.and_then(|s| serde_json::from_str(s).ok());
        let answer = |q: usize| response.answers.get(&questions[q].id);
        self.columns
            .iter()
            .map(|column| match &column.source {
                Source::ResponseId => Cell::Text(response.id.to_string()),
                Source::SubmittedAt => Cell::Time(response.submitted_at),
                Source::Channel => {
                    Cell::Text(crate::results::segment::channel_name(response.channel).to_string())
                }
                Source::Email => response
                    .email
                    .map_or(Cell::Empty, |e| Cell::Text(e.to_string())),
                Source::ScoreTotal => score
                    .as_ref()
                    .map_or(Cell::Empty, |s| Cell::Number(s.total)),
                Source::ScoreBand => score
                    .as_ref()
                    .map_or(Cell::Empty, |s| Cell::Text(s.band.code().to_string())),
                Source::Answer(q) => match answer(*q) {
                    Some(Value::String(text)) => Cell::Text(text.clone()),
                    Some(Value::Number(n)) => n.as_f64().map_or(Cell::Empty, Cell::Number),
                    Some(Value::Null) | None => Cell::Empty,
                    Some(other) => Cell::Text(other.to_string()),
                },
                Source::Chosen(q, option) => {
                    let chosen = answer(*q)
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().any(|v| v == option.as_str()));
                    if chosen {
                        Cell::Number(1.0)
                    } else {
                        Cell::Empty
                    }
                }
                Source::Rank(q, option) => answer(*q)
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().position(|v| v == option.as_str()))
                    .map_or(Cell::Empty, |i| Cell::Number(i as f64 + 1.0)),
                Source::Score(q, brand, attribute) => answer(*q)
                    .and_then(|v| v.get(brand))
                    .and_then(|v| v.get(attribute))
                    .and_then(Value::as_f64)
                    .map_or(Cell::Empty, Cell::Number),
            })
            .collect()
    }
}

/// A response as an export needs it.
pub struct ExportRow<'a> {
    pub id: &'a str,
    pub submitted_at: NaiveDateTime,
    pub channel: &'a str,
    pub email: Option<&'a str>,
    /// The contact, except on anonymous surveys.
    pub contact_id: Option<&'a str>,
    pub score: Option<&'a str>,
    pub answers: &'a Map<String, Value>,
}

/// The codebook's description of a question's values: its options or its scale.
pub fn values_of(question: &Question) -> String {
    match &question.kind {
        Kind::Text { .. } | Kind::LongText { .. } => "text".to_string(),
        Kind::SingleChoice { options, other } => {
            let mut text = options.join(" | ");
            if *other {
                text.push_str(" | (other: the respondent's words)");
            }
            text
        }
        Kind::MultiChoice { options, .. } => format!("1 when chosen: {}", options.join(" | ")),
        Kind::Ranking { options } => format!("rank, 1 = best: {}", options.join(" | ")),
        Kind::Rating { scale } => format!("{} to {}", scale.min, scale.max),
        Kind::Nps => "0 to 10".to_string(),
        Kind::Competitor { scale, .. } => {
            format!("{} to {}; empty = don't know", scale.min, scale.max)
        }
    }
}
