//! The answer form as posted: a CSRF-checked urlencoded body read into answer values, one per
//! question. Field names: `q.<id>` (text, choice, scale; repeated for several choices),
//! `q.<id>.other` (the "other" text), `q.<id>.<option>` (a ranking place) and
//! `q.<id>.<brand>.<attribute>` (a competitor cell; `dk` = don't know). The first of duplicated
//! single-value fields wins, the same rule everywhere. A paged survey adds `page` (1-based), and
//! carries the answers of its other pages in hidden fields of these same names.

use std::collections::HashMap;

use rocket::data::{Data, FromData, Outcome};
use rocket::form::Form;
use rocket::http::RawStr;
use rocket::request::Request;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::survey::question::{Kind, Question};

/// The value of the "other" choice of a single-choice question.
pub const OTHER: &str = "__other__";
/// The value of a "don't know" competitor cell.
pub const DONT_KNOW: &str = "dk";

/// A posted answer form. When its origin or CSRF token was refused, `refused` says so and the
/// fields are kept only to show the form again: nothing of a refused form is stored.
pub struct AnswerForm {
    fields: HashMap<String, Vec<String>>,
    pub refused: bool,
}

impl AnswerForm {
    pub fn parse(body: &str) -> AnswerForm {
        let mut fields: HashMap<String, Vec<String>> = HashMap::new();
        for field in Form::values(body) {
            let name = field.name.source().as_str();
            let name = RawStr::new(name).url_decode_lossy().into_owned();
            let value = RawStr::new(field.value).url_decode_lossy().into_owned();
            fields.entry(name).or_default().push(value);
        }
        AnswerForm {
            fields,
            refused: false,
        }
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn all(&self, name: &str) -> &[String] {
        self.fields.get(name).map_or(&[], Vec::as_slice)
    }

    /// "submit" unless the respondent pressed "save for later".
    pub fn wants_save(&self) -> bool {
        self.action() == Some("save")
    }

    /// The button pressed: `submit`, `save`, `next` or `back` (none when Enter sent the form
    /// without one, or a script posted it).
    pub fn action(&self) -> Option<&str> {
        self.first("action")
    }

    /// The page (0-based) the form was shown as, from its 1-based `page` field; none on a
    /// survey of one page, or from a client that posts every answer at once.
    pub fn page(&self) -> Option<usize> {
        self.first("page")?
            .trim()
            .parse::<usize>()
            .ok()?
            .checked_sub(1)
    }

    pub fn submission_key(&self) -> Option<&str> {
        self.first("submission")
            .filter(|k| !k.is_empty() && k.len() <= 64)
    }

    /// The answers given, as JSON values keyed by question id (unchecked).
    pub fn answers(&self, questions: &[Question]) -> Map<String, Value> {
        let mut answers = Map::new();
        for question in questions {
            let name = format!("q.{}", question.id);
            let value = match &question.kind {
                Kind::Text { .. } | Kind::LongText { .. } => {
                    self.first(&name).map(|v| Value::String(v.to_string()))
                }
                Kind::SingleChoice { .. } => match self.first(&name) {
                    Some(OTHER) => self
                        .first(&format!("{name}.other"))
                        .map(|v| Value::String(v.to_string())),
                    Some(choice) => Some(Value::String(choice.to_string())),
                    None => None,
                },
                Kind::MultiChoice { .. } => {
                    let chosen = self.all(&name);
                    (!chosen.is_empty())
                        .then(|| Value::Array(chosen.iter().cloned().map(Value::String).collect()))
                }
                Kind::Rating { .. } | Kind::Nps => self
                    .first(&name)
                    .filter(|v| !v.is_empty())
                    .map(number_or_text),
                Kind::Ranking { options } => self.ranking(&name, options),
                Kind::Competitor {
                    brands, attributes, ..
                } => self.grid(&name, brands, attributes),
            };
            if let Some(value) = value {
                answers.insert(question.id.clone(), value);
            }
        }
        answers
    }

    /// Options ordered by the places given; incomplete or tied places give a shorter list,
    /// which the answer check reports.
    fn ranking(&self, name: &str, options: &[String]) -> Option<Value> {
        let mut placed: Vec<(i64, &String)> = options
            .iter()
            .enumerate()
            .filter_map(|(i, option)| {
                let place = self.first(&format!("{name}.{i}"))?.parse::<i64>().ok()?;
                Some((place, option))
            })
            .collect();
        if placed.is_empty() {
            return None;
        }
        placed.sort_by_key(|(place, _)| *place);
        placed.dedup_by_key(|(place, _)| *place);
        Some(Value::Array(
            placed
                .into_iter()
                .map(|(_, o)| Value::String(o.clone()))
                .collect(),
        ))
    }

    /// The cells given, by brand: a score, or null for "don't know". Cells left empty are
    /// left out, so a grid answered entirely "don't know" is an answer and an untouched one
    /// is not.
    fn grid(&self, name: &str, brands: &[String], attributes: &[String]) -> Option<Value> {
        let mut grid = Map::new();
        for (b, brand) in brands.iter().enumerate() {
            let mut row = Map::new();
            for (a, attribute) in attributes.iter().enumerate() {
                let cell = match self.first(&format!("{name}.{b}.{a}")) {
                    None | Some("") => continue,
                    Some(DONT_KNOW) => Value::Null,
                    Some(score) => number_or_text(score),
                };
                row.insert(attribute.clone(), cell);
            }
            if !row.is_empty() {
                grid.insert(brand.clone(), Value::Object(row));
            }
        }
        (!grid.is_empty()).then_some(Value::Object(grid))
    }
}

fn number_or_text(text: &str) -> Value {
    text.trim()
        .parse::<i64>()
        .map_or_else(|_| Value::String(text.to_string()), Value::from)
}

#[rocket::async_trait]
impl<'r> FromData<'r> for AnswerForm {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, Error> {
        let body = match crate::web::csrf::read_body(req, data).await {
            Ok(body) => body,
            Err(refusal) => return Outcome::Error(refusal),
        };
        let mut form = AnswerForm::parse(&body);
        // A refused token (an expired page, cookies cleared) must not cost the respondent what
        // they typed: the handler shows the form again, with a fresh token, and stores nothing.
        form.refused = crate::web::csrf::verify(req, &body).is_err();
        Outcome::Success(form)
    }
}
