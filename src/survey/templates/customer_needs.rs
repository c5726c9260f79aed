//! The customer-needs template: a short, mostly open survey written to the survey advice in the
//! reference material.

use super::TemplateInfo;
use crate::survey::{Kind, Question, Scale, SurveyContent};

/// The shape of one customer-needs question; only the kinds that template uses.
enum Spec {
    Text,
    LongText,
    SingleChoice {
        options: &'static [&'static str],
        other: bool,
    },
    Nps,
    Competitor {
        brands: &'static [&'static str],
        attributes: &'static [&'static str],
        min_label: &'static str,
        max_label: &'static str,
    },
}

/// id, prompt, help, required, shape.
type Row = (&'static str, &'static str, Option<&'static str>, bool, Spec);

// Wording follows the source advice: open questions that invite specifics, no prompt that
// steers towards a favourable answer, one subject per question (the lint would flag a
// double-barrelled "X and Y?"), and no more than 10–15 questions in all.
const CUSTOMER_NEEDS: &[Row] = &[
    (
        "improve_first",
        "What should we improve first?",
        Some("Please be as specific as you can, for example a step that takes too long."),
        true,
        Spec::LongText,
    ),
    (
        "improve_example",
        "Think of a recent experience with us. What happened, step by step?",
        Some("A concrete example helps us find the cause, not just the symptom."),
        false,
        Spec::LongText,
    ),
    (
        "unmet_needs",
        "What do you need from us that you do not get today?",
        None,
        false,
        Spec::LongText,
    ),
    (
        "contact_channel",
        "How did you contact us the last time?",
        None,
        false,
        Spec::SingleChoice {
            options: &[
                "Phone",
                "Email",
                "Website chat",
                "In person",
                "Social media",
            ],
            other: true,
        },
    ),
    (
        "resolution_time",
        "How quickly was the matter you contacted us about resolved?",
        None,
        false,
        Spec::SingleChoice {
            options: &[
                "The same day",
                "Within 2–3 days",
                "Within a week",
                "Longer than a week",
                "Not solved yet",
            ],
            other: false,
        },
    ),
    (
        "contact_experience",
        "What, if anything, would have made that contact go better?",
        None,
        false,
        Spec::LongText,
    ),
    (
        "competitor_comparison",
        "How would you rate each company on the following points?",
        Some("Choose “Don't know” for a company you cannot judge."),
        false,
        Spec::Competitor {
            // Stand-ins in brackets, which lint flags until the designer names the companies
            // their customers actually compare them with.
            brands: &["Us", "[Competitor 1]", "[Competitor 2]"],
            attributes: &["Price", "Quality", "Speed of service", "Friendliness"],
            min_label: "Very poor",
            max_label: "Very good",
        },
    ),
    (
        "competitors_better",
        "What do other companies you buy from do better than we do?",
        None,
        false,
        Spec::LongText,
    ),
    (
        "recommend",
        "How likely is it that you would recommend us to someone you know?",
        None,
        false,
        Spec::Nps,
    ),
    (
        "recommend_why",
        "Why did you give that score?",
        Some("The reason behind a score tells us more than the score itself."),
        false,
        Spec::LongText,
    ),
    (
        "anything_else",
        "Is there anything else you would like to tell us?",
        None,
        false,
        Spec::Text,
    ),
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn question((id, prompt, help, required, spec): &Row) -> Question {
    let kind = match spec {
        Spec::Text => Kind::Text { max_length: None },
        Spec::LongText => Kind::LongText { max_length: None },
        Spec::SingleChoice { options, other } => Kind::SingleChoice {
            options: strings(options),
            other: *other,
        },
        Spec::Nps => Kind::Nps,
        Spec::Competitor {
            brands,
            attributes,
            min_label,
            max_label,
        } => Kind::Competitor {
            brands: strings(brands),
            attributes: strings(attributes),
            scale: Scale {
                min: 1,
                max: 5,
                min_label: Some(min_label.to_string()),
                max_label: Some(max_label.to_string()),
            },
        },
    };
    Question {
        id: id.to_string(),
        kind,
        prompt: prompt.to_string(),
        help: help.map(str::to_string),
        required: *required,
        section: None,
        page_break: false,
        page_title: None,
    }
}

pub(super) fn build(info: &TemplateInfo) -> SurveyContent {
    SurveyContent {
        title: info.title.to_string(),
        // The advice: explain why taking part matters, and keep it short.
        intro: "We want to get better at what matters to you. Your answers help us decide what \
            to improve first, so please tell us in your own words what works and what does not. \
            The survey has 11 short questions."
            .to_string(),
        thank_you: "Thank you for your time. We read every answer and will use them to improve \
            our service."
            .to_string(),
        language: "en".to_string(),
        anonymous: false,
        questions: CUSTOMER_NEEDS.iter().map(question).collect(),
    }
}
