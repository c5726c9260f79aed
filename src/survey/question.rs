//! Questions and their eight kinds: the typed form stored and served, the flat input form the
//! API accepts (every problem reported with its path, e.g. `questions[3].options`), and the
//! check of an answer value against its question.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// A rating scale; 1–5 unless a question says otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<String>,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            min: 1,
            max: 5,
            min_label: None,
            max_label: None,
        }
    }
}

/// What a question asks for, with the fields that kind needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    LongText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    SingleChoice {
        options: Vec<String>,
        #[serde(default)]
        other: bool,
    },
    MultiChoice {
        options: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_choices: Option<u32>,
    },
    Rating {
        #[serde(default)]
        scale: Scale,
    },
    Nps,
    Ranking {
        options: Vec<String>,
    },
    Competitor {
        brands: Vec<String>,
        attributes: Vec<String>,
        #[serde(default)]
        scale: Scale,
    },
}

impl Kind {
    /// The name used in the API (`single_choice`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Text { .. } => "text",
            Kind::LongText { .. } => "long_text",
            Kind::SingleChoice { .. } => "single_choice",
            Kind::MultiChoice { .. } => "multi_choice",
            Kind::Rating { .. } => "rating",
            Kind::Nps => "nps",
            Kind::Ranking { .. } => "ranking",
            Kind::Competitor { .. } => "competitor",
        }
    }

    /// Open questions ask for the respondent's own words.
    pub fn is_open(&self) -> bool {
        matches!(self, Kind::Text { .. } | Kind::LongText { .. })
    }

    /// Ratings and scores: a number on a scale.
    pub fn is_rating(&self) -> bool {
        matches!(self, Kind::Rating { .. } | Kind::Nps)
    }

    /// The options of a choice or ranking question.
    pub fn options(&self) -> &[String] {
        match self {
            Kind::SingleChoice { options, .. }
            | Kind::MultiChoice { options, .. }
            | Kind::Ranking { options } => options,
            _ => &[],
        }
    }
}

/// A question as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    pub id: String,
    #[serde(flatten)]
    pub kind: Kind,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub required: bool,
    /// The section of a scored questionnaire (e.g. the self-assessment) this question belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// A question as the API accepts it: every field optional and flat, so that a field that does
/// not belong to the kind is reported by name instead of silently dropped.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub prompt: Option<String>,
    pub help: Option<String>,
    pub required: Option<bool>,
    pub section: Option<String>,
    pub max_length: Option<u32>,
    pub options: Option<Vec<String>>,
    pub other: Option<bool>,
    pub max_choices: Option<u32>,
    pub scale: Option<Scale>,
    pub brands: Option<Vec<String>>,
    pub attributes: Option<Vec<String>>,
}

pub const MAX_PROMPT: usize = 1000;
pub const MAX_OPTION: usize = 200;
pub const MAX_OPTIONS: usize = 50;
pub const MAX_TEXT_ANSWER: u32 = 10_000;

fn clean_text(field: &str, text: &str, max: usize, required: bool) -> Result<String> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_string())
}

fn clean_list(field: &str, items: &[String], min: usize, what: &str) -> Result<Vec<String>> {
    if items.len() < min {
        return Err(Error::invalid(
            field,
            format!("needs at least {min} {what}"),
        ));
    }
    if items.len() > MAX_OPTIONS {
        return Err(Error::invalid(
            field,
            format!("may have at most {MAX_OPTIONS} {what}"),
        ));
    }
    let mut seen = HashSet::new();
    let mut cleaned = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item = clean_text(&format!("{field}[{i}]"), item, MAX_OPTION, true)?;
        if !seen.insert(item.to_lowercase()) {
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                format!("`{item}` appears twice"),
            ));
        }
        cleaned.push(item);
    }
    Ok(cleaned)
}

fn check_scale(field: &str, scale: Scale) -> Result<Scale> {
    if scale.min < 0 || scale.max > 100 || scale.max - scale.min < 1 || scale.max - scale.min > 20 {
        return Err(Error::invalid(
            field,
            "needs 0 ≤ min < max ≤ 100 with at most 21 points",
        ));
    }
    for (name, label) in [
        ("min_label", &scale.min_label),
        ("max_label", &scale.max_label),
    ] {
        if let Some(label) = label {
            clean_text(&format!("{field}.{name}"), label, MAX_OPTION, false)?;
        }
    }
    Ok(scale)
}

