//! A question form as the survey page draws it: the kinds a designer can pick, and the fields
//! each kind shows (options, brands, attributes, a scale with its labels), filled with what is
//! stored or with what was typed.

use serde::Serialize;

use super::forms::QuestionForm;
use super::forms::text_lines;

/// Every question kind, with the name designers see, in the order the select offers them.
pub(super) const KINDS: [(&str, &str); 8] = [
    ("text", "Short text"),
    ("long_text", "Long text"),
    ("single_choice", "Single choice"),
    ("multi_choice", "Multiple choice"),
    ("rating", "Rating"),
    ("nps", "Net Promoter Score (0–10)"),
    ("ranking", "Ranking"),
    ("competitor", "Competitor comparison"),
];

pub(super) fn kind_label(name: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(value, _)| *value == name)
        .map_or("Question", |(_, label)| label)
}

#[derive(Serialize)]
struct KindOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// A question form as the template draws it.
#[derive(Serialize)]
pub(super) struct FormView {
    /// Makes the ids of this form's fields unique on the page.
    pub(super) prefix: String,
    pub(super) action: String,
    pub(super) button: &'static str,
    kinds: Vec<KindOption>,
    pub(super) error: Option<String>,
    pub(super) open: bool,
    options_lines: Vec<String>,
    attributes_lines: Vec<String>,
    shows: Shows,
    #[serde(flatten)]
    fields: QuestionForm,
}

/// Which of the kind-specific fields a question form shows for the kind it holds.
#[derive(Serialize)]
struct Shows {
    options: bool,
    choices: bool,
    brands: bool,
    attributes: bool,
    scale: bool,
}

impl Shows {
    fn of(kind: &str) -> Shows {
        let competitor = kind == "competitor";
        let choices = matches!(kind, "single_choice" | "multi_choice" | "ranking");
        Shows {
            options: competitor || choices,
            choices,
            brands: competitor,
            attributes: competitor,
            scale: competitor || kind == "rating",
        }
    }
}

pub(super) fn form_view(
    prefix: String,
    action: String,
    button: &'static str,
    fields: QuestionForm,
) -> FormView {
    FormView {
        prefix,
        action,
        button,
        kinds: KINDS
            .iter()
            .map(|&(value, label)| KindOption {
                value,
                label,
                selected: value == fields.kind,
            })
            .collect(),
        error: None,
        open: false,
        options_lines: text_lines(&fields.options),
        attributes_lines: text_lines(&fields.attributes),
        shows: Shows::of(fields.kind.trim()),
        fields,
    }
}
