//! The survey page's forms as posted, and as shown again with what was typed when the server
//! refuses them.

use rocket::form::FromForm;
use serde::Serialize;

use crate::survey::{Kind, Question};

/// The fields of the add and edit question forms, as posted and as shown again.
#[derive(FromForm, Serialize, Clone, Default)]
pub(super) struct QuestionForm {
    #[serde(skip)]
    pub csrf: String,
    /// The id of the question an edit is about (empty when adding).
    #[field(default = String::new())]
    pub question: String,
    #[field(default = String::new())]
    pub kind: String,
    #[field(default = String::new())]
    pub prompt: String,
    #[field(default = String::new())]
    pub help: String,
    pub required: bool,
    /// Options, one per line; the brands (ours first) of a competitor comparison.
    #[field(default = String::new())]
    pub options: String,
    /// The attributes of a competitor comparison, one per line.
    #[field(default = String::new())]
    pub attributes: String,
    #[field(default = String::new())]
    pub scale_min: String,
    #[field(default = String::new())]
    pub scale_max: String,
}

impl QuestionForm {
    /// The form for a new question: an open question, as the survey advice prefers.
    pub(super) fn blank() -> Self {
        QuestionForm {
            kind: "long_text".into(),
            scale_min: "1".into(),
            scale_max: "5".into(),
            ..Default::default()
        }
    }

    /// The form filled with a stored question.
    pub(super) fn of(q: &Question) -> Self {
        let mut form = QuestionForm {
            question: q.id.clone(),
            kind: q.kind.name().into(),
            prompt: q.prompt.clone(),
            help: q.help.clone().unwrap_or_default(),
            required: q.required,
            ..QuestionForm::blank()
        };
        match &q.kind {
            Kind::Rating { scale } => {
                form.scale_min = scale.min.to_string();
                form.scale_max = scale.max.to_string();
            }
            Kind::Competitor {
                brands,
                attributes,
                scale,
            } => {
                form.options = brands.join("\n");
                form.attributes = attributes.join("\n");
                form.scale_min = scale.min.to_string();
                form.scale_max = scale.max.to_string();
            }
            kind => form.options = kind.options().join("\n"),
        }
        form
    }
}

/// The fields of the survey texts form, as posted and as shown again.
#[derive(FromForm, Serialize, Clone, Default)]
pub(super) struct DetailsForm {
    #[serde(skip)]
    pub csrf: String,
    #[field(default = String::new())]
    pub title: String,
    #[field(default = String::new())]
    pub intro: String,
    #[field(default = String::new())]
    pub thank_you: String,
    pub language: Option<String>,
    pub anonymous: bool,
}

crate::csrf_protected!(QuestionForm, DetailsForm);
