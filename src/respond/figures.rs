//! A response in short, and the facts it counts for. The figures line keeps one token per
//! question of the survey, in the survey's order, separated by `;`: empty when unanswered, `t`
//! for an open answer (its words stay in the answers), the value of a rating or NPS, the index
//! of the option chosen (`x` for an "other" answer), the chosen option indexes of a multiple
//! choice and the option indexes of a ranking best first (joined by `.`), and a competitor
//! question's score per brand and attribute, brand by brand (`-` for "don't know").
//!
//! The line is what a segment's figures are counted from: reading one short column per
//! response and splitting it by hand is many times faster than loading and parsing every
//! answer's JSON. Questions of a published survey are frozen, so the indexes keep their meaning;
//! `hearken results rebuild` writes the lines again from the answers if anything ever differs.

use std::fmt::Write;

use serde_json::{Map, Value};

use crate::survey::question::{Kind, Question};

/// What one fact counts: a part of a question's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The question was answered (item empty, value 0).
    Answered,
    /// A rating's or NPS value (item empty).
    Value,
    /// An option chosen (item the option, or `other`; value 0).
    Choice,
    /// A ranking: item the option, value its rank (1 = best).
    Rank,
    /// A competitor score: item the brand and attribute, value the score.
    Score,
    /// Ours against another brand on one attribute: item the brand, value 1 (ours higher), 0
    /// (equal) or -1 (ours lower).
    HeadToHead,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Answered => "answered",
            Part::Value => "value",
            Part::Choice => "choice",
            Part::Rank => "rank",
            Part::Score => "score",
            Part::HeadToHead => "h2h",
        }
    }

    pub fn parse(text: &str) -> Option<Part> {
        Some(match text {
            "answered" => Part::Answered,
            "value" => Part::Value,
            "choice" => Part::Choice,
            "rank" => Part::Rank,
            "score" => Part::Score,
            "h2h" => Part::HeadToHead,
            _ => return None,
        })
    }
}

/// The item an "other" answer of a single choice is counted under.
pub const OTHER: &str = "other";

/// The figures line of a response's answers (keyed by question id).
pub fn line(questions: &[Question], answers: &Map<String, Value>) -> String {
    let mut line = String::new();
    for (i, question) in questions.iter().enumerate() {
        if i > 0 {
            line.push(';');
        }
        if let Some(value) = answers.get(&question.id) {
            token(&mut line, &question.kind, value);
        }
    }
    line
}

fn token(out: &mut String, kind: &Kind, value: &Value) {
    let position = |options: &[String], chosen: &str| options.iter().position(|o| o == chosen);
    match kind {
        Kind::Text { .. } | Kind::LongText { .. } => out.push('t'),
        Kind::Rating { .. } | Kind::Nps => {
            if let Some(n) = value.as_i64() {
                let _ = write!(out, "{n}");
            }
        }
        Kind::SingleChoice { options, .. } => {
            if let Some(chosen) = value.as_str() {
                match position(options, chosen) {
                    Some(index) => {
                        let _ = write!(out, "{index}");
                    }
                    None => out.push('x'),
                }
            }
        }
        Kind::MultiChoice { options, .. } | Kind::Ranking { options } => {
            let indexes = value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().and_then(|chosen| position(options, chosen)));
            let before = out.len();
            join(out, indexes);
            // An empty selection is still an answer; a lone `.` tells it from no answer.
            if out.len() == before {
                out.push('.');
            }
        }
        Kind::Competitor {
            brands, attributes, ..
        } => {
            let mut first = true;
            for brand in brands {
                for attribute in attributes {
                    if !first {
                        out.push('.');
                    }
                    first = false;
                    match value
                        .get(brand)
                        .and_then(|b| b.get(attribute))
                        .and_then(Value::as_i64)
                    {
                        Some(score) => {
                            let _ = write!(out, "{score}");
                        }
                        None => out.push('-'),
                    }
                }
            }
        }
    }
}

fn join(out: &mut String, indexes: impl Iterator<Item = usize>) {
    for (i, index) in indexes.enumerate() {
        if i > 0 {
            out.push('.');
        }
        let _ = write!(out, "{index}");
    }
}

