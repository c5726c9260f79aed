//! Answers written back as the form fields that post them, so that a paged survey's form carries
//! the answers of its other pages in hidden fields. Nothing is stored between the pages of an
//! open link: the form is the only place its answers live until the last page is sent, and they
//! come back through the same parsing (`AnswerForm::answers`) and checking as typed ones.

use serde::Serialize;
use serde_json::Value;

use super::form::{DONT_KNOW, OTHER};
use crate::survey::question::{Kind, Question};

/// One hidden field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

fn field(name: impl Into<String>, value: impl Into<String>) -> Field {
    Field {
        name: name.into(),
        value: value.into(),
    }
}

/// A scalar as the form sends it: text as it is, a number in digits; anything else (which the
/// form cannot produce) is left out.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The fields that post `value` back as the answer to `question`.
pub fn fields(question: &Question, value: &Value) -> Vec<Field> {
    let name = format!("q.{}", question.id);
    match &question.kind {
        Kind::Text { .. } | Kind::LongText { .. } | Kind::Rating { .. } | Kind::Nps => {
            scalar(value).map(|v| field(&name, v)).into_iter().collect()
        }
        Kind::SingleChoice { options, other } => match value.as_str() {
            Some(text) if *other && !options.iter().any(|o| o == text) => {
                vec![field(&name, OTHER), field(format!("{name}.other"), text)]
            }
            Some(text) => vec![field(&name, text)],
            None => Vec::new(),
        },
        Kind::MultiChoice { .. } => value
            .as_array()
            .map(|chosen| chosen.iter().filter_map(scalar).map(|v| field(&name, v)))
            .into_iter()
            .flatten()
            .collect(),
        Kind::Ranking { options } => {
            let order: Vec<&str> = value
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            options
                .iter()
                .enumerate()
                .filter_map(|(i, option)| {
                    let place = order.iter().position(|o| o == option)? + 1;
                    Some(field(format!("{name}.{i}"), place.to_string()))
                })
                .collect()
        }
        Kind::Competitor {
            brands, attributes, ..
        } => {
            let Some(grid) = value.as_object() else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for (b, brand) in brands.iter().enumerate() {
                let Some(row) = grid.get(brand).and_then(Value::as_object) else {
                    continue;
                };
                for (a, attribute) in attributes.iter().enumerate() {
                    let cell = match row.get(attribute) {
                        Some(Value::Null) => DONT_KNOW.to_string(),
                        Some(score) => match scalar(score) {
                            Some(score) => score,
                            None => continue,
                        },
                        None => continue,
                    };
                    out.push(field(format!("{name}.{b}.{a}"), cell));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::respond::form::AnswerForm;
    use crate::survey::{QuestionInput, Scale};

    fn question(kind: &str, set: impl FnOnce(&mut QuestionInput)) -> Question {
        let mut input = QuestionInput {
            id: Some(format!("q_{kind}")),
            kind: Some(kind.to_string()),
            prompt: Some("Which?".to_string()),
            ..QuestionInput::default()
        };
        set(&mut input);
        input.validate("questions[0]").unwrap()
    }

    fn options(input: &mut QuestionInput) {
        input.options = Some(vec!["Red & blue".into(), "Green=1".into(), "Ünï".into()]);
    }

    /// Every kind's answer survives being written as fields, posted and read back.
    #[test]
    fn answers_come_back_as_they_went() {
        let cases = [
            (question("text", |_| {}), json!("a & b = c\r\nline two")),
            (question("long_text", |_| {}), json!("")),
            (
                question("single_choice", |i| {
                    options(i);
                    i.other = Some(true);
                }),
                json!("my own + words"),
            ),
            (question("single_choice", options), json!("Green=1")),
            (
                question("multi_choice", options),
                json!(["Ünï", "Red & blue"]),
            ),
            (question("rating", |_| {}), json!(4)),
            (question("rating", |_| {}), json!("not a number")),
            (question("nps", |_| {}), json!(0)),
            (question("ranking", options), json!(["Ünï", "Red & blue"])),
            (
                question("competitor", |i| {
                    i.brands = Some(vec!["Us".into(), "Them".into()]);
                    i.attributes = Some(vec!["Price".into(), "Speed".into()]);
                    i.scale = Some(Scale::default());
                }),
                json!({"Us": {"Price": 4, "Speed": null}, "Them": {"Speed": 2}}),
            ),
        ];
        for (q, value) in cases {
            let posted: Vec<(String, String)> = fields(&q, &value)
                .into_iter()
                .map(|f| (f.name, f.value))
                .collect();
            let body = posted
                .iter()
                .map(|(n, v)| format!("{}={}", urlencode(n), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let back = AnswerForm::parse(&body).answers(std::slice::from_ref(&q));
            let mut expected = Map::new();
            expected.insert(q.id.clone(), value.clone());
            assert_eq!(back, expected, "{} {value}", q.kind.name());
        }
    }

    fn urlencode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
}