impl QuestionInput {
    /// Checks the input and makes the typed question; `at` is its path, e.g. `questions[3]`.
    pub fn validate(self, at: &str) -> Result<Question> {
        let field = |name: &str| format!("{at}.{name}");
        let kind_name = self
            .kind
            .as_deref()
            .ok_or_else(|| Error::invalid(field("kind"), "is required"))?;
        let prompt = clean_text(
            &field("prompt"),
            self.prompt.as_deref().unwrap_or(""),
            MAX_PROMPT,
            true,
        )?;
        let help = match self.help.as_deref() {
            Some(help) => {
                Some(clean_text(&field("help"), help, MAX_PROMPT, false)?).filter(|h| !h.is_empty())
            }
            None => None,
        };
        let section = match self.section.as_deref() {
            Some(section) => Some(clean_text(&field("section"), section, MAX_OPTION, true)?),
            None => None,
        };
        // Fields a kind does not use are refused by name rather than silently dropped.
        let allowed: &[&str] = match kind_name {
            "text" | "long_text" => &["max_length"],
            "single_choice" => &["options", "other"],
            "multi_choice" => &["options", "max_choices"],
            "rating" => &["scale"],
            "nps" => &[],
            "ranking" => &["options"],
            "competitor" => &["brands", "attributes", "scale"],
            other => {
                return Err(Error::invalid(
                    field("kind"),
                    format!(
                        "`{other}` is not a kind; use text, long_text, single_choice, multi_choice, rating, nps, ranking or competitor"
                    ),
                ));
            }
        };
        let present = [
            ("max_length", self.max_length.is_some()),
            ("options", self.options.is_some()),
            ("other", self.other.is_some()),
            ("max_choices", self.max_choices.is_some()),
            ("scale", self.scale.is_some()),
            ("brands", self.brands.is_some()),
            ("attributes", self.attributes.is_some()),
        ];
        if let Some((name, _)) = present
            .iter()
            .find(|(name, set)| *set && !allowed.contains(name))
        {
            return Err(Error::invalid(
                field(name),
                format!("is not used by {kind_name} questions"),
            ));
        }
        let options = |min: usize| {
            clean_list(
                &field("options"),
                self.options.as_deref().unwrap_or(&[]),
                min,
                "options",
            )
        };
        let max_length = |value: Option<u32>| match value {
            Some(n) if n == 0 || n > MAX_TEXT_ANSWER => Err(Error::invalid(
                field("max_length"),
                format!("must be from 1 to {MAX_TEXT_ANSWER}"),
            )),
            other => Ok(other),
        };
        let kind = match kind_name {
            "text" => Kind::Text {
                max_length: max_length(self.max_length)?,
            },
            "long_text" => Kind::LongText {
                max_length: max_length(self.max_length)?,
            },
            "single_choice" => Kind::SingleChoice {
                options: options(2)?,
                other: self.other.unwrap_or(false),
            },
            "multi_choice" => {
                let options = options(2)?;
                if let Some(max) = self.max_choices
                    && (max == 0 || max as usize > options.len())
                {
                    return Err(Error::invalid(
                        field("max_choices"),
                        format!("must be from 1 to {}", options.len()),
                    ));
                }
                Kind::MultiChoice {
                    options,
                    max_choices: self.max_choices,
                }
            }
            "rating" => Kind::Rating {
                scale: check_scale(&field("scale"), self.scale.unwrap_or_default())?,
            },
            "nps" => Kind::Nps,
            "ranking" => Kind::Ranking {
                options: options(2)?,
            },
            _ => Kind::Competitor {
                brands: clean_list(
                    &field("brands"),
                    self.brands.as_deref().unwrap_or(&[]),
                    2,
                    "brands (ours first)",
                )?,
                attributes: clean_list(
                    &field("attributes"),
                    self.attributes.as_deref().unwrap_or(&[]),
                    1,
                    "attributes",
                )?,
                scale: check_scale(&field("scale"), self.scale.unwrap_or_default())?,
            },
        };
        let id = match self.id {
            Some(id) if valid_id(&id) => id,
            Some(_) => {
                return Err(Error::invalid(
                    field("id"),
                    "may hold only letters, digits, - and _ (at most 64)",
                ));
            }
            None => crate::ids::new_id(),
        };
        Ok(Question {
            id,
            kind,
            prompt,
            help,
            required: self.required.unwrap_or(false),
            section,
        })
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl From<&Question> for QuestionInput {
    fn from(q: &Question) -> Self {
        let mut input = QuestionInput {
            id: Some(q.id.clone()),
            kind: Some(q.kind.name().to_string()),
            prompt: Some(q.prompt.clone()),
            help: q.help.clone(),
            required: Some(q.required),
            section: q.section.clone(),
            ..QuestionInput::default()
        };
        match &q.kind {
            Kind::Text { max_length } | Kind::LongText { max_length } => {
                input.max_length = *max_length
            }
            Kind::SingleChoice { options, other } => {
                input.options = Some(options.clone());
                input.other = Some(*other);
            }
            Kind::MultiChoice {
                options,
                max_choices,
            } => {
                input.options = Some(options.clone());
                input.max_choices = *max_choices;
            }
            Kind::Rating { scale } => input.scale = Some(scale.clone()),
            Kind::Nps => {}
            Kind::Ranking { options } => input.options = Some(options.clone()),
            Kind::Competitor {
                brands,
                attributes,
                scale,
            } => {
                input.brands = Some(brands.clone());
                input.attributes = Some(attributes.clone());
                input.scale = Some(scale.clone());
            }
        }
        input
    }
}

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
        }
    }
}

/// Whether an answer value says nothing (null, blank text, an empty list or grid).
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(|v| {
            v.is_null()
                || v.as_object()
                    .is_some_and(|m| m.values().all(Value::is_null))
        }),
        _ => false,
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
                let limit = max_length.unwrap_or(MAX_TEXT_ANSWER) as usize;
                if text.chars().count() > limit {
                    return Err(AnswerProblem::TooLong);
                }
                Ok(Some(Value::String(text.to_string())))
            }
            Kind::SingleChoice { options, other } => {
                let choice = value.as_str().ok_or(AnswerProblem::Malformed)?.trim();
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
