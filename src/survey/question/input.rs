//! A question as the API accepts it, flat and with every field optional, and its validation
//! into a typed `Question`: every problem is reported with its path, e.g. `questions[3].options`.

use std::collections::HashSet;

use serde::Deserialize;

use super::{Kind, Question, Scale};
use crate::error::{Error, Result};
use crate::web::text::{self, Lines};
use crate::web::wording::counted;

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
    pub page_break: Option<bool>,
    pub page_title: Option<String>,
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

/// Trimmed text within `max` characters; a help text may run over several lines, the rest
/// (prompts, options, labels, sections, page titles) stay on one.
fn clean_text(field: &str, text: &str, max: usize, required: bool) -> Result<String> {
    clean_lines(field, text, max, required, Lines::One)
}

fn clean_lines(
    field: &str,
    text: &str,
    max: usize,
    required: bool,
    lines: Lines,
) -> Result<String> {
    let text = text.trim();
    text::check(field, text, lines)?;
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

/// The items of a list field (options, brands, attributes), trimmed, with a count between
/// `min` and [`MAX_OPTIONS`] and no item twice; `what` names an item and several items.
fn clean_list(
    field: &str,
    items: &[String],
    min: usize,
    what: (&str, &str),
) -> Result<Vec<String>> {
    let (one, other) = what;
    if items.len() < min {
        return Err(Error::invalid(
            field,
            format!("needs at least {}", counted(min, one, other)),
        ));
    }
    if items.len() > MAX_OPTIONS {
        return Err(Error::invalid(
            field,
            format!("may have at most {}", counted(MAX_OPTIONS, one, other)),
        ));
    }
    let mut seen = HashSet::new();
    let mut cleaned = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item = clean_text(&format!("{field}[{i}]"), item, MAX_OPTION, true)?;
        if !seen.insert(item.to_lowercase()) {
            // The item's own words say which one better than its position does; the field
            // keeps the position for programs.
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                format!("“{item}” is listed twice"),
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
            Some(help) => Some(clean_lines(
                &field("help"),
                help,
                MAX_PROMPT,
                false,
                Lines::Many,
            )?)
            .filter(|h| !h.is_empty()),
            None => None,
        };
        let section = match self.section.as_deref() {
            Some(section) => Some(clean_text(&field("section"), section, MAX_OPTION, true)?),
            None => None,
        };
        let page_break = self.page_break.unwrap_or(false);
        let page_title = match self.page_title.as_deref() {
            // Without a break there is no page for the title to head, and silently dropping it
            // would hide the mistake.
            Some(_) if !page_break => {
                return Err(Error::invalid(
                    field("page_title"),
                    "needs page_break: true (a title heads the page this question starts)",
                ));
            }
            Some(title) => Some(clean_text(&field("page_title"), title, MAX_OPTION, false)?)
                .filter(|t| !t.is_empty()),
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
                ("option", "options"),
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
                    ("brand", "brands (ours first)"),
                )?,
                attributes: clean_list(
                    &field("attributes"),
                    self.attributes.as_deref().unwrap_or(&[]),
                    1,
                    ("attribute", "attributes"),
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
            page_break,
            page_title,
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
            page_break: q.page_break.then_some(true),
            page_title: q.page_title.clone(),
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