/// What a fact is about, by position in its question's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// The question as a whole (answered, a rating's value).
    Whole,
    /// An option of a choice or ranking question.
    Option(u32),
    /// The "other" answer of a single choice.
    Other,
    /// A brand of a competitor question (head-to-head).
    Brand(u32),
    /// A brand's score on an attribute.
    Cell(u32, u32),
}

impl Item {
    /// The item as stored: the option, `other`, the brand, or brand and attribute joined by
    /// the unit separator (which no brand or attribute a person types contains).
    pub fn name(self, question: &Question) -> String {
        let named = |list: &[String], i: u32| list.get(i as usize).cloned().unwrap_or_default();
        match (self, &question.kind) {
            (Item::Whole, _) => String::new(),
            (Item::Other, _) => OTHER.to_string(),
            (Item::Option(i), kind) => named(kind.options(), i),
            (Item::Brand(b), Kind::Competitor { brands, .. }) => named(brands, b),
            (
                Item::Cell(b, a),
                Kind::Competitor {
                    brands, attributes, ..
                },
            ) => format!("{}\u{1f}{}", named(brands, b), named(attributes, a)),
            _ => String::new(),
        }
    }

    /// The item a stored name stands for in `question`, for facts of `part`.
    pub fn parse(question: &Question, part: Part, name: &str) -> Option<Item> {
        let find = |list: &[String], name: &str| {
            list.iter()
                .position(|o| o == name)
                .and_then(|i| u32::try_from(i).ok())
        };
        match (part, &question.kind) {
            (Part::Answered | Part::Value, _) => Some(Item::Whole),
            (Part::Choice, kind) => find(kind.options(), name)
                .map(Item::Option)
                .or_else(|| (name == OTHER).then_some(Item::Other)),
            (Part::Rank, kind) => find(kind.options(), name).map(Item::Option),
            (Part::HeadToHead, Kind::Competitor { brands, .. }) => {
                find(brands, name).map(Item::Brand)
            }
            (
                Part::Score,
                Kind::Competitor {
                    brands, attributes, ..
                },
            ) => {
                let (brand, attribute) = name.split_once('\u{1f}')?;
                Some(Item::Cell(
                    find(brands, brand)?,
                    find(attributes, attribute)?,
                ))
            }
            _ => None,
        }
    }
}

/// Calls `count` with each fact of a figures line: (question's index, part, item, value).
pub fn facts(questions: &[Question], line: &str, mut count: impl FnMut(usize, Part, Item, i64)) {
    for (q, (question, token)) in questions.iter().zip(line.split(';')).enumerate() {
        if token.is_empty() {
            continue;
        }
        count(q, Part::Answered, Item::Whole, 0);
        match &question.kind {
            Kind::Text { .. } | Kind::LongText { .. } => {}
            Kind::Rating { .. } | Kind::Nps => {
                if let Ok(n) = token.parse() {
                    count(q, Part::Value, Item::Whole, n);
                }
            }
            Kind::SingleChoice { options, .. } => {
                let item = match token {
                    "x" => Some(Item::Other),
                    _ => index_in(options, token).map(Item::Option),
                };
                if let Some(item) = item {
                    count(q, Part::Choice, item, 0);
                }
            }
            Kind::MultiChoice { options, .. } => {
                for part in token.split('.') {
                    if let Some(i) = index_in(options, part) {
                        count(q, Part::Choice, Item::Option(i), 0);
                    }
                }
            }
            Kind::Ranking { options } => {
                for (rank, part) in token.split('.').enumerate() {
                    if let Some(i) = index_in(options, part) {
                        count(q, Part::Rank, Item::Option(i), rank as i64 + 1);
                    }
                }
            }
            Kind::Competitor {
                brands, attributes, ..
            } => competitor_facts(q, brands.len(), attributes.len(), token, &mut count),
        }
    }
}

/// The option index a token names, when the question has that option.
fn index_in(options: &[String], token: &str) -> Option<u32> {
    token
        .parse::<u32>()
        .ok()
        .filter(|&i| (i as usize) < options.len())
}

