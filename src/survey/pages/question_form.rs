//! A question form as the survey page draws it: the kinds a designer can pick, and the fields
//! each kind shows (options, brands, attributes, a scale with its labels), filled with what is
//! stored or with what was typed.

use serde::Serialize;

use super::forms::QuestionForm;
use super::forms::text_lines;

/// Every question kind, with the staff-catalogue key of the name designers see, in the order
/// the select offers them.
pub(super) const KINDS: [(&str, &str); 8] = [
    ("text", "editor.kind.text"),
    ("long_text", "editor.kind.long_text"),
    ("single_choice", "editor.kind.single_choice"),
    ("multi_choice", "editor.kind.multi_choice"),
    ("rating", "editor.kind.rating"),
    ("nps", "editor.kind.nps"),
    ("ranking", "editor.kind.ranking"),
    ("competitor", "editor.kind.competitor"),
];

/// The staff-catalogue key of a kind's name.
pub(super) fn kind_label(name: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(value, _)| *value == name)
        .map_or("editor.kind.unknown", |(_, label)| label)
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
    /// The staff-catalogue key of the submit button's text.
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