fn competitor_facts(
    q: usize,
    brands: usize,
    attributes: usize,
    token: &str,
    count: &mut impl FnMut(usize, Part, Item, i64),
) {
    let scores: Vec<Option<i64>> = token.split('.').map(|s| s.parse().ok()).collect();
    let cell = |b: usize, a: usize| scores.get(b * attributes + a).copied().flatten();
    for b in 0..brands {
        for a in 0..attributes {
            let item = Item::Cell(b as u32, a as u32);
            if let Some(score) = cell(b, a) {
                count(q, Part::Score, item, score);
            }
            // Ours is the first brand; every other brand is compared with it per attribute.
            if b > 0
                && let (Some(ours), Some(theirs)) = (cell(0, a), cell(b, a))
            {
                count(
                    q,
                    Part::HeadToHead,
                    Item::Brand(b as u32),
                    (ours - theirs).signum(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn questions() -> Vec<Question> {
        serde_json::from_value(json!([
            {"id": "why", "kind": "long_text", "prompt": "Why?", "required": false},
            {"id": "speed", "kind": "rating", "prompt": "Speed", "required": false},
            {"id": "nps", "kind": "nps", "prompt": "Recommend?", "required": false},
            {"id": "how", "kind": "single_choice", "prompt": "How?", "required": false,
             "options": ["Email", "Phone"], "other": true},
            {"id": "what", "kind": "multi_choice", "prompt": "What?", "required": false,
             "options": ["A", "B", "C"]},
            {"id": "rank", "kind": "ranking", "prompt": "Rank", "required": false,
             "options": ["X", "Y", "Z"]},
            {"id": "vs", "kind": "competitor", "prompt": "Compare", "required": false,
             "brands": ["Us", "Them", "Others"], "attributes": ["Price", "Service"]}
        ]))
        .expect("questions")
    }

    fn facts_of(answers: Value) -> (String, Vec<(String, Part, String, i64)>) {
        let questions = questions();
        let answers = answers.as_object().cloned().expect("object");
        let line = line(&questions, &answers);
        let mut seen = Vec::new();
        facts(&questions, &line, |q, part, item, value| {
            let question = &questions[q];
            assert_eq!(
                Item::parse(question, part, &item.name(question)),
                Some(item)
            );
            seen.push((question.id.clone(), part, item.name(question), value));
        });
        (line, seen)
    }

    #[test]
    fn every_kind_becomes_a_token_and_its_facts() {
        let (line, facts) = facts_of(json!({
            "why": "Because", "speed": 4, "nps": 10, "how": "By pigeon",
            "what": ["A", "C"], "rank": ["Z", "X", "Y"],
            "vs": {"Us": {"Price": 4, "Service": 5}, "Them": {"Price": 4, "Service": null},
                   "Others": {"Price": 5, "Service": 2}}
        }));
        assert_eq!(line, "t;4;10;x;0.2;2.0.1;4.5.4.-.5.2");
        let has = |q: &str, part: Part, item: &str, value: i64| {
            facts
                .iter()
                .any(|f| f.0 == q && f.1 == part && f.2 == item && f.3 == value)
        };
        assert!(has("why", Part::Answered, "", 0));
        assert!(has("speed", Part::Value, "", 4));
        assert!(has("nps", Part::Value, "", 10));
        assert!(has("how", Part::Choice, OTHER, 0));
        assert!(has("what", Part::Choice, "A", 0) && has("what", Part::Choice, "C", 0));
        assert!(!has("what", Part::Choice, "B", 0));
        assert!(has("rank", Part::Rank, "Z", 1) && has("rank", Part::Rank, "Y", 3));
        assert!(has("vs", Part::Score, "Them\u{1f}Price", 4));
        assert!(!facts.iter().any(|f| f.2 == "Them\u{1f}Service"));
        assert!(has("vs", Part::HeadToHead, "Them", 0));
        assert!(has("vs", Part::HeadToHead, "Others", -1));
        assert!(has("vs", Part::HeadToHead, "Others", 1));
        assert_eq!(facts.iter().filter(|f| f.1 == Part::HeadToHead).count(), 3);
        assert_eq!(facts.iter().filter(|f| f.1 == Part::Answered).count(), 7);
    }

    #[test]
    fn unanswered_questions_and_empty_selections() {
        let (line, facts) = facts_of(json!({"what": [], "speed": 2}));
        assert_eq!(line, ";2;;;.;;");
        let answered: Vec<&str> = facts
            .iter()
            .filter(|f| f.1 == Part::Answered)
            .map(|f| f.0.as_str())
            .collect();
        assert_eq!(answered, ["speed", "what"]);
    }
}
